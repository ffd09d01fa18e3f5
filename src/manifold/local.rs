//! The methods that fit a local model in every neighbourhood and glue the pieces together
//! with one eigenproblem: locally linear embedding (Roweis and Saul 2000), Hessian
//! eigenmaps (Donoho and Grimes 2003) and local tangent space alignment (Zhang and Zha
//! 2004). Each builds a symmetric positive semi-definite n x n matrix M whose null space
//! holds the constant vector and the map's coordinates; the map is the eigenvectors of M's
//! smallest eigenvalues after the constant one.

use super::{bottom_eigenvectors, check_points};
use crate::eigen::{Eigh, Order};
use crate::error::{Error, Result};
use crate::linalg::{knn_self, Cholesky, Csr, Exec, Matrix};

/// M's entries as `(row, column, value)`; repeats add up.
type Triplets = Vec<(usize, usize, f64)>;

/// Which local model.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum LocalModel {
    /// LLE: each point as an affine combination of its neighbours; `reg` scales the
    /// regulariser `reg · trace(C) · I` added to each local Gram matrix C.
    Lle { reg: f64 },
    /// Hessian eigenmaps: a local quadratic fit in tangent coordinates; needs
    /// `n_neighbors > d (d + 3) / 2`.
    Hessian,
    /// LTSA: the local tangent coordinates, aligned; needs `n_neighbors > d`.
    Ltsa,
}

/// A local-model embedding. Hyperparameters only; [`LocalEmbedding::fit`].
#[derive(Clone, Debug)]
pub struct LocalEmbedding {
    model: LocalModel,
    n_components: usize,
    n_neighbors: usize,
    seed: u64,
    exec: Exec,
}

/// What a local-model embedding found.
#[derive(Clone, Debug, PartialEq)]
pub struct FittedLocalEmbedding {
    /// n x d: the eigenvectors of M's smallest eigenvalues after the constant one.
    pub embedding: Matrix<f64>,
    /// Those eigenvalues (the reconstruction error of the map, for LLE).
    pub eigenvalues: Vec<f64>,
}

impl LocalEmbedding {
    /// LLE with scikit-learn's regularisation 1e-3.
    pub fn lle(n_components: usize, n_neighbors: usize) -> Self {
        Self::new(LocalModel::Lle { reg: 1e-3 }, n_components, n_neighbors)
    }
    pub fn hessian(n_components: usize, n_neighbors: usize) -> Self {
        Self::new(LocalModel::Hessian, n_components, n_neighbors)
    }
    pub fn ltsa(n_components: usize, n_neighbors: usize) -> Self {
        Self::new(LocalModel::Ltsa, n_components, n_neighbors)
    }
    pub fn new(model: LocalModel, n_components: usize, n_neighbors: usize) -> Self {
        LocalEmbedding {
            model,
            n_components,
            n_neighbors,
            seed: 0,
            exec: Exec::default(),
        }
    }
    /// Seed of the eigensolver's start vector.
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

    /// The fewest neighbours the model can work with.
    fn min_neighbors(&self) -> usize {
        let d = self.n_components;
        match self.model {
            LocalModel::Lle { .. } => d + 1,
            LocalModel::Hessian => d * (d + 3) / 2 + 1,
            LocalModel::Ltsa => d + 1,
        }
    }

