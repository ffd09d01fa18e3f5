//! Chapter 9 benchmarks: `cargo bench --bench tsne`. The stages of Barnes–Hut t-SNE on MNIST
//! 10k after PCA to 50 dimensions (the 90-nearest-neighbour search, the perplexity
//! calibration, one gradient step at n = 10,000, exact and Barnes–Hut), and digits end to end;
//! UMAP's stages on the digits (the fuzzy graph, the spectral start, 50 epochs of the
//! descent) and UMAP end to end.

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

fn umap_stages(c: &mut Criterion) {
    use unsupervised::tsne::umap::{
        fit_curve, fuzzy_union, memberships, optimize_layout, spectral_layout, Sgd, Umap,
    };
    let mut group = c.benchmark_group("umap");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(4));
    let exec = Exec::default();
    let x = datasets::digits().unwrap().x;
    let nb = knn_self(&x, 14, exec).unwrap();
    group.bench_function("fuzzy_graph/digits", |b| {
        b.iter(|| fuzzy_union(x.rows(), &memberships(&nb, 15, exec).1).unwrap())
    });
    let graph = fuzzy_union(x.rows(), &memberships(&nb, 15, exec).1).unwrap();
    group.bench_function("spectral_start/digits", |b| {
        b.iter(|| spectral_layout(&graph, 2, 0, exec).unwrap())
    });
    let start = spectral_layout(&graph, 2, 0, exec).unwrap().unwrap();
    let (a, b) = fit_curve(0.1, 1.0).unwrap();
    let sgd = Sgd {
        a,
        b,
        gamma: 1.0,
        negative_rate: 5,
        initial_alpha: 1.0,
        n_epochs: 50,
    };
    group.bench_function("descent_50_epochs/digits", |bench| {
        bench.iter(|| {
            let mut y = start.clone();
            optimize_layout(&mut y, None, &graph, sgd, 0, exec).unwrap();
            y
        })
    });
    group.bench_function("end_to_end/digits", |bench| {
        bench.iter(|| Umap::new().fit(&x).unwrap())
    });
    group.finish();
}

criterion_group!(benches, stages, umap_stages);
criterion_main!(benches);
