//! Chapter 15's convolution layer against `candle` (CPU): one forward plus backward pass of
//! a 2-d convolution, loss `Σ y²`, gradients with respect to the input and the weights.
//! Three shapes: a mid-sized training batch, and the chapter's two single-image layers
//! (the 128 x 128 photo through 11 x 11 and 23 x 23 random filters, as texture synthesis
//! runs them). Seconds are the median of `VERSUS_ROUNDS` (default 5) round-robin rounds;
//! `VERSUS_THREADS` sets both libraries' threads.
//!
//!     VERSUS_THREADS=2 cargo run --release --manifest-path benches/versus/Cargo.toml -- conv

use crate::{list_env, median, time};
use candle_core::{Device, Tensor as CTensor, Var};
use unsupervised::autodiff::{Conv2dSpec, Graph, Tensor};
use unsupervised::Rng;

/// `(name, input (n, c, h, w), weights (o, c, k, k), padding)`.
const SHAPES: [(&str, [usize; 4], [usize; 4], usize); 3] = [
    (
        "batch 64, 32→64 maps, 3x3 on 32x32",
        [64, 32, 32, 32],
        [64, 32, 3, 3],
        1,
    ),
    (
        "1 photo 3x128x128, 32 maps 11x11",
        [1, 3, 128, 128],
        [32, 3, 11, 11],
        5,
    ),
    (
        "1 photo 3x128x128, 32 maps 23x23",
        [1, 3, 128, 128],
        [32, 3, 23, 23],
        11,
    ),
];

pub fn run() {
    let threads = list_env("VERSUS_THREADS", &[2])[0];
    std::env::set_var("UNSUPERVISED_THREADS", threads.to_string());
    std::env::set_var("RAYON_NUM_THREADS", threads.to_string());
    let rounds = list_env("VERSUS_ROUNDS", &[5])[0];
    println!("| layer | threads | ours (ms) | candle (ms) | candle / ours |");
    println!("|---|---|---|---|---|");
    for (name, xs, ws, pad) in SHAPES {
        let mut rng = Rng::seed_from_u64(0);
        let x = Tensor::<f32>::uniform(&xs, -1.0, 1.0, &mut rng);
        let w = Tensor::<f32>::uniform(&ws, -0.1, 0.1, &mut rng);
        let spec = Conv2dSpec::default().padding(pad);
        let ours = || {
            let mut g = Graph::new();
            let (xv, wv) = (g.variable(x.clone()), g.variable(w.clone()));
            let y = g.conv2d(xv, wv, None, spec).unwrap();
            let y2 = g.square(y);
            let l = g.sum(y2);
            let grads = g.backward(l).unwrap();
            std::hint::black_box(grads.wrt(xv).unwrap().data()[0]);
        };
        let cx = Var::from_slice(x.data(), &xs[..], &Device::Cpu).unwrap();
        let cw = Var::from_slice(w.data(), &ws[..], &Device::Cpu).unwrap();
        let theirs = || {
            let y = cx.as_tensor().conv2d(cw.as_tensor(), pad, 1, 1, 1).unwrap();
            let l = y.sqr().unwrap().sum_all().unwrap();
            let grads = l.backward().unwrap();
            let dx: &CTensor = grads.get(cx.as_tensor()).unwrap();
            std::hint::black_box(dx.dims()[0]);
        };
        ours();
        theirs();
        let (mut a, mut b) = (Vec::new(), Vec::new());
        for _ in 0..rounds {
            a.push(time(ours));
            b.push(time(theirs));
        }
        let (a, b) = (median(a) * 1e3, median(b) * 1e3);
        println!("| {name} | {threads} | {a:.1} | {b:.1} | {:.2} |", b / a);
    }
}
