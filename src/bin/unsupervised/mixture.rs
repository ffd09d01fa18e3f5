//! Chapter 6 on the command line: `unsupervised gmm` and the tour's EM figures.

use crate::args::{Args, Command, Flag, DATA, JSON, LABEL, N, NOISE, OUT, SEED, STANDARDIZE};
use crate::json::Json;
use crate::tour::{Chapter, Section, TourContext};
use crate::Result;
use std::time::Instant;
use unsupervised::datasets;
use unsupervised::linalg::Matrix;
use unsupervised::plot::{self, Figure, Plot};

pub const CHAPTER: Chapter = Chapter {
    name: "mixture",
    title: "6 · Gaussian mixtures and EM",
    book_page: "06-mixture.html",
    commands: &[COMMAND],
    tour: tour_mixture,
};

pub const COMMAND: Command = Command {
    name: "gmm",
    about: "Gaussian mixture fitted by EM (chapter 6)",
    flags: &[
        DATA,
        N,
        NOISE,
        LABEL,
        Flag::value("--k", "K", "number of components (default 2)").sets("n_components"),
        Flag::value(
            "--covariance",
            "SHAPE",
            "full (default), diag, spherical, tied, or fixed (εI, not estimated: the k-means limit)",
        ),
        Flag::value(
            "--variance",
            "EPS",
            "the fixed covariance's ε (with --covariance fixed; default 1)",
        ),
        Flag::value(
            "--n-init",
            "N",
            "EM runs from different starts; the best likelihood wins (default 1)",
        ),
        Flag::value(
            "--init",
            "NAME",
            "kmeans (default), k-means++ (seeds only) or random (responsibilities)",
        ),
        Flag::value(
            "--tol",
            "T",
            "stop when the mean log-likelihood changes by at most T (default 1e-3)",
        ),
        STANDARDIZE,
        SEED,
        OUT,
        JSON,
    ],
    run: gmm_command,
};

// `gmm`

/// `unsupervised gmm --data faithful --k 2 --covariance full --seed 0 --json`:
/// `{"mean_log_likelihood": l, "weights": [...], "means": [[...]], "covariances": [[[...]]],
/// "bic": b, "aic": a, "iterations": n, "converged": bool, "log_likelihood_trace": [...]}`.
pub fn gmm_command(args: &Args) -> Result {
    use unsupervised::mixture::{Covariance, GaussianMixture, Start};
    let options = args.data_options()?;
    let d = args.data("faithful")?;
    let x = args.features(&d.x)?;
    let k = args.get("--k", "a whole number")?.unwrap_or(2);
    let covariance = match args.text("--covariance").unwrap_or("full") {
        "fixed" => Covariance::Fixed {
            variance: args.get("--variance", "a number")?.unwrap_or(1.0),
        },
        other => {
            args.refuse(
                "--variance",
                &format!("only --covariance fixed has a set variance; {other} estimates it"),
            )?;
            Covariance::parse(other)?
        }
    };
    let start = args.choice(
        "--init",
        "kmeans",
        &[
            ("kmeans", Start::KMeans),
            ("k-means++", Start::KMeansPlusPlus),
            ("kmeans++", Start::KMeansPlusPlus),
            ("random", Start::Random),
        ],
    )?;
    let mut gmm = GaussianMixture::new(k)
        .covariance(covariance)
        .start(start)
        .seed(options.seed);
    if let Some(n) = args.get("--n-init", "a whole number")? {
        gmm = gmm.n_init(n);
    }
    if let Some(t) = args.get("--tol", "a number")? {
        gmm = gmm.tol(t);
    }
    let started = Instant::now();
    let fit = gmm.fit(&x)?;
    let score = fit.score(&x)?;
    eprintln!(
        "gmm: k = {k} ({covariance:?}) on {} ({} x {}): mean log-likelihood {score:.6} after {} iterations in {:.3} s",
        d.name,
        x.rows(),
        x.cols(),
        fit.n_iter,
        started.elapsed().as_secs_f64()
    );
    if !fit.converged {
        eprintln!("warning: EM stopped at its iteration limit before the likelihood settled");
    }
    if let Some(out) = TourContext::for_out(args)? {
        out.save_npy("means.npy", &fit.means)?;
        out.save_npy("weights.npy", &Matrix::new(k, 1, fit.weights.clone())?)?;
        out.save_npy("responsibilities.npy", &fit.predict_proba(&x)?)?;
        out.save_labels("labels.npy", &fit.predict(&x)?)?;
    }
    if args.has("--json") {
        let doc = Json::Obj(vec![
            ("mean_log_likelihood", Json::Num(score)),
            ("weights", Json::nums(&fit.weights)),
            ("means", Json::rows(&fit.means)),
            (
                "covariances",
                Json::Arr(fit.covariances.iter().map(Json::rows).collect()),
            ),
            ("bic", Json::Num(fit.bic(&x)?)),
            ("aic", Json::Num(fit.aic(&x)?)),
            ("iterations", Json::Int(fit.n_iter as i64)),
            ("converged", Json::Bool(fit.converged)),
            ("log_likelihood_trace", Json::nums(&fit.log_likelihood)),
        ]);
        say!("{}", doc.render());
    } else {
        for c in 0..k {
            say!(
                "component {c}: weight {:.4}, mean {:?}",
                fit.weights[c],
                fit.means.row(c)
            );
        }
        say!("BIC {:.3}", fit.bic(&x)?);
    }
    Ok(())
}

// tour: chapter 6

