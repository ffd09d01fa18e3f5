//! Cyclic Jacobi for a real symmetric matrix (Jacobi 1846; Golub and Van Loan §8.5).
//!
//! One rotation `J(p, q, θ)` chosen so that `(JᵀAJ)[p][q] = 0` moves the weight `2a_pq²`
//! from the off-diagonal onto the diagonal: `off(A)² = Σ_{i≠j} a_ij²` falls by exactly that
//! much. A sweep rotates every pair once; the convergence is quadratic once the off-diagonal
//! is small. The product of all rotations holds the eigenvectors.

use super::Trace;
use crate::error::{Error, Result};
use crate::linalg::kernels::rot;
use crate::linalg::Matrix;

/// `off(A) = sqrt(Σ_{i≠j} a_ij²)`.
pub fn off_norm(a: &Matrix<f64>) -> f64 {
    let n = a.rows();
    let mut s = 0.0;
    for i in 0..n {
        for (j, &x) in a.row(i).iter().enumerate() {
            if i != j {
                s += x * x;
            }
        }
    }
    s.sqrt()
}

// ANCHOR: rotation
/// The rotation that annihilates `a_pq`: with `θ = (a_qq - a_pp) / (2 a_pq)`, the smaller
/// root `t = sgn(θ) / (|θ| + sqrt(θ² + 1))` of `t² + 2θt - 1 = 0` (an angle of at most π/4,
/// which keeps the rotation close to the identity), then `c = 1/sqrt(1 + t²)`, `s = t c`.
pub fn rotation(app: f64, aqq: f64, apq: f64) -> (f64, f64, f64) {
    let theta = (aqq - app) / (2.0 * apq);
    // NOTE: for huge θ, θ² overflows; then t ≈ 1/(2θ).
    let t = if theta.abs() > 1e150 {
        0.5 / theta
    } else {
        theta.signum() / (theta.abs() + theta.hypot(1.0))
    };
    let c = 1.0 / t.hypot(1.0);
    (t, c, t * c)
}
// ANCHOR_END: rotation

// ANCHOR: jacobi_rotate
/// Applies the rotation in plane (p, q) to the symmetric `a` (both sides) and to the rows of
/// `vt`, the transposed eigenvector matrix.
fn rotate(a: &mut Matrix<f64>, vt: &mut Matrix<f64>, p: usize, q: usize) {
    let n = a.rows();
    let (app, aqq, apq) = (a[(p, p)], a[(q, q)], a[(p, q)]);
    let (t, c, s) = rotation(app, aqq, apq);
    // Rows p and q of JᵀA: contiguous in memory, so the blocked rotation kernel does them.
    let (head, tail) = a.as_mut_slice().split_at_mut(q * n);
    rot(&mut head[p * n..(p + 1) * n], &mut tail[..n], c, s);
    // A is symmetric: columns p and q of JᵀAJ equal those rows, except the 2 x 2 block.
    // NOTE: these are strided writes, one cache line each: most of Jacobi's time. A blocked,
    // parallel-ordering Jacobi would turn them into GEMMs.
    let data = a.as_mut_slice();
    for r in (0..n).filter(|&r| r != p && r != q) {
        data[r * n + p] = data[p * n + r];
        data[r * n + q] = data[q * n + r];
    }
    a[(p, p)] = app - t * apq;
    a[(q, q)] = aqq + t * apq;
    a[(p, q)] = 0.0;
    a[(q, p)] = 0.0;
    let (head, tail) = vt.as_mut_slice().split_at_mut(q * n);
    rot(&mut head[p * n..(p + 1) * n], &mut tail[..n], c, s);
}
// ANCHOR_END: jacobi_rotate

// ANCHOR: sweep
/// Diagonalises the symmetric `a` by cyclic sweeps. Returns the unsorted eigenvalues, the
/// eigenvectors as the rows of `Vᵀ`, and `off(A)/‖A‖_F` before and after every sweep.
///
/// Threshold strategy (Demmel and Veselić 1992): `a_pq` is rotated away only while
/// `|a_pq| > ε sqrt(|a_pp a_qq|)`; smaller entries are set to zero, which changes each
/// eigenvalue by a tiny fraction of itself. That gives graded matrices (entries of very
/// different sizes) eigenvalues with high *relative* accuracy. A sweep with no rotation ends
/// the iteration.
pub fn jacobi(a: &Matrix<f64>, max_sweeps: usize) -> Result<(Vec<f64>, Matrix<f64>, Trace)> {
    let n = a.rows();
    let mut a = a.clone();
    let mut vt = Matrix::identity(n);
    let norm = a.as_slice().iter().map(|x| x * x).sum::<f64>().sqrt();
    let relative = |off: f64| if norm > 0.0 { off / norm } else { 0.0 };
    let mut trace = Trace {
        off_diagonal: vec![relative(off_norm(&a))],
    };
    for _ in 0..max_sweeps {
        let mut rotated = false;
        for p in 0..n {
            for q in p + 1..n {
                let apq = a[(p, q)];
                if apq == 0.0 {
                    continue;
                }
                if apq.abs() <= f64::EPSILON * (a[(p, p)] * a[(q, q)]).abs().sqrt() {
                    a[(p, q)] = 0.0;
                    a[(q, p)] = 0.0;
                    continue;
                }
                rotate(&mut a, &mut vt, p, q);
                rotated = true;
            }
        }
        trace.off_diagonal.push(relative(off_norm(&a)));
        if !rotated {
            let values = (0..n).map(|i| a[(i, i)]).collect();
            return Ok((values, vt, trace));
        }
    }
    Err(Error::NoConvergence {
        what: "Jacobi eigenvalue iteration",
        iterations: max_sweeps,
        residual: relative(off_norm(&a)),
    })
}
// ANCHOR_END: sweep
