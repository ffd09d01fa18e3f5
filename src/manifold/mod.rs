//! # Chapter 8 · Manifold learning
//!
//! Lecture: the manifold-learning list of the PCA/k-means/hierarchical lecture (MDS, ISOMAP,
//! LLE, Laplacian and Hessian eigenmaps, diffusion maps, LTSA, MDS-SDP, t-SNE), with
//! scikit-learn's manifold module as the reference · book `08-manifold.md` · tests
//! `tests/manifold.rs` · bench `benches/manifold.rs`
//!
//! Data on a curved d-dimensional sheet in D dimensions. Every method here reduces to a
//! symmetric eigenproblem (chapter 2), on a matrix that says what "near" means:
//! - [`mds`]: classical MDS (distances → centred Gram matrix → top eigenvectors) and
//!   SMACOF (the stress, majorised);
//! - [`isomap`]: classical MDS of shortest-path distances along a kNN graph;
//! - [`local`]: LLE, Hessian eigenmaps and LTSA, which fit a local model per neighbourhood
//!   and take the bottom eigenvectors of the glued-together matrix;
//! - [`spectral_maps`]: Laplacian eigenmaps (chapter 7's Laplacian) and diffusion maps;
//! - [`sdp`]: sensor localisation from incomplete, noisy ranges by a semidefinite relaxation.
//!
//! The neighbourhood graphs are chapter 7's ([`crate::spectral::graph`]); the scores of a
//! map are in [`crate::metrics`].
//!
//! Cost: O(n²) memory for the distance-based methods (MDS, Isomap, diffusion maps) and an
//! O(n³) dense eigenproblem, or O(n·k²) sparse matrices and shift-invert Lanczos for the
//! local methods.
//!
//! ```
//! use unsupervised::manifold::{classical_mds, euclidean_distances};
//! use unsupervised::{Exec, Matrix};
//! // Points on a line in the plane: classical MDS in one dimension keeps every distance.
//! let x = Matrix::new(4, 2, vec![0.0, 0.0, 3.0, 4.0, 6.0, 8.0, 9.0, 12.0])?;
//! let y = classical_mds(&euclidean_distances(&x, Exec::default())?, 1, 0)?.embedding;
//! for (i, j) in [(0, 1), (0, 3), (1, 2)] {
//!     let (dy, dx) = ((y[(i, 0)] - y[(j, 0)]).abs(), 5.0 * (j - i) as f64);
//!     assert!((dy - dx).abs() < 1e-12);
//! }
//! # Ok::<(), unsupervised::Error>(())
//! ```

pub mod isomap;
pub mod local;
pub mod mds;
pub mod sdp;
pub mod spectral_maps;

pub use isomap::{geodesic_distances, FittedIsomap, Isomap};
pub use local::{FittedLocalEmbedding, LocalEmbedding, LocalModel};
pub use mds::{classical_mds, FittedMds, FittedSmacof, Smacof};
pub use spectral_maps::{
    DiffusionMap, FittedDiffusionMap, FittedLaplacianEigenmaps, LaplacianEigenmaps,
};

use crate::eigen::lanczos::{smallest_by_shift_invert, Lanczos, Which};
use crate::eigen::svd::svd;
use crate::eigen::{Eigh, Order};
use crate::error::{Error, Result};
use crate::linalg::distance::pairwise_sq_dists_self;
use crate::linalg::kernels::sq_dist;
use crate::linalg::{Csr, Exec, Matrix};

/// Every method of the chapter, for the command line and the comparison grid.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    Mds,
    Smacof,
    Isomap,
    Lle,
    Laplacian,
    Hessian,
    Ltsa,
    Diffusion,
}

impl Method {
    pub const ALL: [Method; 8] = [
        Method::Mds,
        Method::Smacof,
        Method::Isomap,
        Method::Lle,
        Method::Laplacian,
        Method::Hessian,
        Method::Ltsa,
        Method::Diffusion,
    ];
    /// The command line's name.
    pub fn name(self) -> &'static str {
        match self {
            Method::Mds => "mds",
            Method::Smacof => "smacof",
            Method::Isomap => "isomap",
            Method::Lle => "lle",
            Method::Laplacian => "laplacian",
            Method::Hessian => "hessian",
            Method::Ltsa => "ltsa",
            Method::Diffusion => "diffusion",
        }
    }
    pub fn parse(name: &str) -> Option<Method> {
        Method::ALL.into_iter().find(|m| m.name() == name)
    }
}

