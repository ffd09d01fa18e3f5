//! The 8-bit image every chapter that shows or reads pictures shares: the photos of
//! `datasets`, the PNGs of `plot`, the quantized images of chapter 4.

use crate::error::{Error, Result};

/// An 8-bit image, row-major, channels interleaved (RGB RGB … for colour).
#[derive(Clone, Debug, PartialEq)]
pub struct Image {
    pub width: usize,
    pub height: usize,
    /// 1 for grey, 3 for RGB.
    pub channels: usize,
    pub pixels: Vec<u8>,
}

impl Image {
    /// An image from its pixels; `pixels.len()` must be `width * height * channels`.
    pub fn new(width: usize, height: usize, channels: usize, pixels: Vec<u8>) -> Result<Image> {
        if channels != 1 && channels != 3 {
            return Err(Error::invalid(
                "channels",
                channels,
                "must be 1 (grey) or 3 (RGB)",
            ));
        }
        let expected = width
            .checked_mul(height)
            .and_then(|p| p.checked_mul(channels));
        if expected != Some(pixels.len()) {
            return Err(Error::BadLength {
                what: "Image pixels",
                expected: expected.unwrap_or(usize::MAX),
                actual: pixels.len(),
            });
        }
        Ok(Image {
            width,
            height,
            channels,
            pixels,
        })
    }

    /// The pixel at column `x`, row `y`: `channels` samples.
    pub fn pixel(&self, x: usize, y: usize) -> &[u8] {
        let at = (y * self.width + x) * self.channels;
        &self.pixels[at..at + self.channels]
    }

    /// The image shrunk `factor` times by averaging `factor x factor` blocks (rows and
    /// columns that do not fill a block are dropped): the photos at chapter 15's sizes.
    pub fn downscale(&self, factor: usize) -> Result<Image> {
        let (w, h) = (self.width / factor.max(1), self.height / factor.max(1));
        if factor == 0 || w == 0 || h == 0 {
            return Err(Error::invalid(
                "factor",
                factor,
                format!(
                    "must be between 1 and the image's smaller side ({})",
                    self.width.min(self.height)
                ),
            ));
        }
        let c = self.channels;
        let mut pixels = Vec::with_capacity(w * h * c);
        for y in 0..h {
            for x in 0..w {
                for ch in 0..c {
                    let mut sum = 0u32;
                    for dy in 0..factor {
                        for dx in 0..factor {
                            sum += u32::from(self.pixel(x * factor + dx, y * factor + dy)[ch]);
                        }
                    }
                    pixels.push(((sum as f64) / (factor * factor) as f64).round() as u8);
                }
            }
        }
        Image::new(w, h, c, pixels)
    }
}
