//! # Chapter 4 · k-means
//!
//! Lecture: ISLR Algorithm 10.1 and Bishop §9.1 · book `04-kmeans.md` · tests
//! `tests/kmeans.rs` · bench `benches/kmeans.rs`
//!
//! k-means partitions n points into K clusters to minimise the within-cluster sum of squares
//! `J = Σₙ Σₖ rₙₖ ‖xₙ - μₖ‖²` (Bishop 9.1), where `rₙₖ = 1` when point n is in cluster k.
//! Lloyd's algorithm alternates two steps, neither of which can raise J:
//! 1. [`assign_step`]: with the centroids fixed, put each point in the cluster of its nearest
//!    centroid (the Voronoi partition): the best `r` for those `μ`;
//! 2. [`update_step`]: with the assignments fixed, move each centroid to the mean of its
//!    points: the best `μ` for those `r` (the mean minimises a sum of squared distances).
//!
//! It stops when the assignments stop changing. J is not convex, so the result depends on
//! the start ([`Init`]); `n_init` restarts keep the lowest J. Cost per iteration: O(n·K·d).
//!
//! ```
//! use unsupervised::{kmeans::KMeans, Matrix};
//! // Two groups on a line: their means are the centroids, J = 2 · (0.01 + 0 + 0.01).
//! let x = Matrix::new(6, 1, vec![0.0, 0.1, 0.2, 10.0, 10.1, 10.2])?;
//! let fit = KMeans::new(2).fit(&x)?;
//! let mut c = fit.centroids.into_vec();
//! c.sort_by(f64::total_cmp);
//! assert!((c[0] - 0.1).abs() < 1e-12 && (c[1] - 10.1).abs() < 1e-12);
//! assert!((fit.inertia - 0.04).abs() < 1e-12 && fit.converged);
//! # Ok::<(), unsupervised::Error>(())
//! ```

mod hamerly;

use crate::error::{check_count, check_iterative, Error, Result};
use crate::image::Image;
use crate::linalg::kernels::{sq_dist, sq_dists};
use crate::linalg::threads::{par_chunks_mut, par_map};
use crate::linalg::{nearest, Exec, Matrix};
use crate::rand::Rng;
use hamerly::hamerly;

/// How the first centroids are chosen.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Init {
    /// ISLR Algorithm 10.1: give every point a random cluster, then take the means.
    RandomAssignment,
    /// K distinct data points chosen uniformly (Forgy).
    Forgy,
    /// k-means++ (Arthur and Vassilvitskii 2007): each new centroid is a data point drawn
    /// with probability ∝ its squared distance to the nearest chosen one; like
    /// scikit-learn, `2 + ⌊ln K⌋` candidates are drawn and the one that lowers J most is kept.
    #[default]
    KMeansPlusPlus,
}

/// How each run iterates. All give the same assignments from the same start.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Algorithm {
    /// Hamerly for rows of 32 or more columns, where a skipped distance saves more than the
    /// bounds cost (MNIST: 2.9 s against 3.4 s), else Lloyd (200,000 x 8 blobs: 0.24 s
    /// against 0.28 s).
    #[default]
    Auto,
    /// Lloyd's two steps exactly as the lectures give them: every distance, every iteration.
    Lloyd,
    /// Hamerly (2010): the same assignments from the same start, skipping the distances that
    /// triangle-inequality bounds prove cannot change a point's cluster.
    Hamerly,
}

/// k-means hyperparameters; `fit` validates them.
#[derive(Clone, Debug)]
pub struct KMeans {
    n_clusters: usize,
    n_init: usize,
    max_iter: usize,
    init: Init,
    algorithm: Algorithm,
    tol: f64,
    seed: u64,
    exec: Exec,
}

/// What k-means learned (the best of the `n_init` runs).
#[derive(Clone, Debug, PartialEq)]
pub struct FittedKMeans {
    /// K x d.
    pub centroids: Matrix<f64>,
    /// The cluster of each training point.
    pub labels: Vec<usize>,
    /// J: the sum of squared distances of the points to their centroids.
    pub inertia: f64,
    /// Assignment steps after the first.
    pub n_iter: usize,
    /// False when `max_iter` stopped the run before the assignments settled.
    pub converged: bool,
    /// J after every assignment step of the best run; it never increases.
    pub objective: Vec<f64>,
}

