//! # Chapter 13 · Variational autoencoders
//!
//! Lectures 001, 002 and 003: a latent-variable model `p(z) p_θ(x|z)` with `p(z) = 𝒩(0, I)`
//! whose likelihood `p_θ(x) = ∫ p(z) p_θ(x|z) dz` cannot be computed; an encoder
//! `q_φ(z|x) = 𝒩(μ_φ(x), diag σ²_φ(x))` makes the evidence lower bound
//! `ELBO = E_q[log p_θ(x|z)] − KL(q_φ(z|x) ‖ p(z)) ≤ log p_θ(x)` tractable, and the
//! reparameterisation `z = μ + σ ⊙ ε` makes it differentiable in φ (Kingma and Welling,
//! "Auto-Encoding Variational Bayes", ICLR 2014) · book `13-vae.md` · tests `tests/vae.rs` ·
//! bench `benches/vae.rs`
//!
//! The importance-sampled estimate `log (1/L) Σ_l p(x|z_l) p(z_l) / q(z_l|x)`, `z_l ~ q`,
//! bounds `log p(x)` from below too, never less tightly than the ELBO on average, and
//! tightens as L grows (Burda, Grosse and Salakhutdinov, "Importance Weighted
//! Autoencoders", ICLR 2016): it is how the held-out likelihood is reported.
//!
//! Cost: an epoch of the 784-400-20 model is about `6 · n · 2 · (784·400 + 400·20)` flops;
//! the L-sample estimate costs L decoder passes per image.

use crate::autodiff::{Graph, Parameter, Tensor, Var};
use crate::error::{Error, Result};
use crate::linalg::Exec;
use crate::nn::train::{gather_rows, rows, TrainReport, Trainer};
use crate::nn::{Activation, Adam, Init, Layer, Linear, Mode, Optimizer, Sequential};
use crate::rand::Rng;

const LN_2PI: f64 = 1.837_877_066_409_345_5;

/// The decoder's distribution `p_θ(x|z)`, whose mean is the sigmoid of the decoder's output.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Likelihood {
    /// Independent Bernoulli pixels (inputs must lie in [0, 1]); the loss is the binary
    /// cross-entropy with logits, summed over pixels.
    Bernoulli,
    /// Independent Gaussians of fixed standard deviation `sigma` around the mean: the
    /// squared error scaled by `1/(2σ²)` plus the normaliser.
    Gaussian { sigma: f64 },
}

/// The largest latent space.
pub const MAX_LATENT: usize = 4096;
/// The largest KL weight: beyond it the reconstruction no longer matters to the loss.
pub const MAX_BETA: f64 = 1e4;
/// The most importance samples per image.
pub const MAX_SAMPLES: usize = 100_000;

/// Encoder `inputs-hidden-(μ, log σ²)` and decoder `latent-hidden-inputs`, ReLU inside.
pub struct Vae {
    encoder: Sequential<f32>,
    mu: Linear<f32>,
    log_var: Linear<f32>,
    decoder: Sequential<f32>,
    pub likelihood: Likelihood,
    inputs: usize,
    latent: usize,
    /// Threads and instruction set of every product (results are the same for any).
    pub exec: Exec,
}

