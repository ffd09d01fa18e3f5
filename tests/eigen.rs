//! Chapter 2: dense symmetric eigensolvers against residuals, orthogonality, closed forms
//! and LAPACK's values.

mod common;

use common::random_matrix;
use proptest::prelude::*;
use unsupervised::eigen::{Eigen, Eigh, Method, Order};
use unsupervised::linalg::Matrix;
use unsupervised::{Error, Rng};

const METHODS: [Method; 2] = [Method::Jacobi, Method::Tridiagonal];

/// Backward-stable symmetric eigensolvers give residuals ‖Av - λv‖ and orthogonality errors
/// ‖VᵀV - I‖ of order n·ε·‖A‖ (Golub and Van Loan §8.3–8.5); c = 8 leaves room for the
/// constant.
const C: f64 = 8.0;

fn max_abs(m: &Matrix<f64>) -> f64 {
    m.as_slice().iter().fold(0.0f64, |a, x| a.max(x.abs()))
}

#[track_caller]
fn check_decomposition(a: &Matrix<f64>, e: &Eigen) {
    let n = a.rows();
    let norm = max_abs(a).max(f64::MIN_POSITIVE) * n as f64;
    let tol = C * n as f64 * f64::EPSILON;
    for k in 0..n {
        let v = e.vector(k);
        let av = a.matvec(&v).unwrap();
        let res = av
            .iter()
            .zip(&v)
            .map(|(x, y)| (x - e.values[k] * y).powi(2))
            .sum::<f64>()
            .sqrt();
        assert!(
            res <= tol * norm,
            "residual {res:e} of pair {k} > {:e}",
            tol * norm
        );
        // Sign convention: the largest-magnitude component is positive.
        let big = v
            .iter()
            .fold(0.0f64, |m, x| if x.abs() > m.abs() { *x } else { m });
        assert!(big > 0.0, "pair {k}: largest component {big}");
    }
    let vtv = e.vectors.t_matmul(&e.vectors).unwrap();
    for i in 0..n {
        for j in 0..n {
            let expected = if i == j { 1.0 } else { 0.0 };
            assert!(
                (vtv[(i, j)] - expected).abs() <= tol,
                "VᵀV[{i},{j}] = {}",
                vtv[(i, j)]
            );
        }
    }
}

fn random_symmetric(n: usize, seed: u64) -> Matrix<f64> {
    let mut rng = Rng::seed_from_u64(seed);
    let b: Matrix<f64> = random_matrix(n, n, &mut rng);
    b.add(&b.transpose()).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]
    #[test]
    fn random_symmetric_matrices_decompose(n in 1usize..40, seed in any::<u64>()) {
        let a = random_symmetric(n, seed);
        let j = Eigh::new().method(Method::Jacobi).solve(&a).unwrap();
        let t = Eigh::new().method(Method::Tridiagonal).solve(&a).unwrap();
        check_decomposition(&a, &j);
        check_decomposition(&a, &t);
        // The two paths agree on every eigenvalue.
        let scale = max_abs(&a) * n as f64;
        for (x, y) in j.values.iter().zip(&t.values) {
            prop_assert!((x - y).abs() <= C * n as f64 * f64::EPSILON * scale, "{x} vs {y}");
        }
        prop_assert!(j.values.windows(2).all(|w| w[0] <= w[1]));
    }
}

#[test]
fn diagonal_zero_and_identity_matrices_have_their_obvious_eigenpairs() {
    let d = Matrix::from_fn(4, 4, |i, j| {
        if i == j {
            [3.0, -1.0, 2.0, 0.5][i]
        } else {
            0.0
        }
    });
    for m in METHODS {
        let e = Eigh::new().method(m).solve(&d).unwrap();
        assert_eq!(e.values, vec![-1.0, 0.5, 2.0, 3.0]);
        assert_eq!(e.vector(0), vec![0.0, 1.0, 0.0, 0.0]);
        let desc = Eigh::new()
            .method(m)
            .order(Order::Descending)
            .solve(&d)
            .unwrap();
        assert_eq!(desc.values, vec![3.0, 2.0, 0.5, -1.0]);
        let z = Eigh::new().method(m).solve(&Matrix::zeros(5, 5)).unwrap();
        assert!(z.values.iter().all(|&v| v == 0.0));
        check_decomposition(&Matrix::zeros(5, 5), &z);
        let i = Eigh::new().method(m).solve(&Matrix::identity(6)).unwrap();
        assert!(i.values.iter().all(|&v| v == 1.0));
        check_decomposition(&Matrix::identity(6), &i);
    }
}

