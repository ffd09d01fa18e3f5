//! Answers to chapter 2's exercises.

use unsupervised::Matrix;

fn normalized(v: Vec<f64>) -> Vec<f64> {
    let norm = v.iter().map(|x| x * x).sum::<f64>().sqrt();
    v.into_iter().map(|x| x / norm).collect()
}

pub fn power_iteration(a: &Matrix<f64>, iterations: usize) -> (f64, Vec<f64>) {
    let mut v = normalized(vec![1.0; a.rows()]);
    for _ in 0..iterations {
        v = normalized(a.matvec(&v).unwrap());
    }
    let av = a.matvec(&v).unwrap();
    (v.iter().zip(&av).map(|(x, y)| x * y).sum(), v)
}

pub fn jacobi_rotation(app: f64, aqq: f64, apq: f64) -> (f64, f64) {
    if apq == 0.0 {
        return (1.0, 0.0);
    }
    let theta = (aqq - app) / (2.0 * apq);
    let t = theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt());
    let c = 1.0 / (t * t + 1.0).sqrt();
    (c, t * c)
}

pub fn deflate(a: &Matrix<f64>, value: f64, vector: &[f64]) -> Matrix<f64> {
    Matrix::from_fn(a.rows(), a.cols(), |i, j| {
        a[(i, j)] - value * vector[i] * vector[j]
    })
}
