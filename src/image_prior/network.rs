//! The generator `G_w(z)` of the deep image prior: Ulyanov, Vedaldi and Lempitsky's
//! encoder–decoder with skip connections ("Deep Image Prior", CVPR 2018; code at
//! github.com/DmitryUlyanov/deep-image-prior, `models/skip.py`).
//!
//! Each of its scales halves the side with a strided 3x3 convolution and a second 3x3
//! convolution, hands the result to the next scale, doubles the side again by bilinear
//! upsampling, and merges it with a 1x1 "skip" branch taken before the halving. Every
//! convolution is followed by batch normalisation and a leaky ReLU of slope 0.2; a 1x1
//! convolution and a sigmoid give the image. The paper's denoising network has 5 scales of
//! 128 channels with 4 skip channels and a code of 32 channels; [`SkipSpec::scaled`] keeps
//! the shape and narrows the channels to fit two cores.

use crate::autodiff::{Conv2dSpec, Graph, Parameter, Tensor, Var};
use crate::error::{Error, Result};
use crate::nn::{Activation, BatchNorm, Conv2d, Init, Layer, Mode, Sequential};
use crate::rand::Rng;

/// The leaky ReLU's slope in the paper's code.
const LEAK: f64 = 0.2;

/// The most scales a network may have (a side of 2¹⁰ = 1024 pixels at the bottom is 1).
pub const MAX_SCALES: usize = 10;
/// The most channels any layer may have.
pub const MAX_CHANNELS: usize = 1024;

/// The shape of the network: channels of the code `z`, of the image, and per scale (top
/// first) of the encoder (`down`), the decoder (`up`) and the skip branch (0 for none).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SkipSpec {
    pub code: usize,
    pub image: usize,
    pub down: Vec<usize>,
    pub up: Vec<usize>,
    pub skip: Vec<usize>,
}

impl SkipSpec {
    /// The paper's denoising network: 5 scales of 128 channels, skips of 4, a code of 32.
    pub fn paper(image: usize) -> SkipSpec {
        SkipSpec::scaled(image, 5, 128)
    }
    /// The paper's shape at `scales` scales of `width` channels (skips of 4, code of 32).
    pub fn scaled(image: usize, scales: usize, width: usize) -> SkipSpec {
        SkipSpec {
            code: 32,
            image,
            down: vec![width; scales],
            up: vec![width; scales],
            skip: vec![4; scales],
        }
    }
    /// Multiply-adds ×2 of every convolution in one forward pass on an `h x w` code (the
    /// backward pass costs about twice as much).
    pub fn flops(&self, h: usize, w: usize) -> f64 {
        let mut total = 0.0;
        let mut inputs = self.code;
        for i in 0..self.down.len() {
            let px = ((h >> i) * (w >> i)) as f64;
            let (d, s, u) = (self.down[i] as f64, self.skip[i] as f64, self.up[i] as f64);
            let below = self.up.get(i + 1).map_or(d, |&b| b as f64);
            let c = inputs as f64;
            total +=
                2.0 * px * (c * s + 9.0 * (c * d + d * d) / 4.0 + 9.0 * (s + below) * u + u * u);
            inputs = self.down[i];
        }
        total + 2.0 * (h * w) as f64 * (self.up[0] * self.image) as f64
    }
    /// Refuses empty or mismatched scales, zero or huge widths, and a side the scales
    /// cannot halve evenly (`h` and `w` must be multiples of 2^scales).
    pub fn check(&self, h: usize, w: usize) -> Result<()> {
        let n = self.down.len();
        if n == 0 || n > MAX_SCALES || self.up.len() != n || self.skip.len() != n {
            return Err(Error::invalid(
                "scales",
                n,
                format!("needs 1 to {MAX_SCALES} scales, each with a down, up and skip width"),
            ));
        }
        let widths = self
            .down
            .iter()
            .chain(&self.up)
            .chain([&self.code, &self.image]);
        if let Some(&bad) = widths.clone().find(|&&c| c == 0 || c > MAX_CHANNELS) {
            return Err(Error::invalid(
                "channels",
                bad,
                format!("every width must be between 1 and {MAX_CHANNELS}"),
            ));
        }
        let unit = 1usize << n;
        if h == 0 || w == 0 || !h.is_multiple_of(unit) || !w.is_multiple_of(unit) {
            return Err(Error::invalid(
                "size",
                format!("{h} x {w}"),
                format!("{n} scales halve the side {n} times: it must be a multiple of {unit}"),
            ));
        }
        Ok(())
    }
}

/// A convolution of odd side `k` that keeps the size (or halves it with `stride` 2), then
/// batch normalisation and the leaky ReLU.
fn unit<T: crate::linalg::Scalar>(
    net: Sequential<T>,
    inputs: usize,
    outputs: usize,
    k: usize,
    stride: usize,
    rng: &mut Rng,
) -> Sequential<T> {
    let spec = Conv2dSpec::default().stride(stride).padding(k / 2);
    net.push(Conv2d::new(inputs, outputs, k, spec, Init::He, rng))
        .push(BatchNorm::new(outputs))
        .push(Activation::LeakyRelu(LEAK))
}

