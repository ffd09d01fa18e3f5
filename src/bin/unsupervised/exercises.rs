//! `unsupervised exercises`: the reader's exercise track (`tests/exercises.rs`, book
//! `testing.md`) at a glance: every exercise with its chapter, the command that checks it
//! and whether it passes now.
//!
//! The list is read from the `track!` block of `tests/exercises.rs`, the one place that
//! declares it; whether each passes comes from one run of
//! `cargo test --test exercises -- --ignored` in the crate's directory.

use crate::args::{Args, Command, Flag, JSON};
use crate::json::Json;
use crate::Result;
use std::path::{Path, PathBuf};
use std::process::Command as Process;

pub const COMMAND: Command = Command {
    name: "exercises",
    about: "the exercise track: every exercise, the command that checks it, whether it passes",
    flags: &[
        Flag::value(
            "--chapter",
            "NAME",
            "only this chapter's exercises (kmeans, tsne, ...)",
        ),
        Flag::value(
            "--crate",
            "DIR",
            "the checkout to check (default: the one this binary was built from)",
        ),
        JSON,
    ],
    run: exercises_command,
};

/// One exercise of the track.
struct Exercise {
    chapter: String,
    name: String,
}

impl Exercise {
    /// The one-line command that checks it.
    fn command(&self) -> String {
        format!(
            "cargo test --test exercises {}::{} -- --ignored --exact",
            self.chapter, self.name
        )
    }
}

fn exercises_command(args: &Args) -> Result {
    let dir = checkout(args.text("--crate"))?;
    let mut track = read_track(&dir)?;
    if let Some(chapter) = args.text("--chapter") {
        let chapters: Vec<&str> = track.iter().map(|e| e.chapter.as_str()).collect();
        if !chapters.contains(&chapter) {
            let mut names = chapters.clone();
            names.dedup();
            return Err(
                format!("--chapter {chapter}: expected one of {}", names.join(", ")).into(),
            );
        }
        track.retain(|e| e.chapter == chapter);
    }
    let passed = run_track(&dir, args.text("--chapter"))?;
    let passes = |e: &Exercise| passed.contains(&format!("{}::{}", e.chapter, e.name));
    if args.has("--json") {
        let items = track
            .iter()
            .map(|e| {
                Json::Obj(vec![
                    ("chapter", Json::Str(e.chapter.clone())),
                    ("name", Json::Str(e.name.clone())),
                    ("command", Json::Str(e.command())),
                    ("passes", Json::Bool(passes(e))),
                ])
            })
            .collect();
        say!("{}", Json::Arr(items).render());
        return Ok(());
    }
    let done = track.iter().filter(|e| passes(e)).count();
    say!("{done} of {} exercises pass\n", track.len());
    for e in &track {
        let mark = if passes(e) { "pass" } else { "todo" };
        say!("{mark}  {:<13} {:<26} {}", e.chapter, e.name, e.command());
    }
    say!("\nYour files: tests/exercises/<chapter>.rs. A whole chapter: cargo test --test exercises <chapter> -- --ignored");
    Ok(())
}

/// The crate checkout: `--crate DIR`, else the directory this binary was built from, else
/// the current directory; it must hold the exercise track.
fn checkout(given: Option<&str>) -> Result<PathBuf> {
    let candidates: Vec<PathBuf> = match given {
        Some(dir) => vec![PathBuf::from(dir)],
        None => vec![
            PathBuf::from(env!("CARGO_MANIFEST_DIR")),
            PathBuf::from("."),
        ],
    };
    for dir in &candidates {
        if dir.join("tests/exercises.rs").is_file() && dir.join("Cargo.toml").is_file() {
            return Ok(dir.clone());
        }
    }
    Err(match given {
        Some(dir) => format!("--crate {dir}: no Cargo.toml and tests/exercises.rs there").into(),
        None => "no checkout of the crate found (tests/exercises.rs); pass --crate DIR".into(),
    })
}

/// The `track! { chapter: a, b, c; ... }` block of `tests/exercises.rs`, in its order.
fn read_track(dir: &Path) -> Result<Vec<Exercise>> {
    let file = dir.join("tests/exercises.rs");
    let text = std::fs::read_to_string(&file).map_err(|e| unsupervised::Error::io(&file, e))?;
    let start = text
        .find("\ntrack! {")
        .ok_or_else(|| format!("{}: no `track! {{` block", file.display()))?;
    let body = &text[start + "\ntrack! {".len()..];
    let body = &body[..body.find("\n}").unwrap_or(body.len())];
    let mut track = Vec::new();
    for line in body.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let Some((chapter, names)) = line.trim_end_matches(';').split_once(':') else {
            return Err(format!("{}: `{line}` is not `chapter: a, b, c;`", file.display()).into());
        };
        for name in names.split(',').map(str::trim) {
            track.push(Exercise {
                chapter: chapter.trim().to_string(),
                name: name.to_string(),
            });
        }
    }
    Ok(track)
}

/// The `chapter::name` of every exercise that passes, from one run of cargo. A track that
/// does not compile passes nothing; cargo's message goes to stderr.
fn run_track(dir: &Path, chapter: Option<&str>) -> Result<Vec<String>> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut run = Process::new(&cargo);
    run.current_dir(dir)
        .args(["test", "--test", "exercises", "--"])
        .arg("--ignored")
        .args(chapter.map(|c| format!("{c}::")));
    let out = run
        .output()
        .map_err(|e| format!("running `{cargo} test` in {}: {e}", dir.display()))?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    if !stdout.contains("test result:") {
        eprintln!("{}", String::from_utf8_lossy(&out.stderr));
        eprintln!(
            "warning: the exercise track did not compile; every exercise counts as not passing"
        );
    }
    Ok(stdout
        .lines()
        .filter_map(|l| l.strip_prefix("test ")?.strip_suffix(" ... ok"))
        .map(str::to_string)
        .collect())
}
