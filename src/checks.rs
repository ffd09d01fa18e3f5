//! Checking helpers: the invariants this crate's own tests assert, packaged for a reader to
//! run on their own code (the exercise track, `tests/exercises/`, uses them; book
//! `testing.md`). Each returns [`Error::CheckFailed`] saying what was expected and what was
//! found, so a failing exercise explains itself.
//!
//! - [`gradient_check`]: an analytic gradient against central finite differences;
//! - [`eigenpair_residual`]: how far `(λ, v)` is from satisfying `A v = λ v`;
//! - [`check_partition`]: every point is assigned to a nearest centre (a Voronoi partition);
//! - [`never_increases`] and [`never_decreases`]: the trace of an objective that Lloyd's
//!   algorithm may not raise, or of a likelihood that EM may not lower.

use crate::error::{Error, Result};
use crate::linalg::{pairwise_sq_dists, Exec, Matrix};

pub use crate::autodiff::gradient_check;

/// `‖A v − λ v‖ / (‖A‖_F ‖v‖)`: zero for an exact eigenpair, about machine epsilon for a
/// good solver's. An eigenpair from a solver should be within a small multiple of
/// `f64::EPSILON · n`; the relative form makes the number independent of the scale of `A`.
pub fn eigenpair_residual(a: &Matrix<f64>, value: f64, vector: &[f64]) -> Result<f64> {
    let av = a.matvec(vector)?;
    let residual = av
        .iter()
        .zip(vector)
        .map(|(&y, &x)| (y - value * x).powi(2))
        .sum::<f64>()
        .sqrt();
    let norm_a = a.as_slice().iter().map(|v| v * v).sum::<f64>().sqrt();
    let norm_v = vector.iter().map(|v| v * v).sum::<f64>().sqrt();
    if norm_v == 0.0 {
        return Err(Error::CheckFailed {
            check: "eigenpair_residual",
            expected: "a non-zero eigenvector".into(),
            found: "the zero vector".into(),
        });
    }
    Ok(residual / (norm_a.max(f64::MIN_POSITIVE) * norm_v))
}

/// `Ok` when every point's label names one of its nearest centres (a tie within `tol`
/// relative to the distance counts as nearest): the assignment step's result is then the
/// Voronoi partition of the points by the centres. The error names the first point that is
/// not, its centre, the nearer one and both squared distances.
pub fn check_partition(
    x: &Matrix<f64>,
    centres: &Matrix<f64>,
    labels: &[usize],
    tol: f64,
) -> Result<()> {
    if labels.len() != x.rows() {
        return Err(Error::BadLength {
            what: "check_partition: the labels (one per point)",
            expected: x.rows(),
            actual: labels.len(),
        });
    }
    let d = pairwise_sq_dists(x, centres, Exec::serial())?;
    for (i, &label) in labels.iter().enumerate() {
        if label >= centres.rows() {
            return Err(Error::CheckFailed {
                check: "check_partition",
                expected: format!("labels below the {} centres", centres.rows()),
                found: format!("label {label} at point {i}"),
            });
        }
        let row = d.row(i);
        let (nearest, best) =
            row.iter().enumerate().fold(
                (0, f64::INFINITY),
                |acc, (j, &v)| if v < acc.1 { (j, v) } else { acc },
            );
        if row[label] > best + tol * best.max(1.0) {
            return Err(Error::CheckFailed {
                check: "check_partition",
                expected: format!(
                    "point {i} in its nearest centre's cell, centre {nearest} at squared distance {best}"
                ),
                found: format!("label {label}, at squared distance {}", row[label]),
            });
        }
    }
    Ok(())
}

/// `Ok` when no step of `trace` rises by more than `tol · max(1, |previous|)`: the
/// invariant of Lloyd's algorithm (chapter 4) and of any descent that must not go uphill.
/// The error names the first step that rose, counting from 1, and both values.
pub fn never_increases(trace: &[f64], tol: f64) -> Result<()> {
    monotone(trace, tol, 1.0, "never_increases")
}

/// `Ok` when no step of `trace` falls by more than `tol · max(1, |previous|)`: EM's
/// log-likelihood (chapter 6). The error names the first step that fell, and both values.
pub fn never_decreases(trace: &[f64], tol: f64) -> Result<()> {
    monotone(trace, tol, -1.0, "never_decreases")
}

/// The shared walk: `sign = 1` forbids rises, `sign = -1` forbids falls.
fn monotone(trace: &[f64], tol: f64, sign: f64, check: &'static str) -> Result<()> {
    for (step, pair) in trace.windows(2).enumerate() {
        let (before, after) = (pair[0], pair[1]);
        let allowed = tol * before.abs().max(1.0);
        if !after.is_finite() || sign * (after - before) > allowed {
            let way = if sign > 0.0 { "rise" } else { "fall" };
            return Err(Error::CheckFailed {
                check,
                expected: format!("no {way} beyond {allowed:e} at any step"),
                found: format!("{before} then {after} at step {}", step + 1),
            });
        }
    }
    Ok(())
}
