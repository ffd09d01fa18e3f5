//! # Chapter 5 · Hierarchical clustering
//!
//! Lecture: ISLR §10.3.2 (the agglomerative algorithm, Table 10.2's linkages, centroid
//! inversions) · book `05-hierarchical.md` · tests `tests/hierarchical.rs`
//!
//! Start with n singleton clusters; repeatedly fuse the two least dissimilar clusters and
//! record the dissimilarity as the fusion's height; update the dissimilarities between the
//! new cluster and the others. The linkage says what "dissimilarity between clusters" means,
//! and every linkage here updates it by a Lance–Williams formula from the old values, so the
//! data are never revisited. The result is a dendrogram in SciPy's `linkage` format.
//!
//! Three algorithms, as Müllner (2011) recommends, all O(n²) memory (the fusion loops copy
//! the condensed matrix into a full square one, whose rows are contiguous):
//! - single linkage: Prim's minimum spanning tree on the dense matrix, O(n²) time;
//! - complete, average, weighted, Ward: the nearest-neighbour chain, O(n²) time (these
//!   linkages are *reducible*, which makes a chain of mutual nearest neighbours valid);
//! - centroid and median (not reducible, they can invert): the generic algorithm with a
//!   priority queue of nearest neighbours.

use crate::error::{Error, Result};
use crate::linalg::kernels::{dot, sq_dist, sq_norm};
use crate::linalg::Matrix;
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// How the dissimilarity between two points is measured.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Metric {
    #[default]
    Euclidean,
    SqEuclidean,
    /// `Σ |xᵢ - yᵢ|`.
    Manhattan,
    /// `1 - xᵀy / (‖x‖ ‖y‖)`.
    Cosine,
    /// `1 - corr(x, y)`: the cosine distance of the centred rows.
    Correlation,
}

impl Metric {
    /// Parses `euclidean`, `sqeuclidean`, `manhattan`, `cosine` or `correlation`.
    pub fn parse(name: &str) -> Result<Metric> {
        Ok(match name {
            "euclidean" => Metric::Euclidean,
            "sqeuclidean" => Metric::SqEuclidean,
            "manhattan" | "cityblock" => Metric::Manhattan,
            "cosine" => Metric::Cosine,
            "correlation" => Metric::Correlation,
            other => {
                return Err(Error::invalid(
                    "metric",
                    other,
                    "expected euclidean, sqeuclidean, manhattan, cosine or correlation",
                ))
            }
        })
    }
}

/// The dissimilarities of n points, `n(n-1)/2` values in SciPy's condensed order: pair
/// `(i, j)`, `i < j`, at `n i - i(i+1)/2 + j - i - 1`.
#[derive(Clone, Debug, PartialEq)]
pub struct Condensed {
    n: usize,
    values: Vec<f64>,
    /// `row_start[i] + j` is pair (i, j)'s position for i < j (wrapping: row 0 starts at -1).
    row_start: Vec<usize>,
}

impl Condensed {
    /// The pairwise dissimilarities of the rows of `x`.
    pub fn from_points(x: &Matrix<f64>, metric: Metric) -> Result<Condensed> {
        let n = x.rows();
        x.check_samples("hierarchical clustering data")?;
        let rows: Vec<Vec<f64>> = match metric {
            Metric::Correlation => x
                .iter_rows()
                .map(|r| {
                    let mean = r.iter().sum::<f64>() / r.len() as f64;
                    r.iter().map(|v| v - mean).collect()
                })
                .collect(),
            _ => x.iter_rows().map(<[f64]>::to_vec).collect(),
        };
        let norms: Vec<f64> = rows.iter().map(|r| sq_norm(r).sqrt()).collect();
        if matches!(metric, Metric::Cosine | Metric::Correlation) {
            if let Some(i) = norms.iter().position(|&v| v == 0.0) {
                return Err(Error::invalid(
                    "metric",
                    format!("{metric:?}"),
                    format!("row {i} has zero norm (or is constant), so its angle is undefined"),
                ));
            }
        }
        let mut values = Vec::with_capacity(n * (n - 1) / 2);
        for i in 0..n {
            for j in i + 1..n {
                let (a, b) = (&rows[i], &rows[j]);
                values.push(match metric {
                    Metric::Euclidean => sq_dist(a, b).sqrt(),
                    Metric::SqEuclidean => sq_dist(a, b),
                    Metric::Manhattan => a.iter().zip(b).map(|(p, q)| (p - q).abs()).sum(),
                    Metric::Cosine | Metric::Correlation => {
                        (1.0 - dot(a, b) / (norms[i] * norms[j])).max(0.0)
                    }
                });
            }
        }
        Ok(Condensed::new(n, values))
    }

