//! Convolution as image processing: lecture 004's kernel table applied to a photo, with the
//! border handled three ways.
//!
//! The lecture writes `g(x, y) = Σ_s Σ_t ω(s, t) f(x − s, y − t)`: a true convolution, which
//! flips the kernel. Deep-learning libraries (and chapter 10's `conv2d`) compute the
//! cross-correlation `Σ ω(s, t) f(x + s, y + t)` instead; the two agree once the kernel is
//! turned by 180°, and for every kernel of the table, which is symmetric under that turn,
//! they agree outright. Both run through the one convolution of the crate (im2col and
//! chapter 1's GEMM) on an image padded by the chosen border rule.

use crate::autodiff::{Conv2dSpec, Graph, Tensor};
use crate::error::{Error, Result};
use crate::image::Image;

/// The largest kernel side accepted (a 255 x 255 kernel is already a blur of the photo).
pub const MAX_KERNEL: usize = 255;

/// A square kernel of odd side, row-major.
#[derive(Clone, Debug, PartialEq)]
pub struct Kernel {
    pub size: usize,
    pub weights: Vec<f64>,
}

// ANCHOR: table
/// Lecture 004's table, by the names the command line uses.
pub const TABLE: &[(&str, &str, [f64; 9])] = &[
    ("identity", "identity", [0., 0., 0., 0., 1., 0., 0., 0., 0.]),
    (
        "edge1",
        "edge detection, diagonal differences",
        [1., 0., -1., 0., 0., 0., -1., 0., 1.],
    ),
    (
        "edge2",
        "edge detection, 4-neighbour Laplacian",
        [0., 1., 0., 1., -4., 1., 0., 1., 0.],
    ),
    (
        "edge3",
        "edge detection, 8-neighbour Laplacian",
        [-1., -1., -1., -1., 8., -1., -1., -1., -1.],
    ),
    (
        "sharpen",
        "sharpen",
        [0., -1., 0., -1., 5., -1., 0., -1., 0.],
    ),
    ("box", "box blur (normalised)", [1. / 9.; 9]),
];
// ANCHOR_END: table

impl Kernel {
    /// A kernel from its weights; the side must be odd (so the kernel has a centre pixel)
    /// and at most [`MAX_KERNEL`].
    pub fn new(size: usize, weights: Vec<f64>) -> Result<Kernel> {
        if size.is_multiple_of(2) || size > MAX_KERNEL {
            return Err(Error::invalid(
                "kernel size",
                size,
                format!("must be odd, between 1 and {MAX_KERNEL}, so the kernel has a centre"),
            ));
        }
        if weights.len() != size * size {
            return Err(Error::BadLength {
                what: "kernel weights",
                expected: size * size,
                actual: weights.len(),
            });
        }
        if weights.iter().any(|w| !w.is_finite()) {
            return Err(Error::NonFinite {
                input: "kernel weights",
                row: 0,
                column: weights.iter().position(|w| !w.is_finite()).unwrap_or(0),
            });
        }
        Ok(Kernel { size, weights })
    }

    /// A kernel of [`TABLE`] by name.
    pub fn named(name: &str) -> Result<Kernel> {
        let names: Vec<&str> = TABLE.iter().map(|t| t.0).collect();
        let (_, _, w) = TABLE.iter().find(|t| t.0 == name).ok_or_else(|| {
            Error::invalid(
                "kernel",
                name,
                format!("must be one of {}", names.join(", ")),
            )
        })?;
        Kernel::new(3, w.to_vec())
    }

    /// The kernel turned by 180°: `ω(−s, −t)`.
    pub fn flipped(&self) -> Kernel {
        Kernel {
            size: self.size,
            weights: self.weights.iter().rev().copied().collect(),
        }
    }
}

/// What lies beyond the image's edge.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Border {
    /// Zeros: dark frames around bright images.
    Zero,
    /// The edge pixel repeated: `a a a | a b c d`.
    Replicate,
    /// Mirrored without repeating the edge pixel: `d c b | a b c d`.
    Reflect,
}

