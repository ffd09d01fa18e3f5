//! Answers to chapter 6's exercises.

use std::f64::consts::PI;

pub fn log_normal_pdf(x: f64, mean: f64, var: f64) -> f64 {
    -0.5 * (2.0 * PI * var).ln() - (x - mean).powi(2) / (2.0 * var)
}

pub fn e_step(x: &[f64], weights: &[f64], means: &[f64], vars: &[f64]) -> (Vec<Vec<f64>>, f64) {
    let mut log_likelihood = 0.0;
    let resp = x
        .iter()
        .map(|&x| {
            let logs: Vec<f64> = (0..weights.len())
                .map(|k| weights[k].ln() + log_normal_pdf(x, means[k], vars[k]))
                .collect();
            let top = logs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let total = top + logs.iter().map(|l| (l - top).exp()).sum::<f64>().ln();
            log_likelihood += total;
            logs.iter().map(|l| (l - total).exp()).collect()
        })
        .collect();
    (resp, log_likelihood)
}

pub fn m_step(x: &[f64], resp: &[Vec<f64>]) -> (Vec<f64>, Vec<f64>, Vec<f64>) {
    let k = resp[0].len();
    let nk: Vec<f64> = (0..k).map(|c| resp.iter().map(|r| r[c]).sum()).collect();
    let means: Vec<f64> = (0..k)
        .map(|c| x.iter().zip(resp).map(|(x, r)| r[c] * x).sum::<f64>() / nk[c])
        .collect();
    let vars = (0..k)
        .map(|c| {
            x.iter()
                .zip(resp)
                .map(|(x, r)| r[c] * (x - means[c]).powi(2))
                .sum::<f64>()
                / nk[c]
        })
        .collect();
    let weights = nk.iter().map(|n| n / x.len() as f64).collect();
    (weights, means, vars)
}
