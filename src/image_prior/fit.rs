//! Fitting `G_w(z)` to the corrupted image alone, and knowing when to stop.
//!
//! The network fits the image's structure long before its noise, so the restoration is
//! best part-way through and degrades after. The clean image would tell when, but a user
//! does not have it. Wang, Li, Zhuang, Chen, Liang and Sun ("Early Stopping for Deep Image
//! Prior", TMLR 2023; code at github.com/sun-umn/Early_Stopping_for_DIP) watch instead the
//! variance of the last `W` outputs (ES-WMV): while the network is still learning the
//! image the outputs change fast, as it settles they change less, and once it starts
//! absorbing noise they drift apart again. The output where that windowed variance was
//! lowest, once it has not fallen for `P` more iterations, is the restoration.

use std::collections::VecDeque;
use std::time::Instant;

use super::degrade::Degradation;
use super::network::SkipNet;
use crate::autodiff::{Graph, Tensor};
use crate::error::{Error, Result};
use crate::nn::{Adam, Layer, Mode, Optimizer};
use crate::rand::Rng;

/// The most iterations a fit may ask for.
pub const MAX_ITERATIONS: usize = 1_000_000;

/// When to stop, without looking at the clean image.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Stop {
    /// Morozov's discrepancy principle, for a known noise level: stop at the first
    /// iteration where the (running average of the) loss `mean (A(x) − y)²` has fallen to
    /// `level`, the noise's own mean square `σ²`. Below it the network is fitting noise.
    Discrepancy { level: f64 },
    /// ES-WMV: the lowest windowed variance of the outputs, `window` wide, once it has not
    /// fallen for `patience` iterations.
    Variance { window: usize, patience: usize },
}

impl Stop {
    /// The discrepancy principle for noise of standard deviation `sigma` on the 0–255
    /// scale, in the units of the loss on image tensors.
    pub fn noise(sigma: f64) -> Stop {
        Stop::Discrepancy {
            level: (sigma / 255.0).powi(2),
        }
    }
}

/// How the weights are fitted and when to stop.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Schedule {
    pub iterations: usize,
    /// Adam's step (the paper's 0.01).
    pub learning_rate: f64,
    /// The standard deviation of fresh noise added to the code at every step (the paper's
    /// 1/30), a regulariser that slows the fitting of noise.
    pub code_noise: f64,
    /// The weight of the past in the running average of the outputs that is the
    /// restoration, `x̄_t = s x̄_{t−1} + (1 − s) x_t` (the paper's code uses 0.99; 0 takes
    /// each output as it is). Fresh code noise makes single outputs jitter.
    pub smoothing: f64,
    pub stop: Stop,
    /// Keep fitting after the rule has stopped, to `iterations` (to see the whole curve).
    pub run_on: bool,
}

impl Default for Schedule {
    fn default() -> Schedule {
        Schedule {
            iterations: 3000,
            learning_rate: 0.01,
            code_noise: 1.0 / 30.0,
            smoothing: 0.99,
            stop: Stop::Variance {
                window: 100,
                patience: 300,
            },
            run_on: false,
        }
    }
}

impl Schedule {
    pub fn check(&self) -> Result<()> {
        if !(1..=MAX_ITERATIONS).contains(&self.iterations) {
            return Err(Error::invalid(
                "iterations",
                self.iterations,
                format!("must be between 1 and {MAX_ITERATIONS}"),
            ));
        }
        if !(self.learning_rate > 0.0 && self.learning_rate.is_finite()) {
            return Err(Error::invalid(
                "learning_rate",
                self.learning_rate,
                "must be above 0 and finite",
            ));
        }
        if !(0.0..=1.0).contains(&self.code_noise) {
            return Err(Error::invalid(
                "code_noise",
                self.code_noise,
                "must be between 0 and 1",
            ));
        }
        if !(0.0..1.0).contains(&self.smoothing) {
            return Err(Error::invalid(
                "smoothing",
                self.smoothing,
                "must be in [0, 1)",
            ));
        }
        match self.stop {
            Stop::Variance { window, .. } if !(2..=MAX_ITERATIONS).contains(&window) => {
                Err(Error::invalid(
                    "window",
                    window,
                    format!("must be between 2 and {MAX_ITERATIONS}"),
                ))
            }
            Stop::Variance { patience, .. } if !(1..=MAX_ITERATIONS).contains(&patience) => {
                Err(Error::invalid(
                    "patience",
                    patience,
                    format!("must be between 1 and {MAX_ITERATIONS}"),
                ))
            }
            Stop::Discrepancy { level } if !(level > 0.0 && level.is_finite()) => Err(
                Error::invalid("level", level, "the noise's mean square must be positive"),
            ),
            _ => Ok(()),
        }
    }
}

