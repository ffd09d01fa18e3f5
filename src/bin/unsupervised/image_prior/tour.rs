//! Chapter 16's part of the tour.

use super::*;

/// Chapter 16: denoising the grey photo with the PSNR curve run past the stop, and
/// inpainting text on the colour photo. Quick mode works on a narrower network; the full
/// tour uses the default 32 channels at 64 pixels, long enough for the PSNR to peak and
/// fall, in under a minute a photo on two cores (the book's figures are 128 pixels).
pub fn tour_image_prior(ctx: &TourContext) -> Result<Vec<Section>> {
    let (size, width, iterations) = if ctx.quick {
        (64, 16, 400)
    } else {
        (64, 32, 1500)
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
        let base = run
            .baselines
            .iter()
            .map(|b| format!("{} {:.2} dB", b.name, b.psnr))
            .collect::<Vec<_>>()
            .join(", ");
        let rule = match stop {
            Stop::Discrepancy { .. } => "the discrepancy principle",
            Stop::Variance { .. } => "ES-WMV",
        };
        let stopped = match run.fit.fired_at {
            Some(at) => format!("{rule} stopped it at iteration {at}"),
            None => format!(
                "{rule} did not fire in {iterations} iterations, so the output shown is the last"
            ),
        };
        let (best_at, best) = run.fit.best.as_ref().map_or((0, f64::NAN), |b| (b.0, b.1));
        let last = run
            .fit
            .trace
            .last()
            .and_then(|s| s.psnr)
            .unwrap_or(f64::NAN);
        let story = story(best_at, best, last, iterations, run.fit.fired_at.is_some());
        sections.push(Section::figure(
            ctx.save_png(&format!("image_prior-{name}.png"), &plot::upscale(&grid, 256 / size))?,
            &format!(
                "{name} at {size}x{size}: clean, corrupted ({:.2} dB), the deep image prior's output ({:.2} dB; {stopped}) and the last single output after {iterations} iterations. Best along the way {best:.2} dB at iteration {best_at}. Baselines at their best size: {base}.",
                run.psnr_observed,
                run.fit.psnr_at_stop().unwrap_or(f64::NAN),
            ),
            &story,
        ));
        sections.push(Section::figure(
            ctx.save_svg(&format!("image_prior-{name}-psnr.svg"), &curve_figure(&run, &format!("{name}: "))?)?,
            &format!("PSNR against the clean image over the iterations, the stop (dashed), the corrupted input and the baselines; below, what {rule} watches"),
            &story,
        ));
    }
    Ok(sections)
}

/// What the PSNR curve shows, in words that match the run: a peak and a fall (the network
/// fitting the corruption), or a curve still at its best when the budget ended.
fn story(best_at: usize, best: f64, last: f64, iterations: usize, fired: bool) -> String {
    let stop = if fired {
        "the rule fires without seeing the clean image"
    } else {
        "the rule never fired: with the code noise and output averaging of this run, the windowed variance never settles (the chapter's section on stopping measures this)"
    };
    if best - last > 0.3 && best_at < iterations * 9 / 10 {
        format!(
            "The PSNR peaks at iteration {best_at} and then falls ({last:.2} dB at the end) as the network starts to fit the corruption: the untrained network draws the photo's structure first and its corruption later; {stop}."
        )
    } else {
        format!(
            "The PSNR is still at or near its best at the end ({last:.2} dB): in this budget the network has not overfitted; {stop}."
        )
    }
}
