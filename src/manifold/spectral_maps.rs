//! The two methods that read a map off a random walk on the data: Laplacian eigenmaps
//! (Belkin and Niyogi 2003) and diffusion maps (Coifman and Lafon 2006).

use super::{check_points, top_eigenpairs};
use crate::error::{Error, Result};
use crate::linalg::distance::pairwise_sq_dists_self;
use crate::linalg::{knn_self, Exec, Matrix};
use crate::spectral::graph::{components, similarity_graph, Graph, Laplacian, Weighting};
use crate::spectral::SpectralClustering;

/// Laplacian eigenmaps. Hyperparameters only; [`LaplacianEigenmaps::fit`].
#[derive(Clone, Debug)]
pub struct LaplacianEigenmaps {
    n_components: usize,
    n_neighbors: usize,
    sigma: Option<f64>,
    seed: u64,
    exec: Exec,
}

/// What Laplacian eigenmaps found.
#[derive(Clone, Debug, PartialEq)]
pub struct FittedLaplacianEigenmaps {
    /// n x d: the generalised eigenvectors `L y = λ D y` after the constant one.
    pub embedding: Matrix<f64>,
    pub eigenvalues: Vec<f64>,
}

impl LaplacianEigenmaps {
    /// Binary weights on the symmetric kNN graph.
    pub fn new(n_components: usize, n_neighbors: usize) -> Self {
        LaplacianEigenmaps {
            n_components,
            n_neighbors,
            sigma: None,
            seed: 0,
            exec: Exec::default(),
        }
    }
    /// Heat-kernel weights `exp(-‖xᵢ - xⱼ‖² / σ²)` instead of 1.
    pub fn sigma(mut self, sigma: f64) -> Self {
        self.sigma = Some(sigma);
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

    // ANCHOR: laplacian_eigenmaps
    /// Minimising `Σ wᵢⱼ ‖yᵢ - yⱼ‖² = 2 tr(Yᵀ L Y)` with `Yᵀ D Y = I` gives the generalised
    /// problem `L y = λ D y`. With `y = D^{-1/2} u` it is `L_sym u = λ u`, which chapter 7
    /// solves: the random-walk embedding of [`SpectralClustering::spectrum`] is exactly
    /// these y. The first (λ = 0, y constant) is dropped.
    pub fn fit(&self, x: &Matrix<f64>) -> Result<FittedLaplacianEigenmaps> {
        check_points(x, self.n_components, self.n_neighbors, 1)?;
        let weighting = self
            .sigma
            .map_or(Weighting::Binary, |sigma| Weighting::Gaussian { sigma });
        let graph = Graph::Knn {
            neighbors: self.n_neighbors,
            weighting,
        };
        let w = similarity_graph(x, graph, self.exec)?;
        let parts = components(&w);
        if parts.count > 1 {
            return Err(Error::invalid(
                "n_neighbors",
                self.n_neighbors,
                format!(
                    "the graph has {} connected components, and each would get its own \
                     constant eigenvector; use more neighbours",
                    parts.count
                ),
            ));
        }
        let d = self.n_components;
        let (values, y) = SpectralClustering::new(d + 1)
            .laplacian(Laplacian::RandomWalk)
            .seed(self.seed)
            .spectrum(&w, &parts)?;
        Ok(FittedLaplacianEigenmaps {
            embedding: Matrix::from_fn(x.rows(), d, |i, k| y[(i, k + 1)]),
            eigenvalues: values[1..=d].to_vec(),
        })
    }
    // ANCHOR_END: laplacian_eigenmaps
}

/// Diffusion maps. Hyperparameters only; [`DiffusionMap::fit`].
#[derive(Clone, Debug)]
pub struct DiffusionMap {
    n_components: usize,
    alpha: f64,
    time: f64,
    epsilon: Option<f64>,
    n_neighbors: usize,
    seed: u64,
    exec: Exec,
}

/// What a diffusion map found.
#[derive(Clone, Debug, PartialEq)]
pub struct FittedDiffusionMap {
    /// n x d: `λₖᵗ ψₖ` for k = 1 … d.
    pub embedding: Matrix<f64>,
    /// The Markov matrix's eigenvalues λ₁ … λ_d (λ₀ = 1 is left out).
    pub eigenvalues: Vec<f64>,
    /// The kernel width ε used.
    pub epsilon: f64,
}

impl DiffusionMap {
    /// α = 1 (Laplace–Beltrami normalisation), t = 1, ε from the data (see
    /// [`DiffusionMap::epsilon`]).
    pub fn new(n_components: usize) -> Self {
        DiffusionMap {
            n_components,
            alpha: 1.0,
            time: 1.0,
            epsilon: None,
            n_neighbors: 10,
            seed: 0,
            exec: Exec::default(),
        }
    }
    /// α = 0: the classical normalised graph Laplacian; ½: Fokker–Planck; 1: the
    /// Laplace–Beltrami operator, free of the sampling density.
    pub fn alpha(mut self, alpha: f64) -> Self {
        self.alpha = alpha;
        self
    }
    /// Diffusion time t: coordinates `λᵗ ψ`; a larger t fades the small-scale directions.
    pub fn time(mut self, t: f64) -> Self {
        self.time = t;
        self
    }
    /// Kernel `exp(-‖xᵢ - xⱼ‖² / ε)`. Default: twice the median squared distance from a
    /// point to its `n_neighbors`-th nearest neighbour, a local scale.
    pub fn epsilon(mut self, epsilon: f64) -> Self {
        self.epsilon = Some(epsilon);
        self
    }
    /// The neighbour whose distance sets the default ε.
    pub fn n_neighbors(mut self, k: usize) -> Self {
        self.n_neighbors = k;
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

    // ANCHOR: diffusion
    /// 1. the kernel `K = exp(-D⁽²⁾/ε)`;
    /// 2. α-normalisation `K⁽ᵅ⁾ = Q^{-α} K Q^{-α}`, Q the kernel's row sums;
    /// 3. the Markov matrix `P = D⁻¹ K⁽ᵅ⁾` (D its row sums), whose eigenvectors come from
    ///    the symmetric `S = D^{-1/2} K⁽ᵅ⁾ D^{-1/2}` as `ψ = D^{-1/2} v`;
    /// 4. coordinates `λᵗ ψ`, skipping the constant ψ₀.
    pub fn fit(&self, x: &Matrix<f64>) -> Result<FittedDiffusionMap> {
        check_points(x, self.n_components, self.n_neighbors, 1)?;
        if !(0.0..=1.0).contains(&self.alpha) {
            return Err(Error::invalid("alpha", self.alpha, "must be in [0, 1]"));
        }
        if !(self.time >= 0.0 && self.time.is_finite()) {
            return Err(Error::invalid("t", self.time, "must be a number >= 0"));
        }
        let n = x.rows();
        let epsilon = match self.epsilon {
            Some(e) if e > 0.0 && e.is_finite() => e,
            Some(e) => return Err(Error::invalid("epsilon", e, "must be positive")),
            None => self.default_epsilon(x)?,
        };
        // One n x n buffer, rewritten in place: K, then K⁽ᵅ⁾, then S.
        let mut s = pairwise_sq_dists_self(x, self.exec)?;
        s.as_mut_slice()
            .iter_mut()
            .for_each(|v| *v = (-*v / epsilon).exp());
        let q: Vec<f64> = s
            .iter_rows()
            .map(|r| r.iter().sum::<f64>().powf(self.alpha))
            .collect();
        scale_symmetric(&mut s, &q);
        let deg: Vec<f64> = s.iter_rows().map(|r| r.iter().sum()).collect();
        let sqrt_deg: Vec<f64> = deg.iter().map(|d| d.sqrt()).collect();
        scale_symmetric(&mut s, &sqrt_deg);
        let dims = self.n_components;
        let (values, v) = top_eigenpairs(&s, dims + 1, self.seed)?;
        // ψₖ = D^{-1/2} vₖ, scaled so that ψ₀ = 1 (v₀ ∝ D^{1/2} 1).
        let total: f64 = deg.iter().sum();
        let embedding = Matrix::from_fn(n, dims, |i, c| {
            let psi = v[(i, c + 1)] / deg[i].sqrt() * total.sqrt();
            values[c + 1].powf(self.time) * psi
        });
        Ok(FittedDiffusionMap {
            embedding,
            eigenvalues: values[1..].to_vec(),
            epsilon,
        })
    }
    // ANCHOR_END: diffusion

    fn default_epsilon(&self, x: &Matrix<f64>) -> Result<f64> {
        let nb = knn_self(x, self.n_neighbors, self.exec)?;
        let mut far: Vec<f64> = (0..x.rows())
            .map(|i| nb.sq_distances_of(i)[self.n_neighbors - 1])
            .collect();
        far.sort_by(f64::total_cmp);
        let median = far[far.len() / 2];
        if median > 0.0 {
            Ok(2.0 * median)
        } else {
            Err(Error::invalid(
                "n_neighbors",
                self.n_neighbors,
                "most points coincide with their farthest neighbour, so the kernel width \
                 (twice the median squared distance to it) would be 0; remove duplicate \
                 points, take more neighbours, or give the width (epsilon) yourself",
            ))
        }
    }
}

/// `Aᵢⱼ ← Aᵢⱼ / (cᵢ cⱼ)`: `diag(c)⁻¹ A diag(c)⁻¹`.
fn scale_symmetric(a: &mut Matrix<f64>, c: &[f64]) {
    for (i, &ci) in c.iter().enumerate() {
        a.row_mut(i)
            .iter_mut()
            .zip(c)
            .for_each(|(v, &cj)| *v /= ci * cj);
    }
}
