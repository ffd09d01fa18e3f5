//! # Chapter 3 · Principal component analysis
//!
//! Lecture: PCA by maximising variance (ISLR §10.2; the derivation with a Lagrange
//! multiplier) · book `03-pca.md` · tests `tests/pca.rs`
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

use crate::eigen::svd::{svd, svd_randomized};
use crate::eigen::{Eigh, Order};
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
                "x",
                format!("{n} x {p}"),
                "PCA needs at least 2 rows and 1 column",
            ));
        }
        x.check_finite("Pca::fit x")?;
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
