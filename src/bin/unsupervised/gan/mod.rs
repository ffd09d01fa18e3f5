//! Chapter 14 on the command line: `unsupervised gan` and its tour section. This file
//! holds the command, its flags and what every data set shares; [`mixture`] runs the games
//! on the ring and the grid of Gaussians (modes counted as PacGAN's code counts them),
//! [`images`] the image GANs on MNIST, stacked MNIST and the planted blobs, and [`tour`]
//! the chapter's tour section.

mod images;
pub(crate) use images::image_spec;
mod mixture;
mod tour;

use images::{
    image_command, judge, nearest_grid, polar_command, stacked_command, stacked_grid,
    POLAR_TRAINING, STACKED_JUDGED, STACKED_TRAINING,
};
use mixture::{curves_figure, mixture_command, samples_plot};
pub use tour::tour_gan;

use crate::args::{Args, Command, Flag, JSON, LOAD, OUT, SAVE, SEED};
use crate::json::Json;
use crate::nn::{digit_grid, mnist_split, DigitSplit};
use crate::tour::{Chapter, Section, TourContext};
use crate::Result;
use std::path::Path;
use unsupervised::gan::images::{
    code_accuracy, conditional_samples, disentanglement, nearest, polar_blobs, stacked_mnist,
    stacked_modes, to_signed, to_unit, PIXELS,
};
use unsupervised::gan::latent::{arithmetic, code_sweeps, conditional_grid, traversal, walk};
use unsupervised::gan::quality::{quality, Judge};
use unsupervised::gan::theory::{pacgan_example, total_variation_power, Density};
use unsupervised::gan::Planes;
use unsupervised::gan::{
    generator_gradient_norm, train, train_critic, Gan, Kind, Mixture2d, Recipe, Report, Spec,
};
use unsupervised::image::Image;
use unsupervised::linalg::{Exec, Matrix};
use unsupervised::nn::classify::Images;
use unsupervised::nn::Layer;
use unsupervised::plot::{self, Figure, Plot};
use unsupervised::Rng;

pub const CHAPTER: Chapter = Chapter {
    name: "gan",
    title: "14 · Generative adversarial networks",
    book_page: "14-gan.html",
    commands: &[COMMAND],
    tour: tour_gan,
};

pub const COMMAND: Command = Command {
    name: "gan",
    about: "train GANs: modes of 2-D Gaussians (GAN, WGAN, WGAN-GP, PacGAN); DCGAN, conditional GAN and InfoGAN on MNIST, judged by a CNN; PacDCGAN on stacked MNIST; InfoGAN-CR on planted factors (chapter 14)",
    flags: &[
        Flag::value("--kind", "NAME", "gan (minimax), nsgan (−log D, default), wgan (clipping), wgan-gp, pacgan (nsgan with --packing 2); on images also dcgan, cgan (conditional DCGAN), infogan, infogan-cr (InfoGAN with the contrastive regulariser) and pacdcgan (DCGAN with --packing 2)"),
        Flag::value("--data", "NAME", "ring8 (default: 8 modes on the unit circle, σ 0.01), grid25 (5 x 5 modes, σ 0.05), mnist (default for dcgan, cgan and infogan), stacked-mnist (3 digits as channels, 1,000 modes; default for pacdcgan) or polar (a blob at planted angle and radius; default for infogan-cr)"),
        Flag::value("--packing", "M", "samples the discriminator judges at once (default 1; 2 for pacgan)"),
        Flag::value("--steps", "N", "generator steps (default 2500 on the Gaussians, 3000 on MNIST; 0 with --load only scores)"),
        Flag::value("--critic-steps", "K", "discriminator steps per generator step (default 1; 5 for wgan and wgan-gp)"),
        Flag::value("--clip", "C", "wgan: clip the critic's weights to [−C, C] (default 0.01)"),
        Flag::value("--lambda", "L", "wgan-gp: weight of the gradient penalty (default 10)"),
        Flag::value("--latent", "K", "size of the noise z (default 2 on the Gaussians; on MNIST 64 for the perceptrons, 100 for DCGAN, 62 for InfoGAN; on polar 2 beside the codes, 4 for DCGAN)"),
        Flag::value("--width", "W", "MNIST: DCGAN's base channel count (default 32) or the perceptrons' width (default 256)").sets("generator_width"),
        Flag::value("--categories", "K", "infogan, infogan-cr: values of the categorical code (default 10 on MNIST, 0 on polar)"),
        Flag::value("--continuous", "N", "infogan, infogan-cr: continuous codes, each uniform on [−1, 1] (default 2)"),
        Flag::value("--batch-size", "N", "packed samples per minibatch (default 100 on the Gaussians, 64 on MNIST)"),
        Flag::value("--learning-rate", "R", "step size (default 0.0001 with Adam, 0.0002 with DCGAN's Adam on MNIST; 0.00005 with RMSProp for wgan)"),
        LOAD,
        SAVE,
        SEED,
        OUT,
        JSON,
    ],
    run: gan_command,
};