    /// A precomputed square dissimilarity matrix: symmetric, zero diagonal, finite and
    /// non-negative.
    pub fn from_square(m: &Matrix<f64>) -> Result<Condensed> {
        let n = m.rows();
        if n != m.cols() {
            return Err(Error::ShapeMismatch {
                op: "Condensed::from_square (needs a square matrix)",
                left: m.shape(),
                right: (m.cols(), m.rows()),
            });
        }
        if n == 0 {
            return Err(Error::Empty {
                input: "dissimilarity matrix",
            });
        }
        m.check_finite("dissimilarity matrix")?;
        let mut values = Vec::with_capacity(n * (n - 1) / 2);
        for i in 0..n {
            if m[(i, i)] != 0.0 {
                return Err(Error::invalid(
                    "dissimilarity matrix",
                    format!("d[{i}][{i}] = {}", m[(i, i)]),
                    "the diagonal must be zero",
                ));
            }
            for j in i + 1..n {
                let (a, b) = (m[(i, j)], m[(j, i)]);
                if a != b || a < 0.0 {
                    return Err(Error::invalid(
                        "dissimilarity matrix",
                        format!("d[{i}][{j}] = {a}, d[{j}][{i}] = {b}"),
                        "must be symmetric and non-negative",
                    ));
                }
                values.push(a);
            }
        }
        Ok(Condensed::new(n, values))
    }

    /// The number of points.
    pub fn n(&self) -> usize {
        self.n
    }

    /// The condensed values.
    pub fn values(&self) -> &[f64] {
        &self.values
    }

    /// Wraps the values of n points, in condensed order.
    fn new(n: usize, values: Vec<f64>) -> Condensed {
        let row_start = (0..n)
            .map(|i| (n * i - i * (i + 1) / 2).wrapping_sub(i + 1))
            .collect();
        Condensed {
            n,
            values,
            row_start,
        }
    }

    #[inline]
    fn index(&self, i: usize, j: usize) -> usize {
        let (i, j) = if i < j { (i, j) } else { (j, i) };
        self.row_start[i].wrapping_add(j)
    }

    /// The dissimilarity of points i and j (0 when i = j).
    pub fn get(&self, i: usize, j: usize) -> f64 {
        if i == j {
            0.0
        } else {
            self.values[self.index(i, j)]
        }
    }
}

/// How the dissimilarity between two clusters is defined.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Linkage {
    /// The smallest dissimilarity between their members (chains).
    Single,
    /// The largest.
    Complete,
    /// The mean over all pairs of members (UPGMA).
    Average,
    /// The mean of the two merged clusters' dissimilarities (WPGMA, McQuitty).
    Weighted,
    /// The distance between the centroids (Euclidean input; can invert).
    Centroid,
    /// The distance between the midpoints of the merged clusters (Gower; can invert).
    Median,
    /// The rise in the within-cluster sum of squares, as a distance (Euclidean input).
    Ward,
}

impl Linkage {
    /// Every linkage, in the order of the book's table.
    pub const ALL: [Linkage; 7] = [
        Linkage::Single,
        Linkage::Complete,
        Linkage::Average,
        Linkage::Weighted,
        Linkage::Ward,
        Linkage::Centroid,
        Linkage::Median,
    ];

