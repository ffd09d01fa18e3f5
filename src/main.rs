//! The `unsupervised` command line.
//!
//! Book: `cli.md`. One hand-written parser serves every command ([`parse`]): each command
//! declares its flags in a [`Command`], and `--help`, unknown flags, missing and bad values
//! are handled the same way everywhere. Results go to stdout (`--json`: one JSON document and
//! nothing else); progress and timing go to stderr.
//!
//! `unsupervised tour --out DIR` runs every chapter on built-in data and writes its figures
//! and `DIR/index.html`. A chapter joins the tour with one entry in [`CHAPTERS`].

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

/// `println!` that returns an error from the enclosing function instead of panicking when
/// standard output is gone (`unsupervised kmeans --json | head`).
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        writeln!(std::io::stdout(), $($arg)*)
            .map_err(|e| format!("writing to standard output: {e}"))?
    }};
}
use unsupervised::datasets::{self, Dataset, Image, LoadOptions};
use unsupervised::linalg::{gemm, Exec, Isa, Matrix, Scalar};
use unsupervised::plot::{self, png, Figure, Plot};
use unsupervised::Rng;

// ---------------------------------------------------------------- argument parsing

// ANCHOR: command
/// A flag a command accepts: `--name VALUE` when `value` names the value, else a switch.
struct Flag {
    name: &'static str,
    value: Option<&'static str>,
    help: &'static str,
}

/// A command: its name, a one-line description and its flags (`--help` is implicit).
struct Command {
    name: &'static str,
    about: &'static str,
    flags: &'static [Flag],
}

const SEED: Flag = Flag {
    name: "--seed",
    value: Some("N"),
    help: "seed of every random choice (default 0)",
};
const OUT: Flag = Flag {
    name: "--out",
    value: Some("DIR"),
    help: "directory for figures and files (created if missing)",
};
const JSON: Flag = Flag {
    name: "--json",
    value: None,
    help: "print one JSON document on stdout and nothing else",
};
const DATA: Flag = Flag {
    name: "--data",
    value: Some("NAME|PATH"),
    help: "a data set name (see `unsupervised datasets`), or a .csv or .npy file",
};
const N: Flag = Flag {
    name: "--n",
    value: Some("N"),
    help: "number of points for generated data",
};
const NOISE: Flag = Flag {
    name: "--noise",
    value: Some("X"),
    help: "noise level for generated data",
};
const LABEL: Flag = Flag {
    name: "--label",
    value: Some("COLUMN"),
    help: "a CSV file's label column",
};
// ANCHOR_END: command

const COMMANDS: &[Command] = &[
    Command {
        name: "tour",
        about: "run every chapter on built-in data and write DIR/index.html with its figures",
        flags: &[
            Flag {
                name: "--out",
                value: Some("DIR"),
                help: "where to write the figures and index.html (default: figures)",
            },
            Flag {
                name: "--chapter",
                value: Some("NAME"),
                help: "run one chapter only (datasets, linalg, ...)",
            },
            Flag {
                name: "--quick",
                value: None,
                help: "smaller problem sizes, for a fast check",
            },
            SEED,
        ],
    },
    Command {
        name: "eigen",
        about: "eigenvalues and eigenvectors of a symmetric matrix (chapter 2)",
        flags: &[
            DATA,
            Flag {
                name: "--k",
                value: Some("K"),
                help: "how many eigenpairs (default: all for dense methods, 6 for lanczos)",
            },
            Flag {
                name: "--method",
                value: Some("NAME"),
                help: "auto (default), tridiagonal, jacobi or lanczos",
            },
            Flag {
                name: "--which",
                value: Some("END"),
                help: "smallest (default) or largest eigenvalues first",
            },
            SEED,
            JSON,
        ],
    },
    Command {
        name: "pca",
        about: "principal components of a data set (chapter 3)",
        flags: &[
            DATA,
            N,
            NOISE,
            LABEL,
            Flag {
                name: "--n-components",
                value: Some("K"),
                help: "components to keep (default: all)",
            },
            Flag {
                name: "--standardize",
                value: None,
                help: "divide each column by its standard deviation first",
            },
            Flag {
                name: "--whiten",
                value: None,
                help: "scale the scores to unit variance",
            },
            Flag {
                name: "--solver",
                value: Some("NAME"),
                help: "auto (default), eigen, svd or randomized",
            },
            SEED,
            OUT,
            JSON,
        ],
    },
    Command {
        name: "kmeans",
        about: "k-means clustering (chapter 4)",
        flags: &[
            DATA,
            N,
            NOISE,
            LABEL,
            Flag {
                name: "--k",
                value: Some("K"),
                help: "number of clusters (default 3)",
            },
            Flag {
                name: "--n-init",
                value: Some("N"),
                help: "restarts; the lowest objective wins (default 10)",
            },
            Flag {
                name: "--max-iter",
                value: Some("N"),
                help: "iterations per run (default 300)",
            },
            Flag {
                name: "--init",
                value: Some("NAME"),
                help: "k-means++ (default), forgy or random",
            },
            Flag {
                name: "--algorithm",
                value: Some("NAME"),
                help: "auto (default), lloyd or hamerly: the same result; hamerly skips distances",
            },
            Flag {
                name: "--tol",
                value: Some("T"),
                help: "also stop when the centroids move less than T (relative; default 0)",
            },
            SEED,
            OUT,
            JSON,
        ],
    },
    Command {
        name: "gmm",
        about: "Gaussian mixture fitted by EM (chapter 6)",
        flags: &[
            DATA,
            N,
            NOISE,
            LABEL,
            Flag {
                name: "--k",
                value: Some("K"),
                help: "number of components (default 2)",
            },
            Flag {
                name: "--covariance",
                value: Some("SHAPE"),
                help: "full (default), diag, spherical or tied",
            },
            Flag {
                name: "--n-init",
                value: Some("N"),
                help: "EM runs from different starts; the best likelihood wins (default 1)",
            },
            Flag {
                name: "--init",
                value: Some("NAME"),
                help: "kmeans (default), k-means++ (seeds only) or random (responsibilities)",
            },
            Flag {
                name: "--tol",
                value: Some("T"),
                help: "stop when the mean log-likelihood changes by at most T (default 1e-3)",
            },
            Flag {
                name: "--standardize",
                value: None,
                help: "divide each column by its standard deviation first",
            },
            SEED,
            JSON,
        ],
    },
    Command {
        name: "hclust",
        about: "agglomerative hierarchical clustering (chapter 5)",
        flags: &[
            DATA,
            N,
            NOISE,
            LABEL,
            Flag {
                name: "--linkage",
                value: Some("NAME"),
                help: "complete (default), single, average, weighted, centroid, median or ward",
            },
            Flag {
                name: "--metric",
                value: Some("NAME"),
                help: "euclidean (default), sqeuclidean, manhattan, cosine or correlation",
            },
            Flag {
                name: "--standardize",
                value: None,
                help: "divide each column by its standard deviation first",
            },
            Flag {
                name: "--k",
                value: Some("K"),
                help: "also cut the tree into K clusters (\"labels\" in the JSON)",
            },
            SEED,
            JSON,
        ],
    },
    Command {
        name: "spectral",
        about: "spectral clustering on a similarity graph (chapter 7)",
        flags: &[
            DATA,
            N,
            NOISE,
            LABEL,
            Flag {
                name: "--k",
                value: Some("K"),
                help: "number of clusters (default 2)",
            },
            Flag {
                name: "--graph",
                value: Some("KIND"),
                help: "knn (default), mutual, self-tuning, full or epsilon",
            },
            Flag {
                name: "--neighbors",
                value: Some("M"),
                help: "neighbours per point of the kNN graphs (default 10)",
            },
            Flag {
                name: "--sigma",
                value: Some("S"),
                help:
                    "Gaussian weights exp(-d²/σ²) (kNN graphs: binary if absent; full: default 1)",
            },
            Flag {
                name: "--radius",
                value: Some("R"),
                help: "the epsilon graph's radius (default 0.3)",
            },
            Flag {
                name: "--laplacian",
                value: Some("KIND"),
                help:
                    "symmetric (default, Ng-Jordan-Weiss), random-walk (Shi-Malik) or unnormalized",
            },
            Flag {
                name: "--solver",
                value: Some("NAME"),
                help: "auto (default), dense or lanczos",
            },
            SEED,
            OUT,
            JSON,
        ],
    },
    Command {
        name: "manifold",
        about: "manifold learning: MDS, SMACOF, Isomap, LLE, Laplacian, Hessian, LTSA, diffusion maps (chapter 8)",
        flags: &[
            DATA,
            N,
            NOISE,
            LABEL,
            Flag {
                name: "--method",
                value: Some("NAME"),
                help: "isomap (default), lle, laplacian, hessian, ltsa, diffusion, mds or smacof",
            },
            Flag {
                name: "--neighbors",
                value: Some("K"),
                help: "neighbourhood size (default 12)",
            },
            Flag {
                name: "--dims",
                value: Some("D"),
                help: "dimensions of the map (default 2)",
            },
            SEED,
            OUT,
            JSON,
        ],
    },
    Command {
        name: "tsne",
        about: "SNE and t-SNE maps of a data set, exact or Barnes-Hut (chapter 9)",
        flags: &[
            DATA,
            N,
            NOISE,
            LABEL,
            Flag {
                name: "--perplexity",
                value: Some("P"),
                help: "effective number of neighbours per point (default 30)",
            },
            Flag {
                name: "--method",
                value: Some("NAME"),
                help: "barnes-hut (default), exact or sne",
            },
            Flag {
                name: "--theta",
                value: Some("T"),
                help: "Barnes-Hut accuracy: 0 exact, larger faster (default 0.5)",
            },
            Flag {
                name: "--iterations",
                value: Some("N"),
                help: "gradient steps (default 1000)",
            },
            Flag {
                name: "--learning-rate",
                value: Some("R"),
                help: "step size (default: max(n / 48, 50); SNE: 1)",
            },
            Flag {
                name: "--init",
                value: Some("NAME"),
                help: "pca (default) or random",
            },
            Flag {
                name: "--pca-dims",
                value: Some("D"),
                help: "project to D principal components first when wider (default 50; 0: never)",
            },
            Flag {
                name: "--score",
                value: None,
                help: "also report trustworthiness(5) and 5-fold 1-NN accuracy",
            },
            SEED,
            OUT,
            JSON,
        ],
    },
    Command {
        name: "classify",
        about: "train an MLP or a CNN on handwritten digits (chapters 10 and 11)",
        flags: &[
            Flag {
                name: "--data",
                value: Some("NAME"),
                help: "mnist (default; first 8,000 images train, last 2,000 test) or digits (80/20)",
            },
            Flag {
                name: "--model",
                value: Some("NAME"),
                help: "mlp (default) or cnn (28 x 28 images only)",
            },
            Flag {
                name: "--recipe",
                value: Some("NAME"),
                help: "plain (default: Adam 1e-3, batch 128, 10 epochs) or better (shifts, dropout, decay, 25 epochs)",
            },
            Flag {
                name: "--epochs",
                value: Some("N"),
                help: "epochs (default: the recipe's; 0 with --load only evaluates)",
            },
            Flag {
                name: "--batch-size",
                value: Some("N"),
                help: "minibatch size (default 128)",
            },
            Flag {
                name: "--learning-rate",
                value: Some("R"),
                help: "Adam's step size (default 0.001)",
            },
            Flag {
                name: "--load",
                value: Some("FILE"),
                help: "start from the parameters saved in FILE",
            },
            Flag {
                name: "--save",
                value: Some("FILE"),
                help: "save the trained parameters to FILE",
            },
            SEED,
            OUT,
            JSON,
        ],
    },
    Command {
        name: "datasets",
        about: "list the embedded data sets and generators, or describe one with --data",
        flags: &[DATA, N, NOISE, LABEL, SEED, OUT, JSON],
    },
];

/// Parsed flags: values by flag name, and the switches that were given.
struct Args {
    values: BTreeMap<&'static str, String>,
}

impl Args {
    fn has(&self, name: &str) -> bool {
        self.values.contains_key(name)
    }
    fn text(&self, name: &str) -> Option<&str> {
        self.values.get(name).map(String::as_str)
    }
    /// The value of `name` parsed as `T`, or an error naming the flag and the value.
    fn get<T: std::str::FromStr>(&self, name: &str, expected: &str) -> Result<Option<T>, String> {
        match self.values.get(name) {
            None => Ok(None),
            Some(v) => v
                .parse()
                .map(Some)
                .map_err(|_| format!("{name} {v}: expected {expected}")),
        }
    }
    /// The value named by `flag` (or `default` when absent) among `options`; aliases follow
    /// their canonical name with the same value. Anything else is an error listing the
    /// canonical names: `--init x: expected pca or random`.
    fn choice<T: Copy + PartialEq>(
        &self,
        flag: &str,
        default: &str,
        options: &[(&str, T)],
    ) -> Result<T, String> {
        let given = self.text(flag).unwrap_or(default);
        if let Some(&(_, v)) = options.iter().find(|(name, _)| *name == given) {
            return Ok(v);
        }
        let names: Vec<&str> = options
            .iter()
            .enumerate()
            .filter(|&(i, (_, v))| !options[..i].iter().any(|(_, w)| w == v))
            .map(|(_, (name, _))| *name)
            .collect();
        let expected = match names.split_last() {
            Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
            _ => names.join(""),
        };
        Err(format!("{flag} {given}: expected {expected}"))
    }
    fn seed(&self) -> Result<u64, String> {
        Ok(self.get("--seed", "a whole number")?.unwrap_or(0))
    }
    fn out(&self, default: &str) -> PathBuf {
        PathBuf::from(self.text("--out").unwrap_or(default))
    }
}

// ANCHOR: parse
/// Parses a command's arguments; `Ok(None)` means `--help` was asked for (and printed).
fn parse(cmd: &Command, args: &[String]) -> Result<Option<Args>, String> {
    let mut values = BTreeMap::new();
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        if arg == "--help" || arg == "-h" {
            say!("{}", command_help(cmd));
            return Ok(None);
        }
        let (name, inline) = match arg.split_once('=') {
            Some((n, v)) if n.starts_with("--") => (n, Some(v.to_string())),
            _ => (arg.as_str(), None),
        };
        let Some(flag) = cmd.flags.iter().find(|f| f.name == name) else {
            return Err(format!(
                "{}: unknown option `{arg}`; see `unsupervised {} --help`",
                cmd.name, cmd.name
            ));
        };
        let value = match (flag.value, inline) {
            (Some(_), Some(v)) => v,
            (Some(meta), None) => match it.next() {
                Some(v) if !v.starts_with("--") => v.clone(),
                _ => return Err(format!("{} needs a value ({meta})", flag.name)),
            },
            (None, Some(_)) => return Err(format!("{} takes no value", flag.name)),
            (None, None) => String::new(),
        };
        values.insert(flag.name, value);
    }
    Ok(Some(Args { values }))
}
// ANCHOR_END: parse

fn command_help(cmd: &Command) -> String {
    let mut s = format!(
        "unsupervised {} — {}\n\nUSAGE:\n    unsupervised {} [OPTIONS]\n\nOPTIONS:\n",
        cmd.name, cmd.about, cmd.name
    );
    for f in cmd.flags {
        let left = match f.value {
            Some(v) => format!("{} {v}", f.name),
            None => f.name.to_string(),
        };
        let _ = writeln!(s, "    {left:<22}{}", f.help);
    }
    let _ = write!(s, "    {:<22}print this help", "-h, --help");
    s
}

