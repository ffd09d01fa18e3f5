//! Chapter 13 · Variational autoencoders (book `13-vae.md`). Check:
//! `cargo test --test exercises vae -- --ignored`.
#![allow(unused_variables)]

/// Exercise 13.1: the ELBO's regulariser in closed form,
/// `KL(𝒩(μ, diag σ²) ‖ 𝒩(0, I)) = ½ Σ_j (μ_j² + σ_j² − log σ_j² − 1)`, from `μ` and
/// `log σ²` (what the encoder outputs).
pub fn kl_standard_normal(mu: &[f64], log_var: &[f64]) -> f64 {
    todo!("exercise 13.1: the KL term of the ELBO")
}

/// Exercise 13.2: the reparameterisation trick: `z = μ + σ ⊙ ε` with `σ = exp(½ log σ²)`.
///
/// Hint: all the randomness is in `ε`; `z` is then a differentiable function of `μ` and
/// `log σ²`.
pub fn reparameterize(mu: &[f64], log_var: &[f64], eps: &[f64]) -> Vec<f64> {
    todo!("exercise 13.2: z = μ + σ ε")
}

/// Exercise 13.3: the importance-sampled log-likelihood from K log-weights
/// `log w_k = log p(x, z_k) − log q(z_k | x)`: `log (1/K) Σ_k w_k`.
///
/// Hint: the weights of a real VAE are around e^{−100}: subtract the largest `log w_k`
/// before `exp` (log-sum-exp). By Jensen the result is never below the mean of the
/// `log w_k`, the ELBO's estimate.
pub fn importance_log_likelihood(log_weights: &[f64]) -> f64 {
    todo!("exercise 13.3: log of the mean weight, without underflow")
}

pub mod checks {
    use crate::common::assert_close;
    use std::f64::consts::PI;
    use unsupervised::autodiff::{Graph, Tensor};
    use unsupervised::vae::log_sum_exp;
    use unsupervised::Rng;

    /// Zero at the prior; a 1-D case against numerical integration of `q log(q/p)`.
    pub fn kl_standard_normal(yours: fn(&[f64], &[f64]) -> f64) {
        assert_eq!(
            yours(&[0.0, 0.0], &[0.0, 0.0]),
            0.0,
            "KL(prior ‖ prior) = 0"
        );
        let (mu, log_var) = (0.8f64, (0.25f64).ln());
        let sd = log_var.exp().sqrt();
        let h = 1e-3;
        let integral: f64 = (-8000..8000)
            .map(|i| {
                let z = mu + i as f64 * h;
                let q = (-(z - mu).powi(2) / (2.0 * sd * sd)).exp() / (2.0 * PI * sd * sd).sqrt();
                let p = (-z * z / 2.0).exp() / (2.0 * PI).sqrt();
                q * (q / p).ln() * h
            })
            .sum();
        assert_close(&[yours(&[mu], &[log_var])], &[integral], 1e-6, 0.0);
        let two = yours(&[mu, -1.0], &[log_var, 0.3]);
        let sum = yours(&[mu], &[log_var]) + yours(&[-1.0], &[0.3]);
        assert_close(&[two], &[sum], 1e-14, 0.0);
    }

    /// The crate's sampler, and the moments of 20,000 draws.
    pub fn reparameterize(yours: fn(&[f64], &[f64], &[f64]) -> Vec<f64>) {
        let (mu, log_var, eps) = (
            [0.5, -1.0, 2.0],
            [0.0, (4.0f64).ln(), -2.0],
            [1.0, -0.5, 0.3],
        );
        let found = yours(&mu, &log_var, &eps);
        let mut g = Graph::<f32>::new();
        let f = |v: &[f64]| Tensor::new(&[3], v.iter().map(|&x| x as f32).collect()).unwrap();
        let (m, l) = (g.constant(f(&mu)), g.constant(f(&log_var)));
        let z = unsupervised::vae::reparameterize(&mut g, m, l, f(&eps)).unwrap();
        let expected: Vec<f64> = g.value(z).data().iter().map(|&v| v as f64).collect();
        assert_close(&found, &expected, 1e-6, 1e-6);
        let mut rng = Rng::seed_from_u64(20);
        let draws: Vec<f64> = (0..20_000)
            .map(|_| yours(&[1.5], &[(0.09f64).ln()], &[rng.normal()])[0])
            .collect();
        let mean = draws.iter().sum::<f64>() / 2e4;
        let var = draws.iter().map(|z| (z - mean).powi(2)).sum::<f64>() / 2e4;
        // Four standard errors: 0.3/√20000 for the mean, 0.09·√(2/20000) for the variance.
        assert!(
            (mean - 1.5).abs() < 4.0 * 0.3 / (2e4f64).sqrt(),
            "mean of z {mean}, expected 1.5"
        );
        assert!(
            (var - 0.09).abs() < 4.0 * 0.09 * (1e-4f64).sqrt(),
            "variance of z {var}, expected 0.09"
        );
    }

    /// `log_sum_exp − log K`; finite around −1000; never below the mean log-weight.
    pub fn importance_log_likelihood(yours: fn(&[f64]) -> f64) {
        let w = [-1000.0, -1001.5, -999.2, -1003.0];
        let found = yours(&w);
        assert!(found.is_finite(), "log-weights near −1000 gave {found}");
        assert_close(&[found], &[log_sum_exp(&w) - (4f64).ln()], 1e-14, 0.0);
        let mean = w.iter().sum::<f64>() / 4.0;
        assert!(found >= mean, "{found} is below the ELBO estimate {mean}");
        assert_close(&[yours(&[-7.0; 5])], &[-7.0], 1e-15, 0.0);
    }
}
