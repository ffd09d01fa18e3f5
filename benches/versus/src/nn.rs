//! Chapters 10–11 against `candle` (candle-core and candle-nn, CPU): one epoch over the
//! first 8,000 MNIST digits, batch 128, Adam at 1e-3, of
//! - the lecture's autoencoder 784-128-32-128-784 (ReLU, sigmoid output, MSE), and
//! - the CNN of `nn::classify::cnn` (conv 5x5x32, max-pool, conv 5x5x64, max-pool,
//!   1024-128-10, cross-entropy), and
//! - the 784-400-20 Bernoulli VAE of chapter 13 (ReLU, reparameterised sample, binary
//!   cross-entropy with logits summed over pixels plus the closed-form KL).
//!
//! Each epoch includes building the minibatches, forward, backward and the update. Seconds
//! are the median of `VERSUS_ROUNDS` (default 3) round-robin rounds. Thread counts are set
//! per process (our `UNSUPERVISED_THREADS`, candle's `RAYON_NUM_THREADS`), so run
//! `VERSUS_THREADS=1` and `VERSUS_THREADS=2` separately; the subcommand sets both.
//! - the small MLP GAN of chapter 14's issue (G 100-256(BN, ReLU)-784, D 784-256(leaky
//!   ReLU 0.2)-1, non-saturating loss, Adam at 2e-4 with β₁ = 0.5, batch 64, k = 1): 100
//!   generator steps with their discriminator steps, on MNIST digits as the real samples.
//!
//! `VERSUS_MODELS` picks rows (default `ae,cnn,vae,gan`; `dcgan` adds chapter 14's DCGAN).

use crate::{list_env, median, time};
use candle_core::{DType, Device, Module, Tensor as CTensor};
use candle_nn::{AdamW, Conv2dConfig, Optimizer, ParamsAdamW, VarBuilder, VarMap};
use unsupervised::autodiff::Graph;
use unsupervised::datasets;
use unsupervised::gan::{self, Gan, Kind, Spec};
use unsupervised::nn::classify::cnn;
use unsupervised::nn::train::gather_rows;
use unsupervised::nn::{perceptron, Activation, Adam, Layer, Mode, Optimizer as _, Sequential};
use unsupervised::vae::{Likelihood, Vae};
use unsupervised::Rng;

const TRAIN: usize = 8000;
const BATCH: usize = 128;

/// The lecture's autoencoder: 784-128-32-128-784, ReLU inside, sigmoid output.
fn autoencoder(rng: &mut Rng) -> Sequential<f32> {
    perceptron(
        &[784, 128, 32, 128, 784],
        Activation::Relu,
        Some(Activation::Sigmoid),
        0.0,
        rng,
    )
    .unwrap()
}

/// One epoch of ours; returns the mean loss.
fn ours_epoch(
    model: &mut Sequential<f32>,
    adam: &mut Adam<f32>,
    pixels: &[f32],
    labels: &[usize],
    order: &[usize],
    classify: bool,
) -> f64 {
    let mut total = 0.0;
    for batch in order.chunks(BATCH) {
        let x = gather_rows(pixels, 784, batch, &[784]).unwrap();
        let mut g = Graph::new();
        let xv = g.constant(x);
        let y = model.forward(&mut g, xv, Mode::Train).unwrap();
        let l = if classify {
            let lab: Vec<usize> = batch.iter().map(|&i| labels[i]).collect();
            g.cross_entropy_with_logits(y, &lab).unwrap()
        } else {
            g.mse(y, xv).unwrap()
        };
        total += f64::from(g.value(l).item().unwrap()) * batch.len() as f64;
        let grads = g.backward(l).unwrap();
        adam.step(model.params_mut(), &grads);
    }
    total / order.len() as f64
}

struct CandleAe(
    candle_nn::Linear,
    candle_nn::Linear,
    candle_nn::Linear,
    candle_nn::Linear,
);

impl Module for CandleAe {
    fn forward(&self, x: &CTensor) -> candle_core::Result<CTensor> {
        let h = self.0.forward(x)?.relu()?;
        let h = self.1.forward(&h)?.relu()?;
        let h = self.2.forward(&h)?.relu()?;
        candle_nn::ops::sigmoid(&self.3.forward(&h)?)
    }
}

