//! Goodfellow et al.'s Algorithm 1 and its variants: `k` discriminator (critic) steps on
//! minibatches of `m` real and `m` generated samples, then one generator step.

use super::model::{gradient_penalty, Draw, Gan};
use crate::autodiff::{Graph, Tensor, Var};
use crate::error::{Error, Result};
use crate::nn::optim::clip_weights;
use crate::nn::train::{gather_rows, rows, MAX_BATCH};
use crate::nn::{Adam, Layer, Mode, Optimizer, RmsProp};
use crate::rand::Rng;
use std::time::Instant;

/// The most training steps a run may ask for.
pub const MAX_STEPS: usize = 10_000_000;

/// The most critic steps per generator step.
pub const MAX_CRITIC_STEPS: usize = 10_000;

/// A loss this large (in nats, or critic units) is a diverging run, not a learning one.
pub const DIVERGED: f64 = 1e6;

/// Which game is played.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Kind {
    /// The minimax game: the generator descends `log(1 − D(G(z)))`.
    Minimax,
    /// The same discriminator; the generator descends `−log D(G(z))` (the lectures'
    /// "practice" loss).
    NonSaturating,
    /// WGAN (Arjovsky et al. 2017): a critic without sigmoid maximises
    /// `E_r f − E_g f`, its weights clipped to `[−clip, clip]` after every step.
    Wasserstein { clip: f64 },
    /// WGAN-GP (Gulrajani et al. 2017): the critic's loss gains
    /// `λ · E (‖∇f(x̂)‖ − 1)²` at random points `x̂` between real and generated samples.
    GradientPenalty { lambda: f64 },
}

impl Kind {
    fn check(&self) -> Result<()> {
        match *self {
            Kind::Wasserstein { clip } if !(clip > 0.0 && clip.is_finite()) => {
                Err(Error::invalid("clip", clip, "must be positive and finite"))
            }
            Kind::GradientPenalty { lambda } if !(0.0..=1e6).contains(&lambda) => Err(
                Error::invalid("lambda", lambda, "must be between 0 and 1000000"),
            ),
            _ => Ok(()),
        }
    }
    fn wasserstein(&self) -> bool {
        matches!(
            self,
            Kind::Wasserstein { .. } | Kind::GradientPenalty { .. }
        )
    }
}

/// How to train.
#[derive(Clone, Debug, PartialEq)]
pub struct Recipe {
    pub kind: Kind,
    pub steps: usize,
    /// Packed samples per minibatch (each holds `packing` data samples).
    pub batch_size: usize,
    /// Discriminator (critic) steps per generator step: Algorithm 1's k, WGAN's n_critic.
    pub critic_steps: usize,
    pub learning_rate: f64,
    /// Adam's β₁ and β₂ (ignored by WGAN, which uses RMSProp as its paper does).
    pub betas: (f64, f64),
    /// InfoGAN's λ on the category's cross-entropy and on the continuous codes' squared
    /// error (a Gaussian's log-likelihood with unit variance, up to constants).
    pub info_weights: (f64, f64),
    /// InfoGAN-CR's weight on the contrastive loss, and the generator step it starts at
    /// (the paper's code turns it on late in training).
    pub contrast: (f64, usize),
    pub seed: u64,
    /// Record the losses every this many steps.
    pub log_every: usize,
    pub progress: bool,
}

