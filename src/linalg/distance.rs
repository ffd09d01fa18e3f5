//! Pairwise squared Euclidean distances through GEMM, and exact k-nearest neighbours.
//!
//! `‖x - y‖² = ‖x‖² + ‖y‖² - 2 xᵀy`: the cross terms for a block of points against another
//! are one matrix product, which runs at GEMM speed instead of one distance at a time.
//! NOTE: the expansion cancels when x ≈ y, and can give tiny negative values; they are
//! clamped at 0, a point's distance to itself is set to exactly 0, and kNN recomputes the
//! distances it returns directly.

use super::gemm::{gemm, gemm_serial, Tile};
use super::kdtree::KdTree;
use super::kernels::{sq_dist, sq_dists_with, sq_norm};
use super::threads::{par_chunks_mut, par_map};
use super::Exec;
use super::{Matrix, Scalar};
use crate::error::{Error, Result};

fn check_same_width<T: Scalar>(x: &Matrix<T>, y: &Matrix<T>, op: &'static str) -> Result<()> {
    if x.cols() != y.cols() {
        return Err(Error::ShapeMismatch {
            op,
            left: x.shape(),
            right: y.shape(),
        });
    }
    Ok(())
}

/// Rows per task; fixed, so results do not depend on the thread count.
const ROW_BLOCK: usize = 64;

// ANCHOR: pairwise
/// `D[i, j] = ‖xᵢ - yⱼ‖²` for every row `xᵢ` of `x` and `yⱼ` of `y`: one GEMM for the
/// cross terms, then the norms added row by row.
pub fn pairwise_sq_dists<T: Scalar>(x: &Matrix<T>, y: &Matrix<T>, exec: Exec) -> Result<Matrix<T>> {
    x.check_samples("the points")?;
    y.check_samples("the other points")?;
    check_same_width(x, y, "pairwise_sq_dists")?;
    crate::check_memory(
        || {
            format!(
                "the {} x {} matrix of squared distances",
                x.rows(),
                y.rows()
            )
        },
        x.rows().saturating_mul(y.rows()),
        std::mem::size_of::<T>(),
    )?;
    let x_norms: Vec<T> = x.iter_rows().map(sq_norm).collect();
    let y_norms: Vec<T> = y.iter_rows().map(sq_norm).collect();
    let m = y.rows();
    let mut out = Matrix::zeros(x.rows(), m);
    gemm(
        -T::ONE - T::ONE,
        x.view(),
        y.view().t(),
        T::ZERO,
        &mut out,
        exec,
    )?; // -2 X Yᵀ
    par_chunks_mut(
        out.as_mut_slice(),
        ROW_BLOCK * m,
        exec.threads,
        |b, rows| {
            for (r, row) in rows.chunks_exact_mut(m).enumerate() {
                add_norms(row, x_norms[b * ROW_BLOCK + r], &y_norms);
            }
        },
    );
    Ok(out)
}

/// `row[j] ← max(0, row[j] + (‖x‖² + ‖yⱼ‖²))` for a row of cross terms `-2 xᵀyⱼ`.
/// The norms are summed first, so `(i, j)` and `(j, i)` get the same bits and `D(X, X)` is
/// exactly symmetric.
#[inline]
fn add_norms<T: Scalar>(row: &mut [T], x_norm: T, y_norms: &[T]) {
    for (v, &yn) in row.iter_mut().zip(y_norms) {
        *v = (*v + (x_norm + yn)).max(T::ZERO);
    }
}
// ANCHOR_END: pairwise

/// `D[i, j] = ‖xᵢ - xⱼ‖²` for all pairs of rows of `x`; symmetric with an exactly zero
/// diagonal.
pub fn pairwise_sq_dists_self<T: Scalar>(x: &Matrix<T>, exec: Exec) -> Result<Matrix<T>> {
    let mut d = pairwise_sq_dists(x, x, exec)?;
    for i in 0..x.rows() {
        d[(i, i)] = T::ZERO;
    }
    Ok(d)
}

/// Points per parallel chunk of [`nearest`].
const NEAREST_BLOCK: usize = 256;

// ANCHOR: nearest
/// The nearest center of every point (ties to the smaller index) and its squared distance,
/// computed directly with [`sq_dists`], so the partition is exactly the Voronoi partition
/// of the computed distances, for any thread count.
///
/// NOTE: unlike [`pairwise_sq_dists`] this does not go through GEMM. With few centers the
/// packing costs more than it saves (measured: k-means on MNIST with K = 10 ran 1.5x
/// slower), and the expansion `‖x‖² + ‖c‖² - 2xᵀc` would need an exact recheck of near ties.
pub fn nearest<T: Scalar>(
    points: &Matrix<T>,
    centers: &Matrix<T>,
    exec: Exec,
) -> Result<(Vec<usize>, Vec<T>)> {
    check_same_width(points, centers, "nearest")?;
    if centers.rows() == 0 {
        return Err(Error::Empty {
            input: "nearest centers",
        });
    }
    let mut out = vec![(0usize, T::ZERO); points.rows()];
    par_chunks_mut(&mut out, NEAREST_BLOCK, exec.threads, |b, chunk| {
        let mut dists = vec![T::ZERO; centers.rows()];
        for (r, slot) in chunk.iter_mut().enumerate() {
            let x = points.row(b * NEAREST_BLOCK + r);
            sq_dists_with(exec.isa, x, centers.as_slice(), &mut dists);
            *slot = argmin(dists.iter().copied().enumerate());
        }
    });
    Ok(out.into_iter().unzip())
}

