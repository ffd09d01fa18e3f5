//! Chapter 7 on the command line: `unsupervised spectral` and the tour's graph and clustering figures.

use crate::args::{Args, Command, Flag, DATA, JSON, LABEL, N, NOISE, OUT, SEED};
use crate::json::Json;
use crate::tour::{Chapter, Section, TourContext};
use crate::Result;
use std::time::Instant;
use unsupervised::datasets;
use unsupervised::linalg::{Exec, Matrix};
use unsupervised::plot::{self, Figure, Plot};

pub const CHAPTER: Chapter = Chapter {
    name: "spectral",
    title: "7 · Spectral clustering",
    book_page: "07-spectral.html",
    commands: &[COMMAND, CLIQUES],
    tour: tour_spectral,
};

pub const COMMAND: Command = Command {
    name: "spectral",
    about: "spectral clustering on a similarity graph (chapter 7)",
    flags: &[
        DATA,
        N,
        NOISE,
        LABEL,
        Flag::value("--k", "K", "number of clusters (default 2)").sets("n_clusters"),
        Flag::value(
            "--graph",
            "KIND",
            "knn (default), mutual, self-tuning, full or epsilon",
        ),
        Flag::value(
            "--neighbors",
            "M",
            "neighbours per point of the kNN graphs (default 10)",
        )
        .sets("n_neighbors"),
        Flag::value(
            "--sigma",
            "S",
            "Gaussian weights exp(-d²/σ²) (kNN graphs: binary if absent; full: default 1)",
        ),
        Flag::value("--radius", "R", "the epsilon graph's radius (default 0.3)"),
        Flag::value(
            "--laplacian",
            "KIND",
            "symmetric (default, Ng-Jordan-Weiss), random-walk (Shi-Malik) or unnormalized",
        ),
        Flag::value("--solver", "NAME", "auto (default), dense or lanczos"),
        Flag::switch(
            "--fiedler",
            "also the Fiedler vector of L = D - W on the same graph, and its sign split",
        ),
        Flag::switch(
            "--min-cut",
            "also the exact minimum cut of the same graph (Stoer-Wagner; at most 5,000 points)",
        ),
        SEED,
        OUT,
        JSON,
    ],
    run: spectral_command,
};

pub const CLIQUES: Command = Command {
    name: "cliques",
    about: "graph clustering by cliques: maximal cliques and k-clique communities (chapter 7)",
    flags: &[
        DATA,
        N,
        NOISE,
        LABEL,
        Flag::value("--graph", "KIND", "epsilon (default) or knn"),
        Flag::value("--radius", "R", "the epsilon graph's radius (default 0.3)"),
        Flag::value(
            "--neighbors",
            "M",
            "neighbours per point of the knn graph (default 5)",
        ),
        Flag::value(
            "--k",
            "K",
            "clique size of the communities: unions of K-cliques sharing K-1 points (default 3)",
        ),
        SEED,
        OUT,
        JSON,
    ],
    run: cliques_command,
};

// `cliques`