struct CandleCnn(
    candle_nn::Conv2d,
    candle_nn::Conv2d,
    candle_nn::Linear,
    candle_nn::Linear,
);

impl Module for CandleCnn {
    fn forward(&self, x: &CTensor) -> candle_core::Result<CTensor> {
        let n = x.dim(0)?;
        let x = x.reshape((n, 1, 28, 28))?;
        let x = self.0.forward(&x)?.relu()?.max_pool2d(2)?;
        let x = self.1.forward(&x)?.relu()?.max_pool2d(2)?;
        let x = x.flatten_from(1)?;
        let x = self.2.forward(&x)?.relu()?;
        self.3.forward(&x)
    }
}

/// One epoch of candle; returns the mean loss.
fn candle_epoch(
    model: &dyn Module,
    opt: &mut AdamW,
    images: &CTensor,
    labels: &CTensor,
    order: &[usize],
    classify: bool,
) -> f64 {
    let mut total = 0.0;
    for batch in order.chunks(BATCH) {
        let idx = CTensor::new(
            batch.iter().map(|&i| i as u32).collect::<Vec<_>>(),
            &Device::Cpu,
        )
        .unwrap();
        let x = images.index_select(&idx, 0).unwrap();
        let y = model.forward(&x).unwrap();
        let l = if classify {
            let lab = labels.index_select(&idx, 0).unwrap();
            candle_nn::loss::cross_entropy(&y, &lab).unwrap()
        } else {
            candle_nn::loss::mse(&y, &x).unwrap()
        };
        total += f64::from(l.to_vec0::<f32>().unwrap()) * batch.len() as f64;
        opt.backward_step(&l).unwrap();
    }
    total / order.len() as f64
}

/// One VAE epoch of ours; returns the mean negative ELBO per image.
fn ours_vae_epoch(
    model: &mut Vae,
    adam: &mut Adam<f32>,
    pixels: &[f32],
    order: &[usize],
    rng: &mut Rng,
) -> f64 {
    let mut total = 0.0;
    for batch in order.chunks(BATCH) {
        let x = gather_rows(pixels, 784, batch, &[784]).unwrap();
        let mut g = Graph::new();
        let (loss, _, _) = model.loss(&mut g, x, 1.0, rng).unwrap();
        total += f64::from(g.value(loss).item().unwrap()) * batch.len() as f64;
        let grads = g.backward(loss).unwrap();
        adam.step(model.params_mut(), &grads);
    }
    total / order.len() as f64
}

struct CandleVae {
    enc: candle_nn::Linear,
    mu: candle_nn::Linear,
    log_var: candle_nn::Linear,
    dec1: candle_nn::Linear,
    dec2: candle_nn::Linear,
}

impl CandleVae {
    /// The negative ELBO per image, averaged over the batch.
    fn loss(&self, x: &CTensor) -> candle_core::Result<CTensor> {
        let h = self.enc.forward(x)?.relu()?;
        let (mu, log_var) = (self.mu.forward(&h)?, self.log_var.forward(&h)?);
        let eps = mu.randn_like(0.0, 1.0)?;
        let z = (&mu + (log_var.affine(0.5, 0.0)?.exp()? * eps)?)?;
        let logits = self.dec2.forward(&self.dec1.forward(&z)?.relu()?)?;
        // softplus(l) − l x = relu(l) + log(1 + e^{−|l|}) − l x, stable for any logit
        let softplus = (logits.relu()? + logits.abs()?.neg()?.exp()?.affine(1.0, 1.0)?.log()?)?;
        let n = x.dim(0)? as f64;
        let bce = (softplus - (&logits * x)?)?.sum_all()?;
        let kl = ((mu.sqr()? + log_var.exp()?)? - log_var)?
            .affine(0.5, -0.5)?
            .sum_all()?;
        (bce + kl)?.affine(1.0 / n, 0.0)
    }
}

