//! Chapter 12 on the command line: `unsupervised autoencoder` (compression, linear, tied,
//! denoising, sparse and convolutional autoencoders on MNIST) and its tour section.

use crate::args::{Args, Command, Flag, BATCH_SIZE, JSON, LOAD, OUT, SAVE, SEED};
use crate::json::Json;
use crate::nn::{digit_grid, mnist_split, DigitSplit};
use crate::tour::{Chapter, Section, TourContext};
use crate::Result;
use std::path::Path;
use std::time::Instant;
use unsupervised::autoencoder::{self, Architecture, Autoencoder, Noise, Recipe, Sparsity};
use unsupervised::linalg::Matrix;
use unsupervised::plot::{self, Figure, Plot};
use unsupervised::Rng;

pub const CHAPTER: Chapter = Chapter {
    name: "autoencoder",
    title: "12 · Autoencoders",
    book_page: "12-autoencoder.html",
    commands: &[COMMAND],
    tour: tour_autoencoder,
};

pub const COMMAND: Command = Command {
    name: "autoencoder",
    about: "train an autoencoder on MNIST and compare it with PCA (chapter 12)",
    flags: &[
        Flag::value("--kind", "NAME", "dense (default: 784-128-32-128-784), linear, tied (linear, decoder = encoderᵀ), denoising, sparse or conv"),
        Flag::value("--latent", "K", "size of the code (default 32; for sparse the code may exceed 784)"),
        Flag::value("--epochs", "N", "epochs (default 10; 0 with --load only evaluates)"),
        BATCH_SIZE,
        Flag::value("--learning-rate", "R", "Adam's step size (default 0.001; sparse 0.01)"),
        Flag::value("--noise", "SIGMA", "denoising: Gaussian noise's standard deviation (default 0.1), clipped to [0, 1]"),
        Flag::value("--masking", "P", "denoising: set each pixel to 0 with probability P instead of adding Gaussian noise"),
        Flag::value("--rho", "R", "sparse: target mean activation of a code unit, in (0, 1) (default 0.05)"),
        Flag::value("--beta", "B", "sparse: weight of the KL penalty (default 0.03)"),
        Flag::switch("--transfer", "also train a classifier on 100 labelled codes and on the same 100 images' pixels, five times"),
        LOAD,
        SAVE,
        SEED,
        OUT,
        JSON,
    ],
    run: autoencoder_command,
};

/// The kinds `--kind` takes: an architecture and how it is trained.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Kind {
    Dense,
    Linear,
    Tied,
    Denoising,
    Sparse,
    Conv,
}

fn architecture(kind: Kind, latent: usize) -> Architecture {
    match kind {
        Kind::Dense | Kind::Denoising => Architecture::Dense { latent },
        Kind::Linear => Architecture::Linear {
            latent,
            tied: false,
        },
        Kind::Tied => Architecture::Linear { latent, tied: true },
        Kind::Sparse => Architecture::Sparse { code: latent },
        Kind::Conv => Architecture::Conv { latent },
    }
}

