//! Chapter 14 · Generative adversarial networks (book `14-gan.md`). Check:
//! `cargo test --test exercises gan -- --ignored`.
#![allow(unused_variables)]

/// Exercise 14.1: the optimal discriminator for fixed densities,
/// `D*(x) = p_r(x) / (p_r(x) + p_g(x))`.
///
/// Hint: for each x, maximise `p_r log D + p_g log(1 − D)` over D ∈ [0, 1].
pub fn optimal_discriminator(p_r: f64, p_g: f64) -> f64 {
    todo!("exercise 14.1: D* for fixed densities")
}

/// Exercise 14.2: the Jensen–Shannon divergence of two distributions given by their
/// masses on the same cells, in nats: `½ KL(P ‖ M) + ½ KL(Q ‖ M)` with `M = ½ (P + Q)`.
///
/// Hint: a cell where `p = 0` adds nothing to `KL(P ‖ M)` (`0 log 0 = 0`).
pub fn js_divergence(p: &[f64], q: &[f64]) -> f64 {
    todo!("exercise 14.2: the Jensen–Shannon divergence")
}

/// Exercise 14.3: PacGAN's quantity, the total variation between the m-fold products,
/// `d_TV(Pᵐ, Qᵐ) = ½ Σ_{(c_1..c_m)} |Π_t p_{c_t} − Π_t q_{c_t}|` over all `kᵐ` tuples of
/// cells.
///
/// Hint: count through the tuples like an odometer in base k.
pub fn total_variation_power(p: &[f64], q: &[f64], m: usize) -> f64 {
    todo!("exercise 14.3: the total variation of packed samples")
}

pub mod checks {
    use crate::common::assert_close;
    use std::f64::consts::LN_2;
    use unsupervised::gan::theory;

    /// The crate's D*, and the lecture's identity `V(G, D*) = −log 4 + 2 JSD(P_r ‖ P_g)`.
    pub fn optimal_discriminator(yours: fn(f64, f64) -> f64) {
        for (r, g) in [(0.3, 0.1), (0.0, 2.0), (5.0, 0.0), (1.0, 1.0)] {
            assert_eq!(
                yours(r, g),
                theory::optimal_discriminator(r, g),
                "D*({r}, {g})"
            );
        }
        let (p, q) = ([0.1, 0.4, 0.5], [0.3, 0.3, 0.4]);
        let v: f64 = p
            .iter()
            .zip(&q)
            .map(|(&r, &g)| {
                let d = yours(r, g);
                r * d.ln() + g * (1.0 - d).ln()
            })
            .sum();
        let m: Vec<f64> = p.iter().zip(&q).map(|(a, b)| 0.5 * (a + b)).collect();
        let kl = |a: &[f64]| -> f64 { a.iter().zip(&m).map(|(a, m)| a * (a / m).ln()).sum() };
        let jsd = 0.5 * kl(&p) + 0.5 * kl(&q);
        assert_close(&[v], &[-(4f64).ln() + 2.0 * jsd], 1e-14, 0.0);
    }

    /// Zero for equal distributions, log 2 for disjoint ones, symmetric, and the
    /// discriminator's identity.
    pub fn js_divergence(yours: fn(&[f64], &[f64]) -> f64) {
        assert_close(&[yours(&[0.2, 0.8], &[0.2, 0.8])], &[0.0], 0.0, 1e-16);
        assert_close(
            &[yours(&[0.5, 0.5, 0.0], &[0.0, 0.0, 1.0])],
            &[LN_2],
            1e-15,
            0.0,
        );
        let (p, q) = ([0.1, 0.4, 0.5], [0.3, 0.3, 0.4]);
        assert_close(&[yours(&p, &q)], &[yours(&q, &p)], 1e-15, 0.0);
        let v: f64 = p
            .iter()
            .zip(&q)
            .map(|(&r, &g)| {
                let d = theory::optimal_discriminator(r, g);
                r * d.ln() + g * (1.0 - d).ln()
            })
            .sum();
        assert_close(&[yours(&p, &q)], &[(v + (4f64).ln()) / 2.0], 1e-14, 0.0);
    }

    /// The crate's values on Lin et al.'s example: both generators sit at `d_TV = 0.2`,
    /// and packing two samples separates the collapsed one.
    pub fn total_variation_power(yours: fn(&[f64], &[f64], usize) -> f64) {
        let (p, collapsed, spread) = theory::pacgan_example();
        for m in 1..=4 {
            for q in [&collapsed, &spread] {
                let expected = theory::total_variation_power(&p, q, m).unwrap();
                assert_close(&[yours(&p, q, m)], &[expected], 1e-14, 1e-15);
            }
        }
        assert_close(
            &[yours(&p, &collapsed, 1), yours(&p, &spread, 1)],
            &[0.2, 0.2],
            1e-14,
            0.0,
        );
        let (c2, s2) = (yours(&p, &collapsed, 2), yours(&p, &spread, 2));
        assert!(c2 > s2, "packed in pairs, the collapsed generator ({c2}) should be farther than the spread one ({s2})");
    }
}