/// The first `(index, value)` with the smallest value.
fn argmin<T: Scalar>(items: impl Iterator<Item = (usize, T)>) -> (usize, T) {
    items.fold(
        (0, T::INFINITY),
        |best, (j, v)| if v < best.1 { (j, v) } else { best },
    )
}
// ANCHOR_END: nearest

/// The k nearest neighbours of each query, row-major: `indices[q * k + r]` is the r-th
/// nearest data row to query q, and `sq_distances` the matching squared distances.
#[derive(Clone, Debug, PartialEq)]
pub struct Neighbors<T> {
    pub k: usize,
    pub indices: Vec<usize>,
    pub sq_distances: Vec<T>,
}

impl<T: Scalar> Neighbors<T> {
    /// Number of queries.
    pub fn len(&self) -> usize {
        self.indices.len() / self.k.max(1)
    }
    pub fn is_empty(&self) -> bool {
        self.indices.is_empty()
    }
    /// The neighbours of query `q`, nearest first.
    pub fn indices_of(&self, q: usize) -> &[usize] {
        &self.indices[q * self.k..(q + 1) * self.k]
    }
    /// Their squared distances, ascending.
    pub fn sq_distances_of(&self, q: usize) -> &[T] {
        &self.sq_distances[q * self.k..(q + 1) * self.k]
    }
}

/// kNN works on blocks of `QUERY_BLOCK` queries x `DATA_BLOCK` data rows: 256 x 512 cross
/// terms (1 MiB in f64) stay in L2, and each packed data block serves 256 queries.
const QUERY_BLOCK: usize = 256;
const DATA_BLOCK: usize = 512;

// ANCHOR: knn
/// Exact k-nearest-neighbour search of every row of `queries` among the rows of `data`,
/// by blocked GEMM distances; ties are broken by the smaller data index.
pub fn knn<T: Scalar>(
    data: &Matrix<T>,
    queries: &Matrix<T>,
    k: usize,
    exec: Exec,
) -> Result<Neighbors<T>> {
    queries.check_samples("the query points")?;
    check_same_width(data, queries, "knn")?;
    knn_impl(data, queries, k, false, exec)
}

/// The k nearest other rows of each row of `data` (a point is never its own neighbour).
pub fn knn_self<T: Scalar>(data: &Matrix<T>, k: usize, exec: Exec) -> Result<Neighbors<T>> {
    knn_impl(data, data, k, true, exec)
}

fn knn_impl<T: Scalar>(
    data: &Matrix<T>,
    queries: &Matrix<T>,
    k: usize,
    exclude_self: bool,
    exec: Exec,
) -> Result<Neighbors<T>> {
    data.check_samples("the reference points")?;
    let candidates = data.rows() - usize::from(exclude_self);
    if k == 0 || k > candidates {
        return Err(Error::invalid(
            "k",
            k,
            format!("k must be between 1 and the number of candidate neighbours ({candidates})"),
        ));
    }
    if data.cols() <= KD_TREE_MAX_DIM && data.rows() >= KD_TREE_MIN_ROWS {
        return Ok(knn_by_tree(data, queries, k, exclude_self, exec));
    }
    let tile = T::tile(exec.isa);
    let data_norms: Vec<T> = data.iter_rows().map(sq_norm).collect();
    let n_blocks = queries.rows().div_ceil(QUERY_BLOCK);
    let blocks = par_map(n_blocks, exec.threads, |b| {
        let q0 = b * QUERY_BLOCK;
        let nq = QUERY_BLOCK.min(queries.rows() - q0);
        let mut best: Vec<Vec<(T, usize)>> = vec![Vec::with_capacity(k + 1); nq];
        scan_block(
            data,
            queries,
            &data_norms,
            &tile,
            q0,
            exclude_self,
            k,
            &mut best,
        );
        best.into_iter()
            .enumerate()
            .map(|(r, list)| exact_order(data, queries.row(q0 + r), list))
            .collect::<Vec<_>>()
    });
    let mut indices = Vec::with_capacity(queries.rows() * k);
    let mut sq_distances = Vec::with_capacity(queries.rows() * k);
    for (idx, dist) in blocks.into_iter().flatten().flatten() {
        indices.push(idx);
        sq_distances.push(dist);
    }
    Ok(Neighbors {
        k,
        indices,
        sq_distances,
    })
}