impl Vae {
    // ANCHOR: build
    /// Kingma and Welling's MLP VAE (784-400-20 on MNIST) with weights drawn from `rng`.
    pub fn new(
        inputs: usize,
        hidden: usize,
        latent: usize,
        likelihood: Likelihood,
        rng: &mut Rng,
    ) -> Result<Self> {
        crate::check_count("inputs", inputs, 1 << 24, "16 million")?;
        crate::check_count("hidden", hidden, 1 << 16, "65,536")?;
        crate::check_count("latent", latent, MAX_LATENT, "the latent limit")?;
        if latent >= inputs {
            return Err(Error::invalid(
                "latent",
                latent,
                format!("the code must be smaller than the {inputs} inputs"),
            ));
        }
        if let Likelihood::Gaussian { sigma } = likelihood {
            if !(sigma.is_finite() && sigma > 0.0) {
                return Err(Error::invalid("sigma", sigma, "must be a number > 0"));
            }
        }
        let name = |prefix: &str, net: &mut dyn Layer<f32>| {
            for p in net.params_mut() {
                p.name = format!("{prefix}.{}", p.name);
            }
        };
        let mut vae = Vae {
            encoder: Sequential::new()
                .push(Linear::new(inputs, hidden, Init::He, rng))
                .push(Activation::Relu),
            mu: Linear::new(hidden, latent, Init::Glorot, rng),
            log_var: Linear::new(hidden, latent, Init::Glorot, rng),
            decoder: Sequential::new()
                .push(Linear::new(latent, hidden, Init::He, rng))
                .push(Activation::Relu)
                .push(Linear::new(hidden, inputs, Init::Glorot, rng)),
            likelihood,
            inputs,
            latent,
            exec: Exec::default(),
        };
        name("encoder", &mut vae.encoder);
        name("mu", &mut vae.mu);
        name("log_var", &mut vae.log_var);
        name("decoder", &mut vae.decoder);
        Ok(vae)
    }
    // ANCHOR_END: build

    pub fn latent(&self) -> usize {
        self.latent
    }
    pub fn inputs(&self) -> usize {
        self.inputs
    }

    /// `(μ, log σ²)` of `q_φ(z|x)` for a batch `(n, inputs)`.
    pub fn encode(&mut self, g: &mut Graph<f32>, x: Var) -> Result<(Var, Var)> {
        let h = self.encoder.forward(g, x, Mode::Train)?;
        Ok((
            self.mu.forward(g, h, Mode::Train)?,
            self.log_var.forward(g, h, Mode::Train)?,
        ))
    }

    /// The decoder's output for codes `(n, latent)`: logits, whose sigmoid is the mean of
    /// `p_θ(x|z)`.
    pub fn decode(&mut self, g: &mut Graph<f32>, z: Var) -> Result<Var> {
        self.decoder.forward(g, z, Mode::Train)
    }

    // ANCHOR: negative_log_likelihood
    /// `−log p_θ(x|z)` summed over the inputs, averaged over the batch, from the decoder's
    /// logits: the reconstruction term of the loss.
    pub fn reconstruction(&self, g: &mut Graph<f32>, logits: Var, x: Var) -> Result<Var> {
        let d = self.inputs as f32;
        match self.likelihood {
            Likelihood::Bernoulli => {
                let bce = g.bce_with_logits(logits, x)?;
                Ok(g.mul_scalar(bce, d))
            }
            Likelihood::Gaussian { sigma } => {
                let mean = g.sigmoid(logits);
                let se = g.mse(mean, x)?;
                let scaled = g.mul_scalar(se, d / (2.0 * (sigma * sigma) as f32));
                let normaliser = 0.5 * d * (LN_2PI + 2.0 * sigma.ln()) as f32;
                Ok(g.add_scalar(scaled, normaliser))
            }
        }
    }
    // ANCHOR_END: negative_log_likelihood

    /// The loss of one batch, `−log p(x|z) + β KL(q(z|x) ‖ p(z))` averaged over the batch
    /// with one `z` per image, and its two terms' values.
    pub fn loss(
        &mut self,
        g: &mut Graph<f32>,
        x: Tensor<f32>,
        beta: f64,
        rng: &mut Rng,
    ) -> Result<(Var, f64, f64)> {
        let n = x.shape()[0];
        let xv = g.constant(x);
        let (mu, log_var) = self.encode(g, xv)?;
        let eps = Tensor::randn(&[n, self.latent], 1.0, rng);
        let z = reparameterize(g, mu, log_var, eps)?;
        let logits = self.decode(g, z)?;
        let reconstruction = self.reconstruction(g, logits, xv)?;
        let kl = g.gaussian_kl(mu, log_var)?;
        let (r, k) = (g.value(reconstruction).item()?, g.value(kl).item()?);
        let weighted = g.mul_scalar(kl, beta as f32);
        Ok((g.add(reconstruction, weighted)?, f64::from(r), f64::from(k)))
    }

