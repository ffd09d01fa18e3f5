//! Chapter 8 against linfa-reduction's `DiffusionMap`, the one manifold method linfa has:
//! the Swiss roll at several sizes, the same dense Gaussian kernel `exp(-‖x - y‖² / ε)` (ε
//! from our default rule), α = 0 (linfa's normalisation), t = 1, two coordinates. Seconds
//! include building the kernel; medians of `VERSUS_ROUNDS` (default 3) round-robin rounds.
//! The maps are compared coordinate by coordinate (|correlation|: eigenvectors have no sign).

use crate::{list_env, median, time};
use linfa::traits::Transformer;
use linfa_kernel::{Kernel, KernelMethod, KernelType};
use linfa_reduction::DiffusionMap as LinfaDiffusion;
use ndarray::Array2;
use unsupervised::datasets::swiss_roll;
use unsupervised::manifold::DiffusionMap;

fn abs_correlation(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len() as f64;
    let (ma, mb) = (a.iter().sum::<f64>() / n, b.iter().sum::<f64>() / n);
    let (mut sab, mut saa, mut sbb) = (0.0, 0.0, 0.0);
    for (x, y) in a.iter().zip(b) {
        sab += (x - ma) * (y - mb);
        saa += (x - ma) * (x - ma);
        sbb += (y - mb) * (y - mb);
    }
    (sab / (saa * sbb).sqrt()).abs()
}

pub fn run() {
    let rounds = list_env("VERSUS_ROUNDS", &[3])[0];
    println!(
        "| n | ours (s) | linfa (s) | linfa / ours | \\|corr\\| coordinate 1 | coordinate 2 |"
    );
    println!("|---|---|---|---|---|---|");
    for n in list_env("VERSUS_SIZES", &[1000, 2000, 5000]) {
        let x = swiss_roll(n, 0.0, 0).unwrap().data.x;
        let epsilon = DiffusionMap::new(2).fit(&x).unwrap().epsilon;
        let ours = DiffusionMap::new(2).alpha(0.0).time(1.0).epsilon(epsilon);
        let records = Array2::from_shape_vec((n, 3), x.as_slice().to_vec()).unwrap();
        let (mut t_ours, mut t_linfa) = (Vec::new(), Vec::new());
        let (mut y_ours, mut y_linfa) = (None, None);
        for _ in 0..rounds {
            t_ours.push(time(|| y_ours = Some(ours.fit(&x).unwrap().embedding)));
            t_linfa.push(time(|| {
                let kernel = Kernel::params()
                    .kind(KernelType::Dense)
                    .method(KernelMethod::Gaussian(epsilon))
                    .transform(records.view());
                let map = LinfaDiffusion::<f64>::params(2)
                    .steps(1)
                    .transform(&kernel)
                    .unwrap();
                y_linfa = Some(map.embedding().clone());
            }));
        }
        let (a, b) = (y_ours.unwrap(), y_linfa.unwrap());
        let corr: Vec<f64> = (0..2)
            .map(|k| abs_correlation(&a.column(k), &b.column(k).to_vec()))
            .collect();
        let (to, tl) = (median(t_ours), median(t_linfa));
        println!(
            "| {n} | {to:.3} | {tl:.3} | {:.1} | {:.4} | {:.4} |",
            tl / to,
            corr[0],
            corr[1]
        );
    }
}
