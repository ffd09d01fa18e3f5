//! UMAP's input side: each point's memberships to its nearest neighbours, calibrated like
//! t-SNE's perplexity, and their fuzzy union into one symmetric graph.

use crate::error::Result;
use crate::linalg::sparse::Duplicates;
use crate::linalg::threads::par_map;
use crate::linalg::{Csr, Exec, Neighbors};

/// One point's calibration: the distance to its nearest neighbour `ρ`, the kernel width
/// `σ`, and the total membership `Σⱼ exp(-(dⱼ - ρ)₊ / σ)` reached (the target, `log₂ k`,
/// unless σ was floored).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Membership {
    pub rho: f64,
    pub sigma: f64,
    pub total: f64,
}

/// The bisection stops when the total is this close to the target (relative).
const TOTAL_TOL: f64 = 1e-12;
const CALIBRATION_STEPS: usize = 200;
/// σ is kept above this fraction of the mean neighbour distance (umap-learn's
/// `MIN_K_DIST_SCALE`): when many neighbours tie at ρ, the total stays above the target for
/// every σ, and σ would otherwise shrink to 0.
const MIN_SIGMA_SCALE: f64 = 1e-3;

// ANCHOR: calibrate
/// Finds σ for one point from its ascending distances `d` to its k − 1 nearest other
/// points, so that the memberships `exp(-(dⱼ - ρ)₊ / σ)` add up to `target` (`log₂ k`).
/// `ρ = d₁`, the nearest nonzero distance: the nearest neighbour always has membership 1,
/// so every point is joined to the graph however sparse its region (local connectivity).
///
/// The total grows with σ, from the number of neighbours at ρ towards k − 1, so bisection
/// (doubling until the target is bracketed) finds it; `mean_distance` sets σ's floor when no
/// distance is above 0.
pub fn calibrate_membership(d: &[f64], target: f64, mean_distance: f64) -> Membership {
    let rho = d.iter().copied().find(|&v| v > 0.0).unwrap_or(0.0);
    let total_at = |sigma: f64| -> f64 {
        d.iter()
            .map(|&dj| {
                membership(
                    dj,
                    Membership {
                        rho,
                        sigma,
                        total: 0.0,
                    },
                )
            })
            .sum()
    };
    let (mut lo, mut hi, mut sigma) = (0.0, f64::INFINITY, 1.0);
    for _ in 0..CALIBRATION_STEPS {
        let total = total_at(sigma);
        if (total - target).abs() <= TOTAL_TOL * target {
            break;
        }
        if total > target {
            hi = sigma;
        } else {
            lo = sigma;
        }
        sigma = if hi.is_finite() {
            0.5 * (lo + hi)
        } else {
            2.0 * sigma
        };
        if hi.is_finite() && hi - lo <= f64::EPSILON * hi {
            break;
        }
    }
    let floor = MIN_SIGMA_SCALE
        * if rho > 0.0 {
            d.iter().sum::<f64>() / d.len() as f64
        } else {
            mean_distance
        };
    let sigma = sigma.max(floor);
    Membership {
        rho,
        sigma,
        total: total_at(sigma),
    }
}
// ANCHOR_END: calibrate

/// Points per parallel task: fixed, so the result does not depend on the thread count.
const ROWS_PER_TASK: usize = 256;

// ANCHOR: memberships
/// Every query's calibration and its memberships to its neighbours in `nb` (k − 1 of them,
/// distances squared as chapter 1's search returns them), as `(query, neighbour, weight)`
/// triplets with the zero weights left out.
pub fn memberships(
    nb: &Neighbors<f64>,
    n_neighbors: usize,
    exec: Exec,
) -> (Vec<Membership>, Vec<(usize, usize, f64)>) {
    let (n, k) = (nb.len(), nb.k);
    let target = (n_neighbors as f64).log2();
    let mean_distance =
        nb.sq_distances.iter().map(|d| d.sqrt()).sum::<f64>() / nb.sq_distances.len().max(1) as f64;
    let tasks = n.div_ceil(ROWS_PER_TASK);
    let rows: Vec<Vec<(Membership, Vec<f64>)>> = par_map(tasks, exec.threads, |t| {
        (t * ROWS_PER_TASK..((t + 1) * ROWS_PER_TASK).min(n))
            .map(|i| {
                let d: Vec<f64> = nb.sq_distances_of(i).iter().map(|d| d.sqrt()).collect();
                let m = calibrate_membership(&d, target, mean_distance);
                let w = d.iter().map(|&dj| membership(dj, m)).collect();
                (m, w)
            })
            .collect()
    });
    let mut calibration = Vec::with_capacity(n);
    let mut triplets = Vec::with_capacity(n * k);
    for (i, (m, w)) in rows.into_iter().flatten().enumerate() {
        calibration.push(m);
        triplets.extend(
            nb.indices_of(i)
                .iter()
                .zip(w)
                .filter(|&(_, w)| w > 0.0)
                .map(|(&j, w)| (i, j, w)),
        );
    }
    (calibration, triplets)
}

/// The membership of a neighbour at distance `d`: 1 up to ρ, then `exp(-(d - ρ) / σ)`.
fn membership(d: f64, m: Membership) -> f64 {
    (-(d - m.rho).max(0.0) / m.sigma).exp()
}

/// The fuzzy union of the directed memberships: `w_ij + w_ji - w_ij w_ji`, the probability
/// that at least one of the two directed edges exists when each does independently. The
/// result is symmetric, with weights in (0, 1].
pub fn fuzzy_union(n: usize, directed: &[(usize, usize, f64)]) -> Result<Csr<f64>> {
    Csr::symmetric_from_triplets(n, directed, Duplicates::FuzzyUnion)
}
// ANCHOR_END: memberships