impl Recipe {
    /// The papers' settings: PacGAN's Adam (1e-4, β₁ = 0.8) with k = 1 for the GANs;
    /// WGAN's RMSProp at 5e-5 with 5 critic steps; WGAN-GP's Adam (1e-4, β = (0, 0.9))
    /// with 5 critic steps. Batches of 100.
    pub fn for_kind(kind: Kind) -> Recipe {
        let (critic_steps, learning_rate, betas) = match kind {
            Kind::Minimax | Kind::NonSaturating => (1, 1e-4, (0.8, 0.999)),
            Kind::Wasserstein { .. } => (5, 5e-5, (0.0, 0.0)),
            Kind::GradientPenalty { .. } => (5, 1e-4, (0.0, 0.9)),
        };
        Recipe {
            kind,
            steps: 2000,
            batch_size: 100,
            critic_steps,
            learning_rate,
            betas,
            info_weights: (1.0, 0.1),
            contrast: (1.0, 0),
            seed: 0,
            log_every: 50,
            progress: false,
        }
    }
    /// On images: DCGAN's Adam (2e-4, β₁ = 0.5) for the GANs, the Wasserstein recipes as
    /// above; batches of 64.
    pub fn for_images(kind: Kind) -> Recipe {
        let mut recipe = Recipe::for_kind(kind);
        if matches!(kind, Kind::Minimax | Kind::NonSaturating) {
            (recipe.learning_rate, recipe.betas) = (2e-4, (0.5, 0.999));
        }
        (recipe.batch_size, recipe.steps) = (64, 3000);
        recipe
    }
    /// Checks the game, the batch and `steps` against `data` and its `labels`; returns its
    /// number of rows.
    fn check(&self, gan: &Gan, data: &[f32], labels: &[usize], steps: usize) -> Result<usize> {
        let n = rows(data, gan.spec.data, "training samples")?;
        if gan.spec.classes > 0 {
            // Labels are checked against the classes where they are turned into inputs.
            if labels.len() != n {
                return Err(Error::BadLength {
                    what: "training labels",
                    expected: n,
                    actual: labels.len(),
                });
            }
        }
        self.kind.check()?;
        let (a, b) = self.info_weights;
        if !(a >= 0.0 && b >= 0.0 && a.is_finite() && b.is_finite()) {
            return Err(Error::invalid(
                "info_weights",
                format!("({a}, {b})"),
                "must be non-negative and finite",
            ));
        }
        if !(self.contrast.0 >= 0.0 && self.contrast.0.is_finite()) {
            return Err(Error::invalid(
                "contrast_weight",
                self.contrast.0,
                "must be non-negative and finite",
            ));
        }
        crate::check_count("batch_size", self.batch_size, MAX_BATCH, "the batch limit")?;
        crate::check_count("steps", steps.max(1), MAX_STEPS, "the step limit")?;
        Ok(n)
    }
    fn optimizer(&self) -> Result<Box<dyn Optimizer<f32>>> {
        Ok(match self.kind {
            Kind::Wasserstein { .. } => Box::new(RmsProp::new(self.learning_rate)?),
            _ => Box::new(Adam::new(self.learning_rate)?.betas(self.betas.0, self.betas.1)?),
        })
    }
}

/// What training did, every `log_every` steps (means over the steps since the last entry).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Report {
    pub steps: Vec<usize>,
    pub critic_loss: Vec<f64>,
    pub generator_loss: Vec<f64>,
    /// `mean f(real) − mean f(fake)` over the critic's batches: for WGAN the running
    /// estimate of the Wasserstein distance (up to the critic's Lipschitz constant).
    pub critic_gap: Vec<f64>,
    /// InfoGAN's code loss (weighted cross-entropy plus squared error; empty without codes).
    pub info_loss: Vec<f64>,
    /// InfoGAN-CR's contrastive cross-entropy (ln of the code count when H guesses;
    /// empty without H).
    pub contrast_loss: Vec<f64>,
    pub seconds: f64,
}

/// Running sums between two log entries.
#[derive(Default)]
struct Sums {
    critic: f64,
    generator: f64,
    gap: f64,
    info: f64,
    contrast: f64,
    critic_n: usize,
    generator_n: usize,
}

