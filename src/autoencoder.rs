//! # Chapter 12 · Autoencoders
//!
//! Lectures 001 and 003: an autoencoder is an encoder `g: x ↦ z` and a decoder
//! `h: z ↦ x̂` trained so that `h(g(x)) ≈ x`; what it learns depends on the constraint put
//! on the code `z` · book `12-autoencoder.md` · tests `tests/autoencoder.rs` · bench
//! `benches/autoencoder.rs`
//!
//! - **compression**: `z` is smaller than `x`. With linear maps and squared error the best
//!   code spans the principal subspace (chapter 3), so PCA is the baseline to beat; the
//!   lecture's network is 784-128-32-128-784 with ReLU inside and a sigmoid output;
//! - **denoising**: the input is corrupted (Gaussian noise σ = 0.1 clipped to [0, 1], or
//!   masking) and the loss compares with the clean input;
//! - **sparse**: a sigmoid code with the penalty `β Σⱼ KL(ρ ‖ ρ̂ⱼ)` on the batch-mean
//!   activations `ρ̂`;
//! - **convolutional**: strided convolutions down, transposed convolutions up (the
//!   lecture's "ReLU CNN (upconv)").
//!
//! Every model is a [`Layer`] on chapter 10's tape, trained by chapter 11's [`Trainer`] and
//! Adam, and saved by [`crate::nn::io`].
//!
//! Cost: a dense epoch is about `6 · n · Σ (fan_in · fan_out)` flops, 0.1 s for the
//! lecture's network on 8,000 digits.

use crate::autodiff::{Conv2dSpec, Graph, Parameter, Tensor, Var};
use crate::error::{Error, Result};
use crate::linalg::Exec;
use crate::nn::train::{gather_rows, rows, TrainReport, Trainer};
use crate::nn::{
    Activation, Adam, Conv2d, Init, Layer, Linear, Mode, Optimizer, Reshape, Sequential,
};
use crate::rand::Rng;

/// The network between input and code and back.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Architecture {
    /// Lecture 003's compression network: inputs-128-latent-128-inputs, ReLU everywhere
    /// (the code too), sigmoid output.
    Dense { latent: usize },
    /// One linear map each way, no activation: PCA's model. `tied` makes the decoder the
    /// encoder's transpose (`D = Eᵀ`, lecture 001).
    Linear { latent: usize, tied: bool },
    /// One sigmoid code layer (it may be wider than the input) and a sigmoid output, so
    /// each code unit's decoder row is a feature that can be drawn as an image.
    Sparse { code: usize },
    /// For 28 x 28 images: two stride-2 convolutions (16 and 32 channels, 28 → 14 → 7),
    /// a linear code, and the mirror image with 4 x 4 transposed convolutions.
    Conv { latent: usize },
}

impl Architecture {
    /// The size of the code.
    pub fn latent(&self) -> usize {
        match *self {
            Architecture::Dense { latent }
            | Architecture::Linear { latent, .. }
            | Architecture::Conv { latent } => latent,
            Architecture::Sparse { code } => code,
        }
    }
}

/// The largest code: wider codes are allowed for sparse autoencoders, up to this.
pub const MAX_LATENT: usize = 4096;

/// An encoder and a decoder.
pub struct Autoencoder {
    pub architecture: Architecture,
    encoder: Sequential<f32>,
    /// Empty for the tied linear autoencoder, whose decoder is the encoder's weight
    /// transposed plus `tied_bias`.
    decoder: Sequential<f32>,
    tied_bias: Option<Parameter<f32>>,
    inputs: usize,
    /// Threads and instruction set of every product (results are the same for any).
    pub exec: Exec,
}

