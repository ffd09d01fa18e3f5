//! Measuring a generator without a human: chapter 11's digit classifier stands in for the
//! Inception network of the Inception score (Salimans et al., NeurIPS 2016) and of the
//! Fréchet Inception distance (Heusel et al., NeurIPS 2017). Two questions: are the samples
//! recognisable and spread over the classes (the class histogram's entropy and its KL
//! divergence to uniform), and do they look like held-out real digits to the classifier's
//! inner layer (the Fréchet distance between Gaussians fitted to its features)?

use crate::autodiff::{Graph, Tensor};
use crate::eigen::Eigh;
use crate::error::{Error, Result};
use crate::linalg::Matrix;
use crate::nn::classify::{self, Images};
use crate::nn::train::rows;
use crate::nn::Sequential;
use crate::rand::Rng;

/// The layers of chapter 11's CNN that end in its 128 penultimate features (through the
/// ReLU after the first fully connected layer).
const FEATURE_LAYERS: usize = 10;

/// Images per evaluation batch.
const BATCH: usize = 500;

/// Chapter 11's CNN, trained on real digits, as the judge of generated ones.
pub struct Evaluator {
    net: Sequential<f32>,
    /// Its accuracy on held-out real digits.
    pub test_accuracy: f64,
}

/// What the evaluator sees in a set of 28 x 28 images.
#[derive(Clone, Debug, PartialEq)]
pub struct Look {
    /// The penultimate features, one row per image (n, 128).
    pub features: Matrix<f64>,
    /// The class probabilities (softmax of the logits), one row per image (n, 10).
    pub probabilities: Matrix<f64>,
}

impl Look {
    /// The most probable class of every image.
    pub fn classes(&self) -> Vec<usize> {
        self.probabilities
            .iter_rows()
            .map(|p| (0..p.len()).fold(0, |b, j| if p[j] > p[b] { j } else { b }))
            .collect()
    }
}

impl Evaluator {
    /// Trains chapter 11's CNN with its plain recipe for `epochs` epochs on `train`.
    pub fn train(
        train: &Images<'_>,
        test: &Images<'_>,
        epochs: usize,
        seed: u64,
    ) -> Result<Evaluator> {
        let mut net = classify::cnn(0.0, &mut Rng::seed_from_u64(seed))?;
        let recipe = classify::Recipe {
            epochs,
            seed,
            ..classify::Recipe::plain()
        };
        let report = classify::train_classifier(&mut net, train, test, &recipe)?;
        Ok(Evaluator {
            net,
            test_accuracy: report.test_accuracy.last().copied().unwrap_or(0.0),
        })
    }

    /// The features and class probabilities of 28 x 28 images with pixels in [0, 1].
    pub fn look(&mut self, pixels: &[f32]) -> Result<Look> {
        let n = rows(pixels, 784, "images to evaluate")?;
        let (mut features, mut probabilities) = (Vec::new(), Vec::new());
        for chunk in pixels.chunks(BATCH * 784) {
            let m = chunk.len() / 784;
            let x = Tensor::new(&[m, 784], chunk.to_vec())?;
            let h = self.net.predict_layers(x, 0..FEATURE_LAYERS)?;
            let layers = self.net.len();
            let logits = self.net.predict_layers(h.clone(), FEATURE_LAYERS..layers)?;
            features.extend(h.data().iter().map(|&v| f64::from(v)));
            let mut g = Graph::new();
            let l = g.constant(logits);
            let p = g.softmax(l);
            probabilities.extend(g.value(p).data().iter().map(|&v| f64::from(v)));
        }
        let width = features.len() / n;
        Ok(Look {
            features: Matrix::new(n, width, features)?,
            probabilities: Matrix::new(n, 10, probabilities)?,
        })
    }
}

// ANCHOR: frechet
/// The Fréchet (2-Wasserstein) distance between Gaussians fitted to the rows of `a` and
/// of `b`: `‖μ_a − μ_b‖² + tr(Σ_a + Σ_b − 2 (Σ_a^{½} Σ_b Σ_a^{½})^{½})`. The matrix
/// square roots come from chapter 2's symmetric eigensolver, so every matrix whose root
/// is taken is symmetric positive semi-definite.
pub fn frechet_distance(a: &Matrix<f64>, b: &Matrix<f64>) -> Result<f64> {
    if a.cols() != b.cols() {
        return Err(Error::ShapeMismatch {
            op: "frechet_distance",
            left: a.shape(),
            right: b.shape(),
        });
    }
    let (mu_a, mu_b) = (a.column_means()?, b.column_means()?);
    let (sa, sb) = (a.covariance_population()?, b.covariance_population()?);
    let root_a = sqrt_psd(&sa)?;
    let middle = root_a.matmul(&sb)?.matmul(&root_a)?;
    let middle = middle.add(&middle.transpose())?.scale(0.5); // symmetric to rounding
    let cross: f64 = Eigh::new()
        .solve(&middle)?
        .values
        .iter()
        .map(|&l| l.max(0.0).sqrt())
        .sum();
    let mean_gap: f64 = mu_a.iter().zip(&mu_b).map(|(x, y)| (x - y) * (x - y)).sum();
    let trace = |m: &Matrix<f64>| (0..m.rows()).map(|i| m.row(i)[i]).sum::<f64>();
    Ok((mean_gap + trace(&sa) + trace(&sb) - 2.0 * cross).max(0.0))
}

