//! The two players: a generator `G: z ↦ x` and a discriminator (critic) `f: x ↦ ℝ` whose
//! logistic output `D = 1/(1 + e^{−f})` is lecture 000's spam detector. Sizes default to
//! PacGAN's 2-D experiments (Lin et al., NeurIPS 2018, and their released
//! `synthetic_data_experiments`): G is 2 → 400 × 4 → 2 with batch normalisation and ReLU,
//! the discriminator three maxout layers of 200 units with 5 pieces, weights drawn from
//! 𝒩(0, 0.02²). On images the players are DCGAN's (Radford, Metz and Chintala, ICLR 2016):
//! strided convolutions instead of pooling in D, transposed convolutions in G, batch
//! normalisation in both, ReLU and a tanh output in G, leaky ReLU in D. A conditional GAN
//! feeds both players the label (Mirza and Osindero 2014); InfoGAN feeds G codes and reads
//! them back with a head Q on D's body (Chen et al., NeurIPS 2016).

use crate::autodiff::{Conv2dSpec, Graph, Parameter, Tensor, Var};
use crate::error::{Error, Result};
use crate::linalg::{Exec, Scalar};
use crate::nn::{Activation, BatchNorm, Conv2d, Init, Layer, Linear, Mode, Reshape, Sequential};
use crate::rand::Rng;

use super::spec::{Planes, Spec};

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

/// `G`: `latent → width (BN, ReLU) × layers → data`, linear output (tanh if `spec.tanh`),
/// or DCGAN's convolutional generator when `spec.conv` is set. With no hidden layer
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
        let mut net = match spec.conv {
            Some(planes) => conv_generator(spec, planes, rng),
            None => {
                let mut net = Sequential::new();
                let mut inputs = spec.inputs();
                for _ in 0..spec.generator_layers {
                    net = net
                        .push(linear(inputs, spec.generator_width, "", rng))
                        .push(BatchNorm::new(spec.generator_width))
                        .push(Activation::Relu);
                    inputs = spec.generator_width;
                }
                net.push(linear(inputs, spec.data, "", rng))
            }
        };
        if spec.tanh {
            net = net.push(Activation::Tanh);
        }
        for p in net.params_mut() {
            p.name = format!("generator.{}", p.name);
        }
        Ok(Generator {
            net,
            latent: spec.inputs(),
            outputs: spec.data,
        })
    }
}

/// A convolution (or its transpose) of 4x4 kernels, stride 2 and padding 1, which halves
/// (doubles) the side, with DCGAN's 𝒩(0, 0.02²) weights.
fn conv4<T: Scalar>(inputs: usize, outputs: usize, transposed: bool, rng: &mut Rng) -> Conv2d<T> {
    let spec = Conv2dSpec::default().stride(2).padding(1);
    let mut c = if transposed {
        Conv2d::transposed(inputs, outputs, 4, spec, Init::He, rng)
    } else {
        Conv2d::new(inputs, outputs, 4, spec, Init::He, rng)
    };
    let shape = c.weight.value().shape().to_vec();
    *c.weight.value_mut() = Tensor::randn(&shape, INIT_SD, rng);
    c
}

// ANCHOR: dcgan
/// DCGAN's generator: project the input to `2w` planes of `side/4` (BN, ReLU), then two
/// transposed convolutions of stride 2, the first with BN and ReLU, the last to the image.
fn conv_generator<T: Scalar>(spec: &Spec, planes: Planes, rng: &mut Rng) -> Sequential<T> {
    let (w, q) = (spec.generator_width, planes.side / 4);
    Sequential::new()
        .push(linear(spec.inputs(), 2 * w * q * q, "", rng))
        .push(Reshape(vec![2 * w, q, q]))
        .push(BatchNorm::new(2 * w))
        .push(Activation::Relu)
        .push(conv4(2 * w, w, true, rng)) // (w, side/2, side/2)
        .push(BatchNorm::new(w))
        .push(Activation::Relu)
        .push(conv4(w, planes.channels, true, rng)) // (channels, side, side)
}

