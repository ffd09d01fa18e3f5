//! # Chapter 9 · SNE and t-SNE
//!
//! Lecture: stochastic neighbour embedding and t-SNE, as taught in the clustering/PCA/SNE
//! lecture · book `09-tsne.md` · tests `tests/tsne.rs` · bench `benches/tsne.rs`
//!
//! Each point i gets a distribution over its neighbours, `p_{j|i} ∝ exp(-‖xᵢ - xⱼ‖² / 2σᵢ²)`,
//! with σᵢ set so that the distribution's perplexity `2^H(Pᵢ)` is the same for every point.
//! The map points `yᵢ` are then moved to make the map's neighbour distribution Q match P:
//! 1. [`calibrate_perplexity`]: the binary search for `βᵢ = 1 / 2σᵢ²`, row by row;
//! 2. [`conditional_probabilities`] (dense) or [`sparse_conditional_probabilities`] (the
//!    3·perplexity nearest neighbours, for Barnes–Hut); [`joint_probabilities`] symmetrises
//!    them into `pᵢⱼ = (p_{j|i} + p_{i|j}) / 2n`;
//! 3. the cost and its gradient: [`sne_gradient`] (Hinton and Roweis 2002: Gaussian Q,
//!    conditional), [`exact_gradient`] (van der Maaten and Hinton 2008: Student-t Q, joint)
//!    or [`barnes_hut_gradient`] (van der Maaten 2014: sparse P, quadtree for the repulsion);
//! 4. [`gradient_step`]: momentum and per-parameter gains, with early exaggeration of P for
//!    the first iterations.
//!
//! Cost per iteration: O(n²) for SNE and exact t-SNE, O(n log n) for Barnes–Hut.

mod quadtree;

pub use quadtree::{QuadTree, Repulsion};

use crate::error::{Error, Result};
use crate::linalg::distance::pairwise_sq_dists_self;
use crate::linalg::kernels::sq_dists_with;
use crate::linalg::sparse::{Csr, Duplicates};
use crate::linalg::threads::par_chunks_mut;
use crate::linalg::{knn_self, Exec, Matrix};
use crate::pca::Pca;
use crate::rand::Rng;
use std::time::Instant;

/// Which cost, and how its gradient is computed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    /// SNE: conditional P and a Gaussian Q, all pairs. The crowding problem, on purpose.
    Sne,
    /// t-SNE with every pair: O(n²) per iteration, the reference for Barnes–Hut.
    Exact,
    /// t-SNE with sparse P and the quadtree (2-D maps only): O(n log n) per iteration.
    BarnesHut,
}

/// Where the map points start.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Init {
    /// The first principal components, scaled to standard deviation 1e-4 in the first
    /// (as openTSNE and scikit-learn do): global structure from the start, and reproducible.
    Pca,
    /// Independent N(0, 1e-4²) coordinates (van der Maaten and Hinton 2008).
    Random,
}

/// t-SNE (and SNE). Hyperparameters only; [`Tsne::fit`] validates them.
#[derive(Clone, Debug)]
pub struct Tsne {
    n_components: usize,
    perplexity: f64,
    method: Method,
    theta: f64,
    max_iter: usize,
    early_exaggeration: f64,
    exaggeration_iter: usize,
    learning_rate: Option<f64>,
    init: Init,
    min_grad_norm: f64,
    log_every: usize,
    verbose: bool,
    exec: Exec,
    seed: u64,
}

/// The KL divergence at one iteration, and the time spent until then.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct KlPoint {
    pub iteration: usize,
    pub kl: f64,
    pub seconds: f64,
}

/// What t-SNE found.
#[derive(Clone, Debug, PartialEq)]
pub struct FittedTsne {
    /// n x n_components map points.
    pub embedding: Matrix<f64>,
    /// The final cost: `KL(P ‖ Q)` (SNE: `Σᵢ KL(Pᵢ ‖ Qᵢ)`), without exaggeration.
    pub kl: f64,
    /// The cost every `log_every` iterations and at the end.
    pub trace: Vec<KlPoint>,
    /// Iterations run.
    pub n_iter: usize,
    /// Whether the gradient norm fell below `min_grad_norm` before `max_iter`.
    pub converged: bool,
    /// The learning rate used (the automatic one unless set).
    pub learning_rate: f64,
    /// The iteration at which early exaggeration ended (0 for SNE).
    pub exaggeration_end: usize,
}

