//! Chapter 14 on the command line: `unsupervised gan` (the four games on the ring and the
//! grid of Gaussians, modes counted as PacGAN's code counts them) and its tour section.

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
const SCORED: usize = 2500;

/// Generated digits judged by the evaluator (as many as the held-out real ones).
const JUDGED: usize = 2000;

/// The kinds that train on the 2-D Gaussians, and those that need images.
const MIXTURE_KINDS: [&str; 5] = ["gan", "nsgan", "wgan", "wgan-gp", "pacgan"];
const IMAGE_KINDS: [&str; 5] = ["dcgan", "cgan", "infogan", "infogan-cr", "pacdcgan"];

/// `--kind` as a game and its default packing.
fn kind(args: &Args, name: &str) -> Result<(Kind, usize)> {
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
fn recipe_flags(args: &Args, recipe: &mut Recipe, default_steps: usize) -> Result<()> {
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

/// The 2-D experiments: modes of the ring or the grid captured.
fn mixture_command(args: &Args, kind_name: &str, data_name: &str) -> Result {
    let seed = args.seed()?;
    let (kind, default_packing) = kind(args, kind_name)?;
    let mix = if data_name == "grid25" {
        Mixture2d::grid25()
    } else {
        Mixture2d::ring8()
    };
    let mut spec = Spec::pacgan(
        args.get("--packing", "a whole number")?
            .unwrap_or(default_packing),
    );
    spec.latent = args.get("--latent", "a whole number")?.unwrap_or(2);
    let mut recipe = Recipe::for_kind(kind);
    recipe_flags(args, &mut recipe, 2500)?;
    (recipe.seed, recipe.progress, recipe.log_every) = (seed, true, 50);
    let mut gan = Gan::new(spec, &mut Rng::seed_from_u64(seed))?;
    if let Some(file) = args.text("--load") {
        unsupervised::nn::io::load(&mut gan, Path::new(file))?;
    }
    let data = mix.sample(100_000, seed)?;
    let report = train(&mut gan, &data, &[], &recipe, |_, _| Ok(()))?;
    if let Some(file) = args.text("--save") {
        unsupervised::nn::io::save(&gan, Path::new(file))?;
        eprintln!("saved {file}");
    }
    let samples = gan.generate(SCORED, Rng::child_seed(seed, 1))?;
    let score = mix.score(&samples)?;
    if let Some(ctx) = TourContext::for_out(args)? {
        let m = Matrix::new(SCORED, 2, samples.iter().map(|&v| f64::from(v)).collect())?;
        ctx.save_npy("samples.npy", &m)?;
        let title = format!("{kind_name}, packing {}", spec.packing);
        let plot = samples_plot(&mix, &data, &samples, &title)?;
        ctx.save_svg(
            "gan-samples.svg",
            &Figure::new("", 1, 460.0, 460.0).with(plot),
        )?;
        let curves = curves_figure(&[(kind_name, &report)])?;
        ctx.save_svg("gan-curves.svg", &curves)?;
    }
    eprintln!("gan: {:.1} s", report.seconds);
    if args.has("--json") {
        let doc = Json::Obj(
            vec![
                ("modes_captured", Json::Int(score.modes_captured as i64)),
                ("high_quality", Json::Num(score.high_quality)),
                ("steps", Json::Int(recipe.steps as i64)),
                ("seconds", Json::Num(report.seconds)),
                ("kind", Json::Str(kind_name.to_string())),
                ("data", Json::Str(data_name.to_string())),
                ("modes", Json::Int(mix.means.len() as i64)),
                ("packing", Json::Int(spec.packing as i64)),
                ("critic_parameters", Json::Int(gan.critic.n_params() as i64)),
                (
                    "mode_counts",
                    Json::nums(&score.counts.iter().map(|&c| c as f64).collect::<Vec<_>>()),
                ),
            ]
            .into_iter()
            .chain(log_entries(&report))
            .collect(),
        );
        say!("{}", doc.render());
    } else {
        say!(
            "{kind_name} (packing {}) on {data_name}: {} of {} modes captured, {:.1} % of {SCORED} samples high quality",
            spec.packing,
            score.modes_captured,
            mix.means.len(),
            100.0 * score.high_quality
        );
    }
    Ok(())
}

/// The training log as JSON entries.
fn log_entries(report: &Report) -> Vec<(&'static str, Json)> {
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

/// The image data sets and the kinds each one trains.
const IMAGE_DATA: [(&str, &[&str]); 3] = [
    (
        "mnist",
        &[
            "gan", "nsgan", "wgan", "wgan-gp", "dcgan", "cgan", "infogan",
        ],
    ),
    ("stacked-mnist", &["dcgan", "pacdcgan"]),
    ("polar", &["dcgan", "infogan", "infogan-cr"]),
];

/// The players of `kind_name` on `data`: DCGAN's for the image kinds (base width 32),
/// the perceptrons (width 256) for the others. Ten labels for cgan; InfoGAN's `codes`
/// (categories, continuous) for infogan and infogan-cr, which also gets H; three
/// channels on stacked MNIST, packing 2 for pacdcgan; four inputs in all on the polar
/// blobs.
fn image_spec(kind_name: &str, data: &str, width: Option<usize>, codes: (usize, usize)) -> Spec {
    let planes = Planes {
        channels: if data == "stacked-mnist" { 3 } else { 1 },
        side: 28,
    };
    let mut spec = if IMAGE_KINDS.contains(&kind_name) {
        Spec::dcgan(planes)
    } else {
        Spec::mlp_images(64, planes)
    };
    let w = width.unwrap_or(if spec.conv.is_some() { 32 } else { 256 });
    (spec.generator_width, spec.critic_width) = (w, w);
    if data == "polar" {
        // Four inputs in all: two noise inputs beside InfoGAN's two codes, or four noise
        // inputs for DCGAN, which is scored on its first two.
        spec.latent = if kind_name == "dcgan" { 4 } else { 2 };
    }
    match kind_name {
        "cgan" => spec.classes = 10,
        "infogan" => {
            (spec.categories, spec.continuous) = codes;
            if data == "mnist" {
                spec.latent = 62; // InfoGAN's MNIST noise, beside 10 + 2 code inputs
            }
        }
        "infogan-cr" => {
            (spec.categories, spec.continuous) = codes;
            spec.contrastive = true;
        }
        "pacdcgan" => spec.packing = 2,
        _ => {}
    }
    spec
}

/// The players and recipe `--kind` asks for on image data `data`.
fn image_setup(args: &Args, kind_name: &str, data: &str) -> Result<(Spec, Recipe)> {
    let kinds = IMAGE_DATA
        .iter()
        .find(|(d, _)| *d == data)
        .map_or(&[][..], |(_, k)| *k);
    if !kinds.contains(&kind_name) {
        return Err(format!(
            "--kind {kind_name}: not for --data {data}, which trains {}",
            kinds.join(", ")
        )
        .into());
    }
    let (kind, _) = kind(args, kind_name)?;
    let default_categories = if data == "polar" { 0 } else { 10 };
    let codes = (
        args.get("--categories", "a whole number")?
            .unwrap_or(default_categories),
        args.get("--continuous", "a whole number")?.unwrap_or(2),
    );
    let mut spec = image_spec(
        kind_name,
        data,
        args.get("--width", "a whole number")?,
        codes,
    );
    if let Some(k) = args.get("--latent", "a whole number")? {
        spec.latent = k;
    }
    if kind_name.starts_with("infogan") {
        if spec.code_outputs() == 0 {
            return Err(format!(
                "--categories {} --continuous {}: InfoGAN needs at least one code",
                codes.0, codes.1
            )
            .into());
        }
        if data == "mnist" && spec.categories == 0 {
            return Err("--categories 0: InfoGAN on MNIST needs its categorical code".into());
        }
    } else {
        for flag in ["--categories", "--continuous"] {
            args.refuse(flag, "only infogan and infogan-cr have codes")?;
        }
    }
    if let Some(m) = args.get::<usize>("--packing", "a whole number")? {
        if kind_name != "pacdcgan" {
            return Err(format!("--packing {m}: on images only pacdcgan packs").into());
        }
        spec.packing = m;
    }
    let mut recipe = Recipe::for_images(kind);
    if data == "polar" {
        // With few inputs and full weight on the codes, the generator has to move the
        // blob with its codes (InfoGAN weighs continuous codes less on digits, where
        // they only style the stroke).
        recipe.info_weights = (1.0, 1.0);
    }
    recipe_flags(args, &mut recipe, 3000)?;
    Ok((spec, recipe))
}

/// `gan --data mnist`: trains on 8,000 digits, judges 2,000 samples with chapter 11's CNN
/// against the 2,000 held-out digits.
fn image_command(args: &Args, kind_name: &str) -> Result {
    let seed = args.seed()?;
    let (spec, mut recipe) = image_setup(args, kind_name, "mnist")?;
    (recipe.seed, recipe.progress, recipe.log_every) = (seed, true, 100);
    let data = mnist_split(8000, 2000)?;
    let labels = if spec.classes > 0 {
        &data.train_labels[..]
    } else {
        &[]
    };
    let (mut gan, report) = fit(args, spec, &recipe, &data.train, labels)?;
    let mut judge = judge(&data, 3)?;
    let sample_seed = Rng::child_seed(seed, 1);
    let (samples, asked) = if spec.classes > 0 {
        conditional_samples(&mut gan, JUDGED, sample_seed)?
    } else {
        (to_unit(&gan.generate(JUDGED, sample_seed)?), Vec::new())
    };
    let q = quality(&mut judge.evaluator, &samples, &judge.reference)?;
    let mut extra: Vec<(&str, Json)> = Vec::new();
    if spec.classes > 0 {
        let read = judge.evaluator.look(&samples)?.classes();
        let hits = read.iter().zip(&asked).filter(|(a, b)| a == b).count();
        extra.push(("label_match", Json::Num(hits as f64 / JUDGED as f64)));
    }
    if spec.categories > 0 {
        let (acc, _) = code_accuracy(&mut gan, &data.test, &data.test_labels)?;
        extra.push(("code_accuracy", Json::Num(acc)));
    }
    if let Some(ctx) = TourContext::for_out(args)? {
        let m = Matrix::new(
            JUDGED,
            PIXELS,
            samples.iter().map(|&v| f64::from(v)).collect(),
        )?;
        ctx.save_npy("samples.npy", &m)?;
        if spec.classes > 0 {
            ctx.save_labels("labels.npy", &asked)?;
        }
        ctx.save_png("gan-samples.png", &digit_grid(&samples[..60 * PIXELS], 10)?)?;
        ctx.save_png(
            "gan-nearest.png",
            &nearest_grid(&samples[..10 * PIXELS], &data.train, gan.exec)?,
        )?;
        ctx.save_svg("gan-curves.svg", &curves_figure(&[(kind_name, &report)])?)?;
    }
    eprintln!("gan: {:.1} s", report.seconds);
    if args.has("--json") {
        let mut entries = vec![
            ("frechet", Json::Num(q.frechet)),
            ("frechet_real", Json::Num(judge.floor)),
            ("class_entropy", Json::Num(q.class_entropy)),
            ("kl_to_uniform", Json::Num(q.kl_to_uniform)),
            ("inception_score", Json::Num(q.inception_score)),
            ("class_histogram", Json::nums(&q.histogram)),
            (
                "evaluator_accuracy",
                Json::Num(judge.evaluator.test_accuracy),
            ),
            ("steps", Json::Int(recipe.steps as i64)),
            ("seconds", Json::Num(report.seconds)),
            ("kind", Json::Str(kind_name.to_string())),
            ("data", Json::Str("mnist".to_string())),
            ("critic_parameters", Json::Int(gan.critic.n_params() as i64)),
        ];
        entries.extend(extra);
        entries.extend(log_entries(&report));
        say!("{}", Json::Obj(entries).render());
    } else {
        say!(
            "{kind_name} on MNIST: Fréchet distance {:.2} (real digits: {:.2}), class entropy {:.3} nats (uniform: {:.3}), Inception-style score {:.2}",
            q.frechet,
            judge.floor,
            q.class_entropy,
            10f64.ln(),
            q.inception_score
        );
        for (key, value) in extra {
            say!("{key}: {}", value.render());
        }
    }
    Ok(())
}

/// Stacked MNIST's training images (PacGAN's code draws 25,600 triples by default).
const STACKED_TRAINING: usize = 25_600;

/// Stacked samples judged, as in PacGAN's code.
const STACKED_JUDGED: usize = 26_000;

/// Trains `spec` with `recipe` on `data` (rows in [0, 1], scaled here to [−1, 1]),
/// loading and saving as `--load` and `--save` say.
fn fit(
    args: &Args,
    spec: Spec,
    recipe: &Recipe,
    data: &[f32],
    labels: &[usize],
) -> Result<(Gan, Report)> {
    let mut gan = Gan::new(spec, &mut Rng::seed_from_u64(recipe.seed))?;
    if let Some(file) = args.text("--load") {
        unsupervised::nn::io::load(&mut gan, Path::new(file))?;
    }
    let report = if recipe.steps > 0 {
        train(&mut gan, &to_signed(data), labels, recipe, |_, _| Ok(()))?
    } else {
        Report::default()
    };
    if let Some(file) = args.text("--save") {
        unsupervised::nn::io::save(&gan, Path::new(file))?;
        eprintln!("saved {file}");
    }
    Ok((gan, report))
}

/// `gan --data stacked-mnist`: DCGAN or PacDCGAN on 25,600 triples of training digits;
/// the judge reads each channel of 26,000 samples and the triples are counted.
fn stacked_command(args: &Args, kind_name: &str) -> Result {
    let seed = args.seed()?;
    let (spec, mut recipe) = image_setup(args, kind_name, "stacked-mnist")?;
    (recipe.seed, recipe.progress, recipe.log_every) = (seed, true, 100);
    let digits = mnist_split(8000, 2000)?;
    let (data, _) = stacked_mnist(&digits.train, &digits.train_labels, STACKED_TRAINING, seed)?;
    let (mut gan, report) = fit(args, spec, &recipe, &data, &[])?;
    let mut judge = judge(&digits, 3)?;
    let samples = to_unit(&gan.generate(STACKED_JUDGED, Rng::child_seed(seed, 1))?);
    let found = stacked_modes(&mut judge.evaluator, &samples)?;
    if let Some(ctx) = TourContext::for_out(args)? {
        ctx.save_png(
            "gan-samples.png",
            &stacked_grid(&samples[..40 * 3 * PIXELS])?,
        )?;
        ctx.save_svg("gan-curves.svg", &curves_figure(&[(kind_name, &report)])?)?;
    }
    eprintln!("gan: {:.1} s", report.seconds);
    if args.has("--json") {
        let mut entries = vec![
            ("modes_captured", Json::Int(found.modes_captured as i64)),
            ("kl_to_uniform", Json::Num(found.kl_to_uniform)),
            ("samples", Json::Int(STACKED_JUDGED as i64)),
            ("steps", Json::Int(recipe.steps as i64)),
            ("seconds", Json::Num(report.seconds)),
            ("kind", Json::Str(kind_name.to_string())),
            ("data", Json::Str("stacked-mnist".to_string())),
            ("packing", Json::Int(spec.packing as i64)),
            ("critic_parameters", Json::Int(gan.critic.n_params() as i64)),
        ];
        entries.extend(log_entries(&report));
        say!("{}", Json::Obj(entries).render());
    } else {
        say!(
            "{kind_name} (packing {}) on stacked MNIST: {} of 1000 modes captured in {STACKED_JUDGED} samples, KL to uniform {:.3} nats",
            spec.packing,
            found.modes_captured,
            found.kl_to_uniform
        );
    }
    Ok(())
}

/// Three-channel images as RGB tiles, 10 to a row, enlarged twice.
fn stacked_grid(images: &[f32]) -> Result<Image> {
    let tiles: Vec<Vec<u8>> = images
        .chunks(3 * PIXELS)
        .map(|img| {
            // Channel-major to interleaved RGB.
            let rgb: Vec<f64> = (0..PIXELS)
                .flat_map(|p| (0..3).map(move |c| f64::from(img[c * PIXELS + p])))
                .collect();
            plot::to_bytes(&rgb, 0.0, 1.0, false)
        })
        .collect();
    let refs: Vec<&[u8]> = tiles.iter().map(Vec::as_slice).collect();
    Ok(plot::upscale(
        &plot::image_grid(&refs, 28, 28, 3, 10, 2)?,
        2,
    ))
}

/// Polar-blob training images.
const POLAR_TRAINING: usize = 20_000;

/// `gan --data polar`: DCGAN, InfoGAN or InfoGAN-CR on blobs at planted angle and radius;
/// the mutual information gap between the two continuous codes (DCGAN: its first two
/// noise inputs) and the factors measured back from 5,000 samples.
fn polar_command(args: &Args, kind_name: &str) -> Result {
    let seed = args.seed()?;
    let (spec, mut recipe) = image_setup(args, kind_name, "polar")?;
    (recipe.seed, recipe.progress, recipe.log_every) = (seed, true, 100);
    let (data, _) = polar_blobs(POLAR_TRAINING, seed)?;
    let (mut gan, report) = fit(args, spec, &recipe, &data, &[])?;
    let score = disentanglement(&mut gan, 5000, Rng::child_seed(seed, 1))?;
    if let Some(ctx) = TourContext::for_out(args)? {
        let samples = to_unit(&gan.generate(60, Rng::child_seed(seed, 2))?);
        ctx.save_png("gan-samples.png", &digit_grid(&samples, 10)?)?;
        ctx.save_png(
            "gan-traversals.png",
            &digit_grid(&code_sweeps(&mut gan, seed)?, 10)?,
        )?;
        ctx.save_svg("gan-curves.svg", &curves_figure(&[(kind_name, &report)])?)?;
    }
    eprintln!("gan: {:.1} s", report.seconds);
    if args.has("--json") {
        let mut entries = vec![
            ("disentanglement", Json::Num(score)),
            ("steps", Json::Int(recipe.steps as i64)),
            ("seconds", Json::Num(report.seconds)),
            ("kind", Json::Str(kind_name.to_string())),
            ("data", Json::Str("polar".to_string())),
        ];
        entries.extend(log_entries(&report));
        say!("{}", Json::Obj(entries).render());
    } else {
        say!("{kind_name} on the polar blobs: mutual information gap {score:.3} (0: entangled, 1: each factor read off one code)");
    }
    Ok(())
}

/// Chapter 11's CNN, `epochs` epochs on the training digits with seed 0 whatever `--seed`
/// says, so runs with different seeds share one judge.
fn judge(data: &DigitSplit, epochs: usize) -> Result<Judge> {
    let images = |pixels, labels| Images {
        pixels,
        labels,
        side: 28,
    };
    eprintln!("training the evaluator (chapter 11's CNN, {epochs} epochs)");
    Ok(Judge::new(
        &images(&data.train, &data.train_labels),
        &images(&data.test, &data.test_labels),
        epochs,
    )?)
}

/// Samples (top row) over their nearest training digits (bottom row).
fn nearest_grid(samples: &[f32], training: &[f32], exec: Exec) -> Result<Image> {
    let found = nearest(samples, training, exec)?;
    let mut both = samples.to_vec();
    for i in &found {
        both.extend_from_slice(&training[i * PIXELS..(i + 1) * PIXELS]);
    }
    digit_grid(&both, found.len())
}

/// 400 real samples in grey and 1,000 generated ones in colour, titled with the score of
/// all the generated ones.
fn samples_plot(mix: &Mixture2d, real: &[f32], fake: &[f32], title: &str) -> Result<Plot> {
    let xy = |v: &[f32], n: usize| -> (Vec<f64>, Vec<f64>) {
        v.chunks(2)
            .take(n)
            .map(|p| (f64::from(p[0]), f64::from(p[1])))
            .unzip()
    };
    // Enough points to see the modes, few enough to keep the figure light; the title
    // scores every sample.
    let (rx, ry) = xy(real, 400);
    let (fx, fy) = xy(fake, 1000);
    let lim = if mix.name == "ring" { 1.6 } else { 5.5 };
    let score = mix.score(fake)?;
    Ok(Plot::new(format!(
        "{title}: {}/{} modes, {:.0} % high quality",
        score.modes_captured,
        mix.means.len(),
        100.0 * score.high_quality
    ))
    .x_range(-lim, lim)
    .y_range(-lim, lim)
    .equal_aspect()
    .points(&rx, &ry, "#bbbbbb")?
    .points(&fx, &fy, plot::class_color(0))?
    .legend("real", "#bbbbbb")
    .legend("generated", plot::class_color(0)))
}

/// Losses and the critic's gap per logged step, one panel per run.
fn curves_figure(runs: &[(&str, &Report)]) -> Result<Figure> {
    let mut fig = Figure::new("", runs.len().min(3), 420.0, 300.0);
    for (name, r) in runs {
        let s: Vec<f64> = r.steps.iter().map(|&s| s as f64).collect();
        fig.push(
            Plot::new(format!("{name}: losses and critic gap"))
                .x_label("generator step")
                .line(&s, &r.critic_loss, plot::class_color(0), "critic loss")?
                .line(
                    &s,
                    &r.generator_loss,
                    plot::class_color(1),
                    "generator loss",
                )?
                .line(
                    &s,
                    &r.critic_gap,
                    plot::class_color(2),
                    "E f(real) − E f(fake)",
                )?,
        );
    }
    Ok(fig)
}

// tour: chapter 14

/// Networks and steps: PacGAN's sizes in full mode, a quarter-width copy in quick mode.
fn tour_spec(quick: bool, packing: usize) -> Spec {
    let mut spec = Spec::pacgan(packing);
    if quick {
        (
            spec.generator_width,
            spec.generator_layers,
            spec.critic_width,
        ) = (64, 3, 64);
    }
    spec
}

/// Chapter 14: the saturating and practice generator losses as the discriminator wins;
/// GAN, WGAN and PacGAN2 on the ring and the grid with their training curves; a generator
/// hopping between modes; and PacGAN's total-variation example.
pub fn tour_gan(ctx: &TourContext) -> Result<Vec<Section>> {
    let mut sections = vec![saturation_section(ctx)?];
    let steps: usize = if ctx.quick { 150 } else { 1000 };
    let runs: [(&str, Kind, usize); 3] = [
        ("GAN (−log D)", Kind::NonSaturating, 1),
        ("WGAN", Kind::Wasserstein { clip: 0.01 }, 1),
        ("PacGAN2", Kind::NonSaturating, 2),
    ];
    let mut fig = Figure::new("", 3, 360.0, 360.0);
    let mut hops = Figure::new("", 6, 200.0, 200.0);
    for mix in [Mixture2d::ring8(), Mixture2d::grid25()] {
        let data = mix.sample(100_000, ctx.seed)?;
        let mut reports = Vec::new();
        for (name, kind, packing) in runs {
            let mut gan = Gan::new(
                tour_spec(ctx.quick, packing),
                &mut Rng::seed_from_u64(ctx.seed),
            )?;
            let mut recipe = Recipe::for_kind(kind);
            (recipe.steps, recipe.seed, recipe.log_every, recipe.progress) =
                (steps, ctx.seed, steps.div_ceil(6), true);
            let first = reports.is_empty() && mix.name == "ring";
            let mut snapshots = Vec::new();
            let report = train(&mut gan, &data, &[], &recipe, |step, gan| {
                if first {
                    snapshots.push((step, gan.generate(SCORED, 7)?));
                }
                Ok(())
            })?;
            for (step, x) in snapshots {
                hops.push(samples_plot(&mix, &data, &x, &format!("step {step}"))?);
            }
            let x = gan.generate(SCORED, Rng::child_seed(ctx.seed, 1))?;
            fig.push(samples_plot(&mix, &data, &x, name)?);
            reports.push((name, report));
        }
        if mix.name == "ring" {
            let curves: Vec<(&str, &Report)> = reports.iter().map(|(n, r)| (*n, r)).collect();
            sections.push(Section::figure(
                ctx.save_svg("gan-curves.svg", &curves_figure(&curves)?)?,
                &format!("training on the ring, {steps} generator steps: the losses and the critic's mean score gap between real and generated samples"),
                "the GAN losses hover near their equilibrium values (2 log 2 ≈ 1.39 and log 2 ≈ 0.69) and say little about quality; WGAN's gap rises while its critic learns, then falls slowly as the samples improve; it estimates the Wasserstein distance only up to the scale that clipping at 0.01 imposes, thousandths here.",
            ));
        }
    }
    sections.push(Section::figure(
        ctx.save_svg("gan-hopping.svg", &hops)?,
        "the non-saturating GAN's samples on the ring at six points of its training",
        "the count of covered modes rises and falls as the generator's mass moves between modes instead of settling on all eight (Metz et al.'s figure, which the lecture shows).",
    ));
    sections.push(Section::figure(
        ctx.save_svg("gan-samples.svg", &fig)?,
        &format!("GAN, WGAN and PacGAN2 on the ring (top) and the grid (bottom) after {steps} steps: real samples grey, generated blue, scored as in PacGAN's code"),
        "at this short budget the counts are noisy (the book's table has five seeds): PacGAN2 reaches every mode of the ring with few samples sharp yet; WGAN, which gives its critic five steps per generator step, is furthest along.",
    ));
    sections.push(tv_section()?);
    let digits = if ctx.quick {
        mnist_split(1000, 500)?
    } else {
        mnist_split(8000, 2000)?
    };
    let mut judge = judge(&digits, if ctx.quick { 1 } else { 3 })?;
    sections.extend(mnist_sections(ctx, &digits, &mut judge)?);
    sections.push(stacked_section(ctx, &digits, &mut judge)?);
    sections.extend(polar_sections(ctx)?);
    Ok(sections)
}

/// A short stacked-MNIST run of DCGAN and PacDCGAN2: modes among 26,000 samples.
fn stacked_section(ctx: &TourContext, digits: &DigitSplit, judge: &mut Judge) -> Result<Section> {
    let n = if ctx.quick { 2000 } else { STACKED_TRAINING };
    let (data, _) = stacked_mnist(&digits.train, &digits.train_labels, n, ctx.seed)?;
    let steps = if ctx.quick { 20 } else { 500 };
    let judged = if ctx.quick { 2000 } else { STACKED_JUDGED };
    let mut rows = String::new();
    let mut grid = Vec::new();
    for packing in [1, 2] {
        let mut spec = image_spec(
            "dcgan",
            "stacked-mnist",
            Some(if ctx.quick { 8 } else { 32 }),
            (0, 0),
        );
        spec.packing = packing;
        let mut recipe = Recipe::for_images(Kind::NonSaturating);
        (recipe.steps, recipe.seed, recipe.log_every, recipe.progress) =
            (steps, ctx.seed, 100, true);
        let mut gan = Gan::new(spec, &mut Rng::seed_from_u64(ctx.seed))?;
        let report = train(&mut gan, &to_signed(&data), &[], &recipe, |_, _| Ok(()))?;
        let samples = to_unit(&gan.generate(judged, Rng::child_seed(ctx.seed, 1))?);
        let found = stacked_modes(&mut judge.evaluator, &samples)?;
        grid.extend_from_slice(&samples[..20 * 3 * PIXELS]);
        let name = if packing == 1 { "DCGAN" } else { "PacDCGAN2" };
        rows += &format!(
            "<tr><td>{name}</td><td>{}</td><td>{:.3}</td><td>{:.0}</td></tr>\n",
            found.modes_captured, found.kl_to_uniform, report.seconds
        );
    }
    let file = ctx.save_png("gan-stacked.png", &stacked_grid(&grid)?)?;
    Ok(Section {
        caption: format!("stacked MNIST after {steps} steps: modes captured (of 1,000) among {judged} samples, and the KL divergence of their histogram to uniform; top two rows DCGAN, bottom two PacDCGAN2 (three digits as the red, green and blue channels)"),
        look_for: "a short run only (PacGAN trains about 100,000 steps; the book gives the experiment's command and table): the counts say how far each generator has spread over the triples so far.".into(),
        file: Some(file),
        html: format!("<table><tr><th>model</th><th>modes captured</th><th>KL to uniform</th><th>training s</th></tr>\n{rows}</table>"),
    })
}

/// InfoGAN and InfoGAN-CR on the polar blobs: traversals of each code, scored by the
/// mutual information gap.
fn polar_sections(ctx: &TourContext) -> Result<Vec<Section>> {
    let (data, _) = polar_blobs(if ctx.quick { 2000 } else { POLAR_TRAINING }, ctx.seed)?;
    let steps = if ctx.quick { 20 } else { 1000 };
    let mut sections = Vec::new();
    for (kind_name, title) in [("infogan", "InfoGAN"), ("infogan-cr", "InfoGAN-CR")] {
        let spec = image_spec(
            kind_name,
            "polar",
            Some(if ctx.quick { 8 } else { 32 }),
            (0, 2),
        );
        let mut recipe = Recipe::for_images(Kind::NonSaturating);
        (recipe.steps, recipe.seed, recipe.log_every, recipe.progress) =
            (steps, ctx.seed, 100, true);
        recipe.info_weights = (1.0, 1.0);
        let mut gan = Gan::new(spec, &mut Rng::seed_from_u64(ctx.seed))?;
        train(&mut gan, &to_signed(&data), &[], &recipe, |_, _| Ok(()))?;
        let scored = if ctx.quick { 1000 } else { 5000 };
        let score = disentanglement(&mut gan, scored, Rng::child_seed(ctx.seed, 1))?;
        let grid = code_sweeps(&mut gan, ctx.seed)?;
        sections.push(Section::figure(
            ctx.save_png(&format!("gan-polar-{kind_name}.png"), &digit_grid(&grid, 10)?)?,
            &format!("{title} on the polar blobs after {steps} steps: the top five rows sweep code c1 from −1 to 1, the bottom five sweep c2 (other inputs fixed per row); mutual information gap {score:.3}"),
            "a disentangled generator moves the blob around the centre with one code and in and out with the other; an entangled one moves it along a mixture of both with each code.",
        ));
    }
    Ok(sections)
}

/// One trained MNIST model of the tour.
struct Trained {
    name: &'static str,
    gan: Gan,
    seconds: f64,
}

/// Trains `kind_name` as `gan --data mnist` would, at the tour's size.
fn tour_train(ctx: &TourContext, kind_name: &'static str, data: &DigitSplit) -> Result<Trained> {
    let spec = image_spec(
        kind_name,
        "mnist",
        Some(if ctx.quick { 8 } else { 32 }),
        (10, 2),
    );
    let mut recipe = Recipe::for_images(Kind::NonSaturating);
    (recipe.steps, recipe.seed, recipe.log_every, recipe.progress) =
        (if ctx.quick { 40 } else { 2000 }, ctx.seed, 100, true);
    let mut gan = Gan::new(spec, &mut Rng::seed_from_u64(ctx.seed))?;
    let labels = if spec.classes > 0 {
        &data.train_labels[..]
    } else {
        &[]
    };
    let report = train(
        &mut gan,
        &to_signed(&data.train),
        labels,
        &recipe,
        |_, _| Ok(()),
    )?;
    Ok(Trained {
        name: kind_name,
        gan,
        seconds: report.seconds,
    })
}

/// Chapter 14's second half: DCGAN's samples beside their nearest training digits, a walk
/// between two codes, the conditional grid, InfoGAN's traversals, and the judge's table.
fn mnist_sections(ctx: &TourContext, data: &DigitSplit, judge: &mut Judge) -> Result<Vec<Section>> {
    let mut sections = Vec::new();
    let mut rows = String::new();
    let steps = if ctx.quick { 40 } else { 2000 };
    for kind_name in ["dcgan", "cgan", "infogan"] {
        let mut t = tour_train(ctx, kind_name, data)?;
        let n = data.test_labels.len();
        let seed = Rng::child_seed(ctx.seed, 1);
        let (samples, asked) = if t.gan.spec.classes > 0 {
            conditional_samples(&mut t.gan, n, seed)?
        } else {
            (to_unit(&t.gan.generate(n, seed)?), Vec::new())
        };
        let q = quality(&mut judge.evaluator, &samples, &judge.reference)?;
        let mut extra = String::new();
        match kind_name {
            "dcgan" => {
                sections.push(Section::figure(
                    ctx.save_png("gan-dcgan-nearest.png", &nearest_grid(&samples[..10 * PIXELS], &data.train, t.gan.exec)?)?,
                    &format!("DCGAN after {steps} steps: ten samples (top) over the nearest training digit of each (bottom, Euclidean in pixels)"),
                    "a generator that memorised its training set would show each sample twice; compare stroke and shape with the digit below it.",
                ));
                let (grid, caption) = match arithmetic(&mut t.gan, &mut judge.evaluator, ctx.seed)?
                {
                    Some(a) => {
                        let verdict = if a.result_ink > a.thin_ink {
                            "the bold-minus-thin direction carries boldness over from 0s to 7s"
                        } else {
                            "here the bold-minus-thin direction did not carry boldness over"
                        };
                        let caption = format!(
                            "the judge reads {} of the 8 results as 7s; their mean ink is {:.3} against {:.3} for the thin 7s they started from: {verdict}.",
                            a.sevens, a.result_ink, a.thin_ink
                        );
                        (a.grid, caption)
                    }
                    None => (
                        samples[..32 * PIXELS].to_vec(),
                        "too few 0s or 7s among the samples to do arithmetic; these are samples"
                            .to_string(),
                    ),
                };
                sections.push(Section::figure(
                    ctx.save_png("gan-dcgan-arithmetic.png", &digit_grid(&grid, 8)?)?,
                    "DCGAN's vector arithmetic with digit attributes: rows show the 8 boldest generated 0s, the 8 thinnest 0s, the 8 thinnest 7s, and G(z̄ bold 0 − z̄ thin 0 + z̄ thin 7 + small noise)",
                    &caption,
                ));
                sections.push(Section::figure(
                    ctx.save_png("gan-dcgan-walk.png", &digit_grid(&walk(&mut t.gan, 6, 10, ctx.seed)?, 10)?)?,
                    "DCGAN: each row walks in a straight line between two noise vectors, in ten steps",
                    "DCGAN's argument: a generator that has learned a smooth map changes its digits gradually along the line, often through a plausible intermediate digit; abrupt jumps would point to isolated memorised points.",
                ));
            }
            "cgan" => {
                let read = judge.evaluator.look(&samples)?.classes();
                let hits = read.iter().zip(&asked).filter(|(a, b)| a == b).count();
                let grid = conditional_grid(&mut t.gan, ctx.seed)?;
                extra = format!("{:.3}", hits as f64 / n as f64);
                sections.push(Section::figure(
                    ctx.save_png("gan-cgan-grid.png", &digit_grid(&grid, 10)?)?,
                    "conditional DCGAN: row k asks for digit k, each column keeps one noise vector",
                    &format!("the classifier reads {:.0} % of {n} conditional samples as the digit asked for; look along a column for the style (slant, thickness) that the shared noise keeps while the label changes the digit.", 100.0 * hits as f64 / n as f64),
                ));
            }
            _ => {
                let (acc, _) = code_accuracy(&mut t.gan, &data.test, &data.test_labels)?;
                extra = format!("{acc:.3}");
                for code in 0..2 {
                    let grid = traversal(&mut t.gan, code, ctx.seed)?;
                    sections.push(Section::figure(
                        ctx.save_png(&format!("gan-infogan-c{}.png", code + 1), &digit_grid(&grid, 10)?)?,
                        &format!("InfoGAN: row k fixes the categorical code at k; columns move continuous code c{} from −1 to 1, other inputs fixed", code + 1),
                        &format!("{}; look along each row for a style (slant, width) that the continuous code controls.", if acc >= 0.8 {
                            format!("the category picks the digit: as a classifier of held-out digits, Q's category scores {:.0} % after the best matching of categories to digits", 100.0 * acc)
                        } else {
                            format!("at this budget the category has found only part of the digits: as a classifier of held-out digits, Q's category scores {:.0} % after the best matching of categories to digits (10 % is chance)", 100.0 * acc)
                        }),
                    ));
                }
            }
        }
        rows += &format!(
            "<tr><td>{}</td><td>{:.2}</td><td>{:.3}</td><td>{:.2}</td><td>{extra}</td><td>{:.0}</td></tr>\n",
            t.name, q.frechet, q.class_entropy, q.inception_score, t.seconds
        );
    }
    let html = format!(
        "<table><tr><th>model</th><th>Fréchet distance</th><th>class entropy (nats)</th><th>Inception-style score</th><th>label match / code accuracy</th><th>training s</th></tr>\n{rows}<tr><td>real digits</td><td>{:.2}</td><td colspan=\"4\">the floor: training digits against held-out ones</td></tr></table>",
        judge.floor
    );
    sections.push(Section {
        caption: format!("the judge (chapter 11's CNN, {:.1} % on held-out digits) on {} samples of each model", 100.0 * judge.evaluator.test_accuracy, data.test_labels.len()),
        look_for: "lower Fréchet distance is closer to real digits in the classifier's features; class entropy near ln 10 ≈ 2.30 means every digit is drawn about equally often.".into(),
        file: None,
        html,
    });
    Ok(sections)
}

/// Lecture 002's saturation: a linear generator far from the data, a discriminator trained
/// against it, and the two generator losses' gradient norms as it wins.
fn saturation_section(ctx: &TourContext) -> Result<Section> {
    // G(z) = 0.1 z: the fakes sit at 0, the data at 4.
    let mut gan = Gan::line(0.1, 0.0, &mut Rng::seed_from_u64(ctx.seed))?;
    let real: Vec<f32> = Density::normal(4.0, 0.5)
        .sample(20_000, &mut Rng::seed_from_u64(ctx.seed))?
        .iter()
        .map(|&x| x as f32)
        .collect();
    let mut recipe = Recipe::for_kind(Kind::NonSaturating);
    (recipe.batch_size, recipe.learning_rate, recipe.betas) = (256, 2e-3, (0.5, 0.9));
    let (mut t, mut minimax, mut practice, mut d) = (vec![], vec![], vec![], vec![]);
    for round in 0..=15 {
        if round > 0 {
            recipe.seed = round;
            train_critic(&mut gan, &real, &[], &recipe, 20)?;
        }
        t.push(20.0 * round as f64);
        minimax.push(generator_gradient_norm(&mut gan, Kind::Minimax, 512, 1)?.log10());
        practice.push(generator_gradient_norm(&mut gan, Kind::NonSaturating, 512, 1)?.log10());
        let fakes = gan.generate(512, 2)?;
        let mean: f64 = gan
            .discriminate(&fakes, &[])?
            .iter()
            .map(|&v| f64::from(v))
            .sum::<f64>()
            / 512.0;
        d.push(mean.max(1e-12).log10());
    }
    let plot = Plot::new("generator gradient as the discriminator learns (log₁₀)")
        .x_label("discriminator steps")
        .line(&t, &minimax, plot::class_color(0), "‖∇ log(1 − D(G(z)))‖")?
        .line(&t, &practice, plot::class_color(1), "‖∇ −log D(G(z))‖")?
        .line(&t, &d, plot::class_color(2), "mean D(G(z))")?;
    Ok(Section::figure(
        ctx.save_svg("gan-saturation.svg", &Figure::new("", 1, 560.0, 360.0).with(plot))?,
        "a discriminator trained against a fixed generator whose samples sit far from the data: the norms of the two generator losses' gradients (log₁₀)",
        "as D(G(z)) falls towards 0 the minimax gradient falls with it, orders of magnitude below the −log D gradient, which stays large: lecture 002's reason for the practice loss.",
    ))
}

/// PacGAN's example: equal d_TV(P, Q), different d_TV(Pᵐ, Qᵐ).
fn tv_section() -> Result<Section> {
    let (p, q1, q2) = pacgan_example();
    let mut html = String::from(
        "<table><tr><th>m</th><th>d_TV(Pᵐ, Q₁ᵐ), collapsed</th><th>d_TV(Pᵐ, Q₂ᵐ), spread</th></tr>\n",
    );
    for m in 1..=4 {
        let a = total_variation_power(&p, &q1, m)?;
        let b = total_variation_power(&p, &q2, m)?;
        html += &format!("<tr><td>{m}</td><td>{a:.4}</td><td>{b:.4}</td></tr>\n");
    }
    html += "</table>";
    Ok(Section {
        caption: "total variation between the target P = U[0, 1] and two generators, for packed samples (Lin et al. 2018, Figure 3)".into(),
        look_for: "at m = 1 both are 0.2 away; packing two samples makes the collapsed Q₁ 0.36 away and the spread Q₂ only 0.24: a packed discriminator punishes mode collapse.".into(),
        file: None,
        html,
    })
}
