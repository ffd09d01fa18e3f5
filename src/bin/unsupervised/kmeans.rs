//! Chapter 4 on the command line: `unsupervised kmeans` and the tour's k-means figures.

use crate::args::{Args, Command, Flag, DATA, JSON, LABEL, N, NOISE, OUT, SEED, STANDARDIZE};
use crate::json::Json;
use crate::tour::{Chapter, Section, TourContext};
use crate::Result;
use std::fmt::Write as _;
use std::time::Instant;
use unsupervised::datasets;
use unsupervised::linalg::{Exec, Matrix};
use unsupervised::plot::{self, Figure, Plot};
use unsupervised::Rng;

pub const CHAPTER: Chapter = Chapter {
    name: "kmeans",
    title: "4 · k-means and vector quantization",
    book_page: "04-kmeans.html",
    commands: &[COMMAND],
    tour: tour_kmeans,
};

pub const COMMAND: Command = Command {
    name: "kmeans",
    about: "k-means clustering (chapter 4)",
    flags: &[
        DATA,
        N,
        NOISE,
        LABEL,
        Flag::value("--k", "K", "number of clusters (default 3)").sets("n_clusters"),
        Flag::value(
            "--n-init",
            "N",
            "restarts; the lowest objective wins (default 10)",
        ),
        Flag::value("--max-iter", "N", "iterations per run (default 300)"),
        Flag::value("--init", "NAME", "k-means++ (default), forgy or random"),
        Flag::value(
            "--algorithm",
            "NAME",
            "auto (default), lloyd or hamerly: the same result; hamerly skips distances",
        ),
        Flag::value(
            "--tol",
            "T",
            "also stop when the centroids move less than T (relative; default 0)",
        ),
        STANDARDIZE,
        Flag::value(
            "--gap",
            "KMAX",
            "also the gap statistic for K = 1..KMAX (20 reference sets): gap, gap_sd, gap_k",
        ),
        Flag::value(
            "--quantize",
            "IMAGE",
            "instead of --data: vector-quantize china, china-gray, flower or a .pgm/.ppm to K colours",
        ),
        SEED,
        OUT,
        JSON,
    ],
    run: kmeans_command,
};

// `kmeans`

/// `unsupervised kmeans --data digits --k 10 --n-init 10 --seed 0 --json`: `{"inertia": J,
/// "labels": [...], "centroids": [[...]], "iterations": n, "converged": bool}`.
pub fn kmeans_command(args: &Args) -> Result {
    use unsupervised::kmeans::{gap_statistic, Algorithm, Init, KMeans};
    if args.has("--quantize") {
        return quantize_command(args);
    }
    let options = args.data_options()?;
    let d = args.data("blobs")?;
    let init = args.choice(
        "--init",
        "k-means++",
        &[
            ("k-means++", Init::KMeansPlusPlus),
            ("kmeans++", Init::KMeansPlusPlus),
            ("forgy", Init::Forgy),
            ("random", Init::RandomAssignment),
        ],
    )?;
    let k = args.get("--k", "a whole number")?.unwrap_or(3);
    let mut km = KMeans::new(k).init(init).seed(options.seed);
    if let Some(n) = args.get("--n-init", "a whole number")? {
        km = km.n_init(n);
    }
    if let Some(n) = args.get("--max-iter", "a whole number")? {
        km = km.max_iter(n);
    }
    if let Some(t) = args.get("--tol", "a number")? {
        km = km.tol(t);
    }
    km = km.algorithm(args.choice(
        "--algorithm",
        "auto",
        &[
            ("auto", Algorithm::Auto),
            ("lloyd", Algorithm::Lloyd),
            ("hamerly", Algorithm::Hamerly),
        ],
    )?);
    let x = args.features(&d.x)?;
    let started = Instant::now();
    let fit = km.fit(&x)?;
    eprintln!(
        "kmeans: k = {k} on {} ({} x {}): J = {:.6e} after {} iterations in {:.3} s",
        d.name,
        d.x.rows(),
        d.x.cols(),
        fit.inertia,
        fit.n_iter,
        started.elapsed().as_secs_f64()
    );
    if !fit.converged {
        eprintln!("warning: kmeans stopped at --max-iter before the assignments settled");
    }
    if let Some(out) = TourContext::for_out(args)? {
        out.save_npy("centroids.npy", &fit.centroids)?;
        out.save_labels("labels.npy", &fit.labels)?;
    }
    let gap = match args.get::<usize>("--gap", "a whole number")? {
        Some(k_max) if k_max == 0 || k_max >= x.rows() => {
            return Err(format!(
                "--gap {k_max}: must be between 1 and the number of rows - 1 ({})",
                x.rows() - 1
            )
            .into())
        }
        Some(k_max) => {
            let g = gap_statistic(&x, k_max, 20, options.seed)?;
            eprintln!("gap statistic: K = {} of 1..{k_max}", g.k);
            Some(g)
        }
        None => None,
    };
    if args.has("--json") {
        let mut doc = vec![
            ("inertia", Json::Num(fit.inertia)),
            ("labels", Json::ints(fit.labels.iter().copied())),
            ("centroids", Json::rows(&fit.centroids)),
            ("iterations", Json::Int(fit.n_iter as i64)),
            ("converged", Json::Bool(fit.converged)),
        ];
        if let Some(g) = gap {
            doc.push(("gap", Json::nums(&g.gap)));
            doc.push(("gap_sd", Json::nums(&g.s)));
            doc.push(("gap_k", Json::Int(g.k as i64)));
        }
        let doc = Json::Obj(doc);
        say!("{}", doc.render());
    } else {
        say!("J = {:.6e}, {} iterations", fit.inertia, fit.n_iter);
        for c in 0..k {
            say!(
                "cluster {c}: {} points",
                fit.labels.iter().filter(|&&l| l == c).count()
            );
        }
    }
    Ok(())
}

