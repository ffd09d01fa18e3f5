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
//!
//! ```
//! use unsupervised::tsne::calibrate_perplexity;
//! // Four neighbours at one distance: P is uniform for any σ, and its perplexity is 4.
//! let row = calibrate_perplexity(&[1.0, 1.0, 1.0, 1.0], 4.0);
//! assert!(row.p.iter().all(|&p| (p - 0.25).abs() < 1e-15));
//! assert!((row.perplexity - 4.0).abs() < 1e-12);
//! ```

mod affinities;
mod gradient;
mod quadtree;
pub mod umap;

pub use affinities::{
    calibrate_perplexity, conditional_probabilities, dense_joint, joint_probabilities,
    sparse_conditional_probabilities, Calibrated,
};
pub use gradient::{
    barnes_hut_gradient, exact_gradient, gradient_step, sne_gradient, Momentum, MAX_COMPONENTS,
};
pub use quadtree::{QuadTree, Repulsion};

use crate::error::{Error, Result, MAX_ITERATIONS};
use crate::linalg::sparse::Csr;
use crate::linalg::{Exec, Matrix};
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

impl KlPoint {
    /// The cost after `iteration` steps, timed from `started`.
    fn at(iteration: usize, kl: f64, started: Instant) -> KlPoint {
        KlPoint {
            iteration,
            kl,
            seconds: started.elapsed().as_secs_f64(),
        }
    }
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
                "data",
                format!("{n} x {}", x.cols()),
                format!(
                    "t-SNE needs at least 4 points and 1 column, not {n} x {}",
                    x.cols()
                ),
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
        // θ is the largest cell-size-to-distance ratio summarised as one point; beyond 1 a
        // cell is summarised even when the point sits inside it, and the cost estimate breaks.
        if !(0.0..=1.0).contains(&self.theta) {
            return Err(Error::invalid(
                "theta",
                self.theta,
                "must be between 0 and 1",
            ));
        }
        // 0 iterations is allowed: the fit is then the initial map.
        if self.max_iter > MAX_ITERATIONS {
            return Err(Error::invalid(
                "max_iter",
                self.max_iter,
                format!("must be at most the iteration limit ({MAX_ITERATIONS})"),
            ));
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
    /// Embeds the rows of `x`: P once (steps 1–2), then gradient steps on the map (3–4).
    pub fn fit(&self, x: &Matrix<f64>) -> Result<FittedTsne> {
        self.validate(x)?;
        let started = Instant::now();
        let p = Affinities::of(x, self.method, self.perplexity, self.exec)?;
        let (exaggeration, exaggeration_end) = self.exaggeration();
        let learning_rate = self.learning_rate_for(x.rows(), exaggeration);
        let mut y = self.initial_embedding(x)?;
        let mut state = Momentum::new(y.as_slice().len());
        let mut grad = vec![0.0; y.as_slice().len()];
        let mut trace = Vec::new();
        let (mut n_iter, mut converged) = (0, false);
        for it in 0..self.max_iter {
            let exaggerating = it < exaggeration_end;
            let alpha = if exaggerating { exaggeration } else { 1.0 };
            let log_now = (it + 1) % self.log_every == 0 || it + 1 == self.max_iter;
            let cost = p.gradient(&y, alpha, self.theta, log_now, &mut grad, self.exec)?;
            check_finite(&grad, "the gradient", it + 1)?;
            let momentum = if exaggerating { 0.5 } else { 0.8 };
            gradient_step(y.as_mut_slice(), &grad, &mut state, momentum, learning_rate);
            center(&mut y)?;
            check_finite(y.as_slice(), "the embedding", it + 1)?;
            n_iter = it + 1;
            if log_now {
                let kl = cost.ok_or_else(|| Error::invalid("cost", "missing", "internal"))?;
                check_finite(&[kl], "the KL divergence", n_iter)?;
                let point = KlPoint::at(n_iter, kl, started);
                if self.verbose {
                    eprintln!(
                        "t-SNE: iteration {n_iter:>5}, KL {kl:.4}, {:.2} s",
                        point.seconds
                    );
                }
                trace.push(point);
            }
            let norm = grad.iter().map(|g| g * g).sum::<f64>().sqrt();
            if !exaggerating && norm < self.min_grad_norm {
                converged = true;
                break;
            }
        }
        if trace.last().is_none_or(|t| t.iteration != n_iter) {
            // Stopped between two logs: one more gradient pass for the final cost.
            let cost = p.gradient(&y, 1.0, self.theta, true, &mut grad, self.exec)?;
            trace.push(KlPoint::at(n_iter, cost.unwrap_or(f64::NAN), started));
        }
        Ok(FittedTsne {
            embedding: y,
            kl: trace.last().map_or(f64::NAN, |t| t.kl),
            trace,
            n_iter,
            converged,
            learning_rate,
            exaggeration_end,
        })
    }
    // ANCHOR_END: fit

    /// The factor P is multiplied by early on, and the iteration where that stops. SNE's
    /// conditional rows each sum to 1; exaggerating them is not part of that method.
    fn exaggeration(&self) -> (f64, usize) {
        match self.method {
            Method::Sne => (1.0, 0),
            _ => (
                self.early_exaggeration,
                self.exaggeration_iter.min(self.max_iter),
            ),
        }
    }

    /// The step size: as given, else `max(n / α / 4, 50)` (Belkina et al. 2019) for t-SNE.
    fn learning_rate_for(&self, n: usize, exaggeration: f64) -> f64 {
        self.learning_rate.unwrap_or(match self.method {
            // SNE's rows each sum to 1, so its gradient is about n times t-SNE's.
            Method::Sne => SNE_LEARNING_RATE,
            _ => (n as f64 / exaggeration / 4.0).max(50.0),
        })
    }

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

/// Rows per parallel task in the row-wise passes (P's rows, the exact gradients), fixed so
/// that results do not depend on the thread count.
const ROWS_PER_TASK: usize = 64;

/// SNE's default step: its attraction acts like springs of stiffness about 4 (each point's
/// p_{j|i} + p_{i|j} sum to about 2), and descent on such springs is stable below 2 / 4;
/// 0.1 leaves room for the gains to grow.
const SNE_LEARNING_RATE: f64 = 0.1;

// ANCHOR: affinities
/// The input similarities in the form each method needs.
enum Affinities {
    /// SNE: the conditional P and P + Pᵀ.
    Conditional(Matrix<f64>, Matrix<f64>),
    /// Exact t-SNE: the joint P, dense.
    Dense(Matrix<f64>),
    /// Barnes–Hut: the joint P over the 3·perplexity nearest neighbours.
    Sparse(Csr<f64>),
}

impl Affinities {
    /// Steps 1 and 2 for `method`: every row calibrated to `perplexity`, then P.
    fn of(x: &Matrix<f64>, method: Method, perplexity: f64, exec: Exec) -> Result<Affinities> {
        Ok(match method {
            Method::Sne => {
                let p = conditional_probabilities(x, perplexity, exec)?;
                let sym = p.add(&p.transpose())?;
                Affinities::Conditional(p, sym)
            }
            Method::Exact => Affinities::Dense(dense_joint(&conditional_probabilities(
                x, perplexity, exec,
            )?)),
            Method::BarnesHut => Affinities::Sparse(joint_probabilities(
                &sparse_conditional_probabilities(x, perplexity, exec)?,
            )?),
        })
    }

    /// Step 3: the method's gradient at `y` into `grad`, with P multiplied by `alpha` (SNE
    /// has no exaggeration), and its cost when `want_cost`.
    fn gradient(
        &self,
        y: &Matrix<f64>,
        alpha: f64,
        theta: f64,
        want_cost: bool,
        grad: &mut [f64],
        exec: Exec,
    ) -> Result<Option<f64>> {
        match self {
            Affinities::Conditional(p, sym) => sne_gradient(p, sym, y, want_cost, grad, exec),
            Affinities::Dense(p) => exact_gradient(p, y, alpha, want_cost, grad, exec),
            Affinities::Sparse(p) => barnes_hut_gradient(p, y, alpha, theta, want_cost, grad, exec),
        }
    }
}
// ANCHOR_END: affinities

fn check_finite(values: &[f64], what: &'static str, iteration: usize) -> Result<()> {
    match values.iter().find(|v| !v.is_finite()) {
        None => Ok(()),
        Some(&value) => Err(Error::Diverged {
            what: what.into(),
            iteration,
            value,
        }),
    }
}

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