// ANCHOR: wmv
/// ES-WMV: the mean squared distance of the last `W` outputs from their mean, per value,
/// and the iteration where it was lowest.
pub struct WindowedVariance {
    window: usize,
    outputs: VecDeque<Vec<f32>>,
    /// (iteration, variance) of the lowest variance so far.
    pub lowest: Option<(usize, f64)>,
}

impl WindowedVariance {
    pub fn new(window: usize) -> WindowedVariance {
        WindowedVariance {
            window,
            outputs: VecDeque::with_capacity(window + 1),
            lowest: None,
        }
    }

    /// Adds the output of `iteration`; returns the window's variance once it is full, and
    /// whether it is the lowest yet.
    pub fn push(&mut self, iteration: usize, output: &[f32]) -> Option<(f64, bool)> {
        if self.outputs.len() == self.window {
            self.outputs.pop_front();
        }
        self.outputs.push_back(output.to_vec());
        if self.outputs.len() < self.window {
            return None;
        }
        let n = output.len();
        let mut mean = vec![0.0f64; n];
        for x in &self.outputs {
            for (m, &v) in mean.iter_mut().zip(x) {
                *m += f64::from(v);
            }
        }
        mean.iter_mut().for_each(|m| *m /= self.window as f64);
        let spread: f64 = self
            .outputs
            .iter()
            .map(|x| {
                x.iter()
                    .zip(&mean)
                    .map(|(&v, m)| (f64::from(v) - m).powi(2))
                    .sum::<f64>()
            })
            .sum();
        let variance = spread / (self.window * n) as f64;
        let lowest = self.lowest.is_none_or(|(_, v)| variance < v);
        if lowest {
            self.lowest = Some((iteration, variance));
        }
        Some((variance, lowest))
    }

    /// The rule: stop once `patience` iterations have passed without a new lowest.
    pub fn should_stop(&self, iteration: usize, patience: usize) -> bool {
        self.lowest
            .is_some_and(|(at, _)| iteration >= at + patience)
    }
}
// ANCHOR_END: wmv

/// One iteration of a fit.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Step {
    /// `mean (A(G_w(z)) − y)²` before this iteration's update.
    pub loss: f64,
    /// PSNR of this (running-average) output against the clean image, in dB, when the
    /// clean image is known.
    pub psnr: Option<f64>,
    /// What the stopping rule watches: the running average of the loss (discrepancy) or
    /// the windowed variance (ES-WMV, once the window is full).
    pub signal: Option<f64>,
    pub seconds: f64,
}

/// A fit's outcome. Iterations count from 1: output `t` is `G_w(z)` after `t − 1`
/// updates.
pub struct Restoration {
    /// The (running-average) output the rule chose (the last one if it chose none).
    pub image: Tensor<f32>,
    pub stop_iteration: usize,
    /// The iteration at which the rule fired, if it did.
    pub fired_at: Option<usize>,
    /// The best output against the clean image and its iteration (the oracle's choice).
    pub best: Option<(usize, f64, Tensor<f32>)>,
    /// The last single output, unaveraged.
    pub last: Tensor<f32>,
    pub trace: Vec<Step>,
}

impl Restoration {
    /// The PSNR of the early-stopped output, if the clean image was given.
    pub fn psnr_at_stop(&self) -> Option<f64> {
        self.trace[self.stop_iteration - 1].psnr
    }
}