/// DCGAN's discriminator body: two convolutions of stride 2 instead of pooling, leaky
/// ReLU, BN on the second (not on the input layer, as the paper advises); flattened.
/// `inputs` counts the planes it sees: packed images and label planes.
fn conv_critic<T: Scalar>(
    spec: &Spec,
    planes: Planes,
    inputs: usize,
    rng: &mut Rng,
) -> Sequential<T> {
    let w = spec.critic_width;
    Sequential::new()
        .push(Reshape(vec![inputs, planes.side, planes.side]))
        .push(conv4(inputs, w, false, rng)) // (w, side/2, side/2)
        .push(Activation::LeakyRelu(LEAK))
        .push(conv4(w, 2 * w, false, rng)) // (2w, side/4, side/4)
        .push(BatchNorm::new(2 * w))
        .push(Activation::LeakyRelu(LEAK))
        .push(Reshape(vec![]))
}
// ANCHOR_END: dcgan

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

/// The discriminator's score `f(x)` (a logit; a critic value for WGAN): a body of hidden
/// layers of `width` maxout units with `pieces` pieces each (Goodfellow et al. 2013), or
/// leaky ReLU units when `pieces` is 1, or DCGAN's convolutions; then one linear output.
/// InfoGAN adds a head `Q` on the body's features that reads the codes back.
pub struct Critic<T> {
    body: Body<T>,
    out: Linear<T>,
    /// InfoGAN's Q: features → 128 (leaky ReLU) → category logits and continuous means.
    pub head: Option<Sequential<T>>,
    /// The width of one input row: the packed samples, then the label block.
    pub inputs: usize,
}

enum Body<T> {
    Maxout {
        hidden: Vec<Linear<T>>,
        width: usize,
        pieces: usize,
    },
    Conv(Sequential<T>),
}

impl<T: Scalar> Critic<T> {
    /// The critic of `spec`, judging `spec.packing` samples concatenated (and their
    /// labels, for a conditional GAN).
    pub fn new(spec: &Spec, rng: &mut Rng) -> Result<Self> {
        spec.check()?;
        let inputs = spec.data * spec.packing + spec.condition_width();
        let (body, features) = match spec.conv {
            Some(planes) => {
                let q = planes.side / 4;
                let planes_in = planes.channels * spec.packing + spec.classes;
                let mut net = conv_critic(spec, planes, planes_in, rng);
                for p in net.params_mut() {
                    p.name = format!("critic.{}", p.name);
                }
                (Body::Conv(net), 2 * spec.critic_width * q * q)
            }
            None => {
                let units = spec.critic_width * spec.pieces;
                let mut hidden = Vec::new();
                for l in 0..spec.critic_layers {
                    let fan_in = if l == 0 { inputs } else { spec.critic_width };
                    hidden.push(linear(fan_in, units, &format!("critic.{l}"), rng));
                }
                let body = Body::Maxout {
                    hidden,
                    width: spec.critic_width,
                    pieces: spec.pieces,
                };
                (body, spec.critic_width)
            }
        };
        let out = linear(features, 1, "critic.out", rng);
        let head = (spec.code_outputs() > 0).then(|| {
            let mut q = Sequential::new()
                .push(linear(features, 128, "", rng))
                .push(Activation::LeakyRelu(LEAK))
                .push(linear(128, spec.code_outputs(), "", rng));
            for p in q.params_mut() {
                p.name = format!("critic.q.{}", p.name);
            }
            q
        });
        Ok(Critic {
            body,
            out,
            head,
            inputs,
        })
    }

    /// The body's features of input rows `x` (n, inputs).
    pub fn features(&mut self, g: &mut Graph<T>, mut x: Var, mode: Mode) -> Result<Var> {
        if g.shape(x).get(1) != Some(&self.inputs) || g.shape(x).len() != 2 {
            return Err(Error::TensorShape {
                op: "critic input (samples × packing, then labels)",
                left: g.shape(x).to_vec(),
                right: vec![self.inputs],
            });
        }
        match &mut self.body {
            Body::Conv(net) => net.forward(g, x, mode),
            Body::Maxout {
                hidden,
                width,
                pieces,
            } => {
                for layer in hidden.iter_mut() {
                    let pre = layer.forward(g, x, mode)?;
                    x = activate(g, pre, *width, *pieces)?;
                }
                Ok(x)
            }
        }
    }

