//! Chapter 14's image experiments: MNIST digits as GAN data (pixels scaled to [−1, 1], the
//! range of G's tanh), and what is measured on generated digits besides
//! [`super::quality`]: whether a conditional generator draws the digit it is asked for,
//! whether InfoGAN's category has found the digits, and the nearest training image of a
//! sample (the check against memorisation). Two data sets with known structure: stacked
//! MNIST's 1,000 modes (mode collapse on images) and blobs at planted polar coordinates
//! (disentanglement).

use super::model::Gan;
use super::quality::Evaluator;
use crate::error::Result;
use crate::linalg::{knn, Exec, Matrix};
use crate::metrics::{matching_accuracy, mutual_information_gap};
use crate::nn::train::rows;
use crate::rand::Rng;

/// Pixels of one MNIST digit.
pub const PIXELS: usize = 784;

/// Pixels in [0, 1] scaled to [−1, 1].
pub fn to_signed(pixels: &[f32]) -> Vec<f32> {
    pixels.iter().map(|&p| 2.0 * p - 1.0).collect()
}

/// Generated pixels in [−1, 1] back to [0, 1].
pub fn to_unit(pixels: &[f32]) -> Vec<f32> {
    pixels
        .iter()
        .map(|&p| (0.5 * (p + 1.0)).clamp(0.0, 1.0))
        .collect()
}

/// `n` digits from a conditional generator asked for labels `0, 1, …, 9, 0, …` in turn,
/// in [0, 1], with the labels asked for.
pub fn conditional_samples(gan: &mut Gan, n: usize, seed: u64) -> Result<(Vec<f32>, Vec<usize>)> {
    let classes = gan.spec.classes.max(1);
    let asked: Vec<usize> = (0..n).map(|i| i % classes).collect();
    let draw = gan.draw(n, Some(&asked), &mut Rng::seed_from_u64(seed))?;
    Ok((to_unit(&gan.generate_from(draw.input)?), asked))
}

/// The fraction of a conditional generator's digits that the evaluator reads as the label
/// they were asked for.
pub fn label_match(gan: &mut Gan, evaluator: &mut Evaluator, n: usize, seed: u64) -> Result<f64> {
    let (digits, asked) = conditional_samples(gan, n, seed)?;
    let read = evaluator.look(&digits)?.classes();
    Ok(read.iter().zip(&asked).filter(|(a, b)| a == b).count() as f64 / n as f64)
}

// ANCHOR: code_accuracy
/// InfoGAN as a clustering method: Q's most likely category for each real digit (pixels
/// in [0, 1]), scored against the labels under the best one-to-one renaming of categories
/// to digits. Returns the accuracy and the category of every digit.
pub fn code_accuracy(gan: &mut Gan, pixels: &[f32], labels: &[usize]) -> Result<(f64, Vec<usize>)> {
    let k = gan.spec.categories;
    let width = gan.spec.code_outputs();
    let q = gan.read_codes(&to_signed(pixels))?;
    let categories: Vec<usize> = q
        .chunks(width)
        .map(|row| (0..k).fold(0, |b, j| if row[j] > row[b] { j } else { b }))
        .collect();
    let (accuracy, _) = matching_accuracy(&categories, labels)?;
    Ok((accuracy, categories))
}
// ANCHOR_END: code_accuracy

/// The index of the nearest training image (Euclidean, in pixels) of every sample.
pub fn nearest(samples: &[f32], training: &[f32], exec: Exec) -> Result<Vec<usize>> {
    let as_matrix = |v: &[f32], what| -> Result<Matrix<f32>> {
        Matrix::new(rows(v, PIXELS, what)?, PIXELS, v.to_vec())
    };
    let found = knn(
        &as_matrix(training, "training images")?,
        &as_matrix(samples, "samples")?,
        1,
        exec,
    )?;
    Ok(found.indices)
}

// ANCHOR: stacked
/// Stacked MNIST (Metz et al. 2017; PacGAN's Table 2): `n` images of three channels, each
/// a digit drawn at random from `pixels` (rows of 784 in [0, 1]), so there are 1,000
/// modes, one per triple of digits. Returns the images (rows of 3 x 784, channel after
/// channel) and each one's mode `100 a + 10 b + c` from `labels`.
pub fn stacked_mnist(
    pixels: &[f32],
    labels: &[usize],
    n: usize,
    seed: u64,
) -> Result<(Vec<f32>, Vec<usize>)> {
    let m = rows(pixels, PIXELS, "digits to stack")?;
    crate::check_memory(|| format!("{n} stacked MNIST images"), n, 3 * PIXELS * 4)?;
    let mut rng = Rng::seed_from_u64(seed);
    let mut images = Vec::with_capacity(n * 3 * PIXELS);
    let mut modes = Vec::with_capacity(n);
    for _ in 0..n {
        let mut mode = 0;
        for _ in 0..3 {
            let i = rng.index(m)?;
            images.extend_from_slice(&pixels[i * PIXELS..(i + 1) * PIXELS]);
            mode = 10 * mode + labels.get(i).copied().unwrap_or(0);
        }
        modes.push(mode);
    }
    Ok((images, modes))
}

/// Modes of stacked MNIST found among generated images.
#[derive(Clone, Debug, PartialEq)]
pub struct StackedModes {
    /// How many of the 1,000 triples occur at least once.
    pub modes_captured: usize,
    /// `KL(p ‖ uniform)` of the histogram of triples, in nats (0 when every triple is
    /// equally common; ln 1000 ≈ 6.91 when one triple takes everything).
    pub kl_to_uniform: f64,
    /// The triple the evaluator reads in every image.
    pub modes: Vec<usize>,
}

