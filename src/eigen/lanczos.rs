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
use crate::linalg::num_threads;
use crate::linalg::skyline::Skyline;
use crate::linalg::threads::{par_chunks_mut, par_map};
use crate::linalg::{gemm, Csr, Exec, Matrix};

/// Columns per task in the orthogonalisation: 4096 `f64` (32 KiB) of `w` stay in L1.
const CHUNK: usize = 4096;
use crate::rand::Rng;

// ANCHOR: operator
/// A symmetric linear operator, known only through products `y = A x`.
pub trait LinearOperator {
    /// The order n of the (square) operator.
    fn dim(&self) -> usize;
    /// `y ← A x`, both of length n.
    fn apply(&self, x: &[f64], y: &mut [f64]);
    /// Refuses an operator that is visibly not symmetric (a closure cannot be checked).
    fn check(&self) -> Result<()> {
        Ok(())
    }
}

impl LinearOperator for Matrix<f64> {
    fn dim(&self) -> usize {
        self.rows()
    }
    /// The dense solvers' check, with their default tolerance: Lanczos on a non-symmetric
    /// matrix would return numbers that are no eigenvalues.
    fn check(&self) -> Result<()> {
        super::check_symmetric(self, super::SYMMETRY_TOL)
    }
    /// One dot product per row; rows are shared out over threads when the matrix is large
    /// enough to pay for them (each entry of y is the same dot product either way).
    fn apply(&self, x: &[f64], y: &mut [f64]) {
        let n = self.cols();
        let threads = if self.rows() * n >= PARALLEL_MATVEC_MIN {
            num_threads()
        } else {
            1
        };
        par_chunks_mut(y, MATVEC_ROWS, threads, |b, ys| {
            for (r, yi) in ys.iter_mut().enumerate() {
                *yi = dot(self.row(b * MATVEC_ROWS + r), x);
            }
        });
    }
}

/// A dense product below this many entries stays on one thread (a spawn costs about as
/// much as 10⁵ multiply-adds).
const PARALLEL_MATVEC_MIN: usize = 1 << 20;
/// Rows per task of a dense product.
const MATVEC_ROWS: usize = 256;

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
    check_multiplicity: bool,
    exec: Exec,
}

/// What Lanczos found: the k eigenpairs, nearest the requested end first.
#[derive(Clone, Debug, PartialEq)]
pub struct FittedLanczos {
    pub values: Vec<f64>,
    /// n x k; column i is the unit eigenvector of `values[i]` (largest component positive).
    pub vectors: Matrix<f64>,
    /// `‖A v - λ v‖` of each returned pair, computed directly.
    pub residuals: Vec<f64>,
    pub restarts: usize,
    pub matvecs: usize,
}

