//! Chapter 15 on the command line: `unsupervised filter`, `texture`, `style`, `invert` and
//! `saliency` (convolution kernels, Gram-matrix textures, style transfer, feature
//! inversion and what the MNIST CNN looks at) and the chapter's tour section.

use crate::args::{Args, Command, Flag, JSON, LOAD, OUT, SEED};
use crate::json::Json;
use crate::nn::{mnist_split, DigitSplit};
use crate::tour::{Chapter, Section, TourContext};
use crate::Result;
use std::path::Path;
use unsupervised::autodiff::Tensor;
use unsupervised::datasets::{self, npy};
use unsupervised::image::Image;
use unsupervised::linalg::Matrix;
use unsupervised::nn::classify::{self, Images, Recipe};
use unsupervised::nn::Sequential;
use unsupervised::plot::{self, Figure, Plot};
use unsupervised::visualize::{
    self, filter, image_tensor, inspect, synthesis, tensor_image, Border, Kernel, Method,
    Multiscale, Penalty, StyleWeights, Tapped,
};
use unsupervised::Rng;

pub const CHAPTER: Chapter = Chapter {
    name: "visualize",
    title: "15 · Seeing what a CNN sees",
    book_page: "15-visualize.html",
    commands: &[FILTER, TEXTURE, STYLE, INVERT, SALIENCY],
    tour: tour_visualize,
};

const ITERATIONS: Flag = Flag::value("--iterations", "N", "optimiser iterations (default 200)");
const OPTIMIZER: Flag = Flag::value(
    "--optimizer",
    "NAME",
    "lbfgs (default; strong-Wolfe line search) or adam",
);
const LEARNING_RATE: Flag = Flag::value("--learning-rate", "R", "adam: step size (default 0.02)");
const SIZE: Flag = Flag::value(
    "--size",
    "PX",
    "work at PX x PX: 128 (default, the photos' size), 64 or 32",
);
const MAPS: Flag = Flag::value(
    "--maps",
    "N",
    "random filters per size (default 32; the paper has 128)",
);
const SCALES: Flag = Flag::value(
    "--scales",
    "LIST",
    "filter sizes, odd, comma-separated (default 3,5,7,11,15,23; the paper adds 37,55)",
);
const EPOCHS: Flag = Flag::value(
    "--epochs",
    "N",
    "epochs of the MNIST CNN's training (default 2)",
);

// ---------------------------------------------------------------------------------------
// filter

pub const FILTER: Command = Command {
    name: "filter",
    about: "convolve a photo with a kernel of lecture 004's table (chapter 15)",
    flags: &[
        Flag::value(
            "--kernel",
            "NAME",
            "identity (default), edge1, edge2, edge3, sharpen or box",
        ),
        Flag::value(
            "--border",
            "NAME",
            "zero, replicate or reflect (default; d c b | a b c d)",
        ),
        Flag::value(
            "--image",
            "NAME",
            "china (default, the grey 256 x 256 photo), china-rgb, flower, or a .pgm/.ppm file",
        ),
        OUT,
        JSON,
    ],
    run: filter_command,
};

/// `unsupervised filter --kernel edge1 --border reflect --out DIR --json`: writes
/// `filtered.npy` (f64, 0–255 scale, unclipped; `h x w`, or `h x 3w` with RGB interleaved)
/// and `filtered.png`; prints `{"min", "max", "mean", ...}`.
fn filter_command(args: &Args) -> Result {
    let name = args.text("--kernel").unwrap_or("identity");
    let kernel = Kernel::named(name).map_err(|_| {
        let names: Vec<&str> = filter::TABLE.iter().map(|t| t.0).collect();
        format!("--kernel {name}: expected one of {}", names.join(", "))
    })?;
    let border = args.choice("--border", "reflect", Border::NAMES)?;
    let image = photo(args, "--image", "china", true)?;
    let out = filter::filter(&image, &kernel, border)?;
    if let Some(dir) = args.text("--out") {
        let ctx = TourContext::for_out(args)?.ok_or("--out")?;
        let m = Matrix::new(image.height, image.width * image.channels, out.clone())?;
        ctx.save("filtered.npy", &npy::write_npy(&npy::Npy::from_matrix(&m))?)?;
        ctx.save_png("filtered.png", &shown(&image, &out, &kernel)?)?;
        eprintln!("filter: wrote {dir}/filtered.npy and filtered.png");
    }
    let (min, max) = out
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| {
            (a.min(v), b.max(v))
        });
    let mean = out.iter().sum::<f64>() / out.len() as f64;
    if args.has("--json") {
        let doc = Json::Obj(vec![
            ("kernel", Json::Str(name.into())),
            (
                "border",
                Json::Str(args.text("--border").unwrap_or("reflect").into()),
            ),
            ("width", Json::Int(image.width as i64)),
            ("height", Json::Int(image.height as i64)),
            ("min", Json::Num(min)),
            ("max", Json::Num(max)),
            ("mean", Json::Num(mean)),
        ]);
        say!("{}", doc.render());
    } else {
        say!(
            "{name} on {} x {}: min {min:.2}, max {max:.2}, mean {mean:.3}",
            image.width,
            image.height
        );
    }
    Ok(())
}

