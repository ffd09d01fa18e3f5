//! Graph clustering by cliques (the clustering lecture's "graph clustering — cliques") ·
//! book `07-spectral.md`, "Clusters as cliques".
//!
//! A clique is a set of vertices every two of which are joined. The densest possible
//! cluster of a graph is a clique, and a vertex can sit in several, which is how the
//! lecture's figure colours one node by more than one clique.
//! 1. [`maximal_cliques`]: every clique that no vertex can extend, by Bron–Kerbosch with
//!    Tomita's pivot;
//! 2. [`clique_percolation`]: Palla et al.'s (2005) k-clique communities, unions of k-cliques
//!    that can be reached from one another through k-cliques sharing k − 1 vertices; they
//!    overlap, as cliques do, but are looser than single cliques.

use crate::error::{Error, Result};
use crate::linalg::Csr;

/// Enumeration stops with an error beyond this many maximal cliques (a graph on n vertices
/// can have 3^{n/3}).
pub const MAX_CLIQUES: usize = 1_000_000;

// ANCHOR: maximal_cliques
/// Every maximal clique of the graph (the edges with nonzero weight; self-loops ignored),
/// each as sorted vertices, in lexicographic order. An isolated vertex is a clique of one.
///
/// Bron–Kerbosch grows a clique R from candidates P (joined to all of R) while X holds the
/// vertices already tried, whose cliques were reported: R is maximal when P and X are both
/// empty. Tomita's pivot u, the vertex of P ∪ X with most neighbours in P, saves work: every
/// maximal clique holds u or a non-neighbour of u, so only those are branched on.
pub fn maximal_cliques(w: &Csr<f64>) -> Result<Vec<Vec<usize>>> {
    let adjacency = neighbour_lists(w)?;
    let mut found = Vec::new();
    let all: Vec<usize> = (0..adjacency.len()).collect();
    bron_kerbosch(&adjacency, &mut Vec::new(), all, Vec::new(), &mut found)?;
    found.iter_mut().for_each(|c| c.sort_unstable());
    found.sort();
    Ok(found)
}

fn bron_kerbosch(
    adjacency: &[Vec<usize>],
    r: &mut Vec<usize>,
    mut p: Vec<usize>,
    mut x: Vec<usize>,
    found: &mut Vec<Vec<usize>>,
) -> Result<()> {
    if p.is_empty() && x.is_empty() {
        if found.len() == MAX_CLIQUES {
            return Err(Error::invalid(
                "graph",
                format!("more than {MAX_CLIQUES} maximal cliques"),
                "too many to list; use a sparser graph (fewer neighbours or a smaller radius)",
            ));
        }
        found.push(r.clone());
        return Ok(());
    }
    let pivot = p
        .iter()
        .chain(&x)
        .copied()
        .max_by_key(|&u| (intersect(&p, &adjacency[u]).len(), std::cmp::Reverse(u)))
        .expect("P or X is not empty");
    let branches: Vec<usize> = p
        .iter()
        .copied()
        .filter(|v| adjacency[pivot].binary_search(v).is_err())
        .collect();
    for v in branches {
        r.push(v);
        bron_kerbosch(
            adjacency,
            r,
            intersect(&p, &adjacency[v]),
            intersect(&x, &adjacency[v]),
            found,
        )?;
        r.pop();
        p.retain(|&u| u != v);
        let at = x.binary_search(&v).unwrap_or_else(|i| i);
        x.insert(at, v);
    }
    Ok(())
}
// ANCHOR_END: maximal_cliques

/// The k-clique communities of a graph, which may overlap.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Communities {
    /// Each community's vertices, sorted; communities in order of their smallest vertex.
    pub members: Vec<Vec<usize>>,
    /// Each vertex's communities (none when it is in no k-clique; several where they
    /// overlap).
    pub of_vertex: Vec<Vec<usize>>,
}

impl Communities {
    /// How many vertices belong to more than one community.
    pub fn overlapping(&self) -> usize {
        self.of_vertex.iter().filter(|c| c.len() > 1).count()
    }
}

// ANCHOR: percolation
/// Palla et al.'s k-clique communities (k ≥ 2): two k-cliques are adjacent when they share
/// k − 1 vertices, and a community is the union of a connected set of k-cliques. The same
/// communities come from the maximal cliques of at least k vertices, joined when they share
/// at least k − 1 (every k-clique lies in a maximal one, and two maximal cliques sharing
/// k − 1 vertices hold two adjacent k-cliques), which is how they are computed here.
pub fn clique_percolation(w: &Csr<f64>, k: usize) -> Result<Communities> {
    if k < 2 {
        return Err(Error::invalid(
            "k",
            k,
            "a k-clique community needs k of at least 2 (k = 2 gives the connected components)",
        ));
    }
    let cliques: Vec<Vec<usize>> = maximal_cliques(w)?
        .into_iter()
        .filter(|c| c.len() >= k)
        .collect();
    // Union–find over the cliques; candidates share a vertex, found through each vertex's
    // list of cliques.
    let n = w.rows();
    let mut cliques_of = vec![Vec::new(); n];
    for (c, clique) in cliques.iter().enumerate() {
        for &v in clique {
            cliques_of[v].push(c);
        }
    }
    let mut parent: Vec<usize> = (0..cliques.len()).collect();
    for list in &cliques_of {
        for (i, &a) in list.iter().enumerate() {
            for &b in &list[i + 1..] {
                if intersect(&cliques[a], &cliques[b]).len() + 1 >= k {
                    let (ra, rb) = (root(&mut parent, a), root(&mut parent, b));
                    parent[ra.max(rb)] = ra.min(rb);
                }
            }
        }
    }
    let mut by_root: std::collections::BTreeMap<usize, Vec<usize>> = Default::default();
    for (c, clique) in cliques.iter().enumerate() {
        by_root
            .entry(root(&mut parent, c))
            .or_default()
            .extend(clique);
    }
    let mut members: Vec<Vec<usize>> = by_root
        .into_values()
        .map(|mut m| {
            m.sort_unstable();
            m.dedup();
            m
        })
        .collect();
    members.sort();
    let mut of_vertex = vec![Vec::new(); n];
    for (c, m) in members.iter().enumerate() {
        for &v in m {
            of_vertex[v].push(c);
        }
    }
    Ok(Communities { members, of_vertex })
}
// ANCHOR_END: percolation

/// The representative of `a`'s set, halving the path on the way.
fn root(parent: &mut [usize], mut a: usize) -> usize {
    while parent[a] != a {
        parent[a] = parent[parent[a]];
        a = parent[a];
    }
    a
}

/// The common elements of two sorted lists.
fn intersect(a: &[usize], b: &[usize]) -> Vec<usize> {
    let (mut i, mut j, mut out) = (0, 0, Vec::new());
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                out.push(a[i]);
                i += 1;
                j += 1;
            }
        }
    }
    out
}

/// Each vertex's neighbours, sorted, from a square, symmetric graph.
fn neighbour_lists(w: &Csr<f64>) -> Result<Vec<Vec<usize>>> {
    let n = w.rows();
    if w.cols() != n || !w.is_symmetric() {
        return Err(Error::invalid(
            "graph",
            format!("{} x {}", w.rows(), w.cols()),
            "cliques need an undirected graph: a square, symmetric weight matrix",
        ));
    }
    Ok((0..n)
        .map(|i| {
            let (cols, vals) = w.row(i);
            cols.iter()
                .zip(vals)
                .filter(|&(&j, &v)| j != i && v != 0.0)
                .map(|(&j, _)| j)
                .collect()
        })
        .collect())
}
