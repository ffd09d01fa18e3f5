//! Similarity graphs and their Laplacians: chapter 7 builds them, chapter 8 reuses them.
//!
//! Lecture: spectral clustering (Gaussian-kernel and kNN graphs, `L = D - W` and its
//! quadratic form) · book `07-spectral.md`.
//!
//! A graph on n points is a symmetric weight matrix W (`w_ij > 0` joins i and j). Sparse
//! graphs are [`Csr`] matrices built from chapter 1's exact kNN search, so a graph with k
//! neighbours per point costs O(n·k) memory, never a dense n x n matrix.

use crate::error::{Error, Result};
use crate::linalg::sparse::Duplicates;
use crate::linalg::{knn_self, pairwise_sq_dists, Csr, Exec, Matrix, Neighbors};

/// How an edge of a kNN graph is weighted.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Weighting {
    /// Every edge weighs 1.
    Binary,
    /// `w_ij = exp(-‖xᵢ - xⱼ‖² / σ²)`, the lecture's Gaussian kernel. NOTE: many texts (and
    /// scikit-learn's `gamma = 1 / (2σ²)`) write `2σ²`; this σ is theirs times √2.
    Gaussian { sigma: f64 },
    /// `w_ij = ‖xᵢ - xⱼ‖`: an edge's length, not a similarity. Isomap (chapter 8) walks
    /// these graphs for shortest paths; the Laplacians above have no use for them.
    Distance,
}

/// Which pairs of points are joined, and how strongly.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Graph {
    /// Every pair, with Gaussian weights (n² entries: for small n).
    Full { sigma: f64 },
    /// j in kNN(i) OR i in kNN(j): the lecture's symmetric kNN graph.
    Knn {
        neighbors: usize,
        weighting: Weighting,
    },
    /// j in kNN(i) AND i in kNN(j): fewer edges between clusters of different density.
    MutualKnn {
        neighbors: usize,
        weighting: Weighting,
    },
    /// Every pair closer than `radius`, weight 1.
    Epsilon { radius: f64 },
    /// Zelnik-Manor and Perona (2004): the symmetric kNN graph with
    /// `w_ij = exp(-‖xᵢ - xⱼ‖² / (σᵢ σⱼ))`, σᵢ the distance from i to its `scale`-th
    /// nearest neighbour (7 in the paper): a kernel width that follows the local density.
    SelfTuning { neighbors: usize, scale: usize },
}

impl Graph {
    /// The lecture's default: the symmetric 10-NN graph with weights 1.
    pub fn knn(neighbors: usize) -> Self {
        Graph::Knn {
            neighbors,
            weighting: Weighting::Binary,
        }
    }
}

// ANCHOR: similarity_graph
/// The similarity graph of the rows of `x`.
pub fn similarity_graph(x: &Matrix<f64>, graph: Graph, exec: Exec) -> Result<Csr<f64>> {
    let n = x.rows();
    x.check_samples("spectral clustering data")?;
    match graph {
        Graph::Full { sigma } => {
            check_sigma(sigma)?;
            within(x, f64::INFINITY, exec, |d2| gaussian(d2, sigma * sigma))
        }
        Graph::Epsilon { radius } => {
            if !(radius > 0.0 && radius.is_finite()) {
                return Err(Error::invalid(
                    "radius",
                    radius,
                    "must be positive and finite",
                ));
            }
            within(x, radius * radius, exec, |_| 1.0)
        }
        Graph::Knn {
            neighbors,
            weighting,
        } => knn_graph(&neighbors_of(x, neighbors, exec)?, weighting),
        Graph::MutualKnn {
            neighbors,
            weighting,
        } => mutual_knn_graph(&neighbors_of(x, neighbors, exec)?, weighting),
        Graph::SelfTuning { neighbors, scale } => {
            if scale == 0 {
                return Err(Error::invalid(
                    "scale",
                    0,
                    "the scale neighbour counts from 1",
                ));
            }
            let nb = neighbors_of(x, neighbors.max(scale), exec)?;
            let sigma: Vec<f64> = (0..n)
                .map(|i| nb.sq_distances_of(i)[scale - 1].sqrt())
                .collect();
            let edges = (0..n).flat_map(|i| {
                let (idx, d2) = (nb.indices_of(i), nb.sq_distances_of(i));
                let sigma = &sigma;
                idx.iter()
                    .zip(d2)
                    .take(neighbors)
                    .map(move |(&j, &d2)| (i, j, gaussian(d2, sigma[i] * sigma[j])))
            });
            Csr::symmetric_from_triplets(n, &edges.collect::<Vec<_>>(), Duplicates::Max)
        }
    }
}
// ANCHOR_END: similarity_graph

