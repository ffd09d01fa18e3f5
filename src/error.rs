//! The crate's one error type.
//!
//! Every public function that takes user input returns `Result<_, Error>`. A message names
//! the parameter or input, the offending value and the rule it broke, so a reader can fix
//! the call without opening the source: `n_clusters = 0: must be between 1 and the number
//! of rows (50)`. [`check_count`] and `Matrix::check_samples` are the shared input checks.

use std::fmt;

/// Everything that can go wrong in `unsupervised`.
#[derive(Clone, Debug, PartialEq)]
pub enum Error {
    /// A hyperparameter or argument outside its valid range.
    InvalidParameter {
        name: &'static str,
        value: String,
        reason: String,
    },
    /// Two operands whose shapes do not fit the operation.
    ShapeMismatch {
        op: &'static str,
        left: (usize, usize),
        right: (usize, usize),
    },
    /// Two tensors (n-d arrays of the autodiff chapter) whose shapes do not fit the operation.
    TensorShape {
        op: &'static str,
        left: Vec<usize>,
        right: Vec<usize>,
    },
    /// A constructor given a buffer whose length is not `rows * cols`.
    BadLength {
        what: &'static str,
        expected: usize,
        actual: usize,
    },
    /// Rows of different lengths where a rectangle was expected.
    RaggedRows {
        row: usize,
        expected: usize,
        actual: usize,
    },
    /// A NaN or infinite entry in an input that must be finite.
    NonFinite {
        input: &'static str,
        row: usize,
        column: usize,
    },
    /// An input with no rows or no columns where some are needed.
    Empty { input: &'static str },
    /// Cholesky met a pivot that is not positive: the matrix is not positive definite.
    /// `pivot` is the column reached and `value` the Schur complement's diagonal there.
    NotPositiveDefinite { pivot: usize, value: f64 },
    /// An index outside `0..bound`.
    IndexOutOfBounds {
        what: &'static str,
        index: usize,
        bound: usize,
    },
    /// An iterative solver whose partial result means nothing (an eigensolver) stopped at its
    /// iteration limit: what it was, how far it went, and the residual it had reached.
    NoConvergence {
        what: &'static str,
        iterations: usize,
        residual: f64,
    },
    /// An iterative fit whose numbers blew up: what did (with its epoch, where there is one),
    /// the value it reached (NaN, infinite, or finite but far beyond where it started) and at
    /// which iteration, counting from 1. Usually a learning rate too large for the problem.
    Diverged {
        what: String,
        iteration: usize,
        value: f64,
    },
    /// Bad contents in a data file: which file, where, and what is wrong.
    Parse {
        file: String,
        at: Location,
        reason: String,
    },
    /// The operating system refused a read or write.
    Io { path: String, reason: String },
    /// An allocation the input would need, refused before it is tried: what it is for and
    /// how many bytes (see [`check_memory`]).
    TooLarge { what: String, bytes: f64 },
    /// A checking helper of [`crate::checks`] found code that breaks what it checks: the
    /// check, what it expected and what it found.
    CheckFailed {
        check: &'static str,
        expected: String,
        found: String,
    },
}

/// Where in a file a [`Error::Parse`] happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Location {
    /// Text: 1-based line and column (the field number in a CSV row).
    LineColumn { line: usize, column: usize },
    /// Text: a whole line.
    Line(usize),
    /// Binary: 0-based byte offset.
    Byte(usize),
    /// The file as a whole (empty, or a size that does not add up).
    File,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::LineColumn { line, column } => write!(f, "line {line}, column {column}"),
            Location::Line(line) => write!(f, "line {line}"),
            Location::Byte(offset) => write!(f, "byte {offset}"),
            Location::File => write!(f, "whole file"),
        }
    }
}

impl Error {
    /// Shorthand for [`Error::Parse`].
    pub fn parse(file: &str, at: Location, reason: impl Into<String>) -> Self {
        Error::Parse {
            file: file.to_string(),
            at,
            reason: reason.into(),
        }
    }

    /// Shorthand for [`Error::Io`] from a `std::io::Error`.
    pub fn io(path: impl AsRef<std::path::Path>, err: std::io::Error) -> Self {
        Error::Io {
            path: path.as_ref().display().to_string(),
            reason: err.to_string(),
        }
    }

