//! Lanczos with thick restarts: a few extreme eigenpairs of a large symmetric operator that
//! is only ever multiplied by vectors (Lanczos 1950; Wu and Simon, "Thick-restart Lanczos",
//! SIAM J. Matrix Anal. Appl. 22, 2000; Stewart's Krylov–Schur, 2001).
//!
//! 1. [`expand`]: grow an orthonormal basis `V = [v₀ … v_{m-1}]` of the Krylov space
//!    `span{v₀, A v₀, A² v₀, …}`. Each new `w = A v_j` is orthogonalised against *every*
//!    basis vector, twice (classical Gram–Schmidt repeated): in floating point the three-term
//!    recurrence alone loses orthogonality as soon as a Ritz value converges, and then
//!    produces spurious copies of it. The coefficients form `H = VᵀAV` (tridiagonal until the
//!    first restart).
//! 2. Rayleigh–Ritz: the eigenpairs `(θ, y)` of the small `H` give Ritz pairs `(θ, V y)`;
//!    the residual of each is `|β y_last|`, with `β` the norm of the part of `A v_{m-1}` that
//!    left the basis, so convergence is checked without another product.
//! 3. [`restart`]: keep the best Ritz vectors and the residual direction, and expand again.
//!    The basis never grows beyond `ncv` vectors, so memory stays `O(n·ncv)`.
//!
//! NOTE: from one start vector, Lanczos sees each *distinct* eigenvalue once; a repeated
//! eigenvalue (the zero eigenvalue of a graph with several components) may be returned once
//! only. Chapter 7 counts components directly before it asks for eigenvectors.

use super::{Eigh, Order};
use crate::error::{Error, Result};
use crate::linalg::kernels::{axpy, dot};
use crate::linalg::{Csr, Matrix};
use crate::rand::Rng;

// ANCHOR: operator
/// A symmetric linear operator, known only through products `y = A x`.
pub trait LinearOperator {
    /// The order n of the (square) operator.
    fn dim(&self) -> usize;
    /// `y ← A x`, both of length n.
    fn apply(&self, x: &[f64], y: &mut [f64]);
}

impl LinearOperator for Matrix<f64> {
    fn dim(&self) -> usize {
        self.rows()
    }
    fn apply(&self, x: &[f64], y: &mut [f64]) {
        for (yi, row) in y.iter_mut().zip(self.iter_rows()) {
            *yi = dot(row, x);
        }
    }
}

impl LinearOperator for Csr<f64> {
    fn dim(&self) -> usize {
        self.rows()
    }
    fn apply(&self, x: &[f64], y: &mut [f64]) {
        // Shapes are checked once in `Lanczos::solve`, so this cannot fail.
        if let Ok(v) = self.matvec(x) {
            y.copy_from_slice(&v);
        }
    }
}

/// An operator given by a closure: `Operator { dim: n, apply: |x, y| … }` (for `cI - L`,
/// or a product that is never formed).
pub struct Operator<F: Fn(&[f64], &mut [f64])> {
    pub dim: usize,
    pub apply: F,
}

impl<F: Fn(&[f64], &mut [f64])> LinearOperator for Operator<F> {
    fn dim(&self) -> usize {
        self.dim
    }
    fn apply(&self, x: &[f64], y: &mut [f64]) {
        (self.apply)(x, y)
    }
}
// ANCHOR_END: operator

/// Which end of the spectrum [`Lanczos`] looks for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Which {
    #[default]
    Smallest,
    Largest,
}

/// Thick-restart Lanczos for `k` extreme eigenpairs.
#[derive(Clone, Debug)]
pub struct Lanczos {
    k: usize,
    which: Which,
    ncv: Option<usize>,
    tol: f64,
    max_restarts: usize,
    seed: u64,
}

/// What Lanczos found: the k eigenpairs, nearest the requested end first.
#[derive(Clone, Debug, PartialEq)]
pub struct LanczosResult {
    pub values: Vec<f64>,
    /// n x k; column i is the unit eigenvector of `values[i]` (largest component positive).
    pub vectors: Matrix<f64>,
    /// `‖A v - λ v‖` of each returned pair, computed directly.
    pub residuals: Vec<f64>,
    pub restarts: usize,
    pub matvecs: usize,
}

