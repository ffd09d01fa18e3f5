//! `unsupervised saliency`: what chapter 11's MNIST CNN learned, and its tour section.

use super::*;

// ---------------------------------------------------------------------------------------
// saliency

pub const SALIENCY: Command = Command {
    name: "saliency",
    about: "what the MNIST CNN learned: filters, activations, saliency, class images (chapter 15)",
    flags: &[
        Flag::value("--digit", "I", "which held-out digit, from 0 (default 0)"),
        Flag::value(
            "--class",
            "C",
            "whose score's gradient (default: the digit's label)",
        ),
        EPOCHS,
        LOAD,
        SEED,
        OUT,
        JSON,
    ],
    run: saliency_command,
};

/// `unsupervised saliency --out DIR`: writes `filters.png`, `activations.png`,
/// `saliency.png` and `class-images.png`; `--json` prints `{"label", "predicted",
/// "class", "saliency_max", "test_accuracy"}`.
fn saliency_command(args: &Args) -> Result {
    let seed = args.seed()?;
    let data = mnist_split(8000, 2000)?;
    let count = data.test_labels.len();
    let index: usize = args.get("--digit", "a whole number")?.unwrap_or(0);
    if index >= count {
        return Err(format!(
            "--digit {index}: there are {count} held-out digits (0 to {})",
            count - 1
        )
        .into());
    }
    let label = data.test_labels[index];
    let class: usize = args.get("--class", "a whole number")?.unwrap_or(label);
    if class >= 10 {
        return Err(format!("--class {class}: must be a digit, 0 to 9").into());
    }
    let mut model = trained_cnn(args, &data, seed)?;
    let digit = digit_tensor(&data, index)?;
    let logits = model.predict(digit.clone())?;
    let predicted = argmax(logits.data());
    let map = inspect::saliency(&mut model, &digit, class)?;
    let test = Images {
        pixels: &data.test,
        labels: &data.test_labels,
        side: 28,
    };
    let accuracy = classify::accuracy(&mut model, &test)?;
    if let Some(ctx) = TourContext::for_out(args)? {
        for s in cnn_figures(&ctx, &mut model, &data, index, class, seed)? {
            eprintln!("saliency: {}", s.caption);
        }
    }
    let top = map.data().iter().fold(0.0f32, |m, v| m.max(v.abs()));
    if args.has("--json") {
        let doc = Json::Obj(vec![
            ("label", Json::Int(label as i64)),
            ("predicted", Json::Int(predicted as i64)),
            ("class", Json::Int(class as i64)),
            ("saliency_max", Json::Num(f64::from(top))),
            ("test_accuracy", Json::Num(accuracy)),
        ]);
        say!("{}", doc.render());
    } else {
        say!("held-out digit {index}: label {label}, predicted {predicted}; largest |∂S_{class}/∂x| {top:.4}; CNN test accuracy {accuracy:.4}");
    }
    Ok(())
}

pub(super) fn argmax(v: &[f32]) -> usize {
    (0..v.len()).fold(0, |b, i| if v[i] > v[b] { i } else { b })
}

/// Held-out digit `i` as `(1, 1, 28, 28)` in [0, 1], as the CNN was trained.
pub(super) fn digit_tensor(data: &DigitSplit, i: usize) -> Result<Tensor<f32>> {
    Ok(Tensor::new(
        &[1, 1, 28, 28],
        data.test[i * 784..(i + 1) * 784].to_vec(),
    )?)
}

/// Chapter 11's CNN, trained `--epochs` epochs (default 2) on `data` with its plain
/// recipe, or loaded with `--load` (from `classify --model cnn --save FILE`).
pub(super) fn trained_cnn(args: &Args, data: &DigitSplit, seed: u64) -> Result<Sequential<f32>> {
    let epochs: usize = args.get("--epochs", "a whole number")?.unwrap_or(2);
    cnn_on(data, epochs, args.text("--load"), seed)
}

