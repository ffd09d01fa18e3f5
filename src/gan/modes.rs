//! Mode collapse, counted: the ring of 8 and grid of 25 Gaussians of VEEGAN and PacGAN, and
//! the score of Lin et al.'s released code (`pacgan/extensions.py`, `MetricLogger`): a
//! sample is high quality when it lies within 3σ of its nearest mode; a mode is captured
//! when at least one high-quality sample is nearest to it.

use crate::datasets::{grid_of_gaussians, ring_of_gaussians};
use crate::error::{Error, Result};

/// How many standard deviations from a mode a sample may be and still count.
pub const QUALITY_RADIUS: f64 = 3.0;

/// A mixture of equal-weight isotropic Gaussians in the plane.
#[derive(Clone, Debug, PartialEq)]
pub struct Mixture2d {
    pub name: &'static str,
    pub means: Vec<[f64; 2]>,
    pub sd: f64,
}

/// How many modes a set of samples covers.
#[derive(Clone, Debug, PartialEq)]
pub struct ModeScore {
    /// Modes with at least one high-quality sample.
    pub modes_captured: usize,
    /// The fraction of samples within [`QUALITY_RADIUS`] σ of their nearest mode.
    pub high_quality: f64,
    /// High-quality samples per mode.
    pub counts: Vec<usize>,
}

impl Mixture2d {
    /// PacGAN's ring (`2DRing_GAN&PacGAN/config.py`): 8 modes on the unit circle, σ = 0.01.
    pub fn ring8() -> Mixture2d {
        Self::ring(8, 1.0, 0.01)
    }
    /// PacGAN's grid (`2DGrid_GAN&PacGAN/config.py`): means {−4, −2, 0, 2, 4}², σ = 0.05.
    pub fn grid25() -> Mixture2d {
        Self::grid(5, 0.05)
    }
    /// `k` modes evenly on a circle of radius `radius`, the first on the positive x axis
    /// (the layout of [`ring_of_gaussians`]).
    pub fn ring(k: usize, radius: f64, sd: f64) -> Mixture2d {
        let means = (0..k)
            .map(|i| {
                let a = std::f64::consts::TAU * i as f64 / k as f64;
                [radius * a.cos(), radius * a.sin()]
            })
            .collect();
        Mixture2d {
            name: "ring",
            means,
            sd,
        }
    }
    /// A `side x side` grid, means 2 apart and centred on 0, row-major (the layout of
    /// [`grid_of_gaussians`]).
    pub fn grid(side: usize, sd: f64) -> Mixture2d {
        let offset = side.saturating_sub(1) as f64;
        let means = (0..side * side)
            .map(|m| {
                [
                    2.0 * (m % side) as f64 - offset,
                    2.0 * (m / side) as f64 - offset,
                ]
            })
            .collect();
        Mixture2d {
            name: "grid",
            means,
            sd,
        }
    }
    /// `n` samples, row-major `(x, y)` pairs, drawn by chapter 0's generators.
    pub fn sample(&self, n: usize, seed: u64) -> Result<Vec<f32>> {
        let data = if self.name == "ring" {
            let radius = self.means.first().map_or(1.0, |m| m[0]);
            ring_of_gaussians(n, self.means.len(), radius, self.sd, seed)?
        } else {
            let side = (self.means.len() as f64).sqrt().round() as usize;
            grid_of_gaussians(n, side, self.sd, seed)?
        };
        Ok(data.x.as_slice().iter().map(|&v| v as f32).collect())
    }

    // ANCHOR: score
    /// Scores samples (row-major `(x, y)` pairs) against the modes.
    pub fn score(&self, samples: &[f32]) -> Result<ModeScore> {
        if samples.is_empty() || !samples.len().is_multiple_of(2) {
            return Err(Error::invalid(
                "samples",
                samples.len(),
                "need a non-empty list of (x, y) pairs",
            ));
        }
        let mut counts = vec![0usize; self.means.len()];
        let mut good = 0;
        for p in samples.chunks(2) {
            let d2 = |m: &[f64; 2]| {
                let (dx, dy) = (f64::from(p[0]) - m[0], f64::from(p[1]) - m[1]);
                dx * dx + dy * dy
            };
            let (best, dist2) = self
                .means
                .iter()
                .enumerate()
                .map(|(i, m)| (i, d2(m)))
                .fold((0, f64::INFINITY), |a, b| if b.1 < a.1 { b } else { a });
            if dist2.sqrt() < QUALITY_RADIUS * self.sd {
                counts[best] += 1;
                good += 1;
            }
        }
        Ok(ModeScore {
            modes_captured: counts.iter().filter(|&&c| c > 0).count(),
            high_quality: good as f64 / (samples.len() / 2) as f64,
            counts,
        })
    }
    // ANCHOR_END: score
}