    /// The encoder means `μ(x)` of every row of `pixels`: the codes to plot and interpolate.
    pub fn means(&mut self, pixels: &[f32]) -> Result<Vec<f32>> {
        let n = rows(pixels, self.inputs, "pixels")?;
        let mut out = Vec::with_capacity(n * self.latent);
        let index: Vec<usize> = (0..n).collect();
        for batch in index.chunks(500) {
            let mut g = Graph::with_exec(self.exec);
            let x = g.constant(gather_rows(pixels, self.inputs, batch, &[self.inputs])?);
            let (mu, _) = self.encode(&mut g, x)?;
            out.extend_from_slice(g.value(mu).data());
        }
        Ok(out)
    }

    /// The mean image `sigmoid(decoder(z))` of each code, codes given row by row.
    pub fn decode_means(&mut self, codes: &[f32]) -> Result<Vec<f32>> {
        let n = rows(codes, self.latent, "codes")?;
        let mut g = Graph::with_exec(self.exec);
        let z = g.constant(Tensor::new(&[n, self.latent], codes.to_vec())?);
        let logits = self.decode(&mut g, z)?;
        let mean = g.sigmoid(logits);
        Ok(g.value(mean).data().to_vec())
    }

    // ANCHOR: generate
    /// `n` new images: `z ~ 𝒩(0, I)` from `seed`, decoded to the mean of `p_θ(x|z)`.
    pub fn generate(&mut self, n: usize, seed: u64) -> Result<Vec<f32>> {
        crate::check_count("n", n, 1 << 20, "a million")?;
        let z = Tensor::<f32>::randn(&[n, self.latent], 1.0, &mut Rng::seed_from_u64(seed));
        self.decode_means(z.data())
    }
    // ANCHOR_END: generate

    // ANCHOR: evaluate
    /// For every row of `pixels`, with `samples` draws `z_l = μ + σ ⊙ ε_l` from `q(z|x)`:
    /// the ELBO `mean_l log p(x|z_l) − KL(q ‖ p)` (closed-form KL) and the importance-sampled
    /// `log (1/L) Σ_l p(x|z_l) p(z_l) / q(z_l|x)`, in nats, both as one number per row.
    pub fn evaluate(&mut self, pixels: &[f32], samples: usize, seed: u64) -> Result<Evaluation> {
        crate::check_count("samples", samples, MAX_SAMPLES, "the sample limit")?;
        let n = rows(pixels, self.inputs, "pixels")?;
        self.check_inputs(pixels)?;
        let (d, k) = (self.inputs, self.latent);
        let mut rng = Rng::seed_from_u64(seed);
        // Images per pass, so that a pass decodes about 4,096 codes.
        let per_pass = (4096 / samples).max(1);
        let mut out = Evaluation {
            elbo: Vec::with_capacity(n),
            log_likelihood: Vec::with_capacity(n),
        };
        let index: Vec<usize> = (0..n).collect();
        for batch in index.chunks(per_pass) {
            let x = gather_rows(pixels, d, batch, &[d])?;
            let mut g = Graph::with_exec(self.exec);
            let xv = g.constant(x.clone());
            let (mu, log_var) = self.encode(&mut g, xv)?;
            let (mu, log_var) = (
                g.value(mu).data().to_vec(),
                g.value(log_var).data().to_vec(),
            );
            let eps = Tensor::<f32>::randn(&[batch.len() * samples, k], 1.0, &mut rng);
            let mut z = eps.data().to_vec();
            for (r, row) in z.chunks_mut(k).enumerate() {
                let i = r / samples;
                for (j, v) in row.iter_mut().enumerate() {
                    let (m, lv) = (mu[i * k + j], log_var[i * k + j]);
                    *v = m + (0.5 * lv).exp() * *v;
                }
            }
            let zv = g.constant(Tensor::new(&[batch.len() * samples, k], z.clone())?);
            let logits = self.decode(&mut g, zv)?;
            let logits = g.value(logits).data();
            for (i, xi) in x.data().chunks(d).enumerate() {
                let kl: f64 = (0..k)
                    .map(|j| {
                        let (m, lv) = (f64::from(mu[i * k + j]), f64::from(log_var[i * k + j]));
                        0.5 * (m * m + lv.exp() - lv - 1.0)
                    })
                    .sum();
                let mut log_px = Vec::with_capacity(samples);
                let mut log_w = Vec::with_capacity(samples);
                for l in 0..samples {
                    let r = i * samples + l;
                    let lp = self.log_likelihood(&logits[r * d..(r + 1) * d], xi);
                    // log p(z) − log q(z|x) = −½ Σ z² + ½ Σ (ε² + log σ²)
                    let prior_ratio: f64 = (0..k)
                        .map(|j| {
                            let (zj, ej) =
                                (f64::from(z[r * k + j]), f64::from(eps.data()[r * k + j]));
                            0.5 * (ej * ej + f64::from(log_var[i * k + j]) - zj * zj)
                        })
                        .sum();
                    log_px.push(lp);
                    log_w.push(lp + prior_ratio);
                }
                out.elbo
                    .push(log_px.iter().sum::<f64>() / samples as f64 - kl);
                out.log_likelihood
                    .push(log_sum_exp(&log_w) - (samples as f64).ln());
            }
        }
        Ok(out)
    }
    // ANCHOR_END: evaluate

