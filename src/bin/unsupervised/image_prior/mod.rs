//! Chapter 16 on the command line: `unsupervised prior` restores a photo with an untrained
//! network (denoising, inpainting, super-resolution: [`run`]) or inpaints a digit through a
//! trained GAN's latent space ([`digits`]), and the chapter's tour section ([`tour`]).
//! This file holds the command, its flags and what they are turned into.

mod digits;
mod run;
mod tour;

use digits::gan_inpaint_command;
use run::{curve_figure, run_prior, trace_csv};
pub use tour::tour_image_prior;

use crate::args::{Args, Command, Flag, JSON, OUT, SEED};
use crate::json::Json;
use crate::nn::{digit_grid, mnist_split};
use crate::tour::{Chapter, Section, TourContext};
use crate::visualize::photo;
use crate::Result;
use std::path::Path;
use std::time::Instant;
use unsupervised::autoencoder::psnr;
use unsupervised::datasets;
use unsupervised::gan::images::{to_signed, to_unit};
use unsupervised::gan::Gan;
use unsupervised::image::Image;
use unsupervised::image_prior::{
    self, baselines, code, degrade, inpaint_latent, random_mask, restore, text_mask, Baseline,
    Degradation, LatentSettings, Restoration, Schedule, SkipNet, SkipSpec, Stop,
};
use unsupervised::nn::Layer;
use unsupervised::plot::{self, Figure, Plot};
use unsupervised::visualize::{image_tensor, tensor_image};
use unsupervised::Rng;

pub const CHAPTER: Chapter = Chapter {
    name: "image_prior",
    title: "16 · The deep image prior",
    book_page: "16-image_prior.html",
    commands: &[PRIOR],
    tour: tour_image_prior,
};

pub const PRIOR: Command = Command {
    name: "prior",
    about: "restore a photo with an untrained network, or a digit through a GAN (chapter 16)",
    flags: &[
        Flag::value("--task", "NAME", "denoise (default), inpaint, superres or gan-inpaint"),
        Flag::value("--image", "NAME", "china-gray (default; 256 x 256), china, flower (colour, 128 x 128) or a .pgm/.ppm file"),
        Flag::value("--size", "PX", "work on the central PX x PX after shrinking by a whole factor: 128 (default) or 256 (china-gray and files only)"),
        Flag::value("--sigma", "S", "denoise: noise standard deviation on the 0–255 scale (default 25)"),
        Flag::value("--mask", "NAME", "inpaint, gan-inpaint: random (default), text, half (the lower half hidden), or a .pgm file of the image's size (black = hidden)"),
        Flag::value("--drop", "F", "--mask random: fraction of pixels hidden (default 0.5)"),
        Flag::value("--factor", "K", "superres: the photo is seen K times smaller (default 4)"),
        Flag::value("--iterations", "N", "most Adam steps on the weights (default 3000; the stopping rule usually ends sooner)"),
        Flag::value("--learning-rate", "R", "Adam's step (default 0.01, the paper's)"),
        Flag::value("--width", "C", "channels at every scale (default 32; the paper's is 128) or, for gan-inpaint, the DCGAN's base width (default 32)"),
        Flag::value("--scales", "N", "times the network halves the side (default 5)"),
        Flag::value("--smoothing", "S", "weight of the past in the running average of outputs (default 0.99, the paper's; 0 for none)"),
        Flag::value("--code-noise", "SD", "noise added to the code at every step (default 1/30, the paper's)"),
        Flag::value("--stop", "RULE", "discrepancy (default for denoise: the averaged loss reaches σ²) or variance (ES-WMV; the default otherwise)"),
        Flag::value("--window", "W", "ES-WMV: outputs whose variance is watched (default 100)"),
        Flag::value("--patience", "P", "ES-WMV: iterations without a new lowest variance before stopping (default 300)"),
        Flag::switch("--run-on", "keep fitting after the rule stops, to --iterations (to see the PSNR fall)"),
        Flag::value("--load", "FILE", "gan-inpaint: the generator saved by `unsupervised gan --kind dcgan --save FILE`"),
        Flag::value("--digit", "K", "gan-inpaint: which held-out MNIST digit (default 0)"),
        Flag::value("--restarts", "N", "gan-inpaint: latent starts optimised at once (default 16)"),
        SEED,
        OUT,
        JSON,
    ],
    run: prior_command,
};

