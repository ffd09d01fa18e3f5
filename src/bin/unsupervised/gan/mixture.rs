//! `unsupervised gan` on the ring and the grid of Gaussians.

use super::*;

/// The 2-D experiments: modes of the ring or the grid captured.
pub(super) fn mixture_command(args: &Args, kind_name: &str, data_name: &str) -> Result {
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
                (
                    "critic_parameters",
                    Json::Int(gan.critic.n_trainable() as i64),
                ),
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

/// 400 real samples in grey and 1,000 generated ones in colour, titled with the score of
/// all the generated ones.
pub(super) fn samples_plot(
    mix: &Mixture2d,
    real: &[f32],
    fake: &[f32],
    title: &str,
) -> Result<Plot> {
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
pub(super) fn curves_figure(runs: &[(&str, &Report)]) -> Result<Figure> {
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
