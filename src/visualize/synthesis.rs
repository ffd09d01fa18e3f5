//! Images found by gradient descent on the image itself: feature inversion (Mahendran and
//! Vedaldi, "Understanding deep image representations by inverting them", CVPR 2015),
//! texture synthesis (Gatys, Ecker and Bethge, "Texture synthesis using convolutional
//! neural networks", NeurIPS 2015) and style transfer (Gatys, Ecker and Bethge, "Image
//! style transfer using convolutional neural networks", CVPR 2016). Each is a loss of the
//! image recorded on the tape, and [`optimize_image`] minimises it by L-BFGS or Adam.

use super::lbfgs::Lbfgs;
use super::network::{feature_distance, feature_targets, gram_loss, gram_targets, Features};
use crate::autodiff::{Gradients, Graph, Parameter, Tensor, Var};
use crate::error::{Error, Result};
use crate::nn::{Adam, Optimizer};
use std::time::Instant;

/// The largest number of iterations a synthesis may ask for.
pub const MAX_ITERATIONS: usize = 100_000;

/// How to move the image.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Method {
    /// L-BFGS with a strong-Wolfe line search (several evaluations per iteration).
    Lbfgs,
    /// Adam on the pixels, one evaluation per step.
    Adam { learning_rate: f64 },
}

/// One point of a run's progress: after `evaluations` of the loss, `seconds` in, the loss.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Point {
    pub seconds: f64,
    pub evaluations: usize,
    pub loss: f64,
}

/// What an image optimisation reached.
#[derive(Clone, Debug)]
pub struct Run {
    pub image: Tensor<f32>,
    /// The loss at the start and after every iteration.
    pub trace: Vec<Point>,
    /// `false` when the iteration limit, not a tolerance, ended it.
    pub converged: bool,
}

impl Run {
    pub fn start_loss(&self) -> f64 {
        self.trace[0].loss
    }
    pub fn final_loss(&self) -> f64 {
        self.trace[self.trace.len() - 1].loss
    }
}

// ANCHOR: optimize_image
/// Minimises `loss(g, x)` over the image `x` from `x0`, for `iterations` iterations of
/// `method`. `loss` records a scalar on a fresh graph for the image variable `x`; the
/// gradient comes from the tape, in single precision.
pub fn optimize_image(
    x0: &Tensor<f32>,
    method: Method,
    iterations: usize,
    mut loss: impl FnMut(&mut Graph<f32>, Var) -> Result<Var>,
) -> Result<Run> {
    crate::check_count(
        "iterations",
        iterations,
        MAX_ITERATIONS,
        "the iteration limit",
    )?;
    let shape = x0.shape().to_vec();
    let started = Instant::now();
    // One evaluation: the loss and the gradients of the graph's leaves.
    let mut evaluate = |g: &mut Graph<f32>, x: Var| -> Result<(f64, Gradients<f32>)> {
        let l = loss(g, x)?;
        let value = f64::from(g.value(l).item()?);
        Ok((value, g.backward_retained(l)?))
    };
    match method {
        Method::Lbfgs => {
            let mut seconds = Vec::new();
            let objective = |x: &[f64], grad: &mut [f64]| -> Result<f64> {
                let mut g = Graph::new();
                let xv = g.variable(Tensor::new(&shape, x.iter().map(|&v| v as f32).collect())?);
                let (value, grads) = evaluate(&mut g, xv)?;
                match grads.wrt(xv) {
                    Some(gt) => grad
                        .iter_mut()
                        .zip(gt.data())
                        .for_each(|(d, &s)| *d = f64::from(s)),
                    None => grad.fill(0.0),
                }
                seconds.push(started.elapsed().as_secs_f64());
                Ok(value)
            };
            let x: Vec<f64> = x0.data().iter().map(|&v| f64::from(v)).collect();
            let settings = Lbfgs {
                max_iter: iterations,
                gtol: 0.0,
                ..Lbfgs::default()
            };
            let min = settings.minimize(objective, &x)?;
            let trace = min
                .trace
                .iter()
                .map(|&(evaluations, loss)| Point {
                    seconds: seconds[evaluations - 1],
                    evaluations,
                    loss,
                })
                .collect();
            Ok(Run {
                image: Tensor::new(&shape, min.x.iter().map(|&v| v as f32).collect())?,
                trace,
                converged: min.converged,
            })
        }
        Method::Adam { learning_rate } => {
            let mut adam = Adam::new(learning_rate)?;
            let mut image = Parameter::new("image", x0.clone());
            let mut trace = Vec::with_capacity(iterations + 1);
            for step in 0..=iterations {
                let mut g = Graph::new();
                let xv = g.param(&image);
                let (value, grads) = evaluate(&mut g, xv)?;
                if !value.is_finite() {
                    return Err(Error::Diverged {
                        what: "image loss".into(),
                        iteration: step,
                        value,
                    });
                }
                trace.push(Point {
                    seconds: started.elapsed().as_secs_f64(),
                    evaluations: step + 1,
                    loss: value,
                });
                if step < iterations {
                    adam.step(vec![&mut image], &grads);
                }
            }
            Ok(Run {
                image: image.value().clone(),
                trace,
                converged: false,
            })
        }
    }
}
// ANCHOR_END: optimize_image

