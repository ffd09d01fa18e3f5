//! # Chapter 9 · UMAP, beside t-SNE
//!
//! Lecture: the map of unsupervised learning lists UMAP beside spectral clustering and
//! t-SNE · book `09-tsne.md`, "UMAP" · tests `tests/tsne.rs` · bench `benches/tsne.rs`
//!
//! UMAP (McInnes, Healy and Melville 2018) keeps t-SNE's plan, a graph of neighbours in the
//! data and a map whose neighbours match it, and changes three parts:
//! 1. the graph: each point's k − 1 nearest neighbours with memberships
//!    `exp(-(dᵢⱼ - ρᵢ)₊ / σᵢ)`, σᵢ calibrated so they sum to `log₂ k` ([`calibrate_membership`],
//!    t-SNE's perplexity search in another guise), then the fuzzy union
//!    `wᵢⱼ + wⱼᵢ - wᵢⱼ wⱼᵢ` ([`fuzzy_union`]) instead of t-SNE's average;
//! 2. the map's similarity: `q = 1 / (1 + a d^{2b})`, a Student-t whose shape is fitted to
//!    `min_dist` and `spread` ([`fit_curve`]), not normalised over all pairs;
//! 3. the cost: the cross-entropy of the weights as independent edge probabilities,
//!    `Σ w log(w/q) + (1 - w) log((1 - w)/(1 - q))`, minimised by sampling edges for
//!    attraction and random points for repulsion ([`optimize_layout`]), from a spectral
//!    starting map ([`spectral_layout`]).
//!
//! Cost: the kNN search (chapter 1, exact) and O(n·k·epochs·(1 + negative rate)) for the
//! descent, with no all-pairs term at all.

mod graph;
mod layout;

pub use graph::{calibrate_membership, fuzzy_union, memberships, Membership};
pub use layout::{fit_curve, optimize_layout, prune, scale_layout, spectral_layout, Sgd};

use crate::error::{check_count, Error, Result, MAX_ITERATIONS};
use crate::linalg::{knn, knn_self, nn_descent, Csr, Exec, Matrix};
use crate::rand::Rng;

/// Where the map starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Init {
    /// The graph's Laplacian eigenvectors; random when the graph is disconnected.
    Spectral,
    /// Uniform in [-10, 10] on every axis.
    Random,
}

/// How the neighbour graph's neighbours are found.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Search {
    /// Exact up to [`EXACT_SEARCH_MAX`] points, NN-descent above.
    #[default]
    Auto,
    /// Chapter 1's exact search: O(n²d), by blocked GEMM.
    Exact,
    /// NN-descent ([`crate::linalg::nn_descent`]): approximate, about O(n k² d) per round.
    Descent,
}

/// The largest `spread` accepted.
pub const MAX_SPREAD: f64 = 1000.0;

/// Up to this many points, [`Search::Auto`] searches exactly (MNIST 10k: 1.5 s).
pub const EXACT_SEARCH_MAX: usize = 20_000;

/// UMAP's hyperparameters; [`Umap::fit`] validates them.
#[derive(Clone, Debug)]
pub struct Umap {
    n_components: usize,
    n_neighbors: usize,
    min_dist: f64,
    spread: f64,
    n_epochs: Option<usize>,
    learning_rate: f64,
    negative_sample_rate: usize,
    repulsion_strength: f64,
    init: Init,
    search: Search,
    exec: Exec,
    seed: u64,
}

/// What UMAP found, and what [`FittedUmap::transform`] needs to place new points.
#[derive(Clone, Debug)]
pub struct FittedUmap {
    /// n x n_components map points.
    pub embedding: Matrix<f64>,
    /// The fuzzy graph the map was fitted to (symmetric, weights in (0, 1]), before the
    /// pruning of weights too small to be sampled.
    pub graph: Csr<f64>,
    /// Each point's ρ, σ and total membership.
    pub calibration: Vec<Membership>,
    /// The fitted curve `1 / (1 + a d^{2b})`.
    pub a: f64,
    pub b: f64,
    pub n_epochs: usize,
    /// The start actually used (spectral falls back to random on a disconnected graph).
    pub init: Init,
    data: Matrix<f64>,
    settings: Umap,
}

impl Default for Umap {
    fn default() -> Self {
        Umap {
            n_components: 2,
            n_neighbors: 15,
            min_dist: 0.1,
            spread: 1.0,
            n_epochs: None,
            learning_rate: 1.0,
            negative_sample_rate: 5,
            repulsion_strength: 1.0,
            init: Init::Spectral,
            search: Search::Auto,
            exec: Exec::default(),
            seed: 0,
        }
    }
}

