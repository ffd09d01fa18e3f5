//! A compressed sparse row (CSR) matrix: what the kNN graphs of spectral clustering and
//! manifold learning are stored in. A graph on n points with k neighbours each has about
//! n·k weights, so a mat-vec costs O(n·k) instead of the O(n²) of a dense matrix.
//!
//! Row i's entries are `values[indptr[i]..indptr[i+1]]` in columns
//! `indices[indptr[i]..indptr[i+1]]`, sorted by column, each column at most once.

use super::threads::par_chunks_mut;
use super::{Exec, Matrix, Scalar};
use crate::error::{Error, Result};

/// How [`Csr::symmetric_from_triplets`] merges two weights for the same pair.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Duplicates {
    /// Keep the larger weight: the "j in kNN(i) OR i in kNN(j)" graph.
    Max,
    /// Add the weights: `W + Wᵀ`.
    Sum,
    /// The probabilistic OR of two memberships, `a + b - ab`: UMAP's fuzzy union
    /// (chapter 9).
    FuzzyUnion,
}

/// A sparse matrix in compressed sparse row form.
#[derive(Clone, Debug, PartialEq)]
pub struct Csr<T> {
    rows: usize,
    cols: usize,
    indptr: Vec<usize>,
    indices: Vec<usize>,
    values: Vec<T>,
}

impl<T: Scalar> Csr<T> {
    /// Builds a `rows x cols` matrix from `(i, j, w)` triplets; repeated `(i, j)` are summed
    /// (as SciPy's COO to CSR conversion does).
    pub fn from_triplets(rows: usize, cols: usize, triplets: &[(usize, usize, T)]) -> Result<Self> {
        Self::build(rows, cols, triplets.iter().copied(), Duplicates::Sum)
    }

    /// Builds the symmetric `n x n` matrix with `w` at both `(i, j)` and `(j, i)` for each
    /// triplet; two weights for the same pair are merged by `duplicates`.
    pub fn symmetric_from_triplets(
        n: usize,
        triplets: &[(usize, usize, T)],
        duplicates: Duplicates,
    ) -> Result<Self> {
        let both = triplets.iter().flat_map(|&(i, j, w)| {
            [(i, j, w), (j, i, w)]
                .into_iter()
                .take(if i == j { 1 } else { 2 })
        });
        Self::build(n, n, both, duplicates)
    }

    // ANCHOR: build
    /// Counting sort by row, then sort each row by column and merge repeats.
    fn build(
        rows: usize,
        cols: usize,
        triplets: impl Iterator<Item = (usize, usize, T)> + Clone,
        dup: Duplicates,
    ) -> Result<Self> {
        let mut counts = vec![0usize; rows + 1];
        for (i, j, w) in triplets.clone() {
            if i >= rows {
                return Err(Error::IndexOutOfBounds {
                    what: "triplet row",
                    index: i,
                    bound: rows,
                });
            }
            if j >= cols {
                return Err(Error::IndexOutOfBounds {
                    what: "triplet column",
                    index: j,
                    bound: cols,
                });
            }
            if !w.is_finite() {
                return Err(Error::NonFinite {
                    input: "triplet weight",
                    row: i,
                    column: j,
                });
            }
            counts[i + 1] += 1;
        }
        for i in 0..rows {
            counts[i + 1] += counts[i];
        }
        let mut next = counts.clone();
        let mut entries = vec![(0usize, T::ZERO); counts[rows]];
        for (i, j, w) in triplets {
            entries[next[i]] = (j, w);
            next[i] += 1;
        }
        let mut indptr = Vec::with_capacity(rows + 1);
        let mut indices = Vec::with_capacity(entries.len());
        let mut values = Vec::with_capacity(entries.len());
        indptr.push(0);
        for i in 0..rows {
            let row = &mut entries[counts[i]..counts[i + 1]];
            row.sort_by_key(|&(j, _)| j);
            for &(j, w) in row.iter() {
                if indices.len() > indptr[i] && indices.last() == Some(&j) {
                    let last = values.len() - 1;
                    values[last] = match dup {
                        Duplicates::Sum => values[last] + w,
                        Duplicates::Max => T::max(values[last], w),
                        Duplicates::FuzzyUnion => values[last] + w - values[last] * w,
                    };
                } else {
                    indices.push(j);
                    values.push(w);
                }
            }
            indptr.push(indices.len());
        }
        Ok(Csr {
            rows,
            cols,
            indptr,
            indices,
            values,
        })
    }
    // ANCHOR_END: build

    pub fn rows(&self) -> usize {
        self.rows
    }
    pub fn cols(&self) -> usize {
        self.cols
    }
    pub fn shape(&self) -> (usize, usize) {
        (self.rows, self.cols)
    }
    /// Number of stored entries.
    pub fn nnz(&self) -> usize {
        self.values.len()
    }
    /// Row i: its column indices and values.
    pub fn row(&self, i: usize) -> (&[usize], &[T]) {
        let r = self.indptr[i]..self.indptr[i + 1];
        (&self.indices[r.clone()], &self.values[r])
    }
    /// The sum of each row: a graph's degrees `dᵢ = Σⱼ wᵢⱼ`.
    pub fn row_sums(&self) -> Vec<T> {
        (0..self.rows)
            .map(|i| self.row(i).1.iter().copied().sum())
            .collect()
    }

    // ANCHOR: matvec
    /// `y = A x`, rows split over threads (each `yᵢ` is one thread's sum, in column order, so
    /// the result is the same for any thread count).
    pub fn matvec_with(&self, x: &[T], exec: Exec) -> Result<Vec<T>> {
        if x.len() != self.cols {
            return Err(Error::ShapeMismatch {
                op: "Csr::matvec",
                left: self.shape(),
                right: (x.len(), 1),
            });
        }
        let mut y = vec![T::ZERO; self.rows];
        // Threads only pay off past ~10⁵ stored entries.
        let threads = if self.nnz() < 100_000 {
            1
        } else {
            exec.threads
        };
        par_chunks_mut(&mut y, 4096, threads, |c, ys| {
            for (r, yi) in ys.iter_mut().enumerate() {
                let (cols, vals) = self.row(c * 4096 + r);
                *yi = cols
                    .iter()
                    .zip(vals)
                    .fold(T::ZERO, |s, (&j, &w)| w.madd::<false>(x[j], s));
            }
        });
        Ok(y)
    }
    // ANCHOR_END: matvec

    /// `y = A x` with the default [`Exec`].
    pub fn matvec(&self, x: &[T]) -> Result<Vec<T>> {
        self.matvec_with(x, Exec::default())
    }

    /// The same matrix, dense.
    pub fn to_dense(&self) -> Matrix<T> {
        let mut m = Matrix::zeros(self.rows, self.cols);
        for i in 0..self.rows {
            let (cols, vals) = self.row(i);
            for (&j, &w) in cols.iter().zip(vals) {
                m[(i, j)] = w;
            }
        }
        m
    }

    /// `Aᵀ`.
    pub fn transpose(&self) -> Csr<T> {
        let triplets = (0..self.rows).flat_map(|i| {
            let (cols, vals) = self.row(i);
            cols.iter().zip(vals).map(move |(&j, &w)| (j, i, w))
        });
        // Indices are in range and finite already, so this cannot fail.
        Self::build(self.cols, self.rows, triplets, Duplicates::Sum)
            .unwrap_or_else(|_| unreachable!())
    }

    /// True when `A = Aᵀ` exactly (same pattern, same values).
    pub fn is_symmetric(&self) -> bool {
        self.rows == self.cols && *self == self.transpose()
    }
}