// ANCHOR: train
/// Trains `gan` on the rows of `data` (`spec.data` numbers each; `labels` one per row
/// for a conditional GAN, empty otherwise) for `recipe.steps` generator steps;
/// `observe(step, gan)` runs at every log entry (snapshots, figures).
pub fn train(
    gan: &mut Gan,
    data: &[f32],
    labels: &[usize],
    recipe: &Recipe,
    mut observe: impl FnMut(usize, &mut Gan) -> Result<()>,
) -> Result<Report> {
    let n = recipe.check(gan, data, labels, recipe.steps)?;
    crate::check_count(
        "critic_steps",
        recipe.critic_steps,
        MAX_CRITIC_STEPS,
        "the limit",
    )?;
    crate::check_count("log_every", recipe.log_every, MAX_STEPS, "the step limit")?;
    let mut critic_opt = recipe.optimizer()?;
    // G's, Q's and H's.
    let mut opts = [
        recipe.optimizer()?,
        recipe.optimizer()?,
        recipe.optimizer()?,
    ];
    let mut rng = Rng::seed_from_u64(recipe.seed);
    let (mut report, mut sums) = (Report::default(), Sums::default());
    let start = Instant::now();
    for step in 1..=recipe.steps {
        for _ in 0..recipe.critic_steps {
            let (loss, gap) = critic_step(
                gan,
                (data, labels, n),
                recipe,
                &mut rng,
                critic_opt.as_mut(),
            )?;
            check_loss("discriminator loss", step, loss)?;
            (sums.critic, sums.gap, sums.critic_n) =
                (sums.critic + loss, sums.gap + gap, sums.critic_n + 1);
        }
        let contrast = if step > recipe.contrast.1 {
            recipe.contrast.0
        } else {
            0.0
        };
        let parts = generator_step(gan, recipe, contrast, &mut rng, &mut opts)?;
        check_loss("generator loss", step, parts.total)?;
        sums.generator += parts.total;
        sums.info += parts.info;
        sums.contrast += parts.contrast;
        sums.generator_n += 1;
        if step % recipe.log_every == 0 || step == recipe.steps {
            report.steps.push(step);
            report.critic_loss.push(sums.critic / sums.critic_n as f64);
            report.critic_gap.push(sums.gap / sums.critic_n as f64);
            report
                .generator_loss
                .push(sums.generator / sums.generator_n as f64);
            if gan.spec.code_outputs() > 0 {
                report.info_loss.push(sums.info / sums.generator_n as f64);
            }
            if gan.contrast.is_some() {
                report
                    .contrast_loss
                    .push(sums.contrast / sums.generator_n as f64);
            }
            sums = Sums::default();
            if recipe.progress {
                eprint!(
                    "\rstep {step}/{}: critic {:.4}, generator {:.4}, gap {:.4} ({:.0} steps/s)   ",
                    recipe.steps,
                    report.critic_loss.last().unwrap_or(&0.0),
                    report.generator_loss.last().unwrap_or(&0.0),
                    report.critic_gap.last().unwrap_or(&0.0),
                    step as f64 / start.elapsed().as_secs_f64().max(1e-9)
                );
            }
            observe(step, gan)?;
        }
    }
    if recipe.progress && recipe.steps > 0 {
        eprintln!();
    }
    report.seconds = start.elapsed().as_secs_f64();
    Ok(report)
}
// ANCHOR_END: train

/// Trains the critic alone for `steps` steps against the fixed generator (the inner loop
/// of Algorithm 1 run to convergence, as the theory assumes); returns
/// `mean f(real) − mean f(fake)` of every step.
pub fn train_critic(
    gan: &mut Gan,
    data: &[f32],
    labels: &[usize],
    recipe: &Recipe,
    steps: usize,
) -> Result<Vec<f64>> {
    let n = recipe.check(gan, data, labels, steps)?;
    let mut opt = recipe.optimizer()?;
    let mut rng = Rng::seed_from_u64(recipe.seed);
    let mut gaps = Vec::with_capacity(steps);
    for step in 1..=steps {
        let (loss, gap) = critic_step(gan, (data, labels, n), recipe, &mut rng, opt.as_mut())?;
        check_loss("discriminator loss", step, loss)?;
        gaps.push(gap);
    }
    Ok(gaps)
}

fn check_loss(what: &str, step: usize, loss: f64) -> Result<()> {
    if loss.is_finite() && loss.abs() < DIVERGED {
        Ok(())
    } else {
        Err(Error::Diverged {
            what: what.to_string(),
            iteration: step,
            value: loss,
        })
    }
}

/// `batch · packing` generated samples of `draw`, packed `(batch, packing · data)`.
fn fakes(gan: &mut Gan, g: &mut Graph<f32>, draw: &Draw, batch: usize) -> Result<Var> {
    let z = g.constant(draw.input.clone());
    let x = gan.generator.forward(g, z, Mode::Train)?;
    g.reshape(x, &[batch, gan.spec.packing * gan.spec.data])
}