/// Samples scored, as in PacGAN's code.
pub(super) const SCORED: usize = 2500;

/// Generated digits judged by the evaluator (as many as the held-out real ones).
pub(super) const JUDGED: usize = 2000;

/// The kinds that train on the 2-D Gaussians, and those that need images.
pub(super) const MIXTURE_KINDS: [&str; 5] = ["gan", "nsgan", "wgan", "wgan-gp", "pacgan"];
pub(super) const IMAGE_KINDS: [&str; 5] = ["dcgan", "cgan", "infogan", "infogan-cr", "pacdcgan"];

/// `--kind` as a game and its default packing.
pub(super) fn kind(args: &Args, name: &str) -> Result<(Kind, usize)> {
    if name != "wgan" {
        args.refuse("--clip", "only wgan clips the critic's weights")?;
    }
    if name != "wgan-gp" {
        args.refuse("--lambda", "only wgan-gp has a gradient penalty")?;
    }
    Ok(match name {
        "gan" => (Kind::Minimax, 1),
        "wgan" => (
            Kind::Wasserstein {
                clip: args.get("--clip", "a number")?.unwrap_or(0.01),
            },
            1,
        ),
        "wgan-gp" => (
            Kind::GradientPenalty {
                lambda: args.get("--lambda", "a number")?.unwrap_or(10.0),
            },
            1,
        ),
        "pacgan" => (Kind::NonSaturating, 2),
        _ => (Kind::NonSaturating, 1),
    })
}

/// `--steps`, `--critic-steps`, `--batch-size` and `--learning-rate` over a recipe.
pub(super) fn recipe_flags(args: &Args, recipe: &mut Recipe, default_steps: usize) -> Result<()> {
    recipe.steps = args
        .get("--steps", "a whole number")?
        .unwrap_or(default_steps);
    if recipe.steps == 0 && !args.has("--load") {
        return Err(
            "--steps 0: nothing to score without --load (0 steps only scores a loaded model)"
                .into(),
        );
    }
    if let Some(k) = args.get("--critic-steps", "a whole number")? {
        recipe.critic_steps = k;
    }
    if let Some(b) = args.get("--batch-size", "a whole number")? {
        recipe.batch_size = b;
    }
    if let Some(r) = args.get("--learning-rate", "a number")? {
        recipe.learning_rate = r;
    }
    Ok(())
}

/// `unsupervised gan --kind pacgan --data ring8 --steps N --seed 0 --json`:
/// `{"modes_captured": m, "high_quality": q, "steps": n, "seconds": s, ...}`;
/// `unsupervised gan --kind dcgan|cgan|infogan --data mnist --json`:
/// `{"frechet": f, "class_entropy": h, "seconds": s, ...}`.
pub fn gan_command(args: &Args) -> Result {
    let names: Vec<(&str, &str)> = MIXTURE_KINDS
        .iter()
        .chain(&IMAGE_KINDS)
        .map(|&k| (k, k))
        .collect();
    let kind_name = args.choice("--kind", "nsgan", &names)?;
    let images_only = IMAGE_KINDS.contains(&kind_name);
    let default_data = match kind_name {
        "pacdcgan" => "stacked-mnist",
        "infogan-cr" => "polar",
        _ if images_only => "mnist",
        _ => "ring8",
    };
    let data_name = args.choice(
        "--data",
        default_data,
        &[
            ("ring8", "ring8"),
            ("grid25", "grid25"),
            ("mnist", "mnist"),
            ("stacked-mnist", "stacked-mnist"),
            ("polar", "polar"),
        ],
    )?;
    match data_name {
        "mnist" => return image_command(args, kind_name),
        "stacked-mnist" => return stacked_command(args, kind_name),
        "polar" => return polar_command(args, kind_name),
        _ => {}
    }
    if images_only {
        return Err(format!(
            "--kind {kind_name}: needs images (--data mnist, stacked-mnist or polar), not --data {data_name}"
        )
        .into());
    }
    for flag in ["--width", "--categories", "--continuous"] {
        args.refuse(
            flag,
            "only the image data have it (--data mnist, stacked-mnist or polar)",
        )?;
    }
    mixture_command(args, kind_name, data_name)
}

/// The training log as JSON entries.
pub(super) fn log_entries(report: &Report) -> Vec<(&'static str, Json)> {
    let steps: Vec<f64> = report.steps.iter().map(|&s| s as f64).collect();
    let mut out = vec![
        ("log_steps", Json::nums(&steps)),
        ("critic_loss", Json::nums(&report.critic_loss)),
        ("generator_loss", Json::nums(&report.generator_loss)),
        ("critic_gap", Json::nums(&report.critic_gap)),
    ];
    if !report.info_loss.is_empty() {
        out.push(("info_loss", Json::nums(&report.info_loss)));
    }
    if !report.contrast_loss.is_empty() {
        out.push(("contrast_loss", Json::nums(&report.contrast_loss)));
    }
    out
}
