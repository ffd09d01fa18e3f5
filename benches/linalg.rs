//! Chapter 1 benchmarks. `cargo bench --bench linalg`; one group with `-- linalg/gemm_f64`.
//!
//! GEMM groups report throughput in elements per second with one "element" per flop
//! (2n³ per product), so criterion's `Gelem/s` reads as GFLOP/s.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use std::hint::black_box;
use std::time::Duration;
use unsupervised::linalg::kernels::dot;
use unsupervised::linalg::{gemm, knn_self, pairwise_sq_dists, Exec, Matrix, Scalar};
use unsupervised::Rng;

fn random<T: Scalar>(rows: usize, cols: usize, seed: u64) -> Matrix<T> {
    let mut rng = Rng::seed_from_u64(seed);
    Matrix::from_fn(rows, cols, |_, _| T::from_f64(rng.uniform(-1.0, 1.0)))
}

fn gemm_group<T: Scalar>(c: &mut Criterion) {
    let mut group = c.benchmark_group(format!("linalg/gemm_{}", T::NAME));
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(2));
    for n in [64, 256, 512, 1024] {
        let (a, b) = (random::<T>(n, n, 1), random::<T>(n, n, 2));
        let mut out = Matrix::zeros(n, n);
        group.throughput(Throughput::Elements(2 * (n as u64).pow(3)));
        for threads in [1, 2] {
            let exec = Exec::default().with_threads(threads);
            group.bench_function(
                BenchmarkId::from_parameter(format!("n{n}_t{threads}")),
                |bench| {
                    bench
                        .iter(|| gemm(T::ONE, a.view(), b.view(), T::ZERO, &mut out, exec).unwrap())
                },
            );
        }
    }
    group.finish();
}

fn distances(c: &mut Criterion) {
    let mut group = c.benchmark_group("linalg/pairwise_sq_dists");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(2));
    for (n, d) in [(2000, 2), (2000, 64), (2000, 784)] {
        let x = random::<f64>(n, d, 3);
        group.throughput(Throughput::Elements((n * n) as u64));
        group.bench_function(BenchmarkId::from_parameter(format!("n{n}_d{d}")), |bench| {
            bench.iter(|| pairwise_sq_dists(&x, &x, Exec::default()).unwrap())
        });
    }
    group.finish();
}

fn nearest_neighbours(c: &mut Criterion) {
    let mut group = c.benchmark_group("linalg/knn_self");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(3));
    for (n, d, k) in [(10_000, 2, 10), (2000, 64, 10), (10_000, 64, 10)] {
        let x = random::<f64>(n, d, 4);
        for threads in [1, 2] {
            let exec = Exec::default().with_threads(threads);
            group.bench_function(
                BenchmarkId::from_parameter(format!("n{n}_d{d}_k{k}_t{threads}")),
                |bench| bench.iter(|| knn_self(&x, k, exec).unwrap()),
            );
        }
    }
    group.finish();
}

fn kernels(c: &mut Criterion) {
    let mut group = c.benchmark_group("linalg/dot");
    let (x, y) = (random::<f64>(1, 4096, 5), random::<f64>(1, 4096, 6));
    group.throughput(Throughput::Elements(2 * 4096));
    group.bench_function("n4096_f64", |bench| {
        bench.iter(|| dot(black_box(x.as_slice()), black_box(y.as_slice())))
    });
    group.finish();
}

/// What one `std::thread::scope` with a single spawned (empty) thread costs: the reason
/// small products stay on one thread.
fn spawn(c: &mut Criterion) {
    c.bench_function("linalg/spawn/scope_one_thread", |bench| {
        bench.iter(|| {
            std::thread::scope(|s| {
                s.spawn(|| black_box(1));
            })
        })
    });
}

criterion_group!(
    benches,
    gemm_group::<f64>,
    gemm_group::<f32>,
    distances,
    nearest_neighbours,
    kernels,
    spawn
);
criterion_main!(benches);
