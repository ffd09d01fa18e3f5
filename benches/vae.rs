//! Chapter 13 benchmarks: `cargo bench --bench vae`. One training step of the 784-400-20
//! Bernoulli VAE (Adam at 1e-3, batch 128), and the importance-sampled log-likelihood of
//! ten images with L = 100; `benches/versus` times whole epochs against candle.

use criterion::{criterion_group, criterion_main, Criterion};
use std::time::Duration;
use unsupervised::autodiff::Tensor;
use unsupervised::vae::{self, Likelihood, Recipe, Vae};
use unsupervised::Rng;

fn steps(c: &mut Criterion) {
    let mut group = c.benchmark_group("vae");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(4));
    let x = Tensor::<f32>::uniform(&[128, 784], 0.0, 1.0, &mut Rng::seed_from_u64(1));
    let mut model = Vae::new(
        784,
        400,
        20,
        Likelihood::Bernoulli,
        &mut Rng::seed_from_u64(0),
    )
    .unwrap();
    let recipe = Recipe {
        epochs: 1,
        batch_size: 128,
        ..Recipe::default()
    };
    group.bench_function("step/b128", |b| {
        b.iter(|| vae::train(&mut model, x.data(), &x.data()[..784], &recipe).unwrap())
    });
    group.bench_function("importance_sampled/10x100", |b| {
        b.iter(|| model.evaluate(&x.data()[..7840], 100, 0).unwrap())
    });
    group.finish();
}

criterion_group!(benches, steps);
criterion_main!(benches);
