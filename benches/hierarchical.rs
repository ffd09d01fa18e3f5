//! Chapter 5 benchmarks: `cargo bench --bench hierarchical`. Agglomerative clustering of
//! standard-normal points in 10 dimensions, distances precomputed (as the kodama
//! figures are), for every linkage. `HCLUST_SIZES=1000,5000,10000` picks the sizes (default
//! 1,000 and 5,000).

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use std::time::Duration;
use unsupervised::hierarchical::{linkage, Condensed, Linkage, Metric};
use unsupervised::{Matrix, Rng};

fn sizes() -> Vec<usize> {
    std::env::var("HCLUST_SIZES")
        .ok()
        .map(|v| v.split(',').filter_map(|x| x.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![1000, 5000])
}

fn linkages(c: &mut Criterion) {
    let mut group = c.benchmark_group("hierarchical");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(4));
    for n in sizes() {
        let mut rng = Rng::seed_from_u64(0);
        let x = Matrix::from_fn(n, 10, |_, _| rng.normal());
        let d = Condensed::from_points(&x, Metric::Euclidean).unwrap();
        group.bench_function(BenchmarkId::new("distances", n), |b| {
            b.iter(|| Condensed::from_points(&x, Metric::Euclidean).unwrap())
        });
        for method in [
            Linkage::Single,
            Linkage::Complete,
            Linkage::Average,
            Linkage::Weighted,
            Linkage::Ward,
            Linkage::Centroid,
            Linkage::Median,
        ] {
            let id = BenchmarkId::new(format!("{method:?}").to_lowercase(), n);
            group.bench_function(id, |b| b.iter(|| linkage(&d, method).unwrap()));
        }
    }
    group.finish();
}

criterion_group!(benches, linkages);
criterion_main!(benches);