// ANCHOR: init
/// The starting centroids for one run (k-means++'s distance updates on `exec`'s threads).
pub fn initial_centroids(
    x: &Matrix<f64>,
    k: usize,
    init: Init,
    rng: &mut Rng,
    exec: Exec,
) -> Result<Matrix<f64>> {
    let n = x.rows();
    match init {
        Init::RandomAssignment => {
            let labels: Vec<usize> = (0..n).map(|_| rng.index(k)).collect::<Result<_>>()?;
            // Empty clusters (possible for small n) take the points farthest from the mean.
            let mean = Matrix::new(1, x.cols(), x.column_means()?)?;
            let (_, dists) = assign_step(x, &mean, exec)?;
            Ok(update_step(x, &labels, k, &dists))
        }
        Init::Forgy => {
            let mut rows: Vec<usize> = Vec::with_capacity(k);
            // Distinct points: redraw a duplicate (validate() checked there are k distinct).
            while rows.len() < k {
                let i = rng.index(n)?;
                if rows.iter().all(|&j| x.row(j) != x.row(i)) {
                    rows.push(i);
                }
            }
            Ok(Matrix::from_fn(k, x.cols(), |c, j| x[(rows[c], j)]))
        }
        Init::KMeansPlusPlus => {
            let trials = 2 + (k as f64).ln().floor() as usize;
            let mut chosen = vec![rng.index(n)?];
            let mut closest = vec![f64::INFINITY; n];
            nearer_of(x, chosen[0], &mut closest, exec.threads);
            while chosen.len() < k {
                // Draw candidates ∝ D², keep the one that leaves the smallest total.
                let mut best: Option<(f64, usize, Vec<f64>)> = None;
                for _ in 0..trials {
                    let c = rng.weighted_index(&closest).unwrap_or(0);
                    let mut after = closest.clone();
                    nearer_of(x, c, &mut after, exec.threads);
                    let total: f64 = after.iter().sum();
                    if best.as_ref().is_none_or(|b| total < b.0) {
                        best = Some((total, c, after));
                    }
                }
                let (_, c, after) = best.unwrap_or((0.0, 0, closest.clone()));
                chosen.push(c);
                closest = after;
            }
            Ok(Matrix::from_fn(k, x.cols(), |c, j| x[(chosen[c], j)]))
        }
    }
}
// ANCHOR_END: init

/// `closest[i] ← min(closest[i], ‖xᵢ - x_c‖²)`: k-means++'s D² after adding point c.
fn nearer_of(x: &Matrix<f64>, c: usize, closest: &mut [f64], threads: usize) {
    let width = x.cols();
    par_chunks_mut(closest, CHUNK, threads, |b, chunk| {
        let start = b * CHUNK * width;
        let rows = &x.as_slice()[start..start + chunk.len() * width];
        let mut d = vec![0.0; chunk.len()];
        sq_dists(x.row(c), rows, &mut d);
        chunk.iter_mut().zip(d).for_each(|(m, d)| *m = m.min(d));
    });
}

// ANCHOR: assign_step
/// Step 1: the nearest centroid of every point (ties to the smaller index) and the squared
/// distance to it. Rows are split over `exec`'s threads in fixed chunks, so the result does
/// not depend on the thread count.
pub fn assign_step(x: &Matrix<f64>, centroids: &Matrix<f64>, exec: Exec) -> Result<Assignment> {
    nearest(x, centroids, exec)
}

/// Each point's cluster and squared distance to its centroid.
type Assignment = (Vec<usize>, Vec<f64>);
// ANCHOR_END: assign_step

/// Rows per parallel chunk.
const CHUNK: usize = 1024;

// ANCHOR: update_step
/// Step 2: each centroid moves to the mean of its points. A cluster left empty takes the
/// point farthest from its own centroid (`dists` are the current squared distances) among
/// clusters with more than one member, which lowers J and keeps K clusters (scikit-learn
/// also refills from the farthest points).
pub fn update_step(x: &Matrix<f64>, labels: &[usize], k: usize, dists: &[f64]) -> Matrix<f64> {
    let d = x.cols();
    let mut sums = Matrix::zeros(k, d);
    let mut counts = vec![0usize; k];
    for (row, &l) in x.iter_rows().zip(labels) {
        crate::linalg::kernels::axpy(1.0, row, sums.row_mut(l));
        counts[l] += 1;
    }
    let mut taken = vec![false; x.rows()];
    // Members each cluster can still give away (its mean keeps all of them this step).
    let mut spare = counts.clone();
    for (c, &count) in counts.iter().enumerate() {
        if count > 0 {
            let inv = 1.0 / count as f64;
            sums.row_mut(c).iter_mut().for_each(|v| *v *= inv);
            continue;
        }
        // The farthest point whose cluster can spare it (more than one member), so that
        // refilling one cluster never empties another.
        let far = (0..x.rows())
            .filter(|&i| !taken[i] && spare[labels[i]] > 1)
            .fold(None, |b: Option<usize>, i| match b {
                Some(j) if dists[j] >= dists[i] => Some(j),
                _ => Some(i),
            });
        if let Some(i) = far {
            taken[i] = true;
            spare[labels[i]] -= 1;
            sums.row_mut(c).copy_from_slice(x.row(i));
        }
    }
    sums
}
// ANCHOR_END: update_step

