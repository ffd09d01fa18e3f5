//! Chapters 3 and 4 against linfa: k-means (`linfa-clustering`) and PCA (`linfa-reduction`)
//! on the embedded digits and MNIST 10k and on 200,000 x 8 blobs; seconds, median of rounds.
//!
//! Both k-means run k-means++ with 10 restarts and at most 300 iterations, stopping at
//! scikit-learn's default tolerance: our `tol(1e-4)` is relative to the mean feature
//! variance v and bounds the centroids' total squared move; linfa bounds the Frobenius norm
//! of the move, so it gets `sqrt(1e-4 v)`, the same stopping point. Each result's objective
//! J is recomputed here the same way (squared distances to the nearest returned centroid).

use crate::{median, time};
use linfa::traits::Fit;
use linfa::DatasetBase;
use ndarray::Array2;
use unsupervised::datasets;
use unsupervised::kmeans::{Algorithm, KMeans};
use unsupervised::linalg::{nearest, Exec, Matrix};
use unsupervised::pca::{Pca, Solver};

const TOL: f64 = 1e-4;

fn to_ndarray(x: &Matrix<f64>) -> Array2<f64> {
    Array2::from_shape_vec((x.rows(), x.cols()), x.as_slice().to_vec()).unwrap()
}

/// J for a set of centroids: every point to its nearest one.
fn objective(x: &Matrix<f64>, centroids: &Matrix<f64>) -> f64 {
    nearest(x, centroids, Exec::default())
        .unwrap()
        .1
        .iter()
        .sum()
}

fn mean_variance(x: &Matrix<f64>) -> f64 {
    let means = x.column_means().unwrap();
    let total: f64 = x
        .iter_rows()
        .map(|r| {
            r.iter()
                .zip(&means)
                .map(|(a, m)| (a - m) * (a - m))
                .sum::<f64>()
        })
        .sum();
    total / (x.rows() * x.cols()) as f64
}

fn problems() -> Vec<(&'static str, Matrix<f64>, usize)> {
    let wanted = std::env::var("VERSUS_DATA").unwrap_or_else(|_| "digits,mnist,blobs".into());
    let mut out = Vec::new();
    for name in wanted.split(',') {
        match name.trim() {
            "digits" => out.push((
                "digits 1797 x 64, K = 10",
                datasets::digits().unwrap().x,
                10,
            )),
            "mnist" => out.push((
                "MNIST 10000 x 784, K = 10",
                datasets::mnist().unwrap().x,
                10,
            )),
            "blobs" => out.push((
                "blobs 200000 x 8, K = 8",
                datasets::blobs(200_000, 8, 8, 1.0, 0).unwrap().x,
                8,
            )),
            other => panic!("VERSUS_DATA: unknown data set {other:?}"),
        }
    }
    out
}

pub fn run_kmeans() {
    println!(
        "| data | ours, Lloyd | ours, Hamerly | linfa | linfa / ours (best) | J ours | J linfa |"
    );
    println!("|---|---|---|---|---|---|---|");
    for (name, x, k) in problems() {
        let nd = to_ndarray(&x);
        let dataset = DatasetBase::from(nd);
        let linfa_tol = (TOL * mean_variance(&x)).sqrt();
        let ours = |algorithm| {
            KMeans::new(k)
                .n_init(10)
                .tol(TOL)
                .seed(0)
                .algorithm(algorithm)
        };
        let rounds = if x.rows() * x.cols() > 2_000_000 {
            3
        } else {
            7
        };
        let mut s: Vec<Vec<f64>> = vec![Vec::new(); 3];
        let (mut j_ours, mut j_linfa) = (0.0, 0.0);
        for _ in 0..rounds {
            s[0].push(time(|| {
                j_ours = ours(Algorithm::Lloyd).fit(&x).unwrap().inertia
            }));
            s[1].push(time(|| {
                ours(Algorithm::Hamerly).fit(&x).unwrap();
            }));
            let mut centroids = Array2::zeros((0, 0));
            s[2].push(time(|| {
                let model = linfa_clustering::KMeans::params(k)
                    .n_runs(10)
                    .max_n_iterations(300)
                    .tolerance(linfa_tol)
                    .fit(&dataset)
                    .unwrap();
                centroids = model.centroids().clone();
            }));
            let c = Matrix::new(k, x.cols(), centroids.iter().copied().collect()).unwrap();
            j_linfa = objective(&x, &c);
        }
        let t: Vec<f64> = s.into_iter().map(median).collect();
        println!(
            "| {name} | {:.3} | {:.3} | {:.3} | {:.1} | {j_ours:.6e} | {j_linfa:.6e} |",
            t[0],
            t[1],
            t[2],
            t[2] / t[0].min(t[1])
        );
    }
}

pub fn run_pca() {
    println!("| data | ours, randomized | ours, auto | linfa | linfa / ours (best) | variance kept, ours | linfa |");
    println!("|---|---|---|---|---|---|---|");
    let k = 50;
    for (name, x, _) in problems() {
        if x.cols() <= k {
            continue;
        }
        let dataset = DatasetBase::from(to_ndarray(&x));
        let ours = |solver| Pca::new().n_components(k).solver(solver).seed(0);
        let mut s: Vec<Vec<f64>> = vec![Vec::new(); 3];
        let (mut kept_ours, mut kept_linfa) = (0.0, 0.0);
        for _ in 0..5 {
            s[0].push(time(|| {
                let fit = ours(Solver::Randomized).fit(&x).unwrap();
                kept_ours = fit.cumulative_explained_variance_ratio()[k - 1];
            }));
            s[1].push(time(|| {
                ours(Solver::Auto).fit(&x).unwrap();
            }));
            s[2].push(time(|| {
                let model = linfa_reduction::Pca::params(k).fit(&dataset).unwrap();
                kept_linfa = model.explained_variance_ratio().sum();
            }));
        }
        let t: Vec<f64> = s.into_iter().map(median).collect();
        println!(
            "| {}, 50 components | {:.3} | {:.3} | {:.3} | {:.1} | {:.4} | {:.4} |",
            name.split(", K").next().unwrap_or(name),
            t[0],
            t[1],
            t[2],
            t[2] / t[0].min(t[1]),
            kept_ours,
            kept_linfa
        );
    }
}
