//! Steps 1 and 2 of t-SNE, the input side: each point's Gaussian calibrated to the
//! perplexity, and the conditional and joint probabilities P built from it.

use super::ROWS_PER_TASK;
use crate::error::Result;
use crate::linalg::distance::pairwise_sq_dists_self;
use crate::linalg::sparse::{Csr, Duplicates};
use crate::linalg::threads::par_chunks_mut;
use crate::linalg::{knn_self, Exec, Matrix};

/// One row's calibration: its probabilities, the precision `β = 1 / 2σ²` found, and the
/// perplexity reached.
#[derive(Clone, Debug, PartialEq)]
pub struct Calibrated {
    pub p: Vec<f64>,
    pub beta: f64,
    pub perplexity: f64,
}

/// The search stops when `|H - log(perplexity)|` is below this (in nats): the perplexity is
/// then within `perplexity · 1e-10` of the target.
const ENTROPY_TOL: f64 = 1e-10;
const CALIBRATION_STEPS: usize = 200;

// ANCHOR: calibrate
/// Finds `β` so that `pⱼ ∝ exp(-β dⱼ)` over the squared distances `d` to one point's
/// candidate neighbours has perplexity `exp(H) = perplexity` (H in nats, so `exp(H)` is the
/// lecture's `2^H` with H in bits).
///
/// H falls as β grows, with `dH/dβ = -β Var_P(d)`, so a Newton step on β usually lands in a
/// few iterations; it is kept inside a bracket `[lo, hi]` that shrinks at every step and
/// falls back to bisection, so the search cannot diverge. When the target cannot be reached
/// (all distances equal, as among duplicate points: P is uniform for every β) it returns the
/// closest perplexity it found.
pub fn calibrate_perplexity(d: &[f64], perplexity: f64) -> Calibrated {
    let target = perplexity.ln();
    // Shifting by the smallest distance leaves P unchanged and keeps exp() from underflowing.
    let d_min = d.iter().copied().fold(f64::INFINITY, f64::min);
    let shifted: Vec<f64> = d.iter().map(|&v| v - d_min).collect();
    let mut p = vec![0.0; d.len()];
    let (mut lo, mut hi) = (0.0, f64::INFINITY);
    let spread = mean(&shifted);
    let mut beta = if spread > 0.0 { 1.0 / spread } else { 1.0 };
    let mut entropy = 0.0;
    for _ in 0..CALIBRATION_STEPS {
        let (h, variance) = entropy_at(&shifted, beta, &mut p);
        entropy = h;
        let gap = h - target;
        // With no spread left under P, no β changes H: equal distances, or the target
        // lies beyond what these distances can give.
        if gap.abs() < ENTROPY_TOL || variance == 0.0 {
            break;
        }
        // Too flat (H too large): β must grow; too peaked: β must shrink.
        if gap > 0.0 {
            lo = beta;
        } else {
            hi = beta;
        }
        let newton = beta + gap / (beta * variance).max(f64::MIN_POSITIVE);
        beta = if newton > lo && newton < hi && newton.is_finite() {
            newton
        } else if hi.is_finite() {
            0.5 * (lo + hi)
        } else {
            2.0 * beta
        };
        if hi.is_finite() && hi - lo <= f64::EPSILON * hi {
            break;
        }
    }
    Calibrated {
        p,
        beta,
        perplexity: entropy.exp(),
    }
}

/// Fills `p` with `exp(-β d) / Σ` and returns the entropy (nats) and the variance of d
/// under p.
fn entropy_at(d: &[f64], beta: f64, p: &mut [f64]) -> (f64, f64) {
    let mut sum = 0.0;
    for (pj, &dj) in p.iter_mut().zip(d) {
        *pj = (-beta * dj).exp();
        sum += *pj;
    }
    let (mut mean_d, mut mean_d2) = (0.0, 0.0);
    for (pj, &dj) in p.iter_mut().zip(d) {
        *pj /= sum;
        mean_d += *pj * dj;
        mean_d2 += *pj * dj * dj;
    }
    // H = log Σ exp(-β d) + β E[d]
    (
        sum.ln() + beta * mean_d,
        (mean_d2 - mean_d * mean_d).max(0.0),
    )
}
// ANCHOR_END: calibrate

