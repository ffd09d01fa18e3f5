//! Chapter 14 benchmarks: `cargo bench --bench gan`. One generator step with its
//! discriminator step (k = 1) of PacGAN's 2-D networks at batch 100, packing 1 and 2; a
//! WGAN-GP step (five critic steps with the penalty); and the small MLP GAN of the versus
//! table (G 100-256-784, D 784-256-1, batch 64). `benches/versus` times it against candle.
//! On images: DCGAN at MNIST's size (base width 32 and 64, batch 64): one discriminator
//! step alone, the generator's loss and gradient alone, and a whole step (both, with
//! Adam's updates).

use criterion::{criterion_group, criterion_main, Criterion};
use std::time::Duration;
use unsupervised::gan::Planes;
use unsupervised::gan::{
    generator_gradient, train, train_critic, Gan, Kind, Mixture2d, Recipe, Spec,
};
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
    let planes = Planes {
        channels: 1,
        side: 28,
    };
    let signed: Vec<f32> = pixels.iter().map(|&p| 2.0 * p - 1.0).collect();
    for width in [32, 64] {
        let spec = Spec {
            generator_width: width,
            critic_width: width,
            ..Spec::dcgan(planes)
        };
        let mut gan = Gan::new(spec, &mut Rng::seed_from_u64(0)).unwrap();
        let r = recipe(Kind::NonSaturating, 64);
        group.bench_function(format!("dcgan{width}_step/b64"), |b| {
            b.iter(|| train(&mut gan, &signed, &[], &r, |_, _| Ok(())).unwrap())
        });
        group.bench_function(format!("dcgan{width}_critic_step/b64"), |b| {
            b.iter(|| train_critic(&mut gan, &signed, &[], &r, 1).unwrap())
        });
        let mut rng = Rng::seed_from_u64(2);
        group.bench_function(format!("dcgan{width}_generator_gradient/b64"), |b| {
            b.iter(|| generator_gradient(&mut gan, &r, 0.0, 64, &mut rng).unwrap())
        });
    }
    group.finish();
}

criterion_group!(benches, steps);
criterion_main!(benches);