/// The symmetric square root `V diag(√λ) Vᵀ` of a positive semi-definite matrix (negative
/// rounding in the eigenvalues clipped to 0).
fn sqrt_psd(m: &Matrix<f64>) -> Result<Matrix<f64>> {
    let e = Eigh::new().solve(m)?;
    let d = m.rows();
    let roots: Vec<f64> = e.values.iter().map(|&l| l.max(0.0).sqrt()).collect();
    Ok(Matrix::from_fn(d, d, |i, j| {
        (0..d)
            .map(|k| e.vectors.row(i)[k] * roots[k] * e.vectors.row(j)[k])
            .sum()
    }))
}
// ANCHOR_END: frechet

/// The evaluator with what every judgement compares against.
pub struct Judge {
    pub evaluator: Evaluator,
    /// The held-out digits' features.
    pub reference: Matrix<f64>,
    /// The Fréchet distance between as many training digits as there are held-out ones
    /// and the held-out digits: the floor a perfect generator would reach.
    pub floor: f64,
}

impl Judge {
    /// Chapter 11's CNN trained `epochs` epochs on `train` with seed 0, judging against
    /// `test`.
    pub fn new(train: &Images<'_>, test: &Images<'_>, epochs: usize) -> Result<Judge> {
        let mut evaluator = Evaluator::train(train, test, epochs, 0)?;
        let reference = evaluator.look(test.pixels)?.features;
        let n = test.len().min(train.len());
        let real = evaluator
            .look(&train.pixels[..n * train.side * train.side])?
            .features;
        let floor = frechet_distance(&real, &reference)?;
        Ok(Judge {
            evaluator,
            reference,
            floor,
        })
    }
}

/// A generator's samples, judged.
#[derive(Clone, Debug, PartialEq)]
pub struct Quality {
    /// The Fréchet distance to the reference (held-out real) features.
    pub frechet: f64,
    /// The share of samples the evaluator puts in each class.
    pub histogram: Vec<f64>,
    /// The entropy of `histogram` in nats (ln 10 ≈ 2.303 when every class is equally
    /// common).
    pub class_entropy: f64,
    /// `KL(histogram ‖ uniform) = ln 10 − class_entropy`.
    pub kl_to_uniform: f64,
    /// `exp E_x KL(p(y|x) ‖ p(y))`: between 1 and 10, high when every sample is confidently
    /// one class and the classes are balanced (the Inception score's formula).
    pub inception_score: f64,
}

// ANCHOR: quality
/// Judges `samples` (rows of 784 pixels in [0, 1]) against the features of held-out
/// real digits.
pub fn quality(
    evaluator: &mut Evaluator,
    samples: &[f32],
    reference: &Matrix<f64>,
) -> Result<Quality> {
    let look = evaluator.look(samples)?;
    let n = look.probabilities.rows();
    let k = look.probabilities.cols();
    let mut histogram = vec![0.0; k];
    for c in look.classes() {
        histogram[c] += 1.0 / n as f64;
    }
    let class_entropy = entropy(&histogram);
    let marginal = look.probabilities.column_means()?;
    let mean_kl = look
        .probabilities
        .iter_rows()
        .map(|p| {
            p.iter()
                .zip(&marginal)
                .filter(|(&pi, _)| pi > 0.0)
                .map(|(&pi, &mi)| pi * (pi / mi).ln())
                .sum::<f64>()
        })
        .sum::<f64>()
        / n as f64;
    Ok(Quality {
        frechet: frechet_distance(&look.features, reference)?,
        kl_to_uniform: (k as f64).ln() - class_entropy,
        class_entropy,
        histogram,
        inception_score: mean_kl.exp(),
    })
}
// ANCHOR_END: quality

/// `−Σ p ln p` in nats.
pub fn entropy(p: &[f64]) -> f64 {
    -p.iter()
        .filter(|&&v| v > 0.0)
        .map(|&v| v * v.ln())
        .sum::<f64>()
}