/// `prior --task denoise|inpaint|superres|gan-inpaint`.
fn prior_command(args: &Args) -> Result {
    let task = args.choice(
        "--task",
        "denoise",
        &[
            ("denoise", 0),
            ("inpaint", 1),
            ("superres", 2),
            ("gan-inpaint", 3),
        ],
    )?;
    const TASKS: [&str; 4] = ["denoise", "inpaint", "superres", "gan-inpaint"];
    // Which tasks read each task-specific flag: any other task refuses it.
    let readers: [(&str, &[usize]); 10] = [
        ("--image", &[0, 1, 2]),
        ("--size", &[0, 1, 2]),
        ("--sigma", &[0]),
        ("--mask", &[1, 3]),
        ("--drop", &[1, 3]),
        ("--factor", &[2]),
        ("--scales", &[0, 1, 2]),
        ("--load", &[3]),
        ("--digit", &[3]),
        ("--restarts", &[3]),
    ];
    for (flag, tasks) in readers {
        if !tasks.contains(&task) {
            let users: Vec<&str> = tasks.iter().map(|&t| TASKS[t]).collect();
            args.refuse(
                flag,
                &format!("only --task {} reads it", users.join(" or ")),
            )?;
        }
    }
    if args.text("--mask").is_some_and(|m| m != "random") {
        args.refuse("--drop", "only --mask random hides a fraction")?;
    }
    if task == 3 {
        return gan_inpaint_command(args);
    }
    let seed = args.seed()?;
    let clean = sized(args, photo(args, "--image", "china-gray", false)?)?;
    let degradation = degradation(args, task, clean.height, clean.width, seed)?;
    let sigma = match degradation {
        Degradation::Noise { sigma } => Some(sigma),
        _ => None,
    };
    let schedule = schedule(args, sigma)?;
    let spec = spec(args, clean.channels, 32)?;
    spec.check(clean.height, clean.width).map_err(|_| {
        format!(
            "--size {}: {} scales need a multiple of {}",
            clean.width,
            spec.down.len(),
            1 << spec.down.len()
        )
    })?;
    let started = Instant::now();
    let out = run_prior(&clean, &degradation, &spec, &schedule, seed)?;
    let seconds = started.elapsed().as_secs_f64();
    if let Some(ctx) = TourContext::for_out(args)? {
        ctx.save_png("clean.png", &clean)?;
        ctx.save_png("corrupted.png", &out.corrupted)?;
        ctx.save_png("restored.png", &tensor_image(&out.fit.image)?)?;
        if let Some((_, _, best)) = &out.fit.best {
            ctx.save_png("best.png", &tensor_image(best)?)?;
        }
        ctx.save_png("last.png", &tensor_image(&out.fit.last)?)?;
        ctx.save_svg("psnr.svg", &curve_figure(&out, "")?)?;
        ctx.save("trace.csv", trace_csv(&out.fit).as_bytes())?;
    }
    let fit = &out.fit;
    let best = fit
        .best
        .as_ref()
        .map(|b| (b.0, b.1))
        .unwrap_or((0, f64::NAN));
    if args.has("--json") {
        let base = out
            .baselines
            .iter()
            .map(|b| {
                (
                    b.name,
                    Json::Obj(vec![
                        ("setting", Json::Str(b.setting.clone())),
                        ("psnr", Json::Num(b.psnr)),
                    ]),
                )
            })
            .collect();
        say!(
            "{}",
            Json::Obj(vec![
                ("psnr_noisy", Json::Num(out.psnr_observed)),
                (
                    "psnr_at_stop",
                    Json::Num(fit.psnr_at_stop().unwrap_or(f64::NAN))
                ),
                ("best_psnr", Json::Num(best.1)),
                ("best_iteration", Json::Int(best.0 as i64)),
                ("stop_iteration", Json::Int(fit.stop_iteration as i64)),
                (
                    "fired_at",
                    fit.fired_at
                        .map_or(Json::Num(f64::NAN), |t| Json::Int(t as i64))
                ),
                ("iterations_run", Json::Int(fit.trace.len() as i64)),
                ("baselines", Json::Obj(base)),
                ("params", Json::Int(out.params as i64)),
                ("seconds", Json::Num(seconds)),
            ])
            .render()
        );
        return Ok(());
    }
    let step = (fit.trace.len() / 10).max(1);
    for (i, s) in fit.trace.iter().enumerate().step_by(step) {
        say!(
            "iteration {}: loss {:.3e}, PSNR {:.2} dB, window variance {}",
            i + 1,
            s.loss,
            s.psnr.unwrap_or(f64::NAN),
            s.signal.map_or("(filling)".into(), |v| format!("{v:.3e}"))
        );
    }
    say!(
        "corrupted: {:.2} dB; {} parameters",
        out.psnr_observed,
        out.params
    );
    for b in &out.baselines {
        say!("{} ({}): {:.2} dB", b.name, b.setting, b.psnr);
    }
    say!(
        "deep image prior: {:.2} dB at the stop (iteration {}{}), best {:.2} dB at iteration {}; {:.1} s",
        fit.psnr_at_stop().unwrap_or(f64::NAN),
        fit.stop_iteration,
        fit.fired_at.map_or(", rule never fired".into(), |t| format!(", rule fired at {t}")),
        best.1,
        best.0,
        seconds
    );
    Ok(())
}