// ANCHOR: critic_step
/// One step of the discriminator (critic) on `batch` packed real and generated samples;
/// returns its loss and `mean f(real) − mean f(fake)`. A conditional critic sees the
/// real samples' labels, and the generator is asked for the same labels.
fn critic_step(
    gan: &mut Gan,
    (data, labels, n): (&[f32], &[usize], usize),
    recipe: &Recipe,
    rng: &mut Rng,
    opt: &mut dyn Optimizer<f32>,
) -> Result<(f64, f64)> {
    let (b, m, d) = (recipe.batch_size, gan.spec.packing, gan.spec.data);
    let picks: Vec<usize> = (0..b * m).map(|_| rng.index(n)).collect::<Result<_>>()?;
    let real = gather_rows(data, d, &picks, &[d])?.reshape(&[b, m * d])?;
    let asked: Vec<usize> = match gan.spec.classes {
        0 => Vec::new(),
        _ => picks.iter().map(|&i| labels[i]).collect(),
    };
    let draw = gan.draw(b * m, (!asked.is_empty()).then_some(&asked[..]), rng)?;
    let fake = {
        let mut g0 = Graph::with_exec(gan.exec);
        gan.generator.set_frozen(true);
        let x = fakes(gan, &mut g0, &draw, b);
        gan.generator.set_frozen(false);
        g0.value(x?).clone()
    };
    let mut g = Graph::with_exec(gan.exec);
    let (xr, xf) = (g.constant(real.clone()), g.constant(fake.clone()));
    let (xr, xf) = (
        gan.critic_input(&mut g, xr, &asked)?,
        gan.critic_input(&mut g, xf, &asked)?,
    );
    let fr = gan.critic.forward(&mut g, xr, Mode::Train)?;
    let ff = gan.critic.forward(&mut g, xf, Mode::Train)?;
    let gap = f64::from(g.value(fr).sum() - g.value(ff).sum()) / b as f64;
    let loss = if recipe.kind.wasserstein() {
        // The critic maximises E_r f − E_g f: it descends E_g f − E_r f.
        let (mr, mf) = (g.mean(fr), g.mean(ff));
        let w = g.sub(mf, mr)?;
        match recipe.kind {
            Kind::GradientPenalty { lambda } => {
                let between = interpolate(&real, &fake, rng)?;
                let between = match gan.spec.classes {
                    0 => between,
                    _ => concat_columns(&between, &gan.condition(&asked)?)?,
                };
                let grad = gan.critic.input_gradient(&mut g, between)?;
                let penalty = gradient_penalty(&mut g, grad)?;
                let weighted = g.mul_scalar(penalty, lambda as f32);
                g.add(w, weighted)?
            }
            _ => w,
        }
    } else {
        // Binary cross-entropy with logits: real labelled 1, fake 0.
        let (nr, sf) = (g.neg(fr), g.softplus(ff));
        let sr = g.softplus(nr);
        let (a, c) = (g.mean(sr), g.mean(sf));
        g.add(a, c)?
    };
    let value = f64::from(g.value(loss).item()?);
    let grads = g.backward(loss)?;
    opt.step(gan.critic.params_mut(), &grads);
    if let Kind::Wasserstein { clip } = recipe.kind {
        clip_weights(gan.critic.params_mut(), clip)?;
    }
    Ok((value, gap))
}
// ANCHOR_END: critic_step

/// Rows of `a` followed by rows of `b`, side by side.
fn concat_columns(a: &Tensor<f32>, b: &Tensor<f32>) -> Result<Tensor<f32>> {
    let (n, wa, wb) = (a.shape()[0], a.shape()[1], b.shape()[1]);
    let mut out = Vec::with_capacity(n * (wa + wb));
    for (ra, rb) in a.data().chunks(wa).zip(b.data().chunks(wb)) {
        out.extend_from_slice(ra);
        out.extend_from_slice(rb);
    }
    Tensor::new(&[n, wa + wb], out)
}

