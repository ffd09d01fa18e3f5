//! # Chapter 11 · Neural networks: layers, optimisers, training
//!
//! Lecture: the networks every deep lecture trains · book `11-nn.md` · tests `tests/nn.rs` ·
//! bench `benches/nn.rs`
//!
//! The deep chapters (autoencoders, VAE, GANs, visualisation, deep image prior) are all
//! networks trained by minibatch gradient descent on chapter 10's tape:
//! - [`layers`]: `Linear`, `Conv2d` (and its transpose), `BatchNorm`, activations,
//!   `Dropout`, `Reshape`, `MaxPool2d`, chained by [`Sequential`] or stacked by
//!   [`perceptron`]; weights drawn with Glorot or He scaling ([`Init`]);
//! - [`optim`]: SGD with (Nesterov) momentum, RMSProp and Adam, weight decay, gradient
//!   clipping by norm and weight clipping;
//! - [`train`]: seeded minibatches, a progress line, and a clear error when the loss becomes
//!   NaN;
//! - [`io`]: saving and loading parameters in a small checksummed format, atomically;
//! - [`classify`]: the end-to-end check, MNIST digits with an MLP and a CNN.
//!
//! Parameters are `f32` in training; everything is generic so the tests can run in `f64`.
//!
//! Cost: a `Linear` layer is a GEMM, `2·batch·inputs·outputs` flops forward and twice that
//! backward; a convolution is an im2col GEMM of the same shape.
//!
//! ```
//! use unsupervised::autodiff::Tensor;
//! use unsupervised::nn::{Init, Linear, Sequential};
//! use unsupervised::Rng;
//! // A layer's bias starts at zero, so a zero input maps to zero whatever the weights.
//! let mut net = Sequential::<f64>::new().push(Linear::new(3, 2, Init::He, &mut Rng::seed_from_u64(0)));
//! let y = net.predict(Tensor::zeros(&[4, 3]))?;
//! assert_eq!((y.shape(), y.data()), (&[4, 2][..], &[0.0; 8][..]));
//! # Ok::<(), unsupervised::Error>(())
//! ```

pub mod classify;
pub mod io;
pub mod layers;
pub mod optim;
pub mod train;

use crate::autodiff::{Graph, Parameter, Tensor, Var};
use crate::error::Result;
use crate::linalg::Scalar;
use crate::rand::Rng;

pub use layers::{Activation, BatchNorm, Conv2d, Dropout, Linear, MaxPool2d, Reshape};
pub use optim::{Adam, Optimizer, RmsProp, Sgd};

/// Training (batch statistics, dropout on) or evaluation (running statistics, dropout off).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Train,
    Eval,
}

// ANCHOR: layer
/// A differentiable building block: records its forward pass on the graph and lists its
/// parameters (for optimisers and for saving).
pub trait Layer<T: Scalar> {
    fn forward(&mut self, g: &mut Graph<T>, x: Var, mode: Mode) -> Result<Var>;
    fn params(&self) -> Vec<&Parameter<T>> {
        Vec::new()
    }
    fn params_mut(&mut self) -> Vec<&mut Parameter<T>> {
        Vec::new()
    }
    /// The number of trainable numbers (running statistics excluded).
    fn n_trainable(&self) -> usize {
        self.params()
            .iter()
            .filter(|p| !p.is_statistic())
            .map(|p| p.value().len())
            .sum()
    }
    /// Freezes or unfreezes every parameter except running statistics, which stay frozen
    /// (a GAN's step moves one player and holds the other).
    fn set_frozen(&mut self, frozen: bool) {
        for p in self.params_mut() {
            p.set_frozen(frozen);
        }
    }
}
// ANCHOR_END: layer

// ANCHOR: init
/// How initial weights are drawn. Both keep the variance of activations (Glorot) or of
/// ReLU activations (He) about constant from layer to layer, so deep stacks start neither
/// saturated nor silent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Init {
    /// Glorot and Bengio (2010): uniform on ±√(6 / (fan_in + fan_out)), variance
    /// 2 / (fan_in + fan_out). For tanh and sigmoid layers.
    Glorot,
    /// He et al. (2015): normal with variance 2 / fan_in, which makes up for ReLU zeroing
    /// half of its inputs.
    He,
}

impl Init {
    /// A tensor of `shape` for a layer with the given fan-in and fan-out.
    pub fn sample<T: Scalar>(
        self,
        shape: &[usize],
        fan_in: usize,
        fan_out: usize,
        rng: &mut Rng,
    ) -> Tensor<T> {
        match self {
            Init::Glorot => {
                let a = (6.0 / (fan_in + fan_out).max(1) as f64).sqrt();
                Tensor::uniform(shape, -a, a, rng)
            }
            Init::He => Tensor::randn(shape, (2.0 / fan_in.max(1) as f64).sqrt(), rng),
        }
    }
}
// ANCHOR_END: init

