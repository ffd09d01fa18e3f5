//! Answers to chapter 11's exercises.

use unsupervised::Matrix;

pub fn conv2d_valid(image: &[f64], h: usize, w: usize, kernel: &[f64], k: usize) -> Vec<f64> {
    let (oh, ow) = (h - k + 1, w - k + 1);
    let mut out = vec![0.0; oh * ow];
    for i in 0..oh {
        for j in 0..ow {
            for s in 0..k {
                for t in 0..k {
                    out[i * ow + j] += kernel[s * k + t] * image[(i + s) * w + j + t];
                }
            }
        }
    }
    out
}

pub fn adam_step(w: &mut [f64], g: &[f64], m: &mut [f64], v: &mut [f64], t: usize, lr: f64) {
    let (b1, b2, eps) = (0.9f64, 0.999f64, 1e-8);
    let (c1, c2) = (1.0 - b1.powi(t as i32), 1.0 - b2.powi(t as i32));
    for i in 0..w.len() {
        m[i] = b1 * m[i] + (1.0 - b1) * g[i];
        v[i] = b2 * v[i] + (1.0 - b2) * g[i] * g[i];
        w[i] -= lr * (m[i] / c1) / ((v[i] / c2).sqrt() + eps);
    }
}

pub fn softmax_cross_entropy(logits: &Matrix<f64>, labels: &[usize]) -> f64 {
    let total: f64 = logits
        .iter_rows()
        .zip(labels)
        .map(|(z, &y)| {
            let top = z.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let log_z = top + z.iter().map(|v| (v - top).exp()).sum::<f64>().ln();
            log_z - z[y]
        })
        .sum();
    total / labels.len() as f64
}