/// `kmeans --quantize china --k 16 --out DIR --json`: the photo's pixels as points, K
/// codewords, and what storing the codes saves: `{"k", "bits", "raw_bits", "ratio",
/// "psnr"}`; `--out` writes `quantized.png`.
fn quantize_command(args: &Args) -> Result {
    for flag in [
        "--data",
        "--n",
        "--noise",
        "--label",
        "--gap",
        "--standardize",
    ] {
        args.refuse(flag, "--quantize reads a photo, not a data set")?;
    }
    let image = crate::visualize::photo(args, "--quantize", "china", false)?;
    let k = args.get("--k", "a whole number")?.unwrap_or(16);
    let q = unsupervised::kmeans::quantize_image(&image, k, args.seed()?)?;
    let ratio = q.raw_bits as f64 / q.bits as f64;
    eprintln!(
        "quantize: {} x {} x {} to K = {k}: {} bits ({ratio:.2}x smaller), PSNR {:.2} dB",
        image.width, image.height, image.channels, q.bits, q.psnr
    );
    if let Some(out) = TourContext::for_out(args)? {
        out.save_png("quantized.png", &q.image)?;
    }
    if args.has("--json") {
        let doc = Json::Obj(vec![
            ("k", Json::Int(k as i64)),
            ("bits", Json::Int(q.bits as i64)),
            ("raw_bits", Json::Int(q.raw_bits as i64)),
            ("ratio", Json::Num(ratio)),
            ("psnr", Json::Num(q.psnr)),
        ]);
        say!("{}", doc.render());
    } else {
        say!(
            "{} bits against {} raw ({ratio:.2}x), PSNR {:.2} dB",
            q.bits,
            q.raw_bits,
            q.psnr
        );
    }
    Ok(())
}

// tour: chapter 4

