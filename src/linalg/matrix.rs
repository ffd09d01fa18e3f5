//! The dense, row-major matrix and its borrowed, possibly transposed view.

use super::Scalar;
use crate::error::{Error, Result};
use std::fmt;
use std::ops::{Index, IndexMut};

// ANCHOR: matrix
/// A dense matrix stored row-major in one contiguous buffer: entry `(i, j)` is
/// `data[i * cols + j]`, so a row is a slice and walking along a row touches consecutive
/// cache lines. Rows are samples and columns features, as in scikit-learn.
#[derive(Clone, Debug, PartialEq)]
pub struct Matrix<T> {
    rows: usize,
    cols: usize,
    data: Vec<T>,
}
// ANCHOR_END: matrix

/// A borrowed matrix with arbitrary row and column strides: entry `(i, j)` is
/// `data[i * rs + j * cs]`. Transposing a view swaps the strides and copies nothing, which is
/// how GEMM takes `Aᵀ` or `Bᵀ` operands.
#[derive(Clone, Copy, Debug)]
pub struct MatRef<'a, T> {
    pub(crate) data: &'a [T],
    pub(crate) rows: usize,
    pub(crate) cols: usize,
    pub(crate) rs: usize,
    pub(crate) cs: usize,
}

impl<'a, T: Scalar> MatRef<'a, T> {
    pub fn rows(&self) -> usize {
        self.rows
    }
    pub fn cols(&self) -> usize {
        self.cols
    }
    /// The row-major `rows x cols` matrix stored in `data` (at least `rows·cols` values).
    pub(crate) fn row_major(data: &'a [T], rows: usize, cols: usize) -> MatRef<'a, T> {
        debug_assert!(data.len() >= rows * cols);
        MatRef {
            data,
            rows,
            cols,
            rs: cols,
            cs: 1,
        }
    }
    /// The transposed view (no copy).
    pub fn t(self) -> MatRef<'a, T> {
        MatRef {
            data: self.data,
            rows: self.cols,
            cols: self.rows,
            rs: self.cs,
            cs: self.rs,
        }
    }
    /// Entry `(i, j)`; panics when out of bounds.
    #[inline(always)]
    pub fn at(&self, i: usize, j: usize) -> T {
        self.data[i * self.rs + j * self.cs]
    }
    /// The `rows x cols` block whose top-left entry is `(i, j)` (must lie inside the view).
    pub(crate) fn block(self, i: usize, j: usize, rows: usize, cols: usize) -> MatRef<'a, T> {
        debug_assert!(i + rows <= self.rows && j + cols <= self.cols);
        let start = if rows == 0 || cols == 0 {
            0
        } else {
            i * self.rs + j * self.cs
        };
        MatRef {
            data: &self.data[start..],
            rows,
            cols,
            rs: self.rs,
            cs: self.cs,
        }
    }
    /// Copies the view into an owned row-major matrix.
    pub fn to_matrix(&self) -> Matrix<T> {
        Matrix::from_fn(self.rows, self.cols, |i, j| self.at(i, j))
    }
}

impl<T: Scalar> Matrix<T> {
    /// A matrix from a row-major buffer; `data.len()` must be `rows * cols`.
    pub fn new(rows: usize, cols: usize, data: Vec<T>) -> Result<Self> {
        match rows.checked_mul(cols) {
            Some(len) if len == data.len() => Ok(Matrix { rows, cols, data }),
            Some(len) => Err(Error::BadLength {
                what: "Matrix::new data",
                expected: len,
                actual: data.len(),
            }),
            None => Err(Error::invalid(
                "rows * cols",
                format!("{rows} * {cols}"),
                "overflows usize",
            )),
        }
    }

    /// The `rows x cols` zero matrix.
    pub fn zeros(rows: usize, cols: usize) -> Self {
        Matrix {
            rows,
            cols,
            data: vec![T::ZERO; rows * cols],
        }
    }

    /// The `n x n` identity.
    pub fn identity(n: usize) -> Self {
        Matrix::from_fn(n, n, |i, j| if i == j { T::ONE } else { T::ZERO })
    }

