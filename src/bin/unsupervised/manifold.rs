//! Chapter 8 on the command line: `unsupervised manifold` and the tour's maps of the Swiss roll.

use crate::args::{Args, Command, Flag, DATA, JSON, LABEL, N, NOISE, OUT, SEED};
use crate::json::Json;
use crate::tour::{Chapter, Section, TourContext};
use crate::Result;
use std::time::Instant;
use unsupervised::datasets;
use unsupervised::linalg::Matrix;
use unsupervised::plot::{self, Figure, Plot};
use unsupervised::Exec;
use unsupervised::Rng;

pub const CHAPTER: Chapter = Chapter {
    name: "manifold",
    title: "8 · Manifold learning",
    book_page: "08-manifold.html",
    commands: &[COMMAND],
    tour: tour_manifold,
};

pub const COMMAND: Command = Command {
    name: "manifold",
    about: "manifold learning: MDS, SMACOF, Isomap, LLE, Laplacian, Hessian, LTSA, diffusion maps (chapter 8)",
    flags: &[
        DATA,
        N,
        NOISE,
        LABEL,
        Flag::value("--method", "NAME", "isomap (default), lle, laplacian, hessian, ltsa, diffusion, mds, smacof, or sdp (sensor localisation: --n sensors, --noise on the ranges)"),
        Flag::value("--neighbors", "K", "neighbourhood size (default 12)").sets("n_neighbors"),
        Flag::value("--dims", "D", "dimensions of the map (default 2)").sets("n_components"),
        Flag::value("--radius", "R", "with --method sdp: the radio range within which pairs are measured (default 0.4)"),
        SEED,
        OUT,
        JSON,
    ],
    run: manifold_command,
};

// `manifold`

/// `unsupervised manifold --method isomap --data swissroll --n 2000 --neighbors 12 --dims 2
/// --seed 0 --json`: `{"embedding": [[...]], "seconds": ..., "spearman": ...}`, the last for
/// generated data with a known coordinate (|Spearman| of the map's first coordinate with
/// it); `--out DIR` writes `embedding.npy` and `manifold.svg`.
pub fn manifold_command(args: &Args) -> Result {
    use unsupervised::manifold::{embed, Method};
    let options = args.data_options()?;
    let name = args.text("--data").unwrap_or("swissroll");
    let method_name = args.text("--method").unwrap_or("isomap");
    if method_name == "sdp" {
        return sdp_command(args);
    }
    args.refuse("--radius", "only --method sdp has a radio range")?;
    let method = Method::parse(method_name).ok_or_else(|| {
        format!("--method {method_name}: expected isomap, lle, laplacian, hessian, ltsa, diffusion, mds, smacof or sdp")
    })?;
    let k: usize = args.get("--neighbors", "a whole number")?.unwrap_or(12);
    let global = matches!(method, Method::Mds | Method::Smacof);
    if global {
        args.refuse(
            "--neighbors",
            &format!(
                "--method {method_name} uses the distances between all pairs of points, not \
                 neighbourhoods; drop --neighbors or pick a neighbourhood method"
            ),
        )?;
    }
    let dims: usize = args.get("--dims", "a whole number")?.unwrap_or(2);
    // Generated manifolds come with their true coordinate t.
    let (d, truth) = match name {
        "swissroll" | "scurve" => {
            args.refuse(
                "--label",
                &format!("only a CSV file has label columns to choose; `{name}` is generated"),
            )?;
            let n = options.n.unwrap_or(2000);
            let noise = options.noise.unwrap_or(0.0);
            let sample = if name == "swissroll" {
                datasets::swiss_roll(n, noise, options.seed)
            } else {
                datasets::s_curve(n, noise, options.seed)
            }?;
            (sample.data, Some(sample.t))
        }
        _ => (args.data(name)?, None),
    };
    let started = Instant::now();
    let y = embed(&d.x, method, dims, k, options.seed, Exec::default())?;
    let seconds = started.elapsed().as_secs_f64();
    let spearman = match &truth {
        Some(t) => Some(unsupervised::metrics::spearman(&y.column(0), t)?.abs()),
        None => None,
    };
    eprintln!(
        "{}: {} ({} x {}) to {dims} dimensions{} in {seconds:.3} s{}",
        method.name(),
        d.name,
        d.x.rows(),
        d.x.cols(),
        if global {
            String::new()
        } else {
            format!(" with {k} neighbours")
        },
        spearman.map_or(String::new(), |s| format!(
            "; |Spearman| of the first coordinate with t: {s:.4}"
        ))
    );
    if let Some(out) = TourContext::for_out(args)? {
        out.save_npy("embedding.npy", &y)?;
        let (xs, ys) = (y.column(0), y.column(1.min(y.cols() - 1)));
        let title = format!("{} of {}", method.name(), d.name);
        let plot = match (&truth, &d.labels) {
            (Some(t), _) => Plot::new(title).scatter_values(&xs, &ys, t)?,
            (None, Some(l)) => Plot::new(title).scatter_classes(&xs, &ys, l, &d.class_names)?,
            (None, None) => Plot::new(title).points(&xs, &ys, plot::class_color(0))?,
        };
        out.save_svg("manifold.svg", &Figure::new("", 1, 520.0, 480.0).with(plot))?;
    }
    if args.has("--json") {
        let mut doc = vec![
            ("embedding", Json::rows(&y)),
            ("seconds", Json::Num(seconds)),
            ("method", Json::Str(method.name().into())),
        ];
        if let Some(s) = spearman {
            doc.push(("spearman", Json::Num(s)));
        }
        say!("{}", Json::Obj(doc).render());
    } else {
        say!("{} x {} map in {seconds:.3} s", y.rows(), y.cols());
    }
    Ok(())
}

