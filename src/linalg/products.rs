//! Products of whole matrices, as methods of [`Matrix`]: `A B`, `Aᵀ B`, `A Bᵀ` and the
//! covariance `X̃ᵀ X̃ / (n - ddof)`, all through chapter 1's GEMM. They live here, above
//! both `matrix.rs` and `gemm.rs`, so that the matrix type itself depends on neither.

use super::{gemm, Exec, MatRef, Matrix, Scalar};
use crate::error::{Error, Result};

impl<T: Scalar> Matrix<T> {
    /// `A B` with the default [`Exec`] (all cores, best instruction set).
    pub fn matmul(&self, other: &Matrix<T>) -> Result<Matrix<T>> {
        self.matmul_with(other, Exec::default())
    }
    /// `A B` on an explicit thread count and instruction set.
    pub fn matmul_with(&self, other: &Matrix<T>, exec: Exec) -> Result<Matrix<T>> {
        product(self.view(), other.view(), exec)
    }
    /// `Aᵀ B` without forming `Aᵀ`.
    pub fn t_matmul(&self, other: &Matrix<T>) -> Result<Matrix<T>> {
        product(self.view().t(), other.view(), Exec::default())
    }
    /// `A Bᵀ` without forming `Bᵀ`.
    pub fn matmul_t(&self, other: &Matrix<T>) -> Result<Matrix<T>> {
        product(self.view(), other.view().t(), Exec::default())
    }
    /// `(1/(n - ddof)) X̃ᵀ X̃` with `X̃` the centred data, through GEMM.
    fn covariance(&self, ddof: usize, what: &'static str) -> Result<Matrix<T>> {
        if self.rows() <= ddof {
            return Err(Error::invalid(
                "rows",
                self.rows(),
                format!("{what} needs at least {} rows", ddof + 1),
            ));
        }
        let (xc, _) = self.centered()?;
        let mut c = xc.t_matmul(&xc)?;
        let inv = T::ONE / T::from_usize(self.rows() - ddof);
        c.as_mut_slice().iter_mut().for_each(|x| *x *= inv);
        Ok(c)
    }
    /// The sample covariance matrix, dividing by `n - 1` (unbiased; R's `cov`).
    pub fn covariance_sample(&self) -> Result<Matrix<T>> {
        self.covariance(1, "the sample covariance")
    }
    /// The population covariance matrix, dividing by `n` (the maximum-likelihood estimate).
    pub fn covariance_population(&self) -> Result<Matrix<T>> {
        self.covariance(0, "the population covariance")
    }
}

/// `A B` into a fresh matrix, shapes checked.
fn product<T: Scalar>(a: MatRef<'_, T>, b: MatRef<'_, T>, exec: Exec) -> Result<Matrix<T>> {
    let mut c = Matrix::zeros(a.rows, b.cols);
    gemm(T::ONE, a, b, T::ZERO, &mut c, exec)?;
    Ok(c)
}
