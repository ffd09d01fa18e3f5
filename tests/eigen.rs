//! Chapter 2: dense symmetric eigensolvers against residuals, orthogonality, closed forms
//! and LAPACK's values.

mod common;

use common::{assert_close, random_matrix};
use proptest::prelude::*;
use unsupervised::eigen::{Eigh, FittedEigh, Method, Order};
use unsupervised::linalg::{Cholesky, Exec, Matrix};
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
fn check_decomposition(a: &Matrix<f64>, e: &FittedEigh) {
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
    // The tridiagonal path promises an absolute bound only, |λ̂ᵢ - λᵢ| ≤ c n ε ‖A‖ (≈ 1e-15
    // here): the smallest eigenvalue (~1e-16) may come out with no correct digits. Assert
    // the bound it does promise, against Jacobi's accurate values.
    let t = Eigh::new().method(Method::Tridiagonal).solve(&a).unwrap();
    assert_within_absolute_bound(&t.values, &e.values, 3);
}

#[test]
fn a_tiny_coupling_of_equal_diagonal_entries_still_splits_them() {
    // T = I + c·(shift up + shift down) with c = 1e-14: λ_k = 1 + 2c cos(kπ/(n+1)) exactly.
    // The couplings are small but not negligible (c ≫ ε): QL must not deflate at a looser
    // tolerance than ε‖T‖, or every eigenvalue collapses to 1, off by up to 2c.
    let (n, c) = (5, 1e-14);
    let a = Matrix::from_fn(n, n, |i, j| match i.abs_diff(j) {
        0 => 1.0,
        1 => c,
        _ => 0.0,
    });
    let mut truth: Vec<f64> = (1..=n)
        .map(|k| 1.0 + 2.0 * c * (k as f64 * std::f64::consts::PI / (n + 1) as f64).cos())
        .collect();
    truth.sort_by(f64::total_cmp);
    for method in [Method::Tridiagonal, Method::Jacobi] {
        let e = Eigh::new().method(method).solve(&a).unwrap();
        let mut values = e.values.clone();
        values.sort_by(f64::total_cmp);
        assert_within_absolute_bound(&values, &truth, n);
    }
}