#[test]
fn repeated_eigenvalues_get_an_orthonormal_basis() {
    // Q diag(2, 2, 2, 5, 5) Qᵀ for a random orthogonal Q (from a symmetric matrix's vectors).
    let q = Eigh::new().solve(&random_symmetric(5, 7)).unwrap().vectors;
    let lambda = [2.0, 2.0, 2.0, 5.0, 5.0];
    let a = Matrix::from_fn(5, 5, |i, j| {
        (0..5).map(|k| q[(i, k)] * lambda[k] * q[(j, k)]).sum()
    });
    for m in METHODS {
        let e = Eigh::new().method(m).symmetry_tol(1e-12).solve(&a).unwrap();
        for (x, y) in e.values.iter().zip(lambda) {
            assert!((x - y).abs() < 1e-13, "{x} vs {y}");
        }
        check_decomposition(&a, &e);
    }
}

#[test]
fn wilkinson_w21_plus_separates_its_close_pair() {
    // W21+: diagonal |10 - i|, off-diagonal 1. LAPACK (numpy.linalg.eigvalsh) gives the top
    // pair 10.746194182903322 and 10.746194182903393, only 7.1e-14 apart.
    let w = Matrix::from_fn(21, 21, |i, j| {
        if i == j {
            (10.0 - i as f64).abs()
        } else if i.abs_diff(j) == 1 {
            1.0
        } else {
            0.0
        }
    });
    for m in METHODS {
        let e = Eigh::new()
            .method(m)
            .order(Order::Descending)
            .solve(&w)
            .unwrap();
        assert!(
            (e.values[0] - 10.746194182903393).abs() < 1e-13,
            "{m:?}: {}",
            e.values[0]
        );
        assert!(
            (e.values[1] - 10.746194182903322).abs() < 1e-13,
            "{m:?}: {}",
            e.values[1]
        );
        check_decomposition(&w, &e);
    }
}

#[test]
fn only_jacobi_finds_the_small_eigenvalues_of_a_graded_matrix_to_high_relative_accuracy() {
    // A = D H D with H well conditioned and D = diag(1, 1e-4, 1e-8): the eigenvalues span
    // 16 orders of magnitude. Their product is det A = det(H) det(D)² exactly.
    let h = [[2.0, 0.5, 0.25], [0.5, 2.0, 0.5], [0.25, 0.5, 2.0]];
    let d: [f64; 3] = [1.0, 1e-4, 1e-8];
    let a = Matrix::from_fn(3, 3, |i, j| d[i] * h[i][j] * d[j]);
    let det_h = 2.0 * (4.0 - 0.25) - 0.5 * (1.0 - 0.125) + 0.25 * (0.25 - 0.5);
    let det_a = det_h * (d[0] * d[1] * d[2]).powi(2);
    let e = Eigh::new().method(Method::Jacobi).solve(&a).unwrap();
    let product: f64 = e.values.iter().product();
    assert!(
        (product - det_a).abs() <= 1e-12 * det_a.abs(),
        "product {product:e} vs det {det_a:e}"
    );
    assert!(e.values[0] > 0.0 && e.values[0] < 3e-16, "{}", e.values[0]);
    // The tridiagonal path is accurate only to ε·‖A‖ ≈ 4e-16 in absolute terms: the
    // smallest eigenvalue (~1e-16) comes out with no correct digits, so its determinant is off.
    let t = Eigh::new().method(Method::Tridiagonal).solve(&a).unwrap();
    let product: f64 = t.values.iter().product();
    assert!(
        (product - det_a).abs() > 0.5 * det_a,
        "tridiagonal product {product:e} vs det {det_a:e}"
    );
}