/// `manifold --method sdp --n 50 --noise 0.05 --json`: Biswas and Ye's sensor localisation
/// on a generated network (four anchors at the corners of the unit square, ranges between
/// pairs closer than `--radius`, multiplicative noise), against classical MDS on the same
/// ranges: `{"positions", "rmsd", "rmsd_mds", "iterations", "converged"}`; `--out` writes
/// `positions.npy` and `truth.npy`.
fn sdp_command(args: &Args) -> Result {
    use unsupervised::manifold::sdp::{mds_localization, rmsd, sensor_network, SdpLocalization};
    for flag in ["--data", "--label", "--neighbors", "--dims"] {
        args.refuse(
            flag,
            "--method sdp localises a generated sensor network in the plane",
        )?;
    }
    let options = args.data_options()?;
    let n = options.n.unwrap_or(50);
    let noise = options.noise.unwrap_or(0.05);
    let radius: f64 = args.get("--radius", "a number")?.unwrap_or(0.4);
    if !(radius > 0.0 && radius.is_finite()) {
        return Err(format!("--radius {radius}: must be positive and finite").into());
    }
    let net = sensor_network(n, 4, radius, noise, options.seed)
        .map_err(|e| format!("--n {n}, --noise {noise}: {e}"))?;
    let started = Instant::now();
    let fit = SdpLocalization::new().fit(&net.anchors, n, &net.ranges)?;
    let mds = mds_localization(&net.anchors, n, &net.ranges, Exec::default())?;
    let (err, err_mds) = (rmsd(&fit.positions, &net.sensors), rmsd(&mds, &net.sensors));
    eprintln!(
        "sdp: {n} sensors, {} ranges, RMSD {err:.4} (classical MDS {err_mds:.4}) in {:.3} s",
        net.ranges.len(),
        started.elapsed().as_secs_f64()
    );
    if !fit.converged {
        eprintln!("warning: the SDP solver stopped at its iteration limit; the positions are refined from its last iterate");
    }
    if let Some(out) = TourContext::for_out(args)? {
        out.save_npy("positions.npy", &fit.positions)?;
        out.save_npy("truth.npy", &net.sensors)?;
    }
    if args.has("--json") {
        let doc = Json::Obj(vec![
            ("positions", Json::rows(&fit.positions)),
            ("rmsd", Json::Num(err)),
            ("rmsd_mds", Json::Num(err_mds)),
            ("ranges", Json::Int(net.ranges.len() as i64)),
            ("iterations", Json::Int(fit.n_iter as i64)),
            ("converged", Json::Bool(fit.converged)),
        ]);
        say!("{}", doc.render());
    } else {
        say!("RMSD {err:.4} against classical MDS's {err_mds:.4}");
    }
    Ok(())
}

// tour: manifold learning

