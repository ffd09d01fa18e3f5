//! Chapter 8 benchmarks: `cargo bench --bench manifold`. Every method on the Swiss roll at
//! n = 1,000 and 5,000 (`MANIFOLD_SIZES=1000,5000` picks the sizes), with Isomap's stages
//! broken out: the kNN graph (10 neighbours, edge lengths), the shortest paths from every
//! point, and classical MDS of the geodesic distances. SMACOF runs at the first size only
//! (300 iterations of an O(n²) step).

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use std::time::Duration;
use unsupervised::datasets::swiss_roll;
use unsupervised::linalg::Exec;
use unsupervised::manifold::{classical_mds, embed, geodesic_distances, Method};
use unsupervised::spectral::graph::{similarity_graph, Graph, Weighting};

fn sizes() -> Vec<usize> {
    std::env::var("MANIFOLD_SIZES")
        .ok()
        .map(|v| v.split(',').filter_map(|x| x.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![1000, 5000])
}

const NEIGHBORS: usize = 10;

fn stages(c: &mut Criterion) {
    let mut group = c.benchmark_group("manifold");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(4));
    for (s, n) in sizes().into_iter().enumerate() {
        let x = swiss_roll(n, 0.0, 0).unwrap().data.x;
        let graph = Graph::Knn {
            neighbors: NEIGHBORS,
            weighting: Weighting::Distance,
        };
        let g = similarity_graph(&x, graph, Exec::default()).unwrap();
        let geodesics = geodesic_distances(&g, Exec::default()).unwrap();
        group.bench_function(BenchmarkId::new("isomap/knn_graph", n), |b| {
            b.iter(|| similarity_graph(&x, graph, Exec::default()).unwrap())
        });
        group.bench_function(BenchmarkId::new("isomap/shortest_paths", n), |b| {
            b.iter(|| geodesic_distances(&g, Exec::default()).unwrap())
        });
        group.bench_function(BenchmarkId::new("isomap/mds_eigen", n), |b| {
            b.iter(|| classical_mds(&geodesics, 2, 0).unwrap())
        });
        for method in Method::ALL {
            if method == Method::Smacof && s > 0 {
                continue;
            }
            group.bench_function(BenchmarkId::new(method.name(), n), |b| {
                b.iter(|| embed(&x, method, 2, NEIGHBORS, 0, Exec::default()).unwrap())
            });
        }
    }
    group.finish();
}

criterion_group!(benches, stages);
criterion_main!(benches);