fn program_help() -> String {
    let mut s = String::from(
        "unsupervised — unsupervised learning from scratch, the code of the book\n\n\
         USAGE:\n    unsupervised <COMMAND> [OPTIONS]\n\nCOMMANDS:\n",
    );
    for c in COMMANDS {
        let _ = writeln!(s, "    {:<12}{}", c.name, c.about);
    }
    s.push_str(
        "\nOPTIONS:\n    -h, --help  print this help\n    --version   print the version\n\n",
    );
    s.push_str("Run `unsupervised <COMMAND> --help` for a command's options.");
    s
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

fn run(args: &[String]) -> Result<(), String> {
    let Some(first) = args.first() else {
        say!("{}", program_help());
        return Ok(());
    };
    match first.as_str() {
        "help" | "--help" | "-h" => {
            say!("{}", program_help());
            return Ok(());
        }
        "--version" | "-V" => {
            say!("unsupervised {}", env!("CARGO_PKG_VERSION"));
            return Ok(());
        }
        _ => {}
    }
    let Some(cmd) = COMMANDS.iter().find(|c| c.name == first) else {
        return Err(format!(
            "unknown command `{first}`; see `unsupervised --help`"
        ));
    };
    let Some(parsed) = parse(cmd, &args[1..])? else {
        return Ok(());
    };
    match cmd.name {
        "tour" => tour(&parsed),
        "datasets" => datasets_command(&parsed),
        "eigen" => eigen_command(&parsed),
        "pca" => pca_command(&parsed),
        "kmeans" => kmeans_command(&parsed),
        "spectral" => spectral_command(&parsed),
        "hclust" => hclust_command(&parsed),
        "gmm" => gmm_command(&parsed),
        "tsne" => tsne_command(&parsed),
        "manifold" => manifold_command(&parsed),
        "classify" => classify_command(&parsed),
        _ => unreachable!("every command in COMMANDS has a branch"),
    }
}

// ---------------------------------------------------------------- JSON output

/// A JSON value, for `--json` output.
enum Json {
    Bool(bool),
    Num(f64),
    Int(i64),
    Str(String),
    Arr(Vec<Json>),
    Obj(Vec<(&'static str, Json)>),
}

impl Json {
    fn write(&self, out: &mut String) {
        match self {
            // JSON has no NaN or infinity: they become null.
            // Plain notation where it is short, exponent notation (valid JSON too) elsewhere.
            Json::Num(x) if x.is_finite() => {
                let _ = if *x == 0.0 || (1e-5..1e16).contains(&x.abs()) {
                    write!(out, "{x}")
                } else {
                    write!(out, "{x:e}")
                };
            }
            Json::Num(_) => out.push_str("null"),
            Json::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Json::Int(i) => {
                let _ = write!(out, "{i}");
            }
            Json::Str(s) => {
                out.push('"');
                for c in s.chars() {
                    match c {
                        '"' => out.push_str("\\\""),
                        '\\' => out.push_str("\\\\"),
                        c if (c as u32) < 0x20 => {
                            let _ = write!(out, "\\u{:04x}", c as u32);
                        }
                        c => out.push(c),
                    }
                }
                out.push('"');
            }
            Json::Arr(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    item.write(out);
                }
                out.push(']');
            }
            Json::Obj(fields) => {
                out.push('{');
                for (i, (k, v)) in fields.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    Json::Str((*k).to_string()).write(out);
                    out.push(':');
                    v.write(out);
                }
                out.push('}');
            }
        }
    }
    fn render(&self) -> String {
        let mut s = String::new();
        self.write(&mut s);
        s
    }
}

// ---------------------------------------------------------------- `datasets`

fn data_options(args: &Args) -> Result<LoadOptions, String> {
    Ok(LoadOptions {
        n: args.get("--n", "a whole number")?,
        noise: args.get("--noise", "a number")?,
        seed: args.seed()?,
        label: args.text("--label").map(str::to_string),
    })
}

/// One line per embedded set and generator, or a description of the `--data` set.
fn datasets_command(args: &Args) -> Result<(), String> {
    // Validated first, so a bad value is reported even when it would go unused.
    let options = data_options(args)?;
    if let Some(name) = args.text("--data") {
        let d = datasets::load(name, &options).map_err(|e| e.to_string())?;
        if let Some(dir) = args.text("--out") {
            let path = Path::new(dir).join(format!("{}.npy", file_stem(&d.name)));
            std::fs::create_dir_all(dir).map_err(|e| format!("--out {dir}: {e}"))?;
            let bytes = datasets::npy::write_npy(&datasets::npy::Npy::from_matrix(&d.x))
                .map_err(|e| e.to_string())?;
            write_atomically(&path, &bytes)?;
            eprintln!("wrote {}", path.display());
        }
        let summary = Json::Obj(vec![
            ("name", Json::Str(d.name.clone())),
            ("rows", Json::Int(d.x.rows() as i64)),
            ("columns", Json::Int(d.x.cols() as i64)),
            (
                "features",
                Json::Arr(
                    d.feature_names
                        .iter()
                        .map(|f| Json::Str(f.clone()))
                        .collect(),
                ),
            ),
            (
                "classes",
                Json::Arr(d.class_names.iter().map(|c| Json::Str(c.clone())).collect()),
            ),
            (
                "means",
                Json::Arr(
                    d.x.column_means()
                        .map_err(|e| e.to_string())?
                        .into_iter()
                        .map(Json::Num)
                        .collect(),
                ),
            ),
        ]);
        if args.has("--json") {
            say!("{}", summary.render());
        } else {
            say!("{}: {} rows x {} columns", d.name, d.x.rows(), d.x.cols());
            say!(
                "features: {}",
                d.feature_names
                    .iter()
                    .take(12)
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            if !d.class_names.is_empty() {
                say!("classes: {}", d.class_names.join(", "));
            }
        }
        return Ok(());
    }
    let list: Vec<(&str, &str, &str)> = vec![
        (
            "usarrests",
            "50 x 4, state names",
            "US arrests per 100,000 by state, 1973 (R datasets; ISLR ch. 10)",
        ),
        (
            "faithful",
            "272 x 2",
            "Old Faithful eruptions and waiting times (R datasets; Bishop ch. 9)",
        ),
        (
            "digits",
            "1797 x 64, 10 classes",
            "UCI handwritten digits 8 x 8 (Alpaydin and Kaynak 1998)",
        ),
        (
            "mnist",
            "10000 x 784, 10 classes",
            "MNIST digits 28 x 28, a fixed random 10,000 (LeCun et al.)",
        ),
        (
            "blobs",
            "n x 2, 3 classes",
            "generated: isotropic Gaussian blobs",
        ),
        (
            "moons",
            "n x 2, 2 classes",
            "generated: two interleaving half circles",
        ),
        (
            "circles",
            "n x 2, 2 classes",
            "generated: two concentric circles",
        ),
        (
            "spirals",
            "n x 2, 2 classes",
            "generated: two interleaved spirals",
        ),
        ("swissroll", "n x 3", "generated: the Swiss roll"),
        ("scurve", "n x 3", "generated: the S-curve"),
        (
            "ring",
            "n x 2, 8 classes",
            "generated: 8 Gaussians on a circle (mode collapse)",
        ),
        (
            "grid",
            "n x 2, 25 classes",
            "generated: 5 x 5 grid of Gaussians (mode collapse)",
        ),
    ];
    if args.has("--json") {
        let items = list
            .iter()
            .map(|(n, s, a)| {
                Json::Obj(vec![
                    ("name", Json::Str((*n).into())),
                    ("shape", Json::Str((*s).into())),
                    ("about", Json::Str((*a).into())),
                ])
            })
            .collect();
        say!("{}", Json::Arr(items).render());
    } else {
        for (name, shape, about) in list {
            say!("{name:<10} {shape:<24} {about}");
        }
        say!("\nImages: china-gray-256 (256 x 256 grey), china-rgb-128 and flower-rgb-128 (128 x 128 RGB).");
        say!("Files: --data PATH.csv (numeric columns; --label COLUMN) or --data PATH.npy.");
    }
    Ok(())
}

fn file_stem(name: &str) -> String {
    Path::new(name)
        .file_stem()
        .map_or_else(|| "data".into(), |s| s.to_string_lossy().into_owned())
}

// ---------------------------------------------------------------- `kmeans`

/// `unsupervised kmeans --data digits --k 10 --n-init 10 --seed 0 --json`: `{"inertia": J,
/// "labels": [...], "centroids": [[...]], "iterations": n, "converged": bool}`.
fn kmeans_command(args: &Args) -> Result<(), String> {
    use unsupervised::kmeans::{Algorithm, Init, KMeans};
    let options = data_options(args)?;
    let name = args.text("--data").unwrap_or("blobs");
    let d = datasets::load(name, &options).map_err(|e| e.to_string())?;
    let init = args.choice(
        "--init",
        "k-means++",
        &[
            ("k-means++", Init::KMeansPlusPlus),
            ("kmeans++", Init::KMeansPlusPlus),
            ("forgy", Init::Forgy),
            ("random", Init::RandomAssignment),
        ],
    )?;
    let k = args.get("--k", "a whole number")?.unwrap_or(3);
    let mut km = KMeans::new(k).init(init).seed(options.seed);
    if let Some(n) = args.get("--n-init", "a whole number")? {
        km = km.n_init(n);
    }
    if let Some(n) = args.get("--max-iter", "a whole number")? {
        km = km.max_iter(n);
    }
    if let Some(t) = args.get("--tol", "a number")? {
        km = km.tol(t);
    }
    km = km.algorithm(args.choice(
        "--algorithm",
        "auto",
        &[
            ("auto", Algorithm::Auto),
            ("lloyd", Algorithm::Lloyd),
            ("hamerly", Algorithm::Hamerly),
        ],
    )?);
    let started = Instant::now();
    let fit = km.fit(&d.x).map_err(|e| e.to_string())?;
    eprintln!(
        "kmeans: k = {k} on {} ({} x {}): J = {:.6e} after {} iterations in {:.3} s",
        d.name,
        d.x.rows(),
        d.x.cols(),
        fit.inertia,
        fit.n_iter,
        started.elapsed().as_secs_f64()
    );
    if !fit.converged {
        eprintln!("warning: kmeans stopped at --max-iter before the assignments settled");
    }
    if let Some(dir) = args.text("--out") {
        let labels = fit.labels.iter().map(|&l| l as f64).collect();
        let labels = Matrix::new(fit.labels.len(), 1, labels).map_err(|e| e.to_string())?;
        save_npy(dir, "centroids.npy", &fit.centroids)?;
        save_npy(dir, "labels.npy", &labels)?;
    }
    if args.has("--json") {
        let doc = Json::Obj(vec![
            ("inertia", Json::Num(fit.inertia)),
            (
                "labels",
                Json::Arr(fit.labels.iter().map(|&l| Json::Int(l as i64)).collect()),
            ),
            (
                "centroids",
                Json::Arr(
                    fit.centroids
                        .iter_rows()
                        .map(|r| Json::Arr(r.iter().map(|&v| Json::Num(v)).collect()))
                        .collect(),
                ),
            ),
            ("iterations", Json::Int(fit.n_iter as i64)),
            ("converged", Json::Bool(fit.converged)),
        ]);
        say!("{}", doc.render());
    } else {
        say!("J = {:.6e}, {} iterations", fit.inertia, fit.n_iter);
        for c in 0..k {
            say!(
                "cluster {c}: {} points",
                fit.labels.iter().filter(|&&l| l == c).count()
            );
        }
    }
    Ok(())
}

/// Writes `m` as `DIR/name` (NumPy format), creating DIR.
fn save_npy(dir: &str, name: &str, m: &Matrix<f64>) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("--out {dir}: {e}"))?;
    let bytes =
        datasets::npy::write_npy(&datasets::npy::Npy::from_matrix(m)).map_err(|e| e.to_string())?;
    write_atomically(&Path::new(dir).join(name), &bytes)
}

// ---------------------------------------------------------------- `classify`

/// Pixels of a data set of square images as `f32` in [0, 1] (divided by the largest value
/// when that exceeds 1), with the side of the square.
fn images_of(d: &datasets::Dataset) -> Result<(Vec<f32>, usize), String> {
    let side = (d.x.cols() as f64).sqrt().round() as usize;
    if side * side != d.x.cols() {
        return Err(format!(
            "--data {}: rows of {} values are not square images",
            d.name,
            d.x.cols()
        ));
    }
    let max = d.x.as_slice().iter().fold(0.0f64, |m, &v| m.max(v));
    let scale = if max > 1.0 { 1.0 / max } else { 1.0 };
    Ok((
        d.x.as_slice().iter().map(|&v| (v * scale) as f32).collect(),
        side,
    ))
}

/// `unsupervised classify --data mnist --model mlp|cnn --epochs 10 --seed 0 --json`:
/// `{"test_accuracy": a, "epochs": [loss per epoch], "seconds": s, ...}`.
fn classify_command(args: &Args) -> Result<(), String> {
    use unsupervised::nn::classify::{self, Images, Recipe};
    let e = |e: unsupervised::Error| e.to_string();
    let seed = args.seed()?;
    let name = args.text("--data").unwrap_or("mnist");
    if !matches!(name, "mnist" | "digits") {
        return Err(format!("--data {name}: classify knows mnist and digits"));
    }
    let d = datasets::by_name(name).map_err(e)?;
    let labels = d.labels.clone().ok_or("the data set has no labels")?;
    let (pixels, side) = images_of(&d)?;
    let n_train = if name == "mnist" {
        8000.min(labels.len())
    } else {
        labels.len() * 4 / 5
    };
    let px = side * side;
    let train = Images {
        pixels: &pixels[..n_train * px],
        labels: &labels[..n_train],
        side,
    };
    let test = Images {
        pixels: &pixels[n_train * px..],
        labels: &labels[n_train..],
        side,
    };
    let mut recipe =
        match args.choice("--recipe", "plain", &[("plain", false), ("better", true)])? {
            true => Recipe::better(),
            false => Recipe::plain(),
        };
    recipe.seed = seed;
    recipe.progress = true;
    if let Some(epochs) = args.get("--epochs", "a whole number")? {
        recipe.epochs = epochs;
    }
    if let Some(b) = args.get("--batch-size", "a whole number")? {
        recipe.batch_size = b;
    }
    if let Some(r) = args.get("--learning-rate", "a number")? {
        recipe.learning_rate = r;
    }
    let kind = args.choice("--model", "mlp", &[("mlp", "mlp"), ("cnn", "cnn")])?;
    let mut rng = unsupervised::Rng::seed_from_u64(seed);
    let mut model = match kind {
        "cnn" if side != 28 => {
            return Err(format!(
                "--model cnn needs 28 x 28 images; {name} has {side} x {side}"
            ))
        }
        "cnn" => classify::cnn(recipe.dropout, &mut rng).map_err(e)?,
        _ => classify::mlp(px, recipe.dropout, &mut rng).map_err(e)?,
    };
    if let Some(file) = args.text("--load") {
        unsupervised::nn::io::load(&mut model, Path::new(file)).map_err(e)?;
    }
    let started = Instant::now();
    let report = if recipe.epochs > 0 {
        Some(classify::train_classifier(&mut model, &train, &test, &recipe).map_err(e)?)
    } else {
        None
    };
    let predicted = classify::predict(&mut model, &test).map_err(e)?;
    let accuracy = predicted
        .iter()
        .zip(test.labels)
        .filter(|(p, l)| p == l)
        .count() as f64
        / test.len() as f64;
    let seconds = started.elapsed().as_secs_f64();
    if let Some(file) = args.text("--save") {
        unsupervised::nn::io::save(&model, Path::new(file)).map_err(e)?;
        eprintln!("saved {file}");
    }
    let losses = report
        .as_ref()
        .map_or(Vec::new(), |r| r.train.epoch_losses.clone());
    let per_epoch = report
        .as_ref()
        .map_or(Vec::new(), |r| r.test_accuracy.clone());
    if let Some(dir) = args.text("--out") {
        let ctx = TourContext {
            out: PathBuf::from(dir),
            quick: false,
            seed,
        };
        std::fs::create_dir_all(dir).map_err(|err| format!("--out {dir}: {err}"))?;
        classify_figures(&ctx, &losses, &per_epoch, &test, &predicted, kind)?;
        eprintln!("wrote figures to {dir}");
    }
    eprintln!(
        "{kind} on {name}: test accuracy {accuracy:.4} ({} test images), {seconds:.1} s",
        test.len()
    );
    let nums = |v: &[f64]| Json::Arr(v.iter().map(|&x| Json::Num(x)).collect());
    if args.has("--json") {
        let doc = Json::Obj(vec![
            ("test_accuracy", Json::Num(accuracy)),
            ("epochs", nums(&losses)),
            ("test_accuracy_per_epoch", nums(&per_epoch)),
            ("seconds", Json::Num(seconds)),
            ("model", Json::Str(kind.into())),
            ("parameters", Json::Int(model.n_trainable() as i64)),
            ("train_size", Json::Int(train.len() as i64)),
            ("test_size", Json::Int(test.len() as i64)),
        ]);
        say!("{}", doc.render());
    } else {
        for (i, (l, a)) in losses.iter().zip(&per_epoch).enumerate() {
            say!("epoch {}: loss {l:.4}, test accuracy {a:.4}", i + 1);
        }
        say!("test accuracy {accuracy:.4}");
    }
    Ok(())
}

/// The loss and test accuracy per epoch, and a grid of misclassified test digits.
/// Returns the two file names.
fn classify_figures(
    ctx: &TourContext,
    losses: &[f64],
    accuracy: &[f64],
    test: &unsupervised::nn::classify::Images<'_>,
    predicted: &[usize],
    kind: &str,
) -> Result<(String, Option<String>), String> {
    let e = |e: unsupervised::Error| e.to_string();
    let epochs: Vec<f64> = (1..=losses.len()).map(|i| i as f64).collect();
    let mut fig = Figure::new("", 2, 420.0, 300.0);
    if !losses.is_empty() {
        fig.push(
            Plot::new(format!("{kind}: training loss (cross-entropy)"))
                .x_label("epoch")
                .y_label("mean loss")
                .line(&epochs, losses, plot::class_color(0), "")
                .map_err(e)?,
        );
        fig.push(
            Plot::new(format!("{kind}: test accuracy"))
                .x_label("epoch")
                .y_label("accuracy")
                .line(&epochs, accuracy, plot::class_color(1), "")
                .map_err(e)?,
        );
    }
    let curves = ctx.save_svg(&format!("classify-{kind}-curves.svg"), &fig)?;
    let side = test.side;
    let wrong: Vec<Vec<u8>> = predicted
        .iter()
        .zip(test.labels)
        .enumerate()
        .filter(|(_, (p, l))| p != l)
        .take(40)
        .map(|(i, _)| {
            let px: Vec<f64> = test.pixels[i * side * side..(i + 1) * side * side]
                .iter()
                .map(|&v| f64::from(v))
                .collect();
            plot::to_bytes(&px, 0.0, 1.0, true)
        })
        .collect();
    if wrong.is_empty() {
        return Ok((curves, None));
    }
    let refs: Vec<&[u8]> = wrong.iter().map(|v| v.as_slice()).collect();
    let grid = plot::image_grid(&refs, side, side, 1, 10, 2).map_err(e)?;
    let grid = ctx.save_png(
        &format!("classify-{kind}-misclassified.png"),
        &plot::upscale(&grid, 2),
    )?;
    Ok((curves, Some(grid)))
}