fn mean(v: &[f64]) -> f64 {
    v.iter().sum::<f64>() / v.len().max(1) as f64
}

/// `P[i][j] = p_{j|i}` over all other points (row i sums to 1, `P[i][i] = 0`).
pub fn conditional_probabilities(
    x: &Matrix<f64>,
    perplexity: f64,
    exec: Exec,
) -> Result<Matrix<f64>> {
    let n = x.rows();
    let d = pairwise_sq_dists_self(x, exec)?;
    let mut p = Matrix::zeros(n, n);
    par_chunks_mut(
        p.as_mut_slice(),
        ROWS_PER_TASK * n,
        exec.threads,
        |b, rows| {
            for (r, row) in rows.chunks_exact_mut(n).enumerate() {
                let i = b * ROWS_PER_TASK + r;
                let others: Vec<f64> = (0..n).filter(|&j| j != i).map(|j| d[(i, j)]).collect();
                let c = calibrate_perplexity(&others, perplexity);
                for (j, pj) in (0..n).filter(|&j| j != i).zip(c.p) {
                    row[j] = pj;
                }
            }
        },
    );
    Ok(p)
}

// ANCHOR: sparse_p
/// `p_{j|i}` over each point's `⌊3·perplexity⌋` nearest neighbours only (van der Maaten
/// 2014): beyond three perplexities the Gaussian weights are negligible. Row i of the result
/// holds i's neighbours.
pub fn sparse_conditional_probabilities(
    x: &Matrix<f64>,
    perplexity: f64,
    exec: Exec,
) -> Result<Csr<f64>> {
    let n = x.rows();
    let k = ((3.0 * perplexity) as usize).clamp(1, n - 1);
    let nb = knn_self(x, k, exec)?;
    let mut rows = vec![0.0; n * k];
    par_chunks_mut(&mut rows, ROWS_PER_TASK * k, exec.threads, |b, chunk| {
        for (r, out) in chunk.chunks_exact_mut(k).enumerate() {
            let i = b * ROWS_PER_TASK + r;
            out.copy_from_slice(&calibrate_perplexity(nb.sq_distances_of(i), perplexity).p);
        }
    });
    let triplets: Vec<(usize, usize, f64)> = (0..n)
        .flat_map(|i| {
            let row = &rows[i * k..(i + 1) * k];
            nb.indices_of(i)
                .iter()
                .zip(row)
                .map(move |(&j, &p)| (i, j, p))
        })
        .collect();
    Csr::from_triplets(n, n, &triplets)
}

/// The symmetric joint probabilities `pᵢⱼ = (p_{j|i} + p_{i|j}) / 2n` from the conditional
/// ones: every point then carries at least `1 / 2n` of the mass, so outliers still count.
pub fn joint_probabilities(conditional: &Csr<f64>) -> Result<Csr<f64>> {
    let n = conditional.rows();
    let scale = 1.0 / (2.0 * n as f64);
    let mut triplets = Vec::with_capacity(conditional.nnz());
    for i in 0..n {
        let (cols, vals) = conditional.row(i);
        triplets.extend(cols.iter().zip(vals).map(|(&j, &p)| (i, j, p * scale)));
    }
    Csr::symmetric_from_triplets(n, &triplets, Duplicates::Sum)
}
// ANCHOR_END: sparse_p

/// [`joint_probabilities`] for a dense conditional matrix.
pub fn dense_joint(conditional: &Matrix<f64>) -> Matrix<f64> {
    let n = conditional.rows();
    let scale = 1.0 / (2.0 * n as f64);
    Matrix::from_fn(n, n, |i, j| {
        (conditional[(i, j)] + conditional[(j, i)]) * scale
    })
}
