//! # Chapter 3 · Principal component analysis
//!
//! Lecture: PCA by maximising variance (ISLR §10.2; the derivation with a Lagrange
//! multiplier) · book `03-pca.md` · tests `tests/pca.rs` · bench `benches/pca.rs`
//!
//! The first principal component is the unit direction `φ₁` along which the centred data
//! vary most: maximise `φᵀ S φ` subject to `φᵀφ = 1`, with S the covariance. The Lagrangian
//! `φᵀSφ - λ(φᵀφ - 1)` is stationary where `S φ = λ φ`, and the variance there is `λ`: the
//! components are the eigenvectors of S, in order of their eigenvalues. Each later component
//! maximises the variance left, orthogonal to the earlier ones. [`Pca::fit`]:
//! 1. [`center_and_scale`]: subtract the column means (and divide by the sample standard
//!    deviations when standardising, as R's `scale()` and ISLR do);
//! 2. the leading eigenpairs of the covariance, by one of three [`Solver`]s;
//! 3. the proportion of variance explained: `λ_k / Σⱼ λⱼ`.
//!
//! Scores are `Z = X̃ Φᵀ` ([`FittedPca::transform`]); `X̃ ≈ Z Φ` reconstructs from k
//! components ([`FittedPca::inverse_transform`]).
//!
//! Cost: O(n·p²) for the covariance and O(p³) for its eigenpairs (the `Svd` and
//! `Randomized` solvers trade these when p is large).
//!
//! ```
//! use unsupervised::{pca::Pca, Matrix};
//! // Points on the line y = 2x: one component explains everything.
//! let x = Matrix::new(3, 2, vec![0.0, 0.0, 1.0, 2.0, 2.0, 4.0])?;
//! let fit = Pca::new().fit(&x)?;
//! assert!((fit.explained_variance_ratio[0] - 1.0).abs() < 1e-12);
//! let phi = fit.components.row(0); // ±(1, 2)/√5
//! assert!((phi[1] / phi[0] - 2.0).abs() < 1e-12);
//! # Ok::<(), unsupervised::Error>(())
//! ```

use crate::eigen::svd::{svd, svd_randomized};
use crate::eigen::{orthonormalize_against, Eigh, Order};
use crate::error::{Error, Result};
use crate::linalg::Matrix;

/// How the leading eigenpairs of the covariance are found.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Solver {
    /// `Eigen` when the covariance is no larger than the data (p ≤ n), else `Svd`.
    #[default]
    Auto,
    /// The symmetric eigendecomposition of the p x p covariance (chapter 2).
    Eigen,
    /// The thin SVD of the centred data: `X̃ = U Σ Vᵀ`, variances `σ²/(n - ddof)`; never forms
    /// the covariance, so it keeps small variances accurate.
    Svd,
    /// Randomised SVD of the centred data for the leading components only (Halko et al. 2011).
    Randomized,
}

/// Which normalisation the covariance uses. The lectures use both: `1/(n-1)` (ISLR, R's
/// `prcomp`, scikit-learn) and `1/n` (the maximum-likelihood estimate). Proportions of
/// variance explained do not depend on it; the variances do, by `n/(n-1)`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Covariance {
    /// Divide by `n - 1` (unbiased).
    #[default]
    Sample,
    /// Divide by `n`.
    Population,
}

/// PCA hyperparameters; `fit` validates them.
#[derive(Clone, Debug)]
pub struct Pca {
    n_components: Option<usize>,
    standardize: bool,
    whiten: bool,
    solver: Solver,
    covariance: Covariance,
    seed: u64,
}

impl Default for Pca {
    fn default() -> Self {
        Pca {
            n_components: None,
            standardize: false,
            whiten: false,
            solver: Solver::Auto,
            covariance: Covariance::Sample,
            seed: 0,
        }
    }
}

/// What PCA learned.
#[derive(Clone, Debug, PartialEq)]
pub struct FittedPca {
    /// Column means of the training data.
    pub means: Vec<f64>,
    /// Column standard deviations when standardised (sample, `n - 1`).
    pub scales: Option<Vec<f64>>,
    /// k x p: row k is the loading vector `φ_k` (unit length, largest component positive).
    pub components: Matrix<f64>,
    /// The variance along each component, `λ_k`.
    pub explained_variance: Vec<f64>,
    /// `λ_k / Σⱼ λⱼ` for each kept component (the sum runs over all p).
    pub explained_variance_ratio: Vec<f64>,
    /// `Σⱼ λⱼ`: the total variance of the (scaled) data.
    pub total_variance: f64,
    pub whiten: bool,
}

