//! The singular value decomposition `A = U Σ Vᵀ` of a tall or wide data matrix, three ways:
//!
//! - [`svd`]: one-sided Jacobi (Hestenes 1958; Demmel and Veselić 1992): rotate pairs of
//!   columns of A until all are orthogonal; their norms are the singular values. Accurate to
//!   high relative precision, also for tiny singular values.
//! - [`svd_gram`]: the eigendecomposition of `AᵀA = V Σ² Vᵀ`, then `U = A V Σ⁻¹`. Fast when
//!   A is tall and thin, but it squares the condition number: a singular value below
//!   `√ε · σ_max` keeps no correct digits.
//! - [`svd_randomized`]: the top k singular triplets of a large matrix from a random
//!   sketch of its range (Halko, Martinsson and Tropp, SIAM Review 53, 2011).
//!
//! All return the thin factors with singular values in descending order and each right
//! singular vector's largest-magnitude component positive (U's columns follow).
//! NOTE: when A is rank-deficient, the vectors that belong to (numerically) zero singular
//! values are rounding noise, not an orthonormal completion; `U Σ Vᵀ` is still A.

use super::{Eigh, Order};
use crate::error::{Error, Result};
use crate::linalg::kernels::{dot, rot};
use crate::linalg::Matrix;
use crate::rand::Rng;

/// `A = U diag(s) Vᵀ` with `r = min(m, n)`: `u` is m x r, `s` has r values (descending),
/// `vt` is r x n (rows are the right singular vectors, as NumPy's `vh`).
#[derive(Clone, Debug, PartialEq)]
pub struct Svd {
    pub u: Matrix<f64>,
    pub s: Vec<f64>,
    pub vt: Matrix<f64>,
}

impl Svd {
    /// `U diag(s) Vᵀ`, for checking a decomposition.
    pub fn reconstruct(&self) -> Result<Matrix<f64>> {
        let us = Matrix::from_fn(self.u.rows(), self.s.len(), |i, j| {
            self.u[(i, j)] * self.s[j]
        });
        us.matmul(&self.vt)
    }
}

/// Sorts the triplets by singular value (descending) and fixes signs; `ut` holds the left
/// vectors as rows (r x m), `vt` the right ones (r x n).
fn assemble(s: Vec<f64>, ut: &Matrix<f64>, vt: &Matrix<f64>) -> Svd {
    let r = s.len();
    let mut idx: Vec<usize> = (0..r).collect();
    idx.sort_by(|&i, &j| s[j].total_cmp(&s[i]));
    let (m, n) = (ut.cols(), vt.cols());
    let mut u = Matrix::zeros(m, r);
    let mut v_out = Matrix::zeros(r, n);
    for (k, &i) in idx.iter().enumerate() {
        let v = vt.row(i);
        let sign = super::sign_convention(v);
        for (j, &x) in v.iter().enumerate() {
            v_out[(k, j)] = sign * x;
        }
        for (row, &x) in ut.row(i).iter().enumerate() {
            u[(row, k)] = sign * x;
        }
    }
    Svd {
        u,
        s: idx.iter().map(|&i| s[i]).collect(),
        vt: v_out,
    }
}

