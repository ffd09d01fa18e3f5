//! Side-by-side timings of `unsupervised` against library crates, in one process, so that
//! ratios are measured under the same conditions. Prints markdown tables for the book's
//! benchmarks page.
//!
//!     cargo run --release --manifest-path benches/versus/Cargo.toml -- gemm
//!     cargo run --release --manifest-path benches/versus/Cargo.toml -- eigen
//!     cargo run --release --manifest-path benches/versus/Cargo.toml -- lanczos
//!     cargo run --release --manifest-path benches/versus/Cargo.toml -- spectral
//!     cargo run --release --manifest-path benches/versus/Cargo.toml -- kmeans
//!     cargo run --release --manifest-path benches/versus/Cargo.toml -- pca
//!     cargo run --release --manifest-path benches/versus/Cargo.toml -- hclust
//!     cargo run --release --manifest-path benches/versus/Cargo.toml -- gmm
//!     cargo run --release --manifest-path benches/versus/Cargo.toml -- tsne
//!     cargo run --release --manifest-path benches/versus/Cargo.toml -- diffusion
//!     VERSUS_THREADS=1 cargo run --release --manifest-path benches/versus/Cargo.toml -- nn
//!     VERSUS_THREADS=2 cargo run --release --manifest-path benches/versus/Cargo.toml -- conv
//!
//! Method: every configuration runs each library in turn, round-robin, for `ROUNDS` rounds;
//! a library's figure is its median round. Round-robin spreads the machine's noise (two
//! shared cores) evenly over the contenders.

use std::hint::black_box;
use std::time::Instant;

mod cluster;
mod conv;
mod eigen;
mod gemm;
mod hclust;
mod manifold;
mod nn;
mod tsne;

/// A comma-separated list of numbers from the environment, or the default.
/// `VERSUS_SIZES=512,1024 VERSUS_THREADS=1` narrows a run.
pub fn list_env(name: &str, default: &[usize]) -> Vec<usize> {
    std::env::var(name)
        .ok()
        .map(|v| v.split(',').filter_map(|x| x.trim().parse().ok()).collect())
        .unwrap_or_else(|| default.to_vec())
}

/// Median of the samples.
pub fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(|a, b| a.partial_cmp(b).unwrap());
    xs[xs.len() / 2]
}

/// Times `f` once, in seconds.
pub fn time(mut f: impl FnMut()) -> f64 {
    let t = Instant::now();
    f();
    t.elapsed().as_secs_f64()
}

/// The median of `rounds` timings of `f`, in seconds.
pub fn median_time(rounds: usize, mut f: impl FnMut()) -> f64 {
    median((0..rounds).map(|_| time(&mut f)).collect())
}

/// Estimates the core clock: a chain of dependent integer additions retires one per cycle.
pub fn clock_ghz() -> f64 {
    let n: u64 = 400_000_000;
    let mut best = f64::MAX;
    for _ in 0..5 {
        let t = Instant::now();
        let mut x = black_box(0u64);
        for i in 0..n {
            // `black_box` keeps the chain from being folded into a closed form.
            x = black_box(x.wrapping_add(i));
        }
        black_box(x);
        best = best.min(t.elapsed().as_secs_f64());
    }
    n as f64 / best / 1e9
}

fn main() {
    let what = std::env::args().nth(1).unwrap_or_else(|| "gemm".into());
    match what.as_str() {
        "gemm" => gemm::run(),
        "eigen" => eigen::run(),
        "lanczos" => eigen::run_lanczos(),
        "spectral" => eigen::run_spectral(),
        "kmeans" => cluster::run_kmeans(),
        "hclust" => hclust::run(),
        "gmm" => cluster::run_gmm(),
        "pca" => cluster::run_pca(),
        "tsne" => tsne::run(),
        "diffusion" => manifold::run(),
        "nn" => nn::run(),
        "conv" => conv::run(),
        other => {
            eprintln!("unknown comparison {other:?}; available: gemm, eigen, lanczos, spectral, kmeans, pca, hclust, gmm, tsne, diffusion, nn, conv");
            std::process::exit(2);
        }
    }
}