impl Umap {
    /// umap-learn's defaults: 2 dimensions, 15 neighbours (the point itself counted),
    /// `min_dist` 0.1, `spread` 1, 500 epochs up to 10,000 points and 200 above, learning
    /// rate 1, 5 negative samples per edge sample, spectral start.
    pub fn new() -> Self {
        Umap::default()
    }
    pub fn n_components(mut self, d: usize) -> Self {
        self.n_components = d;
        self
    }
    /// The neighbourhood size k, counting the point itself: k − 1 neighbours per point.
    pub fn n_neighbors(mut self, k: usize) -> Self {
        self.n_neighbors = k;
        self
    }
    /// How close map points may pack: the distance up to which the target curve is 1.
    pub fn min_dist(mut self, d: f64) -> Self {
        self.min_dist = d;
        self
    }
    /// The scale of the target curve's decay beyond `min_dist`.
    pub fn spread(mut self, s: f64) -> Self {
        self.spread = s;
        self
    }
    pub fn n_epochs(mut self, epochs: usize) -> Self {
        self.n_epochs = Some(epochs);
        self
    }
    pub fn learning_rate(mut self, rate: f64) -> Self {
        self.learning_rate = rate;
        self
    }
    pub fn negative_sample_rate(mut self, rate: usize) -> Self {
        self.negative_sample_rate = rate;
        self
    }
    pub fn repulsion_strength(mut self, gamma: f64) -> Self {
        self.repulsion_strength = gamma;
        self
    }
    pub fn init(mut self, init: Init) -> Self {
        self.init = init;
        self
    }
    /// Exact or approximate neighbours (default: exact up to [`EXACT_SEARCH_MAX`] points).
    pub fn search(mut self, search: Search) -> Self {
        self.search = search;
        self
    }
    /// Threads for the kNN search, the calibration, the spectral start and the descent; the
    /// map is the same for any count.
    pub fn threads(mut self, threads: usize) -> Self {
        self.exec = self.exec.with_threads(threads);
        self
    }
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    fn validate(&self, x: &Matrix<f64>) -> Result<()> {
        x.check_samples("UMAP input")?;
        x.check_finite("UMAP input")?;
        let n = x.rows();
        check_count(
            "n_components",
            self.n_components,
            n.saturating_sub(2),
            "the number of points less 2 (the spectral start needs n_components + 1 eigenvectors of a larger graph)",
        )?;
        if self.n_neighbors < 2 || self.n_neighbors >= n {
            return Err(Error::invalid(
                "n_neighbors",
                self.n_neighbors,
                format!(
                    "must be at least 2 (the point and one neighbour) and below the number of points ({n})"
                ),
            ));
        }
        // The map's scale only matters against min_dist; far beyond the curve's usual 0.5 to 3
        // the least-squares fit of a and b has nothing left to fit.
        if !(self.spread > 0.0 && self.spread <= MAX_SPREAD) {
            return Err(Error::invalid(
                "spread",
                self.spread,
                format!("must be above 0 and at most {MAX_SPREAD}"),
            ));
        }
        if !(self.min_dist >= 0.0 && self.min_dist <= self.spread) {
            return Err(Error::invalid(
                "min_dist",
                self.min_dist,
                format!("must be between 0 and spread ({})", self.spread),
            ));
        }
        if let Some(epochs) = self.n_epochs {
            check_count("n_epochs", epochs, MAX_ITERATIONS, "the iteration limit")?;
        }
        if !(self.learning_rate > 0.0 && self.learning_rate.is_finite()) {
            return Err(Error::invalid(
                "learning_rate",
                self.learning_rate,
                "must be above 0",
            ));
        }
        check_count(
            "negative_sample_rate",
            self.negative_sample_rate,
            1000,
            "1000",
        )?;
        if !(self.repulsion_strength >= 0.0 && self.repulsion_strength.is_finite()) {
            return Err(Error::invalid(
                "repulsion_strength",
                self.repulsion_strength,
                "must be at least 0",
            ));
        }
        Ok(())
    }

