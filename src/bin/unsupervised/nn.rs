//! Chapters 10 and 11 on the command line: `unsupervised classify` (an MLP or a CNN on digits)
//! and the tour's training curves.

use crate::args::{Args, Command, Flag, BATCH_SIZE, JSON, LOAD, OUT, SAVE, SEED};
use crate::json::Json;
use crate::tour::{Chapter, Section, TourContext};
use crate::Result;
use std::path::Path;
use std::time::Instant;
use unsupervised::datasets;
use unsupervised::image::Image;
use unsupervised::nn::Layer;
use unsupervised::plot::{self, Figure, Plot};

pub const CHAPTER: Chapter = Chapter {
    name: "nn",
    title: "10–11 · Autodiff and neural networks",
    book_page: "11-nn.html",
    commands: &[COMMAND],
    tour: tour_nn,
};

pub const COMMAND: Command = Command {
    name: "classify",
    about: "train an MLP or a CNN on handwritten digits (chapters 10 and 11)",
    flags: &[
        Flag::value("--data", "NAME", "mnist (default; first 8,000 images train, last 2,000 test) or digits (80/20)"),
        Flag::value(
            "--model",
            "NAME",
            "mlp (default), cnn (28 x 28 images only) or knn (no training: the majority of the nearest training digits)",
        ),
        Flag::value(
            "--neighbors",
            "K",
            "with --model knn: how many nearest training digits vote (default 3)",
        ),
        Flag::value("--recipe", "NAME", "plain (default: Adam 1e-3, batch 128, 10 epochs) or better (shifts, dropout, decay, 25 epochs)"),
        Flag::value("--epochs", "N", "epochs (default: the recipe's; 0 with --load only evaluates)"),
        BATCH_SIZE,
        Flag::value("--learning-rate", "R", "Adam's step size (default 0.001)"),
        LOAD,
        SAVE,
        SEED,
        OUT,
        JSON,
    ],
    run: classify_command,
};

// `classify`

/// Pixels of a data set of square images as `f32` in [0, 1] (divided by the largest value
/// when that exceeds 1), with the side of the square.
pub fn images_of(d: &datasets::Dataset) -> Result<(Vec<f32>, usize)> {
    let side = (d.x.cols() as f64).sqrt().round() as usize;
    if side * side != d.x.cols() {
        return Err(format!(
            "--data {}: rows of {} values are not square images",
            d.name,
            d.x.cols()
        )
        .into());
    }
    let max = d.x.as_slice().iter().fold(0.0f64, |m, &v| m.max(v));
    let scale = if max > 1.0 { 1.0 / max } else { 1.0 };
    Ok((
        d.x.as_slice().iter().map(|&v| (v * scale) as f32).collect(),
        side,
    ))
}

