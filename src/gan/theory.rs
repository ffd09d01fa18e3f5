//! The game on paper: densities known in closed form, so every claim of lectures 000 and
//! 002 about the optimal discriminator, the Jensen–Shannon divergence, the Wasserstein
//! distance and total variation can be computed exactly and compared with training.

use crate::error::{Error, Result};
use std::f64::consts::LN_2;

/// A density on the real line that can be evaluated: the 1-D problems of the chapter.
#[derive(Clone, Debug, PartialEq)]
pub enum Density {
    /// A mixture of Gaussians: `(weight, mean, standard deviation)` per component.
    Gaussians(Vec<(f64, f64, f64)>),
    /// The uniform density on `[low, high]`.
    Uniform { low: f64, high: f64 },
}

impl Density {
    /// One Gaussian.
    pub fn normal(mean: f64, sd: f64) -> Density {
        Density::Gaussians(vec![(1.0, mean, sd)])
    }
    pub fn pdf(&self, x: f64) -> f64 {
        match self {
            Density::Gaussians(parts) => parts
                .iter()
                .map(|&(w, m, s)| {
                    let z = (x - m) / s;
                    w * (-0.5 * z * z).exp() / (s * (2.0 * std::f64::consts::PI).sqrt())
                })
                .sum(),
            &Density::Uniform { low, high } => {
                if (low..=high).contains(&x) {
                    1.0 / (high - low)
                } else {
                    0.0
                }
            }
        }
    }
    /// Draws `n` samples.
    pub fn sample(&self, n: usize, rng: &mut crate::Rng) -> Result<Vec<f64>> {
        let weights: Vec<f64> = match self {
            Density::Gaussians(parts) => parts.iter().map(|p| p.0).collect(),
            Density::Uniform { .. } => Vec::new(),
        };
        let mut out = Vec::with_capacity(n);
        for _ in 0..n {
            out.push(match self {
                Density::Gaussians(parts) => {
                    let (_, m, s) = parts[rng.weighted_index(&weights)?];
                    rng.gaussian(m, s)
                }
                &Density::Uniform { low, high } => rng.uniform(low, high),
            });
        }
        Ok(out)
    }
}

/// Simpson intervals for the integrals over the line: ample for densities this smooth.
const INTERVALS: usize = 20_000;

/// Composite Simpson's rule with `intervals` (rounded up to even) pieces on `[a, b]`.
pub fn integrate(f: impl Fn(f64) -> f64, a: f64, b: f64, intervals: usize) -> f64 {
    let n = (intervals.max(2) + 1) & !1;
    let h = (b - a) / n as f64;
    let inner: f64 = (1..n)
        .map(|i| f(a + i as f64 * h) * if i % 2 == 1 { 4.0 } else { 2.0 })
        .sum();
    (f(a) + f(b) + inner) * h / 3.0
}

/// `p log(p/q)`, with `0 log 0 = 0`.
fn plogp(p: f64, q: f64) -> f64 {
    if p > 0.0 {
        p * (p / q).ln()
    } else {
        0.0
    }
}

// ANCHOR: optimal_discriminator
/// The discriminator that maximises `V(G, D) = E_r[log D] + E_g[log(1 − D)]` for fixed
/// densities: pointwise, `p_r log D + p_g log(1 − D)` peaks at `D = p_r / (p_r + p_g)`,
/// the same argument as the MLE of a coin, `θ̂ = heads / (heads + tails)`.
pub fn optimal_discriminator(p_r: f64, p_g: f64) -> f64 {
    p_r / (p_r + p_g)
}
// ANCHOR_END: optimal_discriminator

/// `log(1 + eˣ)` without overflow.
fn softplus(x: f64) -> f64 {
    x.max(0.0) + (-x.abs()).exp().ln_1p()
}

/// `V(G, D) = ∫ p_r log D + p_g log(1 − D)` on `[a, b]` by Simpson's rule, for the
/// discriminator `D = 1/(1 + e^{−f})` given by its logit `f`: `log D = −softplus(−f)` and
/// `log(1 − D) = −softplus(f)` stay accurate where `D` rounds to 0 or 1.
pub fn value(r: &Density, g: &Density, logit: impl Fn(f64) -> f64, a: f64, b: f64) -> f64 {
    integrate(
        |x| {
            let f = logit(x);
            -r.pdf(x) * softplus(-f) - g.pdf(x) * softplus(f)
        },
        a,
        b,
        INTERVALS,
    )
}

/// The logit of [`optimal_discriminator`]: `log p_r − log p_g`.
pub fn optimal_logit(p_r: f64, p_g: f64) -> f64 {
    p_r.ln() - p_g.ln()
}

/// `JS(p_r ‖ p_g) = ½ KL(p_r ‖ m) + ½ KL(p_g ‖ m)` with `m = (p_r + p_g)/2`, on `[a, b]`.
/// Between 0 (equal) and `log 2` (disjoint supports).
pub fn js_divergence(r: &Density, g: &Density, a: f64, b: f64) -> f64 {
    integrate(
        |x| {
            let (pr, pg) = (r.pdf(x), g.pdf(x));
            let m = 0.5 * (pr + pg);
            0.5 * plogp(pr, m) + 0.5 * plogp(pg, m)
        },
        a,
        b,
        INTERVALS,
    )
}

