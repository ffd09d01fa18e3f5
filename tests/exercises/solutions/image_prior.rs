//! Answers to chapter 16's exercises.

pub fn psnr(clean: &[f64], restored: &[f64]) -> f64 {
    let mse = clean
        .iter()
        .zip(restored)
        .map(|(a, b)| (a - b).powi(2))
        .sum::<f64>()
        / clean.len() as f64;
    -10.0 * mse.log10()
}

pub fn discrepancy_stop(losses: &[f64], level: f64, smoothing: f64) -> Option<usize> {
    let mut average: Option<f64> = None;
    for (t, &loss) in losses.iter().enumerate() {
        let a = average.map_or(loss, |a| smoothing * a + (1.0 - smoothing) * loss);
        if a <= level {
            return Some(t + 1);
        }
        average = Some(a);
    }
    None
}

pub fn downsample(image: &[f64], h: usize, w: usize, factor: usize) -> Vec<f64> {
    let (oh, ow) = (h / factor, w / factor);
    let area = (factor * factor) as f64;
    (0..oh * ow)
        .map(|o| {
            let (i, j) = (o / ow, o % ow);
            let mut sum = 0.0;
            for s in 0..factor {
                for t in 0..factor {
                    sum += image[(i * factor + s) * w + j * factor + t];
                }
            }
            sum / area
        })
        .collect()
}
