//! Answers to chapter 14's exercises.

pub fn optimal_discriminator(p_r: f64, p_g: f64) -> f64 {
    p_r / (p_r + p_g)
}

pub fn js_divergence(p: &[f64], q: &[f64]) -> f64 {
    let kl_to_mean = |a: &[f64], b: &[f64]| -> f64 {
        a.iter()
            .zip(b)
            .filter(|(&a, _)| a > 0.0)
            .map(|(&a, &b)| a * (a / (0.5 * (a + b))).ln())
            .sum()
    };
    0.5 * kl_to_mean(p, q) + 0.5 * kl_to_mean(q, p)
}

pub fn total_variation_power(p: &[f64], q: &[f64], m: usize) -> f64 {
    let k = p.len();
    let mut cells = vec![0usize; m];
    let mut sum = 0.0;
    loop {
        let (pp, qq) = cells
            .iter()
            .fold((1.0, 1.0), |(a, b), &c| (a * p[c], b * q[c]));
        sum += (pp - qq).abs();
        // The odometer: the first digit that can still grow grows; those before it reset.
        let Some(d) = cells.iter().position(|&c| c + 1 < k) else {
            return 0.5 * sum;
        };
        cells[..d].iter_mut().for_each(|c| *c = 0);
        cells[d] += 1;
    }
}
