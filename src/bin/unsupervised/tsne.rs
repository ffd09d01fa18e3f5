//! Chapter 9 on the command line: `unsupervised tsne` and the tour's maps of the digits.

use crate::args::{Args, Command, Flag, DATA, JSON, LABEL, N, NOISE, OUT, SEED};
use crate::json::Json;
use crate::tour::{Chapter, Section, TourContext};
use crate::Result;
use std::time::Instant;
use unsupervised::datasets;
use unsupervised::linalg::Matrix;
use unsupervised::plot::{self, Figure, Plot};
use unsupervised::Exec;

pub const CHAPTER: Chapter = Chapter {
    name: "tsne",
    title: "9 · SNE and t-SNE",
    book_page: "09-tsne.html",
    commands: &[COMMAND, UMAP],
    tour: tour_tsne,
};

pub const COMMAND: Command = Command {
    name: "tsne",
    about: "SNE and t-SNE maps of a data set, exact or Barnes-Hut (chapter 9)",
    flags: &[
        DATA,
        N,
        NOISE,
        LABEL,
        Flag::value(
            "--perplexity",
            "P",
            "effective number of neighbours per point (default 30)",
        ),
        Flag::value("--method", "NAME", "barnes-hut (default), exact or sne"),
        Flag::value(
            "--theta",
            "T",
            "Barnes-Hut accuracy: 0 exact, larger faster (default 0.5)",
        ),
        Flag::value("--iterations", "N", "gradient steps (default 1000)").sets("max_iter"),
        Flag::value(
            "--learning-rate",
            "R",
            "step size (default: max(n / 48, 50); SNE: 1)",
        ),
        Flag::value("--init", "NAME", "pca (default) or random"),
        Flag::value(
            "--pca-dims",
            "D",
            "project to D principal components first when wider (default 50; 0: never)",
        ),
        Flag::switch(
            "--score",
            "also report trustworthiness (k = 5) and 5-fold 1-NN accuracy",
        ),
        SEED,
        OUT,
        JSON,
    ],
    run: tsne_command,
};

pub const UMAP: Command = Command {
    name: "umap",
    about: "UMAP maps of a data set, beside t-SNE (chapter 9)",
    flags: &[
        DATA,
        N,
        NOISE,
        LABEL,
        Flag::value(
            "--neighbors",
            "K",
            "neighbourhood size, the point itself counted (default 15)",
        )
        .sets("n_neighbors"),
        Flag::value(
            "--min-dist",
            "D",
            "how closely map points may pack (default 0.1; at most --spread)",
        )
        .sets("min_dist"),
        Flag::value("--spread", "S", "the map's scale (default 1)").sets("spread"),
        Flag::value(
            "--epochs",
            "N",
            "epochs of the descent (default 500 up to 10,000 points, 200 above)",
        )
        .sets("n_epochs"),
        Flag::value("--init", "NAME", "spectral (default) or random"),
        Flag::value(
            "--search",
            "NAME",
            "neighbours: auto (default: exact up to 20,000 points), exact or descent",
        ),
        Flag::value(
            "--hold-out",
            "M",
            "fit on all but the last M points, then place those by transform",
        ),
        Flag::switch(
            "--score",
            "also report trustworthiness (k = 5) and 5-fold 1-NN accuracy",
        ),
        SEED,
        OUT,
        JSON,
    ],
    run: umap_command,
};

// `umap`

