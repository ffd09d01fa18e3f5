//! Chapter 16 benchmarks: `cargo bench --bench image_prior`. One forward and backward pass
//! of the deep image prior's network (5 scales of 32 channels, the book's default) on a
//! grey image at 128 x 128 and 256 x 256, with its flop count as the throughput (criterion's
//! elements per second read as flop/s).

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use std::time::Duration;
use unsupervised::autodiff::Graph;
use unsupervised::image_prior::{code, SkipNet, SkipSpec};
use unsupervised::nn::{Layer, Mode};

fn chapter(c: &mut Criterion) {
    let mut group = c.benchmark_group("image_prior");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(5));
    for side in [128, 256] {
        let spec = SkipSpec::scaled(1, 5, 32);
        let mut net = SkipNet::<f32>::new(&spec, 0).unwrap();
        let z = code(spec.code, side, side, 1);
        group.throughput(Throughput::Elements((3.0 * spec.flops(side, side)) as u64));
        group.bench_function(format!("forward_backward/{side}x{side}"), |b| {
            b.iter(|| {
                let mut g = Graph::new();
                let zv = g.constant(z.clone());
                let y = net.forward(&mut g, zv, Mode::Train).unwrap();
                let l = g.mean(y);
                g.backward(l).unwrap()
            })
        });
    }
    group.finish();
}

criterion_group!(benches, chapter);
criterion_main!(benches);