    /// The matrix whose entry `(i, j)` is `f(i, j)`.
    pub fn from_fn(rows: usize, cols: usize, mut f: impl FnMut(usize, usize) -> T) -> Self {
        let mut data = Vec::with_capacity(rows * cols);
        for i in 0..rows {
            for j in 0..cols {
                data.push(f(i, j));
            }
        }
        Matrix { rows, cols, data }
    }

    /// A matrix from nested rows; every row must have the same length.
    pub fn from_rows(rows: Vec<Vec<T>>) -> Result<Self> {
        let cols = rows.first().map_or(0, Vec::len);
        let mut data = Vec::with_capacity(rows.len() * cols);
        for (i, row) in rows.iter().enumerate() {
            if row.len() != cols {
                return Err(Error::RaggedRows {
                    row: i,
                    expected: cols,
                    actual: row.len(),
                });
            }
            data.extend_from_slice(row);
        }
        Ok(Matrix {
            rows: rows.len(),
            cols,
            data,
        })
    }

    /// The rows as nested vectors (the inverse of [`Matrix::from_rows`]).
    pub fn to_rows(&self) -> Vec<Vec<T>> {
        self.iter_rows().map(<[T]>::to_vec).collect()
    }

    pub fn rows(&self) -> usize {
        self.rows
    }
    pub fn cols(&self) -> usize {
        self.cols
    }
    /// `(rows, cols)`.
    pub fn shape(&self) -> (usize, usize) {
        (self.rows, self.cols)
    }
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }
    /// The row-major buffer.
    pub fn as_slice(&self) -> &[T] {
        &self.data
    }
    pub fn as_mut_slice(&mut self) -> &mut [T] {
        &mut self.data
    }
    /// Gives up the row-major buffer.
    pub fn into_vec(self) -> Vec<T> {
        self.data
    }

    /// Row `i` as a slice; panics when `i >= rows` (use [`Matrix::get_row`] for a `Result`).
    #[inline]
    pub fn row(&self, i: usize) -> &[T] {
        &self.data[i * self.cols..(i + 1) * self.cols]
    }
    #[inline]
    pub fn row_mut(&mut self, i: usize) -> &mut [T] {
        &mut self.data[i * self.cols..(i + 1) * self.cols]
    }
    /// Row `i`, or an error naming the index.
    pub fn get_row(&self, i: usize) -> Result<&[T]> {
        if i < self.rows {
            Ok(self.row(i))
        } else {
            Err(Error::IndexOutOfBounds {
                what: "row",
                index: i,
                bound: self.rows,
            })
        }
    }
    /// The rows, in order.
    pub fn iter_rows(&self) -> impl ExactSizeIterator<Item = &[T]> + '_ {
        (0..self.rows).map(move |i| &self.data[i * self.cols..(i + 1) * self.cols])
    }
    /// Column `j`, copied (it is strided in memory); panics when `j >= cols`.
    pub fn column(&self, j: usize) -> Vec<T> {
        assert!(j < self.cols, "column {j} out of bounds ({})", self.cols);
        self.iter_rows().map(|r| r[j]).collect()
    }
    /// Entry `(i, j)`, or `None` when out of bounds.
    pub fn get(&self, i: usize, j: usize) -> Option<T> {
        (i < self.rows && j < self.cols).then(|| self.data[i * self.cols + j])
    }

    /// A borrowed view, for GEMM and for transposing without a copy.
    pub fn view(&self) -> MatRef<'_, T> {
        MatRef {
            data: &self.data,
            rows: self.rows,
            cols: self.cols,
            rs: self.cols,
            cs: 1,
        }
    }

    // ANCHOR: transpose
    /// `Aᵀ`, copied in 32 x 32 tiles so that both the reads and the writes stay within a few
    /// cache lines at a time (a plain double loop strides through one of them).
    pub fn transpose(&self) -> Matrix<T> {
        const TILE: usize = 32;
        let (m, n) = (self.rows, self.cols);
        let mut out = vec![T::ZERO; m * n];
        for i0 in (0..m).step_by(TILE) {
            for j0 in (0..n).step_by(TILE) {
                for i in i0..(i0 + TILE).min(m) {
                    for j in j0..(j0 + TILE).min(n) {
                        out[j * m + i] = self.data[i * n + j];
                    }
                }
            }
        }
        Matrix {
            rows: n,
            cols: m,
            data: out,
        }
    }
    // ANCHOR_END: transpose

    /// Applies `f` to every entry.
    pub fn map(&self, f: impl Fn(T) -> T) -> Matrix<T> {
        Matrix {
            rows: self.rows,
            cols: self.cols,
            data: self.data.iter().map(|&x| f(x)).collect(),
        }
    }

    fn zip_with(&self, other: &Matrix<T>, op: &'static str, f: impl Fn(T, T) -> T) -> Result<Self> {
        if self.shape() != other.shape() {
            return Err(Error::ShapeMismatch {
                op,
                left: self.shape(),
                right: other.shape(),
            });
        }
        Ok(Matrix {
            rows: self.rows,
            cols: self.cols,
            data: self
                .data
                .iter()
                .zip(&other.data)
                .map(|(&a, &b)| f(a, b))
                .collect(),
        })
    }

    /// `A + B`, entry by entry.
    pub fn add(&self, other: &Matrix<T>) -> Result<Self> {
        self.zip_with(other, "add", |a, b| a + b)
    }
    /// `A - B`, entry by entry.
    pub fn sub(&self, other: &Matrix<T>) -> Result<Self> {
        self.zip_with(other, "sub", |a, b| a - b)
    }
    /// The Hadamard product `A ∘ B`.
    pub fn mul_elem(&self, other: &Matrix<T>) -> Result<Self> {
        self.zip_with(other, "mul_elem", |a, b| a * b)
    }
    /// `s A`.
    pub fn scale(&self, s: T) -> Self {
        self.map(|x| s * x)
    }

    /// `A x` for a vector `x` of length `cols`.
    pub fn matvec(&self, x: &[T]) -> Result<Vec<T>> {
        if x.len() != self.cols {
            return Err(Error::ShapeMismatch {
                op: "matvec",
                left: self.shape(),
                right: (x.len(), 1),
            });
        }
        Ok(self
            .iter_rows()
            .map(|r| super::kernels::dot(r, x))
            .collect())
    }

    /// Fails with [`Error::NonFinite`] at the first NaN or infinite entry.
    pub fn check_finite(&self, input: &'static str) -> Result<()> {
        match self.data.iter().position(|x| !x.is_finite()) {
            Some(p) => Err(Error::NonFinite {
                input,
                row: p / self.cols.max(1),
                column: p % self.cols.max(1),
            }),
            None => Ok(()),
        }
    }

    /// The check every estimator's `fit` starts with: at least one sample (row) and one
    /// feature (column), every entry finite. `input` names the argument in the error.
    pub fn check_samples(&self, input: &'static str) -> Result<()> {
        if self.rows == 0 || self.cols == 0 {
            return Err(Error::Empty { input });
        }
        self.check_finite(input)
    }

    /// The mean of each column, `x̄ⱼ = (1/n) Σᵢ xᵢⱼ`.
    pub fn column_means(&self) -> Result<Vec<T>> {
        if self.rows == 0 {
            return Err(Error::Empty {
                input: "column_means: matrix with no rows",
            });
        }
        let mut sums = vec![T::ZERO; self.cols];
        for row in self.iter_rows() {
            super::kernels::axpy(T::ONE, row, &mut sums);
        }
        let n = T::from_usize(self.rows);
        Ok(sums.into_iter().map(|s| s / n).collect())
    }

    /// The matrix with each column's mean subtracted, and the means.
    pub fn centered(&self) -> Result<(Matrix<T>, Vec<T>)> {
        let means = self.column_means()?;
        let mut out = self.clone();
        for i in 0..self.rows {
            for (x, &m) in out.row_mut(i).iter_mut().zip(&means) {
                *x -= m;
            }
        }
        Ok((out, means))
    }

    /// Sum of squared deviations per column, divided by `n - ddof`.
    fn column_variances(&self, ddof: usize, what: &'static str) -> Result<Vec<T>> {
        if self.rows <= ddof {
            return Err(Error::invalid(
                "rows",
                self.rows,
                format!("{what} needs at least {} rows", ddof + 1),
            ));
        }
        let means = self.column_means()?;
        let mut ss = vec![T::ZERO; self.cols];
        for row in self.iter_rows() {
            for ((s, &x), &m) in ss.iter_mut().zip(row).zip(&means) {
                let d = x - m;
                *s += d * d;
            }
        }
        let denom = T::from_usize(self.rows - ddof);
        Ok(ss.into_iter().map(|s| s / denom).collect())
    }

    /// The sample standard deviation of each column, dividing by `n - 1` (R's `sd`, ISLR).
    pub fn column_std_sample(&self) -> Result<Vec<T>> {
        Ok(self
            .column_variances(1, "the sample standard deviation")?
            .into_iter()
            .map(T::sqrt)
            .collect())
    }
    /// The population standard deviation of each column, dividing by `n`.
    pub fn column_std_population(&self) -> Result<Vec<T>> {
        Ok(self
            .column_variances(0, "the population standard deviation")?
            .into_iter()
            .map(T::sqrt)
            .collect())
    }

    /// Centres each column and divides it by its sample standard deviation (R's `scale()`).
    /// Returns the standardised matrix, the means and the standard deviations. A constant
    /// column cannot be scaled and gives an error naming it.
    pub fn standardize(&self) -> Result<(Matrix<T>, Vec<T>, Vec<T>)> {
        let sds = self.column_std_sample()?;
        if let Some(j) = sds.iter().position(|&s| s <= T::ZERO) {
            return Err(Error::invalid(
                "column",
                j,
                "is constant (standard deviation 0): it cannot be standardised",
            ));
        }
        let (mut out, means) = self.centered()?;
        for i in 0..self.rows {
            for (x, &s) in out.row_mut(i).iter_mut().zip(&sds) {
                *x /= s;
            }
        }
        Ok((out, means, sds))
    }
}