impl Default for Tsne {
    fn default() -> Self {
        Tsne {
            n_components: 2,
            perplexity: 30.0,
            method: Method::BarnesHut,
            theta: 0.5,
            max_iter: 1000,
            early_exaggeration: 12.0,
            exaggeration_iter: 250,
            learning_rate: None,
            init: Init::Pca,
            min_grad_norm: 1e-7,
            log_every: 50,
            verbose: false,
            exec: Exec::default(),
            seed: 0,
        }
    }
}

impl Tsne {
    /// Barnes–Hut t-SNE to 2 dimensions, perplexity 30, θ = 0.5, 1,000 iterations, early
    /// exaggeration 12 for 250 iterations, automatic learning rate, PCA initialisation.
    pub fn new() -> Self {
        Tsne::default()
    }
    pub fn n_components(mut self, d: usize) -> Self {
        self.n_components = d;
        self
    }
    /// The effective number of neighbours each point's distribution spreads over.
    pub fn perplexity(mut self, perplexity: f64) -> Self {
        self.perplexity = perplexity;
        self
    }
    pub fn method(mut self, method: Method) -> Self {
        self.method = method;
        self
    }
    /// Barnes–Hut's accuracy knob: 0 is exact, larger is faster and rougher.
    pub fn theta(mut self, theta: f64) -> Self {
        self.theta = theta;
        self
    }
    pub fn max_iter(mut self, max_iter: usize) -> Self {
        self.max_iter = max_iter;
        self
    }
    /// The factor P is multiplied by for the first `exaggeration_iter` iterations.
    pub fn early_exaggeration(mut self, factor: f64) -> Self {
        self.early_exaggeration = factor;
        self
    }
    pub fn exaggeration_iter(mut self, iterations: usize) -> Self {
        self.exaggeration_iter = iterations;
        self
    }
    /// A fixed learning rate instead of `max(n / early_exaggeration / 4, 50)`.
    pub fn learning_rate(mut self, rate: f64) -> Self {
        self.learning_rate = Some(rate);
        self
    }
    pub fn init(mut self, init: Init) -> Self {
        self.init = init;
        self
    }
    /// Stop (converged) once the gradient norm is below this, after early exaggeration.
    pub fn min_grad_norm(mut self, norm: f64) -> Self {
        self.min_grad_norm = norm;
        self
    }
    /// Record the KL divergence every this many iterations (and print it when verbose).
    pub fn log_every(mut self, iterations: usize) -> Self {
        self.log_every = iterations;
        self
    }
    /// Print iteration, KL and elapsed time on stderr at each log point.
    pub fn verbose(mut self, yes: bool) -> Self {
        self.verbose = yes;
        self
    }
    /// Threads for the gradient (default: all); the result is the same for any count.
    pub fn threads(mut self, threads: usize) -> Self {
        self.exec = self.exec.with_threads(threads);
        self
    }
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    fn validate(&self, x: &Matrix<f64>) -> Result<()> {
        let n = x.rows();
        if n < 4 || x.cols() == 0 {
            return Err(Error::invalid(
                "x",
                format!("{n} x {}", x.cols()),
                "t-SNE needs at least 4 points and 1 column",
            ));
        }
        x.check_finite("t-SNE input")?;
        if !(self.perplexity > 0.0 && self.perplexity < n as f64) {
            return Err(Error::invalid(
                "perplexity",
                self.perplexity,
                format!("must be above 0 and below the number of points ({n})"),
            ));
        }
        if self.n_components == 0 || self.n_components > MAX_COMPONENTS {
            return Err(Error::invalid(
                "n_components",
                self.n_components,
                format!("a map has 1 to {MAX_COMPONENTS} dimensions"),
            ));
        }
        if self.method == Method::BarnesHut && self.n_components != 2 {
            return Err(Error::invalid(
                "n_components",
                self.n_components,
                "Barnes–Hut builds a quadtree, so it maps to 2 dimensions; use Method::Exact",
            ));
        }
        if !(self.theta >= 0.0 && self.theta.is_finite()) {
            return Err(Error::invalid("theta", self.theta, "must be a number >= 0"));
        }
        if let Some(rate) = self.learning_rate {
            if !(rate > 0.0 && rate.is_finite()) {
                return Err(Error::invalid("learning_rate", rate, "must be above 0"));
            }
        }
        if !(self.early_exaggeration >= 1.0 && self.early_exaggeration.is_finite()) {
            return Err(Error::invalid(
                "early_exaggeration",
                self.early_exaggeration,
                "must be at least 1",
            ));
        }
        if self.log_every == 0 {
            return Err(Error::invalid("log_every", 0, "must be at least 1"));
        }
        Ok(())
    }

