//! `unsupervised texture`, `style` and `invert`: images found by optimising the image,
//! and their tour sections.

use super::*;

// ---------------------------------------------------------------------------------------
// texture

pub const TEXTURE: Command = Command {
    name: "texture",
    about: "synthesise a texture by matching Gram matrices of random filters (chapter 15)",
    flags: &[
        Flag::value("--image", "NAME", "flower (default), china, or a .ppm file"),
        ITERATIONS,
        OPTIMIZER,
        LEARNING_RATE,
        SIZE,
        MAPS,
        SCALES,
        SEED,
        OUT,
        JSON,
    ],
    run: texture_command,
};

/// `unsupervised texture --image flower --iterations 200 --optimizer lbfgs --seed 0 --json`:
/// `{"gram_loss_start": ..., "gram_loss_final": ..., "seconds": ..., ...}`; `--out DIR`
/// writes `texture.png` beside `source.png`.
fn texture_command(args: &Args) -> Result {
    let seed = args.seed()?;
    let source = sized(args, photo(args, "--image", "flower", false)?, 128)?;
    let (method, n) = (method(args)?, iterations(args)?);
    let mut net = random_filters(args, seed)?;
    let x = image_tensor(&source)?;
    let run = visualize::texture(&mut net, &x, &noise(&x, seed ^ 1), method, n)?;
    if let Some(ctx) = TourContext::for_out(args)? {
        ctx.save_png("source.png", &source)?;
        ctx.save_png("texture.png", &tensor_image(&run.image)?)?;
    }
    report(args, &run, "gram_loss", "texture")
}

// ---------------------------------------------------------------------------------------
// style

pub const STYLE: Command = Command {
    name: "style",
    about: "neural style transfer with random filters: content + style + TV (chapter 15)",
    flags: &[
        Flag::value(
            "--content",
            "NAME",
            "china (default), flower, or a .ppm file",
        ),
        Flag::value("--style", "NAME", "flower (default), china, or a .ppm file"),
        Flag::value(
            "--content-weight",
            "A",
            "α on ½‖F − P‖² at the 5 x 5 maps (default 1)",
        ),
        Flag::value(
            "--style-weight",
            "B",
            "β on Σ E_l over every size (default 1e9)",
        ),
        Flag::value(
            "--tv-weight",
            "L",
            "λ on the total variation R_V² (default 1)",
        ),
        ITERATIONS,
        OPTIMIZER,
        LEARNING_RATE,
        SIZE,
        MAPS,
        SCALES,
        SEED,
        OUT,
        JSON,
    ],
    run: style_command,
};

/// `unsupervised style --content china --style flower --iterations 200 --out DIR --json`:
/// `{"loss_start", "loss_final", "seconds", ...}`; `--out` writes `style.png`.
fn style_command(args: &Args) -> Result {
    let seed = args.seed()?;
    let content = image_tensor(&sized(
        args,
        photo(args, "--content", "china", false)?,
        128,
    )?)?;
    let style = image_tensor(&sized(args, photo(args, "--style", "flower", false)?, 128)?)?;
    if content.shape() != style.shape() {
        return Err("--content and --style must have the same size".into());
    }
    let weights = StyleWeights {
        content: nonneg(args, "--content-weight", 1.0)?,
        style: nonneg(args, "--style-weight", 1e9)?,
        tv: nonneg(args, "--tv-weight", 1.0)?,
    };
    let (method, n) = (method(args)?, iterations(args)?);
    let mut net = random_filters(args, seed)?;
    let content_layer = net.scales.len().min(2) - 1; // the 5 x 5 maps, or the only size
    let run = visualize::style_transfer(
        &mut net,
        &content,
        &style,
        &[content_layer],
        weights,
        &content,
        method,
        n,
    )?;
    if let Some(ctx) = TourContext::for_out(args)? {
        ctx.save_png("style.png", &tensor_image(&run.image)?)?;
    }
    report(args, &run, "loss", "style transfer")
}