impl Lanczos {
    /// The `k` smallest eigenpairs, default tolerance 1e-10 and seed 0.
    pub fn new(k: usize) -> Self {
        Lanczos {
            k,
            which: Which::Smallest,
            ncv: None,
            tol: 1e-10,
            max_restarts: 1000,
            seed: 0,
        }
    }
    pub fn which(mut self, which: Which) -> Self {
        self.which = which;
        self
    }
    /// Basis size; default `max(2k + 1, 20)`, at most n.
    pub fn ncv(mut self, ncv: usize) -> Self {
        self.ncv = Some(ncv);
        self
    }
    /// Converged when every wanted residual is at most `tol` times the largest |Ritz value|.
    pub fn tol(mut self, tol: f64) -> Self {
        self.tol = tol;
        self
    }
    pub fn max_restarts(mut self, max_restarts: usize) -> Self {
        self.max_restarts = max_restarts;
        self
    }
    /// Seed of the random start vector.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    // ANCHOR: solve
    /// The `k` eigenpairs of `op` at the requested end.
    pub fn solve(&self, op: &dyn LinearOperator) -> Result<LanczosResult> {
        let n = op.dim();
        if self.k == 0 || self.k > n {
            return Err(Error::invalid(
                "k",
                self.k,
                format!("must be between 1 and the operator's order n = {n}"),
            ));
        }
        if !(self.tol > 0.0 && self.tol < 1.0) {
            return Err(Error::invalid("tol", self.tol, "must be in (0, 1)"));
        }
        let m = self.ncv.unwrap_or((2 * self.k + 1).max(20)).min(n);
        if m <= self.k && m < n {
            return Err(Error::invalid(
                "ncv",
                m,
                format!("must exceed k = {}", self.k),
            ));
        }
        let mut rng = Rng::seed_from_u64(self.seed);
        let mut basis = Basis {
            v: Vec::with_capacity(m + 1),
            h: Matrix::zeros(m, m),
            matvecs: 0,
        };
        basis.push_random(&mut rng, n);
        let mut start = 0;
        for restart in 0..=self.max_restarts {
            let beta = expand(op, &mut basis, start, m, &mut rng);
            let (theta, y) = ritz(&basis.h, basis.v.len().min(m))?;
            let wanted = self.wanted(&theta);
            let scale = theta.iter().fold(f64::MIN_POSITIVE, |a, t| a.max(t.abs()));
            let last = y.rows() - 1;
            let worst = wanted
                .iter()
                .map(|&i| (beta * y[(last, i)]).abs())
                .fold(0.0, f64::max);
            if worst <= self.tol * scale || basis.v.len() >= n {
                return Ok(self.finish(op, &basis, &theta, &y, &wanted, restart));
            }
            if restart == self.max_restarts {
                return Err(Error::NoConvergence {
                    what: "Lanczos",
                    iterations: restart,
                    residual: worst / scale,
                });
            }
            // Keep the wanted pairs and as many more as fit in half the free space.
            let keep = (self.k + (m - self.k) / 2).min(m - 1);
            let order = self.ranked(&theta);
            restart_basis(&mut basis, &theta, &y, &order[..keep], beta);
            if basis.v.len() == keep {
                // The space was exactly invariant (β = 0): go on from a fresh direction.
                basis.push_random(&mut rng, n);
            }
            start = keep;
        }
        unreachable!("the loop returns on its last iteration")
    }
    // ANCHOR_END: solve

    /// Ritz indices, nearest the requested end first.
    fn ranked(&self, theta: &[f64]) -> Vec<usize> {
        let mut idx: Vec<usize> = (0..theta.len()).collect();
        idx.sort_by(|&a, &b| match self.which {
            Which::Smallest => theta[a].total_cmp(&theta[b]),
            Which::Largest => theta[b].total_cmp(&theta[a]),
        });
        idx
    }
    fn wanted(&self, theta: &[f64]) -> Vec<usize> {
        self.ranked(theta).into_iter().take(self.k).collect()
    }

    /// Forms the Ritz vectors `V y`, fixes their signs and measures their true residuals.
    fn finish(
        &self,
        op: &dyn LinearOperator,
        basis: &Basis,
        theta: &[f64],
        y: &Matrix<f64>,
        wanted: &[usize],
        restarts: usize,
    ) -> LanczosResult {
        let n = op.dim();
        let mut vectors = Matrix::zeros(n, wanted.len());
        let mut residuals = Vec::with_capacity(wanted.len());
        let mut av = vec![0.0; n];
        for (c, &i) in wanted.iter().enumerate() {
            let mut x = vec![0.0; n];
            for (j, v) in basis.v.iter().take(y.rows()).enumerate() {
                axpy(y[(j, i)], v, &mut x);
            }
            let norm = dot(&x, &x).sqrt();
            let big = x
                .iter()
                .fold(0.0f64, |b, &v| if v.abs() > b.abs() { v } else { b });
            let s = if big < 0.0 { -1.0 / norm } else { 1.0 / norm };
            x.iter_mut().for_each(|v| *v *= s);
            op.apply(&x, &mut av);
            residuals.push(
                av.iter()
                    .zip(&x)
                    .map(|(a, b)| (a - theta[i] * b).powi(2))
                    .sum::<f64>()
                    .sqrt(),
            );
            for (r, &v) in x.iter().enumerate() {
                vectors[(r, c)] = v;
            }
        }
        LanczosResult {
            values: wanted.iter().map(|&i| theta[i]).collect(),
            vectors,
            residuals,
            restarts,
            matvecs: basis.matvecs + wanted.len(),
        }
    }
}