/// Reads each channel of 3-channel images (pixels in [0, 1]) with the evaluator, as
/// PacGAN's code does with its MNIST classifier, and counts the triples.
pub fn stacked_modes(evaluator: &mut Evaluator, images: &[f32]) -> Result<StackedModes> {
    let n = rows(images, 3 * PIXELS, "stacked images")?;
    let mut modes = vec![0; n];
    for channel in 0..3 {
        let plane: Vec<f32> = images
            .chunks(3 * PIXELS)
            .flat_map(|img| {
                img[channel * PIXELS..(channel + 1) * PIXELS]
                    .iter()
                    .copied()
            })
            .collect();
        for (m, c) in modes.iter_mut().zip(evaluator.look(&plane)?.classes()) {
            *m = 10 * *m + c;
        }
    }
    let mut counts = vec![0usize; 1000];
    for &m in &modes {
        counts[m] += 1;
    }
    let kl_to_uniform = counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = c as f64 / n as f64;
            p * (1000.0 * p).ln()
        })
        .sum();
    Ok(StackedModes {
        modes_captured: counts.iter().filter(|&&c| c > 0).count(),
        kl_to_uniform,
        modes,
    })
}
// ANCHOR_END: stacked

/// The side of a polar-blob image.
pub const POLAR_SIDE: usize = 28;

/// The blob's standard deviation in pixels: wide enough that blobs at nearby positions
/// overlap, so the discriminator's verdict changes smoothly as a blob moves (part 1's
/// lesson about disjoint supports).
pub const BLOB_SD: f64 = 2.5;

/// The range of the blob's distance from the centre, in pixels.
pub const RADII: (f64, f64) = (3.0, 8.0);

// ANCHOR: polar
/// Lecture 000's data with planted factors: a Gaussian blob (σ [`BLOB_SD`] pixels) on a
/// dark 28 x 28 image at angle `θ ∈ [0, π]` and radius `r` in [`RADII`] pixels from the
/// centre, both uniform. The angle is kept to half a turn so that it has two ends, like the
/// codes it should be matched with. Returns the images (pixels in [0, 1]) and the factors
/// `(θ, r)` of each.
pub fn polar_blobs(n: usize, seed: u64) -> Result<(Vec<f32>, Vec<[f64; 2]>)> {
    crate::check_memory(
        || format!("{n} polar images"),
        n,
        POLAR_SIDE * POLAR_SIDE * 4,
    )?;
    let mut rng = Rng::seed_from_u64(seed);
    let mut images = Vec::with_capacity(n * POLAR_SIDE * POLAR_SIDE);
    let mut factors = Vec::with_capacity(n);
    for _ in 0..n {
        let theta = std::f64::consts::PI * rng.next_f64();
        let r = RADII.0 + (RADII.1 - RADII.0) * rng.next_f64();
        images.extend(render_blob(theta, r));
        factors.push([theta, r]);
    }
    Ok((images, factors))
}

/// One blob at polar coordinates `(θ, r)` about the image centre.
fn render_blob(theta: f64, r: f64) -> Vec<f32> {
    let c = (POLAR_SIDE as f64 - 1.0) / 2.0;
    let (bx, by) = (c + r * theta.cos(), c - r * theta.sin());
    let mut img = Vec::with_capacity(POLAR_SIDE * POLAR_SIDE);
    for y in 0..POLAR_SIDE {
        for x in 0..POLAR_SIDE {
            let d2 = (x as f64 - bx).powi(2) + (y as f64 - by).powi(2);
            img.push((-d2 / (2.0 * BLOB_SD * BLOB_SD)).exp() as f32);
        }
    }
    img
}

/// The factors `(θ, r)` measured back from an image: the polar coordinates of its
/// brightness-weighted centroid (pixels in [0, 1]; the faint background below 0.1 is
/// ignored so that a generator's haze does not pull the centroid to the centre).
pub fn measure_blob(image: &[f32]) -> [f64; 2] {
    let c = (POLAR_SIDE as f64 - 1.0) / 2.0;
    let (mut w, mut sx, mut sy) = (0.0, 0.0, 0.0);
    for (i, &p) in image.iter().enumerate() {
        let p = f64::from(p);
        if p > 0.1 {
            let (x, y) = ((i % POLAR_SIDE) as f64, (i / POLAR_SIDE) as f64);
            (w, sx, sy) = (w + p, sx + p * x, sy + p * y);
        }
    }
    if w == 0.0 {
        return [0.0, 0.0];
    }
    let (dx, dy) = (sx / w - c, c - sy / w);
    [dy.atan2(dx), dx.hypot(dy)]
}
// ANCHOR_END: polar

// ANCHOR: disentanglement
/// How well a generator's first two continuous codes (or, without codes, its first two
/// noise inputs) control the blob's angle and radius: `n` samples drawn from `seed`, each
/// factor measured back from the image, scored by the mutual information gap with 20 bins.
pub fn disentanglement(gan: &mut Gan, n: usize, seed: u64) -> Result<f64> {
    let draw = gan.draw(n, None, &mut Rng::seed_from_u64(seed))?;
    let images = to_unit(&gan.generate_from(draw.input.clone())?);
    let (codes, stride) = match gan.spec.continuous {
        0 | 1 => (draw.noise.data(), gan.spec.latent),
        c => (&draw.continuous[..], c),
    };
    let code =
        |j: usize| -> Vec<f64> { codes.chunks(stride).map(|row| f64::from(row[j])).collect() };
    let measured: Vec<[f64; 2]> = images
        .chunks(POLAR_SIDE * POLAR_SIDE)
        .map(measure_blob)
        .collect();
    let factor = |k: usize| -> Vec<f64> { measured.iter().map(|f| f[k]).collect() };
    mutual_information_gap(&[factor(0), factor(1)], &[code(0), code(1)], 20)
}
// ANCHOR_END: disentanglement
