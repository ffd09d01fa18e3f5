//! Multidimensional scaling: classical (Torgerson) MDS by an eigendecomposition, and metric
//! MDS by SMACOF stress majorisation (de Leeuw 1977).

use super::{check_distances, top_eigenpairs};
use crate::error::{Error, Result};
use crate::linalg::Matrix;
use crate::rand::Rng;

/// What classical MDS found.
#[derive(Clone, Debug, PartialEq)]
pub struct FittedMds {
    /// n x d coordinates `V Λ^{1/2}`.
    pub embedding: Matrix<f64>,
    /// The d largest eigenvalues of the double-centred matrix B (negative ones mean the
    /// distances are not Euclidean; their coordinates are set to 0).
    pub eigenvalues: Vec<f64>,
    /// `‖B - Y Yᵀ‖_F / ‖B‖_F`: 0 when d dimensions hold the distances exactly.
    pub strain: f64,
}

// ANCHOR: double_centre
/// `B = -½ J D⁽²⁾ J` with `J = I - 11ᵀ/n`: the Gram matrix of points centred at their mean,
/// recovered from their distances alone, since
/// `‖xᵢ - xⱼ‖² = ‖xᵢ‖² + ‖xⱼ‖² - 2 xᵢᵀxⱼ` and centring removes the norms.
pub fn double_centre(d: &Matrix<f64>) -> Matrix<f64> {
    let n = d.rows();
    let sq = d.map(|v| v * v);
    let row_means: Vec<f64> = sq
        .iter_rows()
        .map(|r| r.iter().sum::<f64>() / n as f64)
        .collect();
    let grand = row_means.iter().sum::<f64>() / n as f64;
    // D is symmetric, so the column means are the row means.
    Matrix::from_fn(n, n, |i, j| {
        -0.5 * (sq[(i, j)] - row_means[i] - row_means[j] + grand)
    })
}
// ANCHOR_END: double_centre

// ANCHOR: classical_mds
/// Classical MDS of a symmetric distance matrix: the top `dims` eigenpairs of the
/// double-centred B, coordinates `vₖ √λₖ`.
pub fn classical_mds(d: &Matrix<f64>, dims: usize, seed: u64) -> Result<FittedMds> {
    check_distances(d)?;
    let n = d.rows();
    if dims == 0 || dims >= n {
        return Err(Error::invalid(
            "n_components",
            dims,
            format!("must be between 1 and n - 1 = {}", n - 1),
        ));
    }
    let b = double_centre(d);
    let (values, vectors) = top_eigenpairs(&b, dims, seed)?;
    let scale: Vec<f64> = values.iter().map(|&l| l.max(0.0).sqrt()).collect();
    let embedding = Matrix::from_fn(n, dims, |i, k| vectors[(i, k)] * scale[k]);
    Ok(FittedMds {
        strain: strain(&b, &embedding),
        embedding,
        eigenvalues: values,
    })
}
// ANCHOR_END: classical_mds

/// `‖B - Y Yᵀ‖_F / ‖B‖_F`.
fn strain(b: &Matrix<f64>, y: &Matrix<f64>) -> f64 {
    let yyt = y
        .matmul_t(y)
        .unwrap_or_else(|_| Matrix::zeros(b.rows(), b.rows()));
    let num: f64 = b
        .as_slice()
        .iter()
        .zip(yyt.as_slice())
        .map(|(a, c)| (a - c) * (a - c))
        .sum();
    let den: f64 = b.as_slice().iter().map(|a| a * a).sum();
    if den > 0.0 {
        (num / den).sqrt()
    } else {
        0.0
    }
}

/// Metric MDS by stress majorisation. Hyperparameters only; [`Smacof::fit_distances`].
#[derive(Clone, Debug)]
pub struct Smacof {
    n_components: usize,
    max_iter: usize,
    tol: f64,
    classical_start: bool,
    seed: u64,
}