#[test]
fn jacobi_off_diagonal_norm_falls_quadratically() {
    let a = random_symmetric(30, 11);
    let e = Eigh::new().method(Method::Jacobi).solve(&a).unwrap();
    let t = &e.trace.off_diagonal;
    assert!(t.len() >= 4 && t.len() < 20, "{t:?}");
    assert!(
        t.windows(2).all(|w| w[1] <= w[0]),
        "the off-diagonal norm never grows: {t:?}"
    );
    // Quadratic convergence: once small, each sweep roughly squares it.
    let k = t.iter().position(|&x| x < 1e-3).unwrap();
    assert!(t[k + 1] < 1e-5, "after {:e} came {:e}", t[k], t[k + 1]);
    assert_eq!(*t.last().unwrap(), 0.0);
}

#[test]
fn bad_input_gets_a_clear_error() {
    let solver = Eigh::new();
    assert!(matches!(
        solver.solve(&Matrix::zeros(2, 3)),
        Err(Error::ShapeMismatch { .. })
    ));
    assert!(matches!(
        solver.solve(&Matrix::zeros(0, 0)),
        Err(Error::Empty { .. })
    ));
    let mut nan = Matrix::identity(3);
    nan[(1, 2)] = f64::NAN;
    assert!(matches!(
        solver.solve(&nan),
        Err(Error::NonFinite {
            row: 1,
            column: 2,
            ..
        })
    ));
    let skew = Matrix::from_rows(vec![vec![1.0, 2.0], vec![2.5, 1.0]]).unwrap();
    let err = solver.solve(&skew).unwrap_err().to_string();
    assert!(err.contains("[0][1]") && err.contains("symmetric"), "{err}");
    let err = Eigh::new()
        .method(Method::Jacobi)
        .max_sweeps(1)
        .solve(&random_symmetric(20, 3))
        .unwrap_err();
    assert!(
        matches!(err, Error::NoConvergence { iterations: 1, .. }),
        "{err}"
    );
    assert!(err.to_string().contains("did not converge"));
}

// ---------------------------------------------------------------- Lanczos

use unsupervised::eigen::lanczos::{Lanczos, LinearOperator, Operator, Which};
use unsupervised::linalg::Csr;

/// The Laplacian L = D - W of a weighted graph on n nodes, as CSR.
fn laplacian(n: usize, edges: &[(usize, usize, f64)]) -> Csr<f64> {
    let mut triplets = Vec::new();
    for &(i, j, w) in edges {
        triplets.extend([(i, i, w), (j, j, w), (i, j, -w), (j, i, -w)]);
    }
    Csr::from_triplets(n, n, &triplets).unwrap()
}

/// A ring (so the graph is connected) plus `extra` random chords, with random weights.
fn random_graph(n: usize, extra: usize, seed: u64) -> Vec<(usize, usize, f64)> {
    let mut rng = Rng::seed_from_u64(seed);
    let mut edges: Vec<(usize, usize, f64)> = (0..n)
        .map(|i| (i, (i + 1) % n, rng.uniform(0.5, 1.5)))
        .collect();
    for _ in 0..extra {
        let (i, j) = (rng.index(n).unwrap(), rng.index(n).unwrap());
        if i != j {
            edges.push((i, j, rng.uniform(0.1, 1.0)));
        }
    }
    edges
}