    // ANCHOR: fit
    /// Embeds the rows of `x`: the fuzzy graph (step 1), the curve (2), the spectral start
    /// and the sampled descent on the cross-entropy (3).
    pub fn fit(&self, x: &Matrix<f64>) -> Result<FittedUmap> {
        self.validate(x)?;
        let n = x.rows();
        let nb = self.neighbours(x)?;
        let (calibration, directed) = memberships(&nb, self.n_neighbors, self.exec);
        let graph = fuzzy_union(n, &directed)?;
        let (a, b) = fit_curve(self.min_dist, self.spread)?;
        let n_epochs = self.n_epochs.unwrap_or(if n <= 10_000 { 500 } else { 200 });
        let mut rng = Rng::seed_from_u64(self.seed);
        let (start, init) = self.initial_layout(&graph, &mut rng)?;
        let mut embedding = scale_layout(start, &mut rng);
        let sgd = self.sgd(a, b, n_epochs, self.learning_rate);
        let seed = Rng::child_seed(self.seed, 1);
        optimize_layout(
            &mut embedding,
            None,
            &prune(&graph, n_epochs)?,
            sgd,
            seed,
            self.exec,
        )?;
        Ok(FittedUmap {
            embedding,
            graph,
            calibration,
            a,
            b,
            n_epochs,
            init,
            data: x.clone(),
            settings: self.clone(),
        })
    }
    // ANCHOR_END: fit

    /// Each point's k − 1 nearest others, exactly or by NN-descent.
    fn neighbours(&self, x: &Matrix<f64>) -> Result<crate::linalg::Neighbors<f64>> {
        let exact = match self.search {
            Search::Auto => x.rows() <= EXACT_SEARCH_MAX,
            Search::Exact => true,
            Search::Descent => false,
        };
        if exact {
            knn_self(x, self.n_neighbors - 1, self.exec)
        } else {
            Ok(nn_descent(x, self.n_neighbors - 1, self.seed)?.0)
        }
    }

    /// The spectral start, or uniform noise when asked for or when the graph is
    /// disconnected; returns the start used.
    fn initial_layout(&self, graph: &Csr<f64>, rng: &mut Rng) -> Result<(Matrix<f64>, Init)> {
        if self.init == Init::Spectral {
            if let Some(y) = spectral_layout(graph, self.n_components, self.seed, self.exec)? {
                return Ok((y, Init::Spectral));
            }
        }
        let y = Matrix::from_fn(graph.rows(), self.n_components, |_, _| {
            rng.uniform(-10.0, 10.0)
        });
        Ok((y, Init::Random))
    }

    fn sgd(&self, a: f64, b: f64, n_epochs: usize, initial_alpha: f64) -> Sgd {
        Sgd {
            a,
            b,
            gamma: self.repulsion_strength,
            negative_rate: self.negative_sample_rate,
            initial_alpha,
            n_epochs,
        }
    }
}

impl FittedUmap {
    // ANCHOR: transform
    /// Places new points into the fitted map without moving it: each new point is
    /// calibrated against its k − 1 nearest training points exactly as a training point
    /// is, starts at the membership-weighted mean of their map positions, and then follows
    /// the same descent for a third of the epochs (at most 100, 30 above 10,000 training
    /// points, as umap-learn) with a quarter of the step, attracted to its training
    /// neighbours and repelled by random training points.
    pub fn transform(&self, x: &Matrix<f64>) -> Result<Matrix<f64>> {
        let s = &self.settings;
        x.check_samples("UMAP transform input")?;
        x.check_finite("UMAP transform input")?;
        let nb = knn(&self.data, x, s.n_neighbors - 1, s.exec)?;
        let (_, directed) = memberships(&nb, s.n_neighbors, s.exec);
        let graph = Csr::from_triplets(x.rows(), self.data.rows(), &directed)?;
        let mut y = self.weighted_mean_start(&graph);
        let cap = if self.data.rows() <= 10_000 { 100 } else { 30 };
        let n_epochs = (self.n_epochs / 3).clamp(1, cap);
        let sgd = s.sgd(self.a, self.b, n_epochs, s.learning_rate / 4.0);
        let seed = Rng::child_seed(s.seed, 2);
        let graph = prune(&graph, n_epochs)?;
        optimize_layout(&mut y, Some(&self.embedding), &graph, sgd, seed, s.exec)?;
        Ok(y)
    }
    // ANCHOR_END: transform

    /// Each new point at the mean of its neighbours' map points, weighted by membership.
    fn weighted_mean_start(&self, graph: &Csr<f64>) -> Matrix<f64> {
        let dim = self.embedding.cols();
        let mut y = Matrix::zeros(graph.rows(), dim);
        for i in 0..graph.rows() {
            let (cols, vals) = graph.row(i);
            let total: f64 = vals.iter().sum();
            for (&j, &w) in cols.iter().zip(vals) {
                for c in 0..dim {
                    y[(i, c)] += w / total * self.embedding[(j, c)];
                }
            }
        }
        y
    }
}