fn candle_vae_epoch(model: &CandleVae, opt: &mut AdamW, images: &CTensor, order: &[usize]) -> f64 {
    let mut total = 0.0;
    for batch in order.chunks(BATCH) {
        let idx = CTensor::new(
            batch.iter().map(|&i| i as u32).collect::<Vec<_>>(),
            &Device::Cpu,
        )
        .unwrap();
        let x = images.index_select(&idx, 0).unwrap();
        let l = model.loss(&x).unwrap();
        total += f64::from(l.to_vec0::<f32>().unwrap()) * batch.len() as f64;
        opt.backward_step(&l).unwrap();
    }
    total / order.len() as f64
}

/// The VAE row of the table.
fn vae_row(
    threads: usize,
    rounds: usize,
    pixels: &[f32],
    images: &CTensor,
    order: &[usize],
    params: &ParamsAdamW,
) {
    let mut ours = Vae::new(
        784,
        400,
        20,
        Likelihood::Bernoulli,
        &mut Rng::seed_from_u64(0),
    )
    .unwrap();
    let mut adam = Adam::new(1e-3).unwrap();
    let mut rng = Rng::seed_from_u64(1);
    let varmap = VarMap::new();
    let vb = VarBuilder::from_varmap(&varmap, DType::F32, &Device::Cpu);
    let theirs = CandleVae {
        enc: candle_nn::linear(784, 400, vb.pp("enc")).unwrap(),
        mu: candle_nn::linear(400, 20, vb.pp("mu")).unwrap(),
        log_var: candle_nn::linear(400, 20, vb.pp("log_var")).unwrap(),
        dec1: candle_nn::linear(20, 400, vb.pp("dec1")).unwrap(),
        dec2: candle_nn::linear(400, 784, vb.pp("dec2")).unwrap(),
    };
    let mut opt = AdamW::new(varmap.all_vars(), params.clone()).unwrap();
    let (mut t_ours, mut t_theirs, mut l_ours, mut l_theirs) = (Vec::new(), Vec::new(), 0.0, 0.0);
    for _ in 0..rounds {
        t_ours.push(time(|| {
            l_ours = ours_vae_epoch(&mut ours, &mut adam, pixels, order, &mut rng)
        }));
        t_theirs.push(time(|| {
            l_theirs = candle_vae_epoch(&theirs, &mut opt, images, order)
        }));
    }
    let (a, b) = (median(t_ours), median(t_theirs));
    println!("| VAE 784-400-20 (loss: −ELBO) | {threads} | {a:.3} | {b:.3} | {:.2} | {l_ours:.2} | {l_theirs:.2} |", b / a);
}