/// `unsupervised classify --data mnist --model mlp|cnn --epochs 10 --seed 0 --json`:
/// `{"test_accuracy": a, "epochs": [loss per epoch], "seconds": s, ...}`.
pub fn classify_command(args: &Args) -> Result {
    use unsupervised::nn::classify::{self, Images, Recipe};
    let seed = args.seed()?;
    let name = args.text("--data").unwrap_or("mnist");
    if !matches!(name, "mnist" | "digits") {
        return Err(format!("--data {name}: classify knows mnist and digits").into());
    }
    let d = datasets::by_name(name)?;
    let labels = d.labels.clone().ok_or("the data set has no labels")?;
    let (pixels, side) = images_of(&d)?;
    let n_train = if name == "mnist" {
        8000.min(labels.len())
    } else {
        labels.len() * 4 / 5
    };
    let (train, test) = Images {
        pixels: &pixels,
        labels: &labels,
        side,
    }
    .split_at(n_train);
    if args.text("--model") == Some("knn") {
        return knn_command(args, name, &train, &test);
    }
    args.refuse("--neighbors", "only --model knn has neighbours")?;
    let mut recipe =
        match args.choice("--recipe", "plain", &[("plain", false), ("better", true)])? {
            true => Recipe::better(),
            false => Recipe::plain(),
        };
    recipe.seed = seed;
    recipe.progress = true;
    args.training(
        &mut recipe.epochs,
        &mut recipe.batch_size,
        &mut recipe.learning_rate,
    )?;
    let kind = args.choice(
        "--model",
        "mlp",
        &[("mlp", "mlp"), ("cnn", "cnn"), ("knn", "knn")],
    )?;
    let mut rng = unsupervised::Rng::seed_from_u64(seed);
    let mut model = match kind {
        "cnn" if side != 28 => {
            return Err(
                format!("--model cnn needs 28 x 28 images; {name} has {side} x {side}").into(),
            )
        }
        "cnn" => classify::cnn(recipe.dropout, &mut rng)?,
        _ => classify::mlp(side * side, recipe.dropout, &mut rng)?,
    };
    if let Some(file) = args.text("--load") {
        unsupervised::nn::io::load(&mut model, Path::new(file))?;
    }
    let started = Instant::now();
    let report = if recipe.epochs > 0 {
        Some(classify::train_classifier(
            &mut model, &train, &test, &recipe,
        )?)
    } else {
        None
    };
    let predicted = classify::predict(&mut model, &test)?;
    let accuracy = accuracy(&predicted, test.labels);
    let seconds = started.elapsed().as_secs_f64();
    if let Some(file) = args.text("--save") {
        unsupervised::nn::io::save(&model, Path::new(file))?;
        eprintln!("saved {file}");
    }
    let losses = report
        .as_ref()
        .map_or(Vec::new(), |r| r.train.epoch_losses.clone());
    let per_epoch = report
        .as_ref()
        .map_or(Vec::new(), |r| r.test_accuracy.clone());
    if let Some(out) = TourContext::for_out(args)? {
        classify_figures(&out, &losses, &per_epoch, &test, &predicted, kind)?;
    }
    eprintln!(
        "{kind} on {name}: test accuracy {accuracy:.4} ({} test images), {seconds:.1} s",
        test.len()
    );
    if args.has("--json") {
        let doc = Json::Obj(vec![
            ("test_accuracy", Json::Num(accuracy)),
            ("epochs", Json::nums(&losses)),
            ("test_accuracy_per_epoch", Json::nums(&per_epoch)),
            ("seconds", Json::Num(seconds)),
            ("model", Json::Str(kind.into())),
            ("parameters", Json::Int(model.n_trainable() as i64)),
            ("train_size", Json::Int(train.len() as i64)),
            ("test_size", Json::Int(test.len() as i64)),
        ]);
        say!("{}", doc.render());
    } else {
        for (i, (l, a)) in losses.iter().zip(&per_epoch).enumerate() {
            say!("epoch {}: loss {l:.4}, test accuracy {a:.4}", i + 1);
        }
        say!("test accuracy {accuracy:.4}");
    }
    Ok(())
}

/// `classify --model knn`: chapter 4's k-nearest-neighbour classifier on the same split,
/// the baseline without training that the networks must beat.
fn knn_command(
    args: &Args,
    name: &str,
    train: &unsupervised::nn::classify::Images<'_>,
    test: &unsupervised::nn::classify::Images<'_>,
) -> Result {
    use unsupervised::linalg::{Exec, Matrix};
    for flag in [
        "--recipe",
        "--epochs",
        "--batch-size",
        "--learning-rate",
        "--load",
        "--save",
    ] {
        args.refuse(flag, "--model knn trains nothing")?;
    }
    let k: usize = args.get("--neighbors", "a whole number")?.unwrap_or(3);
    if k == 0 || k > train.len() {
        return Err(format!(
            "--neighbors {k}: must be between 1 and the {} training digits",
            train.len()
        )
        .into());
    }
    let matrix = |images: &unsupervised::nn::classify::Images<'_>| {
        let d = images.side * images.side;
        Matrix::new(
            images.len(),
            d,
            images.pixels.iter().map(|&v| f64::from(v)).collect(),
        )
    };
    let started = Instant::now();
    let predicted = unsupervised::metrics::knn_classify(
        &matrix(train)?,
        train.labels,
        &matrix(test)?,
        k,
        Exec::default(),
    )?;
    let accuracy = accuracy(&predicted, test.labels);
    let seconds = started.elapsed().as_secs_f64();
    eprintln!(
        "knn (k = {k}) on {name}: test accuracy {accuracy:.4} ({} test images), {seconds:.1} s",
        test.len()
    );
    if args.has("--json") {
        let doc = Json::Obj(vec![
            ("test_accuracy", Json::Num(accuracy)),
            ("neighbors", Json::Int(k as i64)),
            ("seconds", Json::Num(seconds)),
            ("model", Json::Str("knn".into())),
            ("train_size", Json::Int(train.len() as i64)),
            ("test_size", Json::Int(test.len() as i64)),
        ]);
        say!("{}", doc.render());
    } else {
        say!("test accuracy {accuracy:.4}");
    }
    Ok(())
}

/// The fraction of `predicted` labels that are right.
fn accuracy(predicted: &[usize], labels: &[usize]) -> f64 {
    predicted.iter().zip(labels).filter(|(p, l)| p == l).count() as f64 / labels.len() as f64
}

