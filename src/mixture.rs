//! # Chapter 6 · Gaussian mixtures and EM
//!
//! Lecture: k-means and EM (Bishop §9.2–9.3: the mixture density, responsibilities by
//! Bayes' rule, EM's updates 9.23–9.28, the k-means limit) · book `06-mixture.md` · tests
//! `tests/mixture.rs` · bench `benches/mixture.rs`
//!
//! A Gaussian mixture models the density `p(x) = Σₖ πₖ N(x | μₖ, Σₖ)`. EM alternates
//! ([`FittedGaussianMixture::e_step`], [`FittedGaussianMixture::m_step`]):
//! - E-step: the responsibility `γ(z_nk) = πₖ N(xₙ | μₖ, Σₖ) / Σⱼ πⱼ N(xₙ | μⱼ, Σⱼ)`, the
//!   posterior probability that component k produced point n (computed in logs);
//! - M-step: `Nₖ = Σₙ γ(z_nk)`, `μₖ = (1/Nₖ) Σₙ γ(z_nk) xₙ`,
//!   `Σₖ = (1/Nₖ) Σₙ γ(z_nk)(xₙ - μₖ)(xₙ - μₖ)ᵀ`, `πₖ = Nₖ / N`.
//!
//! Neither step can lower the log-likelihood, so it rises to a local maximum.
//!
//! Cost per iteration: O(n·k·d²) time (`d³` per component for its Cholesky), O(n·k) memory.
//!
//! ```
//! use unsupervised::{mixture::GaussianMixture, Matrix};
//! // Two groups far apart: each component takes one, half the weight, the group's mean.
//! let x = Matrix::new(6, 1, vec![-1.0, 0.0, 1.0, 9.0, 10.0, 11.0])?;
//! let fit = GaussianMixture::new(2).fit(&x)?;
//! let mut means = fit.means.into_vec();
//! means.sort_by(f64::total_cmp);
//! assert!(means[0].abs() < 1e-9 && (means[1] - 10.0).abs() < 1e-9);
//! assert!(fit.weights.iter().all(|w| (w - 0.5).abs() < 1e-9));
//! # Ok::<(), unsupervised::Error>(())
//! ```

use crate::error::{check_count, check_iterative, Error, Result};
use crate::kmeans::{assign_step, initial_centroids, Init, KMeans};
use crate::linalg::kernels::sq_norm;
use crate::linalg::{Cholesky, Exec, Matrix};
use crate::rand::Rng;

/// The general EM of the lecture: any latent-variable model that can compute the posterior
/// of its latent variables (E) and maximise the expected complete-data log-likelihood (M).
pub trait ExpectationMaximization {
    /// E-step: the responsibilities (n x k) under the current parameters, and the
    /// log-likelihood of the data under them.
    fn expectation(&self, x: &Matrix<f64>) -> Result<(Matrix<f64>, f64)>;
    /// M-step: the parameters that maximise the expected complete-data log-likelihood for
    /// these responsibilities.
    fn maximization(&mut self, x: &Matrix<f64>, resp: &Matrix<f64>) -> Result<()>;
}

/// What a run of EM did.
#[derive(Clone, Debug, PartialEq)]
pub struct EmTrace {
    /// The mean log-likelihood per point (nats) before each M-step; it never decreases.
    pub log_likelihood: Vec<f64>,
    /// M-steps taken.
    pub n_iter: usize,
    /// False when `max_iter` stopped EM before the change fell to `tol`.
    pub converged: bool,
}