/// A filtered image for the eye: clipped to 0..255, or for a kernel whose weights sum to
/// zero (an edge detector, whose output is signed) the magnitude.
fn shown(image: &Image, values: &[f64], kernel: &Kernel) -> Result<Image> {
    let zero_sum = kernel.weights.iter().sum::<f64>().abs() < 1e-9;
    let pixels = values
        .iter()
        .map(|&v| {
            let v = if zero_sum { v.abs() } else { v };
            v.round().clamp(0.0, 255.0) as u8
        })
        .collect();
    Ok(Image::new(
        image.width,
        image.height,
        image.channels,
        pixels,
    )?)
}

/// The photo `flag` names: an embedded one or a PNM file (grey `china` for the filter).
fn photo(args: &Args, flag: &str, default: &str, grey_china: bool) -> Result<Image> {
    let name = args.text(flag).unwrap_or(default);
    let image = match name {
        "china" if grey_china => datasets::china_gray(),
        "china" | "china-rgb" => datasets::china_rgb(),
        "flower" => datasets::flower_rgb(),
        path => std::fs::read(path)
            .map_err(|e| unsupervised::Error::io(path, e))
            .and_then(|bytes| datasets::pnm::parse_pnm(&bytes, path)),
    };
    image.map_err(|e| {
        format!("{flag} {name}: {e} (expected china, china-rgb, flower or a .pgm/.ppm file)").into()
    })
}

/// The photo at `--size` (a divisor of its side: 128, 64 or 32 for the 128-pixel photos).
fn sized(args: &Args, image: Image, default: usize) -> Result<Image> {
    let size: usize = args.get("--size", "a whole number")?.unwrap_or(default);
    if size == 0 || image.width % size != 0 || image.width != image.height {
        return Err(format!(
            "--size {size}: must divide the square photo's side ({} x {})",
            image.width, image.height
        )
        .into());
    }
    Ok(image.downscale(image.width / size)?)
}

/// `--optimizer` and `--learning-rate`.
fn method(args: &Args) -> Result<Method> {
    let adam = args.choice("--optimizer", "lbfgs", &[("lbfgs", false), ("adam", true)])?;
    if !adam {
        args.refuse("--learning-rate", "only adam has a step size")?;
        return Ok(Method::Lbfgs);
    }
    let learning_rate = args.get("--learning-rate", "a number")?.unwrap_or(0.02);
    Ok(Method::Adam { learning_rate })
}

fn iterations(args: &Args) -> Result<usize> {
    let n: usize = args.get("--iterations", "a whole number")?.unwrap_or(200);
    if n == 0 {
        return Err("--iterations 0: must be at least 1".into());
    }
    Ok(n)
}

/// The multi-scale random network of `--maps` and `--scales`.
fn random_filters(args: &Args, seed: u64) -> Result<Multiscale> {
    let maps: usize = args.get("--maps", "a whole number")?.unwrap_or(32);
    let scales: Vec<usize> = match args.text("--scales") {
        None => vec![3, 5, 7, 11, 15, 23],
        Some(list) => list
            .split(',')
            .map(|s| s.trim().parse::<usize>())
            .collect::<std::result::Result<_, _>>()
            .map_err(|_| format!("--scales {list}: expected odd whole numbers, comma-separated"))?,
    };
    Multiscale::new(3, maps, &scales, seed).map_err(|e| match e {
        unsupervised::Error::InvalidParameter {
            name: "maps",
            reason,
            ..
        } => format!("--maps {maps}: {reason}").into(),
        other => format!("--scales {}: {other}", args.text("--scales").unwrap_or("")).into(),
    })
}

/// Noise in the photo's range, the start of every synthesis.
fn noise(like: &Tensor<f32>, seed: u64) -> Tensor<f32> {
    Tensor::uniform(like.shape(), -0.5, 0.5, &mut Rng::seed_from_u64(seed))
}