/// The orthonormal basis, one vector per entry, and `H = VᵀAV` (only the leading block of
/// the current basis size is meaningful).
struct Basis {
    v: Vec<Vec<f64>>,
    h: Matrix<f64>,
    matvecs: usize,
}

impl Basis {
    /// Removes from `w` its components along every basis vector, twice; returns the
    /// coefficients of the first pass plus the correction of the second.
    fn orthogonalize(&self, w: &mut [f64]) -> Vec<f64> {
        let mut coef = vec![0.0; self.v.len()];
        for _ in 0..2 {
            for (c, v) in coef.iter_mut().zip(&self.v) {
                let h = dot(v, w);
                axpy(-h, v, w);
                *c += h;
            }
        }
        coef
    }

    /// Appends a random unit vector orthogonal to the basis (the start, or after a breakdown).
    fn push_random(&mut self, rng: &mut Rng, n: usize) {
        loop {
            let mut w: Vec<f64> = (0..n).map(|_| rng.normal()).collect();
            self.orthogonalize(&mut w);
            let norm = dot(&w, &w).sqrt();
            if norm > 1e-8 {
                w.iter_mut().for_each(|x| *x /= norm);
                self.v.push(w);
                return;
            }
        }
    }
}

// ANCHOR: expand
/// Extends the basis from `start + 1` to `m` vectors, filling `H`; returns `β`, the norm of
/// what `A v_{m-1}` has outside the basis, and leaves that direction as `v[m]`.
fn expand(
    op: &dyn LinearOperator,
    basis: &mut Basis,
    start: usize,
    m: usize,
    rng: &mut Rng,
) -> f64 {
    let n = op.dim();
    let mut beta = 0.0;
    for j in start..m {
        let mut w = vec![0.0; n];
        op.apply(&basis.v[j], &mut w);
        basis.matvecs += 1;
        let coef = basis.orthogonalize(&mut w);
        // Column j of H; mirrored, since A is symmetric.
        for (i, &c) in coef.iter().enumerate().take(j + 1) {
            basis.h[(i, j)] = c;
            basis.h[(j, i)] = c;
        }
        beta = dot(&w, &w).sqrt();
        basis.v.truncate(j + 1);
        if j + 1 < m {
            if beta > 1e-12 * coef[j].abs().max(1.0) {
                basis.h[(j + 1, j)] = beta;
                basis.h[(j, j + 1)] = beta;
                w.iter_mut().for_each(|x| *x /= beta);
                basis.v.push(w);
            } else {
                // An invariant subspace: carry on from a fresh direction (H is block diagonal).
                basis.push_random(rng, n);
            }
        } else if beta > 0.0 {
            w.iter_mut().for_each(|x| *x /= beta);
            basis.v.push(w);
        }
    }
    beta
}
// ANCHOR_END: expand

/// The eigenpairs of the leading `m x m` block of `H`.
fn ritz(h: &Matrix<f64>, m: usize) -> Result<(Vec<f64>, Matrix<f64>)> {
    let block = Matrix::from_fn(m, m, |i, j| h[(i, j)]);
    let e = Eigh::new()
        .order(Order::Ascending)
        .symmetry_tol(1e-6)
        .solve(&block)?;
    Ok((e.values, e.vectors))
}

// ANCHOR: restart
/// Replaces the basis by the kept Ritz vectors `V y_i` and the residual direction `v_m`;
/// `H` becomes `diag(θ_kept)` bordered by the couplings `β y_last,i` to `v_m`.
fn restart_basis(basis: &mut Basis, theta: &[f64], y: &Matrix<f64>, keep: &[usize], beta: f64) {
    let m = y.rows();
    let n = basis.v[0].len();
    let residual_dir = basis.v.get(m).cloned();
    let mut new_v = Vec::with_capacity(keep.len() + 1);
    for &i in keep {
        let mut x = vec![0.0; n];
        for (j, v) in basis.v.iter().take(m).enumerate() {
            axpy(y[(j, i)], v, &mut x);
        }
        new_v.push(x);
    }
    let size = basis.h.rows();
    basis.h = Matrix::zeros(size, size);
    for (c, &i) in keep.iter().enumerate() {
        basis.h[(c, c)] = theta[i];
        let coupling = beta * y[(m - 1, i)];
        basis.h[(c, keep.len())] = coupling;
        basis.h[(keep.len(), c)] = coupling;
    }
    basis.v = new_v;
    if let Some(r) = residual_dir {
        basis.v.push(r);
    }
}
// ANCHOR_END: restart