// ANCHOR: em
/// EM until the mean log-likelihood per point changes by at most `tol` (or `max_iter`
/// M-steps). The model ends with the parameters of the last M-step, and the trace's last
/// entry is their log-likelihood.
pub fn expectation_maximization<M: ExpectationMaximization>(
    model: &mut M,
    x: &Matrix<f64>,
    tol: f64,
    max_iter: usize,
) -> Result<EmTrace> {
    let n = x.rows() as f64;
    let (mut resp, mut ll) = model.expectation(x)?;
    let mut trace = vec![ll / n];
    for iter in 1..=max_iter {
        model.maximization(x, &resp)?;
        (resp, ll) = model.expectation(x)?;
        trace.push(ll / n);
        let change = trace[iter] - trace[iter - 1];
        if change.abs() <= tol {
            return Ok(EmTrace {
                log_likelihood: trace,
                n_iter: iter,
                converged: true,
            });
        }
    }
    Ok(EmTrace {
        log_likelihood: trace,
        n_iter: max_iter,
        converged: false,
    })
}
// ANCHOR_END: em

/// The shape each component's covariance may take.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub enum Covariance {
    /// A full d x d matrix per component.
    #[default]
    Full,
    /// A diagonal matrix per component (axis-aligned ellipsoids).
    Diagonal,
    /// `σₖ² I` per component (spheres).
    Spherical,
    /// One full matrix shared by all components.
    Tied,
    /// `εI` for every component, fixed, not estimated: Bishop §9.3.2's route from EM to
    /// k-means. As ε → 0 the responsibilities harden into nearest-mean assignments and the
    /// M-step's means become Lloyd's.
    Fixed { variance: f64 },
}

impl Covariance {
    /// Parses `full`, `diag`, `spherical` or `tied`.
    pub fn parse(name: &str) -> Result<Covariance> {
        Ok(match name {
            "full" => Covariance::Full,
            "diag" | "diagonal" => Covariance::Diagonal,
            "spherical" => Covariance::Spherical,
            "tied" => Covariance::Tied,
            other => {
                return Err(Error::invalid(
                    "covariance",
                    other,
                    "expected full, diag, spherical or tied",
                ))
            }
        })
    }
}

/// How EM starts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Start {
    /// Responsibilities from a k-means fit (hard, 0 or 1), as scikit-learn does.
    #[default]
    KMeans,
    /// k-means++ seeds (chapter 4) without the k-means iterations: each point starts fully
    /// in the component of its nearest seed.
    KMeansPlusPlus,
    /// Random responsibilities (each row a random point of the simplex).
    Random,
}

/// Gaussian mixture hyperparameters; `fit` validates them.
#[derive(Clone, Debug)]
pub struct GaussianMixture {
    n_components: usize,
    covariance: Covariance,
    start: Start,
    n_init: usize,
    max_iter: usize,
    tol: f64,
    reg_covar: f64,
    seed: u64,
    exec: Exec,
}

/// A fitted mixture.
#[derive(Clone, Debug)]
pub struct FittedGaussianMixture {
    /// πₖ, summing to 1.
    pub weights: Vec<f64>,
    /// k x d.
    pub means: Matrix<f64>,
    /// One d x d matrix per component (diagonal, spherical and tied ones written out in full).
    pub covariances: Vec<Matrix<f64>>,
    /// The mean log-likelihood per point before each M-step of the best run (never falls).
    pub log_likelihood: Vec<f64>,
    /// M-steps taken by the best run.
    pub n_iter: usize,
    /// False when `max_iter` stopped the best run before the change fell to `tol`.
    pub converged: bool,
    covariance: Covariance,
    reg_covar: f64,
    factors: Vec<Cholesky<f64>>,
}

