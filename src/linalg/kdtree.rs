//! A k-d tree for exact nearest-neighbour search in low dimension (Bentley 1975).
//!
//! The brute-force kNN of [`super::distance`] costs O(n²) distances. In two or three
//! dimensions a k-d tree visits O(log n) leaves per query instead: each node splits its
//! points at the median of its widest coordinate, and a subtree is skipped when the query's
//! distance to the splitting plane already exceeds the k-th best distance found.

use super::kernels::sq_dist;
use super::{Matrix, Scalar};

/// Points per leaf: a leaf is scanned exhaustively.
const LEAF: usize = 16;

/// A node covers `order[start..end]`; an inner node splits them at `value` on `dim`, the
/// left child holding the smaller coordinates.
#[derive(Clone, Debug)]
struct Node<T> {
    start: usize,
    end: usize,
    split: Option<(usize, T, usize, usize)>,
}

/// A k-d tree over the rows of a matrix.
pub(crate) struct KdTree<'a, T> {
    data: &'a Matrix<T>,
    order: Vec<usize>,
    nodes: Vec<Node<T>>,
}

impl<'a, T: Scalar> KdTree<'a, T> {
    // ANCHOR: build
    /// Builds the tree by recursive median splits on the widest coordinate.
    pub(crate) fn new(data: &'a Matrix<T>) -> Self {
        let mut tree = KdTree {
            data,
            order: (0..data.rows()).collect(),
            nodes: Vec::new(),
        };
        tree.build(0, data.rows());
        tree
    }

    fn build(&mut self, start: usize, end: usize) -> usize {
        let id = self.nodes.len();
        self.nodes.push(Node {
            start,
            end,
            split: None,
        });
        if end - start <= LEAF {
            return id;
        }
        let dim = self.widest(start, end);
        let mid = (start + end) / 2;
        let data = self.data;
        self.order[start..end].select_nth_unstable_by(mid - start, |&a, &b| {
            data[(a, dim)]
                .partial_cmp(&data[(b, dim)])
                .unwrap_or(std::cmp::Ordering::Equal)
        });
        let value = data[(self.order[mid], dim)];
        let left = self.build(start, mid);
        let right = self.build(mid, end);
        self.nodes[id].split = Some((dim, value, left, right));
        id
    }

    /// The coordinate with the largest spread over `order[start..end]`.
    fn widest(&self, start: usize, end: usize) -> usize {
        (0..self.data.cols())
            .map(|j| {
                let (lo, hi) = self.order[start..end].iter().fold(
                    (T::INFINITY, -T::INFINITY),
                    |(lo, hi), &i| {
                        let v = self.data[(i, j)];
                        (lo.min(v), hi.max(v))
                    },
                );
                (j, hi - lo)
            })
            .fold(
                (0, -T::INFINITY),
                |best, (j, w)| if w > best.1 { (j, w) } else { best },
            )
            .0
    }
    // ANCHOR_END: build

    // ANCHOR: search
    /// The k nearest rows to `query` as `(squared distance, index)`, nearest first, ties to
    /// the smaller index; `skip` (the query's own row) is never returned. Exact: every
    /// distance is computed directly, and a subtree is skipped only when it cannot hold a
    /// point at most as far as the current k-th best.
    pub(crate) fn nearest(&self, query: &[T], k: usize, skip: Option<usize>) -> Vec<(T, usize)> {
        let mut best: Vec<(T, usize)> = Vec::with_capacity(k + 1);
        let mut stack = vec![(0usize, T::ZERO)];
        while let Some((id, plane)) = stack.pop() {
            if best.len() == k && plane > best[k - 1].0 {
                continue;
            }
            let node = &self.nodes[id];
            match node.split {
                None => {
                    for &i in &self.order[node.start..node.end] {
                        if Some(i) != skip {
                            offer(&mut best, k, (sq_dist(query, self.data.row(i)), i));
                        }
                    }
                }
                Some((dim, value, left, right)) => {
                    let gap = query[dim] - value;
                    let (near, far) = if gap < T::ZERO {
                        (left, right)
                    } else {
                        (right, left)
                    };
                    // The far side is at least |gap| away (and as far as the parent's plane).
                    stack.push((far, plane.max(gap * gap)));
                    stack.push((near, plane));
                }
            }
        }
        best
    }
    // ANCHOR_END: search
}

/// Inserts a candidate into the sorted list of the k best `(distance, index)` pairs.
fn offer<T: Scalar>(best: &mut Vec<(T, usize)>, k: usize, cand: (T, usize)) {
    let worse = |a: &(T, usize), b: &(T, usize)| a.0 > b.0 || (a.0 == b.0 && a.1 > b.1);
    if best.len() == k && !worse(&best[k - 1], &cand) {
        return;
    }
    let at = best.partition_point(|e| !worse(e, &cand));
    best.insert(at, cand);
    best.truncate(k);
}