/// `exp(-d² / s)`, with coincident points fully joined even when `s` is 0.
fn gaussian(d2: f64, s: f64) -> f64 {
    if d2 == 0.0 {
        1.0
    } else {
        (-d2 / s).exp()
    }
}

fn check_sigma(sigma: f64) -> Result<()> {
    if sigma > 0.0 && sigma.is_finite() {
        Ok(())
    } else {
        Err(Error::invalid(
            "sigma",
            sigma,
            "must be positive and finite",
        ))
    }
}

fn neighbors_of(x: &Matrix<f64>, k: usize, exec: Exec) -> Result<Neighbors<f64>> {
    let n = x.rows();
    if k == 0 || k >= n {
        return Err(Error::invalid(
            "n_neighbors",
            k,
            format!("must be between 1 and n - 1 = {}", n.saturating_sub(1)),
        ));
    }
    knn_self(x, k, exec)
}

/// Rows per block of [`within`]: a block's distances to all n points stay small.
const BLOCK: usize = 256;

/// Every pair `i ≠ j` with `‖xᵢ - xⱼ‖² ≤ reach²` (squared `reach2`), weighted by
/// `weight(d²)`, computed a block of rows at a time.
fn within(
    x: &Matrix<f64>,
    reach2: f64,
    exec: Exec,
    weight: impl Fn(f64) -> f64,
) -> Result<Csr<f64>> {
    let n = x.rows();
    let mut edges = Vec::new();
    for b0 in (0..n).step_by(BLOCK) {
        let rows = BLOCK.min(n - b0);
        let block = Matrix::from_fn(rows, x.cols(), |i, j| x[(b0 + i, j)]);
        let d2 = pairwise_sq_dists(&block, x, exec)?;
        for i in 0..rows {
            for (j, &d) in d2.row(i).iter().enumerate() {
                if j != b0 + i && d <= reach2 {
                    edges.push((b0 + i, j, weight(d)));
                }
            }
        }
    }
    Csr::from_triplets(n, n, &edges)
}

/// The symmetric kNN graph (j in kNN(i) OR i in kNN(j)) from a kNN search.
pub fn knn_graph(nb: &Neighbors<f64>, weighting: Weighting) -> Result<Csr<f64>> {
    let weight = edge_weight(weighting)?;
    let weight = &weight;
    let edges: Vec<(usize, usize, f64)> = (0..nb.len())
        .flat_map(|i| {
            let (idx, d2) = (nb.indices_of(i), nb.sq_distances_of(i));
            idx.iter().zip(d2).map(move |(&j, &d2)| (i, j, weight(d2)))
        })
        .collect();
    Csr::symmetric_from_triplets(nb.len(), &edges, Duplicates::Max)
}

/// The mutual kNN graph: j in kNN(i) AND i in kNN(j).
pub fn mutual_knn_graph(nb: &Neighbors<f64>, weighting: Weighting) -> Result<Csr<f64>> {
    let weight = edge_weight(weighting)?;
    let mut edges = Vec::new();
    for i in 0..nb.len() {
        for (&j, &d2) in nb.indices_of(i).iter().zip(nb.sq_distances_of(i)) {
            // Each mutual pair once, from its smaller end.
            if i < j && nb.indices_of(j).contains(&i) {
                edges.push((i, j, weight(d2)));
            }
        }
    }
    Csr::symmetric_from_triplets(nb.len(), &edges, Duplicates::Max)
}

fn edge_weight(weighting: Weighting) -> Result<impl Fn(f64) -> f64> {
    if let Weighting::Gaussian { sigma } = weighting {
        check_sigma(sigma)?;
    }
    Ok(move |d2: f64| match weighting {
        Weighting::Binary => 1.0,
        Weighting::Gaussian { sigma } => gaussian(d2, sigma * sigma),
        Weighting::Distance => d2.sqrt(),
    })
}

/// The three graph Laplacians. With the degrees `dᵢ = Σⱼ w_ij` and `D = diag(d)`:
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Laplacian {
    /// `L = D - W`, the lecture's; `xᵀLx = ½ Σ w_ij (xᵢ - xⱼ)²`.
    Unnormalized,
    /// `L_sym = I - D^{-1/2} W D^{-1/2}` (Ng, Jordan and Weiss).
    #[default]
    Symmetric,
    /// `L_rw = I - D⁻¹ W` (Shi and Malik), the transition matrix of a random walk on the
    /// graph subtracted from I. Not symmetric; it has `L_sym`'s eigenvalues, with
    /// eigenvectors `D^{-1/2} u`.
    RandomWalk,
}