impl Border {
    pub const NAMES: &'static [(&'static str, Border)] = &[
        ("zero", Border::Zero),
        ("replicate", Border::Replicate),
        ("reflect", Border::Reflect),
    ];

    // ANCHOR: border
    /// The pixel that stands for index `i` of a row of `n` (`i` may lie outside `0..n`);
    /// `None` for zero padding.
    pub fn source(self, i: isize, n: usize) -> Option<usize> {
        let last = n as isize - 1;
        match self {
            _ if (0..=last).contains(&i) => Some(i as usize),
            Border::Zero => None,
            Border::Reflect if last == 0 => Some(0),
            Border::Replicate => Some(i.clamp(0, last) as usize),
            // Mirror about the edge pixel, folding again for pads wider than the image.
            Border::Reflect => {
                let period = 2 * last.max(1);
                let j = i.rem_euclid(period);
                Some((if j > last { period - j } else { j }) as usize)
            }
        }
    }
    // ANCHOR_END: border
}

/// A plane of `h x w` values padded by `r` on every side by `border`.
pub fn pad(plane: &[f64], h: usize, w: usize, r: usize, border: Border) -> Vec<f64> {
    let (ph, pw) = (h + 2 * r, w + 2 * r);
    let mut out = vec![0.0; ph * pw];
    for y in 0..ph {
        let Some(sy) = border.source(y as isize - r as isize, h) else {
            continue;
        };
        for x in 0..pw {
            if let Some(sx) = border.source(x as isize - r as isize, w) {
                out[y * pw + x] = plane[sy * w + sx];
            }
        }
    }
    out
}

// ANCHOR: correlate
/// Cross-correlation `g(x, y) = Σ_s Σ_t ω(s, t) f(x + s, y + t)` of `planes` (each `h x w`,
/// laid one after another) with `kernel`, the border filled by `border`: the same size out
/// as in. All planes go through chapter 10's `conv2d` as one batch.
pub fn correlate(
    planes: &[f64],
    h: usize,
    w: usize,
    kernel: &Kernel,
    border: Border,
) -> Result<Vec<f64>> {
    if h == 0 || w == 0 || planes.is_empty() || !planes.len().is_multiple_of(h * w) {
        return Err(Error::invalid(
            "image",
            format!("{} values as {h} x {w} planes", planes.len()),
            "needs whole, non-empty planes",
        ));
    }
    let (r, n) = (kernel.size / 2, planes.len() / (h * w));
    let padded: Vec<f64> = planes
        .chunks(h * w)
        .flat_map(|p| pad(p, h, w, r, border))
        .collect();
    let mut g = Graph::new();
    let x = g.constant(Tensor::new(&[n, 1, h + 2 * r, w + 2 * r], padded)?); // (planes, 1, h+2r, w+2r)
    let k = g.constant(Tensor::new(
        &[1, 1, kernel.size, kernel.size],
        kernel.weights.clone(),
    )?);
    let y = g.conv2d(x, k, None, Conv2dSpec::default())?; // (planes, 1, h, w)
    Ok(g.value(y).data().to_vec())
}
// ANCHOR_END: correlate

/// The lecture's convolution `Σ ω(s, t) f(x − s, y − t)`: correlation with the kernel
/// turned by 180°.
pub fn convolve(
    planes: &[f64],
    h: usize,
    w: usize,
    kernel: &Kernel,
    border: Border,
) -> Result<Vec<f64>> {
    correlate(planes, h, w, &kernel.flipped(), border)
}

/// An 8-bit image convolved channel by channel, on its 0–255 scale and unclipped
/// (edge detectors give negative values); channels interleaved as in the image.
pub fn filter(image: &Image, kernel: &Kernel, border: Border) -> Result<Vec<f64>> {
    let (h, w, c) = (image.height, image.width, image.channels);
    let planes: Vec<f64> = (0..c)
        .flat_map(|ch| image.pixels[ch..].iter().step_by(c).map(|&p| f64::from(p)))
        .collect();
    let out = convolve(&planes, h, w, kernel, border)?;
    let mut interleaved = vec![0.0; out.len()];
    for (ch, plane) in out.chunks(h * w).enumerate() {
        for (i, &v) in plane.iter().enumerate() {
            interleaved[i * c + ch] = v;
        }
    }
    Ok(interleaved)
}
