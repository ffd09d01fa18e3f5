//! Chapter 14's tour section.

use super::*;

// tour: chapter 14

/// How much the tour trains. Quick mode is for the test suite; the full tour keeps the
/// whole chapter to about three minutes on two cores, so that the full tour of all sixteen
/// chapters stays within ten. The book's tables train far longer and give their commands.
pub(super) struct Budget {
    /// Generator steps on the 2-D mixtures.
    mixture_steps: usize,
    /// The DCGAN's base width on images, and its generator steps on MNIST, on stacked MNIST
    /// and on the polar blobs.
    width: usize,
    image_steps: usize,
    stacked_steps: usize,
    polar_steps: usize,
    /// MNIST training and held-out digits, and the judge's training epochs.
    split: (usize, usize),
    judge_epochs: usize,
    /// The image models trained, and whether stacked MNIST and the polar blobs are too.
    /// The full tour trains DCGAN only: each image GAN needs about 2,000 steps at width 32
    /// (two to three minutes here) before its samples teach anything.
    image_kinds: &'static [&'static str],
    extras: bool,
}

impl Budget {
    pub(super) fn new(quick: bool) -> Budget {
        if quick {
            Budget {
                mixture_steps: 150,
                width: 8,
                image_steps: 40,
                stacked_steps: 20,
                polar_steps: 20,
                split: (1000, 500),
                judge_epochs: 1,
                image_kinds: &["dcgan", "cgan", "infogan"],
                extras: true,
            }
        } else {
            Budget {
                mixture_steps: 1000,
                width: 32,
                image_steps: 2000,
                stacked_steps: 0,
                polar_steps: 0,
                split: (8000, 2000),
                judge_epochs: 2,
                image_kinds: &["dcgan"],
                extras: false,
            }
        }
    }
}

/// The 2-D mixtures' networks: a quarter-width copy of PacGAN's (whose full sizes the
/// book's table uses), which learns the ring and the grid in the tour's budget.
pub(super) fn tour_spec(packing: usize) -> Spec {
    let mut spec = Spec::pacgan(packing);
    (
        spec.generator_width,
        spec.generator_layers,
        spec.critic_width,
    ) = (64, 3, 64);
    spec
}

/// Chapter 14: the saturating and practice generator losses as the discriminator wins;
/// GAN, WGAN and PacGAN2 on the ring and the grid with their training curves; a generator
/// hopping between modes; and PacGAN's total-variation example.
pub fn tour_gan(ctx: &TourContext) -> Result<Vec<Section>> {
    let budget = Budget::new(ctx.quick);
    let mut sections = vec![saturation_section(ctx)?];
    let steps = budget.mixture_steps;
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
            let mut gan = Gan::new(tour_spec(packing), &mut Rng::seed_from_u64(ctx.seed))?;
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
    let digits = mnist_split(budget.split.0, budget.split.1)?;
    let mut judge = judge(&digits, budget.judge_epochs)?;
    sections.extend(mnist_sections(ctx, &budget, &digits, &mut judge)?);
    if budget.extras {
        sections.push(stacked_section(ctx, &budget, &digits, &mut judge)?);
        sections.extend(polar_sections(ctx, &budget)?);
    } else {
        sections.push(Section {
            caption: "Not trained in the tour: the conditional GAN, InfoGAN, stacked MNIST and InfoGAN-CR".into(),
            look_for: "each needs a few minutes of training before its samples say anything, more than the tour's ten-minute budget allows; the book's chapter 14 shows their figures, and these commands draw them (--out DIR writes the samples):".into(),
            file: None,
            html: "<pre>cargo run --release -- gan --kind cgan --out cgan\ncargo run --release -- gan --kind infogan --out infogan\ncargo run --release -- gan --kind pacdcgan --out stacked\ncargo run --release -- gan --kind infogan-cr --out polar</pre>".into(),
        });
    }
    Ok(sections)
}

/// A short stacked-MNIST run of DCGAN and PacDCGAN2: modes among 26,000 samples.
pub(super) fn stacked_section(
    ctx: &TourContext,
    budget: &Budget,
    digits: &DigitSplit,
    judge: &mut Judge,
) -> Result<Section> {
    let n = if ctx.quick { 2000 } else { STACKED_TRAINING };
    let (data, _) = stacked_mnist(&digits.train, &digits.train_labels, n, ctx.seed)?;
    let steps = budget.stacked_steps;
    let judged = if ctx.quick { 2000 } else { STACKED_JUDGED };
    let mut rows = String::new();
    let mut grid = Vec::new();
    for packing in [1, 2] {
        let mut spec = image_spec("dcgan", "stacked-mnist", Some(budget.width), (0, 0));
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
pub(super) fn polar_sections(ctx: &TourContext, budget: &Budget) -> Result<Vec<Section>> {
    let (data, _) = polar_blobs(if ctx.quick { 2000 } else { POLAR_TRAINING }, ctx.seed)?;
    let steps = budget.polar_steps;
    let mut sections = Vec::new();
    for (kind_name, title) in [("infogan", "InfoGAN"), ("infogan-cr", "InfoGAN-CR")] {
        let spec = image_spec(kind_name, "polar", Some(budget.width), (0, 2));
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
pub(super) struct Trained {
    name: &'static str,
    gan: Gan,
    seconds: f64,
}

/// Trains `kind_name` as `gan --data mnist` would, at the tour's size.
pub(super) fn tour_train(
    ctx: &TourContext,
    budget: &Budget,
    kind_name: &'static str,
    data: &DigitSplit,
) -> Result<Trained> {
    let spec = image_spec(kind_name, "mnist", Some(budget.width), (10, 2));
    let mut recipe = Recipe::for_images(Kind::NonSaturating);
    (recipe.steps, recipe.seed, recipe.log_every, recipe.progress) =
        (budget.image_steps, ctx.seed, 100, true);
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
pub(super) fn mnist_sections(
    ctx: &TourContext,
    budget: &Budget,
    data: &DigitSplit,
    judge: &mut Judge,
) -> Result<Vec<Section>> {
    let mut sections = Vec::new();
    let mut rows = String::new();
    let steps = budget.image_steps;
    for &kind_name in budget.image_kinds {
        let mut t = tour_train(ctx, budget, kind_name, data)?;
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
pub(super) fn saturation_section(ctx: &TourContext) -> Result<Section> {
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
pub(super) fn tv_section() -> Result<Section> {
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
