//! Householder tridiagonalisation followed by the implicit symmetric QL iteration with
//! Wilkinson shifts: the classical dense path (EISPACK's `tred2` and `tql2`, Wilkinson and
//! Reinsch, *Handbook for Automatic Computation* II, 1971; Golub and Van Loan §8.3).
//!
//! 1. [`tridiagonalize`]: `n - 2` Householder reflections `H = I - τvvᵀ`, each zeroing one
//!    row right of the superdiagonal (and, by symmetry, the column below the subdiagonal),
//!    give `QᵀAQ = T` tridiagonal (`d` its diagonal, `e` its subdiagonal), with `Qᵀ`
//!    accumulated (LAPACK's `sytd2` and `orgtr`, unblocked).
//! 2. [`ql_implicit`]: QL steps on `T` with a shift from its trailing 2 x 2 block, each one a
//!    chase of plane rotations, until every subdiagonal entry is negligible; the rotations are
//!    applied to `Q`'s columns, which become the eigenvectors.
//!
//! About `4n³/3` flops for the reduction, `4n³/3` to form `Q` and about `3n³` for the QL
//! rotations on the eigenvectors: several times fewer than Jacobi's sweeps.

use crate::error::{Error, Result};
use crate::linalg::gemm::{gemm_serial, GemmScalar};
use crate::linalg::kernels::{axpy, dot, isa, rot};
use crate::linalg::Matrix;

// ANCHOR: tridiagonalize
/// Reduces the symmetric `a` to tridiagonal form `T = QᵀAQ`. Returns the diagonal `d`, the
/// subdiagonal `e` (`e[0] = 0`, `e[i]` couples rows i-1 and i) and `Qᵀ`.
///
/// Step k reflects column k's part below the diagonal, `x = A[k+1.., k]`, onto a multiple of
/// the first unit vector with `H = I - τ v vᵀ`, `v = x - α e₁`, `α = -sgn(x₀)‖x‖` (the sign
/// that avoids cancellation), and applies `H B H` to the trailing block B as a symmetric
/// rank-2 update: `p = τ B v`, `q = p - (τ pᵀv / 2) v`, `B ← B - v qᵀ - q vᵀ`, on B's lower
/// triangle only (so `x` is read as column k below the diagonal, the same numbers).
/// Every inner loop runs along a row.
#[allow(non_snake_case)]
pub fn tridiagonalize(a: &Matrix<f64>) -> (Vec<f64>, Vec<f64>, Matrix<f64>) {
    let n = a.rows();
    let mut A = a.clone();
    let mut d = vec![0.0; n];
    let mut e = vec![0.0; n];
    let mut reflectors: Vec<(usize, Vec<f64>, f64)> = Vec::with_capacity(n);
    for k in 0..n.saturating_sub(2) {
        d[k] = A[(k, k)];
        // x = A[k+1.., k], the lower triangle's column (the half kept up to date); to become v.
        let mut v: Vec<f64> = (k + 1..n).map(|r| A[(r, k)]).collect();
        let tail = dot(&v[1..], &v[1..]);
        if tail == 0.0 {
            e[k + 1] = v[0]; // already tridiagonal in this row
            continue;
        }
        let norm = (v[0] * v[0] + tail).sqrt();
        let alpha = if v[0] > 0.0 { -norm } else { norm };
        v[0] -= alpha;
        let tau = 2.0 / dot(&v, &v);
        // p = τ B v from B's lower triangle only: row r contributes its dot product with v
        // up to the diagonal to p_r, and its entries left of the diagonal, times v_r, to the
        // earlier p's (the upper triangle's share, by symmetry). Both loops run along rows.
        let m = n - k - 1;
        let mut q = vec![0.0; m];
        for i in 0..m {
            let row = &A.row(k + 1 + i)[k + 1..k + 2 + i];
            q[i] += dot(row, &v[..=i]);
            axpy(v[i], &row[..i], &mut q[..i]);
        }
        q.iter_mut().for_each(|x| *x *= tau);
        let half = 0.5 * tau * dot(&q, &v);
        axpy(-half, &v, &mut q);
        // B ← B - v qᵀ - q vᵀ on the lower triangle, two axpys per row.
        for i in 0..m {
            let row = &mut A.row_mut(k + 1 + i)[k + 1..k + 2 + i];
            axpy(-v[i], &q[..=i], row);
            axpy(-q[i], &v[..=i], row);
        }
        e[k + 1] = alpha;
        reflectors.push((k, v, tau));
    }
    if n >= 2 {
        d[n - 2] = A[(n - 2, n - 2)];
        e[n - 1] = A[(n - 1, n - 2)]; // the lower triangle is the one kept up to date
    }
    d[n - 1] = A[(n - 1, n - 1)];
    let Q = accumulate(n, &reflectors);
    let W = Q.transpose();
    (d, e, W)
}
// ANCHOR_END: tridiagonalize

// ANCHOR: accumulate
/// Reflectors per block of [`accumulate`]: 32 columns of V keep the products GEMM-shaped.
const BLOCK: usize = 32;

