//! Layers: each owns its parameters and records its forward pass on a [`Graph`].

use super::{Init, Layer, Mode};
use crate::autodiff::{BatchStats, Conv2dSpec, Graph, Parameter, Tensor, Var};
use crate::error::{Error, Result};
use crate::linalg::Scalar;
use crate::rand::Rng;

// ANCHOR: linear
/// `y = x W + b` for `x` `(n, inputs)`; `W` is stored `(inputs, outputs)` so that the
/// product needs no transpose.
pub struct Linear<T> {
    pub weight: Parameter<T>,
    pub bias: Parameter<T>,
}

impl<T: Scalar> Linear<T> {
    pub fn new(inputs: usize, outputs: usize, init: Init, rng: &mut Rng) -> Self {
        Linear {
            weight: Parameter::new(
                "weight",
                init.sample(&[inputs, outputs], inputs, outputs, rng),
            ),
            bias: Parameter::new("bias", Tensor::zeros(&[outputs])),
        }
    }
}

impl<T: Scalar> Layer<T> for Linear<T> {
    fn forward(&mut self, g: &mut Graph<T>, x: Var, _: Mode) -> Result<Var> {
        let (w, b) = (g.param(&self.weight), g.param(&self.bias));
        let xw = g.matmul(x, w)?; // (n, outputs)
        g.add(xw, b)
    }
    fn params(&self) -> Vec<&Parameter<T>> {
        vec![&self.weight, &self.bias]
    }
    fn params_mut(&mut self) -> Vec<&mut Parameter<T>> {
        vec![&mut self.weight, &mut self.bias]
    }
}
// ANCHOR_END: linear

/// 2-d convolution with a bias per output channel, `(n, c, h, w)` → `(n, o, ho, wo)`, or
/// its transpose ([`Conv2d::transposed`], the generator's upsampling).
pub struct Conv2d<T> {
    /// `(outputs, inputs, k, k)` for a convolution, `(inputs, outputs, k, k)` transposed.
    pub weight: Parameter<T>,
    pub bias: Parameter<T>,
    pub spec: Conv2dSpec,
    pub transposed: bool,
}

impl<T: Scalar> Conv2d<T> {
    /// `outputs` kernels of `inputs x kernel x kernel`.
    pub fn new(
        inputs: usize,
        outputs: usize,
        kernel: usize,
        spec: Conv2dSpec,
        init: Init,
        rng: &mut Rng,
    ) -> Self {
        Conv2d::build(
            &[outputs, inputs, kernel, kernel],
            inputs,
            outputs,
            spec,
            init,
            false,
            rng,
        )
    }
    /// The transposed convolution (PyTorch's `ConvTranspose2d`) from `inputs` to `outputs`
    /// channels: the adjoint of a convolution with the same spec.
    pub fn transposed(
        inputs: usize,
        outputs: usize,
        kernel: usize,
        spec: Conv2dSpec,
        init: Init,
        rng: &mut Rng,
    ) -> Self {
        Conv2d::build(
            &[inputs, outputs, kernel, kernel],
            inputs,
            outputs,
            spec,
            init,
            true,
            rng,
        )
    }
    fn build(
        shape: &[usize],
        inputs: usize,
        outputs: usize,
        spec: Conv2dSpec,
        init: Init,
        transposed: bool,
        rng: &mut Rng,
    ) -> Self {
        let fan = shape[2] * shape[3];
        Conv2d {
            weight: Parameter::new(
                "weight",
                init.sample(shape, inputs * fan, outputs * fan, rng),
            ),
            bias: Parameter::new("bias", Tensor::zeros(&[outputs])),
            spec,
            transposed,
        }
    }
}

impl<T: Scalar> Layer<T> for Conv2d<T> {
    fn forward(&mut self, g: &mut Graph<T>, x: Var, _: Mode) -> Result<Var> {
        let (w, b) = (g.param(&self.weight), g.param(&self.bias));
        if self.transposed {
            g.conv_transpose2d(x, w, Some(b), self.spec)
        } else {
            g.conv2d(x, w, Some(b), self.spec)
        }
    }
    fn params(&self) -> Vec<&Parameter<T>> {
        vec![&self.weight, &self.bias]
    }
    fn params_mut(&mut self) -> Vec<&mut Parameter<T>> {
        vec![&mut self.weight, &mut self.bias]
    }
}

/// Batch normalisation over the channels of `(n, c)` or `(n, c, h, w)` inputs, with running
/// averages of the batch statistics for evaluation (saved with the model).
pub struct BatchNorm<T> {
    pub gamma: Parameter<T>,
    pub beta: Parameter<T>,
    /// Running mean and variance: statistics, saved with the model but never trained.
    pub running_mean: Parameter<T>,
    pub running_var: Parameter<T>,
    /// Weight of the newest batch in the running averages (PyTorch's 0.1).
    pub momentum: T,
    pub eps: T,
}