impl Pca {
    /// All components, centred but not standardised, no whitening, automatic solver.
    pub fn new() -> Self {
        Pca::default()
    }
    /// Keep only the first `k` components.
    pub fn n_components(mut self, k: usize) -> Self {
        self.n_components = Some(k);
        self
    }
    /// Divide each column by its sample standard deviation first (ISLR's choice for
    /// USArrests, whose columns have different units).
    pub fn standardize(mut self, yes: bool) -> Self {
        self.standardize = yes;
        self
    }
    /// Scale the scores to unit variance.
    pub fn whiten(mut self, yes: bool) -> Self {
        self.whiten = yes;
        self
    }
    pub fn solver(mut self, solver: Solver) -> Self {
        self.solver = solver;
        self
    }
    pub fn covariance(mut self, covariance: Covariance) -> Self {
        self.covariance = covariance;
        self
    }
    /// Seed of the randomised solver.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    // ANCHOR: fit
    /// Fits the principal components of the rows of `x`.
    pub fn fit(&self, x: &Matrix<f64>) -> Result<FittedPca> {
        let (n, p) = x.shape();
        if n < 2 || p == 0 {
            return Err(Error::invalid(
                "data",
                format!("{n} x {p}"),
                format!("PCA needs at least 2 rows and 1 column, not {n} x {p}"),
            ));
        }
        x.check_finite("PCA data")?;
        let k = self.n_components.unwrap_or(n.min(p));
        if k == 0 || k > n.min(p) {
            return Err(Error::invalid(
                "n_components",
                k,
                format!("must be between 1 and min(rows, columns) = {}", n.min(p)),
            ));
        }
        let (xc, means, scales) = center_and_scale(x, self.standardize)?;
        let ddof = if self.covariance == Covariance::Sample {
            1
        } else {
            0
        };
        let denom = (n - ddof) as f64;
        let total_variance: f64 = (0..p)
            .map(|j| xc.iter_rows().map(|r| r[j] * r[j]).sum::<f64>())
            .sum::<f64>()
            / denom;
        let solver = match self.solver {
            Solver::Auto if p <= n => Solver::Eigen,
            Solver::Auto => Solver::Svd,
            s => s,
        };
        let (variances, components) = match solver {
            Solver::Eigen => {
                let cov = xc.t_matmul(&xc)?.scale(1.0 / denom);
                let e = Eigh::new().order(Order::Descending).solve(&cov)?;
                (
                    e.values[..k].to_vec(),
                    Matrix::from_fn(k, p, |i, j| e.vectors[(j, i)]),
                )
            }
            Solver::Svd | Solver::Auto => {
                let d = svd(&xc)?;
                (
                    d.s[..k].iter().map(|s| s * s / denom).collect(),
                    Matrix::from_fn(k, p, |i, j| d.vt[(i, j)]),
                )
            }
            Solver::Randomized => {
                let d = svd_randomized(&xc, k, 10, 4, self.seed)?;
                (d.s.iter().map(|s| s * s / denom).collect(), d.vt)
            }
        };
        if self.whiten {
            check_whitenable(&variances)?;
        }
        let ratio = variances
            .iter()
            .map(|v| {
                if total_variance > 0.0 {
                    v / total_variance
                } else {
                    0.0
                }
            })
            .collect();
        Ok(FittedPca {
            means,
            scales,
            components,
            explained_variance: variances,
            explained_variance_ratio: ratio,
            total_variance,
            whiten: self.whiten,
        })
    }
    // ANCHOR_END: fit
}

/// Whitening divides each score by `√λ_k`, so every kept variance must be clearly positive:
/// `λ_k > 10⁻¹² λ_1`. Below that it is rounding noise, and whitening would blow it up to the
/// size of the real components (a zero one, to ~1e154).
fn check_whitenable(variances: &[f64]) -> Result<()> {
    let floor = 1e-12 * variances.first().copied().unwrap_or(0.0);
    match variances.iter().position(|&v| v <= floor) {
        None => Ok(()),
        Some(0) => Err(Error::invalid(
            "whiten",
            true,
            "the data have no variance (every column is constant), so there is nothing to whiten",
        )),
        Some(k) => Err(Error::invalid(
            "n_components",
            variances.len(),
            format!(
                "component {} has variance {:e}, zero up to rounding, so whitening would blow \
                 it up; keep at most {k} components",
                k + 1,
                variances[k]
            ),
        )),
    }
}