/// The central `--size` square after shrinking by the largest whole factor that keeps it.
fn sized(args: &Args, image: Image) -> Result<Image> {
    let size: usize = args.get("--size", "a whole number")?.unwrap_or(128);
    let side = image.width.min(image.height);
    if size < 8 || size > side {
        return Err(format!(
            "--size {size}: must be between 8 and the image's smaller side ({side})"
        )
        .into());
    }
    let small = image.downscale(side / size)?;
    let (x0, y0) = ((small.width - size) / 2, (small.height - size) / 2);
    let c = small.channels;
    let mut pixels = Vec::with_capacity(size * size * c);
    for y in y0..y0 + size {
        pixels.extend_from_slice(
            &small.pixels[(y * small.width + x0) * c..(y * small.width + x0 + size) * c],
        );
    }
    Ok(Image::new(size, size, c, pixels)?)
}

/// `--sigma`, `--mask`/`--drop` or `--factor` for the task.
fn degradation(args: &Args, task: usize, h: usize, w: usize, seed: u64) -> Result<Degradation> {
    let d = match task {
        0 => {
            let sigma: f64 = args.get("--sigma", "a number")?.unwrap_or(25.0);
            if !(sigma > 0.0 && sigma <= degrade::MAX_SIGMA) {
                return Err(format!(
                    "--sigma {sigma}: must be above 0 (or there is no noise to remove) and at most {}",
                    degrade::MAX_SIGMA
                )
                .into());
            }
            Degradation::Noise { sigma }
        }
        1 => Degradation::Mask {
            keep: mask(args, h, w, seed)?,
        },
        _ => {
            let factor: usize = args.get("--factor", "a whole number")?.unwrap_or(4);
            if !(2..=degrade::MAX_FACTOR).contains(&factor) || !h.is_multiple_of(factor) {
                return Err(format!(
                    "--factor {factor}: must be between 2 and {} and divide the size {h}",
                    degrade::MAX_FACTOR
                )
                .into());
            }
            Degradation::Downsample { factor }
        }
    };
    Ok(d)
}

