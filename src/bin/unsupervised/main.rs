//! The `unsupervised` command line. Book: `cli.md`.
//!
//! One file per chapter of the book (a directory when the chapter is too big for one
//! file) holds that chapter's commands (their flags declared beside the handler that
//! reads them) and its part of the tour; [`args`] parses any
//! command's arguments against its declaration, [`json`] writes `--json` documents, and
//! [`tour`] runs every chapter and writes `DIR/index.html`. This file only dispatches.
//! Results go to stdout (`--json`: one JSON document and nothing else); progress, timing
//! and warnings go to stderr; a mistake exits with status 2 and a message naming the flag.

/// `println!` that returns an error from the enclosing function instead of panicking when
/// standard output is gone (`unsupervised kmeans --json | head`).
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        writeln!(std::io::stdout(), $($arg)*)
            .map_err(|e| format!("writing to standard output: {e}"))?
    }};
}

mod args;
mod exercises;
mod json;
mod tour;

mod autoencoder;
mod datasets;
mod eigen;
mod gan;
mod hierarchical;
mod image_prior;
mod kmeans;
mod linalg;
mod manifold;
mod mixture;
mod nn;
mod pca;
mod spectral;
mod tsne;
mod vae;
mod visualize;

use args::{in_flag_terms, parse, program_help, Command};
use std::process::ExitCode;
use tour::Chapter;

/// What a command returns: a library [`unsupervised::Error`] or a message about a flag,
/// either way printed as `error: ...` with exit status 2.
pub type Result<T = ()> = std::result::Result<T, Box<dyn std::error::Error>>;

// ANCHOR: chapters
/// Every chapter on the command line, in book order. A new chapter is one file (or directory) and one line.
pub const CHAPTERS: &[Chapter] = &[
    datasets::CHAPTER,
    linalg::CHAPTER,
    eigen::CHAPTER,
    pca::CHAPTER,
    kmeans::CHAPTER,
    hierarchical::CHAPTER,
    mixture::CHAPTER,
    spectral::CHAPTER,
    manifold::CHAPTER,
    tsne::CHAPTER,
    nn::CHAPTER,
    autoencoder::CHAPTER,
    vae::CHAPTER,
    gan::CHAPTER,
    visualize::CHAPTER,
    image_prior::CHAPTER,
];
// ANCHOR_END: chapters

/// `tour`, `exercises`, then every chapter's commands.
fn commands() -> impl Iterator<Item = &'static Command> {
    [&tour::COMMAND, &exercises::COMMAND]
        .into_iter()
        .chain(CHAPTERS.iter().flat_map(|c| c.commands))
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
    }
}

fn run(args: &[String]) -> Result {
    let Some(first) = args.first() else {
        say!("{}", program_help(commands()));
        return Ok(());
    };
    match first.as_str() {
        "help" | "--help" | "-h" => {
            say!("{}", program_help(commands()));
            return Ok(());
        }
        "--version" | "-V" => {
            say!("unsupervised {}", env!("CARGO_PKG_VERSION"));
            return Ok(());
        }
        _ => {}
    }
    let Some(cmd) = commands().find(|c| c.name == first) else {
        return Err(format!("unknown command `{first}`; see `unsupervised --help`").into());
    };
    let Some(parsed) = parse(cmd, &args[1..])? else {
        return Ok(());
    };
    (cmd.run)(&parsed).map_err(|e| in_flag_terms(cmd, &parsed, e))
}
