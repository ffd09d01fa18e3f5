//! Answers to chapter 1's exercises.

use unsupervised::Matrix;

pub fn matmul(a: &Matrix<f64>, b: &Matrix<f64>) -> Matrix<f64> {
    let mut c = Matrix::zeros(a.rows(), b.cols());
    for i in 0..a.rows() {
        for k in 0..a.cols() {
            let aik = a[(i, k)];
            for j in 0..b.cols() {
                c[(i, j)] += aik * b[(k, j)];
            }
        }
    }
    c
}

pub fn sq_dists(x: &Matrix<f64>, y: &Matrix<f64>) -> Matrix<f64> {
    let sq = |r: &[f64]| r.iter().map(|v| v * v).sum::<f64>();
    Matrix::from_fn(x.rows(), y.rows(), |i, j| {
        let dot: f64 = x.row(i).iter().zip(y.row(j)).map(|(a, b)| a * b).sum();
        (sq(x.row(i)) + sq(y.row(j)) - 2.0 * dot).max(0.0)
    })
}

pub fn cholesky(a: &Matrix<f64>) -> Matrix<f64> {
    let n = a.rows();
    let mut l = Matrix::zeros(n, n);
    for j in 0..n {
        let s: f64 = (0..j).map(|k| l[(j, k)] * l[(j, k)]).sum();
        l[(j, j)] = (a[(j, j)] - s).sqrt();
        for i in j + 1..n {
            let s: f64 = (0..j).map(|k| l[(i, k)] * l[(j, k)]).sum();
            l[(i, j)] = (a[(i, j)] - s) / l[(j, j)];
        }
    }
    l
}
