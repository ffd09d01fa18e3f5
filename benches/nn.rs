//! Chapters 10 and 11 benchmarks: `cargo bench --bench nn`. A linear layer's forward and
//! backward pass, the CNN's second convolution forward and forward + backward, and one
//! training step (Adam, batch 128) of the MNIST MLP and the CNN (the autoencoders' steps are
//! in `benches/autoencoder.rs`). Throughput for the layers is GFLOP/s = multiply-adds · 2 / t.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use std::time::Duration;
use unsupervised::autodiff::{Conv2dSpec, Graph, Tensor};
use unsupervised::nn::classify::{cnn, mlp};
use unsupervised::nn::{Adam, Layer, Mode, Optimizer, Sequential};
use unsupervised::Rng;

fn layers(c: &mut Criterion) {
    let mut group = c.benchmark_group("nn");
    group
        .sample_size(20)
        .measurement_time(Duration::from_secs(3));
    let mut rng = Rng::seed_from_u64(0);
    // Linear 784 → 256 on a batch of 128: forward, then both weight and input gradients.
    let x = Tensor::<f32>::uniform(&[128, 784], 0.0, 1.0, &mut rng);
    let w = Tensor::<f32>::uniform(&[784, 256], -0.05, 0.05, &mut rng);
    group.throughput(Throughput::Elements(3 * 2 * 128 * 784 * 256));
    group.bench_function("linear_fwd_bwd/b128_784_256", |b| {
        b.iter(|| {
            let mut g = Graph::new();
            let (xv, wv) = (g.variable(x.clone()), g.variable(w.clone()));
            let y = g.matmul(xv, wv).unwrap();
            let l = g.sum(y);
            g.backward(l).unwrap()
        })
    });
    // The CNN's second convolution: (128, 32, 12, 12) * (64, 32, 5, 5) → (128, 64, 8, 8).
    let x = Tensor::<f32>::uniform(&[128, 32, 12, 12], 0.0, 1.0, &mut rng);
    let w = Tensor::<f32>::uniform(&[64, 32, 5, 5], -0.05, 0.05, &mut rng);
    let macs = 128 * 64 * 64 * 32 * 25;
    group.throughput(Throughput::Elements(2 * macs));
    group.bench_function("conv_fwd/b128_32x12x12_64x5x5", |b| {
        b.iter(|| {
            let mut g = Graph::new();
            let (xv, wv) = (g.constant(x.clone()), g.constant(w.clone()));
            g.conv2d(xv, wv, None, Conv2dSpec::default()).unwrap()
        })
    });
    group.throughput(Throughput::Elements(3 * 2 * macs));
    group.bench_function("conv_fwd_bwd/b128_32x12x12_64x5x5", |b| {
        b.iter(|| {
            let mut g = Graph::new();
            let (xv, wv) = (g.variable(x.clone()), g.variable(w.clone()));
            let y = g.conv2d(xv, wv, None, Conv2dSpec::default()).unwrap();
            let l = g.sum(y);
            g.backward(l).unwrap()
        })
    });
    group.finish();
}

fn steps(c: &mut Criterion) {
    let mut group = c.benchmark_group("nn/step");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(4));
    let mut rng = Rng::seed_from_u64(1);
    let x = Tensor::<f32>::uniform(&[128, 784], 0.0, 1.0, &mut rng);
    let labels: Vec<usize> = (0..128).map(|i| i % 10).collect();
    let mut classifier_step = |name: &str, mut model: Sequential<f32>| {
        let mut adam = Adam::new(1e-3).unwrap();
        group.bench_function(name, |b| {
            b.iter(|| {
                let mut g = Graph::new();
                let xv = g.constant(x.clone());
                let y = model.forward(&mut g, xv, Mode::Train).unwrap();
                let l = g.cross_entropy_with_logits(y, &labels).unwrap();
                let grads = g.backward(l).unwrap();
                adam.step(model.params_mut(), &grads);
            })
        });
    };
    classifier_step("mlp/b128", mlp(784, 0.0, &mut rng).unwrap());
    classifier_step("cnn/b128", cnn(0.0, &mut rng).unwrap());
    group.finish();
}

criterion_group!(benches, layers, steps);
criterion_main!(benches);