// ---------------------------------------------------------------- `gmm`

/// `unsupervised gmm --data faithful --k 2 --covariance full --seed 0 --json`:
/// `{"mean_log_likelihood": l, "weights": [...], "means": [[...]], "covariances": [[[...]]],
/// "bic": b, "aic": a, "iterations": n, "converged": bool, "log_likelihood_trace": [...]}`.
fn gmm_command(args: &Args) -> Result<(), String> {
    use unsupervised::mixture::{Covariance, GaussianMixture, Start};
    let e = |e: unsupervised::Error| e.to_string();
    let options = data_options(args)?;
    let d = datasets::load(args.text("--data").unwrap_or("faithful"), &options).map_err(e)?;
    let x = if args.has("--standardize") {
        d.x.standardize().map_err(e)?.0
    } else {
        d.x.clone()
    };
    let k = args.get("--k", "a whole number")?.unwrap_or(2);
    let covariance = Covariance::parse(args.text("--covariance").unwrap_or("full")).map_err(e)?;
    let start = args.choice(
        "--init",
        "kmeans",
        &[
            ("kmeans", Start::KMeans),
            ("k-means++", Start::KMeansPlusPlus),
            ("kmeans++", Start::KMeansPlusPlus),
            ("random", Start::Random),
        ],
    )?;
    let mut gmm = GaussianMixture::new(k)
        .covariance(covariance)
        .start(start)
        .seed(options.seed);
    if let Some(n) = args.get("--n-init", "a whole number")? {
        gmm = gmm.n_init(n);
    }
    if let Some(t) = args.get("--tol", "a number")? {
        gmm = gmm.tol(t);
    }
    let started = Instant::now();
    let fit = gmm.fit(&x).map_err(e)?;
    let score = fit.score(&x).map_err(e)?;
    eprintln!(
        "gmm: k = {k} ({covariance:?}) on {} ({} x {}): mean log-likelihood {score:.6} after {} iterations in {:.3} s",
        d.name,
        x.rows(),
        x.cols(),
        fit.trace.n_iter,
        started.elapsed().as_secs_f64()
    );
    if !fit.trace.converged {
        eprintln!("warning: EM stopped at its iteration limit before the likelihood settled");
    }
    let nums = |v: &[f64]| Json::Arr(v.iter().map(|&x| Json::Num(x)).collect());
    let rows = |m: &Matrix<f64>| Json::Arr(m.iter_rows().map(nums).collect());
    if args.has("--json") {
        let doc = Json::Obj(vec![
            ("mean_log_likelihood", Json::Num(score)),
            ("weights", nums(&fit.weights)),
            ("means", rows(&fit.means)),
            (
                "covariances",
                Json::Arr(fit.covariances.iter().map(rows).collect()),
            ),
            ("bic", Json::Num(fit.bic(&x).map_err(e)?)),
            ("aic", Json::Num(fit.aic(&x).map_err(e)?)),
            ("iterations", Json::Int(fit.trace.n_iter as i64)),
            ("converged", Json::Bool(fit.trace.converged)),
            ("log_likelihood_trace", nums(&fit.trace.log_likelihood)),
        ]);
        say!("{}", doc.render());
    } else {
        for c in 0..k {
            say!(
                "component {c}: weight {:.4}, mean {:?}",
                fit.weights[c],
                fit.means.row(c)
            );
        }
        say!("BIC {:.3}", fit.bic(&x).map_err(e)?);
    }
    Ok(())
}

// ---------------------------------------------------------------- `hclust`

/// `unsupervised hclust --data usarrests --standardize --linkage complete --json`:
/// `{"heights": [...], "merges": [[a, b], ...], "sizes": [...], "cophenetic_correlation": c,
/// "inversions": [...]}` plus `"labels"` with `--k`.
fn hclust_command(args: &Args) -> Result<(), String> {
    use unsupervised::hierarchical::{cophenetic_correlation, linkage, Condensed, Linkage, Metric};
    let e = |e: unsupervised::Error| e.to_string();
    let options = data_options(args)?;
    let d = datasets::load(args.text("--data").unwrap_or("usarrests"), &options).map_err(e)?;
    let method = Linkage::parse(args.text("--linkage").unwrap_or("complete")).map_err(e)?;
    let metric = Metric::parse(args.text("--metric").unwrap_or("euclidean")).map_err(e)?;
    let k: Option<usize> = args.get("--k", "a whole number")?;
    let x = if args.has("--standardize") {
        d.x.standardize().map_err(e)?.0
    } else {
        d.x.clone()
    };
    let started = Instant::now();
    let dist = Condensed::from_points(&x, metric).map_err(e)?;
    let tree = linkage(&dist, method).map_err(e)?;
    let labels = k.map(|k| tree.cut_k(k)).transpose().map_err(e)?;
    let ccc = cophenetic_correlation(&dist, &tree).map_err(e)?;
    let inversions = tree.inversions();
    eprintln!(
        "hclust: {method:?} linkage on {} ({} x {}) in {:.3} s; cophenetic correlation {ccc:.4}; {} inversion(s)",
        d.name,
        x.rows(),
        x.cols(),
        started.elapsed().as_secs_f64(),
        inversions.len()
    );
    if args.has("--json") {
        let ints = |v: &mut dyn Iterator<Item = usize>| {
            Json::Arr(v.map(|i| Json::Int(i as i64)).collect())
        };
        let mut doc = vec![
            (
                "heights",
                Json::Arr(tree.heights().into_iter().map(Json::Num).collect()),
            ),
            (
                "merges",
                Json::Arr(
                    tree.merges
                        .iter()
                        .map(|m| ints(&mut [m.a, m.b].into_iter()))
                        .collect(),
                ),
            ),
            ("sizes", ints(&mut tree.merges.iter().map(|m| m.size))),
            ("cophenetic_correlation", Json::Num(ccc)),
            ("inversions", ints(&mut inversions.into_iter())),
        ];
        if let Some(labels) = &labels {
            doc.push(("labels", ints(&mut labels.iter().copied())));
        }
        say!("{}", Json::Obj(doc).render());
    } else {
        let names = d.row_names.clone().unwrap_or_default();
        let name = |c: usize| -> String {
            if c < tree.n {
                names.get(c).cloned().unwrap_or_else(|| c.to_string())
            } else {
                format!("#{}", c - tree.n)
            }
        };
        for (r, m) in tree.merges.iter().enumerate() {
            say!(
                "#{r:<4} {:>14} + {:<14} at {:.4} ({} points)",
                name(m.a),
                name(m.b),
                m.height,
                m.size
            );
        }
    }
    Ok(())
}

// ---------------------------------------------------------------- `spectral`

/// `unsupervised spectral --data moons --n 1000 --k 2 --graph knn --neighbors 10 --json`:
/// `{"labels": [...], "eigenvalues": [...], "ari": x, "nmi": x, "components": c, "cut": {...}}`
/// (ari and nmi when the data set has true labels).
fn spectral_command(args: &Args) -> Result<(), String> {
    use unsupervised::metrics::{adjusted_rand_index, normalized_mutual_information};
    use unsupervised::spectral::graph::{Graph, Laplacian, Weighting};
    use unsupervised::spectral::{Solver, SpectralClustering};
    let options = data_options(args)?;
    let d = datasets::load(args.text("--data").unwrap_or("moons"), &options)
        .map_err(|e| e.to_string())?;
    let k = args.get("--k", "a whole number")?.unwrap_or(2);
    let neighbors = args.get("--neighbors", "a whole number")?.unwrap_or(10);
    let sigma: Option<f64> = args.get("--sigma", "a number")?;
    let weighting = sigma.map_or(Weighting::Binary, |sigma| Weighting::Gaussian { sigma });
    let graph = match args.text("--graph").unwrap_or("knn") {
        "knn" => Graph::Knn {
            neighbors,
            weighting,
        },
        "mutual" => Graph::MutualKnn {
            neighbors,
            weighting,
        },
        "self-tuning" => Graph::SelfTuning {
            neighbors,
            scale: 7.min(neighbors),
        },
        "full" => Graph::Full {
            sigma: sigma.unwrap_or(1.0),
        },
        "epsilon" => Graph::Epsilon {
            radius: args.get("--radius", "a number")?.unwrap_or(0.3),
        },
        other => {
            return Err(format!(
                "--graph {other}: expected knn, mutual, self-tuning, full or epsilon"
            ))
        }
    };
    let laplacian = args.choice(
        "--laplacian",
        "symmetric",
        &[
            ("symmetric", Laplacian::Symmetric),
            ("random-walk", Laplacian::RandomWalk),
            ("unnormalized", Laplacian::Unnormalized),
        ],
    )?;
    let solver = args.choice(
        "--solver",
        "auto",
        &[
            ("auto", Solver::Auto),
            ("dense", Solver::Dense),
            ("lanczos", Solver::Lanczos),
        ],
    )?;
    let started = Instant::now();
    let fit = SpectralClustering::new(k)
        .graph(graph)
        .laplacian(laplacian)
        .solver(solver)
        .n_eigenvalues((k + 1).max(10).min(d.x.rows()))
        .seed(options.seed)
        .fit(&d.x)
        .map_err(|e| e.to_string())?;
    let scores = match &d.labels {
        Some(truth) => Some((
            adjusted_rand_index(truth, &fit.labels).map_err(|e| e.to_string())?,
            normalized_mutual_information(truth, &fit.labels).map_err(|e| e.to_string())?,
        )),
        None => None,
    };
    eprintln!(
        "spectral: k = {k} on {} ({} x {}), {} edges, {} component(s), in {:.3} s{}",
        d.name,
        d.x.rows(),
        d.x.cols(),
        fit.graph.nnz() / 2,
        fit.components,
        started.elapsed().as_secs_f64(),
        scores.map_or(String::new(), |(ari, nmi)| format!(
            "; ARI {ari:.4}, NMI {nmi:.4}"
        ))
    );
    if let Some(dir) = args.text("--out") {
        let labels = fit.labels.iter().map(|&l| l as f64).collect();
        let labels = Matrix::new(fit.labels.len(), 1, labels).map_err(|e| e.to_string())?;
        save_npy(dir, "labels.npy", &labels)?;
        save_npy(dir, "embedding.npy", &fit.embedding)?;
    }
    if args.has("--json") {
        let nums = |v: &[f64]| Json::Arr(v.iter().map(|&x| Json::Num(x)).collect());
        let mut doc = vec![
            (
                "labels",
                Json::Arr(fit.labels.iter().map(|&l| Json::Int(l as i64)).collect()),
            ),
            ("eigenvalues", nums(&fit.eigenvalues)),
            ("components", Json::Int(fit.components as i64)),
            (
                "cut",
                Json::Obj(vec![
                    ("cut", Json::Num(fit.cut.cut)),
                    ("ratio_cut", Json::Num(fit.cut.ratio_cut)),
                    ("normalized_cut", Json::Num(fit.cut.normalized_cut)),
                ]),
            ),
        ];
        if let Some((ari, nmi)) = scores {
            doc.push(("ari", Json::Num(ari)));
            doc.push(("nmi", Json::Num(nmi)));
        }
        say!("{}", Json::Obj(doc).render());
    } else {
        say!("eigenvalues: {:?}", fit.eigenvalues);
        for c in 0..k {
            say!(
                "cluster {c}: {} points",
                fit.labels.iter().filter(|&&l| l == c).count()
            );
        }
    }
    Ok(())
}

// ---------------------------------------------------------------- `manifold`

/// `unsupervised manifold --method isomap --data swissroll --n 2000 --neighbors 12 --dims 2
/// --seed 0 --json`: `{"embedding": [[...]], "seconds": ..., "spearman": ...}`, the last for
/// generated data with a known coordinate (|Spearman| of the map's first coordinate with
/// it); `--out DIR` writes `embedding.npy` and `manifold.svg`.
fn manifold_command(args: &Args) -> Result<(), String> {
    use unsupervised::manifold::{embed, Method};
    let e = |e: unsupervised::Error| e.to_string();
    let options = data_options(args)?;
    let name = args.text("--data").unwrap_or("swissroll");
    let method_name = args.text("--method").unwrap_or("isomap");
    let method = Method::parse(method_name).ok_or_else(|| {
        format!("--method {method_name}: expected isomap, lle, laplacian, hessian, ltsa, diffusion, mds or smacof")
    })?;
    let k: usize = args.get("--neighbors", "a whole number")?.unwrap_or(12);
    let dims: usize = args.get("--dims", "a whole number")?.unwrap_or(2);
    // Generated manifolds come with their true coordinate t.
    let (d, truth) = match name {
        "swissroll" | "scurve" => {
            let n = options.n.unwrap_or(2000);
            let noise = options.noise.unwrap_or(0.0);
            let sample = if name == "swissroll" {
                datasets::swiss_roll(n, noise, options.seed)
            } else {
                datasets::s_curve(n, noise, options.seed)
            }
            .map_err(e)?;
            (sample.data, Some(sample.t))
        }
        _ => (datasets::load(name, &options).map_err(e)?, None),
    };
    let started = Instant::now();
    let y = embed(&d.x, method, dims, k, options.seed).map_err(e)?;
    let seconds = started.elapsed().as_secs_f64();
    let spearman = match &truth {
        Some(t) => Some(
            unsupervised::metrics::spearman(&y.column(0), t)
                .map_err(e)?
                .abs(),
        ),
        None => None,
    };
    eprintln!(
        "{}: {} ({} x {}) to {dims} dimensions with {k} neighbours in {seconds:.3} s{}",
        method.name(),
        d.name,
        d.x.rows(),
        d.x.cols(),
        spearman.map_or(String::new(), |s| format!(
            "; |Spearman| of the first coordinate with t: {s:.4}"
        ))
    );
    if let Some(dir) = args.text("--out") {
        save_npy(dir, "embedding.npy", &y)?;
        let (xs, ys) = (y.column(0), y.column(1.min(y.cols() - 1)));
        let title = format!("{} of {}", method.name(), d.name);
        let plot = match (&truth, &d.labels) {
            (Some(t), _) => Plot::new(title).scatter_values(&xs, &ys, t).map_err(e)?,
            (None, Some(l)) => Plot::new(title)
                .scatter_classes(&xs, &ys, l, &d.class_names)
                .map_err(e)?,
            (None, None) => Plot::new(title)
                .points(&xs, &ys, plot::class_color(0))
                .map_err(e)?,
        };
        let path = Path::new(dir).join("manifold.svg");
        write_atomically(
            &path,
            Figure::new("", 1, 520.0, 480.0)
                .with(plot)
                .to_svg()
                .as_bytes(),
        )?;
    }
    if args.has("--json") {
        let mut doc = vec![
            (
                "embedding",
                Json::Arr(
                    y.iter_rows()
                        .map(|r| Json::Arr(r.iter().map(|&v| Json::Num(v)).collect()))
                        .collect(),
                ),
            ),
            ("seconds", Json::Num(seconds)),
            ("method", Json::Str(method.name().into())),
        ];
        if let Some(s) = spearman {
            doc.push(("spearman", Json::Num(s)));
        }
        say!("{}", Json::Obj(doc).render());
    } else {
        say!("{} x {} map in {seconds:.3} s", y.rows(), y.cols());
    }
    Ok(())
}

// ---------------------------------------------------------------- `tsne`

