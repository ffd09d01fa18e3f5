//! # Chapter 14 · Generative adversarial networks
//!
//! Lectures 000, 001 and 002: a generator `G_w(z)`, `z ~ 𝒩(0, I)`, plays against a
//! discriminator `D_θ(x) = 1/(1 + e^{−f_θ(x)})` that logistic regression trains to tell
//! real samples (label 1) from generated ones (label 0) — lecture 000's spammer and spam
//! detector. For a fixed generator the best discriminator is `D* = p_r/(p_r + p_g)` and
//! the game's value becomes `2 JS(p_r ‖ p_g) − 2 log 2` (Goodfellow et al., "Generative
//! Adversarial Nets", NeurIPS 2014). The minimax generator loss saturates when D wins, the
//! `−log D` trick does not but is unstable near the optimum, and JS is stuck at `log 2`
//! when supports are disjoint; the earth mover's distance is not, which gives WGAN
//! (Arjovsky, Chintala and Bottou, ICML 2017) and its gradient penalty (Gulrajani et al.,
//! NeurIPS 2017). Mode collapse is measured on the ring and grid of Gaussians, and packing
//! (PacGAN: Lin, Khetan, Fanti and Oh, NeurIPS 2018) is shown to fight it, in practice and
//! through total variation. On images (lecture 001): DCGAN's convolutional players, a
//! conditional GAN, InfoGAN's codes read back by a head Q and InfoGAN-CR's contrastive
//! regulariser, stacked MNIST's 1,000 modes, blobs with planted factors, and samples
//! judged by chapter 11's CNN · book `14-gan.md` · tests `tests/gan.rs` · bench
//! `benches/gan.rs`
//!
//! - [`theory`]: the 1-D closed forms (optimal discriminator, JS, W₁ of samples, d_TV of
//!   product distributions and PacGAN's example);
//! - [`spec`]: the networks' sizes, labels and codes, checked;
//! - [`model`]: the generator, the maxout or convolutional critic with InfoGAN's head,
//!   the critic's input gradient as a network on the tape (for the penalty), and the
//!   drawing of generator inputs;
//! - [`train`]: Algorithm 1 with k critic steps, for all four games, with packing, labels,
//!   InfoGAN's code loss and InfoGAN-CR's contrastive loss;
//! - [`modes`]: the 2-D mixtures and the mode count of PacGAN's code;
//! - [`quality`]: the judge (Fréchet distance, class histogram, Inception-style score);
//! - [`images`]: MNIST, stacked MNIST and the polar blobs, and what is measured on them;
//! - [`latent`]: walks, vector arithmetic and code sweeps through the generator's inputs.
//!
//! Cost: a step of PacGAN's networks at batch 100 is about `6 · 100 · m · 480k` flops for
//! the generator plus `6 · 200 · 400k` for the critic, near a gigaflop.

pub mod images;
pub mod latent;
pub mod model;
pub mod modes;
pub mod quality;
pub mod spec;
pub mod theory;
pub mod train;

pub use model::{gradient_penalty, Critic, Draw, Gan, Generator};
pub use modes::{Mixture2d, ModeScore};
pub use spec::{Planes, Spec, MAX_SIZE};
pub use train::{
    generator_gradient, generator_gradient_norm, interpolate, train, train_critic, Kind, Recipe,
    Report,
};
