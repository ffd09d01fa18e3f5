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
    // NOTE: for huge θ, θ² overflows; then t ≈ 1/(2θ). Below that, sqrt(θ² + 1) is exact
    // enough and much cheaper than `hypot`.
    let t = if theta.abs() > 1e150 {
        0.5 / theta
    } else {
        theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt())
    };
    let c = 1.0 / (t * t + 1.0).sqrt();
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

/// The threshold test (see [`jacobi`]): is `a_pq` still worth a rotation?
fn significant(app: f64, aqq: f64, apq: f64) -> bool {
    apq != 0.0 && apq.abs() > f64::EPSILON * (app * aqq).abs().sqrt()
}

/// One cyclic sweep over the pairs (p, q) of `a` with `p < q` and `q >= first_q(p)`,
/// rotations accumulated into the rows of `vt`; entries below the threshold are set to zero.
/// Returns whether anything was rotated.
fn scalar_sweep(
    a: &mut Matrix<f64>,
    vt: &mut Matrix<f64>,
    first_q: impl Fn(usize) -> usize,
) -> bool {
    let n = a.rows();
    let mut rotated = false;
    for p in 0..n {
        for q in first_q(p).max(p + 1)..n {
            if significant(a[(p, p)], a[(q, q)], a[(p, q)]) {
                rotate(a, vt, p, q);
                rotated = true;
            } else {
                a[(p, q)] = 0.0;
                a[(q, p)] = 0.0;
            }
        }
    }
    rotated
}

fn gather_rows(m: &Matrix<f64>, idx: &[usize]) -> Matrix<f64> {
    let mut out = Matrix::zeros(idx.len(), m.cols());
    for (i, &r) in idx.iter().enumerate() {
        out.row_mut(i).copy_from_slice(m.row(r));
    }
    out
}

fn scatter_rows(m: &mut Matrix<f64>, idx: &[usize], rows: &Matrix<f64>) {
    for (i, &r) in idx.iter().enumerate() {
        m.row_mut(r).copy_from_slice(rows.row(i));
    }
}

/// Rows per block in [`blocked_sweep`]: two blocks make a 64 x 64 sub-problem.
const BLOCK: usize = 32;

// ANCHOR: blocked_sweep
/// One sweep in block-cyclic order, for large n. For each pair of index blocks (I, J), the
/// (I ∪ J) sub-matrix gets a scalar sweep of the same rotations, accumulated into a small
/// orthogonal `Qᵀ`; the big matrix's rows I ∪ J and the eigenvectors are then updated by one
/// GEMM each, and columns I ∪ J copied from the rows by symmetry as contiguous segments.
/// The strided column writes of the scalar sweep become block copies.
fn blocked_sweep(a: &mut Matrix<f64>, vt: &mut Matrix<f64>) -> Result<bool> {
    let n = a.rows();
    let blocks: Vec<std::ops::Range<usize>> = (0..n)
        .step_by(BLOCK)
        .map(|s| s..(s + BLOCK).min(n))
        .collect();
    let mut rotated = false;
    // Each pair once per sweep: first the pairs inside each block, then across two blocks.
    let mut tasks: Vec<(std::ops::Range<usize>, std::ops::Range<usize>)> =
        blocks.iter().map(|b| (b.clone(), 0..0)).collect();
    for (bi, ri) in blocks.iter().enumerate() {
        for rj in &blocks[bi + 1..] {
            tasks.push((ri.clone(), rj.clone()));
        }
    }
    for (ri, rj) in tasks {
        let idx: Vec<usize> = ri.clone().chain(rj.clone()).collect();
        let m = idx.len();
        let mut sub = Matrix::from_fn(m, m, |i, j| a[(idx[i], idx[j])]);
        let mut qt = Matrix::identity(m);
        // Inside one block every pair; across two blocks only the pairs that straddle them.
        let ni = ri.len();
        let any = if rj.is_empty() {
            scalar_sweep(&mut sub, &mut qt, |_| 0)
        } else {
            scalar_sweep(&mut sub, &mut qt, |p| if p < ni { ni } else { m })
        };
        if any {
            rotated = true;
            // Rows I ∪ J of Qᵀ Vᵀ and of QᵀA, by GEMM.
            let new_v = qt.matmul(&gather_rows(vt, &idx))?;
            scatter_rows(vt, &idx, &new_v);
            let new_rows = qt.matmul(&gather_rows(a, &idx))?;
            scatter_rows(a, &idx, &new_rows);
            // Columns I ∪ J equal those rows (A is symmetric): contiguous segments per row.
            let cols = new_rows.transpose();
            for r in 0..n {
                let (src, row) = (cols.row(r), a.row_mut(r));
                row[ri.clone()].copy_from_slice(&src[..ni]);
                row[rj.clone()].copy_from_slice(&src[ni..]);
            }
        }
        // The block itself is `sub`: rotated, and with sub-threshold entries set to zero.
        for (i, &r) in idx.iter().enumerate() {
            for (j, &c) in idx.iter().enumerate() {
                a[(r, c)] = sub[(i, j)];
            }
        }
    }
    Ok(rotated)
}
// ANCHOR_END: blocked_sweep

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
        // Small matrices rotate in place; large ones in blocks, with GEMM updates.
        let rotated = if n > 2 * BLOCK {
            blocked_sweep(&mut a, &mut vt)?
        } else {
            scalar_sweep(&mut a, &mut vt, |_| 0)
        };
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
