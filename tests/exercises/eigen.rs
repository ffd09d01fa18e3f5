//! Chapter 2 · Eigenproblems (book `02-eigen.md`). Check:
//! `cargo test --test exercises eigen -- --ignored`.
#![allow(unused_variables)]

use unsupervised::Matrix;

/// Exercise 2.1: the power method. Starting from the all-ones vector, repeat
/// `v ← A v / ‖A v‖` for `iterations` steps and return the Rayleigh quotient
/// `λ = vᵀ A v` with the unit vector `v`: the eigenpair of largest `|λ|`.
///
/// Hint: the error shrinks like `|λ₂/λ₁|^t`; `Matrix::matvec` does `A v`.
pub fn power_iteration(a: &Matrix<f64>, iterations: usize) -> (f64, Vec<f64>) {
    todo!("exercise 2.1: the power method")
}

/// Exercise 2.2: Jacobi's rotation. Return `(c, s)`, `c² + s² = 1`, such that with
/// `J = [[c, s], [−s, c]]` the matrix `Jᵀ [[a_pp, a_pq], [a_pq, a_qq]] J` is diagonal.
///
/// Hint: with `θ = (a_qq − a_pp) / (2 a_pq)`, take the smaller root
/// `t = sign(θ) / (|θ| + √(θ² + 1))` of `t² + 2θt − 1 = 0`, then `c = 1/√(t² + 1)`, `s = t c`.
/// When `a_pq = 0` nothing needs rotating.
pub fn jacobi_rotation(app: f64, aqq: f64, apq: f64) -> (f64, f64) {
    todo!("exercise 2.2: the rotation that zeroes a_pq")
}

/// Exercise 2.3: Hotelling's deflation. Given an eigenpair `(λ, v)` of the symmetric `A`
/// with `‖v‖ = 1`, return `A − λ v vᵀ`: the same eigenvectors, with `λ` replaced by 0, so
/// that the power method finds the next eigenpair.
pub fn deflate(a: &Matrix<f64>, value: f64, vector: &[f64]) -> Matrix<f64> {
    todo!("exercise 2.3: A − λ v vᵀ")
}

pub mod checks {
    use crate::common::random_spd;
    use unsupervised::checks::eigenpair_residual;
    use unsupervised::eigen::{Eigh, Order};
    use unsupervised::{Matrix, Rng};

    /// A symmetric matrix with known, well separated eigenvalues 10, 5, 2, 1, 0.5.
    fn known() -> (Matrix<f64>, Vec<f64>) {
        let values = vec![10.0, 5.0, 2.0, 1.0, 0.5];
        let q = Eigh::default()
            .solve(&random_spd(5, &mut Rng::seed_from_u64(4)))
            .unwrap()
            .vectors;
        let a = Matrix::from_fn(5, 5, |i, j| {
            (0..5).map(|k| q[(i, k)] * values[k] * q[(j, k)]).sum()
        });
        (a, values)
    }

    /// The eigenvalue 10 to 1e-10 and a residual `‖Av − λv‖` at rounding level.
    pub fn power_iteration(yours: fn(&Matrix<f64>, usize) -> (f64, Vec<f64>)) {
        let (a, values) = known();
        let (value, vector) = yours(&a, 60);
        assert!(
            (value - values[0]).abs() < 1e-10,
            "expected the largest eigenvalue {}, found {value}",
            values[0]
        );
        let residual = eigenpair_residual(&a, value, &vector).unwrap();
        assert!(
            residual < 1e-10,
            "‖Av − λv‖/(‖A‖‖v‖) = {residual:e}: not an eigenpair"
        );
    }

    /// `c² + s² = 1` and the rotated off-diagonal entry vanishes, also for `a_pp = a_qq`.
    pub fn jacobi_rotation(yours: fn(f64, f64, f64) -> (f64, f64)) {
        for (app, aqq, apq) in [
            (2.0, 1.0, 0.5),
            (1.0, 1.0, 3.0),
            (-4.0, 7.0, -0.25),
            (3.0, 1.0, 0.0),
        ] {
            let (c, s) = yours(app, aqq, apq);
            assert!(
                (c * c + s * s - 1.0).abs() < 1e-15,
                "c² + s² = {}",
                c * c + s * s
            );
            // (Jᵀ A J)_pq with J = [[c, s], [−s, c]].
            let off = c * s * (app - aqq) + (c * c - s * s) * apq;
            let scale = app.abs() + aqq.abs() + apq.abs();
            assert!(
                off.abs() <= 4.0 * f64::EPSILON * scale,
                "a_pp = {app}, a_qq = {aqq}, a_pq = {apq}: the rotated a_pq is {off:e}, expected 0"
            );
        }
    }

    /// The deflated matrix keeps A's other eigenpairs and sends λ to 0.
    pub fn deflate(yours: fn(&Matrix<f64>, f64, &[f64]) -> Matrix<f64>) {
        let (a, values) = known();
        let solved = Eigh::default().order(Order::Descending).solve(&a).unwrap();
        let v0 = solved.vector(0);
        let b = yours(&a, solved.values[0], &v0);
        let residual = eigenpair_residual(&b, 0.0, &v0).unwrap();
        assert!(
            residual < 1e-12,
            "v₁ is not an eigenvector of eigenvalue 0 after deflation ({residual:e})"
        );
        for (k, &value) in values.iter().enumerate().skip(1) {
            let residual = eigenpair_residual(&b, value, &solved.vector(k)).unwrap();
            assert!(
                residual < 1e-12,
                "eigenpair {k} (λ = {value}) was changed ({residual:e})"
            );
        }
    }
}