/// When a run stops: after `max_iter` assignment steps, or when the centroids' total squared
/// move is at most `shift` (besides the assignments settling).
#[derive(Clone, Copy, Debug)]
struct Stop {
    max_iter: usize,
    shift: f64,
}

/// The mean of the columns' population variances: the scale `tol` is relative to.
fn mean_variance(x: &Matrix<f64>) -> Result<f64> {
    let means = x.column_means()?;
    let total: f64 = x.iter_rows().map(|r| sq_dist(r, &means)).sum();
    Ok(total / (x.rows() * x.cols()) as f64)
}

/// `Σⱼ ‖μⱼ - μ'ⱼ‖²`: how far an update step moved the centroids.
fn total_shift(old: &Matrix<f64>, new: &Matrix<f64>) -> f64 {
    old.iter_rows()
        .zip(new.iter_rows())
        .map(|(a, b)| sq_dist(a, b))
        .sum()
}

// ANCHOR: lloyd
/// Lloyd's iteration from `centroids` until the assignments stop changing.
fn lloyd(
    x: &Matrix<f64>,
    mut centroids: Matrix<f64>,
    stop: Stop,
    exec: Exec,
) -> Result<FittedKMeans> {
    let (mut labels, mut dists) = assign_step(x, &centroids, exec)?;
    let mut objective = vec![dists.iter().sum::<f64>()];
    for iter in 1..=stop.max_iter {
        let moved = update_step(x, &labels, centroids.rows(), &dists);
        let shift = total_shift(&centroids, &moved);
        centroids = moved;
        let (new_labels, new_dists) = assign_step(x, &centroids, exec)?;
        objective.push(new_dists.iter().sum());
        let settled = new_labels == labels || shift <= stop.shift;
        labels = new_labels;
        dists = new_dists;
        if settled {
            return Ok(FittedKMeans::from_run(
                centroids, labels, objective, iter, true,
            ));
        }
    }
    Ok(FittedKMeans::from_run(
        centroids,
        labels,
        objective,
        stop.max_iter,
        false,
    ))
}
// ANCHOR_END: lloyd

