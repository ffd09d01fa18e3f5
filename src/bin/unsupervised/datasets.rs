//! The `datasets` command (list the embedded data and generators, describe or export one) and the
//! tour's data-set page.

use crate::args::{Args, Command, DATA, JSON, LABEL, N, NOISE, OUT, SEED};
use crate::json::Json;
use crate::tour::{Chapter, Section, TourContext};
use crate::Result;
use std::path::Path;
use unsupervised::datasets::{self, Dataset};
use unsupervised::plot::{self, Figure, Plot};

pub const CHAPTER: Chapter = Chapter {
    name: "datasets",
    title: "Data sets",
    book_page: "datasets.html",
    commands: &[COMMAND],
    tour: tour_datasets,
};

pub const COMMAND: Command = Command {
    name: "datasets",
    about: "list the embedded data sets and generators, or describe one with --data",
    flags: &[DATA, N, NOISE, LABEL, SEED, OUT, JSON],
    run: datasets_command,
};

// `datasets`

/// One line per embedded set and generator, or a description of the `--data` set.
pub fn datasets_command(args: &Args) -> Result {
    // Validated first, so a bad value is reported even when it would go unused.
    args.data_options()?;
    if let Some(name) = args.text("--data") {
        let d = args.data(name)?;
        if let Some(out) = TourContext::for_out(args)? {
            out.save_npy(&format!("{}.npy", file_stem(&d.name)), &d.x)?;
        }
        let summary = Json::Obj(vec![
            ("name", Json::Str(d.name.clone())),
            ("rows", Json::Int(d.x.rows() as i64)),
            ("columns", Json::Int(d.x.cols() as i64)),
            ("features", Json::strs(&d.feature_names)),
            ("classes", Json::strs(&d.class_names)),
            ("means", Json::nums(&d.x.column_means()?)),
        ]);
        if args.has("--json") {
            say!("{}", summary.render());
        } else {
            say!("{}: {} rows x {} columns", d.name, d.x.rows(), d.x.cols());
            say!(
                "features: {}",
                d.feature_names
                    .iter()
                    .take(12)
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            if !d.class_names.is_empty() {
                say!("classes: {}", d.class_names.join(", "));
            }
        }
        return Ok(());
    }
    // Listing uses no data: a data option without --data would be silently dropped.
    if let Some(flag) = [N.name, NOISE.name, LABEL.name, OUT.name]
        .into_iter()
        .find(|f| args.has(f))
    {
        return Err(format!(
            "{flag} {}: describes the data set named by --data, and none was given",
            args.text(flag).unwrap_or_default()
        )
        .into());
    }
    let list: Vec<(&str, &str, &str)> = vec![
        (
            "usarrests",
            "50 x 4, state names",
            "US arrests per 100,000 by state, 1973 (R datasets; ISLR ch. 10)",
        ),
        (
            "faithful",
            "272 x 2",
            "Old Faithful eruptions and waiting times (R datasets; Bishop ch. 9)",
        ),
        (
            "digits",
            "1797 x 64, 10 classes",
            "UCI handwritten digits 8 x 8 (Alpaydin and Kaynak 1998)",
        ),
        (
            "mnist",
            "10000 x 784, 10 classes",
            "MNIST digits 28 x 28, a fixed random 10,000 (LeCun et al.)",
        ),
        (
            "blobs",
            "n x 2, 3 classes",
            "generated: isotropic Gaussian blobs",
        ),
        (
            "moons",
            "n x 2, 2 classes",
            "generated: two interleaving half circles",
        ),
        (
            "circles",
            "n x 2, 2 classes",
            "generated: two concentric circles",
        ),
        (
            "spirals",
            "n x 2, 2 classes",
            "generated: two interleaved spirals",
        ),
        ("swissroll", "n x 3", "generated: the Swiss roll"),
        ("scurve", "n x 3", "generated: the S-curve"),
        (
            "ring",
            "n x 2, 8 classes",
            "generated: 8 Gaussians on a circle (mode collapse)",
        ),
        (
            "grid",
            "n x 2, 25 classes",
            "generated: 5 x 5 grid of Gaussians (mode collapse)",
        ),
    ];
    if args.has("--json") {
        let items = list
            .iter()
            .map(|(n, s, a)| {
                Json::Obj(vec![
                    ("name", Json::Str((*n).into())),
                    ("shape", Json::Str((*s).into())),
                    ("about", Json::Str((*a).into())),
                ])
            })
            .collect();
        say!("{}", Json::Arr(items).render());
    } else {
        for (name, shape, about) in list {
            say!("{name:<10} {shape:<24} {about}");
        }
        say!("\nImages: china-gray-256 (256 x 256 grey), china-rgb-128 and flower-rgb-128 (128 x 128 RGB).");
        say!("Files: --data PATH.csv (numeric columns; --label COLUMN) or --data PATH.npy.");
    }
    Ok(())
}

pub fn file_stem(name: &str) -> String {
    Path::new(name)
        .file_stem()
        .map_or_else(|| "data".into(), |s| s.to_string_lossy().into_owned())
}

// tour: data sets

/// A generated data set's points coloured by class, on equal axes.
fn scatter_of(title: &str, d: &Dataset) -> Result<Plot> {
    let labels = d.labels.clone().unwrap_or_else(|| vec![0; d.x.rows()]);
    Ok(plot::class_map(title, &d.x, &labels, &[])?)
}

pub fn tour_datasets(ctx: &TourContext) -> Result<Vec<Section>> {
    let mut out = Vec::new();

    let mnist = datasets::mnist()?;
    let grid = plot::rows_as_images(
        &mnist.x,
        if ctx.quick { 40 } else { 200 },
        28,
        (0.0, 1.0),
        false,
        1,
    )?;
    out.push(Section::figure(ctx.save_png("mnist-grid.png", &grid)?, "MNIST: the first embedded digits", "white strokes on black, 28 x 28 pixels each; the order is random, so every row mixes the ten classes."));

    let digits = datasets::digits()?;
    let grid = plot::rows_as_images(
        &digits.x,
        if ctx.quick { 40 } else { 100 },
        8,
        (0.0, 16.0),
        true,
        4,
    )?;
    out.push(Section::figure(
        ctx.save_png("digits-grid.png", &grid)?,
        "UCI digits, 8 x 8 pixels, enlarged four times",
        "17 grey levels (0 to 16) per pixel: the blockiness is the data, not the picture.",
    ));

    let us = datasets::usarrests()?;
    let mut plot = Plot::new("USArrests: murder against assault")
        .x_label("assault arrests per 100,000")
        .y_label("murder arrests per 100,000");
    plot = plot.points(&us.x.column(1), &us.x.column(0), plot::class_color(0))?;
    for (i, name) in us.row_names.iter().flatten().enumerate().step_by(3) {
        plot = plot.text(us.x[(i, 1)], us.x[(i, 0)], name.clone(), "#555");
    }
    let faithful = datasets::faithful()?;
    let fplot = Plot::new("Old Faithful")
        .x_label("eruption (minutes)")
        .y_label("waiting (minutes)");
    let fplot = fplot.points(
        &faithful.x.column(0),
        &faithful.x.column(1),
        plot::class_color(0),
    )?;
    let fig = Figure::new("", 2, 480.0, 380.0).with(plot).with(fplot);
    out.push(Section::figure(ctx.save_svg("tables.svg", &fig)?, "The two small tables", "USArrests (every third state named): murder and assault rise together, the correlation PCA finds; Old Faithful: two clumps of short and long eruptions, the mixture chapter's example."));

    let n = if ctx.quick { 300 } else { 1000 };
    let seed = ctx.seed;
    let mut fig = Figure::new(
        "Generated data (seed shown in the page header)",
        4,
        300.0,
        300.0,
    );
    fig.push(scatter_of("blobs", &datasets::blobs(n, 2, 3, 1.0, seed)?)?);
    fig.push(scatter_of(
        "two moons",
        &datasets::two_moons(n, 0.05, seed)?,
    )?);
    fig.push(scatter_of(
        "circles",
        &datasets::circles(n, 0.05, 0.5, seed)?,
    )?);
    fig.push(scatter_of(
        "two spirals",
        &datasets::two_spirals(n, 0.2, 1.5, seed)?,
    )?);
    fig.push(scatter_of(
        "ring of 8",
        &datasets::ring_of_gaussians(n, 8, 2.0, 0.02, seed)?,
    )?);
    fig.push(scatter_of(
        "grid of 25",
        &datasets::grid_of_gaussians(n, 5, 0.05, seed)?,
    )?);
    for (title, sample) in [
        ("Swiss roll (x, z)", datasets::swiss_roll(n, 0.0, seed)?),
        ("S-curve (x, z)", datasets::s_curve(n, 0.0, seed)?),
    ] {
        let p = Plot::new(title).scatter_values(
            &sample.data.x.column(0),
            &sample.data.x.column(2),
            &sample.t,
        )?;
        fig.push(p.equal_aspect());
    }
    out.push(Section::figure(ctx.save_svg("generators.svg", &fig)?, "Every generator", "colours are the true classes, or for the Swiss roll and S-curve the position t along the sheet (dark to yellow): the coordinate a good embedding should unroll."));

    let party = datasets::cocktail_party(if ctx.quick { 400 } else { 1000 }, seed)?;
    let shown = party.sources.rows().min(400);
    let t: Vec<f64> = (0..shown).map(|i| i as f64).collect();
    let mut fig = Figure::new("The cocktail party", 2, 460.0, 260.0);
    for (title, m) in [
        ("sources", &party.sources),
        ("what the microphones hear", &party.mixed),
    ] {
        let mut p = Plot::new(title).x_label("sample");
        for j in 0..4 {
            let ys: Vec<f64> = (0..shown).map(|i| m[(i, j)] + 6.0 * j as f64).collect();
            p = p.line(&t, &ys, plot::class_color(j), "")?;
        }
        fig.push(p);
    }
    out.push(Section::figure(ctx.save_svg("cocktail.svg", &fig)?, "Independent sources and their mixtures", "a sine, a square wave, a sawtooth and noise (left) reach four microphones as weighted sums (right); ICA (chapter 3) recovers the left from the right."));

    for (file, image, caption) in [
        (
            "china-gray.png",
            datasets::china_gray()?,
            "Summer Palace, 256 x 256 grey: the vector-quantization image",
        ),
        (
            "china-rgb.png",
            datasets::china_rgb()?,
            "Summer Palace, 128 x 128 RGB",
        ),
        (
            "flower-rgb.png",
            datasets::flower_rgb()?,
            "Dahlia, 128 x 128 RGB: the texture image",
        ),
    ] {
        out.push(Section::figure(
            ctx.save_png(
                file,
                &plot::upscale(&image, if image.width < 200 { 2 } else { 1 }),
            )?,
            caption,
            "embedded photos, shown at their stored resolution (small ones doubled).",
        ));
    }
    Ok(out)
}