    // ANCHOR: local_fit
    /// 1. the k nearest neighbours of every point;
    /// 2. the local model's block of M for each neighbourhood, added into M;
    /// 3. M's bottom eigenvectors.
    pub fn fit(&self, x: &Matrix<f64>) -> Result<FittedLocalEmbedding> {
        check_points(x, self.n_components, self.n_neighbors, self.min_neighbors())?;
        if !matches!(self.model, LocalModel::Lle { .. }) && self.n_components >= x.cols() {
            return Err(Error::invalid(
                "n_components",
                self.n_components,
                format!(
                    "a tangent space of the input's full dimension ({}) is the whole space; \
                     map to fewer dimensions",
                    x.cols()
                ),
            ));
        }
        if let LocalModel::Lle { reg } = self.model {
            if !(reg > 0.0 && reg.is_finite()) {
                return Err(Error::invalid("reg", reg, "must be a positive number"));
            }
        }
        let nb = knn_self(x, self.n_neighbors, self.exec)?;
        let n = x.rows();
        // M is sparse: each neighbourhood touches k² entries. Its blocks are collected as
        // triplets, and repeated entries add up.
        let mut m = Vec::new();
        for i in 0..n {
            let idx = nb.indices_of(i);
            match self.model {
                LocalModel::Lle { reg } => add_lle_block(&mut m, x, i, idx, reg)?,
                LocalModel::Hessian => add_hessian_block(&mut m, x, idx, self.n_components)?,
                LocalModel::Ltsa => add_ltsa_block(&mut m, x, idx, self.n_components)?,
            }
        }
        let m = Csr::from_triplets(n, n, &m)?;
        let (eigenvalues, embedding) = bottom_eigenvectors(&m, self.n_components, self.seed)?;
        Ok(FittedLocalEmbedding {
            embedding,
            eigenvalues,
        })
    }
    // ANCHOR_END: local_fit
}

// ANCHOR: lle_weights
/// LLE's reconstruction weights of point i from its neighbours: minimise
/// `‖xᵢ - Σⱼ wⱼ xⱼ‖²` subject to `Σⱼ wⱼ = 1`. With `zⱼ = xⱼ - xᵢ` and the local Gram matrix
/// `C = Z Zᵀ`, the Lagrangian gives `C w = λ 1`: solve `C w = 1`, then rescale to sum 1.
/// C is singular when there are more neighbours than dimensions (or duplicates), so
/// `reg · trace(C)` is added to its diagonal first, a penalty on large weights.
pub fn lle_weights(x: &Matrix<f64>, i: usize, neighbors: &[usize], reg: f64) -> Result<Vec<f64>> {
    let k = neighbors.len();
    let z: Vec<Vec<f64>> = neighbors
        .iter()
        .map(|&j| x.row(j).iter().zip(x.row(i)).map(|(a, b)| a - b).collect())
        .collect();
    let mut c = Matrix::from_fn(k, k, |a, b| crate::linalg::kernels::dot(&z[a], &z[b]));
    let trace: f64 = (0..k).map(|a| c[(a, a)]).sum();
    // All neighbours on top of the point: the trace is 0 and only `reg` itself helps.
    let shift = if trace > 0.0 { reg * trace } else { reg };
    for a in 0..k {
        c[(a, a)] += shift;
    }
    let w = Cholesky::factor(&c)?.solve(&vec![1.0; k])?;
    let sum: f64 = w.iter().sum();
    Ok(w.iter().map(|v| v / sum).collect())
}
// ANCHOR_END: lle_weights

/// `M += (eᵢ - w)(eᵢ - w)ᵀ` over the neighbourhood: the row of `(I - W)ᵀ(I - W)` that
/// point i contributes.
fn add_lle_block(
    m: &mut Triplets,
    x: &Matrix<f64>,
    i: usize,
    idx: &[usize],
    reg: f64,
) -> Result<()> {
    let w = lle_weights(x, i, idx, reg)?;
    m.push((i, i, 1.0));
    for (a, &ja) in idx.iter().enumerate() {
        m.push((i, ja, -w[a]));
        m.push((ja, i, -w[a]));
        for (b, &jb) in idx.iter().enumerate() {
            m.push((ja, jb, w[a] * w[b]));
        }
    }
    Ok(())
}

/// The neighbourhood centred at its mean (k x D) and its top `d` left singular vectors
/// (k x d): the neighbours' coordinates in their best-fitting d-plane, the tangent space.
fn tangent_coordinates(x: &Matrix<f64>, idx: &[usize], d: usize) -> Result<Matrix<f64>> {
    let k = idx.len();
    let cols = x.cols();
    let mut g = Matrix::from_fn(k, cols, |a, c| x[(idx[a], c)]);
    let means = g.column_means()?;
    for a in 0..k {
        g.row_mut(a)
            .iter_mut()
            .zip(&means)
            .for_each(|(v, m)| *v -= m);
    }
    // G Gᵀ = U Σ² Uᵀ: its top eigenvectors are G's left singular vectors.
    let e = Eigh::new()
        .order(Order::Descending)
        .solve(&g.matmul_t(&g)?)?;
    Ok(Matrix::from_fn(k, d, |a, c| e.vectors[(a, c)]))
}

