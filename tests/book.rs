//! The book includes its listings from `src/` by anchor. These tests fail when a listing's
//! file or anchor no longer exists, so a rename cannot silently empty a chapter.

mod common;

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
    let chapters = common::CHAPTERS;
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

/// The numbered items of a page's `## Exercises` section.
fn exercises(text: &str) -> Vec<String> {
    let Some(start) = text.find("\n## Exercises") else {
        return Vec::new();
    };
    let section = &text[start + 1..];
    let section = &section[..section[3..].find("\n## ").map_or(section.len(), |e| e + 3)];
    let mut items: Vec<String> = Vec::new();
    for line in section.lines() {
        let numbered = line
            .split_once(". ")
            .is_some_and(|(n, _)| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()));
        if numbered {
            items.push(line.to_string());
        } else if let Some(last) = items.last_mut() {
            if line.starts_with("   ") {
                last.push(' ');
                last.push_str(line.trim());
            }
        }
    }
    items
}

/// The names of the tests in `tests/<target>.rs` (and the files it includes): functions
/// after `#[test]`, and for the exercise track its `chapter::exercise` names.
fn test_names(target: &str) -> Vec<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
    let text = fs::read_to_string(dir.join(format!("{target}.rs"))).unwrap_or_default();
    let mut names = Vec::new();
    let mut after_test = false;
    for line in text.lines().map(str::trim) {
        if line.starts_with("#[test]") {
            after_test = true;
        } else if after_test {
            if let Some(rest) = line
                .strip_prefix("fn ")
                .or_else(|| line.strip_prefix("async fn "))
            {
                names.push(rest[..rest.find('(').unwrap_or(rest.len())].to_string());
                after_test = false;
            }
        }
    }
    if let Some(start) = text.find("\ntrack! {") {
        let body = &text[start..];
        for line in body[..body.find("\n}").unwrap_or(body.len())]
            .lines()
            .skip(1)
        {
            if let Some((chapter, list)) = line.trim().trim_end_matches(';').split_once(':') {
                for name in list.split(',') {
                    names.push(format!("{}::{}", chapter.trim(), name.trim()));
                }
            }
        }
    }
    names
}

/// Every `cargo test --test TARGET [FILTER]` in a text, as (target, filter).
fn test_commands(text: &str) -> Vec<(String, Option<String>)> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find("cargo test --test ") {
        rest = &rest[i + "cargo test --test ".len()..];
        let end = rest.find(['`', ')', ';']).unwrap_or(rest.len());
        let mut words = rest[..end].split_whitespace();
        let target = words.next().unwrap_or("").to_string();
        let filter = words
            .next()
            .filter(|w| !w.starts_with('-'))
            .map(str::to_string);
        out.push((target, filter));
    }
    out
}

#[test]
fn every_exercise_names_a_test_that_exists() {
    let mut checked = 0;
    for page in book_pages() {
        let name = page.file_name().unwrap().to_string_lossy().to_string();
        let text = fs::read_to_string(&page).unwrap();
        for (k, item) in exercises(&text).iter().enumerate() {
            let commands = test_commands(item);
            assert!(
                !commands.is_empty(),
                "{name}, exercise {}: names no test (`cargo test --test TARGET FILTER`): {item}",
                k + 1
            );
            for (target, filter) in commands {
                let names = test_names(&target);
                assert!(
                    !names.is_empty(),
                    "{name}, exercise {}: no tests/{target}.rs",
                    k + 1
                );
                if let Some(filter) = filter {
                    assert!(
                        names.iter().any(|n| n.contains(&filter)),
                        "{name}, exercise {}: no test of tests/{target}.rs matches `{filter}`",
                        k + 1
                    );
                }
            }
            checked += 1;
        }
    }
    assert!(
        checked >= 16 * 4,
        "only {checked} exercises found in the book"
    );
}

#[test]
fn the_exercise_parsers_find_items_commands_and_tests() {
    let page = "x\n## Exercises\n\n1. Run `cargo test --test kmeans objective`.\n2. Prove it,\n   then `cargo test --test exercises kmeans -- --ignored`.\n\n## References\n3. no\n";
    let items = exercises(page);
    assert_eq!(items.len(), 2, "{items:?}");
    assert_eq!(
        test_commands(&items[0]),
        vec![("kmeans".to_string(), Some("objective".to_string()))]
    );
    assert_eq!(
        test_commands(&items[1]),
        vec![("exercises".to_string(), Some("kmeans".to_string()))]
    );
    assert!(test_names("exercises").contains(&"kmeans::lloyd".to_string()));
    assert!(test_names("kmeans").iter().any(|n| n.contains("objective")));
}

#[test]
fn every_listing_of_a_chapter_is_captioned_and_numbered_in_order() {
    for page in book_pages() {
        let name = page.file_name().unwrap().to_string_lossy().to_string();
        let Some(chapter) = name.get(..2).and_then(|n| n.parse::<usize>().ok()) else {
            continue;
        };
        let text = fs::read_to_string(&page).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        let mut expected = 1;
        for (i, line) in lines.iter().enumerate() {
            let block_with_include = line.starts_with("```rust")
                && lines[i + 1..]
                    .iter()
                    .take_while(|l| !l.starts_with("```"))
                    .any(|l| l.contains("{{#include"));
            if !block_with_include {
                continue;
            }
            let caption = lines[..i]
                .iter()
                .rev()
                .find(|l| !l.trim().is_empty())
                .unwrap_or(&"");
            let prefix = format!("**Listing {chapter}.{expected}**: ");
            assert!(
                caption.starts_with(&prefix) && caption.len() > prefix.len() + 3,
                "{name}, line {}: the listing should be captioned `{prefix}…`, found `{caption}`",
                i + 1
            );
            expected += 1;
        }
    }
}
