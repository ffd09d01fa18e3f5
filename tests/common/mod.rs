//! Helpers shared by the integration tests.
#![allow(dead_code)]

use unsupervised::linalg::{Matrix, Scalar};
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

/// Bit patterns, for "identical for any thread count" assertions.
pub fn bits<T: Scalar>(x: &[T]) -> Vec<u64> {
    x.iter().map(|v| v.to_f64().to_bits()).collect()
}
