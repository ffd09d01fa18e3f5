//! Answers to chapter 9's exercises.

use unsupervised::Matrix;

pub fn conditional_row(d2: &[f64], beta: f64) -> (Vec<f64>, f64) {
    let lowest = d2.iter().copied().fold(f64::INFINITY, f64::min);
    let weights: Vec<f64> = d2.iter().map(|d| (-beta * (d - lowest)).exp()).collect();
    let z: f64 = weights.iter().sum();
    let p: Vec<f64> = weights.iter().map(|w| w / z).collect();
    let h = -p
        .iter()
        .filter(|&&q| q > 0.0)
        .map(|q| q * q.ln())
        .sum::<f64>();
    (p, h)
}

pub fn perplexity_search(d2: &[f64], perplexity: f64) -> f64 {
    let target = perplexity.ln();
    let entropy = |beta: f64| conditional_row(d2, beta).1;
    // Bracket in log β, then bisect: H(β) falls as β grows.
    let (mut lo, mut hi) = (0.0f64, 0.0f64);
    while entropy(lo.exp()) < target {
        lo -= 1.0;
    }
    while entropy(hi.exp()) > target {
        hi += 1.0;
    }
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        let h = entropy(mid.exp());
        if (h - target).abs() < 1e-10 {
            return mid.exp();
        }
        if h > target {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    (0.5 * (lo + hi)).exp()
}

pub fn kl_gradient(p: &Matrix<f64>, y: &Matrix<f64>) -> Matrix<f64> {
    let n = y.rows();
    let w = Matrix::from_fn(n, n, |i, j| {
        if i == j {
            return 0.0;
        }
        let d2: f64 = y
            .row(i)
            .iter()
            .zip(y.row(j))
            .map(|(a, b)| (a - b).powi(2))
            .sum();
        1.0 / (1.0 + d2)
    });
    let z: f64 = w.as_slice().iter().sum();
    Matrix::from_fn(n, y.cols(), |i, k| {
        (0..n)
            .map(|j| 4.0 * (p[(i, j)] - w[(i, j)] / z) * w[(i, j)] * (y[(i, k)] - y[(j, k)]))
            .sum()
    })
}
