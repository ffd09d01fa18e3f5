//! Chapter 3 on the command line: `unsupervised pca` and the tour's PCA and ICA figures.

use crate::args::{Args, Command, Flag, DATA, JSON, LABEL, N, NOISE, OUT, SEED, STANDARDIZE};
use crate::json::Json;
use crate::tour::{Chapter, Section, TourContext};
use crate::Result;
use std::time::Instant;
use unsupervised::datasets;
use unsupervised::linalg::Matrix;
use unsupervised::plot::{self, Figure, Plot};

pub const CHAPTER: Chapter = Chapter {
    name: "pca",
    title: "3 · Principal components",
    book_page: "03-pca.html",
    commands: &[COMMAND],
    tour: tour_pca,
};

pub const COMMAND: Command = Command {
    name: "pca",
    about: "principal components of a data set (chapter 3)",
    flags: &[
        DATA,
        N,
        NOISE,
        LABEL,
        Flag::value(
            "--method",
            "NAME",
            "pca (default) or ica (FastICA; its default data is the cocktail party)",
        ),
        Flag::value("--n-components", "K", "components to keep (default: all)"),
        STANDARDIZE,
        Flag::switch("--whiten", "scale the scores to unit variance"),
        Flag::value(
            "--solver",
            "NAME",
            "auto (default), eigen, svd or randomized",
        ),
        SEED,
        OUT,
        JSON,
    ],
    run: pca_command,
};

// `pca`

/// `unsupervised pca --data usarrests --standardize --json`: `{"explained_variance_ratio":
/// [...], "loadings": [[...], ...], "explained_variance": [...]}`, one loadings row per
/// component; `--out DIR` also writes the scores as `DIR/scores.npy`.
pub fn pca_command(args: &Args) -> Result {
    use unsupervised::pca::{Pca, Solver};
    if args.choice("--method", "pca", &[("pca", false), ("ica", true)])? {
        return ica_command(args);
    }
    let options = args.data_options()?;
    let d = args.data("usarrests")?;
    let solver = args.choice(
        "--solver",
        "auto",
        &[
            ("auto", Solver::Auto),
            ("eigen", Solver::Eigen),
            ("svd", Solver::Svd),
            ("randomized", Solver::Randomized),
        ],
    )?;
    let mut pca = Pca::new()
        .standardize(args.has("--standardize"))
        .whiten(args.has("--whiten"))
        .solver(solver)
        .seed(options.seed);
    if let Some(k) = args.get::<usize>("--n-components", "a whole number")? {
        pca = pca.n_components(k);
    }
    let started = Instant::now();
    let fit = pca.fit(&d.x)?;
    eprintln!(
        "pca: {} components of {} ({} x {}) in {:.3} s",
        fit.n_components(),
        d.name,
        d.x.rows(),
        d.x.cols(),
        started.elapsed().as_secs_f64()
    );
    if let Some(out) = TourContext::for_out(args)? {
        let scores = fit.transform(&d.x)?;
        out.save_npy("scores.npy", &scores)?;
    }
    if args.has("--json") {
        let doc = Json::Obj(vec![
            (
                "explained_variance_ratio",
                Json::nums(&fit.explained_variance_ratio),
            ),
            ("loadings", Json::rows(&fit.components)),
            ("explained_variance", Json::nums(&fit.explained_variance)),
            ("features", Json::strs(&d.feature_names)),
        ]);
        say!("{}", doc.render());
    } else {
        for (k, r) in fit.explained_variance_ratio.iter().enumerate() {
            say!("PC{}: {:5.1}% of the variance", k + 1, 100.0 * r);
        }
    }
    Ok(())
}