/// The loss and test accuracy per epoch, and a grid of misclassified test digits.
/// Returns the two file names.
pub fn classify_figures(
    ctx: &TourContext,
    losses: &[f64],
    accuracy: &[f64],
    test: &unsupervised::nn::classify::Images<'_>,
    predicted: &[usize],
    kind: &str,
) -> Result<(String, Option<String>)> {
    let epochs: Vec<f64> = (1..=losses.len()).map(|i| i as f64).collect();
    let mut fig = Figure::new("", 2, 420.0, 300.0);
    if !losses.is_empty() {
        fig.push(
            Plot::new(format!("{kind}: training loss (cross-entropy)"))
                .x_label("epoch")
                .integer_x()
                .y_label("mean loss")
                .line(&epochs, losses, plot::class_color(0), "")?,
        );
        fig.push(
            Plot::new(format!("{kind}: test accuracy"))
                .x_label("epoch")
                .integer_x()
                .y_label("accuracy")
                .line(&epochs, accuracy, plot::class_color(1), "")?,
        );
    }
    let curves = ctx.save_svg(&format!("classify-{kind}-curves.svg"), &fig)?;
    let side = test.side;
    // Each digit over "true>predicted", enlarged to at least 48 pixels so the label fits.
    let zoom = (48 / side).max(2);
    let wrong: Vec<Vec<u8>> = predicted
        .iter()
        .zip(test.labels)
        .enumerate()
        .filter(|(_, (p, l))| p != l)
        .take(40)
        .map(|(i, (p, l))| {
            let px: Vec<f64> = test.pixels[i * side * side..(i + 1) * side * side]
                .iter()
                .map(|&v| f64::from(v))
                .collect();
            let digit = Image::new(side, side, 1, plot::to_bytes(&px, 0.0, 1.0, true))?;
            let big = plot::upscale(&digit, zoom);
            Ok(plot::captioned(
                &big.pixels,
                zoom * side,
                zoom * side,
                1,
                &format!("{l}>{p}"),
                1,
            ))
        })
        .collect::<Result<_>>()?;
    if wrong.is_empty() {
        return Ok((curves, None));
    }
    let refs: Vec<&[u8]> = wrong.iter().map(|v| v.as_slice()).collect();
    let grid = plot::image_grid(&refs, zoom * side + 9, zoom * side, 1, 10, 4)?;
    let grid = ctx.save_png(&format!("classify-{kind}-misclassified.png"), &grid)?;
    Ok((curves, Some(grid)))
}

// tour: chapters 10, 11