/// Grey with faint noise (±0.05), where inversion starts: from flat grey every ReLU of a
/// zero-bias random network is at its kink and the gradient is exactly zero.
fn faint_noise(like: &Tensor<f32>, seed: u64) -> Tensor<f32> {
    Tensor::uniform(like.shape(), -0.05, 0.05, &mut Rng::seed_from_u64(seed ^ 2))
}

/// `{"…_start", "…_final", "seconds", "iterations", "evaluations", "converged"}` of a run.
fn run_json(run: &synthesis::Run, loss: &'static str, extra: Vec<(&'static str, Json)>) -> Json {
    let (start, end) = match loss {
        "gram_loss" => ("gram_loss_start", "gram_loss_final"),
        _ => ("loss_start", "loss_final"),
    };
    let last = run.trace[run.trace.len() - 1];
    let mut fields = vec![
        (start, Json::Num(run.start_loss())),
        (end, Json::Num(run.final_loss())),
        ("seconds", Json::Num(last.seconds)),
        ("iterations", Json::Int(run.trace.len() as i64 - 1)),
        ("evaluations", Json::Int(last.evaluations as i64)),
        ("converged", Json::Bool(run.converged)),
    ];
    fields.extend(extra);
    Json::Obj(fields)
}

// ---------------------------------------------------------------------------------------
// texture

pub const TEXTURE: Command = Command {
    name: "texture",
    about: "synthesise a texture by matching Gram matrices of random filters (chapter 15)",
    flags: &[
        Flag::value("--image", "NAME", "flower (default), china, or a .ppm file"),
        ITERATIONS,
        OPTIMIZER,
        LEARNING_RATE,
        SIZE,
        MAPS,
        SCALES,
        SEED,
        OUT,
        JSON,
    ],
    run: texture_command,
};

/// `unsupervised texture --image flower --iterations 200 --optimizer lbfgs --seed 0 --json`:
/// `{"gram_loss_start": ..., "gram_loss_final": ..., "seconds": ..., ...}`; `--out DIR`
/// writes `texture.png` beside `source.png`.
fn texture_command(args: &Args) -> Result {
    let seed = args.seed()?;
    let source = sized(args, photo(args, "--image", "flower", false)?, 128)?;
    let (method, n) = (method(args)?, iterations(args)?);
    let mut net = random_filters(args, seed)?;
    let x = image_tensor(&source)?;
    let run = visualize::texture(&mut net, &x, &noise(&x, seed ^ 1), method, n)?;
    if let Some(ctx) = TourContext::for_out(args)? {
        ctx.save_png("source.png", &source)?;
        ctx.save_png("texture.png", &tensor_image(&run.image)?)?;
    }
    report(args, &run, "gram_loss", "texture")
}

/// Prints a synthesis's result: JSON, or a line per 10% of the run.
fn report(args: &Args, run: &synthesis::Run, loss: &'static str, what: &str) -> Result {
    if args.has("--json") {
        say!("{}", run_json(run, loss, vec![]).render());
        return Ok(());
    }
    let step = (run.trace.len() / 10).max(1);
    for (i, p) in run.trace.iter().enumerate().step_by(step) {
        say!(
            "iteration {i}: loss {:.4e} after {} evaluations, {:.1} s",
            p.loss,
            p.evaluations,
            p.seconds
        );
    }
    let last = run.trace[run.trace.len() - 1];
    say!(
        "{what}: loss {:.4e} → {:.4e} ({:.0}x lower) in {:.1} s",
        run.start_loss(),
        run.final_loss(),
        run.start_loss() / run.final_loss(),
        last.seconds
    );
    Ok(())
}

// ---------------------------------------------------------------------------------------
// style

pub const STYLE: Command = Command {
    name: "style",
    about: "neural style transfer with random filters: content + style + TV (chapter 15)",
    flags: &[
        Flag::value(
            "--content",
            "NAME",
            "china (default), flower, or a .ppm file",
        ),
        Flag::value("--style", "NAME", "flower (default), china, or a .ppm file"),
        Flag::value(
            "--content-weight",
            "A",
            "α on ½‖F − P‖² at the 5 x 5 maps (default 1)",
        ),
        Flag::value(
            "--style-weight",
            "B",
            "β on Σ E_l over every size (default 1e9)",
        ),
        Flag::value(
            "--tv-weight",
            "L",
            "λ on the total variation R_V² (default 1)",
        ),
        ITERATIONS,
        OPTIMIZER,
        LEARNING_RATE,
        SIZE,
        MAPS,
        SCALES,
        SEED,
        OUT,
        JSON,
    ],
    run: style_command,
};