    /// InfoGAN's Q head on features `h`: (n, categories + continuous).
    pub fn codes(&mut self, g: &mut Graph<T>, h: Var) -> Result<Var> {
        match &mut self.head {
            Some(q) => q.forward(g, h, Mode::Train),
            None => Err(Error::invalid(
                "categories",
                0,
                "this critic has no code head Q",
            )),
        }
    }

    /// The score of features `h`.
    pub fn score(&mut self, g: &mut Graph<T>, h: Var) -> Result<Var> {
        self.out.forward(g, h, Mode::Train)
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
        let (hidden, width, pieces) = self.maxout()?;
        let w_out = g.param(&self.out.weight);
        let w_out = g.transpose(w_out, 0, 1)?; // (1, width)
        let ones = g.constant(Tensor::full(&[n, 1], T::ONE));
        let mut u = g.matmul(ones, w_out)?; // ∂f/∂h of the last hidden layer, (n, width)
        for (layer, s) in hidden.iter().zip(selections).rev() {
            let s = g.constant(s);
            let through = if pieces == 1 {
                g.mul(u, s)?
            } else {
                let u3 = g.reshape(u, &[n, width, 1])?;
                let picked = g.mul(u3, s)?; // (n, width, pieces)
                g.reshape(picked, &[n, width * pieces])?
            };
            let w = g.param(&layer.weight);
            let wt = g.transpose(w, 0, 1)?;
            u = g.matmul(through, wt)?; // ∂f/∂(layer input)
        }
        Ok(u)
    }

    /// The perceptron body's layers, width and pieces; an error for DCGAN's, whose input
    /// gradient the penalty cannot take.
    fn maxout(&self) -> Result<(&[Linear<T>], usize, usize)> {
        match &self.body {
            Body::Maxout {
                hidden,
                width,
                pieces,
            } => Ok((hidden, *width, *pieces)),
            Body::Conv(_) => Err(Error::invalid(
                "kind",
                "wgan-gp",
                "the gradient penalty needs the perceptron critic (DCGAN's is not piecewise linear in its batch norm)",
            )),
        }
    }

    /// Which linear piece every unit uses at `x`: for maxout a one-hot `(n, width, pieces)`
    /// (the first largest, as `max_axis` picks), for leaky ReLU the slope `(n, width)`.
    fn selections(&mut self, x: Tensor<T>, exec: Exec) -> Result<Vec<Tensor<T>>> {
        let (hidden, width, pieces) = self.maxout()?;
        let mut g = Graph::with_exec(exec);
        let mut h = g.constant(x);
        let mut out = Vec::with_capacity(hidden.len());
        for layer in hidden {
            let (w, b) = (g.param(&layer.weight), g.param(&layer.bias));
            let xw = g.matmul(h, w)?;
            let pre = g.add(xw, b)?;
            let v = g.value(pre);
            let sel = if pieces == 1 {
                v.map(|p| {
                    if p > T::ZERO {
                        T::ONE
                    } else {
                        T::from_f64(LEAK)
                    }
                })
            } else {
                let mut s = vec![T::ZERO; v.len()];
                for (unit, chunk) in v.data().chunks(pieces).enumerate() {
                    let best = (1..pieces).fold(0, |b, k| if chunk[k] > chunk[b] { k } else { b });
                    s[unit * pieces + best] = T::ONE;
                }
                let n = v.shape()[0];
                Tensor::new(&[n, width, pieces], s)?
            };
            out.push(sel);
            h = activate(&mut g, pre, width, pieces)?;
        }
        Ok(out)
    }
    // ANCHOR_END: input_gradient
}