// ANCHOR: texture
/// Texture synthesis: from the noise `x0`, an image whose Gram matrices under `net` match
/// those of `source`, all layers weighted equally.
pub fn texture(
    net: &mut impl Features,
    source: &Tensor<f32>,
    x0: &Tensor<f32>,
    method: Method,
    iterations: usize,
) -> Result<Run> {
    let target_grams = gram_targets(net, source)?;
    let weights = vec![1.0; target_grams.len()];
    optimize_image(x0, method, iterations, |g, x| {
        let f = net.features(g, x)?;
        gram_loss(g, &f, &target_grams, &weights)
    })
}
// ANCHOR_END: texture

/// The weights of style transfer's three terms.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StyleWeights {
    /// α, on the content loss `½ Σ (F − P)²` at the content layers.
    pub content: f64,
    /// β, on the style loss `Σ_l E_l` over every layer.
    pub style: f64,
    /// On the total variation `R_{V²}`, which keeps the pixels smooth.
    pub tv: f64,
}

// ANCHOR: style
#[allow(clippy::too_many_arguments)] // the paper's three images, its layers and weights, and the search
/// Style transfer (Gatys et al. 2016): minimise `α L_content + β L_style + λ R_{V²}` from
/// `x0`, with content features taken at the maps `content_layers` of `net` for `content`,
/// and Gram matrices at every map for `style`.
pub fn style_transfer(
    net: &mut impl Features,
    content: &Tensor<f32>,
    style: &Tensor<f32>,
    content_layers: &[usize],
    weights: StyleWeights,
    x0: &Tensor<f32>,
    method: Method,
    iterations: usize,
) -> Result<Run> {
    let content_features = feature_targets(net, content)?;
    let style_grams = gram_targets(net, style)?;
    if let Some(&bad) = content_layers
        .iter()
        .find(|&&l| l >= content_features.len())
    {
        return Err(Error::IndexOutOfBounds {
            what: "content layer",
            index: bad,
            bound: content_features.len(),
        });
    }
    let layer_weights = vec![weights.style; style_grams.len()];
    optimize_image(x0, method, iterations, |g, x| {
        let f = net.features(g, x)?;
        let mut total = gram_loss(g, &f, &style_grams, &layer_weights)?;
        for &l in content_layers {
            let c = feature_distance(g, f[l], &content_features[l])?;
            let c = g.mul_scalar(c, (0.5 * weights.content) as f32);
            total = g.add(total, c)?;
        }
        let tv = g.total_variation(x, 2.0)?;
        let tv = g.mul_scalar(tv, weights.tv as f32);
        g.add(total, tv)
    })
}
// ANCHOR_END: style

// ANCHOR: invert
/// The natural-image prior `λ R_{V^β}` of feature inversion.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Prior {
    pub lambda: f64,
    pub beta: f64,
}

/// Feature inversion (Mahendran and Vedaldi) as lecture 004 writes it:
/// `x* = argmin_x ‖Φ(x) − Φ₀‖² + λ R_{V^β}(x)`, with `Φ` the map `layer` of `net` and
/// `Φ₀` its value on `original`, from `x0`.
pub fn invert(
    net: &mut impl Features,
    layer: usize,
    original: &Tensor<f32>,
    prior: Prior,
    x0: &Tensor<f32>,
    method: Method,
    iterations: usize,
) -> Result<Run> {
    check_prior(prior.lambda, prior.beta)?;
    let features = feature_targets(net, original)?;
    let phi0 = features.get(layer).ok_or(Error::IndexOutOfBounds {
        what: "layer",
        index: layer,
        bound: features.len(),
    })?;
    optimize_image(x0, method, iterations, |g, x| {
        let f = net.features(g, x)?;
        let fit = feature_distance(g, f[layer], phi0)?;
        let tv = g.total_variation(x, prior.beta as f32)?;
        let tv = g.mul_scalar(tv, prior.lambda as f32);
        g.add(fit, tv)
    })
}
// ANCHOR_END: invert

/// The largest exponent β of the prior: `(d²)^{β/2}` of a pixel difference overflows f32
/// soon after (Mahendran and Vedaldi use β from 1 to 2).
pub const MAX_BETA: f64 = 10.0;

/// λ ≥ 0 and 0 < β ≤ [`MAX_BETA`] for the prior `λ R_{V^β}`.
pub fn check_prior(lambda: f64, beta: f64) -> Result<()> {
    if !(lambda >= 0.0 && lambda.is_finite()) {
        return Err(Error::invalid("lambda", lambda, "must be a number >= 0"));
    }
    if !(beta > 0.0 && beta <= MAX_BETA) {
        return Err(Error::invalid(
            "beta",
            beta,
            format!("must be a number > 0 and at most {MAX_BETA}"),
        ));
    }
    Ok(())
}