fn nonneg(args: &Args, flag: &str, default: f64) -> Result<f64> {
    let v = args.get(flag, "a number")?.unwrap_or(default);
    if !(v >= 0.0 && f64::is_finite(v)) {
        return Err(format!("{flag} {v}: must be a number >= 0").into());
    }
    Ok(v)
}

// ---------------------------------------------------------------------------------------
// invert

pub const INVERT: Command = Command {
    name: "invert",
    about: "feature inversion: the image whose features at a layer match a photo's (chapter 15)",
    flags: &[
        Flag::value("--layer", "N", "which layer's features, from 1 (default 2)"),
        Flag::value(
            "--network",
            "NAME",
            "random (default: 4 blocks of random 3x3 filters on the photo) or cnn (the MNIST CNN, on a digit)",
        ),
        Flag::value("--lambda", "L", "weight of the prior R_V^β (default 1e-4; cnn 1e-3)"),
        Flag::value("--beta", "B", "the prior's exponent, 0 < β ≤ 10 (default 2)"),
        Flag::value("--image", "NAME", "random: china (default), flower, or a .ppm file"),
        ITERATIONS,
        OPTIMIZER,
        LEARNING_RATE,
        Flag::value("--size", "PX", "random: work at PX x PX: 128, 64 (default) or 32"),
        EPOCHS,
        LOAD,
        SEED,
        OUT,
        JSON,
    ],
    run: invert_command,
};

/// The random network the photo is inverted through: 32, 64, 128 and 256 maps.
pub(super) const RANDOM_WIDTHS: [usize; 4] = [32, 64, 128, 256];
/// The layers of chapter 11's CNN read by `invert --network cnn`, as layer counts: conv1,
/// pool1, conv2, pool2 (each after its ReLU), the 128 hidden units and the 10 scores.
pub(super) const CNN_TAPS: [usize; 6] = [3, 4, 6, 7, 10, 12];

/// `unsupervised invert --layer 2 --out DIR --json`: `{"loss_start", "loss_final",
/// "psnr", "layer", ...}`; `--out` writes `inverted.png` beside `original.png`.
fn invert_command(args: &Args) -> Result {
    let seed = args.seed()?;
    let cnn = args.choice("--network", "random", &[("random", false), ("cnn", true)])?;
    let layer: usize = args.get("--layer", "a whole number")?.unwrap_or(2);
    let layers = if cnn {
        CNN_TAPS.len()
    } else {
        RANDOM_WIDTHS.len()
    };
    if !(1..=layers).contains(&layer) {
        return Err(format!("--layer {layer}: the network has layers 1 to {layers}").into());
    }
    let lambda: f64 = args
        .get("--lambda", "a number")?
        .unwrap_or(if cnn { 1e-3 } else { 1e-4 });
    let beta: f64 = args.get("--beta", "a number")?.unwrap_or(2.0);
    synthesis::check_prior(lambda, beta)?;
    let (method, n) = (method(args)?, iterations(args)?);
    let (mut net, original) = if cnn {
        args.refuse(
            "--image",
            "the CNN reads digits: --network cnn inverts a held-out digit",
        )?;
        args.refuse("--size", "the CNN reads 28 x 28 digits")?;
        let data = mnist_split(8000, 2000)?;
        let model = trained_cnn(args, &data, seed)?;
        let digit = Tensor::new(
            &[1, 1, 28, 28],
            data.test[..784].iter().map(|&p| p - 0.5).collect(),
        )?;
        (Tapped::new(model, CNN_TAPS.to_vec())?, digit)
    } else {
        args.refuse("--epochs", "only --network cnn is trained")?;
        args.refuse("--load", "only --network cnn is trained")?;
        let image = sized(args, photo(args, "--image", "china", false)?, 64)?;
        (
            Tapped::random(3, &RANDOM_WIDTHS, seed)?,
            image_tensor(&image)?,
        )
    };
    let x0 = faint_noise(&original, seed);
    let run = visualize::invert(
        &mut net,
        layer - 1,
        &original,
        Prior { lambda, beta },
        &x0,
        method,
        n,
    )?;
    let psnr = psnr(&run.image, &original);
    if let Some(ctx) = TourContext::for_out(args)? {
        ctx.save_png("original.png", &shown_tensor(&original)?)?;
        ctx.save_png("inverted.png", &shown_tensor(&run.image)?)?;
    }
    if args.has("--json") {
        let extra = vec![
            ("psnr", Json::Num(psnr)),
            ("layer", Json::Int(layer as i64)),
        ];
        say!("{}", run_json(&run, "loss", extra).render());
        return Ok(());
    }
    report(args, &run, "loss", &format!("inversion of layer {layer}"))?;
    say!("PSNR of the reconstruction: {psnr:.2} dB");
    Ok(())
}