pub(super) fn cnn_on(
    data: &DigitSplit,
    epochs: usize,
    load: Option<&str>,
    seed: u64,
) -> Result<Sequential<f32>> {
    let mut model = classify::cnn(0.0, &mut Rng::seed_from_u64(seed))?;
    if let Some(file) = load {
        unsupervised::nn::io::load(&mut model, Path::new(file))?;
    }
    if epochs > 0 {
        let recipe = Recipe {
            epochs,
            seed,
            progress: true,
            ..Recipe::plain()
        };
        let train = Images {
            pixels: &data.train,
            labels: &data.train_labels,
            side: 28,
        };
        let test = Images {
            pixels: &data.test,
            labels: &data.test_labels,
            side: 28,
        };
        classify::train_classifier(&mut model, &train, &test, &recipe)?;
    }
    Ok(model)
}

/// Values scaled so that `±max|v|` spans 0..255 (`signed`: zero is mid-grey), as a grey
/// image enlarged `factor` times.
pub(super) fn heat(values: &[f32], side: usize, signed: bool, factor: usize) -> Result<Image> {
    let top = values.iter().fold(1e-12f32, |m, v| m.max(v.abs()));
    let v: Vec<f64> = values
        .iter()
        .map(|&x| f64::from(if signed { x } else { x.abs() } / top))
        .collect();
    let lo = if signed { -1.0 } else { 0.0 };
    Ok(plot::upscale(
        &Image::new(side, side, 1, plot::to_bytes(&v, lo, 1.0, false))?,
        factor,
    ))
}

/// The CNN's figures: first-layer filters, activations of one digit, its saliency, and
/// an image optimised for each class.
pub(super) fn cnn_figures(
    ctx: &TourContext,
    model: &mut Sequential<f32>,
    data: &DigitSplit,
    index: usize,
    class: usize,
    seed: u64,
) -> Result<Vec<Section>> {
    let (filters, k) = inspect::first_filters(model)?;
    let filter_tiles: Vec<Image> = filters
        .iter()
        .map(|f| heat(f, k, true, 8))
        .collect::<Result<_>>()?;
    let digit = digit_tensor(data, index)?;
    let acts = inspect::activations(model, &digit)?;
    let mut rows = Vec::new();
    for layer in [2, 3, 5, 6] {
        let a = &acts[layer];
        let side = a.shape()[2];
        for map in a.data().chunks(side * side).take(8) {
            rows.push(heat(map, side, false, 96 / side)?);
        }
    }
    let map = inspect::saliency(model, &digit, class)?;
    let pair = [
        shown_tensor(&digit.map(|p| p - 0.5))?,
        heat(map.data(), 28, false, 4)?,
    ];
    // Faint noise, a different start for every seed.
    let x0 = Tensor::uniform(&[1, 1, 28, 28], 0.0, 0.1, &mut Rng::seed_from_u64(seed));
    let mut classes = Vec::new();
    for c in 0..10 {
        let penalty = Penalty::Tv {
            lambda: 0.3,
            beta: 2.0,
        };
        let run = inspect::class_image(
            model,
            c,
            penalty,
            &x0,
            Method::Adam {
                learning_rate: 0.05,
            },
            100,
        )?;
        classes.push(heat(run.image.data(), 28, true, 3)?);
    }
    Ok(vec![
        Section::figure(
            ctx.save_png("visualize-filters.png", &tiles(&filter_tiles, 8)?)?,
            "the 32 first-layer 5x5 filters of the trained MNIST CNN (grey 0, white positive, black negative)",
            "after two epochs most look noisy to the eye; a few have a light and a dark half, the slope a stroke detector needs.",
        ),
        Section::figure(
            ctx.save_png("visualize-activations.png", &tiles(&rows, 8)?)?,
            &format!("8 maps of held-out digit {index} after conv1 (24x24), pool1 (12x12), conv2 (8x8) and pool2 (4x4)"),
            "shallow maps still show the digit's strokes, each map a different edge; deeper maps are coarse and abstract.",
        ),
        Section::figure(
            ctx.save_png("visualize-saliency.png", &tiles(&pair, 2)?)?,
            &format!("held-out digit {index} and the saliency |∂S_{class}/∂x| of its class score"),
            "the pixels on and next to the strokes light up: where ink would most change the score.",
        ),
        Section::figure(
            ctx.save_png("visualize-classes.png", &tiles(&classes, 10)?)?,
            "images from faint noise maximising each class score 0 to 9 (Adam, 100 steps, TV penalty λ = 0.3)",
            "ghostly strokes in the shape of each digit: what the network looks for, not a natural digit.",
        ),
    ])
}