/// `unsupervised style --content china --style flower --iterations 200 --out DIR --json`:
/// `{"loss_start", "loss_final", "seconds", ...}`; `--out` writes `style.png`.
fn style_command(args: &Args) -> Result {
    let seed = args.seed()?;
    let content = image_tensor(&sized(
        args,
        photo(args, "--content", "china", false)?,
        128,
    )?)?;
    let style = image_tensor(&sized(args, photo(args, "--style", "flower", false)?, 128)?)?;
    if content.shape() != style.shape() {
        return Err("--content and --style must have the same size".into());
    }
    let weights = StyleWeights {
        content: nonneg(args, "--content-weight", 1.0)?,
        style: nonneg(args, "--style-weight", 1e9)?,
        tv: nonneg(args, "--tv-weight", 1.0)?,
    };
    let (method, n) = (method(args)?, iterations(args)?);
    let mut net = random_filters(args, seed)?;
    let content_layer = net.scales.len().min(2) - 1; // the 5 x 5 maps, or the only size
    let run = visualize::style_transfer(
        &mut net,
        &content,
        &style,
        &[content_layer],
        weights,
        &content,
        method,
        n,
    )?;
    if let Some(ctx) = TourContext::for_out(args)? {
        ctx.save_png("style.png", &tensor_image(&run.image)?)?;
    }
    report(args, &run, "loss", "style transfer")
}

fn nonneg(args: &Args, flag: &str, default: f64) -> Result<f64> {
    let v = args.get(flag, "a number")?.unwrap_or(default);
    if !(v >= 0.0 && f64::is_finite(v)) {
        return Err(format!("{flag} {v}: must be a number >= 0").into());
    }
    Ok(v)
}

// ---------------------------------------------------------------------------------------
// invert

pub const INVERT: Command = Command {
    name: "invert",
    about: "feature inversion: the image whose features at a layer match a photo's (chapter 15)",
    flags: &[
        Flag::value("--layer", "N", "which layer's features, from 1 (default 2)"),
        Flag::value(
            "--network",
            "NAME",
            "random (default: 4 blocks of random 3x3 filters on the photo) or cnn (the MNIST CNN, on a digit)",
        ),
        Flag::value("--lambda", "L", "weight of the prior R_V^β (default 1e-4; cnn 1e-3)"),
        Flag::value("--beta", "B", "the prior's exponent, 0 < β ≤ 10 (default 2)"),
        Flag::value("--image", "NAME", "random: china (default), flower, or a .ppm file"),
        ITERATIONS,
        OPTIMIZER,
        LEARNING_RATE,
        Flag::value("--size", "PX", "random: work at PX x PX: 128, 64 (default) or 32"),
        EPOCHS,
        LOAD,
        SEED,
        OUT,
        JSON,
    ],
    run: invert_command,
};

/// The random network the photo is inverted through: 32, 64, 128 and 256 maps.
const RANDOM_WIDTHS: [usize; 4] = [32, 64, 128, 256];
/// The layers of chapter 11's CNN read by `invert --network cnn`, as layer counts: conv1,
/// pool1, conv2, pool2 (each after its ReLU), the 128 hidden units and the 10 scores.
const CNN_TAPS: [usize; 6] = [3, 4, 6, 7, 10, 12];