impl Autoencoder {
    // ANCHOR: build
    /// A fresh network for rows of `inputs` values, weights drawn from `rng`.
    pub fn new(architecture: Architecture, inputs: usize, rng: &mut Rng) -> Result<Self> {
        crate::check_count("inputs", inputs, 1 << 24, "16 million")?;
        let latent = architecture.latent();
        crate::check_count("latent", latent, MAX_LATENT, "the code limit")?;
        if latent > inputs && !matches!(architecture, Architecture::Sparse { .. }) {
            return Err(Error::invalid(
                "latent",
                latent,
                format!("a compression code must be smaller than the {inputs} inputs"),
            ));
        }
        let (encoder, decoder) = match architecture {
            Architecture::Dense { latent } => (
                Sequential::new()
                    .push(Linear::new(inputs, 128, Init::He, rng))
                    .push(Activation::Relu)
                    .push(Linear::new(128, latent, Init::He, rng))
                    .push(Activation::Relu),
                Sequential::new()
                    .push(Linear::new(latent, 128, Init::He, rng))
                    .push(Activation::Relu)
                    .push(Linear::new(128, inputs, Init::Glorot, rng))
                    .push(Activation::Sigmoid),
            ),
            Architecture::Linear { latent, tied } => (
                Sequential::new().push(Linear::new(inputs, latent, Init::Glorot, rng)),
                if tied {
                    Sequential::new()
                } else {
                    Sequential::new().push(Linear::new(latent, inputs, Init::Glorot, rng))
                },
            ),
            Architecture::Sparse { code } => (
                Sequential::new()
                    .push(Linear::new(inputs, code, Init::Glorot, rng))
                    .push(Activation::Sigmoid),
                Sequential::new()
                    .push(Linear::new(code, inputs, Init::Glorot, rng))
                    .push(Activation::Sigmoid),
            ),
            Architecture::Conv { latent } => {
                if inputs != 28 * 28 {
                    return Err(Error::invalid(
                        "inputs",
                        inputs,
                        "the convolutional autoencoder takes 28 x 28 images (784 values)",
                    ));
                }
                let down = Conv2dSpec::default().stride(2).padding(1);
                (
                    Sequential::new()
                        .push(Reshape(vec![1, 28, 28]))
                        .push(Conv2d::new(1, 16, 3, down, Init::He, rng)) // (16, 14, 14)
                        .push(Activation::Relu)
                        .push(Conv2d::new(16, 32, 3, down, Init::He, rng)) // (32, 7, 7)
                        .push(Activation::Relu)
                        .push(Reshape(vec![]))
                        .push(Linear::new(32 * 7 * 7, latent, Init::Glorot, rng)),
                    Sequential::new()
                        .push(Linear::new(latent, 32 * 7 * 7, Init::He, rng))
                        .push(Activation::Relu)
                        .push(Reshape(vec![32, 7, 7]))
                        // (7 - 1)·2 - 2 + 4 = 14, then 28
                        .push(Conv2d::transposed(32, 16, 4, down, Init::He, rng))
                        .push(Activation::Relu)
                        .push(Conv2d::transposed(16, 1, 4, down, Init::Glorot, rng))
                        .push(Activation::Sigmoid)
                        .push(Reshape(vec![])),
                )
            }
        };
        let tied = matches!(architecture, Architecture::Linear { tied: true, .. });
        let mut model = Autoencoder {
            architecture,
            encoder,
            decoder,
            tied_bias: tied.then(|| Parameter::new("bias", Tensor::zeros(&[inputs]))),
            inputs,
            exec: Exec::default(),
        };
        // Names say which half a tensor belongs to, so a file of another architecture
        // is refused by name or shape.
        for p in model.encoder.params_mut() {
            p.name = format!("encoder.{}", p.name);
        }
        for p in model.decoder.params_mut() {
            p.name = format!("decoder.{}", p.name);
        }
        if let Some(b) = &mut model.tied_bias {
            b.name = "decoder.tied.bias".into();
        }
        Ok(model)
    }
    // ANCHOR_END: build

    pub fn inputs(&self) -> usize {
        self.inputs
    }

    /// `z = g(x)` for a batch `(n, inputs)`.
    pub fn encode(&mut self, g: &mut Graph<f32>, x: Var, mode: Mode) -> Result<Var> {
        self.encoder.forward(g, x, mode)
    }

    // ANCHOR: tied
    /// `x̂ = h(z)`. Tied weights decode with the encoder's own matrix: `x̂ = z Wᵀ + c`, so
    /// both halves train one `W` and its gradient is the sum of the two uses.
    pub fn decode(&mut self, g: &mut Graph<f32>, z: Var, mode: Mode) -> Result<Var> {
        match &self.tied_bias {
            None => self.decoder.forward(g, z, mode),
            Some(bias) => {
                let w = g.param(self.encoder.params()[0]);
                let wt = g.transpose(w, 0, 1)?;
                let b = g.param(bias);
                let zw = g.matmul(z, wt)?;
                g.add(zw, b)
            }
        }
    }
    // ANCHOR_END: tied

    /// The decoder's weight, `(latent, inputs)` (the transposed encoder weight when tied):
    /// row j is what code unit j adds to the output, the feature it stands for.
    pub fn decoder_weight(&self) -> Result<Tensor<f32>> {
        let w = match self.tied_bias {
            Some(_) => return transpose(self.encoder.params()[0].value()),
            None => self
                .decoder
                .params()
                .into_iter()
                .find(|p| p.value().ndim() == 2),
        };
        w.map(|p| p.value().clone()).ok_or(Error::Empty {
            input: "decoder weights",
        })
    }