/// `--mask random|text|FILE` for an `h x w` image.
fn mask(args: &Args, h: usize, w: usize, seed: u64) -> Result<Vec<bool>> {
    match args.text("--mask").unwrap_or("random") {
        "random" => {
            let drop: f64 = args.get("--drop", "a number")?.unwrap_or(0.5);
            if !(0.0..1.0).contains(&drop) {
                return Err(format!("--drop {drop}: must be at least 0 and below 1").into());
            }
            Ok(random_mask(
                h,
                w,
                drop,
                &mut Rng::seed_from_u64(seed ^ 0x3a5c),
            )?)
        }
        "text" => Ok(text_mask(h, w, degrade::TEXT, (w / 128).max(1))?),
        "half" => Ok((0..h * w).map(|i| i < h / 2 * w).collect()),
        path => {
            let bytes = std::fs::read(path).map_err(|e| format!("--mask {path}: {e}"))?;
            let m = datasets::pnm::parse_pnm(&bytes, path)
                .map_err(|e| format!("--mask {path}: {e}"))?;
            if (m.width, m.height) != (w, h) {
                return Err(format!(
                    "--mask {path}: the mask is {} x {}, the image {w} x {h}",
                    m.width, m.height
                )
                .into());
            }
            Ok(m.pixels
                .chunks(m.channels)
                .map(|p| p.iter().any(|&v| v >= 128))
                .collect())
        }
    }
}

/// `--iterations`, `--learning-rate`, `--smoothing`, `--code-noise`, `--run-on` and the
/// stopping rule: `--stop discrepancy` (the default for noise of level `sigma`) or
/// `variance` with `--window` and `--patience`.
fn schedule(args: &Args, sigma: Option<f64>) -> Result<Schedule> {
    let d = Schedule::default();
    let default_rule = if sigma.is_some() {
        "discrepancy"
    } else {
        "variance"
    };
    let variance = args.choice(
        "--stop",
        default_rule,
        &[("discrepancy", false), ("variance", true)],
    )?;
    let stop = match (variance, sigma) {
        (false, Some(sigma)) => {
            for flag in ["--window", "--patience"] {
                args.refuse(flag, "only --stop variance watches a window")?;
            }
            Stop::noise(sigma)
        }
        (false, None) => {
            return Err("--stop discrepancy: needs a known noise level (--task denoise)".into())
        }
        (true, _) => Stop::Variance {
            window: args.get("--window", "a whole number")?.unwrap_or(100),
            patience: args.get("--patience", "a whole number")?.unwrap_or(300),
        },
    };
    let schedule = Schedule {
        iterations: args
            .get("--iterations", "a whole number")?
            .unwrap_or(d.iterations),
        learning_rate: args
            .get("--learning-rate", "a number")?
            .unwrap_or(d.learning_rate),
        code_noise: args
            .get("--code-noise", "a number")?
            .unwrap_or(d.code_noise),
        smoothing: args.get("--smoothing", "a number")?.unwrap_or(d.smoothing),
        stop,
        run_on: args.has("--run-on"),
    };
    // The library's check, its parameter named as the flag that set it.
    schedule
        .check()
        .map_err(|e| -> Box<dyn std::error::Error> {
            match e {
                unsupervised::Error::InvalidParameter {
                    name,
                    value,
                    reason,
                } => format!("--{} {value}: {reason}", name.replace('_', "-")).into(),
                other => other.into(),
            }
        })?;
    Ok(schedule)
}

/// `--width` and `--scales` for an image of `channels`.
fn spec(args: &Args, channels: usize, default_width: usize) -> Result<SkipSpec> {
    let width: usize = args
        .get("--width", "a whole number")?
        .unwrap_or(default_width);
    let scales: usize = args.get("--scales", "a whole number")?.unwrap_or(5);
    if !(1..=image_prior::network::MAX_CHANNELS).contains(&width) {
        return Err(format!(
            "--width {width}: must be between 1 and {}",
            image_prior::network::MAX_CHANNELS
        )
        .into());
    }
    if !(1..=image_prior::network::MAX_SCALES).contains(&scales) {
        return Err(format!(
            "--scales {scales}: must be between 1 and {}",
            image_prior::network::MAX_SCALES
        )
        .into());
    }
    Ok(SkipSpec::scaled(channels, scales, width))
}
