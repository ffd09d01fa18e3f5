//! Chapter 8 · Manifold learning (book `08-manifold.md`). Check:
//! `cargo test --test exercises manifold -- --ignored`.
#![allow(unused_variables)]

use unsupervised::Matrix;

/// Exercise 8.1: double centring. From the squared distances `D²` return
/// `B = −½ J D² J` with `J = I − (1/n) 1 1ᵀ`.
///
/// Hint: no matrix products needed: `b_ij = −½ (d²_ij − r_i − r_j + m)` with `r_i` the
/// mean of row i of `D²` and `m` the mean of all its entries. For Euclidean distances `B`
/// is the Gram matrix `X̃ X̃ᵀ` of the centred points.
pub fn double_center(d2: &Matrix<f64>) -> Matrix<f64> {
    todo!("exercise 8.1: B = −½ J D² J")
}

/// Exercise 8.2: classical MDS. From squared distances, return the `n x k` coordinates
/// `V_k Λ_k^{1/2}`: the top k eigenpairs of `B` (exercise 8.1).
///
/// Hint: `unsupervised::eigen::Eigh` with `Order::Descending`; clamp negative eigenvalues
/// (non-Euclidean input) at 0 before the square root.
pub fn classical_mds(d2: &Matrix<f64>, k: usize) -> Matrix<f64> {
    todo!("exercise 8.2: coordinates from distances")
}

/// Exercise 8.3: Isomap's geodesic distances by Floyd–Warshall. `graph[(i, j)]` is the
/// length of edge ij, `f64::INFINITY` where there is none, 0 on the diagonal. Return all
/// shortest-path lengths (infinite between components).
///
/// Hint: for every intermediate vertex `k`, relax `d_ij ← min(d_ij, d_ik + d_kj)`; the
/// order of the three loops matters (k outermost).
pub fn floyd_warshall(graph: &Matrix<f64>) -> Matrix<f64> {
    todo!("exercise 8.3: all shortest paths")
}

pub mod checks {
    use crate::common::{assert_close, random_matrix};
    use unsupervised::linalg::{pairwise_sq_dists, Csr, Exec};
    use unsupervised::manifold::geodesic_distances;
    use unsupervised::{Matrix, Rng};

    fn points(n: usize, d: usize) -> (Matrix<f64>, Matrix<f64>) {
        let x = random_matrix::<f64>(n, d, &mut Rng::seed_from_u64(10));
        let d2 = pairwise_sq_dists(&x, &x, Exec::serial()).unwrap();
        (x, d2)
    }

    /// `B` is the Gram matrix of the centred points.
    pub fn double_center(yours: fn(&Matrix<f64>) -> Matrix<f64>) {
        let (x, d2) = points(8, 3);
        let b = yours(&d2);
        let means: Vec<f64> = (0..3)
            .map(|j| x.iter_rows().map(|r| r[j]).sum::<f64>() / 8.0)
            .collect();
        let gram = Matrix::from_fn(8, 8, |i, j| {
            (0..3)
                .map(|k| (x[(i, k)] - means[k]) * (x[(j, k)] - means[k]))
                .sum()
        });
        assert_close(b.as_slice(), gram.as_slice(), 1e-12, 1e-12);
    }

    /// Planar points come back with their distances exactly; 3-D ones lose only what the
    /// third principal axis held.
    pub fn classical_mds(yours: fn(&Matrix<f64>, usize) -> Matrix<f64>) {
        let (_, d2) = points(10, 2);
        let y = yours(&d2, 2);
        assert_eq!(y.shape(), (10, 2));
        let back = pairwise_sq_dists(&y, &y, Exec::serial()).unwrap();
        assert_close(back.as_slice(), d2.as_slice(), 1e-10, 1e-10);
        let (_, d2) = points(10, 3);
        let d = Matrix::from_fn(10, 10, |i, j| d2[(i, j)].sqrt());
        let expected = unsupervised::manifold::classical_mds(&d, 2, 0)
            .unwrap()
            .embedding;
        let y = yours(&d2, 2);
        for j in 0..2 {
            let found: Vec<f64> = (0..10).map(|i| y[(i, j)].abs()).collect();
            let want: Vec<f64> = (0..10).map(|i| expected[(i, j)].abs()).collect();
            assert_close(&found, &want, 1e-9, 1e-9);
        }
    }

    /// A path graph by hand, two components, and the crate's Dijkstra on a kNN-like graph.
    pub fn floyd_warshall(yours: fn(&Matrix<f64>) -> Matrix<f64>) {
        let inf = f64::INFINITY;
        let path = Matrix::from_fn(4, 4, |i, j| match i.abs_diff(j) {
            0 => 0.0,
            1 => (i + j) as f64,
            _ => inf,
        });
        let d = yours(&path);
        assert_eq!(d[(0, 3)], 1.0 + 3.0 + 5.0, "0 → 1 → 2 → 3");
        let apart = Matrix::from_fn(3, 3, |i, j| {
            if i == j {
                0.0
            } else if i + j == 1 {
                2.0
            } else {
                inf
            }
        });
        assert_eq!(yours(&apart)[(0, 2)], inf, "vertex 2 is unreachable");
        let (_, d2) = points(25, 2);
        let mut triplets = Vec::new();
        let graph = Matrix::from_fn(25, 25, |i, j| {
            if i == j {
                0.0
            } else if d2[(i, j)] < 0.6 {
                d2[(i, j)].sqrt()
            } else {
                inf
            }
        });
        for i in 0..25 {
            for j in 0..25 {
                if i != j && graph[(i, j)].is_finite() {
                    triplets.push((i, j, graph[(i, j)]));
                }
            }
        }
        let csr = Csr::from_triplets(25, 25, &triplets).unwrap();
        let expected = geodesic_distances(&csr, Exec::serial()).unwrap();
        let found = yours(&graph);
        for (f, e) in found.as_slice().iter().zip(expected.as_slice()) {
            assert!(
                f == e || (f - e).abs() <= 1e-12 * e,
                "found {f}, Dijkstra gives {e}"
            );
        }
    }
}