    // ANCHOR: fit
    /// Embeds the rows of `x`.
    pub fn fit(&self, x: &Matrix<f64>) -> Result<FittedTsne> {
        self.validate(x)?;
        let started = Instant::now();
        let exec = self.exec;
        let n = x.rows();
        let p = match self.method {
            Method::Sne => {
                let p = conditional_probabilities(x, self.perplexity, exec)?;
                let sym = p.add(&p.transpose())?;
                Affinities::Conditional(p, sym)
            }
            Method::Exact => Affinities::Dense(dense_joint(&conditional_probabilities(
                x,
                self.perplexity,
                exec,
            )?)),
            Method::BarnesHut => Affinities::Sparse(joint_probabilities(
                &sparse_conditional_probabilities(x, self.perplexity, exec)?,
            )?),
        };
        // SNE's conditional rows each sum to 1; exaggerating them is not part of that method.
        let (exaggeration, exaggeration_end) = match self.method {
            Method::Sne => (1.0, 0),
            _ => (
                self.early_exaggeration,
                self.exaggeration_iter.min(self.max_iter),
            ),
        };
        let learning_rate = self.learning_rate.unwrap_or(match self.method {
            // SNE's rows each sum to 1, so its gradient is about n times t-SNE's.
            Method::Sne => SNE_LEARNING_RATE,
            _ => (n as f64 / exaggeration / 4.0).max(50.0),
        });
        let mut y = self.initial_embedding(x)?;
        let mut state = Momentum::new(y.as_slice().len());
        let mut grad = vec![0.0; y.as_slice().len()];
        let mut trace = Vec::new();
        let (mut kl, mut n_iter, mut converged) = (f64::NAN, 0, false);
        for it in 0..self.max_iter {
            let exaggerating = it < exaggeration_end;
            let log_now = (it + 1) % self.log_every == 0 || it + 1 == self.max_iter;
            let cost = match &p {
                Affinities::Conditional(p, sym) => {
                    sne_gradient(p, sym, &y, log_now, &mut grad, exec)?
                }
                Affinities::Dense(p) => {
                    let alpha = if exaggerating { exaggeration } else { 1.0 };
                    exact_gradient(p, &y, alpha, log_now, &mut grad, exec)?
                }
                Affinities::Sparse(p) => {
                    let alpha = if exaggerating { exaggeration } else { 1.0 };
                    barnes_hut_gradient(p, &y, alpha, self.theta, log_now, &mut grad, exec)?
                }
            };
            check_finite(&grad, "the gradient", it + 1)?;
            let momentum = if exaggerating { 0.5 } else { 0.8 };
            gradient_step(y.as_mut_slice(), &grad, &mut state, momentum, learning_rate);
            center(&mut y)?;
            check_finite(y.as_slice(), "the embedding", it + 1)?;
            n_iter = it + 1;
            if log_now {
                kl = cost.ok_or_else(|| Error::invalid("cost", "missing", "internal"))?;
                check_finite(&[kl], "the KL divergence", n_iter)?;
                let seconds = started.elapsed().as_secs_f64();
                trace.push(KlPoint {
                    iteration: n_iter,
                    kl,
                    seconds,
                });
                if self.verbose {
                    eprintln!("t-SNE: iteration {n_iter:>5}, KL {kl:.4}, {seconds:.2} s");
                }
            }
            let norm = grad.iter().map(|g| g * g).sum::<f64>().sqrt();
            if !exaggerating && norm < self.min_grad_norm {
                converged = true;
                break;
            }
        }
        if trace.last().is_none_or(|t| t.iteration != n_iter) {
            // Stopped early: one more gradient pass for the final cost.
            let cost = match &p {
                Affinities::Conditional(p, sym) => sne_gradient(p, sym, &y, true, &mut grad, exec)?,
                Affinities::Dense(p) => exact_gradient(p, &y, 1.0, true, &mut grad, exec)?,
                Affinities::Sparse(p) => {
                    barnes_hut_gradient(p, &y, 1.0, self.theta, true, &mut grad, exec)?
                }
            };
            kl = cost.unwrap_or(f64::NAN);
            trace.push(KlPoint {
                iteration: n_iter,
                kl,
                seconds: started.elapsed().as_secs_f64(),
            });
        }
        Ok(FittedTsne {
            embedding: y,
            kl,
            trace,
            n_iter,
            converged,
            learning_rate,
            exaggeration_end,
        })
    }
    // ANCHOR_END: fit

