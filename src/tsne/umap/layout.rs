//! UMAP's output side: the map's similarity curve `1 / (1 + a d^{2b})`, the starting map,
//! and the cross-entropy minimised by sampled stochastic gradient descent.

use crate::eigen::lanczos::Lanczos;
use crate::eigen::lanczos::{Operator, Which};
use crate::error::{Error, Result};
use crate::linalg::kernels::{axpy, dot};
use crate::linalg::threads::par_chunks_mut;
use crate::linalg::{Csr, Exec, Matrix};
use crate::rand::Rng;
use crate::spectral::graph::{components, Laplacian};
use crate::spectral::{Solver, SpectralClustering, DENSE_MAX};

// ANCHOR: curve
/// Fits `a` and `b` of the map's similarity `q(d) = 1 / (1 + a d^{2b})` to the target
/// curve: 1 up to `min_dist`, then `exp(-(d - min_dist) / spread)`, by least squares on 300
/// points of `[0, 3·spread]` (as umap-learn does), with Levenberg–Marquardt from `a = b = 1`.
/// `min_dist = 0.1, spread = 1` gives `a ≈ 1.577, b ≈ 0.895`.
pub fn fit_curve(min_dist: f64, spread: f64) -> Result<(f64, f64)> {
    let xs: Vec<f64> = (0..CURVE_POINTS)
        .map(|i| 3.0 * spread * i as f64 / (CURVE_POINTS - 1) as f64)
        .collect();
    let target = |x: f64| {
        if x < min_dist {
            1.0
        } else {
            (-(x - min_dist) / spread).exp()
        }
    };
    let ys: Vec<f64> = xs.iter().map(|&x| target(x)).collect();
    let (mut a, mut b, mut damping) = (1.0, 1.0, 1e-3);
    let mut cost = curve_cost(&xs, &ys, a, b);
    for _ in 0..CURVE_STEPS {
        // The normal equations JᵀJ δ = -Jᵀr of the residuals r = q - y, damped.
        let (mut jtj, mut jtr) = ([0.0; 3], [0.0; 2]);
        for (&x, &y) in xs.iter().zip(&ys) {
            let (q, dq_da, dq_db) = curve_with_gradient(x, a, b);
            let r = q - y;
            jtj[0] += dq_da * dq_da;
            jtj[1] += dq_da * dq_db;
            jtj[2] += dq_db * dq_db;
            jtr[0] += dq_da * r;
            jtr[1] += dq_db * r;
        }
        let (m00, m11) = (jtj[0] * (1.0 + damping), jtj[2] * (1.0 + damping));
        let det = m00 * m11 - jtj[1] * jtj[1];
        let da = -(m11 * jtr[0] - jtj[1] * jtr[1]) / det;
        let db = -(m00 * jtr[1] - jtj[1] * jtr[0]) / det;
        let trial = curve_cost(&xs, &ys, a + da, b + db);
        if trial.is_finite() && trial <= cost {
            let small = da.abs() <= 1e-14 * a.abs() && db.abs() <= 1e-14 * b.abs();
            (a, b, cost) = (a + da, b + db, trial);
            damping = (damping / 10.0).max(1e-12);
            if small {
                break;
            }
        } else {
            damping *= 10.0;
            if damping > 1e12 {
                break;
            }
        }
    }
    if !(a > 0.0 && b > 0.0 && a.is_finite() && b.is_finite()) {
        return Err(Error::invalid(
            "min_dist",
            min_dist,
            format!("no curve 1 / (1 + a d^2b) fits min_dist {min_dist} and spread {spread}"),
        ));
    }
    Ok((a, b))
}

const CURVE_POINTS: usize = 300;
const CURVE_STEPS: usize = 500;

/// `q(x) = 1 / (1 + a x^{2b})` and its derivatives in a and b.
fn curve_with_gradient(x: f64, a: f64, b: f64) -> (f64, f64, f64) {
    if x == 0.0 {
        return (1.0, 0.0, 0.0);
    }
    let p = x.powf(2.0 * b);
    let q = 1.0 / (1.0 + a * p);
    (q, -p * q * q, -a * p * 2.0 * x.ln() * q * q)
}