// ANCHOR: hestenes
/// One-sided Jacobi SVD. Works on the columns of A, stored as the rows of `Aᵀ` so every
/// rotation runs along contiguous memory: for a pair (i, j) with `α = ‖aᵢ‖²`, `β = ‖aⱼ‖²`,
/// `γ = aᵢ·aⱼ`, the Jacobi rotation of the 2 x 2 Gram matrix `[[α, γ], [γ, β]]` makes the two
/// columns orthogonal. Sweeps stop when every pair has `|γ| ≤ ε √(αβ)`.
pub fn svd(a: &Matrix<f64>) -> Result<Svd> {
    a.check_samples("the matrix to decompose")?;
    if a.rows() < a.cols() {
        // Wide: decompose Aᵀ = V Σ Uᵀ and swap the factors.
        let t = svd(&a.transpose())?;
        return Ok(Svd {
            u: t.vt.transpose(),
            s: t.s,
            vt: t.u.transpose(),
        });
    }
    let n = a.cols();
    let mut at = a.transpose(); // n x m: row i is column i of A
    let mut vt = Matrix::identity(n);
    const MAX_SWEEPS: usize = 60;
    let mut converged = false;
    // A column whose norm is below ε‖A‖_F is zero to working precision (rank-deficient A,
    // centred data): rotating it against others only stirs rounding errors and never ends.
    let negligible = f64::EPSILON * f64::EPSILON * dot(a.as_slice(), a.as_slice());
    for _ in 0..MAX_SWEEPS {
        let mut rotated = false;
        for i in 0..n {
            for j in i + 1..n {
                let (alpha, beta) = (dot(at.row(i), at.row(i)), dot(at.row(j), at.row(j)));
                let gamma = dot(at.row(i), at.row(j));
                if gamma.abs() <= f64::EPSILON * (alpha * beta).sqrt()
                    || gamma == 0.0
                    || alpha.min(beta) <= negligible
                {
                    continue;
                }
                rotated = true;
                let (_, c, s) = super::jacobi::rotation(alpha, beta, gamma);
                let m = at.cols();
                let (head, tail) = at.as_mut_slice().split_at_mut(j * m);
                rot(&mut head[i * m..(i + 1) * m], &mut tail[..m], c, s);
                let (head, tail) = vt.as_mut_slice().split_at_mut(j * n);
                rot(&mut head[i * n..(i + 1) * n], &mut tail[..n], c, s);
            }
        }
        if !rotated {
            converged = true;
            break;
        }
    }
    if !converged {
        return Err(Error::NoConvergence {
            what: "one-sided Jacobi SVD",
            iterations: MAX_SWEEPS,
            residual: f64::NAN,
        });
    }
    // σᵢ = ‖column i‖; uᵢ = column i / σᵢ (zero for σᵢ = 0: A has rank below n).
    let s: Vec<f64> = (0..n).map(|i| dot(at.row(i), at.row(i)).sqrt()).collect();
    for (i, &si) in s.iter().enumerate() {
        let inv = if si > 0.0 { 1.0 / si } else { 0.0 };
        at.row_mut(i).iter_mut().for_each(|x| *x *= inv);
    }
    Ok(assemble(s, &at, &vt))
}
// ANCHOR_END: hestenes

// ANCHOR: gram
/// SVD through the eigendecomposition of the Gram matrix `AᵀA` (`AAᵀ` when A is wide).
/// NOTE: squaring A squares its condition number; see the module docs.
pub fn svd_gram(a: &Matrix<f64>) -> Result<Svd> {
    a.check_samples("the matrix to decompose")?;
    if a.rows() < a.cols() {
        let t = svd_gram(&a.transpose())?;
        return Ok(Svd {
            u: t.vt.transpose(),
            s: t.s,
            vt: t.u.transpose(),
        });
    }
    let gram = a.t_matmul(a)?;
    let e = Eigh::new().order(Order::Descending).solve(&gram)?;
    let s: Vec<f64> = e.values.iter().map(|&l| l.max(0.0).sqrt()).collect();
    let vt = e.vectors.transpose();
    // U = A V Σ⁻¹, as rows: (A V)ᵀ = Vᵀ Aᵀ.
    let mut ut = vt.matmul_t(a)?;
    for (i, &si) in s.iter().enumerate() {
        let inv = if si > 0.0 { 1.0 / si } else { 0.0 };
        ut.row_mut(i).iter_mut().for_each(|x| *x *= inv);
    }
    Ok(assemble(s, &ut, &vt))
}
// ANCHOR_END: gram