impl<T> Index<(usize, usize)> for Matrix<T> {
    type Output = T;
    #[inline]
    fn index(&self, (i, j): (usize, usize)) -> &T {
        assert!(
            i < self.rows && j < self.cols,
            "index ({i}, {j}) out of bounds"
        );
        &self.data[i * self.cols + j]
    }
}

impl<T> IndexMut<(usize, usize)> for Matrix<T> {
    #[inline]
    fn index_mut(&mut self, (i, j): (usize, usize)) -> &mut T {
        assert!(
            i < self.rows && j < self.cols,
            "index ({i}, {j}) out of bounds"
        );
        &mut self.data[i * self.cols + j]
    }
}

impl<T: Scalar> TryFrom<Vec<Vec<T>>> for Matrix<T> {
    type Error = Error;
    fn try_from(rows: Vec<Vec<T>>) -> Result<Self> {
        Matrix::from_rows(rows)
    }
}

impl<T: Scalar> From<Matrix<T>> for Vec<Vec<T>> {
    fn from(m: Matrix<T>) -> Self {
        m.to_rows()
    }
}

/// Prints up to 8 rows and 8 columns, eliding the rest with `…`.
impl<T: Scalar> fmt::Display for Matrix<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const SHOW: usize = 8;
        writeln!(f, "Matrix {}x{} [", self.rows, self.cols)?;
        for i in 0..self.rows.min(SHOW) {
            write!(f, " ")?;
            for j in 0..self.cols.min(SHOW) {
                write!(f, " {:>10.4}", self[(i, j)].to_f64())?;
            }
            if self.cols > SHOW {
                write!(f, "  …")?;
            }
            writeln!(f)?;
        }
        if self.rows > SHOW {
            writeln!(f, "  … ({} more rows)", self.rows - SHOW)?;
        }
        write!(f, "]")
    }
}
