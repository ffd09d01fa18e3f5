//! Chapter 15 benchmarks: `cargo bench --bench visualize`. The kernel table's filter on
//! the 256 x 256 photo, one evaluation (loss and gradient) of the texture loss at 64 x 64
//! through the default random filters, and L-BFGS on Rosenbrock; `benches/versus` times a
//! convolution layer against candle.

use criterion::{criterion_group, criterion_main, Criterion};
use std::time::Duration;
use unsupervised::autodiff::{Graph, Tensor};
use unsupervised::datasets;
use unsupervised::visualize::network::gram_targets;
use unsupervised::visualize::{
    filter, gram_loss, image_tensor, Border, Features, Kernel, Lbfgs, Multiscale,
};
use unsupervised::Rng;

fn chapter(c: &mut Criterion) {
    let mut group = c.benchmark_group("visualize");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(4));
    let grey = datasets::china_gray().unwrap();
    let edge = Kernel::named("edge3").unwrap();
    group.bench_function("filter/edge3_256x256_reflect", |b| {
        b.iter(|| filter::filter(&grey, &edge, Border::Reflect).unwrap())
    });
    let flower = image_tensor(&datasets::flower_rgb().unwrap().downscale(2).unwrap()).unwrap();
    let mut net = Multiscale::new(3, 32, &[3, 5, 7, 11, 15, 23], 0).unwrap();
    let targets = gram_targets(&mut net, &flower).unwrap();
    let noise = Tensor::uniform(flower.shape(), -0.5, 0.5, &mut Rng::seed_from_u64(1));
    group.bench_function("texture_loss_and_gradient/64x64", |b| {
        b.iter(|| {
            let mut g = Graph::new();
            let x = g.variable(noise.clone());
            let f = net.features(&mut g, x).unwrap();
            let l = gram_loss(&mut g, &f, &targets, &[1.0; 6]).unwrap();
            g.backward(l).unwrap()
        })
    });
    let rosenbrock = |x: &[f64], g: &mut [f64]| -> unsupervised::Result<f64> {
        let (a, b) = (x[0], x[1]);
        g[0] = -2.0 * (1.0 - a) - 400.0 * a * (b - a * a);
        g[1] = 200.0 * (b - a * a);
        Ok((1.0 - a).powi(2) + 100.0 * (b - a * a).powi(2))
    };
    group.bench_function("lbfgs/rosenbrock", |b| {
        b.iter(|| Lbfgs::default().minimize(rosenbrock, &[-1.2, 1.0]).unwrap())
    });
    group.finish();
}

criterion_group!(benches, chapter);
criterion_main!(benches);