/// `log 2`: the Jensen–Shannon divergence of distributions with disjoint supports.
pub const JS_DISJOINT: f64 = LN_2;

// ANCHOR: wasserstein_1d
/// The earth mover's distance `W₁` between two samples on the line, exactly: in one
/// dimension the optimal plan moves mass in sorted order, so `W₁ = ∫ |F_a(x) − F_b(x)| dx`
/// over the empirical distribution functions (for equal sizes, the mean of
/// `|a₍ᵢ₎ − b₍ᵢ₎|`).
pub fn wasserstein_1d(a: &[f64], b: &[f64]) -> Result<f64> {
    for (x, what) in [(a, "first sample"), (b, "second sample")] {
        if x.is_empty() {
            return Err(Error::Empty { input: what });
        }
        if let Some(v) = x.iter().find(|v| !v.is_finite()) {
            return Err(Error::invalid(what, v, "must be finite"));
        }
    }
    let sorted = |x: &[f64]| {
        let mut s = x.to_vec();
        s.sort_by(f64::total_cmp);
        s
    };
    let (a, b) = (sorted(a), sorted(b));
    let (wa, wb) = (1.0 / a.len() as f64, 1.0 / b.len() as f64);
    // Sweep the merged points; between consecutive ones both CDFs are constant.
    let (mut i, mut j, mut fa, mut fb, mut total) = (0, 0, 0.0f64, 0.0f64, 0.0);
    let mut x = a[0].min(b[0]);
    while i < a.len() || j < b.len() {
        let next = match (a.get(i), b.get(j)) {
            (Some(&p), Some(&q)) => p.min(q),
            (Some(&p), None) => p,
            (None, Some(&q)) => q,
            (None, None) => break,
        };
        total += (fa - fb).abs() * (next - x);
        x = next;
        while a.get(i) == Some(&next) {
            fa += wa;
            i += 1;
        }
        while b.get(j) == Some(&next) {
            fb += wb;
            j += 1;
        }
    }
    Ok(total)
}
// ANCHOR_END: wasserstein_1d

// ANCHOR: total_variation
/// `d_TV(Pᵐ, Qᵐ)` for distributions given by their masses on the same cells (on which
/// both densities are constant, so the value is exact): half the L1 distance between the
/// product masses, summed over all `kᵐ` tuples of cells. `m = 1` is `d_TV(P, Q)`.
pub fn total_variation_power(p: &[f64], q: &[f64], m: usize) -> Result<f64> {
    if p.len() != q.len() || p.is_empty() {
        return Err(Error::invalid(
            "cells",
            format!("{} and {}", p.len(), q.len()),
            "P and Q need masses on the same, non-empty list of cells",
        ));
    }
    for (x, what) in [(p, "P"), (q, "Q")] {
        let total: f64 = x.iter().sum();
        if x.iter().any(|v| v.is_nan() || *v < 0.0) || (total - 1.0).abs() > 1e-9 {
            return Err(Error::invalid(
                what,
                total,
                "masses must be ≥ 0 and sum to 1",
            ));
        }
    }
    let tuples = (p.len() as f64).powi(m as i32);
    if m == 0 || tuples > 1e8 {
        return Err(Error::invalid(
            "m",
            m,
            format!("need 1 ≤ m and at most 10⁸ tuples of {} cells", p.len()),
        ));
    }
    // Odometer over the tuples, carrying the products of the masses.
    let (k, mut idx, mut sum) = (p.len(), vec![0usize; m], 0.0);
    loop {
        let (pp, qq) = idx
            .iter()
            .fold((1.0, 1.0), |(a, b), &c| (a * p[c], b * q[c]));
        sum += (pp - qq).abs();
        let mut d = 0;
        while d < m && idx[d] + 1 == k {
            idx[d] = 0;
            d += 1;
        }
        if d == m {
            break;
        }
        idx[d] += 1;
    }
    Ok(0.5 * sum)
}
// ANCHOR_END: total_variation

// ANCHOR: pacgan_example
/// Lin et al.'s example of packing (PacGAN, NeurIPS 2018, Figure 3) on `[0, 1]` cut into
/// the cells `[0, 0.2], [0.2, 0.5], [0.5, 1]`: the target `P = U[0, 1]`, a collapsed
/// `Q₁ = U[0.2, 1]` (missing a fifth of the mass) and a spread `Q₂` with density 1.4 on
/// `[0, ½]` and 0.6 on `[½, 1]`. Returns the masses `(P, Q₁, Q₂)`.
pub fn pacgan_example() -> (Vec<f64>, Vec<f64>, Vec<f64>) {
    let widths = [0.2, 0.3, 0.5];
    let mass = |density: [f64; 3]| -> Vec<f64> {
        widths.iter().zip(density).map(|(w, d)| w * d).collect()
    };
    (
        mass([1.0, 1.0, 1.0]),
        mass([0.0, 1.25, 1.25]),
        mass([1.4, 1.4, 0.6]),
    )
}
// ANCHOR_END: pacgan_example