impl<T: Scalar> BatchNorm<T> {
    pub fn new(channels: usize) -> Self {
        BatchNorm {
            gamma: Parameter::new("gamma", Tensor::full(&[channels], T::ONE)),
            beta: Parameter::new("beta", Tensor::zeros(&[channels])),
            running_mean: Parameter::statistic("running_mean", Tensor::zeros(&[channels])),
            running_var: Parameter::statistic("running_var", Tensor::full(&[channels], T::ONE)),
            momentum: T::from_f64(0.1),
            eps: T::from_f64(1e-5),
        }
    }
}

impl<T: Scalar> Layer<T> for BatchNorm<T> {
    fn forward(&mut self, g: &mut Graph<T>, x: Var, mode: Mode) -> Result<Var> {
        let (gamma, beta) = (g.param(&self.gamma), g.param(&self.beta));
        let running = BatchStats {
            mean: self.running_mean.value().data().to_vec(),
            var: self.running_var.value().data().to_vec(),
        };
        let stats = (mode == Mode::Eval).then_some(&running);
        let (y, batch) = g.batch_norm(x, gamma, beta, stats, self.eps)?;
        if mode == Mode::Train {
            let m = self.momentum;
            let blend = |p: &mut Parameter<T>, new: &[T]| {
                for (r, &b) in p.value_mut().data_mut().iter_mut().zip(new) {
                    *r = (T::ONE - m) * *r + m * b;
                }
            };
            blend(&mut self.running_mean, &batch.mean);
            blend(&mut self.running_var, &batch.var);
        }
        Ok(y)
    }
    fn params(&self) -> Vec<&Parameter<T>> {
        vec![
            &self.gamma,
            &self.beta,
            &self.running_mean,
            &self.running_var,
        ]
    }
    fn params_mut(&mut self) -> Vec<&mut Parameter<T>> {
        vec![
            &mut self.gamma,
            &mut self.beta,
            &mut self.running_mean,
            &mut self.running_var,
        ]
    }
}

/// An entry-wise nonlinearity.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Activation {
    Relu,
    LeakyRelu(f64),
    Sigmoid,
    Tanh,
    Softplus,
}

impl<T: Scalar> Layer<T> for Activation {
    fn forward(&mut self, g: &mut Graph<T>, x: Var, _: Mode) -> Result<Var> {
        Ok(match *self {
            Activation::Relu => g.relu(x),
            Activation::LeakyRelu(s) => g.leaky_relu(x, T::from_f64(s)),
            Activation::Sigmoid => g.sigmoid(x),
            Activation::Tanh => g.tanh(x),
            Activation::Softplus => g.softplus(x),
        })
    }
}

/// Inverted dropout in training, the identity in evaluation; its mask stream is seeded.
pub struct Dropout {
    pub p: f64,
    rng: Rng,
}

impl Dropout {
    pub fn new(p: f64, seed: u64) -> Result<Self> {
        if !(0.0..1.0).contains(&p) {
            return Err(Error::invalid(
                "p",
                p,
                "dropout probability must be in [0, 1)",
            ));
        }
        Ok(Dropout {
            p,
            rng: Rng::seed_from_u64(seed),
        })
    }
}

impl<T: Scalar> Layer<T> for Dropout {
    fn forward(&mut self, g: &mut Graph<T>, x: Var, mode: Mode) -> Result<Var> {
        match mode {
            Mode::Train if self.p > 0.0 => g.dropout(x, self.p, &mut self.rng),
            _ => Ok(x),
        }
    }
}

/// Keeps the batch axis and reshapes the rest: `Reshape(vec![])` flattens `(n, …)` to
/// `(n, features)`, `Reshape(vec![1, 28, 28])` makes images of rows.
#[derive(Clone, Debug, PartialEq)]
pub struct Reshape(pub Vec<usize>);

impl<T: Scalar> Layer<T> for Reshape {
    fn forward(&mut self, g: &mut Graph<T>, x: Var, _: Mode) -> Result<Var> {
        let n = g.shape(x).first().copied().unwrap_or(1);
        let mut shape = vec![n];
        if self.0.is_empty() {
            shape.push(g.value(x).len() / n.max(1));
        } else {
            shape.extend(&self.0);
        }
        g.reshape(x, &shape)
    }
}

/// Max pooling over `k x k` windows with stride `k`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MaxPool2d(pub usize);

impl<T: Scalar> Layer<T> for MaxPool2d {
    fn forward(&mut self, g: &mut Graph<T>, x: Var, _: Mode) -> Result<Var> {
        g.max_pool2d(x, self.0, self.0)
    }
}