/// Orthonormalises the rows of `y` in place by modified Gram–Schmidt, twice.
fn orthonormalize_rows(y: &mut Matrix<f64>) {
    for _ in 0..2 {
        for i in 0..y.rows() {
            let mut row = y.row(i).to_vec();
            super::orthonormalize_against(&mut row, y, i);
            y.row_mut(i).copy_from_slice(&row);
        }
    }
}

// ANCHOR: randomized
/// The top `k` singular triplets of `a` (Halko, Martinsson and Tropp 2011, Algorithms 4.4
/// and 5.1): sketch the range with `Y = A Ω` for a Gaussian `Ω` of `k + oversample` columns,
/// sharpen it with `power_iters` rounds of `Y ← A (Aᵀ Y)` (re-orthonormalised each time),
/// take an orthonormal basis `Q` of Y, and finish with the small SVD of `B = QᵀA`.
pub fn svd_randomized(
    a: &Matrix<f64>,
    k: usize,
    oversample: usize,
    power_iters: usize,
    seed: u64,
) -> Result<Svd> {
    a.check_samples("the matrix to decompose")?;
    let (m, n) = a.shape();
    let r = m.min(n);
    if k == 0 || k > r {
        return Err(Error::invalid(
            "k",
            k,
            format!("must be between 1 and min(rows, cols) = {r}"),
        ));
    }
    let l = (k + oversample).min(r);
    let mut rng = Rng::seed_from_u64(seed);
    // Rows of Yᵀ = Ωᵀ Aᵀ (l x m): each row of the sketch is contiguous.
    let omega_t = Matrix::from_fn(l, n, |_, _| rng.normal());
    let mut yt = omega_t.matmul_t(a)?; // (l x n)(n x m) = l x m
    orthonormalize_rows(&mut yt);
    for _ in 0..power_iters {
        let mut zt = yt.matmul(a)?; // (Aᵀ Y)ᵀ = Yᵀ A: l x n
        orthonormalize_rows(&mut zt);
        yt = zt.matmul_t(a)?; // (A Z)ᵀ = Zᵀ Aᵀ: l x m
        orthonormalize_rows(&mut yt);
    }
    let b = yt.matmul(a)?; // B = Qᵀ A: l x n
    let small = svd(&b)?; // B = U_B Σ Vᵀ with U_B l x l
    let u = yt.t_matmul(&small.u)?; // U = Q U_B: m x l
    let keep = |mat: &Matrix<f64>, rows: usize, cols: usize| {
        Matrix::from_fn(rows, cols, |i, j| mat[(i, j)])
    };
    Ok(Svd {
        u: keep(&u, m, k),
        s: small.s[..k].to_vec(),
        vt: keep(&small.vt, k, n),
    })
}
// ANCHOR_END: randomized

// ANCHOR: principal_angles
/// The principal angles between the column spaces of `a` and `b` (same number of rows),
/// smallest first, in radians: with orthonormal bases `Qa`, `Qb` (the left singular vectors
/// of each), the cosines are the singular values of `Qaᵀ Qb` (Björck and Golub 1973). Zero
/// angles mean one space contains the other.
pub fn principal_angles(a: &Matrix<f64>, b: &Matrix<f64>) -> Result<Vec<f64>> {
    if a.rows() != b.rows() {
        return Err(Error::ShapeMismatch {
            op: "principal_angles (both bases need the same number of rows)",
            left: a.shape(),
            right: b.shape(),
        });
    }
    let basis = |m: &Matrix<f64>| -> Result<Matrix<f64>> {
        let d = svd(m)?;
        let rank = d.s.iter().filter(|&&s| s > 1e-12 * d.s[0]).count();
        Ok(Matrix::from_fn(m.rows(), rank, |i, j| d.u[(i, j)]))
    };
    let cosines = svd(&basis(a)?.transpose().matmul(&basis(b)?)?)?.s;
    Ok(cosines.iter().map(|&c| c.clamp(-1.0, 1.0).acos()).collect())
}
// ANCHOR_END: principal_angles