/// One scale: the skip branch, the way down, and the merge after the way back up.
struct Scale<T> {
    skip: Option<Sequential<T>>,
    down: Sequential<T>,
    merge: Sequential<T>,
}

/// The encoder–decoder `G_w`; its output is an image tensor in −0.5..0.5 (the sigmoid
/// shifted to the range of [`image_tensor`](crate::visualize::image_tensor)).
pub struct SkipNet<T> {
    scales: Vec<Scale<T>>,
    head: Conv2d<T>,
    pub spec: SkipSpec,
}

impl<T: crate::linalg::Scalar> SkipNet<T> {
    // ANCHOR: skipnet_new
    /// Weights drawn from `seed` (He scaling; batch normalisation follows every layer).
    pub fn new(spec: &SkipSpec, seed: u64) -> Result<SkipNet<T>> {
        spec.check(1 << spec.down.len(), 1 << spec.down.len())?;
        let rng = &mut Rng::seed_from_u64(seed);
        let mut scales = Vec::with_capacity(spec.down.len());
        let mut inputs = spec.code;
        for i in 0..spec.down.len() {
            let (d, s) = (spec.down[i], spec.skip[i]);
            // What comes back up from below: the next scale's decoder, or this encoder.
            let below = spec.up.get(i + 1).copied().unwrap_or(d);
            let skip = (s > 0).then(|| unit(Sequential::new(), inputs, s, 1, 1, rng));
            let down = unit(
                unit(Sequential::new(), inputs, d, 3, 2, rng),
                d,
                d,
                3,
                1,
                rng,
            );
            let merge = unit(
                unit(
                    Sequential::new().push(BatchNorm::new(s + below)),
                    s + below,
                    spec.up[i],
                    3,
                    1,
                    rng,
                ),
                spec.up[i],
                spec.up[i],
                1,
                1,
                rng,
            );
            scales.push(Scale { skip, down, merge });
            inputs = d;
        }
        let head = Conv2d::new(
            spec.up[0],
            spec.image,
            1,
            Conv2dSpec::default(),
            Init::Glorot,
            rng,
        );
        let mut net = SkipNet {
            scales,
            head,
            spec: spec.clone(),
        };
        for (k, p) in net.params_mut().into_iter().enumerate() {
            p.name = format!("skipnet.{k}.{}", p.name);
        }
        Ok(net)
    }
    // ANCHOR_END: skipnet_new
}

impl<T: crate::linalg::Scalar> Layer<T> for SkipNet<T> {
    // ANCHOR: skip_forward
    /// Down through the scales keeping each skip branch, then back up: upsample, put the
    /// skip channels beside the upsampled ones, merge.
    fn forward(&mut self, g: &mut Graph<T>, z: Var, mode: Mode) -> Result<Var> {
        let &[_, _, h, w] = g.shape(z) else {
            return Err(Error::TensorShape {
                op: "SkipNet (needs a (1, code, h, w) code)",
                left: g.shape(z).to_vec(),
                right: vec![],
            });
        };
        self.spec.check(h, w)?;
        let mut skips = Vec::with_capacity(self.scales.len());
        let mut x = z;
        for scale in &mut self.scales {
            skips.push(match &mut scale.skip {
                Some(s) => Some(s.forward(g, x, mode)?),
                None => None,
            });
            x = scale.down.forward(g, x, mode)?;
        }
        for (scale, skip) in self.scales.iter_mut().zip(skips).rev() {
            x = g.upsample_bilinear(x, 2)?;
            if let Some(s) = skip {
                x = g.concat(&[s, x], 1)?;
            }
            x = scale.merge.forward(g, x, mode)?;
        }
        let logits = self.head.forward(g, x, mode)?;
        let y = g.sigmoid(logits);
        Ok(g.add_scalar(y, T::from_f64(-0.5)))
    }
    // ANCHOR_END: skip_forward
    fn params(&self) -> Vec<&Parameter<T>> {
        let mut ps = Vec::new();
        for s in &self.scales {
            if let Some(skip) = &s.skip {
                ps.extend(skip.params());
            }
            ps.extend(s.down.params());
            ps.extend(s.merge.params());
        }
        ps.extend(self.head.params());
        ps
    }
    fn params_mut(&mut self) -> Vec<&mut Parameter<T>> {
        let mut ps = Vec::new();
        for s in &mut self.scales {
            if let Some(skip) = &mut s.skip {
                ps.extend(skip.params_mut());
            }
            ps.extend(s.down.params_mut());
            ps.extend(s.merge.params_mut());
        }
        ps.extend(self.head.params_mut());
        ps
    }
}

/// The fixed code `z`: `(1, channels, h, w)` uniform on [0, 0.1), as the paper's code draws
/// it.
pub fn code(channels: usize, h: usize, w: usize, seed: u64) -> Tensor<f32> {
    Tensor::uniform(
        &[1, channels, h, w],
        0.0,
        0.1,
        &mut Rng::seed_from_u64(seed),
    )
}