    /// Parses `single`, `complete`, `average`, `weighted`, `centroid`, `median` or `ward`.
    pub fn parse(name: &str) -> Result<Linkage> {
        Ok(match name {
            "single" => Linkage::Single,
            "complete" => Linkage::Complete,
            "average" => Linkage::Average,
            "weighted" => Linkage::Weighted,
            "centroid" => Linkage::Centroid,
            "median" => Linkage::Median,
            "ward" => Linkage::Ward,
            other => {
                return Err(Error::invalid(
                    "linkage",
                    other,
                    "expected single, complete, average, weighted, centroid, median or ward",
                ))
            }
        })
    }

    /// Centroid, median and Ward are defined for Euclidean distances, and their
    /// Lance–Williams formulas hold for the *squared* distances.
    fn squared(self) -> bool {
        matches!(self, Linkage::Centroid | Linkage::Median | Linkage::Ward)
    }

    // ANCHOR: lance_williams
    /// Lance–Williams: the dissimilarity between the fusion of clusters i and j (sizes
    /// `ni`, `nj`, dissimilarity `dij`) and a third cluster k (size `nk`), from `dik` and
    /// `djk`. For centroid, median and Ward the arguments are squared distances.
    fn update(self, dik: f64, djk: f64, dij: f64, ni: f64, nj: f64, nk: f64) -> f64 {
        match self {
            Linkage::Single => dik.min(djk),
            Linkage::Complete => dik.max(djk),
            Linkage::Average => (ni * dik + nj * djk) / (ni + nj),
            Linkage::Weighted => 0.5 * (dik + djk),
            Linkage::Centroid => {
                let n = ni + nj;
                (ni * dik + nj * djk) / n - ni * nj * dij / (n * n)
            }
            Linkage::Median => 0.5 * (dik + djk) - 0.25 * dij,
            Linkage::Ward => ((ni + nk) * dik + (nj + nk) * djk - nk * dij) / (ni + nj + nk),
        }
    }
    // ANCHOR_END: lance_williams
}

/// One fusion: clusters `a < b` (points are 0..n, the cluster made by row r is n + r) at
/// `height`, giving a cluster of `size` points: one row of SciPy's `linkage` matrix.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Merge {
    pub a: usize,
    pub b: usize,
    pub height: f64,
    pub size: usize,
}

/// The n - 1 fusions, in order.
#[derive(Clone, Debug, PartialEq)]
pub struct Dendrogram {
    pub n: usize,
    pub merges: Vec<Merge>,
}

// ANCHOR: linkage
/// Agglomerative clustering of the points behind `d`.
///
/// Ties between equal dissimilarities are broken deterministically: the nearest-neighbour
/// chain prefers the previous chain element, then the smaller index; the generic algorithm
/// takes the pair with the smaller first index; equal heights keep the order in which the
/// fusions were found. SciPy makes other choices, so with ties the trees can differ.
pub fn linkage(d: &Condensed, method: Linkage) -> Result<Dendrogram> {
    check_linkage_input(d)?;
    let raw = match method {
        // The spanning tree only reads the dissimilarities: no working copy.
        Linkage::Single => prim(d),
        _ => fuse_in_place(working_copy(d.clone(), method.squared()), method),
    };
    Ok(finish(d.n(), method, raw))
}

/// [`linkage`] on dissimilarities it may overwrite: the fusions update `d` in place, so no
/// copy of the n(n-1)/2 values is made (what kodama and SciPy's fastcluster do).
pub fn linkage_in_place(d: Condensed, method: Linkage) -> Result<Dendrogram> {
    check_linkage_input(&d)?;
    let n = d.n();
    let raw = match method {
        Linkage::Single => prim(&d),
        _ => fuse_in_place(working_copy(d, method.squared()), method),
    };
    Ok(finish(n, method, raw))
}