/// PSNR in dB of `x` against `reference`, both in −0.5..0.5 (a peak of 1), clipped as shown.
pub(super) fn psnr(x: &Tensor<f32>, reference: &Tensor<f32>) -> f64 {
    let clip = |v: f32| v.clamp(-0.5, 0.5);
    let a: Vec<f32> = x.data().iter().map(|&v| clip(v) + 0.5).collect();
    let b: Vec<f32> = reference.data().iter().map(|&v| clip(v) + 0.5).collect();
    unsupervised::autoencoder::psnr(&b, &a)
}

/// A `(1, c, h, w)` tensor in −0.5..0.5 as an image; a digit (one channel, 28 wide) as ink
/// on paper, enlarged four times.
pub(super) fn shown_tensor(x: &Tensor<f32>) -> Result<Image> {
    let image = tensor_image(x)?;
    if image.channels == 1 && image.width == 28 {
        let inked = Image::new(28, 28, 1, image.pixels.iter().map(|p| 255 - p).collect())?;
        return Ok(plot::upscale(&inked, 4));
    }
    Ok(image)
}

/// Inversion of the photo through 4 blocks of random filters, without and with the prior.
pub(super) fn inversion_grid(ctx: &TourContext) -> Result<Section> {
    let size = if ctx.quick { 32 } else { 64 };
    let photo = datasets::china_rgb()?.downscale(128 / size)?;
    let original = image_tensor(&photo)?;
    let mut net = Tapped::random(3, &RANDOM_WIDTHS, ctx.seed)?;
    let x0 = faint_noise(&original, ctx.seed);
    let mut images = Vec::new();
    let mut rows = String::new();
    for lambda in [0.0, 1e-4] {
        let mut cells = String::new();
        for layer in 0..RANDOM_WIDTHS.len() {
            let run = visualize::invert(
                &mut net,
                layer,
                &original,
                Prior { lambda, beta: 2.0 },
                &x0,
                Method::Lbfgs,
                200,
            )?;
            cells += &format!("<td>{:.1}</td>", psnr(&run.image, &original));
            images.push(tensor_image(&run.image)?);
        }
        let shown = if lambda == 0.0 {
            "0".to_string()
        } else {
            format!("{lambda:e}")
        };
        rows += &format!("<tr><td>λ = {shown}</td>{cells}</tr>");
    }
    let file = ctx.save_png(
        "visualize-inversion.png",
        &plot::upscale(&tiles(&images, 4)?, 128 / size),
    )?;
    Ok(Section {
        caption: format!(
            "the photo ({size}x{size}) reconstructed from the features of blocks 1 to 4 of a random network (32, 64, 128, 256 maps), λ = 0 (top) and λ = 1e-4 (bottom), β = 2, 200 L-BFGS iterations; PSNR in dB: <table><tr><th></th><th>1</th><th>2</th><th>3</th><th>4</th></tr>{rows}</table>"
        ),
        look_for: "deeper blocks (pooled three times more) keep less: the reconstruction turns to noise unless the TV prior fills in a smooth image.".into(),
        file: Some(file),
        html: String::new(),
    })
}