/// Chapters 10 and 11: gradient checks of a few ops, then an MLP and a CNN learning MNIST
/// (quick mode: an MLP on the 8 x 8 digits), with the digits they still get wrong.
pub fn tour_nn(ctx: &TourContext) -> Result<Vec<Section>> {
    use unsupervised::autodiff::{gradient_check, Conv2dSpec, Tensor};
    use unsupervised::nn::classify::{self, Images, Recipe};
    let mut rng = unsupervised::Rng::seed_from_u64(ctx.seed);
    let mut rand = |shape: &[usize]| Tensor::uniform(shape, -1.0, 1.0, &mut rng);
    let (x, w, img) = (rand(&[4, 6]), rand(&[6, 3]), rand(&[2, 3, 6, 6]));
    let (kernel, labels) = (rand(&[4, 3, 3, 3]), [0, 2, 1, 2]);
    let checks: Vec<(&str, f64)> = vec![
        (
            "matmul",
            gradient_check(&[x.clone(), w], |g, v| g.matmul(v[0], v[1]))?,
        ),
        (
            "tanh",
            gradient_check(std::slice::from_ref(&x), |g, v| Ok(g.tanh(v[0])))?,
        ),
        (
            "log_softmax",
            gradient_check(std::slice::from_ref(&x), |g, v| Ok(g.log_softmax(v[0])))?,
        ),
        (
            "cross_entropy_with_logits",
            gradient_check(std::slice::from_ref(&x), |g, v| {
                g.cross_entropy_with_logits(v[0], &labels)
            })?,
        ),
        (
            "conv2d (stride 2, padding 1)",
            gradient_check(&[img.clone(), kernel], |g, v| {
                g.conv2d(v[0], v[1], None, Conv2dSpec::default().stride(2).padding(1))
            })?,
        ),
        (
            "max_pool2d",
            gradient_check(std::slice::from_ref(&img), |g, v| g.max_pool2d(v[0], 2, 2))?,
        ),
    ];
    let mut table = String::from(
        "<table><tr><th>op</th><th>largest |analytic − numeric| / (1 + |numeric|)</th></tr>\n",
    );
    for (op, err) in &checks {
        table += &format!("<tr><td>{op}</td><td>{err:.1e}</td></tr>\n");
    }
    table += "</table>";
    let mut sections = vec![Section {
        caption: "Gradient checks in f64 (central differences, h = 1e-6)".into(),
        look_for: "every error between 1e-11 and 1e-9, the accuracy of the finite differences themselves; a wrong VJP shows up as 1e-3 or worse.".into(),
        file: None,
        html: table,
    }];

    let (data, models): (&str, &[&str]) = if ctx.quick {
        ("digits", &["mlp"])
    } else {
        ("mnist", &["mlp", "cnn"])
    };
    let d = datasets::by_name(data)?;
    let all_labels = d.labels.clone().unwrap_or_default();
    let (pixels, side) = images_of(&d)?;
    let n_train = if ctx.quick {
        all_labels.len() * 4 / 5
    } else {
        8000
    };
    let (train, test) = Images {
        pixels: &pixels,
        labels: &all_labels,
        side,
    }
    .split_at(n_train);
    for &kind in models {
        // The CNN gets three epochs here (about 10 s); `classify --model cnn` runs ten.
        let recipe = Recipe {
            epochs: if kind == "cnn" { 3 } else { 10 },
            seed: ctx.seed,
            ..Recipe::plain()
        };
        let mut model_rng = unsupervised::Rng::seed_from_u64(ctx.seed);
        let mut model = if kind == "cnn" {
            classify::cnn(0.0, &mut model_rng)
        } else {
            classify::mlp(side * side, 0.0, &mut model_rng)
        }?;
        let started = Instant::now();
        let report = classify::train_classifier(&mut model, &train, &test, &recipe)?;
        let seconds = started.elapsed().as_secs_f64();
        let predicted = classify::predict(&mut model, &test)?;
        let (curves, wrong) = classify_figures(
            ctx,
            &report.train.epoch_losses,
            &report.test_accuracy,
            &test,
            &predicted,
            kind,
        )?;
        let acc = report.test_accuracy.last().copied().unwrap_or(0.0);
        sections.push(Section::figure(
            curves,
            &format!("{kind} on {data}: {} epochs in {seconds:.1} s, test accuracy {acc:.4} ({} test images)", recipe.epochs, test.len()),
            "the training loss should fall every epoch while the test accuracy levels off: the gap between them is what regularisation (the better recipe) works on.",
        ));
        if let Some(wrong) = wrong {
            sections.push(Section::figure(
                wrong,
                &format!("{kind}: the first test digits it gets wrong"),
                "under each digit, its true class and the network's answer (true>predicted): many are hard for people too (open loops, slanted or cut-off strokes), and most confusions are between digits that share strokes.",
            ));
        }
    }
    Ok(sections)
}

/// MNIST 10k as `f32` pixels in [0, 1]: the first `n_train` images and labels for training
/// and the last `n_test` held out (chapter 11's split is 8,000 and 2,000; the quick tour
/// takes fewer of each).
pub struct DigitSplit {
    pub train: Vec<f32>,
    pub train_labels: Vec<usize>,
    pub test: Vec<f32>,
    pub test_labels: Vec<usize>,
}

pub fn mnist_split(n_train: usize, n_test: usize) -> Result<DigitSplit> {
    let d = datasets::mnist()?;
    let labels = d.labels.clone().ok_or("MNIST has no labels")?;
    let (pixels, side) = images_of(&d)?;
    let px = side * side;
    let n = labels.len();
    let (n_train, n_test) = (n_train.min(8000).min(n), n_test.min(n - 8000.min(n)));
    Ok(DigitSplit {
        train: pixels[..n_train * px].to_vec(),
        train_labels: labels[..n_train].to_vec(),
        test: pixels[(n - n_test) * px..].to_vec(),
        test_labels: labels[n - n_test..].to_vec(),
    })
}

/// Rows of 28 x 28 pixels in [0, 1] as a grid of digits, `cols` to a row, enlarged twice.
pub fn digit_grid(pixels: &[f32], cols: usize) -> Result<unsupervised::image::Image> {
    let tiles: Vec<Vec<u8>> = pixels
        .chunks(784)
        .map(|img| {
            let v: Vec<f64> = img.iter().map(|&p| f64::from(p)).collect();
            plot::to_bytes(&v, 0.0, 1.0, true)
        })
        .collect();
    let refs: Vec<&[u8]> = tiles.iter().map(Vec::as_slice).collect();
    Ok(plot::upscale(
        &plot::image_grid(&refs, 28, 28, 1, cols, 2)?,
        2,
    ))
}
