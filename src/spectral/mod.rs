//! # Chapter 7 · Spectral clustering
//!
//! Lecture: spectral clustering (similarity graphs, min cut, `L = D - W`, the Fiedler
//! vector, k-means on several eigenvectors) · book `07-spectral.md` · tests
//! `tests/spectral.rs` · bench `benches/spectral.rs`
//!
//! k-means draws straight borders (Voronoi cells), so it cannot separate two interleaved
//! moons. Spectral clustering first builds a graph that joins nearby points
//! ([`graph::similarity_graph`]), then embeds every point by the eigenvectors of the graph's
//! Laplacian that belong to its smallest eigenvalues, and runs k-means there. Points joined
//! by many short paths get nearly equal coordinates, so the clusters of the graph become
//! compact blobs in the embedding.
//!
//! Cost: the graph O(n²d) (or a kNN search), the eigenpairs O(n³) dense or O(k·nnz) per
//! Lanczos restart, k-means O(n·k²) per iteration.
//!
//! ```
//! use unsupervised::spectral::{graph::Graph, SpectralClustering};
//! use unsupervised::Matrix;
//! // Two triangles far apart: the 2-NN graph has two components, so two zero eigenvalues.
//! let x = Matrix::new(6, 2, vec![0., 0., 1., 0., 0., 1., 9., 9., 10., 9., 9., 10.])?;
//! let fit = SpectralClustering::new(2).graph(Graph::knn(2)).fit(&x)?;
//! assert_eq!(fit.components, 2);
//! assert!(fit.eigenvalues[..2].iter().all(|l| l.abs() < 1e-12));
//! let l = &fit.labels;
//! assert!(l[0] == l[1] && l[1] == l[2] && l[3] == l[4] && l[4] == l[5] && l[0] != l[3]);
//! # Ok::<(), unsupervised::Error>(())
//! ```

pub mod cliques;
pub mod graph;
pub mod mincut;

use crate::eigen::lanczos::{smallest_by_shift_invert, Lanczos};
use crate::eigen::Eigh;
use crate::error::{check_count, Error, Result};
use crate::kmeans::KMeans;
use crate::linalg::kernels::sq_norm;
use crate::linalg::{Csr, Exec, Matrix};
use graph::{
    components, cut_quality, laplacian, similarity_graph, Components, CutQuality, Graph, Laplacian,
};

/// How the smallest eigenpairs of the Laplacian are found.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Solver {
    /// Dense for up to [`DENSE_MAX`] points, Lanczos above.
    #[default]
    Auto,
    /// All eigenpairs of the dense Laplacian (chapter 2's tridiagonal QL): O(n³).
    Dense,
    /// The few smallest by Lanczos on the sparse Laplacian: O(nnz) per step.
    Lanczos,
}

/// Up to this many points, [`Solver::Auto`] solves the dense Laplacian.
pub const DENSE_MAX: usize = 300;

/// Spectral clustering hyperparameters; `fit` validates them.
#[derive(Clone, Debug)]
pub struct SpectralClustering {
    n_clusters: usize,
    graph: Graph,
    laplacian: Laplacian,
    solver: Solver,
    n_eigenvalues: Option<usize>,
    n_init: usize,
    seed: u64,
    exec: Exec,
}

/// What spectral clustering found.
#[derive(Clone, Debug, PartialEq)]
pub struct FittedSpectralClustering {
    /// The cluster of each point.
    pub labels: Vec<usize>,
    /// The smallest eigenvalues of the Laplacian, ascending (at least k + 1 when n allows,
    /// for the eigengap).
    pub eigenvalues: Vec<f64>,
    /// n x k: the rows k-means clustered (normalised as the Laplacian variant asks).
    pub embedding: Matrix<f64>,
    /// The connected components of the graph (one zero eigenvalue each).
    pub components: usize,
    /// Cut, ratio cut and normalised cut of `labels` on the graph.
    pub cut: CutQuality,
    /// The graph's weight matrix.
    pub graph: Csr<f64>,
}

