//! Atomic writes: the whole new file or the old one, never half; no temporary file left
//! behind; a planted link at a temporary name is never followed.

use unsupervised::files::write_atomically;

fn scratch(name: &str) -> std::path::PathBuf {
    let dir =
        std::env::temp_dir().join(format!("unsupervised-files-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn write_atomically_replaces_the_file_and_leaves_nothing_else() {
    let dir = scratch("replace");
    let path = dir.join("model.bin");
    write_atomically(&path, b"first").unwrap();
    write_atomically(&path, b"second, longer").unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), b"second, longer");
    let names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(
        names,
        vec![std::ffi::OsString::from("model.bin")],
        "temporary files left"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[cfg(unix)]
#[test]
fn a_link_planted_at_the_temporary_name_is_not_followed() {
    let dir = scratch("link");
    let victim = dir.join("victim");
    std::fs::write(&victim, b"precious").unwrap();
    // The first temporary name the writer will try, pointing at the victim.
    let planted = dir.join(format!(".m.bin.{}.0.tmp", std::process::id()));
    std::os::unix::fs::symlink(&victim, &planted).unwrap();
    write_atomically(&dir.join("m.bin"), b"model").unwrap();
    assert_eq!(std::fs::read(&victim).unwrap(), b"precious");
    assert_eq!(std::fs::read(dir.join("m.bin")).unwrap(), b"model");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_failed_write_names_the_path_and_changes_nothing() {
    let dir = scratch("fail");
    let missing = dir.join("no such dir").join("f.bin");
    let err = write_atomically(&missing, b"x").unwrap_err().to_string();
    assert!(err.contains("no such dir"), "{err}");
    assert!(std::fs::read_dir(&dir).unwrap().next().is_none());
    std::fs::remove_dir_all(&dir).unwrap();
}