/// `unsupervised tsne --data digits --perplexity 30 --method barnes-hut --json`: `{"kl": ...,
/// "embedding": [[x, y], ...], "iterations": n, "seconds": ...}`, plus "trustworthiness"
/// and "knn_accuracy" with `--score`; `--out DIR` writes `embedding.npy` and `tsne.svg`.
fn tsne_command(args: &Args) -> Result<(), String> {
    use unsupervised::tsne::{Init, Method, Tsne};
    let options = data_options(args)?;
    let d = datasets::load(args.text("--data").unwrap_or("digits"), &options)
        .map_err(|e| e.to_string())?;
    let method = args.choice(
        "--method",
        "barnes-hut",
        &[
            ("barnes-hut", Method::BarnesHut),
            ("exact", Method::Exact),
            ("sne", Method::Sne),
        ],
    )?;
    let init = args.choice(
        "--init",
        "pca",
        &[("pca", Init::Pca), ("random", Init::Random)],
    )?;
    let mut tsne = Tsne::new()
        .method(method)
        .init(init)
        .perplexity(args.get("--perplexity", "a number")?.unwrap_or(30.0))
        .theta(args.get("--theta", "a number")?.unwrap_or(0.5))
        .max_iter(args.get("--iterations", "a whole number")?.unwrap_or(1000))
        .seed(options.seed)
        .verbose(true);
    if let Some(rate) = args.get("--learning-rate", "a number")? {
        tsne = tsne.learning_rate(rate);
    }
    let pca_dims: usize = args.get("--pca-dims", "a whole number")?.unwrap_or(50);
    let started = Instant::now();
    let x = reduce_for_tsne(&d.x, pca_dims, options.seed).map_err(|e| e.to_string())?;
    let fit = tsne.fit(&x).map_err(|e| e.to_string())?;
    let seconds = started.elapsed().as_secs_f64();
    eprintln!(
        "t-SNE: {} ({} x {}{}), {} iterations in {seconds:.2} s, KL {:.4}",
        d.name,
        d.x.rows(),
        d.x.cols(),
        if x.cols() < d.x.cols() {
            format!(", PCA to {}", x.cols())
        } else {
            String::new()
        },
        fit.n_iter,
        fit.kl
    );
    let scores = if args.has("--score") {
        let e = |e: unsupervised::Error| e.to_string();
        let t = unsupervised::metrics::trustworthiness(&d.x, &fit.embedding, 5).map_err(e)?;
        let acc = match &d.labels {
            Some(l) => Some(
                unsupervised::metrics::knn_accuracy(&fit.embedding, l, 1, 5, options.seed)
                    .map_err(e)?,
            ),
            None => None,
        };
        eprintln!(
            "trustworthiness(5) {t:.4}{}",
            acc.map_or(String::new(), |a| format!(
                ", 1-NN accuracy (5-fold) {a:.4}"
            ))
        );
        Some((t, acc))
    } else {
        None
    };
    if let Some(dir) = args.text("--out") {
        save_npy(dir, "embedding.npy", &fit.embedding)?;
        let e = |e: unsupervised::Error| e.to_string();
        let (xs, ys) = (
            fit.embedding.column(0),
            fit.embedding.column(1.min(fit.embedding.cols() - 1)),
        );
        let title = format!(
            "t-SNE of {} (perplexity {}, KL {:.3})",
            d.name,
            args.text("--perplexity").unwrap_or("30"),
            fit.kl
        );
        let plot = match &d.labels {
            Some(l) => Plot::new(title)
                .scatter_classes(&xs, &ys, l, &d.class_names)
                .map_err(e)?,
            None => Plot::new(title)
                .points(&xs, &ys, plot::class_color(0))
                .map_err(e)?,
        };
        let path = Path::new(dir).join("tsne.svg");
        write_atomically(
            &path,
            Figure::new("", 1, 560.0, 520.0)
                .with(plot.equal_aspect())
                .to_svg()
                .as_bytes(),
        )?;
        eprintln!("wrote {} and embedding.npy", path.display());
    }
    if args.has("--json") {
        let mut doc = vec![
            ("kl", Json::Num(fit.kl)),
            (
                "embedding",
                Json::Arr(
                    fit.embedding
                        .iter_rows()
                        .map(|r| Json::Arr(r.iter().map(|&v| Json::Num(v)).collect()))
                        .collect(),
                ),
            ),
            ("iterations", Json::Int(fit.n_iter as i64)),
            ("seconds", Json::Num(seconds)),
            ("learning_rate", Json::Num(fit.learning_rate)),
            (
                "trace",
                Json::Arr(
                    fit.trace
                        .iter()
                        .map(|t| {
                            Json::Obj(vec![
                                ("iteration", Json::Int(t.iteration as i64)),
                                ("kl", Json::Num(t.kl)),
                            ])
                        })
                        .collect(),
                ),
            ),
        ];
        if let Some((t, acc)) = scores {
            doc.push(("trustworthiness", Json::Num(t)));
            if let Some(a) = acc {
                doc.push(("knn_accuracy", Json::Num(a)));
            }
        }
        say!("{}", Json::Obj(doc).render());
    } else {
        say!(
            "KL divergence {:.6} after {} iterations",
            fit.kl,
            fit.n_iter
        );
    }
    Ok(())
}

/// The standard first step of t-SNE on wide data: the first `dims` principal components
/// (distances there are nearly those of the full data, at a fraction of the cost); `dims =
/// 0` or narrow data: unchanged.
fn reduce_for_tsne(x: &Matrix<f64>, dims: usize, seed: u64) -> unsupervised::Result<Matrix<f64>> {
    if dims == 0 || x.cols() <= dims || x.rows() <= dims {
        return Ok(x.clone());
    }
    use unsupervised::pca::{Pca, Solver};
    Pca::new()
        .n_components(dims)
        .solver(Solver::Randomized)
        .seed(seed)
        .fit(x)?
        .transform(x)
}

// ---------------------------------------------------------------- `pca`

/// `unsupervised pca --data usarrests --standardize --json`: `{"explained_variance_ratio":
/// [...], "loadings": [[...], ...], "explained_variance": [...]}`, one loadings row per
/// component; `--out DIR` also writes the scores as `DIR/scores.npy`.
fn pca_command(args: &Args) -> Result<(), String> {
    use unsupervised::pca::{Pca, Solver};
    let options = data_options(args)?;
    let name = args.text("--data").unwrap_or("usarrests");
    let d = datasets::load(name, &options).map_err(|e| e.to_string())?;
    let solver = args.choice(
        "--solver",
        "auto",
        &[
            ("auto", Solver::Auto),
            ("eigen", Solver::Eigen),
            ("svd", Solver::Svd),
            ("randomized", Solver::Randomized),
        ],
    )?;
    let mut pca = Pca::new()
        .standardize(args.has("--standardize"))
        .whiten(args.has("--whiten"))
        .solver(solver)
        .seed(options.seed);
    if let Some(k) = args.get::<usize>("--n-components", "a whole number")? {
        pca = pca.n_components(k);
    }
    let started = Instant::now();
    let fit = pca.fit(&d.x).map_err(|e| e.to_string())?;
    eprintln!(
        "pca: {} components of {} ({} x {}) in {:.3} s",
        fit.n_components(),
        d.name,
        d.x.rows(),
        d.x.cols(),
        started.elapsed().as_secs_f64()
    );
    if let Some(dir) = args.text("--out") {
        let scores = fit.transform(&d.x).map_err(|e| e.to_string())?;
        save_npy(dir, "scores.npy", &scores)?;
    }
    if args.has("--json") {
        let nums = |v: &[f64]| Json::Arr(v.iter().map(|&x| Json::Num(x)).collect());
        let loadings = fit.components.iter_rows().map(nums).collect();
        let doc = Json::Obj(vec![
            (
                "explained_variance_ratio",
                nums(&fit.explained_variance_ratio),
            ),
            ("loadings", Json::Arr(loadings)),
            ("explained_variance", nums(&fit.explained_variance)),
            (
                "features",
                Json::Arr(
                    d.feature_names
                        .iter()
                        .map(|f| Json::Str(f.clone()))
                        .collect(),
                ),
            ),
        ]);
        say!("{}", doc.render());
    } else {
        for (k, r) in fit.explained_variance_ratio.iter().enumerate() {
            say!("PC{}: {:5.1}% of the variance", k + 1, 100.0 * r);
        }
    }
    Ok(())
}

// ---------------------------------------------------------------- `eigen`

// ANCHOR: eigen_command
/// `unsupervised eigen --data A.npy --k 5 --json`: the k eigenpairs at one end of the
/// spectrum of a symmetric matrix, as `{"eigenvalues": [...], "eigenvectors": [[...], ...]}`
/// with one list per eigenvector.
fn eigen_command(args: &Args) -> Result<(), String> {
    use unsupervised::eigen::lanczos::{Lanczos, Which};
    use unsupervised::eigen::{Eigh, Method, Order};
    let Some(name) = args.text("--data") else {
        return Err("eigen needs --data: a symmetric matrix as .npy (or .csv)".into());
    };
    let a = datasets::load(name, &data_options(args)?)
        .map_err(|e| e.to_string())?
        .x;
    if a.rows() != a.cols() {
        return Err(format!(
            "--data {name}: a {} x {} matrix; eigen needs a square symmetric one",
            a.rows(),
            a.cols()
        ));
    }
    let which = args.choice(
        "--which",
        "smallest",
        &[("smallest", Which::Smallest), ("largest", Which::Largest)],
    )?;
    let method = args.text("--method").unwrap_or("auto");
    let k: Option<usize> = args.get("--k", "a whole number")?;
    let n = a.rows();
    let started = Instant::now();
    let (values, vectors) = match method {
        "lanczos" => {
            let r = Lanczos::new(k.unwrap_or(6.min(n)))
                .which(which)
                .seed(args.seed()?)
                .solve(&a)
                .map_err(|e| e.to_string())?;
            (r.values, r.vectors)
        }
        "auto" | "tridiagonal" | "jacobi" => {
            let m = match method {
                "jacobi" => Method::Jacobi,
                "tridiagonal" => Method::Tridiagonal,
                _ => Method::Auto,
            };
            let order = if which == Which::Largest {
                Order::Descending
            } else {
                Order::Ascending
            };
            let e = Eigh::new()
                .method(m)
                .order(order)
                .solve(&a)
                .map_err(|e| e.to_string())?;
            let k = k.unwrap_or(n);
            if k == 0 || k > n {
                return Err(format!("--k {k}: must be between 1 and n = {n}"));
            }
            (
                e.values[..k].to_vec(),
                Matrix::from_fn(n, k, |i, j| e.vectors[(i, j)]),
            )
        }
        other => {
            return Err(format!(
                "--method {other}: expected auto, tridiagonal, jacobi or lanczos"
            ))
        }
    };
    eprintln!(
        "eigen: {} pairs of a {n} x {n} matrix by {method} in {:.3} s",
        values.len(),
        started.elapsed().as_secs_f64()
    );
    if args.has("--json") {
        let vecs = (0..values.len())
            .map(|j| Json::Arr(vectors.column(j).into_iter().map(Json::Num).collect()))
            .collect();
        let doc = Json::Obj(vec![
            (
                "eigenvalues",
                Json::Arr(values.iter().map(|&v| Json::Num(v)).collect()),
            ),
            ("eigenvectors", Json::Arr(vecs)),
        ]);
        say!("{}", doc.render());
    } else {
        for (j, v) in values.iter().enumerate() {
            say!("λ{j} = {v:.10e}");
        }
    }
    Ok(())
}
// ANCHOR_END: eigen_command

// ---------------------------------------------------------------- the tour

/// Options every chapter's tour section gets.
struct TourContext {
    out: PathBuf,
    quick: bool,
    seed: u64,
}

impl TourContext {
    /// Writes `bytes` as `out/name` and returns the name, for the page to reference.
    fn save(&self, name: &str, bytes: &[u8]) -> Result<String, String> {
        write_atomically(&self.out.join(name), bytes)?;
        Ok(name.to_string())
    }
    fn save_svg(&self, name: &str, figure: &Figure) -> Result<String, String> {
        self.save(name, figure.to_svg().as_bytes())
    }
    fn save_png(&self, name: &str, image: &Image) -> Result<String, String> {
        self.save(name, &png::encode(image))
    }
}

/// One chapter's part of the tour.
struct Chapter {
    name: &'static str,
    title: &'static str,
    book_page: &'static str,
    run: fn(&TourContext) -> Result<Vec<Section>, String>,
}

/// A captioned result: a figure file or an HTML fragment, and what to look for in it.
struct Section {
    caption: String,
    look_for: String,
    file: Option<String>,
    html: String,
}

impl Section {
    fn figure(file: String, caption: &str, look_for: &str) -> Section {
        Section {
            caption: caption.into(),
            look_for: look_for.into(),
            file: Some(file),
            html: String::new(),
        }
    }
}

// ANCHOR: chapters
/// Every chapter in the tour, in book order. A new chapter adds one line here.
const CHAPTERS: &[Chapter] = &[
    Chapter {
        name: "datasets",
        title: "Data sets",
        book_page: "datasets.html",
        run: tour_datasets,
    },
    Chapter {
        name: "linalg",
        title: "1 · Matrices and SIMD-friendly loops",
        book_page: "01-linalg.html",
        run: tour_linalg,
    },
    Chapter {
        name: "eigen",
        title: "2 · Eigenproblems: Jacobi, Lanczos and the SVD",
        book_page: "02-eigen.html",
        run: tour_eigen,
    },
    Chapter {
        name: "pca",
        title: "3 · Principal components",
        book_page: "03-pca.html",
        run: tour_pca,
    },
    Chapter {
        name: "kmeans",
        title: "4 · k-means and vector quantization",
        book_page: "04-kmeans.html",
        run: tour_kmeans,
    },
    Chapter {
        name: "hierarchical",
        title: "5 · Hierarchical clustering",
        book_page: "05-hierarchical.html",
        run: tour_hierarchical,
    },
    Chapter {
        name: "mixture",
        title: "6 · Gaussian mixtures and EM",
        book_page: "06-mixture.html",
        run: tour_mixture,
    },
    Chapter {
        name: "spectral",
        title: "7 · Spectral clustering",
        book_page: "07-spectral.html",
        run: tour_spectral,
    },
    Chapter {
        name: "manifold",
        title: "8 · Manifold learning",
        book_page: "08-manifold.html",
        run: tour_manifold,
    },
    Chapter {
        name: "tsne",
        title: "9 · SNE and t-SNE",
        book_page: "09-tsne.html",
        run: tour_tsne,
    },
    Chapter {
        name: "nn",
        title: "10–11 · Autodiff and neural networks",
        book_page: "11-nn.html",
        run: tour_nn,
    },
];
// ANCHOR_END: chapters

fn tour(args: &Args) -> Result<(), String> {
    if let Some(name) = args.text("--chapter") {
        if !CHAPTERS.iter().any(|c| c.name == name) {
            let known: Vec<&str> = CHAPTERS.iter().map(|c| c.name).collect();
            return Err(format!(
                "--chapter {name}: unknown chapter (available: {})",
                known.join(", ")
            ));
        }
    }
    let ctx = TourContext {
        out: args.out("figures"),
        quick: args.has("--quick"),
        seed: args.seed()?,
    };
    std::fs::create_dir_all(&ctx.out).map_err(|e| {
        format!(
            "--out {}: cannot create the directory: {e}",
            ctx.out.display()
        )
    })?;
    let started = Instant::now();
    let selected: Vec<&Chapter> = CHAPTERS
        .iter()
        .filter(|c| args.text("--chapter").is_none_or(|n| n == c.name))
        .collect();
    let mut body = String::new();
    for (i, chapter) in selected.iter().enumerate() {
        let t = Instant::now();
        let sections = (chapter.run)(&ctx).map_err(|e| format!("chapter {}: {e}", chapter.name))?;
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
    let page = format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <title>unsupervised — tour</title>\n<style>{STYLE}</style></head>\n<body>\n\
         <h1>unsupervised — the tour</h1>\n<p>Version {}; instruction set {:?}, {} threads; seed {}{}.</p>\n{body}</body></html>\n",
        env!("CARGO_PKG_VERSION"),
        unsupervised::linalg::kernels::isa(),
        unsupervised::linalg::threads::num_threads(),
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

const STYLE: &str = "body{font-family:system-ui,sans-serif;max-width:72rem;margin:2rem auto;padding:0 1rem}\
table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2rem .6rem;text-align:right}\
figure{margin:1.5rem 0}figcaption{margin-top:.4rem;color:#333;max-width:60rem}img{max-width:100%;border:1px solid #eee}\
a.book{font-size:.7em;font-weight:normal;margin-left:.5em}";

/// Writes to a temporary name beside `path`, then renames: a reader never sees half a file,
/// and nothing but `path` is ever replaced.
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), String> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    std::fs::write(&tmp, bytes).map_err(|e| format!("{}: cannot write: {e}", tmp.display()))?;
    std::fs::rename(&tmp, path)
        .map_err(|e| format!("{}: cannot rename into place: {e}", path.display()))
}

// ---------------------------------------------------------------- tour: data sets

/// The first `count` rows of `d` as images of `side x side`, values from `lo` to `hi`.
fn rows_as_images(
    d: &Dataset,
    count: usize,
    side: usize,
    lo: f64,
    hi: f64,
    invert: bool,
    factor: usize,
) -> Result<Image, String> {
    let images: Vec<Vec<u8>> = (0..count.min(d.x.rows()))
        .map(|i| {
            let small = Image {
                width: side,
                height: side,
                channels: 1,
                pixels: plot::to_bytes(d.x.row(i), lo, hi, invert),
            };
            plot::upscale(&small, factor).pixels
        })
        .collect();
    let refs: Vec<&[u8]> = images.iter().map(Vec::as_slice).collect();
    plot::image_grid(&refs, side * factor, side * factor, 1, 20, 2).map_err(|e| e.to_string())
}

