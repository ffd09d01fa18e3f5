//! The command line, run as a user would: the quick tour writes a page whose every figure
//! exists and is a valid SVG or PNG; bad flags fail with a message naming the flag.

mod common;

use std::process::Command;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_unsupervised"))
}

/// The command's stdout; fails the test with its stderr unless it succeeded.
#[track_caller]
fn stdout_of_success(out: &std::process::Output) -> String {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).unwrap()
}

/// Fails with the end of the document unless it contains every key.
#[track_caller]
fn assert_has_keys(text: &str, keys: &[&str]) {
    for key in keys {
        assert!(
            text.contains(key),
            "{key} missing: {}",
            &text[text.len().saturating_sub(300)..]
        );
    }
}

/// Every `src="…"` in the page.
fn image_sources(page: &str) -> Vec<String> {
    page.split("src=\"")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .map(str::to_string)
        .collect()
}

#[test]
fn quick_tour_writes_a_page_whose_figures_all_exist() {
    let out = std::env::temp_dir().join(format!("unsupervised-tour-{}", std::process::id()));
    let run = bin()
        .args(["tour", "--quick", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let page = std::fs::read_to_string(out.join("index.html")).unwrap();
    assert!(page.starts_with("<!doctype html>") && page.trim_end().ends_with("</html>"));
    assert!(page.contains("Data sets") && page.contains("Matrices and SIMD-friendly loops"));
    assert!(page.contains("identical bits on 1, 2 and 3 threads: <b>yes</b>"));
    let sources = image_sources(&page);
    assert!(sources.len() >= 8, "{sources:?}");
    for src in &sources {
        let bytes = std::fs::read(out.join(src))
            .unwrap_or_else(|_| panic!("{src} is referenced but missing"));
        if src.ends_with(".svg") {
            let text = String::from_utf8(bytes).unwrap();
            assert!(
                text.starts_with("<svg") && text.trim_end().ends_with("</svg>"),
                "{src} is not an SVG document"
            );
            assert!(!text.contains("NaN"), "{src} has NaN coordinates");
        } else {
            assert!(src.ends_with(".png"), "{src}");
            assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "{src} signature");
            assert_eq!(
                &bytes[bytes.len() - 8..bytes.len() - 4],
                b"IEND",
                "{src} ends with IEND"
            );
        }
    }
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(
        [
            "[1/16] datasets",
            "[2/16] linalg",
            "[3/16] eigen",
            "[4/16] pca",
            "[5/16] kmeans",
            "[6/16] hierarchical",
            "[7/16] mixture",
            "[8/16] spectral",
            "[9/16] manifold",
            "[10/16] tsne",
            "[11/16] nn",
            "[12/16] autoencoder",
            "[13/16] vae",
            "[14/16] gan",
            "[15/16] visualize",
            "[16/16] image_prior"
        ]
        .iter()
        .all(|c| stderr.contains(c)),
        "{stderr}"
    );
    // A line per figure as it is written.
    assert!(
        stderr.contains("wrote mnist-grid.png")
            && stderr.contains("wrote vae-samples.png")
            && stderr.contains("wrote gan-saturation.svg")
            && stderr.contains("wrote visualize-texture.png")
            && stderr.contains("wrote image_prior-denoise-psnr.svg"),
        "{stderr}"
    );
    // Every chapter is built: nothing is listed as still to come.
    assert!(!stderr.contains("not built") && !page.contains("Not built yet"));
    // A table of contents with every chapter; book links relative to the page, never an
    // absolute path of this machine; the command that redraws each chapter.
    let contents = &page[page.find("<nav>").unwrap()..page.find("</nav>").unwrap()];
    assert_eq!(
        contents.matches("<li><a href=\"#").count(),
        16,
        "{contents}"
    );
    assert!(!page.contains("file://") && !page.contains("href=\"/") && !page.contains("src=\"/"));
    for href in page.split("class=\"book\" href=\"").skip(1) {
        let href = &href[..href.find('"').unwrap()];
        assert!(
            out.join(href).exists(),
            "the book link {href} leads nowhere from {}",
            out.display()
        );
    }
    assert!(page.contains("tour --chapter kmeans --quick --seed 0 --out DIR"));
    assert!(
        run.stdout.is_empty(),
        "the tour prints progress on stderr only"
    );
    let leftovers: Vec<_> = std::fs::read_dir(&out)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.path().extension().is_some_and(|x| x == "tmp"))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left behind");

    // One chapter only, into the same directory: the other chapter's files stay.
    let again = bin()
        .args(["tour", "--quick", "--chapter", "linalg", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(again.status.success());
    assert!(
        out.join("mnist-grid.png").exists(),
        "the tour never deletes files"
    );
    std::fs::remove_dir_all(&out).unwrap();
}

#[test]
fn datasets_lists_and_describes_with_json_on_stdout_only() {
    let list = bin().args(["datasets", "--json"]).output().unwrap();
    assert!(list.status.success());
    let text = String::from_utf8(list.stdout).unwrap();
    assert!(
        text.starts_with('[') && text.trim_end().ends_with(']') && text.contains("\"usarrests\""),
        "{text}"
    );
    let one = bin()
        .args(["datasets", "--data", "usarrests", "--json"])
        .output()
        .unwrap();
    let text = String::from_utf8(one.stdout).unwrap();
    assert!(
        text.contains("\"rows\":50")
            && text.contains("\"columns\":4")
            && text.contains("\"Murder\""),
        "{text}"
    );
    assert_eq!(text.trim().lines().count(), 1, "one JSON document");
    // Generated data follow --n and --seed; a file path works too.
    let dir = std::env::temp_dir().join(format!("unsupervised-data-{}", std::process::id()));
    let moons = bin()
        .args([
            "datasets", "--data", "moons", "--n", "40", "--seed", "3", "--json", "--out",
        ])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&moons.stdout).contains("\"rows\":40"));
    let npy = dir.join("moons.npy");
    assert!(npy.exists());
    let back = bin()
        .args(["datasets", "--json", "--data"])
        .arg(&npy)
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&back.stdout).contains("\"rows\":40"),
        "{}",
        String::from_utf8_lossy(&back.stderr)
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn bad_flags_fail_with_a_message_naming_them() {
    for (args, needle) in [
        (vec!["tour", "--bogus"], "--bogus"),
        (vec!["tour", "--out"], "--out needs a value"),
        (vec!["tour", "--chapter", "nope"], "--chapter nope"),
        (
            vec!["tour", "--seed", "x1"],
            "--seed x1: expected a whole number",
        ),
        (vec!["tour", "--quick=yes"], "--quick takes no value"),
        (vec!["datasets", "--data", "nowhere.csv"], "nowhere.csv"),
        (vec!["datasets", "--data", "iris"], "--data iris"),
        (vec!["datasets", "--noise", "loud"], "--noise loud"),
        (vec!["frobnicate"], "unknown command `frobnicate`"),
        // A library parameter is reported as the flag that sets it, as typed or defaulted.
        (vec!["kmeans", "--k", "0"], "--k 0: must be between 1"),
        (vec!["kmeans", "--n-init", "0"], "--n-init 0:"),
        (vec!["gmm", "--k", "0"], "--k 0:"),
        (
            vec!["kmeans", "--data", "usarrests", "--k", "51"],
            "--k 51: must be between 1 and the number of rows (50)",
        ),
        (
            vec!["spectral", "--data", "usarrests", "--k", "60"],
            "--k 60:",
        ),
        (
            vec!["manifold", "--data", "usarrests", "--dims", "0"],
            "--dims 0:",
        ),
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
    let text = String::from_utf8_lossy(&help.stdout);
    assert!(text.contains("tour") && text.contains("datasets"));
    for cmd in ["tour", "datasets"] {
        let h = bin().args([cmd, "--help"]).output().unwrap();
        assert!(h.status.success());
        assert!(
            String::from_utf8_lossy(&h.stdout).contains("--seed"),
            "{cmd} --help"
        );
    }
    let version = bin().arg("--version").output().unwrap();
    assert_eq!(
        String::from_utf8_lossy(&version.stdout).trim(),
        format!("unsupervised {}", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn eigen_prints_the_closed_form_spectrum_as_json() {
    // [[2, 1, 0], [1, 2, 1], [0, 1, 2]] has eigenvalues 2 - √2, 2, 2 + √2.
    let dir = std::env::temp_dir().join(format!("unsupervised-eigen-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("a.csv");
    std::fs::write(&path, "a,b,c\n2,1,0\n1,2,1\n0,1,2\n").unwrap();
    for method in ["auto", "jacobi", "tridiagonal", "lanczos"] {
        let out = bin()
            .args(["eigen", "--k", "2", "--json", "--method", method, "--data"])
            .arg(&path)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{method}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8(out.stdout).unwrap();
        let values: Vec<f64> = text
            .split("\"eigenvalues\":[")
            .nth(1)
            .and_then(|r| r.split(']').next())
            .unwrap()
            .split(',')
            .map(|v| v.parse().unwrap())
            .collect();
        assert!(
            (values[0] - (2.0 - 2f64.sqrt())).abs() < 1e-12 && (values[1] - 2.0).abs() < 1e-12,
            "{method}: {values:?}"
        );
        assert!(text.contains("\"eigenvectors\":[["), "{text}");
    }
    let bad = bin()
        .args(["eigen", "--data", "usarrests"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&bad.stderr).contains("50 x 4"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn pca_json_reproduces_islr_table_10_1() {
    let out = bin()
        .args(["pca", "--data", "usarrests", "--standardize", "--json"])
        .output()
        .unwrap();
    let text = stdout_of_success(&out);
    assert!(
        text.starts_with("{\"explained_variance_ratio\":[0.6200603"),
        "{text}"
    );
    // One loadings row per component; the first is ISLR's PC1 up to sign.
    let loadings = text.split("\"loadings\":[").nth(1).unwrap();
    assert!(
        loadings.starts_with("[0.53589947") && loadings.matches("],[").count() >= 3,
        "{text}"
    );
    let bad = bin()
        .args(["pca", "--data", "usarrests", "--n-components", "9"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--n-components 9"));
}

#[test]
fn kmeans_json_has_the_contracted_keys() {
    let out = bin()
        .args([
            "kmeans", "--data", "blobs", "--n", "90", "--k", "3", "--seed", "2", "--json",
        ])
        .output()
        .unwrap();
    let text = stdout_of_success(&out);
    assert_has_keys(
        &text,
        &[
            "\"inertia\":",
            "\"labels\":[",
            "\"centroids\":[[",
            "\"iterations\":",
            "\"converged\":true",
        ],
    );
    let labels = text
        .split("\"labels\":[")
        .nth(1)
        .unwrap()
        .split(']')
        .next()
        .unwrap();
    assert_eq!(labels.split(',').count(), 90);
    let bad = bin()
        .args(["kmeans", "--data", "blobs", "--k", "0"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--k 0: must be between 1"));
}

#[test]
fn kmeans_hamerly_matches_lloyd_and_out_writes_npy_files() {
    let run = |algorithm: &str, out: &std::path::Path| {
        let o = bin()
            .args([
                "kmeans", "--data", "digits", "--k", "10", "--n-init", "2", "--json",
            ])
            .args(["--algorithm", algorithm, "--out"])
            .arg(out)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8(o.stdout).unwrap()
    };
    let dir = std::env::temp_dir().join(format!("unsupervised-kmeans-{}", std::process::id()));
    let lloyd = run("lloyd", &dir);
    let labels = std::fs::read(dir.join("labels.npy")).unwrap();
    assert!(labels.starts_with(b"\x93NUMPY"));
    assert!(std::fs::read(dir.join("centroids.npy"))
        .unwrap()
        .starts_with(b"\x93NUMPY"));
    assert_eq!(run("hamerly", &dir), lloyd);
    assert_eq!(std::fs::read(dir.join("labels.npy")).unwrap(), labels);
    std::fs::remove_dir_all(&dir).unwrap();
    let bad = bin()
        .args(["kmeans", "--data", "digits", "--algorithm", "elkan"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--algorithm elkan"));
}

#[test]
fn spectral_json_has_the_contracted_keys() {
    let out = bin()
        .args([
            "spectral", "--data", "moons", "--n", "1000", "--k", "2", "--graph", "knn",
        ])
        .args(["--neighbors", "10", "--seed", "0", "--json"])
        .output()
        .unwrap();
    let text = stdout_of_success(&out);
    assert_has_keys(
        &text,
        &[
            "\"labels\":[",
            "\"eigenvalues\":[",
            "\"ari\":1",
            "\"nmi\":",
            "\"components\":",
        ],
    );
    let bad = bin()
        .args(["spectral", "--data", "moons", "--neighbors", "0"])
        .output()
        .unwrap();
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--neighbors 0"));
}

#[test]
fn hclust_json_has_the_contracted_keys() {
    let out = bin()
        .args([
            "hclust",
            "--data",
            "usarrests",
            "--standardize",
            "--linkage",
            "complete",
        ])
        .args(["--k", "4", "--json"])
        .output()
        .unwrap();
    let text = stdout_of_success(&out);
    // SciPy's first fusion: rows 14 and 28 at 0.20585385715734808.
    assert!(
        text.starts_with("{\"heights\":[0.2058538571573480"),
        "{}",
        &text[..80]
    );
    assert_has_keys(
        &text,
        &[
            "\"merges\":[[14,28],[12,31],",
            "\"sizes\":[2,2,",
            "\"labels\":[",
            "\"cophenetic_correlation\":0.69794",
        ],
    );
    let bad = bin()
        .args(["hclust", "--linkage", "wards"])
        .output()
        .unwrap();
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--linkage wards"));
}

#[test]
fn gmm_json_has_the_contracted_keys() {
    let out = bin()
        .args([
            "gmm",
            "--data",
            "faithful",
            "--k",
            "2",
            "--covariance",
            "full",
            "--seed",
            "0",
            "--json",
        ])
        .output()
        .unwrap();
    let text = stdout_of_success(&out);
    assert_has_keys(
        &text,
        &[
            "\"mean_log_likelihood\":-4.155",
            "\"weights\":[",
            "\"means\":[[",
            "\"covariances\":[[[",
            "\"bic\":2322.",
            "\"iterations\":",
        ],
    );
    let bad = bin()
        .args(["gmm", "--covariance", "banded"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--covariance banded"));
}

#[test]
fn tsne_json_has_the_contracted_keys_and_out_writes_the_map() {
    let dir = std::env::temp_dir().join(format!("unsupervised-tsne-{}", std::process::id()));
    let out = bin()
        .args([
            "tsne",
            "--data",
            "blobs",
            "--n",
            "300",
            "--perplexity",
            "20",
        ])
        .args([
            "--method",
            "barnes-hut",
            "--theta",
            "0.5",
            "--iterations",
            "200",
        ])
        .args(["--seed", "0", "--score", "--json", "--out"])
        .arg(&dir)
        .output()
        .unwrap();
    let text = stdout_of_success(&out);
    assert_has_keys(
        &text,
        &[
            "\"kl\":",
            "\"embedding\":[[",
            "\"iterations\":200",
            "\"seconds\":",
            "\"trustworthiness\":",
            "\"knn_accuracy\":1",
        ],
    );
    // 300 rows of [x, y].
    assert_eq!(text.matches("],[").count() + 1, 300);
    assert!(dir.join("embedding.npy").exists() && dir.join("tsne.svg").exists());
    // Progress goes to stderr every 50 iterations.
    assert!(String::from_utf8_lossy(&out.stderr).contains("iteration   150"));
    let _ = std::fs::remove_dir_all(&dir);
    let bad = bin()
        .args(["tsne", "--data", "blobs", "--n", "50", "--perplexity", "0"])
        .output()
        .unwrap();
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--perplexity 0"));
}

/// `umap`: the contracted keys (trustworthiness, knn_accuracy, seconds), the files, the
/// held-out points placed by transform, and bad values refused by the flag as typed.
#[test]
fn umap_json_has_the_contracted_keys_and_out_writes_the_map() {
    let dir = std::env::temp_dir().join(format!("unsupervised-umap-{}", std::process::id()));
    let out = bin()
        .args(["umap", "--data", "blobs", "--n", "300", "--neighbors", "15"])
        .args(["--min-dist", "0.1", "--epochs", "100", "--hold-out", "30"])
        .args(["--seed", "0", "--score", "--json", "--out"])
        .arg(&dir)
        .output()
        .unwrap();
    let text = stdout_of_success(&out);
    assert_has_keys(
        &text,
        &[
            "\"embedding\":[[",
            "\"trustworthiness\":",
            "\"knn_accuracy\":1",
            "\"seconds\":",
            "\"epochs\":100",
            // Three far blobs: the graph falls apart, so the spectral start falls back.
            "\"init\":\"random\"",
            "\"held_out\":30",
            "\"held_out_accuracy\":1",
        ],
    );
    // 270 fitted rows and 30 placed ones.
    assert_eq!(text.matches("],[").count() + 1, 300);
    let a = json_number(&text, "a");
    assert!((a - 1.577).abs() < 1e-3, "a = {a}");
    assert!(dir.join("embedding.npy").exists() && dir.join("umap.svg").exists());
    let _ = std::fs::remove_dir_all(&dir);
    for (args, message) in [
        (&["--neighbors", "0"][..], "--neighbors 0"),
        (&["--neighbors", "300"], "--neighbors 300"),
        (&["--min-dist", "-0.5"], "--min-dist -0.5"),
        (&["--min-dist", "2", "--spread", "1.5"], "--min-dist 2"),
        (&["--hold-out", "300"], "--hold-out 300"),
    ] {
        let mut all = vec!["--data", "blobs", "--n", "300"];
        all.extend_from_slice(args);
        refuses("umap", &all, message);
    }
}

#[test]
fn manifold_json_has_the_contracted_keys() {
    let out = bin()
        .args([
            "manifold",
            "--method",
            "isomap",
            "--data",
            "swissroll",
            "--n",
            "800",
        ])
        .args(["--neighbors", "10", "--dims", "2", "--seed", "0", "--json"])
        .output()
        .unwrap();
    let text = stdout_of_success(&out);
    assert_has_keys(
        &text,
        &["\"embedding\":[[", "\"seconds\":", "\"spearman\":0.99"],
    );
    let bad = bin()
        .args([
            "manifold",
            "--method",
            "hessian",
            "--data",
            "swissroll",
            "--n",
            "100",
        ])
        .args(["--neighbors", "4"])
        .output()
        .unwrap();
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--neighbors 4"));
}

#[test]
fn the_books_command_list_is_the_programs_help() {
    let out = bin().arg("--help").output().unwrap();
    let help = stdout_of_success(&out);
    let page =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/book/src/cli.md")).unwrap();
    assert!(
        page.contains(help.trim_end()),
        "book/src/cli.md's `unsupervised --help` block is out of date; paste:\n{help}"
    );
}

#[test]
fn classify_json_has_the_contracted_keys_and_a_saved_model_reloads() {
    let dir = std::env::temp_dir().join(format!("unsupervised-classify-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let model = dir.join("mlp.bin");
    let out = bin()
        .args([
            "classify", "--data", "digits", "--model", "mlp", "--epochs", "3", "--seed", "0",
            "--json", "--save",
        ])
        .arg(&model)
        .output()
        .unwrap();
    let text = stdout_of_success(&out);
    assert_has_keys(
        &text,
        &[
            "\"test_accuracy\":0.",
            "\"epochs\":[",
            "\"seconds\":",
            "\"test_accuracy_per_epoch\":[",
            "\"parameters\":50826",
        ],
    );
    assert_eq!(
        text.split("\"epochs\":[")
            .nth(1)
            .unwrap()
            .split(']')
            .next()
            .unwrap()
            .matches(',')
            .count(),
        2
    );
    // The saved model, loaded and only evaluated, scores the same.
    let accuracy = |t: &str| {
        t.split("\"test_accuracy\":")
            .nth(1)
            .unwrap()
            .split(',')
            .next()
            .unwrap()
            .to_string()
    };
    let again = bin()
        .args([
            "classify", "--data", "digits", "--epochs", "0", "--json", "--load",
        ])
        .arg(&model)
        .output()
        .unwrap();
    assert_eq!(accuracy(&stdout_of_success(&again)), accuracy(&text));
    // A model file of another architecture is refused with the parameter that differs.
    let cnn = bin()
        .args([
            "classify", "--data", "mnist", "--model", "cnn", "--epochs", "0", "--load",
        ])
        .arg(&model)
        .output()
        .unwrap();
    assert!(!cnn.status.success());
    assert!(
        String::from_utf8_lossy(&cnn.stderr).contains("a different architecture"),
        "{}",
        String::from_utf8_lossy(&cnn.stderr)
    );
    let _ = std::fs::remove_dir_all(&dir);
    for (args, message) in [
        (
            &["classify", "--data", "digits", "--model", "cnn"][..],
            "needs 28 x 28 images",
        ),
        (
            &["classify", "--data", "usarrests"][..],
            "classify knows mnist and digits",
        ),
        (
            &["classify", "--data", "digits", "--learning-rate", "0"][..],
            "--learning-rate 0",
        ),
        (
            &["classify", "--data", "digits", "--batch-size", "0"][..],
            "--batch-size 0",
        ),
    ] {
        let bad = bin().args(args).output().unwrap();
        assert!(!bad.status.success());
        assert!(
            String::from_utf8_lossy(&bad.stderr).contains(message),
            "{args:?}: {}",
            String::from_utf8_lossy(&bad.stderr)
        );
    }
}

/// Every value-taking flag of every command (read from the program's own `--help`), each
/// given values that are wrong for it: zero, negative, huge, 2^64 - 1, NaN, infinite, not a
/// number, or missing. Each must exit with status 2 (never a panic or an abort) and a
/// message that names the flag as typed. The exceptions are values a flag documents as
/// meaningful; they are listed with their reason and not run.
#[test]
fn every_flag_refuses_every_bad_value_by_name() {
    const VALUES: [&str; 8] = [
        "0",
        "-1",
        "18446744073709551615",
        "1e12",
        "NaN",
        "inf",
        "x1",
        "",
    ];
    // (flag, values it accepts): why.
    let accepted: &[(&str, &[&str])] = &[
        ("--seed", &["0", "18446744073709551615"]), // any u64 is a seed
        ("--tol", &["0"]),                          // 0: run until the assignments settle
        ("--theta", &["0"]),                        // 0: exact t-SNE gradients
        ("--noise", &["0"]),                        // noise-free generated data
        ("--epochs", &["0"]),                       // 0: evaluate a loaded model only
        ("--iterations", &["0"]),                   // 0: the initial map
        ("--pca-dims", &["0", "18446744073709551615", "1e12"]), // 0 or wider: no PCA step
        ("--learning-rate", &["18446744073709551615", "1e12"]), // a large step is legal; a blow-up is an error (run below)
        ("--sigma", &["18446744073709551615", "1e12"]), // a wide kernel: every weight near 1
        ("--radius", &["18446744073709551615", "1e12"]), // beyond the data's diameter: the complete graph
        ("--min-dist", &["0"]),                          // umap: map points may coincide
        ("--hold-out", &["0"]),                          // umap: fit on every point
        ("--beta", &["0"]),                              // vae: no KL term, a noisy autoencoder
        // Weights of loss terms: 0 drops a term, any finite size is legal.
        ("--lambda", &["0", "18446744073709551615", "1e12"]),
        ("--content-weight", &["0", "18446744073709551615", "1e12"]),
        ("--style-weight", &["0", "18446744073709551615", "1e12"]),
        ("--tv-weight", &["0", "18446744073709551615", "1e12"]),
        ("--kernel", &["0", "-1", "18446744073709551615", "1e12"]), // filter: a 1x1 kernel of your own
        ("--digit", &["0"]), // saliency: the first held-out digit
        ("--class", &["0"]),
        ("--smoothing", &["0"]),  // prior: no running average
        ("--code-noise", &["0"]), // prior: a fixed code
    ];
    let skip = ["--out", "--save"]; // paths to write: almost any text names one
    let scratch = std::env::temp_dir().join(format!("unsupervised-flags-{}", std::process::id()));
    std::fs::create_dir_all(&scratch).unwrap();
    std::fs::write(scratch.join("sym.csv"), "a,b,c\n2,1,0\n1,2,1\n0,1,2\n").unwrap();
    let help = stdout_of_success(&bin().arg("--help").output().unwrap());
    let commands: Vec<&str> = help
        .split("COMMANDS:")
        .nth(1)
        .unwrap()
        .split("OPTIONS:")
        .next()
        .unwrap()
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert!(commands.len() >= 11, "{commands:?}");
    let mut tried = 0;
    for command in commands {
        let text = stdout_of_success(&bin().args([command, "--help"]).output().unwrap());
        let flags: Vec<&str> = text
            .lines()
            .filter_map(|l| l.trim().strip_prefix("--"))
            .filter(|l| {
                l.split_whitespace()
                    .nth(1)
                    .is_some_and(|m| m.chars().all(|c| c.is_ascii_uppercase() || c == '|'))
            })
            .map(|l| &l[..l.find(' ').unwrap()])
            .collect();
        let mut cases: Vec<Vec<String>> = vec![vec!["--bogus".into()]];
        for flag in flags {
            let flag = format!("--{flag}");
            if skip.contains(&flag.as_str()) {
                continue;
            }
            let ok = accepted
                .iter()
                .find(|(f, _)| *f == flag)
                .map_or(&[][..], |a| a.1);
            for value in VALUES.iter().filter(|v| !ok.contains(v)) {
                cases.push(if value.is_empty() {
                    vec![flag.clone()]
                } else {
                    vec![flag.clone(), value.to_string()]
                });
            }
        }
        for args in cases {
            let mut run = bin();
            run.current_dir(&scratch).arg(command).args(&args);
            if command == "eigen" && args[0] != "--data" {
                run.args(["--data", "sym.csv"]);
            }
            let out = run.output().unwrap();
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(2), "{command} {args:?}: {stderr}");
            assert!(
                stderr.contains(&args.join(" ")) || stderr.contains(&args[0]),
                "{command} {args:?} is not named: {stderr}"
            );
            assert!(!stderr.contains("panicked"), "{command} {args:?}: {stderr}");
            tried += 1;
        }
    }
    assert!(tried > 500, "{tried} cases");
    // k larger than the data, and a learning rate that blows training up.
    for args in [
        vec!["kmeans", "--data", "faithful", "--k", "300"],
        vec!["gmm", "--data", "faithful", "--k", "300"],
        vec!["spectral", "--data", "faithful", "--k", "300"],
        vec!["hclust", "--data", "faithful", "--k", "300"],
        vec!["pca", "--data", "faithful", "--n-components", "3"],
        vec![
            "classify",
            "--data",
            "digits",
            "--epochs",
            "1",
            "--learning-rate",
            "1e12",
        ],
    ] {
        let out = bin().current_dir(&scratch).args(&args).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        let flag = args[args.len() - 2];
        assert!(
            stderr.contains(&format!("{flag} {}", args[args.len() - 1])),
            "{args:?}: {stderr}"
        );
    }
    std::fs::remove_dir_all(&scratch).unwrap();
}

/// The README's promise: the AVX2 and AVX-512 paths give the same bits (both fuse their
/// multiply-adds and sum in the same order). On a machine without AVX-512 both runs take
/// the AVX2 path and the test still holds; without AVX2 both are portable.
#[test]
fn avx2_and_avx512_give_the_same_bits() {
    for args in [
        &["kmeans", "--json"][..],
        &["pca", "--json"],
        &["hclust", "--json"],
        &["gmm", "--json"],
        &["spectral", "--json"],
        &["manifold", "--n", "400", "--json"],
        &["tsne", "--iterations", "150", "--json"],
    ] {
        let run = |isa: &str| {
            let out = bin()
                .env("UNSUPERVISED_ISA", isa)
                .args(args)
                .output()
                .unwrap();
            let text = stdout_of_success(&out);
            // Timings are the one field that may differ.
            text.split(",\"seconds\"").next().unwrap().to_string()
        };
        assert_eq!(run("avx2"), run("avx512"), "{args:?}");
    }
}

/// The number between `"key":` and the next comma or brace of a JSON line.
fn json_number(text: &str, key: &str) -> f64 {
    text.split(&format!("\"{key}\":"))
        .nth(1)
        .unwrap_or_else(|| panic!("no {key} in {text}"))
        .split([',', '}'])
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

/// The numbers of the flat JSON array `key`.
fn json_list(text: &str, key: &str) -> Vec<f64> {
    text.split(&format!("\"{key}\":["))
        .nth(1)
        .unwrap_or_else(|| panic!("no {key} in {text}"))
        .split(']')
        .next()
        .unwrap()
        .split(',')
        .map(|v| v.parse().unwrap())
        .collect()
}

#[test]
fn autoencoder_json_has_the_contracted_keys_and_a_saved_model_reloads() {
    let dir = std::env::temp_dir().join(format!("unsupervised-ae-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let model = dir.join("ae.bin");
    let run = |extra: &[&str]| {
        let out = bin()
            .args(["autoencoder", "--epochs", "1", "--seed", "0", "--json"])
            .args(extra)
            .output()
            .unwrap();
        stdout_of_success(&out)
    };
    let dense = run(&["--save", model.to_str().unwrap()]);
    assert_has_keys(
        &dense,
        &[
            "\"test_mse\":0.",
            "\"pca_mse\":0.",
            "\"epochs\":[",
            "\"seconds\":",
            "\"test_mse_per_epoch\":[",
        ],
    );
    // The held-out MSE after one epoch is that of a blurred digit, above PCA-32's.
    assert!(json_number(&dense, "test_mse") > json_number(&dense, "pca_mse"));
    let again = stdout_of_success(
        &bin()
            .args(["autoencoder", "--epochs", "0", "--json", "--load"])
            .arg(&model)
            .output()
            .unwrap(),
    );
    assert_eq!(
        json_number(&again, "test_mse"),
        json_number(&dense, "test_mse")
    );
    let denoising = run(&["--kind", "denoising"]);
    assert_has_keys(&denoising, &["\"psnr_noisy\":", "\"psnr_denoised\":"]);
    let sparse = run(&["--kind", "sparse"]);
    assert!((0.0..1.0).contains(&json_number(&sparse, "mean_activation")));
    // A model file of another architecture is refused, naming the file.
    let path = model.to_str().unwrap();
    refuses(
        "autoencoder",
        &["--kind", "conv", "--epochs", "0", "--load", path],
        "ae.bin",
    );
    for (args, message) in [
        (&["--latent", "0"][..], "--latent 0"),
        (&["--latent", "785"], "--latent 785"),
        (&["--kind", "deep"], "--kind deep"),
        (&["--kind", "denoising", "--noise", "-0.1"], "--noise -0.1"),
        (&["--kind", "denoising", "--masking", "1"], "--masking 1"),
        (&["--kind", "sparse", "--rho", "1"], "--rho 1"),
        (&["--rho", "0.1"], "--rho 0.1"),
    ] {
        refuses("autoencoder", args, message);
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn vae_json_has_the_contracted_keys() {
    let out = bin()
        .args([
            "vae",
            "--epochs",
            "1",
            "--samples",
            "20",
            "--seed",
            "0",
            "--json",
        ])
        .output()
        .unwrap();
    let text = stdout_of_success(&out);
    assert_has_keys(
        &text,
        &[
            "\"test_elbo\":-",
            "\"test_log_likelihood_is\":-",
            "\"epochs\":[",
            "\"seconds\":",
        ],
    );
    assert!(json_number(&text, "test_log_likelihood_is") > json_number(&text, "test_elbo"));
    for (args, message) in [
        (&["--latent", "0"][..], "--latent 0"),
        (&["--samples", "0"], "--samples 0"),
        (&["--sigma", "0.1"], "--sigma 0.1"),
        (&["--likelihood", "gaussian", "--sigma", "0"], "--sigma 0"),
        (&["--beta", "-1"], "--beta -1"),
    ] {
        refuses("vae", args, message);
    }
}

#[test]
fn gan_json_has_the_contracted_keys_and_a_saved_model_reloads() {
    let dir = std::env::temp_dir().join(format!("unsupervised-gan-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let model = dir.join("gan.bin");
    let out = bin()
        .args([
            "gan", "--kind", "pacgan", "--steps", "3", "--seed", "0", "--json", "--out",
        ])
        .arg(&dir)
        .arg("--save")
        .arg(&model)
        .output()
        .unwrap();
    let text = stdout_of_success(&out);
    assert_has_keys(
        &text,
        &[
            "\"modes_captured\":",
            "\"high_quality\":",
            "\"steps\":3",
            "\"seconds\":",
            "\"packing\":2",
        ],
    );
    // samples.npy holds the 2,500 scored samples: 2,500 x 2 little-endian f64 after the header.
    let npy = std::fs::read(dir.join("samples.npy")).unwrap();
    assert_eq!(npy.len() % 16, 0);
    assert!(npy.len() >= 2500 * 16 && npy.len() < 2500 * 16 + 256);
    // Loaded and only scored, the model captures what it captured.
    let again = bin()
        .args([
            "gan", "--kind", "pacgan", "--steps", "0", "--json", "--load",
        ])
        .arg(&model)
        .output()
        .unwrap();
    let reloaded = stdout_of_success(&again);
    assert_eq!(
        json_number(&reloaded, "high_quality"),
        json_number(&text, "high_quality")
    );
    // A model of another architecture is refused, naming the file.
    let path = model.to_str().unwrap();
    refuses(
        "gan",
        &["--kind", "nsgan", "--steps", "0", "--load", path],
        "gan.bin",
    );
    for (args, message) in [
        (&["--packing", "0"][..], "--packing 0"),
        (&["--kind", "wgan", "--clip", "0"], "--clip 0"),
        (&["--clip", "0.1"], "--clip 0.1"),
        (&["--critic-steps", "0"], "--critic-steps 0"),
        (&["--latent", "0"], "--latent 0"),
        (&["--kind", "vae"], "--kind vae"),
        (&["--data", "moons"], "--data moons"),
        (&["--kind", "wgan-gp", "--lambda", "-1"], "--lambda -1"),
    ] {
        refuses("gan", args, message);
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn gan_on_mnist_reports_the_judges_measures_and_writes_samples_in_the_unit_range() {
    let dir = std::env::temp_dir().join(format!("unsupervised-cgan-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let model = dir.join("cgan.bin");
    let out = bin()
        .args([
            "gan", "--kind", "cgan", "--steps", "2", "--width", "4", "--json", "--out",
        ])
        .arg(&dir)
        .arg("--save")
        .arg(&model)
        .output()
        .unwrap();
    let text = stdout_of_success(&out);
    assert_has_keys(
        &text,
        &[
            "\"frechet\":",
            "\"frechet_real\":",
            "\"class_entropy\":",
            "\"kl_to_uniform\":",
            "\"label_match\":",
            "\"seconds\":",
            "\"steps\":2",
        ],
    );
    // samples.npy: 2,000 generated digits of 784 pixels in [0, 1]; labels.npy: one each.
    let npy = std::fs::read(dir.join("samples.npy")).unwrap();
    let header = npy.len() - 2000 * 784 * 8;
    assert!(
        header < 256 && npy[..header].ends_with(b"\n"),
        "{}",
        npy.len()
    );
    assert!(npy[header..].chunks(8).all(|b| {
        let v = f64::from_le_bytes(b.try_into().unwrap());
        (0.0..=1.0).contains(&v)
    }));
    let labels = std::fs::read(dir.join("labels.npy")).unwrap();
    let lh = labels.len() - 2000 * 8;
    assert!(lh < 256);
    assert!(labels[lh..]
        .chunks(8)
        .enumerate()
        .all(|(i, b)| { f64::from_le_bytes(b.try_into().unwrap()) == (i % 10) as f64 }));
    // Another architecture's file is refused, naming it; so are these.
    let path = model.to_str().unwrap();
    refuses(
        "gan",
        &[
            "--kind", "dcgan", "--width", "4", "--steps", "0", "--load", path,
        ],
        "cgan.bin",
    );
    for (args, message) in [
        (
            &["--kind", "infogan", "--categories", "0"][..],
            "--categories 0",
        ),
        (&["--kind", "dcgan", "--steps", "0"], "--steps 0"),
        (&["--kind", "dcgan", "--width", "0"], "--width 0"),
        (&["--kind", "dcgan", "--data", "grid25"], "--kind dcgan"),
        (&["--kind", "cgan", "--categories", "3"], "--categories 3"),
        (&["--kind", "dcgan", "--packing", "2"], "--packing 2"),
        (
            &["--data", "mnist", "--kind", "wgan-gp", "--width", "0"],
            "--width 0",
        ),
    ] {
        refuses("gan", args, message);
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn infogan_reports_the_accuracy_of_its_category() {
    let out = bin()
        .args([
            "gan", "--kind", "infogan", "--steps", "2", "--width", "4", "--json",
        ])
        .output()
        .unwrap();
    let text = stdout_of_success(&out);
    assert_has_keys(
        &text,
        &["\"code_accuracy\":", "\"info_loss\":", "\"frechet\":"],
    );
    // The best matching of 10 categories to 10 digits is right at least one time in ten.
    let acc = json_number(&text, "code_accuracy");
    assert!((0.1..=1.0).contains(&acc), "{acc}");
}

#[test]
fn gan_on_stacked_mnist_and_polar_blobs_reports_modes_and_disentanglement() {
    let out = bin()
        .args([
            "gan", "--kind", "pacdcgan", "--steps", "2", "--width", "4", "--json",
        ])
        .output()
        .unwrap();
    let text = stdout_of_success(&out);
    assert_has_keys(
        &text,
        &[
            "\"modes_captured\":",
            "\"kl_to_uniform\":",
            "\"data\":\"stacked-mnist\"",
            "\"packing\":2",
            "\"seconds\":",
        ],
    );
    let modes = json_number(&text, "modes_captured");
    assert!((1.0..=1000.0).contains(&modes), "{modes}");
    let out = bin()
        .args([
            "gan",
            "--kind",
            "infogan-cr",
            "--steps",
            "2",
            "--width",
            "4",
            "--json",
        ])
        .output()
        .unwrap();
    let text = stdout_of_success(&out);
    assert_has_keys(
        &text,
        &[
            "\"disentanglement\":",
            "\"data\":\"polar\"",
            "\"contrast_loss\":",
            "\"info_loss\":",
        ],
    );
    for (args, message) in [
        (&["--kind", "cgan", "--data", "polar"][..], "--kind cgan"),
        (
            &["--kind", "infogan-cr", "--continuous", "1"],
            "--continuous 1",
        ),
        (
            &["--kind", "infogan-cr", "--continuous", "0"],
            "--continuous 0",
        ),
        (&["--kind", "pacdcgan", "--packing", "0"], "--packing 0"),
        (
            &[
                "--kind",
                "dcgan",
                "--data",
                "stacked-mnist",
                "--packing",
                "2",
            ],
            "--packing 2",
        ),
    ] {
        refuses("gan", args, message);
    }
}

/// `unsupervised COMMAND ARGS` exits with status 2 and a message containing `message`.
fn refuses(command: &str, args: &[&str], message: &str) {
    let out = bin().arg(command).args(args).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{command} {args:?}: {stderr}");
    assert!(stderr.contains(message), "{command} {args:?}: {stderr}");
}

#[test]
fn chapter_15_commands_have_the_contracted_keys_and_files() {
    let dir = std::env::temp_dir().join(format!("unsupervised-vis-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let out = bin()
        .args([
            "filter", "--kernel", "identity", "--border", "zero", "--image", "china", "--json",
            "--out",
        ])
        .arg(&dir)
        .output()
        .unwrap();
    let text = stdout_of_success(&out);
    assert_has_keys(&text, &["\"min\":", "\"max\":", "\"mean\":"]);
    // The identity gives the grey photo back: 256 x 256 f64 values after the npy header.
    let npy = std::fs::read(dir.join("filtered.npy")).unwrap();
    let values = &npy[npy.len() - 256 * 256 * 8..];
    let photo = unsupervised::datasets::china_gray().unwrap();
    for (i, chunk) in values.chunks(8).enumerate().step_by(997) {
        let v = f64::from_le_bytes(chunk.try_into().unwrap());
        assert_eq!(v, f64::from(photo.pixels[i]), "pixel {i}");
    }
    assert!(dir.join("filtered.png").exists());
    let out = bin()
        .args([
            "texture",
            "--size",
            "32",
            "--iterations",
            "5",
            "--maps",
            "4",
            "--seed",
            "0",
            "--json",
        ])
        .output()
        .unwrap();
    let text = stdout_of_success(&out);
    assert_has_keys(
        &text,
        &[
            "\"gram_loss_start\":",
            "\"gram_loss_final\":",
            "\"seconds\":",
        ],
    );
    let out = bin()
        .args([
            "style",
            "--size",
            "32",
            "--iterations",
            "3",
            "--maps",
            "4",
            "--json",
            "--out",
        ])
        .arg(&dir)
        .output()
        .unwrap();
    assert_has_keys(
        &stdout_of_success(&out),
        &["\"loss_start\":", "\"loss_final\":", "\"seconds\":"],
    );
    assert!(dir.join("style.png").exists());
    let out = bin()
        .args([
            "invert",
            "--layer",
            "1",
            "--size",
            "32",
            "--iterations",
            "20",
            "--json",
        ])
        .output()
        .unwrap();
    assert_has_keys(
        &stdout_of_success(&out),
        &["\"psnr\":", "\"layer\":1", "\"loss_final\":"],
    );
    let out = bin()
        .args(["saliency", "--epochs", "0", "--json", "--out"])
        .arg(&dir)
        .output()
        .unwrap();
    assert_has_keys(
        &stdout_of_success(&out),
        &["\"label\":", "\"predicted\":", "\"saliency_max\":"],
    );
    assert!(dir.join("visualize-saliency.png").exists());
    for (args, named) in [
        (&["filter", "--kernel", "edge4"][..], "--kernel edge4"),
        (&["filter", "--kernel", "1,0,-1,1"], "--kernel 1,0,-1,1"),
        (&["filter", "--image", "missing.ppm"], "--image missing.ppm"),
        (&["invert", "--layer", "9"], "--layer 9"),
        (&["invert", "--lambda", "-1"], "--lambda -1"),
        (&["invert", "--beta", "0"], "--beta 0"),
        (&["texture", "--iterations", "0"], "--iterations 0"),
        (&["texture", "--scales", "4"], "--scales 4"),
    ] {
        let out = bin().args(args).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(stderr.contains(named), "{args:?}: {stderr}");
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn chapter_16_prior_has_the_contracted_keys_files_and_errors() {
    let dir = std::env::temp_dir().join(format!("unsupervised-prior-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let small = [
        "--size",
        "32",
        "--scales",
        "3",
        "--width",
        "8",
        "--iterations",
        "20",
        "--seed",
        "0",
    ];
    let out = bin()
        .args(["prior", "--json", "--out"])
        .arg(&dir)
        .args(small)
        .output()
        .unwrap();
    let text = stdout_of_success(&out);
    assert_has_keys(
        &text,
        &[
            "\"psnr_noisy\":",
            "\"psnr_at_stop\":",
            "\"best_psnr\":",
            "\"best_iteration\":",
            "\"stop_iteration\":",
            "\"baselines\":{\"box blur\":",
            "\"Gaussian blur\":",
            "\"median\":",
            "\"seconds\":",
        ],
    );
    for file in [
        "clean.png",
        "corrupted.png",
        "restored.png",
        "psnr.svg",
        "trace.csv",
    ] {
        assert!(dir.join(file).exists(), "{file} missing");
    }
    let trace = std::fs::read_to_string(dir.join("trace.csv")).unwrap();
    assert_eq!(
        trace.lines().count(),
        1 + text
            .split("\"iterations_run\":")
            .nth(1)
            .unwrap()
            .split(',')
            .next()
            .unwrap()
            .parse::<usize>()
            .unwrap()
    );
    for task in [["--task", "inpaint"], ["--task", "superres"]] {
        let out = bin()
            .args(["prior", "--json"])
            .args(task)
            .args(small)
            .output()
            .unwrap();
        assert_has_keys(
            &stdout_of_success(&out),
            &["\"psnr_at_stop\":", "\"baselines\":"],
        );
    }
    // An untrained DCGAN of width 4, saved as `gan --kind dcgan --width 4 --save` would,
    // is enough to test the plumbing of the latent variant.
    let generator = dir.join("dcgan.bin");
    let mut spec = unsupervised::gan::Spec::dcgan(unsupervised::gan::Planes {
        channels: 1,
        side: 28,
    });
    (spec.generator_width, spec.critic_width) = (4, 4);
    let gan = unsupervised::gan::Gan::new(spec, &mut unsupervised::Rng::seed_from_u64(0)).unwrap();
    unsupervised::nn::io::save(&gan, &generator).unwrap();
    let out = bin()
        .args([
            "prior",
            "--task",
            "gan-inpaint",
            "--width",
            "4",
            "--iterations",
            "10",
            "--restarts",
            "2",
            "--json",
            "--load",
        ])
        .arg(&generator)
        .output()
        .unwrap();
    assert_has_keys(
        &stdout_of_success(&out),
        &["\"psnr_noisy\":", "\"psnr_latent\":", "\"psnr_at_stop\":"],
    );
    // Bad input: a generator of another architecture, a mask of the wrong size, a noise
    // level below 0, no iterations, an image that cannot be read.
    let wide = bin()
        .args(["prior", "--task", "gan-inpaint", "--width", "8", "--load"])
        .arg(&generator)
        .output()
        .unwrap();
    let mask = dir.join("mask.pgm");
    std::fs::write(&mask, [&b"P5\n4 4\n255\n"[..], &[255u8; 16]].concat()).unwrap();
    let mask_arg = mask.to_str().unwrap();
    for (args, named) in [
        (vec!["--task", "inpaint", "--mask", mask_arg], "--mask"),
        (vec!["--sigma", "-1"], "--sigma -1"),
        (vec!["--iterations", "0"], "--iterations 0"),
        (vec!["--image", "no-such.ppm"], "--image no-such.ppm"),
    ] {
        let out = bin().arg("prior").args(&args).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(named), "{args:?}: {stderr}");
    }
    let stderr = String::from_utf8_lossy(&wide.stderr);
    assert_eq!(wide.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("--load") && stderr.contains("dcgan.bin"),
        "{stderr}"
    );
}

/// `(chapter, name, command, passes)` of every object of `exercises --json`.
fn exercise_list(out: &std::process::Output) -> Vec<(String, String, String, bool)> {
    let text = stdout_of_success(out);
    let text = text.trim();
    assert!(text.starts_with("[{") && text.ends_with("}]"), "{text}");
    let field = |object: &str, key: &str| -> String {
        let start = object
            .find(&format!("\"{key}\":"))
            .unwrap_or_else(|| panic!("no {key} in {object}"));
        let rest = &object[start + key.len() + 3..];
        let rest = rest.strip_prefix('"').unwrap_or(rest);
        rest[..rest.find(['"', ',', '}']).unwrap_or(rest.len())].to_string()
    };
    text[2..text.len() - 2]
        .split("},{")
        .map(|o| {
            let passes = field(o, "passes");
            assert!(passes == "true" || passes == "false", "{o}");
            (
                field(o, "chapter"),
                field(o, "name"),
                field(o, "command"),
                passes == "true",
            )
        })
        .collect()
}

#[test]
fn exercises_lists_the_track_and_every_exercise_is_solvable() {
    // With the reference answers plugged in, every exercise of every chapter passes: none
    // is impossible. This runs the track's checks through the command readers use.
    let solved = exercise_list(
        &bin()
            .env("UNSUPERVISED_ANSWERS", "1")
            .args(["exercises", "--json"])
            .output()
            .unwrap(),
    );
    let chapters = common::CHAPTERS;
    for chapter in chapters {
        let n = solved.iter().filter(|e| e.0 == chapter).count();
        assert!(
            n >= 3,
            "chapter {chapter} has {n} exercises, fewer than three"
        );
    }
    assert_eq!(
        solved.len(),
        solved
            .iter()
            .filter(|e| chapters.contains(&e.0.as_str()))
            .count()
    );
    for (chapter, name, command, passes) in &solved {
        assert!(
            passes,
            "{chapter}::{name} fails with the reference answer plugged in"
        );
        assert_eq!(
            command,
            &format!("cargo test --test exercises {chapter}::{name} -- --ignored --exact")
        );
    }
    // Without them, "passes" says what the exercise's own command says, whatever the
    // reader has done so far.
    let mine = exercise_list(
        &bin()
            .args(["exercises", "--chapter", "gan", "--json"])
            .output()
            .unwrap(),
    );
    assert_eq!(mine.len(), 3, "{mine:?}");
    for (chapter, name, command, passes) in mine {
        let args: Vec<&str> = command.split_whitespace().skip(1).collect();
        let status = Command::new(env!("CARGO"))
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .args(args)
            .output()
            .unwrap()
            .status;
        assert_eq!(
            passes,
            status.success(),
            "{chapter}::{name}: `{command}` disagrees"
        );
    }
    refuses(
        "exercises",
        &["--chapter", "kmean"],
        "--chapter kmean: expected one of linalg",
    );
    refuses(
        "exercises",
        &["--crate", "/nonexistent"],
        "--crate /nonexistent: no Cargo.toml",
    );
}

/// A matrix written by a command's `--out`.
fn read_npy(path: &std::path::Path) -> unsupervised::Matrix<f64> {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    unsupervised::datasets::npy::parse_npy(&bytes, "out")
        .unwrap()
        .to_matrix()
        .unwrap()
}

#[test]
fn eigen_gmm_and_hclust_write_their_results_with_out() {
    let dir = std::env::temp_dir().join(format!("unsupervised-out-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    // eigen: [[2, 1, 0], [1, 2, 1], [0, 1, 2]], eigenvalues 2 − √2, 2, 2 + √2.
    std::fs::write(dir.join("a.csv"), "a,b,c\n2,1,0\n1,2,1\n0,1,2\n").unwrap();
    let run = bin()
        .current_dir(&dir)
        .args(["eigen", "--data", "a.csv", "--out", "eigen"])
        .output()
        .unwrap();
    stdout_of_success(&run);
    let values = read_npy(&dir.join("eigen/eigenvalues.npy"));
    assert!(
        (values[(0, 0)] - (2.0 - 2f64.sqrt())).abs() < 1e-12,
        "{values:?}"
    );
    let vectors = read_npy(&dir.join("eigen/eigenvectors.npy"));
    assert_eq!(vectors.shape(), (3, 3));
    // gmm: two components on Old Faithful; responsibilities sum to one per point.
    let run = bin()
        .current_dir(&dir)
        .args(["gmm", "--data", "faithful", "--k", "2", "--out", "gmm"])
        .output()
        .unwrap();
    stdout_of_success(&run);
    assert_eq!(read_npy(&dir.join("gmm/means.npy")).shape(), (2, 2));
    let weights = read_npy(&dir.join("gmm/weights.npy"));
    assert!((weights[(0, 0)] + weights[(1, 0)] - 1.0).abs() < 1e-12);
    let resp = read_npy(&dir.join("gmm/responsibilities.npy"));
    assert_eq!(resp.shape(), (272, 2));
    assert!(resp.iter_rows().all(|r| (r[0] + r[1] - 1.0).abs() < 1e-12));
    assert_eq!(read_npy(&dir.join("gmm/labels.npy")).shape(), (272, 1));
    // hclust: SciPy's linkage matrix, whose heights are the JSON's, a dendrogram and labels.
    let run = bin()
        .current_dir(&dir)
        .args([
            "hclust",
            "--data",
            "usarrests",
            "--standardize",
            "--k",
            "4",
            "--json",
            "--out",
            "hclust",
        ])
        .output()
        .unwrap();
    let text = stdout_of_success(&run);
    let z = read_npy(&dir.join("hclust/linkage.npy"));
    assert_eq!(z.shape(), (49, 4));
    let heights = json_list(&text, "heights");
    assert_eq!(heights.len(), 49);
    for (r, h) in heights.iter().enumerate() {
        assert!(
            (z[(r, 2)] - h).abs() <= 1e-12 * h,
            "fusion {r}: {} against {h}",
            z[(r, 2)]
        );
    }
    assert_eq!(z[(48, 3)], 50.0, "the last fusion holds every state");
    let svg = std::fs::read_to_string(dir.join("hclust/dendrogram.svg")).unwrap();
    assert!(svg.starts_with("<svg") && svg.contains("Alabama"));
    let labels = read_npy(&dir.join("hclust/labels.npy"));
    assert_eq!(labels.shape(), (50, 1));
    assert_eq!(labels.as_slice().iter().fold(0.0f64, |m, &v| m.max(v)), 3.0);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn kmeans_standardize_clusters_in_units_of_standard_deviation() {
    let json = |extra: &[&str]| {
        let run = bin()
            .args(["kmeans", "--data", "usarrests", "--k", "4", "--json"])
            .args(extra)
            .output()
            .unwrap();
        stdout_of_success(&run)
    };
    let (raw, scaled) = (json(&[]), json(&["--standardize"]));
    let labels = |text: &str| -> Vec<usize> {
        json_list(text, "labels")
            .iter()
            .map(|&l| l as usize)
            .collect()
    };
    let x = unsupervised::datasets::usarrests()
        .unwrap()
        .x
        .standardize()
        .unwrap()
        .0;
    let fit = unsupervised::kmeans::KMeans::new(4)
        .seed(0)
        .fit(&x)
        .unwrap();
    assert_eq!(
        labels(&scaled),
        fit.labels,
        "the library's k-means on standardised data"
    );
    assert!((json_number(&scaled, "inertia") - fit.inertia).abs() < 1e-9 * fit.inertia);
    assert_ne!(
        labels(&raw),
        labels(&scaled),
        "Assault's large numbers drive the raw clusters"
    );
}

/// `spectral --min-cut`: the exact minimum cut of the command's graph, as the library
/// computes it; its sides have the cut it reports, and a graph too big is refused by name.
#[test]
fn spectral_min_cut_reports_the_exact_cut_of_its_graph() {
    use unsupervised::spectral::graph::{cut_quality, similarity_graph, Graph, Weighting};
    let run = bin()
        .args([
            "spectral", "--data", "moons", "--n", "300", "--noise", "0.1",
        ])
        .args(["--sigma", "0.1", "--min-cut", "--json"])
        .output()
        .unwrap();
    let text = stdout_of_success(&run);
    assert_has_keys(
        &text,
        &[
            "min_cut",
            "min_cut_labels",
            "min_cut_smaller_side",
            "min_cut_ari",
        ],
    );
    let x = unsupervised::datasets::two_moons(300, 0.1, 0).unwrap().x;
    let graph = Graph::Knn {
        neighbors: 10,
        weighting: Weighting::Gaussian { sigma: 0.1 },
    };
    let w = similarity_graph(&x, graph, unsupervised::Exec::default()).unwrap();
    let expected = unsupervised::spectral::mincut::min_cut(&w).unwrap();
    assert!((json_number(&text, "min_cut") - expected.value).abs() <= 1e-15);
    let labels: Vec<usize> = json_list(&text, "min_cut_labels")
        .iter()
        .map(|&l| l as usize)
        .collect();
    assert_eq!(labels, expected.labels);
    assert!((cut_quality(&w, &labels).unwrap().cut - expected.value).abs() <= 1e-15);
    assert_eq!(
        json_number(&text, "min_cut_smaller_side") as usize,
        expected.smaller_side()
    );
    refuses(
        "spectral",
        &["--data", "moons", "--n", "6000", "--min-cut"],
        "--min-cut: 6000 points",
    );
}

/// `cliques`: the contracted keys; every community is a union of the library's maximal
/// cliques of at least k points; an empty graph is refused by the flag that emptied it.
#[test]
fn cliques_lists_communities_made_of_maximal_cliques() {
    use unsupervised::spectral::cliques::maximal_cliques;
    use unsupervised::spectral::graph::{similarity_graph, Graph};
    let run = bin()
        .args(["cliques", "--data", "moons", "--n", "60", "--noise", "0.1"])
        .args(["--radius", "0.3", "--k", "3", "--json"])
        .output()
        .unwrap();
    let text = stdout_of_success(&run);
    assert_has_keys(
        &text,
        &[
            "\"edges\":",
            "\"maximal_cliques\":",
            "\"largest_clique\":",
            "\"communities\":[[",
            "\"overlapping\":",
            "\"unassigned\":",
            "\"seconds\":",
        ],
    );
    let x = unsupervised::datasets::two_moons(60, 0.1, 0).unwrap().x;
    let w = similarity_graph(
        &x,
        Graph::Epsilon { radius: 0.3 },
        unsupervised::Exec::default(),
    )
    .unwrap();
    let cliques = maximal_cliques(&w).unwrap();
    assert_eq!(
        json_number(&text, "maximal_cliques") as usize,
        cliques.len()
    );
    let listed = text.split("\"communities\":[[").nth(1).unwrap();
    let listed = listed.split("]]").next().unwrap();
    let mut covered = 0;
    for community in listed.split("],[") {
        let members: Vec<usize> = community.split(',').map(|v| v.parse().unwrap()).collect();
        // Each member lies in a clique of at least 3 points inside the community.
        for v in &members {
            assert!(cliques
                .iter()
                .any(|c| c.len() >= 3 && c.contains(v) && c.iter().all(|u| members.contains(u))));
        }
        covered += 1;
    }
    assert!(covered >= 2, "{covered} communities");
    refuses(
        "cliques",
        &["--data", "moons", "--n", "60", "--radius", "0.001"],
        "--radius 0.001: the graph has no edges",
    );
    refuses("cliques", &["--data", "moons", "--k", "1"], "--k 1");
}

#[test]
fn spectral_fiedler_gives_the_lectures_two_way_cut() {
    // (moons, 8-NN graph, whether it is connected, the least ARI of the sign split)
    for (n, noise, connected, least) in [(300, "0.08", true, 0.5), (200, "0.05", false, 1.0)] {
        let run = bin()
            .args([
                "spectral",
                "--data",
                "moons",
                "--neighbors",
                "8",
                "--fiedler",
                "--json",
            ])
            .args(["--n", &n.to_string(), "--noise", noise])
            .output()
            .unwrap();
        let text = stdout_of_success(&run);
        assert_has_keys(
            &text,
            &["fiedler_value", "fiedler_vector", "fiedler_labels"],
        );
        let value = json_number(&text, "fiedler_value");
        if connected {
            assert!(value > 1e-6 && value < 0.1, "a weak cut: λ₂ = {value}");
        } else {
            assert!(value.abs() < 1e-12, "two components: λ₂ = {value}");
        }
        let (vector, labels) = (
            json_list(&text, "fiedler_vector"),
            json_list(&text, "fiedler_labels"),
        );
        assert_eq!(vector.len(), n);
        // The split is the sign of a unit vector orthogonal to 1.
        for (v, l) in vector.iter().zip(&labels) {
            assert_eq!(*l, if *v > 0.0 { 1.0 } else { 0.0 });
        }
        assert!((vector.iter().map(|v| v * v).sum::<f64>() - 1.0).abs() < 1e-9);
        assert!(vector.iter().sum::<f64>().abs() < 1e-9);
        let noise: f64 = noise.parse().unwrap();
        let truth = unsupervised::datasets::two_moons(n, noise, 0)
            .unwrap()
            .labels
            .unwrap();
        let split: Vec<usize> = labels.iter().map(|&l| l as usize).collect();
        let ari = unsupervised::metrics::adjusted_rand_index(&truth, &split).unwrap();
        assert!(
            ari >= least,
            "n = {n}: the Fiedler split against the moons: ARI {ari}"
        );
    }
}

#[test]
fn gmm_with_a_fixed_small_variance_is_k_means() {
    // Bishop §9.3.2: with every covariance εI and ε → 0, EM's responsibilities become hard
    // and the means are k-means' centroids, so the labels agree with k-means from the
    // same data (standardised Old Faithful, two well separated groups).
    let run = bin()
        .args(["gmm", "--data", "faithful", "--standardize", "--k", "2"])
        .args(["--covariance", "fixed", "--variance", "0.001", "--json"])
        .output()
        .unwrap();
    let text = stdout_of_success(&run);
    let means = text
        .split("\"means\":[[")
        .nth(1)
        .unwrap()
        .split("]]")
        .next()
        .unwrap();
    let mut centres: Vec<Vec<f64>> = means
        .split("],[")
        .map(|r| r.split(',').map(|v| v.parse().unwrap()).collect())
        .collect();
    let x = unsupervised::datasets::faithful()
        .unwrap()
        .x
        .standardize()
        .unwrap()
        .0;
    let km = unsupervised::kmeans::KMeans::new(2)
        .seed(0)
        .fit(&x)
        .unwrap();
    let mut expected: Vec<Vec<f64>> = km.centroids.iter_rows().map(<[f64]>::to_vec).collect();
    centres.sort_by(|a, b| a[0].total_cmp(&b[0]));
    expected.sort_by(|a, b| a[0].total_cmp(&b[0]));
    for (c, e) in centres.iter().zip(&expected) {
        for (a, b) in c.iter().zip(e) {
            assert!(
                (a - b).abs() < 1e-6,
                "{centres:?} against k-means' {expected:?}"
            );
        }
    }
    refuses(
        "gmm",
        &["--variance", "2"],
        "--variance 2: only --covariance fixed",
    );
    refuses(
        "gmm",
        &["--covariance", "fixed", "--variance", "-1"],
        "--variance -1",
    );
}

#[test]
fn classify_with_knn_is_chapter_4s_classifier_on_the_same_split() {
    let run = bin()
        .args([
            "classify",
            "--data",
            "digits",
            "--model",
            "knn",
            "--neighbors",
            "3",
            "--json",
        ])
        .output()
        .unwrap();
    let text = stdout_of_success(&run);
    let accuracy = json_number(&text, "test_accuracy");
    // The library's kNN on the command's split: the first 80% of the digits train.
    let d = unsupervised::datasets::digits().unwrap();
    let labels = d.labels.unwrap();
    let n_train = labels.len() * 4 / 5;
    let rows = |r: std::ops::Range<usize>| {
        let cols = d.x.cols();
        unsupervised::Matrix::from_fn(r.len(), cols, |i, j| d.x[(r.start + i, j)] / 16.0)
    };
    let predicted = unsupervised::metrics::knn_classify(
        &rows(0..n_train),
        &labels[..n_train],
        &rows(n_train..labels.len()),
        3,
        unsupervised::Exec::default(),
    )
    .unwrap();
    let expected = predicted
        .iter()
        .zip(&labels[n_train..])
        .filter(|(p, l)| p == l)
        .count() as f64
        / (labels.len() - n_train) as f64;
    assert!(
        (accuracy - expected).abs() < 1e-12,
        "{accuracy} against {expected}"
    );
    assert!(accuracy > 0.95, "kNN reads 8 x 8 digits: {accuracy}");
    refuses(
        "classify",
        &["--model", "knn", "--epochs", "2"],
        "--epochs 2: --model knn trains nothing",
    );
    refuses(
        "classify",
        &["--neighbors", "3"],
        "--neighbors 3: only --model knn",
    );
}

#[test]
fn kmeans_quantizes_photos_and_counts_clusters_with_the_gap_statistic() {
    let dir = std::env::temp_dir().join(format!("unsupervised-vq-{}", std::process::id()));
    let run = bin()
        .args([
            "kmeans",
            "--quantize",
            "china-gray",
            "--k",
            "4",
            "--json",
            "--out",
        ])
        .arg(&dir)
        .output()
        .unwrap();
    let text = stdout_of_success(&run);
    // The lecture's factor of four: 2 bits per pixel instead of 8, plus a 4-entry codebook.
    let photo = unsupervised::datasets::china_gray().unwrap();
    let q = unsupervised::kmeans::quantize_image(&photo, 4, 0).unwrap();
    assert_eq!(json_number(&text, "bits"), q.bits as f64);
    assert_eq!(json_number(&text, "raw_bits"), (256 * 256 * 8) as f64);
    assert!((json_number(&text, "ratio") - 4.0).abs() < 1e-2);
    assert!((json_number(&text, "psnr") - q.psnr).abs() < 1e-9);
    let png = std::fs::read(dir.join("quantized.png")).unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    std::fs::remove_dir_all(&dir).unwrap();
    let run = bin()
        .args([
            "kmeans", "--data", "faithful", "--k", "2", "--gap", "6", "--json",
        ])
        .output()
        .unwrap();
    let text = stdout_of_success(&run);
    assert_eq!(
        json_number(&text, "gap_k"),
        2.0,
        "Old Faithful has two groups"
    );
    refuses(
        "kmeans",
        &["--quantize", "china", "--data", "faithful"],
        "--data faithful: --quantize reads a photo",
    );
    refuses("kmeans", &["--gap", "0"], "--gap 0: must be between 1");
}

#[test]
fn pca_method_ica_unmixes_the_cocktail_party() {
    let dir = std::env::temp_dir().join(format!("unsupervised-ica-{}", std::process::id()));
    let run = bin()
        .args(["pca", "--method", "ica", "--json", "--out"])
        .arg(&dir)
        .output()
        .unwrap();
    let text = stdout_of_success(&run);
    assert_has_keys(
        &text,
        &[
            "unmixing",
            "mixing",
            "iterations",
            "converged",
            "source_correlations",
        ],
    );
    let found = json_list(&text, "source_correlations");
    assert_eq!(found.len(), 4);
    assert!(
        found.iter().all(|&c| c > 0.99),
        "every source back: {found:?}"
    );
    let sources = read_npy(&dir.join("sources.npy"));
    assert_eq!(sources.shape(), (2000, 4));
    std::fs::remove_dir_all(&dir).unwrap();
    refuses(
        "pca",
        &["--method", "ica", "--whiten"],
        "--whiten: FastICA whitens the data itself",
    );
    refuses(
        "pca",
        &["--method", "ica", "--noise", "0.1"],
        "--noise 0.1: the cocktail party",
    );
}

#[test]
fn manifold_sdp_localises_sensors_better_than_mds() {
    let run = bin()
        .args(["manifold", "--method", "sdp", "--n", "50", "--json"])
        .output()
        .unwrap();
    let text = stdout_of_success(&run);
    assert_has_keys(
        &text,
        &[
            "positions",
            "rmsd",
            "rmsd_mds",
            "ranges",
            "iterations",
            "converged",
        ],
    );
    let (sdp, mds) = (json_number(&text, "rmsd"), json_number(&text, "rmsd_mds"));
    assert!(sdp < 0.03 && sdp < mds / 2.0, "SDP {sdp} against MDS {mds}");
    refuses(
        "manifold",
        &["--radius", "0.3"],
        "--radius 0.3: only --method sdp",
    );
    refuses(
        "manifold",
        &["--method", "sdp", "--data", "digits"],
        "--data digits: --method sdp",
    );
}
