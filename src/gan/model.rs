//! The two players: a generator `G: z ↦ x` and a discriminator (critic) `f: x ↦ ℝ` whose
//! logistic output `D = 1/(1 + e^{−f})` is lecture 000's spam detector. Sizes default to
//! PacGAN's 2-D experiments (Lin et al., NeurIPS 2018, and their released
//! `synthetic_data_experiments`): G is 2 → 400 × 4 → 2 with batch normalisation and ReLU,
//! the discriminator three maxout layers of 200 units with 5 pieces, weights drawn from
//! 𝒩(0, 0.02²).

use crate::autodiff::{Graph, Parameter, Tensor, Var};
use crate::error::{Error, Result};
use crate::linalg::{Exec, Scalar};
use crate::nn::{Activation, BatchNorm, Init, Layer, Linear, Mode, Sequential};
use crate::rand::Rng;

/// The largest width, depth, packing or number of maxout pieces a network may ask for.
pub const MAX_SIZE: usize = 4096;

/// The standard deviation of every initial weight in PacGAN's code.
const INIT_SD: f64 = 0.02;

/// The slope of the critic's leaky ReLU when it has no maxout pieces.
const LEAK: f64 = 0.2;

/// A linear layer with PacGAN's initialisation, its parameters named `prefix.weight` and
/// `prefix.bias` (`weight` and `bias` for an empty prefix).
fn linear<T: Scalar>(inputs: usize, outputs: usize, prefix: &str, rng: &mut Rng) -> Linear<T> {
    let mut l = Linear::new(inputs, outputs, Init::Glorot, rng);
    *l.weight.value_mut() = Tensor::randn(&[inputs, outputs], INIT_SD, rng);
    if !prefix.is_empty() {
        l.weight.name = format!("{prefix}.weight");
        l.bias.name = format!("{prefix}.bias");
    }
    l
}

/// Network sizes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Spec {
    /// Size of the noise `z ~ 𝒩(0, I)`.
    pub latent: usize,
    /// Size of one data sample.
    pub data: usize,
    pub generator_width: usize,
    pub generator_layers: usize,
    pub critic_width: usize,
    pub critic_layers: usize,
    /// Maxout pieces per critic unit; 1 means a leaky ReLU instead.
    pub pieces: usize,
    /// PacGAN's m: the critic judges m samples at once (1: a plain GAN).
    pub packing: usize,
}

impl Spec {
    /// PacGAN's 2-D networks with packing `m`.
    pub fn pacgan(packing: usize) -> Spec {
        Spec {
            latent: 2,
            data: 2,
            generator_width: 400,
            generator_layers: 4,
            critic_width: 200,
            critic_layers: 3,
            pieces: 5,
            packing,
        }
    }
    /// A 1-D game whose generator density is known: `G(z) = w z + b`, so
    /// `p_g = 𝒩(b, w²)`, against a maxout critic of two layers of 32 units with 5 pieces.
    /// The theory's tests and the saturation figure play it.
    pub fn line() -> Spec {
        Spec {
            latent: 1,
            data: 1,
            generator_width: 1,
            generator_layers: 0,
            critic_width: 32,
            critic_layers: 2,
            pieces: 5,
            packing: 1,
        }
    }
    /// The small MLP GAN the speed comparisons use: G `latent`-256 (BN, ReLU)-`data`, D
    /// `data`-256 (leaky ReLU)-1.
    pub fn mlp(latent: usize, data: usize) -> Spec {
        Spec {
            latent,
            data,
            generator_width: 256,
            generator_layers: 1,
            critic_width: 256,
            critic_layers: 1,
            pieces: 1,
            packing: 1,
        }
    }
    fn check(&self) -> Result<()> {
        let sizes = [
            ("latent", self.latent),
            ("data", self.data),
            ("generator_width", self.generator_width),
            ("critic_width", self.critic_width),
            ("critic_layers", self.critic_layers),
            ("pieces", self.pieces),
            ("packing", self.packing),
        ];
        for (name, v) in sizes {
            crate::check_count(name, v, MAX_SIZE, "the size limit")?;
        }
        // No hidden layer is allowed: G(z) = z W + b, a Gaussian with known parameters.
        if self.generator_layers > MAX_SIZE {
            return Err(Error::invalid(
                "generator_layers",
                self.generator_layers,
                format!("must be at most {MAX_SIZE}"),
            ));
        }
        Ok(())
    }
}

