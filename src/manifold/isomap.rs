//! Isomap (Tenenbaum, de Silva and Langford 2000): distances measured along the data
//! (shortest paths in a neighbourhood graph) instead of straight through space, then
//! classical MDS.

use super::mds::classical_mds;
use super::{check_points, distance};
use crate::error::{Error, Result};
use crate::linalg::threads::par_chunks_mut;
use crate::linalg::{Csr, Exec, Matrix};
use crate::spectral::graph::{components, similarity_graph, Graph, Weighting};
use std::cmp::Ordering;
use std::collections::BinaryHeap;

/// Isomap. Hyperparameters only; [`Isomap::fit`] validates them.
#[derive(Clone, Debug)]
pub struct Isomap {
    n_components: usize,
    n_neighbors: usize,
    radius: Option<f64>,
    residual_dims: usize,
    seed: u64,
    exec: Exec,
}

/// What Isomap found.
#[derive(Clone, Debug, PartialEq)]
pub struct FittedIsomap {
    pub embedding: Matrix<f64>,
    /// The eigenvalues of the double-centred squared geodesics.
    pub eigenvalues: Vec<f64>,
    /// `1 - R²(geodesic distances, map distances)` for maps of 1, 2, … dimensions, when
    /// asked for ([`Isomap::residual_variance`]): where it stops falling is the intrinsic
    /// dimension.
    pub residual_variance: Vec<f64>,
}

impl Isomap {
    /// The symmetric kNN graph with `n_neighbors` neighbours.
    pub fn new(n_components: usize, n_neighbors: usize) -> Self {
        Isomap {
            n_components,
            n_neighbors,
            radius: None,
            residual_dims: 0,
            seed: 0,
            exec: Exec::default(),
        }
    }
    /// Join every pair closer than `radius` instead of the nearest neighbours.
    pub fn radius(mut self, radius: f64) -> Self {
        self.radius = Some(radius);
        self
    }
    /// Also report the residual variance for 1 to `dims` map dimensions.
    pub fn residual_variance(mut self, dims: usize) -> Self {
        self.residual_dims = dims;
        self
    }
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }
    /// Threads for the neighbour search and graph work (the result is the same for any
    /// count).
    pub fn threads(mut self, threads: usize) -> Self {
        self.exec = self.exec.with_threads(threads);
        self
    }

    // ANCHOR: isomap
    /// 1. the neighbourhood graph, edges weighted by their length;
    /// 2. [`geodesic_distances`]: Dijkstra from every point;
    /// 3. classical MDS of the geodesic distances.
    pub fn fit(&self, x: &Matrix<f64>) -> Result<FittedIsomap> {
        check_points(x, self.n_components, self.n_neighbors, 1)?;
        let graph = match self.radius {
            Some(radius) => edge_lengths(
                similarity_graph(x, Graph::Epsilon { radius }, self.exec)?,
                x,
            )?,
            None => similarity_graph(
                x,
                Graph::Knn {
                    neighbors: self.n_neighbors,
                    weighting: Weighting::Distance,
                },
                self.exec,
            )?,
        };
        let parts = components(&graph);
        if parts.count > 1 {
            return Err(Error::invalid(
                "n_neighbors",
                self.n_neighbors,
                format!(
                    "the neighbourhood graph has {} connected components, so some geodesic \
                     distances are infinite; use more neighbours (or a larger radius)",
                    parts.count
                ),
            ));
        }
        let geodesics = geodesic_distances(&graph, self.exec)?;
        let dims = self.n_components.max(self.residual_dims);
        let mds = classical_mds(&geodesics, dims, self.seed)?;
        let residual_variance = (1..=self.residual_dims)
            .map(|d| residual_variance(&geodesics, &mds.embedding, d))
            .collect();
        let embedding = Matrix::from_fn(x.rows(), self.n_components, |i, k| mds.embedding[(i, k)]);
        Ok(FittedIsomap {
            embedding,
            eigenvalues: mds.eigenvalues[..self.n_components].to_vec(),
            residual_variance,
        })
    }
    // ANCHOR_END: isomap
}