impl GaussianMixture {
    /// `n_components` full-covariance components, k-means start, one run, at most 100
    /// iterations, tolerance 1e-3 on the mean log-likelihood, `reg_covar` 1e-6, seed 0
    /// (scikit-learn's defaults).
    pub fn new(n_components: usize) -> Self {
        GaussianMixture {
            n_components,
            covariance: Covariance::Full,
            start: Start::KMeans,
            n_init: 1,
            max_iter: 100,
            tol: 1e-3,
            reg_covar: 1e-6,
            seed: 0,
            exec: Exec::default(),
        }
    }
    /// Threads for the k-means start (the result is the same for any count).
    pub fn threads(mut self, threads: usize) -> Self {
        self.exec = self.exec.with_threads(threads);
        self
    }
    pub fn covariance(mut self, covariance: Covariance) -> Self {
        self.covariance = covariance;
        self
    }
    pub fn start(mut self, start: Start) -> Self {
        self.start = start;
        self
    }
    pub fn n_init(mut self, n_init: usize) -> Self {
        self.n_init = n_init;
        self
    }
    pub fn max_iter(mut self, max_iter: usize) -> Self {
        self.max_iter = max_iter;
        self
    }
    pub fn tol(mut self, tol: f64) -> Self {
        self.tol = tol;
        self
    }
    /// Added to every covariance's diagonal, so that a component squeezed onto a few points
    /// stays invertible.
    pub fn reg_covar(mut self, reg_covar: f64) -> Self {
        self.reg_covar = reg_covar;
        self
    }
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    fn validate(&self, x: &Matrix<f64>) -> Result<()> {
        x.check_samples("Gaussian mixture data")?;
        check_count(
            "n_components",
            self.n_components,
            x.rows(),
            "the number of rows",
        )?;
        check_iterative(self.n_init, self.max_iter, self.tol)?;
        if x.rows() < 2 {
            return Err(Error::invalid(
                "data",
                "1 row",
                "a Gaussian mixture needs at least 2 rows to estimate a covariance",
            ));
        }
        if let Covariance::Fixed { variance } = self.covariance {
            if !(variance > 0.0 && variance.is_finite()) {
                return Err(Error::invalid(
                    "variance",
                    variance,
                    "must be positive and finite",
                ));
            }
        }
        if !(self.reg_covar >= 0.0 && self.reg_covar.is_finite()) {
            return Err(Error::invalid(
                "reg_covar",
                self.reg_covar,
                "must be finite and non-negative",
            ));
        }
        Ok(())
    }

    // ANCHOR: fit
    /// EM from `n_init` starts; the run with the highest final log-likelihood wins.
    pub fn fit(&self, x: &Matrix<f64>) -> Result<FittedGaussianMixture> {
        self.validate(x)?;
        let mut best: Option<FittedGaussianMixture> = None;
        for run in 0..self.n_init as u64 {
            let resp = self.initial_responsibilities(x, run)?;
            let mut model = FittedGaussianMixture::empty(
                self.n_components,
                x.cols(),
                self.covariance,
                self.reg_covar,
            );
            model.m_step(x, &resp)?;
            let trace = expectation_maximization(&mut model, x, self.tol, self.max_iter)?;
            (model.log_likelihood, model.n_iter, model.converged) =
                (trace.log_likelihood, trace.n_iter, trace.converged);
            if best
                .as_ref()
                .is_none_or(|b| model.final_log_likelihood() > b.final_log_likelihood())
            {
                best = Some(model);
            }
        }
        best.ok_or_else(|| Error::invalid("n_init", 0, "need at least one run"))
    }
    // ANCHOR_END: fit

    fn initial_responsibilities(&self, x: &Matrix<f64>, run: u64) -> Result<Matrix<f64>> {
        let (n, k) = (x.rows(), self.n_components);
        let mut rng = Rng::stream(self.seed, run);
        match self.start {
            Start::KMeans => {
                let labels = KMeans::new(k)
                    .n_init(1)
                    .init(Init::KMeansPlusPlus)
                    .seed(rng.next_u64())
                    .threads(self.exec.threads)
                    .fit(x)?
                    .labels;
                Ok(Matrix::from_fn(n, k, |i, j| {
                    f64::from(u8::from(labels[i] == j))
                }))
            }
            Start::KMeansPlusPlus => {
                let seeds = initial_centroids(x, k, Init::KMeansPlusPlus, &mut rng, self.exec)?;
                let (labels, _) = assign_step(x, &seeds, self.exec)?;
                Ok(Matrix::from_fn(n, k, |i, j| {
                    f64::from(u8::from(labels[i] == j))
                }))
            }
            Start::Random => {
                let mut r = Matrix::from_fn(n, k, |_, _| rng.next_f64() + f64::MIN_POSITIVE);
                for i in 0..n {
                    let s: f64 = r.row(i).iter().sum();
                    r.row_mut(i).iter_mut().for_each(|v| *v /= s);
                }
                Ok(r)
            }
        }
    }
}

