//! Symmetric eigendecomposition with eigenvectors, against nalgebra's `SymmetricEigen` and
//! faer's `self_adjoint_eigen`, on random symmetric matrices; milliseconds, median of rounds.

use crate::{median, time};
use faer::{Mat, Side};
use unsupervised::eigen::{Eigh, Method};
use unsupervised::linalg::Matrix;
use unsupervised::Rng;

pub fn run() {
    println!("| n | unsupervised tridiagonal | unsupervised Jacobi | faer | nalgebra | tridiagonal / fastest peer |");
    println!("|---|---|---|---|---|---|");
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
            if n <= 400 {
                s[1].push(time(|| {
                    Eigh::new().method(Method::Jacobi).solve(&a).unwrap();
                }));
            }
            s[2].push(time(|| {
                fa.self_adjoint_eigen(Side::Lower).unwrap();
            }));
            s[3].push(time(|| {
                nalgebra::SymmetricEigen::new(na.clone());
            }));
        }
        // Same spectrum from everyone, or the comparison means nothing.
        let ours = Eigh::new().solve(&a).unwrap().values;
        let mut theirs: Vec<f64> = nalgebra::SymmetricEigen::new(na.clone()).eigenvalues.iter().copied().collect();
        theirs.sort_by(f64::total_cmp);
        assert!(ours.iter().zip(&theirs).all(|(x, y)| (x - y).abs() < 1e-9 * n as f64));
        let ms: Vec<Option<f64>> = s.into_iter().map(|v| (!v.is_empty()).then(|| 1e3 * median(v))).collect();
        let fmt = |x: Option<f64>| x.map_or("–".into(), |v| format!("{v:.1}"));
        let best = ms[2].unwrap_or(f64::MAX).min(ms[3].unwrap_or(f64::MAX));
        println!("| {n} | {} | {} | {} | {} | {:.1} |", fmt(ms[0]), fmt(ms[1]), fmt(ms[2]), fmt(ms[3]), ms[0].unwrap_or(0.0) / best);
    }
}
