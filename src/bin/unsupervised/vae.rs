//! Chapter 13 on the command line: `unsupervised vae` (Kingma and Welling's VAE on MNIST,
//! its ELBO and importance-sampled likelihood) and its tour section.

use crate::args::{Args, Command, Flag, BATCH_SIZE, JSON, LOAD, OUT, SAVE, SEED};
use crate::autoencoder::latent_scatter;
use crate::json::Json;
use crate::nn::{digit_grid, mnist_split, DigitSplit};
use crate::tour::{Chapter, Section, TourContext};
use crate::Result;
use std::path::Path;
use std::time::Instant;
use unsupervised::linalg::Matrix;
use unsupervised::plot::{self, Figure, Plot};
use unsupervised::vae::{self, Likelihood, Recipe, Vae};
use unsupervised::Rng;

pub const CHAPTER: Chapter = Chapter {
    name: "vae",
    title: "13 · Variational autoencoders",
    book_page: "13-vae.html",
    commands: &[COMMAND],
    tour: tour_vae,
};

pub const COMMAND: Command = Command {
    name: "vae",
    about: "train a variational autoencoder on MNIST; ELBO and importance-sampled log-likelihood (chapter 13)",
    flags: &[
        Flag::value("--latent", "K", "size of the latent space (default 20)"),
        Flag::value("--hidden", "H", "width of the hidden layers (default 400)"),
        Flag::value("--likelihood", "NAME", "bernoulli (default) or gaussian (fixed --sigma)"),
        Flag::value("--sigma", "S", "gaussian: the decoder's standard deviation (default 0.1)"),
        Flag::value("--beta", "B", "weight of the KL term (default 1, the ELBO)"),
        Flag::value("--epochs", "N", "epochs (default 10; 0 with --load only evaluates)"),
        BATCH_SIZE,
        Flag::value("--learning-rate", "R", "Adam's step size (default 0.001)"),
        Flag::value("--samples", "L", "importance samples per held-out image for log p(x) (default 100)"),
        LOAD,
        SAVE,
        SEED,
        OUT,
        JSON,
    ],
    run: vae_command,
};

/// `unsupervised vae --latent 20 --epochs 10 --seed 0 --json`:
/// `{"test_elbo": e, "test_log_likelihood_is": l, "epochs": [train ELBO per epoch], "seconds": s, ...}`.
pub fn vae_command(args: &Args) -> Result {
    let seed = args.seed()?;
    let latent: usize = args.get("--latent", "a whole number")?.unwrap_or(20);
    let hidden: usize = args.get("--hidden", "a whole number")?.unwrap_or(400);
    let gaussian = args.choice(
        "--likelihood",
        "bernoulli",
        &[("bernoulli", false), ("gaussian", true)],
    )?;
    let likelihood = if gaussian {
        Likelihood::Gaussian {
            sigma: args.get("--sigma", "a number")?.unwrap_or(0.1),
        }
    } else {
        args.refuse(
            "--sigma",
            "only the gaussian decoder (--likelihood gaussian) has a standard deviation",
        )?;
        Likelihood::Bernoulli
    };
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
    if let Some(b) = args.get("--beta", "a number")? {
        recipe.beta = b;
    }
    let samples: usize = args.get("--samples", "a whole number")?.unwrap_or(100);
    unsupervised::check_count("samples", samples, vae::MAX_SAMPLES, "the sample limit")?;
    let data = mnist_split(8000, 2000)?;
    let mut model = Vae::new(
        784,
        hidden,
        latent,
        likelihood,
        &mut Rng::seed_from_u64(seed),
    )?;
    if let Some(file) = args.text("--load") {
        unsupervised::nn::io::load(&mut model, Path::new(file))?;
    }
    let started = Instant::now();
    let report = match recipe.epochs {
        0 => None,
        _ => Some(vae::train(&mut model, &data.train, &data.test, &recipe)?),
    };
    let seconds = started.elapsed().as_secs_f64();
    let eval = model.evaluate(&data.test, samples, Rng::child_seed(seed, 2))?;
    if let Some(file) = args.text("--save") {
        unsupervised::nn::io::save(&model, Path::new(file))?;
        eprintln!("saved {file}");
    }
    let train_elbo = report.as_ref().map_or(Vec::new(), |r| r.train_elbo.clone());
    let test_elbo = report.as_ref().map_or(Vec::new(), |r| r.test_elbo.clone());
    if let Some(ctx) = TourContext::for_out(args)? {
        figures(&ctx, &mut model, &data, seed, "vae")?;
        let mu = model.means(&data.test)?;
        let m = Matrix::new(
            data.test_labels.len(),
            latent,
            mu.iter().map(|&c| f64::from(c)).collect(),
        )?;
        ctx.save_npy("vae-means.npy", &m)?;
        ctx.save_labels("vae-labels.npy", &data.test_labels)?;
    }
    let (elbo, ll) = (eval.mean_elbo(), eval.mean_log_likelihood());
    eprintln!("vae: {seconds:.1} s");
    if args.has("--json") {
        let doc = Json::Obj(vec![
            ("test_elbo", Json::Num(elbo)),
            ("test_log_likelihood_is", Json::Num(ll)),
            ("importance_samples", Json::Int(samples as i64)),
            ("epochs", Json::nums(&train_elbo)),
            ("test_elbo_per_epoch", Json::nums(&test_elbo)),
            ("seconds", Json::Num(seconds)),
            ("latent", Json::Int(latent as i64)),
        ]);
        say!("{}", doc.render());
    } else {
        for (i, (a, b)) in train_elbo.iter().zip(&test_elbo).enumerate() {
            say!(
                "epoch {}: training ELBO {a:.2}, held-out ELBO {b:.2} nats",
                i + 1
            );
        }
        say!("held-out ELBO {elbo:.2} nats; log p(x) by importance sampling with {samples} samples {ll:.2} nats");
    }
    Ok(())
}