/// `G`: `latent → width (BN, ReLU) × layers → data`, linear output. With no hidden layer
/// `G(z) = z W + b` pushes `𝒩(0, I)` to the Gaussian `𝒩(b, WᵀW)`: a generator whose density
/// is known, for the tests of the theory.
pub struct Generator<T> {
    net: Sequential<T>,
    pub latent: usize,
    pub outputs: usize,
}

impl<T: Scalar> Generator<T> {
    pub fn new(spec: &Spec, rng: &mut Rng) -> Result<Self> {
        spec.check()?;
        let mut net = Sequential::new();
        let mut inputs = spec.latent;
        for _ in 0..spec.generator_layers {
            net = net
                .push(linear(inputs, spec.generator_width, "", rng))
                .push(BatchNorm::new(spec.generator_width))
                .push(Activation::Relu);
            inputs = spec.generator_width;
        }
        net = net.push(linear(inputs, spec.data, "", rng));
        for p in net.params_mut() {
            p.name = format!("generator.{}", p.name);
        }
        Ok(Generator {
            net,
            latent: spec.latent,
            outputs: spec.data,
        })
    }
}

impl<T: Scalar> Layer<T> for Generator<T> {
    fn forward(&mut self, g: &mut Graph<T>, z: Var, mode: Mode) -> Result<Var> {
        self.net.forward(g, z, mode)
    }
    fn params(&self) -> Vec<&Parameter<T>> {
        self.net.params()
    }
    fn params_mut(&mut self) -> Vec<&mut Parameter<T>> {
        self.net.params_mut()
    }
}

/// The discriminator's score `f(x)` (a logit; a critic value for WGAN): hidden layers of
/// `width` maxout units with `pieces` pieces each (Goodfellow et al. 2013), or leaky ReLU
/// units when `pieces` is 1, then one linear output.
pub struct Critic<T> {
    hidden: Vec<Linear<T>>,
    out: Linear<T>,
    width: usize,
    pieces: usize,
    pub inputs: usize,
}

impl<T: Scalar> Critic<T> {
    /// The critic of `spec`, judging `spec.packing` samples concatenated.
    pub fn new(spec: &Spec, rng: &mut Rng) -> Result<Self> {
        spec.check()?;
        let inputs = spec.data * spec.packing;
        let units = spec.critic_width * spec.pieces;
        let mut hidden = Vec::new();
        for l in 0..spec.critic_layers {
            let fan_in = if l == 0 { inputs } else { spec.critic_width };
            hidden.push(linear(fan_in, units, &format!("critic.{l}"), rng));
        }
        let out = linear(spec.critic_width, 1, "critic.out", rng);
        Ok(Critic {
            hidden,
            out,
            width: spec.critic_width,
            pieces: spec.pieces,
            inputs,
        })
    }

    /// The number of trainable numbers (the "could PacGAN be cheating?" count).
    pub fn n_params(&self) -> usize {
        self.params().iter().map(|p| p.value().len()).sum()
    }

    /// One hidden layer's activation of its pre-activation `(n, width · pieces)`.
    fn activate(&self, g: &mut Graph<T>, pre: Var) -> Result<Var> {
        if self.pieces == 1 {
            return Ok(g.leaky_relu(pre, T::from_f64(LEAK)));
        }
        let n = g.shape(pre)[0];
        let pieces = g.reshape(pre, &[n, self.width, self.pieces])?;
        g.max_axis(pieces, 2)
    }

