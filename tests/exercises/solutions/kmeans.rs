//! Answers to chapter 4's exercises.

use unsupervised::Matrix;

fn sq_dist(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| (x - y).powi(2)).sum()
}

pub fn assign(x: &Matrix<f64>, centroids: &Matrix<f64>) -> Vec<usize> {
    x.iter_rows()
        .map(|row| {
            let mut best = (0, f64::INFINITY);
            for (c, centroid) in centroids.iter_rows().enumerate() {
                let d = sq_dist(row, centroid);
                if d < best.1 {
                    best = (c, d);
                }
            }
            best.0
        })
        .collect()
}

pub fn update(x: &Matrix<f64>, labels: &[usize], k: usize) -> Matrix<f64> {
    let mut sums = Matrix::<f64>::zeros(k, x.cols());
    let mut counts = vec![0.0; k];
    for (row, &l) in x.iter_rows().zip(labels) {
        sums.row_mut(l)
            .iter_mut()
            .zip(row)
            .for_each(|(s, v)| *s += v);
        counts[l] += 1.0;
    }
    Matrix::from_fn(k, x.cols(), |c, j| sums[(c, j)] / counts[c])
}

pub fn lloyd(
    x: &Matrix<f64>,
    init: &Matrix<f64>,
    max_iter: usize,
) -> (Matrix<f64>, Vec<usize>, Vec<f64>) {
    let mut centroids = init.clone();
    let mut labels: Vec<usize> = Vec::new();
    let mut trace = Vec::new();
    for _ in 0..max_iter {
        let new = assign(x, &centroids);
        let j = x
            .iter_rows()
            .zip(&new)
            .map(|(row, &l)| sq_dist(row, centroids.row(l)))
            .sum();
        trace.push(j);
        if new == labels {
            break;
        }
        labels = new;
        centroids = update(x, &labels, init.rows());
    }
    (centroids, labels, trace)
}