// ANCHOR: laplacian
/// The Laplacian of a symmetric weight matrix. A vertex with no edges is a connected
/// component of its own: its row is left at zero, so it contributes an eigenvalue 0 to
/// every variant (the normalised formulas would divide by its zero degree).
pub fn laplacian(w: &Csr<f64>, kind: Laplacian) -> Result<Csr<f64>> {
    if w.rows() != w.cols() {
        return Err(Error::ShapeMismatch {
            op: "laplacian (needs a square weight matrix)",
            left: w.shape(),
            right: (w.cols(), w.rows()),
        });
    }
    let d = w.row_sums();
    let inv = |p: f64| -> Vec<f64> {
        d.iter()
            .map(|&di| if di > 0.0 { di.powf(p) } else { 0.0 })
            .collect()
    };
    let (left, right, diagonal): (Vec<f64>, Vec<f64>, Vec<f64>) = match kind {
        Laplacian::Unnormalized => (vec![1.0; d.len()], vec![1.0; d.len()], d.clone()),
        Laplacian::Symmetric => (inv(-0.5), inv(-0.5), unit_if_connected(&d)),
        Laplacian::RandomWalk => (inv(-1.0), vec![1.0; d.len()], unit_if_connected(&d)),
    };
    // L = diag - left · W · right, entry by entry.
    let mut triplets = Vec::with_capacity(w.nnz() + d.len());
    for i in 0..w.rows() {
        triplets.push((i, i, diagonal[i]));
        let (cols, vals) = w.row(i);
        for (&j, &wij) in cols.iter().zip(vals) {
            triplets.push((i, j, -(left[i] * wij * right[j])));
        }
    }
    Csr::from_triplets(w.rows(), w.cols(), &triplets)
}
// ANCHOR_END: laplacian

fn unit_if_connected(d: &[f64]) -> Vec<f64> {
    d.iter()
        .map(|&di| if di > 0.0 { 1.0 } else { 0.0 })
        .collect()
}

/// The connected components of a graph: `labels[i]` numbers i's component, in order of
/// each component's smallest vertex.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Components {
    pub count: usize,
    pub labels: Vec<usize>,
}

// ANCHOR: components
/// Connected components by breadth-first search over the edges with nonzero weight.
pub fn components(w: &Csr<f64>) -> Components {
    const UNSEEN: usize = usize::MAX;
    let n = w.rows();
    let mut labels = vec![UNSEEN; n];
    let mut count = 0;
    let mut queue = Vec::new();
    for start in 0..n {
        if labels[start] != UNSEEN {
            continue;
        }
        labels[start] = count;
        queue.push(start);
        while let Some(i) = queue.pop() {
            let (cols, vals) = w.row(i);
            for (&j, &wij) in cols.iter().zip(vals) {
                if wij != 0.0 && j < n && labels[j] == UNSEEN {
                    labels[j] = count;
                    queue.push(j);
                }
            }
        }
        count += 1;
    }
    Components { count, labels }
}
// ANCHOR_END: components

/// How good a partition of a graph is (von Luxburg 2007): with `W(A, B) = Σ_{i∈A, j∈B} w_ij`,
/// `|A|` the size and `vol(A) = Σ_{i∈A} dᵢ` the volume of a part,
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CutQuality {
    /// `cut = ½ Σₖ W(Aₖ, Āₖ)`: the weight of the edges between parts (for two parts, the
    /// lecture's cut(A, B)).
    pub cut: f64,
    /// `½ Σₖ W(Aₖ, Āₖ) / |Aₖ|`.
    pub ratio_cut: f64,
    /// `½ Σₖ W(Aₖ, Āₖ) / vol(Aₖ)`.
    pub normalized_cut: f64,
}

// ANCHOR: cut_quality
/// The cut, ratio cut and normalised cut of the partition `labels` (parts `0..k`).
pub fn cut_quality(w: &Csr<f64>, labels: &[usize]) -> Result<CutQuality> {
    if labels.len() != w.rows() {
        return Err(Error::BadLength {
            what: "cut_quality labels (one per vertex)",
            expected: w.rows(),
            actual: labels.len(),
        });
    }
    let k = labels.iter().max().map_or(0, |&m| m + 1);
    let (mut leaving, mut size, mut volume) = (vec![0.0; k], vec![0.0; k], vec![0.0; k]);
    for (i, &a) in labels.iter().enumerate() {
        size[a] += 1.0;
        let (cols, vals) = w.row(i);
        for (&j, &wij) in cols.iter().zip(vals) {
            volume[a] += wij;
            if labels[j] != a {
                leaving[a] += wij;
            }
        }
    }
    let ratio = |den: &[f64]| -> f64 {
        let parts = leaving.iter().zip(den).filter(|(_, &d)| d > 0.0);
        0.5 * parts.map(|(l, d)| l / d).sum::<f64>()
    };
    Ok(CutQuality {
        cut: 0.5 * leaving.iter().sum::<f64>(),
        ratio_cut: ratio(&size),
        normalized_cut: ratio(&volume),
    })
}
// ANCHOR_END: cut_quality