/// Prior samples, an interpolation, an attribute vector and (2-d latent) the decoded plane
/// and the scatter of held-out means. Returns the sections for the tour.
fn figures(
    ctx: &TourContext,
    model: &mut Vae,
    data: &DigitSplit,
    seed: u64,
    prefix: &str,
) -> Result<Vec<Section>> {
    let k = model.latent();
    let mut sections = vec![Section::figure(
        ctx.save_png(&format!("{prefix}-samples.png"), &digit_grid(&model.generate(40, seed)?, 10)?)?,
        "40 digits decoded from z ~ 𝒩(0, I)",
        "most are recognisable digits, some are blends of two: the prior covers the space the encoder uses.",
    )];
    let mu = model.means(&data.test)?;
    // ANCHOR: interpolate
    // From the first held-out 1 to the first 7: decode μ_a + t (μ_b − μ_a), t = 0, …, 1;
    // t = ½ is the lecture's (μ_a + μ_b)/2.
    let first = |digit| {
        data.test_labels
            .iter()
            .position(|&l| l == digit)
            .unwrap_or(0)
    };
    let (a, b) = (&mu[first(1) * k..][..k], &mu[first(7) * k..][..k]);
    let path: Vec<f32> = (0..=8)
        .flat_map(|s| {
            let t = s as f32 / 8.0;
            a.iter().zip(b).map(move |(&x, &y)| x + t * (y - x))
        })
        .collect();
    // ANCHOR_END: interpolate
    sections.push(Section::figure(
        ctx.save_png(&format!("{prefix}-interpolation.png"), &digit_grid(&model.decode_means(&path)?, 9)?)?,
        "from a held-out 1 to a held-out 7 along the straight line between their means; the middle image is (μ₁ + μ₇)/2",
        "every step is a plausible digit: the KL term packs the codes so the segment stays where the decoder was trained.",
    ));
    // ANCHOR: attribute
    // Stroke thickness, measured as ink: within each digit class, the mean code of its
    // quarter with the most ink minus that of its quarter with the least, averaged over
    // the classes (so the vector carries thickness, not a change of digit). Added to and
    // subtracted from the codes of the first ten held-out digits.
    let ink: Vec<f32> = data.test.chunks(784).map(|img| img.iter().sum()).collect();
    let mut thicker = vec![0.0f32; k];
    for digit in 0..10 {
        let mut class: Vec<usize> = (0..ink.len())
            .filter(|&i| data.test_labels[i] == digit)
            .collect();
        class.sort_by(|&i, &j| ink[i].total_cmp(&ink[j]));
        let quarter = (class.len() / 4).max(1);
        for (sign, rows) in [
            (-1.0, &class[..quarter]),
            (1.0, &class[class.len() - quarter..]),
        ] {
            for &i in rows {
                for (t, &m) in thicker.iter_mut().zip(&mu[i * k..][..k]) {
                    *t += sign * m / (10 * quarter) as f32;
                }
            }
        }
    }
    let mut codes = Vec::new();
    for sign in [0.0, 1.0, -1.0] {
        for i in 0..10 {
            codes.extend(
                mu[i * k..][..k]
                    .iter()
                    .zip(&thicker)
                    .map(|(z, v)| z + sign * v),
            );
        }
    }
    // ANCHOR_END: attribute
    sections.push(Section::figure(
        ctx.save_png(&format!("{prefix}-attribute.png"), &digit_grid(&model.decode_means(&codes)?, 10)?)?,
        "attribute vector: ten held-out digits decoded from their means (top), with the thickness vector added (middle) and subtracted (bottom)",
        "the same digits drawn with a broader and a finer pen: the lecture's glasses vector, for ink.",
    ));
    if k == 2 {
        let grid: Vec<f32> = (0..15)
            .flat_map(|r| {
                (0..15)
                    .flat_map(move |c| [-2.5 + 5.0 * c as f32 / 14.0, 2.5 - 5.0 * r as f32 / 14.0])
            })
            .collect();
        sections.push(Section::figure(
            ctx.save_png(&format!("{prefix}-plane.png"), &digit_grid(&model.decode_means(&grid)?, 15)?)?,
            "the decoded latent plane, z from −2.5 to 2.5 in each coordinate",
            "digits morph continuously into each other: no empty regions, unlike the plain autoencoder's code.",
        ));
        let labels = &data.test_labels;
        sections.push(Section::figure(
            latent_scatter(ctx, &mu, labels, &format!("{prefix}-latent.svg"), "VAE")?,
            "held-out means μ(x) of a 2-d VAE, coloured by digit",
            "a round cloud about the origin, classes side by side without gaps: the KL term's doing.",
        ));
    }
    Ok(sections)
}