// ANCHOR: perceptron
/// A multilayer perceptron with layer widths `sizes` (inputs first): `hidden` after every
/// layer but the last, dropout with probability `dropout` after each hidden activation,
/// and `output` (if any) after the last. He initialisation before ReLU-like activations, Glorot elsewhere.
pub fn perceptron<T: Scalar>(
    sizes: &[usize],
    hidden: Activation,
    output: Option<Activation>,
    dropout: f64,
    rng: &mut Rng,
) -> Result<Sequential<T>> {
    let he = |a: Option<Activation>| matches!(a, Some(Activation::Relu | Activation::LeakyRelu(_)));
    let mut net = Sequential::new();
    let layers = sizes.len().saturating_sub(1);
    for (l, pair) in sizes.windows(2).enumerate() {
        let last = l + 1 == layers;
        let act = if last { output } else { Some(hidden) };
        let init = if he(act) { Init::He } else { Init::Glorot };
        net = net.push(Linear::new(pair[0], pair[1], init, rng));
        if let Some(a) = act {
            net = net.push(a);
        }
        if !last {
            // Present even at p = 0 (the identity), so parameter names and the seed stream
            // do not depend on p.
            net = net.push(Dropout::new(dropout, rng.next_u64())?);
        }
    }
    Ok(net)
}
// ANCHOR_END: perceptron

/// Layers applied in order; parameter names get the layer's index as a prefix
/// (`"0.weight"`, `"0.bias"`, `"2.weight"`, …).
#[derive(Default)]
pub struct Sequential<T> {
    layers: Vec<Box<dyn Layer<T>>>,
}

impl<T: Scalar> Sequential<T> {
    pub fn new() -> Self {
        Sequential { layers: Vec::new() }
    }
    /// Appends a layer.
    pub fn push(mut self, layer: impl Layer<T> + 'static) -> Self {
        let mut layer = Box::new(layer);
        let index = self.layers.len();
        for p in layer.params_mut() {
            p.name = format!("{index}.{}", p.name);
        }
        self.layers.push(layer);
        self
    }
    pub fn len(&self) -> usize {
        self.layers.len()
    }
    pub fn is_empty(&self) -> bool {
        self.layers.is_empty()
    }
    /// Evaluates the network on a constant input in evaluation mode, on a graph of its own.
    pub fn predict(&mut self, x: Tensor<T>) -> Result<Tensor<T>> {
        let all = 0..self.layers.len();
        self.predict_layers(x, all)
    }
    /// Evaluates the layers `range` alone, as [`Sequential::predict`] does (a network's
    /// inner features are its first layers' output).
    pub fn predict_layers(
        &mut self,
        x: Tensor<T>,
        range: std::ops::Range<usize>,
    ) -> Result<Tensor<T>> {
        let mut g = Graph::new();
        let xv = g.constant(x);
        let out = self.forward_layers(&mut g, xv, range, Mode::Eval)?;
        Ok(g.value(out).clone())
    }
    /// Records the layers `range` alone on `g`: the features of a layer, differentiable in
    /// the input (chapter 15 looks inside a network this way).
    pub fn forward_layers(
        &mut self,
        g: &mut Graph<T>,
        mut x: Var,
        range: std::ops::Range<usize>,
        mode: Mode,
    ) -> Result<Var> {
        let n = self.layers.len();
        let layers = self.layers.get_mut(range.clone()).ok_or_else(|| {
            crate::error::Error::invalid(
                "range",
                format!("{range:?}"),
                format!("must lie within the {n} layers"),
            )
        })?;
        for layer in layers {
            x = layer.forward(g, x, mode)?;
        }
        Ok(x)
    }
}

impl<T: Scalar> Layer<T> for Sequential<T> {
    fn forward(&mut self, g: &mut Graph<T>, mut x: Var, mode: Mode) -> Result<Var> {
        for layer in &mut self.layers {
            x = layer.forward(g, x, mode)?;
        }
        Ok(x)
    }
    fn params(&self) -> Vec<&Parameter<T>> {
        self.layers.iter().flat_map(|l| l.params()).collect()
    }
    fn params_mut(&mut self) -> Vec<&mut Parameter<T>> {
        self.layers
            .iter_mut()
            .flat_map(|l| l.params_mut())
            .collect()
    }
}