fn curve_cost(xs: &[f64], ys: &[f64], a: f64, b: f64) -> f64 {
    xs.iter()
        .zip(ys)
        .map(|(&x, &y)| (curve_with_gradient(x, a, b).0 - y).powi(2))
        .sum()
}
// ANCHOR_END: curve

// ANCHOR: init
/// The starting map from the graph's spectrum: the eigenvectors of
/// `L_sym = I - D^{-1/2} W D^{-1/2}` for the smallest eigenvalues after the trivial one, as
/// Laplacian eigenmaps (chapter 8) would draw the graph. `None` when the graph is
/// disconnected: each component then has its own zero eigenvalue, and those eigenvectors
/// only say which component a point is in.
///
/// Small graphs are solved densely (chapter 7's solver). Large ones use chapter 2's Lanczos
/// on `B = I + D^{-1/2} W D^{-1/2} = 2I - L_sym`, whose largest eigenvalues are the wanted
/// ones, with the trivial eigenvector `D^{1/2} 1` projected out; a starting map needs only
/// a few digits (umap-learn asks ARPACK for 1e-4), so the tolerance is loose and no
/// factorisation is needed.
pub fn spectral_layout(
    graph: &Csr<f64>,
    dim: usize,
    seed: u64,
    exec: Exec,
) -> Result<Option<Matrix<f64>>> {
    let parts = components(graph);
    if parts.count > 1 {
        return Ok(None);
    }
    let n = graph.rows();
    if n <= DENSE_MAX {
        let (_, vectors) = SpectralClustering::new(dim + 1)
            .laplacian(Laplacian::Symmetric)
            .solver(Solver::Dense)
            .smallest_eigenpairs(graph, &parts, dim + 1)?;
        return Ok(Some(Matrix::from_fn(n, dim, |i, j| vectors[(i, j + 1)])));
    }
    let root_degree: Vec<f64> = graph.row_sums().iter().map(|d| d.sqrt()).collect();
    let norm = root_degree.iter().map(|v| v * v).sum::<f64>().sqrt();
    let trivial: Vec<f64> = root_degree.iter().map(|v| v / norm).collect();
    let b = Operator {
        dim: n,
        apply: |x: &[f64], y: &mut [f64]| {
            // y = P B P x with P = I - u uᵀ, u the trivial eigenvector.
            let mut px = x.to_vec();
            axpy(-dot(&trivial, x), &trivial, &mut px);
            let scaled: Vec<f64> = px.iter().zip(&root_degree).map(|(v, r)| v / r).collect();
            let w = graph
                .matvec_with(&scaled, exec)
                .unwrap_or_else(|_| vec![0.0; n]);
            for ((yi, &wi), (&pi, &ri)) in y.iter_mut().zip(&w).zip(px.iter().zip(&root_degree)) {
                *yi = pi + wi / ri;
            }
            let c = dot(&trivial, y);
            axpy(-c, &trivial, y);
        },
    };
    let fit = Lanczos::new(dim)
        .which(Which::Largest)
        .tol(SPECTRAL_TOL)
        .check_multiplicity(false)
        .seed(seed)
        .threads(exec.threads)
        .solve(&b)?;
    Ok(Some(fit.vectors))
}

/// The starting map's eigenvectors are wanted to this relative residual.
const SPECTRAL_TOL: f64 = 1e-6;

/// Scales a starting map so that its largest coordinate is 10, adds N(0, 10⁻⁴) noise (so
/// that no two points coincide), and rescales each axis to [0, 10], as umap-learn does.
pub fn scale_layout(mut y: Matrix<f64>, rng: &mut Rng) -> Matrix<f64> {
    let largest = y.as_slice().iter().fold(0.0f64, |m, v| m.max(v.abs()));
    let expansion = if largest > 0.0 { 10.0 / largest } else { 1.0 };
    for v in y.as_mut_slice() {
        *v = *v * expansion + 1e-4 * rng.normal();
    }
    for j in 0..y.cols() {
        let column = y.column(j);
        let lo = column.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = column.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let width = if hi > lo { hi - lo } else { 1.0 };
        for i in 0..y.rows() {
            y[(i, j)] = 10.0 * (y[(i, j)] - lo) / width;
        }
    }
    y
}
// ANCHOR_END: init