    // ANCHOR: prior_sampling
    /// Lecture 002's first idea, which fails: `log (1/L) Σ_l p(x|z_l)` with `z_l` drawn from
    /// the prior, one number per row of `pixels`. It is unbiased for `p(x)` but almost every
    /// prior draw explains `x` astronomically worse than the posterior's draws do, so for
    /// any affordable L it sits far below the truth. The same codes serve every image, 4,096
    /// at a time; `log p(x|z)` is affine in `x` for both decoders, so each chunk costs one
    /// product.
    pub fn prior_sampling_log_likelihood(
        &mut self,
        pixels: &[f32],
        samples: usize,
        seed: u64,
    ) -> Result<Vec<f64>> {
        use crate::linalg::Matrix;
        crate::check_count("samples", samples, MAX_SAMPLES, "the sample limit")?;
        let n = rows(pixels, self.inputs, "pixels")?;
        self.check_inputs(pixels)?;
        let (d, k) = (self.inputs, self.latent);
        let x = Matrix::new(n, d, pixels.iter().map(|&v| f64::from(v)).collect())?;
        // log p(x|z_l) = x · a_l + c_l + f(x):
        //   Bernoulli: a = logits, c = −Σ softplus(logits), f = 0;
        //   Gaussian:  a = m/σ², c = −‖m‖²/(2σ²) − (D/2) log 2πσ², f = −‖x‖²/(2σ²).
        let f: Vec<f64> = (0..n)
            .map(|i| match self.likelihood {
                Likelihood::Bernoulli => 0.0,
                Likelihood::Gaussian { sigma } => {
                    -x.row(i).iter().map(|v| v * v).sum::<f64>() / (2.0 * sigma * sigma)
                }
            })
            .collect();
        // Per image, a running log-sum-exp: (largest term so far, Σ exp(term − largest)).
        let mut running = vec![(f64::NEG_INFINITY, 0.0f64); n];
        let mut rng = Rng::seed_from_u64(seed);
        for start in (0..samples).step_by(4096) {
            let chunk = 4096.min(samples - start);
            let mut g = Graph::with_exec(self.exec);
            let zv = g.constant(Tensor::randn(&[chunk, k], 1.0, &mut rng));
            let logits = self.decode(&mut g, zv)?;
            let mut a = Matrix::<f64>::zeros(d, chunk);
            let mut c = vec![0.0; chunk];
            for (l, row) in g.value(logits).data().chunks(d).enumerate() {
                for (i, &v) in row.iter().enumerate() {
                    let v = f64::from(v);
                    (a[(i, l)], c[l]) = match self.likelihood {
                        Likelihood::Bernoulli => (v, c[l] - v.max(0.0) - (-v.abs()).exp().ln_1p()),
                        Likelihood::Gaussian { sigma } => {
                            let m = 1.0 / (1.0 + (-v).exp());
                            (m / (sigma * sigma), c[l] - m * m / (2.0 * sigma * sigma))
                        }
                    };
                }
                if let Likelihood::Gaussian { sigma } = self.likelihood {
                    c[l] -= 0.5 * d as f64 * (LN_2PI + 2.0 * sigma.ln());
                }
            }
            let xa = x.matmul(&a)?;
            for (i, (top, sum)) in running.iter_mut().enumerate() {
                for (xa, c) in xa.row(i).iter().zip(&c) {
                    let term = xa + c + f[i];
                    if term > *top {
                        *sum = *sum * (*top - term).exp() + 1.0;
                        *top = term;
                    } else {
                        *sum += (term - *top).exp();
                    }
                }
            }
        }
        Ok(running
            .iter()
            .map(|&(top, sum)| top + sum.ln() - (samples as f64).ln())
            .collect())
    }
    // ANCHOR_END: prior_sampling