impl Lanczos {
    /// The same settings for another `k`.
    fn clone_with_k(&self, k: usize) -> Lanczos {
        Lanczos { k, ..self.clone() }
    }
    /// The `k` smallest eigenpairs, default tolerance 1e-10 and seed 0.
    pub fn new(k: usize) -> Self {
        Lanczos {
            k,
            which: Which::Smallest,
            ncv: None,
            tol: 1e-10,
            max_restarts: 1000,
            seed: 0,
            check_multiplicity: true,
            exec: Exec::default(),
        }
    }
    /// Threads for the basis products (the result is the same for any count).
    pub fn threads(mut self, threads: usize) -> Self {
        self.exec = self.exec.with_threads(threads);
        self
    }
    pub fn which(mut self, which: Which) -> Self {
        self.which = which;
        self
    }
    /// Basis size; default `max(4k, 40)`, at most n. A larger basis needs fewer restarts
    /// and products but costs more per step (measured in `benches/eigen.rs`).
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
    /// Whether to look for missed copies of repeated eigenvalues after the first run
    /// (default true). Each look is another Lanczos run in the complement of what was found,
    /// which about doubles the cost; a caller that knows the multiplicities (chapter 7
    /// counts a graph's components first) may switch it off.
    pub fn check_multiplicity(mut self, check: bool) -> Self {
        self.check_multiplicity = check;
        self
    }
    /// Seed of the random start vector.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    // ANCHOR: solve
    /// The `k` eigenpairs of `op` at the requested end.
    ///
    /// From one start vector Lanczos sees each distinct eigenvalue once, so a repeated
    /// eigenvalue (0 for a graph in several pieces) can be missed. After the first run the
    /// found eigenvectors are locked and Lanczos runs again in their orthogonal complement;
    /// an eigenvalue there that beats the k-th found one was missed, and joins the result.
    pub fn solve(&self, op: &dyn LinearOperator) -> Result<FittedLanczos> {
        op.check()?;
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
        let m = self.ncv.unwrap_or((4 * self.k).max(40)).min(n);
        if m <= self.k && m < n {
            return Err(Error::invalid(
                "ncv",
                m,
                format!("must exceed k = {}", self.k),
            ));
        }
        let mut found = self.run(op, &Matrix::zeros(0, n), self.k, m, self.tol, self.seed)?;
        let rounds = if self.check_multiplicity {
            self.k as u64
        } else {
            0
        };
        for round in 1..=rounds {
            let locked = found.vectors.transpose();
            let free = n - locked.rows();
            if free == 0 {
                break;
            }
            // A cheap look first (tolerance 1e-6); an accurate pair only if it finds something.
            let look_tol = self.tol.max(1e-6);
            let seed = Rng::child_seed(self.seed, round);
            let look = self.run(op, &locked, 1, m.min(free), look_tol, seed)?;
            found.matvecs += look.matvecs;
            found.restarts += look.restarts;
            let kth = found.values[self.k - 1];
            let scale = found
                .values
                .iter()
                .fold(f64::MIN_POSITIVE, |a, v| a.max(v.abs()));
            let margin = 10.0 * look_tol * scale;
            let missed = match self.which {
                Which::Smallest => look.values[0] < kth - margin,
                Which::Largest => look.values[0] > kth + margin,
            };
            if !missed {
                break;
            }
            let extra = if look_tol > self.tol {
                self.run(op, &locked, 1, m.min(free), self.tol, seed)?
            } else {
                look
            };
            found.matvecs += extra.matvecs;
            found = self.merged(found, extra);
        }
        Ok(found)
    }
    // ANCHOR_END: solve

    /// Adds `extra`'s pair to `found`, keeping the k nearest the requested end.
    fn merged(&self, found: FittedLanczos, extra: FittedLanczos) -> FittedLanczos {
        let n = found.vectors.rows();
        let mut pairs: Vec<(f64, Vec<f64>, f64)> = (0..found.values.len())
            .map(|c| (found.values[c], found.vectors.column(c), found.residuals[c]))
            .chain(std::iter::once((
                extra.values[0],
                extra.vectors.column(0),
                extra.residuals[0],
            )))
            .collect();
        pairs.sort_by(|a, b| match self.which {
            Which::Smallest => a.0.total_cmp(&b.0),
            Which::Largest => b.0.total_cmp(&a.0),
        });
        pairs.truncate(self.k);
        FittedLanczos {
            values: pairs.iter().map(|p| p.0).collect(),
            vectors: Matrix::from_fn(n, pairs.len(), |r, c| pairs[c].1[r]),
            residuals: pairs.iter().map(|p| p.2).collect(),
            restarts: found.restarts + extra.restarts,
            matvecs: found.matvecs,
        }
    }

