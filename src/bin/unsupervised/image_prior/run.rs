//! One restoration of a photo: corrupt, the baselines, the deep image prior; its figure
//! and its trace.

use super::*;

/// A restoration with what it is judged against.
pub(super) struct PriorRun {
    pub(super) corrupted: Image,
    pub(super) psnr_observed: f64,
    pub(super) fit: Restoration,
    pub(super) baselines: Vec<Baseline>,
    pub(super) params: usize,
    /// The rule that chose the stop.
    pub(super) fit_stop: Stop,
}

// ANCHOR: run_prior
/// Corrupts `clean`, runs the baselines and fits the deep image prior, every random choice
/// from `seed` (noise, network, code, code noise).
pub(super) fn run_prior(
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
        params: net.n_trainable(),
        fit_stop: schedule.stop,
    })
}
// ANCHOR_END: run_prior

/// PSNR over the iterations, with the stop, the best and the baselines marked; below it,
/// ES-WMV's variance.
pub(super) fn curve_figure(run: &PriorRun, title: &str) -> Result<Figure> {
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
pub(super) fn trace_csv(fit: &Restoration) -> String {
    let mut csv = String::from("iteration,loss,psnr,variance\n");
    for (i, s) in fit.trace.iter().enumerate() {
        let opt = |v: Option<f64>| v.map_or(String::new(), |v| format!("{v}"));
        csv += &format!("{},{},{},{}\n", i + 1, s.loss, opt(s.psnr), opt(s.signal));
    }
    csv
}
