//! Chapter 2 benchmarks. `cargo bench --bench eigen`.
//!
//! - `eigen/dense_*`: all eigenpairs of a random symmetric n x n matrix, both dense paths;
//! - `eigen/lanczos`: the 10 smallest eigenpairs of the normalised Laplacian of a
//!   10-nearest-neighbour graph on two moons (noise 0.05), the problem spectral clustering
//!   poses, by plain Lanczos (with and without the multiplicity check) and by shift-invert
//!   (`smallest_by_shift_invert`, factorisation included); the graph is built once, outside
//!   the timing.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use std::time::Duration;
use unsupervised::datasets::two_moons;
use unsupervised::eigen::lanczos::{smallest_by_shift_invert, Lanczos};
use unsupervised::eigen::{Eigh, Method};
use unsupervised::linalg::{Csr, Exec, Matrix};
use unsupervised::spectral::graph::{laplacian, similarity_graph, Graph, Laplacian};
use unsupervised::Rng;

fn dense(c: &mut Criterion) {
    for (name, method) in [
        ("eigen/dense_tridiagonal", Method::Tridiagonal),
        ("eigen/dense_jacobi", Method::Jacobi),
    ] {
        let mut group = c.benchmark_group(name);
        group
            .sample_size(10)
            .measurement_time(Duration::from_secs(3));
        for n in [50, 100, 200, 400] {
            let mut rng = Rng::seed_from_u64(1);
            let b = Matrix::<f64>::from_fn(n, n, |_, _| rng.normal());
            let a = b.add(&b.transpose()).unwrap();
            group.bench_function(BenchmarkId::from_parameter(format!("n{n}")), |bench| {
                bench.iter(|| Eigh::new().method(method).solve(&a).unwrap())
            });
        }
        group.finish();
    }
}

fn moons_laplacian(n: usize) -> Csr<f64> {
    let d = two_moons(n, 0.05, 0).unwrap();
    let w = similarity_graph(&d.x, Graph::knn(10), Exec::default()).unwrap();
    laplacian(&w, Laplacian::Symmetric).unwrap()
}

fn lanczos(c: &mut Criterion) {
    let mut group = c.benchmark_group("eigen/lanczos");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(5));
    for n in [2000, 10_000, 50_000] {
        let l = moons_laplacian(n);
        group.bench_function(
            BenchmarkId::from_parameter(format!("n{n}_k10_smallest")),
            |bench| bench.iter(|| Lanczos::new(10).solve(&l).unwrap()),
        );
        group.bench_function(
            BenchmarkId::from_parameter(format!("n{n}_k10_smallest_shift_invert")),
            |bench| bench.iter(|| smallest_by_shift_invert(&l, &[], &Lanczos::new(10)).unwrap()),
        );
        group.bench_function(
            BenchmarkId::from_parameter(format!("n{n}_k10_smallest_unchecked")),
            |bench| {
                bench.iter(|| {
                    Lanczos::new(10)
                        .check_multiplicity(false)
                        .solve(&l)
                        .unwrap()
                })
            },
        );
    }
    group.finish();
}

criterion_group!(benches, dense, lanczos);
criterion_main!(benches);