// ANCHOR: restore
/// The deep image prior: fits `net`'s weights so that `A(G_w(z))` matches `observed`
/// (an image tensor in −0.5..0.5) by Adam, code `z` fixed (plus fresh noise of
/// `schedule.code_noise` each step, drawn from `seed`), and stops by `schedule.stop`. With `clean`,
/// every output's PSNR is recorded too — for the curve, never for the stopping.
pub fn restore(
    net: &mut SkipNet<f32>,
    z: &Tensor<f32>,
    observed: &Tensor<f32>,
    degradation: &Degradation,
    schedule: &Schedule,
    clean: Option<&Tensor<f32>>,
    seed: u64,
) -> Result<Restoration> {
    schedule.check()?;
    degradation.check()?;
    let target = degradation.target(observed)?;
    let mut adam = Adam::new(schedule.learning_rate)?;
    let mut rng = Rng::seed_from_u64(seed);
    let mut rule = Rule::new(schedule.stop, schedule.smoothing);
    let (started, mut trace) = (Instant::now(), Vec::with_capacity(schedule.iterations));
    let (mut image, mut best) = (None, None::<(usize, f64, Tensor<f32>)>);
    let (mut last, mut average) = (Tensor::zeros(&[0]), Tensor::zeros(&[0]));
    for t in 1..=schedule.iterations {
        let mut g = Graph::new();
        let zt = g.constant(perturbed(z, schedule.code_noise, &mut rng));
        let x = net.forward(&mut g, zt, Mode::Train)?;
        let loss = degradation.loss(&mut g, x, &target)?;
        let value = f64::from(g.value(loss).item()?);
        if !value.is_finite() {
            return Err(Error::Diverged {
                what: "deep image prior".into(),
                iteration: t,
                value,
            });
        }
        last = g.value(x).clone();
        average = smooth(average, &last, schedule.smoothing);
        let psnr = clean.map(|c| crate::autoencoder::psnr(c.data(), average.data()));
        if let Some(p) = psnr {
            if best.as_ref().is_none_or(|b| p > b.1) {
                best = Some((t, p, average.clone()));
            }
        }
        let (signal, chosen) = rule.observe(t, value, &average);
        if chosen {
            image = Some(average.clone());
        }
        trace.push(Step {
            loss: value,
            psnr,
            signal,
            seconds: started.elapsed().as_secs_f64(),
        });
        if rule.fired_at == Some(t) && !schedule.run_on {
            break;
        }
        let grads = g.backward(loss)?;
        adam.step(net.params_mut(), &grads);
    }
    Ok(Restoration {
        image: image.unwrap_or(average),
        stop_iteration: rule.chosen.unwrap_or(trace.len()),
        fired_at: rule.fired_at,
        best,
        last,
        trace,
    })
}
// ANCHOR_END: restore

// ANCHOR: rule
/// A stopping rule as it runs: which iteration it chose and when it fired.
struct Rule {
    stop: Stop,
    smoothing: f64,
    wmv: WindowedVariance,
    /// The running average of the loss.
    loss: Option<f64>,
    chosen: Option<usize>,
    fired_at: Option<usize>,
}

impl Rule {
    fn new(stop: Stop, smoothing: f64) -> Rule {
        let window = match stop {
            Stop::Variance { window, .. } => window,
            Stop::Discrepancy { .. } => 1,
        };
        Rule {
            stop,
            smoothing,
            wmv: WindowedVariance::new(window),
            loss: None,
            chosen: None,
            fired_at: None,
        }
    }

    /// Sees iteration `t`'s loss and averaged output; returns what the rule watches and
    /// whether this output is (for now) its choice.
    fn observe(&mut self, t: usize, loss: f64, output: &Tensor<f32>) -> (Option<f64>, bool) {
        match self.stop {
            Stop::Discrepancy { level } => {
                let s = self.smoothing;
                let avg = self.loss.map_or(loss, |a| s * a + (1.0 - s) * loss);
                self.loss = Some(avg);
                let reached = self.fired_at.is_none() && avg <= level;
                if reached {
                    (self.chosen, self.fired_at) = (Some(t), Some(t));
                }
                (Some(avg), reached)
            }
            Stop::Variance { patience, .. } => {
                let (variance, lowest) = match self.wmv.push(t, output.data()) {
                    Some((v, lowest)) => (Some(v), lowest && self.fired_at.is_none()),
                    None => (None, false),
                };
                if lowest {
                    self.chosen = Some(t);
                }
                if self.fired_at.is_none() && self.wmv.should_stop(t, patience) {
                    self.fired_at = Some(t);
                }
                (variance, lowest)
            }
        }
    }
}
// ANCHOR_END: rule

/// The running average `s · average + (1 − s) · x`, or `x` itself at the start.
fn smooth(average: Tensor<f32>, x: &Tensor<f32>, s: f64) -> Tensor<f32> {
    if average.len() != x.len() || s == 0.0 {
        return x.clone();
    }
    let mut out = average;
    let s = s as f32;
    for (a, &v) in out.data_mut().iter_mut().zip(x.data()) {
        *a = s * *a + (1.0 - s) * v;
    }
    out
}

/// The code with fresh Gaussian noise of standard deviation `sd` (the code itself if 0).
fn perturbed(z: &Tensor<f32>, sd: f64, rng: &mut Rng) -> Tensor<f32> {
    if sd == 0.0 {
        return z.clone();
    }
    let mut noisy = z.clone();
    for v in noisy.data_mut() {
        *v += (sd * rng.normal()) as f32;
    }
    noisy
}
