//! Cholesky factorisation `A = L Lᵀ` of a symmetric positive-definite matrix, the
//! triangular solves that use it and the log-determinant. Gaussian densities (chapter 6)
//! need all three: `log 𝒩(x | μ, Σ) = -½ (d log 2π + log det Σ + ‖L⁻¹(x - μ)‖²)`.
//!
//! The factorisation reads only the lower triangle of `A`. It fails with
//! [`Error::NotPositiveDefinite`] at the first pivot that is not positive, naming the pivot
//! and the value reached: the partial factor is meaningless, so none is returned.

use super::kernels::{axpy, dot};
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
    /// contiguous row prefixes, so it runs on the blocked kernel.
    pub fn factor(a: &Matrix<T>) -> Result<Self> {
        let n = a.rows();
        if n != a.cols() {
            return Err(Error::ShapeMismatch {
                op: "Cholesky::factor (needs a square matrix)",
                left: a.shape(),
                right: (a.cols(), a.rows()),
            });
        }
        if n == 0 {
            return Err(Error::Empty {
                input: "Cholesky::factor matrix",
            });
        }
        a.check_finite("Cholesky::factor matrix")?;
        let mut l = Matrix::zeros(n, n);
        for i in 0..n {
            for j in 0..=i {
                let (upper, lower) = l.as_mut_slice().split_at_mut(i * n);
                let row_i = &lower[..n];
                let s = a[(i, j)]
                    - if j == i {
                        dot(&row_i[..j], &row_i[..j])
                    } else {
                        dot(&row_i[..j], &upper[j * n..j * n + j])
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
                    l[(i, j)] = s / l[(j, j)];
                }
            }
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