    /// `log p_θ(x|z)` of one image from the decoder's logits, in f64.
    fn log_likelihood(&self, logits: &[f32], x: &[f32]) -> f64 {
        match self.likelihood {
            // x l − softplus(l), with softplus(l) = max(l, 0) + log(1 + e^{−|l|})
            Likelihood::Bernoulli => logits
                .iter()
                .zip(x)
                .map(|(&l, &x)| {
                    let (l, x) = (f64::from(l), f64::from(x));
                    x * l - (l.max(0.0) + (-l.abs()).exp().ln_1p())
                })
                .sum(),
            Likelihood::Gaussian { sigma } => {
                let se: f64 = logits
                    .iter()
                    .zip(x)
                    .map(|(&l, &x)| (1.0 / (1.0 + (-f64::from(l)).exp()) - f64::from(x)).powi(2))
                    .sum();
                -se / (2.0 * sigma * sigma) - 0.5 * x.len() as f64 * (LN_2PI + 2.0 * sigma.ln())
            }
        }
    }

    /// The Bernoulli decoder models values in [0, 1] only.
    fn check_inputs(&self, pixels: &[f32]) -> Result<()> {
        if self.likelihood != Likelihood::Bernoulli {
            return Ok(());
        }
        match pixels.iter().position(|v| !(0.0..=1.0).contains(v)) {
            None => Ok(()),
            Some(i) => Err(Error::invalid(
                "data",
                pixels[i],
                format!(
                    "the Bernoulli decoder needs values in [0, 1]; row {}, column {} is outside",
                    i / self.inputs + 1,
                    i % self.inputs + 1
                ),
            )),
        }
    }
}

impl Layer<f32> for Vae {
    /// The deterministic reconstruction: the decoder's logits at `z = μ(x)`.
    fn forward(&mut self, g: &mut Graph<f32>, x: Var, _: Mode) -> Result<Var> {
        let (mu, _) = self.encode(g, x)?;
        self.decode(g, mu)
    }
    fn params(&self) -> Vec<&Parameter<f32>> {
        let mut p = self.encoder.params();
        p.extend(self.mu.params());
        p.extend(self.log_var.params());
        p.extend(self.decoder.params());
        p
    }
    fn params_mut(&mut self) -> Vec<&mut Parameter<f32>> {
        let mut p = self.encoder.params_mut();
        p.extend(self.mu.params_mut());
        p.extend(self.log_var.params_mut());
        p.extend(self.decoder.params_mut());
        p
    }
}

/// Per-row ELBO and importance-sampled log-likelihood, in nats.
#[derive(Clone, Debug, PartialEq)]
pub struct Evaluation {
    pub elbo: Vec<f64>,
    pub log_likelihood: Vec<f64>,
}

impl Evaluation {
    pub fn mean_elbo(&self) -> f64 {
        mean(&self.elbo)
    }
    pub fn mean_log_likelihood(&self) -> f64 {
        mean(&self.log_likelihood)
    }
}

fn mean(v: &[f64]) -> f64 {
    v.iter().sum::<f64>() / v.len().max(1) as f64
}

