//! The command line, run as a user would: the quick tour writes a page; bad flags fail
//! with a message naming the flag.

use std::process::Command;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_unsupervised"))
}

#[test]
fn quick_tour_writes_an_index_page() {
    let out = std::env::temp_dir().join(format!("unsupervised-tour-{}", std::process::id()));
    let status = bin()
        .args(["tour", "--quick", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    let page = std::fs::read_to_string(out.join("index.html")).unwrap();
    assert!(page.starts_with("<!doctype html>") && page.trim_end().ends_with("</html>"));
    assert!(page.contains("Matrices and SIMD-friendly loops"));
    assert!(page.contains("identical bits on 1, 2 and 3 threads: <b>yes</b>"));
    assert!(page.contains("GFLOP/s"));
    let stderr = String::from_utf8_lossy(&status.stderr);
    assert!(stderr.contains("[1/1] linalg"), "{stderr}");
    assert!(
        !out.join("index.tmp").exists(),
        "temporary file left behind"
    );
    std::fs::remove_dir_all(&out).unwrap();
}

#[test]
fn bad_flags_fail_with_a_message_naming_them() {
    for (args, needle) in [
        (vec!["tour", "--bogus"], "--bogus"),
        (vec!["tour", "--out"], "--out needs a value"),
        (vec!["tour", "--chapter", "nope"], "--chapter nope"),
        (vec!["frobnicate"], "unknown command `frobnicate`"),
    ] {
        let out = bin().args(&args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(needle), "{args:?}: {stderr}");
        assert!(out.stdout.is_empty(), "{args:?} printed to stdout");
    }
}

#[test]
fn help_and_version_print_to_stdout() {
    let help = bin().arg("--help").output().unwrap();
    assert!(help.status.success());
    assert!(String::from_utf8_lossy(&help.stdout).contains("tour"));
    let tour_help = bin().args(["tour", "--help"]).output().unwrap();
    assert!(String::from_utf8_lossy(&tour_help.stdout).contains("--quick"));
    let version = bin().arg("--version").output().unwrap();
    assert_eq!(
        String::from_utf8_lossy(&version.stdout).trim(),
        format!("unsupervised {}", env!("CARGO_PKG_VERSION"))
    );
}
