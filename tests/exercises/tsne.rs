//! Chapter 9 · t-SNE (book `09-tsne.md`). Check:
//! `cargo test --test exercises tsne -- --ignored`.
#![allow(unused_variables)]

use unsupervised::Matrix;

/// Exercise 9.1: one point's conditional probabilities `p_j = exp(−β d_j) / Σ_k exp(−β d_k)`
/// over its squared distances `d` to the other points, and their entropy
/// `H = −Σ_j p_j ln p_j` in nats (the perplexity is `exp(H)`).
///
/// Hint: subtract the smallest `d_j` before `exp`: P is unchanged, and distances of 10⁴
/// no longer underflow to 0/0.
pub fn conditional_row(d2: &[f64], beta: f64) -> (Vec<f64>, f64) {
    todo!("exercise 9.1: Gaussian conditionals and their entropy")
}

/// Exercise 9.2: the precision `β = 1/(2σ²)` at which the row's perplexity `exp(H)` is
/// `perplexity` (within 1e-6 relative).
///
/// Hint: H falls as β grows, so bisect: start from β = 1 and double or halve until the
/// target is bracketed, then halve the bracket (in log β is safest) until it is met.
pub fn perplexity_search(d2: &[f64], perplexity: f64) -> f64 {
    todo!("exercise 9.2: find β by bisection")
}

/// Exercise 9.3: the gradient of `KL(P ‖ Q)` for the joint `P` (symmetric, zero diagonal,
/// summing to one) and the embedding `y` (one row per point):
/// `∂C/∂y_i = 4 Σ_j (p_ij − q_ij)(y_i − y_j)(1 + ‖y_i − y_j‖²)⁻¹` with
/// `q_ij = (1 + ‖y_i − y_j‖²)⁻¹ / Σ_{k≠l} (1 + ‖y_k − y_l‖²)⁻¹`.
pub fn kl_gradient(p: &Matrix<f64>, y: &Matrix<f64>) -> Matrix<f64> {
    todo!("exercise 9.3: the t-SNE gradient")
}

pub mod checks {
    use crate::common::{assert_close, random_matrix};
    use unsupervised::linalg::{pairwise_sq_dists, Exec};
    use unsupervised::tsne::{calibrate_perplexity, dense_joint, exact_gradient};
    use unsupervised::{Matrix, Rng};

    fn row() -> Vec<f64> {
        let mut rng = Rng::seed_from_u64(11);
        (0..30).map(|_| rng.uniform(0.5, 9.0)).collect()
    }

    /// Sums to one; H by its definition; uniform at β = 0; no NaN far away.
    pub fn conditional_row(yours: fn(&[f64], f64) -> (Vec<f64>, f64)) {
        let d = row();
        let (p, h) = yours(&d, 0.7);
        let s: f64 = p.iter().sum();
        assert!((s - 1.0).abs() < 1e-12, "P sums to {s}, expected 1");
        let z: f64 = d.iter().map(|v| (-0.7 * v).exp()).sum();
        let direct: Vec<f64> = d.iter().map(|v| (-0.7 * v).exp() / z).collect();
        assert_close(&p, &direct, 1e-12, 1e-300);
        let entropy: f64 = -direct.iter().map(|q| q * q.ln()).sum::<f64>();
        assert_close(&[h], &[entropy], 1e-12, 0.0);
        let (_, h0) = yours(&d, 0.0);
        assert_close(&[h0], &[(30f64).ln()], 1e-12, 0.0);
        let far: Vec<f64> = d.iter().map(|v| v + 1e4).collect();
        let (p, h) = yours(&far, 0.7);
        assert!(
            h.is_finite() && p.iter().all(|v| v.is_finite()),
            "NaN or ∞ for distances near 10⁴"
        );
    }

    /// Hits the target perplexity, at the crate's β.
    pub fn perplexity_search(yours: fn(&[f64], f64) -> f64) {
        let d = row();
        for target in [2.0, 5.0, 20.0] {
            let beta = yours(&d, target);
            let z: f64 = d.iter().map(|v| (-beta * v).exp()).sum();
            let h: f64 = -d
                .iter()
                .map(|v| (-beta * v).exp() / z)
                .map(|q| q * q.ln())
                .sum::<f64>();
            assert!(
                (h.exp() - target).abs() < 1e-5 * target,
                "perplexity {} at β = {beta}, expected {target}",
                h.exp()
            );
            let expected = calibrate_perplexity(&d, target).beta;
            assert_close(&[beta], &[expected], 1e-4, 0.0);
        }
    }

    /// The crate's exact gradient and a central finite difference of the KL divergence.
    pub fn kl_gradient(yours: fn(&Matrix<f64>, &Matrix<f64>) -> Matrix<f64>) {
        let mut rng = Rng::seed_from_u64(12);
        let x = random_matrix::<f64>(12, 4, &mut rng);
        let d2 = pairwise_sq_dists(&x, &x, Exec::serial()).unwrap();
        let conditional = Matrix::from_fn(
            12,
            12,
            |i, j| if i == j { 0.0 } else { (-d2[(i, j)]).exp() },
        );
        let conditional = Matrix::from_fn(12, 12, |i, j| {
            conditional[(i, j)] / conditional.row(i).iter().sum::<f64>()
        });
        let p = dense_joint(&conditional);
        let y = random_matrix::<f64>(12, 2, &mut rng);
        let grad = yours(&p, &y);
        assert_eq!(grad.shape(), (12, 2));
        let mut expected = vec![0.0; 24];
        exact_gradient(&p, &y, 1.0, false, &mut expected, Exec::serial()).unwrap();
        assert_close(grad.as_slice(), &expected, 1e-10, 1e-12);
        let kl = |y: &Matrix<f64>| -> f64 {
            let w = Matrix::from_fn(12, 12, |i, j| {
                if i == j {
                    0.0
                } else {
                    1.0 / (1.0 + (y[(i, 0)] - y[(j, 0)]).powi(2) + (y[(i, 1)] - y[(j, 1)]).powi(2))
                }
            });
            let z: f64 = w.as_slice().iter().sum();
            (0..144)
                .filter(|&k| p.as_slice()[k] > 0.0)
                .map(|k| p.as_slice()[k] * (p.as_slice()[k] / (w.as_slice()[k] / z)).ln())
                .sum()
        };
        let h = 1e-6;
        for k in 0..24 {
            let (mut up, mut down) = (y.clone(), y.clone());
            up.as_mut_slice()[k] += h;
            down.as_mut_slice()[k] -= h;
            let numeric = (kl(&up) - kl(&down)) / (2.0 * h);
            assert_close(&[grad.as_slice()[k]], &[numeric], 1e-5, 1e-8);
        }
    }
}