// ANCHOR: reparameterize
/// `z = μ + σ ⊙ ε` with `σ = exp(½ log σ²)`: the sample is a differentiable function of
/// the encoder's outputs, and all the randomness is in the constant `ε ~ 𝒩(0, I)`.
pub fn reparameterize(g: &mut Graph<f32>, mu: Var, log_var: Var, eps: Tensor<f32>) -> Result<Var> {
    let half = g.mul_scalar(log_var, 0.5);
    let sigma = g.exp(half);
    let e = g.constant(eps);
    let noise = g.mul(sigma, e)?;
    g.add(mu, noise)
}
// ANCHOR_END: reparameterize

/// `log Σ exp(v)` without overflow.
pub fn log_sum_exp(v: &[f64]) -> f64 {
    let m = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if !m.is_finite() {
        return m;
    }
    m + v.iter().map(|&x| (x - m).exp()).sum::<f64>().ln()
}

/// How to train: Kingma and Welling's setting in PyTorch's example is Adam at 1e-3,
/// batches of 128, β = 1.
#[derive(Clone, Debug, PartialEq)]
pub struct Recipe {
    pub epochs: usize,
    pub batch_size: usize,
    pub learning_rate: f64,
    /// The weight of the KL term (β-VAE, Higgins et al. 2017); 1 is the ELBO.
    pub beta: f64,
    pub seed: u64,
    pub progress: bool,
}

impl Default for Recipe {
    fn default() -> Self {
        Recipe {
            epochs: 10,
            batch_size: 128,
            learning_rate: 1e-3,
            beta: 1.0,
            seed: 0,
            progress: false,
        }
    }
}

/// What training did, per epoch: the training ELBO (mean over the epoch's batches, as they
/// were trained on, with one sample each) and the held-out ELBO after the epoch.
#[derive(Clone, Debug, PartialEq)]
pub struct Report {
    pub train: TrainReport,
    pub train_elbo: Vec<f64>,
    pub test_elbo: Vec<f64>,
}

// ANCHOR: train
/// Trains `vae` on the rows of `train`, evaluating the ELBO on `test` after every epoch.
pub fn train(vae: &mut Vae, train: &[f32], test: &[f32], recipe: &Recipe) -> Result<Report> {
    let d = vae.inputs;
    let n = rows(train, d, "training images")?;
    rows(test, d, "test images")?;
    vae.check_inputs(train)?;
    vae.check_inputs(test)?;
    if !(0.0..=MAX_BETA).contains(&recipe.beta) {
        return Err(Error::invalid(
            "beta",
            recipe.beta,
            format!("must be between 0 and {MAX_BETA}"),
        ));
    }
    let trainer = Trainer::new(recipe.epochs, recipe.batch_size)?
        .seed(recipe.seed)
        .progress(recipe.progress);
    // (model, optimiser, noise, −ELBO summed over this epoch, train ELBO, test ELBO)
    let mut state = (
        vae,
        Adam::new(recipe.learning_rate)?,
        Rng::stream(recipe.seed, 1),
        0.0,
        Vec::new(),
        Vec::new(),
    );
    let report = trainer.run(
        n,
        &mut state,
        |(vae, adam, rng, neg_elbo, _, _), batch| {
            let x = gather_rows(train, d, batch, &[d])?;
            let mut g = Graph::with_exec(vae.exec);
            let (loss, r, k) = vae.loss(&mut g, x, recipe.beta, rng)?;
            *neg_elbo += (r + k) * batch.len() as f64;
            let value = f64::from(g.value(loss).item()?);
            let grads = g.backward(loss)?;
            adam.step(vae.params_mut(), &grads);
            Ok(value)
        },
        |(vae, _, _, neg_elbo, train_elbo, test_elbo), epoch, _| {
            train_elbo.push(-*neg_elbo / n as f64);
            *neg_elbo = 0.0;
            let seed = Rng::child_seed(recipe.seed, 1000 + epoch as u64);
            test_elbo.push(vae.evaluate(test, 1, seed)?.mean_elbo());
            Ok(())
        },
    )?;
    Ok(Report {
        train: report,
        train_elbo: state.4,
        test_elbo: state.5,
    })
}
// ANCHOR_END: train
