//! What chapter 11's MNIST CNN learned: its first-layer filters, the activations of one
//! digit layer by layer, the saliency of the input (Simonyan, Vedaldi and Zisserman, "Deep
//! inside convolutional networks", ICLR 2014 workshop) and an input optimised from noise to
//! maximise one class score.

use super::synthesis::{check_prior, optimize_image, Method, Run};
use crate::autodiff::{Graph, Tensor, Var};
use crate::error::{Error, Result};
use crate::nn::{Mode, Sequential};

/// The first convolution's kernels, `(count, side)` and the weights of each, row-major:
/// the parameter `"1.weight"` of chapter 11's CNN (layer 0 is its reshape).
pub fn first_filters(net: &Sequential<f32>) -> Result<(Vec<Vec<f32>>, usize)> {
    use crate::nn::Layer;
    let params = net.params();
    let w = params
        .iter()
        .find(|p| p.value().ndim() == 4)
        .ok_or(Error::invalid(
            "network",
            "no 4-d weight",
            "has no convolution",
        ))?
        .value();
    let &[o, c, k, _] = w.shape() else {
        unreachable!("ndim is 4")
    };
    Ok((
        w.data()
            .chunks(c * k * k)
            .take(o)
            .map(<[f32]>::to_vec)
            .collect(),
        k,
    ))
}

/// The output of every layer of `net` for the input `x`, in evaluation mode.
pub fn activations(net: &mut Sequential<f32>, x: &Tensor<f32>) -> Result<Vec<Tensor<f32>>> {
    let mut g = Graph::new();
    let mut v = g.constant(x.clone());
    let mut out = Vec::with_capacity(net.len());
    for layer in 0..net.len() {
        v = net.forward_layers(&mut g, v, layer..layer + 1, Mode::Eval)?;
        out.push(g.value(v).clone());
    }
    Ok(out)
}

/// The score (logit, before softmax) of `class` for the one image `x`.
fn class_score(net: &mut Sequential<f32>, g: &mut Graph<f32>, x: Var, class: usize) -> Result<Var> {
    let logits = net.forward_layers(g, x, 0..net.len(), Mode::Eval)?; // (1, classes)
    let classes = g.shape(logits)[1];
    if class >= classes {
        return Err(Error::IndexOutOfBounds {
            what: "class",
            index: class,
            bound: classes,
        });
    }
    let s = g.slice(logits, 1, class, 1)?;
    Ok(g.sum(s))
}

// ANCHOR: saliency
/// The saliency map `∂S_c / ∂x` of the class score `S_c` with respect to the pixels of the
/// one image `x` `(1, 1, 28, 28)`: where a small change would move the score most.
pub fn saliency(net: &mut Sequential<f32>, x: &Tensor<f32>, class: usize) -> Result<Tensor<f32>> {
    let mut g = Graph::new();
    let xv = g.variable(x.clone());
    let score = class_score(net, &mut g, xv, class)?;
    let grads = g.backward(score)?;
    Ok(grads
        .wrt(xv)
        .cloned()
        .unwrap_or_else(|| Tensor::zeros(x.shape())))
}
// ANCHOR_END: saliency

/// The penalty that keeps a class-maximising image natural.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Penalty {
    /// `λ ‖x‖²` (Simonyan et al.).
    L2 { lambda: f64 },
    /// `λ R_{V^β}(x)`, the total variation of feature inversion.
    Tv { lambda: f64, beta: f64 },
}

// ANCHOR: class_image
/// An image that maximises the score of `class`, found from `x0` by minimising
/// `−S_c(x) + penalty(x)`.
pub fn class_image(
    net: &mut Sequential<f32>,
    class: usize,
    penalty: Penalty,
    x0: &Tensor<f32>,
    method: Method,
    iterations: usize,
) -> Result<Run> {
    match penalty {
        Penalty::L2 { lambda } => check_prior(lambda, 2.0)?,
        Penalty::Tv { lambda, beta } => check_prior(lambda, beta)?,
    }
    optimize_image(x0, method, iterations, |g, x| {
        let score = class_score(net, g, x, class)?;
        let prior = match penalty {
            Penalty::L2 { lambda } => {
                let x2 = g.square(x);
                let s = g.sum(x2);
                g.mul_scalar(s, lambda as f32)
            }
            Penalty::Tv { lambda, beta } => {
                let tv = g.total_variation(x, beta as f32)?;
                g.mul_scalar(tv, lambda as f32)
            }
        };
        g.sub(prior, score)
    })
}
// ANCHOR_END: class_image