/// The settings of the descent.
#[derive(Clone, Copy, Debug)]
pub struct Sgd {
    pub a: f64,
    pub b: f64,
    /// The weight of repulsion against attraction (umap-learn's `repulsion_strength`).
    pub gamma: f64,
    /// Negative samples per positive one.
    pub negative_rate: usize,
    /// The step size at the first epoch; it falls linearly to 0 at the last.
    pub initial_alpha: f64,
    pub n_epochs: usize,
}

/// Gradients are clipped to this size per coordinate (umap-learn's `clip`): one bad pair
/// cannot throw a point across the map.
const CLIP: f64 = 4.0;

// ANCHOR: sgd
/// Minimises the cross-entropy between the graph's weights `w_ij` and the map's
/// similarities `q_ij = 1 / (1 + a ‖yᵢ - yⱼ‖^{2b})` by stochastic gradient descent with
/// edge sampling: in `n_epochs` epochs an edge is sampled `n_epochs · w_ij / max w` times,
/// so that its attraction `-w_ij log q_ij` is followed in proportion to its weight, and
/// each sample is followed by `negative_rate` repulsions `-log(1 - q_ik)` from uniformly
/// drawn points k (negative sampling), which stand for all the pairs with `w_ik ≈ 0`.
///
/// `graph`'s rows are the points of `y` (heads); its columns are the points of `fixed`
/// when given (the training map, for [`super::FittedUmap::transform`]), else of `y`
/// itself. Each head moves only itself: the graph is symmetric, so the pull along an edge
/// reaches both ends, each from its own row (with twice the step, as each end would get
/// from the two directed samples; once against a fixed map). Within an epoch a head reads every other point where it
/// was when the epoch began, and each block of heads draws its negatives from its own
/// generator, so blocks are independent: they are shared out over threads, and the map is the same bits for any
/// thread count (umap-learn's threads instead race on shared positions).
pub fn optimize_layout(
    y: &mut Matrix<f64>,
    fixed: Option<&Matrix<f64>>,
    graph: &Csr<f64>,
    sgd: Sgd,
    seed: u64,
    exec: Exec,
) -> Result<()> {
    let dim = y.cols();
    let n_tails = fixed.map_or(y.rows(), |f| f.rows()) as u64;
    let largest = largest_weight(graph);
    let blocks = y.rows().div_ceil(ROWS_PER_TASK);
    // In one map each edge is stored both ways, and the cost's gradient at yᵢ has both
    // terms; against a fixed map only the new point's own term exists.
    let pull = if fixed.is_none() { 2.0 } else { 1.0 };
    let mut seeds = Rng::seed_from_u64(seed);
    for epoch in 1..=sgd.n_epochs {
        let alpha = sgd.initial_alpha * (1.0 - (epoch - 1) as f64 / sgd.n_epochs as f64);
        let start = fixed.is_none().then(|| y.clone());
        let tails = fixed
            .or(start.as_ref())
            .expect("a fixed map or the epoch's start");
        // Each block of heads draws its negatives from its own generator, seeded in block
        // order from one stream, so no draw depends on which thread runs the block.
        let block_seeds: Vec<u64> = (0..blocks).map(|_| seeds.next_u64()).collect();
        par_chunks_mut(
            y.as_mut_slice(),
            ROWS_PER_TASK * dim,
            exec.threads,
            |b, rows| {
                let mut push = vec![0.0; dim];
                let mut rng = Rng::seed_from_u64(block_seeds[b]);
                for (r, head) in rows.chunks_exact_mut(dim).enumerate() {
                    let i = b * ROWS_PER_TASK + r;
                    let (cols, vals) = graph.row(i);
                    for (&j, &w) in cols.iter().zip(vals) {
                        if !sampled_at(epoch, w / largest) {
                            continue;
                        }
                        attract(head, tails.row(j), &sgd, pull * alpha);
                        let own = fixed.is_none().then_some(i);
                        repel(head, tails, own, n_tails, &sgd, &mut rng, &mut push);
                        for (v, p) in head.iter_mut().zip(&push) {
                            *v += alpha * p;
                        }
                    }
                }
            },
        );
        check_finite(y, epoch)?;
    }
    Ok(())
}

