//! Chapter 5 on the command line: `unsupervised hclust` and the tour's dendrograms.

use crate::args::{Args, Command, Flag, DATA, JSON, LABEL, N, NOISE, OUT, SEED, STANDARDIZE};
use crate::json::Json;
use crate::tour::{Chapter, Section, TourContext};
use crate::Result;
use std::time::Instant;
use unsupervised::datasets;
use unsupervised::linalg::Matrix;
use unsupervised::plot::{self, Figure, Plot};

pub const CHAPTER: Chapter = Chapter {
    name: "hierarchical",
    title: "5 · Hierarchical clustering",
    book_page: "05-hierarchical.html",
    commands: &[COMMAND],
    tour: tour_hierarchical,
};

pub const COMMAND: Command = Command {
    name: "hclust",
    about: "agglomerative hierarchical clustering (chapter 5)",
    flags: &[
        DATA,
        N,
        NOISE,
        LABEL,
        Flag::value(
            "--linkage",
            "NAME",
            "complete (default), single, average, weighted, centroid, median or ward",
        ),
        Flag::value(
            "--metric",
            "NAME",
            "euclidean (default), sqeuclidean, manhattan, cosine or correlation",
        ),
        STANDARDIZE,
        Flag::value(
            "--k",
            "K",
            "also cut the tree into K clusters (\"labels\" in the JSON)",
        ),
        SEED,
        OUT,
        JSON,
    ],
    run: hclust_command,
};

// `hclust`

/// `unsupervised hclust --data usarrests --standardize --linkage complete --json`:
/// `{"heights": [...], "merges": [[a, b], ...], "sizes": [...], "cophenetic_correlation": c,
/// "inversions": [...]}` plus `"labels"` with `--k`.
pub fn hclust_command(args: &Args) -> Result {
    use unsupervised::hierarchical::{cophenetic_correlation, linkage, Condensed, Linkage, Metric};
    let d = args.data("usarrests")?;
    let method = Linkage::parse(args.text("--linkage").unwrap_or("complete"))?;
    let metric = Metric::parse(args.text("--metric").unwrap_or("euclidean"))?;
    let k: Option<usize> = args.get("--k", "a whole number")?;
    let x = args.features(&d.x)?;
    let started = Instant::now();
    let dist = Condensed::from_points(&x, metric)?;
    let tree = linkage(&dist, method)?;
    let labels = k.map(|k| tree.cut_k(k)).transpose()?;
    let ccc = cophenetic_correlation(&dist, &tree)?;
    let inversions = tree.inversions();
    eprintln!(
        "hclust: {method:?} linkage on {} ({} x {}) in {:.3} s; cophenetic correlation {ccc:.4}; {} inversion(s)",
        d.name,
        x.rows(),
        x.cols(),
        started.elapsed().as_secs_f64(),
        inversions.len()
    );
    if let Some(out) = TourContext::for_out(args)? {
        // SciPy's linkage matrix: one row (a, b, height, size) per fusion.
        let rows: Vec<f64> = tree
            .merges
            .iter()
            .flat_map(|m| [m.a as f64, m.b as f64, m.height, m.size as f64])
            .collect();
        out.save_npy("linkage.npy", &Matrix::new(tree.merges.len(), 4, rows)?)?;
        let merges: Vec<(usize, usize, f64)> =
            tree.merges.iter().map(|m| (m.a, m.b, m.height)).collect();
        let cut = match &labels {
            Some(l) => l.clone(),
            None => vec![0; tree.n],
        };
        let names = d.row_names.clone().unwrap_or_default();
        let plot = plot::dendrogram(
            format!("{method:?} linkage, {}", d.name),
            &merges,
            &tree.leaf_order(),
            &cut,
            &names,
        )?;
        out.save_svg(
            "dendrogram.svg",
            &Figure::new("", 1, 520.0, 640.0).with(plot),
        )?;
        if let Some(l) = &labels {
            out.save_labels("labels.npy", l)?;
        }
    }
    if args.has("--json") {
        let mut doc = vec![
            ("heights", Json::nums(&tree.heights())),
            (
                "merges",
                Json::Arr(tree.merges.iter().map(|m| Json::ints([m.a, m.b])).collect()),
            ),
            ("sizes", Json::ints(tree.merges.iter().map(|m| m.size))),
            ("cophenetic_correlation", Json::Num(ccc)),
            ("inversions", Json::ints(inversions)),
        ];
        if let Some(labels) = &labels {
            doc.push(("labels", Json::ints(labels.iter().copied())));
        }
        say!("{}", Json::Obj(doc).render());
    } else {
        let names = d.row_names.clone().unwrap_or_default();
        let name = |c: usize| -> String {
            if c < tree.n {
                names.get(c).cloned().unwrap_or_else(|| c.to_string())
            } else {
                format!("#{}", c - tree.n)
            }
        };
        for (r, m) in tree.merges.iter().enumerate() {
            say!(
                "#{r:<4} {:>14} + {:<14} at {:.4} ({} points)",
                name(m.a),
                name(m.b),
                m.height,
                m.size
            );
        }
    }
    Ok(())
}