fn check_linkage_input(d: &Condensed) -> Result<()> {
    let n = d.n();
    if n < 2 {
        return Err(Error::invalid(
            "n",
            n,
            "hierarchical clustering needs at least two points",
        ));
    }
    if let Some(&v) = d.values.iter().find(|v| !(v.is_finite() && **v >= 0.0)) {
        return Err(Error::invalid(
            "dissimilarities",
            v,
            "must be finite and non-negative",
        ));
    }
    Ok(())
}

/// Centroid and median need the generic algorithm; the reducible linkages the chain.
fn fuse_in_place(work: Condensed, method: Linkage) -> Vec<RawMerge> {
    match method {
        Linkage::Centroid | Linkage::Median => generic(work, method),
        _ => nn_chain(work, method),
    }
}

/// Heights back from squares, fusions in order, clusters numbered as SciPy does.
fn finish(n: usize, method: Linkage, mut raw: Vec<RawMerge>) -> Dendrogram {
    if method.squared() {
        raw.iter_mut().for_each(|m| m.2 = m.2.sqrt());
    }
    // The spanning tree and the chain find fusions out of order; a stable sort puts them in
    // order of height (equal heights keep the order found). The generic algorithm fuses in
    // order already, and sorting would hide its inversions (SciPy does not sort it either).
    if !matches!(method, Linkage::Centroid | Linkage::Median) {
        raw.sort_by(|x, y| x.2.total_cmp(&y.2));
    }
    label(n, &raw)
}
// ANCHOR_END: linkage

/// Points i and j fused at height h, named by any member of each cluster.
type RawMerge = (usize, usize, f64);

// ANCHOR: prim
/// Single linkage is the minimum spanning tree: Prim's algorithm grows the tree from point
/// 0, adding each time the outside point nearest to it; every added edge is a fusion.
fn prim(d: &Condensed) -> Vec<RawMerge> {
    let n = d.n();
    // The points not yet in the tree, ascending, and the nearest tree point to each.
    let mut outside: Vec<usize> = (1..n).collect();
    let mut nearest = vec![(f64::INFINITY, 0usize); n];
    let mut merges = Vec::with_capacity(n - 1);
    let mut current = 0;
    while !outside.is_empty() {
        // Bring in `current`'s distances (a column of the condensed matrix below it, a
        // contiguous row above), and find the outside point nearest to the tree: strict `<`
        // in ascending order, so ties go to the smaller index.
        let split = outside.partition_point(|&j| j < current);
        let row = d.row_start[current];
        let (mut best, mut best_at) = (f64::INFINITY, usize::MAX);
        let mut visit = |p: usize, j: usize, dj: f64| {
            let nj = &mut nearest[j];
            if dj < nj.0 {
                *nj = (dj, current);
            }
            if nj.0 < best || best_at == usize::MAX {
                (best, best_at) = (nj.0, p);
            }
        };
        for (p, &j) in outside[..split].iter().enumerate() {
            if let Some(&ahead) = outside[..split].get(p + AHEAD) {
                prefetch(&d.values, d.row_start[ahead].wrapping_add(current));
            }
            visit(p, j, d.values[d.row_start[j].wrapping_add(current)]);
        }
        for (p, &j) in outside.iter().enumerate().skip(split) {
            visit(p, j, d.values[row.wrapping_add(j)]);
        }
        let j = outside.remove(best_at);
        merges.push((nearest[j].1, j, nearest[j].0));
        current = j;
    }
    merges
}
// ANCHOR_END: prim

