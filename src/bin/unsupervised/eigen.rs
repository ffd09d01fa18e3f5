//! Chapter 2 on the command line: `unsupervised eigen` and the tour's Jacobi and Lanczos figures.

use crate::args::{Args, Command, Flag, DATA, JSON, OUT, SEED};
use crate::json::Json;
use crate::tour::{Chapter, Section, TourContext};
use crate::Result;
use std::time::Instant;
use unsupervised::datasets;
use unsupervised::linalg::{Exec, Matrix};
use unsupervised::plot::{self, Figure, Plot};
use unsupervised::Rng;

pub const CHAPTER: Chapter = Chapter {
    name: "eigen",
    title: "2 · Eigenproblems: Jacobi, Lanczos and the SVD",
    book_page: "02-eigen.html",
    commands: &[COMMAND],
    tour: tour_eigen,
};

pub const COMMAND: Command = Command {
    name: "eigen",
    about: "eigenvalues and eigenvectors of a symmetric matrix (chapter 2)",
    flags: &[
        DATA,
        Flag::value(
            "--k",
            "K",
            "how many eigenpairs (default: all for dense methods, 6 for lanczos)",
        ),
        Flag::value(
            "--method",
            "NAME",
            "auto (default), tridiagonal, jacobi or lanczos",
        ),
        Flag::value(
            "--which",
            "END",
            "smallest (default) or largest eigenvalues first",
        ),
        SEED,
        OUT,
        JSON,
    ],
    run: eigen_command,
};

// `eigen`

// ANCHOR: eigen_command
/// `unsupervised eigen --data A.npy --k 5 --json`: the k eigenpairs at one end of the
/// spectrum of a symmetric matrix, as `{"eigenvalues": [...], "eigenvectors": [[...], ...]}`
/// with one list per eigenvector.
pub fn eigen_command(args: &Args) -> Result {
    use unsupervised::eigen::lanczos::{Lanczos, Which};
    use unsupervised::eigen::{Eigh, Method, Order};
    let Some(name) = args.text("--data") else {
        return Err("eigen needs --data: a symmetric matrix as .npy (or .csv)".into());
    };
    let a = args.data(name)?.x;
    if a.rows() != a.cols() {
        return Err(format!(
            "--data {name}: a {} x {} matrix; eigen needs a square symmetric one",
            a.rows(),
            a.cols()
        )
        .into());
    }
    let which = args.choice(
        "--which",
        "smallest",
        &[("smallest", Which::Smallest), ("largest", Which::Largest)],
    )?;
    let method = args.text("--method").unwrap_or("auto");
    let k: Option<usize> = args.get("--k", "a whole number")?;
    let n = a.rows();
    let started = Instant::now();
    let (values, vectors) = match method {
        "lanczos" => {
            let r = Lanczos::new(k.unwrap_or(6.min(n)))
                .which(which)
                .seed(args.seed()?)
                .solve(&a)?;
            (r.values, r.vectors)
        }
        "auto" | "tridiagonal" | "jacobi" => {
            let m = match method {
                "jacobi" => Method::Jacobi,
                "tridiagonal" => Method::Tridiagonal,
                _ => Method::Auto,
            };
            let order = if which == Which::Largest {
                Order::Descending
            } else {
                Order::Ascending
            };
            let e = Eigh::new().method(m).order(order).solve(&a)?;
            let k = k.unwrap_or(n);
            if k == 0 || k > n {
                return Err(format!("--k {k}: must be between 1 and n = {n}").into());
            }
            (
                e.values[..k].to_vec(),
                Matrix::from_fn(n, k, |i, j| e.vectors[(i, j)]),
            )
        }
        other => {
            return Err(
                format!("--method {other}: expected auto, tridiagonal, jacobi or lanczos").into(),
            )
        }
    };
    eprintln!(
        "eigen: {} pairs of a {n} x {n} matrix by {method} in {:.3} s",
        values.len(),
        started.elapsed().as_secs_f64()
    );
    if let Some(out) = TourContext::for_out(args)? {
        out.save_npy(
            "eigenvalues.npy",
            &Matrix::new(values.len(), 1, values.clone())?,
        )?;
        out.save_npy("eigenvectors.npy", &vectors)?;
    }
    if args.has("--json") {
        let vecs = (0..values.len())
            .map(|j| Json::nums(&vectors.column(j)))
            .collect();
        let doc = Json::Obj(vec![
            ("eigenvalues", Json::nums(&values)),
            ("eigenvectors", Json::Arr(vecs)),
        ]);
        say!("{}", doc.render());
    } else {
        for (j, v) in values.iter().enumerate() {
            say!("λ{j} = {v:.10e}");
        }
    }
    Ok(())
}
// ANCHOR_END: eigen_command