/// The ε graph's weights are 1; Isomap needs each edge's length.
fn edge_lengths(graph: Csr<f64>, x: &Matrix<f64>) -> Result<Csr<f64>> {
    let triplets: Vec<(usize, usize, f64)> = (0..graph.rows())
        .flat_map(|i| {
            let (cols, _) = graph.row(i);
            cols.iter()
                .map(move |&j| (i, j, distance(x.row(i), x.row(j))))
                .collect::<Vec<_>>()
        })
        .collect();
    Csr::from_triplets(graph.rows(), graph.cols(), &triplets)
}

/// `1 - r²` between the geodesic distances and the distances in the first `dims` columns
/// of the map, over all pairs.
fn residual_variance(geodesics: &Matrix<f64>, y: &Matrix<f64>, dims: usize) -> f64 {
    let n = geodesics.rows();
    let (mut sa, mut sb, mut saa, mut sbb, mut sab, mut m) = (0.0, 0.0, 0.0, 0.0, 0.0, 0.0);
    for i in 0..n {
        for j in i + 1..n {
            let a = geodesics[(i, j)];
            let b = distance(&y.row(i)[..dims], &y.row(j)[..dims]);
            sa += a;
            sb += b;
            saa += a * a;
            sbb += b * b;
            sab += a * b;
            m += 1.0;
        }
    }
    let cov = sab / m - (sa / m) * (sb / m);
    let (va, vb) = (saa / m - (sa / m).powi(2), sbb / m - (sb / m).powi(2));
    if va <= 0.0 || vb <= 0.0 {
        return 1.0;
    }
    1.0 - cov * cov / (va * vb)
}

/// A heap entry: a tentative distance to a node. Ordered so the smallest distance (then the
/// smaller node) comes out of `BinaryHeap` (a max-heap) first.
#[derive(Clone, Copy, PartialEq)]
struct Tentative(f64, usize);

impl Eq for Tentative {}
impl Ord for Tentative {
    fn cmp(&self, other: &Self) -> Ordering {
        other.0.total_cmp(&self.0).then(other.1.cmp(&self.1))
    }
}
impl PartialOrd for Tentative {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Sources per parallel task.
const SOURCES_PER_TASK: usize = 16;

// ANCHOR: geodesics
/// All shortest-path distances of a graph whose weights are edge lengths: Dijkstra with a
/// binary heap from every source, sources spread over threads (each row of the result is
/// one source's run, so the result does not depend on the thread count). Unreachable
/// pairs are infinite. O(n (E + n) log n).
pub fn geodesic_distances(graph: &Csr<f64>, exec: Exec) -> Result<Matrix<f64>> {
    let n = graph.rows();
    if graph.cols() != n {
        return Err(Error::ShapeMismatch {
            op: "geodesic_distances (needs a square graph)",
            left: graph.shape(),
            right: graph.shape(),
        });
    }
    for i in 0..n {
        if let Some(&w) = graph.row(i).1.iter().find(|w| w.is_nan() || **w < 0.0) {
            return Err(Error::invalid("edge length", w, "must be a number >= 0"));
        }
    }
    crate::check_memory(
        || format!("the {n} x {n} matrix of geodesic distances"),
        n.saturating_mul(n),
        std::mem::size_of::<f64>(),
    )?;
    let mut out = Matrix::zeros(n, n);
    par_chunks_mut(
        out.as_mut_slice(),
        SOURCES_PER_TASK * n,
        exec.threads,
        |b, rows| {
            let mut heap = BinaryHeap::new();
            for (r, dist) in rows.chunks_exact_mut(n).enumerate() {
                dijkstra(graph, b * SOURCES_PER_TASK + r, dist, &mut heap);
            }
        },
    );
    Ok(out)
}

/// Shortest distances from `source` into `dist`.
fn dijkstra(graph: &Csr<f64>, source: usize, dist: &mut [f64], heap: &mut BinaryHeap<Tentative>) {
    dist.fill(f64::INFINITY);
    dist[source] = 0.0;
    heap.clear();
    heap.push(Tentative(0.0, source));
    while let Some(Tentative(d, u)) = heap.pop() {
        if d > dist[u] {
            continue; // a stale entry: u was settled through a shorter path
        }
        let (cols, lengths) = graph.row(u);
        for (&v, &w) in cols.iter().zip(lengths) {
            let through_u = d + w;
            if through_u < dist[v] {
                dist[v] = through_u;
                heap.push(Tentative(through_u, v));
            }
        }
    }
}
// ANCHOR_END: geodesics
