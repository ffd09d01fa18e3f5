//! `prior --task gan-inpaint`: a held-out digit inpainted through the DCGAN's latent space
//! and by the deep image prior.

use super::*;

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
pub(super) fn gan_inpaint_command(args: &Args) -> Result {
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