pub fn run() {
    let threads = list_env("VERSUS_THREADS", &[2])[0];
    // Both libraries read their thread count once, at first use.
    std::env::set_var("UNSUPERVISED_THREADS", threads.to_string());
    std::env::set_var("RAYON_NUM_THREADS", threads.to_string());
    let rounds = list_env("VERSUS_ROUNDS", &[3])[0];
    let d = datasets::mnist().unwrap();
    let pixels: Vec<f32> = d.x.as_slice()[..TRAIN * 784]
        .iter()
        .map(|&v| v as f32)
        .collect();
    let labels: Vec<usize> = d.labels.unwrap()[..TRAIN].to_vec();
    let images = CTensor::from_slice(&pixels, (TRAIN, 784), &Device::Cpu).unwrap();
    let clabels = CTensor::new(
        labels.iter().map(|&l| l as u32).collect::<Vec<_>>(),
        &Device::Cpu,
    )
    .unwrap();
    let order = Rng::seed_from_u64(0).permutation(TRAIN);
    let adam_params = ParamsAdamW {
        lr: 1e-3,
        weight_decay: 0.0,
        ..Default::default()
    };

    println!("| model | threads | ours (s/epoch) | candle (s/epoch) | candle / ours | loss, ours | loss, candle |");
    println!("|---|---|---|---|---|---|---|");
    // `VERSUS_MODELS=ae,vae` skips the CNN (minutes per run under candle).
    let models = std::env::var("VERSUS_MODELS").unwrap_or_else(|_| "ae,cnn,vae,gan".into());
    for classify in [false, true] {
        if !models
            .split(',')
            .any(|m| m == if classify { "cnn" } else { "ae" })
        {
            continue;
        }
        let mut rng = Rng::seed_from_u64(0);
        let mut ours = if classify {
            cnn(0.0, &mut rng).unwrap()
        } else {
            autoencoder(&mut rng)
        };
        let mut adam = Adam::new(1e-3).unwrap();
        let varmap = VarMap::new();
        let vb = VarBuilder::from_varmap(&varmap, DType::F32, &Device::Cpu);
        let theirs: Box<dyn Module> = if classify {
            let c = Conv2dConfig::default();
            Box::new(CandleCnn(
                candle_nn::conv2d(1, 32, 5, c, vb.pp("c1")).unwrap(),
                candle_nn::conv2d(32, 64, 5, c, vb.pp("c2")).unwrap(),
                candle_nn::linear(1024, 128, vb.pp("l1")).unwrap(),
                candle_nn::linear(128, 10, vb.pp("l2")).unwrap(),
            ))
        } else {
            Box::new(CandleAe(
                candle_nn::linear(784, 128, vb.pp("l1")).unwrap(),
                candle_nn::linear(128, 32, vb.pp("l2")).unwrap(),
                candle_nn::linear(32, 128, vb.pp("l3")).unwrap(),
                candle_nn::linear(128, 784, vb.pp("l4")).unwrap(),
            ))
        };
        let mut opt = AdamW::new(varmap.all_vars(), adam_params.clone()).unwrap();
        let (mut t_ours, mut t_theirs, mut l_ours, mut l_theirs) =
            (Vec::new(), Vec::new(), 0.0, 0.0);
        for _ in 0..rounds {
            t_ours.push(time(|| {
                l_ours = ours_epoch(&mut ours, &mut adam, &pixels, &labels, &order, classify)
            }));
            t_theirs.push(time(|| {
                l_theirs = candle_epoch(
                    theirs.as_ref(),
                    &mut opt,
                    &images,
                    &clabels,
                    &order,
                    classify,
                )
            }));
        }
        let (a, b) = (median(t_ours), median(t_theirs));
        let name = if classify {
            "CNN"
        } else {
            "autoencoder 784-128-32-128-784"
        };
        println!(
            "| {name} | {threads} | {a:.3} | {b:.3} | {:.2} | {l_ours:.4} | {l_theirs:.4} |",
            b / a
        );
    }
    if models.split(',').any(|m| m == "vae") {
        vae_row(threads, rounds, &pixels, &images, &order, &adam_params);
    }
    if models.split(',').any(|m| m == "gan") {
        gan_row(threads, rounds, &pixels, &images);
    }
    if models.split(',').any(|m| m == "dcgan") {
        dcgan_row(threads, rounds, &pixels, &images);
    }
}

const GAN_STEPS: usize = 100;
const GAN_BATCH: usize = 64;

/// Batch normalisation over the batch, written with candle's ops (candle-nn has none that
/// trains): `γ (x − mean) / √(var + 1e-5) + β`.
fn candle_batch_norm(x: &CTensor, gamma: &CTensor, beta: &CTensor) -> candle_core::Result<CTensor> {
    let centred = x.broadcast_sub(&x.mean_keepdim(0)?)?;
    let var = centred.sqr()?.mean_keepdim(0)?;
    let normed = centred.broadcast_div(&var.affine(1.0, 1e-5)?.sqrt()?)?;
    normed.broadcast_mul(gamma)?.broadcast_add(beta)
}

struct CandleGan {
    g1: candle_nn::Linear,
    gamma: CTensor,
    beta: CTensor,
    g2: candle_nn::Linear,
    d1: candle_nn::Linear,
    d2: candle_nn::Linear,
}

/// A candle GAN's two players, so one training loop serves the MLP GAN and the DCGAN.
trait CandlePlayers {
    fn generate(&self, z: &CTensor) -> candle_core::Result<CTensor>;
    fn score(&self, x: &CTensor) -> candle_core::Result<CTensor>;
}