// ANCHOR: nn_chain
/// The nearest-neighbour chain: follow nearest neighbours from any cluster until two
/// clusters are each other's nearest (a reciprocal pair), and fuse them. For a reducible
/// linkage a fusion never brings a third cluster closer than the nearer of the two, so the
/// rest of the chain stays valid and the walk continues from where it was.
fn nn_chain(mut m: Condensed, method: Linkage) -> Vec<RawMerge> {
    let n = m.n;
    let mut size = vec![1usize; n];
    let mut active: Vec<usize> = (0..n).collect();
    let mut chain: Vec<usize> = Vec::with_capacity(n);
    let mut merges = Vec::with_capacity(n - 1);
    while merges.len() < n - 1 {
        if chain.is_empty() {
            chain.push(active[0]);
        }
        let a = chain[chain.len() - 1];
        let prev = (chain.len() >= 2).then(|| chain[chain.len() - 2]);
        // The nearest other cluster; on a tie the previous chain element wins (so the
        // chain cannot cycle), then the smaller index.
        let (h, b) = m.nearest_in_row(a, &active, prev);
        if b == usize::MAX {
            break;
        }
        if Some(b) != prev {
            chain.push(b);
            continue;
        }
        chain.truncate(chain.len() - 2);
        // The fused cluster lives on in the larger slot; the smaller slot retires.
        let (lo, hi) = (a.min(b), a.max(b));
        merges.push((lo, hi, h));
        m.fuse(method, (lo, hi, h), &mut size, &active, |_, _| {});
        if let Ok(pos) = active.binary_search(&lo) {
            active.remove(pos);
        }
    }
    merges
}

/// The fusion loops update the condensed values in place (half the memory of a square
/// matrix, and nothing to mirror), squared first for centroid, median and Ward. Row i's
/// entries after the diagonal are contiguous; before it they are a column, one stride per
/// entry.
fn working_copy(mut d: Condensed, squared: bool) -> Condensed {
    if squared {
        d.values.iter_mut().for_each(|v| *v *= *v);
    }
    d
}

/// How many entries ahead the column scans prefetch.
const AHEAD: usize = 16;

/// Asks the CPU to start loading `values[i]` (if it exists). The column part of a row of
/// the condensed matrix jumps a whole row per entry, so without the hint every read waits
/// for memory.
#[inline(always)]
fn prefetch(values: &[f64], i: usize) {
    #[cfg(target_arch = "x86_64")]
    if let Some(v) = values.get(i) {
        // SAFETY: a prefetch is only a hint: it never faults and changes no state.
        unsafe {
            std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(
                (v as *const f64).cast::<i8>(),
            )
        };
    }
}

impl Condensed {
    /// The live cluster nearest to a, as (dissimilarity, index); `start` (if any) is
    /// checked first, so it wins ties, and otherwise the smaller index wins (strict `<` in
    /// ascending order). The column part of a's row first, then the contiguous part.
    #[inline]
    fn nearest_in_row(&self, a: usize, active: &[usize], start: Option<usize>) -> (f64, usize) {
        let (mut bd, mut bx) = start.map_or((f64::INFINITY, usize::MAX), |p| (self.get(a, p), p));
        let split = active.partition_point(|&x| x < a);
        for (t, &x) in active[..split].iter().enumerate() {
            if let Some(&ahead) = active[..split].get(t + AHEAD) {
                prefetch(&self.values, self.row_start[ahead].wrapping_add(a));
            }
            let v = self.values[self.row_start[x].wrapping_add(a)];
            if v < bd {
                (bd, bx) = (v, x);
            }
        }
        let row = self.row_start[a];
        for &x in &active[split..] {
            if x != a {
                let v = self.values[row.wrapping_add(x)];
                if v < bd {
                    (bd, bx) = (v, x);
                }
            }
        }
        (bd, bx)
    }

    /// Fuses cluster `gone` into `kept > gone` at height `h`: the dissimilarities from the
    /// fusion to every other live cluster by Lance–Williams, stored in `kept`'s row and
    /// column, each handed to `visit(k, d(kept, k))` as it is written (the generic
    /// algorithm updates its neighbour list in the same pass). One copy of the loop per
    /// linkage, so the update formula is inlined.
    fn fuse(
        &mut self,
        method: Linkage,
        (gone, kept, h): RawMerge,
        size: &mut [usize],
        live: &[usize],
        mut visit: impl FnMut(usize, f64),
    ) {
        let (ni, nj) = (size[gone] as f64, size[kept] as f64);
        macro_rules! per_linkage {
            ($($l:ident),*) => {
                match method {
                    $(Linkage::$l => self.fuse_with(gone, kept, live, size, |dik, djk, nk| {
                        Linkage::$l.update(dik, djk, h, ni, nj, nk)
                    }, &mut visit),)*
                }
            };
        }
        per_linkage!(Single, Complete, Average, Weighted, Centroid, Median, Ward);
        size[kept] += size[gone];
    }