impl KMeans {
    /// K clusters, 10 restarts, at most 300 iterations, k-means++, tolerance 0, seed 0,
    /// [`Algorithm::Auto`], every thread.
    pub fn new(n_clusters: usize) -> Self {
        KMeans {
            n_clusters,
            n_init: 10,
            max_iter: 300,
            init: Init::KMeansPlusPlus,
            algorithm: Algorithm::Auto,
            tol: 0.0,
            seed: 0,
            exec: Exec::default(),
        }
    }
    /// Threads for the restarts and the assignment steps (the result is the same for any
    /// count).
    pub fn threads(mut self, threads: usize) -> Self {
        self.exec = self.exec.with_threads(threads);
        self
    }
    pub fn algorithm(mut self, algorithm: Algorithm) -> Self {
        self.algorithm = algorithm;
        self
    }
    pub fn n_init(mut self, n_init: usize) -> Self {
        self.n_init = n_init;
        self
    }
    pub fn max_iter(mut self, max_iter: usize) -> Self {
        self.max_iter = max_iter;
        self
    }
    pub fn init(mut self, init: Init) -> Self {
        self.init = init;
        self
    }
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }
    /// Also stop when the centroids moved by at most `tol` in total squared distance, relative
    /// to the mean variance of the features (scikit-learn's `tol`, default 1e-4 there). The
    /// default, 0, is the lectures' rule: stop only when the assignments stop changing.
    pub fn tol(mut self, tol: f64) -> Self {
        self.tol = tol;
        self
    }

    fn validate(&self, x: &Matrix<f64>) -> Result<()> {
        x.check_samples("k-means data")?;
        check_count(
            "n_clusters",
            self.n_clusters,
            x.rows(),
            "the number of rows",
        )?;
        check_iterative(self.n_init, self.max_iter, self.tol)?;
        let distinct = distinct_rows(x);
        if distinct < self.n_clusters {
            return Err(Error::invalid(
                "n_clusters",
                self.n_clusters,
                format!("the data have only {distinct} distinct points"),
            ));
        }
        Ok(())
    }

    // ANCHOR: fit
    /// Runs Lloyd's algorithm `n_init` times from different starts and keeps the lowest J.
    pub fn fit(&self, x: &Matrix<f64>) -> Result<FittedKMeans> {
        self.validate(x)?;
        let stop = Stop {
            max_iter: self.max_iter,
            shift: self.tol * mean_variance(x)?,
        };
        // Restarts are independent, so they run side by side, one thread each; a single run
        // spreads its assignment step over the threads instead.
        let inner = if self.n_init > 1 {
            self.exec.with_threads(1)
        } else {
            self.exec
        };
        let runs = par_map(self.n_init, self.exec.threads, |run| {
            // Stream `run` of the seed: the same seed gives the same restarts.
            let mut rng = Rng::stream(self.seed, run as u64);
            let start = initial_centroids(x, self.n_clusters, self.init, &mut rng, inner)?;
            Ok(match self.algorithm {
                Algorithm::Auto if x.cols() >= 32 => hamerly(x, start, stop, inner),
                Algorithm::Auto | Algorithm::Lloyd => lloyd(x, start, stop, inner)?,
                Algorithm::Hamerly => hamerly(x, start, stop, inner),
            })
        });
        // The lowest J; a tie goes to the earlier run, whatever the thread count.
        let mut best: Option<FittedKMeans> = None;
        for fit in runs {
            let fit = fit?;
            if best.as_ref().is_none_or(|b| fit.inertia < b.inertia) {
                best = Some(fit);
            }
        }
        best.ok_or_else(|| Error::invalid("n_init", 0, "need at least one run"))
    }
    // ANCHOR_END: fit
}

/// The number of distinct rows (bit-exact).
fn distinct_rows(x: &Matrix<f64>) -> usize {
    let mut rows: Vec<Vec<u64>> = x
        .iter_rows()
        .map(|r| r.iter().map(|v| (v + 0.0).to_bits()).collect())
        .collect();
    rows.sort_unstable();
    rows.dedup();
    rows.len()
}

impl FittedKMeans {
    /// A finished run; J is the last entry of its objective trace.
    fn from_run(
        centroids: Matrix<f64>,
        labels: Vec<usize>,
        objective: Vec<f64>,
        n_iter: usize,
        converged: bool,
    ) -> Self {
        let inertia = objective.last().copied().unwrap_or(0.0);
        FittedKMeans {
            centroids,
            labels,
            inertia,
            n_iter,
            converged,
            objective,
        }
    }

    /// The nearest centroid of each row of `x`.
    pub fn predict(&self, x: &Matrix<f64>) -> Result<Vec<usize>> {
        if x.cols() != self.centroids.cols() {
            return Err(Error::ShapeMismatch {
                op: "FittedKMeans::predict (columns must match the training data)",
                left: x.shape(),
                right: (x.rows(), self.centroids.cols()),
            });
        }
        x.check_finite("points to assign to clusters")?;
        // One thread: prediction is a single assignment step, rarely worth a spawn.
        Ok(assign_step(x, &self.centroids, Exec::serial())?.0)
    }
}

/// The result of compressing an image by vector quantization.
#[derive(Clone, Debug, PartialEq)]
pub struct Quantized {
    /// The image with every pixel replaced by its codeword.
    pub image: Image,
    /// The K codewords (one row of `channels` values each).
    pub codebook: Matrix<f64>,
    /// `N ⌈log₂ K⌉ + K C`: one code per pixel plus the codebook, C = 8 bits per channel.
    pub bits: usize,
    /// `N C`: the raw image.
    pub raw_bits: usize,
    /// Mean squared error per sample, in grey levels².
    pub mse: f64,
    /// Peak signal-to-noise ratio `10 log₁₀(255² / MSE)`, in decibels.
    pub psnr: f64,
}