/// `unsupervised invert --layer 2 --out DIR --json`: `{"loss_start", "loss_final",
/// "psnr", "layer", ...}`; `--out` writes `inverted.png` beside `original.png`.
fn invert_command(args: &Args) -> Result {
    let seed = args.seed()?;
    let cnn = args.choice("--network", "random", &[("random", false), ("cnn", true)])?;
    let layer: usize = args.get("--layer", "a whole number")?.unwrap_or(2);
    let layers = if cnn {
        CNN_TAPS.len()
    } else {
        RANDOM_WIDTHS.len()
    };
    if !(1..=layers).contains(&layer) {
        return Err(format!("--layer {layer}: the network has layers 1 to {layers}").into());
    }
    let lambda: f64 = args
        .get("--lambda", "a number")?
        .unwrap_or(if cnn { 1e-3 } else { 1e-4 });
    let beta: f64 = args.get("--beta", "a number")?.unwrap_or(2.0);
    synthesis::check_prior(lambda, beta)?;
    let (method, n) = (method(args)?, iterations(args)?);
    let (mut net, original) = if cnn {
        args.refuse(
            "--image",
            "the CNN reads digits: --network cnn inverts a held-out digit",
        )?;
        args.refuse("--size", "the CNN reads 28 x 28 digits")?;
        let data = mnist_split(8000, 2000)?;
        let model = trained_cnn(args, &data, seed)?;
        let digit = Tensor::new(
            &[1, 1, 28, 28],
            data.test[..784].iter().map(|&p| p - 0.5).collect(),
        )?;
        (Tapped::new(model, CNN_TAPS.to_vec())?, digit)
    } else {
        args.refuse("--epochs", "only --network cnn is trained")?;
        args.refuse("--load", "only --network cnn is trained")?;
        let image = sized(args, photo(args, "--image", "china", false)?, 64)?;
        (
            Tapped::random(3, &RANDOM_WIDTHS, seed)?,
            image_tensor(&image)?,
        )
    };
    let x0 = faint_noise(&original, seed);
    let run = visualize::invert(&mut net, layer - 1, &original, lambda, beta, &x0, method, n)?;
    let psnr = psnr(&run.image, &original);
    if let Some(ctx) = TourContext::for_out(args)? {
        ctx.save_png("original.png", &shown_tensor(&original)?)?;
        ctx.save_png("inverted.png", &shown_tensor(&run.image)?)?;
    }
    if args.has("--json") {
        let extra = vec![
            ("psnr", Json::Num(psnr)),
            ("layer", Json::Int(layer as i64)),
        ];
        say!("{}", run_json(&run, "loss", extra).render());
        return Ok(());
    }
    report(args, &run, "loss", &format!("inversion of layer {layer}"))?;
    say!("PSNR of the reconstruction: {psnr:.2} dB");
    Ok(())
}

/// PSNR in dB of `x` against `reference`, both in −0.5..0.5 (a peak of 1), clipped as shown.
fn psnr(x: &Tensor<f32>, reference: &Tensor<f32>) -> f64 {
    let clip = |v: f32| v.clamp(-0.5, 0.5);
    let a: Vec<f32> = x.data().iter().map(|&v| clip(v) + 0.5).collect();
    let b: Vec<f32> = reference.data().iter().map(|&v| clip(v) + 0.5).collect();
    unsupervised::autoencoder::psnr(&b, &a)
}

/// A `(1, c, h, w)` tensor in −0.5..0.5 as an image; a digit (one channel, 28 wide) as ink
/// on paper, enlarged four times.
fn shown_tensor(x: &Tensor<f32>) -> Result<Image> {
    let image = tensor_image(x)?;
    if image.channels == 1 && image.width == 28 {
        let inked = Image::new(28, 28, 1, image.pixels.iter().map(|p| 255 - p).collect())?;
        return Ok(plot::upscale(&inked, 4));
    }
    Ok(image)
}

// ---------------------------------------------------------------------------------------
// saliency

pub const SALIENCY: Command = Command {
    name: "saliency",
    about: "what the MNIST CNN learned: filters, activations, saliency, class images (chapter 15)",
    flags: &[
        Flag::value("--digit", "I", "which held-out digit, from 0 (default 0)"),
        Flag::value(
            "--class",
            "C",
            "whose score's gradient (default: the digit's label)",
        ),
        EPOCHS,
        LOAD,
        SEED,
        OUT,
        JSON,
    ],
    run: saliency_command,
};

/// `unsupervised saliency --out DIR`: writes `filters.png`, `activations.png`,
/// `saliency.png` and `class-images.png`; `--json` prints `{"label", "predicted",
/// "class", "saliency_max", "test_accuracy"}`.
fn saliency_command(args: &Args) -> Result {
    let seed = args.seed()?;
    let data = mnist_split(8000, 2000)?;
    let count = data.test_labels.len();
    let index: usize = args.get("--digit", "a whole number")?.unwrap_or(0);
    if index >= count {
        return Err(format!(
            "--digit {index}: there are {count} held-out digits (0 to {})",
            count - 1
        )
        .into());
    }
    let label = data.test_labels[index];
    let class: usize = args.get("--class", "a whole number")?.unwrap_or(label);
    if class >= 10 {
        return Err(format!("--class {class}: must be a digit, 0 to 9").into());
    }
    let mut model = trained_cnn(args, &data, seed)?;
    let digit = digit_tensor(&data, index)?;
    let logits = model.predict(digit.clone())?;
    let predicted = argmax(logits.data());
    let map = inspect::saliency(&mut model, &digit, class)?;
    let test = Images {
        pixels: &data.test,
        labels: &data.test_labels,
        side: 28,
    };
    let accuracy = classify::accuracy(&mut model, &test)?;
    if let Some(ctx) = TourContext::for_out(args)? {
        for s in cnn_figures(&ctx, &mut model, &data, index, class, seed)? {
            eprintln!("saliency: {}", s.caption);
        }
    }
    let top = map.data().iter().fold(0.0f32, |m, v| m.max(v.abs()));
    if args.has("--json") {
        let doc = Json::Obj(vec![
            ("label", Json::Int(label as i64)),
            ("predicted", Json::Int(predicted as i64)),
            ("class", Json::Int(class as i64)),
            ("saliency_max", Json::Num(f64::from(top))),
            ("test_accuracy", Json::Num(accuracy)),
        ]);
        say!("{}", doc.render());
    } else {
        say!("held-out digit {index}: label {label}, predicted {predicted}; largest |∂S_{class}/∂x| {top:.4}; CNN test accuracy {accuracy:.4}");
    }
    Ok(())
}