/// Householder tridiagonalisation and implicit QL are backward stable: each eigenvalue is
/// within a small multiple of `n ε ‖A‖₂` of the truth (Weyl), whatever its size.
#[track_caller]
fn assert_within_absolute_bound(values: &[f64], truth: &[f64], n: usize) {
    let norm = truth.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    let bound = 10.0 * n as f64 * f64::EPSILON * norm;
    for (i, (v, t)) in values.iter().zip(truth).enumerate() {
        assert!(
            (v - t).abs() <= bound,
            "λ{i}: {v:e} vs {t:e} (bound {bound:e})"
        );
    }
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
    // Lanczos too, though a single Krylov sequence sees the zero eigenvalue only once: the
    // locked restarts find the other two copies.
    let r = Lanczos::new(5).solve(&l).unwrap();
    let dense = Eigh::new().solve(&l.to_dense()).unwrap();
    assert_eq!(
        r.values.iter().filter(|v| v.abs() < 1e-9).count(),
        3,
        "{:?}",
        r.values
    );
    for (x, y) in r.values.iter().zip(&dense.values) {
        assert!((x - y).abs() < 1e-9, "{x} vs {y}");
    }
    assert!(r.residuals.iter().all(|&res| res < 1e-8));
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
    // A dense matrix that is not symmetric has no orthonormal eigenbasis for Lanczos to find:
    // refused as the dense solvers refuse it, naming the entries.
    let mut a = random_symmetric(12, 5);
    a[(3, 7)] += 1e-3;
    let err = Lanczos::new(2).solve(&a).unwrap_err().to_string();
    assert!(err.contains("[3][7]") && err.contains("symmetric"), "{err}");
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

// ---------------------------------------------------------------- SVD

use unsupervised::eigen::svd::{svd, svd_gram, svd_randomized, Svd};

#[track_caller]
fn check_svd(a: &Matrix<f64>, d: &Svd, tol: f64) {
    let r = a.rows().min(a.cols());
    assert_eq!(
        (d.u.shape(), d.s.len(), d.vt.shape()),
        ((a.rows(), r), r, (r, a.cols()))
    );
    let back = d.reconstruct().unwrap();
    let scale = max_abs(a).max(1.0);
    for (x, y) in back.as_slice().iter().zip(a.as_slice()) {
        assert!((x - y).abs() <= tol * scale, "reconstruction {x} vs {y}");
    }
    assert!(d.s.windows(2).all(|w| w[0] >= w[1]) && d.s.iter().all(|&s| s >= 0.0));
    let utu = d.u.t_matmul(&d.u).unwrap();
    let vvt = d.vt.matmul_t(&d.vt).unwrap();
    for i in 0..r {
        for j in 0..r {
            let e = if i == j { 1.0 } else { 0.0 };
            assert!(
                (utu[(i, j)] - e).abs() < tol && (vvt[(i, j)] - e).abs() < tol,
                "orthonormality at ({i}, {j})"
            );
        }
    }
}

/// `U diag(s) Vᵀ` for random orthogonal U (m x r) and V (n x r).
fn with_singular_values(m: usize, n: usize, s: &[f64], seed: u64) -> Matrix<f64> {
    let q1 = Eigh::new()
        .solve(&random_symmetric(m, seed))
        .unwrap()
        .vectors;
    let q2 = Eigh::new()
        .solve(&random_symmetric(n, seed + 1))
        .unwrap()
        .vectors;
    Matrix::from_fn(m, n, |i, j| {
        s.iter()
            .enumerate()
            .map(|(k, &sk)| q1[(i, k)] * sk * q2[(j, k)])
            .sum()
    })
}

#[test]
fn svd_reconstructs_tall_wide_and_square_matrices() {
    let mut rng = Rng::seed_from_u64(4);
    for (m, n) in [(30, 7), (7, 30), (12, 12), (1, 5), (5, 1)] {
        let a: Matrix<f64> = random_matrix(m, n, &mut rng);
        check_svd(&a, &svd(&a).unwrap(), 1e-12);
        check_svd(&a, &svd_gram(&a).unwrap(), 1e-10);
        // σ² are the eigenvalues of AᵀA.
        let e = Eigh::new()
            .order(Order::Descending)
            .solve(&a.t_matmul(&a).unwrap())
            .unwrap();
        for (s, l) in svd(&a).unwrap().s.iter().zip(&e.values) {
            assert!((s * s - l).abs() < 1e-12 * e.values[0].max(1.0));
        }
    }
}

#[test]
fn svd_of_rank_deficient_centred_data_converges() {
    // 40 points in 60 dimensions, centred: rank 39, and every direction orthogonal to the
    // points is zero to rounding. Columns that small once kept Jacobi rotating for ever
    // (PCA of 60 digits failed this way).
    let mut rng = Rng::seed_from_u64(11);
    let raw: Matrix<f64> = random_matrix(40, 60, &mut rng);
    let (a, _) = raw.centered().unwrap();
    let d = svd(&a).unwrap();
    assert!(d.s[39] < 1e-12 * d.s[0], "the centred data has rank 39");
    let back = d.reconstruct().unwrap();
    assert_close(back.as_slice(), a.as_slice(), 0.0, 1e-12);
    // The vectors of the 39 nonzero singular values are orthonormal (those of the zero one
    // are rounding noise: any unit vector orthogonal to the rest would do).
    let v39 = Matrix::from_fn(39, 60, |i, j| d.vt[(i, j)]);
    let vvt = v39.matmul_t(&v39).unwrap();
    assert_close(vvt.as_slice(), Matrix::identity(39).as_slice(), 0.0, 1e-12);
    let u39 = Matrix::from_fn(40, 39, |i, j| d.u[(i, j)]);
    let utu = u39.t_matmul(&u39).unwrap();
    assert_close(utu.as_slice(), Matrix::identity(39).as_slice(), 0.0, 1e-12);
}

#[test]
fn only_one_sided_jacobi_keeps_tiny_singular_values() {
    // σ = 1, 1e-6, 1e-10: κ = 1e10, so AᵀA has κ² = 1e20 > 1/ε.
    let s = [1.0, 1e-6, 1e-10];
    let a = with_singular_values(8, 3, &s, 2);
    let jac = svd(&a).unwrap();
    let gram = svd_gram(&a).unwrap();
    // Forming A itself rounds each entry by ε, which moves σ₃ by about ε·‖A‖ ≈ 1e-16:
    // a relative error of 1e-6 at most for σ₃ = 1e-10.
    assert!(
        (jac.s[2] - 1e-10).abs() < 1e-6 * 1e-10 * 1e3,
        "Jacobi σ₃ = {:e}",
        jac.s[2]
    );
    assert!(
        (jac.s[1] - 1e-6).abs() < 1e-9 * 1e-6,
        "Jacobi σ₂ = {:e}",
        jac.s[1]
    );
    // Through AᵀA, σ₃² = 1e-20 is below the rounding of entries of size 1: σ₃ is lost.
    assert!(
        (gram.s[2] - 1e-10).abs() > 0.1 * 1e-10,
        "Gram σ₃ = {:e}",
        gram.s[2]
    );
}

#[test]
fn randomized_svd_finds_the_top_triplets() {
    // A decaying spectrum: σ_k = 2^-k.
    let s: Vec<f64> = (0..40).map(|k| 0.5f64.powi(k)).collect();
    let a = with_singular_values(200, 60, &s, 8);
    let exact = svd(&a).unwrap();
    let r = svd_randomized(&a, 5, 10, 2, 0).unwrap();
    assert_eq!((r.u.shape(), r.vt.shape()), ((200, 5), (5, 60)));
    for i in 0..5 {
        assert!(
            (r.s[i] - exact.s[i]).abs() < 1e-10 * exact.s[0],
            "σ{i}: {} vs {}",
            r.s[i],
            exact.s[i]
        );
        let overlap: f64 =
            r.vt.row(i)
                .iter()
                .zip(exact.vt.row(i))
                .map(|(x, y)| x * y)
                .sum();
        // Up to sign: when two components are nearly equal in size, rounding decides which one
        // the sign convention looks at.
        assert!(
            (overlap.abs() - 1.0).abs() < 1e-8,
            "right vector {i}: overlap {overlap}"
        );
    }
    assert_eq!(
        svd_randomized(&a, 5, 10, 2, 0).unwrap(),
        r,
        "deterministic for a seed"
    );
    assert!(svd_randomized(&a, 0, 5, 1, 0).is_err());
    assert!(svd_randomized(&a, 61, 5, 1, 0).is_err());
    assert!(svd(&Matrix::zeros(0, 3)).is_err());
    let mut nan = Matrix::<f64>::zeros(3, 2);
    nan[(2, 1)] = f64::NAN;
    assert!(matches!(
        svd(&nan),
        Err(Error::NonFinite {
            row: 2,
            column: 1,
            ..
        })
    ));
}

#[test]
fn a_rank_deficient_matrix_has_zero_singular_values() {
    let a = with_singular_values(10, 6, &[3.0, 2.0, 1.0], 5);
    let d = svd(&a).unwrap();
    assert!(d.s[3..].iter().all(|&s| s < 1e-14), "{:?}", d.s);
    let back = d.reconstruct().unwrap();
    assert!(back
        .as_slice()
        .iter()
        .zip(a.as_slice())
        .all(|(x, y)| (x - y).abs() < 1e-13));
}

#[test]
fn blocked_jacobi_on_larger_matrices_agrees_with_the_tridiagonal_path() {
    // n > 48 takes the blocked sweeps (24-row blocks, GEMM updates).
    for (n, seed) in [(65, 1), (150, 2)] {
        let a = random_symmetric(n, seed);
        let j = Eigh::new().method(Method::Jacobi).solve(&a).unwrap();
        let t = Eigh::new().method(Method::Tridiagonal).solve(&a).unwrap();
        check_decomposition(&a, &j);
        let scale = max_abs(&a) * n as f64;
        for (x, y) in j.values.iter().zip(&t.values) {
            assert!(
                (x - y).abs() <= C * n as f64 * f64::EPSILON * scale,
                "{x} vs {y}"
            );
        }
        let trace = &j.trace.off_diagonal;
        assert!(
            trace.len() < 20 && *trace.last().unwrap() == 0.0,
            "{trace:?}"
        );
    }
}

#[test]
fn blocked_jacobi_gives_the_same_bits_on_any_thread_count() {
    // 150 rows: seven blocks, so each round also has a block on its own.
    let a = random_symmetric(150, 4);
    let solve = |threads| {
        Eigh::new()
            .method(Method::Jacobi)
            .exec(Exec::default().with_threads(threads))
            .solve(&a)
            .unwrap()
    };
    let one = solve(1);
    for threads in [2, 3] {
        assert_eq!(solve(threads), one, "{threads} threads");
    }
}

#[test]
fn blocked_jacobi_keeps_the_relative_accuracy_of_graded_matrices() {
    // A = D H D with H = I + a small symmetric perturbation (well conditioned) and
    // d_i = 10^(-8 i/(n-1)): the eigenvalues fall from about 1 to 1e-16. Their product is
    // det(H) det(D)², so Σ ln λ_i must equal ln det H + 2 Σ ln d_i. Blocks, sorting and GEMM
    // updates must not cost Jacobi the relative accuracy the scalar sweeps have.
    let n = 150;
    let mut rng = Rng::seed_from_u64(3);
    let b: Matrix<f64> = random_matrix(n, n, &mut rng);
    let scale = 0.3 / (2.0 * (n as f64).sqrt());
    let h = Matrix::from_fn(n, n, |i, j| {
        f64::from(u8::from(i == j)) + scale * (b[(i, j)] + b[(j, i)])
    });
    let d: Vec<f64> = (0..n)
        .map(|i| 10f64.powf(-8.0 * i as f64 / (n - 1) as f64))
        .collect();
    let a = Matrix::from_fn(n, n, |i, j| d[i] * h[(i, j)] * d[j]);
    let log_det =
        Cholesky::factor(&h).unwrap().log_det() + 2.0 * d.iter().map(|x| x.ln()).sum::<f64>();
    let log_product = |e: &FittedEigh| e.values.iter().map(|x| x.abs().ln()).sum::<f64>();
    let jacobi = Eigh::new().method(Method::Jacobi).solve(&a).unwrap();
    assert!(jacobi.values.iter().all(|&x| x > 0.0));
    let error = (log_product(&jacobi) - log_det).abs();
    assert!(error < 1e-10, "Jacobi: Σ ln λ off by {error:e}");
    // The tridiagonal path is accurate to n ε ‖A‖ in absolute terms only (so its smallest
    // eigenvalues may have no correct digits); it keeps that bound.
    let tridiagonal = Eigh::new().method(Method::Tridiagonal).solve(&a).unwrap();
    assert_within_absolute_bound(&tridiagonal.values, &jacobi.values, n);
}

#[test]
fn shift_invert_finds_the_smallest_pairs_of_a_laplacian_in_pieces() {
    use unsupervised::eigen::lanczos::smallest_by_shift_invert;
    // Two components (0..150 and 150..400): 0 is a double eigenvalue.
    let mut edges = random_graph(150, 300, 11);
    edges.extend(
        random_graph(250, 500, 12)
            .into_iter()
            .map(|(i, j, w)| (i + 150, j + 150, w)),
    );
    let l = laplacian(400, &edges);
    let dense = Eigh::new().solve(&l.to_dense()).unwrap();
    let norm = dense.values.last().unwrap().abs();
    let r = smallest_by_shift_invert(&l, &[], &Lanczos::new(6)).unwrap();
    for (i, (x, y)) in r.values.iter().zip(&dense.values).enumerate() {
        // The same 1e-9·‖L‖ as plain Lanczos above.
        assert!((x - y).abs() <= 1e-9 * norm, "{i}: {x} vs {y}");
    }
    assert!(
        r.residuals.iter().all(|&res| res <= 1e-8 * norm),
        "{:?}",
        r.residuals
    );
    // Inverted, the small eigenvalues are far apart: a few dozen products suffice (plain
    // Lanczos needs hundreds here).
    assert!(r.matvecs < 200, "{} products", r.matvecs);
    // Told the null space, it returns the next pairs, orthogonal to it.
    let z: Vec<Vec<f64>> = (0..2)
        .map(|c| {
            let (lo, hi) = if c == 0 { (0, 150) } else { (150, 400) };
            (0..400)
                .map(|i| {
                    if (lo..hi).contains(&i) {
                        1.0 / ((hi - lo) as f64).sqrt()
                    } else {
                        0.0
                    }
                })
                .collect()
        })
        .collect();
    let next =
        smallest_by_shift_invert(&l, &z, &Lanczos::new(3).check_multiplicity(false)).unwrap();
    for i in 0..3 {
        assert!((next.values[i] - dense.values[i + 2]).abs() <= 1e-9 * norm);
        let v = next.vectors.column(i);
        for zc in &z {
            assert!(zc.iter().zip(&v).map(|(a, b)| a * b).sum::<f64>().abs() < 1e-8);
        }
    }
    assert!(smallest_by_shift_invert(&l, &[vec![1.0; 3]], &Lanczos::new(2)).is_err());
}

/// The textbook method of Listing 2.2 is the oracle: on a small matrix (whole-matrix rounds)
/// and on one above the block size (blocked rounds), the fast paths find its eigenvalues to
/// backward-stable accuracy, and the oracle's own pairs have backward-stable residuals.
#[test]
fn cyclic_jacobi_is_the_oracle_of_the_fast_paths() {
    use unsupervised::eigen::jacobi::{cyclic_jacobi, jacobi};
    let mut rng = Rng::seed_from_u64(21);
    for n in [9, 30, 70] {
        let b: Matrix<f64> = random_matrix(n, n, &mut rng);
        let a = b.add(&b.transpose()).unwrap();
        let (mut oracle, vt) = cyclic_jacobi(&a, 50).unwrap();
        let tol = C * n as f64 * f64::EPSILON * max_abs(&a) * n as f64;
        for (k, &lambda) in oracle.iter().enumerate() {
            let v = vt.row(k).to_vec();
            let av = a.matvec(&v).unwrap();
            let res = av
                .iter()
                .zip(&v)
                .map(|(x, y)| (x - lambda * y).powi(2))
                .sum::<f64>();
            assert!(
                res.sqrt() <= tol,
                "n = {n}: oracle residual {} of pair {k}",
                res.sqrt()
            );
        }
        for threads in [1, 2] {
            let (mut fast, _, _) = jacobi(&a, 50, Exec::default().with_threads(threads)).unwrap();
            fast.sort_by(f64::total_cmp);
            oracle.sort_by(f64::total_cmp);
            assert_close(&fast, &oracle, 0.0, tol);
        }
    }
}