// ANCHOR: quantize
/// Vector quantization (the lecture's image compression): k-means on the pixels (grey
/// levels, or RGB triples), then every pixel is stored as the index of its centroid.
pub fn quantize_image(image: &Image, k: usize, seed: u64) -> Result<Quantized> {
    let (n, c) = (image.width * image.height, image.channels);
    let x = Matrix::new(n, c, image.pixels.iter().map(|&p| f64::from(p)).collect())?;
    let fit = KMeans::new(k).n_init(3).seed(seed).fit(&x)?;
    let codebook = fit.centroids.map(|v| v.round().clamp(0.0, 255.0));
    let pixels: Vec<u8> = fit
        .labels
        .iter()
        .flat_map(|&l| codebook.row(l).iter().map(|&v| v as u8).collect::<Vec<_>>())
        .collect();
    let mse = pixels
        .iter()
        .zip(&image.pixels)
        .map(|(&a, &b)| (f64::from(a) - f64::from(b)).powi(2))
        .sum::<f64>()
        / (n * c) as f64;
    let code_bits = (usize::BITS - (k - 1).leading_zeros()) as usize; // ⌈log₂ K⌉
    Ok(Quantized {
        image: Image::new(image.width, image.height, c, pixels)?,
        codebook,
        bits: n * code_bits + k * 8 * c,
        raw_bits: n * 8 * c,
        mse,
        psnr: if mse > 0.0 {
            10.0 * (255.0 * 255.0 / mse).log10()
        } else {
            f64::INFINITY
        },
    })
}
// ANCHOR_END: quantize

/// The gap statistic for K = 1..=k_max (Tibshirani, Walther and Hastie 2001).
#[derive(Clone, Debug, PartialEq)]
pub struct Gap {
    /// `Gap(K) = E*[log W*_K] - log W_K`, K = 1..=k_max.
    pub gap: Vec<f64>,
    /// `s_K = sd(log W*_K) √(1 + 1/B)`.
    pub s: Vec<f64>,
    /// `log W_K` of the data.
    pub log_w: Vec<f64>,
    /// The chosen K: the smallest with `Gap(K) ≥ Gap(K+1) - s_{K+1}` (the 1-s.e. rule).
    pub k: usize,
}

// ANCHOR: gap
/// The gap statistic: compare the within-cluster dispersion `W_K` (k-means' J) with its
/// expectation under `b` reference data sets drawn uniformly over the data's bounding box,
/// where there are no clusters. Real clusters make `log W_K` fall faster than the
/// reference's as K grows, until K passes the true number.
pub fn gap_statistic(x: &Matrix<f64>, k_max: usize, b: usize, seed: u64) -> Result<Gap> {
    if k_max == 0 || k_max >= x.rows() {
        return Err(Error::invalid(
            "k_max",
            k_max,
            format!(
                "must be between 1 and rows - 1 = {}",
                x.rows().saturating_sub(1)
            ),
        ));
    }
    if b < 2 {
        return Err(Error::invalid(
            "b",
            b,
            "need at least 2 reference data sets",
        ));
    }
    x.check_finite("gap statistic data")?;
    let (n, d) = x.shape();
    let lo: Vec<f64> = (0..d)
        .map(|j| x.iter_rows().map(|r| r[j]).fold(f64::INFINITY, f64::min))
        .collect();
    let hi: Vec<f64> = (0..d)
        .map(|j| {
            x.iter_rows()
                .map(|r| r[j])
                .fold(f64::NEG_INFINITY, f64::max)
        })
        .collect();
    let log_w_of = |data: &Matrix<f64>, k: usize, s: u64| -> Result<f64> {
        Ok(KMeans::new(k)
            .n_init(3)
            .seed(s)
            .fit(data)?
            .inertia
            .max(f64::MIN_POSITIVE)
            .ln())
    };
    let mut rng = Rng::seed_from_u64(seed);
    let refs: Vec<Matrix<f64>> = (0..b)
        .map(|_| Matrix::from_fn(n, d, |_, j| rng.uniform(lo[j], hi[j])))
        .collect();
    let (mut gap, mut s, mut log_w) = (Vec::new(), Vec::new(), Vec::new());
    for k in 1..=k_max {
        let lw = log_w_of(x, k, seed)?;
        let star: Vec<f64> = refs
            .iter()
            .enumerate()
            .map(|(i, r)| log_w_of(r, k, Rng::child_seed(seed, 1 + i as u64)))
            .collect::<Result<_>>()?;
        let mean = star.iter().sum::<f64>() / b as f64;
        let sd = (star.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / b as f64).sqrt();
        gap.push(mean - lw);
        s.push(sd * (1.0 + 1.0 / b as f64).sqrt());
        log_w.push(lw);
    }
    let k = (0..k_max - 1)
        .find(|&i| gap[i] >= gap[i + 1] - s[i + 1])
        .map_or(k_max, |i| i + 1);
    Ok(Gap { gap, s, log_w, k })
}
// ANCHOR_END: gap
