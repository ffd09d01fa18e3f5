//! Chapter 9 against the `bhtsne` crate (the Rust Barnes–Hut t-SNE under linfa-tsne), on
//! digits and on MNIST 10k after PCA to 50 dimensions: perplexity 30, θ = 0.5, 1,000
//! iterations, early exaggeration 12 for 250, the same PCA start, and the same effective
//! step (bhtsne's gradient leaves out t-SNE's factor 4, so it gets 4 x our learning rate).
//!
//! Both maps are scored here the same way: the exact KL(P ‖ Q) (our sparse P, Z over all
//! pairs), trustworthiness(5, Exec::default()) in the original space, and 5-fold 1-NN accuracy. Seconds are
//! the median of `VERSUS_ROUNDS` (default 3) round-robin rounds, on all threads by default
//! (bhtsne uses rayon: `RAYON_NUM_THREADS=1 UNSUPERVISED_THREADS=1` for one thread).

use crate::{list_env, median, time};
use unsupervised::datasets;
use unsupervised::linalg::{Exec, Matrix};
use unsupervised::metrics::{knn_accuracy, trustworthiness};
use unsupervised::pca::{Pca, Solver};
use unsupervised::tsne::{joint_probabilities, sparse_conditional_probabilities, Tsne};

const PERPLEXITY: f64 = 30.0;
const THETA: f64 = 0.5;
const ITERATIONS: usize = 1000;

/// The exact cost of a map `y` (n x 2, row-major) under the sparse joint P of `x`.
fn exact_kl(x: &Matrix<f64>, y: &[f64]) -> f64 {
    let p = joint_probabilities(
        &sparse_conditional_probabilities(x, PERPLEXITY, Exec::default()).unwrap(),
    )
    .unwrap();
    let n = x.rows();
    let w = |i: usize, j: usize| {
        let (dx, dy) = (y[2 * i] - y[2 * j], y[2 * i + 1] - y[2 * j + 1]);
        1.0 / (1.0 + dx * dx + dy * dy)
    };
    let z: f64 = (0..n)
        .map(|i| (0..n).filter(|&j| j != i).map(|j| w(i, j)).sum::<f64>())
        .sum();
    let mut kl = 0.0;
    for i in 0..n {
        let (cols, vals) = p.row(i);
        for (&j, &pij) in cols.iter().zip(vals) {
            if pij > 0.0 {
                kl += pij * (pij / (w(i, j) / z)).ln();
            }
        }
    }
    kl
}

/// PCA to 2, scaled to standard deviation 1e-4 along the first: our `Init::Pca`, handed to
/// bhtsne as its starting map.
fn pca_start(x: &Matrix<f64>) -> Vec<f64> {
    let y = Pca::new()
        .n_components(2)
        .fit(x)
        .unwrap()
        .transform(x)
        .unwrap();
    let first = y.column(0);
    let sd = (first.iter().map(|v| v * v).sum::<f64>() / first.len() as f64).sqrt();
    y.as_slice().iter().map(|v| v * 1e-4 / sd).collect()
}

pub fn run() {
    let rounds = list_env("VERSUS_ROUNDS", &[3])[0];
    let wanted = std::env::var("VERSUS_DATA").unwrap_or_else(|_| "digits,mnist".into());
    println!("| data | library | seconds | KL (exact) | trustworthiness(5, Exec::default()) | 1-NN (5-fold) |");
    println!("|---|---|---|---|---|---|");
    for name in wanted.split(',') {
        let d = match name.trim() {
            "digits" => datasets::digits().unwrap(),
            "mnist" => datasets::mnist().unwrap(),
            other => panic!("unknown data set {other}"),
        };
        let labels = d.labels.clone().unwrap();
        let x = if d.x.cols() > 50 && name.trim() == "mnist" {
            Pca::new()
                .n_components(50)
                .solver(Solver::Randomized)
                .fit(&d.x)
                .unwrap()
                .transform(&d.x)
                .unwrap()
        } else {
            d.x.clone()
        };
        let start = pca_start(&x);
        let ours = Tsne::new()
            .perplexity(PERPLEXITY)
            .theta(THETA)
            .max_iter(ITERATIONS);
        let rate = (x.rows() as f64 / 12.0 / 4.0).max(50.0);
        let rows: Vec<&[f64]> = x.iter_rows().collect();
        let (mut t_ours, mut t_theirs) = (Vec::new(), Vec::new());
        let (mut y_ours, mut y_theirs) = (Vec::new(), Vec::new());
        for _ in 0..rounds {
            t_ours.push(time(|| y_ours = ours.fit(&x).unwrap().embedding.into_vec()));
            t_theirs.push(time(|| {
                let mut tsne: bhtsne::tSNE<f64, &[f64]> = bhtsne::tSNE::new(&rows);
                tsne.embedding_dim(2)
                    .perplexity(PERPLEXITY)
                    .epochs(ITERATIONS)
                    .learning_rate(4.0 * rate)
                    .initial_embedding(start.clone())
                    .barnes_hut(THETA, |a, b| {
                        a.iter()
                            .zip(b.iter())
                            .map(|(u, v)| (u - v) * (u - v))
                            .sum::<f64>()
                            .sqrt()
                    });
                y_theirs = tsne.embedding();
            }));
        }
        for (library, t, y) in [
            ("unsupervised", t_ours, &y_ours),
            ("bhtsne 0.5", t_theirs, &y_theirs),
        ] {
            let map = Matrix::new(x.rows(), 2, y.clone()).unwrap();
            println!(
                "| {} {} x {} | {library} | {:.2} | {:.4} | {:.4} | {:.4} |",
                d.name,
                d.x.rows(),
                d.x.cols(),
                median(t),
                exact_kl(&x, y),
                trustworthiness(&d.x, &map, 5, Exec::default()).unwrap(),
                knn_accuracy(&map, &labels, 1, 5, 0, Exec::default()).unwrap()
            );
        }
    }
}