fn argmax(v: &[f32]) -> usize {
    (0..v.len()).fold(0, |b, i| if v[i] > v[b] { i } else { b })
}

/// Held-out digit `i` as `(1, 1, 28, 28)` in [0, 1], as the CNN was trained.
fn digit_tensor(data: &DigitSplit, i: usize) -> Result<Tensor<f32>> {
    Ok(Tensor::new(
        &[1, 1, 28, 28],
        data.test[i * 784..(i + 1) * 784].to_vec(),
    )?)
}

/// Chapter 11's CNN, trained `--epochs` epochs (default 2) on `data` with its plain
/// recipe, or loaded with `--load` (from `classify --model cnn --save FILE`).
fn trained_cnn(args: &Args, data: &DigitSplit, seed: u64) -> Result<Sequential<f32>> {
    let epochs: usize = args.get("--epochs", "a whole number")?.unwrap_or(2);
    cnn_on(data, epochs, args.text("--load"), seed)
}

fn cnn_on(
    data: &DigitSplit,
    epochs: usize,
    load: Option<&str>,
    seed: u64,
) -> Result<Sequential<f32>> {
    let mut model = classify::cnn(0.0, &mut Rng::seed_from_u64(seed))?;
    if let Some(file) = load {
        unsupervised::nn::io::load(&mut model, Path::new(file))?;
    }
    if epochs > 0 {
        let recipe = Recipe {
            epochs,
            seed,
            progress: true,
            ..Recipe::plain()
        };
        let train = Images {
            pixels: &data.train,
            labels: &data.train_labels,
            side: 28,
        };
        let test = Images {
            pixels: &data.test,
            labels: &data.test_labels,
            side: 28,
        };
        classify::train_classifier(&mut model, &train, &test, &recipe)?;
    }
    Ok(model)
}

/// Values scaled so that `±max|v|` spans 0..255 (`signed`: zero is mid-grey), as a grey
/// image enlarged `factor` times.
fn heat(values: &[f32], side: usize, signed: bool, factor: usize) -> Result<Image> {
    let top = values.iter().fold(1e-12f32, |m, v| m.max(v.abs()));
    let v: Vec<f64> = values
        .iter()
        .map(|&x| f64::from(if signed { x } else { x.abs() } / top))
        .collect();
    let lo = if signed { -1.0 } else { 0.0 };
    Ok(plot::upscale(
        &Image::new(side, side, 1, plot::to_bytes(&v, lo, 1.0, false))?,
        factor,
    ))
}

/// Tiles same-sized images, `cols` to a row.
fn tiles(images: &[Image], cols: usize) -> Result<Image> {
    let first = &images[0];
    let refs: Vec<&[u8]> = images.iter().map(|i| i.pixels.as_slice()).collect();
    Ok(plot::image_grid(
        &refs,
        first.height,
        first.width,
        first.channels,
        cols,
        2,
    )?)
}