/// `unsupervised autoencoder --kind dense --latent 32 --epochs 10 --seed 0 --json`:
/// `{"test_mse": m, "pca_mse": p, "epochs": [loss per epoch], "seconds": s, ...}`.
pub fn autoencoder_command(args: &Args) -> Result {
    let kind = args.choice(
        "--kind",
        "dense",
        &[
            ("dense", Kind::Dense),
            ("linear", Kind::Linear),
            ("tied", Kind::Tied),
            ("denoising", Kind::Denoising),
            ("sparse", Kind::Sparse),
            ("conv", Kind::Conv),
        ],
    )?;
    let seed = args.seed()?;
    let latent: usize = args.get("--latent", "a whole number")?.unwrap_or(32);
    if kind != Kind::Denoising {
        args.refuse(
            "--noise",
            "only the denoising autoencoder (--kind denoising) adds noise",
        )?;
        args.refuse(
            "--masking",
            "only the denoising autoencoder (--kind denoising) masks",
        )?;
    }
    if kind != Kind::Sparse {
        args.refuse(
            "--rho",
            "only the sparse autoencoder (--kind sparse) has a target activation",
        )?;
        args.refuse(
            "--beta",
            "only the sparse autoencoder (--kind sparse) has a sparsity penalty",
        )?;
    }
    let mut recipe = Recipe {
        seed,
        progress: true,
        ..Recipe::default()
    };
    args.training(
        &mut recipe.epochs,
        &mut recipe.batch_size,
        &mut recipe.learning_rate,
    )?;
    if kind == Kind::Denoising {
        recipe.noise = match args.get::<f64>("--masking", "a probability")? {
            Some(p) => {
                args.refuse(
                    "--noise",
                    "--masking replaces the Gaussian noise; give one of the two",
                )?;
                Noise::Masking(p)
            }
            None => Noise::Gaussian(args.get("--noise", "a number")?.unwrap_or(0.1)),
        };
    }
    if kind == Kind::Sparse {
        recipe.sparsity = Some(Sparsity {
            rho: args.get("--rho", "a number")?.unwrap_or(SPARSE.rho),
            beta: args.get("--beta", "a number")?.unwrap_or(SPARSE.beta),
        });
        recipe.learning_rate = args
            .get("--learning-rate", "a number")?
            .unwrap_or(SPARSE_LEARNING_RATE);
    }
    let data = mnist_split(8000, 2000)?;
    let mut model = Autoencoder::new(
        architecture(kind, latent),
        784,
        &mut Rng::seed_from_u64(seed),
    )?;
    if let Some(file) = args.text("--load") {
        unsupervised::nn::io::load(&mut model, Path::new(file))?;
    }
    let started = Instant::now();
    let report = match recipe.epochs {
        0 => None,
        _ => Some(autoencoder::train(
            &mut model,
            &data.train,
            &data.test,
            &recipe,
        )?),
    };
    let seconds = started.elapsed().as_secs_f64();
    let test_mse = autoencoder::mse(&model.reconstruct(&data.test)?, &data.test);
    let pca_mse = autoencoder::pca_mse(&data.train, &data.test, 784, latent.min(783))?;
    if let Some(file) = args.text("--save") {
        unsupervised::nn::io::save(&model, Path::new(file))?;
        eprintln!("saved {file}");
    }
    let losses = report
        .as_ref()
        .map_or(Vec::new(), |r| r.train.epoch_losses.clone());
    let per_epoch = report.as_ref().map_or(Vec::new(), |r| r.test_mse.clone());
    let mut doc = vec![
        ("test_mse", Json::Num(test_mse)),
        ("pca_mse", Json::Num(pca_mse)),
        ("epochs", Json::nums(&losses)),
        ("test_mse_per_epoch", Json::nums(&per_epoch)),
        ("seconds", Json::Num(seconds)),
        (
            "kind",
            Json::Str(args.text("--kind").unwrap_or("dense").into()),
        ),
        ("latent", Json::Int(latent as i64)),
        ("parameters", Json::Int(model_size(&model) as i64)),
    ];
    let mut lines = vec![format!(
        "held-out MSE per pixel {test_mse:.5}; PCA with {latent} components {pca_mse:.5}"
    )];
    if kind == Kind::Denoising {
        let (noisy, denoised) = denoising_psnr(&mut model, &data.test, recipe.noise, seed)?;
        doc.push(("psnr_noisy", Json::Num(noisy)));
        doc.push(("psnr_denoised", Json::Num(denoised)));
        lines.push(format!(
            "held-out PSNR: noisy {noisy:.2} dB, denoised {denoised:.2} dB"
        ));
    }
    if kind == Kind::Sparse {
        let codes = model.codes(&data.test)?;
        let mean = codes.iter().map(|&c| f64::from(c)).sum::<f64>() / codes.len() as f64;
        doc.push(("mean_activation", Json::Num(mean)));
        lines.push(format!("mean code activation on held-out digits {mean:.4}"));
    }
    if args.has("--transfer") {
        let (codes, pixels) = transfer(&mut model, &data, seed)?;
        lines.push(format!(
            "100 labels: accuracy from codes {:.3}, from pixels {:.3} (mean of {})",
            mean(&codes),
            mean(&pixels),
            codes.len()
        ));
        doc.push(("transfer_codes_accuracy", Json::nums(&codes)));
        doc.push(("transfer_pixels_accuracy", Json::nums(&pixels)));
    }
    if let Some(ctx) = TourContext::for_out(args)? {
        let name = args.text("--kind").unwrap_or("dense");
        reconstruction_figure(&ctx, &mut model, &data, name)?;
        if !per_epoch.is_empty() {
            curve_figure(&ctx, &per_epoch, pca_mse, latent, name)?;
        }
        let codes = model.codes(&data.test)?;
        let m = Matrix::new(
            data.test_labels.len(),
            latent,
            codes.iter().map(|&c| f64::from(c)).collect(),
        )?;
        ctx.save_npy(&format!("autoencoder-{name}-codes.npy"), &m)?;
        ctx.save_labels(&format!("autoencoder-{name}-labels.npy"), &data.test_labels)?;
        if latent == 2 {
            latent_scatter(
                &ctx,
                &codes,
                &data.test_labels,
                &format!("autoencoder-{name}-latent.svg"),
                "autoencoder",
            )?;
        }
        if kind == Kind::Sparse {
            features_figure(&ctx, &model, name)?;
        }
    }
    eprintln!(
        "{name}: {seconds:.1} s",
        name = args.text("--kind").unwrap_or("dense")
    );
    if args.has("--json") {
        say!("{}", Json::Obj(doc).render());
    } else {
        for (i, (l, t)) in losses.iter().zip(&per_epoch).enumerate() {
            say!("epoch {}: training loss {l:.5}, held-out MSE {t:.5}", i + 1);
        }
        for l in lines {
            say!("{l}");
        }
    }
    Ok(())
}

