//! Helpers shared by the integration tests.
#![allow(dead_code)]

use unsupervised::linalg::{Matrix, Scalar};

/// The sixteen chapters of the crate, in reading order (the book's `NN-name.md`).
pub const CHAPTERS: [&str; 16] = [
    "linalg",
    "eigen",
    "pca",
    "kmeans",
    "hierarchical",
    "mixture",
    "spectral",
    "manifold",
    "tsne",
    "autodiff",
    "nn",
    "autoencoder",
    "vae",
    "gan",
    "visualize",
    "image_prior",
];
use unsupervised::Rng;

/// Fails with the worst entry and its index when `|actual - expected| > atol + rtol·|expected|`
/// anywhere.
#[track_caller]
pub fn assert_close<T: Scalar>(actual: &[T], expected: &[T], rtol: f64, atol: f64) {
    assert_eq!(actual.len(), expected.len(), "lengths differ");
    let mut worst: Option<(usize, f64, f64)> = None;
    for (i, (&a, &e)) in actual.iter().zip(expected).enumerate() {
        let (a, e) = (a.to_f64(), e.to_f64());
        let excess = (a - e).abs() - (atol + rtol * e.abs());
        // NaN counts as a failure.
        let fails = excess.is_nan() || excess > 0.0;
        if fails && worst.is_none_or(|(_, w, _)| excess > w) {
            worst = Some((i, excess, a - e));
        }
    }
    if let Some((i, _, diff)) = worst {
        panic!(
            "not close at index {i}: actual {} expected {} (diff {diff:e}, rtol {rtol:e}, atol {atol:e})",
            actual[i], expected[i]
        );
    }
}

/// A matrix with entries uniform in [-1, 1).
pub fn random_matrix<T: Scalar>(rows: usize, cols: usize, rng: &mut Rng) -> Matrix<T> {
    Matrix::from_fn(rows, cols, |_, _| T::from_f64(rng.uniform(-1.0, 1.0)))
}

/// A random symmetric positive-definite matrix `B Bᵀ + n I`.
pub fn random_spd(n: usize, rng: &mut Rng) -> Matrix<f64> {
    let b: Matrix<f64> = random_matrix(n, n, rng);
    let mut a = b.matmul_t(&b).unwrap();
    for i in 0..n {
        a[(i, i)] += n as f64;
    }
    a
}

/// `‖xᵢ - xⱼ‖²` between rows i and j, term by term: the tests' own distances, independent
/// of the crate's kernels.
pub fn sq_dist(x: &Matrix<f64>, i: usize, j: usize) -> f64 {
    x.row(i)
        .iter()
        .zip(x.row(j))
        .map(|(a, b)| (a - b) * (a - b))
        .sum()
}

/// Bit patterns, for "identical for any thread count" assertions.
pub fn bits<T: Scalar>(x: &[T]) -> Vec<u64> {
    x.iter().map(|v| v.to_f64().to_bits()).collect()
}

/// Fits an estimator with a count (clusters or components) on a number of threads and
/// returns the numbers it learned.
pub type FitFn<'a> = &'a dyn Fn(&Matrix<f64>, usize, usize) -> unsupervised::Result<Vec<f64>>;

/// One estimator under the shared battery: how to fit it with a count (clusters or
/// components) on a number of threads, returning the numbers it learned.
pub struct Estimator<'a> {
    pub name: &'static str,
    /// The count the battery uses on its data (60 points around 3 centres in 4-D).
    pub count: usize,
    pub fit: FitFn<'a>,
}

/// The checks every estimator must pass, in the spirit of scikit-learn's `check_estimator`:
/// the same seed gives the same bits on one and on two threads and on a second fit; a
/// count of 0, a count above the number of points, an empty input and a NaN entry give an
/// `Err`; one sample gives an `Ok` or an `Err`; nothing panics.
#[track_caller]
pub fn check_estimator(e: Estimator<'_>) {
    let name = e.name;
    let x = unsupervised::datasets::blobs(60, 4, 3, 1.0, 11).unwrap().x;
    let fit = |x: &Matrix<f64>, count: usize, threads: usize| {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| (e.fit)(x, count, threads)))
            .unwrap_or_else(|_| panic!("{name} panicked on a {}x{} input", x.rows(), x.cols()))
    };
    let one = fit(&x, e.count, 1).unwrap_or_else(|err| panic!("{name}: {err}"));
    assert!(
        one.iter().all(|v| v.is_finite()),
        "{name}: non-finite result"
    );
    assert_eq!(
        bits(&one),
        bits(&fit(&x, e.count, 2).unwrap()),
        "{name}: 1 and 2 threads differ"
    );
    assert_eq!(
        bits(&one),
        bits(&fit(&x, e.count, 1).unwrap()),
        "{name}: refit differs"
    );
    assert!(fit(&x, 0, 1).is_err(), "{name}: a count of 0 was accepted");
    let few = Matrix::from_fn(e.count - 1, 4, |i, j| (i * 4 + j) as f64);
    assert!(
        fit(&few, e.count, 1).is_err(),
        "{name}: {} points for a count of {} were accepted",
        e.count - 1,
        e.count
    );
    assert!(
        fit(&Matrix::zeros(0, 4), e.count, 1).is_err(),
        "{name}: empty input accepted"
    );
    let mut nan = x.clone();
    nan[(7, 2)] = f64::NAN;
    assert!(fit(&nan, e.count, 1).is_err(), "{name}: NaN accepted");
    let _ = fit(&Matrix::from_fn(1, 4, |_, j| j as f64), 1, 1);
}