impl SpectralClustering {
    /// `n_clusters` clusters on the symmetric 10-NN graph with the symmetric normalised
    /// Laplacian (Ng, Jordan and Weiss), k-means with 10 restarts, seed 0, every thread.
    pub fn new(n_clusters: usize) -> Self {
        SpectralClustering {
            n_clusters,
            graph: Graph::knn(10),
            laplacian: Laplacian::Symmetric,
            solver: Solver::Auto,
            n_eigenvalues: None,
            n_init: 10,
            seed: 0,
            exec: Exec::default(),
        }
    }
    pub fn graph(mut self, graph: Graph) -> Self {
        self.graph = graph;
        self
    }
    pub fn laplacian(mut self, laplacian: Laplacian) -> Self {
        self.laplacian = laplacian;
        self
    }
    pub fn solver(mut self, solver: Solver) -> Self {
        self.solver = solver;
        self
    }
    /// How many of the smallest eigenvalues to report (default k + 1; at least k).
    pub fn n_eigenvalues(mut self, m: usize) -> Self {
        self.n_eigenvalues = Some(m);
        self
    }
    pub fn n_init(mut self, n_init: usize) -> Self {
        self.n_init = n_init;
        self
    }
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }
    /// Threads for the graph and k-means (the result is the same for any count).
    pub fn threads(mut self, threads: usize) -> Self {
        self.exec = self.exec.with_threads(threads);
        self
    }

    // ANCHOR: fit
    /// Graph, Laplacian, its k smallest eigenvectors, k-means on their rows.
    pub fn fit(&self, x: &Matrix<f64>) -> Result<FittedSpectralClustering> {
        self.check_n_clusters(x.rows())?;
        let w = similarity_graph(x, self.graph, self.exec)?;
        let parts = components(&w);
        if parts.count > self.n_clusters {
            return Err(Error::invalid(
                "n_clusters",
                self.n_clusters,
                format!(
                    "the graph falls apart into {} connected components, more than that; \
                     join them with more neighbours or a wider kernel",
                    parts.count
                ),
            ));
        }
        let (eigenvalues, embedding) = self.spectrum(&w, &parts)?;
        let labels = KMeans::new(self.n_clusters)
            .n_init(self.n_init)
            .seed(self.seed)
            .threads(self.exec.threads)
            .fit(&embedding)?
            .labels;
        Ok(FittedSpectralClustering {
            cut: cut_quality(&w, &labels)?,
            labels,
            eigenvalues,
            embedding,
            components: parts.count,
            graph: w,
        })
    }
    // ANCHOR_END: fit

    /// The spectral embedding of a graph: the smallest eigenvalues of its Laplacian
    /// (`n_eigenvalues` of them) and the n x k rows k-means will cluster.
    pub fn spectrum(&self, w: &Csr<f64>, parts: &Components) -> Result<(Vec<f64>, Matrix<f64>)> {
        let n = w.rows();
        self.check_n_clusters(n)?;
        let m = self
            .n_eigenvalues
            .unwrap_or(self.n_clusters + 1)
            .clamp(self.n_clusters, n);
        let (eigenvalues, vectors) = self.smallest_eigenpairs(w, parts, m)?;
        Ok((eigenvalues, self.embed(w, &vectors)))
    }

    fn check_n_clusters(&self, n: usize) -> Result<()> {
        check_count("n_clusters", self.n_clusters, n, "the number of points")
    }

    // ANCHOR: eigenpairs
    /// The m smallest eigenvalues and the first k eigenvectors (n x k) of the Laplacian that
    /// is solved: `L` itself, or `L_sym` for both normalised variants (`L_rw` has its
    /// eigenvalues).
    pub fn smallest_eigenpairs(
        &self,
        w: &Csr<f64>,
        parts: &Components,
        m: usize,
    ) -> Result<(Vec<f64>, Matrix<f64>)> {
        let kind = match self.laplacian {
            Laplacian::Unnormalized => Laplacian::Unnormalized,
            Laplacian::Symmetric | Laplacian::RandomWalk => Laplacian::Symmetric,
        };
        let l = laplacian(w, kind)?;
        let n = w.rows();
        let dense = match self.solver {
            Solver::Auto => n <= DENSE_MAX,
            Solver::Dense => true,
            Solver::Lanczos => false,
        };
        let (values, vectors) = if dense || m >= n {
            let e = Eigh::new().solve(&l.to_dense())?;
            (e.values[..m].to_vec(), e.vectors)
        } else {
            self.deflated_lanczos(w, &l, kind, parts, m)?
        };
        Ok((
            values,
            Matrix::from_fn(n, self.n_clusters, |i, j| vectors[(i, j)]),
        ))
    }

    /// Lanczos after removing the null space, which is known exactly: one vector per
    /// connected component (`1` on it for `L`, `D^{1/2} 1` for `L_sym`). The wanted
    /// eigenvalues are the smallest, and they crowd together next to the largest (2 for
    /// `L_sym`), where plain Lanczos converges slowly. So it runs on `(L + σI)⁻¹` in the
    /// complement of the null space (shift-invert, chapter 2's
    /// [`smallest_by_shift_invert`]): there the wanted eigenvalues are the largest and far
    /// apart.
    fn deflated_lanczos(
        &self,
        w: &Csr<f64>,
        l: &Csr<f64>,
        kind: Laplacian,
        parts: &Components,
        m: usize,
    ) -> Result<(Vec<f64>, Matrix<f64>)> {
        let n = w.rows();
        let degrees = w.row_sums();
        let null = null_space(parts, &degrees, kind);
        let c = null.cols();
        let zs: Vec<Vec<f64>> = (0..c).map(|j| null.column(j)).collect();
        let mut values = vec![0.0; c.min(m)];
        let mut vectors = null;
        if m > c {
            let r = smallest_by_shift_invert(
                l,
                &zs,
                &Lanczos::new(m - c)
                    .tol(1e-8)
                    .check_multiplicity(false)
                    .seed(self.seed),
            )?;
            values.extend(&r.values);
            vectors = Matrix::from_fn(n, m, |i, j| {
                if j < c {
                    vectors[(i, j)]
                } else {
                    r.vectors[(i, j - c)]
                }
            });
        }
        Ok((values, vectors))
    }
    // ANCHOR_END: eigenpairs

    // ANCHOR: embed
    /// The rows k-means sees. Ng–Jordan–Weiss normalise each row of `L_sym`'s eigenvectors
    /// to unit length; Shi–Malik use `L_rw`'s eigenvectors `D^{-1/2} u`; the unnormalised
    /// Laplacian's are used as they are.
    fn embed(&self, w: &Csr<f64>, u: &Matrix<f64>) -> Matrix<f64> {
        let mut e = u.clone();
        match self.laplacian {
            Laplacian::Unnormalized => {}
            Laplacian::Symmetric => {
                for i in 0..e.rows() {
                    let norm = sq_norm(e.row(i)).sqrt();
                    if norm > 0.0 {
                        e.row_mut(i).iter_mut().for_each(|v| *v /= norm);
                    }
                }
            }
            Laplacian::RandomWalk => {
                for (i, d) in w.row_sums().into_iter().enumerate() {
                    let scale = if d > 0.0 { d.sqrt().recip() } else { 0.0 };
                    e.row_mut(i).iter_mut().for_each(|v| *v *= scale);
                }
            }
        }
        e
    }
    // ANCHOR_END: embed
}

