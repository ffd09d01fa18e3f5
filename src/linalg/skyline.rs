//! Cholesky of a sparse symmetric positive-definite matrix in skyline (profile) storage,
//! after a reverse Cuthill–McKee reordering.
//!
//! The factor L of a sparse matrix fills in, but never to the left of each row's first
//! nonzero: row i of L lives in columns `first[i]..=i`, its *profile*. Reverse
//! Cuthill–McKee (a breadth-first numbering from a low-degree vertex, reversed) keeps the
//! profile narrow for the neighbourhood graphs of chapters 7 and 8, whose vertices are
//! points on a low-dimensional sheet. Each row of L is then one contiguous slice, and every
//! entry is a dot product of two slices, as in the dense row-by-row algorithm
//! ([`super::Cholesky`]). Memory and work are O(Σ profile) and O(Σ profile²) instead of
//! O(n²) and O(n³).

use super::kernels::{axpy, dot};
use super::Csr;
use crate::error::{Error, Result};
use std::collections::VecDeque;

/// `P (A + σI) Pᵀ = L Lᵀ` with L stored by rows over their profiles.
#[derive(Clone, Debug, PartialEq)]
pub struct Skyline {
    /// `perm[new] = old`: row `new` of the factored matrix is row `old` of A.
    perm: Vec<usize>,
    /// Row i of L covers columns `first[i]..=i`.
    first: Vec<usize>,
    /// Where row i's slice starts in `values`.
    offset: Vec<usize>,
    values: Vec<f64>,
}

// ANCHOR: rcm
/// The reverse Cuthill–McKee order of a symmetric sparsity pattern: for each connected
/// component, breadth-first from a pseudo-peripheral vertex (one end of a longest shortest
/// path, found as George and Liu do), neighbours visited by increasing degree (then index);
/// the numbering reversed. Starting at an end makes the breadth-first levels cross-sections
/// of the data, so each row's profile spans about two levels. Returns `perm[new] = old`.
pub fn reverse_cuthill_mckee(a: &Csr<f64>) -> Vec<usize> {
    let n = a.rows();
    let degree: Vec<usize> = (0..n).map(|i| a.row(i).0.len()).collect();
    let mut by_degree: Vec<usize> = (0..n).collect();
    by_degree.sort_by_key(|&i| (degree[i], i));
    let mut placed = vec![false; n];
    let mut order = Vec::with_capacity(n);
    let mut level = vec![usize::MAX; n];
    for &seed in &by_degree {
        if placed[seed] {
            continue;
        }
        let start = pseudo_peripheral(a, &degree, seed, &mut level);
        let from = order.len();
        order.push(start);
        placed[start] = true;
        let mut head = from;
        let mut next = Vec::new();
        while head < order.len() {
            let u = order[head];
            head += 1;
            next.clear();
            next.extend(a.row(u).0.iter().copied().filter(|&v| !placed[v]));
            next.sort_by_key(|&v| (degree[v], v));
            for &v in &next {
                placed[v] = true;
                order.push(v);
            }
        }
    }
    order.reverse();
    order
}

/// A vertex at one end of a longest shortest path in `seed`'s component (approximately):
/// breadth-first search from the current candidate, move to the lowest-degree vertex of the
/// last level, and repeat while the number of levels grows. `level` is scratch space.
fn pseudo_peripheral(a: &Csr<f64>, degree: &[usize], seed: usize, level: &mut [usize]) -> usize {
    let mut start = seed;
    let mut depth = 0;
    let mut queue = VecDeque::new();
    let mut visited = Vec::new();
    loop {
        queue.push_back(start);
        level[start] = 0;
        visited.push(start);
        let mut last = start;
        while let Some(u) = queue.pop_front() {
            for &v in a.row(u).0 {
                if level[v] == usize::MAX {
                    level[v] = level[u] + 1;
                    visited.push(v);
                    queue.push_back(v);
                }
            }
            last = u;
        }
        let far = level[last];
        let candidate = visited
            .iter()
            .copied()
            .filter(|&v| level[v] == far)
            .min_by_key(|&v| (degree[v], v))
            .unwrap_or(start);
        for &v in &visited {
            level[v] = usize::MAX;
        }
        visited.clear();
        if far <= depth {
            return start;
        }
        depth = far;
        start = candidate;
    }
}
// ANCHOR_END: rcm

