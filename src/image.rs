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
}