/// Centred (and maybe scaled) data, the column means, and the scales if any.
pub type Centered = (Matrix<f64>, Vec<f64>, Option<Vec<f64>>);

/// Centres the columns (and divides them by their sample standard deviations when
/// `standardize`); returns the result, the means and the scales.
pub fn center_and_scale(x: &Matrix<f64>, standardize: bool) -> Result<Centered> {
    if standardize {
        let (z, means, sds) = x.standardize()?;
        Ok((z, means, Some(sds)))
    } else {
        let (xc, means) = x.centered()?;
        Ok((xc, means, None))
    }
}

impl FittedPca {
    /// Number of components kept.
    pub fn n_components(&self) -> usize {
        self.components.rows()
    }

    /// The running sum of the proportions of variance explained.
    pub fn cumulative_explained_variance_ratio(&self) -> Vec<f64> {
        self.explained_variance_ratio
            .iter()
            .scan(0.0, |acc, r| {
                *acc += r;
                Some(*acc)
            })
            .collect()
    }

    fn prepare(&self, x: &Matrix<f64>, what: &'static str) -> Result<Matrix<f64>> {
        let p = self.means.len();
        if x.cols() != p {
            return Err(Error::ShapeMismatch {
                op: what,
                left: x.shape(),
                right: (x.rows(), p),
            });
        }
        x.check_finite(what)?;
        Ok(Matrix::from_fn(x.rows(), p, |i, j| {
            let c = x[(i, j)] - self.means[j];
            self.scales.as_ref().map_or(c, |s| c / s[j])
        }))
    }

    // ANCHOR: transform
    /// The scores of new rows: `z_ik = Σⱼ φ_kj x̃_ij`, divided by `√λ_k` when whitening.
    pub fn transform(&self, x: &Matrix<f64>) -> Result<Matrix<f64>> {
        let xc = self.prepare(
            x,
            "FittedPca::transform (columns must match the training data)",
        )?;
        let mut z = xc.matmul_t(&self.components)?;
        if self.whiten {
            for i in 0..z.rows() {
                for (v, &l) in z.row_mut(i).iter_mut().zip(&self.explained_variance) {
                    *v /= l.max(f64::MIN_POSITIVE).sqrt();
                }
            }
        }
        Ok(z)
    }

    /// Rows rebuilt from their scores: `x ≈ mean + scale ⊙ (z Φ)`.
    pub fn inverse_transform(&self, z: &Matrix<f64>) -> Result<Matrix<f64>> {
        let k = self.n_components();
        if z.cols() != k {
            return Err(Error::ShapeMismatch {
                op: "FittedPca::inverse_transform (one column per component)",
                left: z.shape(),
                right: (z.rows(), k),
            });
        }
        let z = if self.whiten {
            Matrix::from_fn(z.rows(), k, |i, c| {
                z[(i, c)] * self.explained_variance[c].sqrt()
            })
        } else {
            z.clone()
        };
        let mut x = z.matmul(&self.components)?;
        for i in 0..x.rows() {
            for (j, v) in x.row_mut(i).iter_mut().enumerate() {
                let s = self.scales.as_ref().map_or(1.0, |s| s[j]);
                *v = *v * s + self.means[j];
            }
        }
        Ok(x)
    }
    // ANCHOR_END: transform

    /// Mean squared error per entry of reconstructing `x` from its k component scores.
    pub fn reconstruction_error(&self, x: &Matrix<f64>) -> Result<f64> {
        let back = self.inverse_transform(&self.transform(x)?)?;
        let n = (x.rows() * x.cols()).max(1) as f64;
        Ok(back
            .as_slice()
            .iter()
            .zip(x.as_slice())
            .map(|(a, b)| (a - b).powi(2))
            .sum::<f64>()
            / n)
    }
}

// ---------------------------------------------------------------- ICA

/// The contrast function of FastICA: `g` is its derivative, `g'` its second derivative.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Nonlinearity {
    /// `G(u) = log cosh u`, `g(u) = tanh u`: robust, the usual choice.
    #[default]
    LogCosh,
    /// `G(u) = u⁴/4`, `g(u) = u³`: kurtosis; simple but sensitive to outliers.
    Cube,
}

