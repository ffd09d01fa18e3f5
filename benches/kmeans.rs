//! Chapter 4 benchmarks: `cargo bench --bench kmeans`. k-means (k-means++, n_init = 10) on
//! digits (1797 x 64, k = 10) and on 200,000 x 8 blobs (k = 8).

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use std::time::Duration;
use unsupervised::datasets;
use unsupervised::kmeans::{Algorithm, KMeans};

fn fits(c: &mut Criterion) {
    let mut group = c.benchmark_group("kmeans/fit");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(5));
    let digits = datasets::digits().unwrap();
    let blobs = datasets::blobs(200_000, 8, 8, 1.0, 0).unwrap();
    for (name, x, k) in [
        ("digits_k10", &digits.x, 10),
        ("blobs200k_d8_k8", &blobs.x, 8),
    ] {
        for (aname, algorithm) in [("lloyd", Algorithm::Lloyd), ("hamerly", Algorithm::Hamerly)] {
            group.bench_function(
                BenchmarkId::from_parameter(format!("{name}_{aname}")),
                |b| {
                    b.iter(|| {
                        KMeans::new(k)
                            .n_init(10)
                            .seed(0)
                            .algorithm(algorithm)
                            .fit(x)
                            .unwrap()
                    })
                },
            );
        }
    }
    group.finish();
}

criterion_group!(benches, fits);
criterion_main!(benches);
