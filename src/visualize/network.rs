//! The networks this chapter looks through, and the statistics it reads off them.
//!
//! No network trained on ImageNet can be had here, so two kinds stand in for VGG: networks
//! the crate trains itself (chapter 11's MNIST CNN) and networks whose filters are random.
//! Ustyuzhaninov, Brendel, Gatys and Bethge ("What does it take to generate natural
//! textures?", ICLR 2017; code at github.com/ivust/random-texture-synthesis) found that one
//! convolutional layer of random filters at several sizes, followed by ReLU, already
//! synthesises convincing textures from its Gram matrices: their multi-scale model has 128
//! maps at each of the sizes 3, 5, 7, 11, 15, 23, 37 and 55, Glorot-uniform weights,
//! "same" padding, and is optimised by L-BFGS-B for up to 4,000 evaluations.

use crate::autodiff::{Conv2dSpec, Graph, Tensor, Var};
use crate::error::{Error, Result};
use crate::image::Image;
use crate::nn::{Conv2d, Init, Layer, Mode, Sequential};
use crate::rand::Rng;

/// Ustyuzhaninov et al.'s filter sizes.
pub const PAPER_SCALES: [usize; 8] = [3, 5, 7, 11, 15, 23, 37, 55];
/// Their maps per size.
pub const PAPER_MAPS: usize = 128;

/// An image as a `(1, c, h, w)` tensor, pixels mapped from 0..255 to −0.5..0.5.
pub fn image_tensor(image: &Image) -> Result<Tensor<f32>> {
    let (h, w, c) = (image.height, image.width, image.channels);
    let mut data = vec![0.0f32; c * h * w];
    for (i, &p) in image.pixels.iter().enumerate() {
        data[(i % c) * h * w + i / c] = f32::from(p) / 255.0 - 0.5;
    }
    Tensor::new(&[1, c, h, w], data)
}

/// The inverse of [`image_tensor`], clipping to 0..255.
pub fn tensor_image(x: &Tensor<f32>) -> Result<Image> {
    let &[1, c, h, w] = x.shape() else {
        return Err(Error::TensorShape {
            op: "tensor_image (needs (1, c, h, w))",
            left: x.shape().to_vec(),
            right: vec![],
        });
    };
    let mut pixels = vec![0u8; c * h * w];
    for (j, &v) in x.data().iter().enumerate() {
        let (ch, i) = (j / (h * w), j % (h * w));
        pixels[i * c + ch] = ((v + 0.5) * 255.0).round().clamp(0.0, 255.0) as u8;
    }
    Image::new(w, h, c, pixels)
}

/// Anything that maps an image to a list of feature maps `(1, channels, h, w)`.
pub trait Features {
    /// Records the forward pass on `g` and returns every feature map, shallow first.
    fn features(&mut self, g: &mut Graph<f32>, x: Var) -> Result<Vec<Var>>;
}

// ANCHOR: multiscale
/// One layer of random filters at several sizes, each followed by ReLU (Ustyuzhaninov et
/// al.'s multi-scale model); one feature map per size.
pub struct Multiscale {
    pub scales: Vec<usize>,
    pub convs: Vec<Conv2d<f32>>,
}

impl Multiscale {
    /// `maps` random filters of each size in `scales` (odd) over `channels` input channels,
    /// Glorot-uniform as in the paper's Lasagne layers, zero bias, frozen.
    pub fn new(channels: usize, maps: usize, scales: &[usize], seed: u64) -> Result<Self> {
        crate::check_count("maps", maps, 4096, "the map limit")?;
        if scales.is_empty() {
            return Err(Error::Empty { input: "scales" });
        }
        let mut rng = Rng::seed_from_u64(seed);
        let mut convs = Vec::new();
        for &k in scales {
            if k % 2 == 0 || k > 127 {
                return Err(Error::invalid("scale", k, "must be odd and at most 127"));
            }
            let spec = Conv2dSpec::default().padding(k / 2); // "same": h x w out
            let mut conv = Conv2d::new(channels, maps, k, spec, Init::Glorot, &mut rng);
            conv.set_frozen(true);
            convs.push(conv);
        }
        Ok(Multiscale {
            scales: scales.to_vec(),
            convs,
        })
    }
}

impl Features for Multiscale {
    fn features(&mut self, g: &mut Graph<f32>, x: Var) -> Result<Vec<Var>> {
        self.convs
            .iter_mut()
            .map(|conv| {
                let y = conv.forward(g, x, Mode::Eval)?; // (1, maps, h, w)
                Ok(g.relu(y))
            })
            .collect()
    }
}
// ANCHOR_END: multiscale

/// A sequential network read at chosen layers: the output of layer `taps[i] − 1`, i.e.
/// after the first `taps[i]` layers.
pub struct Tapped {
    pub net: Sequential<f32>,
    pub taps: Vec<usize>,
}

impl Tapped {
    /// Reads `net` after the first `taps[i]` layers (increasing, each within the network).
    pub fn new(mut net: Sequential<f32>, taps: Vec<usize>) -> Result<Self> {
        if taps.is_empty() || taps.windows(2).any(|w| w[0] >= w[1]) || taps[0] == 0 {
            return Err(Error::invalid(
                "taps",
                format!("{taps:?}"),
                "must be increasing layer counts, the first at least 1",
            ));
        }
        if taps[taps.len() - 1] > net.len() {
            return Err(Error::IndexOutOfBounds {
                what: "tap",
                index: taps[taps.len() - 1],
                bound: net.len() + 1,
            });
        }
        net.set_frozen(true);
        Ok(Tapped { net, taps })
    }

