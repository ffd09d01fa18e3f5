//! The book includes its listings from `src/` by anchor. These tests fail when a listing's
//! file or anchor no longer exists, so a rename cannot silently empty a chapter.

use std::fs;
use std::path::{Path, PathBuf};

fn book_pages() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("book/src");
    let mut pages: Vec<PathBuf> = fs::read_dir(&dir)
        .expect("book/src exists")
        .map(|e| e.expect("readable entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    pages.sort();
    pages
}

/// Every `{{#include path:anchor}}` (or `{{#include path}}`) in a page.
fn includes(text: &str) -> Vec<(String, Option<String>)> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("{{#include ") {
        let after = &rest[start + "{{#include ".len()..];
        let end = after.find("}}").expect("an include is closed by }}");
        let spec = after[..end].trim();
        match spec.split_once(':') {
            Some((path, anchor)) => out.push((path.to_string(), Some(anchor.to_string()))),
            None => out.push((spec.to_string(), None)),
        }
        rest = &after[end..];
    }
    out
}

#[test]
fn every_included_file_and_anchor_exists() {
    let mut checked = 0;
    for page in book_pages() {
        let text = fs::read_to_string(&page).unwrap();
        for (path, anchor) in includes(&text) {
            let file = page.parent().unwrap().join(&path);
            let source = fs::read_to_string(&file).unwrap_or_else(|_| {
                panic!("{}: included file {path} does not exist", page.display())
            });
            if let Some(anchor) = anchor {
                // Numbers select lines rather than anchors; this book uses anchors only.
                assert!(
                    source.contains(&format!("ANCHOR: {anchor}\n"))
                        && source.contains(&format!("ANCHOR_END: {anchor}\n")),
                    "{}: anchor `{anchor}` not found (with its ANCHOR_END) in {path}",
                    page.display()
                );
            }
            checked += 1;
        }
    }
    assert!(
        checked >= 15,
        "only {checked} includes found: the book lost its listings"
    );
}

#[test]
fn summary_lists_every_page_and_every_page_exists() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("book/src");
    let summary = fs::read_to_string(dir.join("SUMMARY.md")).unwrap();
    for page in book_pages() {
        let name = page.file_name().unwrap().to_str().unwrap();
        if name != "SUMMARY.md" {
            assert!(
                summary.contains(&format!("({name})")),
                "SUMMARY.md does not list {name}"
            );
        }
    }
    for line in summary.lines() {
        if let (Some(a), Some(b)) = (line.find("]("), line.rfind(')')) {
            let target = &line[a + 2..b];
            assert!(
                dir.join(target).exists(),
                "SUMMARY.md links to missing page {target}"
            );
        }
    }
    // The sixteen chapters of the crate, in reading order.
    let chapters = [
        "linalg",
        "eigen",
        "pca",
        "kmeans",
        "hierarchical",
        "mixture",
        "spectral",
        "manifold",
        "tsne",
        "autodiff",
        "nn",
        "autoencoder",
        "vae",
        "gan",
        "visualize",
        "image_prior",
    ];
    for (i, name) in chapters.iter().enumerate() {
        let page = format!("{:02}-{name}.md", i + 1);
        assert!(
            summary.contains(&format!("({page})")),
            "chapter {page} missing from SUMMARY.md"
        );
    }
}

#[test]
fn the_include_parser_finds_anchors_and_plain_paths() {
    let found = includes("a {{#include ../../src/x.rs:step}} b {{#include ../y.txt}}");
    assert_eq!(
        found,
        vec![
            ("../../src/x.rs".to_string(), Some("step".to_string())),
            ("../y.txt".to_string(), None)
        ]
    );
}