/// Heads per parallel task: fixed, so that no result depends on the thread count.
const ROWS_PER_TASK: usize = 256;

/// Whether an edge sampled at `rate` (its weight over the largest, in (0, 1]) is due at
/// `epoch`: its sample count `⌊epoch · rate⌋` has just gone up, so over n epochs it is
/// sampled `⌊n · rate⌋` times, evenly spread.
fn sampled_at(epoch: usize, rate: f64) -> bool {
    (epoch as f64 * rate).floor() > ((epoch - 1) as f64 * rate).floor()
}

/// One sample of an edge: the gradient of `-log q_ij` pulls the head towards its tail, by
/// `step` times the clipped gradient.
fn attract(head: &mut [f64], tail: &[f64], sgd: &Sgd, step: f64) {
    let d2: f64 = head.iter().zip(tail).map(|(a, b)| (a - b) * (a - b)).sum();
    if d2 <= 0.0 {
        return;
    }
    let p = power(d2, sgd.b);
    let coeff = -2.0 * sgd.a * sgd.b * p / d2 / (sgd.a * p + 1.0);
    for (h, &t) in head.iter_mut().zip(tail) {
        *h += (coeff * (*h - t)).clamp(-CLIP, CLIP) * step;
    }
}

/// Negative samples: the gradient of `-log(1 - q_ik)` pushing the head away from
/// `negative_rate` uniformly drawn tails k, summed into `push`. All are measured from the
/// same head position, so their costly powers do not wait on one another. The head itself
/// (`own`, its row among the tails when they are the same map) and a point at the same
/// place push nothing.
fn repel(
    head: &[f64],
    tails: &Matrix<f64>,
    own: Option<usize>,
    n_tails: u64,
    sgd: &Sgd,
    rng: &mut Rng,
    push: &mut [f64],
) {
    push.fill(0.0);
    for _ in 0..sgd.negative_rate {
        // n_tails ≥ 1: the graph has an edge to a tail.
        let k = rng.below(n_tails).unwrap_or(0) as usize;
        if own == Some(k) {
            continue;
        }
        let tail = tails.row(k);
        let d2: f64 = head.iter().zip(tail).map(|(a, b)| (a - b) * (a - b)).sum();
        if d2 <= 0.0 {
            continue;
        }
        let coeff = 2.0 * sgd.gamma * sgd.b / ((1e-3 + d2) * (sgd.a * power(d2, sgd.b) + 1.0));
        for ((p, &h), &t) in push.iter_mut().zip(head).zip(tail) {
            *p += (coeff * (h - t)).clamp(-CLIP, CLIP);
        }
    }
}

// ANCHOR_END: sgd

/// `d²ᵇ` from the squared distance, in single precision: a step's size needs no more, and
/// `f32::powf` costs about half of `f64::powf`, which was most of the descent's time
/// (umap-learn works in single precision throughout).
fn power(d2: f64, b: f64) -> f64 {
    f64::from((d2 as f32).powf(b as f32))
}

/// The largest weight of a graph.
fn largest_weight(graph: &Csr<f64>) -> f64 {
    (0..graph.rows())
        .flat_map(|i| graph.row(i).1.iter().copied())
        .fold(0.0f64, f64::max)
}

fn check_finite(y: &Matrix<f64>, epoch: usize) -> Result<()> {
    match y.as_slice().iter().find(|v| !v.is_finite()) {
        None => Ok(()),
        Some(&value) => Err(Error::Diverged {
            what: "the UMAP embedding".into(),
            iteration: epoch,
            value,
        }),
    }
}

/// Drops the weights below `max w / n_epochs`: they would be sampled less than once.
pub fn prune(graph: &Csr<f64>, n_epochs: usize) -> Result<Csr<f64>> {
    let largest = largest_weight(graph);
    let threshold = largest / n_epochs.max(1) as f64;
    let kept: Vec<(usize, usize, f64)> = (0..graph.rows())
        .flat_map(|i| {
            let (cols, vals) = graph.row(i);
            cols.iter()
                .zip(vals)
                .filter(move |(_, &w)| w >= threshold && w > 0.0)
                .map(move |(&j, &w)| (i, j, w))
        })
        .collect();
    Csr::from_triplets(graph.rows(), graph.cols(), &kept)
}