    /// `d(kept, k) ← f(d(gone, k), d(kept, k), size k)` over the live k, in three runs:
    /// below `gone` both entries sit in row k, between the two `d(gone, k)` runs along
    /// gone's row, and above `kept` both run along their rows.
    #[inline(always)]
    fn fuse_with(
        &mut self,
        gone: usize,
        kept: usize,
        live: &[usize],
        size: &[usize],
        f: impl Fn(f64, f64, f64) -> f64,
        visit: &mut impl FnMut(usize, f64),
    ) {
        let (rg, rk) = (self.row_start[gone], self.row_start[kept]);
        let g_at = live.partition_point(|&k| k < gone);
        let k_at = live.partition_point(|&k| k < kept);
        for (t, &k) in live[..g_at].iter().enumerate() {
            if let Some(&ahead) = live[..g_at].get(t + AHEAD) {
                let r = self.row_start[ahead];
                prefetch(&self.values, r.wrapping_add(gone));
                prefetch(&self.values, r.wrapping_add(kept));
            }
            let r = self.row_start[k];
            let (ig, ik) = (r.wrapping_add(gone), r.wrapping_add(kept));
            self.values[ik] = f(self.values[ig], self.values[ik], size[k] as f64);
            visit(k, self.values[ik]);
        }
        for (t, &k) in live[g_at..k_at]
            .iter()
            .enumerate()
            .filter(|&(_, &k)| k != gone)
        {
            if let Some(&ahead) = live[g_at..k_at].get(t + AHEAD) {
                prefetch(&self.values, self.row_start[ahead].wrapping_add(kept));
            }
            let (ig, ik) = (rg.wrapping_add(k), self.row_start[k].wrapping_add(kept));
            self.values[ik] = f(self.values[ig], self.values[ik], size[k] as f64);
            visit(k, self.values[ik]);
        }
        for &k in live[k_at..].iter().filter(|&&k| k != kept) {
            let (ig, ik) = (rg.wrapping_add(k), rk.wrapping_add(k));
            self.values[ik] = f(self.values[ig], self.values[ik], size[k] as f64);
            visit(k, self.values[ik]);
        }
    }
}
// ANCHOR_END: nn_chain