impl FittedGaussianMixture {
    fn empty(k: usize, d: usize, covariance: Covariance, reg_covar: f64) -> FittedGaussianMixture {
        FittedGaussianMixture {
            weights: vec![1.0 / k as f64; k],
            means: Matrix::zeros(k, d),
            covariances: vec![Matrix::identity(d); k],
            log_likelihood: Vec::new(),
            n_iter: 0,
            converged: false,
            covariance,
            reg_covar,
            factors: Vec::new(),
        }
    }

    /// The number of components.
    pub fn n_components(&self) -> usize {
        self.weights.len()
    }

    /// The last mean log-likelihood of the fit (−∞ before any).
    fn final_log_likelihood(&self) -> f64 {
        self.log_likelihood
            .last()
            .copied()
            .unwrap_or(f64::NEG_INFINITY)
    }

    /// The covariance type fitted.
    pub fn covariance_type(&self) -> Covariance {
        self.covariance
    }

    // ANCHOR: log_density
    /// `ln πₖ + ln N(x | μₖ, Σₖ)` for every point and component (n x k), through the
    /// Cholesky factor `Σₖ = LLᵀ`: `ln N = -½ (d ln 2π + ln|Σₖ| + ‖L⁻¹(x - μₖ)‖²)`.
    fn weighted_log_densities(&self, x: &Matrix<f64>) -> Result<Matrix<f64>> {
        let (n, d, k) = (x.rows(), x.cols(), self.n_components());
        let mut out = Matrix::zeros(n, k);
        let ln_2pi = (2.0 * std::f64::consts::PI).ln();
        for (c, chol) in self.factors.iter().enumerate() {
            let constant = self.weights[c].ln() - 0.5 * (d as f64 * ln_2pi + chol.log_det());
            for i in 0..n {
                let diff: Vec<f64> = x
                    .row(i)
                    .iter()
                    .zip(self.means.row(c))
                    .map(|(a, m)| a - m)
                    .collect();
                let z = chol.solve_lower(&diff)?;
                out[(i, c)] = constant - 0.5 * sq_norm(&z);
            }
        }
        Ok(out)
    }
    // ANCHOR_END: log_density

    // ANCHOR: e_step
    /// E-step (Bishop 9.23): the responsibilities `γ(z_nk)` (n x k) by Bayes' rule, and
    /// the log-likelihood of `x`. Normalised in logs (log-sum-exp), so a point far
    /// from every component does not underflow to 0/0.
    pub fn e_step(&self, x: &Matrix<f64>) -> Result<(Matrix<f64>, f64)> {
        let mut w = self.weighted_log_densities(x)?;
        let mut total = 0.0;
        for i in 0..x.rows() {
            let norm = log_sum_exp(w.row(i));
            total += norm;
            w.row_mut(i).iter_mut().for_each(|v| *v = (*v - norm).exp());
        }
        Ok((w, total))
    }
    // ANCHOR_END: e_step

