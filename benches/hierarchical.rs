//! Chapter 5 benchmarks: `cargo bench --bench hierarchical`. Agglomerative clustering of
//! standard-normal points in 10 dimensions, distances precomputed (as the kodama
//! figures are) and overwritten in place (`linkage_in_place` on a copy made outside the
//! timing), for every linkage. `HCLUST_SIZES=1000,5000,10000` picks the sizes (default
//! 1,000 and 5,000).

use criterion::{criterion_group, criterion_main, BatchSize, BenchmarkId, Criterion};
use std::time::Duration;
use unsupervised::hierarchical::{linkage_in_place, Condensed, Linkage, Metric};
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
        for method in Linkage::ALL {
            let id = BenchmarkId::new(format!("{method:?}").to_lowercase(), n);
            // In place on a fresh copy each time (as kodama works), the copy not timed.
            group.bench_function(id, |b| {
                b.iter_batched(
                    || d.clone(),
                    |d| linkage_in_place(d, method).unwrap(),
                    BatchSize::LargeInput,
                )
            });
        }
    }
    group.finish();
}

criterion_group!(benches, linkages);
criterion_main!(benches);
