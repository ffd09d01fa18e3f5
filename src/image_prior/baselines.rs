//! What the deep image prior is measured against: the classical filters, each at the size
//! that does best on this very image. Choosing the size by the clean image flatters the
//! baselines; the deep image prior's stop never sees it.

use super::degrade::Degradation;
use crate::autodiff::{Graph, Tensor};
use crate::autoencoder::psnr;
use crate::error::Result;
use crate::visualize::filter::{correlate, Border, Kernel};

/// A classical restoration at its best setting.
pub struct Baseline {
    pub name: &'static str,
    /// The winning size, e.g. "5 x 5" or "σ = 1.25".
    pub setting: String,
    pub psnr: f64,
    pub image: Tensor<f32>,
}

/// Box sides tried.
const BOX_SIDES: [usize; 4] = [3, 5, 7, 9];
/// Median windows tried.
const MEDIAN_SIDES: [usize; 3] = [3, 5, 7];
/// Gaussian standard deviations tried, in pixels.
const SIGMAS: [f64; 8] = [0.5, 0.75, 1.0, 1.25, 1.5, 2.0, 2.5, 3.0];

// ANCHOR: baselines
/// The baselines for `degradation` of `observed` (an image tensor `(1, c, h, w)`), each at
/// its best setting against `clean`: box blur, Gaussian blur and the median for noise;
/// normalised Gaussian interpolation of the kept pixels for a mask; nearest and bilinear
/// upsampling for a smaller image.
pub fn baselines(
    observed: &Tensor<f32>,
    degradation: &Degradation,
    clean: &Tensor<f32>,
) -> Result<Vec<Baseline>> {
    let candidates: Vec<(&'static str, Tries)> = match degradation {
        Degradation::Noise { .. } => vec![
            (
                "box blur",
                each(&BOX_SIDES, |&k| {
                    Ok((
                        format!("{k} x {k}"),
                        blur(
                            observed,
                            &Kernel::new(k, vec![1.0 / (k * k) as f64; k * k])?,
                        )?,
                    ))
                })?,
            ),
            (
                "Gaussian blur",
                each(&SIGMAS, |&s| {
                    Ok((format!("σ = {s}"), blur(observed, &gaussian(s)?)?))
                })?,
            ),
            (
                "median",
                each(&MEDIAN_SIDES, |&k| {
                    Ok((format!("{k} x {k}"), median(observed, k)?))
                })?,
            ),
        ],
        Degradation::Mask { keep } => vec![(
            "normalised Gaussian",
            each(&SIGMAS, |&s| {
                Ok((format!("σ = {s}"), interpolate(observed, keep, s)?))
            })?,
        )],
        Degradation::Downsample { factor } => vec![
            (
                "nearest",
                vec![("".into(), upsample(observed, *factor, false)?)],
            ),
            (
                "bilinear",
                vec![("".into(), upsample(observed, *factor, true)?)],
            ),
        ],
    };
    Ok(candidates
        .into_iter()
        .filter_map(|(name, tries)| {
            tries
                .into_iter()
                .map(|(setting, image)| Baseline {
                    name,
                    setting,
                    psnr: psnr(clean.data(), image.data()),
                    image,
                })
                .max_by(|a, b| a.psnr.total_cmp(&b.psnr))
        })
        .collect())
}
// ANCHOR_END: baselines

/// Every setting tried for one baseline and its output.
type Tries = Vec<(String, Tensor<f32>)>;

fn each<P>(params: &[P], f: impl Fn(&P) -> Result<(String, Tensor<f32>)>) -> Result<Tries> {
    params.iter().map(f).collect()
}

/// A normalised Gaussian kernel of standard deviation `sigma`, `2⌈3σ⌉ + 1` wide.
pub fn gaussian(sigma: f64) -> Result<Kernel> {
    let r = (3.0 * sigma).ceil() as isize;
    let side = (2 * r + 1) as usize;
    let mut weights = Vec::with_capacity(side * side);
    for dy in -r..=r {
        for dx in -r..=r {
            weights.push((-((dx * dx + dy * dy) as f64) / (2.0 * sigma * sigma)).exp());
        }
    }
    let total: f64 = weights.iter().sum();
    weights.iter_mut().for_each(|w| *w /= total);
    Kernel::new(side, weights)
}

/// Every channel of the image tensor correlated with `kernel` (mirrored borders).
fn blur(x: &Tensor<f32>, kernel: &Kernel) -> Result<Tensor<f32>> {
    let (h, w) = (x.shape()[2], x.shape()[3]);
    let planes: Vec<f64> = x.data().iter().map(|&v| f64::from(v)).collect();
    let out = correlate(&planes, h, w, kernel, Border::Reflect)?;
    Tensor::new(x.shape(), out.into_iter().map(|v| v as f32).collect())
}

/// The median of each pixel's `k x k` neighbourhood (mirrored borders), channel by channel.
pub fn median(x: &Tensor<f32>, k: usize) -> Result<Tensor<f32>> {
    let (h, w, r) = (x.shape()[2], x.shape()[3], (k / 2) as isize);
    let mut out = Vec::with_capacity(x.len());
    let mut window = Vec::with_capacity(k * k);
    for plane in x.data().chunks(h * w) {
        for y in 0..h as isize {
            for xx in 0..w as isize {
                window.clear();
                for dy in -r..=r {
                    let sy = Border::Reflect.source(y + dy, h).unwrap_or(0);
                    for dx in -r..=r {
                        let sx = Border::Reflect.source(xx + dx, w).unwrap_or(0);
                        window.push(plane[sy * w + sx]);
                    }
                }
                let mid = window.len() / 2;
                let (_, m, _) = window.select_nth_unstable_by(mid, f32::total_cmp);
                out.push(*m);
            }
        }
    }
    Tensor::new(x.shape(), out)
}

/// Hidden pixels filled with the Gaussian-weighted mean of the kept ones around them,
/// `G * (m ⊙ y) / G * m`; kept pixels unchanged (grey where no kept pixel is near).
fn interpolate(x: &Tensor<f32>, keep: &[bool], sigma: f64) -> Result<Tensor<f32>> {
    let (h, w) = (x.shape()[2], x.shape()[3]);
    let kernel = gaussian(sigma)?;
    let m: Vec<f32> = keep.iter().map(|&k| f32::from(u8::from(k))).collect();
    let masked: Vec<f32> = x
        .data()
        .iter()
        .enumerate()
        .map(|(i, &v)| v * m[i % (h * w)])
        .collect();
    let num = blur(&Tensor::new(x.shape(), masked)?, &kernel)?;
    let den = blur(&Tensor::new(&[1, 1, h, w], m)?, &kernel)?;
    let mut out = x.data().to_vec();
    for (i, v) in out.iter_mut().enumerate() {
        let p = i % (h * w);
        if !keep[p] {
            let d = den.data()[p];
            *v = if d > 1e-6 { num.data()[i] / d } else { 0.0 };
        }
    }
    Tensor::new(x.shape(), out)
}

/// The small image brought back to full size by chapter 10's upsampling.
fn upsample(x: &Tensor<f32>, factor: usize, bilinear: bool) -> Result<Tensor<f32>> {
    let mut g = Graph::new();
    let v = g.constant(x.clone());
    let y = if bilinear {
        g.upsample_bilinear(v, factor)?
    } else {
        g.upsample_nearest(v, factor)?
    };
    Ok(g.value(y).clone())
}
