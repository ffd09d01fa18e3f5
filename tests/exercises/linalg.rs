//! Chapter 1 · Linear algebra (book `01-linalg.md`). Check:
//! `cargo test --test exercises linalg -- --ignored`.
#![allow(unused_variables)]

use unsupervised::Matrix;

/// Exercise 1.1: the matrix product `C = A B`, `c_ij = Σ_k a_ik b_kj`, with three loops.
/// The shapes fit (`a.cols() == b.rows()`).
///
/// Hint: loop `i, k, j` rather than `i, j, k`: the inner loop then walks a row of `B` and a
/// row of `C`, both contiguous in row-major storage. `Matrix::zeros` and `m[(i, j)]`.
pub fn matmul(a: &Matrix<f64>, b: &Matrix<f64>) -> Matrix<f64> {
    todo!("exercise 1.1: C = A B with three loops")
}

/// Exercise 1.2: all squared distances `d_ij = ‖x_i − y_j‖²` between the rows of `x` and
/// of `y`, by the lecture's expansion `‖x_i‖² + ‖y_j‖² − 2 x_i·y_j`.
///
/// Hint: rounding can make the expansion slightly negative for (near-)equal points: clamp
/// at zero, as the crate's `pairwise_sq_dists` does.
pub fn sq_dists(x: &Matrix<f64>, y: &Matrix<f64>) -> Matrix<f64> {
    todo!("exercise 1.2: squared distances by the norm expansion")
}

/// Exercise 1.3: the Cholesky factor of a symmetric positive definite `A`: the lower
/// triangular `L` with positive diagonal and `L Lᵀ = A`.
///
/// Hint: column by column, `l_jj = √(a_jj − Σ_{k<j} l_jk²)` and, below it,
/// `l_ij = (a_ij − Σ_{k<j} l_ik l_jk) / l_jj`.
pub fn cholesky(a: &Matrix<f64>) -> Matrix<f64> {
    todo!("exercise 1.3: A = L Lᵀ")
}

pub mod checks {
    use crate::common::{assert_close, random_matrix, random_spd};
    use unsupervised::linalg::{pairwise_sq_dists, Exec};
    use unsupervised::{Matrix, Rng};

    type Binary = fn(&Matrix<f64>, &Matrix<f64>) -> Matrix<f64>;

    /// Against the crate's blocked GEMM, on shapes that include a row and a column vector.
    pub fn matmul(yours: Binary) {
        let mut rng = Rng::seed_from_u64(1);
        for (m, k, n) in [(7, 5, 3), (1, 9, 4), (6, 1, 6), (4, 8, 1)] {
            let a = random_matrix::<f64>(m, k, &mut rng);
            let b = random_matrix::<f64>(k, n, &mut rng);
            let c = yours(&a, &b);
            assert_eq!(c.shape(), (m, n), "C of a {m}x{k} times a {k}x{n} matrix");
            let expected = a.matmul(&b).unwrap();
            assert_close(c.as_slice(), expected.as_slice(), 1e-12, 1e-12);
        }
    }

    /// Against the crate's distances; exactly zero on the diagonal for `x` against itself.
    pub fn sq_dists(yours: Binary) {
        let mut rng = Rng::seed_from_u64(2);
        let x = random_matrix::<f64>(9, 4, &mut rng);
        let y = random_matrix::<f64>(5, 4, &mut rng);
        let d = yours(&x, &y);
        assert_eq!(d.shape(), (9, 5), "one row per x, one column per y");
        let expected = pairwise_sq_dists(&x, &y, Exec::serial()).unwrap();
        assert_close(d.as_slice(), expected.as_slice(), 1e-12, 1e-12);
        // Far from the origin the expansion cancels badly: still never negative.
        let far = Matrix::from_fn(4, 3, |i, j| 1e4 + (i * 3 + j) as f64 * 1e-6);
        let d = yours(&far, &far);
        assert!(
            d.as_slice().iter().all(|&v| v >= 0.0),
            "a squared distance is negative: clamp at zero ({:?})",
            d.as_slice()
        );
    }

    /// `L` is lower triangular with a positive diagonal and `L Lᵀ` gives `A` back.
    pub fn cholesky(yours: fn(&Matrix<f64>) -> Matrix<f64>) {
        let mut rng = Rng::seed_from_u64(3);
        for n in [1, 2, 6] {
            let a = random_spd(n, &mut rng);
            let l = yours(&a);
            assert_eq!(l.shape(), (n, n));
            for i in 0..n {
                assert!(
                    l[(i, i)] > 0.0,
                    "l[{i}][{i}] = {} must be positive",
                    l[(i, i)]
                );
                for j in i + 1..n {
                    assert_eq!(l[(i, j)], 0.0, "l[{i}][{j}] is above the diagonal");
                }
            }
            let llt = l.matmul(&l.transpose()).unwrap();
            assert_close(llt.as_slice(), a.as_slice(), 1e-12, 1e-12);
        }
    }
}
