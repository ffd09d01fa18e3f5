//! Chapter 16's part of the tour.

use super::*;

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
