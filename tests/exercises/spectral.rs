//! Chapter 7 · Spectral clustering (book `07-spectral.md`). Check:
//! `cargo test --test exercises spectral -- --ignored`.
#![allow(unused_variables)]

use unsupervised::Matrix;

/// Exercise 7.1: the fully connected similarity graph with the lecture's Gaussian kernel,
/// `w_ij = exp(−‖x_i − x_j‖² / σ²)` for `i ≠ j` and `w_ii = 0` (no self-loops).
///
/// Hint: this σ is the lecture's; scikit-learn's `gamma = 1/(2σ²)` writes the kernel with
/// `2σ²`.
pub fn gaussian_affinity(x: &Matrix<f64>, sigma: f64) -> Matrix<f64> {
    todo!("exercise 7.1: Gaussian similarities")
}

/// Exercise 7.2: the unnormalised graph Laplacian `L = D − W`, with the degree matrix
/// `D = diag(Σ_j w_ij)`.
///
/// Hint: `fᵀ L f = ½ Σ_ij w_ij (f_i − f_j)²`, so `L` is positive semi-definite and the
/// constant vector is in its null space: every row sums to zero.
pub fn laplacian(w: &Matrix<f64>) -> Matrix<f64> {
    todo!("exercise 7.2: L = D − W")
}

/// Exercise 7.3: the lecture's two-way cut. Label each vertex 1 where the Fiedler vector
/// (the eigenvector of the second-smallest eigenvalue of `L = D − W`) is positive, else 0.
///
/// Hint: `unsupervised::eigen::Eigh` returns the eigenvalues in ascending order by
/// default; `vector(1)` is the Fiedler vector (its sign is fixed by the solver: the
/// largest-magnitude entry is positive).
pub fn fiedler_split(w: &Matrix<f64>) -> Vec<usize> {
    todo!("exercise 7.3: split by the sign of the Fiedler vector")
}

pub mod checks {
    use crate::common::assert_close;
    use unsupervised::datasets::blobs;
    use unsupervised::linalg::{Csr, Exec};
    use unsupervised::metrics::adjusted_rand_index;
    use unsupervised::spectral::fiedler;
    use unsupervised::spectral::graph::{
        laplacian as crate_laplacian, similarity_graph, Graph, Laplacian,
    };
    use unsupervised::Matrix;

    fn sparse(w: &Matrix<f64>) -> Csr<f64> {
        let n = w.rows();
        let triplets: Vec<(usize, usize, f64)> = (0..n)
            .flat_map(|i| (0..n).map(move |j| (i, j)))
            .filter(|&(i, j)| w[(i, j)] != 0.0)
            .map(|(i, j)| (i, j, w[(i, j)]))
            .collect();
        Csr::from_triplets(n, n, &triplets).unwrap()
    }

    /// Two tight blobs far apart, joined by nothing but the Gaussian tails.
    fn two_blobs() -> (Matrix<f64>, Vec<usize>) {
        let data = blobs(40, 2, 2, 0.5, 9).unwrap();
        (data.x, data.labels.unwrap())
    }

    /// The crate's fully connected graph, and one weight by hand.
    pub fn gaussian_affinity(yours: fn(&Matrix<f64>, f64) -> Matrix<f64>) {
        let x = Matrix::from_rows(vec![vec![0.0, 0.0], vec![3.0, 4.0], vec![0.0, 1.0]]).unwrap();
        let w = yours(&x, 2.0);
        assert_close(
            &[w[(0, 1)], w[(0, 2)], w[(1, 1)]],
            &[(-25.0f64 / 4.0).exp(), (-0.25f64).exp(), 0.0],
            1e-15,
            0.0,
        );
        let (x, _) = two_blobs();
        let w = yours(&x, 1.5);
        let expected = similarity_graph(&x, Graph::Full { sigma: 1.5 }, Exec::serial())
            .unwrap()
            .to_dense();
        assert_close(w.as_slice(), expected.as_slice(), 1e-12, 1e-300);
    }

    /// The crate's Laplacian; zero row sums; `fᵀ L f = ½ Σ w_ij (f_i − f_j)²`.
    pub fn laplacian(yours: fn(&Matrix<f64>) -> Matrix<f64>) {
        let (x, _) = two_blobs();
        let w = similarity_graph(&x, Graph::Full { sigma: 1.5 }, Exec::serial())
            .unwrap()
            .to_dense();
        let l = yours(&w);
        let expected = crate_laplacian(&sparse(&w), Laplacian::Unnormalized)
            .unwrap()
            .to_dense();
        assert_close(l.as_slice(), expected.as_slice(), 1e-13, 1e-13);
        for (i, row) in l.iter_rows().enumerate() {
            let s: f64 = row.iter().sum();
            assert!(s.abs() < 1e-12, "row {i} of L sums to {s}, expected 0");
        }
        let f: Vec<f64> = (0..x.rows()).map(|i| (i as f64 * 0.37).sin()).collect();
        let lf = l.matvec(&f).unwrap();
        let quadratic: f64 = f.iter().zip(&lf).map(|(a, b)| a * b).sum();
        let mut half_sum = 0.0;
        for i in 0..x.rows() {
            for j in 0..x.rows() {
                half_sum += 0.5 * w[(i, j)] * (f[i] - f[j]).powi(2);
            }
        }
        assert_close(&[quadratic], &[half_sum], 1e-12, 0.0);
    }

    /// The crate's Fiedler split (up to which side is called 1: an eigenvector's sign is
    /// arbitrary), and the two blobs recovered exactly.
    pub fn fiedler_split(yours: fn(&Matrix<f64>) -> Vec<usize>) {
        let (x, truth) = two_blobs();
        let graph = similarity_graph(&x, Graph::Full { sigma: 2.0 }, Exec::serial()).unwrap();
        let labels = yours(&graph.to_dense());
        let same = adjusted_rand_index(&labels, &fiedler(&graph).unwrap().labels).unwrap();
        assert_eq!(same, 1.0, "not the crate's Fiedler split (ARI {same})");
        let ari = adjusted_rand_index(&labels, &truth).unwrap();
        assert_eq!(ari, 1.0, "the two blobs are not separated (ARI {ari})");
    }
}