    // ANCHOR: init
    /// The starting map: PCA scaled to standard deviation 1e-4 along the first component,
    /// or N(0, 1e-4²) noise.
    fn initial_embedding(&self, x: &Matrix<f64>) -> Result<Matrix<f64>> {
        let (n, d) = (x.rows(), self.n_components);
        if self.init == Init::Pca && d <= x.cols() {
            let pca = Pca::new().n_components(d).seed(self.seed).fit(x)?;
            let mut y = pca.transform(x)?;
            let first = y.column(0);
            let sd = (first.iter().map(|v| v * v).sum::<f64>() / n as f64).sqrt();
            if sd > 0.0 {
                return Ok(y.scale(1e-4 / sd));
            }
            y.as_mut_slice().fill(0.0);
        }
        let mut rng = Rng::seed_from_u64(self.seed);
        Ok(Matrix::from_fn(n, d, |_, _| 1e-4 * rng.normal()))
    }
    // ANCHOR_END: init
}

/// SNE's default step: its attraction acts like springs of stiffness about 4 (each point's
/// p_{j|i} + p_{i|j} sum to about 2), and descent on such springs is stable below 2 / 4;
/// 0.1 leaves room for the gains to grow.
const SNE_LEARNING_RATE: f64 = 0.1;

/// The input similarities in the form each method needs.
enum Affinities {
    /// P and P + Pᵀ.
    Conditional(Matrix<f64>, Matrix<f64>),
    Dense(Matrix<f64>),
    Sparse(Csr<f64>),
}

fn check_finite(values: &[f64], what: &'static str, iteration: usize) -> Result<()> {
    if values.iter().all(|v| v.is_finite()) {
        Ok(())
    } else {
        Err(Error::Diverged { what, iteration })
    }
}

// ---------------------------------------------------------------- P: the input side

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

/// Rows per parallel task, fixed so that results do not depend on the thread count.
const ROWS_PER_TASK: usize = 64;

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

// ---------------------------------------------------------------- the gradients

/// Maps have at most this many dimensions (t-SNE is for looking at; scikit-learn's
/// Barnes–Hut has the same limit), so per-row sums fit in fixed arrays.
pub const MAX_COMPONENTS: usize = 3;

/// Per-row partial sums of a gradient pass: the attraction, the repulsion, the row's share
/// of the normalisation Z and of the cost.
#[derive(Clone, Copy, Default)]
struct RowSums {
    attract: [f64; MAX_COMPONENTS],
    repel: [f64; MAX_COMPONENTS],
    z: f64,
    cost: f64,
}