// ANCHOR: generic
/// The generic algorithm (Müllner 2011, after Anderberg): every cluster i remembers its
/// nearest neighbour among the clusters after it and that distance, in a priority queue.
/// The smallest entry is fused once it is confirmed current. Centroid and median distances
/// can shrink after a fusion, which the nearest-neighbour chain cannot handle.
fn generic(mut d: Condensed, method: Linkage) -> Vec<RawMerge> {
    let n = d.n;
    let mut size = vec![1usize; n];
    let mut live: Vec<usize> = (0..n).collect();
    let mut neighbor = vec![0usize; n];
    let mut mindist = vec![f64::INFINITY; n];
    let mut queue = BinaryHeap::new();
    // Row i after the diagonal is contiguous: the scan is over live clusters after i.
    let nearest_after = |d: &Condensed, live: &[usize], i: usize| -> (usize, f64) {
        let row = d.row_start[i];
        let from = live.partition_point(|&x| x <= i);
        live[from..].iter().fold((i, f64::INFINITY), |best, &j| {
            let v = d.values[row.wrapping_add(j)];
            if v < best.1 {
                (j, v)
            } else {
                best
            }
        })
    };
    for i in 0..n - 1 {
        (neighbor[i], mindist[i]) = nearest_after(&d, &live, i);
        queue.push(Reverse((Key(mindist[i]), i)));
    }
    let mut active = vec![true; n];
    let mut merges = Vec::with_capacity(n - 1);
    while merges.len() < n - 1 {
        let Some(Reverse((Key(m), i))) = queue.pop() else {
            break;
        };
        if !active[i] || m != mindist[i] {
            continue; // superseded entry
        }
        let j = neighbor[i];
        if !active[j] || d.get(i, j) != m {
            // The remembered neighbour moved or retired: look again.
            (neighbor[i], mindist[i]) = nearest_after(&d, &live, i);
            if mindist[i].is_finite() {
                queue.push(Reverse((Key(mindist[i]), i)));
            }
            continue;
        }
        merges.push((i, j, m));
        // The fused cluster lives on in slot j > i. The clusters before j whose nearest
        // later neighbour was i now point at j, and any that the fusion brought closer
        // take j: both in fusion's pass over j's column.
        d.fuse(method, (i, j, m), &mut size, &live, |k, dkj| {
            if k < j {
                if neighbor[k] == i {
                    neighbor[k] = j;
                }
                if dkj < mindist[k] {
                    (neighbor[k], mindist[k]) = (j, dkj);
                    queue.push(Reverse((Key(mindist[k]), k)));
                }
            }
        });
        active[i] = false;
        if let Ok(pos) = live.binary_search(&i) {
            live.remove(pos);
        }
        (neighbor[j], mindist[j]) = nearest_after(&d, &live, j);
        if mindist[j].is_finite() {
            queue.push(Reverse((Key(mindist[j]), j)));
        }
    }
    merges
}
// ANCHOR_END: generic

/// A totally ordered f64 for the priority queue (the values are finite).
#[derive(Clone, Copy, Debug, PartialEq)]
struct Key(f64);
impl Eq for Key {}
impl PartialOrd for Key {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Key {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.total_cmp(&other.0)
    }
}

/// SciPy's numbering: fusions named by points become rows naming clusters (a point is
/// itself, the cluster of row r is n + r), the smaller name first.
fn label(n: usize, raw: &[RawMerge]) -> Dendrogram {
    let mut parent: Vec<usize> = (0..2 * n - 1).collect();
    let mut size = vec![1usize; 2 * n - 1];
    let find = |parent: &mut Vec<usize>, mut x: usize| {
        while parent[x] != x {
            parent[x] = parent[parent[x]];
            x = parent[x];
        }
        x
    };
    let merges = raw
        .iter()
        .enumerate()
        .map(|(r, &(p, q, height))| {
            let (a, b) = (find(&mut parent, p), find(&mut parent, q));
            let new = n + r;
            parent[a] = new;
            parent[b] = new;
            size[new] = size[a] + size[b];
            Merge {
                a: a.min(b),
                b: a.max(b),
                height,
                size: size[new],
            }
        })
        .collect();
    Dendrogram { n, merges }
}

impl Dendrogram {
    /// The fusion heights in fusion order (SciPy's third column).
    pub fn heights(&self) -> Vec<f64> {
        self.merges.iter().map(|m| m.height).collect()
    }

    /// The rows whose height is below that of a cluster they fuse: an inversion (centroid
    /// and median linkage can produce them; the others cannot).
    pub fn inversions(&self) -> Vec<usize> {
        let n = self.n;
        (0..self.merges.len())
            .filter(|&r| {
                let m = self.merges[r];
                [m.a, m.b]
                    .iter()
                    .any(|&c| c >= n && self.merges[c - n].height > m.height)
            })
            .collect()
    }