// ANCHOR: embed
/// The map of `x` by `method` with default settings for everything but the dimension and
/// the neighbourhood size (MDS and SMACOF use all Euclidean distances and ignore it).
pub fn embed(
    x: &Matrix<f64>,
    method: Method,
    n_components: usize,
    n_neighbors: usize,
    seed: u64,
    exec: Exec,
) -> Result<Matrix<f64>> {
    let (d, k) = (n_components, n_neighbors);
    let threads = exec.threads;
    if matches!(method, Method::Mds | Method::Smacof) {
        // No neighbourhoods, but the same rules for the points and the dimension.
        check_points(x, d, 1, 1)?;
    }
    Ok(match method {
        Method::Mds => classical_mds(&euclidean_distances(x, exec)?, d, seed)?.embedding,
        Method::Smacof => {
            Smacof::new(d)
                .seed(seed)
                .fit_distances(&euclidean_distances(x, exec)?)?
                .embedding
        }
        Method::Isomap => {
            Isomap::new(d, k)
                .seed(seed)
                .threads(threads)
                .fit(x)?
                .embedding
        }
        Method::Lle => {
            LocalEmbedding::lle(d, k)
                .seed(seed)
                .threads(threads)
                .fit(x)?
                .embedding
        }
        Method::Laplacian => {
            LaplacianEigenmaps::new(d, k)
                .seed(seed)
                .threads(threads)
                .fit(x)?
                .embedding
        }
        Method::Hessian => {
            LocalEmbedding::hessian(d, k)
                .seed(seed)
                .threads(threads)
                .fit(x)?
                .embedding
        }
        Method::Ltsa => {
            LocalEmbedding::ltsa(d, k)
                .seed(seed)
                .threads(threads)
                .fit(x)?
                .embedding
        }
        Method::Diffusion => {
            DiffusionMap::new(d)
                .n_neighbors(k)
                .seed(seed)
                .threads(threads)
                .fit(x)?
                .embedding
        }
    })
}
// ANCHOR_END: embed

/// `‖x - y‖`.
pub(crate) fn distance(x: &[f64], y: &[f64]) -> f64 {
    sq_dist(x, y).sqrt()
}

/// All Euclidean distances between the rows of `x`.
pub fn euclidean_distances(x: &Matrix<f64>, exec: Exec) -> Result<Matrix<f64>> {
    Ok(pairwise_sq_dists_self(x, exec)?.map(f64::sqrt))
}

/// The checks every method makes on its points and sizes.
pub(crate) fn check_points(
    x: &Matrix<f64>,
    n_components: usize,
    n_neighbors: usize,
    min_neighbors: usize,
) -> Result<()> {
    let (n, dim) = x.shape();
    if n < 3 || dim == 0 {
        return Err(Error::invalid(
            "data",
            format!("{n} x {dim}"),
            format!("manifold learning needs at least 3 points and 1 column, not {n} x {dim}"),
        ));
    }
    x.check_finite("manifold input")?;
    if n_components == 0 || n_components > dim || n_components >= n {
        return Err(Error::invalid(
            "n_components",
            n_components,
            format!("must be between 1 and the input dimension ({dim}), and below n = {n}"),
        ));
    }
    if n_neighbors < min_neighbors || n_neighbors >= n {
        return Err(Error::invalid(
            "n_neighbors",
            n_neighbors,
            format!(
                "this method needs at least {min_neighbors} neighbours for {n_components} \
                 dimensions, and fewer than n = {n}"
            ),
        ));
    }
    Ok(())
}

/// A distance matrix must be square, symmetric, finite, non-negative.
pub(crate) fn check_distances(d: &Matrix<f64>) -> Result<()> {
    let n = d.rows();
    if n != d.cols() || n < 2 {
        return Err(Error::ShapeMismatch {
            op: "distance matrix (square, at least 2 x 2)",
            left: d.shape(),
            right: (n, n),
        });
    }
    d.check_finite("distance matrix")?;
    for i in 0..n {
        for j in 0..n {
            let (a, b) = (d[(i, j)], d[(j, i)]);
            if a < 0.0 || (a - b).abs() > 1e-9 * a.abs().max(1.0) {
                return Err(Error::invalid(
                    "distance matrix",
                    format!("D[{i}][{j}] = {a}, D[{j}][{i}] = {b}"),
                    "distances must be symmetric and non-negative",
                ));
            }
        }
    }
    Ok(())
}

/// Up to this order the eigensolvers below are dense; above, Lanczos.
const DENSE_MAX: usize = 400;