// ANCHOR: exact_gradient
/// The t-SNE gradient over all pairs, with P multiplied by `exaggeration`:
///
/// `∂C/∂yᵢ = 4 Σⱼ (α pᵢⱼ - qᵢⱼ) wᵢⱼ (yᵢ - yⱼ)`, `wᵢⱼ = (1 + ‖yᵢ - yⱼ‖²)⁻¹`, `qᵢⱼ = wᵢⱼ / Z`.
///
/// Written as attraction minus repulsion, `4 (α Σⱼ pᵢⱼ wᵢⱼ (yᵢ - yⱼ) - Σⱼ wᵢⱼ² (yᵢ - yⱼ) / Z)`,
/// one pass over the pairs gives both and Z. Returns `KL(P ‖ Q)` (of the unexaggerated P).
pub fn exact_gradient(
    p: &Matrix<f64>,
    y: &Matrix<f64>,
    exaggeration: f64,
    want_cost: bool,
    grad: &mut [f64],
    exec: Exec,
) -> Result<Option<f64>> {
    check_gradient_shapes(p.rows(), p.cols(), y, grad)?;
    let (n, dim) = y.shape();
    let rows = per_row(n, exec, |i| {
        let yi = y.row(i);
        let d2 = map_sq_dists(y, i, exec);
        let mut s = RowSums::default();
        for (j, (&pij, &d2)) in p.row(i).iter().zip(&d2).enumerate() {
            if j == i {
                continue;
            }
            let yj = y.row(j);
            let w = 1.0 / (1.0 + d2);
            s.z += w;
            for a in 0..dim {
                let diff = yi[a] - yj[a];
                s.attract[a] += pij * w * diff;
                s.repel[a] += w * w * diff;
            }
            if want_cost && pij > 0.0 {
                s.cost += pij * (pij / w).ln();
            }
        }
        s
    });
    let cost = combine(&rows, exaggeration, grad);
    Ok(want_cost.then_some(cost))
}
// ANCHOR_END: exact_gradient

/// `grad = 4 (α·attract - repel / Z)` row by row; returns `Σ p log(p / w) + log Z`, the KL
/// divergence when P sums to 1 (`log qᵢⱼ = log wᵢⱼ - log Z`).
fn combine(rows: &[RowSums], exaggeration: f64, grad: &mut [f64]) -> f64 {
    // Summed in row order on this thread: the same Z for any thread count.
    let z: f64 = rows.iter().map(|r| r.z).sum();
    let dim = grad.len() / rows.len().max(1);
    for (g, r) in grad.chunks_exact_mut(dim).zip(rows) {
        for ((ga, at), re) in g.iter_mut().zip(&r.attract).zip(&r.repel) {
            *ga = 4.0 * (exaggeration * at - re / z);
        }
    }
    rows.iter().map(|r| r.cost).sum::<f64>() + z.ln()
}

/// `f(i)` for every row, on `exec.threads` threads in fixed blocks, returned in row order.
fn per_row<R: Send>(n: usize, exec: Exec, f: impl Fn(usize) -> R + Sync) -> Vec<R> {
    let blocks = crate::linalg::threads::par_map(n.div_ceil(ROWS_PER_TASK), exec.threads, |b| {
        (b * ROWS_PER_TASK..((b + 1) * ROWS_PER_TASK).min(n))
            .map(&f)
            .collect::<Vec<R>>()
    });
    blocks.into_iter().flatten().collect()
}

/// `‖yᵢ - yⱼ‖²` for every j: one dispatched kernel call for the whole row.
fn map_sq_dists(y: &Matrix<f64>, i: usize, exec: Exec) -> Vec<f64> {
    let mut d = vec![0.0; y.rows()];
    sq_dists_with(exec.isa, y.row(i), y.as_slice(), &mut d);
    d
}

fn check_gradient_shapes(
    p_rows: usize,
    p_cols: usize,
    y: &Matrix<f64>,
    grad: &[f64],
) -> Result<()> {
    if p_rows != y.rows() || p_cols != y.rows() {
        return Err(Error::ShapeMismatch {
            op: "t-SNE gradient (P against the map points)",
            left: (p_rows, p_cols),
            right: y.shape(),
        });
    }
    if grad.len() != y.as_slice().len() {
        return Err(Error::BadLength {
            what: "gradient buffer (one entry per map coordinate)",
            expected: y.as_slice().len(),
            actual: grad.len(),
        });
    }
    Ok(())
}