/// `unsupervised cliques --data moons --n 60 --radius 0.3 --k 3 --json`: `{"edges": m,
/// "maximal_cliques": c, "largest_clique": s, "k": k, "communities": [[...], ...],
/// "overlapping": o, "unassigned": u, "seconds": t}`; `--out DIR` writes `cliques.svg`.
pub fn cliques_command(args: &Args) -> Result {
    use unsupervised::spectral::cliques::{clique_percolation, maximal_cliques};
    use unsupervised::spectral::graph::{similarity_graph, Graph};
    let d = args.data("moons")?;
    let k: usize = args.get("--k", "a whole number")?.unwrap_or(3);
    let kind = args.text("--graph").unwrap_or("epsilon");
    let graph = match kind {
        "epsilon" => {
            args.refuse(
                "--neighbors",
                "--graph epsilon joins points by distance; use --radius",
            )?;
            Graph::Epsilon {
                radius: args.get("--radius", "a number")?.unwrap_or(0.3),
            }
        }
        "knn" => {
            args.refuse("--radius", "--graph knn joins neighbours; use --neighbors")?;
            Graph::knn(args.get("--neighbors", "a whole number")?.unwrap_or(5))
        }
        other => return Err(format!("--graph {other}: expected epsilon or knn").into()),
    };
    if k < 2 || k > d.x.rows() {
        return Err(format!(
            "--k {k}: a community is built from cliques of 2 to {} points (the data's size)",
            d.x.rows()
        )
        .into());
    }
    let started = Instant::now();
    let w = similarity_graph(&d.x, graph, Exec::default())?;
    let edges = (0..w.rows())
        .map(|i| w.row(i).0.iter().filter(|&&j| j > i).count())
        .sum::<usize>();
    if edges == 0 {
        return Err(format!(
            "--radius {}: the graph has no edges, so no clique has two points; raise --radius",
            args.text("--radius").unwrap_or("0.3")
        )
        .into());
    }
    if edges > CLIQUES_MAX_EDGES {
        return Err(format!(
            "{}: the graph has {edges} edges; cliques are listed on sparse graphs (at most {CLIQUES_MAX_EDGES}); {}",
            match kind {
                "knn" => format!("--neighbors {}", args.text("--neighbors").unwrap_or("5")),
                _ => format!("--radius {}", args.text("--radius").unwrap_or("0.3")),
            },
            if kind == "knn" { "lower --neighbors" } else { "lower --radius" }
        )
        .into());
    }
    let cliques = maximal_cliques(&w)?;
    let communities = clique_percolation(&w, k)?;
    let seconds = started.elapsed().as_secs_f64();
    let largest = cliques.iter().map(Vec::len).max().unwrap_or(0);
    let unassigned = communities
        .of_vertex
        .iter()
        .filter(|c| c.is_empty())
        .count();
    eprintln!(
        "cliques: {} ({} points), {edges} edges, {} maximal cliques (largest {largest}); {} {k}-clique communities, {} points in several, {unassigned} in none, in {seconds:.3} s",
        d.name,
        d.x.rows(),
        cliques.len(),
        communities.members.len(),
        communities.overlapping(),
    );
    if let Some(out) = TourContext::for_out(args)? {
        let title = format!("{k}-clique communities of {}", d.name);
        let fig =
            Figure::new("", 1, 560.0, 520.0).with(clique_plot(title, &d.x, &w, &communities)?);
        out.save_svg("cliques.svg", &fig)?;
    }
    if args.has("--json") {
        let doc = vec![
            ("edges", Json::Int(edges as i64)),
            ("maximal_cliques", Json::Int(cliques.len() as i64)),
            ("largest_clique", Json::Int(largest as i64)),
            ("k", Json::Int(k as i64)),
            (
                "communities",
                Json::Arr(
                    communities
                        .members
                        .iter()
                        .map(|m| Json::ints(m.iter().copied()))
                        .collect(),
                ),
            ),
            ("overlapping", Json::Int(communities.overlapping() as i64)),
            ("unassigned", Json::Int(unassigned as i64)),
            ("seconds", Json::Num(seconds)),
        ];
        say!("{}", Json::Obj(doc).render());
    } else {
        for (c, m) in communities.members.iter().enumerate() {
            say!("community {c}: {} points", m.len());
        }
    }
    Ok(())
}

/// The most edges `cliques` lists cliques on: a dense graph has exponentially many.
const CLIQUES_MAX_EDGES: usize = 1_000_000;

/// A graph drawn over its points, each point coloured by its first community; a point in
/// several gets a ring in its second community's colour (as the lecture's figure colours a
/// node by more than one clique); points in none are small and black.
fn clique_plot(
    title: String,
    x: &Matrix<f64>,
    w: &unsupervised::linalg::Csr<f64>,
    communities: &unsupervised::spectral::cliques::Communities,
) -> Result<Plot> {
    let mut segments = Vec::new();
    for i in 0..w.rows() {
        for &j in w.row(i).0.iter().filter(|&&j| j > i) {
            segments.push([x[(i, 0)], x[(i, 1)], x[(j, 0)], x[(j, 1)]]);
        }
    }
    let mut plot = Plot::new(title).segments(&segments, "#ccc");
    let at = |pick: &dyn Fn(&[usize]) -> bool| -> (Vec<f64>, Vec<f64>) {
        (0..x.rows())
            .filter(|&i| pick(&communities.of_vertex[i]))
            .map(|i| (x[(i, 0)], x[(i, 1)]))
            .unzip()
    };
    let (gx, gy) = at(&|c| c.is_empty());
    plot = plot.markers(&gx, &gy, "#333", 2.0)?;
    for c in 0..communities.members.len() {
        let (rx, ry) = at(&|of| of.len() > 1 && of[1] == c);
        plot = plot.markers(&rx, &ry, plot::class_color(c), 7.5)?;
    }
    for c in 0..communities.members.len() {
        let (px, py) = at(&|of| of.first() == Some(&c));
        plot = plot.markers(&px, &py, plot::class_color(c), 4.5)?;
    }
    Ok(plot.equal_aspect())
}

