//! The `unsupervised` command line.
//!
//! `unsupervised tour --out DIR` runs every chapter that exists on built-in data and writes
//! `DIR/index.html`. Each chapter adds itself to [`CHAPTERS`] with a function that returns
//! the sections it shows.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;
use unsupervised::linalg::{gemm, Exec, Isa, Matrix, Scalar};
use unsupervised::Rng;

const HELP: &str = "\
unsupervised — unsupervised learning from scratch, the code of the book

USAGE:
    unsupervised <COMMAND> [OPTIONS]

COMMANDS:
    tour        Run every chapter on built-in data and write DIR/index.html
    help        Print this help (also --help, -h)

OPTIONS:
    --version   Print the version

Run `unsupervised <COMMAND> --help` for a command's options.";

const TOUR_HELP: &str = "\
unsupervised tour — run every chapter and write a page of results

USAGE:
    unsupervised tour [--out DIR] [--chapter NAME] [--quick]

OPTIONS:
    --out DIR        Where to write index.html (default: figures; created if missing)
    --chapter NAME   Run one chapter only (e.g. linalg)
    --quick          Smaller problem sizes, for a fast check
    -h, --help       Print this help";

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

fn run(args: &[String]) -> Result<(), String> {
    match args.first().map(String::as_str) {
        None | Some("help" | "--help" | "-h") => {
            println!("{HELP}");
            Ok(())
        }
        Some("--version" | "-V") => {
            println!("unsupervised {}", env!("CARGO_PKG_VERSION"));
            Ok(())
        }
        Some("tour") => tour(&args[1..]),
        Some(other) => Err(format!(
            "unknown command `{other}`; see `unsupervised --help`"
        )),
    }
}

/// The tour's options.
struct TourOptions {
    out: PathBuf,
    chapter: Option<String>,
    quick: bool,
}

fn parse_tour(args: &[String]) -> Result<Option<TourOptions>, String> {
    let mut opts = TourOptions {
        out: PathBuf::from("figures"),
        chapter: None,
        quick: false,
    };
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let mut value = |name: &str| {
            it.next()
                .cloned()
                .ok_or_else(|| format!("{name} needs a value"))
        };
        match flag.as_str() {
            "-h" | "--help" => return Ok(None),
            "--out" => opts.out = PathBuf::from(value("--out")?),
            "--chapter" => {
                let name = value("--chapter")?;
                if !CHAPTERS.iter().any(|c| c.name == name) {
                    let known: Vec<&str> = CHAPTERS.iter().map(|c| c.name).collect();
                    return Err(format!(
                        "--chapter {name}: unknown chapter (available: {})",
                        known.join(", ")
                    ));
                }
                opts.chapter = Some(name);
            }
            "--quick" => opts.quick = true,
            other => {
                return Err(format!(
                    "tour: unknown option `{other}`; see `unsupervised tour --help`"
                ))
            }
        }
    }
    Ok(Some(opts))
}

/// One chapter's part of the tour.
struct Chapter {
    name: &'static str,
    title: &'static str,
    book_page: &'static str,
    run: fn(&TourOptions) -> Result<Vec<Section>, String>,
}

/// A captioned result: what it is, what to look for, and its HTML.
struct Section {
    caption: String,
    look_for: String,
    html: String,
}

/// Every chapter in the tour, in book order. A new chapter adds one line here.
const CHAPTERS: &[Chapter] = &[Chapter {
    name: "linalg",
    title: "1 · Matrices and SIMD-friendly loops",
    book_page: "01-linalg.html",
    run: tour_linalg,
}];

