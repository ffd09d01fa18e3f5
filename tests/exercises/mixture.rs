//! Chapter 6 · Mixture models and EM (book `06-mixture.md`), in one dimension. Check:
//! `cargo test --test exercises mixture -- --ignored`.
#![allow(unused_variables)]

/// Exercise 6.1: `log N(x | μ, σ²) = −½ log(2π σ²) − (x − μ)² / (2σ²)`.
///
/// Hint: work with logs throughout; `N` itself underflows to 0 beyond about 38 σ.
pub fn log_normal_pdf(x: f64, mean: f64, var: f64) -> f64 {
    todo!("exercise 6.1: the log-density of a normal")
}

/// Exercise 6.2: the E-step of a 1-D Gaussian mixture. Return the responsibilities
/// `γ_ik = π_k N(x_i | μ_k, σ_k²) / Σ_j π_j N(x_i | μ_j, σ_j²)` (one row per point) and the
/// log-likelihood `Σ_i log Σ_k π_k N(x_i | μ_k, σ_k²)`.
///
/// Hint: compute `log π_k + log N` per component and use the log-sum-exp trick (subtract
/// the row's maximum before `exp`): a point far from every component must still get a
/// row that sums to one.
pub fn e_step(x: &[f64], weights: &[f64], means: &[f64], vars: &[f64]) -> (Vec<Vec<f64>>, f64) {
    todo!("exercise 6.2: responsibilities and the log-likelihood")
}

/// Exercise 6.3: the M-step. From the responsibilities, with `N_k = Σ_i γ_ik`: the weights
/// `π_k = N_k / n`, means `μ_k = Σ_i γ_ik x_i / N_k` and variances
/// `σ_k² = Σ_i γ_ik (x_i − μ_k)² / N_k` (the new mean inside).
pub fn m_step(x: &[f64], resp: &[Vec<f64>]) -> (Vec<f64>, Vec<f64>, Vec<f64>) {
    todo!("exercise 6.3: weights, means and variances from the responsibilities")
}

pub mod checks {
    use crate::common::assert_close;
    use std::f64::consts::PI;
    use unsupervised::checks::never_decreases;
    use unsupervised::datasets::faithful;

    type EStep = fn(&[f64], &[f64], &[f64], &[f64]) -> (Vec<Vec<f64>>, f64);
    type MStep = fn(&[f64], &[Vec<f64>]) -> (Vec<f64>, Vec<f64>, Vec<f64>);

    fn waiting() -> Vec<f64> {
        let x = faithful().unwrap().x;
        (0..x.rows()).map(|i| x[(i, 1)]).collect()
    }

    /// Closed-form values, far tails that stay finite, and a total mass of one.
    pub fn log_normal_pdf(yours: fn(f64, f64, f64) -> f64) {
        assert_close(
            &[yours(0.0, 0.0, 1.0)],
            &[-0.5 * (2.0 * PI).ln()],
            1e-15,
            0.0,
        );
        assert_close(
            &[yours(3.0, 1.0, 4.0)],
            &[-0.5 * (8.0 * PI).ln() - 0.5],
            1e-15,
            0.0,
        );
        let far = yours(1000.0, 0.0, 1.0);
        assert!(
            far.is_finite(),
            "log N(1000 | 0, 1) = {far}: keep it in logs"
        );
        let h = 0.01;
        let mass: f64 = (-1000..=1000)
            .map(|i| yours(i as f64 * h, 0.5, 0.3).exp() * h)
            .sum();
        assert!(
            (mass - 1.0).abs() < 1e-6,
            "the density integrates to {mass}, not 1"
        );
    }