/// `M[N, N] += h hᵀ` for a neighbourhood N and a k x m block h.
fn add_outer(m: &mut Triplets, idx: &[usize], h: &Matrix<f64>) {
    for (a, &ja) in idx.iter().enumerate() {
        for (b, &jb) in idx.iter().enumerate() {
            m.push((ja, jb, crate::linalg::kernels::dot(h.row(a), h.row(b))));
        }
    }
}

// ANCHOR: hessian_block
/// Hessian eigenmaps: in tangent coordinates `u`, fit every neighbourhood by a quadratic
/// `c + bᵀu + ½ uᵀHu`. Orthonormalising the columns `[1, u₁ … u_d, uₐu_b (a ≤ b)]` (Gram–
/// Schmidt) and keeping the last d(d+1)/2 gives a k x d(d+1)/2 matrix whose columns read off
/// the Hessian of a function sampled on the neighbourhood. Functions linear in the
/// manifold's own coordinates have zero Hessian, so `M = Σ Hᵢᵀ Hᵢ` has them as its null
/// space.
fn add_hessian_block(m: &mut Triplets, x: &Matrix<f64>, idx: &[usize], d: usize) -> Result<()> {
    let u = tangent_coordinates(x, idx, d)?;
    let k = idx.len();
    let dp = d * (d + 1) / 2;
    let mut columns: Vec<Vec<f64>> = vec![vec![1.0; k]];
    columns.extend((0..d).map(|c| u.column(c)));
    for a in 0..d {
        for b in a..d {
            columns.push((0..k).map(|r| u[(r, a)] * u[(r, b)]).collect());
        }
    }
    let q = gram_schmidt(columns);
    let h = Matrix::from_fn(k, dp, |r, c| q[1 + d + c][r]);
    add_outer(m, idx, &h);
    Ok(())
}
// ANCHOR_END: hessian_block

/// Modified Gram–Schmidt: orthonormal columns spanning the same nested subspaces. A column
/// that is (numerically) in the span of the earlier ones becomes zero.
fn gram_schmidt(mut columns: Vec<Vec<f64>>) -> Vec<Vec<f64>> {
    use crate::linalg::kernels::{axpy, dot};
    for c in 0..columns.len() {
        let (done, rest) = columns.split_at_mut(c);
        let v = &mut rest[0];
        for q in done.iter() {
            let r = dot(q, v);
            axpy(-r, q, v);
        }
        let norm = dot(v, v).sqrt();
        let scale = if norm > 1e-12 { 1.0 / norm } else { 0.0 };
        v.iter_mut().for_each(|x| *x *= scale);
    }
    columns
}

// ANCHOR: ltsa_block
/// LTSA: the map should reproduce every neighbourhood's tangent coordinates up to an
/// affine map. With `G = [1/√k, U]` (k x (d+1), orthonormal columns), the part of a map that
/// no affine image of U explains is `(I - G Gᵀ) y`, so `M[N, N] += I - G Gᵀ`.
fn add_ltsa_block(m: &mut Triplets, x: &Matrix<f64>, idx: &[usize], d: usize) -> Result<()> {
    let u = tangent_coordinates(x, idx, d)?;
    let k = idx.len();
    let c = 1.0 / (k as f64).sqrt();
    for (a, &ja) in idx.iter().enumerate() {
        for (b, &jb) in idx.iter().enumerate() {
            let ggt = c * c + crate::linalg::kernels::dot(u.row(a), u.row(b));
            m.push((ja, jb, f64::from(u8::from(a == b)) - ggt));
        }
    }
    Ok(())
}
// ANCHOR_END: ltsa_block