#[test]
fn lanczos_agrees_with_the_dense_solver_on_graph_laplacians() {
    for (n, seed) in [(150, 1), (400, 2)] {
        let l = laplacian(n, &random_graph(n, 2 * n, seed));
        let dense = Eigh::new().solve(&l.to_dense()).unwrap();
        let norm = dense.values.last().unwrap().abs();
        for which in [Which::Smallest, Which::Largest] {
            let k = 6;
            let r = Lanczos::new(k).which(which).seed(seed).solve(&l).unwrap();
            for i in 0..k {
                let expected = match which {
                    Which::Smallest => dense.values[i],
                    Which::Largest => dense.values[n - 1 - i],
                };
                assert!(
                    (r.values[i] - expected).abs() <= 1e-9 * norm,
                    "{which:?} {i}: {} vs {expected}",
                    r.values[i]
                );
                assert!(
                    r.residuals[i] <= 1e-8 * norm,
                    "residual {:e}",
                    r.residuals[i]
                );
            }
            // Eigenvectors agree up to sign where the eigenvalue is simple: |uᵀv| = 1.
            let v0 = r.vectors.column(1);
            let d0 = dense.vector(match which {
                Which::Smallest => 1,
                Which::Largest => n - 2,
            });
            let overlap: f64 = v0.iter().zip(&d0).map(|(a, b)| a * b).sum();
            assert!((overlap.abs() - 1.0).abs() < 1e-8, "overlap {overlap}");
            // Measured: 68 to 222 products here; a dense solve would cost O(n³).
            assert!(
                r.matvecs < 2 * n,
                "Lanczos used {} products for n = {n}",
                r.matvecs
            );
        }
        // The smallest eigenvalue of a connected graph's Laplacian is 0, with a constant vector.
        let r = Lanczos::new(1).solve(&l).unwrap();
        assert!(r.values[0].abs() < 1e-9 * norm);
        let c = 1.0 / (n as f64).sqrt();
        assert!(r.vectors.column(0).iter().all(|x| (x - c).abs() < 1e-8));
    }
}

#[test]
fn a_laplacian_has_one_zero_eigenvalue_per_connected_component() {
    // Three components: nodes 0..40, 40..90 and 90..100.
    let mut edges = random_graph(40, 30, 5);
    edges.extend(
        random_graph(50, 40, 6)
            .into_iter()
            .map(|(i, j, w)| (i + 40, j + 40, w)),
    );
    edges.extend(
        random_graph(10, 5, 7)
            .into_iter()
            .map(|(i, j, w)| (i + 90, j + 90, w)),
    );
    let l = laplacian(100, &edges);
    for m in METHODS {
        let e = Eigh::new().method(m).solve(&l.to_dense()).unwrap();
        let zeros = e.values.iter().filter(|v| v.abs() < 1e-10).count();
        assert_eq!(zeros, 3, "{m:?}: {:?}", &e.values[..5]);
        assert!(e.values[3] > 1e-3);
    }
}

#[test]
fn lanczos_works_on_dense_matrices_and_closures() {
    let a = random_symmetric(60, 21);
    let dense = Eigh::new().solve(&a).unwrap();
    let r = Lanczos::new(3).which(Which::Largest).solve(&a).unwrap();
    for i in 0..3 {
        assert!((r.values[i] - dense.values[59 - i]).abs() < 1e-9);
    }
    // cI - A through a closure: its largest eigenvalues are c minus A's smallest.
    let c = 100.0;
    let shifted = Operator {
        dim: 60,
        apply: |x: &[f64], y: &mut [f64]| {
            a.apply(x, y);
            for (yi, xi) in y.iter_mut().zip(x) {
                *yi = c * xi - *yi;
            }
        },
    };
    let r = Lanczos::new(2)
        .which(Which::Largest)
        .solve(&shifted)
        .unwrap();
    assert!((c - r.values[0] - dense.values[0]).abs() < 1e-8);
    assert!((c - r.values[1] - dense.values[1]).abs() < 1e-8);
}

#[test]
fn lanczos_rejects_bad_requests_and_reports_non_convergence() {
    let l = laplacian(50, &random_graph(50, 50, 3));
    assert!(Lanczos::new(0).solve(&l).is_err());
    assert!(Lanczos::new(51)
        .solve(&l)
        .unwrap_err()
        .to_string()
        .contains("k = 51"));
    assert!(Lanczos::new(2).tol(0.0).solve(&l).is_err());
    assert!(Lanczos::new(5).ncv(4).solve(&l).is_err());
    let err = Lanczos::new(4)
        .ncv(8)
        .tol(1e-14)
        .max_restarts(0)
        .solve(&l)
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::NoConvergence {
                what: "Lanczos",
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn lanczos_is_deterministic_for_a_seed() {
    let l = laplacian(200, &random_graph(200, 300, 9));
    let a = Lanczos::new(4).seed(5).solve(&l).unwrap();
    let b = Lanczos::new(4).seed(5).solve(&l).unwrap();
    assert_eq!(a, b);
}
