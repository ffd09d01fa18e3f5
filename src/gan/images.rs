//! Chapter 14's image experiments: MNIST digits as GAN data (pixels scaled to [−1, 1], the
//! range of G's tanh), and what is measured on generated digits besides
//! [`super::quality`]: whether a conditional generator draws the digit it is asked for,
//! whether InfoGAN's category has found the digits, and the nearest training image of a
//! sample (the check against memorisation).

use super::model::Gan;
use super::quality::Evaluator;
use crate::error::Result;
use crate::linalg::{knn, Exec, Matrix};
use crate::metrics::matching_accuracy;
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
