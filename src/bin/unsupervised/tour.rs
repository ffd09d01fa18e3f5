//! `unsupervised tour`: every chapter on built-in data, written to `DIR/index.html` with its
//! figures and captions.

use crate::args::{Args, Command, Flag, SEED};
use crate::{Result, CHAPTERS};
use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::Instant;
use unsupervised::datasets::npy;
use unsupervised::files::write_atomically;
use unsupervised::image::Image;
use unsupervised::linalg::Matrix;
use unsupervised::plot::{png, Figure};

pub const COMMAND: Command = Command {
    name: "tour",
    about: "run every chapter on built-in data and write DIR/index.html with its figures",
    flags: &[
        Flag::value(
            "--out",
            "DIR",
            "where to write the figures and index.html (default: figures)",
        ),
        Flag::value(
            "--chapter",
            "NAME",
            "run one chapter only (datasets, linalg, ...)",
        ),
        Flag::switch("--quick", "smaller problem sizes, for a fast check"),
        SEED,
    ],
    run: tour,
};

/// A chapter of the book on the command line: its commands and its part of the tour.
pub struct Chapter {
    /// The name `tour --chapter` takes.
    pub name: &'static str,
    pub title: &'static str,
    /// The chapter's page in the built book (`book/book/`).
    pub book_page: &'static str,
    pub commands: &'static [Command],
    /// Runs the chapter on built-in data and returns its captioned figures.
    pub tour: fn(&TourContext) -> Result<Vec<Section>>,
}

/// Options every chapter's tour section gets, and where its files go.
pub struct TourContext {
    pub out: PathBuf,
    pub quick: bool,
    pub seed: u64,
}

impl TourContext {
    /// Writes `bytes` as `out/name`, says so on stderr, and returns the name for the page.
    pub fn save(&self, name: &str, bytes: &[u8]) -> Result<String> {
        write_atomically(&self.out.join(name), bytes)?;
        eprintln!("      wrote {name}");
        Ok(name.to_string())
    }
    pub fn save_svg(&self, name: &str, figure: &Figure) -> Result<String> {
        self.save(name, figure.to_svg().as_bytes())
    }
    pub fn save_png(&self, name: &str, image: &Image) -> Result<String> {
        self.save(name, &png::encode(image))
    }
    /// Writes `m` as `out/name` in NumPy format.
    pub fn save_npy(&self, name: &str, m: &Matrix<f64>) -> Result<String> {
        self.save(name, &npy::write_npy(&npy::Npy::from_matrix(m))?)
    }
    /// Writes cluster labels as an n x 1 `.npy` column of floats (NumPy's default dtype).
    pub fn save_labels(&self, name: &str, labels: &[usize]) -> Result<String> {
        let column = labels.iter().map(|&l| l as f64).collect();
        self.save_npy(name, &Matrix::new(labels.len(), 1, column)?)
    }
    /// Files go to `dir` (created if missing); `--quick` and `--seed` come from `args`.
    fn new(dir: &str, args: &Args) -> Result<TourContext> {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("--out {dir}: cannot create the directory: {e}"))?;
        Ok(TourContext {
            out: PathBuf::from(dir),
            quick: args.has("--quick"),
            seed: args.seed()?,
        })
    }
    /// Where a command's `--out DIR` files go, or `None` without `--out`.
    pub fn for_out(args: &Args) -> Result<Option<TourContext>> {
        args.text("--out")
            .map(|dir| TourContext::new(dir, args))
            .transpose()
    }
}

/// A captioned result: a figure file or an HTML fragment, and what to look for in it.
pub struct Section {
    pub caption: String,
    pub look_for: String,
    pub file: Option<String>,
    pub html: String,
}

impl Section {
    pub fn figure(file: String, caption: &str, look_for: &str) -> Section {
        Section {
            caption: caption.into(),
            look_for: look_for.into(),
            file: Some(file),
            html: String::new(),
        }
    }
}

/// `unsupervised tour`: runs the chapters (or `--chapter NAME`) in book order and writes
/// `index.html` with every figure and its caption.
pub fn tour(args: &Args) -> Result {
    let chapter = args.text("--chapter");
    if let Some(name) = chapter {
        if !CHAPTERS.iter().any(|c| c.name == name) {
            let known: Vec<&str> = CHAPTERS.iter().map(|c| c.name).collect();
            return Err(format!(
                "--chapter {name}: unknown chapter (available: {})",
                known.join(", ")
            )
            .into());
        }
    }
    let ctx = TourContext::new(args.text("--out").unwrap_or("figures"), args)?;
    let started = Instant::now();
    let selected: Vec<&Chapter> = CHAPTERS
        .iter()
        .filter(|c| chapter.is_none_or(|n| n == c.name))
        .collect();
    let mut body = String::new();
    for (i, chapter) in selected.iter().enumerate() {
        let count = format!("[{}/{}] {:<12}", i + 1, selected.len(), chapter.name);
        eprintln!("{count} {}", chapter.title);
        let t = Instant::now();
        let sections =
            (chapter.tour)(&ctx).map_err(|e| format!("chapter {}: {e}", chapter.name))?;
        eprintln!("{count} done in {:.2} s", t.elapsed().as_secs_f64());
        write_chapter(&mut body, chapter, &sections);
    }
    let page = format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <title>unsupervised — tour</title>\n<style>{STYLE}</style></head>\n<body>\n\
         <h1>unsupervised — the tour</h1>\n<p>Version {}; instruction set {:?}, {} threads; seed {}{}.</p>\n{body}</body></html>\n",
        env!("CARGO_PKG_VERSION"),
        unsupervised::linalg::kernels::isa(),
        unsupervised::linalg::num_threads(),
        ctx.seed,
        if ctx.quick { "; quick mode" } else { "" }
    );
    let index = ctx.out.join("index.html");
    write_atomically(&index, page.as_bytes())?;
    eprintln!(
        "wrote {} ({} chapters, {:.1} s)",
        index.display(),
        selected.len(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// One chapter's heading, figures and captions on the page.
fn write_chapter(body: &mut String, chapter: &Chapter, sections: &[Section]) {
    // The book is built into book/book by `mdbook build book`; link to it in the checkout.
    let _ = writeln!(
        body,
        "<h2 id=\"{}\">{} <a class=\"book\" href=\"file://{}/book/book/{}\">book chapter</a></h2>",
        chapter.name,
        chapter.title,
        env!("CARGO_MANIFEST_DIR"),
        chapter.book_page
    );
    for s in sections {
        let content = match &s.file {
            Some(f) => format!("<img src=\"{f}\" alt=\"{}\">", s.caption),
            None => s.html.clone(),
        };
        let _ = writeln!(
            body,
            "<figure>\n{content}\n<figcaption><b>{}</b> — {}</figcaption>\n</figure>",
            s.caption, s.look_for
        );
    }
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;max-width:72rem;margin:2rem auto;padding:0 1rem}\
table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2rem .6rem;text-align:right}\
figure{margin:1.5rem 0}figcaption{margin-top:.4rem;color:#333;max-width:60rem}img{max-width:100%;border:1px solid #eee}\
a.book{font-size:.7em;font-weight:normal;margin-left:.5em}";