// ANCHOR: sne_gradient
/// SNE's gradient (Hinton and Roweis 2002) for conditional `P[i][j] = p_{j|i}` and the
/// Gaussian map distribution `q_{j|i} = exp(-‖yᵢ - yⱼ‖²) / Zᵢ`:
///
/// `∂C/∂yᵢ = 2 Σⱼ (p_{j|i} - q_{j|i} + p_{i|j} - q_{i|j}) (yᵢ - yⱼ)`.
///
/// `p_sym` is `P + Pᵀ` (fixed, so computed once by the caller); `q_{j|i} + q_{i|j}` is
/// `exp(-dᵢⱼ) (1/Zᵢ + 1/Zⱼ)` because the map distances are symmetric, so only the
/// normalisers need a first pass. Returns the cost `Σᵢ KL(Pᵢ ‖ Qᵢ)`.
pub fn sne_gradient(
    p: &Matrix<f64>,
    p_sym: &Matrix<f64>,
    y: &Matrix<f64>,
    want_cost: bool,
    grad: &mut [f64],
    exec: Exec,
) -> Result<Option<f64>> {
    check_gradient_shapes(p.rows(), p.cols(), y, grad)?;
    check_gradient_shapes(p_sym.rows(), p_sym.cols(), y, grad)?;
    let (n, dim) = y.shape();
    // Pass 1: log Zᵢ = log Σ_{k≠i} exp(-dᵢₖ), shifted by the nearest so nothing underflows,
    // and row i's share of the cost, Σⱼ p_{j|i} (log p_{j|i} + dᵢⱼ + log Zᵢ).
    let rows = per_row(n, exec, |i| {
        let d = map_sq_dists(y, i, exec);
        let others = || {
            d.iter()
                .enumerate()
                .filter(|&(j, _)| j != i)
                .map(|(_, &v)| v)
        };
        let d_min = others().fold(f64::INFINITY, f64::min);
        let z: f64 = others().map(|v| (d_min - v).exp()).sum();
        let log_z = z.ln() - d_min;
        let mut cost = 0.0;
        if want_cost {
            for (j, (&pji, &dj)) in p.row(i).iter().zip(&d).enumerate() {
                if j != i && pji > 0.0 {
                    cost += pji * (pji.ln() + dj + log_z);
                }
            }
        }
        (log_z, cost)
    });
    // Pass 2: the gradient, row by row.
    let grads = per_row(n, exec, |i| {
        let yi = y.row(i);
        let d = map_sq_dists(y, i, exec);
        let log_zi = rows[i].0;
        let mut g = [0.0; MAX_COMPONENTS];
        for (j, (&sij, &dj)) in p_sym.row(i).iter().zip(&d).enumerate() {
            if j == i {
                continue;
            }
            let m = sij - (-dj - log_zi).exp() - (-dj - rows[j].0).exp();
            for (a, ga) in g.iter_mut().take(dim).enumerate() {
                *ga += 2.0 * m * (yi[a] - y[(j, a)]);
            }
        }
        g
    });
    for (out, g) in grad.chunks_exact_mut(dim).zip(grads) {
        out.copy_from_slice(&g[..dim]);
    }
    Ok(want_cost.then(|| rows.iter().map(|(_, c)| c).sum()))
}
// ANCHOR_END: sne_gradient

/// Tree positions per parallel task in the Barnes–Hut pass.
const POINTS_PER_TASK: usize = 256;