    // ANCHOR: input_gradient
    /// `∇ₓ f(x)` for every row of `x`, recorded on `g` as a function of the weights, so a
    /// loss of it (the gradient penalty) can be differentiated by the ordinary backward
    /// pass. Maxout and leaky ReLU are piecewise linear: at `x`, each unit is one linear
    /// piece, fixed by which piece won (or the sign of its input), and
    /// `∇ₓ f = W₁ S₁ W₂ S₂ ⋯ w_out` with constant 0/1 (or slope) selections `Sₗ`. Their
    /// derivative is zero almost everywhere, so treating them as constants is exact: this is
    /// what differentiating through the backward pass would give.
    pub fn input_gradient(&mut self, g: &mut Graph<T>, x: Tensor<T>) -> Result<Var> {
        let n = x.shape()[0];
        let selections = self.selections(x, g.exec())?;
        let w_out = g.param(&self.out.weight);
        let w_out = g.transpose(w_out, 0, 1)?; // (1, width)
        let ones = g.constant(Tensor::full(&[n, 1], T::ONE));
        let mut u = g.matmul(ones, w_out)?; // ∂f/∂h of the last hidden layer, (n, width)
        for (layer, s) in self.hidden.iter().zip(selections).rev() {
            let s = g.constant(s);
            let through = if self.pieces == 1 {
                g.mul(u, s)?
            } else {
                let u3 = g.reshape(u, &[n, self.width, 1])?;
                let picked = g.mul(u3, s)?; // (n, width, pieces)
                g.reshape(picked, &[n, self.width * self.pieces])?
            };
            let w = g.param(&layer.weight);
            let wt = g.transpose(w, 0, 1)?;
            u = g.matmul(through, wt)?; // ∂f/∂(layer input)
        }
        Ok(u)
    }

    /// Which linear piece every unit uses at `x`: for maxout a one-hot `(n, width, pieces)`
    /// (the first largest, as `max_axis` picks), for leaky ReLU the slope `(n, width)`.
    fn selections(&mut self, x: Tensor<T>, exec: Exec) -> Result<Vec<Tensor<T>>> {
        let mut g = Graph::with_exec(exec);
        let mut h = g.constant(x);
        let mut out = Vec::with_capacity(self.hidden.len());
        for l in 0..self.hidden.len() {
            let (w, b) = (
                g.param(&self.hidden[l].weight),
                g.param(&self.hidden[l].bias),
            );
            let xw = g.matmul(h, w)?;
            let pre = g.add(xw, b)?;
            let v = g.value(pre);
            let sel = if self.pieces == 1 {
                v.map(|p| {
                    if p > T::ZERO {
                        T::ONE
                    } else {
                        T::from_f64(LEAK)
                    }
                })
            } else {
                let mut s = vec![T::ZERO; v.len()];
                for (unit, chunk) in v.data().chunks(self.pieces).enumerate() {
                    let best =
                        (1..self.pieces).fold(0, |b, k| if chunk[k] > chunk[b] { k } else { b });
                    s[unit * self.pieces + best] = T::ONE;
                }
                let n = v.shape()[0];
                Tensor::new(&[n, self.width, self.pieces], s)?
            };
            out.push(sel);
            h = self.activate(&mut g, pre)?;
        }
        Ok(out)
    }
    // ANCHOR_END: input_gradient
}

impl<T: Scalar> Layer<T> for Critic<T> {
    fn forward(&mut self, g: &mut Graph<T>, mut x: Var, _: Mode) -> Result<Var> {
        if g.shape(x).get(1) != Some(&self.inputs) {
            return Err(Error::TensorShape {
                op: "critic input (samples × packing)",
                left: g.shape(x).to_vec(),
                right: vec![self.inputs],
            });
        }
        for l in 0..self.hidden.len() {
            let pre = self.hidden[l].forward(g, x, Mode::Train)?;
            x = self.activate(g, pre)?;
        }
        self.out.forward(g, x, Mode::Train)
    }
    fn params(&self) -> Vec<&Parameter<T>> {
        let mut p: Vec<_> = self.hidden.iter().flat_map(|l| l.params()).collect();
        p.extend(self.out.params());
        p
    }
    fn params_mut(&mut self) -> Vec<&mut Parameter<T>> {
        let mut p: Vec<_> = self
            .hidden
            .iter_mut()
            .flat_map(|l| l.params_mut())
            .collect();
        p.extend(self.out.params_mut());
        p
    }
}

