//! Chapter 16 on the command line: `unsupervised prior` restores a photo with an untrained
//! network (denoising, inpainting, super-resolution) or inpaints a digit through a trained
//! GAN's latent space, and the chapter's tour section.

use crate::args::{Args, Command, Flag, JSON, OUT, SEED};
use crate::json::Json;
use crate::nn::{digit_grid, mnist_split};
use crate::tour::{Chapter, Section, TourContext};
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
    let clean = sized(args, photo(args)?)?;
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

/// A restoration with what it is judged against.
struct PriorRun {
    corrupted: Image,
    psnr_observed: f64,
    fit: Restoration,
    baselines: Vec<Baseline>,
    params: usize,
    /// The rule that chose the stop.
    fit_stop: Stop,
}

// ANCHOR: run_prior
/// Corrupts `clean`, runs the baselines and fits the deep image prior, every random choice
/// from `seed` (noise, network, code, code noise).
fn run_prior(
    clean: &Image,
    degradation: &Degradation,
    spec: &SkipSpec,
    schedule: &Schedule,
    seed: u64,
) -> Result<PriorRun> {
    let corrupted = degradation.corrupt(clean, &mut Rng::seed_from_u64(seed ^ 0x5eed))?;
    let (x, y) = (image_tensor(clean)?, image_tensor(&corrupted)?);
    let psnr_observed = match degradation {
        Degradation::Downsample { factor } => psnr(
            x.data(),
            image_tensor(&plot::upscale(&corrupted, *factor))?.data(),
        ),
        _ => psnr(x.data(), y.data()),
    };
    let baselines = baselines(&y, degradation, &x)?;
    let mut net = SkipNet::new(spec, seed)?;
    let z = code(spec.code, clean.height, clean.width, seed ^ 1);
    let fit = restore(&mut net, &z, &y, degradation, schedule, Some(&x), seed ^ 2)?;
    Ok(PriorRun {
        corrupted,
        psnr_observed,
        fit,
        baselines,
        params: net.n_params(),
        fit_stop: schedule.stop,
    })
}
// ANCHOR_END: run_prior

/// PSNR over the iterations, with the stop, the best and the baselines marked; below it,
/// ES-WMV's variance.
fn curve_figure(run: &PriorRun, title: &str) -> Result<Figure> {
    let trace = &run.fit.trace;
    let its: Vec<f64> = (1..=trace.len()).map(|t| t as f64).collect();
    let psnrs: Vec<f64> = trace.iter().map(|s| s.psnr.unwrap_or(f64::NAN)).collect();
    let lo = psnrs
        .iter()
        .copied()
        .filter(|p| p.is_finite())
        .fold(run.psnr_observed, f64::min)
        - 1.0;
    let hi = psnrs
        .iter()
        .copied()
        .filter(|p| p.is_finite())
        .fold(f64::MIN, f64::max)
        + 1.0;
    let n = its.len() as f64;
    let mut top = Plot::new(format!("{title}PSNR against the clean image"))
        .x_label("iteration")
        .y_label("PSNR (dB)")
        .y_range(lo, hi)
        .line(&its, &psnrs, plot::class_color(0), "deep image prior")?
        .dashed_line(&[1.0, n], &[run.psnr_observed; 2], "#888")?
        .text(n * 0.02, run.psnr_observed + 0.3, "corrupted", "#888");
    for (k, b) in run.baselines.iter().enumerate() {
        top = top.line(
            &[1.0, n],
            &[b.psnr; 2],
            plot::class_color(k + 2),
            &format!("{} ({})", b.name, b.setting),
        )?;
    }
    let stop = run.fit.stop_iteration as f64;
    top = top
        .dashed_line(&[stop, stop], &[lo, hi], plot::class_color(1))?
        .text(stop, hi - 0.5, "stop", plot::class_color(1));
    let (vi, vs): (Vec<f64>, Vec<f64>) = trace
        .iter()
        .enumerate()
        .filter_map(|(i, s)| s.signal.map(|v| ((i + 1) as f64, v.log10())))
        .unzip();
    let bottom = match run.fit_stop {
        Stop::Discrepancy { level } => {
            Plot::new("discrepancy: log10 running mean of the loss, and σ² (dashed)")
                .y_label("log10 loss")
                .dashed_line(&[1.0, n.max(2.0)], &[level.log10(); 2], "#888")?
        }
        Stop::Variance { window, .. } => Plot::new(format!(
            "ES-WMV: log10 variance of the last {window} outputs"
        ))
        .y_label("log10 variance"),
    };
    let bottom = bottom.x_label("iteration").x_range(1.0, n.max(2.0)).line(
        &vi,
        &vs,
        plot::class_color(1),
        "",
    )?;
    Ok(Figure::new("", 1, 560.0, 300.0).with(top).with(bottom))
}

