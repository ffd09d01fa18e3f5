//! Answers to chapter 7's exercises.

use unsupervised::eigen::Eigh;
use unsupervised::Matrix;

pub fn gaussian_affinity(x: &Matrix<f64>, sigma: f64) -> Matrix<f64> {
    Matrix::from_fn(x.rows(), x.rows(), |i, j| {
        if i == j {
            return 0.0;
        }
        let d2: f64 = x
            .row(i)
            .iter()
            .zip(x.row(j))
            .map(|(a, b)| (a - b).powi(2))
            .sum();
        (-d2 / (sigma * sigma)).exp()
    })
}

pub fn laplacian(w: &Matrix<f64>) -> Matrix<f64> {
    let degrees: Vec<f64> = w.iter_rows().map(|r| r.iter().sum()).collect();
    Matrix::from_fn(w.rows(), w.cols(), |i, j| {
        if i == j {
            degrees[i] - w[(i, j)]
        } else {
            -w[(i, j)]
        }
    })
}

pub fn fiedler_split(w: &Matrix<f64>) -> Vec<usize> {
    let solved = Eigh::default().solve(&laplacian(w)).unwrap();
    solved
        .vector(1)
        .iter()
        .map(|&v| usize::from(v > 0.0))
        .collect()
}