/// How several components are found.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum IcaAlgorithm {
    /// All at once, re-orthonormalised by `W ← (W Wᵀ)^{-1/2} W` after each step.
    #[default]
    Symmetric,
    /// One at a time, each kept orthogonal to the ones already found (Gram–Schmidt).
    Deflation,
}

/// FastICA (Hyvärinen, "Fast and robust fixed-point algorithms for independent component
/// analysis", IEEE Trans. Neural Networks 10, 1999).
///
/// Model: `x = A s` with independent, non-Gaussian sources s. After whitening (PCA scaled to
/// unit variance, so that `A` becomes orthogonal), each row w of the unmixing matrix maximises
/// the non-Gaussianity of `wᵀz`; the fixed point of that search is
/// `w⁺ = E[z g(wᵀz)] - E[g'(wᵀz)] w`, renormalised. By the central limit theorem mixtures
/// are "more Gaussian" than their sources, so the least Gaussian directions are the sources.
#[derive(Clone, Debug)]
pub struct FastIca {
    n_components: Option<usize>,
    fun: Nonlinearity,
    algorithm: IcaAlgorithm,
    max_iter: usize,
    tol: f64,
    seed: u64,
}

/// What FastICA found.
#[derive(Clone, Debug, PartialEq)]
pub struct FittedIca {
    /// m x p: the sources of centred rows are `S = (x - mean) Uᵀ`.
    pub unmixing: Matrix<f64>,
    /// p x m: the estimated mixing matrix, `x - mean ≈ S Aᵀ`.
    pub mixing: Matrix<f64>,
    pub means: Vec<f64>,
    /// n x m: the recovered sources of the training rows (unit variance; order, sign and
    /// scale are not identifiable).
    pub sources: Matrix<f64>,
    /// Fixed-point steps taken (summed over components for deflation).
    pub n_iter: usize,
    /// False when `max_iter` stopped a fixed-point iteration before its directions settled
    /// to `tol`; the unmixing is then the last iterate, usable but not converged.
    pub converged: bool,
}

