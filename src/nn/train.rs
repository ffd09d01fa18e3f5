//! The training loop: seeded minibatches over a data set, a loss per epoch, a progress line,
//! and a clear stop when the loss stops being a number.

use crate::autodiff::Tensor;
use crate::error::{Error, Result};
use crate::linalg::Scalar;
use crate::rand::Rng;
use std::io::Write;
use std::time::Instant;

/// A loss this many times its first step's value is diverging, not learning: training
/// starts from a random model, so no sound run gets anywhere near it.
pub const DIVERGED: f64 = 1e4;

/// The most epochs a run may ask for (a day or more of training on MNIST 10k).
pub const MAX_EPOCHS: usize = 10_000;
/// The largest minibatch: a million samples.
pub const MAX_BATCH: usize = 1_000_000;

/// How to iterate: epochs, minibatch size, the seed of the shuffles, and whether to print a
/// progress line on stderr.
#[derive(Clone, Debug, PartialEq)]
pub struct Trainer {
    pub epochs: usize,
    pub batch_size: usize,
    pub seed: u64,
    pub progress: bool,
}

/// What a training run did: the mean loss of every epoch and the time it took.
#[derive(Clone, Debug, PartialEq)]
pub struct TrainReport {
    pub epoch_losses: Vec<f64>,
    pub seconds: f64,
    pub samples_per_second: f64,
}

impl Trainer {
    /// Checks the sizes; seed 0 and no progress line by default.
    pub fn new(epochs: usize, batch_size: usize) -> Result<Trainer> {
        crate::check_count("batch_size", batch_size, MAX_BATCH, "the batch limit")?;
        if epochs > MAX_EPOCHS {
            return Err(Error::invalid(
                "epochs",
                epochs,
                format!("must be at most {MAX_EPOCHS}"),
            ));
        }
        Ok(Trainer {
            epochs,
            batch_size,
            seed: 0,
            progress: false,
        })
    }
    pub fn seed(self, seed: u64) -> Self {
        Trainer { seed, ..self }
    }
    pub fn progress(self, progress: bool) -> Self {
        Trainer { progress, ..self }
    }

    // ANCHOR: run
    /// Runs `step(state, batch)` on every minibatch of a fresh shuffle of `0..n` in every
    /// epoch; it gets the batch's sample indices and returns the batch's mean loss.
    /// `after_epoch(state, epoch, loss)` runs after each epoch (evaluation, learning-rate
    /// decay). Both receive `state` (the model and optimiser, say), so both can change it.
    /// A loss that is NaN, infinite, or [`DIVERGED`] times the first step's stops the run with
    /// [`Error::Diverged`] naming the epoch and the step.
    pub fn run<S>(
        &self,
        n: usize,
        state: &mut S,
        mut step: impl FnMut(&mut S, &[usize]) -> Result<f64>,
        mut after_epoch: impl FnMut(&mut S, usize, f64) -> Result<()>,
    ) -> Result<TrainReport> {
        if n == 0 {
            return Err(Error::Empty {
                input: "training data",
            });
        }
        let mut rng = Rng::seed_from_u64(self.seed);
        let start = Instant::now();
        let mut epoch_losses = Vec::with_capacity(self.epochs);
        let mut steps = 0;
        let mut first_loss = None;
        let mut shown = start;
        for epoch in 0..self.epochs {
            let order = rng.permutation(n);
            let mut total = 0.0;
            for (b, batch) in order.chunks(self.batch_size).enumerate() {
                let loss = step(state, batch)?;
                steps += 1;
                let first = *first_loss.get_or_insert(loss);
                if !loss.is_finite() || loss.abs() > DIVERGED * first.abs().max(f64::MIN_POSITIVE) {
                    return Err(Error::Diverged {
                        what: format!("training loss (epoch {})", epoch + 1),
                        iteration: steps,
                        value: loss,
                    });
                }
                total += loss * batch.len() as f64;
                let seen = b * self.batch_size + batch.len();
                // A line at most four times a second, and always at the end of an epoch.
                if self.progress && (shown.elapsed().as_secs_f64() > 0.25 || seen == n) {
                    shown = Instant::now();
                    self.report(epoch, total / seen as f64, epoch * n + seen, n, start);
                }
            }
            epoch_losses.push(total / n as f64);
            if self.progress {
                eprintln!();
            }
            after_epoch(state, epoch, total / n as f64)?;
        }
        let seconds = start.elapsed().as_secs_f64();
        Ok(TrainReport {
            epoch_losses,
            seconds,
            samples_per_second: (self.epochs * n) as f64 / seconds.max(1e-9),
        })
    }
    // ANCHOR_END: run

    /// `epoch 3/10  loss 0.1234  5400 samples/s  ETA 12 s`, rewritten in place.
    fn report(&self, epoch: usize, loss: f64, done: usize, n: usize, start: Instant) {
        let rate = done as f64 / start.elapsed().as_secs_f64().max(1e-9);
        let eta = (self.epochs * n - done) as f64 / rate;
        let mut err = std::io::stderr().lock();
        // A closed stderr is no reason to stop training.
        let _ = write!(
            err,
            "\repoch {}/{}  loss {loss:.4}  {rate:.0} samples/s  ETA {eta:.0} s   ",
            epoch + 1,
            self.epochs
        );
        let _ = err.flush();
    }
}

/// The rows `index` of a row-major `(n, width)` buffer as a tensor `(index.len(), shape…)`
/// where `shape` multiplies to `width`: a minibatch.
pub fn gather_rows<T: Scalar>(
    data: &[T],
    width: usize,
    index: &[usize],
    shape: &[usize],
) -> Result<Tensor<T>> {
    let mut out = Vec::with_capacity(index.len() * width);
    for &i in index {
        let row = data
            .get(i * width..(i + 1) * width)
            .ok_or(Error::IndexOutOfBounds {
                what: "sample index",
                index: i,
                bound: data.len() / width.max(1),
            })?;
        out.extend_from_slice(row);
    }
    let mut full = vec![index.len()];
    full.extend_from_slice(shape);
    Tensor::new(&full, out)
}

/// The number of rows of `width` values in `data`, or an error naming `what` when it is
/// empty or not whole rows.
pub fn rows<T>(data: &[T], width: usize, what: &'static str) -> Result<usize> {
    if data.is_empty() {
        return Err(Error::Empty { input: what });
    }
    if width == 0 || !data.len().is_multiple_of(width) {
        return Err(Error::BadLength {
            what,
            expected: data.len().div_ceil(width.max(1)) * width,
            actual: data.len(),
        });
    }
    Ok(data.len() / width)
}