// tour: chapter 2

/// Chapter 2: Jacobi's quadratic convergence, and Lanczos against the dense solver on the
/// Laplacian of a neighbourhood graph.
pub fn tour_eigen(ctx: &TourContext) -> Result<Vec<Section>> {
    use unsupervised::eigen::lanczos::Lanczos;
    use unsupervised::eigen::{Eigh, Method};
    use unsupervised::spectral::graph::{laplacian, similarity_graph, Graph, Laplacian};
    let n = if ctx.quick { 60 } else { 200 };
    let mut rng = Rng::seed_from_u64(ctx.seed);
    let b = Matrix::<f64>::from_fn(n, n, |_, _| rng.normal());
    let a = b.add(&b.transpose())?;
    let jac = Eigh::new().method(Method::Jacobi).solve(&a)?;
    let trace: Vec<f64> = jac
        .trace
        .off_diagonal
        .iter()
        .map(|&x| x.max(1e-17).log10())
        .collect();
    let sweeps: Vec<f64> = (0..trace.len()).map(|i| i as f64).collect();
    let conv = Plot::new(format!("Jacobi on a random symmetric {n} x {n} matrix"))
        .x_label("sweep")
        .y_label("log10 off(A) / ‖A‖")
        .line(&sweeps, &trace, plot::class_color(0), "")?
        .points(&sweeps, &trace, plot::class_color(0))?;

    // The normalised Laplacian of a 10-nearest-neighbour graph on two moons.
    let m = if ctx.quick { 300 } else { 1500 };
    let moons = datasets::two_moons(m, 0.08, ctx.seed)?;
    let l = similarity_graph(&moons.x, Graph::knn(10), Exec::default())
        .and_then(|w| laplacian(&w, Laplacian::Symmetric))?;
    let t = Instant::now();
    let dense = Eigh::new().solve(&l.to_dense())?;
    let dense_s = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let lz = Lanczos::new(10).solve(&l)?;
    let lanczos_s = t.elapsed().as_secs_f64();
    let idx: Vec<f64> = (0..10).map(|i| i as f64).collect();
    let spectrum = Plot::new(format!("10 smallest eigenvalues, two moons (n = {m})"))
        .x_label("index")
        .integer_x()
        .y_label("eigenvalue of the normalised Laplacian")
        .points(&idx, &dense.values[..10], plot::class_color(0))?
        .line(
            &idx,
            &lz.values,
            plot::class_color(1),
            &format!(
                "Lanczos, {:.0} ms, {} products",
                1e3 * lanczos_s,
                lz.matvecs
            ),
        )?
        .legend(
            format!("dense, {:.0} ms", 1e3 * dense_s),
            plot::class_color(0),
        );
    let file = ctx.save_svg(
        "eigen.svg",
        &Figure::new("", 2, 460.0, 340.0).with(conv).with(spectrum),
    )?;
    Ok(vec![Section::figure(
        file,
        "Jacobi's convergence; Lanczos against the dense solver",
        "left: the off-diagonal norm barely moves for a few sweeps, then its exponent doubles each sweep (quadratic convergence); right: Lanczos's 10 eigenvalues lie on the dense solver's, the first near 0 (one per connected piece of the graph), for a fraction of the time.",
    )])
}