/// The lecture's two-way cut: the Fiedler vector and the partition by its sign.
#[derive(Clone, Debug, PartialEq)]
pub struct Fiedler {
    /// λ₂ of `L = D - W`, the algebraic connectivity: 0 exactly when the graph is
    /// disconnected.
    pub value: f64,
    /// Its unit eigenvector.
    pub vector: Vec<f64>,
    /// 1 where the vector is positive, else 0.
    pub labels: Vec<usize>,
}

// ANCHOR: fiedler
/// Relaxing `min cut` to `min xᵀLx` subject to `xᵀ1 = 0` and `‖x‖ = 1` gives the
/// eigenvector of the second-smallest eigenvalue of `L = D - W` (the smallest, 0, has the
/// constant vector, which the first constraint excludes). Its signs split the graph in two.
pub fn fiedler(w: &Csr<f64>) -> Result<Fiedler> {
    let n = w.rows();
    if n < 2 {
        return Err(Error::invalid("graph", n, "needs at least two vertices"));
    }
    let l = laplacian(w, Laplacian::Unnormalized)?;
    let (value, first, second): (f64, Vec<f64>, Vec<f64>) = if n <= DENSE_MAX {
        let e = Eigh::new().solve(&l.to_dense())?;
        (e.values[1], e.vector(0), e.vector(1))
    } else {
        let r = Lanczos::new(2).solve(&l)?;
        (r.values[1], r.vectors.column(0), r.vectors.column(1))
    };
    let vector = orthogonal_to_one(&first, &second);
    let labels = vector.iter().map(|&v| usize::from(v > 0.0)).collect();
    Ok(Fiedler {
        value,
        vector,
        labels,
    })
}
// ANCHOR_END: fiedler

/// The unit vector of span{v₁, v₂} orthogonal to `1`, its largest entry positive. On a
/// connected graph that is v₂ itself; on a disconnected one, 0 is a repeated eigenvalue,
/// the solver may return any basis of its eigenspace, and the relaxation's constraint
/// `xᵀ1 = 0` is what picks the split between the components.
fn orthogonal_to_one(first: &[f64], second: &[f64]) -> Vec<f64> {
    let (a, b) = (first.iter().sum::<f64>(), second.iter().sum::<f64>());
    let mut v: Vec<f64> = first
        .iter()
        .zip(second)
        .map(|(x, y)| b * x - a * y)
        .collect();
    let norm = v.iter().map(|x| x * x).sum::<f64>().sqrt();
    let largest = v
        .iter()
        .copied()
        .fold(0.0f64, |m, x| if x.abs() > m.abs() { x } else { m });
    let scale = if largest < 0.0 {
        -1.0 / norm
    } else {
        1.0 / norm
    };
    v.iter_mut().for_each(|x| *x *= scale);
    v
}

/// The Laplacian's null space, n x (components): per component, the unit vector of `1` on
/// it (`L`) or of `D^{1/2} 1` (`L_sym`; an isolated vertex has degree 0 and gets `1`).
fn null_space(parts: &Components, degrees: &[f64], kind: Laplacian) -> Matrix<f64> {
    let n = degrees.len();
    let mut z = Matrix::zeros(n, parts.count);
    for (i, &c) in parts.labels.iter().enumerate() {
        z[(i, c)] = match kind {
            Laplacian::Unnormalized => 1.0,
            _ => degrees[i].sqrt(),
        };
    }
    for c in 0..parts.count {
        let mut norm = (0..n).map(|i| z[(i, c)] * z[(i, c)]).sum::<f64>().sqrt();
        if norm == 0.0 {
            // Isolated vertices only: their own indicator.
            for (i, &p) in parts.labels.iter().enumerate() {
                if p == c {
                    z[(i, c)] = 1.0;
                }
            }
            norm = (0..n).map(|i| z[(i, c)] * z[(i, c)]).sum::<f64>().sqrt();
        }
        for i in 0..n {
            z[(i, c)] /= norm;
        }
    }
    z
}
