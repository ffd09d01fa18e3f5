//! Answers to chapter 8's exercises.

use unsupervised::eigen::{Eigh, Order};
use unsupervised::Matrix;

pub fn double_center(d2: &Matrix<f64>) -> Matrix<f64> {
    let n = d2.rows() as f64;
    let rows: Vec<f64> = d2.iter_rows().map(|r| r.iter().sum::<f64>() / n).collect();
    let all = rows.iter().sum::<f64>() / n;
    Matrix::from_fn(d2.rows(), d2.cols(), |i, j| {
        -0.5 * (d2[(i, j)] - rows[i] - rows[j] + all)
    })
}

pub fn classical_mds(d2: &Matrix<f64>, k: usize) -> Matrix<f64> {
    let solved = Eigh::default()
        .order(Order::Descending)
        .solve(&double_center(d2))
        .unwrap();
    Matrix::from_fn(d2.rows(), k, |i, j| {
        solved.vectors[(i, j)] * solved.values[j].max(0.0).sqrt()
    })
}

pub fn floyd_warshall(graph: &Matrix<f64>) -> Matrix<f64> {
    let n = graph.rows();
    let mut d = graph.clone();
    for k in 0..n {
        for i in 0..n {
            for j in 0..n {
                let through = d[(i, k)] + d[(k, j)];
                if through < d[(i, j)] {
                    d[(i, j)] = through;
                }
            }
        }
    }
    d
}
