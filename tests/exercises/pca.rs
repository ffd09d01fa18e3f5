//! Chapter 3 · Principal component analysis (book `03-pca.md`). Check:
//! `cargo test --test exercises pca -- --ignored`.
#![allow(unused_variables)]

use unsupervised::Matrix;

/// Exercise 3.1: the sample covariance `S = X̃ᵀ X̃ / (n − 1)` of the rows of `x`, with `X̃`
/// the data minus its column means.
///
/// Hint: centre first; forming `Σ x xᵀ / n − x̄ x̄ᵀ` instead cancels catastrophically when
/// the means are large.
pub fn covariance(x: &Matrix<f64>) -> Matrix<f64> {
    todo!("exercise 3.1: the sample covariance")
}

/// Exercise 3.2: the first `k` principal components of `x`: the variances `λ_1 ≥ … ≥ λ_k`
/// and the `k x p` matrix whose rows are the loading vectors `φ_j` (unit length).
///
/// Hint: they are the top eigenpairs of the covariance (exercise 3.1's, or write it again);
/// `unsupervised::eigen::Eigh` with `Order::Descending` solves it, and `vector(j)` is `φ_j`.
pub fn principal_components(x: &Matrix<f64>, k: usize) -> (Vec<f64>, Matrix<f64>) {
    todo!("exercise 3.2: PCA by the covariance's eigenpairs")
}

/// Exercise 3.3: the reconstruction error of PCA with the `k x p` loadings `phi`: the sum
/// over points of `‖x̃_i − Φᵀ Φ x̃_i‖²`, divided by `n − 1`, with `x̃_i` the centred point.
///
/// Hint: project (`z = Φ x̃`), map back (`Φᵀ z`), subtract. The lecture's identity says the
/// result is the sum of the discarded eigenvalues, which is what the check uses.
pub fn reconstruction_error(x: &Matrix<f64>, phi: &Matrix<f64>) -> f64 {
    todo!("exercise 3.3: what PCA with k components leaves out")
}

pub mod checks {
    use crate::common::assert_close;
    use unsupervised::datasets::usarrests;
    use unsupervised::eigen::svd::principal_angles;
    use unsupervised::pca::Pca;
    use unsupervised::Matrix;

    fn arrests() -> Matrix<f64> {
        usarrests().unwrap().x
    }

    /// Against the crate's total variance and a hand check of one entry; symmetric.
    pub fn covariance(yours: fn(&Matrix<f64>) -> Matrix<f64>) {
        let x = arrests();
        let s = yours(&x);
        assert_eq!(s.shape(), (4, 4));
        let trace: f64 = (0..4).map(|j| s[(j, j)]).sum();
        let pca = Pca::new().fit(&x).unwrap();
        assert_close(&[trace], &[pca.total_variance], 1e-12, 0.0);
        assert_close(s.as_slice(), s.transpose().as_slice(), 0.0, 0.0);
        // Shifting every point leaves the covariance unchanged.
        let shifted = Matrix::from_fn(50, 4, |i, j| x[(i, j)] + 1e6);
        assert_close(yours(&shifted).as_slice(), s.as_slice(), 1e-6, 1e-6);
    }

    /// USArrests: the variances and loading directions of the crate's PCA.
    pub fn principal_components(yours: fn(&Matrix<f64>, usize) -> (Vec<f64>, Matrix<f64>)) {
        let x = arrests();
        let (values, phi) = yours(&x, 2);
        let pca = Pca::new().n_components(2).fit(&x).unwrap();
        assert_close(&values, &pca.explained_variance, 1e-10, 0.0);
        assert_eq!(phi.shape(), (2, 4), "one row of loadings per component");
        for j in 0..2 {
            let dot: f64 = phi
                .row(j)
                .iter()
                .zip(pca.components.row(j))
                .map(|(a, b)| a * b)
                .sum();
            assert!(
                (dot.abs() - 1.0).abs() < 1e-10,
                "φ_{} points elsewhere than the crate's (|cos| = {})",
                j + 1,
                dot.abs()
            );
        }
        let angles = principal_angles(&phi.transpose(), &pca.components.transpose()).unwrap();
        assert!(angles.iter().all(|a| a.abs() < 1e-6), "angles {angles:?}");
    }

    /// The error of k components is the sum of the eigenvalues after the k-th.
    pub fn reconstruction_error(yours: fn(&Matrix<f64>, &Matrix<f64>) -> f64) {
        let x = arrests();
        let all = Pca::new().fit(&x).unwrap();
        for k in 1..=4 {
            let pca = Pca::new().n_components(k).fit(&x).unwrap();
            let expected: f64 = all.explained_variance[k..].iter().sum();
            let found = yours(&x, &pca.components);
            assert!(
                (found - expected).abs() <= 1e-9 * all.total_variance,
                "k = {k}: expected Σ_(j>k) λ_j = {expected}, found {found}"
            );
        }
    }
}