/// `pca --method ica --json`: FastICA's unmixing and mixing matrices, and on the cocktail
/// party (the default data: four sources heard by four microphones, `--n` samples) how well
/// each true source is recovered: `source_correlations`, the largest |correlation| of each
/// with a recovered source. `--out` writes `sources.npy`.
fn ica_command(args: &Args) -> Result {
    use unsupervised::metrics::pearson;
    use unsupervised::pca::FastIca;
    for flag in ["--standardize", "--whiten", "--solver"] {
        args.refuse(flag, "FastICA whitens the data itself")?;
    }
    let seed = args.seed()?;
    let (name, x, truth) = match args.text("--data").unwrap_or("cocktail") {
        "cocktail" => {
            args.refuse("--noise", "the cocktail party has no noise level")?;
            args.refuse("--label", "the cocktail party has no labels")?;
            let n = args.get("--n", "a whole number")?.unwrap_or(2000);
            let party = datasets::cocktail_party(n, seed).map_err(|e| format!("--n {n}: {e}"))?;
            ("cocktail".to_string(), party.mixed, Some(party.sources))
        }
        other => {
            let d = args.data(other)?;
            (d.name, d.x, None)
        }
    };
    let mut ica = FastIca::new().seed(seed);
    if let Some(m) = args.get::<usize>("--n-components", "a whole number")? {
        ica = ica.n_components(m);
    }
    let started = Instant::now();
    let fit = ica.fit(&x)?;
    eprintln!(
        "ica: {} sources of {name} ({} x {}) in {} fixed-point steps, {:.3} s",
        fit.sources.cols(),
        x.rows(),
        x.cols(),
        fit.n_iter,
        started.elapsed().as_secs_f64()
    );
    if !fit.converged {
        eprintln!("warning: FastICA stopped at its iteration limit before the directions settled");
    }
    let recovered = match &truth {
        Some(s) => Some(
            (0..s.cols())
                .map(|j| {
                    (0..fit.sources.cols())
                        .map(|k| Ok(pearson(&s.column(j), &fit.sources.column(k))?.abs()))
                        .try_fold(0.0f64, |m, c: Result<f64>| Ok(m.max(c?)))
                })
                .collect::<Result<Vec<f64>>>()?,
        ),
        None => None,
    };
    if let Some(out) = TourContext::for_out(args)? {
        out.save_npy("sources.npy", &fit.sources)?;
    }
    if args.has("--json") {
        let mut doc = vec![
            ("unmixing", Json::rows(&fit.unmixing)),
            ("mixing", Json::rows(&fit.mixing)),
            ("iterations", Json::Int(fit.n_iter as i64)),
            ("converged", Json::Bool(fit.converged)),
        ];
        if let Some(r) = &recovered {
            doc.push(("source_correlations", Json::nums(r)));
        }
        say!("{}", Json::Obj(doc).render());
    } else if let Some(r) = &recovered {
        say!("|correlation| of each true source with its best recovered source: {r:.4?}");
    } else {
        say!("{} sources recovered", fit.sources.cols());
    }
    Ok(())
}

// tour: chapter 3

