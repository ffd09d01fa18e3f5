//! # Chapter 2 · Eigenproblems
//!
//! Lecture: the eigenproblems behind PCA, spectral clustering and manifold learning ·
//! book `02-eigen.md` · tests `tests/eigen.rs` · bench `benches/eigen.rs`
//!
//! PCA, spectral clustering, MDS, Isomap, LLE, Laplacian and Hessian eigenmaps and diffusion
//! maps all end in the same question: the eigenpairs `A v = λ v` of a real symmetric matrix.
//! Two dense solvers answer it for all pairs:
//! - [`jacobi`]: cyclic Jacobi rotations; simple, and accurate to high *relative* precision on
//!   graded matrices;
//! - [`tridiagonal`]: Householder reduction to tridiagonal form, then implicit QL with
//!   Wilkinson shifts; several times fewer flops, the default.
//!
//! [`Eigh`] chooses between them ([`Method`]), validates the input, sorts the pairs and fixes
//! each eigenvector's sign (its largest-magnitude component positive), so results are
//! reproducible and comparable with R and scikit-learn.
//! Cost: O(n³) for the dense solvers (tridiagonal: `4n³/3` flops to reduce, then O(n²) per
//! QL sweep plus `n³` to accumulate vectors); Lanczos O(k·nnz) per restart.
//!
//! ```
//! use unsupervised::{eigen::Eigh, Matrix};
//! // [[2, 1], [1, 2]] has eigenvalues 1 and 3, eigenvectors (1, -1)/√2 and (1, 1)/√2.
//! let e = Eigh::new().solve(&Matrix::new(2, 2, vec![2.0, 1.0, 1.0, 2.0])?)?;
//! assert!((e.values[0] - 1.0).abs() < 1e-15 && (e.values[1] - 3.0).abs() < 1e-15);
//! # Ok::<(), unsupervised::Error>(())
//! ```

pub mod jacobi;
pub mod lanczos;
pub mod svd;
pub mod tridiagonal;

use crate::error::{Error, Result};
use crate::linalg::{Exec, Matrix};

/// Which dense algorithm [`Eigh`] uses.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Method {
    /// Cyclic Jacobi: high relative accuracy on graded matrices, more flops.
    Jacobi,
    /// Householder tridiagonalisation and implicit QL: fewer flops.
    Tridiagonal,
    /// The tridiagonal path: accurate to `n·ε·‖A‖` in absolute terms, which is what every
    /// method in this book needs; choose `Jacobi` for small eigenvalues of graded matrices.
    #[default]
    Auto,
}

/// The order of the returned eigenvalues.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Order {
    #[default]
    Ascending,
    Descending,
}

/// The off-diagonal norm `off(A)/‖A‖_F` before the first and after every Jacobi sweep.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Trace {
    pub off_diagonal: Vec<f64>,
}

/// Eigenvalues and eigenvectors of a symmetric matrix: `A = V diag(values) Vᵀ`.
#[derive(Clone, Debug, PartialEq)]
pub struct FittedEigh {
    /// In the requested order.
    pub values: Vec<f64>,
    /// Column k is the unit eigenvector of `values[k]`; its largest-magnitude component is
    /// positive.
    pub vectors: Matrix<f64>,
    /// Jacobi's sweep trace (empty for the tridiagonal path).
    pub trace: Trace,
}

impl FittedEigh {
    /// Eigenvector k, copied out of its column.
    pub fn vector(&self, k: usize) -> Vec<f64> {
        self.vectors.column(k)
    }
}

/// A dense symmetric eigensolver: `Eigh::new().method(Method::Jacobi).solve(&a)`.
#[derive(Clone, Debug)]
pub struct Eigh {
    method: Method,
    order: Order,
    symmetry_tol: f64,
    max_sweeps: usize,
    exec: Exec,
}

impl Default for Eigh {
    fn default() -> Self {
        Eigh {
            method: Method::Auto,
            order: Order::Ascending,
            symmetry_tol: SYMMETRY_TOL,
            max_sweeps: 100,
            exec: Exec::default(),
        }
    }
}

impl Eigh {
    pub fn new() -> Self {
        Eigh::default()
    }
    pub fn method(mut self, method: Method) -> Self {
        self.method = method;
        self
    }
    pub fn order(mut self, order: Order) -> Self {
        self.order = order;
        self
    }
    /// How far from symmetric the input may be, relative to its largest entry (default
    /// 1e-10); the solver then works on `(A + Aᵀ)/2`.
    pub fn symmetry_tol(mut self, tol: f64) -> Self {
        self.symmetry_tol = tol;
        self
    }
    /// Jacobi's sweep limit (default 100; quadratic convergence needs about 10).
    pub fn max_sweeps(mut self, sweeps: usize) -> Self {
        self.max_sweeps = sweeps;
        self
    }
    /// Threads and instruction set for the blocked Jacobi path (default: all threads). The
    /// result is the same for any thread count.
    pub fn exec(mut self, exec: Exec) -> Self {
        self.exec = exec;
        self
    }