/// Chapter 4: Lloyd's algorithm step by step (ISLR Figure 10.6) with the public step
/// functions, and vector quantization of the grey and colour photos.
pub fn tour_kmeans(ctx: &TourContext) -> Result<Vec<Section>> {
    use unsupervised::kmeans::{assign_step, gap_statistic, quantize_image, update_step};
    let data = datasets::blobs(150, 2, 3, 1.6, ctx.seed + 4)?;
    let x = &data.x;
    let (xs, ys) = (x.column(0), x.column(1));
    let k = 3;
    let mut rng = Rng::seed_from_u64(ctx.seed);
    // Step 1 (ISLR Algorithm 10.1): a random cluster for every point.
    let mut labels: Vec<usize> = (0..x.rows())
        .map(|_| rng.index(k))
        .collect::<unsupervised::Result<_>>()?;
    let panel =
        |title: String, labels: &[usize], centroids: Option<&Matrix<f64>>| -> Result<Plot> {
            let mut p = Plot::new(title).scatter_classes(&xs, &ys, labels, &[])?;
            if let Some(c) = centroids {
                for j in 0..k {
                    p = p.markers(&[c[(j, 0)]], &[c[(j, 1)]], plot::class_color(j), 7.0)?;
                }
            }
            Ok(p.equal_aspect())
        };
    let mut fig = Figure::new(
        "Lloyd's algorithm, K = 3 (after ISLR Figure 10.6)",
        3,
        300.0,
        300.0,
    );
    fig.push(Plot::new("data").points(&xs, &ys, "#999")?.equal_aspect());
    fig.push(panel("step 1: random assignment".into(), &labels, None)?);
    let mut dists = vec![0.0; x.rows()];
    for iter in 1..=20 {
        let centroids = update_step(x, &labels, k, &dists);
        if iter <= 2 {
            fig.push(panel(
                format!("iteration {iter}, step 2a: centroids"),
                &labels,
                Some(&centroids),
            )?);
        }
        let (new_labels, new_dists) = assign_step(x, &centroids, Exec::default())?;
        if iter == 1 {
            fig.push(panel(
                "iteration 1, step 2b: reassign".into(),
                &new_labels,
                Some(&centroids),
            )?);
        }
        let settled = new_labels == labels;
        labels = new_labels;
        dists = new_dists;
        if settled {
            fig.push(panel(
                format!("final, after {iter} iterations"),
                &labels,
                Some(&centroids),
            )?);
            break;
        }
    }
    let steps = ctx.save_svg("kmeans-steps.svg", &fig)?;

    // Each panel is labelled with its K inside the PNG (the 5 x 7 font, twice its size).
    let gray = datasets::china_gray()?;
    let label = |pixels: &[u8], channels: usize, side: usize, text: &str| {
        plot::captioned(pixels, side, side, channels, text, 2)
    };
    let mut tiles = vec![label(&gray.pixels, 1, 256, "ORIGINAL")];
    let mut caption = String::from("K = ");
    for k in if ctx.quick {
        vec![2, 4]
    } else {
        vec![2, 4, 8, 16]
    } {
        let q = quantize_image(&gray, k, ctx.seed)?;
        let _ = write!(
            caption,
            "{k}: {} bits ({:.1}x smaller), PSNR {:.1} dB; ",
            q.bits,
            q.raw_bits as f64 / q.bits as f64,
            q.psnr
        );
        tiles.push(label(&q.image.pixels, 1, 256, &format!("K={k}")));
    }
    let refs: Vec<&[u8]> = tiles.iter().map(Vec::as_slice).collect();
    let grid = plot::image_grid(&refs, 256 + 18, 256, 1, refs.len(), 4)?;
    let vq = ctx.save_png("kmeans-vq.png", &grid)?;

    let rgb = datasets::china_rgb()?;
    let big = |image: &unsupervised::image::Image| plot::upscale(image, 2).pixels;
    let mut tiles = vec![label(&big(&rgb), 3, 256, "ORIGINAL")];
    for k in [4, 16] {
        let q = quantize_image(&rgb, k, ctx.seed)?;
        tiles.push(label(&big(&q.image), 3, 256, &format!("K={k}")));
    }
    let refs: Vec<&[u8]> = tiles.iter().map(Vec::as_slice).collect();
    let grid = plot::image_grid(&refs, 256 + 18, 256, 3, 3, 4)?;
    let vq_rgb = ctx.save_png("kmeans-vq-rgb.png", &grid)?;
    // The gap statistic on Old Faithful (raw minutes) and on three blobs.
    let faithful = datasets::faithful()?;
    let blobs = datasets::blobs(300, 2, 3, 0.6, ctx.seed + 7)?;
    let b = if ctx.quick { 5 } else { 20 };
    let mut gap_fig = Figure::new("", 2, 380.0, 300.0);
    let mut chosen = Vec::new();
    for (title, x) in [("Old Faithful", &faithful.x), ("three blobs", &blobs.x)] {
        let g = gap_statistic(x, 6, b, ctx.seed)?;
        let ks: Vec<f64> = (1..=6).map(|k| k as f64).collect();
        let lo: Vec<f64> = g.gap.iter().zip(&g.s).map(|(v, s)| v - s).collect();
        let hi: Vec<f64> = g.gap.iter().zip(&g.s).map(|(v, s)| v + s).collect();
        let p = Plot::new(format!("gap statistic, {title}: K = {}", g.k))
            .x_label("K")
            .integer_x()
            .y_label("Gap(K)")
            .line(&ks, &g.gap, plot::class_color(0), "")?
            .error_bars(&ks, &lo, &hi, plot::class_color(0))?;
        gap_fig.push(p);
        chosen.push(format!("{title}: K = {}", g.k));
    }
    let gap = ctx.save_svg("kmeans-gap.svg", &gap_fig)?;
    Ok(vec![
        Section::figure(gap, "The gap statistic with ±1 standard-error bars", &format!("the chosen K is the first whose gap is within one standard error of the next one's ({}).", chosen.join("; "))),
        Section::figure(steps, "Lloyd's algorithm step by step", "from a random assignment, the centroids (large dots) move to their clusters' means and the points follow their nearest centroid; a few iterations settle it."),
        Section::figure(vq, "Vector quantization of the 256 x 256 grey photo: the original, then K = 2, 4, 8, 16 grey levels", &format!("every pixel is stored as a log₂K-bit code plus a K-entry codebook: {caption}K = 4 is the lecture's factor of four.")),
        Section::figure(vq_rgb, "The colour photo quantized to 4 and 16 colours", "k-means on RGB triples picks the 4 or 16 colours that best cover the image."),
    ])
}