/// WGAN-GP's points `x̂ = ε x + (1 − ε) x̃` with `ε ~ U[0, 1]` per row (per packed
/// sample), between real rows `x` and generated rows `x̃`.
pub fn interpolate(real: &Tensor<f32>, fake: &Tensor<f32>, rng: &mut Rng) -> Result<Tensor<f32>> {
    let width = real.shape()[1];
    let mut out = real.clone();
    for (row, f) in out
        .data_mut()
        .chunks_mut(width)
        .zip(fake.data().chunks(width))
    {
        let e = rng.next_f32();
        for (r, &f) in row.iter_mut().zip(f) {
            *r = e * *r + (1.0 - e) * f;
        }
    }
    Ok(out)
}

// ANCHOR: generator_loss
/// The generator's loss on the critic's scores `f` of generated samples.
pub fn generator_loss(g: &mut Graph<f32>, kind: Kind, f: Var) -> Var {
    match kind {
        // log(1 − σ(f)) = −softplus(f): flat where D(G(z)) ≈ 0, the start of training.
        Kind::Minimax => {
            let s = g.softplus(f);
            let m = g.mean(s);
            g.neg(m)
        }
        // −log σ(f) = softplus(−f): steep where D(G(z)) ≈ 0.
        Kind::NonSaturating => {
            let nf = g.neg(f);
            let s = g.softplus(nf);
            g.mean(s)
        }
        Kind::Wasserstein { .. } | Kind::GradientPenalty { .. } => {
            let m = g.mean(f);
            g.neg(m)
        }
    }
}
// ANCHOR_END: generator_loss

/// The generator's loss and the parts of it that train other networks too.
pub struct GeneratorLoss {
    /// Everything the generator descends.
    pub total: f64,
    /// InfoGAN's code loss (0 without codes).
    pub info: f64,
    /// InfoGAN-CR's contrastive cross-entropy (0 without H).
    pub contrast: f64,
}

/// One generator step; the critic is held fixed (frozen, so no gradient is computed for
/// it), except InfoGAN's head Q, which learns to read the codes with the generator, and
/// InfoGAN-CR's H, which learns to tell the shared code with it. `opts` are the
/// optimisers of G, Q and H.
fn generator_step(
    gan: &mut Gan,
    recipe: &Recipe,
    contrast: f64,
    rng: &mut Rng,
    opts: &mut [Box<dyn Optimizer<f32>>; 3],
) -> Result<GeneratorLoss> {
    let (loss, grads) = generator_gradient(gan, recipe, contrast, recipe.batch_size, rng)?;
    let [g_opt, q_opt, h_opt] = opts;
    g_opt.step(gan.generator.params_mut(), &grads);
    if let Some(q) = &mut gan.critic.head {
        q_opt.step(q.params_mut(), &grads);
    }
    if let Some(h) = &mut gan.contrast {
        if contrast > 0.0 {
            h_opt.step(h.params_mut(), &grads);
        }
    }
    Ok(loss)
}

/// The generator's loss on a fresh batch (with InfoGAN's weighted code loss and
/// InfoGAN-CR's contrastive loss, weighted by `contrast`, added) and its gradient.
pub fn generator_gradient(
    gan: &mut Gan,
    recipe: &Recipe,
    contrast: f64,
    batch: usize,
    rng: &mut Rng,
) -> Result<(GeneratorLoss, crate::autodiff::Gradients<f32>)> {
    let mut g = Graph::with_exec(gan.exec);
    let draw = gan.draw(batch * gan.spec.packing, None, rng)?;
    gan.critic.set_frozen(true);
    if let Some(q) = &mut gan.critic.head {
        q.set_frozen(false);
    }
    let result = (|| {
        let x = fakes(gan, &mut g, &draw, batch)?;
        let x = gan.critic_input(&mut g, x, &draw.labels)?;
        let h = gan.critic.features(&mut g, x, Mode::Train)?;
        let f = gan.critic.score(&mut g, h)?;
        let info = match gan.spec.code_outputs() {
            0 => None,
            _ => Some(info_loss(gan, &mut g, h, &draw, recipe.info_weights)?),
        };
        Ok::<_, Error>((f, info))
    })();
    gan.critic.set_frozen(false);
    let (f, info) = result?;
    let mut loss = generator_loss(&mut g, recipe.kind, f);
    let mut parts = GeneratorLoss {
        total: 0.0,
        info: 0.0,
        contrast: 0.0,
    };
    if let Some(info) = info {
        parts.info = f64::from(g.value(info).item()?);
        loss = g.add(loss, info)?;
    }
    if gan.contrast.is_some() && contrast > 0.0 {
        let ce = contrastive_loss(gan, &mut g, batch, rng)?;
        parts.contrast = f64::from(g.value(ce).item()?);
        let weighted = g.mul_scalar(ce, contrast as f32);
        loss = g.add(loss, weighted)?;
    }
    parts.total = f64::from(g.value(loss).item()?);
    Ok((parts, g.backward(loss)?))
}