    /// The codes of `pixels` (rows of `inputs`), in evaluation mode, 500 rows at a time.
    pub fn codes(&mut self, pixels: &[f32]) -> Result<Vec<f32>> {
        self.in_batches(pixels, |m, g, x| m.encode(g, x, Mode::Eval))
    }

    /// `h(g(x))` for every row of `pixels`.
    pub fn reconstruct(&mut self, pixels: &[f32]) -> Result<Vec<f32>> {
        self.in_batches(pixels, |m, g, x| m.forward(g, x, Mode::Eval))
    }

    /// Decodes codes `(n, latent)` given row by row.
    pub fn decode_codes(&mut self, codes: &[f32]) -> Result<Vec<f32>> {
        let k = self.architecture.latent();
        let n = codes.len() / k;
        let mut g = Graph::with_exec(self.exec);
        let z = g.constant(Tensor::new(&[n, k], codes.to_vec())?);
        let x = self.decode(&mut g, z, Mode::Eval)?;
        Ok(g.value(x).data().to_vec())
    }

    fn in_batches(
        &mut self,
        pixels: &[f32],
        f: impl Fn(&mut Self, &mut Graph<f32>, Var) -> Result<Var>,
    ) -> Result<Vec<f32>> {
        let n = rows(pixels, self.inputs, "pixels")?;
        let index: Vec<usize> = (0..n).collect();
        let mut out = Vec::new();
        for batch in index.chunks(500) {
            let mut g = Graph::with_exec(self.exec);
            let x = g.constant(gather_rows(pixels, self.inputs, batch, &[self.inputs])?);
            let y = f(self, &mut g, x)?;
            out.extend_from_slice(g.value(y).data());
        }
        Ok(out)
    }
}

impl Layer<f32> for Autoencoder {
    fn forward(&mut self, g: &mut Graph<f32>, x: Var, mode: Mode) -> Result<Var> {
        let z = self.encode(g, x, mode)?;
        self.decode(g, z, mode)
    }
    fn params(&self) -> Vec<&Parameter<f32>> {
        let mut p = self.encoder.params();
        p.extend(self.decoder.params());
        p.extend(self.tied_bias.as_ref());
        p
    }
    fn params_mut(&mut self) -> Vec<&mut Parameter<f32>> {
        let mut p = self.encoder.params_mut();
        p.extend(self.decoder.params_mut());
        p.extend(self.tied_bias.as_mut());
        p
    }
}

fn transpose(t: &Tensor<f32>) -> Result<Tensor<f32>> {
    let &[r, c] = t.shape() else {
        return Err(Error::TensorShape {
            op: "transpose (a matrix)",
            left: t.shape().to_vec(),
            right: vec![],
        });
    };
    let d = t.data();
    Tensor::new(
        &[c, r],
        (0..c * r).map(|i| d[(i % r) * c + i / r]).collect(),
    )
}

// ANCHOR: corruption
/// How the denoising autoencoder corrupts its input (the loss still compares with the
/// clean image).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Noise {
    None,
    /// `x + σ ε`, `ε ~ 𝒩(0, 1)`, clipped back to [0, 1] (lecture 003: σ = 0.1).
    Gaussian(f64),
    /// Each value set to 0 with this probability (Vincent et al. 2008's masking noise).
    Masking(f64),
}

impl Noise {
    pub fn check(&self) -> Result<()> {
        match *self {
            Noise::Gaussian(s) if !(s.is_finite() && s >= 0.0) => Err(Error::invalid(
                "noise",
                s,
                "the standard deviation must be a number ≥ 0",
            )),
            Noise::Masking(p) if !(0.0..1.0).contains(&p) => Err(Error::invalid(
                "masking",
                p,
                "the masking probability must be in [0, 1)",
            )),
            _ => Ok(()),
        }
    }

    /// Corrupts `x` in place.
    pub fn apply(&self, x: &mut [f32], rng: &mut Rng) {
        match *self {
            Noise::None => {}
            Noise::Gaussian(sigma) => {
                for v in x {
                    *v = (f64::from(*v) + sigma * rng.normal()).clamp(0.0, 1.0) as f32;
                }
            }
            Noise::Masking(p) => {
                for v in x {
                    if rng.next_f64() < p {
                        *v = 0.0;
                    }
                }
            }
        }
    }
}
// ANCHOR_END: corruption