// `spectral`

/// `unsupervised spectral --data moons --n 1000 --k 2 --graph knn --neighbors 10 --json`:
/// `{"labels": [...], "eigenvalues": [...], "ari": x, "nmi": x, "components": c, "cut": {...}}`
/// (ari and nmi when the data set has true labels).
pub fn spectral_command(args: &Args) -> Result {
    use unsupervised::metrics::{adjusted_rand_index, normalized_mutual_information};
    use unsupervised::spectral::graph::{Graph, Laplacian, Weighting};
    use unsupervised::spectral::{Solver, SpectralClustering};
    let options = args.data_options()?;
    let d = args.data("moons")?;
    let k = args.get("--k", "a whole number")?.unwrap_or(2);
    let neighbors = args.get("--neighbors", "a whole number")?.unwrap_or(10);
    let sigma: Option<f64> = args.get("--sigma", "a number")?;
    let weighting = sigma.map_or(Weighting::Binary, |sigma| Weighting::Gaussian { sigma });
    let kind = args.text("--graph").unwrap_or("knn");
    if kind != "epsilon" {
        args.refuse(
            "--radius",
            &format!("only --graph epsilon has a radius; --graph {kind} does not"),
        )?;
    }
    if matches!(kind, "self-tuning" | "epsilon") {
        args.refuse(
            "--sigma",
            &format!("--graph {kind} has no σ (self-tuning sets one per point, epsilon none)"),
        )?;
    }
    if matches!(kind, "full" | "epsilon") {
        args.refuse(
            "--neighbors",
            &format!("--graph {kind} connects points by distance, not by neighbours"),
        )?;
    }
    let graph = match kind {
        "knn" => Graph::Knn {
            neighbors,
            weighting,
        },
        "mutual" => Graph::MutualKnn {
            neighbors,
            weighting,
        },
        "self-tuning" => Graph::SelfTuning {
            neighbors,
            scale: 7.min(neighbors),
        },
        "full" => Graph::Full {
            sigma: sigma.unwrap_or(1.0),
        },
        "epsilon" => Graph::Epsilon {
            radius: args.get("--radius", "a number")?.unwrap_or(0.3),
        },
        other => {
            return Err(format!(
                "--graph {other}: expected knn, mutual, self-tuning, full or epsilon"
            )
            .into())
        }
    };
    let laplacian = args.choice(
        "--laplacian",
        "symmetric",
        &[
            ("symmetric", Laplacian::Symmetric),
            ("random-walk", Laplacian::RandomWalk),
            ("unnormalized", Laplacian::Unnormalized),
        ],
    )?;
    let solver = args.choice(
        "--solver",
        "auto",
        &[
            ("auto", Solver::Auto),
            ("dense", Solver::Dense),
            ("lanczos", Solver::Lanczos),
        ],
    )?;
    if args.has("--min-cut") && d.x.rows() > MIN_CUT_MAX_POINTS {
        return Err(format!(
            "--min-cut: {} points; the exact minimum cut takes at most {MIN_CUT_MAX_POINTS} (lower --n)",
            d.x.rows()
        )
        .into());
    }
    let started = Instant::now();
    let fit = SpectralClustering::new(k)
        .graph(graph)
        .laplacian(laplacian)
        .solver(solver)
        .n_eigenvalues(k.saturating_add(1).max(10).min(d.x.rows()))
        .seed(options.seed)
        .fit(&d.x)?;
    let scores = match &d.labels {
        Some(truth) => Some((
            adjusted_rand_index(truth, &fit.labels)?,
            normalized_mutual_information(truth, &fit.labels)?,
        )),
        None => None,
    };
    eprintln!(
        "spectral: k = {k} on {} ({} x {}), {} edges, {} component(s), in {:.3} s{}",
        d.name,
        d.x.rows(),
        d.x.cols(),
        fit.graph.nnz() / 2,
        fit.components,
        started.elapsed().as_secs_f64(),
        scores.map_or(String::new(), |(ari, nmi)| format!(
            "; ARI {}, NMI {}",
            plot::fixed(ari, 4),
            plot::fixed(nmi, 4)
        ))
    );
    // The lecture's two-way cut: the sign of the Fiedler vector of the unnormalised Laplacian.
    let split = if args.has("--fiedler") {
        let f = unsupervised::spectral::fiedler(&fit.graph)?;
        eprintln!(
            "fiedler: λ₂ = {:.6e}; the sign splits the points {} / {}",
            f.value,
            f.labels.iter().filter(|&&l| l == 0).count(),
            f.labels.iter().filter(|&&l| l == 1).count()
        );
        Some(f)
    } else {
        None
    };
    let cut = if args.has("--min-cut") {
        Some(exact_min_cut(&fit.graph, d.labels.as_deref())?)
    } else {
        None
    };
    if let Some(out) = TourContext::for_out(args)? {
        out.save_labels("labels.npy", &fit.labels)?;
        out.save_npy("embedding.npy", &fit.embedding)?;
        if let Some((c, _)) = &cut {
            out.save_labels("min_cut_labels.npy", &c.labels)?;
        }
        if let Some(f) = &split {
            out.save_npy(
                "fiedler.npy",
                &Matrix::new(f.vector.len(), 1, f.vector.clone())?,
            )?;
        }
    }
    if args.has("--json") {
        let mut doc = vec![
            ("labels", Json::ints(fit.labels.iter().copied())),
            ("eigenvalues", Json::nums(&fit.eigenvalues)),
            ("components", Json::Int(fit.components as i64)),
            (
                "cut",
                Json::Obj(vec![
                    ("cut", Json::Num(fit.cut.cut)),
                    ("ratio_cut", Json::Num(fit.cut.ratio_cut)),
                    ("normalized_cut", Json::Num(fit.cut.normalized_cut)),
                ]),
            ),
        ];
        if let Some((ari, nmi)) = scores {
            doc.push(("ari", Json::Num(ari)));
            doc.push(("nmi", Json::Num(nmi)));
        }
        if let Some((c, json)) = cut {
            doc.push(("min_cut", Json::Num(c.value)));
            doc.push(("min_cut_labels", Json::ints(c.labels.iter().copied())));
            doc.extend(json);
        }
        if let Some(f) = &split {
            doc.push(("fiedler_value", Json::Num(f.value)));
            doc.push(("fiedler_vector", Json::nums(&f.vector)));
            doc.push(("fiedler_labels", Json::ints(f.labels.iter().copied())));
        }
        say!("{}", Json::Obj(doc).render());
    } else {
        say!("eigenvalues: {:?}", fit.eigenvalues);
        for c in 0..k {
            say!(
                "cluster {c}: {} points",
                fit.labels.iter().filter(|&&l| l == c).count()
            );
        }
    }
    Ok(())
}