impl CandlePlayers for CandleGan {
    fn generate(&self, z: &CTensor) -> candle_core::Result<CTensor> {
        let h = candle_batch_norm(&self.g1.forward(z)?, &self.gamma, &self.beta)?.relu()?;
        self.g2.forward(&h)
    }
    fn score(&self, x: &CTensor) -> candle_core::Result<CTensor> {
        let h = self.d1.forward(x)?;
        // leaky ReLU 0.2 = max(h, 0.2 h)
        self.d2.forward(&h.maximum(&h.affine(0.2, 0.0)?)?)
    }
}

/// `mean softplus(s)`, stable for any score.
fn mean_softplus(s: &CTensor) -> candle_core::Result<CTensor> {
    (s.relu()? + s.abs()?.neg()?.exp()?.affine(1.0, 1.0)?.log()?)?.mean_all()
}

/// A candle GAN's steps, one per pick of real images, each a discriminator and a
/// generator step with the non-saturating loss; returns the mean discriminator loss.
fn candle_gan_steps(
    model: &impl CandlePlayers,
    d_opt: &mut AdamW,
    g_opt: &mut AdamW,
    images: &CTensor,
    picks: &[Vec<u32>],
) -> f64 {
    let mut total = 0.0;
    for pick in picks {
        let idx = CTensor::new(pick.as_slice(), &Device::Cpu).unwrap();
        let real = images.index_select(&idx, 0).unwrap();
        let z = CTensor::randn(0f32, 1.0, (GAN_BATCH, 100), &Device::Cpu).unwrap();
        let fake = model.generate(&z).unwrap().detach();
        let d_loss = (mean_softplus(&model.score(&real).unwrap().neg().unwrap()).unwrap()
            + mean_softplus(&model.score(&fake).unwrap()).unwrap())
        .unwrap();
        total += f64::from(d_loss.to_vec0::<f32>().unwrap());
        d_opt.backward_step(&d_loss).unwrap();
        let z = CTensor::randn(0f32, 1.0, (GAN_BATCH, 100), &Device::Cpu).unwrap();
        let s = model.score(&model.generate(&z).unwrap()).unwrap();
        let g_loss = mean_softplus(&s.neg().unwrap()).unwrap();
        g_opt.backward_step(&g_loss).unwrap();
    }
    total / picks.len() as f64
}

/// The GAN row: 100 steps of each.
fn gan_row(threads: usize, rounds: usize, pixels: &[f32], images: &CTensor) {
    let spec = Spec::mlp(100, 784);
    let mut ours = Gan::new(spec, &mut Rng::seed_from_u64(0)).unwrap();
    let mut recipe = gan::Recipe::for_kind(Kind::NonSaturating);
    (
        recipe.steps,
        recipe.batch_size,
        recipe.learning_rate,
        recipe.betas,
    ) = (GAN_STEPS, GAN_BATCH, 2e-4, (0.5, 0.999));
    recipe.log_every = GAN_STEPS;
    let params = ParamsAdamW {
        lr: 2e-4,
        beta1: 0.5,
        weight_decay: 0.0,
        ..Default::default()
    };
    let (gvars, dvars) = (VarMap::new(), VarMap::new());
    let gb = VarBuilder::from_varmap(&gvars, DType::F32, &Device::Cpu);
    let db = VarBuilder::from_varmap(&dvars, DType::F32, &Device::Cpu);
    let theirs = CandleGan {
        g1: candle_nn::linear(100, 256, gb.pp("g1")).unwrap(),
        gamma: gb
            .get_with_hints(256, "gamma", candle_nn::Init::Const(1.0))
            .unwrap(),
        beta: gb
            .get_with_hints(256, "beta", candle_nn::Init::Const(0.0))
            .unwrap(),
        g2: candle_nn::linear(256, 784, gb.pp("g2")).unwrap(),
        d1: candle_nn::linear(784, 256, db.pp("d1")).unwrap(),
        d2: candle_nn::linear(256, 1, db.pp("d2")).unwrap(),
    };
    let mut g_opt = AdamW::new(gvars.all_vars(), params.clone()).unwrap();
    let mut d_opt = AdamW::new(dvars.all_vars(), params).unwrap();
    let mut rng = Rng::seed_from_u64(2);
    let n = pixels.len() / 784;
    let picks: Vec<Vec<u32>> = (0..GAN_STEPS)
        .map(|_| {
            (0..GAN_BATCH)
                .map(|_| rng.index(n).unwrap() as u32)
                .collect()
        })
        .collect();
    let (mut t_ours, mut t_theirs, mut l_ours, mut l_theirs) = (Vec::new(), Vec::new(), 0.0, 0.0);
    for round in 0..rounds {
        recipe.seed = round as u64;
        t_ours.push(time(|| {
            let r = gan::train(&mut ours, pixels, &[], &recipe, |_, _| Ok(())).unwrap();
            l_ours = r.critic_loss[0];
        }));
        t_theirs.push(time(|| {
            l_theirs = candle_gan_steps(&theirs, &mut d_opt, &mut g_opt, images, &picks)
        }));
    }
    let (a, b) = (median(t_ours), median(t_theirs));
    println!("| MLP GAN 100-256-784 / 784-256-1, 100 steps (s per 100 steps; loss: D's BCE) | {threads} | {a:.3} | {b:.3} | {:.2} | {l_ours:.3} | {l_theirs:.3} |", b / a);
}

