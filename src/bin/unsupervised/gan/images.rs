//! `unsupervised gan` on images: MNIST, stacked MNIST and the planted blobs.

use super::*;

/// The image data sets and the kinds each one trains.
pub(super) const IMAGE_DATA: [(&str, &[&str]); 3] = [
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
pub(crate) fn image_spec(
    kind_name: &str,
    data: &str,
    width: Option<usize>,
    codes: (usize, usize),
) -> Spec {
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
pub(super) fn image_setup(args: &Args, kind_name: &str, data: &str) -> Result<(Spec, Recipe)> {
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
pub(super) fn image_command(args: &Args, kind_name: &str) -> Result {
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
            (
                "critic_parameters",
                Json::Int(gan.critic.n_trainable() as i64),
            ),
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
pub(super) const STACKED_TRAINING: usize = 25_600;

/// Stacked samples judged, as in PacGAN's code.
pub(super) const STACKED_JUDGED: usize = 26_000;

/// Trains `spec` with `recipe` on `data` (rows in [0, 1], scaled here to [−1, 1]),
/// loading and saving as `--load` and `--save` say.
pub(super) fn fit(
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
pub(super) fn stacked_command(args: &Args, kind_name: &str) -> Result {
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
            (
                "critic_parameters",
                Json::Int(gan.critic.n_trainable() as i64),
            ),
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
pub(super) fn stacked_grid(images: &[f32]) -> Result<Image> {
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
pub(super) const POLAR_TRAINING: usize = 20_000;

/// `gan --data polar`: DCGAN, InfoGAN or InfoGAN-CR on blobs at planted angle and radius;
/// the mutual information gap between the two continuous codes (DCGAN: its first two
/// noise inputs) and the factors measured back from 5,000 samples.
pub(super) fn polar_command(args: &Args, kind_name: &str) -> Result {
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
pub(super) fn judge(data: &DigitSplit, epochs: usize) -> Result<Judge> {
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
pub(super) fn nearest_grid(samples: &[f32], training: &[f32], exec: Exec) -> Result<Image> {
    let found = nearest(samples, training, exec)?;
    let mut both = samples.to_vec();
    for i in &found {
        both.extend_from_slice(&training[i * PIXELS..(i + 1) * PIXELS]);
    }
    digit_grid(&both, found.len())
}