impl FastIca {
    /// All components, logcosh, symmetric, at most 200 iterations, tolerance 1e-4, seed 0.
    pub fn new() -> Self {
        FastIca {
            n_components: None,
            fun: Nonlinearity::LogCosh,
            algorithm: IcaAlgorithm::Symmetric,
            max_iter: 200,
            tol: 1e-4,
            seed: 0,
        }
    }
    pub fn n_components(mut self, m: usize) -> Self {
        self.n_components = Some(m);
        self
    }
    pub fn fun(mut self, fun: Nonlinearity) -> Self {
        self.fun = fun;
        self
    }
    pub fn algorithm(mut self, algorithm: IcaAlgorithm) -> Self {
        self.algorithm = algorithm;
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
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    // ANCHOR: ica_fit
    /// Whitens `x` by PCA, then runs the fixed-point iteration.
    pub fn fit(&self, x: &Matrix<f64>) -> Result<FittedIca> {
        let m = self.n_components.unwrap_or(x.cols());
        if self.tol.is_nan() || self.tol <= 0.0 || self.max_iter == 0 {
            return Err(Error::invalid(
                "tol, max_iter",
                format!("{}, {}", self.tol, self.max_iter),
                "need tol > 0 and at least one iteration",
            ));
        }
        // Whitening refuses a component without variance (fewer directions than sources).
        let pca = Pca::new().n_components(m).whiten(true).fit(x)?;
        let z = pca.transform(x)?; // n x m, white
        let mut rng = crate::rand::Rng::seed_from_u64(self.seed);
        let w0 = Matrix::from_fn(m, m, |_, _| rng.normal());
        let (w, n_iter, converged) = match self.algorithm {
            IcaAlgorithm::Symmetric => self.symmetric(&z, symmetric_decorrelation(&w0)?)?,
            IcaAlgorithm::Deflation => self.deflation(&z, &w0)?,
        };
        // Back to the original coordinates: z = (x - mean) Φᵀ Λ^{-1/2}, s = z Wᵀ.
        let scaled = Matrix::from_fn(m, x.cols(), |k, j| {
            pca.components[(k, j)] / pca.explained_variance[k].sqrt()
        });
        let unmixing = w.matmul(&scaled)?;
        let mixing = Matrix::from_fn(x.cols(), m, |j, k| {
            pca.components[(k, j)] * pca.explained_variance[k].sqrt()
        })
        .matmul_t(&w)?;
        let sources = z.matmul_t(&w)?;
        Ok(FittedIca {
            unmixing,
            mixing,
            means: pca.means,
            sources,
            n_iter,
            converged,
        })
    }
    // ANCHOR_END: ica_fit

    /// `g(u)` and `g'(u)` for every entry of `y`.
    fn contrast(&self, y: &Matrix<f64>) -> (Matrix<f64>, Matrix<f64>) {
        match self.fun {
            Nonlinearity::LogCosh => (y.map(f64::tanh), y.map(|u| 1.0 - u.tanh().powi(2))),
            Nonlinearity::Cube => (y.map(|u| u * u * u), y.map(|u| 3.0 * u * u)),
        }
    }

    // ANCHOR: ica_step
    /// The fixed-point step for all rows of W at once: `W⁺ = E[g(Z Wᵀ)ᵀ Z] - diag(E[g'(Z Wᵀ)]) W`.
    fn step(&self, z: &Matrix<f64>, w: &Matrix<f64>) -> Result<Matrix<f64>> {
        let n = z.rows() as f64;
        let y = z.matmul_t(w)?; // n x m
        let (g, gp) = self.contrast(&y);
        let mut next = g.t_matmul(z)?.scale(1.0 / n); // m x m
        let mean_gp = gp.column_means()?;
        for (k, &c) in mean_gp.iter().enumerate() {
            for (a, &b) in next.row_mut(k).iter_mut().zip(w.row(k)) {
                *a -= c * b;
            }
        }
        Ok(next)
    }
    // ANCHOR_END: ica_step

    /// All rows of W at once, decorrelated after each step; returns W, the steps taken and
    /// whether they settled.
    fn symmetric(&self, z: &Matrix<f64>, mut w: Matrix<f64>) -> Result<(Matrix<f64>, usize, bool)> {
        for iter in 1..=self.max_iter {
            let next = symmetric_decorrelation(&self.step(z, &w)?)?;
            // Converged when every row keeps its direction: |⟨w⁺, w⟩| = 1.
            let change = (0..w.rows())
                .map(|k| (1.0 - crate::linalg::kernels::dot(next.row(k), w.row(k)).abs()).abs())
                .fold(0.0, f64::max);
            w = next;
            if change < self.tol {
                return Ok((w, iter, true));
            }
        }
        Ok((w, self.max_iter, false))
    }

    /// One row of W at a time, kept orthogonal to the rows found before; returns W, the
    /// steps taken and whether every row settled.
    fn deflation(&self, z: &Matrix<f64>, w0: &Matrix<f64>) -> Result<(Matrix<f64>, usize, bool)> {
        let m = w0.rows();
        let mut w = Matrix::zeros(m, m);
        let mut total = 0;
        let mut converged = true;
        for k in 0..m {
            let mut v = w0.row(k).to_vec();
            let mut done = false;
            for _ in 0..self.max_iter {
                total += 1;
                orthonormalize_against(&mut v, &w, k);
                let single = Matrix::new(1, m, v.clone())?;
                let mut next = self.step(z, &single)?.into_vec();
                orthonormalize_against(&mut next, &w, k);
                let change = (1.0 - crate::linalg::kernels::dot(&next, &v).abs()).abs();
                v = next;
                if change < self.tol {
                    done = true;
                    break;
                }
            }
            converged &= done;
            w.row_mut(k).copy_from_slice(&v);
        }
        Ok((w, total, converged))
    }
}

impl Default for FastIca {
    fn default() -> Self {
        FastIca::new()
    }
}

/// `(W Wᵀ)^{-1/2} W`: the orthogonal matrix nearest to W (its rows orthonormal).
fn symmetric_decorrelation(w: &Matrix<f64>) -> Result<Matrix<f64>> {
    let e = Eigh::new().solve(&w.matmul_t(w)?)?;
    let m = w.rows();
    let inv_sqrt = Matrix::from_fn(m, m, |i, j| {
        (0..m)
            .map(|k| {
                e.vectors[(i, k)] * e.vectors[(j, k)] / e.values[k].max(f64::MIN_POSITIVE).sqrt()
            })
            .sum()
    });
    inv_sqrt.matmul(w)
}