/// DCGAN steps timed (each is one D step and one G step at batch 64).
const DCGAN_STEPS: usize = 20;

/// Batch normalisation of `(n, c, h, w)` over batch and positions, per channel, with
/// candle's ops; `gamma` and `beta` are `(1, c, 1, 1)`.
fn candle_batch_norm2d(
    x: &CTensor,
    gamma: &CTensor,
    beta: &CTensor,
) -> candle_core::Result<CTensor> {
    let mean = x.mean_keepdim(0)?.mean_keepdim(2)?.mean_keepdim(3)?;
    let centred = x.broadcast_sub(&mean)?;
    let var = centred
        .sqr()?
        .mean_keepdim(0)?
        .mean_keepdim(2)?
        .mean_keepdim(3)?;
    let normed = centred.broadcast_div(&var.affine(1.0, 1e-5)?.sqrt()?)?;
    normed.broadcast_mul(gamma)?.broadcast_add(beta)
}

/// The crate's DCGAN at width `w` (G: 100 → 2w·7·7, BN, ReLU, 4x4 stride-2 transposed
/// convolutions to w and 1 planes with BN and ReLU between, tanh; D: 4x4 stride-2
/// convolutions to w and 2w planes, leaky ReLU, BN on the second, linear to 1) in candle.
struct CandleDcgan {
    w: usize,
    g0: candle_nn::Linear,
    g_bn: [(CTensor, CTensor); 2],
    g1: candle_nn::ConvTranspose2d,
    g2: candle_nn::ConvTranspose2d,
    d1: candle_nn::Conv2d,
    d2: candle_nn::Conv2d,
    d_bn: (CTensor, CTensor),
    d3: candle_nn::Linear,
}

impl CandleDcgan {
    fn new(w: usize, gb: &VarBuilder, db: &VarBuilder) -> CandleDcgan {
        let bn = |vb: VarBuilder, c: usize| {
            (
                vb.get_with_hints((1, c, 1, 1), "gamma", candle_nn::Init::Const(1.0))
                    .unwrap(),
                vb.get_with_hints((1, c, 1, 1), "beta", candle_nn::Init::Const(0.0))
                    .unwrap(),
            )
        };
        let up = candle_nn::ConvTranspose2dConfig {
            padding: 1,
            stride: 2,
            ..Default::default()
        };
        let down = Conv2dConfig {
            padding: 1,
            stride: 2,
            ..Default::default()
        };
        CandleDcgan {
            w,
            g0: candle_nn::linear(100, 2 * w * 49, gb.pp("g0")).unwrap(),
            g_bn: [bn(gb.pp("bn0"), 2 * w), bn(gb.pp("bn1"), w)],
            g1: candle_nn::conv_transpose2d(2 * w, w, 4, up, gb.pp("g1")).unwrap(),
            g2: candle_nn::conv_transpose2d(w, 1, 4, up, gb.pp("g2")).unwrap(),
            d1: candle_nn::conv2d(1, w, 4, down, db.pp("d1")).unwrap(),
            d2: candle_nn::conv2d(w, 2 * w, 4, down, db.pp("d2")).unwrap(),
            d_bn: bn(db.pp("dbn"), 2 * w),
            d3: candle_nn::linear(2 * w * 49, 1, db.pp("d3")).unwrap(),
        }
    }
}