    // ANCHOR: solve
    /// All eigenpairs of the symmetric `a`.
    pub fn solve(&self, a: &Matrix<f64>) -> Result<FittedEigh> {
        let a = self.checked_symmetric(a)?;
        let n = a.rows();
        let (values, vt, trace) = match self.method {
            Method::Jacobi => jacobi::jacobi(&a, self.max_sweeps, self.exec)?,
            Method::Tridiagonal | Method::Auto => {
                let (mut d, mut e, mut vt) = tridiagonal::tridiagonalize(&a);
                tridiagonal::ql_implicit(&mut d, &mut e, &mut vt, 30 * n.max(1))?;
                (d, vt, Trace::default())
            }
        };
        Ok(sorted_with_signs(values, &vt, self.order, trace))
    }
    // ANCHOR_END: solve

    /// Validates the input and returns `(A + Aᵀ)/2`.
    fn checked_symmetric(&self, a: &Matrix<f64>) -> Result<Matrix<f64>> {
        if self.symmetry_tol.is_nan() || self.symmetry_tol < 0.0 {
            return Err(Error::invalid(
                "symmetry_tol",
                self.symmetry_tol,
                "must be >= 0",
            ));
        }
        check_symmetric(a, self.symmetry_tol)?;
        let n = a.rows();
        Ok(Matrix::from_fn(n, n, |i, j| 0.5 * (a[(i, j)] + a[(j, i)])))
    }
}

/// The default relative tolerance of the symmetry check.
pub const SYMMETRY_TOL: f64 = 1e-10;

/// `Ok` when `a` is square, finite, not empty and symmetric to within `tol` times its
/// largest entry; else an error naming the first pair of entries that differ.
pub(crate) fn check_symmetric(a: &Matrix<f64>, tol: f64) -> Result<()> {
    if a.rows() != a.cols() {
        return Err(Error::ShapeMismatch {
            op: "an eigenproblem (needs a square matrix)",
            left: a.shape(),
            right: (a.cols(), a.rows()),
        });
    }
    a.check_samples("the symmetric matrix")?; // square, so no rows means empty
    let scale = a.as_slice().iter().fold(0.0f64, |m, x| m.max(x.abs()));
    let n = a.rows();
    for i in 0..n {
        for j in i + 1..n {
            if (a[(i, j)] - a[(j, i)]).abs() > tol * scale {
                return Err(Error::invalid(
                    "data",
                    format!("a {n} x {n} matrix"),
                    format!(
                        "the matrix must be symmetric (to within {tol:e} of its largest \
                         entry), but entry [{i}][{j}] = {:e} and [{j}][{i}] = {:e}",
                        a[(i, j)],
                        a[(j, i)]
                    ),
                ));
            }
        }
    }
    Ok(())
}

/// Removes from `v` its components along the first `k` rows of `basis`, one row at a time
/// (modified Gram–Schmidt), then scales it to unit length; a zero vector stays zero.
pub(crate) fn orthonormalize_against(v: &mut [f64], basis: &Matrix<f64>, k: usize) {
    use crate::linalg::kernels::{axpy, dot};
    for row in basis.iter_rows().take(k) {
        let c = dot(v, row);
        axpy(-c, row, v);
    }
    let norm = dot(v, v).sqrt();
    if norm > 0.0 {
        v.iter_mut().for_each(|x| *x /= norm);
    }
}

// ANCHOR: signs
/// The sign that makes `v`'s largest-magnitude component positive (the first such component
/// on a tie): eigenvectors and singular vectors are only defined up to sign, and this fixes
/// one, as R and scikit-learn do.
pub(crate) fn sign_convention(v: &[f64]) -> f64 {
    let big = v
        .iter()
        .fold(0.0f64, |b, &x| if x.abs() > b.abs() { x } else { b });
    if big < 0.0 {
        -1.0
    } else {
        1.0
    }
}

/// Sorts the pairs (ties keep their index order) and makes each eigenvector's
/// largest-magnitude component positive (the first one, if several tie).
fn sorted_with_signs(values: Vec<f64>, vt: &Matrix<f64>, order: Order, trace: Trace) -> FittedEigh {
    let n = values.len();
    let mut idx: Vec<usize> = (0..n).collect();
    idx.sort_by(|&i, &j| {
        let c = values[i].total_cmp(&values[j]);
        if order == Order::Descending {
            c.reverse()
        } else {
            c
        }
    });
    let mut vectors = Matrix::zeros(n, n);
    for (k, &i) in idx.iter().enumerate() {
        let v = vt.row(i);
        let sign = sign_convention(v);
        for (r, &x) in v.iter().enumerate() {
            vectors[(r, k)] = sign * x;
        }
    }
    FittedEigh {
        values: idx.iter().map(|&i| values[i]).collect(),
        vectors,
        trace,
    }
}
// ANCHOR_END: signs