impl Skyline {
    // ANCHOR: skyline_factor
    /// Factors `A + shift · I` for a symmetric A (only entries with column ≤ row, after the
    /// reordering, are read). Fails with [`Error::NotPositiveDefinite`] at the first pivot
    /// that is not positive (numbered in the reordered matrix).
    pub fn factor(a: &Csr<f64>, shift: f64) -> Result<Skyline> {
        let n = a.rows();
        if a.cols() != n || n == 0 {
            return Err(Error::ShapeMismatch {
                op: "Skyline::factor (needs a non-empty square matrix)",
                left: a.shape(),
                right: (n, n),
            });
        }
        let perm = reverse_cuthill_mckee(a);
        let mut inverse = vec![0usize; n];
        for (new, &old) in perm.iter().enumerate() {
            inverse[old] = new;
        }
        // 1. Each row's profile: from its leftmost nonzero to the diagonal.
        let first: Vec<usize> = (0..n)
            .map(|i| {
                a.row(perm[i])
                    .0
                    .iter()
                    .map(|&c| inverse[c])
                    .filter(|&c| c <= i)
                    .min()
                    .unwrap_or(i)
            })
            .collect();
        let mut offset = Vec::with_capacity(n + 1);
        offset.push(0);
        for i in 0..n {
            offset.push(offset[i] + i - first[i] + 1);
        }
        // 2. Scatter A's lower triangle (reordered) into the profiles.
        let mut values = vec![0.0; offset[n]];
        for i in 0..n {
            let (cols, vals) = a.row(perm[i]);
            for (&c, &v) in cols.iter().zip(vals) {
                let j = inverse[c];
                if j <= i {
                    if !v.is_finite() {
                        return Err(Error::NonFinite {
                            input: "the matrix to factor",
                            row: perm[i],
                            column: c,
                        });
                    }
                    values[offset[i] + j - first[i]] += v;
                }
            }
            values[offset[i] + i - first[i]] += shift;
        }
        // 3. Row by row, as the dense algorithm, over the overlapping parts of the profiles.
        for i in 0..n {
            let (done, rest) = values.split_at_mut(offset[i]);
            let row_i = &mut rest[..i - first[i] + 1];
            for j in first[i]..i {
                let lo = first[i].max(first[j]);
                let row_j = &done[offset[j]..offset[j + 1]];
                let s = row_i[j - first[i]]
                    - dot(
                        &row_i[lo - first[i]..j - first[i]],
                        &row_j[lo - first[j]..j - first[j]],
                    );
                row_i[j - first[i]] = s / row_j[j - first[j]];
            }
            let off = &row_i[..i - first[i]];
            let s = row_i[i - first[i]] - dot(off, off);
            if !(s.is_finite() && s > 0.0) {
                return Err(Error::NotPositiveDefinite { pivot: i, value: s });
            }
            row_i[i - first[i]] = s.sqrt();
        }
        Ok(Skyline {
            perm,
            first,
            offset,
            values,
        })
    }
    // ANCHOR_END: skyline_factor

    /// The order n.
    pub fn dim(&self) -> usize {
        self.perm.len()
    }

    /// Entries stored in the factor (the sum of the profiles).
    pub fn stored(&self) -> usize {
        self.values.len()
    }

    fn row(&self, i: usize) -> &[f64] {
        &self.values[self.offset[i]..self.offset[i + 1]]
    }

    /// The x with `(A + shift · I) x = b`: forward substitution with L, back substitution
    /// with Lᵀ (an axpy along each row of L), both in the reordered numbering.
    pub fn solve(&self, b: &[f64]) -> Result<Vec<f64>> {
        let n = self.dim();
        if b.len() != n {
            return Err(Error::BadLength {
                what: "Skyline::solve right-hand side",
                expected: n,
                actual: b.len(),
            });
        }
        let mut y: Vec<f64> = self.perm.iter().map(|&old| b[old]).collect();
        for i in 0..n {
            let (f, row) = (self.first[i], self.row(i));
            y[i] = (y[i] - dot(&row[..i - f], &y[f..i])) / row[i - f];
        }
        for i in (0..n).rev() {
            let (f, row) = (self.first[i], self.row(i));
            y[i] /= row[i - f];
            let yi = y[i];
            axpy(-yi, &row[..i - f], &mut y[f..i]);
        }
        let mut x = vec![0.0; n];
        for (new, &old) in self.perm.iter().enumerate() {
            x[old] = y[new];
        }
        Ok(x)
    }
}