impl<T: Scalar> Layer<T> for Critic<T> {
    fn forward(&mut self, g: &mut Graph<T>, x: Var, mode: Mode) -> Result<Var> {
        let h = self.features(g, x, mode)?;
        self.score(g, h)
    }
    fn params(&self) -> Vec<&Parameter<T>> {
        let mut p: Vec<_> = match &self.body {
            Body::Maxout { hidden, .. } => hidden.iter().flat_map(|l| l.params()).collect(),
            Body::Conv(net) => net.params(),
        };
        p.extend(self.out.params());
        if let Some(q) = &self.head {
            p.extend(q.params());
        }
        p
    }
    fn params_mut(&mut self) -> Vec<&mut Parameter<T>> {
        let mut p: Vec<_> = match &mut self.body {
            Body::Maxout { hidden, .. } => hidden.iter_mut().flat_map(|l| l.params_mut()).collect(),
            Body::Conv(net) => net.params_mut(),
        };
        p.extend(self.out.params_mut());
        if let Some(q) = &mut self.head {
            p.extend(q.params_mut());
        }
        p
    }
}

/// One hidden layer's activation of its pre-activation `(n, width · pieces)`: maxout, or
/// leaky ReLU for one piece.
fn activate<T: Scalar>(g: &mut Graph<T>, pre: Var, width: usize, pieces: usize) -> Result<Var> {
    if pieces == 1 {
        return Ok(g.leaky_relu(pre, T::from_f64(LEAK)));
    }
    let n = g.shape(pre)[0];
    let split = g.reshape(pre, &[n, width, pieces])?;
    g.max_axis(split, 2)
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
    /// InfoGAN-CR's contrastive network H (parameters `contrast.*`).
    pub contrast: Option<Sequential<f32>>,
    pub spec: Spec,
    /// Threads and instruction set of every product (results are the same for any).
    pub exec: Exec,
}

