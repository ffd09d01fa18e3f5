//! Cholesky factorisation `A = L Lᵀ` of a symmetric positive-definite matrix, the
//! triangular solves that use it and the log-determinant. Gaussian densities (chapter 6)
//! need all three: `log 𝒩(x | μ, Σ) = -½ (d log 2π + log det Σ + ‖L⁻¹(x - μ)‖²)`.
//!
//! The factorisation reads only the lower triangle of `A`. It fails with
//! [`Error::NotPositiveDefinite`] at the first pivot that is not positive, naming the pivot
//! and the value reached: the partial factor is meaningless, so none is returned.

use super::gemm::gemm_serial;
use super::kernels::{axpy, dot};
use super::threads::par_chunks_mut;
use super::Exec;
use super::{Matrix, Scalar};
use crate::error::{Error, Result};

/// The factor `L` (lower triangular, positive diagonal) of `A = L Lᵀ`.
#[derive(Clone, Debug, PartialEq)]
pub struct Cholesky<T> {
    l: Matrix<T>,
}

impl<T: Scalar> Cholesky<T> {
    // ANCHOR: factor
    /// Factors `A` row by row (Cholesky–Banachiewicz):
    /// `L[i][j] = (A[i][j] - Σ_{p<j} L[i][p] L[j][p]) / L[j][j]` for `j < i`, and
    /// `L[i][i] = sqrt(A[i][i] - Σ_{p<i} L[i][p]²)`. Each sum is a dot product of two
    /// contiguous row prefixes, so it runs on the blocked kernel. Above [`BLOCK`] rows the
    /// same sums are organised by blocks of columns ([`Cholesky::factor_with`]), so that
    /// almost all the work is one matrix product per block.
    pub fn factor(a: &Matrix<T>) -> Result<Self> {
        Self::factor_with(a, Exec::default())
    }

    /// [`Cholesky::factor`] with an explicit thread count and instruction set; the result
    /// is the same for any thread count.
    pub fn factor_with(a: &Matrix<T>, exec: Exec) -> Result<Self> {
        let n = a.rows();
        if n != a.cols() {
            return Err(Error::ShapeMismatch {
                op: "Cholesky::factor (needs a square matrix)",
                left: a.shape(),
                right: (a.cols(), a.rows()),
            });
        }
        a.check_samples("the matrix to factor")?; // square, so no rows means empty
                                                  // Start from A's lower triangle; every step below overwrites it with L in place.
        let mut l = Matrix::from_fn(n, n, |i, j| if j <= i { a[(i, j)] } else { T::ZERO });
        for k0 in (0..n).step_by(BLOCK) {
            let kb = BLOCK.min(n - k0);
            factor_diagonal_block(&mut l, k0, kb)?;
            solve_panel(&mut l, k0, kb, exec);
            update_trailing(&mut l, k0, kb, exec);
        }
        // The trailing products also filled the strict upper triangle; L has zeros there.
        for i in 0..n {
            l.row_mut(i)[i + 1..].fill(T::ZERO);
        }
        Ok(Cholesky { l })
    }
    // ANCHOR_END: factor

    /// The lower-triangular factor.
    pub fn l(&self) -> &Matrix<T> {
        &self.l
    }

    /// The order n of the factored matrix.
    pub fn dim(&self) -> usize {
        self.l.rows()
    }

    fn check_rhs(&self, len: usize, op: &'static str) -> Result<()> {
        if len != self.dim() {
            return Err(Error::ShapeMismatch {
                op,
                left: self.l.shape(),
                right: (len, 1),
            });
        }
        Ok(())
    }

    // ANCHOR: solves
    /// Forward substitution: the `y` with `L y = b`.
    pub fn solve_lower(&self, b: &[T]) -> Result<Vec<T>> {
        self.check_rhs(b.len(), "Cholesky::solve_lower")?;
        let mut y = b.to_vec();
        for i in 0..y.len() {
            let row = self.l.row(i);
            y[i] = (y[i] - dot(&row[..i], &y[..i])) / row[i];
        }
        Ok(y)
    }

    /// Back substitution with `Lᵀ`: the `x` with `Lᵀ x = y`. Column i of `Lᵀ` is row i of
    /// `L`, so once `x[i]` is known it is removed from the equations above it with one axpy
    /// over a contiguous row.
    pub fn solve_upper(&self, y: &[T]) -> Result<Vec<T>> {
        self.check_rhs(y.len(), "Cholesky::solve_upper")?;
        let mut x = y.to_vec();
        for i in (0..x.len()).rev() {
            let row = self.l.row(i);
            x[i] /= row[i];
            let xi = x[i];
            axpy(-xi, &row[..i], &mut x[..i]);
        }
        Ok(x)
    }

