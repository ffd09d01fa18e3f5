//! Chapter 9 benchmarks: `cargo bench --bench tsne`. The stages of Barnes–Hut t-SNE on MNIST
//! 10k after PCA to 50 dimensions (the 90-nearest-neighbour search, the perplexity
//! calibration, one gradient step at n = 10,000, exact and Barnes–Hut), and digits end to end.

use criterion::{criterion_group, criterion_main, Criterion};
use std::time::Duration;
use unsupervised::datasets;
use unsupervised::linalg::{knn_self, Exec, Matrix};
use unsupervised::pca::{Pca, Solver};
use unsupervised::tsne::{
    barnes_hut_gradient, calibrate_perplexity, exact_gradient, joint_probabilities,
    sparse_conditional_probabilities, Tsne,
};

fn mnist50() -> Matrix<f64> {
    let x = datasets::mnist().unwrap().x;
    Pca::new()
        .n_components(50)
        .solver(Solver::Randomized)
        .fit(&x)
        .unwrap()
        .transform(&x)
        .unwrap()
}

fn stages(c: &mut Criterion) {
    let mut group = c.benchmark_group("tsne");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(4));
    let x = mnist50();
    let exec = Exec::default();
    group.bench_function("knn_90/mnist10k", |b| {
        b.iter(|| knn_self(&x, 90, exec).unwrap())
    });
    let nb = knn_self(&x, 90, exec).unwrap();
    group.bench_function("calibrate/mnist10k", |b| {
        b.iter(|| {
            (0..x.rows())
                .map(|i| calibrate_perplexity(nb.sq_distances_of(i), 30.0).beta)
                .sum::<f64>()
        })
    });
    // A realistic map to take the step from: 300 iterations of the real thing.
    let y = Tsne::new().max_iter(300).fit(&x).unwrap().embedding;
    let p =
        joint_probabilities(&sparse_conditional_probabilities(&x, 30.0, exec).unwrap()).unwrap();
    let mut grad = vec![0.0; y.as_slice().len()];
    group.bench_function("barnes_hut_step/mnist10k", |b| {
        b.iter(|| barnes_hut_gradient(&p, &y, 1.0, 0.5, false, &mut grad, exec).unwrap())
    });
    let dense = p.to_dense();
    group.bench_function("exact_step/mnist10k", |b| {
        b.iter(|| exact_gradient(&dense, &y, 1.0, false, &mut grad, exec).unwrap())
    });
    let digits = datasets::digits().unwrap().x;
    group.bench_function("barnes_hut_end_to_end/digits", |b| {
        b.iter(|| Tsne::new().fit(&digits).unwrap())
    });
    group.finish();
}

criterion_group!(benches, stages);
criterion_main!(benches);
