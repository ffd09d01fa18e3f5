//! The sizes of chapter 14's networks, checked before anything is allocated: PacGAN's 2-D
//! players, the 1-D line game, the perceptron GAN, and DCGAN on images, with a conditional
//! GAN's labels and InfoGAN's codes.

use crate::error::{Error, Result};

/// The largest width, depth, packing or number of maxout pieces a network may ask for.
pub const MAX_SIZE: usize = 4096;

/// The shape of image data: `channels` planes of `side x side` pixels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Planes {
    pub channels: usize,
    pub side: usize,
}

/// Network sizes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Spec {
    /// Size of the noise `z ~ 𝒩(0, I)`.
    pub latent: usize,
    /// Size of one data sample.
    pub data: usize,
    pub generator_width: usize,
    pub generator_layers: usize,
    pub critic_width: usize,
    pub critic_layers: usize,
    /// Maxout pieces per critic unit; 1 means a leaky ReLU instead.
    pub pieces: usize,
    /// PacGAN's m: the critic judges m samples at once (1: a plain GAN).
    pub packing: usize,
    /// DCGAN's convolutional players for images of this shape (`None`: perceptrons). The
    /// widths are then channel counts: G has `2·generator_width` planes at a quarter of
    /// the side and `generator_width` at half, D `critic_width` at half and twice that at
    /// a quarter.
    pub conv: Option<Planes>,
    /// A tanh on G's output, for data scaled to [−1, 1] (images).
    pub tanh: bool,
    /// A conditional GAN's number of labels, given one-hot to both players (0: none).
    pub classes: usize,
    /// InfoGAN's categorical code: its number of values (0: none).
    pub categories: usize,
    /// InfoGAN's continuous codes, each uniform on [−1, 1].
    pub continuous: usize,
    /// InfoGAN-CR: a contrastive network H learns, with G, to tell which continuous code
    /// two generated samples share.
    pub contrastive: bool,
}

impl Spec {
    /// PacGAN's 2-D networks with packing `m`.
    pub fn pacgan(packing: usize) -> Spec {
        Spec {
            latent: 2,
            data: 2,
            generator_width: 400,
            generator_layers: 4,
            critic_width: 200,
            critic_layers: 3,
            pieces: 5,
            packing,
            ..Spec::PLAIN
        }
    }
    /// A 1-D game whose generator density is known: `G(z) = w z + b`, so
    /// `p_g = 𝒩(b, w²)`, against a maxout critic of two layers of 32 units with 5 pieces.
    /// The theory's tests and the saturation figure play it.
    pub fn line() -> Spec {
        Spec {
            latent: 1,
            data: 1,
            generator_width: 1,
            generator_layers: 0,
            critic_width: 32,
            critic_layers: 2,
            pieces: 5,
            packing: 1,
            ..Spec::PLAIN
        }
    }
    /// The small MLP GAN the speed comparisons use: G `latent`-256 (BN, ReLU)-`data`, D
    /// `data`-256 (leaky ReLU)-1.
    pub fn mlp(latent: usize, data: usize) -> Spec {
        Spec {
            latent,
            data,
            generator_width: 256,
            generator_layers: 1,
            critic_width: 256,
            critic_layers: 1,
            pieces: 1,
            packing: 1,
            ..Spec::PLAIN
        }
    }
    /// The perceptron GAN on images of `planes`: G `latent`-256-256-pixels (BN, ReLU, tanh
    /// out), D pixels-256-256-1 with leaky ReLU (its input gradient is exact on the tape,
    /// so WGAN-GP can train it).
    pub fn mlp_images(latent: usize, planes: Planes) -> Spec {
        Spec {
            generator_layers: 2,
            critic_layers: 2,
            tanh: true,
            ..Spec::mlp(latent, planes.channels * planes.side * planes.side)
        }
    }
    /// DCGAN for images of `planes` (the side a multiple of 4) with 100 noise inputs: G
    /// projects to 128 planes of `side/4`, then two 4x4 transposed convolutions of stride 2
    /// (64 planes, then the image); D mirrors it with 64 and 128 planes.
    pub fn dcgan(planes: Planes) -> Spec {
        Spec {
            latent: 100,
            data: planes.channels * planes.side * planes.side,
            generator_width: 64,
            generator_layers: 3,
            critic_width: 64,
            critic_layers: 2,
            pieces: 1,
            packing: 1,
            conv: Some(planes),
            tanh: true,
            ..Spec::PLAIN
        }
    }
    /// What every constructor starts from: no images, labels or codes.
    const PLAIN: Spec = Spec {
        latent: 1,
        data: 1,
        generator_width: 1,
        generator_layers: 0,
        critic_width: 1,
        critic_layers: 1,
        pieces: 1,
        packing: 1,
        conv: None,
        tanh: false,
        classes: 0,
        categories: 0,
        continuous: 0,
        contrastive: false,
    };
    /// The generator's input: noise, the one-hot label, InfoGAN's codes.
    pub fn inputs(&self) -> usize {
        self.latent + self.classes + self.categories + self.continuous
    }
    /// InfoGAN's code outputs of the head Q: the category's logits, the continuous means.
    pub fn code_outputs(&self) -> usize {
        self.categories + self.continuous
    }
    /// The width of the label block appended to every critic input: one-hot, or one
    /// constant plane per label for convolutional critics.
    pub fn condition_width(&self) -> usize {
        match self.conv {
            Some(p) => self.classes * p.side * p.side,
            None => self.classes,
        }
    }
    /// Every size within its limit, and the combinations that make sense.
    pub fn check(&self) -> Result<()> {
        let sizes = [
            ("latent", self.latent),
            ("data", self.data),
            ("generator_width", self.generator_width),
            ("critic_width", self.critic_width),
            ("critic_layers", self.critic_layers),
            ("pieces", self.pieces),
            ("packing", self.packing),
        ];
        for (name, v) in sizes {
            crate::check_count(name, v, MAX_SIZE, "the size limit")?;
        }
        for (name, v) in [
            ("classes", self.classes),
            ("categories", self.categories),
            ("continuous", self.continuous),
        ] {
            if v > MAX_SIZE {
                return Err(Error::invalid(
                    name,
                    v,
                    format!("must be at most {MAX_SIZE}"),
                ));
            }
        }
        if self.contrastive && self.continuous < 2 {
            return Err(Error::invalid(
                "continuous",
                self.continuous,
                "InfoGAN-CR's contrastive network needs at least 2 continuous codes to tell apart",
            ));
        }
        if self.classes > 0 && self.packing > 1 {
            return Err(Error::invalid(
                "packing",
                self.packing,
                "a conditional GAN judges one sample at a time",
            ));
        }
        if let Some(p) = self.conv {
            crate::check_count("channels", p.channels, MAX_SIZE, "the size limit")?;
            if p.side == 0 || p.side % 4 != 0 || p.side > MAX_SIZE {
                return Err(Error::invalid(
                    "side",
                    p.side,
                    "DCGAN's two stride-2 layers need a side that is a multiple of 4",
                ));
            }
            if p.channels * p.side * p.side != self.data {
                return Err(Error::invalid(
                    "data",
                    self.data,
                    format!(
                        "must be channels x side x side = {}",
                        p.channels * p.side * p.side
                    ),
                ));
            }
        }
        // No hidden layer is allowed: G(z) = z W + b, a Gaussian with known parameters.
        if self.generator_layers > MAX_SIZE {
            return Err(Error::invalid(
                "generator_layers",
                self.generator_layers,
                format!("must be at most {MAX_SIZE}"),
            ));
        }
        Ok(())
    }
}