/// `unsupervised umap --data digits --neighbors 15 --min-dist 0.1 --score --json`:
/// `{"embedding": [[x, y], ...], "a": ..., "b": ..., "epochs": n, "init": "spectral",
/// "edges": m, "seconds": ...}`, plus "trustworthiness" and "knn_accuracy" with `--score`
/// and "held_out", "held_out_accuracy" with `--hold-out`; `--out DIR` writes
/// `embedding.npy` and `umap.svg`.
pub fn umap_command(args: &Args) -> Result {
    use unsupervised::tsne::umap::{Init, Search, Umap};
    let options = args.data_options()?;
    let d = args.data("digits")?;
    let init = args.choice(
        "--init",
        "spectral",
        &[("spectral", Init::Spectral), ("random", Init::Random)],
    )?;
    let search = args.choice(
        "--search",
        "auto",
        &[
            ("auto", Search::Auto),
            ("exact", Search::Exact),
            ("descent", Search::Descent),
        ],
    )?;
    let mut umap = Umap::new()
        .init(init)
        .search(search)
        .n_neighbors(args.get("--neighbors", "a whole number")?.unwrap_or(15))
        .min_dist(args.get("--min-dist", "a number")?.unwrap_or(0.1))
        .spread(args.get("--spread", "a number")?.unwrap_or(1.0))
        .seed(options.seed);
    if let Some(epochs) = args.get("--epochs", "a whole number")? {
        umap = umap.n_epochs(epochs);
    }
    let n = d.x.rows();
    let held: usize = args.get("--hold-out", "a whole number")?.unwrap_or(0);
    if held >= n {
        return Err(
            format!("--hold-out {held}: must leave points to fit (the data has {n})").into(),
        );
    }
    let (train, test) = split_rows(&d.x, n - held)?;
    let started = Instant::now();
    let fit = umap.fit(&train)?;
    let placed = if held > 0 {
        Some(fit.transform(&test)?)
    } else {
        None
    };
    let seconds = started.elapsed().as_secs_f64();
    eprintln!(
        "UMAP: {} ({} x {}), {} edges, {} epochs from a {} start, in {seconds:.2} s",
        d.name,
        train.rows(),
        train.cols(),
        fit.graph.nnz() / 2,
        fit.n_epochs,
        init_name(fit.init),
    );
    let labels = d.labels.as_deref();
    let scores = if args.has("--score") {
        let train_labels = labels.map(|l| &l[..n - held]);
        Some(score_map(
            &train,
            &fit.embedding,
            train_labels,
            options.seed,
        )?)
    } else {
        None
    };
    let held_accuracy = match (&placed, labels) {
        (Some(y), Some(l)) => {
            let predicted = unsupervised::metrics::knn_classify(
                &fit.embedding,
                &l[..n - held],
                y,
                1,
                Exec::default(),
            )?;
            let right = predicted
                .iter()
                .zip(&l[n - held..])
                .filter(|(p, t)| p == t)
                .count();
            let accuracy = right as f64 / held as f64;
            eprintln!("held-out {held} points placed by transform: 1-NN accuracy {accuracy:.4}");
            Some(accuracy)
        }
        _ => None,
    };
    let all = match &placed {
        Some(y) => stack_rows(&fit.embedding, y)?,
        None => fit.embedding.clone(),
    };
    if let Some(out) = TourContext::for_out(args)? {
        out.save_npy("embedding.npy", &all)?;
        let title = format!(
            "UMAP of {} ({} neighbours, min_dist {})",
            d.name,
            args.text("--neighbors").unwrap_or("15"),
            args.text("--min-dist").unwrap_or("0.1"),
        );
        save_map(&out, "umap.svg", title, &all, &d)?;
    }
    if args.has("--json") {
        let mut doc = vec![
            ("embedding", Json::rows(&all)),
            ("a", Json::Num(fit.a)),
            ("b", Json::Num(fit.b)),
            ("epochs", Json::Int(fit.n_epochs as i64)),
            ("init", Json::Str(init_name(fit.init).into())),
            ("edges", Json::Int((fit.graph.nnz() / 2) as i64)),
            ("seconds", Json::Num(seconds)),
        ];
        if let Some((t, acc)) = scores {
            doc.push(("trustworthiness", Json::Num(t)));
            if let Some(a) = acc {
                doc.push(("knn_accuracy", Json::Num(a)));
            }
        }
        if held > 0 {
            doc.push(("held_out", Json::Int(held as i64)));
            if let Some(a) = held_accuracy {
                doc.push(("held_out_accuracy", Json::Num(a)));
            }
        }
        say!("{}", Json::Obj(doc).render());
    } else {
        say!("UMAP map of {} points in {seconds:.2} s", all.rows());
    }
    Ok(())
}