/// Up to this many columns, and from this many data rows, kNN searches a k-d tree: in low
/// dimension it prunes almost everything (the 10-NN graph of two moons, n = 20,000: 27 ms
/// against 274 ms for the blocked GEMM scan), while in high dimension it degenerates into a
/// slower scan.
const KD_TREE_MAX_DIM: usize = 4;
const KD_TREE_MIN_ROWS: usize = 1024;

/// kNN through a k-d tree, queries in fixed blocks over the threads.
fn knn_by_tree<T: Scalar>(
    data: &Matrix<T>,
    queries: &Matrix<T>,
    k: usize,
    exclude_self: bool,
    exec: Exec,
) -> Neighbors<T> {
    let tree = KdTree::new(data);
    let n_blocks = queries.rows().div_ceil(QUERY_BLOCK);
    let blocks = par_map(n_blocks, exec.threads, |b| {
        let q0 = b * QUERY_BLOCK;
        (q0..(q0 + QUERY_BLOCK).min(queries.rows()))
            .map(|q| tree.nearest(queries.row(q), k, exclude_self.then_some(q)))
            .collect::<Vec<_>>()
    });
    let mut indices = Vec::with_capacity(queries.rows() * k);
    let mut sq_distances = Vec::with_capacity(queries.rows() * k);
    for (dist, idx) in blocks.into_iter().flatten().flatten() {
        indices.push(idx);
        sq_distances.push(dist);
    }
    Neighbors {
        k,
        indices,
        sq_distances,
    }
}

/// Scans all data rows for queries `q0 .. q0 + best.len()`, keeping each query's k best
/// `(distance, index)` pairs sorted. Data rows are visited in index order, so on a tie the
/// earlier index stays.
#[allow(clippy::too_many_arguments)]
fn scan_block<T: Scalar>(
    data: &Matrix<T>,
    queries: &Matrix<T>,
    data_norms: &[T],
    tile: &Tile<T>,
    q0: usize,
    exclude_self: bool,
    k: usize,
    best: &mut [Vec<(T, usize)>],
) {
    let (d, nq) = (data.cols(), best.len());
    let q_norms: Vec<T> = (q0..q0 + nq).map(|q| sq_norm(queries.row(q))).collect();
    let mut cross = vec![T::ZERO; nq * DATA_BLOCK];
    for j0 in (0..data.rows()).step_by(DATA_BLOCK) {
        let nd = DATA_BLOCK.min(data.rows() - j0);
        let cross = &mut cross[..nq * nd];
        let q_b = queries.view().block(q0, 0, nq, d);
        let d_b = data.view().block(j0, 0, nd, d).t();
        gemm_serial(tile, -T::ONE - T::ONE, q_b, d_b, T::ZERO, cross, nd);
        for (r, list) in best.iter_mut().enumerate() {
            let row = &mut cross[r * nd..(r + 1) * nd];
            add_norms(row, q_norms[r], &data_norms[j0..j0 + nd]);
            let self_at = (exclude_self && (j0..j0 + nd).contains(&(q0 + r))).then(|| q0 + r - j0);
            select_into(list, row, j0, self_at, k);
        }
    }
}

/// Merges one block's distances into a query's sorted list of its k best `(distance,
/// index)`. Most distances lose to the current k-th best, so chunks are screened with a
/// branch-free comparison (vectorised) and only chunks holding a candidate are looked at.
fn select_into<T: Scalar>(
    list: &mut Vec<(T, usize)>,
    row: &[T],
    j0: usize,
    self_at: Option<usize>,
    k: usize,
) {
    const CHUNK: usize = 16;
    for (c0, chunk) in row.chunks(CHUNK).enumerate() {
        if list.len() == k {
            let worst = list[k - 1].0;
            if !chunk.iter().fold(false, |hit, &d| hit | (d < worst)) {
                continue;
            }
        }
        for (c, &dist) in chunk.iter().enumerate() {
            let local = c0 * CHUNK + c;
            if self_at == Some(local) || (list.len() == k && dist >= list[k - 1].0) {
                continue;
            }
            // Strictly later than equal distances already kept: ties keep the smaller index.
            let at = list.partition_point(|&(e, _)| e <= dist);
            list.insert(at, (dist, j0 + local));
            list.truncate(k);
        }
    }
}

/// Recomputes the chosen neighbours' distances directly (no cancellation) and sorts them by
/// (distance, index).
fn exact_order<T: Scalar>(data: &Matrix<T>, query: &[T], list: Vec<(T, usize)>) -> Vec<(usize, T)> {
    let mut exact: Vec<(usize, T)> = list
        .into_iter()
        .map(|(_, j)| (j, sq_dist(query, data.row(j))))
        .collect();
    exact.sort_by(|a, b| {
        a.1.partial_cmp(&b.1)
            .unwrap_or(std::cmp::Ordering::Equal)
            .then(a.0.cmp(&b.0))
    });
    exact
}
// ANCHOR_END: knn