// ANCHOR: gradient_penalty
/// Gulrajani et al.'s penalty `mean (‖∇ₓ f(x̂)‖ − 1)²` from the rows of `grad` (n, d).
pub fn gradient_penalty<T: Scalar>(g: &mut Graph<T>, grad: Var) -> Result<Var> {
    let sq = g.square(grad);
    let norm2 = g.sum_axis(sq, 1)?;
    // The tiny shift keeps the square root differentiable where a gradient vanishes.
    let norm2 = g.add_scalar(norm2, T::from_f64(1e-12));
    let norm = g.sqrt(norm2);
    let gap = g.add_scalar(norm, -T::ONE);
    let gap2 = g.square(gap);
    Ok(g.mean(gap2))
}
// ANCHOR_END: gradient_penalty

/// A generator and its critic, saved and loaded together (parameters `generator.*` and
/// `critic.*`).
pub struct Gan {
    pub generator: Generator<f32>,
    pub critic: Critic<f32>,
    pub spec: Spec,
    /// Threads and instruction set of every product (results are the same for any).
    pub exec: Exec,
}

impl Gan {
    pub fn new(spec: Spec, rng: &mut Rng) -> Result<Gan> {
        Ok(Gan {
            generator: Generator::new(&spec, rng)?,
            critic: Critic::new(&spec, rng)?,
            spec,
            exec: Exec::default(),
        })
    }

    /// [`Spec::line`]'s game with the generator set to `G(z) = w z + b`.
    pub fn line(w: f32, b: f32, rng: &mut Rng) -> Result<Gan> {
        let mut gan = Gan::new(Spec::line(), rng)?;
        for p in gan.generator.params_mut() {
            p.value_mut().data_mut()[0] = if p.name.ends_with("weight") { w } else { b };
        }
        Ok(gan)
    }

    /// `n` samples `G(z)`, `z ~ 𝒩(0, I)` drawn from `seed`, with batch normalisation's
    /// running statistics (row-major, `spec.data` per sample).
    pub fn generate(&mut self, n: usize, seed: u64) -> Result<Vec<f32>> {
        let z = Tensor::randn(&[n, self.spec.latent], 1.0, &mut Rng::seed_from_u64(seed));
        self.generate_from(z)
    }

    /// `G(z)` for given noise `(n, latent)`, in evaluation mode.
    pub fn generate_from(&mut self, z: Tensor<f32>) -> Result<Vec<f32>> {
        let mut g = Graph::with_exec(self.exec);
        let zv = g.constant(z);
        let x = self.generator.forward(&mut g, zv, Mode::Eval)?;
        Ok(g.value(x).data().to_vec())
    }

    /// The discriminator's probability `D(x) = σ(f(x))` for packed rows `x`.
    pub fn discriminate(&mut self, x: &[f32]) -> Result<Vec<f32>> {
        let d = self.critic.inputs;
        let n = crate::nn::train::rows(x, d, "critic inputs")?;
        let mut g = Graph::with_exec(self.exec);
        let xv = g.constant(Tensor::new(&[n, d], x.to_vec())?);
        let f = self.critic.forward(&mut g, xv, Mode::Eval)?;
        Ok(g.value(f)
            .data()
            .iter()
            .map(|&v| 1.0 / (1.0 + (-v).exp()))
            .collect())
    }
}

impl Layer<f32> for Gan {
    fn forward(&mut self, g: &mut Graph<f32>, z: Var, mode: Mode) -> Result<Var> {
        self.generator.forward(g, z, mode)
    }
    fn params(&self) -> Vec<&Parameter<f32>> {
        let mut p = self.generator.params();
        p.extend(self.critic.params());
        p
    }
    fn params_mut(&mut self) -> Vec<&mut Parameter<f32>> {
        let mut p = self.generator.params_mut();
        p.extend(self.critic.params_mut());
        p
    }
}