/// `--out` of `tsne` and `umap`: the map's first two axes, coloured by class when the data
/// are labelled.
fn save_map(
    out: &TourContext,
    name: &str,
    title: String,
    y: &Matrix<f64>,
    d: &datasets::Dataset,
) -> Result {
    let (xs, ys) = (y.column(0), y.column(1.min(y.cols() - 1)));
    let plot = match &d.labels {
        Some(l) => Plot::new(title).scatter_classes(&xs, &ys, l, &d.class_names)?,
        None => Plot::new(title).points(&xs, &ys, plot::class_color(0))?,
    };
    out.save_svg(
        name,
        &Figure::new("", 1, 560.0, 520.0).with(plot.equal_aspect()),
    )?;
    Ok(())
}

/// `--score` of `tsne` and `umap`: trustworthiness (k = 5) of the map, and its 5-fold 1-NN
/// accuracy when the data are labelled, reported on stderr.
fn score_map(
    x: &Matrix<f64>,
    y: &Matrix<f64>,
    labels: Option<&[usize]>,
    seed: u64,
) -> Result<(f64, Option<f64>)> {
    use unsupervised::metrics::{knn_accuracy, trustworthiness};
    let t = trustworthiness(x, y, 5, Exec::default())?;
    let acc = match labels {
        Some(l) => Some(knn_accuracy(y, l, 1, 5, seed, Exec::default())?),
        None => None,
    };
    eprintln!(
        "trustworthiness (k = 5) {t:.4}{}",
        acc.map_or(String::new(), |a| format!(
            ", 1-NN accuracy (5-fold) {a:.4}"
        ))
    );
    Ok((t, acc))
}

fn init_name(init: unsupervised::tsne::umap::Init) -> &'static str {
    match init {
        unsupervised::tsne::umap::Init::Spectral => "spectral",
        unsupervised::tsne::umap::Init::Random => "random",
    }
}

/// The first `m` rows and the rest.
fn split_rows(x: &Matrix<f64>, m: usize) -> Result<(Matrix<f64>, Matrix<f64>)> {
    let c = x.cols();
    Ok((
        Matrix::new(m, c, x.as_slice()[..m * c].to_vec())?,
        Matrix::new(x.rows() - m, c, x.as_slice()[m * c..].to_vec())?,
    ))
}

/// `a` above `b`.
fn stack_rows(a: &Matrix<f64>, b: &Matrix<f64>) -> Result<Matrix<f64>> {
    let mut data = a.as_slice().to_vec();
    data.extend_from_slice(b.as_slice());
    Ok(Matrix::new(a.rows() + b.rows(), a.cols(), data)?)
}

// `tsne`

