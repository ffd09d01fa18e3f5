//! Chapter 3 benchmarks: `cargo bench --bench pca`. PCA fits on digits (1797 x 64) and
//! MNIST 10k (10000 x 784, 50 components) with each solver.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use std::time::Duration;
use unsupervised::datasets;
use unsupervised::pca::{Pca, Solver};

fn fits(c: &mut Criterion) {
    let mut group = c.benchmark_group("pca/fit");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(3));
    let digits = datasets::digits().unwrap();
    let mnist = datasets::mnist().unwrap();
    for (name, x, k) in [
        ("digits_k10", &digits.x, 10),
        ("mnist10k_k50", &mnist.x, 50),
    ] {
        for (sname, solver) in [("eigen", Solver::Eigen), ("randomized", Solver::Randomized)] {
            group.bench_function(
                BenchmarkId::from_parameter(format!("{name}_{sname}")),
                |b| b.iter(|| Pca::new().n_components(k).solver(solver).fit(x).unwrap()),
            );
        }
    }
    group.finish();
}

criterion_group!(benches, fits);
criterion_main!(benches);
