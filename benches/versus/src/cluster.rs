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

/// Gaussian mixtures (full covariance, k-means start, one run, tolerance 1e-3 on the mean
/// log-likelihood for both) against linfa's `GaussianMixtureModel`. Both fits are scored
/// here the same way: the mean log-likelihood of the data under the returned parameters
/// (2-D data, so the 2 x 2 Gaussians are written out).
pub fn run_gmm() {
    use unsupervised::mixture::GaussianMixture;
    println!("| data | ours | linfa | linfa / ours | mean ln L, ours | linfa |");
    println!("|---|---|---|---|---|---|");
    for (name, x, k) in [
        (
            "Old Faithful 272 x 2, k = 2",
            datasets::faithful().unwrap().x,
            2,
        ),
        (
            "blobs 100000 x 2, k = 3",
            datasets::blobs(100_000, 2, 3, 1.0, 0).unwrap().x,
            3,
        ),
    ] {
        let dataset = DatasetBase::from(to_ndarray(&x));
        let rounds = if x.rows() > 10_000 { 5 } else { 21 };
        let (mut a, mut b) = (Vec::new(), Vec::new());
        let (mut ours, mut theirs) = (0.0, 0.0);
        for _ in 0..rounds {
            let mut fit = None;
            a.push(time(|| {
                fit = Some(GaussianMixture::new(k).tol(1e-3).fit(&x).unwrap())
            }));
            let fit = fit.unwrap();
            let covs: Vec<[f64; 4]> = fit
                .covariances
                .iter()
                .map(|c| [c[(0, 0)], c[(0, 1)], c[(1, 0)], c[(1, 1)]])
                .collect();
            let means: Vec<[f64; 2]> = (0..k)
                .map(|c| [fit.means[(c, 0)], fit.means[(c, 1)]])
                .collect();
            ours = mean_log_likelihood_2d(&x, &fit.weights, &means, &covs);
            let mut model = None;
            b.push(time(|| {
                model = Some(
                    linfa_clustering::GaussianMixtureModel::params(k)
                        .n_runs(1)
                        .tolerance(1e-3)
                        .fit(&dataset)
                        .unwrap(),
                )
            }));
            let model = model.unwrap();
            let w: Vec<f64> = model.weights().iter().copied().collect();
            let means: Vec<[f64; 2]> = (0..k)
                .map(|c| [model.means()[[c, 0]], model.means()[[c, 1]]])
                .collect();
            let cv = model.covariances();
            let covs: Vec<[f64; 4]> = (0..k)
                .map(|c| [cv[[c, 0, 0]], cv[[c, 0, 1]], cv[[c, 1, 0]], cv[[c, 1, 1]]])
                .collect();
            theirs = mean_log_likelihood_2d(&x, &w, &means, &covs);
        }
        let (ta, tb) = (median(a), median(b));
        println!(
            "| {name} | {ta:.4} | {tb:.4} | {:.1} | {ours:.5} | {theirs:.5} |",
            tb / ta
        );
    }
}

/// `(1/n) Σₙ ln Σₖ wₖ N(xₙ | μₖ, Σₖ)` for 2-D data.
fn mean_log_likelihood_2d(
    x: &Matrix<f64>,
    w: &[f64],
    means: &[[f64; 2]],
    covs: &[[f64; 4]],
) -> f64 {
    let mut total = 0.0;
    for r in x.iter_rows() {
        let p: f64 = (0..w.len())
            .map(|c| {
                let [a, b, _, d] = covs[c];
                let det = a * d - b * b;
                let (u, v) = (r[0] - means[c][0], r[1] - means[c][1]);
                let q = (d * u * u - 2.0 * b * u * v + a * v * v) / det;
                w[c] * (-0.5 * q).exp() / (2.0 * std::f64::consts::PI * det.sqrt())
            })
            .sum();
        total += p.ln();
    }
    total / x.rows() as f64
}