/// The sparse autoencoder's constraint: mean code activations `ρ̂ⱼ` pulled towards `rho`
/// with weight `beta`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Sparsity {
    pub rho: f64,
    pub beta: f64,
}

/// How to train: the lecture's recipe is Adam at 1e-3, batches of 128, 10 epochs.
#[derive(Clone, Debug, PartialEq)]
pub struct Recipe {
    pub epochs: usize,
    pub batch_size: usize,
    pub learning_rate: f64,
    pub noise: Noise,
    pub sparsity: Option<Sparsity>,
    pub seed: u64,
    pub progress: bool,
}

impl Default for Recipe {
    fn default() -> Self {
        Recipe {
            epochs: 10,
            batch_size: 128,
            learning_rate: 1e-3,
            noise: Noise::None,
            sparsity: None,
            seed: 0,
            progress: false,
        }
    }
}

/// What training did: the training loss per epoch (reconstruction plus penalty, on the
/// corrupted input when denoising) and the held-out MSE per pixel after each epoch.
#[derive(Clone, Debug, PartialEq)]
pub struct Report {
    pub train: TrainReport,
    pub test_mse: Vec<f64>,
}

// ANCHOR: loss
/// The training loss of one batch: `mean (h(g(x̃)) - x)²` with `x̃` the corrupted `x`,
/// plus `β Σⱼ KL(ρ ‖ ρ̂ⱼ)` when sparse, `ρ̂` the code's mean over the batch.
fn batch_loss(
    model: &mut Autoencoder,
    g: &mut Graph<f32>,
    clean: Tensor<f32>,
    noisy: Tensor<f32>,
    sparsity: Option<Sparsity>,
) -> Result<Var> {
    let target = g.constant(clean);
    let input = g.constant(noisy);
    let z = model.encode(g, input, Mode::Train)?;
    let x_hat = model.decode(g, z, Mode::Train)?;
    let reconstruction = g.mse(x_hat, target)?;
    let Some(Sparsity { rho, beta }) = sparsity else {
        return Ok(reconstruction);
    };
    let rho_hat = g.mean_axis(z, 0)?;
    // A unit that saturates in f32 would make log ρ̂ infinite.
    let rho_hat = g.clamp(rho_hat, 1e-6, 1.0 - 1e-6);
    let kl = g.bernoulli_kl(rho as f32, rho_hat)?;
    let penalty = g.mul_scalar(kl, beta as f32);
    g.add(reconstruction, penalty)
}
// ANCHOR_END: loss

// ANCHOR: train
/// Trains `model` on the rows of `train` with Adam, reporting the held-out MSE on `test`
/// after every epoch.
pub fn train(
    model: &mut Autoencoder,
    train: &[f32],
    test: &[f32],
    recipe: &Recipe,
) -> Result<Report> {
    let width = model.inputs;
    let n = rows(train, width, "training images")?;
    rows(test, width, "test images")?;
    recipe.noise.check()?;
    if let Some(s) = recipe.sparsity {
        check_sparsity(s)?;
        if !matches!(model.architecture, Architecture::Sparse { .. }) {
            return Err(Error::invalid(
                "rho",
                s.rho,
                "the sparsity penalty needs a sigmoid code (the sparse architecture)",
            ));
        }
    }
    let trainer = Trainer::new(recipe.epochs, recipe.batch_size)?
        .seed(recipe.seed)
        .progress(recipe.progress);
    let mut state = (
        model,
        Adam::new(recipe.learning_rate)?,
        Rng::stream(recipe.seed, 1),
        Vec::new(),
    );
    let train_report = trainer.run(
        n,
        &mut state,
        |(model, adam, rng, _), batch| {
            let clean = gather_rows(train, width, batch, &[width])?;
            let mut noisy = clean.clone();
            recipe.noise.apply(noisy.data_mut(), rng);
            let mut g = Graph::with_exec(model.exec);
            let loss = batch_loss(model, &mut g, clean, noisy, recipe.sparsity)?;
            let value = f64::from(g.value(loss).item()?);
            let grads = g.backward(loss)?;
            adam.step(model.params_mut(), &grads);
            Ok(value)
        },
        |(model, _, _, test_mse), _, _| {
            test_mse.push(mse(&model.reconstruct(test)?, test));
            Ok(())
        },
    )?;
    Ok(Report {
        train: train_report,
        test_mse: state.3,
    })
}
// ANCHOR_END: train