impl Gan {
    pub fn new(spec: Spec, rng: &mut Rng) -> Result<Gan> {
        Ok(Gan {
            generator: Generator::new(&spec, rng)?,
            critic: Critic::new(&spec, rng)?,
            contrast: spec.contrastive.then(|| contrast_network(&spec, rng)),
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

    /// `n` samples `G(z)`, `z ~ 𝒩(0, I)` drawn from `seed` (labels and codes drawn
    /// uniformly), with batch normalisation's running statistics (row-major, `spec.data`
    /// per sample).
    pub fn generate(&mut self, n: usize, seed: u64) -> Result<Vec<f32>> {
        let draw = self.draw(n, None, &mut Rng::seed_from_u64(seed))?;
        self.generate_from(draw.input)
    }

    /// `G` of given inputs `(n, spec.inputs())` (see [`Gan::input`]), in evaluation mode.
    pub fn generate_from(&mut self, input: Tensor<f32>) -> Result<Vec<f32>> {
        let mut g = Graph::with_exec(self.exec);
        let zv = g.constant(input);
        let x = self.generator.forward(&mut g, zv, Mode::Eval)?;
        Ok(g.value(x).data().to_vec())
    }

    // ANCHOR: draw
    /// The generator's input for `n` samples: noise `z ~ 𝒩(0, I)`, then (if the spec has
    /// them) a label, InfoGAN's category, each uniform, and continuous codes uniform on
    /// [−1, 1]. `labels` asks for given labels instead.
    pub fn draw(&self, n: usize, labels: Option<&[usize]>, rng: &mut Rng) -> Result<Draw> {
        let s = self.spec;
        let z = Tensor::randn(&[n, s.latent], 1.0, rng);
        let mut uniform = |k: usize| -> Result<Vec<usize>> {
            if k == 0 {
                return Ok(Vec::new());
            }
            (0..n).map(|_| rng.index(k)).collect()
        };
        let labels = match labels {
            Some(l) => l.to_vec(),
            None => uniform(s.classes)?,
        };
        let categories = uniform(s.categories)?;
        let continuous: Vec<f32> = (0..n * s.continuous)
            .map(|_| 2.0 * rng.next_f32() - 1.0)
            .collect();
        let input = self.input(&z, &labels, &categories, &continuous)?;
        Ok(Draw {
            input,
            noise: z,
            labels,
            categories,
            continuous,
        })
    }
    // ANCHOR_END: draw

    // ANCHOR: contrastive_pairs
    /// InfoGAN-CR's pairs (Lin et al., ICML 2020, and their released code): `n` pairs of
    /// generator inputs with the same noise and the same value of one continuous code,
    /// `shared[i]`, drawn uniformly; every other code is drawn independently for each.
    pub fn contrastive_pairs(&self, n: usize, rng: &mut Rng) -> Result<(Draw, Draw, Vec<usize>)> {
        let c = self.spec.continuous;
        let a = self.draw(n, None, rng)?;
        let mut b = self.draw(n, None, rng)?;
        let shared: Vec<usize> = (0..n).map(|_| rng.index(c)).collect::<Result<_>>()?;
        for (i, &k) in shared.iter().enumerate() {
            b.continuous[i * c + k] = a.continuous[i * c + k];
        }
        b.noise = a.noise.clone();
        b.labels = a.labels.clone();
        b.input = self.input(&b.noise, &b.labels, &b.categories, &b.continuous)?;
        Ok((a, b, shared))
    }
    // ANCHOR_END: contrastive_pairs

    /// Assembles generator inputs from their parts: noise `(n, latent)`, labels and
    /// categories (empty if the spec has none) and continuous codes `(n, continuous)`.
    pub fn input(
        &self,
        z: &Tensor<f32>,
        labels: &[usize],
        categories: &[usize],
        continuous: &[f32],
    ) -> Result<Tensor<f32>> {
        let s = self.spec;
        let n = z.shape()[0];
        check_labels("labels", labels, n, s.classes)?;
        check_labels("categories", categories, n, s.categories)?;
        if continuous.len() != n * s.continuous {
            return Err(Error::BadLength {
                what: "continuous codes",
                expected: n * s.continuous,
                actual: continuous.len(),
            });
        }
        let mut data = Vec::with_capacity(n * s.inputs());
        for i in 0..n {
            data.extend_from_slice(&z.data()[i * s.latent..(i + 1) * s.latent]);
            push_one_hot(&mut data, labels.get(i), s.classes, 1);
            push_one_hot(&mut data, categories.get(i), s.categories, 1);
            data.extend_from_slice(&continuous[i * s.continuous..(i + 1) * s.continuous]);
        }
        Tensor::new(&[n, s.inputs()], data)
    }

    /// The label block a conditional critic sees beside each sample: one-hot, or for a
    /// convolutional critic one plane of ones (the label's) among planes of zeros.
    pub fn condition(&self, labels: &[usize]) -> Result<Tensor<f32>> {
        let s = self.spec;
        let n = labels.len();
        check_labels("labels", labels, n, s.classes)?;
        let repeat = s.condition_width() / s.classes.max(1);
        let mut data = Vec::with_capacity(n * s.condition_width());
        for l in labels {
            push_one_hot(&mut data, Some(l), s.classes, repeat);
        }
        Tensor::new(&[n, s.condition_width()], data)
    }

    /// The critic's input rows: packed samples `x` (n, data · packing), then for a
    /// conditional GAN the label block of `labels`.
    pub fn critic_input(&self, g: &mut Graph<f32>, x: Var, labels: &[usize]) -> Result<Var> {
        if self.spec.classes == 0 {
            return Ok(x);
        }
        let c = g.constant(self.condition(labels)?);
        g.concat(&[x, c], 1)
    }

    /// InfoGAN's Q read from samples `x` (rows of `spec.data`, one sample each): per row,
    /// the category's logits, then the continuous codes' means.
    pub fn read_codes(&mut self, x: &[f32]) -> Result<Vec<f32>> {
        let d = self.spec.data;
        if self.spec.packing != 1 || self.spec.classes != 0 {
            return Err(Error::invalid(
                "packing",
                self.spec.packing,
                "InfoGAN's Q reads codes from one unlabelled sample at a time",
            ));
        }
        let n = crate::nn::train::rows(x, d, "samples")?;
        let mut out = Vec::with_capacity(n * self.spec.code_outputs());
        // Chunks bound the memory of the convolutions' unrolled patches.
        for chunk in x.chunks(500 * d) {
            let mut g = Graph::with_exec(self.exec);
            let xv = g.constant(Tensor::new(&[chunk.len() / d, d], chunk.to_vec())?);
            let h = self.critic.features(&mut g, xv, Mode::Eval)?;
            let q = self.critic.codes(&mut g, h)?;
            out.extend_from_slice(g.value(q).data());
        }
        Ok(out)
    }

    /// The discriminator's probability `D(x) = σ(f(x))` for packed rows `x` (and their
    /// labels, for a conditional GAN; empty otherwise).
    pub fn discriminate(&mut self, x: &[f32], labels: &[usize]) -> Result<Vec<f32>> {
        let d = self.spec.data * self.spec.packing;
        let n = crate::nn::train::rows(x, d, "critic inputs")?;
        let mut g = Graph::with_exec(self.exec);
        let xv = g.constant(Tensor::new(&[n, d], x.to_vec())?);
        let input = self.critic_input(&mut g, xv, labels)?;
        let f = self.critic.forward(&mut g, input, Mode::Eval)?;
        Ok(g.value(f)
            .data()
            .iter()
            .map(|&v| 1.0 / (1.0 + (-v).exp()))
            .collect())
    }
}

/// A batch of generator inputs and the labels and codes in them.
#[derive(Clone, Debug, PartialEq)]
pub struct Draw {
    /// `(n, spec.inputs())`: noise, one-hot label, one-hot category, continuous codes.
    pub input: Tensor<f32>,
    /// The noise alone, `(n, latent)`.
    pub noise: Tensor<f32>,
    pub labels: Vec<usize>,
    pub categories: Vec<usize>,
    /// `(n, continuous)`, row-major.
    pub continuous: Vec<f32>,
}

/// `values` one-hot positions, `repeat` copies each (planes), `value` hot if given.
fn push_one_hot(out: &mut Vec<f32>, value: Option<&usize>, values: usize, repeat: usize) {
    for k in 0..values {
        let on = if value == Some(&k) { 1.0 } else { 0.0 };
        out.extend(std::iter::repeat_n(on, repeat));
    }
}

/// `n` labels below `k` when `k > 0`, none when it is 0.
fn check_labels(what: &'static str, labels: &[usize], n: usize, k: usize) -> Result<()> {
    let expected = if k == 0 { 0 } else { n };
    if labels.len() != expected {
        return Err(Error::BadLength {
            what,
            expected,
            actual: labels.len(),
        });
    }
    match labels.iter().find(|&&l| l >= k) {
        Some(&bad) => Err(Error::IndexOutOfBounds {
            what,
            index: bad,
            bound: k,
        }),
        None => Ok(()),
    }
}

/// InfoGAN-CR's H: the critic's body on a pair of samples stacked as channels (a
/// perceptron of one hidden layer for non-image data), then one logit per continuous code.
fn contrast_network(spec: &Spec, rng: &mut Rng) -> Sequential<f32> {
    let pair = Spec {
        packing: 2,
        classes: 0,
        ..*spec
    };
    let mut net = match spec.conv {
        Some(planes) => {
            let q = planes.side / 4;
            conv_critic(&pair, planes, 2 * planes.channels, rng).push(linear(
                2 * spec.critic_width * q * q,
                spec.continuous,
                "",
                rng,
            ))
        }
        None => Sequential::new()
            .push(linear(2 * spec.data, spec.critic_width, "", rng))
            .push(Activation::LeakyRelu(LEAK))
            .push(linear(spec.critic_width, spec.continuous, "", rng)),
    };
    for p in net.params_mut() {
        p.name = format!("contrast.{}", p.name);
    }
    net
}

impl Layer<f32> for Gan {
    fn forward(&mut self, g: &mut Graph<f32>, z: Var, mode: Mode) -> Result<Var> {
        self.generator.forward(g, z, mode)
    }
    fn params(&self) -> Vec<&Parameter<f32>> {
        let mut p = self.generator.params();
        p.extend(self.critic.params());
        if let Some(h) = &self.contrast {
            p.extend(h.params());
        }
        p
    }
    fn params_mut(&mut self) -> Vec<&mut Parameter<f32>> {
        let mut p = self.generator.params_mut();
        p.extend(self.critic.params_mut());
        if let Some(h) = &mut self.contrast {
            p.extend(h.params_mut());
        }
        p
    }
}
