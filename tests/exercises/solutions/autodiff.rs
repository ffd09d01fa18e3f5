//! Answers to chapter 10's exercises.

use unsupervised::Matrix;

pub fn tanh_vjp(x: &[f64], grad_out: &[f64]) -> Vec<f64> {
    x.iter()
        .zip(grad_out)
        .map(|(x, g)| g * (1.0 - x.tanh().powi(2)))
        .collect()
}

pub fn softmax_vjp(x: &[f64], grad_out: &[f64]) -> Vec<f64> {
    let top = x.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let e: Vec<f64> = x.iter().map(|v| (v - top).exp()).collect();
    let z: f64 = e.iter().sum();
    let y: Vec<f64> = e.iter().map(|v| v / z).collect();
    let dot: f64 = y.iter().zip(grad_out).map(|(a, b)| a * b).sum();
    y.iter().zip(grad_out).map(|(y, g)| y * (g - dot)).collect()
}

pub fn matmul_vjp(
    a: &Matrix<f64>,
    b: &Matrix<f64>,
    grad_out: &Matrix<f64>,
) -> (Matrix<f64>, Matrix<f64>) {
    (
        grad_out.matmul(&b.transpose()).unwrap(),
        a.transpose().matmul(grad_out).unwrap(),
    )
}