/// `unsupervised tsne --data digits --perplexity 30 --method barnes-hut --json`: `{"kl": ...,
/// "embedding": [[x, y], ...], "iterations": n, "seconds": ...}`, plus "trustworthiness"
/// and "knn_accuracy" with `--score`; `--out DIR` writes `embedding.npy` and `tsne.svg`.
pub fn tsne_command(args: &Args) -> Result {
    use unsupervised::tsne::{Init, Method, Tsne};
    let options = args.data_options()?;
    let d = args.data("digits")?;
    let method = args.choice(
        "--method",
        "barnes-hut",
        &[
            ("barnes-hut", Method::BarnesHut),
            ("exact", Method::Exact),
            ("sne", Method::Sne),
        ],
    )?;
    let init = args.choice(
        "--init",
        "pca",
        &[("pca", Init::Pca), ("random", Init::Random)],
    )?;
    let mut tsne = Tsne::new()
        .method(method)
        .init(init)
        .perplexity(args.get("--perplexity", "a number")?.unwrap_or(30.0))
        .theta(args.get("--theta", "a number")?.unwrap_or(0.5))
        .max_iter(args.get("--iterations", "a whole number")?.unwrap_or(1000))
        .seed(options.seed)
        .verbose(true);
    if let Some(rate) = args.get("--learning-rate", "a number")? {
        tsne = tsne.learning_rate(rate);
    }
    let pca_dims: usize = args.get("--pca-dims", "a whole number")?.unwrap_or(50);
    let started = Instant::now();
    let x = reduce_for_tsne(&d.x, pca_dims, options.seed)?;
    let fit = tsne.fit(&x)?;
    let seconds = started.elapsed().as_secs_f64();
    eprintln!(
        "t-SNE: {} ({} x {}{}), {} iterations in {seconds:.2} s, KL {:.4}",
        d.name,
        d.x.rows(),
        d.x.cols(),
        if x.cols() < d.x.cols() {
            format!(", PCA to {}", x.cols())
        } else {
            String::new()
        },
        fit.n_iter,
        fit.kl
    );
    let scores = if args.has("--score") {
        Some(score_map(
            &d.x,
            &fit.embedding,
            d.labels.as_deref(),
            options.seed,
        )?)
    } else {
        None
    };
    if let Some(out) = TourContext::for_out(args)? {
        out.save_npy("embedding.npy", &fit.embedding)?;
        let title = format!(
            "t-SNE of {} (perplexity {}, KL {:.3})",
            d.name,
            args.text("--perplexity").unwrap_or("30"),
            fit.kl
        );
        save_map(&out, "tsne.svg", title, &fit.embedding, &d)?;
    }
    if args.has("--json") {
        let mut doc = vec![
            ("kl", Json::Num(fit.kl)),
            ("embedding", Json::rows(&fit.embedding)),
            ("iterations", Json::Int(fit.n_iter as i64)),
            ("seconds", Json::Num(seconds)),
            ("learning_rate", Json::Num(fit.learning_rate)),
            (
                "trace",
                Json::Arr(
                    fit.trace
                        .iter()
                        .map(|t| {
                            Json::Obj(vec![
                                ("iteration", Json::Int(t.iteration as i64)),
                                ("kl", Json::Num(t.kl)),
                            ])
                        })
                        .collect(),
                ),
            ),
        ];
        if let Some((t, acc)) = scores {
            doc.push(("trustworthiness", Json::Num(t)));
            if let Some(a) = acc {
                doc.push(("knn_accuracy", Json::Num(a)));
            }
        }
        say!("{}", Json::Obj(doc).render());
    } else {
        say!(
            "KL divergence {:.6} after {} iterations",
            fit.kl,
            fit.n_iter
        );
    }
    Ok(())
}

/// The standard first step of t-SNE on wide data: the first `dims` principal components
/// (distances there are nearly those of the full data, at a fraction of the cost); `dims =
/// 0` or narrow data: unchanged.
pub fn reduce_for_tsne(
    x: &Matrix<f64>,
    dims: usize,
    seed: u64,
) -> unsupervised::Result<Matrix<f64>> {
    if dims == 0 || x.cols() <= dims || x.rows() <= dims {
        return Ok(x.clone());
    }
    use unsupervised::pca::{Pca, Solver};
    Pca::new()
        .n_components(dims)
        .solver(Solver::Randomized)
        .seed(seed)
        .fit(x)?
        .transform(x)
}

// tour: t-SNE

/// UMAP and t-SNE side by side on the digits (and on MNIST outside quick mode), with the
/// scores of each map in the caption.
fn umap_beside_tsne(
    ctx: &TourContext,
    x: &Matrix<f64>,
    labels: &[usize],
    tsne_map: &Matrix<f64>,
    tsne_seconds: f64,
    mnist: Option<(datasets::Dataset, Matrix<f64>, f64)>,
) -> Result<(String, String)> {
    use unsupervised::tsne::umap::Umap;
    let mut fig = Figure::new("", 2, 420.0, 400.0);
    let mut rows = Vec::new();
    let mut side =
        |name: &str, x: &Matrix<f64>, labels: &[usize], tsne: (&Matrix<f64>, f64)| -> Result<()> {
            let t = Instant::now();
            let umap = Umap::new().seed(ctx.seed).fit(x)?;
            let umap_seconds = t.elapsed().as_secs_f64();
            for (method, y, seconds) in [
                ("t-SNE", tsne.0, tsne.1),
                ("UMAP", &umap.embedding, umap_seconds),
            ] {
                let s = map_scores(x, y, labels, ctx.seed)?;
                fig.push(map(
                    format!("{name}, {method}: {seconds:.1} s; {s}"),
                    y,
                    labels,
                    &[],
                )?);
                rows.push(format!("{name}, {method}: {s}, {seconds:.1} s"));
            }
            Ok(())
        };
    side("digits", x, labels, (tsne_map, tsne_seconds))?;
    if let Some((d, m, seconds)) = &mnist {
        side(
            "MNIST",
            &d.x,
            d.labels.as_deref().unwrap_or_default(),
            (m, *seconds),
        )?;
    }
    Ok((ctx.save_svg("tsne-umap.svg", &fig)?, rows.join("; ")))
}