    // ANCHOR: run
    /// One thick-restart Lanczos run for `k` pairs with a basis of `m` vectors, every basis
    /// vector kept orthogonal to the rows of `locked`.
    fn run(
        &self,
        op: &dyn LinearOperator,
        locked: &Matrix<f64>,
        k: usize,
        m: usize,
        tol: f64,
        seed: u64,
    ) -> Result<FittedLanczos> {
        let n = op.dim();
        let free = n - locked.rows();
        let mut rng = Rng::seed_from_u64(seed);
        let mut basis = Basis::new(m + 1, n, m, locked.clone(), self.exec);
        basis.push_random(&mut rng, n);
        let mut start = 0;
        for restart in 0..=self.max_restarts {
            let beta = expand(op, &mut basis, start, m, &mut rng);
            let (theta, y) = ritz(&basis.h, basis.len.min(m))?;
            let wanted: Vec<usize> = self.ranked(&theta).into_iter().take(k).collect();
            let scale = theta.iter().fold(f64::MIN_POSITIVE, |a, t| a.max(t.abs()));
            let last = y.rows() - 1;
            let worst = wanted
                .iter()
                .map(|&i| (beta * y[(last, i)]).abs())
                .fold(0.0, f64::max);
            if worst <= tol * scale || basis.len >= free {
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
            let keep = (k + (m - k) / 2).min(m - 1);
            let order = self.ranked(&theta);
            restart_basis(&mut basis, &theta, &y, &order[..keep], beta);
            if basis.len == keep {
                // The space was exactly invariant (β = 0): go on from a fresh direction.
                basis.push_random(&mut rng, n);
            }
            start = keep;
        }
        unreachable!("the loop returns on its last iteration")
    }
    // ANCHOR_END: run

    /// Ritz indices, nearest the requested end first.
    fn ranked(&self, theta: &[f64]) -> Vec<usize> {
        let mut idx: Vec<usize> = (0..theta.len()).collect();
        idx.sort_by(|&a, &b| match self.which {
            Which::Smallest => theta[a].total_cmp(&theta[b]),
            Which::Largest => theta[b].total_cmp(&theta[a]),
        });
        idx
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
    ) -> FittedLanczos {
        let n = op.dim();
        let ritz_vectors = basis.combine(y, wanted);
        let mut vectors = Matrix::zeros(n, wanted.len());
        let mut residuals = Vec::with_capacity(wanted.len());
        let mut av = vec![0.0; n];
        for (c, &i) in wanted.iter().enumerate() {
            let mut x = ritz_vectors.row(c).to_vec();
            let norm = dot(&x, &x).sqrt();
            let s = super::sign_convention(&x) / norm;
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
        FittedLanczos {
            values: wanted.iter().map(|&i| theta[i]).collect(),
            vectors,
            residuals,
            restarts,
            matvecs: basis.matvecs + wanted.len(),
        }
    }
}

/// The orthonormal basis, one vector per row of `v` (rows `0..len` are in use), and
/// `H = VᵀAV` (only the leading `len x len` block is meaningful).
struct Basis {
    v: Matrix<f64>,
    len: usize,
    h: Matrix<f64>,
    matvecs: usize,
    /// Vectors (rows) the basis must stay orthogonal to: eigenvectors already found.
    locked: Matrix<f64>,
    exec: Exec,
}

impl Basis {
    fn new(capacity: usize, n: usize, m: usize, locked: Matrix<f64>, exec: Exec) -> Basis {
        Basis {
            v: Matrix::zeros(capacity, n),
            len: 0,
            h: Matrix::zeros(m, m),
            matvecs: 0,
            locked,
            exec,
        }
    }
    fn row(&self, j: usize) -> &[f64] {
        self.v.row(j)
    }
    fn push(&mut self, w: &[f64]) {
        self.v.row_mut(self.len).copy_from_slice(w);
        self.len += 1;
    }

    // ANCHOR: orthogonalize
    /// Removes from `w` its components along every basis vector and returns them. Classical
    /// Gram–Schmidt, repeated once if the first pass removed more than half of `w`'s length
    /// ("twice is enough": Kahan and Parlett; Giraud et al., 2005).
    fn orthogonalize(&self, w: &mut [f64]) -> Vec<f64> {
        let mut coef = vec![0.0; self.len];
        let mut before = dot(w, w).sqrt();
        for _ in 0..2 {
            for l in self.locked.iter_rows() {
                let c = dot(l, w);
                axpy(-c, l, w);
            }
            let h = self.project(w);
            self.subtract(&h, w);
            coef.iter_mut().zip(&h).for_each(|(c, x)| *c += x);
            let after = dot(w, w).sqrt();
            if after > std::f64::consts::FRAC_1_SQRT_2 * before {
                break;
            }
            before = after;
        }
        coef
    }

    /// `h = V w` over the rows in use. Columns are cut into fixed chunks spread over threads;
    /// the chunks' partial sums are added in chunk order, so `h` is the same on any number of
    /// threads, and each chunk of `w` stays in cache while the basis streams past it.
    fn project(&self, w: &[f64]) -> Vec<f64> {
        let chunks = w.len().div_ceil(CHUNK);
        let partials = par_map(chunks, self.exec.threads, |c| {
            let cols = c * CHUNK..((c + 1) * CHUNK).min(w.len());
            (0..self.len)
                .map(|j| dot(&self.v.row(j)[cols.clone()], &w[cols.clone()]))
                .collect::<Vec<f64>>()
        });
        let mut h = vec![0.0; self.len];
        for p in partials {
            h.iter_mut().zip(&p).for_each(|(a, b)| *a += b);
        }
        h
    }

    /// `w ← w - Vᵀ h`, by the same column chunks.
    fn subtract(&self, h: &[f64], w: &mut [f64]) {
        par_chunks_mut(w, CHUNK, self.exec.threads, |c, part| {
            let start = c * CHUNK;
            for (j, &hj) in h.iter().enumerate() {
                axpy(-hj, &self.v.row(j)[start..start + part.len()], part);
            }
        });
    }
    // ANCHOR_END: orthogonalize

    /// Appends a random unit vector orthogonal to the basis (the start, or after a breakdown).
    fn push_random(&mut self, rng: &mut Rng, n: usize) {
        loop {
            let mut w: Vec<f64> = (0..n).map(|_| rng.normal()).collect();
            self.orthogonalize(&mut w);
            let norm = dot(&w, &w).sqrt();
            if norm > 1e-8 {
                w.iter_mut().for_each(|x| *x /= norm);
                self.push(&w);
                return;
            }
        }
    }

    /// The combinations `Σⱼ y[j][i] vⱼ` for each `i` in `cols`, as rows: one GEMM `Yᵀ V`
    /// that streams the basis once (m axpys per vector would stream it once per vector).
    fn combine(&self, y: &Matrix<f64>, cols: &[usize]) -> Matrix<f64> {
        let m = y.rows();
        let yt = Matrix::from_fn(cols.len(), m, |c, j| y[(j, cols[c])]);
        let mut out = Matrix::zeros(cols.len(), self.v.cols());
        let v = self.v.view().block(0, 0, m, self.v.cols());
        // The shapes agree by construction, so this cannot fail.
        let _ = gemm(1.0, yt.view(), v, 0.0, &mut out, self.exec);
        out
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
        op.apply(basis.row(j), &mut w);
        basis.matvecs += 1;
        basis.len = j + 1;
        let coef = basis.orthogonalize(&mut w);
        // Column j of H; mirrored, since A is symmetric.
        for (i, &c) in coef.iter().enumerate() {
            basis.h[(i, j)] = c;
            basis.h[(j, i)] = c;
        }
        beta = dot(&w, &w).sqrt();
        if j + 1 < m {
            if beta > 1e-12 * coef[j].abs().max(1.0) {
                basis.h[(j + 1, j)] = beta;
                basis.h[(j, j + 1)] = beta;
                w.iter_mut().for_each(|x| *x /= beta);
                basis.push(&w);
            } else {
                // An invariant subspace: carry on from a fresh direction (H is block diagonal).
                basis.push_random(rng, n);
            }
        } else if beta > 0.0 {
            w.iter_mut().for_each(|x| *x /= beta);
            basis.push(&w);
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
    let kept = basis.combine(y, keep);
    let residual_dir = (basis.len > m).then(|| basis.row(m).to_vec());
    for (c, row) in kept.iter_rows().enumerate() {
        basis.v.row_mut(c).copy_from_slice(row);
    }
    basis.len = keep.len();
    let size = basis.h.rows();
    basis.h = Matrix::zeros(size, size);
    for (c, &i) in keep.iter().enumerate() {
        basis.h[(c, c)] = theta[i];
        let coupling = beta * y[(m - 1, i)];
        basis.h[(c, keep.len())] = coupling;
        basis.h[(keep.len(), c)] = coupling;
    }
    if let Some(r) = residual_dir {
        basis.push(&r);
    }
}
// ANCHOR_END: restart

// ANCHOR: shift_invert
/// The smallest eigenpairs of a sparse symmetric positive semi-definite `a` by shift-invert:
/// `lanczos` (its k, tolerance, seed and multiplicity check) looks for the largest
/// eigenvalues μ of `(A + σI)⁻¹`, and λ = 1/μ − σ. Near zero the eigenvalues of A are
/// crowded next to its largest (relative gaps of 10⁻⁴ for a graph Laplacian), which makes
/// plain Lanczos crawl; inverted they are the largest and far apart, so a few dozen
/// products suffice. Each product is two triangular solves with chapter 1's sparse
/// Cholesky factor ([`Skyline`]). σ = 10⁻¹⁰ × the largest diagonal entry: far below the
/// eigenvalues wanted, far above rounding, and it keeps the factorisation of a singular A
/// possible.
///
/// `known` holds orthonormal vectors the caller already has (a null space): the search
/// runs in their orthogonal complement and returns the next k pairs. Residuals are
/// `‖A v − λ v‖`, for A itself.
pub fn smallest_by_shift_invert(
    a: &Csr<f64>,
    known: &[Vec<f64>],
    lanczos: &Lanczos,
) -> Result<FittedLanczos> {
    let n = a.rows();
    if let Some(z) = known.iter().find(|z| z.len() != n) {
        return Err(Error::BadLength {
            what: "smallest_by_shift_invert known vector",
            expected: n,
            actual: z.len(),
        });
    }
    let diagonal = (0..n)
        .map(|i| {
            let (cols, vals) = a.row(i);
            cols.iter()
                .position(|&c| c == i)
                .map_or(0.0, |p| vals[p].abs())
        })
        .fold(0.0, f64::max)
        .max(f64::MIN_POSITIVE);
    let sigma = 1e-10 * diagonal;
    let factor = Skyline::factor(a, sigma)?;
    // Lanczos on the inverse in the complement of `basis`: eigenvalues back as λ = 1/μ − σ.
    let run = |basis: &[Vec<f64>], lanczos: Lanczos| -> Result<FittedLanczos> {
        let project = |v: &mut [f64]| {
            for z in basis {
                let c = dot(z, v);
                axpy(-c, z, v);
            }
        };
        let inverse = Operator {
            dim: n,
            apply: |x: &[f64], y: &mut [f64]| {
                let mut v = x.to_vec();
                project(&mut v);
                // The factor exists and `v` has its order, so the solve cannot fail.
                if let Ok(s) = factor.solve(&v) {
                    y.copy_from_slice(&s);
                }
                project(y);
            },
        };
        let mut r = lanczos.which(Which::Largest).solve(&inverse)?;
        r.values.iter_mut().for_each(|mu| *mu = 1.0 / *mu - sigma);
        Ok(r)
    };
    let mut r = run(known, lanczos.clone())?;
    // NOTE: Lanczos converges relative to the largest Ritz value. An unknown null space
    // inverts to 1/σ ≈ 10¹⁰·‖A‖⁻¹ and would leave the other pairs with only a few correct
    // digits. So zero eigenvalues found on the way join `known`, and the rest are found
    // again in their complement (same factor, a few dozen more products).
    let zero = 1e-8 * diagonal;
    let zeros: Vec<usize> = (0..r.values.len())
        .filter(|&i| r.values[i] <= zero)
        .collect();
    if !zeros.is_empty() && zeros.len() < lanczos.k {
        let mut basis = known.to_vec();
        basis.extend(zeros.iter().map(|&i| r.vectors.column(i)));
        let rest = run(&basis, lanczos.clone_with_k(lanczos.k - zeros.len()))?;
        let z = zeros.len();
        r = FittedLanczos {
            values: zeros
                .iter()
                .map(|&i| r.values[i])
                .chain(rest.values)
                .collect(),
            vectors: Matrix::from_fn(n, lanczos.k, |row, j| {
                if j < z {
                    r.vectors[(row, zeros[j])]
                } else {
                    rest.vectors[(row, j - z)]
                }
            }),
            residuals: Vec::new(),
            restarts: r.restarts + rest.restarts,
            matvecs: r.matvecs + rest.matvecs,
        };
    }
    r.residuals = (0..r.values.len())
        .map(|j| {
            let v = r.vectors.column(j);
            let av = a.matvec(&v)?;
            Ok(av
                .iter()
                .zip(&v)
                .map(|(x, y)| (x - r.values[j] * y).powi(2))
                .sum::<f64>()
                .sqrt())
        })
        .collect::<Result<_>>()?;
    Ok(r)
}
// ANCHOR_END: shift_invert