    /// Rows that sum to one, even 10⁴ standard deviations out; the log-likelihood by its
    /// definition.
    pub fn e_step(yours: EStep) {
        let x = [-2.0, 0.0, 0.5, 3.0, 1e4];
        let (w, m, v) = ([0.3, 0.7], [0.0, 2.0], [1.0, 0.5]);
        let (resp, ll) = yours(&x, &w, &m, &v);
        assert_eq!(resp.len(), x.len(), "one row of responsibilities per point");
        for (i, row) in resp.iter().enumerate() {
            assert!(
                row.iter().all(|&g| (0.0..=1.0).contains(&g)),
                "row {i}: {row:?}"
            );
            let s: f64 = row.iter().sum();
            assert!(
                (s - 1.0).abs() < 1e-12,
                "row {i} (x = {}) sums to {s}, expected 1",
                x[i]
            );
        }
        let density = |x: f64, k: usize| {
            w[k] * (-(x - m[k]).powi(2) / (2.0 * v[k])).exp() / (2.0 * PI * v[k]).sqrt()
        };
        let near: f64 = x[..4]
            .iter()
            .map(|&x| (density(x, 0) + density(x, 1)).ln())
            .sum();
        let (_, ll_near) = yours(&x[..4], &w, &m, &v);
        assert_close(&[ll_near], &[near], 1e-12, 0.0);
        assert!(
            ll.is_finite() && ll < near,
            "the far point's log-likelihood is {}",
            ll - near
        );
        assert_close(
            &[resp[2][0]],
            &[density(0.5, 0) / (density(0.5, 0) + density(0.5, 1))],
            1e-12,
            0.0,
        );
    }

    /// With hard responsibilities the M-step gives each group's ML estimates; iterated
    /// with an E-step on Old Faithful's waiting times the log-likelihood never falls and
    /// reaches mixtools' −1034.002 (`normalmixEM(faithful$waiting)`).
    pub fn m_step(yours: MStep) {
        let x = [1.0, 2.0, 3.0, 10.0, 14.0];
        let hard: Vec<Vec<f64>> = x
            .iter()
            .map(|&v| {
                if v < 5.0 {
                    vec![1.0, 0.0]
                } else {
                    vec![0.0, 1.0]
                }
            })
            .collect();
        let (w, m, v) = yours(&x, &hard);
        assert_close(&w, &[0.6, 0.4], 1e-15, 0.0);
        assert_close(&m, &[2.0, 12.0], 1e-15, 0.0);
        assert_close(&v, &[2.0 / 3.0, 4.0], 1e-15, 0.0);
        let x = waiting();
        let (mut w, mut m, mut v) = (vec![0.5, 0.5], vec![50.0, 80.0], vec![100.0, 100.0]);
        let mut trace = Vec::new();
        for _ in 0..300 {
            let (resp, ll) = reference_e_step(&x, &w, &m, &v);
            trace.push(ll);
            (w, m, v) = yours(&x, &resp);
        }
        never_decreases(&trace, 1e-12).unwrap();
        let last = *trace.last().unwrap();
        assert!(
            (last + 1034.002).abs() < 1e-3,
            "log-likelihood {last}, expected −1034.002"
        );
        assert!(
            (w.iter().sum::<f64>() - 1.0).abs() < 1e-12,
            "weights {w:?} do not sum to one"
        );
    }

    /// The E-step the M-step check runs with, so that it checks your M-step alone.
    fn reference_e_step(x: &[f64], w: &[f64], m: &[f64], v: &[f64]) -> (Vec<Vec<f64>>, f64) {
        let mut ll = 0.0;
        let resp = x
            .iter()
            .map(|&x| {
                let logs: Vec<f64> = (0..w.len())
                    .map(|k| {
                        w[k].ln() - 0.5 * (2.0 * PI * v[k]).ln() - (x - m[k]).powi(2) / (2.0 * v[k])
                    })
                    .collect();
                let top = logs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                let total = top + logs.iter().map(|l| (l - top).exp()).sum::<f64>().ln();
                ll += total;
                logs.iter().map(|l| (l - total).exp()).collect()
            })
            .collect();
        (resp, ll)
    }
}