fn labelled_scatter(title: &str, d: &Dataset, legend: bool) -> Result<Plot, String> {
    let (xs, ys) = (d.x.column(0), d.x.column(1));
    let labels = d.labels.clone().unwrap_or_else(|| vec![0; d.x.rows()]);
    let names = if legend {
        d.class_names.clone()
    } else {
        Vec::new()
    };
    Ok(Plot::new(title)
        .scatter_classes(&xs, &ys, &labels, &names)
        .map_err(|e| e.to_string())?
        .equal_aspect())
}

fn tour_datasets(ctx: &TourContext) -> Result<Vec<Section>, String> {
    let e = |e: unsupervised::Error| e.to_string();
    let mut out = Vec::new();

    let mnist = datasets::mnist().map_err(e)?;
    let grid = rows_as_images(
        &mnist,
        if ctx.quick { 40 } else { 200 },
        28,
        0.0,
        1.0,
        false,
        1,
    )?;
    out.push(Section::figure(ctx.save_png("mnist-grid.png", &grid)?, "MNIST: the first embedded digits", "white strokes on black, 28 x 28 pixels each; the order is random, so every row mixes the ten classes."));

    let digits = datasets::digits().map_err(e)?;
    let grid = rows_as_images(
        &digits,
        if ctx.quick { 40 } else { 100 },
        8,
        0.0,
        16.0,
        true,
        4,
    )?;
    out.push(Section::figure(
        ctx.save_png("digits-grid.png", &grid)?,
        "UCI digits, 8 x 8 pixels, enlarged four times",
        "17 grey levels (0 to 16) per pixel: the blockiness is the data, not the picture.",
    ));

    let us = datasets::usarrests().map_err(e)?;
    let mut plot = Plot::new("USArrests: murder against assault")
        .x_label("assault arrests per 100,000")
        .y_label("murder arrests per 100,000");
    plot = plot
        .points(&us.x.column(1), &us.x.column(0), plot::class_color(0))
        .map_err(e)?;
    for (i, name) in us.row_names.iter().flatten().enumerate().step_by(3) {
        plot = plot.text(us.x[(i, 1)], us.x[(i, 0)], name.clone(), "#555");
    }
    let faithful = datasets::faithful().map_err(e)?;
    let fplot = Plot::new("Old Faithful")
        .x_label("eruption (minutes)")
        .y_label("waiting (minutes)");
    let fplot = fplot
        .points(
            &faithful.x.column(0),
            &faithful.x.column(1),
            plot::class_color(0),
        )
        .map_err(e)?;
    let fig = Figure::new("", 2, 480.0, 380.0).with(plot).with(fplot);
    out.push(Section::figure(ctx.save_svg("tables.svg", &fig)?, "The two small tables", "USArrests (every third state named): murder and assault rise together, the correlation PCA finds; Old Faithful: two clumps of short and long eruptions, the mixture chapter's example."));

    let n = if ctx.quick { 300 } else { 1000 };
    let seed = ctx.seed;
    let mut fig = Figure::new(
        "Generated data (seed shown in the page header)",
        4,
        300.0,
        300.0,
    );
    fig.push(labelled_scatter(
        "blobs",
        &datasets::blobs(n, 2, 3, 1.0, seed).map_err(e)?,
        false,
    )?);
    fig.push(labelled_scatter(
        "two moons",
        &datasets::two_moons(n, 0.05, seed).map_err(e)?,
        false,
    )?);
    fig.push(labelled_scatter(
        "circles",
        &datasets::circles(n, 0.05, 0.5, seed).map_err(e)?,
        false,
    )?);
    fig.push(labelled_scatter(
        "two spirals",
        &datasets::two_spirals(n, 0.2, 1.5, seed).map_err(e)?,
        false,
    )?);
    fig.push(labelled_scatter(
        "ring of 8",
        &datasets::ring_of_gaussians(n, 8, 2.0, 0.02, seed).map_err(e)?,
        false,
    )?);
    fig.push(labelled_scatter(
        "grid of 25",
        &datasets::grid_of_gaussians(n, 5, 0.05, seed).map_err(e)?,
        false,
    )?);
    for (title, sample) in [
        (
            "Swiss roll (x, z)",
            datasets::swiss_roll(n, 0.0, seed).map_err(e)?,
        ),
        (
            "S-curve (x, z)",
            datasets::s_curve(n, 0.0, seed).map_err(e)?,
        ),
    ] {
        let p = Plot::new(title)
            .scatter_values(
                &sample.data.x.column(0),
                &sample.data.x.column(2),
                &sample.t,
            )
            .map_err(e)?;
        fig.push(p.equal_aspect());
    }
    out.push(Section::figure(ctx.save_svg("generators.svg", &fig)?, "Every generator", "colours are the true classes, or for the Swiss roll and S-curve the position t along the sheet (dark to yellow): the coordinate a good embedding should unroll."));

    let party = datasets::cocktail_party(if ctx.quick { 400 } else { 1000 }, seed).map_err(e)?;
    let shown = party.sources.rows().min(400);
    let t: Vec<f64> = (0..shown).map(|i| i as f64).collect();
    let mut fig = Figure::new("The cocktail party", 2, 460.0, 260.0);
    for (title, m) in [
        ("sources", &party.sources),
        ("what the microphones hear", &party.mixed),
    ] {
        let mut p = Plot::new(title).x_label("sample");
        for j in 0..4 {
            let ys: Vec<f64> = (0..shown).map(|i| m[(i, j)] + 6.0 * j as f64).collect();
            p = p.line(&t, &ys, plot::class_color(j), "").map_err(e)?;
        }
        fig.push(p);
    }
    out.push(Section::figure(ctx.save_svg("cocktail.svg", &fig)?, "Independent sources and their mixtures", "a sine, a square wave, a sawtooth and noise (left) reach four microphones as weighted sums (right); ICA (chapter 3) recovers the left from the right."));

    for (file, image, caption) in [
        (
            "china-gray.png",
            datasets::china_gray().map_err(e)?,
            "Summer Palace, 256 x 256 grey: the vector-quantization image",
        ),
        (
            "china-rgb.png",
            datasets::china_rgb().map_err(e)?,
            "Summer Palace, 128 x 128 RGB",
        ),
        (
            "flower-rgb.png",
            datasets::flower_rgb().map_err(e)?,
            "Dahlia, 128 x 128 RGB: the texture image",
        ),
    ] {
        out.push(Section::figure(
            ctx.save_png(
                file,
                &plot::upscale(&image, if image.width < 200 { 2 } else { 1 }),
            )?,
            caption,
            "embedded photos, shown at their stored resolution (small ones doubled).",
        ));
    }
    Ok(out)
}

// ---------------------------------------------------------------- tour: chapter 1

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

/// Chapter 1: GEMM speed on each instruction-set path and size, and the determinism promise.
fn tour_linalg(ctx: &TourContext) -> Result<Vec<Section>, String> {
    let sizes: &[usize] = if ctx.quick {
        &[32, 64, 128]
    } else {
        &[32, 64, 128, 256, 512]
    };
    let threads = unsupervised::linalg::threads::num_threads();
    let mut plot = Plot::new("GEMM throughput, f64, one thread")
        .x_label("n (n x n times n x n)")
        .y_label("GFLOP/s");
    let mut table = String::from("<table><tr><th>path</th><th>threads</th><th>n</th><th>f64 GFLOP/s</th><th>f32 GFLOP/s</th></tr>\n");
    let n_big = *sizes.last().unwrap_or(&128);
    for (k, isa) in Isa::available().into_iter().enumerate() {
        let exec = Exec::default().with_isa(isa);
        let rates: Vec<f64> = sizes
            .iter()
            .map(|&n| gemm_rate::<f64>(n, exec.with_threads(1)))
            .collect::<Result<_, _>>()?;
        let xs: Vec<f64> = sizes.iter().map(|&n| n as f64).collect();
        plot = plot
            .line(&xs, &rates, plot::class_color(k), &format!("{isa:?}"))
            .map_err(|e| e.to_string())?;
        for t in if threads > 1 {
            vec![1, threads]
        } else {
            vec![1]
        } {
            let e = exec.with_threads(t);
            let _ = writeln!(
                table,
                "<tr><td>{isa:?}</td><td>{t}</td><td>{n_big}</td><td>{:.1}</td><td>{:.1}</td></tr>",
                gemm_rate::<f64>(n_big, e)?,
                gemm_rate::<f32>(n_big, e)?
            );
        }
    }
    table.push_str("</table>");
    let file = ctx.save_svg(
        "linalg-gemm.svg",
        &Figure::new("", 1, 560.0, 360.0).with(plot),
    )?;

    // The same product on 1, 2 and 3 threads, compared bit for bit.
    let mut rng = Rng::seed_from_u64(ctx.seed);
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
        Section::figure(file, "GEMM throughput by size and instruction set", "each wider instruction set should roughly double the rate, and the rate should climb with n until packing and call overheads are amortised."),
        Section { caption: format!("GEMM, {n_big} x {n_big}, best of three"), look_for: "a second thread should nearly double the rate.".into(), file: None, html: table },
        Section {
            caption: "Determinism".into(),
            look_for: "a 300x200 by 200x150 product on 1, 2 and 3 threads gives the same bits.".into(),
            file: None,
            html: format!("<p>identical bits on 1, 2 and 3 threads: <b>{}</b></p>", if identical { "yes" } else { "NO" }),
        },
    ])
}

// ---------------------------------------------------------------- tour: chapter 2

/// Chapter 2: Jacobi's quadratic convergence, and Lanczos against the dense solver on the
/// Laplacian of a neighbourhood graph.
fn tour_eigen(ctx: &TourContext) -> Result<Vec<Section>, String> {
    use unsupervised::eigen::lanczos::Lanczos;
    use unsupervised::eigen::{Eigh, Method};
    use unsupervised::spectral::graph::{laplacian, similarity_graph, Graph, Laplacian};
    let e = |e: unsupervised::Error| e.to_string();
    let n = if ctx.quick { 60 } else { 200 };
    let mut rng = Rng::seed_from_u64(ctx.seed);
    let b = Matrix::<f64>::from_fn(n, n, |_, _| rng.normal());
    let a = b.add(&b.transpose()).map_err(e)?;
    let jac = Eigh::new().method(Method::Jacobi).solve(&a).map_err(e)?;
    let trace: Vec<f64> = jac
        .trace
        .off_diagonal
        .iter()
        .map(|&x| x.max(1e-17).log10())
        .collect();
    let sweeps: Vec<f64> = (0..trace.len()).map(|i| i as f64).collect();
    let conv = Plot::new(format!("Jacobi on a random symmetric {n} x {n} matrix"))
        .x_label("sweep")
        .y_label("log10 off(A) / ‖A‖")
        .line(&sweeps, &trace, plot::class_color(0), "")
        .map_err(e)?
        .points(&sweeps, &trace, plot::class_color(0))
        .map_err(e)?;

    // The normalised Laplacian of a 10-nearest-neighbour graph on two moons.
    let m = if ctx.quick { 300 } else { 1500 };
    let moons = datasets::two_moons(m, 0.08, ctx.seed).map_err(e)?;
    let l = similarity_graph(&moons.x, Graph::knn(10), Exec::default())
        .and_then(|w| laplacian(&w, Laplacian::Symmetric))
        .map_err(e)?;
    let t = Instant::now();
    let dense = Eigh::new().solve(&l.to_dense()).map_err(e)?;
    let dense_s = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let lz = Lanczos::new(10).solve(&l).map_err(e)?;
    let lanczos_s = t.elapsed().as_secs_f64();
    let idx: Vec<f64> = (0..10).map(|i| i as f64).collect();
    let spectrum = Plot::new(format!("10 smallest eigenvalues, two moons (n = {m})"))
        .x_label("index")
        .y_label("eigenvalue of the normalised Laplacian")
        .points(&idx, &dense.values[..10], plot::class_color(0))
        .map_err(e)?
        .line(
            &idx,
            &lz.values,
            plot::class_color(1),
            &format!(
                "Lanczos, {:.0} ms, {} products",
                1e3 * lanczos_s,
                lz.matvecs
            ),
        )
        .map_err(e)?
        .legend(
            format!("dense, {:.0} ms", 1e3 * dense_s),
            plot::class_color(0),
        );
    let file = ctx.save_svg(
        "eigen.svg",
        &Figure::new("", 2, 460.0, 340.0).with(conv).with(spectrum),
    )?;
    Ok(vec![Section::figure(
        file,
        "Jacobi's convergence; Lanczos against the dense solver",
        "left: the off-diagonal norm barely moves for a few sweeps, then its exponent doubles each sweep (quadratic convergence); right: Lanczos's 10 eigenvalues lie on the dense solver's, the first near 0 (one per connected piece of the graph), for a fraction of the time.",
    )])
}

// ---------------------------------------------------------------- tour: chapter 3

/// Chapter 3: the USArrests biplot and scree plot, MNIST on two components, and digits
/// rebuilt from 1, 10 and 50 components.
fn tour_pca(ctx: &TourContext) -> Result<Vec<Section>, String> {
    use unsupervised::pca::Pca;
    let e = |e: unsupervised::Error| e.to_string();
    let us = datasets::usarrests().map_err(e)?;
    let fit = Pca::new().standardize(true).fit(&us.x).map_err(e)?;
    let z = fit.transform(&us.x).map_err(e)?;
    let (z1, z2) = (z.column(0), z.column(1));
    let mut biplot = Plot::new("USArrests: scores and loadings")
        .x_label("first principal component")
        .y_label("second principal component")
        .points(&z1, &z2, plot::class_color(0))
        .map_err(e)?;
    for (i, name) in us.row_names.iter().flatten().enumerate() {
        biplot = biplot.text(z1[i], z2[i], name.clone(), "#777");
    }
    // Loadings drawn as arrows, stretched to the scores' scale.
    let stretch = 2.5;
    for (j, feature) in us.feature_names.iter().enumerate() {
        let tip = (
            stretch * fit.components[(0, j)],
            stretch * fit.components[(1, j)],
        );
        biplot = biplot.arrow((0.0, 0.0), tip, plot::class_color(1)).text(
            tip.0,
            tip.1,
            feature.clone(),
            plot::class_color(1),
        );
    }
    let ks: Vec<f64> = (1..=4).map(f64::from).collect();
    let scree = Plot::new("Proportion of variance explained")
        .x_label("principal component")
        .y_label("proportion")
        .y_range(0.0, 1.05)
        .line(
            &ks,
            &fit.explained_variance_ratio,
            plot::class_color(0),
            "per component",
        )
        .map_err(e)?
        .points(&ks, &fit.explained_variance_ratio, plot::class_color(0))
        .map_err(e)?
        .line(
            &ks,
            &fit.cumulative_explained_variance_ratio(),
            plot::class_color(1),
            "cumulative",
        )
        .map_err(e)?;
    let usa = ctx.save_svg(
        "pca-usarrests.svg",
        &Figure::new("", 2, 520.0, 460.0)
            .with(biplot.equal_aspect())
            .with(scree),
    )?;

    let mnist = datasets::mnist().map_err(e)?;
    let n = if ctx.quick { 2000 } else { 10_000 };
    let x = Matrix::from_fn(n, 784, |i, j| mnist.x[(i, j)]);
    let labels = &mnist.labels.as_ref().ok_or("mnist has labels")?[..n];
    let two = Pca::new().n_components(50).fit(&x).map_err(e)?;
    let scores = two.transform(&x).map_err(e)?;
    let shown = n.min(3000);
    let (s1, s2): (Vec<f64>, Vec<f64>) =
        (0..shown).map(|i| (scores[(i, 0)], scores[(i, 1)])).unzip();
    let pve2 = 100.0 * (two.explained_variance_ratio[0] + two.explained_variance_ratio[1]);
    let scatter = Plot::new(format!(
        "MNIST on two components ({pve2:.1}% of the variance)"
    ))
    .x_label("PC1")
    .y_label("PC2")
    .scatter_classes(&s1, &s2, &labels[..shown], &mnist.class_names)
    .map_err(e)?;
    let mnist_fig = ctx.save_svg(
        "pca-mnist.svg",
        &Figure::new("", 1, 620.0, 520.0).with(scatter),
    )?;

    // Ten digits, then the same rebuilt from 1, 10 and 50 components.
    let mut rows: Vec<Vec<u8>> = (0..10)
        .map(|i| plot::to_bytes(x.row(i), 0.0, 1.0, false))
        .collect();
    for k in [1, 10, 50] {
        let z = Matrix::from_fn(10, k, |i, c| scores[(i, c)]);
        let w = Matrix::from_fn(k, 784, |c, j| two.components[(c, j)]);
        let back = z.matmul(&w).map_err(e)?;
        for i in 0..10 {
            let px: Vec<f64> = back
                .row(i)
                .iter()
                .zip(&two.means)
                .map(|(v, m)| v + m)
                .collect();
            rows.push(plot::to_bytes(&px, 0.0, 1.0, false));
        }
    }
    let refs: Vec<&[u8]> = rows.iter().map(Vec::as_slice).collect();
    let grid = plot::image_grid(&refs, 28, 28, 1, 10, 2).map_err(e)?;
    let recon = ctx.save_png("pca-reconstructions.png", &plot::upscale(&grid, 2))?;

    // FastICA on the cocktail party: sources, mixtures, and what ICA recovers.
    let party = datasets::cocktail_party(2000, ctx.seed).map_err(e)?;
    let ica = unsupervised::pca::FastIca::new()
        .seed(ctx.seed)
        .fit(&party.mixed)
        .map_err(e)?;
    let shown = 500;
    let t: Vec<f64> = (0..shown).map(|i| i as f64).collect();
    let mut fig = Figure::new("", 3, 340.0, 300.0);
    for (title, m) in [
        ("sources", &party.sources),
        ("mixtures (the microphones)", &party.mixed),
        ("recovered by FastICA", &ica.sources),
    ] {
        let mut p = Plot::new(title).x_label("sample");
        for j in 0..4 {
            // Standardise each signal for display; ICA cannot know order, sign or scale.
            let col = m.column(j);
            let mean = col.iter().sum::<f64>() / col.len() as f64;
            let sd = (col.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / col.len() as f64)
                .sqrt()
                .max(1e-12);
            let ys: Vec<f64> = col[..shown]
                .iter()
                .map(|v| (v - mean) / sd + 5.0 * j as f64)
                .collect();
            p = p.line(&t, &ys, plot::class_color(j), "").map_err(e)?;
        }
        fig.push(p);
    }
    let ica_fig = ctx.save_svg("pca-ica.svg", &fig)?;
    Ok(vec![
        Section::figure(usa, "USArrests, standardised: biplot and scree plot (ISLR Figures 10.1 and 10.4)", "the first component weighs the three crime rates nearly equally and UrbanPop less; the second is mostly UrbanPop. The first two explain 62.0% + 24.7% of the variance. Signs differ from ISLR's figure: each loading vector is only defined up to sign."),
        Section::figure(mnist_fig, "MNIST projected on its first two components", "0s and 1s separate along the first component, the other digits overlap: two directions keep only about 17% of the variance of 784 pixels."),
        Section::figure(ica_fig, "Independent component analysis of the cocktail party", "FastICA gets back the sine, the square wave, the sawtooth and the noise from their mixtures, in some order, sign and scale (which ICA cannot know)."),
        Section::figure(recon, "Digits rebuilt from 1, 10 and 50 components (rows 2 to 4; row 1 the originals)", "one component gives a blur shared by all digits; ten already show the digit; fifty keep most strokes (83% of the variance)."),
    ])
}