/// The CNN's figures: first-layer filters, activations of one digit, its saliency, and
/// an image optimised for each class.
fn cnn_figures(
    ctx: &TourContext,
    model: &mut Sequential<f32>,
    data: &DigitSplit,
    index: usize,
    class: usize,
    seed: u64,
) -> Result<Vec<Section>> {
    let (filters, k) = inspect::first_filters(model)?;
    let filter_tiles: Vec<Image> = filters
        .iter()
        .map(|f| heat(f, k, true, 8))
        .collect::<Result<_>>()?;
    let digit = digit_tensor(data, index)?;
    let acts = inspect::activations(model, &digit)?;
    let mut rows = Vec::new();
    for layer in [2, 3, 5, 6] {
        let a = &acts[layer];
        let side = a.shape()[2];
        for map in a.data().chunks(side * side).take(8) {
            rows.push(heat(map, side, false, 96 / side)?);
        }
    }
    let map = inspect::saliency(model, &digit, class)?;
    let pair = [
        shown_tensor(&digit.map(|p| p - 0.5))?,
        heat(map.data(), 28, false, 4)?,
    ];
    let x0 = Tensor::zeros(&[1, 1, 28, 28]);
    let mut classes = Vec::new();
    for c in 0..10 {
        let penalty = Penalty::Tv {
            lambda: 0.3,
            beta: 2.0,
        };
        let run = inspect::class_image(
            model,
            c,
            penalty,
            &x0,
            Method::Adam {
                learning_rate: 0.05,
            },
            100,
        )?;
        classes.push(heat(run.image.data(), 28, true, 3)?);
    }
    let _ = seed;
    Ok(vec![
        Section::figure(
            ctx.save_png("visualize-filters.png", &tiles(&filter_tiles, 8)?)?,
            "the 32 first-layer 5x5 filters of the trained MNIST CNN (grey 0, white positive, black negative)",
            "oriented strokes and blobs: edge and bar detectors learned from digits, like the lecture's hand-made kernels.",
        ),
        Section::figure(
            ctx.save_png("visualize-activations.png", &tiles(&rows, 8)?)?,
            &format!("8 maps of held-out digit {index} after conv1 (24x24), pool1 (12x12), conv2 (8x8) and pool2 (4x4)"),
            "shallow maps still show the digit's strokes, each map a different edge; deeper maps are coarse and abstract.",
        ),
        Section::figure(
            ctx.save_png("visualize-saliency.png", &tiles(&pair, 2)?)?,
            &format!("held-out digit {index} and the saliency |∂S_{class}/∂x| of its class score"),
            "the pixels on and next to the strokes light up: where ink would most change the score.",
        ),
        Section::figure(
            ctx.save_png("visualize-classes.png", &tiles(&classes, 10)?)?,
            "images from grey maximising each class score 0 to 9 (Adam, 100 steps, TV penalty λ = 0.3)",
            "ghostly strokes in the shape of each digit: what the network looks for, not a natural digit.",
        ),
    ])
}

// ---------------------------------------------------------------------------------------
// tour: chapter 15

/// Chapter 15: the kernel table on the grey photo, the MNIST CNN's filters, activations,
/// saliency and class images, inversion by layer and λ, a texture (L-BFGS against Adam)
/// and a style transfer. Quick mode works at 32 and 64 pixels.
pub fn tour_visualize(ctx: &TourContext) -> Result<Vec<Section>> {
    let mut sections = vec![kernel_grid(ctx)?];
    let (n_train, epochs) = if ctx.quick { (2000, 1) } else { (8000, 2) };
    let data = mnist_split(n_train, 2000)?;
    let mut model = cnn_on(&data, epochs, None, ctx.seed)?;
    sections.extend(cnn_figures(
        ctx,
        &mut model,
        &data,
        0,
        data.test_labels[0],
        ctx.seed,
    )?);
    sections.push(inversion_grid(ctx)?);
    sections.extend(texture_figures(ctx)?);
    Ok(sections)
}

/// The lecture's kernel table on the grey photo, reflect borders.
fn kernel_grid(ctx: &TourContext) -> Result<Section> {
    let grey = datasets::china_gray()?;
    let mut images = Vec::new();
    for (name, _, _) in filter::TABLE {
        let kernel = Kernel::named(name)?;
        images.push(shown(
            &grey,
            &filter::filter(&grey, &kernel, Border::Reflect)?,
            &kernel,
        )?);
    }
    Ok(Section::figure(
        ctx.save_png("visualize-kernels.png", &tiles(&images, 3)?)?,
        "lecture 004's kernels on the grey photo: identity, edge1, edge2, edge3 (top); sharpen, box blur (bottom). Edge maps show |g|",
        "the three edge detectors keep only where brightness changes (the Laplacians thinner and fainter); sharpen exaggerates detail, the box blur softens it.",
    ))
}

