//! # Chapter 5 · Hierarchical clustering
//!
//! Lecture: ISLR §10.3.2 (the agglomerative algorithm, Table 10.2's linkages, centroid
//! inversions) · book `05-hierarchical.md` · tests `tests/hierarchical.rs` · bench
//! `benches/hierarchical.rs`
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
//!
//! ```
//! use unsupervised::hierarchical::{linkage, Condensed, Linkage, Metric};
//! use unsupervised::Matrix;
//! // Points 0, 1 and 3 on a line: single linkage fuses at 1, then at 2; complete at 1, 3.
//! let d = Condensed::from_points(&Matrix::new(3, 1, vec![0.0, 1.0, 3.0])?, Metric::Euclidean)?;
//! assert_eq!(linkage(&d, Linkage::Single)?.heights(), vec![1.0, 2.0]);
//! assert_eq!(linkage(&d, Linkage::Complete)?.heights(), vec![1.0, 3.0]);
//! # Ok::<(), unsupervised::Error>(())
//! ```

use crate::error::{Error, Result};
use crate::linalg::kernels::{dot, sq_dist, sq_norm};
use crate::linalg::Matrix;

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

/// The pair `(i, j)`, `i < j`, at position `p` of the condensed order.
fn pair_of(n: usize, p: usize) -> (usize, usize) {
    let mut i = 0;
    let mut start = 0;
    while start + (n - 1 - i) <= p {
        start += n - 1 - i;
        i += 1;
    }
    (i, i + 1 + p - start)
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
        crate::check_memory(
            || format!("the n(n-1)/2 pairwise distances of {n} points"),
            n.saturating_mul(n - 1) / 2,
            std::mem::size_of::<f64>(),
        )?;
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
        if let Some(p) = values.iter().position(|v| !v.is_finite()) {
            let (i, j) = pair_of(n, p);
            return Err(Error::invalid(
                "data",
                format!("rows {i} and {j}"),
                format!(
                    "the {metric:?} distance between rows {i} and {j} overflows f64 \
                     arithmetic (its square passes f64::MAX); rescale the data"
                ),
            ));
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
        m.check_samples("dissimilarity matrix")?; // square, so no rows means empty
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
    let scale = overflow_scale(d, method);
    let raw = match method {
        // The spanning tree only reads the dissimilarities: no working copy.
        Linkage::Single => prim(d),
        _ => fuse_in_place(working_copy(d.clone(), method.squared(), scale), method),
    };
    finish(d.n(), method, raw, scale)
}

/// [`linkage`] on dissimilarities it may overwrite: the fusions update `d` in place, so no
/// copy of the n(n-1)/2 values is made (what kodama and SciPy's fastcluster do).
pub fn linkage_in_place(d: Condensed, method: Linkage) -> Result<Dendrogram> {
    check_linkage_input(&d)?;
    let n = d.n();
    let scale = overflow_scale(&d, method);
    let raw = match method {
        Linkage::Single => prim(&d),
        _ => fuse_in_place(working_copy(d, method.squared(), scale), method),
    };
    finish(n, method, raw, scale)
}

/// The power of two the fusions scale the dissimilarities by so that no Lance–Williams
/// update can overflow: the updates are linear in the (squared) dissimilarities, with
/// products of sizes up to n times a value, so the working values must stay below
/// `f64::MAX / 4n`. Ordinary data get 1 (the same bits as unscaled); scaling by a power of
/// two is exact, so only data within a factor 4n of overflow lose anything.
fn overflow_scale(d: &Condensed, method: Linkage) -> f64 {
    let largest = d.values.iter().fold(0.0f64, |m, &v| m.max(v));
    let limit = f64::MAX / (4.0 * d.n() as f64);
    let limit = if method.squared() {
        limit.sqrt()
    } else {
        limit
    };
    let mut scale = 1.0;
    while largest * scale > limit {
        scale *= 0.5;
    }
    scale
}

fn check_linkage_input(d: &Condensed) -> Result<()> {
    let n = d.n();
    if n < 2 {
        return Err(Error::invalid(
            "data",
            format!("{n} point(s)"),
            format!("hierarchical clustering needs at least two points, not {n}"),
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

/// Heights back from squares and from the overflow scale, fusions in order, clusters
/// numbered as SciPy does. A height beyond `f64::MAX` (Ward's heights can exceed every
/// dissimilarity) is an error naming the data.
fn finish(n: usize, method: Linkage, mut raw: Vec<RawMerge>, scale: f64) -> Result<Dendrogram> {
    if method.squared() {
        raw.iter_mut().for_each(|m| m.2 = m.2.sqrt());
    }
    raw.iter_mut().for_each(|m| m.2 /= scale);
    if let Some(m) = raw.iter().find(|m| !m.2.is_finite()) {
        return Err(Error::invalid(
            "data",
            m.2,
            format!(
                "the {method:?} fusion of points {} and {} is higher than the largest \
                 number (f64::MAX); rescale the data",
                m.0, m.1
            ),
        ));
    }
    // The spanning tree and the chain find fusions out of order; a stable sort puts them in
    // order of height (equal heights keep the order found). The generic algorithm fuses in
    // order already, and sorting would hide its inversions (SciPy does not sort it either).
    if !matches!(method, Linkage::Centroid | Linkage::Median) {
        raw.sort_by(|x, y| x.2.total_cmp(&y.2));
    }
    Ok(label(n, &raw))
}
// ANCHOR_END: linkage

/// Points i and j fused at height h, named by any member of each cluster.
type RawMerge = (usize, usize, f64);

mod fusion;
use fusion::{generic, nn_chain, prim, working_copy};

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
    let (mx, my) = (mean(x), mean(y));
    // Deviations divided by a power of two near their largest (exact, and the correlation
    // does not see it), so the sums of squares cannot overflow on huge dissimilarities.
    let (ux, uy) = (binade(x, mx), binade(y, my));
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (a, b) in x.iter().zip(y) {
        let (a, b) = ((a - mx) / ux, (b - my) / uy);
        sxy += a * b;
        sxx += a * a;
        syy += b * b;
    }
    Ok(sxy / (sxx * syy).sqrt())
}

/// The mean of `v`, summed in halves' scale so a sum of huge values cannot overflow.
fn mean(v: &[f64]) -> f64 {
    v.iter().map(|a| a * 0.5).sum::<f64>() / v.len() as f64 * 2.0
}

/// The power of two at or just below the largest `|v - centre|` (1 when that is 0).
fn binade(v: &[f64], centre: f64) -> f64 {
    let largest = v.iter().fold(0.0f64, |m, a| m.max((a - centre).abs()));
    if largest > 0.0 && largest.is_finite() {
        f64::from_bits(largest.to_bits() & 0x7ff0_0000_0000_0000).max(f64::MIN_POSITIVE)
    } else {
        1.0
    }
}