// ANCHOR: barnes_hut
/// The t-SNE gradient of van der Maaten (2014): the attraction over the sparse P exactly,
/// the repulsion and Z from the quadtree with accuracy `theta` (0 is exact). The cost is
/// computed only when `want_cost` (it needs a logarithm per entry of P), with the tree's
/// estimate of Z.
pub fn barnes_hut_gradient(
    p: &Csr<f64>,
    y: &Matrix<f64>,
    exaggeration: f64,
    theta: f64,
    want_cost: bool,
    grad: &mut [f64],
    exec: Exec,
) -> Result<Option<f64>> {
    check_gradient_shapes(p.rows(), p.cols(), y, grad)?;
    if y.cols() != 2 {
        return Err(Error::invalid(
            "map dimensions",
            y.cols(),
            "Barnes–Hut needs 2",
        ));
    }
    let n = y.rows();
    let tree = QuadTree::new(y.as_slice());
    // Walk the points in tree order (neighbours share cells, so the walk stays in cache);
    // each point's sums depend only on the tree, never on who computed them.
    let mut sums = vec![RowSums::default(); n];
    par_chunks_mut(&mut sums, POINTS_PER_TASK, exec.threads, |b, chunk| {
        let mut stack = Vec::with_capacity(64);
        for (s, out) in chunk.iter_mut().enumerate() {
            let t = b * POINTS_PER_TASK + s;
            let i = tree.original(t);
            let rep = tree.repulsion(t, theta, &mut stack);
            let yi = tree.point(t);
            let (cols, vals) = p.row(i);
            let (mut ax, mut ay, mut cost) = (0.0, 0.0, 0.0);
            for (&j, &pij) in cols.iter().zip(vals) {
                let (dx, dy) = (yi[0] - y[(j, 0)], yi[1] - y[(j, 1)]);
                let w = 1.0 / (1.0 + dx * dx + dy * dy);
                ax += pij * w * dx;
                ay += pij * w * dy;
                if want_cost && pij > 0.0 {
                    cost += pij * (pij / w).ln();
                }
            }
            *out = RowSums {
                attract: [ax, ay, 0.0],
                repel: [rep.force[0], rep.force[1], 0.0],
                z: rep.z,
                cost,
            };
        }
    });
    // Back to the original order, then one reduction in that order.
    let mut rows = vec![RowSums::default(); n];
    for (t, s) in sums.into_iter().enumerate() {
        rows[tree.original(t)] = s;
    }
    let cost = combine(&rows, exaggeration, grad);
    Ok(want_cost.then_some(cost))
}
// ANCHOR_END: barnes_hut

// ---------------------------------------------------------------- the optimiser

/// The optimiser's memory: the last update of each coordinate and its gain.
#[derive(Clone, Debug)]
pub struct Momentum {
    pub update: Vec<f64>,
    pub gains: Vec<f64>,
}

impl Momentum {
    pub fn new(len: usize) -> Momentum {
        Momentum {
            update: vec![0.0; len],
            gains: vec![1.0; len],
        }
    }
}

/// Gains never fall below this, so no coordinate freezes.
const MIN_GAIN: f64 = 0.01;

// ANCHOR: gradient_step
/// One step of gradient descent with momentum and adaptive gains (Jacobs 1988, as in
/// van der Maaten's implementation): a coordinate whose gradient keeps its sign against the
/// last update (still heading downhill) gets a larger gain (+0.2); one whose gradient flips
/// gets a smaller one (×0.8).
pub fn gradient_step(
    y: &mut [f64],
    grad: &[f64],
    state: &mut Momentum,
    momentum: f64,
    learning_rate: f64,
) {
    for (((yv, &g), u), gain) in y
        .iter_mut()
        .zip(grad)
        .zip(&mut state.update)
        .zip(&mut state.gains)
    {
        *gain = if (g > 0.0) != (*u > 0.0) {
            *gain + 0.2
        } else {
            (*gain * 0.8).max(MIN_GAIN)
        };
        *u = momentum * *u - learning_rate * *gain * g;
        *yv += *u;
    }
}
// ANCHOR_END: gradient_step

/// Moves the map's mean to the origin (the cost does not see translations; this keeps the
/// numbers small).
fn center(y: &mut Matrix<f64>) -> Result<()> {
    let mean = y.column_means()?;
    for i in 0..y.rows() {
        y.row_mut(i)
            .iter_mut()
            .zip(&mean)
            .for_each(|(v, m)| *v -= m);
    }
    Ok(())
}
