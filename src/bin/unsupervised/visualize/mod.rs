//! Chapter 15 on the command line: `unsupervised filter` ([`kernel`]), `texture`, `style`
//! and `invert` ([`optimize`]), and `saliency` ([`cnn`]), with the chapter's tour section.
//! This file holds what the commands share: the flags, reading photos, the optimiser
//! choice and the report of a run.

mod cnn;
mod kernel;
mod optimize;

use cnn::{cnn_figures, cnn_on, trained_cnn, SALIENCY};
use kernel::{kernel_grid, FILTER};
use optimize::{inversion_grid, shown_tensor, texture_figures, INVERT, STYLE, TEXTURE};

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
    Multiscale, Penalty, Prior, StyleWeights, Tapped,
};
use unsupervised::Rng;

pub const CHAPTER: Chapter = Chapter {
    name: "visualize",
    title: "15 · Seeing what a CNN sees",
    book_page: "15-visualize.html",
    commands: &[FILTER, TEXTURE, STYLE, INVERT, SALIENCY],
    tour: tour_visualize,
};

pub(super) const ITERATIONS: Flag =
    Flag::value("--iterations", "N", "optimiser iterations (default 200)");
pub(super) const OPTIMIZER: Flag = Flag::value(
    "--optimizer",
    "NAME",
    "lbfgs (default; strong-Wolfe line search) or adam",
);
pub(super) const LEARNING_RATE: Flag =
    Flag::value("--learning-rate", "R", "adam: step size (default 0.02)");
pub(super) const SIZE: Flag = Flag::value(
    "--size",
    "PX",
    "work at PX x PX: 128 (default, the photos' size), 64 or 32",
);
pub(super) const MAPS: Flag = Flag::value(
    "--maps",
    "N",
    "random filters per size (default 32; the paper has 128)",
);
pub(super) const SCALES: Flag = Flag::value(
    "--scales",
    "LIST",
    "filter sizes, odd, comma-separated (default 3,5,7,11,15,23; the paper adds 37,55)",
);
pub(super) const EPOCHS: Flag = Flag::value(
    "--epochs",
    "N",
    "epochs of the MNIST CNN's training (default 2)",
);

/// The photo `flag` names: an embedded one or a PNM file (`china` is grey when
/// `grey_china`, as the filter wants; `china-gray` and `china-rgb` always say which).
pub(crate) fn photo(args: &Args, flag: &str, default: &str, grey_china: bool) -> Result<Image> {
    let name = args.text(flag).unwrap_or(default);
    let image = match name {
        "china" if grey_china => datasets::china_gray(),
        "china-gray" => datasets::china_gray(),
        "china" | "china-rgb" => datasets::china_rgb(),
        "flower" => datasets::flower_rgb(),
        path => std::fs::read(path)
            .map_err(|e| unsupervised::Error::io(path, e))
            .and_then(|bytes| datasets::pnm::parse_pnm(&bytes, path)),
    };
    image.map_err(|e| {
        format!("{flag} {name}: {e} (expected china, china-gray, china-rgb, flower or a .pgm/.ppm file)").into()
    })
}

/// The photo at `--size` (a divisor of its side: 128, 64 or 32 for the 128-pixel photos).
pub(super) fn sized(args: &Args, image: Image, default: usize) -> Result<Image> {
    let size: usize = args.get("--size", "a whole number")?.unwrap_or(default);
    if size == 0 || !image.width.is_multiple_of(size) || image.width != image.height {
        return Err(format!(
            "--size {size}: must divide the square photo's side ({} x {})",
            image.width, image.height
        )
        .into());
    }
    Ok(image.downscale(image.width / size)?)
}

/// `--optimizer` and `--learning-rate`.
pub(super) fn method(args: &Args) -> Result<Method> {
    let adam = args.choice("--optimizer", "lbfgs", &[("lbfgs", false), ("adam", true)])?;
    if !adam {
        args.refuse("--learning-rate", "only adam has a step size")?;
        return Ok(Method::Lbfgs);
    }
    let learning_rate = args.get("--learning-rate", "a number")?.unwrap_or(0.02);
    Ok(Method::Adam { learning_rate })
}

pub(super) fn iterations(args: &Args) -> Result<usize> {
    let n: usize = args.get("--iterations", "a whole number")?.unwrap_or(200);
    if n == 0 {
        return Err("--iterations 0: must be at least 1".into());
    }
    Ok(n)
}

/// The multi-scale random network of `--maps` and `--scales`.
pub(super) fn random_filters(args: &Args, seed: u64) -> Result<Multiscale> {
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
pub(super) fn noise(like: &Tensor<f32>, seed: u64) -> Tensor<f32> {
    Tensor::uniform(like.shape(), -0.5, 0.5, &mut Rng::seed_from_u64(seed))
}

/// Grey with faint noise (±0.05), where inversion starts: from flat grey every ReLU of a
/// zero-bias random network is at its kink and the gradient is exactly zero.
pub(super) fn faint_noise(like: &Tensor<f32>, seed: u64) -> Tensor<f32> {
    Tensor::uniform(like.shape(), -0.05, 0.05, &mut Rng::seed_from_u64(seed ^ 2))
}

/// `{"…_start", "…_final", "seconds", "iterations", "evaluations", "converged"}` of a run.
pub(super) fn run_json(
    run: &synthesis::Run,
    loss: &'static str,
    extra: Vec<(&'static str, Json)>,
) -> Json {
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

/// Prints a synthesis's result: JSON, or a line per 10% of the run.
pub(super) fn report(args: &Args, run: &synthesis::Run, loss: &'static str, what: &str) -> Result {
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

/// Tiles same-sized images, `cols` to a row.
pub(super) fn tiles(images: &[Image], cols: usize) -> Result<Image> {
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
