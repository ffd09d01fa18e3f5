//! What happened to the photo: the forward operator `A` of `y = A(x) + noise`. The deep
//! image prior fits `‖A(G_w(z)) − y‖²`, so the network is only ever asked to explain what
//! was observed: every pixel with its noise (denoising), the kept pixels (inpainting), or
//! the block means of a smaller image (super-resolution).

use crate::autodiff::{Graph, Tensor, Var};
use crate::error::{Error, Result};
use crate::image::Image;
use crate::rand::Rng;

/// The largest noise level accepted, on the 0–255 scale.
pub const MAX_SIGMA: f64 = 255.0;
/// The largest super-resolution factor.
pub const MAX_FACTOR: usize = 16;

// ANCHOR: degradation
/// A corruption `A` and how the network's output is compared with what was observed.
#[derive(Clone, Debug, PartialEq)]
pub enum Degradation {
    /// Additive Gaussian noise of standard deviation `sigma` on the 0–255 scale: `A = I`.
    Noise { sigma: f64 },
    /// Only the pixels with `keep[y·w + x]` set were seen (in every channel).
    Mask { keep: Vec<bool> },
    /// A `factor`-times smaller image of block means was seen.
    Downsample { factor: usize },
}

impl Degradation {
    /// Refuses a negative or non-finite noise level and a factor outside 2..=16.
    pub fn check(&self) -> Result<()> {
        match *self {
            Degradation::Noise { sigma } if !(0.0..=MAX_SIGMA).contains(&sigma) => Err(
                Error::invalid("sigma", sigma, format!("must be between 0 and {MAX_SIGMA}")),
            ),
            Degradation::Downsample { factor } if !(2..=MAX_FACTOR).contains(&factor) => {
                Err(Error::invalid(
                    "factor",
                    factor,
                    format!("must be between 2 and {MAX_FACTOR}"),
                ))
            }
            _ => Ok(()),
        }
    }

    /// The observed 8-bit image: noise added and rounded to 0..255, hidden pixels black,
    /// or the block means.
    pub fn corrupt(&self, clean: &Image, rng: &mut Rng) -> Result<Image> {
        self.check()?;
        match self {
            Degradation::Noise { sigma } => {
                let pixels = clean
                    .pixels
                    .iter()
                    .map(|&p| {
                        (f64::from(p) + sigma * rng.normal())
                            .round()
                            .clamp(0.0, 255.0) as u8
                    })
                    .collect();
                Image::new(clean.width, clean.height, clean.channels, pixels)
            }
            Degradation::Mask { keep } => {
                self.mask_fits(clean.height, clean.width)?;
                let c = clean.channels;
                let pixels = clean
                    .pixels
                    .iter()
                    .enumerate()
                    .map(|(i, &p)| if keep[i / c] { p } else { 0 })
                    .collect();
                Image::new(clean.width, clean.height, c, pixels)
            }
            Degradation::Downsample { factor } => clean.downscale(*factor),
        }
    }

    /// A mask must have one entry per pixel.
    fn mask_fits(&self, h: usize, w: usize) -> Result<()> {
        match self {
            Degradation::Mask { keep } if keep.len() != h * w => Err(Error::invalid(
                "mask",
                format!("{} entries", keep.len()),
                format!("the image has {h} x {w} = {} pixels", h * w),
            )),
            _ => Ok(()),
        }
    }

    /// `A(x)` on the graph for an image tensor `(1, c, h, w)`: `x`, `m ⊙ x`, or the
    /// `factor x factor` block means.
    pub fn apply(&self, g: &mut Graph<f32>, x: Var) -> Result<Var> {
        let &[_, _, h, w] = g.shape(x) else {
            return Err(Error::TensorShape {
                op: "Degradation::apply (needs (1, c, h, w))",
                left: g.shape(x).to_vec(),
                right: vec![],
            });
        };
        self.mask_fits(h, w)?;
        match self {
            Degradation::Noise { .. } => Ok(x),
            Degradation::Mask { keep } => {
                let m = g.constant(mask_tensor(keep, h, w)?);
                g.mul(x, m)
            }
            Degradation::Downsample { factor } => g.avg_pool2d(x, *factor, *factor),
        }
    }