pub fn tour_manifold(ctx: &TourContext) -> Result<Vec<Section>> {
    use unsupervised::manifold::sdp::{mds_localization, rmsd, sensor_network, SdpLocalization};
    use unsupervised::manifold::{embed, Method};
    use unsupervised::metrics::spearman;
    // Quick mode (the debug-build test of the tour): small samples everywhere.
    let n = if ctx.quick { 150 } else { 1500 };
    let k = 10;

    // 1. Every method on the Swiss roll and the S-curve, coloured by the true coordinate.
    let mut grid = Figure::new("", 3, 250.0, 230.0);
    let mut scores = Vec::new();
    for (name, sample) in [
        ("Swiss roll", datasets::swiss_roll(n, 0.0, ctx.seed)?),
        ("S-curve", datasets::s_curve(n, 0.0, ctx.seed)?),
    ] {
        let x = &sample.data.x;
        // The data themselves, seen from the side that shows the roll.
        grid.push(
            Plot::new(format!("{name}, n = {n}"))
                .scatter_values(&x.column(0), &x.column(2), &sample.t)?
                .equal_aspect()
                .no_axes(),
        );
        for method in Method::ALL {
            let t = Instant::now();
            let y = embed(x, method, 2, k, ctx.seed, Exec::default())?;
            let seconds = t.elapsed().as_secs_f64();
            let r = spearman(&y.column(0), &sample.t)?.abs();
            scores.push(format!("{} on the {name}: {r:.3}", method.name()));
            grid.push(
                Plot::new(format!("{} {:.2} s, ρ {r:.2}", method.name(), seconds))
                    .scatter_values(&y.column(0), &y.column(1), &sample.t)?
                    .no_axes(),
            );
        }
    }
    let grid = ctx.save_svg("manifold-grid.svg", &grid)?;

    // 2. Digits by Isomap and by Laplacian eigenmaps.
    let digits = datasets::digits()?;
    let m = if ctx.quick { 200 } else { digits.x.rows() };
    let x = Matrix::new(m, 64, digits.x.as_slice()[..m * 64].to_vec())?;
    let labels = digits.labels.clone().unwrap_or_default()[..m].to_vec();
    let mut dfig = Figure::new("", 2, 420.0, 400.0);
    for method in [Method::Isomap, Method::Laplacian] {
        let y = embed(&x, method, 2, k, ctx.seed, Exec::default())?;
        let acc =
            unsupervised::metrics::knn_accuracy(&y, &labels, 1, 5, ctx.seed, Exec::default())?;
        dfig.push(
            Plot::new(format!("{} of the digits: 1-NN {acc:.3}", method.name()))
                .scatter_classes(&y.column(0), &y.column(1), &labels, &digits.class_names)?
                .no_axes(),
        );
    }
    let dfig = ctx.save_svg("manifold-digits.svg", &dfig)?;

    // 3. A short circuit: too many neighbours on a sparse roll join its layers.
    let sparse_n = if ctx.quick { 200 } else { 600 };
    let sparse_roll = datasets::swiss_roll(sparse_n, 0.0, ctx.seed)?;
    let mut short = Figure::new("", 2, 330.0, 300.0);
    for neighbors in [6, 14] {
        let y = embed(
            &sparse_roll.data.x,
            Method::Isomap,
            2,
            neighbors,
            ctx.seed,
            Exec::default(),
        )?;
        let r = spearman(&y.column(0), &sparse_roll.t)?.abs();
        short.push(
            Plot::new(format!(
                "Isomap, n = {sparse_n}, {neighbors} neighbours: ρ {r:.2}"
            ))
            .scatter_values(&y.column(0), &y.column(1), &sparse_roll.t)?
            .no_axes(),
        );
    }
    let short = ctx.save_svg("manifold-short-circuit.svg", &short)?;

    // 3b. A hole and uneven sampling: rolls cut from a larger sample.
    let big = datasets::swiss_roll(if ctx.quick { 600 } else { 3000 }, 0.0, ctx.seed)?;
    let (t_lo, t_hi) = (1.5 * std::f64::consts::PI, 4.5 * std::f64::consts::PI);
    let holed: Vec<usize> = (0..big.t.len())
        .filter(|&i| {
            let (u, h) = ((big.t[i] - t_lo) / (t_hi - t_lo), big.height[i] / 21.0);
            (u - 0.5).powi(2) + (h - 0.5).powi(2) > 0.2f64.powi(2)
        })
        .collect();
    let mut rng = Rng::seed_from_u64(ctx.seed);
    // Keep a point with probability falling from 1 to 0.05 along the roll.
    let uneven: Vec<usize> = (0..big.t.len())
        .filter(|&i| rng.next_f64() < 1.0 - 0.95 * (big.t[i] - t_lo) / (t_hi - t_lo))
        .collect();
    let mut fail = Figure::new("", 3, 250.0, 230.0);
    for (what, rows, methods) in [
        (
            "hole",
            &holed,
            [Method::Isomap, Method::Hessian, Method::Ltsa],
        ),
        (
            "uneven",
            &uneven,
            [Method::Lle, Method::Laplacian, Method::Diffusion],
        ),
    ] {
        let x = Matrix::from_fn(rows.len(), 3, |i, c| big.data.x[(rows[i], c)]);
        let t: Vec<f64> = rows.iter().map(|&i| big.t[i]).collect();
        for method in methods {
            let y = embed(&x, method, 2, k, ctx.seed, Exec::default())?;
            let r = spearman(&y.column(0), &t)?.abs();
            fail.push(
                Plot::new(format!(
                    "{what}: {} (n = {}), ρ {r:.2}",
                    method.name(),
                    rows.len()
                ))
                .scatter_values(&y.column(0), &y.column(1), &t)?
                .no_axes(),
            );
        }
    }
    let fail = ctx.save_svg("manifold-failures.svg", &fail)?;

    // 4. Sensor localisation: SDP against classical MDS on the same noisy, incomplete ranges.
    let sensors = if ctx.quick { 25 } else { 50 };
    let net = sensor_network(sensors, 4, 0.4, 0.05, ctx.seed)?;
    let sdp = SdpLocalization::new()
        .max_iter(if ctx.quick { 200 } else { 1000 })
        .fit(&net.anchors, sensors, &net.ranges)?;
    let mds = mds_localization(&net.anchors, sensors, &net.ranges, Exec::default())?;
    let mut sfig = Figure::new("", 2, 360.0, 360.0);
    for (name, est) in [
        ("SDP + refinement", &sdp.positions),
        ("classical MDS", &mds),
    ] {
        let segments: Vec<[f64; 4]> = (0..sensors)
            .map(|j| {
                [
                    net.sensors[(j, 0)],
                    net.sensors[(j, 1)],
                    est[(j, 0)],
                    est[(j, 1)],
                ]
            })
            .collect();
        sfig.push(
            Plot::new(format!("{name}: RMSD {:.4}", rmsd(est, &net.sensors)))
                .segments(&segments, "#d62728")
                .points(
                    &net.sensors.column(0),
                    &net.sensors.column(1),
                    plot::class_color(0),
                )?
                .markers(&net.anchors.column(0), &net.anchors.column(1), "#222", 5.0)?
                .equal_aspect()
                .legend("true sensor", plot::class_color(0))
                .legend("anchor", "#222")
                .legend("error (true to estimate)", "#d62728"),
        );
    }
    let sfig = ctx.save_svg("manifold-sdp.svg", &sfig)?;
    Ok(vec![
        Section::figure(grid, "Every method of the chapter on the Swiss roll and the S-curve (k = 10 neighbours), coloured by the true coordinate along the sheet", &format!("MDS and SMACOF only flatten the roll (straight-line distances cut across its layers); Isomap, LTSA and Hessian eigenmaps unroll it into a rectangle with the colours in order; LLE and Laplacian eigenmaps unroll it but bunch and bend it. ρ is the |Spearman correlation| of the first map coordinate with the true one: {}.", scores.join("; "))),
        Section::figure(dfig, "The digits by Isomap and by Laplacian eigenmaps", "both group the digits without seeing the labels, but far less cleanly than t-SNE (next chapter): a 2-D sheet is a poor model of ten separate classes."),
        Section::figure(short, "A short circuit", "on a sparse sample, 14 neighbours reach across the gap between two layers of the roll; the geodesics take the shortcut, and the map bends the sheet into a ring that puts distant parts of the roll side by side."),
        Section::figure(fail, "A hole in the sheet (top) and uneven sampling (bottom)", "Isomap's geodesics bend around the hole, so its map stretches it into an oval, while Hessian eigenmaps and LTSA, which only look at neighbourhoods, keep it round. Where the roll is sampled densely at one end (dark) and thinly at the other, LLE and Laplacian eigenmaps give the dense end most of the map and squash the sparse end into a corner; the diffusion map's α = 1 normalisation divides the density out and keeps the order."),
        Section::figure(sfig, &format!("Sensor localisation from {} noisy ranges (5%) between sensors closer than 0.4 and to 4 anchors", net.ranges.len()), "each red segment joins a sensor's true position to its estimate. The SDP relaxation uses only the measured ranges; MDS first has to guess the missing ones from shortest paths, which are longer than the straight lines, and bends the network."),
    ])
}