impl CandlePlayers for CandleDcgan {
    fn generate(&self, z: &CTensor) -> candle_core::Result<CTensor> {
        let n = z.dim(0)?;
        let h = self.g0.forward(z)?.reshape((n, 2 * self.w, 7, 7))?;
        let h = candle_batch_norm2d(&h, &self.g_bn[0].0, &self.g_bn[0].1)?.relu()?;
        let h = self.g1.forward(&h)?;
        let h = candle_batch_norm2d(&h, &self.g_bn[1].0, &self.g_bn[1].1)?.relu()?;
        self.g2.forward(&h)?.tanh()
    }
    fn score(&self, x: &CTensor) -> candle_core::Result<CTensor> {
        let n = x.dim(0)?;
        let leaky = |h: CTensor| h.maximum(&h.affine(0.2, 0.0)?);
        let h = leaky(self.d1.forward(&x.reshape((n, 1, 28, 28))?)?)?;
        let h = candle_batch_norm2d(&self.d2.forward(&h)?, &self.d_bn.0, &self.d_bn.1)?;
        self.d3.forward(&leaky(h)?.flatten_from(1)?)
    }
}

/// The DCGAN row: `DCGAN_STEPS` steps of the crate's DCGAN (width 32) and of the same
/// networks in candle, at batch 64 with DCGAN's Adam.
fn dcgan_row(threads: usize, rounds: usize, pixels: &[f32], images: &CTensor) {
    use unsupervised::gan::Planes;
    let w = 32;
    let spec = Spec {
        generator_width: w,
        critic_width: w,
        ..Spec::dcgan(Planes {
            channels: 1,
            side: 28,
        })
    };
    let signed: Vec<f32> = pixels.iter().map(|&p| 2.0 * p - 1.0).collect();
    let images = images.affine(2.0, -1.0).unwrap();
    let mut ours = Gan::new(spec, &mut Rng::seed_from_u64(0)).unwrap();
    let mut recipe = gan::Recipe::for_images(Kind::NonSaturating);
    (recipe.steps, recipe.log_every) = (DCGAN_STEPS, DCGAN_STEPS);
    let params = ParamsAdamW {
        lr: 2e-4,
        beta1: 0.5,
        weight_decay: 0.0,
        ..Default::default()
    };
    let (gvars, dvars) = (VarMap::new(), VarMap::new());
    let gb = VarBuilder::from_varmap(&gvars, DType::F32, &Device::Cpu);
    let db = VarBuilder::from_varmap(&dvars, DType::F32, &Device::Cpu);
    let theirs = CandleDcgan::new(w, &gb, &db);
    let mut g_opt = AdamW::new(gvars.all_vars(), params.clone()).unwrap();
    let mut d_opt = AdamW::new(dvars.all_vars(), params).unwrap();
    let mut rng = Rng::seed_from_u64(2);
    let n = pixels.len() / 784;
    let picks: Vec<Vec<u32>> = (0..DCGAN_STEPS)
        .map(|_| {
            (0..GAN_BATCH)
                .map(|_| rng.index(n).unwrap() as u32)
                .collect()
        })
        .collect();
    let (mut t_ours, mut t_theirs, mut l_ours, mut l_theirs) = (Vec::new(), Vec::new(), 0.0, 0.0);
    for round in 0..rounds {
        recipe.seed = round as u64;
        t_ours.push(time(|| {
            let r = gan::train(&mut ours, &signed, &[], &recipe, |_, _| Ok(())).unwrap();
            l_ours = r.critic_loss[0];
        }));
        t_theirs.push(time(|| {
            l_theirs = candle_gan_steps(&theirs, &mut d_opt, &mut g_opt, &images, &picks);
        }));
    }
    let (a, b) = (median(t_ours), median(t_theirs));
    println!("| DCGAN width 32, batch 64, {DCGAN_STEPS} steps (s; loss: D's BCE) | {threads} | {a:.3} | {b:.3} | {:.2} | {l_ours:.3} | {l_theirs:.3} |", b / a);
}
