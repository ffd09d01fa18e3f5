//! Chapter 7 benchmarks: `cargo bench --bench spectral`. Spectral clustering of two moons
//! (noise 0.05, the symmetric 10-NN graph, k = 2), end to end and stage by stage: the kNN
//! graph, the smallest eigenpairs of the normalised Laplacian (Lanczos), k-means on the
//! embedding. `SPECTRAL_SIZES=2000,20000,100000` picks the sizes (default 2,000 and 20,000).

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use std::time::Duration;
use unsupervised::datasets::two_moons;
use unsupervised::kmeans::KMeans;
use unsupervised::linalg::Exec;
use unsupervised::spectral::graph::{components, similarity_graph, Graph};
use unsupervised::spectral::{Solver, SpectralClustering};

fn sizes() -> Vec<usize> {
    std::env::var("SPECTRAL_SIZES")
        .ok()
        .map(|v| v.split(',').filter_map(|x| x.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![2000, 20_000])
}

fn stages(c: &mut Criterion) {
    let mut group = c.benchmark_group("spectral");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(4));
    for n in sizes() {
        let x = two_moons(n, 0.05, 0).unwrap().x;
        let w = similarity_graph(&x, Graph::knn(10), Exec::default()).unwrap();
        let parts = components(&w);
        let spectral = SpectralClustering::new(2).solver(Solver::Lanczos);
        let embedding = SpectralClustering::new(2)
            .solver(Solver::Lanczos)
            .fit(&x)
            .unwrap()
            .embedding;
        group.bench_function(BenchmarkId::new("knn_graph", n), |b| {
            b.iter(|| similarity_graph(&x, Graph::knn(10), Exec::default()).unwrap())
        });
        group.bench_function(BenchmarkId::new("eigen", n), |b| {
            b.iter(|| spectral.spectrum(&w, &parts).unwrap())
        });
        group.bench_function(BenchmarkId::new("kmeans", n), |b| {
            b.iter(|| KMeans::new(2).fit(&embedding).unwrap())
        });
        group.bench_function(BenchmarkId::new("end_to_end", n), |b| {
            b.iter(|| SpectralClustering::new(2).fit(&x).unwrap())
        });
    }
    group.finish();
}

criterion_group!(benches, stages);
criterion_main!(benches);