    /// The `x` with `A x = b`: `L y = b`, then `Lᵀ x = y`.
    pub fn solve(&self, b: &[T]) -> Result<Vec<T>> {
        self.solve_upper(&self.solve_lower(b)?)
    }
    // ANCHOR_END: solves

    /// `A X = B` for every column of `B`.
    pub fn solve_matrix(&self, b: &Matrix<T>) -> Result<Matrix<T>> {
        if b.rows() != self.dim() {
            return Err(Error::ShapeMismatch {
                op: "Cholesky::solve_matrix",
                left: self.l.shape(),
                right: b.shape(),
            });
        }
        let bt = b.transpose();
        let mut xt = Matrix::zeros(b.cols(), b.rows());
        for (j, col) in bt.iter_rows().enumerate() {
            xt.row_mut(j).copy_from_slice(&self.solve(col)?);
        }
        Ok(xt.transpose())
    }

    /// `log det A = 2 Σᵢ log L[i][i]`, which never overflows the way `det A` would.
    pub fn log_det(&self) -> T {
        let two = T::ONE + T::ONE;
        two * (0..self.dim()).map(|i| self.l[(i, i)].ln()).sum::<T>()
    }
}

/// Columns per block of the factorisation: 128 `f64` columns of a panel fit in L2 beside
/// the products' packed tiles, and below this order the blocks change nothing.
pub const BLOCK: usize = 128;

/// Rows of the panel solve per parallel task.
const PANEL_ROWS: usize = 64;

// ANCHOR: blocked
/// Step 1: the diagonal block `A₁₁ = L₁₁ L₁₁ᵀ`, row by row, in place (earlier columns were
/// already subtracted by [`update_trailing`]).
fn factor_diagonal_block<T: Scalar>(l: &mut Matrix<T>, k0: usize, kb: usize) -> Result<()> {
    let n = l.cols();
    for i in k0..k0 + kb {
        for j in k0..=i {
            let (upper, lower) = l.as_mut_slice().split_at_mut(i * n);
            let row_i = &lower[..n];
            let s = row_i[j]
                - if j == i {
                    dot(&row_i[k0..j], &row_i[k0..j])
                } else {
                    dot(&row_i[k0..j], &upper[j * n + k0..j * n + j])
                };
            if j == i {
                // NOTE: the finiteness test catches an update that overflowed to inf or NaN.
                if !s.is_finite() || s <= T::ZERO {
                    return Err(Error::NotPositiveDefinite {
                        pivot: i,
                        value: s.to_f64(),
                    });
                }
                l[(i, i)] = s.sqrt();
            } else {
                let d = l[(j, j)];
                l[(i, j)] = s / d;
            }
        }
    }
    Ok(())
}

/// Step 2: the panel below it, `L₂₁ = A₂₁ L₁₁⁻ᵀ`: forward substitution along each row,
/// rows in parallel.
fn solve_panel<T: Scalar>(l: &mut Matrix<T>, k0: usize, kb: usize, exec: Exec) {
    let n = l.cols();
    let (head, tail) = l.as_mut_slice().split_at_mut((k0 + kb) * n);
    let diag = &head[k0 * n..];
    par_chunks_mut(tail, PANEL_ROWS * n, exec.threads, |_, rows| {
        for row in rows.chunks_exact_mut(n) {
            for j in 0..kb {
                let lj = &diag[j * n + k0..j * n + k0 + j + 1];
                let s = row[k0 + j] - dot(&row[k0..k0 + j], &lj[..j]);
                row[k0 + j] = s / lj[j];
            }
        }
    });
}

/// Step 3: the trailing matrix `A₂₂ ← A₂₂ - L₂₁ L₂₁ᵀ`, chapter 1's GEMM on row bands.
fn update_trailing<T: Scalar>(l: &mut Matrix<T>, k0: usize, kb: usize, exec: Exec) {
    let n = l.cols();
    let start = k0 + kb;
    let m = n - start;
    if m == 0 {
        return;
    }
    // A copy of the panel: the product reads it while writing the rows below it.
    let panel = Matrix::from_fn(m, kb, |i, j| l[(start + i, k0 + j)]);
    let tile = T::tile(exec.isa);
    let band = m.div_ceil(exec.threads.max(1)).div_ceil(tile.mr) * tile.mr;
    let tail = &mut l.as_mut_slice()[start * n..];
    par_chunks_mut(tail, band * n, exec.threads, |t, rows| {
        let r = rows.len() / n;
        gemm_serial(
            &tile,
            -T::ONE,
            panel.view().block(t * band, 0, r, kb),
            panel.view().t(),
            T::ONE,
            &mut rows[start..],
            n,
        );
    });
}
// ANCHOR_END: blocked
