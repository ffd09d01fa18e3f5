//! Answers to chapter 13's exercises.

pub fn kl_standard_normal(mu: &[f64], log_var: &[f64]) -> f64 {
    0.5 * mu
        .iter()
        .zip(log_var)
        .map(|(m, lv)| m * m + lv.exp() - lv - 1.0)
        .sum::<f64>()
}

pub fn reparameterize(mu: &[f64], log_var: &[f64], eps: &[f64]) -> Vec<f64> {
    mu.iter()
        .zip(log_var)
        .zip(eps)
        .map(|((m, lv), e)| m + (0.5 * lv).exp() * e)
        .collect()
}

pub fn importance_log_likelihood(log_weights: &[f64]) -> f64 {
    let top = log_weights
        .iter()
        .copied()
        .fold(f64::NEG_INFINITY, f64::max);
    let mean = log_weights.iter().map(|l| (l - top).exp()).sum::<f64>() / log_weights.len() as f64;
    top + mean.ln()
}
