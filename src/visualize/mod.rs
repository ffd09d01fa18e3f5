//! # Chapter 15 · Seeing what a CNN sees
//!
//! Lecture 004: a convolution `g = ω * f` filters an image, and the kernel decides what
//! it does (identity, edges, sharpening, blur: [`filter`]). A trained network is a stack of
//! such filters, and the gradient of anything it computes with respect to its *input*
//! shows what it responds to ([`inspect`]: saliency, class images). Optimising the input
//! itself gives feature inversion `x* = argmin ‖Φ(x) − Φ₀‖² + λ R_{V^β}(x)`, texture
//! synthesis by matching Gram matrices `G^l = F^l F^lᵀ`, and style transfer
//! ([`synthesis`]), with L-BFGS ([`lbfgs`]) or Adam. Lacking VGG, the networks are the
//! MNIST CNN of chapter 11 and random-filter networks ([`network`]) · book
//! `15-visualize.md` · tests `tests/visualize.rs` · bench `benches/visualize.rs`
//!
//! Cost: one evaluation of a texture loss is a forward and a backward pass of the network
//! on one image; for `maps` filters of side `k` over `c` channels of an `h x w` image that
//! is about `3 · 2 · maps · c · k² · h · w` flops per size.

pub mod filter;
pub mod inspect;
pub mod lbfgs;
pub mod network;
pub mod synthesis;

pub use filter::{convolve, correlate, Border, Kernel};
pub use inspect::{activations, class_image, first_filters, saliency, Penalty};
pub use lbfgs::{Lbfgs, Minimum};
pub use network::{gram_loss, grams, image_tensor, tensor_image, Features, Multiscale, Tapped};
pub use synthesis::{
    invert, optimize_image, style_transfer, texture, Method, Prior, Run, StyleWeights,
};