/// The most points `spectral --min-cut` takes: Stoer–Wagner costs O(n·m·log n).
const MIN_CUT_MAX_POINTS: usize = 5000;

/// The exact minimum cut of the fitted graph, reported on stderr, with its JSON extras: the
/// smaller side's size, its RatioCut and Ncut, and its ARI against the true labels.
fn exact_min_cut(
    w: &unsupervised::linalg::Csr<f64>,
    truth: Option<&[usize]>,
) -> Result<(
    unsupervised::spectral::mincut::MinCut,
    Vec<(&'static str, Json)>,
)> {
    use unsupervised::spectral::graph::cut_quality;
    let started = Instant::now();
    let c = unsupervised::spectral::mincut::min_cut(w)?;
    let q = cut_quality(w, &c.labels)?;
    let ari = truth
        .map(|t| unsupervised::metrics::adjusted_rand_index(t, &c.labels))
        .transpose()?;
    eprintln!(
        "min cut: {:.6} cuts off {} point(s) (RatioCut {:.4}, Ncut {:.4}{}) in {:.3} s",
        c.value,
        c.smaller_side(),
        q.ratio_cut,
        q.normalized_cut,
        ari.map_or(String::new(), |a| format!(", ARI {}", plot::fixed(a, 4))),
        started.elapsed().as_secs_f64()
    );
    let mut json = vec![
        ("min_cut_smaller_side", Json::Int(c.smaller_side() as i64)),
        ("min_cut_ratio_cut", Json::Num(q.ratio_cut)),
        ("min_cut_normalized_cut", Json::Num(q.normalized_cut)),
    ];
    if let Some(a) = ari {
        json.push(("min_cut_ari", Json::Num(a)));
    }
    Ok((c, json))
}

// tour: chapter 7

/// Chapter 7: k-means against spectral clustering on three shapes; the graph, the sorted
/// Fiedler vector and the eigengap; why the plain minimum cut fails.
pub fn tour_spectral(ctx: &TourContext) -> Result<Vec<Section>> {
    use unsupervised::kmeans::KMeans;
    use unsupervised::metrics::adjusted_rand_index;
    use unsupervised::spectral::graph::{components, cut_quality, similarity_graph, Graph};
    use unsupervised::spectral::{fiedler, SpectralClustering};
    let n = if ctx.quick { 300 } else { 1000 };
    let shapes = [
        ("two moons", datasets::two_moons(n, 0.06, ctx.seed)?),
        ("circles", datasets::circles(n, 0.04, 0.5, ctx.seed)?),
        (
            "two spirals",
            datasets::two_spirals(n, 0.05, 1.5, ctx.seed)?,
        ),
    ];
    let mut fig = Figure::new(
        "k-means (left) against spectral clustering (right)",
        2,
        320.0,
        300.0,
    );
    let mut scores = Vec::new();
    for (name, d) in &shapes {
        let truth = d.labels.clone().unwrap_or_default();
        let (xs, ys) = (d.x.column(0), d.x.column(1));
        let km = KMeans::new(2).seed(ctx.seed).fit(&d.x)?;
        let sp = SpectralClustering::new(2).seed(ctx.seed).fit(&d.x)?;
        let (a, b) = (
            adjusted_rand_index(&truth, &km.labels)?,
            adjusted_rand_index(&truth, &sp.labels)?,
        );
        scores.push(format!(
            "{name}: {} against {}",
            plot::fixed(a, 2),
            plot::fixed(b, 2)
        ));
        for (method, labels, ari) in [("k-means", &km.labels, a), ("spectral", &sp.labels, b)] {
            fig.push(
                Plot::new(format!("{name}, {method}: ARI {}", plot::fixed(ari, 2)))
                    .scatter_classes(&xs, &ys, labels, &[])?
                    .equal_aspect(),
            );
        }
    }
    let versus = ctx.save_svg("spectral-vs-kmeans.svg", &fig)?;

    // The graph over the points, the Fiedler vector sorted, and the eigengap.
    let moons = datasets::two_moons(300, 0.08, ctx.seed + 1)?;
    let w = similarity_graph(&moons.x, Graph::knn(8), Exec::default())?;
    let mut segments = Vec::new();
    for i in 0..w.rows() {
        let (cols, _) = w.row(i);
        for &j in cols.iter().filter(|&&j| j > i) {
            segments.push([
                moons.x[(i, 0)],
                moons.x[(i, 1)],
                moons.x[(j, 0)],
                moons.x[(j, 1)],
            ]);
        }
    }
    let f = fiedler(&w)?;
    let (xs, ys) = (moons.x.column(0), moons.x.column(1));
    let graph_plot = Plot::new(format!("8-NN graph, {} edges", segments.len()))
        .segments(&segments, "#bbb")
        .scatter_values(&xs, &ys, &f.vector)?
        .equal_aspect();
    // Sorted Fiedler vectors: the moons (long paths, along which it drifts) and two
    // compact blobs joined by a few edges (two plateaus).
    let blobs = datasets::ring_of_gaussians(300, 2, 1.2, 0.45, ctx.seed + 2)?;
    let blob_graph = similarity_graph(&blobs.x, Graph::knn(8), Exec::default())?;
    let blob_fiedler = fiedler(&blob_graph)?;
    let ranks: Vec<f64> = (0..f.vector.len()).map(|i| i as f64).collect();
    let sorted = |v: &[f64]| {
        let mut s = v.to_vec();
        s.sort_by(f64::total_cmp);
        s
    };
    let fiedler_plot = Plot::new("Fiedler vectors, sorted")
        .x_label("rank")
        .y_label("entry")
        .integer_x()
        .line(
            &ranks,
            &sorted(&f.vector),
            plot::class_color(0),
            &format!("two moons, λ₂ = {:.1e}", f.value),
        )?
        .line(
            &ranks,
            &sorted(&blob_fiedler.vector),
            plot::class_color(1),
            &format!("two blobs, λ₂ = {:.1e}", blob_fiedler.value),
        )?;
    let mut gaps = Plot::new("smallest eigenvalues of L_sym")
        .x_label("index")
        .y_label("eigenvalue")
        .integer_x();
    for (c, (name, k)) in [("two moons", 2), ("four blobs", 4)]
        .into_iter()
        .enumerate()
    {
        let x = if k == 2 {
            moons.x.clone()
        } else {
            datasets::ring_of_gaussians(300, 4, 3.0, 0.5, ctx.seed + 2)?.x
        };
        let fit = SpectralClustering::new(k)
            .graph(Graph::Knn {
                neighbors: 8,
                weighting: unsupervised::spectral::graph::Weighting::Gaussian { sigma: 1.0 },
            })
            .n_eigenvalues(8)
            .fit(&x)?;
        let ix: Vec<f64> = (1..=fit.eigenvalues.len()).map(|i| i as f64).collect();
        gaps = gaps
            .line(
                &ix,
                &fit.eigenvalues,
                plot::class_color(c),
                &format!("{name} (k = {k})"),
            )?
            .points(&ix, &fit.eigenvalues, plot::class_color(c))?;
    }
    let spectrum = ctx.save_svg(
        "spectral-fiedler.svg",
        &Figure::new("", 3, 330.0, 300.0)
            .with(graph_plot)
            .with(fiedler_plot)
            .with(gaps),
    )?;

    // The exact minimum cut against the balanced cuts. On noisy moons with narrow kernels
    // the cheapest cut isolates one weakly joined point; with a thin bridge it is the moons.
    let moons_cut = |noise: f64, sigma: f64| -> Result<_> {
        let d = datasets::two_moons(300, noise, ctx.seed + 3)?;
        let graph = Graph::Knn {
            neighbors: 10,
            weighting: unsupervised::spectral::graph::Weighting::Gaussian { sigma },
        };
        let w = similarity_graph(&d.x, graph, Exec::default())?;
        let cut = unsupervised::spectral::mincut::min_cut(&w)?;
        let quality = cut_quality(&w, &cut.labels)?;
        let sp = SpectralClustering::new(2).graph(graph).fit(&d.x)?;
        Ok((d.x, w, cut, quality, sp))
    };
    let (x, w, cut, lone, sp) = moons_cut(0.1, 0.1)?;
    let (thin_x, _, thin_cut, thin, _) = moons_cut(0.08, 1.0)?;
    let panel = |title: String, x: &Matrix<f64>, labels: &[usize]| -> Result<Plot> {
        let (xs, ys) = (x.column(0), x.column(1));
        let mut p = Plot::new(title).scatter_classes(&xs, &ys, labels, &[])?;
        // The smaller side, ringed, so a lone point shows.
        if labels.iter().filter(|&&l| l == 1).count() <= 5 {
            let (mx, my): (Vec<f64>, Vec<f64>) = (0..x.rows())
                .filter(|&i| labels[i] == 1)
                .map(|i| (x[(i, 0)], x[(i, 1)]))
                .unzip();
            p = p.markers(&mx, &my, plot::class_color(1), 7.0)?;
        }
        Ok(p.equal_aspect())
    };
    let cut_fig = Figure::new("", 3, 330.0, 300.0)
        .with(panel(
            format!(
                "exact min cut {:.3}: RatioCut {:.3}, Ncut {:.2}",
                cut.value, lone.ratio_cut, lone.normalized_cut
            ),
            &x,
            &cut.labels,
        )?)
        .with(panel(
            format!(
                "spectral: cut {:.3}, RatioCut {:.4}, Ncut {:.5}",
                sp.cut.cut, sp.cut.ratio_cut, sp.cut.normalized_cut
            ),
            &x,
            &sp.labels,
        )?)
        .with(panel(
            format!(
                "thin bridge, σ = 1: min cut {:.2}, Ncut {:.3}",
                thin_cut.value, thin.normalized_cut
            ),
            &thin_x,
            &thin_cut.labels,
        )?);
    let mincut = ctx.save_svg("spectral-mincut.svg", &cut_fig)?;
    let parts = components(&w).count;

    // Clusters as cliques: 3- and 4-clique communities of a small ε-graph, which overlap.
    let few = datasets::two_moons(60, 0.1, ctx.seed)?.x;
    let eps = similarity_graph(&few, Graph::Epsilon { radius: 0.3 }, Exec::default())?;
    let n_cliques = unsupervised::spectral::cliques::maximal_cliques(&eps)?.len();
    let mut clique_fig = Figure::new("", 2, 420.0, 330.0);
    let mut counts = Vec::new();
    for k in [3, 4] {
        let c = unsupervised::spectral::cliques::clique_percolation(&eps, k)?;
        counts.push(format!(
            "k = {k}: {} communities, {} points in two or more, {} in none",
            c.members.len(),
            c.overlapping(),
            c.of_vertex.iter().filter(|m| m.is_empty()).count()
        ));
        clique_fig.push(clique_plot(
            format!(
                "{k}-clique communities ({} points in several)",
                c.overlapping()
            ),
            &few,
            &eps,
            &c,
        )?);
    }
    let cliques = ctx.save_svg("spectral-cliques.svg", &clique_fig)?;
    Ok(vec![
        Section::figure(versus, "k-means against spectral clustering on two moons, circles and two spirals (10-NN graph, symmetric Laplacian)", &format!("k-means cuts each shape with a straight line; spectral clustering follows the shapes, except where two shapes touch: the spirals meet at their common centre, and the graph joins them there. ARI, k-means against spectral: {}.", scores.join("; "))),
        Section::figure(spectrum, "The 8-NN graph of two moons coloured by its Fiedler vector; Fiedler vectors sorted; the smallest eigenvalues of two data sets", "the Fiedler vector changes sign between the moons (a jump in the sorted entries near rank 150), but along each moon it drifts: a moon is a long, thin path, and the slowest-varying vector of a path is a slow wave along it. On two compact blobs joined by a few edges (orange) the sorted entries form two flat plateaus. Right: four separated Gaussians have four eigenvalues near zero and then a jump (the eigengap at k = 4); the moons' eigenvalues rise more gradually after the second."),
        Section::figure(cliques, "Clusters as cliques: k-clique communities of an ε-graph (60 noisy moon points, radius 0.3)", &format!("the graph has {n_cliques} maximal cliques (Bron–Kerbosch). A community is a union of k-cliques that reach one another through k-cliques sharing k − 1 points (clique percolation); a ringed point belongs to two communities, as a node with several colours does in the lecture's figure. {}. Larger k asks for denser groups: communities shrink and more points belong to none.", counts.join("; "))),
        Section::figure(mincut, "The exact minimum cut (Stoer–Wagner) against spectral clustering, on two moons", &format!("left and middle: noise 0.1, Gaussian 10-NN graph with σ = 0.1 ({parts} component(s)). The cheapest of all cuts isolates {} point(s): the most weakly joined point's edges weigh less than the {:.3} that separating the moons costs. Dividing by the part's size (RatioCut) or volume (Ncut) makes that tiny part expensive, and spectral clustering, which relaxes Ncut, finds the moons. Right: noise 0.08 and σ = 1, where the moons touch through a thin bridge and the minimum cut separates them ({} and {} points); the lecture's warning is about the first case, which is the usual one on noisy data.", cut.smaller_side(), sp.cut.cut, thin_cut.labels.iter().filter(|&&l| l == 0).count(), thin_cut.smaller_side())),
    ])
}