fn check_sparsity(s: Sparsity) -> Result<()> {
    if !(s.rho > 0.0 && s.rho < 1.0) {
        return Err(Error::invalid("rho", s.rho, "must be in (0, 1)"));
    }
    if !(0.0..=crate::vae::MAX_BETA).contains(&s.beta) {
        return Err(Error::invalid(
            "beta",
            s.beta,
            format!("must be between 0 and {}", crate::vae::MAX_BETA),
        ));
    }
    Ok(())
}

/// Mean squared difference per value.
pub fn mse(a: &[f32], b: &[f32]) -> f64 {
    let s: f64 = a
        .iter()
        .zip(b)
        .map(|(&x, &y)| (f64::from(x) - f64::from(y)).powi(2))
        .sum();
    s / a.len().max(1) as f64
}

/// Peak signal-to-noise ratio of images with values in [0, 1]: `10 log₁₀(1 / MSE)` dB.
pub fn psnr(clean: &[f32], other: &[f32]) -> f64 {
    -10.0 * mse(clean, other).log10()
}

/// The held-out MSE per value of PCA with `k` components fitted on `train` (chapter 3):
/// the linear baseline every compression autoencoder is measured against.
pub fn pca_mse(train: &[f32], test: &[f32], width: usize, k: usize) -> Result<f64> {
    use crate::linalg::Matrix;
    let to_matrix = |v: &[f32], what| -> Result<Matrix<f64>> {
        let n = rows(v, width, what)?;
        Matrix::new(n, width, v.iter().map(|&x| f64::from(x)).collect())
    };
    let fitted = crate::pca::Pca::new()
        .n_components(k)
        .fit(&to_matrix(train, "training images")?)?;
    fitted.reconstruction_error(&to_matrix(test, "test images")?)
}

// ANCHOR: transfer
/// Lecture 001's transfer learning with few labels: softmax regression (one linear layer,
/// cross-entropy, Adam at 0.01 on the full batch for 300 steps) on features standardised
/// with the training rows' mean and spread, scored by held-out accuracy. Run it on codes
/// and on raw pixels with the same labelled rows to see what the unlabelled data taught.
pub fn few_label_accuracy(
    train: &[f32],
    train_labels: &[usize],
    test: &[f32],
    test_labels: &[usize],
    seed: u64,
) -> Result<f64> {
    let n = train_labels.len();
    let width = train.len() / n.max(1);
    rows(train, width, "labelled features")?;
    rows(test, width, "test features")?;
    let classes = train_labels
        .iter()
        .chain(test_labels)
        .max()
        .map_or(1, |&m| m + 1);
    let (mean, scale) = standardiser(train, width)?;
    let standardise = |v: &[f32]| -> Vec<f32> {
        v.iter()
            .enumerate()
            .map(|(i, &x)| (x - mean[i % width]) * scale[i % width])
            .collect()
    };
    let mut model = Sequential::new().push(Linear::new(
        width,
        classes,
        Init::Glorot,
        &mut Rng::seed_from_u64(seed),
    ));
    let mut adam = Adam::new(0.01)?;
    let x = Tensor::new(&[n, width], standardise(train))?;
    for _ in 0..300 {
        let mut g = Graph::new();
        let xv = g.constant(x.clone());
        let logits = model.forward(&mut g, xv, Mode::Train)?;
        let loss = g.cross_entropy_with_logits(logits, train_labels)?;
        let grads = g.backward(loss)?;
        adam.step(model.params_mut(), &grads);
    }
    let m = test_labels.len();
    let logits = model.predict(Tensor::new(&[m, width], standardise(test))?)?;
    let right = logits
        .data()
        .chunks(classes)
        .zip(test_labels)
        .filter(|(row, &l)| argmax(row) == l)
        .count();
    Ok(right as f64 / m.max(1) as f64)
}
// ANCHOR_END: transfer

fn argmax(row: &[f32]) -> usize {
    (0..row.len()).fold(0, |b, j| if row[j] > row[b] { j } else { b })
}

/// Per-column mean and inverse standard deviation (1 for a constant column).
fn standardiser(x: &[f32], width: usize) -> Result<(Vec<f32>, Vec<f32>)> {
    let m = crate::linalg::Matrix::new(x.len() / width, width, x.to_vec())?;
    let scale = m
        .column_std_population()?
        .iter()
        .map(|&s| if s > 1e-6 { 1.0 / s } else { 1.0 })
        .collect();
    Ok((m.column_means()?, scale))
}