/// The sparse autoencoder's defaults: with Adam at 0.01 and β = 0.03 the mean activation
/// reaches ρ = 0.05 within 10 epochs (at 1e-3 the single sigmoid layer learns too slowly).
const SPARSE: Sparsity = Sparsity {
    rho: 0.05,
    beta: 0.03,
};
const SPARSE_LEARNING_RATE: f64 = 0.01;

fn model_size(model: &Autoencoder) -> usize {
    use unsupervised::nn::Layer;
    model.params().iter().map(|p| p.value().len()).sum()
}

fn mean(v: &[f64]) -> f64 {
    v.iter().sum::<f64>() / v.len().max(1) as f64
}

/// PSNR of the corrupted held-out images and of their reconstructions, against the clean.
fn denoising_psnr(
    model: &mut Autoencoder,
    test: &[f32],
    noise: Noise,
    seed: u64,
) -> Result<(f64, f64)> {
    let mut noisy = test.to_vec();
    noise.apply(&mut noisy, &mut Rng::stream(seed, 7));
    let denoised = model.reconstruct(&noisy)?;
    Ok((
        autoencoder::psnr(test, &noisy),
        autoencoder::psnr(test, &denoised),
    ))
}

/// Five draws of 100 labelled training images: held-out accuracy of softmax regression on
/// their codes and on their pixels.
fn transfer(model: &mut Autoencoder, data: &DigitSplit, seed: u64) -> Result<(Vec<f64>, Vec<f64>)> {
    let k = model.architecture.latent();
    let train_codes = model.codes(&data.train)?;
    let test_codes = model.codes(&data.test)?;
    let (mut codes, mut pixels) = (Vec::new(), Vec::new());
    for draw in 0..5 {
        let pick = Rng::stream(seed, 100 + draw)
            .sample_without_replacement(data.train_labels.len(), 100)?;
        let labels: Vec<usize> = pick.iter().map(|&i| data.train_labels[i]).collect();
        let rows = |v: &[f32], w: usize| -> Vec<f32> {
            pick.iter()
                .flat_map(|&i| v[i * w..(i + 1) * w].to_vec())
                .collect()
        };
        codes.push(autoencoder::few_label_accuracy(
            &rows(&train_codes, k),
            &labels,
            &test_codes,
            &data.test_labels,
            draw,
        )?);
        pixels.push(autoencoder::few_label_accuracy(
            &rows(&data.train, 784),
            &labels,
            &data.test,
            &data.test_labels,
            draw,
        )?);
    }
    Ok((codes, pixels))
}

/// Ten held-out digits over their reconstructions.
fn reconstruction_figure(
    ctx: &TourContext,
    model: &mut Autoencoder,
    data: &DigitSplit,
    name: &str,
) -> Result<String> {
    let originals = &data.test[..10 * 784];
    let mut tiles = originals.to_vec();
    tiles.extend(model.reconstruct(originals)?);
    ctx.save_png(
        &format!("autoencoder-{name}-reconstructions.png"),
        &digit_grid(&tiles, 10)?,
    )
}

