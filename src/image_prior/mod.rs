//! # Chapter 16 · The deep image prior
//!
//! Lecture 000 ends on two ways to restore a corrupted image `y` with a generator `G_w(z)`:
//! keep the weights `w` of a generator trained on similar images and search its latent
//! space, `min_z E(G_w(z))` ([`latent`]); or fix a random code `z` and fit the weights of
//! an *untrained* convolutional network to `y` alone, `min_w E(G_w(z))` ([`fit`]; Ulyanov,
//! Vedaldi and Lempitsky, CVPR 2018). The second works because the network's structure
//! fits natural images long before it fits noise; it needs a rule for when to stop
//! ([`fit::Stop`]: the discrepancy principle when the noise level is known, ES-WMV
//! otherwise). [`degrade`] holds the corruptions, [`network`] the
//! encoder–decoder, [`baselines`] the classical filters it is measured against · book
//! `16-image_prior.md` · tests `tests/image_prior.rs` · bench `benches/image_prior.rs`
//!
//! Cost: one iteration is a forward and a backward pass of the network on one image, about
//! `3 · 2 · Σ_layers k² · c_in · c_out · h_l · w_l` flops; for [`SkipSpec::scaled`] with 5
//! scales of 32 channels on a 128 x 128 image that is about 2 GFLOP.

pub mod baselines;
pub mod degrade;
pub mod fit;
pub mod latent;
pub mod network;

pub use baselines::{baselines, Baseline};
pub use degrade::{random_mask, text_mask, Degradation};
pub use fit::{restore, Restoration, Schedule, Step, Stop, WindowedVariance};
pub use latent::{inpaint_latent, LatentFit, LatentSettings};
pub use network::{code, SkipNet, SkipSpec};
