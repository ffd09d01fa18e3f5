//! Chapter 14 benchmarks: `cargo bench --bench gan`. One generator step with its
//! discriminator step (k = 1) of PacGAN's 2-D networks at batch 100, packing 1 and 2; a
//! WGAN-GP step (five critic steps with the penalty); and the small MLP GAN of the versus
//! table (G 100-256-784, D 784-256-1, batch 64). `benches/versus` times it against candle.

use criterion::{criterion_group, criterion_main, Criterion};
use std::time::Duration;
use unsupervised::gan::{train, Gan, Kind, Mixture2d, Recipe, Spec};
use unsupervised::Rng;

fn recipe(kind: Kind, batch: usize) -> Recipe {
    let mut r = Recipe::for_kind(kind);
    (r.steps, r.batch_size, r.log_every) = (1, batch, 1);
    r
}

fn steps(c: &mut Criterion) {
    let mut group = c.benchmark_group("gan");
    group
        .sample_size(20)
        .measurement_time(Duration::from_secs(4));
    let ring = Mixture2d::ring8().sample(10_000, 0).unwrap();
    for packing in [1, 2] {
        let mut gan = Gan::new(Spec::pacgan(packing), &mut Rng::seed_from_u64(0)).unwrap();
        let r = recipe(Kind::NonSaturating, 100);
        group.bench_function(format!("pacgan{packing}_step/b100"), |b| {
            b.iter(|| train(&mut gan, &ring, &[], &r, |_, _| Ok(())).unwrap())
        });
    }
    let mut gan = Gan::new(Spec::pacgan(1), &mut Rng::seed_from_u64(0)).unwrap();
    let r = recipe(Kind::GradientPenalty { lambda: 10.0 }, 100);
    group.bench_function("wgan_gp_step/b100", |b| {
        b.iter(|| train(&mut gan, &ring, &[], &r, |_, _| Ok(())).unwrap())
    });
    let spec = Spec::mlp(100, 784);
    let images = Rng::seed_from_u64(1);
    let pixels: Vec<f32> = (0..1000 * 784)
        .scan(images, |r, _| Some(r.next_f32()))
        .collect();
    let mut gan = Gan::new(spec, &mut Rng::seed_from_u64(0)).unwrap();
    let r = recipe(Kind::NonSaturating, 64);
    group.bench_function("mlp_gan_step/b64", |b| {
        b.iter(|| train(&mut gan, &pixels, &[], &r, |_, _| Ok(())).unwrap())
    });
    group.finish();
}

criterion_group!(benches, steps);
criterion_main!(benches);