    /// A random network for photos: `widths.len()` blocks of a 3x3 convolution ("same"
    /// padding, He-normal weights), ReLU and 2x2 average pooling, read after every block.
    pub fn random(channels: usize, widths: &[usize], seed: u64) -> Result<Self> {
        let mut rng = Rng::seed_from_u64(seed);
        let mut net = Sequential::new();
        let mut inputs = channels;
        for &w in widths {
            crate::check_count("width", w, 4096, "the map limit")?;
            net = net
                .push(Conv2d::new(
                    inputs,
                    w,
                    3,
                    Conv2dSpec::default().padding(1),
                    Init::He,
                    &mut rng,
                ))
                .push(crate::nn::Activation::Relu)
                .push(AvgPool2d(2));
            inputs = w;
        }
        let taps = (1..=widths.len()).map(|b| 3 * b).collect();
        Tapped::new(net, taps)
    }
}

impl Features for Tapped {
    fn features(&mut self, g: &mut Graph<f32>, mut x: Var) -> Result<Vec<Var>> {
        let mut out = Vec::with_capacity(self.taps.len());
        let mut done = 0;
        for &t in &self.taps {
            x = self.net.forward_layers(g, x, done..t, Mode::Eval)?;
            out.push(x);
            done = t;
        }
        Ok(out)
    }
}

/// Average pooling over `k x k` windows with stride `k` (the random network's
/// downsampling: max pooling would make its features piecewise constant in the input).
pub struct AvgPool2d(pub usize);

impl Layer<f32> for AvgPool2d {
    fn forward(&mut self, g: &mut Graph<f32>, x: Var, _: Mode) -> Result<Var> {
        g.avg_pool2d(x, self.0, self.0)
    }
}

// ANCHOR: gram_loss
/// The Gram matrix `G = F Fᵀ` of every feature map, `(1, N, N)` for `N` channels.
pub fn grams(g: &mut Graph<f32>, features: &[Var]) -> Result<Vec<Var>> {
    features.iter().map(|&f| g.gram(f)).collect()
}

/// Lecture 004's texture loss `Σ_l w_l E_l`, `E_l = (1 / (4 N_l² M_l²)) Σ_ij (G^l_ij −
/// Ĝ^l_ij)²`, with `N_l` channels and `M_l = h·w` positions at layer `l`, and the
/// targets `Ĝ^l` the Gram matrices of the source texture.
pub fn gram_loss(
    g: &mut Graph<f32>,
    features: &[Var],
    targets: &[Tensor<f32>],
    weights: &[f64],
) -> Result<Var> {
    if features.len() != targets.len() || features.len() != weights.len() {
        return Err(Error::invalid(
            "targets",
            targets.len(),
            format!(
                "need one target and one weight per feature map ({})",
                features.len()
            ),
        ));
    }
    let mut total = g.scalar(0.0);
    for ((&f, target), &w) in features.iter().zip(targets).zip(weights) {
        let &[_, n, h, wd] = g.shape(f) else {
            return Err(Error::TensorShape {
                op: "gram_loss (features must be (n, c, h, w))",
                left: g.shape(f).to_vec(),
                right: vec![],
            });
        };
        let (n, m) = (n as f64, (h * wd) as f64);
        let gram = g.gram(f)?; // (1, N, N)
        let target = g.constant(target.clone());
        let diff = g.sub(gram, target)?;
        let sq = g.square(diff);
        let e = g.sum(sq);
        let e = g.mul_scalar(e, (w / (4.0 * n * n * m * m)) as f32);
        total = g.add(total, e)?;
    }
    Ok(total)
}
// ANCHOR_END: gram_loss

/// `Σ (F − P)²` over a feature map and its target: the squared distance between features
/// (feature inversion's `ℓ`, twice style transfer's content loss).
pub fn feature_distance(g: &mut Graph<f32>, f: Var, target: &Tensor<f32>) -> Result<Var> {
    let t = g.constant(target.clone());
    let d = g.sub(f, t)?;
    let d2 = g.square(d);
    Ok(g.sum(d2))
}

/// The values of `features(x)` for a constant image (feature inversion's `Φ₀`, style
/// transfer's content).
pub fn feature_targets(net: &mut impl Features, x: &Tensor<f32>) -> Result<Vec<Tensor<f32>>> {
    let mut g = Graph::new();
    let xv = g.constant(x.clone());
    let f = net.features(&mut g, xv)?;
    Ok(f.iter().map(|&v| g.value(v).clone()).collect())
}

/// The Gram matrices of `features(x)` for a constant image (a texture's statistics).
pub fn gram_targets(net: &mut impl Features, x: &Tensor<f32>) -> Result<Vec<Tensor<f32>>> {
    let mut g = Graph::new();
    let xv = g.constant(x.clone());
    let f = net.features(&mut g, xv)?;
    let gm = grams(&mut g, &f)?;
    Ok(gm.iter().map(|&v| g.value(v).clone()).collect())
}
