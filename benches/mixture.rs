//! Chapter 6 benchmarks: `cargo bench --bench mixture`. EM for a full-covariance Gaussian
//! mixture (k-means start, tolerance 1e-3, one run) on Old Faithful (272 x 2, k = 2) and on
//! 100,000 x 2 blobs (k = 3).

use criterion::{criterion_group, criterion_main, Criterion};
use std::time::Duration;
use unsupervised::datasets;
use unsupervised::mixture::GaussianMixture;

fn fits(c: &mut Criterion) {
    let mut group = c.benchmark_group("mixture/fit");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(4));
    let faithful = datasets::faithful().unwrap().x;
    let blobs = datasets::blobs(100_000, 2, 3, 1.0, 0).unwrap().x;
    group.bench_function("faithful_k2", |b| {
        b.iter(|| GaussianMixture::new(2).fit(&faithful).unwrap())
    });
    group.bench_function("blobs100k_k3", |b| {
        b.iter(|| GaussianMixture::new(3).fit(&blobs).unwrap())
    });
    group.finish();
}

criterion_group!(benches, fits);
criterion_main!(benches);
