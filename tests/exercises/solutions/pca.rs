//! Answers to chapter 3's exercises.

use unsupervised::eigen::{Eigh, Order};
use unsupervised::Matrix;

fn centred(x: &Matrix<f64>) -> Matrix<f64> {
    let n = x.rows() as f64;
    let means: Vec<f64> = (0..x.cols())
        .map(|j| x.iter_rows().map(|r| r[j]).sum::<f64>() / n)
        .collect();
    Matrix::from_fn(x.rows(), x.cols(), |i, j| x[(i, j)] - means[j])
}

pub fn covariance(x: &Matrix<f64>) -> Matrix<f64> {
    let c = centred(x);
    let n = x.rows() as f64;
    Matrix::from_fn(x.cols(), x.cols(), |a, b| {
        c.iter_rows().map(|r| r[a] * r[b]).sum::<f64>() / (n - 1.0)
    })
}

pub fn principal_components(x: &Matrix<f64>, k: usize) -> (Vec<f64>, Matrix<f64>) {
    let solved = Eigh::default()
        .order(Order::Descending)
        .solve(&covariance(x))
        .unwrap();
    let phi = Matrix::from_fn(k, x.cols(), |j, i| solved.vectors[(i, j)]);
    (solved.values[..k].to_vec(), phi)
}

pub fn reconstruction_error(x: &Matrix<f64>, phi: &Matrix<f64>) -> f64 {
    let c = centred(x);
    let mut total = 0.0;
    for row in c.iter_rows() {
        let z: Vec<f64> = phi
            .iter_rows()
            .map(|p| p.iter().zip(row).map(|(a, b)| a * b).sum())
            .collect();
        for (i, &v) in row.iter().enumerate() {
            let back: f64 = (0..phi.rows()).map(|j| phi[(j, i)] * z[j]).sum();
            total += (v - back).powi(2);
        }
    }
    total / (x.rows() as f64 - 1.0)
}
