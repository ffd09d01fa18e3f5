//! Answers to chapter 12's exercises.

use unsupervised::{Matrix, Rng};

pub fn tied_linear_gradient(x: &Matrix<f64>, w: &Matrix<f64>) -> (f64, Matrix<f64>) {
    let n = x.rows() as f64;
    let xw = x.matmul(w).unwrap();
    let xhat = xw.matmul(&w.transpose()).unwrap();
    let r = Matrix::from_fn(x.rows(), x.cols(), |i, j| x[(i, j)] - xhat[(i, j)]);
    let loss = r.as_slice().iter().map(|v| v * v).sum::<f64>() / n;
    let a = x.transpose().matmul(&r).unwrap().matmul(w).unwrap();
    let b = r.transpose().matmul(&xw).unwrap();
    let grad = Matrix::from_fn(w.rows(), w.cols(), |i, j| {
        -2.0 / n * (a[(i, j)] + b[(i, j)])
    });
    (loss, grad)
}

pub fn train_linear_autoencoder(x: &Matrix<f64>, k: usize, steps: usize, lr: f64) -> Matrix<f64> {
    let mut rng = Rng::seed_from_u64(0);
    let mut w = Matrix::from_fn(x.cols(), k, |_, _| 0.1 * rng.uniform(-1.0, 1.0));
    for _ in 0..steps {
        let (_, grad) = tied_linear_gradient(x, &w);
        w.as_mut_slice()
            .iter_mut()
            .zip(grad.as_slice())
            .for_each(|(w, g)| *w -= lr * g);
    }
    w
}

pub fn bce_with_logits(logits: &[f64], x: &[f64]) -> f64 {
    let total: f64 = logits
        .iter()
        .zip(x)
        .map(|(&z, &x)| z.max(0.0) - z * x + (-z.abs()).exp().ln_1p())
        .sum();
    total / logits.len() as f64
}