/// T(5), C(5), 5-fold 1-NN accuracy and the centre-distance correlation of a map.
fn map_scores(x: &Matrix<f64>, y: &Matrix<f64>, labels: &[usize], seed: u64) -> Result<String> {
    use unsupervised::metrics::{
        centre_distance_correlation, continuity, knn_accuracy, trustworthiness,
    };
    let exec = Exec::default();
    Ok(format!(
        "T(5) {:.3}, C(5) {:.3}, 1-NN {:.3}, ρ {:.2}",
        trustworthiness(x, y, 5, exec)?,
        continuity(x, y, 5, exec)?,
        knn_accuracy(y, labels, 1, 5, seed, exec)?,
        centre_distance_correlation(x, y, labels)?
    ))
}

/// A labelled map without axes (t-SNE's coordinates mean nothing in themselves).
fn map(title: String, y: &Matrix<f64>, labels: &[usize], names: &[String]) -> Result<Plot> {
    Ok(plot::class_map(title, y, labels, names)?.no_axes())
}

pub fn tour_tsne(ctx: &TourContext) -> Result<Vec<Section>> {
    use unsupervised::metrics::{knn_accuracy, trustworthiness};
    use unsupervised::tsne::{Method, Tsne};
    let mut digits = datasets::digits()?;
    // Quick mode (the debug-build test of the tour): 300 digits, 250 iterations.
    let (n, iterations) = if ctx.quick {
        (300, 250)
    } else {
        (digits.x.rows(), 1000)
    };
    digits.x = Matrix::new(n, 64, digits.x.as_slice()[..n * 64].to_vec())?;
    let labels = digits.labels.clone().unwrap_or_default()[..n].to_vec();
    let tsne = || {
        Tsne::new()
            .seed(ctx.seed)
            .max_iter(iterations)
            .exaggeration_iter(iterations / 4)
    };
    let score = |x: &Matrix<f64>, y: &Matrix<f64>, l: &[usize]| -> Result<String> {
        Ok(format!(
            "T(5) {:.3}, 1-NN {:.3}",
            trustworthiness(x, y, 5, Exec::default())?,
            knn_accuracy(y, l, 1, 5, ctx.seed, Exec::default())?
        ))
    };

    // 1. Digits and MNIST, Barnes–Hut with the defaults; the KL trace of the digits run.
    let t = Instant::now();
    let fit = tsne().log_every(10).fit(&digits.x)?;
    let digits_time = t.elapsed().as_secs_f64();
    let mut maps = Figure::new("", 2, 460.0, 440.0).with(map(
        format!(
            "digits, {n} x 64: {digits_time:.1} s; {}",
            score(&digits.x, &fit.embedding, &labels)?
        ),
        &fit.embedding,
        &labels,
        &digits.class_names,
    )?);
    let mut mnist_map = None;
    if !ctx.quick {
        let mnist = datasets::mnist()?;
        let mnist_labels = mnist.labels.clone().unwrap_or_default();
        let t = Instant::now();
        let x50 = reduce_for_tsne(&mnist.x, 50, ctx.seed)?;
        let m = Tsne::new().seed(ctx.seed).fit(&x50)?;
        let mnist_time = t.elapsed().as_secs_f64();
        maps.push(map(
            format!(
                "MNIST, 10,000 x 784 (PCA to 50): {mnist_time:.1} s; 1-NN {:.3}",
                knn_accuracy(&m.embedding, &mnist_labels, 1, 5, ctx.seed, Exec::default())?
            ),
            &m.embedding,
            &mnist_labels,
            &[],
        )?);
        mnist_map = Some((mnist, m.embedding, mnist_time));
    }
    let maps = ctx.save_svg("tsne-maps.svg", &maps)?;
    let its: Vec<f64> = fit.trace.iter().map(|p| p.iteration as f64).collect();
    let kls: Vec<f64> = fit.trace.iter().map(|p| p.kl).collect();
    let top = kls.iter().copied().fold(0.0, f64::max);
    let end = fit.exaggeration_end as f64;
    let curve = Plot::new("KL(P ‖ Q) of the digits map, every 10 iterations")
        .x_label("iteration")
        .y_label("KL divergence")
        .line(&its, &kls, plot::class_color(0), "")?
        .dashed_line(&[end, end], &[0.0, top], "#888")?
        .text(end, top, " early exaggeration ends", "#444");
    let curve = ctx.save_svg("tsne-kl.svg", &Figure::new("", 1, 620.0, 320.0).with(curve))?;

    // 2. SNE against t-SNE on the same 500 digits: the crowding problem.
    let m = n.min(500);
    let sub = Matrix::new(m, 64, digits.x.as_slice()[..m * 64].to_vec())?;
    let sub_labels = &labels[..m];
    let mut crowd = Figure::new("", 2, 420.0, 400.0);
    for (name, method) in [("SNE", Method::Sne), ("t-SNE (exact)", Method::Exact)] {
        let f = tsne().method(method).fit(&sub)?;
        crowd.push(map(
            format!("{name}: {}", score(&sub, &f.embedding, sub_labels)?),
            &f.embedding,
            sub_labels,
            &[],
        )?);
    }
    let crowd = ctx.save_svg("tsne-crowding.svg", &crowd)?;

    // 3. Perplexity 5, 30 and 100.
    let mut perp = Figure::new("", 3, 340.0, 330.0);
    for perplexity in [5.0f64, 30.0, 100.0] {
        let f = tsne()
            .perplexity(perplexity.min((n - 1) as f64))
            .fit(&digits.x)?;
        perp.push(map(
            format!(
                "perplexity {perplexity}: {}",
                score(&digits.x, &f.embedding, &labels)?
            ),
            &f.embedding,
            &labels,
            &[],
        )?);
    }
    let perp = ctx.save_svg("tsne-perplexity.svg", &perp)?;

    // 4. UMAP beside t-SNE: the same data, the same scores, and the global arrangement.
    let (beside, table) = umap_beside_tsne(
        ctx,
        &digits.x,
        &labels,
        &fit.embedding,
        digits_time,
        mnist_map,
    )?;
    Ok(vec![
        Section::figure(maps, &format!("Barnes–Hut t-SNE (perplexity 30, θ = 0.5, {iterations} iterations) of the digits and of MNIST, coloured by the true digit"), "the labels were never shown to t-SNE, yet each digit forms its own island; the islands that touch are digits that look alike (4 and 9, 3, 5 and 8). Distances between islands and island sizes carry little meaning. T(5) is trustworthiness with 5 neighbours; 1-NN is the 5-fold cross-validated accuracy of a 1-nearest-neighbour classifier on the map."),
        Section::figure(curve, "The cost during the digits run", "the cost stays high while P is exaggerated 12-fold (the map forms tight, well-separated clusters), drops sharply when exaggeration ends, then creeps down as the clusters relax."),
        Section::figure(crowd, &format!("SNE against t-SNE on the first {m} digits"), "SNE's Gaussian map squeezes everything into one disc (the crowding problem: a 2-D map has too little room for the moderately far points of 64 dimensions); the Student-t's heavy tail lets t-SNE push them apart, and the classes separate."),
        Section::figure(perp, "Perplexity 5, 30 and 100 on the digits", "a small perplexity looks at a handful of neighbours and breaks the map into many small clumps; a large one keeps more of the global arrangement and gives rounder, more even islands."),
        Section::figure(beside, "UMAP (15 neighbours, min_dist 0.1) beside t-SNE on the same data", &format!("UMAP builds the same kind of kNN graph with a different kernel and fits it with sampled attraction and repulsion; its islands are tighter and more separated (min_dist lets points pack closely). T(5) and C(5): trustworthiness and continuity with 5 neighbours; 1-NN: 5-fold accuracy; ρ: rank correlation between the distances of the ten class centres in the data and in the map (the global arrangement). {table}")),
    ])
}