/// A texture from the flower by L-BFGS and by Adam (loss against time), and a style
/// transfer of the flower onto the Summer Palace.
pub(super) fn texture_figures(ctx: &TourContext) -> Result<Vec<Section>> {
    let (size, iterations) = if ctx.quick { (32, 60) } else { (128, 300) };
    let factor = 128 / size;
    let source = datasets::flower_rgb()?.downscale(factor)?;
    let x = image_tensor(&source)?;
    let mut net = Multiscale::new(3, 32, &[3, 5, 7, 11, 15, 23], ctx.seed)?;
    let x0 = noise(&x, ctx.seed ^ 1);
    let lbfgs = visualize::texture(&mut net, &x, &x0, Method::Lbfgs, iterations)?;
    let adam = visualize::texture(
        &mut net,
        &x,
        &x0,
        Method::Adam {
            learning_rate: 0.02,
        },
        iterations,
    )?;
    let images = [
        source.clone(),
        tensor_image(&lbfgs.image)?,
        tensor_image(&adam.image)?,
    ];
    let curve = |run: &synthesis::Run| -> (Vec<f64>, Vec<f64>) {
        run.trace
            .iter()
            .map(|p| (p.seconds, p.loss.log10()))
            .unzip()
    };
    let (t1, l1) = curve(&lbfgs);
    let (t2, l2) = curve(&adam);
    let plot = Plot::new(format!(
        "texture synthesis at {size}x{size}: Gram loss against time"
    ))
    .x_label("seconds")
    .y_label("log10 Σ E_l")
    .line(&t1, &l1, plot::class_color(0), "L-BFGS")?
    .line(&t2, &l2, plot::class_color(1), "Adam (0.02)")?;
    let content = image_tensor(&datasets::china_rgb()?.downscale(factor)?)?;
    let weights = StyleWeights {
        content: 1.0,
        style: 1e9,
        tv: 1.0,
    };
    let styled = visualize::style_transfer(
        &mut net,
        &content,
        &x,
        &[1],
        weights,
        &content,
        Method::Lbfgs,
        iterations,
    )?;
    let trio = [
        tensor_image(&content)?,
        source,
        tensor_image(&styled.image)?,
    ];
    Ok(vec![
        Section::figure(
            ctx.save_png("visualize-texture.png", &plot::upscale(&tiles(&images, 3)?, factor.min(2)))?,
            &format!(
                "the flower (left) and textures synthesised from noise by L-BFGS (middle) and Adam (right), {iterations} iterations each, random filters 32 x {{3, 5, 7, 11, 15, 23}}; Gram loss {:.2e} → {:.2e} and {:.2e}",
                lbfgs.start_loss(), lbfgs.final_loss(), adam.final_loss()
            ),
            "L-BFGS: the flower's orange petals and dark green in about the right proportions, rearranged into blobs (the Gram matrices forget where things were); Adam after as many evaluations is still noise in the right colours.",
        ),
        Section::figure(
            ctx.save_svg("visualize-texture-loss.svg", &Figure::new("", 1, 520.0, 340.0).with(plot))?,
            "the Gram loss of both runs against wall-clock time",
            "L-BFGS falls orders of magnitude further in the same time; Adam's fixed step crawls.",
        ),
        Section::figure(
            ctx.save_png("visualize-style.png", &plot::upscale(&tiles(&trio, 3)?, factor.min(2)))?,
            &format!("style transfer: content (left), style (middle), result (right); α = 1, β = 1e9, λ_TV = 1, {iterations} L-BFGS iterations from the content"),
            "the palace's outline survives, repainted in the flower's orange and green strokes.",
        ),
    ])
}