/// Held-out MSE per epoch beside PCA's with as many components.
fn curve_figure(
    ctx: &TourContext,
    per_epoch: &[f64],
    pca: f64,
    k: usize,
    name: &str,
) -> Result<String> {
    let epochs: Vec<f64> = (1..=per_epoch.len()).map(|e| e as f64).collect();
    let plot = Plot::new(format!(
        "{name} autoencoder against PCA, held-out MSE per pixel"
    ))
    .x_label("epoch")
    .integer_x()
    .y_label("MSE per pixel")
    .line(&epochs, per_epoch, plot::class_color(0), "autoencoder")?
    .dashed_line(
        &[1.0, per_epoch.len().max(2) as f64],
        &[pca, pca],
        plot::class_color(1),
    )?
    .legend(format!("PCA, {k} components"), plot::class_color(1));
    ctx.save_svg(
        &format!("autoencoder-{name}-vs-pca.svg"),
        &Figure::new("", 1, 520.0, 340.0).with(plot),
    )
}

/// Codes in the plane, coloured by digit.
pub fn latent_scatter(
    ctx: &TourContext,
    codes: &[f32],
    labels: &[usize],
    file: &str,
    what: &str,
) -> Result<String> {
    let xs: Vec<f64> = codes.iter().step_by(2).map(|&v| f64::from(v)).collect();
    let ys: Vec<f64> = codes
        .iter()
        .skip(1)
        .step_by(2)
        .map(|&v| f64::from(v))
        .collect();
    let names: Vec<String> = (0..10).map(|d| d.to_string()).collect();
    let plot = Plot::new(format!("{what}: 2-d codes of held-out digits"))
        .x_label("z₁")
        .y_label("z₂")
        .scatter_classes(&xs, &ys, labels, &names)?;
    ctx.save_svg(file, &Figure::new("", 1, 560.0, 460.0).with(plot))
}

/// The decoder row of each code unit as an image: the features a sparse code combines.
fn features_figure(ctx: &TourContext, model: &Autoencoder, name: &str) -> Result<String> {
    let w = model.decoder_weight()?;
    let tiles: Vec<Vec<u8>> = w
        .data()
        .chunks(784)
        .map(|row| {
            let v: Vec<f64> = row.iter().map(|&p| f64::from(p)).collect();
            let (lo, hi) = v
                .iter()
                .fold((f64::MAX, f64::MIN), |(a, b), &x| (a.min(x), b.max(x)));
            plot::to_bytes(&v, lo, hi, false)
        })
        .collect();
    let refs: Vec<&[u8]> = tiles.iter().map(Vec::as_slice).collect();
    let grid = plot::upscale(&plot::image_grid(&refs, 28, 28, 1, 16, 2)?, 2);
    ctx.save_png(&format!("autoencoder-{name}-features.png"), &grid)
}

// tour: chapter 12

