//! Chapter 12 benchmarks: `cargo bench --bench autoencoder`. One training step (Adam at
//! 1e-3, batch 128 of MNIST-sized rows) of the lecture's compression network
//! 784-128-32-128-784, of the sparse autoencoder (64 sigmoid units and the KL penalty) and
//! of the convolutional one; `benches/versus` times whole epochs against candle.

use criterion::{criterion_group, criterion_main, Criterion};
use std::time::Duration;
use unsupervised::autodiff::Tensor;
use unsupervised::autoencoder::{self, Architecture, Autoencoder, Recipe, Sparsity};
use unsupervised::Rng;

fn steps(c: &mut Criterion) {
    let mut group = c.benchmark_group("autoencoder/step");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(4));
    let x = Tensor::<f32>::uniform(&[128, 784], 0.0, 1.0, &mut Rng::seed_from_u64(1));
    let cases = [
        ("dense/b128", Architecture::Dense { latent: 32 }, None),
        (
            "sparse/b128",
            Architecture::Sparse { code: 64 },
            Some(Sparsity {
                rho: 0.05,
                beta: 0.03,
            }),
        ),
        ("conv/b128", Architecture::Conv { latent: 32 }, None),
    ];
    for (name, architecture, sparsity) in cases {
        let mut model = Autoencoder::new(architecture, 784, &mut Rng::seed_from_u64(0)).unwrap();
        // One epoch over exactly one batch is one step (plus scoring 1 held-out row).
        let recipe = Recipe {
            epochs: 1,
            batch_size: 128,
            sparsity,
            ..Recipe::default()
        };
        group.bench_function(name, |b| {
            b.iter(|| autoencoder::train(&mut model, x.data(), &x.data()[..784], &recipe).unwrap())
        });
    }
    group.finish();
}

criterion_group!(benches, steps);
criterion_main!(benches);
