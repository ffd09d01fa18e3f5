//! Chapter 5 against kodama (Müllner's algorithms in Rust): agglomerative clustering of
//! standard-normal points in 10 dimensions for every linkage, the condensed Euclidean
//! distances computed beforehand and excluded; seconds, median of rounds. kodama overwrites
//! its input, so each of its rounds gets a fresh copy (not timed). The last fusion height
//! of both is printed as a check that they solve the same problem.

use crate::{median, time};
use kodama::Method;
use unsupervised::hierarchical::{linkage_in_place, Condensed, Linkage, Metric};
use unsupervised::{Matrix, Rng};

pub fn run() {
    println!("| n | linkage | ours | kodama | kodama / ours | top height, ours | kodama |");
    println!("|---|---|---|---|---|---|---|");
    for n in crate::list_env("VERSUS_SIZES", &[1000, 5000, 10000]) {
        let mut rng = Rng::seed_from_u64(0);
        let x = Matrix::from_fn(n, 10, |_, _| rng.normal());
        let d = Condensed::from_points(&x, Metric::Euclidean).unwrap();
        let rounds = if n >= 10_000 { 3 } else { 5 };
        for (ours, theirs) in [
            (Linkage::Single, Method::Single),
            (Linkage::Complete, Method::Complete),
            (Linkage::Average, Method::Average),
            (Linkage::Weighted, Method::Weighted),
            (Linkage::Ward, Method::Ward),
            (Linkage::Centroid, Method::Centroid),
            (Linkage::Median, Method::Median),
        ] {
            let (mut a, mut b) = (Vec::new(), Vec::new());
            let (mut top_ours, mut top_theirs) = (0.0, 0.0);
            for _ in 0..rounds {
                // Both work in place on a copy made outside the timing.
                let mut mine = Some(d.clone());
                a.push(time(|| {
                    let d = mine.take().unwrap();
                    top_ours = linkage_in_place(d, ours)
                        .unwrap()
                        .merges
                        .last()
                        .unwrap()
                        .height;
                }));
                let mut copy = d.values().to_vec();
                b.push(time(|| {
                    let tree = kodama::linkage(&mut copy, n, theirs);
                    top_theirs = tree.steps().last().unwrap().dissimilarity;
                }));
            }
            let (ta, tb) = (median(a), median(b));
            println!(
                "| {n} | {ours:?} | {ta:.3} | {tb:.3} | {:.2} | {top_ours:.6} | {top_theirs:.6} |",
                tb / ta
            );
        }
    }
}