/// Chapter 3: the USArrests biplot and scree plot, MNIST on two components, and digits
/// rebuilt from 1, 10 and 50 components.
pub fn tour_pca(ctx: &TourContext) -> Result<Vec<Section>> {
    use unsupervised::pca::Pca;
    let us = datasets::usarrests()?;
    let fit = Pca::new().standardize(true).fit(&us.x)?;
    let z = fit.transform(&us.x)?;
    let (z1, z2) = (z.column(0), z.column(1));
    let mut biplot = Plot::new("USArrests: scores and loadings")
        .x_label("first principal component")
        .y_label("second principal component")
        .points(&z1, &z2, plot::class_color(0))?;
    for (i, name) in us.row_names.iter().flatten().enumerate() {
        biplot = biplot.text(z1[i], z2[i], name.clone(), "#777");
    }
    // Loadings drawn as arrows, stretched to the scores' scale.
    let stretch = 2.5;
    for (j, feature) in us.feature_names.iter().enumerate() {
        let tip = (
            stretch * fit.components[(0, j)],
            stretch * fit.components[(1, j)],
        );
        biplot = biplot.arrow((0.0, 0.0), tip, plot::class_color(1)).text(
            tip.0,
            tip.1,
            feature.clone(),
            plot::class_color(1),
        );
    }
    let ks: Vec<f64> = (1..=4).map(f64::from).collect();
    let scree = Plot::new("Proportion of variance explained")
        .x_label("principal component")
        .integer_x()
        .y_label("proportion")
        .y_range(0.0, 1.05)
        .line(
            &ks,
            &fit.explained_variance_ratio,
            plot::class_color(0),
            "per component",
        )?
        .points(&ks, &fit.explained_variance_ratio, plot::class_color(0))?
        .line(
            &ks,
            &fit.cumulative_explained_variance_ratio(),
            plot::class_color(1),
            "cumulative",
        )?;
    let usa = ctx.save_svg(
        "pca-usarrests.svg",
        &Figure::new("", 2, 520.0, 460.0)
            .with(biplot.equal_aspect())
            .with(scree),
    )?;

    let mnist = datasets::mnist()?;
    let n = if ctx.quick { 2000 } else { 10_000 };
    let x = Matrix::from_fn(n, 784, |i, j| mnist.x[(i, j)]);
    let labels = &mnist.labels.as_ref().ok_or("mnist has labels")?[..n];
    let two = Pca::new().n_components(50).fit(&x)?;
    let scores = two.transform(&x)?;
    let shown = n.min(3000);
    let (s1, s2): (Vec<f64>, Vec<f64>) =
        (0..shown).map(|i| (scores[(i, 0)], scores[(i, 1)])).unzip();
    let pve2 = 100.0 * (two.explained_variance_ratio[0] + two.explained_variance_ratio[1]);
    let scatter = Plot::new(format!(
        "MNIST on two components ({pve2:.1}% of the variance)"
    ))
    .x_label("PC1")
    .y_label("PC2")
    .scatter_classes(&s1, &s2, &labels[..shown], &mnist.class_names)?;
    let mnist_fig = ctx.save_svg(
        "pca-mnist.svg",
        &Figure::new("", 1, 620.0, 520.0).with(scatter),
    )?;

    // Ten digits, then the same rebuilt from 1, 10 and 50 components.
    let mut rows: Vec<Vec<u8>> = (0..10)
        .map(|i| plot::to_bytes(x.row(i), 0.0, 1.0, false))
        .collect();
    for k in [1, 10, 50] {
        let z = Matrix::from_fn(10, k, |i, c| scores[(i, c)]);
        let w = Matrix::from_fn(k, 784, |c, j| two.components[(c, j)]);
        let back = z.matmul(&w)?;
        for i in 0..10 {
            let px: Vec<f64> = back
                .row(i)
                .iter()
                .zip(&two.means)
                .map(|(v, m)| v + m)
                .collect();
            rows.push(plot::to_bytes(&px, 0.0, 1.0, false));
        }
    }
    let refs: Vec<&[u8]> = rows.iter().map(Vec::as_slice).collect();
    let grid = plot::image_grid(&refs, 28, 28, 1, 10, 2)?;
    let recon = ctx.save_png("pca-reconstructions.png", &plot::upscale(&grid, 2))?;

    // FastICA on the cocktail party: sources, mixtures, and what ICA recovers.
    let party = datasets::cocktail_party(2000, ctx.seed)?;
    let ica = unsupervised::pca::FastIca::new()
        .seed(ctx.seed)
        .fit(&party.mixed)?;
    if !ica.converged {
        eprintln!(
            "warning: FastICA stopped at max_iter after {} steps",
            ica.n_iter
        );
    }
    let shown = 500;
    let t: Vec<f64> = (0..shown).map(|i| i as f64).collect();
    let mut fig = Figure::new("", 3, 340.0, 300.0);
    for (title, m) in [
        ("sources", &party.sources),
        ("mixtures (the microphones)", &party.mixed),
        ("recovered by FastICA", &ica.sources),
    ] {
        let mut p = Plot::new(title).x_label("sample");
        for j in 0..4 {
            // Standardise each signal for display; ICA cannot know order, sign or scale.
            let col = m.column(j);
            let mean = col.iter().sum::<f64>() / col.len() as f64;
            let sd = (col.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / col.len() as f64)
                .sqrt()
                .max(1e-12);
            let ys: Vec<f64> = col[..shown]
                .iter()
                .map(|v| (v - mean) / sd + 5.0 * j as f64)
                .collect();
            p = p.line(&t, &ys, plot::class_color(j), "")?;
        }
        fig.push(p);
    }
    let ica_fig = ctx.save_svg("pca-ica.svg", &fig)?;
    Ok(vec![
        Section::figure(usa, "USArrests, standardised: biplot and scree plot (ISLR Figures 10.1 and 10.4)", "the first component weighs the three crime rates nearly equally and UrbanPop less; the second is mostly UrbanPop. The first two explain 62.0% + 24.7% of the variance. Signs differ from ISLR's figure: each loading vector is only defined up to sign. A state's name that would cover another label is left out."),
        Section::figure(mnist_fig, "MNIST projected on its first two components", "0s and 1s separate along the first component, the other digits overlap: two directions keep only about 17% of the variance of 784 pixels."),
        Section::figure(ica_fig, "Independent component analysis of the cocktail party", "FastICA gets back the sine, the square wave, the sawtooth and the noise from their mixtures, in some order, sign and scale (which ICA cannot know)."),
        Section::figure(recon, "Digits rebuilt from 1, 10 and 50 components (rows 2 to 4; row 1 the originals)", "one component gives a blur shared by all digits; ten already show the digit; fifty keep most strokes (83% of the variance)."),
    ])
}