/// Chapter 6: Old Faithful with one Gaussian and with two, EM's log-likelihood per
/// iteration, BIC against k, and the k-means limit.
pub fn tour_mixture(ctx: &TourContext) -> Result<Vec<Section>> {
    use unsupervised::mixture::{Covariance, FittedGaussianMixture, GaussianMixture, Start};
    let x = datasets::faithful()?.x;
    let (xs, ys) = (x.column(0), x.column(1));
    let with_ellipses = |title: String, fit: &FittedGaussianMixture| -> Result<Plot> {
        let labels = fit.predict(&x)?;
        let mut p = Plot::new(title)
            .x_label("eruption (minutes)")
            .y_label("waiting (minutes)")
            .scatter_classes(&xs, &ys, &labels, &[])?;
        for c in 0..fit.n_components() {
            let cov = &fit.covariances[c];
            let sigma = [[cov[(0, 0)], cov[(0, 1)]], [cov[(1, 0)], cov[(1, 1)]]];
            for k in [1.0, 2.0] {
                p = p.ellipse((fit.means[(c, 0)], fit.means[(c, 1)]), sigma, k, "#222")?;
            }
        }
        Ok(p)
    };
    let one = GaussianMixture::new(1).fit(&x)?;
    let two = GaussianMixture::new(2).tol(1e-8).fit(&x)?;
    let n = x.rows() as f64;
    let fig = Figure::new(
        "Old Faithful: one Gaussian against a mixture of two (1 and 2 standard deviations)",
        2,
        380.0,
        340.0,
    )
    .with(with_ellipses(
        format!("one Gaussian: ln L = {:.1}", one.score(&x)? * n),
        &one,
    )?)
    .with(with_ellipses(
        format!("two components: ln L = {:.1}", two.score(&x)? * n),
        &two,
    )?);
    let faithful = ctx.save_svg("mixture-faithful.svg", &fig)?;

    // EM's climb from a random start, and BIC against k.
    let slow = GaussianMixture::new(2)
        .start(Start::Random)
        .seed(ctx.seed)
        .tol(1e-10)
        .fit(&x)?;
    let trace = &slow.log_likelihood;
    let its: Vec<f64> = (0..trace.len()).map(|i| i as f64).collect();
    let climb = Plot::new(format!(
        "EM from random responsibilities: {} iterations",
        slow.n_iter
    ))
    .x_label("iteration")
    .y_label("mean log-likelihood (nats)")
    .line(&its, trace, plot::class_color(0), "")?;
    let ks: Vec<f64> = (1..=6).map(|k| k as f64).collect();
    let mut bics = Vec::new();
    for k in 1..=6 {
        let f = GaussianMixture::new(k).n_init(3).seed(ctx.seed).fit(&x)?;
        bics.push(f.bic(&x)?);
    }
    let best = ks[bics
        .iter()
        .enumerate()
        .fold(0, |b, (i, &v)| if v < bics[b] { i } else { b })];
    let bic_plot = Plot::new(format!("BIC against k (lowest at k = {best})"))
        .x_label("components k")
        .integer_x()
        .y_label("BIC")
        .line(&ks, &bics, plot::class_color(1), "")?
        .points(&ks, &bics, plot::class_color(1))?;
    let climb_file = ctx.save_svg(
        "mixture-em.svg",
        &Figure::new("", 2, 380.0, 300.0).with(climb).with(bic_plot),
    )?;

    // The k-means limit: a shared, fixed covariance εI.
    let blobs = datasets::blobs(300, 2, 3, 1.2, ctx.seed + 4)?.x;
    let (bx, by) = (blobs.column(0), blobs.column(1));
    let mut limit = Figure::new("EM with a fixed shared covariance εI (black: no component takes more than 0.99 of the point)", 3, 300.0, 300.0);
    for variance in [4.0, 1.0, 1e-4] {
        let fit = GaussianMixture::new(3)
            .covariance(Covariance::Fixed { variance })
            .start(Start::Random)
            .seed(ctx.seed + 2)
            .tol(1e-10)
            .max_iter(500)
            .fit(&blobs)?;
        let p = fit.predict_proba(&blobs)?;
        let shared = p
            .iter_rows()
            .filter(|r| r.iter().copied().fold(0.0, f64::max) < 0.99)
            .count();
        let labels = fit.predict(&blobs)?;
        // Shared points (no responsibility above 0.99) drawn large over the hard ones.
        let (sx, sy): (Vec<f64>, Vec<f64>) = p
            .iter_rows()
            .enumerate()
            .filter(|(_, r)| r.iter().copied().fold(0.0, f64::max) < 0.99)
            .map(|(i, _)| (bx[i], by[i]))
            .unzip();
        limit.push(
            Plot::new(format!("ε = {variance}: {shared} points shared"))
                .scatter_classes(&bx, &by, &labels, &[])?
                .markers(&sx, &sy, "#000", 3.5)?
                .equal_aspect(),
        );
    }
    let limit_file = ctx.save_svg("mixture-kmeans-limit.svg", &limit)?;
    Ok(vec![
        Section::figure(faithful, "Old Faithful: one Gaussian against a mixture of two, with 1σ and 2σ ellipses", "one Gaussian spreads over both clusters and puts its peak where there is no data; two components find the short and the long eruptions (weights about 0.36 and 0.64)."),
        Section::figure(climb_file, "EM's log-likelihood per iteration, and BIC against the number of components", "the likelihood never falls; it climbs in steps as the components find the clusters. BIC adds a penalty for the parameters and is lowest at two components."),
        Section::figure(limit_file, "The k-means limit of EM (Bishop §9.3.2)", "with a wide shared covariance, the points between clusters are shared between components (black); as ε shrinks every responsibility becomes 0 or 1, and EM's updates become Lloyd's."),
    ])
}