// ANCHOR: contrastive_loss
/// InfoGAN-CR's contrastive regulariser: H sees `batch` pairs of generated samples that
/// share one code and must say which; its cross-entropy is low only if each code changes
/// the samples in a way the others do not, so G and H both descend it.
fn contrastive_loss(gan: &mut Gan, g: &mut Graph<f32>, batch: usize, rng: &mut Rng) -> Result<Var> {
    let (a, b, shared) = gan.contrastive_pairs(batch, rng)?;
    let d = gan.spec.data;
    let mut pair = Vec::with_capacity(2);
    for draw in [&a, &b] {
        let z = g.constant(draw.input.clone());
        let x = gan.generator.forward(g, z, Mode::Train)?;
        pair.push(g.reshape(x, &[batch, d])?);
    }
    let both = g.concat(&pair, 1)?; // (batch, 2 · data): the two samples as channels
    let h = gan
        .contrast
        .as_mut()
        .ok_or_else(|| Error::invalid("contrastive", false, "this GAN has no network H"))?;
    let logits = h.forward(g, both, Mode::Train)?;
    g.cross_entropy_with_logits(logits, &shared)
}
// ANCHOR_END: contrastive_loss

// ANCHOR: info_loss
/// InfoGAN's bound on the mutual information between the codes and `G`'s output, as a
/// loss: Q reads the codes back from the critic's features `h` of the generated samples;
/// `λ_cat` times the cross-entropy of the category plus `λ_cont` times half the squared
/// error of the continuous codes (a unit-variance Gaussian Q). Lowering it raises the
/// bound `H(c) − loss`.
fn info_loss(
    gan: &mut Gan,
    g: &mut Graph<f32>,
    h: Var,
    draw: &Draw,
    (cat_weight, cont_weight): (f64, f64),
) -> Result<Var> {
    let (k, c) = (gan.spec.categories, gan.spec.continuous);
    let q = gan.critic.codes(g, h)?;
    let parts = g.split(q, 1, &[k, c])?;
    let mut loss = g.scalar(0.0);
    if k > 0 {
        let ce = g.cross_entropy_with_logits(parts[0], &draw.categories)?;
        let weighted = g.mul_scalar(ce, cat_weight as f32);
        loss = g.add(loss, weighted)?;
    }
    if c > 0 {
        let n = draw.input.shape()[0];
        let target = g.constant(Tensor::new(&[n, c], draw.continuous.clone())?);
        let err = g.sub(parts[1], target)?;
        let sq = g.square(err);
        let per_row = g.sum(sq);
        let weighted = g.mul_scalar(per_row, (0.5 * cont_weight / n as f64) as f32);
        loss = g.add(loss, weighted)?;
    }
    Ok(loss)
}
// ANCHOR_END: info_loss

/// The Euclidean norm of the generator loss's gradient with respect to the generator's
/// parameters, on a fresh batch of `batch` (lecture 002's saturation, measured).
pub fn generator_gradient_norm(gan: &mut Gan, kind: Kind, batch: usize, seed: u64) -> Result<f64> {
    // The critic is frozen in the generator's step, so every gradient is the generator's.
    let recipe = Recipe::for_kind(kind);
    let (_, grads) = generator_gradient(gan, &recipe, 0.0, batch, &mut Rng::seed_from_u64(seed))?;
    Ok(grads
        .params()
        .flat_map(|(_, t)| t.data().iter().map(|&v| f64::from(v) * f64::from(v)))
        .sum::<f64>()
        .sqrt())
}