    // ANCHOR: m_step
    /// M-step (Bishop 9.24–9.27) for the responsibilities `resp`: weighted means, weighted covariances (in the chosen shape, plus
    /// `reg_covar` on the diagonal), and the weights `Nₖ / N`. A component whose
    /// responsibilities have all but vanished has no mean to estimate: that is an error
    /// naming it, not a division by zero.
    pub fn m_step(&mut self, x: &Matrix<f64>, resp: &Matrix<f64>) -> Result<()> {
        let (n, d, k) = (x.rows(), x.cols(), resp.cols());
        let nk: Vec<f64> = (0..k).map(|c| (0..n).map(|i| resp[(i, c)]).sum()).collect();
        if let Some(c) = nk.iter().position(|&v| v < 10.0 * f64::EPSILON * n as f64) {
            return Err(Error::invalid(
                "n_components",
                k,
                format!(
                    "component {c} collapsed (its responsibilities sum to {:.3e}); \
                     fewer components, or another seed, may fit",
                    nk[c]
                ),
            ));
        }
        let mut means = resp.t_matmul(x)?; // k x d: Σₙ γ(z_nk) xₙ
        for (c, &w) in nk.iter().enumerate() {
            means.row_mut(c).iter_mut().for_each(|v| *v /= w);
        }
        let mut covs = Vec::with_capacity(k);
        for c in 0..k {
            let mut s = Matrix::zeros(d, d);
            for i in 0..n {
                let g = resp[(i, c)];
                let diff: Vec<f64> = x
                    .row(i)
                    .iter()
                    .zip(means.row(c))
                    .map(|(a, m)| a - m)
                    .collect();
                for r in 0..d {
                    for q in 0..=r {
                        s[(r, q)] += g * diff[r] * diff[q];
                    }
                }
            }
            for r in 0..d {
                for q in 0..r {
                    s[(q, r)] = s[(r, q)];
                }
            }
            covs.push(s);
        }
        self.covariances = shape_covariances(covs, &nk, self.covariance, self.reg_covar, n);
        self.factors = self
            .covariances
            .iter()
            .map(Cholesky::factor)
            .collect::<Result<_>>()?;
        self.means = means;
        self.weights = nk.iter().map(|v| v / n as f64).collect();
        Ok(())
    }
    // ANCHOR_END: m_step

    fn check_width(&self, x: &Matrix<f64>, op: &'static str) -> Result<()> {
        if x.cols() != self.means.cols() {
            return Err(Error::ShapeMismatch {
                op,
                left: x.shape(),
                right: (x.rows(), self.means.cols()),
            });
        }
        x.check_finite(op)
    }

    /// `ln p(xₙ)` for every row.
    pub fn score_samples(&self, x: &Matrix<f64>) -> Result<Vec<f64>> {
        self.check_width(
            x,
            "FittedGaussianMixture::score_samples (columns must match the training data)",
        )?;
        let w = self.weighted_log_densities(x)?;
        Ok(w.iter_rows().map(log_sum_exp).collect())
    }

    /// The mean log-likelihood per point, in nats.
    pub fn score(&self, x: &Matrix<f64>) -> Result<f64> {
        let s = self.score_samples(x)?;
        Ok(s.iter().sum::<f64>() / s.len().max(1) as f64)
    }

    /// The responsibilities `γ(z_nk)` of new points (n x k; rows sum to 1).
    pub fn predict_proba(&self, x: &Matrix<f64>) -> Result<Matrix<f64>> {
        self.check_width(
            x,
            "FittedGaussianMixture::predict_proba (columns must match the training data)",
        )?;
        Ok(self.expectation(x)?.0)
    }

    /// The most responsible component of each point.
    pub fn predict(&self, x: &Matrix<f64>) -> Result<Vec<usize>> {
        let p = self.predict_proba(x)?;
        Ok(p.iter_rows()
            .map(|r| {
                r.iter()
                    .enumerate()
                    .fold(
                        (0, f64::NEG_INFINITY),
                        |b, (j, &v)| if v > b.1 { (j, v) } else { b },
                    )
                    .0
            })
            .collect())
    }

    /// The number of free parameters: means, covariances and k - 1 weights.
    pub fn n_parameters(&self) -> usize {
        let (k, d) = (self.n_components(), self.means.cols());
        let cov = match self.covariance {
            Covariance::Full => k * d * (d + 1) / 2,
            Covariance::Diagonal => k * d,
            Covariance::Spherical => k,
            Covariance::Tied => d * (d + 1) / 2,
            Covariance::Fixed { .. } => 0,
        };
        k * d + cov + k - 1
    }