/// `Q = H_0 (H_1 (⋯ H_last))` from the reflectors `(k, v, τ)` (each acting on rows k+1..),
/// accumulated from the last block back. A block of b reflectors is `I − V T Vᵀ` (the compact
/// WY form of Schreiber and Van Loan, 1989), with V the b vectors as columns and T upper
/// triangular, so applying it is three matrix products instead of 2b passes over Q.
/// When a block starting at reflector k is applied, the product so far is the identity
/// outside rows and columns k+1.., so only that trailing square changes.
#[allow(non_snake_case)]
fn accumulate(n: usize, reflectors: &[(usize, Vec<f64>, f64)]) -> Matrix<f64> {
    let mut Q = Matrix::identity(n);
    let tile = f64::tile(isa());
    let starts: Vec<usize> = (0..reflectors.len()).step_by(BLOCK).collect();
    for &start in starts.iter().rev() {
        let block = &reflectors[start..(start + BLOCK).min(reflectors.len())];
        let b = block.len();
        let top = block[0].0 + 1;
        let rows = n - top;
        // V: (rows, b), v_j placed from its own first row down.
        let mut V = Matrix::zeros(rows, b);
        for (j, (k, v, _)) in block.iter().enumerate() {
            for (i, &x) in v.iter().enumerate() {
                V[(k + 1 - top + i, j)] = x;
            }
        }
        // T: T_jj = τ_j and T[..j, j] = −τ_j T[..j, ..j] (V[:, ..j]ᵀ v_j).
        let Vt = V.transpose(); // (b, rows): row j is v_j
        let mut T = Matrix::zeros(b, b);
        for (j, (_, _, tau)) in block.iter().enumerate() {
            let w: Vec<f64> = (0..j).map(|i| dot(Vt.row(i), Vt.row(j))).collect();
            for i in 0..j {
                T[(i, j)] = -tau * (i..j).map(|l| T[(i, l)] * w[l]).sum::<f64>();
            }
            T[(j, j)] = *tau;
        }
        // Q[top.., top..] ← Q[top.., top..] − V (T (Vᵀ Q[top.., top..])).
        let mut W = Matrix::zeros(b, rows);
        gemm_serial(
            &tile,
            1.0,
            Vt.view(),
            Q.view().block(top, top, rows, rows),
            0.0,
            W.as_mut_slice(),
            rows,
        );
        let mut TW = Matrix::zeros(b, rows);
        gemm_serial(&tile, 1.0, T.view(), W.view(), 0.0, TW.as_mut_slice(), rows);
        gemm_serial(
            &tile,
            -1.0,
            V.view(),
            TW.view(),
            1.0,
            &mut Q.as_mut_slice()[top * n + top..],
            n,
        );
    }
    Q
}
// ANCHOR_END: accumulate

// ANCHOR: ql_implicit
/// Diagonalises the tridiagonal `(d, e)` by implicit QL with Wilkinson shifts, applying each
/// rotation to the rows of `wt` (so `wt` = `Qᵀ` on entry gives the eigenvectors as its rows).
/// On return `d` holds the (unsorted) eigenvalues. Fails if a block needs more than
/// `max_iter` QL steps.
pub fn ql_implicit(
    d: &mut [f64],
    e: &mut [f64],
    wt: &mut Matrix<f64>,
    max_iter: usize,
) -> Result<()> {
    let n = d.len();
    let cols = wt.cols();
    // Shift the subdiagonal so that e[i] couples i and i + 1.
    for i in 1..n {
        e[i - 1] = e[i];
    }
    e[n - 1] = 0.0;
    let mut shift_total = 0.0;
    let mut scale: f64 = 0.0;
    for l in 0..n {
        // Find the first negligible subdiagonal entry at or below l: T splits there.
        scale = scale.max(d[l].abs() + e[l].abs());
        let mut m = l;
        while m < n - 1 && e[m].abs() > f64::EPSILON * scale {
            m += 1;
        }
        // m > l: the block l..=m is not yet diagonal; QL steps until e[l] is negligible.
        let mut iter = 0;
        while m > l && e[l].abs() > f64::EPSILON * scale {
            iter += 1;
            if iter > max_iter {
                return Err(Error::NoConvergence {
                    what: "tridiagonal QL iteration",
                    iterations: iter - 1,
                    residual: e[l].abs() / scale.max(f64::MIN_POSITIVE),
                });
            }
            // Wilkinson's shift: the eigenvalue of the leading 2 x 2 block nearer d[l].
            let g = d[l];
            let p = (d[l + 1] - g) / (2.0 * e[l]);
            let r = p.hypot(1.0).copysign(p);
            d[l] = e[l] / (p + r);
            d[l + 1] = e[l] * (p + r);
            let dl1 = d[l + 1];
            let h = g - d[l];
            for x in &mut d[l + 2..n] {
                *x -= h;
            }
            shift_total += h;
            // The implicit QL step: chase the bulge from m up to l with plane rotations.
            let mut p = d[m];
            let (mut c, mut c2, mut c3) = (1.0, 1.0, 1.0);
            let el1 = e[l + 1];
            let (mut s, mut s2) = (0.0, 0.0);
            for i in (l..m).rev() {
                c3 = c2;
                c2 = c;
                s2 = s;
                let g = c * e[i];
                let h = c * p;
                let r = p.hypot(e[i]);
                e[i + 1] = s * r;
                s = e[i] / r;
                c = p / r;
                p = c * d[i] - s * g;
                d[i + 1] = h + s * (c * g + s * d[i]);
                // Columns i and i+1 of the eigenvector matrix: rows of wt.
                let (head, tail) = wt.as_mut_slice().split_at_mut((i + 1) * cols);
                rot(&mut head[i * cols..(i + 1) * cols], &mut tail[..cols], c, s);
            }
            p = -s * s2 * c3 * el1 * e[l] / dl1;
            e[l] = s * p;
            d[l] = c * p;
        }
        d[l] += shift_total;
        e[l] = 0.0;
    }
    Ok(())
}
// ANCHOR_END: ql_implicit