// ---------------------------------------------------------------- tour: chapter 4

/// Chapter 4: Lloyd's algorithm step by step (ISLR Figure 10.6) with the public step
/// functions, and vector quantization of the grey and colour photos.
fn tour_kmeans(ctx: &TourContext) -> Result<Vec<Section>, String> {
    use unsupervised::kmeans::{assign_step, gap_statistic, quantize_image, update_step};
    let e = |e: unsupervised::Error| e.to_string();
    let data = datasets::blobs(150, 2, 3, 1.6, ctx.seed + 4).map_err(e)?;
    let x = &data.x;
    let (xs, ys) = (x.column(0), x.column(1));
    let k = 3;
    let mut rng = Rng::seed_from_u64(ctx.seed);
    // Step 1 (ISLR Algorithm 10.1): a random cluster for every point.
    let mut labels: Vec<usize> = (0..x.rows())
        .map(|_| rng.index(k))
        .collect::<Result<_, _>>()
        .map_err(e)?;
    let panel = |title: String,
                 labels: &[usize],
                 centroids: Option<&Matrix<f64>>|
     -> Result<Plot, String> {
        let mut p = Plot::new(title)
            .scatter_classes(&xs, &ys, labels, &[])
            .map_err(e)?;
        if let Some(c) = centroids {
            for j in 0..k {
                p = p
                    .markers(&[c[(j, 0)]], &[c[(j, 1)]], plot::class_color(j), 7.0)
                    .map_err(e)?;
            }
        }
        Ok(p.equal_aspect())
    };
    let mut fig = Figure::new(
        "Lloyd's algorithm, K = 3 (after ISLR Figure 10.6)",
        3,
        300.0,
        300.0,
    );
    fig.push(
        Plot::new("data")
            .points(&xs, &ys, "#999")
            .map_err(e)?
            .equal_aspect(),
    );
    fig.push(panel("step 1: random assignment".into(), &labels, None)?);
    let mut dists = vec![0.0; x.rows()];
    for iter in 1..=20 {
        let centroids = update_step(x, &labels, k, &dists);
        if iter <= 2 {
            fig.push(panel(
                format!("iteration {iter}, step 2a: centroids"),
                &labels,
                Some(&centroids),
            )?);
        }
        let (new_labels, new_dists) = assign_step(x, &centroids).map_err(|e| e.to_string())?;
        if iter == 1 {
            fig.push(panel(
                "iteration 1, step 2b: reassign".into(),
                &new_labels,
                Some(&centroids),
            )?);
        }
        let settled = new_labels == labels;
        labels = new_labels;
        dists = new_dists;
        if settled {
            fig.push(panel(
                format!("final, after {iter} iterations"),
                &labels,
                Some(&centroids),
            )?);
            break;
        }
    }
    let steps = ctx.save_svg("kmeans-steps.svg", &fig)?;

    let gray = datasets::china_gray().map_err(e)?;
    let mut tiles = vec![gray.pixels.clone()];
    let mut caption = String::from("K = ");
    for k in if ctx.quick {
        vec![2, 4]
    } else {
        vec![2, 4, 8, 16]
    } {
        let q = quantize_image(&gray, k, ctx.seed).map_err(e)?;
        let _ = write!(
            caption,
            "{k}: {} bits ({:.1}x smaller), PSNR {:.1} dB; ",
            q.bits,
            q.raw_bits as f64 / q.bits as f64,
            q.psnr
        );
        tiles.push(q.image.pixels);
    }
    let refs: Vec<&[u8]> = tiles.iter().map(Vec::as_slice).collect();
    let grid = plot::image_grid(&refs, 256, 256, 1, refs.len(), 4).map_err(e)?;
    let vq = ctx.save_png("kmeans-vq.png", &grid)?;

    let rgb = datasets::china_rgb().map_err(e)?;
    let mut tiles = vec![rgb.pixels.clone()];
    for k in [4, 16] {
        tiles.push(quantize_image(&rgb, k, ctx.seed).map_err(e)?.image.pixels);
    }
    let refs: Vec<&[u8]> = tiles.iter().map(Vec::as_slice).collect();
    let grid = plot::image_grid(&refs, 128, 128, 3, 3, 4).map_err(e)?;
    let vq_rgb = ctx.save_png("kmeans-vq-rgb.png", &plot::upscale(&grid, 2))?;
    // The gap statistic on Old Faithful (raw minutes) and on three blobs.
    let faithful = datasets::faithful().map_err(e)?;
    let blobs = datasets::blobs(300, 2, 3, 0.6, ctx.seed + 7).map_err(e)?;
    let b = if ctx.quick { 5 } else { 20 };
    let mut gap_fig = Figure::new("", 2, 380.0, 300.0);
    let mut chosen = Vec::new();
    for (title, x) in [("Old Faithful", &faithful.x), ("three blobs", &blobs.x)] {
        let g = gap_statistic(x, 6, b, ctx.seed).map_err(e)?;
        let ks: Vec<f64> = (1..=6).map(|k| k as f64).collect();
        let lo: Vec<f64> = g.gap.iter().zip(&g.s).map(|(v, s)| v - s).collect();
        let hi: Vec<f64> = g.gap.iter().zip(&g.s).map(|(v, s)| v + s).collect();
        let p = Plot::new(format!("gap statistic, {title}: K = {}", g.k))
            .x_label("K")
            .y_label("Gap(K)")
            .line(&ks, &g.gap, plot::class_color(0), "")
            .map_err(e)?
            .error_bars(&ks, &lo, &hi, plot::class_color(0))
            .map_err(e)?;
        gap_fig.push(p);
        chosen.push(format!("{title}: K = {}", g.k));
    }
    let gap = ctx.save_svg("kmeans-gap.svg", &gap_fig)?;
    Ok(vec![
        Section::figure(gap, "The gap statistic with ±1 standard-error bars", &format!("the chosen K is the first whose gap is within one standard error of the next one's ({}).", chosen.join("; "))),
        Section::figure(steps, "Lloyd's algorithm step by step", "from a random assignment, the centroids (large dots) move to their clusters' means and the points follow their nearest centroid; a few iterations settle it."),
        Section::figure(vq, "Vector quantization of the 256 x 256 grey photo: the original, then K = 2, 4, 8, 16 grey levels", &format!("every pixel is stored as a log₂K-bit code plus a K-entry codebook: {caption}K = 4 is the lecture's factor of four.")),
        Section::figure(vq_rgb, "The colour photo quantized to 4 and 16 colours", "k-means on RGB triples picks the 4 or 16 colours that best cover the image."),
    ])
}

// ---------------------------------------------------------------- tour: chapter 5

/// A horizontal dendrogram: the root on the left, leaves on the right with their names, the
/// subtrees of a cut into `k` clusters coloured (no axes; a scale bar gives the height).
fn dendrogram_plot(
    tree: &unsupervised::hierarchical::Dendrogram,
    names: &[String],
    k: usize,
    title: String,
) -> Result<Plot, String> {
    let n = tree.n;
    let labels = tree.cut_k(k).map_err(|e| e.to_string())?;
    let order = tree.leaf_order();
    let (mut pos, mut height, mut colour) = (
        vec![0.0; 2 * n - 1],
        vec![0.0; 2 * n - 1],
        vec![None; 2 * n - 1],
    );
    for (p, &leaf) in order.iter().enumerate() {
        pos[leaf] = (n - 1 - p) as f64;
        colour[leaf] = Some(labels[leaf]);
    }
    let mut by_colour: Vec<Vec<[f64; 4]>> = vec![Vec::new(); k + 1];
    for (r, m) in tree.merges.iter().enumerate() {
        let c = n + r;
        height[c] = m.height;
        pos[c] = 0.5 * (pos[m.a] + pos[m.b]);
        // A fusion below the cut stays inside one cluster and takes its colour.
        colour[c] = (r < n - k).then(|| colour[m.a]).flatten();
        let slot = colour[c].unwrap_or(k);
        for child in [m.a, m.b] {
            by_colour[slot].push([-height[child], pos[child], -m.height, pos[child]]);
        }
        by_colour[slot].push([-m.height, pos[m.a], -m.height, pos[m.b]]);
    }
    let top = tree.merges.last().map_or(1.0, |m| m.height);
    let mut plot = Plot::new(title)
        .no_axes()
        .x_range(-1.02 * top, 0.42 * top)
        .y_range(-3.0, n as f64);
    for (slot, segs) in by_colour.iter().enumerate() {
        let colour = if slot == k {
            "#777"
        } else {
            plot::class_color(slot)
        };
        plot = plot.segments(segs, colour);
    }
    for (p, &leaf) in order.iter().enumerate() {
        let name = names.get(leaf).cloned().unwrap_or_else(|| leaf.to_string());
        plot = plot.text(
            0.02 * top,
            (n - 1 - p) as f64 - 0.35,
            name,
            plot::class_color(labels[leaf]),
        );
    }
    // Scale bar: one unit of height.
    let unit = plot::nice_ticks(0.0, top, 4).get(1).copied().unwrap_or(1.0);
    plot = plot
        .segments(&[[-top, -2.0, -top + unit, -2.0]], "#000")
        .text(-top, -1.6, format!("height {unit}"), "#000");
    Ok(plot)
}

/// Chapter 5: USArrests dendrograms for three linkages with the cut at k = 4, and single
/// linkage's chaining.
fn tour_hierarchical(ctx: &TourContext) -> Result<Vec<Section>, String> {
    use unsupervised::hierarchical::{cophenetic_correlation, linkage, Condensed, Linkage, Metric};
    let e = |e: unsupervised::Error| e.to_string();
    let arrests = datasets::usarrests().map_err(e)?;
    let names = arrests.row_names.clone().unwrap_or_default();
    let x = arrests.x.standardize().map_err(e)?.0;
    let d = Condensed::from_points(&x, Metric::Euclidean).map_err(e)?;
    let mut fig = Figure::new(
        "USArrests (standardised), cut into 4 clusters",
        3,
        330.0,
        640.0,
    );
    let mut notes = Vec::new();
    for method in [Linkage::Complete, Linkage::Average, Linkage::Single] {
        let tree = linkage(&d, method).map_err(e)?;
        let ccc = cophenetic_correlation(&d, &tree).map_err(e)?;
        notes.push(format!("{method:?}: {ccc:.3}"));
        fig.push(dendrogram_plot(
            &tree,
            &names,
            4,
            format!("{method:?} linkage"),
        )?);
    }
    let trees = ctx.save_svg("hierarchical-usarrests.svg", &fig)?;

    // Chaining: two blobs joined by a thin bridge of points. Single linkage follows the
    // bridge and keeps almost everything in one cluster; complete and Ward split the blobs.
    let blobs = datasets::blobs(120, 2, 2, 0.5, ctx.seed + 5).map_err(e)?;
    let truth = blobs.labels.clone().unwrap_or_default();
    let mean_of = |c: usize| -> Vec<f64> {
        let rows: Vec<usize> = (0..truth.len()).filter(|&i| truth[i] == c).collect();
        (0..2)
            .map(|j| rows.iter().map(|&i| blobs.x[(i, j)]).sum::<f64>() / rows.len().max(1) as f64)
            .collect()
    };
    let (a, b) = (mean_of(0), mean_of(1));
    let mut values = blobs.x.as_slice().to_vec();
    // Bridge points closer together than the points inside a blob.
    let steps = 40;
    for t in 1..steps {
        let s = t as f64 / steps as f64;
        values.extend([a[0] + s * (b[0] - a[0]), a[1] + s * (b[1] - a[1])]);
    }
    let x = Matrix::new(values.len() / 2, 2, values).map_err(e)?;
    let d = Condensed::from_points(&x, Metric::Euclidean).map_err(e)?;
    let (xs, ys) = (x.column(0), x.column(1));
    let mut chain_fig = Figure::new(
        "Chaining: two blobs and a bridge, cut into 2 clusters",
        3,
        300.0,
        300.0,
    );
    for method in [Linkage::Single, Linkage::Complete, Linkage::Ward] {
        let labels = linkage(&d, method).and_then(|t| t.cut_k(2)).map_err(e)?;
        let small = labels
            .iter()
            .filter(|&&l| l == 1)
            .count()
            .min(labels.iter().filter(|&&l| l == 0).count());
        chain_fig.push(
            Plot::new(format!(
                "{method:?}: the smaller cluster has {small} point{}",
                if small == 1 { "" } else { "s" }
            ))
            .scatter_classes(&xs, &ys, &labels, &[])
            .map_err(e)?
            .equal_aspect(),
        );
    }
    let chaining = ctx.save_svg("hierarchical-chaining.svg", &chain_fig)?;
    Ok(vec![
        Section::figure(trees, "Dendrograms of the 50 states for complete, average and single linkage (Euclidean distance on standardised data), coloured by the cut into 4 clusters", &format!("complete and average linkage give compact, balanced groups; single linkage fuses states one at a time onto a growing cluster (chaining), so its 4-cluster cut leaves three tiny clusters. Cophenetic correlations: {}.", notes.join(", "))),
        Section::figure(chaining, "Single linkage's chaining", "a bridge of evenly spaced points is enough for single linkage (left) to join the two blobs early: its two clusters are one big cluster and a straggler. Complete linkage and Ward cut the blobs apart."),
    ])
}

// ---------------------------------------------------------------- tour: chapter 6