    /// Every cluster's members as a range of [`Dendrogram::leaf_order`]: a cluster's points
    /// are contiguous in the drawing order.
    fn spans(&self, order: &[usize]) -> Vec<(usize, usize)> {
        let n = self.n;
        let mut at = vec![0usize; n];
        for (p, &leaf) in order.iter().enumerate() {
            at[leaf] = p;
        }
        let mut spans: Vec<(usize, usize)> = (0..n).map(|i| (at[i], at[i] + 1)).collect();
        for m in &self.merges {
            let (a, b) = (spans[m.a], spans[m.b]);
            spans.push((a.0.min(b.0), a.1.max(b.1)));
        }
        spans
    }

    // ANCHOR: cut
    /// The clusters after the first `n - k` fusions: k clusters, numbered 0..k in the order
    /// of their smallest point.
    pub fn cut_k(&self, k: usize) -> Result<Vec<usize>> {
        if k == 0 || k > self.n {
            return Err(Error::invalid(
                "k",
                k,
                format!("must be between 1 and the number of points ({})", self.n),
            ));
        }
        Ok(self.cut_after(self.n - k))
    }

    /// The clusters formed by the fusions at most `height` high (the first fusions, as long
    /// as the heights do not invert).
    pub fn cut_height(&self, height: f64) -> Vec<usize> {
        let rows = self
            .merges
            .iter()
            .take_while(|m| m.height <= height)
            .count();
        self.cut_after(rows)
    }

    fn cut_after(&self, rows: usize) -> Vec<usize> {
        let n = self.n;
        let mut owner: Vec<usize> = (0..2 * n - 1).collect();
        // A cluster's final owner is the last of the first `rows` fusions containing it.
        for r in (0..rows).rev() {
            let m = self.merges[r];
            owner[m.a] = owner[n + r];
            owner[m.b] = owner[n + r];
        }
        let mut names = std::collections::HashMap::new();
        (0..n)
            .map(|i| {
                let next = names.len();
                *names.entry(owner[i]).or_insert(next)
            })
            .collect()
    }
    // ANCHOR_END: cut

    /// Cophenetic distances: for each pair of points, the height of the fusion that first
    /// put them in one cluster.
    pub fn cophenetic(&self) -> Condensed {
        let n = self.n;
        let order = self.leaf_order();
        let spans = self.spans(&order);
        let mut values = vec![0.0; n * (n - 1) / 2];
        for m in &self.merges {
            let (a, b) = (spans[m.a], spans[m.b]);
            for &p in &order[a.0..a.1] {
                for &q in &order[b.0..b.1] {
                    let (p, q) = (p.min(q), p.max(q));
                    values[n * p - p * (p + 1) / 2 + q - p - 1] = m.height;
                }
            }
        }
        Condensed::new(n, values)
    }

    /// Leaves in drawing order (left to right), each cluster's smaller-named child first.
    pub fn leaf_order(&self) -> Vec<usize> {
        let n = self.n;
        let mut order = Vec::with_capacity(n);
        let mut stack = vec![2 * n - 2];
        while let Some(c) = stack.pop() {
            if c < n {
                order.push(c);
            } else {
                let m = self.merges[c - n];
                stack.push(m.b);
                stack.push(m.a);
            }
        }
        order
    }
}

/// The cophenetic correlation: Pearson's correlation between the original dissimilarities
/// and the tree's cophenetic distances (1 when the tree reproduces them exactly).
pub fn cophenetic_correlation(d: &Condensed, tree: &Dendrogram) -> Result<f64> {
    if d.n() != tree.n {
        return Err(Error::BadLength {
            what: "dissimilarities (one per pair of the tree's points)",
            expected: tree.n,
            actual: d.n(),
        });
    }
    let c = tree.cophenetic();
    let (x, y) = (d.values(), c.values());
    let m = x.len() as f64;
    let (mx, my) = (x.iter().sum::<f64>() / m, y.iter().sum::<f64>() / m);
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (a, b) in x.iter().zip(y) {
        sxy += (a - mx) * (b - my);
        sxx += (a - mx) * (a - mx);
        syy += (b - my) * (b - my);
    }
    Ok(sxy / (sxx * syy).sqrt())
}