// tour: chapter 5

/// Chapter 5: USArrests dendrograms for three linkages with the cut at k = 4, and single
/// linkage's chaining.
pub fn tour_hierarchical(ctx: &TourContext) -> Result<Vec<Section>> {
    use unsupervised::hierarchical::{cophenetic_correlation, linkage, Condensed, Linkage, Metric};
    let arrests = datasets::usarrests()?;
    let names = arrests.row_names.clone().unwrap_or_default();
    let x = arrests.x.standardize()?.0;
    let d = Condensed::from_points(&x, Metric::Euclidean)?;
    let mut fig = Figure::new(
        "USArrests (standardised), cut into 4 clusters",
        3,
        330.0,
        640.0,
    );
    let mut notes = Vec::new();
    for method in [Linkage::Complete, Linkage::Average, Linkage::Single] {
        let tree = linkage(&d, method)?;
        let ccc = cophenetic_correlation(&d, &tree)?;
        notes.push(format!("{method:?}: {ccc:.3}"));
        let merges: Vec<(usize, usize, f64)> =
            tree.merges.iter().map(|m| (m.a, m.b, m.height)).collect();
        fig.push(plot::dendrogram(
            format!("{method:?} linkage"),
            &merges,
            &tree.leaf_order(),
            &tree.cut_k(4)?,
            &names,
        )?);
    }
    let trees = ctx.save_svg("hierarchical-usarrests.svg", &fig)?;

    // Chaining: two blobs joined by a thin bridge of points. Single linkage follows the
    // bridge and keeps almost everything in one cluster; complete and Ward split the blobs.
    let blobs = datasets::blobs(120, 2, 2, 0.5, ctx.seed + 5)?;
    let truth = blobs.labels.clone().unwrap_or_default();
    let mean_of = |c: usize| -> Vec<f64> {
        let rows: Vec<usize> = (0..truth.len()).filter(|&i| truth[i] == c).collect();
        (0..2)
            .map(|j| rows.iter().map(|&i| blobs.x[(i, j)]).sum::<f64>() / rows.len().max(1) as f64)
            .collect()
    };
    let (a, b) = (mean_of(0), mean_of(1));
    let mut values = blobs.x.as_slice().to_vec();
    // Bridge points closer together than the points inside a blob.
    let steps = 40;
    for t in 1..steps {
        let s = t as f64 / steps as f64;
        values.extend([a[0] + s * (b[0] - a[0]), a[1] + s * (b[1] - a[1])]);
    }
    let x = Matrix::new(values.len() / 2, 2, values)?;
    let d = Condensed::from_points(&x, Metric::Euclidean)?;
    let (xs, ys) = (x.column(0), x.column(1));
    let mut chain_fig = Figure::new(
        "Chaining: two blobs and a bridge, cut into 2 clusters",
        3,
        300.0,
        300.0,
    );
    for method in [Linkage::Single, Linkage::Complete, Linkage::Ward] {
        let labels = linkage(&d, method).and_then(|t| t.cut_k(2))?;
        let small = labels
            .iter()
            .filter(|&&l| l == 1)
            .count()
            .min(labels.iter().filter(|&&l| l == 0).count());
        chain_fig.push(
            Plot::new(format!(
                "{method:?}: the smaller cluster has {small} point{}",
                if small == 1 { "" } else { "s" }
            ))
            .scatter_classes(&xs, &ys, &labels, &[])?
            .equal_aspect(),
        );
    }
    let chaining = ctx.save_svg("hierarchical-chaining.svg", &chain_fig)?;
    Ok(vec![
        Section::figure(trees, "Dendrograms of the 50 states for complete, average and single linkage (Euclidean distance on standardised data), coloured by the cut into 4 clusters", &format!("complete and average linkage give compact, balanced groups; single linkage fuses states one at a time onto a growing cluster (chaining), so its 4-cluster cut leaves three tiny clusters. Cophenetic correlations: {}.", notes.join(", "))),
        Section::figure(chaining, "Single linkage's chaining", "a bridge of evenly spaced points is enough for single linkage (left) to join the two blobs early: its two clusters are one big cluster and a straggler. Complete linkage and Ward cut the blobs apart."),
    ])
}