/// Chapter 6: Old Faithful with one Gaussian and with two, EM's log-likelihood per
/// iteration, BIC against k, and the k-means limit.
fn tour_mixture(ctx: &TourContext) -> Result<Vec<Section>, String> {
    use unsupervised::mixture::{Covariance, FittedGmm, GaussianMixture, Start};
    let e = |e: unsupervised::Error| e.to_string();
    let x = datasets::faithful().map_err(e)?.x;
    let (xs, ys) = (x.column(0), x.column(1));
    let with_ellipses = |title: String, fit: &FittedGmm| -> Result<Plot, String> {
        let labels = fit.predict(&x).map_err(e)?;
        let mut p = Plot::new(title)
            .x_label("eruption (minutes)")
            .y_label("waiting (minutes)")
            .scatter_classes(&xs, &ys, &labels, &[])
            .map_err(e)?;
        for c in 0..fit.k() {
            let cov = &fit.covariances[c];
            let sigma = [[cov[(0, 0)], cov[(0, 1)]], [cov[(1, 0)], cov[(1, 1)]]];
            for k in [1.0, 2.0] {
                p = p
                    .ellipse((fit.means[(c, 0)], fit.means[(c, 1)]), sigma, k, "#222")
                    .map_err(e)?;
            }
        }
        Ok(p)
    };
    let one = GaussianMixture::new(1).fit(&x).map_err(e)?;
    let two = GaussianMixture::new(2).tol(1e-8).fit(&x).map_err(e)?;
    let n = x.rows() as f64;
    let fig = Figure::new(
        "Old Faithful: one Gaussian against a mixture of two (1 and 2 standard deviations)",
        2,
        380.0,
        340.0,
    )
    .with(with_ellipses(
        format!("one Gaussian: ln L = {:.1}", one.score(&x).map_err(e)? * n),
        &one,
    )?)
    .with(with_ellipses(
        format!(
            "two components: ln L = {:.1}",
            two.score(&x).map_err(e)? * n
        ),
        &two,
    )?);
    let faithful = ctx.save_svg("mixture-faithful.svg", &fig)?;

    // EM's climb from a random start, and BIC against k.
    let slow = GaussianMixture::new(2)
        .start(Start::Random)
        .seed(ctx.seed)
        .tol(1e-10)
        .fit(&x)
        .map_err(e)?;
    let trace = &slow.trace.log_likelihood;
    let its: Vec<f64> = (0..trace.len()).map(|i| i as f64).collect();
    let climb = Plot::new(format!(
        "EM from random responsibilities: {} iterations",
        slow.trace.n_iter
    ))
    .x_label("iteration")
    .y_label("mean log-likelihood (nats)")
    .line(&its, trace, plot::class_color(0), "")
    .map_err(e)?;
    let ks: Vec<f64> = (1..=6).map(|k| k as f64).collect();
    let mut bics = Vec::new();
    for k in 1..=6 {
        let f = GaussianMixture::new(k)
            .n_init(3)
            .seed(ctx.seed)
            .fit(&x)
            .map_err(e)?;
        bics.push(f.bic(&x).map_err(e)?);
    }
    let best = ks[bics
        .iter()
        .enumerate()
        .fold(0, |b, (i, &v)| if v < bics[b] { i } else { b })];
    let bic_plot = Plot::new(format!("BIC against k (lowest at k = {best})"))
        .x_label("components k")
        .y_label("BIC")
        .line(&ks, &bics, plot::class_color(1), "")
        .map_err(e)?
        .points(&ks, &bics, plot::class_color(1))
        .map_err(e)?;
    let climb_file = ctx.save_svg(
        "mixture-em.svg",
        &Figure::new("", 2, 380.0, 300.0).with(climb).with(bic_plot),
    )?;

    // The k-means limit: a shared, fixed covariance εI.
    let blobs = datasets::blobs(300, 2, 3, 1.2, ctx.seed + 4).map_err(e)?.x;
    let (bx, by) = (blobs.column(0), blobs.column(1));
    let mut limit = Figure::new("EM with a fixed shared covariance εI (black: no component takes more than 0.99 of the point)", 3, 300.0, 300.0);
    for variance in [4.0, 1.0, 1e-4] {
        let fit = GaussianMixture::new(3)
            .covariance(Covariance::Fixed { variance })
            .start(Start::Random)
            .seed(ctx.seed + 2)
            .tol(1e-10)
            .max_iter(500)
            .fit(&blobs)
            .map_err(e)?;
        let p = fit.predict_proba(&blobs).map_err(e)?;
        let shared = p
            .iter_rows()
            .filter(|r| r.iter().copied().fold(0.0, f64::max) < 0.99)
            .count();
        let labels = fit.predict(&blobs).map_err(e)?;
        // Shared points (no responsibility above 0.99) drawn large over the hard ones.
        let (sx, sy): (Vec<f64>, Vec<f64>) = p
            .iter_rows()
            .enumerate()
            .filter(|(_, r)| r.iter().copied().fold(0.0, f64::max) < 0.99)
            .map(|(i, _)| (bx[i], by[i]))
            .unzip();
        limit.push(
            Plot::new(format!("ε = {variance}: {shared} points shared"))
                .scatter_classes(&bx, &by, &labels, &[])
                .map_err(e)?
                .markers(&sx, &sy, "#000", 3.5)
                .map_err(e)?
                .equal_aspect(),
        );
    }
    let limit_file = ctx.save_svg("mixture-kmeans-limit.svg", &limit)?;
    Ok(vec![
        Section::figure(faithful, "Old Faithful: one Gaussian against a mixture of two, with 1σ and 2σ ellipses", "one Gaussian spreads over both clusters and puts its peak where there is no data; two components find the short and the long eruptions (weights about 0.36 and 0.64)."),
        Section::figure(climb_file, "EM's log-likelihood per iteration, and BIC against the number of components", "the likelihood never falls; it climbs in steps as the components find the clusters. BIC adds a penalty for the parameters and is lowest at two components."),
        Section::figure(limit_file, "The k-means limit of EM (Bishop §9.3.2)", "with a wide shared covariance, the points between clusters are shared between components (black); as ε shrinks every responsibility becomes 0 or 1, and EM's updates become Lloyd's."),
    ])
}

// ---------------------------------------------------------------- tour: chapter 7

/// Chapter 7: k-means against spectral clustering on three shapes; the graph, the sorted
/// Fiedler vector and the eigengap; why the plain minimum cut fails.
fn tour_spectral(ctx: &TourContext) -> Result<Vec<Section>, String> {
    use unsupervised::kmeans::KMeans;
    use unsupervised::metrics::adjusted_rand_index;
    use unsupervised::spectral::graph::{components, cut_quality, similarity_graph, Graph};
    use unsupervised::spectral::{fiedler, SpectralClustering};
    let e = |e: unsupervised::Error| e.to_string();
    let n = if ctx.quick { 300 } else { 1000 };
    let shapes = [
        (
            "two moons",
            datasets::two_moons(n, 0.06, ctx.seed).map_err(e)?,
        ),
        (
            "circles",
            datasets::circles(n, 0.04, 0.5, ctx.seed).map_err(e)?,
        ),
        (
            "two spirals",
            datasets::two_spirals(n, 0.05, 1.5, ctx.seed).map_err(e)?,
        ),
    ];
    let mut fig = Figure::new(
        "k-means (left) against spectral clustering (right)",
        2,
        320.0,
        300.0,
    );
    let mut scores = Vec::new();
    for (name, d) in &shapes {
        let truth = d.labels.clone().unwrap_or_default();
        let (xs, ys) = (d.x.column(0), d.x.column(1));
        let km = KMeans::new(2).seed(ctx.seed).fit(&d.x).map_err(e)?;
        let sp = SpectralClustering::new(2)
            .seed(ctx.seed)
            .fit(&d.x)
            .map_err(e)?;
        let (a, b) = (
            adjusted_rand_index(&truth, &km.labels).map_err(e)?,
            adjusted_rand_index(&truth, &sp.labels).map_err(e)?,
        );
        scores.push(format!("{name}: {a:.2} against {b:.2}"));
        for (method, labels, ari) in [("k-means", &km.labels, a), ("spectral", &sp.labels, b)] {
            fig.push(
                Plot::new(format!("{name}, {method}: ARI {ari:.2}"))
                    .scatter_classes(&xs, &ys, labels, &[])
                    .map_err(e)?
                    .equal_aspect(),
            );
        }
    }
    let versus = ctx.save_svg("spectral-vs-kmeans.svg", &fig)?;

    // The graph over the points, the Fiedler vector sorted, and the eigengap.
    let moons = datasets::two_moons(300, 0.08, ctx.seed + 1).map_err(e)?;
    let w = similarity_graph(&moons.x, Graph::knn(8), Exec::default()).map_err(e)?;
    let mut segments = Vec::new();
    for i in 0..w.rows() {
        let (cols, _) = w.row(i);
        for &j in cols.iter().filter(|&&j| j > i) {
            segments.push([
                moons.x[(i, 0)],
                moons.x[(i, 1)],
                moons.x[(j, 0)],
                moons.x[(j, 1)],
            ]);
        }
    }
    let f = fiedler(&w).map_err(e)?;
    let (xs, ys) = (moons.x.column(0), moons.x.column(1));
    let graph_plot = Plot::new(format!("8-NN graph, {} edges", segments.len()))
        .segments(&segments, "#bbb")
        .scatter_values(&xs, &ys, &f.vector)
        .map_err(e)?
        .equal_aspect();
    let mut sorted = f.vector.clone();
    sorted.sort_by(f64::total_cmp);
    let idx: Vec<f64> = (0..sorted.len()).map(|i| i as f64).collect();
    let fiedler_plot = Plot::new(format!("Fiedler vector, sorted (λ₂ = {:.2e})", f.value))
        .x_label("rank")
        .y_label("entry")
        .line(&idx, &sorted, plot::class_color(0), "")
        .map_err(e)?;
    let mut gaps = Plot::new("smallest eigenvalues of L_sym")
        .x_label("index")
        .y_label("eigenvalue");
    for (c, (name, k)) in [("two moons", 2), ("four blobs", 4)]
        .into_iter()
        .enumerate()
    {
        let x = if k == 2 {
            moons.x.clone()
        } else {
            datasets::blobs(300, 2, 4, 0.5, ctx.seed + 2).map_err(e)?.x
        };
        let fit = SpectralClustering::new(k)
            .graph(Graph::Knn {
                neighbors: 8,
                weighting: unsupervised::spectral::graph::Weighting::Gaussian { sigma: 1.0 },
            })
            .n_eigenvalues(8)
            .fit(&x)
            .map_err(e)?;
        let ix: Vec<f64> = (1..=fit.eigenvalues.len()).map(|i| i as f64).collect();
        gaps = gaps
            .line(
                &ix,
                &fit.eigenvalues,
                plot::class_color(c),
                &format!("{name} (k = {k})"),
            )
            .map_err(e)?
            .points(&ix, &fit.eigenvalues, plot::class_color(c))
            .map_err(e)?;
    }
    let spectrum = ctx.save_svg(
        "spectral-fiedler.svg",
        &Figure::new("", 3, 330.0, 300.0)
            .with(graph_plot)
            .with(fiedler_plot)
            .with(gaps),
    )?;

    // Minimum cut against the balanced cuts: the weakest vertex alone is the cheapest cut.
    let x = datasets::two_moons(300, 0.08, ctx.seed + 3).map_err(e)?.x;
    let sigma = 1.0;
    let graph = Graph::Knn {
        neighbors: 10,
        weighting: unsupervised::spectral::graph::Weighting::Gaussian { sigma },
    };
    let w = similarity_graph(&x, graph, Exec::default()).map_err(e)?;
    let degrees = w.row_sums();
    let weakest = (0..degrees.len())
        .min_by(|&a, &b| degrees[a].total_cmp(&degrees[b]))
        .unwrap_or(0);
    let mut alone = vec![0usize; x.rows()];
    alone[weakest] = 1;
    let single = cut_quality(&w, &alone).map_err(e)?;
    let sp = SpectralClustering::new(2).graph(graph).fit(&x).map_err(e)?;
    let (xs, ys) = (x.column(0), x.column(1));
    let cut_fig = Figure::new("", 2, 340.0, 300.0)
        .with(
            Plot::new(format!(
                "cut off one point: cut {:.3}, RatioCut {:.3}, Ncut {:.2}",
                single.cut, single.ratio_cut, single.normalized_cut
            ))
            .scatter_classes(&xs, &ys, &alone, &[])
            .map_err(e)?
            .markers(
                &[x[(weakest, 0)]],
                &[x[(weakest, 1)]],
                plot::class_color(1),
                6.0,
            )
            .map_err(e)?
            .equal_aspect(),
        )
        .with(
            Plot::new(format!(
                "spectral: cut {:.3}, RatioCut {:.4}, Ncut {:.3}",
                sp.cut.cut, sp.cut.ratio_cut, sp.cut.normalized_cut
            ))
            .scatter_classes(&xs, &ys, &sp.labels, &[])
            .map_err(e)?
            .equal_aspect(),
        );
    let mincut = ctx.save_svg("spectral-mincut.svg", &cut_fig)?;
    let parts = components(&w).count;
    Ok(vec![
        Section::figure(versus, "k-means against spectral clustering on two moons, circles and two spirals (10-NN graph, symmetric Laplacian)", &format!("k-means cuts each shape with a straight line; spectral clustering follows the shapes, except where two shapes touch: the spirals meet at their common centre, and the graph joins them there. ARI, k-means against spectral: {}.", scores.join("; "))),
        Section::figure(spectrum, "The 8-NN graph of two moons coloured by its Fiedler vector; the Fiedler vector sorted; the smallest eigenvalues", "the Fiedler vector is nearly constant on each moon and changes sign between them (the sorted entries form two plateaus); the eigenvalues stay near zero up to the number of clusters, then jump (the eigengap)."),
        Section::figure(mincut, "Minimum cut against the balanced cuts, on two moons", &format!("cutting off the most weakly joined point costs less (cut) than separating the moons, so plain min cut prefers it; dividing by the part's size (RatioCut) or volume (Ncut) makes that tiny part expensive. Graph: Gaussian 8-NN, σ = {sigma}, {parts} component(s).")),
    ])
}

// ---------------------------------------------------------------- tour: t-SNE

/// A labelled map of `y` (the first two columns), titled.
fn map_plot(
    title: String,
    y: &Matrix<f64>,
    labels: &[usize],
    names: &[String],
) -> Result<Plot, String> {
    Ok(Plot::new(title)
        .scatter_classes(&y.column(0), &y.column(1), labels, names)
        .map_err(|e| e.to_string())?
        .equal_aspect()
        .no_axes())
}

fn tour_tsne(ctx: &TourContext) -> Result<Vec<Section>, String> {
    use unsupervised::metrics::{knn_accuracy, trustworthiness};
    use unsupervised::tsne::{Method, Tsne};
    let e = |e: unsupervised::Error| e.to_string();
    let mut digits = datasets::digits().map_err(e)?;
    // Quick mode (the debug-build test of the tour): 300 digits, 250 iterations.
    let (n, iterations) = if ctx.quick {
        (300, 250)
    } else {
        (digits.x.rows(), 1000)
    };
    digits.x = Matrix::new(n, 64, digits.x.as_slice()[..n * 64].to_vec()).map_err(e)?;
    let labels = digits.labels.clone().unwrap_or_default()[..n].to_vec();
    let tsne = || {
        Tsne::new()
            .seed(ctx.seed)
            .max_iter(iterations)
            .exaggeration_iter(iterations / 4)
    };
    let score = |x: &Matrix<f64>, y: &Matrix<f64>, l: &[usize]| -> Result<String, String> {
        Ok(format!(
            "T(5) {:.3}, 1-NN {:.3}",
            trustworthiness(x, y, 5).map_err(e)?,
            knn_accuracy(y, l, 1, 5, ctx.seed).map_err(e)?
        ))
    };

    // 1. Digits and MNIST, Barnes–Hut with the defaults; the KL trace of the digits run.
    let t = Instant::now();
    let fit = tsne().log_every(10).fit(&digits.x).map_err(e)?;
    let digits_time = t.elapsed().as_secs_f64();
    let mut maps = Figure::new("", 2, 460.0, 440.0).with(map_plot(
        format!(
            "digits, {n} x 64: {digits_time:.1} s; {}",
            score(&digits.x, &fit.embedding, &labels)?
        ),
        &fit.embedding,
        &labels,
        &digits.class_names,
    )?);
    if !ctx.quick {
        let mnist = datasets::mnist().map_err(e)?;
        let mnist_labels = mnist.labels.clone().unwrap_or_default();
        let t = Instant::now();
        let x50 = reduce_for_tsne(&mnist.x, 50, ctx.seed).map_err(e)?;
        let m = Tsne::new().seed(ctx.seed).fit(&x50).map_err(e)?;
        let mnist_time = t.elapsed().as_secs_f64();
        maps.push(map_plot(
            format!(
                "MNIST, 10,000 x 784 (PCA to 50): {mnist_time:.1} s; 1-NN {:.3}",
                knn_accuracy(&m.embedding, &mnist_labels, 1, 5, ctx.seed).map_err(e)?
            ),
            &m.embedding,
            &mnist_labels,
            &[],
        )?);
    }
    let maps = ctx.save_svg("tsne-maps.svg", &maps)?;
    let its: Vec<f64> = fit.trace.iter().map(|p| p.iteration as f64).collect();
    let kls: Vec<f64> = fit.trace.iter().map(|p| p.kl).collect();
    let top = kls.iter().copied().fold(0.0, f64::max);
    let end = fit.exaggeration_end as f64;
    let curve = Plot::new("KL(P ‖ Q) of the digits map, every 10 iterations")
        .x_label("iteration")
        .y_label("KL divergence")
        .line(&its, &kls, plot::class_color(0), "")
        .map_err(e)?
        .dashed_line(&[end, end], &[0.0, top], "#888")
        .map_err(e)?
        .text(end, top, " early exaggeration ends", "#444");
    let curve = ctx.save_svg("tsne-kl.svg", &Figure::new("", 1, 620.0, 320.0).with(curve))?;

    // 2. SNE against t-SNE on the same 500 digits: the crowding problem.
    let m = n.min(500);
    let sub = Matrix::new(m, 64, digits.x.as_slice()[..m * 64].to_vec()).map_err(e)?;
    let sub_labels = &labels[..m];
    let mut crowd = Figure::new("", 2, 420.0, 400.0);
    for (name, method) in [("SNE", Method::Sne), ("t-SNE (exact)", Method::Exact)] {
        let f = tsne().method(method).fit(&sub).map_err(e)?;
        crowd.push(map_plot(
            format!("{name}: {}", score(&sub, &f.embedding, sub_labels)?),
            &f.embedding,
            sub_labels,
            &[],
        )?);
    }
    let crowd = ctx.save_svg("tsne-crowding.svg", &crowd)?;

    // 3. Perplexity 5, 30 and 100.
    let mut perp = Figure::new("", 3, 340.0, 330.0);
    for perplexity in [5.0, 30.0, 100.0] {
        let f = tsne()
            .perplexity(perplexity.min((n - 1) as f64))
            .fit(&digits.x)
            .map_err(e)?;
        perp.push(map_plot(
            format!(
                "perplexity {perplexity}: {}",
                score(&digits.x, &f.embedding, &labels)?
            ),
            &f.embedding,
            &labels,
            &[],
        )?);
    }
    let perp = ctx.save_svg("tsne-perplexity.svg", &perp)?;
    Ok(vec![
        Section::figure(maps, &format!("Barnes–Hut t-SNE (perplexity 30, θ = 0.5, {iterations} iterations) of the digits and of MNIST, coloured by the true digit"), "the labels were never shown to t-SNE, yet each digit forms its own island; the islands that touch are digits that look alike (4 and 9, 3, 5 and 8). Distances between islands and island sizes carry little meaning. T(5) is trustworthiness with 5 neighbours; 1-NN is the 5-fold cross-validated accuracy of a 1-nearest-neighbour classifier on the map."),
        Section::figure(curve, "The cost during the digits run", "the cost stays high while P is exaggerated 12-fold (the map forms tight, well-separated clusters), drops sharply when exaggeration ends, then creeps down as the clusters relax."),
        Section::figure(crowd, &format!("SNE against t-SNE on the first {m} digits"), "SNE's Gaussian map squeezes everything into one disc (the crowding problem: a 2-D map has too little room for the moderately far points of 64 dimensions); the Student-t's heavy tail lets t-SNE push them apart, and the classes separate."),
        Section::figure(perp, "Perplexity 5, 30 and 100 on the digits", "a small perplexity looks at a handful of neighbours and breaks the map into many small clumps; a large one keeps more of the global arrangement and gives rounder, more even islands."),
    ])
}

