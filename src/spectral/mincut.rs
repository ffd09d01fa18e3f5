//! The exact minimum cut of a weighted graph (Stoer and Wagner 1997): the lecture's first
//! answer to "how do we partition the graph?", solved exactly so that the chapter can show
//! why it is the wrong objective · book `07-spectral.md`, "Minimum cut".
//!
//! A *phase* grows a set A from one vertex, always adding the vertex most tightly joined to
//! A (the largest `w(A, v)`). The last vertex t added is then separated from the one before
//! it, s, by no cut cheaper than `w(A \ {t}, t)`: the *cut of the phase*. Either the minimum
//! cut separates s and t, and it is that cut, or it does not, and s and t can be merged
//! into one vertex without losing it. n − 1 phases, each merging its s and t, leave one
//! vertex; the cheapest cut of a phase is the minimum cut. A phase costs O(m log n) with a
//! heap, so the whole O(n m log n).

use crate::error::{Error, Result};
use crate::linalg::Csr;
use std::cmp::Ordering;
use std::collections::{BTreeMap, BinaryHeap};

/// A minimum cut: its weight and the two sides.
#[derive(Clone, Debug, PartialEq)]
pub struct MinCut {
    /// `cut(A, B) = Σ_{i∈A, j∈B} w_ij`, the least over all partitions into two non-empty
    /// parts.
    pub value: f64,
    /// `labels[i]` is 1 for the vertices of the smaller side, 0 for the rest.
    pub labels: Vec<usize>,
}

impl MinCut {
    /// How many vertices the smaller side holds (1 for the lecture's useless cut).
    pub fn smaller_side(&self) -> usize {
        self.labels.iter().filter(|&&l| l == 1).count()
    }
}

// ANCHOR: min_cut
/// The exact minimum cut of the symmetric, non-negative weights `w` (at least 2 vertices).
/// A disconnected graph has minimum cut 0: one of its components.
pub fn min_cut(w: &Csr<f64>) -> Result<MinCut> {
    let n = check_graph(w)?;
    let mut adjacency = adjacency_lists(w);
    // members[v]: the original vertices merged into v so far.
    let mut members: Vec<Vec<usize>> = (0..n).map(|v| vec![v]).collect();
    let mut active: Vec<usize> = (0..n).collect();
    let (mut best, mut best_side) = (f64::INFINITY, Vec::new());
    while active.len() > 1 {
        let (s, t, cut_of_phase) = maximum_adjacency_order(&adjacency, &active);
        if cut_of_phase < best {
            best = cut_of_phase;
            best_side = members[t].clone();
        }
        merge(&mut adjacency, &mut members, s, t);
        active.retain(|&v| v != t);
    }
    let mut labels = vec![0; n];
    let flip = 2 * best_side.len() > n;
    for &v in &best_side {
        labels[v] = 1;
    }
    if flip {
        labels.iter_mut().for_each(|l| *l = 1 - *l);
    }
    Ok(MinCut {
        value: best,
        labels,
    })
}

/// One phase: the vertices of `active` in maximum-adjacency order from the first. Returns
/// the last two, s and t, and the cut of the phase, `w(A \ {t}, t)`.
fn maximum_adjacency_order(
    adjacency: &[BTreeMap<usize, f64>],
    active: &[usize],
) -> (usize, usize, f64) {
    let n = adjacency.len();
    let (mut key, mut added) = (vec![0.0; n], vec![false; n]);
    // A max-heap with stale entries skipped: a vertex's newest key is in `key`.
    let mut heap: BinaryHeap<Tight> = active.iter().map(|&v| Tight(0.0, v)).collect();
    let (mut s, mut t, mut last_key) = (active[0], active[0], 0.0);
    while let Some(Tight(k, v)) = heap.pop() {
        if added[v] || key[v] != k {
            continue;
        }
        added[v] = true;
        (s, t, last_key) = (t, v, k);
        for (&u, &wuv) in &adjacency[v] {
            if !added[u] {
                key[u] += wuv;
                heap.push(Tight(key[u], u));
            }
        }
    }
    (s, t, last_key)
}

/// Merges t into s: t's edges become s's, parallel edges add up.
fn merge(adjacency: &mut [BTreeMap<usize, f64>], members: &mut [Vec<usize>], s: usize, t: usize) {
    let edges = std::mem::take(&mut adjacency[t]);
    for (u, w) in edges {
        adjacency[u].remove(&t);
        if u != s {
            *adjacency[s].entry(u).or_insert(0.0) += w;
            *adjacency[u].entry(s).or_insert(0.0) += w;
        }
    }
    let moved = std::mem::take(&mut members[t]);
    members[s].extend(moved);
}
// ANCHOR_END: min_cut

/// A heap entry: a key `w(A, v)` and its vertex; the largest key first, then the smaller
/// vertex, so that phases do not depend on the heap's internals.
#[derive(PartialEq)]
struct Tight(f64, usize);

impl Eq for Tight {}

impl Ord for Tight {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0.total_cmp(&other.0).then(other.1.cmp(&self.1))
    }
}

impl PartialOrd for Tight {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Each vertex's neighbours and edge weights, self-loops dropped (no cut contains them).
fn adjacency_lists(w: &Csr<f64>) -> Vec<BTreeMap<usize, f64>> {
    (0..w.rows())
        .map(|i| {
            let (cols, vals) = w.row(i);
            cols.iter()
                .zip(vals)
                .filter(|&(&j, &v)| j != i && v != 0.0)
                .map(|(&j, &v)| (j, v))
                .collect()
        })
        .collect()
}

/// A square, symmetric graph with finite, non-negative weights and at least two vertices.
pub(crate) fn check_graph(w: &Csr<f64>) -> Result<usize> {
    let n = w.rows();
    if n < 2 || w.cols() != n {
        return Err(Error::invalid(
            "graph",
            format!("{} x {}", w.rows(), w.cols()),
            "a cut needs a square graph with at least 2 vertices",
        ));
    }
    for i in 0..n {
        let (cols, vals) = w.row(i);
        if let Some((&j, &v)) = cols
            .iter()
            .zip(vals)
            .find(|(_, v)| !(**v >= 0.0 && v.is_finite()))
        {
            return Err(Error::invalid(
                "graph",
                format!("w[{i}][{j}] = {v}"),
                "weights must be finite and non-negative",
            ));
        }
    }
    if !w.is_symmetric() {
        return Err(Error::invalid(
            "graph",
            "not symmetric",
            "an undirected graph has w_ij = w_ji",
        ));
    }
    Ok(n)
}