    /// Bayesian information criterion `-2 ln L + p ln n` (lower is better).
    pub fn bic(&self, x: &Matrix<f64>) -> Result<f64> {
        let n = x.rows() as f64;
        Ok(-2.0 * self.score(x)? * n + self.n_parameters() as f64 * n.ln())
    }

    /// Akaike information criterion `-2 ln L + 2p`.
    pub fn aic(&self, x: &Matrix<f64>) -> Result<f64> {
        let n = x.rows() as f64;
        Ok(-2.0 * self.score(x)? * n + 2.0 * self.n_parameters() as f64)
    }

    /// `n` points drawn from the mixture: a component by its weight, then `μ + L ε`.
    pub fn sample(&self, n: usize, seed: u64) -> Result<(Matrix<f64>, Vec<usize>)> {
        let d = self.means.cols();
        let mut rng = Rng::seed_from_u64(seed);
        let mut out = Matrix::zeros(n, d);
        let mut labels = Vec::with_capacity(n);
        for i in 0..n {
            let c = rng.weighted_index(&self.weights)?;
            let eps: Vec<f64> = (0..d).map(|_| rng.normal()).collect();
            let l = self.factors[c].l();
            for r in 0..d {
                let le: f64 = (0..=r).map(|j| l[(r, j)] * eps[j]).sum();
                out[(i, r)] = self.means[(c, r)] + le;
            }
            labels.push(c);
        }
        Ok((out, labels))
    }
}

/// `ln Σ exp(vᵢ)` without overflow: shift by the largest value first.
fn log_sum_exp(v: &[f64]) -> f64 {
    let m = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if m == f64::NEG_INFINITY {
        return m;
    }
    m + v.iter().map(|x| (x - m).exp()).sum::<f64>().ln()
}

impl ExpectationMaximization for FittedGaussianMixture {
    fn expectation(&self, x: &Matrix<f64>) -> Result<(Matrix<f64>, f64)> {
        self.e_step(x)
    }
    fn maximization(&mut self, x: &Matrix<f64>, resp: &Matrix<f64>) -> Result<()> {
        self.m_step(x, resp)
    }
}

/// From the scatter matrices `Sₖ = Σₙ γ(z_nk)(xₙ - μₖ)(xₙ - μₖ)ᵀ` to covariances of the
/// requested shape, each with `reg` added to its diagonal.
fn shape_covariances(
    scatter: Vec<Matrix<f64>>,
    nk: &[f64],
    shape: Covariance,
    reg: f64,
    n: usize,
) -> Vec<Matrix<f64>> {
    let d = scatter.first().map_or(0, Matrix::rows);
    let regularise = |mut m: Matrix<f64>| {
        for r in 0..d {
            m[(r, r)] += reg;
        }
        m
    };
    match shape {
        Covariance::Full => scatter
            .into_iter()
            .zip(nk)
            .map(|(s, &w)| regularise(s.map(|v| v / w)))
            .collect(),
        Covariance::Diagonal => scatter
            .into_iter()
            .zip(nk)
            .map(|(s, &w)| {
                regularise(Matrix::from_fn(d, d, |r, q| {
                    if r == q {
                        s[(r, r)] / w
                    } else {
                        0.0
                    }
                }))
            })
            .collect(),
        Covariance::Spherical => scatter
            .into_iter()
            .zip(nk)
            .map(|(s, &w)| {
                let var = (0..d).map(|r| s[(r, r)]).sum::<f64>() / (w * d as f64);
                regularise(Matrix::from_fn(d, d, |r, q| if r == q { var } else { 0.0 }))
            })
            .collect(),
        Covariance::Fixed { variance } => {
            vec![Matrix::from_fn(d, d, |r, q| if r == q { variance } else { 0.0 }); scatter.len()]
        }
        Covariance::Tied => {
            let mut total = Matrix::zeros(d, d);
            for s in &scatter {
                for r in 0..d {
                    for q in 0..d {
                        total[(r, q)] += s[(r, q)] / n as f64;
                    }
                }
            }
            vec![regularise(total); scatter.len()]
        }
    }
}