    /// What `A(x)` is compared with: the observed tensor, with hidden pixels zeroed.
    pub fn target(&self, observed: &Tensor<f32>) -> Result<Tensor<f32>> {
        let mut g = Graph::new();
        let y = g.constant(observed.clone());
        let t = match self {
            Degradation::Mask { .. } => self.apply(&mut g, y)?,
            _ => y,
        };
        Ok(g.value(t).clone())
    }

    /// The loss `mean (A(x) − y)²` whose minimiser the prior regularises.
    pub fn loss(&self, g: &mut Graph<f32>, x: Var, target: &Tensor<f32>) -> Result<Var> {
        let ax = self.apply(g, x)?;
        let t = g.constant(target.clone());
        g.mse(ax, t)
    }
}
// ANCHOR_END: degradation

/// The mask as a `(1, 1, h, w)` tensor of ones (kept) and zeros (hidden).
fn mask_tensor(keep: &[bool], h: usize, w: usize) -> Result<Tensor<f32>> {
    Tensor::new(
        &[1, 1, h, w],
        keep.iter().map(|&k| f32::from(u8::from(k))).collect(),
    )
}

/// A mask hiding exactly `round(drop · h · w)` pixels chosen uniformly from `rng`.
pub fn random_mask(h: usize, w: usize, drop: f64, rng: &mut Rng) -> Result<Vec<bool>> {
    if !(0.0..=1.0).contains(&drop) {
        return Err(Error::invalid(
            "drop",
            drop,
            "the fraction hidden must be in [0, 1]",
        ));
    }
    let n = h * w;
    let hidden = (drop * n as f64).round() as usize;
    let mut keep = vec![true; n];
    for i in rng.sample_without_replacement(n, hidden)? {
        keep[i] = false;
    }
    Ok(keep)
}

/// The words drawn over the photo in the text-inpainting task.
pub const TEXT: &str = "DEEP IMAGE PRIOR ULYANOV VEDALDI LEMPITSKY 2018 NO TRAINING DATA";

/// A mask hiding the strokes of `text`, written in a 5 x 7 pixel font at `scale` in rows
/// from the top-left corner, wrapping at word boundaries, one blank row between lines and
/// the text repeated until the image is full.
pub fn text_mask(h: usize, w: usize, text: &str, scale: usize) -> Result<Vec<bool>> {
    let scale = scale.max(1);
    let (cell_w, cell_h) = (6 * scale, 10 * scale);
    let per_line = w / cell_w;
    let words: Vec<&str> = text.split_whitespace().collect();
    if per_line == 0 || words.is_empty() || words.iter().any(|x| x.len() > per_line) {
        return Err(Error::invalid(
            "text",
            text,
            format!("a word does not fit a line of {per_line} characters"),
        ));
    }
    let mut keep = vec![true; h * w];
    let (mut row, mut col, mut word) = (0, 0, 0);
    while (row + 1) * cell_h <= h {
        let next = words[word % words.len()];
        if col > 0 && col + next.len() > per_line {
            (row, col) = (row + 1, 0);
            continue;
        }
        for (k, ch) in next.chars().enumerate() {
            let glyph = crate::plot::glyph(ch);
            for (gy, bits) in glyph.iter().enumerate() {
                for gx in 0..5 {
                    if bits >> (4 - gx) & 1 == 1 {
                        let (x0, y0) = (
                            (col + k) * cell_w + gx * scale,
                            row * cell_h + 2 * scale + gy * scale,
                        );
                        for dy in 0..scale {
                            for dx in 0..scale {
                                keep[(y0 + dy) * w + x0 + dx] = false;
                            }
                        }
                    }
                }
            }
        }
        col += next.len() + 1;
        word += 1;
    }
    Ok(keep)
}
