//! `unsupervised filter`: lecture 004's kernel table on a photo, and the tour's grid.

use super::*;

// ---------------------------------------------------------------------------------------
// filter

pub const FILTER: Command = Command {
    name: "filter",
    about: "convolve a photo with a kernel of lecture 004's table (chapter 15)",
    flags: &[
        Flag::value(
            "--kernel",
            "NAME",
            "identity (default), edge1, edge2, edge3, sharpen or box; or your own k x k weights, row by row, comma-separated (k odd)",
        ),
        Flag::value(
            "--border",
            "NAME",
            "zero, replicate or reflect (default; d c b | a b c d)",
        ),
        Flag::value(
            "--image",
            "NAME",
            "china (default, the grey 256 x 256 photo), china-rgb, flower, or a .pgm/.ppm file",
        ),
        OUT,
        JSON,
    ],
    run: filter_command,
};

/// `unsupervised filter --kernel edge1 --border reflect --out DIR --json`: writes
/// `filtered.npy` (f64, 0–255 scale, unclipped; `h x w`, or `h x 3w` with RGB interleaved)
/// and `filtered.png`; prints `{"min", "max", "mean", ...}`.
fn filter_command(args: &Args) -> Result {
    let name = args.text("--kernel").unwrap_or("identity");
    let kernel = kernel_named(name)?;
    let border = args.choice("--border", "reflect", Border::NAMES)?;
    let image = photo(args, "--image", "china", true)?;
    let out = filter::filter(&image, &kernel, border)?;
    if let Some(dir) = args.text("--out") {
        let ctx = TourContext::for_out(args)?.ok_or("--out")?;
        let m = Matrix::new(image.height, image.width * image.channels, out.clone())?;
        ctx.save("filtered.npy", &npy::write_npy(&npy::Npy::from_matrix(&m))?)?;
        ctx.save_png("filtered.png", &shown(&image, &out, &kernel)?)?;
        eprintln!("filter: wrote {dir}/filtered.npy and filtered.png");
    }
    let (min, max) = out
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| {
            (a.min(v), b.max(v))
        });
    let mean = out.iter().sum::<f64>() / out.len() as f64;
    if args.has("--json") {
        let doc = Json::Obj(vec![
            ("kernel", Json::Str(name.into())),
            (
                "border",
                Json::Str(args.text("--border").unwrap_or("reflect").into()),
            ),
            ("width", Json::Int(image.width as i64)),
            ("height", Json::Int(image.height as i64)),
            ("min", Json::Num(min)),
            ("max", Json::Num(max)),
            ("mean", Json::Num(mean)),
        ]);
        say!("{}", doc.render());
    } else {
        say!(
            "{name} on {} x {}: min {min:.2}, max {max:.2}, mean {mean:.3}",
            image.width,
            image.height
        );
    }
    Ok(())
}

/// A kernel of the table by name, or one given as `k²` comma-separated weights.
fn kernel_named(name: &str) -> Result<Kernel> {
    if let Ok(kernel) = Kernel::named(name) {
        return Ok(kernel);
    }
    let names: Vec<&str> = filter::TABLE.iter().map(|t| t.0).collect();
    let expected = format!(
        "expected one of {} or k x k comma-separated weights with k odd",
        names.join(", ")
    );
    let weights: Vec<f64> = name
        .split(',')
        .map(|w| w.trim().parse::<f64>())
        .collect::<std::result::Result<_, _>>()
        .map_err(|_| format!("--kernel {name}: {expected}"))?;
    let side = (weights.len() as f64).sqrt().round() as usize;
    if side * side != weights.len() {
        return Err(format!(
            "--kernel {name}: {} weights do not make a square; {expected}",
            weights.len()
        )
        .into());
    }
    Kernel::new(side, weights).map_err(|e| format!("--kernel {name}: {e}").into())
}

/// A filtered image for the eye: clipped to 0..255, or for a kernel whose weights sum to
/// zero (an edge detector, whose output is signed) the magnitude.
fn shown(image: &Image, values: &[f64], kernel: &Kernel) -> Result<Image> {
    let zero_sum = kernel.weights.iter().sum::<f64>().abs() < 1e-9;
    let pixels = values
        .iter()
        .map(|&v| {
            let v = if zero_sum { v.abs() } else { v };
            v.round().clamp(0.0, 255.0) as u8
        })
        .collect();
    Ok(Image::new(
        image.width,
        image.height,
        image.channels,
        pixels,
    )?)
}

/// The lecture's kernel table on the grey photo, reflect borders.
pub(super) fn kernel_grid(ctx: &TourContext) -> Result<Section> {
    let grey = datasets::china_gray()?;
    let mut images = Vec::new();
    for (name, _, _) in filter::TABLE {
        let kernel = Kernel::named(name)?;
        images.push(shown(
            &grey,
            &filter::filter(&grey, &kernel, Border::Reflect)?,
            &kernel,
        )?);
    }
    Ok(Section::figure(
        ctx.save_png("visualize-kernels.png", &tiles(&images, 3)?)?,
        "lecture 004's kernels on the grey photo: identity, edge1, edge2, edge3 (top); sharpen, box blur (bottom). Edge maps show |g|",
        "the three edge detectors keep only where brightness changes (the Laplacians thinner and fainter); sharpen exaggerates detail, the box blur softens it.",
    ))
}