// ANCHOR: top_eigenpairs
/// The `count` largest eigenpairs of a dense symmetric matrix, largest first: dense for
/// small n, Lanczos (matrix–vector products only) above.
pub(crate) fn top_eigenpairs(
    a: &Matrix<f64>,
    count: usize,
    seed: u64,
) -> Result<(Vec<f64>, Matrix<f64>)> {
    let n = a.rows();
    if n <= DENSE_MAX {
        let e = Eigh::new().order(Order::Descending).solve(a)?;
        return Ok((
            e.values[..count].to_vec(),
            Matrix::from_fn(n, count, |i, k| e.vectors[(i, k)]),
        ));
    }
    let r = Lanczos::new(count)
        .which(Which::Largest)
        .seed(seed)
        .solve(a)?;
    Ok((r.values, r.vectors))
}
// ANCHOR_END: top_eigenpairs

// ANCHOR: bottom_eigenvectors
/// The eigenvectors of the `count` smallest eigenvalues of a sparse positive semi-definite
/// M whose null space holds the constant vector, skipping that vector (LLE, Hessian
/// eigenmaps, LTSA). Small eigenvalues of M are tightly clustered next to M's largest,
/// which makes plain Lanczos crawl; so it runs on `(M + σI)⁻¹` instead (shift-invert),
/// restricted to the complement of the constant vector, where M's smallest eigenvalues
/// become the largest, well apart (chapter 2's [`smallest_by_shift_invert`]).
pub(crate) fn bottom_eigenvectors(
    m: &Csr<f64>,
    count: usize,
    seed: u64,
) -> Result<(Vec<f64>, Matrix<f64>)> {
    let n = m.rows();
    if n <= DENSE_MAX {
        let e = Eigh::new().solve(&m.to_dense())?;
        return Ok((
            e.values[1..=count].to_vec(),
            Matrix::from_fn(n, count, |i, k| e.vectors[(i, k + 1)]),
        ));
    }
    let constant = vec![1.0 / (n as f64).sqrt(); n];
    let r = smallest_by_shift_invert(m, &[constant], &Lanczos::new(count).seed(seed))?;
    Ok((r.values, r.vectors))
}
// ANCHOR_END: bottom_eigenvectors

// ANCHOR: procrustes
/// The rigid motion that best carries one point set onto another.
#[derive(Clone, Debug, PartialEq)]
pub struct Procrustes {
    /// `‖(y - ȳ) R - (x - x̄)‖_F / ‖x - x̄‖_F` for the sets it was fitted on.
    pub error: f64,
    /// The orthogonal d x d matrix R (a rotation, maybe with a reflection).
    pub rotation: Matrix<f64>,
    pub from_mean: Vec<f64>,
    pub to_mean: Vec<f64>,
}

/// Orthogonal Procrustes: centre both sets; `R = U Vᵀ` from the SVD `ȳᵀx̄ = U S Vᵀ`
/// minimises `‖ȳ R - x̄‖_F` over orthogonal R. Compares maps up to what they cannot know
/// (position, rotation, reflection).
pub fn procrustes(y: &Matrix<f64>, x: &Matrix<f64>) -> Result<Procrustes> {
    if y.shape() != x.shape() {
        return Err(Error::ShapeMismatch {
            op: "procrustes",
            left: y.shape(),
            right: x.shape(),
        });
    }
    let (yc, from_mean) = y.centered()?;
    let (xc, to_mean) = x.centered()?;
    let d = svd(&yc.t_matmul(&xc)?)?;
    let rotation = d.u.matmul(&d.vt)?;
    let moved = yc.matmul(&rotation)?;
    let err = frobenius_distance(&moved, &xc);
    let norm = frobenius_distance(&xc, &Matrix::zeros(xc.rows(), xc.cols()));
    Ok(Procrustes {
        error: if norm > 0.0 { err / norm } else { err },
        rotation,
        from_mean,
        to_mean,
    })
}

impl Procrustes {
    /// Moves points of the first set's frame into the second's.
    pub fn apply(&self, y: &Matrix<f64>) -> Result<Matrix<f64>> {
        let mut centred = y.clone();
        for i in 0..centred.rows() {
            centred
                .row_mut(i)
                .iter_mut()
                .zip(&self.from_mean)
                .for_each(|(v, m)| *v -= m);
        }
        let mut out = centred.matmul(&self.rotation)?;
        for i in 0..out.rows() {
            out.row_mut(i)
                .iter_mut()
                .zip(&self.to_mean)
                .for_each(|(v, m)| *v += m);
        }
        Ok(out)
    }
}

fn frobenius_distance(a: &Matrix<f64>, b: &Matrix<f64>) -> f64 {
    sq_dist(a.as_slice(), b.as_slice()).sqrt()
}
// ANCHOR_END: procrustes
