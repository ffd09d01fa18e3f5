//! Chapter 1 on the command line: the tour's GEMM throughput per instruction set and the
//! determinism check (no command of its own).

use crate::tour::{Chapter, Section, TourContext};
use crate::Result;
use std::fmt::Write as _;
use std::time::Instant;
use unsupervised::linalg::{gemm, Exec, Isa, Matrix, Scalar};
use unsupervised::plot::{self, Figure, Plot};
use unsupervised::Rng;

pub const CHAPTER: Chapter = Chapter {
    name: "linalg",
    title: "1 · Matrices and SIMD-friendly loops",
    book_page: "01-linalg.html",
    commands: &[],
    tour: tour_linalg,
};

// tour: chapter 1

/// GFLOP/s of the best of three `n x n` products.
pub fn gemm_rate<T: Scalar>(n: usize, exec: Exec) -> Result<f64> {
    let mut rng = Rng::seed_from_u64(1);
    let a = Matrix::<T>::from_fn(n, n, |_, _| T::from_f64(rng.normal()));
    let b = Matrix::<T>::from_fn(n, n, |_, _| T::from_f64(rng.normal()));
    let mut c = Matrix::zeros(n, n);
    let mut best = f64::MAX;
    for _ in 0..3 {
        let t = Instant::now();
        gemm(T::ONE, a.view(), b.view(), T::ZERO, &mut c, exec)?;
        best = best.min(t.elapsed().as_secs_f64());
    }
    Ok(2.0 * (n as f64).powi(3) / best / 1e9)
}

/// Chapter 1: GEMM speed on each instruction-set path and size, and the determinism promise.
pub fn tour_linalg(ctx: &TourContext) -> Result<Vec<Section>> {
    let sizes: &[usize] = if ctx.quick {
        &[32, 64, 128]
    } else {
        &[32, 64, 128, 256, 512]
    };
    let threads = unsupervised::linalg::num_threads();
    let mut plot = Plot::new("GEMM throughput, f64, one thread")
        .x_label("n (n x n times n x n)")
        .y_label("GFLOP/s");
    let mut table = String::from("<table><tr><th>path</th><th>threads</th><th>n</th><th>f64 GFLOP/s</th><th>f32 GFLOP/s</th></tr>\n");
    let n_big = *sizes.last().unwrap_or(&128);
    for (k, isa) in Isa::available().into_iter().enumerate() {
        let exec = Exec::default().with_isa(isa);
        let rates: Vec<f64> = sizes
            .iter()
            .map(|&n| gemm_rate::<f64>(n, exec.with_threads(1)))
            .collect::<Result<_>>()?;
        let xs: Vec<f64> = sizes.iter().map(|&n| n as f64).collect();
        plot = plot.line(&xs, &rates, plot::class_color(k), &format!("{isa:?}"))?;
        for t in if threads > 1 {
            vec![1, threads]
        } else {
            vec![1]
        } {
            let e = exec.with_threads(t);
            let _ = writeln!(
                table,
                "<tr><td>{isa:?}</td><td>{t}</td><td>{n_big}</td><td>{:.1}</td><td>{:.1}</td></tr>",
                gemm_rate::<f64>(n_big, e)?,
                gemm_rate::<f32>(n_big, e)?
            );
        }
    }
    table.push_str("</table>");
    let file = ctx.save_svg(
        "linalg-gemm.svg",
        &Figure::new("", 1, 560.0, 360.0).with(plot),
    )?;

    // The same product on 1, 2 and 3 threads, compared bit for bit.
    let mut rng = Rng::seed_from_u64(ctx.seed);
    let a = Matrix::<f64>::from_fn(300, 200, |_, _| rng.normal());
    let b = Matrix::<f64>::from_fn(200, 150, |_, _| rng.normal());
    let one = a.matmul_with(&b, Exec::default().with_threads(1))?;
    let identical = [2, 3].iter().all(|&t| {
        a.matmul_with(&b, Exec::default().with_threads(t))
            .is_ok_and(|c| {
                c.as_slice()
                    .iter()
                    .zip(one.as_slice())
                    .all(|(x, y)| x.to_bits() == y.to_bits())
            })
    });
    Ok(vec![
        Section::figure(file, "GEMM throughput by size and instruction set", "each wider instruction set roughly doubles the rate on an idle machine, and the rate climbs with n until packing and call overheads are amortised. These are measured as the tour runs, best of three: on a busy or shared machine (a CI runner, a laptop on battery) they drop and wander, so compare the paths with each other, not with another run."),
        Section { caption: format!("GEMM, {n_big} x {n_big}, best of three"), look_for: "on an idle machine a second thread nearly doubles the rate at the largest size; if the machine is busy, the second thread competes with other work and may gain little. The rates are this run's measurements, not a benchmark (the book's benchmarks page has those, with the machine and date).".into(), file: None, html: table },
        Section {
            caption: "Determinism".into(),
            look_for: "a 300x200 by 200x150 product on 1, 2 and 3 threads gives the same bits.".into(),
            file: None,
            html: format!("<p>identical bits on 1, 2 and 3 threads: <b>{}</b></p>", if identical { "yes" } else { "NO" }),
        },
    ])
}