/// One line per iteration: `iteration,loss,psnr,variance` (empty where not known).
fn trace_csv(fit: &Restoration) -> String {
    let mut csv = String::from("iteration,loss,psnr,variance\n");
    for (i, s) in fit.trace.iter().enumerate() {
        let opt = |v: Option<f64>| v.map_or(String::new(), |v| format!("{v}"));
        csv += &format!("{},{},{},{}\n", i + 1, s.loss, opt(s.psnr), opt(s.signal));
    }
    csv
}

/// `--image`: an embedded photo or a PNM file.
fn photo(args: &Args) -> Result<Image> {
    let name = args.text("--image").unwrap_or("china-gray");
    let image = match name {
        "china-gray" => datasets::china_gray(),
        "china" => datasets::china_rgb(),
        "flower" => datasets::flower_rgb(),
        path => std::fs::read(path)
            .map_err(|e| unsupervised::Error::io(path, e))
            .and_then(|bytes| datasets::pnm::parse_pnm(&bytes, path)),
    };
    image.map_err(|e| {
        format!("--image {name}: {e} (expected china-gray, china, flower or a .pgm/.ppm file)")
            .into()
    })
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
    let most = image_prior::fit::MAX_ITERATIONS;
    let iterations = args
        .get("--iterations", "a whole number")?
        .unwrap_or(d.iterations);
    if !(1..=most).contains(&iterations) {
        return Err(format!("--iterations {iterations}: must be between 1 and {most}").into());
    }
    let learning_rate = args
        .get("--learning-rate", "a number")?
        .unwrap_or(d.learning_rate);
    if !(learning_rate > 0.0 && f64::is_finite(learning_rate)) {
        return Err(format!("--learning-rate {learning_rate}: must be positive").into());
    }
    let smoothing = args.get("--smoothing", "a number")?.unwrap_or(d.smoothing);
    if !(0.0..1.0).contains(&smoothing) {
        return Err(format!("--smoothing {smoothing}: must be at least 0 and below 1").into());
    }
    let code_noise = args
        .get("--code-noise", "a number")?
        .unwrap_or(d.code_noise);
    if !(0.0..=1.0).contains(&code_noise) {
        return Err(format!(
            "--code-noise {code_noise}: must be between 0 and 1 (the code itself lies in [0, 0.1))"
        )
        .into());
    }
    let variance = args.choice(
        "--stop",
        if sigma.is_some() {
            "discrepancy"
        } else {
            "variance"
        },
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
        (true, _) => {
            let window = args.get("--window", "a whole number")?.unwrap_or(100);
            if !(2..=most).contains(&window) {
                return Err(format!("--window {window}: must be between 2 and {most}").into());
            }
            let patience = args.get("--patience", "a whole number")?.unwrap_or(300);
            if !(1..=most).contains(&patience) {
                return Err(format!("--patience {patience}: must be between 1 and {most}").into());
            }
            Stop::Variance { window, patience }
        }
    };
    Ok(Schedule {
        iterations,
        learning_rate,
        code_noise,
        smoothing,
        stop,
        run_on: args.has("--run-on"),
    })
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

// ---------------------------------------------------------------------------------------
// gan-inpaint

/// The outcome of inpainting one digit both ways.
struct DigitRun {
    /// Clean, observed, latent prior, deep image prior; pixels in [0, 1].
    rows: Vec<Vec<f32>>,
    psnr_observed: f64,
    psnr_latent: f64,
    dip: Restoration,
}

/// `prior --task gan-inpaint --load FILE`: a held-out digit with `--drop` of its pixels
/// hidden, inpainted through the DCGAN's latent space and by the deep image prior.
fn gan_inpaint_command(args: &Args) -> Result {
    let file = args.text("--load").ok_or(
        "--task gan-inpaint needs --load FILE: a DCGAN generator trained on MNIST (unsupervised gan --kind dcgan --save FILE)",
    )?;
    let seed = args.seed()?;
    let width: Option<usize> = args.get("--width", "a whole number")?;
    let mut gan = Gan::new(
        crate::gan::image_spec("dcgan", "mnist", width, (0, 0)),
        &mut Rng::seed_from_u64(seed),
    )?;
    unsupervised::nn::io::load(&mut gan, Path::new(file))
        .map_err(|e| format!("--load {file}: {e}"))?;
    let digit: usize = args.get("--digit", "a whole number")?.unwrap_or(0);
    let split = mnist_split(0, 2000)?;
    if digit >= split.test_labels.len() {
        return Err(format!(
            "--digit {digit}: there are {} held-out digits",
            split.test_labels.len()
        )
        .into());
    }
    let restarts: usize = args.get("--restarts", "a whole number")?.unwrap_or(16);
    if !(1..=image_prior::latent::MAX_RESTARTS).contains(&restarts) {
        return Err(format!(
            "--restarts {restarts}: must be between 1 and {}",
            image_prior::latent::MAX_RESTARTS
        )
        .into());
    }
    let settings = LatentSettings {
        restarts,
        ..LatentSettings::default()
    };
    let schedule = Schedule {
        iterations: args.get("--iterations", "a whole number")?.unwrap_or(1000),
        ..schedule(args, None)?
    };
    let keep = mask(args, 28, 28, seed)?;
    let started = Instant::now();
    let run = inpaint_digit(
        &mut gan,
        &split.test[digit * 784..(digit + 1) * 784],
        &keep,
        &settings,
        &schedule,
        seed,
    )?;
    let seconds = started.elapsed().as_secs_f64();
    if let Some(ctx) = TourContext::for_out(args)? {
        let all: Vec<f32> = run.rows.concat();
        ctx.save_png("digits.png", &digit_grid(&all, 4)?)?;
    }
    let dip = &run.dip;
    if args.has("--json") {
        say!(
            "{}",
            Json::Obj(vec![
                ("digit", Json::Int(digit as i64)),
                ("label", Json::Int(split.test_labels[digit] as i64)),
                ("psnr_noisy", Json::Num(run.psnr_observed)),
                ("psnr_latent", Json::Num(run.psnr_latent)),
                (
                    "psnr_at_stop",
                    Json::Num(dip.psnr_at_stop().unwrap_or(f64::NAN))
                ),
                (
                    "best_psnr",
                    Json::Num(dip.best.as_ref().map_or(f64::NAN, |b| b.1))
                ),
                ("stop_iteration", Json::Int(dip.stop_iteration as i64)),
                ("seconds", Json::Num(seconds)),
            ])
            .render()
        );
        return Ok(());
    }
    say!(
        "digit {digit} (a {}): observed {:.2} dB; GAN latent prior {:.2} dB; deep image prior {:.2} dB at its stop (best {:.2}); {seconds:.1} s",
        split.test_labels[digit],
        run.psnr_observed,
        run.psnr_latent,
        dip.psnr_at_stop().unwrap_or(f64::NAN),
        dip.best.as_ref().map_or(f64::NAN, |b| b.1)
    );
    Ok(())
}

// ANCHOR: inpaint_digit
/// One digit (pixels in [0, 1]) inpainted from the `keep` pixels through the GAN's latent
/// space and by a deep image prior of 2 scales (28 = 4 · 7).
fn inpaint_digit(
    gan: &mut Gan,
    digit: &[f32],
    keep: &[bool],
    settings: &LatentSettings,
    schedule: &Schedule,
    seed: u64,
) -> Result<DigitRun> {
    let observed: Vec<f32> = digit
        .iter()
        .zip(keep)
        .map(|(&p, &k)| if k { p } else { 0.0 })
        .collect();
    let latent = inpaint_latent(gan, &to_signed(&observed), keep, settings, seed)?;
    let by_latent = to_unit(&latent.image);
    let degradation = Degradation::Mask {
        keep: keep.to_vec(),
    };
    let spec = SkipSpec::scaled(1, 2, 32);
    let shift = |v: &[f32]| -> Result<unsupervised::autodiff::Tensor<f32>> {
        Ok(unsupervised::autodiff::Tensor::new(
            &[1, 1, 28, 28],
            v.iter().map(|&p| p - 0.5).collect(),
        )?)
    };
    let mut net = SkipNet::new(&spec, seed)?;
    let z = code(spec.code, 28, 28, seed ^ 1);
    let dip = restore(
        &mut net,
        &z,
        &shift(&observed)?,
        &degradation,
        schedule,
        Some(&shift(digit)?),
        seed ^ 2,
    )?;
    let by_dip: Vec<f32> = dip.image.data().iter().map(|&v| v + 0.5).collect();
    Ok(DigitRun {
        psnr_observed: psnr(digit, &observed),
        psnr_latent: psnr(digit, &by_latent),
        rows: vec![digit.to_vec(), observed, by_latent, by_dip],
        dip,
    })
}
// ANCHOR_END: inpaint_digit

// ---------------------------------------------------------------------------------------
// tour: chapter 16

/// Chapter 16: denoising the grey photo with the PSNR curve run past the stop, and
/// inpainting text on the colour photo. Quick mode works at 64 pixels on a narrower network.
pub fn tour_image_prior(ctx: &TourContext) -> Result<Vec<Section>> {
    let (size, width, iterations) = if ctx.quick {
        (64, 16, 400)
    } else {
        (128, 32, 2000)
    };
    let mut sections = Vec::new();
    for (name, photo, degradation) in [
        (
            "denoise",
            datasets::china_gray()?,
            Degradation::Noise { sigma: 25.0 },
        ),
        (
            "inpaint",
            datasets::china_rgb()?,
            Degradation::Mask {
                keep: text_mask(size, size, degrade::TEXT, 1)?,
            },
        ),
    ] {
        let clean = photo.downscale(photo.width / size)?;
        let spec = SkipSpec::scaled(
            clean.channels,
            5.min(size.trailing_zeros() as usize - 2),
            width,
        );
        let stop = match degradation {
            Degradation::Noise { sigma } => Stop::noise(sigma),
            _ => Schedule::default().stop,
        };
        let schedule = Schedule {
            iterations,
            stop,
            run_on: true,
            ..Schedule::default()
        };
        let run = run_prior(&clean, &degradation, &spec, &schedule, ctx.seed)?;
        let mut images = vec![
            clean.clone(),
            run.corrupted.clone(),
            tensor_image(&run.fit.image)?,
        ];
        images.push(tensor_image(&run.fit.last)?);
        let refs: Vec<&[u8]> = images.iter().map(|i| i.pixels.as_slice()).collect();
        let grid = plot::image_grid(&refs, size, size, clean.channels, 4, 2)?;
        let best = run.fit.best.as_ref().map_or(f64::NAN, |b| b.1);
        let base = run
            .baselines
            .iter()
            .map(|b| format!("{} {:.2} dB", b.name, b.psnr))
            .collect::<Vec<_>>()
            .join(", ");
        sections.push(Section::figure(
            ctx.save_png(&format!("image_prior-{name}.png"), &plot::upscale(&grid, 256 / size))?,
            &format!(
                "{name} at {size}x{size}: clean, corrupted ({:.2} dB), the deep image prior at its ES-WMV stop (iteration {}, {:.2} dB; best {best:.2} dB) and after {iterations} iterations ({:.2} dB). Baselines at their best size: {base}.",
                run.psnr_observed,
                run.fit.stop_iteration,
                run.fit.psnr_at_stop().unwrap_or(f64::NAN),
                run.fit.trace.last().and_then(|s| s.psnr).unwrap_or(f64::NAN),
            ),
            "The stopped output is cleaner than the last: the untrained network draws the photo's structure first and its corruption later.",
        ));
        sections.push(Section::figure(
            ctx.save_svg(&format!("image_prior-{name}-psnr.svg"), &curve_figure(&run, &format!("{name}: "))?)?,
            "PSNR against the clean image over the iterations, the ES-WMV stop (dashed), the corrupted input and the baselines; below, the windowed variance the rule watches",
            "The PSNR rises, peaks and falls as the network starts to fit the corruption; the rule stops near the peak without seeing the clean image.",
        ));
    }
    Ok(sections)
}