/// What SMACOF found.
#[derive(Clone, Debug, PartialEq)]
pub struct FittedSmacof {
    pub embedding: Matrix<f64>,
    /// Raw stress `Σ_{i<j} (dᵢⱼ - ‖yᵢ - yⱼ‖)²` after each iteration (never increases).
    pub stress: Vec<f64>,
    pub n_iter: usize,
    pub converged: bool,
}

impl Smacof {
    /// 300 iterations at most, relative tolerance 1e-6, started from classical MDS.
    pub fn new(n_components: usize) -> Self {
        Smacof {
            n_components,
            max_iter: 300,
            tol: 1e-6,
            classical_start: true,
            seed: 0,
        }
    }
    pub fn max_iter(mut self, max_iter: usize) -> Self {
        self.max_iter = max_iter;
        self
    }
    /// Stop when the stress falls by less than this fraction in one iteration.
    pub fn tol(mut self, tol: f64) -> Self {
        self.tol = tol;
        self
    }
    /// Start from classical MDS (default) or from random points drawn with `seed`.
    pub fn classical_start(mut self, yes: bool) -> Self {
        self.classical_start = yes;
        self
    }
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    // ANCHOR: smacof
    /// Minimises the stress by repeating the Guttman transform `Y ← B(Y) Y / n`, where
    /// `B(Y)ᵢⱼ = -dᵢⱼ / ‖yᵢ - yⱼ‖` off the diagonal and the rows of B sum to 0. Each step
    /// minimises a quadratic that touches the stress from above at the current Y
    /// (majorisation), so the stress never rises.
    pub fn fit_distances(&self, d: &Matrix<f64>) -> Result<FittedSmacof> {
        check_distances(d)?;
        let n = d.rows();
        let dims = self.n_components;
        let mut y = if self.classical_start {
            classical_mds(d, dims, self.seed)?.embedding
        } else {
            let mut rng = Rng::seed_from_u64(self.seed);
            Matrix::from_fn(n, dims, |_, _| rng.normal())
        };
        let mut stress = vec![raw_stress(d, &y)];
        let mut converged = false;
        let mut n_iter = 0;
        for _ in 0..self.max_iter {
            y = guttman_transform(d, &y);
            n_iter += 1;
            let s = raw_stress(d, &y);
            let last = stress[stress.len() - 1];
            stress.push(s);
            if last - s <= self.tol * last {
                converged = true;
                break;
            }
        }
        Ok(FittedSmacof {
            embedding: y,
            stress,
            n_iter,
            converged,
        })
    }
    // ANCHOR_END: smacof
}

/// `Y ← B(Y) Y / n`.
fn guttman_transform(d: &Matrix<f64>, y: &Matrix<f64>) -> Matrix<f64> {
    let (n, dims) = y.shape();
    let mut out = Matrix::zeros(n, dims);
    for i in 0..n {
        let mut diag = 0.0;
        for j in (0..n).filter(|&j| j != i) {
            let dist = super::distance(y.row(i), y.row(j));
            // Coincident map points: B's entry is taken as 0 (de Leeuw's convention).
            let bij = if dist > 0.0 { -d[(i, j)] / dist } else { 0.0 };
            diag -= bij;
            for k in 0..dims {
                out[(i, k)] += bij * y[(j, k)];
            }
        }
        for k in 0..dims {
            out[(i, k)] = (out[(i, k)] + diag * y[(i, k)]) / n as f64;
        }
    }
    out
}

/// `Σ_{i<j} (dᵢⱼ - ‖yᵢ - yⱼ‖)²`.
pub fn raw_stress(d: &Matrix<f64>, y: &Matrix<f64>) -> f64 {
    let n = d.rows();
    let mut s = 0.0;
    for i in 0..n {
        for j in i + 1..n {
            let e = d[(i, j)] - super::distance(y.row(i), y.row(j));
            s += e * e;
        }
    }
    s
}