// tour: chapter 13

/// Chapter 13: the 784-400-20 VAE (quick: 2,000 digits, 3 epochs), its ELBO curves, the
/// importance-sampled bound for L = 1, 5, 50 (and 500 in full mode), samples and the latent
/// arithmetic; in full mode also a 2-d VAE's plane and scatter.
pub fn tour_vae(ctx: &TourContext) -> Result<Vec<Section>> {
    let (n_train, n_test, epochs) = if ctx.quick {
        (2000, 200, 3)
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
    let mut model = Vae::new(
        784,
        400,
        20,
        Likelihood::Bernoulli,
        &mut Rng::seed_from_u64(ctx.seed),
    )?;
    let report = vae::train(&mut model, &data.train, &data.test, &recipe)?;
    let e: Vec<f64> = (1..=epochs).map(|i| i as f64).collect();
    let plot = Plot::new("784-400-20 VAE: ELBO per image (nats)")
        .x_label("epoch")
        .integer_x()
        .y_label("ELBO")
        .line(&e, &report.train_elbo, plot::class_color(0), "training")?
        .line(&e, &report.test_elbo, plot::class_color(1), "held-out")?;
    let mut sections = vec![Section::figure(
        ctx.save_svg("vae-elbo.svg", &Figure::new("", 1, 520.0, 340.0).with(plot))?,
        &format!(
            "ELBO per epoch on {n_train} digits ({:.1} s)",
            report.train.seconds
        ),
        "both rise together; the held-out ELBO is a bound on the held-out log-likelihood.",
    )];
    let sizes: &[usize] = if ctx.quick {
        &[1, 5, 50]
    } else {
        &[1, 5, 50, 500]
    };
    let subset = &data.test[..200.min(n_test) * 784];
    let mut table = String::from(
        "<table><tr><th>L</th><th>ELBO</th><th>log p(x), L draws from q(z|x)</th>\
         <th>log p(x), L draws from p(z)</th></tr>\n",
    );
    for &l in sizes {
        let eval = model.evaluate(subset, l, Rng::child_seed(ctx.seed, 3))?;
        let naive = model.prior_sampling_log_likelihood(subset, l, Rng::child_seed(ctx.seed, 4))?;
        let naive = naive.iter().sum::<f64>() / naive.len() as f64;
        table += &format!(
            "<tr><td>{l}</td><td>{:.2}</td><td>{:.2}</td><td>{naive:.2}</td></tr>\n",
            eval.mean_elbo(),
            eval.mean_log_likelihood()
        );
    }
    if !ctx.quick {
        // The prior needs far more draws: 100,000 per image still leave it behind.
        let naive =
            model.prior_sampling_log_likelihood(subset, 100_000, Rng::child_seed(ctx.seed, 5))?;
        let naive = naive.iter().sum::<f64>() / naive.len() as f64;
        table += &format!("<tr><td>100000</td><td></td><td></td><td>{naive:.2}</td></tr>\n");
    }
    table += "</table>";
    sections.push(Section {
        caption: "log p(x) of 200 held-out digits estimated with L samples per image, from the encoder and from the prior (nats)".into(),
        look_for: "from q(z|x) the estimate is above the ELBO and rises with L by less and less, closing the gap KL(q(z|x) ‖ p(z|x)); from the prior it is tens of nats lower and creeps up: lecture 002's reason for the encoder.".into(),
        file: None,
        html: table,
    });
    sections.extend(figures(ctx, &mut model, &data, ctx.seed, "vae")?);
    if !ctx.quick {
        let mut flat = Vae::new(
            784,
            400,
            2,
            Likelihood::Bernoulli,
            &mut Rng::seed_from_u64(ctx.seed),
        )?;
        vae::train(&mut flat, &data.train, &data.test, &recipe)?;
        let planar = figures(ctx, &mut flat, &data, ctx.seed, "vae2d")?;
        sections.extend(planar.into_iter().filter(|s| {
            s.file
                .as_deref()
                .is_some_and(|f| f.starts_with("vae2d-plane") || f.starts_with("vae2d-latent"))
        }));
    }
    Ok(sections)
}
