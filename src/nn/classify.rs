//! The end-to-end check of chapters 10 and 11: classify handwritten digits with a
//! multilayer perceptron and a small convolutional network, trained with Adam.

use super::optim::{Adam, Optimizer};
use super::train::{gather_rows, TrainReport, Trainer};
use super::{
    perceptron, Activation, Conv2d, Dropout, Init, Layer, Linear, MaxPool2d, Mode, Reshape,
    Sequential,
};
use crate::autodiff::{Conv2dSpec, Graph, Tensor};
use crate::error::{Error, Result};
use crate::rand::Rng;

/// Images as rows of `side x side` pixels in [0, 1], with their digit labels.
pub struct Images<'a> {
    pub pixels: &'a [f32],
    pub labels: &'a [usize],
    pub side: usize,
}

impl<'a> Images<'a> {
    /// The first `n` images (training) and the rest (test), as chapter 11 splits MNIST
    /// (8,000 and 2,000); `n` is capped at the number of images.
    pub fn split_at(&self, n: usize) -> (Images<'a>, Images<'a>) {
        let n = n.min(self.len());
        let px = (n * self.side * self.side).min(self.pixels.len());
        let (pixels, labels, side) = (self.pixels, self.labels, self.side);
        (
            Images {
                pixels: &pixels[..px],
                labels: &labels[..n],
                side,
            },
            Images {
                pixels: &pixels[px..],
                labels: &labels[n..],
                side,
            },
        )
    }
    pub fn len(&self) -> usize {
        self.labels.len()
    }
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }
    fn check(&self, what: &'static str) -> Result<()> {
        if self.is_empty() {
            return Err(Error::Empty { input: what });
        }
        if self.pixels.len() != self.len() * self.side * self.side {
            return Err(Error::BadLength {
                what,
                expected: self.len() * self.side * self.side,
                actual: self.pixels.len(),
            });
        }
        if let Some(&bad) = self.labels.iter().find(|&&l| l >= 10) {
            return Err(Error::IndexOutOfBounds {
                what: "label",
                index: bad,
                bound: 10,
            });
        }
        Ok(())
    }
}

// ANCHOR: models
/// The multilayer perceptron `pixels-256-128-10` with ReLU, on flattened images.
pub fn mlp(pixels: usize, dropout: f64, rng: &mut Rng) -> Result<Sequential<f32>> {
    perceptron(
        &[pixels, 256, 128, 10],
        Activation::Relu,
        None,
        dropout,
        rng,
    )
}

/// The convolutional network for 28 x 28 digits: conv 5x5x32, max-pool 2, conv 5x5x64,
/// max-pool 2, then 1024-128-10 (no padding: 28 → 24 → 12 → 8 → 4, and 64·4·4 = 1024).
pub fn cnn(dropout: f64, rng: &mut Rng) -> Result<Sequential<f32>> {
    let conv = Conv2dSpec::default();
    Ok(Sequential::new()
        .push(Reshape(vec![1, 28, 28])) // (n, 1, 28, 28)
        .push(Conv2d::new(1, 32, 5, conv, Init::He, rng)) // (n, 32, 24, 24)
        .push(Activation::Relu)
        .push(MaxPool2d(2)) // (n, 32, 12, 12)
        .push(Conv2d::new(32, 64, 5, conv, Init::He, rng)) // (n, 64, 8, 8)
        .push(Activation::Relu)
        .push(MaxPool2d(2)) // (n, 64, 4, 4)
        .push(Reshape(vec![])) // (n, 1024)
        .push(Linear::new(1024, 128, Init::He, rng))
        .push(Activation::Relu)
        .push(Dropout::new(dropout, rng.next_u64())?)
        .push(Linear::new(128, 10, Init::Glorot, rng)))
}
// ANCHOR_END: models

/// How to train: the plain recipe is Adam with learning rate 1e-3, batches of 128 and
/// 10 epochs; the better one adds random shifts, dropout and a decaying learning rate.
#[derive(Clone, Debug, PartialEq)]
pub struct Recipe {
    pub epochs: usize,
    pub batch_size: usize,
    pub learning_rate: f64,
    /// Each training image is moved by up to this many pixels in x and y (0: none).
    pub max_shift: usize,
    pub dropout: f64,
    /// The learning rate is multiplied by this after every epoch.
    pub decay: f64,
    pub seed: u64,
    pub progress: bool,
}