    /// Shorthand for [`Error::InvalidParameter`].
    pub fn invalid(
        name: &'static str,
        value: impl fmt::Display,
        reason: impl Into<String>,
    ) -> Self {
        Error::InvalidParameter {
            name,
            value: value.to_string(),
            reason: reason.into(),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::InvalidParameter {
                name,
                value,
                reason,
            } => write!(f, "{name} = {value}: {reason}"),
            Error::ShapeMismatch { op, left, right } => write!(
                f,
                "{op}: shapes {}x{} and {}x{} do not fit",
                left.0, left.1, right.0, right.1
            ),
            Error::TensorShape { op, left, right } => {
                write!(f, "{op}: shapes {left:?} and {right:?} do not fit")
            }
            Error::BadLength {
                what,
                expected,
                actual,
            } => write!(f, "{what}: expected {expected} values, got {actual}"),
            Error::RaggedRows {
                row,
                expected,
                actual,
            } => write!(
                f,
                "row {row} has {actual} values but the first row has {expected}"
            ),
            Error::NonFinite { input, row, column } => write!(
                f,
                "{input}: entry at row {row}, column {column} is NaN or infinite"
            ),
            Error::Empty { input } => write!(f, "{input} is empty"),
            Error::NotPositiveDefinite { pivot, value } => write!(
                f,
                "matrix is not positive definite: pivot {pivot} is {value:e} (must be > 0)"
            ),
            Error::IndexOutOfBounds { what, index, bound } => {
                write!(f, "{what} = {index} is out of bounds (must be < {bound})")
            }
            Error::NoConvergence {
                what,
                iterations,
                residual,
            } => write!(
                f,
                "{what} did not converge in {iterations} iterations (residual reached: {residual:e})"
            ),
            Error::Diverged {
                what,
                iteration,
                value,
            } => write!(
                f,
                "{what} diverged: it reached {value:e} at iteration {iteration} (try a smaller learning rate)"
            ),
            Error::Parse { file, at, reason } => write!(f, "{file}: {at}: {reason}"),
            Error::Io { path, reason } => write!(f, "{path}: {reason}"),
            Error::TooLarge { what, bytes } => write!(
                f,
                "{what} would need {}, more than the {} memory limit",
                human_bytes(*bytes),
                human_bytes(MEMORY_LIMIT as f64)
            ),
            Error::CheckFailed {
                check,
                expected,
                found,
            } => write!(f, "{check}: expected {expected}, found {found}"),
        }
    }
}

impl std::error::Error for Error {}

// ANCHOR: checks
/// `Ok` when `1 ≤ value ≤ max`, else [`Error::InvalidParameter`] naming the parameter and
/// what bounds it: `check_count("n_clusters", 0, 50, "the number of rows")` gives
/// `n_clusters = 0: must be between 1 and the number of rows (50)`.
pub fn check_count(name: &'static str, value: usize, max: usize, bound: &str) -> Result<()> {
    if (1..=max).contains(&value) {
        Ok(())
    } else {
        Err(Error::invalid(
            name,
            value,
            format!("must be between 1 and {bound} ({max})"),
        ))
    }
}

/// The most restarts (`n_init`) a fit may ask for.
pub const MAX_RESTARTS: usize = 1000;
/// The most iterations (`max_iter`) an iterative fit may ask for.
pub const MAX_ITERATIONS: usize = 100_000;

/// The limits an iterative fit with restarts shares (k-means, mixtures): `n_init` restarts
/// and `max_iter` iterations within [`MAX_RESTARTS`] and [`MAX_ITERATIONS`], and a relative
/// tolerance `tol` in [0, 1] (above 1 a fit far from any optimum would count as converged).
pub fn check_iterative(n_init: usize, max_iter: usize, tol: f64) -> Result<()> {
    check_count("n_init", n_init, MAX_RESTARTS, "the restart limit")?;
    check_count("max_iter", max_iter, MAX_ITERATIONS, "the iteration limit")?;
    if !(0.0..=1.0).contains(&tol) {
        return Err(Error::invalid("tol", tol, "must be between 0 and 1"));
    }
    Ok(())
}

/// The most memory one data structure may take: 16 GiB. A request beyond it is refused with
/// [`Error::TooLarge`] before allocating, rather than aborting the process.
pub const MEMORY_LIMIT: usize = 16 << 30;

/// `Ok` when `count` values of `bytes_each` bytes fit in [`MEMORY_LIMIT`], else
/// [`Error::TooLarge`]: `check_memory(|| format!("the distances of {n} points"), n * n, 8)`.
/// The product is taken in floating point, so a huge count cannot overflow it.
pub fn check_memory(what: impl FnOnce() -> String, count: usize, bytes_each: usize) -> Result<()> {
    let bytes = count as f64 * bytes_each as f64;
    if bytes <= MEMORY_LIMIT as f64 {
        Ok(())
    } else {
        Err(Error::TooLarge {
            what: what(),
            bytes,
        })
    }
}
// ANCHOR_END: checks

/// Text from an input as a message quotes it: at most 80 characters (then `…`), control
/// characters escaped, so a huge cell or an escape byte cannot flood or drive the terminal.
pub fn excerpt(text: &str) -> String {
    let mut out = String::new();
    for (i, c) in text.chars().enumerate() {
        if i == 80 {
            out.push('…');
            break;
        }
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

/// `17179869184.0` as `16 GiB`.
fn human_bytes(bytes: f64) -> String {
    let units = ["bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
    let mut value = bytes;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < units.len() {
        value /= 1024.0;
        unit += 1;
    }
    if value.fract() == 0.0 {
        format!("{value} {}", units[unit])
    } else {
        format!("{value:.1} {}", units[unit])
    }
}

/// The crate's result type.
pub type Result<T> = std::result::Result<T, Error>;