/// Inversion of the photo through 4 blocks of random filters, without and with the prior.
fn inversion_grid(ctx: &TourContext) -> Result<Section> {
    let size = if ctx.quick { 32 } else { 64 };
    let photo = datasets::china_rgb()?.downscale(128 / size)?;
    let original = image_tensor(&photo)?;
    let mut net = Tapped::random(3, &RANDOM_WIDTHS, ctx.seed)?;
    let x0 = faint_noise(&original, ctx.seed);
    let mut images = Vec::new();
    let mut rows = String::new();
    for lambda in [0.0, 1e-4] {
        let mut cells = String::new();
        for layer in 0..RANDOM_WIDTHS.len() {
            let run = visualize::invert(
                &mut net,
                layer,
                &original,
                lambda,
                2.0,
                &x0,
                Method::Lbfgs,
                200,
            )?;
            cells += &format!("<td>{:.1}</td>", psnr(&run.image, &original));
            images.push(tensor_image(&run.image)?);
        }
        rows += &format!("<tr><td>λ = {lambda:e}</td>{cells}</tr>");
    }
    let file = ctx.save_png(
        "visualize-inversion.png",
        &plot::upscale(&tiles(&images, 4)?, 128 / size),
    )?;
    Ok(Section {
        caption: format!(
            "the photo ({size}x{size}) reconstructed from the features of blocks 1 to 4 of a random network (32, 64, 128, 256 maps), λ = 0 (top) and λ = 1e-4 (bottom), β = 2, 200 L-BFGS iterations; PSNR in dB: <table><tr><th></th><th>1</th><th>2</th><th>3</th><th>4</th></tr>{rows}</table>"
        ),
        look_for: "deeper blocks (pooled three times more) keep less: the reconstruction turns to noise unless the TV prior fills in a smooth image.".into(),
        file: Some(file),
        html: String::new(),
    })
}

/// A texture from the flower by L-BFGS and by Adam (loss against time), and a style
/// transfer of the flower onto the Summer Palace.
fn texture_figures(ctx: &TourContext) -> Result<Vec<Section>> {
    let (size, iterations) = if ctx.quick { (32, 60) } else { (128, 300) };
    let factor = 128 / size;
    let source = datasets::flower_rgb()?.downscale(factor)?;
    let x = image_tensor(&source)?;
    let mut net = Multiscale::new(3, 32, &[3, 5, 7, 11, 15, 23], ctx.seed)?;
    let x0 = noise(&x, ctx.seed ^ 1);
    let lbfgs = visualize::texture(&mut net, &x, &x0, Method::Lbfgs, iterations)?;
    let adam = visualize::texture(
        &mut net,
        &x,
        &x0,
        Method::Adam {
            learning_rate: 0.02,
        },
        iterations,
    )?;
    let images = [
        source.clone(),
        tensor_image(&lbfgs.image)?,
        tensor_image(&adam.image)?,
    ];
    let curve = |run: &synthesis::Run| -> (Vec<f64>, Vec<f64>) {
        run.trace
            .iter()
            .map(|p| (p.seconds, p.loss.log10()))
            .unzip()
    };
    let (t1, l1) = curve(&lbfgs);
    let (t2, l2) = curve(&adam);
    let plot = Plot::new(&format!(
        "texture synthesis at {size}x{size}: Gram loss against time"
    ))
    .x_label("seconds")
    .y_label("log10 Σ E_l")
    .line(&t1, &l1, plot::class_color(0), "L-BFGS")?
    .line(&t2, &l2, plot::class_color(1), "Adam (0.02)")?;
    let content = image_tensor(&datasets::china_rgb()?.downscale(factor)?)?;
    let weights = StyleWeights {
        content: 1.0,
        style: 1e9,
        tv: 1.0,
    };
    let styled = visualize::style_transfer(
        &mut net,
        &content,
        &x,
        &[1],
        weights,
        &content,
        Method::Lbfgs,
        iterations,
    )?;
    let trio = [
        tensor_image(&content)?,
        source,
        tensor_image(&styled.image)?,
    ];
    Ok(vec![
        Section::figure(
            ctx.save_png("visualize-texture.png", &plot::upscale(&tiles(&images, 3)?, factor.min(2)))?,
            &format!(
                "the flower (left) and textures synthesised from noise by L-BFGS (middle) and Adam (right), {iterations} iterations each, random filters 32 x {{3, 5, 7, 11, 15, 23}}; Gram loss {:.2e} → {:.2e} and {:.2e}",
                lbfgs.start_loss(), lbfgs.final_loss(), adam.final_loss()
            ),
            "orange petals and green background in the right proportions, rearranged: the Gram matrices forget where things are.",
        ),
        Section::figure(
            ctx.save_svg("visualize-texture-loss.svg", &Figure::new("", 1, 520.0, 340.0).with(plot))?,
            "the Gram loss of both runs against wall-clock time",
            "L-BFGS falls orders of magnitude further in the same time; Adam's fixed step stalls.",
        ),
        Section::figure(
            ctx.save_png("visualize-style.png", &plot::upscale(&tiles(&trio, 3)?, factor.min(2)))?,
            &format!("style transfer: content (left), style (middle), result (right); α = 1, β = 1e9, λ_TV = 1, {iterations} L-BFGS iterations from the content"),
            "the palace's outline survives, repainted in the flower's orange and green strokes.",
        ),
    ])
}
