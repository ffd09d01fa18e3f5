//! Symmetric eigendecomposition with eigenvectors, against nalgebra's `SymmetricEigen` and
//! faer's `self_adjoint_eigen`, on random symmetric matrices; milliseconds, median of rounds.

use crate::{median, median_time, time};
use faer::{Mat, Side};
use unsupervised::eigen::{Eigh, Method};
use unsupervised::linalg::Matrix;
use unsupervised::Rng;

pub fn run() {
    println!("| n | unsupervised tridiagonal | unsupervised Jacobi | faer | nalgebra | tridiagonal / fastest peer | Jacobi / fastest peer |");
    println!("|---|---|---|---|---|---|---|");
    for n in crate::list_env("VERSUS_SIZES", &[100, 200, 400, 800]) {
        let mut rng = Rng::seed_from_u64(1);
        let b = Matrix::<f64>::from_fn(n, n, |_, _| rng.normal());
        let a = b.add(&b.transpose()).unwrap();
        let fa = Mat::<f64>::from_fn(n, n, |i, j| a[(i, j)]);
        let na = nalgebra::DMatrix::<f64>::from_fn(n, n, |i, j| a[(i, j)]);
        let rounds = if n >= 800 { 3 } else { 7 };
        let mut s: Vec<Vec<f64>> = vec![Vec::new(); 4];
        for _ in 0..rounds {
            s[0].push(time(|| {
                Eigh::new().method(Method::Tridiagonal).solve(&a).unwrap();
            }));
            s[1].push(time(|| {
                Eigh::new().method(Method::Jacobi).solve(&a).unwrap();
            }));
            s[2].push(time(|| {
                fa.self_adjoint_eigen(Side::Lower).unwrap();
            }));
            s[3].push(time(|| {
                nalgebra::SymmetricEigen::new(na.clone());
            }));
        }
        // Same spectrum from everyone, or the comparison means nothing.
        let ours = Eigh::new().solve(&a).unwrap().values;
        let mut theirs: Vec<f64> = nalgebra::SymmetricEigen::new(na.clone())
            .eigenvalues
            .iter()
            .copied()
            .collect();
        theirs.sort_by(f64::total_cmp);
        assert!(ours
            .iter()
            .zip(&theirs)
            .all(|(x, y)| (x - y).abs() < 1e-9 * n as f64));
        let ms: Vec<f64> = s.into_iter().map(|v| 1e3 * median(v)).collect();
        let best = ms[2].min(ms[3]);
        println!(
            "| {n} | {:.1} | {:.1} | {:.1} | {:.1} | {:.2} | {:.2} |",
            ms[0],
            ms[1],
            ms[2],
            ms[3],
            ms[0] / best,
            ms[1] / best
        );
    }
}

/// Lanczos for the 10 smallest eigenpairs of a 10-NN two-moons Laplacian against a dense
/// decomposition (faer) of the same matrix; seconds. Noise 0.08 keeps the graph connected:
/// at 0.05 it splits into the two moons, 0 becomes a double eigenvalue, and single-vector
/// Lanczos returns it once (see `src/eigen/lanczos.rs`).
pub fn run_lanczos() {
    use unsupervised::datasets::two_moons;
    use unsupervised::eigen::lanczos::{smallest_by_shift_invert, Lanczos};
    use unsupervised::linalg::Exec;
    use unsupervised::spectral::graph::{laplacian, similarity_graph, Graph, Laplacian};
    println!("| n | Lanczos, 10 smallest | shift-invert Lanczos | faer dense, all pairs | dense / Lanczos | dense / shift-invert |");
    println!("|---|---|---|---|---|---|");
    for n in crate::list_env("VERSUS_SIZES", &[2000, 5000]) {
        let d = two_moons(n, 0.08, 0).unwrap();
        let w = similarity_graph(&d.x, Graph::knn(10), Exec::default()).unwrap();
        let l = laplacian(&w, Laplacian::Symmetric).unwrap();
        let dense = l.to_dense();
        let fl = Mat::<f64>::from_fn(n, n, |i, j| dense[(i, j)]);
        let lz = median_time(3, || {
            Lanczos::new(10).solve(&l).unwrap();
        });
        let si = median_time(3, || {
            smallest_by_shift_invert(&l, &[], &Lanczos::new(10)).unwrap();
        });
        let fd = median_time(3, || {
            fl.self_adjoint_eigen(Side::Lower).unwrap();
        });
        let theirs = fl.self_adjoint_eigen(Side::Lower).unwrap();
        let s = theirs.S();
        for ours in [
            Lanczos::new(10).solve(&l).unwrap().values,
            smallest_by_shift_invert(&l, &[], &Lanczos::new(10))
                .unwrap()
                .values,
        ] {
            for (i, v) in ours.iter().enumerate() {
                assert!((v - s[i]).abs() < 1e-8, "eigenvalue {i}: {v} vs {}", s[i]);
            }
        }
        println!(
            "| {n} | {lz:.3} | {si:.3} | {fd:.3} | {:.0} | {:.0} |",
            fd / lz,
            fd / si
        );
    }
}

/// Chapter 7's embedding stage (`SpectralClustering::spectrum`: the deflated Lanczos and the
/// row normalisation, k = 2 with 3 eigenvalues) against faer's dense decomposition of the
/// same normalised Laplacian; seconds. Two moons, noise 0.05 and 0.08, 10-NN graph.
pub fn run_spectral() {
    use unsupervised::datasets::two_moons;
    use unsupervised::linalg::Exec;
    use unsupervised::spectral::graph::{
        components, laplacian, similarity_graph, Graph, Laplacian,
    };
    use unsupervised::spectral::{Solver, SpectralClustering};
    println!(
        "| n | noise | components | embedding (ours) | faer dense, all pairs | dense / ours |"
    );
    println!("|---|---|---|---|---|---|");
    for n in crate::list_env("VERSUS_SIZES", &[2000, 5000]) {
        for noise in [0.05, 0.08] {
            let d = two_moons(n, noise, 0).unwrap();
            let w = similarity_graph(&d.x, Graph::knn(10), Exec::default()).unwrap();
            let parts = components(&w);
            let spectral = SpectralClustering::new(2).solver(Solver::Lanczos);
            let dense = laplacian(&w, Laplacian::Symmetric).unwrap().to_dense();
            let fl = Mat::<f64>::from_fn(n, n, |i, j| dense[(i, j)]);
            let ours = median_time(3, || {
                spectral.spectrum(&w, &parts).unwrap();
            });
            let fd = median_time(3, || {
                fl.self_adjoint_eigen(Side::Lower).unwrap();
            });
            let (values, _) = spectral.spectrum(&w, &parts).unwrap();
            let s = fl.self_adjoint_eigen(Side::Lower).unwrap();
            for (i, v) in values.iter().enumerate() {
                assert!(
                    (v - s.S()[i]).abs() < 1e-7,
                    "eigenvalue {i}: {v} vs {}",
                    s.S()[i]
                );
            }
            println!(
                "| {n} | {noise} | {} | {ours:.3} | {fd:.3} | {:.0} |",
                parts.count,
                fd / ours
            );
        }
    }
}
