//! Householder tridiagonalisation followed by the implicit symmetric QL iteration with
//! Wilkinson shifts: the classical dense path (EISPACK's `tred2` and `tql2`, Wilkinson and
//! Reinsch, *Handbook for Automatic Computation* II, 1971; Golub and Van Loan §8.3).
//!
//! 1. [`tridiagonalize`]: `n - 2` Householder reflections `H = I - 2uuᵀ/uᵀu`, each zeroing
//!    one row below the subdiagonal, give `QᵀAQ = T` tridiagonal (`d` its diagonal, `e` its
//!    subdiagonal), with `Q` accumulated.
//! 2. [`ql_implicit`]: QL steps on `T` with a shift from its trailing 2 x 2 block, each one a
//!    chase of plane rotations, until every subdiagonal entry is negligible; the rotations are
//!    applied to `Q`'s columns, which become the eigenvectors.
//!
//! About `(4/3)n³` flops for the reduction, `(4/3)n³` to form `Q` and about `3n³` for the QL
//! rotations on the eigenvectors: several times fewer than Jacobi's sweeps.

use crate::error::{Error, Result};
use crate::linalg::kernels::rot;
use crate::linalg::Matrix;

// ANCHOR: tridiagonalize
/// Reduces the symmetric `a` to tridiagonal form. Returns the diagonal `d`, the subdiagonal
/// `e` (`e[0] = 0`, `e[i]` couples rows i-1 and i) and the orthogonal `Q` (row-major).
#[allow(non_snake_case)]
pub fn tridiagonalize(a: &Matrix<f64>) -> (Vec<f64>, Vec<f64>, Matrix<f64>) {
    let n = a.rows();
    let mut V = a.clone();
    let mut d: Vec<f64> = V.row(n - 1).to_vec();
    let mut e = vec![0.0; n];
    // Householder reduction, from the last row up (EISPACK tred2).
    for i in (1..n).rev() {
        let scale: f64 = d[..i].iter().map(|x| x.abs()).sum();
        let mut h = 0.0;
        if scale == 0.0 {
            e[i] = d[i - 1];
            for j in 0..i {
                d[j] = V[(i - 1, j)];
                V[(i, j)] = 0.0;
                V[(j, i)] = 0.0;
            }
        } else {
            // u = the scaled row i, with its last entry shifted so that H u ∝ e_{i-1}.
            for x in &mut d[..i] {
                *x /= scale;
                h += *x * *x;
            }
            let f = d[i - 1];
            let g = if f > 0.0 { -h.sqrt() } else { h.sqrt() };
            e[i] = scale * g;
            h -= f * g;
            d[i - 1] = f - g;
            e[..i].fill(0.0);
            // p = A u / h, kept in e.
            for j in 0..i {
                let f = d[j];
                V[(j, i)] = f;
                let mut g = e[j] + V[(j, j)] * f;
                for k in j + 1..i {
                    g += V[(k, j)] * d[k];
                    e[k] += V[(k, j)] * f;
                }
                e[j] = g;
            }
            // q = p - (uᵀp / 2h) u, then A ← A - u qᵀ - q uᵀ on the leading i x i block.
            let mut f = 0.0;
            for j in 0..i {
                e[j] /= h;
                f += e[j] * d[j];
            }
            let hh = f / (h + h);
            for j in 0..i {
                e[j] -= hh * d[j];
            }
            for j in 0..i {
                let (f, g) = (d[j], e[j]);
                for k in j..i {
                    V[(k, j)] -= f * e[k] + g * d[k];
                }
                d[j] = V[(i - 1, j)];
                V[(i, j)] = 0.0;
            }
        }
        d[i] = h;
    }
    // Accumulate Q = H_{n-1} ⋯ H_1 in place.
    for i in 0..n - 1 {
        V[(n - 1, i)] = V[(i, i)];
        V[(i, i)] = 1.0;
        let h = d[i + 1];
        if h != 0.0 {
            for k in 0..=i {
                d[k] = V[(k, i + 1)] / h;
            }
            for j in 0..=i {
                let g: f64 = (0..=i).map(|k| V[(k, i + 1)] * V[(k, j)]).sum();
                for k in 0..=i {
                    V[(k, j)] -= g * d[k];
                }
            }
        }
        for k in 0..=i {
            V[(k, i + 1)] = 0.0;
        }
    }
    for j in 0..n {
        d[j] = V[(n - 1, j)];
        V[(n - 1, j)] = 0.0;
    }
    V[(n - 1, n - 1)] = 1.0;
    e[0] = 0.0;
    (d, e, V)
}
// ANCHOR_END: tridiagonalize

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
