//! `unsupervised tour`: every chapter on built-in data, written to `DIR/index.html` with its
//! figures and captions.

use crate::args::{Args, Command, Flag, SEED};
use crate::{Result, CHAPTERS};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
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
    let book = BookLinks::find(&ctx.out);
    let mut body = String::new();
    let mut contents = String::from("<nav><h2>Contents</h2>\n<ol>\n");
    for (i, chapter) in selected.iter().enumerate() {
        let count = format!("[{}/{}] {:<12}", i + 1, selected.len(), chapter.name);
        eprintln!("{count} {}", chapter.title);
        let t = Instant::now();
        let sections =
            (chapter.tour)(&ctx).map_err(|e| format!("chapter {}: {e}", chapter.name))?;
        let seconds = t.elapsed().as_secs_f64();
        eprintln!("{count} done in {seconds:.2} s");
        let _ = writeln!(
            contents,
            "<li><a href=\"#{}\">{}</a> <span class=\"note\">{} figures, {seconds:.1} s</span></li>",
            chapter.name,
            chapter.title,
            sections.len()
        );
        write_chapter(&mut body, chapter, &sections, &book, &ctx);
    }
    contents.push_str("</ol>\n</nav>\n");
    let page = format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <title>unsupervised — tour</title>\n<style>{STYLE}</style></head>\n<body>\n\
         <h1>unsupervised — the tour</h1>\n<p>Version {}; instruction set {:?}, {} threads; seed {}{}. \
         Every chapter's heading links to its chapter of the book and gives the command that \
         redraws its figures; {}</p>\n{contents}{body}</body></html>\n",
        env!("CARGO_PKG_VERSION"),
        unsupervised::linalg::kernels::isa(),
        unsupervised::linalg::num_threads(),
        ctx.seed,
        if ctx.quick { "; quick mode" } else { "" },
        book.note()
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

/// Where the page's links to the book go: the built book (`book/book/`) when it exists,
/// else the chapter's source in `book/src/`, both as paths relative to the page, so that
/// the page works wherever the checkout is and on a fresh clone before the book is built.
/// `None` when this binary's checkout is gone.
struct BookLinks {
    /// From the page's directory to the checkout, ending in `/`.
    to_checkout: Option<String>,
    built: bool,
}

impl BookLinks {
    fn find(out: &Path) -> BookLinks {
        let checkout = Path::new(env!("CARGO_MANIFEST_DIR"));
        let to_checkout = match (out.canonicalize(), checkout.canonicalize()) {
            (Ok(from), Ok(to)) => Some(relative_path(&from, &to)),
            _ => None,
        };
        BookLinks {
            to_checkout,
            built: checkout.join("book/book/index.html").is_file(),
        }
    }
    /// The link to a chapter's page (`04-kmeans.html`).
    fn href(&self, page: &str) -> Option<String> {
        let base = self.to_checkout.as_ref()?;
        Some(if self.built {
            format!("{base}book/book/{page}")
        } else {
            format!("{base}book/src/{}", page.replace(".html", ".md"))
        })
    }
    fn note(&self) -> &'static str {
        match (&self.to_checkout, self.built) {
            (None, _) => {
                "the checkout this binary was built from is gone, so there are no book links."
            }
            (Some(_), true) => "the links open the built book in book/book/.",
            (Some(_), false) => {
                "the book is not built yet, so the links open each chapter's source; \
                 <code>.ci/book</code> builds it (then run the tour again)."
            }
        }
    }
}

/// The relative path from the directory `from` to `to` (both absolute), ending in `/`.
fn relative_path(from: &Path, to: &Path) -> String {
    let (a, b): (Vec<_>, Vec<_>) = (from.components().collect(), to.components().collect());
    let common = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let mut path = "../".repeat(a.len() - common);
    for part in &b[common..] {
        path.push_str(&part.as_os_str().to_string_lossy());
        path.push('/');
    }
    path
}

/// One chapter's heading (with its book link and the command that redraws it), figures and
/// captions on the page.
fn write_chapter(
    body: &mut String,
    chapter: &Chapter,
    sections: &[Section],
    book: &BookLinks,
    ctx: &TourContext,
) {
    let link = book.href(chapter.book_page).map_or(String::new(), |href| {
        format!(" <a class=\"book\" href=\"{href}\">book chapter</a>")
    });
    let _ = writeln!(
        body,
        "<h2 id=\"{}\">{}{link}</h2>\n<p class=\"note\">Redraw: <code>cargo run --release -- tour --chapter {}{} --seed {} --out DIR</code></p>",
        chapter.name,
        chapter.title,
        chapter.name,
        if ctx.quick { " --quick" } else { "" },
        ctx.seed
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
a.book{font-size:.7em;font-weight:normal;margin-left:.5em}.note{color:#555;font-size:.9em}\
nav ol{columns:2}";