// ---------------------------------------------------------------- tour: manifold learning

fn tour_manifold(ctx: &TourContext) -> Result<Vec<Section>, String> {
    use unsupervised::manifold::sdp::{mds_localization, rmsd, sensor_network, SdpLocalization};
    use unsupervised::manifold::{embed, Method};
    use unsupervised::metrics::spearman;
    let e = |e: unsupervised::Error| e.to_string();
    // Quick mode (the debug-build test of the tour): small samples everywhere.
    let n = if ctx.quick { 150 } else { 1500 };
    let k = 10;

    // 1. Every method on the Swiss roll and the S-curve, coloured by the true coordinate.
    let mut grid = Figure::new("", 3, 250.0, 230.0);
    let mut scores = Vec::new();
    for (name, sample) in [
        (
            "Swiss roll",
            datasets::swiss_roll(n, 0.0, ctx.seed).map_err(e)?,
        ),
        ("S-curve", datasets::s_curve(n, 0.0, ctx.seed).map_err(e)?),
    ] {
        let x = &sample.data.x;
        // The data themselves, seen from the side that shows the roll.
        grid.push(
            Plot::new(format!("{name}, n = {n}"))
                .scatter_values(&x.column(0), &x.column(2), &sample.t)
                .map_err(e)?
                .equal_aspect()
                .no_axes(),
        );
        for method in Method::ALL {
            let t = Instant::now();
            let y = embed(x, method, 2, k, ctx.seed).map_err(e)?;
            let seconds = t.elapsed().as_secs_f64();
            let r = spearman(&y.column(0), &sample.t).map_err(e)?.abs();
            scores.push(format!("{} on the {name}: {r:.3}", method.name()));
            grid.push(
                Plot::new(format!("{} {:.2} s, ρ {r:.2}", method.name(), seconds))
                    .scatter_values(&y.column(0), &y.column(1), &sample.t)
                    .map_err(e)?
                    .no_axes(),
            );
        }
    }
    let grid = ctx.save_svg("manifold-grid.svg", &grid)?;

    // 2. Digits by Isomap and by Laplacian eigenmaps.
    let digits = datasets::digits().map_err(e)?;
    let m = if ctx.quick { 200 } else { digits.x.rows() };
    let x = Matrix::new(m, 64, digits.x.as_slice()[..m * 64].to_vec()).map_err(e)?;
    let labels = digits.labels.clone().unwrap_or_default()[..m].to_vec();
    let mut dfig = Figure::new("", 2, 420.0, 400.0);
    for method in [Method::Isomap, Method::Laplacian] {
        let y = embed(&x, method, 2, k, ctx.seed).map_err(e)?;
        let acc = unsupervised::metrics::knn_accuracy(&y, &labels, 1, 5, ctx.seed).map_err(e)?;
        dfig.push(
            Plot::new(format!("{} of the digits: 1-NN {acc:.3}", method.name()))
                .scatter_classes(&y.column(0), &y.column(1), &labels, &digits.class_names)
                .map_err(e)?
                .no_axes(),
        );
    }
    let dfig = ctx.save_svg("manifold-digits.svg", &dfig)?;

    // 3. A short circuit: too many neighbours on a sparse roll join its layers.
    let sparse_n = if ctx.quick { 200 } else { 600 };
    let sparse_roll = datasets::swiss_roll(sparse_n, 0.0, ctx.seed).map_err(e)?;
    let mut short = Figure::new("", 2, 330.0, 300.0);
    for neighbors in [6, 14] {
        let y = embed(&sparse_roll.data.x, Method::Isomap, 2, neighbors, ctx.seed).map_err(e)?;
        let r = spearman(&y.column(0), &sparse_roll.t).map_err(e)?.abs();
        short.push(
            Plot::new(format!(
                "Isomap, n = {sparse_n}, {neighbors} neighbours: ρ {r:.2}"
            ))
            .scatter_values(&y.column(0), &y.column(1), &sparse_roll.t)
            .map_err(e)?
            .no_axes(),
        );
    }
    let short = ctx.save_svg("manifold-short-circuit.svg", &short)?;

    // 3b. A hole and uneven sampling: rolls cut from a larger sample.
    let big = datasets::swiss_roll(if ctx.quick { 600 } else { 3000 }, 0.0, ctx.seed).map_err(e)?;
    let (t_lo, t_hi) = (1.5 * std::f64::consts::PI, 4.5 * std::f64::consts::PI);
    let holed: Vec<usize> = (0..big.t.len())
        .filter(|&i| {
            let (u, h) = ((big.t[i] - t_lo) / (t_hi - t_lo), big.height[i] / 21.0);
            (u - 0.5).powi(2) + (h - 0.5).powi(2) > 0.2f64.powi(2)
        })
        .collect();
    let mut rng = Rng::seed_from_u64(ctx.seed);
    // Keep a point with probability falling from 1 to 0.05 along the roll.
    let uneven: Vec<usize> = (0..big.t.len())
        .filter(|&i| rng.next_f64() < 1.0 - 0.95 * (big.t[i] - t_lo) / (t_hi - t_lo))
        .collect();
    let mut fail = Figure::new("", 3, 250.0, 230.0);
    for (what, rows, methods) in [
        (
            "hole",
            &holed,
            [Method::Isomap, Method::Hessian, Method::Ltsa],
        ),
        (
            "uneven",
            &uneven,
            [Method::Lle, Method::Laplacian, Method::Diffusion],
        ),
    ] {
        let x = Matrix::from_fn(rows.len(), 3, |i, c| big.data.x[(rows[i], c)]);
        let t: Vec<f64> = rows.iter().map(|&i| big.t[i]).collect();
        for method in methods {
            let y = embed(&x, method, 2, k, ctx.seed).map_err(e)?;
            let r = spearman(&y.column(0), &t).map_err(e)?.abs();
            fail.push(
                Plot::new(format!(
                    "{what}: {} (n = {}), ρ {r:.2}",
                    method.name(),
                    rows.len()
                ))
                .scatter_values(&y.column(0), &y.column(1), &t)
                .map_err(e)?
                .no_axes(),
            );
        }
    }
    let fail = ctx.save_svg("manifold-failures.svg", &fail)?;

    // 4. Sensor localisation: SDP against classical MDS on the same noisy, incomplete ranges.
    let sensors = if ctx.quick { 25 } else { 50 };
    let net = sensor_network(sensors, 4, 0.4, 0.05, ctx.seed).map_err(e)?;
    let sdp = SdpLocalization::new()
        .max_iter(if ctx.quick { 200 } else { 1000 })
        .fit(&net.anchors, sensors, &net.ranges)
        .map_err(e)?;
    let mds = mds_localization(&net.anchors, sensors, &net.ranges).map_err(e)?;
    let mut sfig = Figure::new("", 2, 360.0, 360.0);
    for (name, est) in [
        ("SDP + refinement", &sdp.positions),
        ("classical MDS", &mds),
    ] {
        let segments: Vec<[f64; 4]> = (0..sensors)
            .map(|j| {
                [
                    net.sensors[(j, 0)],
                    net.sensors[(j, 1)],
                    est[(j, 0)],
                    est[(j, 1)],
                ]
            })
            .collect();
        sfig.push(
            Plot::new(format!("{name}: RMSD {:.4}", rmsd(est, &net.sensors)))
                .segments(&segments, "#d62728")
                .points(
                    &net.sensors.column(0),
                    &net.sensors.column(1),
                    plot::class_color(0),
                )
                .map_err(e)?
                .markers(&net.anchors.column(0), &net.anchors.column(1), "#222", 5.0)
                .map_err(e)?
                .equal_aspect()
                .legend("true sensor", plot::class_color(0))
                .legend("anchor", "#222")
                .legend("error (true to estimate)", "#d62728"),
        );
    }
    let sfig = ctx.save_svg("manifold-sdp.svg", &sfig)?;
    Ok(vec![
        Section::figure(grid, "Every method of the chapter on the Swiss roll and the S-curve (k = 10 neighbours), coloured by the true coordinate along the sheet", &format!("MDS and SMACOF only flatten the roll (straight-line distances cut across its layers); Isomap, LTSA and Hessian eigenmaps unroll it into a rectangle with the colours in order; LLE and Laplacian eigenmaps unroll it but bunch and bend it. ρ is the |Spearman correlation| of the first map coordinate with the true one: {}.", scores.join("; "))),
        Section::figure(dfig, "The digits by Isomap and by Laplacian eigenmaps", "both group the digits without seeing the labels, but far less cleanly than t-SNE (next chapter): a 2-D sheet is a poor model of ten separate classes."),
        Section::figure(short, "A short circuit", "on a sparse sample, 14 neighbours reach across the gap between two layers of the roll; the geodesics take the shortcut, and the map bends the sheet into a ring that puts distant parts of the roll side by side."),
        Section::figure(fail, "A hole in the sheet (top) and uneven sampling (bottom)", "Isomap's geodesics bend around the hole, so its map stretches it into an oval, while Hessian eigenmaps and LTSA, which only look at neighbourhoods, keep it round. Where the roll is sampled densely at one end (dark) and thinly at the other, LLE and Laplacian eigenmaps give the dense end most of the map and squash the sparse end into a corner; the diffusion map's α = 1 normalisation divides the density out and keeps the order."),
        Section::figure(sfig, &format!("Sensor localisation from {} noisy ranges (5%) between sensors closer than 0.4 and to 4 anchors", net.ranges.len()), "each red segment joins a sensor's true position to its estimate. The SDP relaxation uses only the measured ranges; MDS first has to guess the missing ones from shortest paths, which are longer than the straight lines, and bends the network."),
    ])
}

// ---------------------------------------------------------------- tour: chapters 10, 11

/// Chapters 10 and 11: gradient checks of a few ops, then an MLP and a CNN learning MNIST
/// (quick mode: an MLP on the 8 x 8 digits), with the digits they still get wrong.
fn tour_nn(ctx: &TourContext) -> Result<Vec<Section>, String> {
    use unsupervised::autodiff::{gradient_check, Conv2dSpec, Tensor};
    use unsupervised::nn::classify::{self, Images, Recipe};
    let e = |e: unsupervised::Error| e.to_string();
    let mut rng = unsupervised::Rng::seed_from_u64(ctx.seed);
    let mut rand = |shape: &[usize]| Tensor::uniform(shape, -1.0, 1.0, &mut rng);
    let (x, w, img) = (rand(&[4, 6]), rand(&[6, 3]), rand(&[2, 3, 6, 6]));
    let (kernel, labels) = (rand(&[4, 3, 3, 3]), [0, 2, 1, 2]);
    let checks: Vec<(&str, f64)> = vec![
        (
            "matmul",
            gradient_check(&[x.clone(), w], |g, v| g.matmul(v[0], v[1])).map_err(e)?,
        ),
        (
            "tanh",
            gradient_check(std::slice::from_ref(&x), |g, v| Ok(g.tanh(v[0]))).map_err(e)?,
        ),
        (
            "log_softmax",
            gradient_check(std::slice::from_ref(&x), |g, v| Ok(g.log_softmax(v[0]))).map_err(e)?,
        ),
        (
            "cross_entropy_with_logits",
            gradient_check(std::slice::from_ref(&x), |g, v| {
                g.cross_entropy_with_logits(v[0], &labels)
            })
            .map_err(e)?,
        ),
        (
            "conv2d (stride 2, padding 1)",
            gradient_check(&[img.clone(), kernel], |g, v| {
                g.conv2d(v[0], v[1], None, Conv2dSpec::default().stride(2).padding(1))
            })
            .map_err(e)?,
        ),
        (
            "max_pool2d",
            gradient_check(std::slice::from_ref(&img), |g, v| g.max_pool2d(v[0], 2, 2))
                .map_err(e)?,
        ),
    ];
    let mut table = String::from(
        "<table><tr><th>op</th><th>largest |analytic − numeric| / (1 + |numeric|)</th></tr>\n",
    );
    for (op, err) in &checks {
        table += &format!("<tr><td>{op}</td><td>{err:.1e}</td></tr>\n");
    }
    table += "</table>";
    let mut sections = vec![Section {
        caption: "Gradient checks in f64 (central differences, h = 1e-6)".into(),
        look_for: "every error between 1e-11 and 1e-9, the accuracy of the finite differences themselves; a wrong VJP shows up as 1e-3 or worse.".into(),
        file: None,
        html: table,
    }];

    let (data, models): (&str, &[&str]) = if ctx.quick {
        ("digits", &["mlp"])
    } else {
        ("mnist", &["mlp", "cnn"])
    };
    let d = datasets::by_name(data).map_err(e)?;
    let all_labels = d.labels.clone().unwrap_or_default();
    let (pixels, side) = images_of(&d)?;
    let n_train = if ctx.quick {
        all_labels.len() * 4 / 5
    } else {
        8000
    };
    let px = side * side;
    let train = Images {
        pixels: &pixels[..n_train * px],
        labels: &all_labels[..n_train],
        side,
    };
    let test = Images {
        pixels: &pixels[n_train * px..],
        labels: &all_labels[n_train..],
        side,
    };
    for &kind in models {
        // The CNN gets three epochs here (about 10 s); `classify --model cnn` runs ten.
        let recipe = Recipe {
            epochs: if kind == "cnn" { 3 } else { 10 },
            seed: ctx.seed,
            ..Recipe::plain()
        };
        let mut model_rng = unsupervised::Rng::seed_from_u64(ctx.seed);
        let mut model = if kind == "cnn" {
            classify::cnn(0.0, &mut model_rng)
        } else {
            classify::mlp(px, 0.0, &mut model_rng)
        }
        .map_err(e)?;
        let started = Instant::now();
        let report = classify::train_classifier(&mut model, &train, &test, &recipe).map_err(e)?;
        let seconds = started.elapsed().as_secs_f64();
        let predicted = classify::predict(&mut model, &test).map_err(e)?;
        let (curves, wrong) = classify_figures(
            ctx,
            &report.train.epoch_losses,
            &report.test_accuracy,
            &test,
            &predicted,
            kind,
        )?;
        let acc = report.test_accuracy.last().copied().unwrap_or(0.0);
        sections.push(Section::figure(
            curves,
            &format!("{kind} on {data}: {} epochs in {seconds:.1} s, test accuracy {acc:.4} ({} test images)", recipe.epochs, test.len()),
            "the training loss should fall every epoch while the test accuracy levels off: the gap between them is what regularisation (the better recipe) works on.",
        ));
        if let Some(wrong) = wrong {
            sections.push(Section::figure(
                wrong,
                &format!("{kind}: the first test digits it gets wrong"),
                "many are hard for people too: open loops, slanted or cut-off strokes.",
            ));
        }
    }
    Ok(sections)
}