/// Chapter 12: the lecture's compression network against PCA, then (full mode) denoising,
/// sparse features, a 2-d code, and transfer to a classifier with 100 labels.
pub fn tour_autoencoder(ctx: &TourContext) -> Result<Vec<Section>> {
    let (n_train, n_test, epochs) = if ctx.quick {
        (2000, 500, 3)
    } else {
        (8000, 2000, 10)
    };
    let data = mnist_split(n_train, n_test)?;
    let recipe = Recipe {
        epochs,
        seed: ctx.seed,
        progress: true,
        ..Recipe::default()
    };
    let mut sections = Vec::new();
    let mut dense = Autoencoder::new(
        Architecture::Dense { latent: 32 },
        784,
        &mut Rng::seed_from_u64(ctx.seed),
    )?;
    let report = autoencoder::train(&mut dense, &data.train, &data.test, &recipe)?;
    let pca = autoencoder::pca_mse(&data.train, &data.test, 784, 32)?;
    let last = report.test_mse.last().copied().unwrap_or(f64::NAN);
    sections.push(Section::figure(
        curve_figure(ctx, &report.test_mse, pca, 32, "dense")?,
        &format!("784-128-32-128-784 on {n_train} digits, {epochs} epochs in {:.1} s: held-out MSE {last:.4} against PCA-32's {pca:.4}", report.train.seconds),
        "PCA is the best linear code; the network passes it only after about 11 epochs on the full split, and then keeps improving.",
    ));
    sections.push(Section::figure(
        reconstruction_figure(ctx, &mut dense, &data, "dense")?,
        "held-out digits (top) and their reconstructions from 32 numbers (bottom)",
        "the digit's identity and slant survive; fine stroke detail is blurred.",
    ));
    if ctx.quick {
        return Ok(sections);
    }
    let noise = Noise::Gaussian(0.1);
    let mut denoiser = Autoencoder::new(
        Architecture::Dense { latent: 32 },
        784,
        &mut Rng::seed_from_u64(ctx.seed),
    )?;
    autoencoder::train(
        &mut denoiser,
        &data.train,
        &data.test,
        &Recipe {
            noise,
            ..recipe.clone()
        },
    )?;
    let (noisy, denoised) = denoising_psnr(&mut denoiser, &data.test, noise, ctx.seed)?;
    let mut tiles = data.test[..10 * 784].to_vec();
    noise.apply(&mut tiles, &mut Rng::stream(ctx.seed, 7));
    let cleaned = denoiser.reconstruct(&tiles)?;
    tiles.extend(cleaned);
    sections.push(Section::figure(
        ctx.save_png("autoencoder-denoising.png", &digit_grid(&tiles, 10)?)?,
        &format!("denoising (σ = 0.1, clipped): noisy held-out digits over their reconstructions; PSNR {noisy:.1} dB noisy, {denoised:.1} dB denoised"),
        "the speckle is gone, but the blur of the 32-unit bottleneck costs more than σ = 0.1 noise does, so the PSNR falls; with stronger noise or masking denoising pays (chapter 12 has the table).",
    ));
    let mut sparse = Autoencoder::new(
        Architecture::Sparse { code: 64 },
        784,
        &mut Rng::seed_from_u64(ctx.seed),
    )?;
    let sparse_recipe = Recipe {
        sparsity: Some(SPARSE),
        learning_rate: SPARSE_LEARNING_RATE,
        ..recipe.clone()
    };
    autoencoder::train(&mut sparse, &data.train, &data.test, &sparse_recipe)?;
    let codes = sparse.codes(&data.test)?;
    let mean_activation = mean(&codes.iter().map(|&c| f64::from(c)).collect::<Vec<_>>());
    sections.push(Section::figure(
        features_figure(ctx, &sparse, "sparse")?,
        &format!("sparse autoencoder, 64 sigmoid units, ρ = 0.05, β = 0.03: each unit's decoder weights; mean held-out activation {mean_activation:.3}"),
        "each unit's feature is a localised digit-like template (a loop, a slanted bar, a 7's corner) on a flat background: with about 5% of units on for an image, each stands for a large piece of a digit.",
    ));
    let mut flat = Autoencoder::new(
        Architecture::Dense { latent: 2 },
        784,
        &mut Rng::seed_from_u64(ctx.seed),
    )?;
    autoencoder::train(&mut flat, &data.train, &data.test, &recipe)?;
    let codes2 = flat.codes(&data.test)?;
    sections.push(Section::figure(
        latent_scatter(ctx, &codes2, &data.test_labels, "autoencoder-latent.svg", "autoencoder 784-128-2-128-784")?,
        "a 2-d code, coloured by digit",
        "classes in rays and blobs of very different density with empty space between: decoding a point from a gap gives no digit, which is what the VAE of chapter 13 fixes.",
    ));
    let (with_codes, with_pixels) = transfer(&mut dense, &data, ctx.seed)?;
    sections.push(Section {
        caption: "transfer with 100 labels: softmax regression on the 32-d codes and on raw pixels, same images, five draws".into(),
        look_for: "whether codes learned from 8,000 unlabelled images beat the same 100 images' pixels: for the compression network they do not, about 0.70 each (chapter 12 explains why and shows the convolutional codes doing better).".into(),
        file: None,
        html: format!(
            "<table><tr><th>features</th><th>held-out accuracy per draw</th><th>mean</th></tr>\
             <tr><td>codes</td><td>{}</td><td>{:.3}</td></tr><tr><td>pixels</td><td>{}</td><td>{:.3}</td></tr></table>",
            with_codes.iter().map(|a| format!("{a:.3}")).collect::<Vec<_>>().join(" "),
            mean(&with_codes),
            with_pixels.iter().map(|a| format!("{a:.3}")).collect::<Vec<_>>().join(" "),
            mean(&with_pixels)
        ),
    });
    Ok(sections)
}