fn tour(args: &[String]) -> Result<(), String> {
    let Some(opts) = parse_tour(args)? else {
        println!("{TOUR_HELP}");
        return Ok(());
    };
    std::fs::create_dir_all(&opts.out).map_err(|e| {
        format!(
            "--out {}: cannot create the directory: {e}",
            opts.out.display()
        )
    })?;
    let started = Instant::now();
    let selected: Vec<&Chapter> = CHAPTERS
        .iter()
        .filter(|c| opts.chapter.as_deref().is_none_or(|n| n == c.name))
        .collect();
    let mut body = String::new();
    for (i, chapter) in selected.iter().enumerate() {
        let t = Instant::now();
        let sections =
            (chapter.run)(&opts).map_err(|e| format!("chapter {}: {e}", chapter.name))?;
        eprintln!(
            "[{}/{}] {:<12} {:>6.2} s",
            i + 1,
            selected.len(),
            chapter.name,
            t.elapsed().as_secs_f64()
        );
        // The book is built into book/book by `mdbook build book`; link to it in the checkout.
        let _ = writeln!(
            body,
            "<h2>{} <a href=\"file://{}/book/book/{}\">(book chapter)</a></h2>",
            chapter.title,
            env!("CARGO_MANIFEST_DIR"),
            chapter.book_page
        );
        for s in sections {
            let _ = write!(
                body,
                "<figure>\n{}\n<figcaption><b>{}</b> — {}</figcaption>\n</figure>\n",
                s.html, s.caption, s.look_for
            );
        }
    }
    let page = format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <title>unsupervised — tour</title>\n<style>{STYLE}</style></head>\n<body>\n\
         <h1>unsupervised — the tour</h1>\n<p>{}; instruction set {:?}, {} threads.</p>\n{body}</body></html>\n",
        env!("CARGO_PKG_VERSION"),
        unsupervised::linalg::kernels::isa(),
        unsupervised::linalg::threads::num_threads()
    );
    let index = opts.out.join("index.html");
    write_atomically(&index, page.as_bytes())?;
    eprintln!(
        "wrote {} ({} chapters, {:.1} s)",
        index.display(),
        selected.len(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

const STYLE: &str =
    "body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}\
table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2rem .6rem;text-align:right}\
figure{margin:1.5rem 0}figcaption{margin-top:.4rem;color:#333}";

/// Writes to a temporary name beside `path`, then renames: a reader never sees half a file.
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), String> {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, bytes).map_err(|e| format!("{}: cannot write: {e}", tmp.display()))?;
    std::fs::rename(&tmp, path)
        .map_err(|e| format!("{}: cannot rename into place: {e}", path.display()))
}

/// GFLOP/s of the best of three `n x n` products.
fn gemm_rate<T: Scalar>(n: usize, exec: Exec) -> Result<f64, String> {
    let mut rng = Rng::seed_from_u64(1);
    let a = Matrix::<T>::from_fn(n, n, |_, _| T::from_f64(rng.normal()));
    let b = Matrix::<T>::from_fn(n, n, |_, _| T::from_f64(rng.normal()));
    let mut c = Matrix::zeros(n, n);
    let mut best = f64::MAX;
    for _ in 0..3 {
        let t = Instant::now();
        gemm(T::ONE, a.view(), b.view(), T::ZERO, &mut c, exec).map_err(|e| e.to_string())?;
        best = best.min(t.elapsed().as_secs_f64());
    }
    Ok(2.0 * (n as f64).powi(3) / best / 1e9)
}

/// Chapter 1: GEMM speed on each instruction-set path, and the determinism promise.
fn tour_linalg(opts: &TourOptions) -> Result<Vec<Section>, String> {
    let n = if opts.quick { 128 } else { 512 };
    let threads = unsupervised::linalg::threads::num_threads();
    let mut table = String::from(
        "<table><tr><th>path</th><th>threads</th><th>f64 GFLOP/s</th><th>f32 GFLOP/s</th></tr>\n",
    );
    for isa in Isa::available() {
        for t in [1, threads] {
            let exec = Exec::default().with_isa(isa).with_threads(t);
            let _ = writeln!(
                table,
                "<tr><td>{isa:?}</td><td>{t}</td><td>{:.1}</td><td>{:.1}</td></tr>",
                gemm_rate::<f64>(n, exec)?,
                gemm_rate::<f32>(n, exec)?
            );
            if threads == 1 {
                break;
            }
        }
    }
    table.push_str("</table>");

    // The same product on 1, 2 and 3 threads, compared bit for bit.
    let mut rng = Rng::seed_from_u64(7);
    let a = Matrix::<f64>::from_fn(300, 200, |_, _| rng.normal());
    let b = Matrix::<f64>::from_fn(200, 150, |_, _| rng.normal());
    let one = a
        .matmul_with(&b, Exec::default().with_threads(1))
        .map_err(|e| e.to_string())?;
    let identical = [2, 3].iter().all(|&t| {
        a.matmul_with(&b, Exec::default().with_threads(t))
            .is_ok_and(|c| {
                c.as_slice()
                    .iter()
                    .zip(one.as_slice())
                    .all(|(x, y)| x.to_bits() == y.to_bits())
            })
    });
    Ok(vec![
        Section {
            caption: format!("GEMM, {n} x {n}, best of three"),
            look_for: "each wider instruction set should roughly double the rate; a second thread should nearly double it again.".into(),
            html: table,
        },
        Section {
            caption: "Determinism".into(),
            look_for: "a 300x200 by 200x150 product on 1, 2 and 3 threads gives the same bits.".into(),
            html: format!("<p>identical bits on 1, 2 and 3 threads: <b>{}</b></p>", if identical { "yes" } else { "NO" }),
        },
    ])
}