impl Recipe {
    pub fn plain() -> Recipe {
        Recipe {
            epochs: 10,
            batch_size: 128,
            learning_rate: 1e-3,
            max_shift: 0,
            dropout: 0.0,
            decay: 1.0,
            seed: 0,
            progress: false,
        }
    }
    pub fn better() -> Recipe {
        Recipe {
            epochs: 25,
            max_shift: 2,
            dropout: 0.3,
            decay: 0.85,
            ..Recipe::plain()
        }
    }
}

/// What training produced: per-epoch loss, test accuracy after each epoch, the time.
#[derive(Clone, Debug, PartialEq)]
pub struct ClassifierReport {
    pub train: TrainReport,
    pub test_accuracy: Vec<f64>,
}

/// A batch of images moved by random whole-pixel shifts (zeros shifted in): cheap data
/// augmentation that teaches the network that a digit's position does not matter.
fn shifted(batch: &mut Tensor<f32>, side: usize, max_shift: usize, rng: &mut Rng) {
    let span = 2 * max_shift as u64 + 1;
    for img in batch.data_mut().chunks_mut(side * side) {
        let dx = rng.below(span).unwrap_or(0) as isize - max_shift as isize;
        let dy = rng.below(span).unwrap_or(0) as isize - max_shift as isize;
        let src = img.to_vec();
        for y in 0..side as isize {
            for x in 0..side as isize {
                let (sx, sy) = (x - dx, y - dy);
                let inside = (0..side as isize).contains(&sx) && (0..side as isize).contains(&sy);
                img[(y * side as isize + x) as usize] = if inside {
                    src[(sy * side as isize + sx) as usize]
                } else {
                    0.0
                };
            }
        }
    }
}

// ANCHOR: train_classifier
/// Trains `model` on `train` with cross-entropy and Adam, evaluating on `test` after every
/// epoch.
pub fn train_classifier(
    model: &mut Sequential<f32>,
    train: &Images<'_>,
    test: &Images<'_>,
    recipe: &Recipe,
) -> Result<ClassifierReport> {
    train.check("training images")?;
    test.check("test images")?;
    let trainer = Trainer::new(recipe.epochs, recipe.batch_size)?
        .seed(recipe.seed)
        .progress(recipe.progress);
    let pixels = train.side * train.side;
    let mut state = (
        model,
        Adam::new(recipe.learning_rate)?,
        Rng::stream(recipe.seed, 1),
        Vec::new(),
    );
    let report = trainer.run(
        train.len(),
        &mut state,
        |(model, adam, rng, _), batch| {
            let mut x = gather_rows(train.pixels, pixels, batch, &[pixels])?;
            if recipe.max_shift > 0 {
                shifted(&mut x, train.side, recipe.max_shift, rng);
            }
            let labels: Vec<usize> = batch.iter().map(|&i| train.labels[i]).collect();
            let mut g = Graph::new();
            let xv = g.constant(x);
            let logits = model.forward(&mut g, xv, Mode::Train)?;
            let loss = g.cross_entropy_with_logits(logits, &labels)?;
            let value = f64::from(g.value(loss).item()?);
            let grads = g.backward(loss)?;
            adam.step(model.params_mut(), &grads);
            Ok(value)
        },
        |(model, adam, _, acc), _, _| {
            acc.push(accuracy(model, test)?);
            adam.set_learning_rate(adam.learning_rate() * recipe.decay)
        },
    )?;
    Ok(ClassifierReport {
        train: report,
        test_accuracy: state.3,
    })
}
// ANCHOR_END: train_classifier

/// The predicted class of every image (evaluation mode, batches of 500).
pub fn predict(model: &mut Sequential<f32>, images: &Images<'_>) -> Result<Vec<usize>> {
    images.check("images")?;
    let pixels = images.side * images.side;
    let mut out = Vec::with_capacity(images.len());
    let index: Vec<usize> = (0..images.len()).collect();
    for batch in index.chunks(500) {
        let x = gather_rows(images.pixels, pixels, batch, &[pixels])?;
        let logits = model.predict(x)?;
        out.extend(
            logits
                .data()
                .chunks(10)
                .map(|row| (0..10).fold(0, |b, j| if row[j] > row[b] { j } else { b })),
        );
    }
    Ok(out)
}

/// The fraction of `images` whose predicted class is their label.
pub fn accuracy(model: &mut Sequential<f32>, images: &Images<'_>) -> Result<f64> {
    let predicted = predict(model, images)?;
    Ok(predicted
        .iter()
        .zip(images.labels)
        .filter(|(p, l)| p == l)
        .count() as f64
        / images.len() as f64)
}
