//! Data shown as pictures: rows of a matrix as small images, tiled into one grid, enlarged.

use crate::error::{Error, Result};
use crate::image::Image;
use crate::linalg::Matrix;

// ANCHOR: image_grid
/// Tiles `images` (each `height x width x channels` bytes, row-major) into a grid of `cols`
/// columns with `pad` pixels of white between them: a page of digits.
pub fn image_grid(
    images: &[&[u8]],
    height: usize,
    width: usize,
    channels: usize,
    cols: usize,
    pad: usize,
) -> Result<Image> {
    if images.is_empty() || cols == 0 {
        return Err(Error::invalid(
            "images",
            images.len(),
            "need at least one image and one column",
        ));
    }
    let size = height * width * channels;
    if let Some(i) = images.iter().position(|im| im.len() != size) {
        return Err(Error::invalid(
            "images",
            format!("[{i}] has {} bytes", images[i].len()),
            format!("every image must have {height} x {width} x {channels} = {size}"),
        ));
    }
    let rows = images.len().div_ceil(cols);
    let (gw, gh) = (cols * (width + pad) + pad, rows * (height + pad) + pad);
    let mut pixels = vec![255u8; gw * gh * channels];
    for (k, im) in images.iter().enumerate() {
        let (top, left) = (
            pad + (k / cols) * (height + pad),
            pad + (k % cols) * (width + pad),
        );
        for y in 0..height {
            let dst = ((top + y) * gw + left) * channels;
            pixels[dst..dst + width * channels]
                .copy_from_slice(&im[y * width * channels..(y + 1) * width * channels]);
        }
    }
    Image::new(gw, gh, channels, pixels)
}
// ANCHOR_END: image_grid

/// The image enlarged `factor` times by repeating pixels (8 x 8 digits become visible).
pub fn upscale(image: &Image, factor: usize) -> Image {
    let f = factor.max(1);
    let (w, h, c) = (image.width * f, image.height * f, image.channels);
    let mut pixels = Vec::with_capacity(w * h * c);
    for y in 0..h {
        for x in 0..w {
            pixels.extend_from_slice(image.pixel(x / f, y / f));
        }
    }
    Image {
        width: w,
        height: h,
        channels: c,
        pixels,
    }
}

/// Scales values in [lo, hi] to bytes 0..=255 (clamping outside), for showing a data row as
/// an image; `invert` maps lo to white (ink on paper, as digits are usually drawn).
pub fn to_bytes(values: &[f64], lo: f64, hi: f64, invert: bool) -> Vec<u8> {
    let span = if hi > lo { hi - lo } else { 1.0 };
    values
        .iter()
        .map(|&v| {
            let g = (((v - lo) / span).clamp(0.0, 1.0) * 255.0).round() as u8;
            if invert {
                255 - g
            } else {
                g
            }
        })
        .collect()
}

/// The first `count` rows of `x` as `side x side` grey images (values from `lo` to `hi`,
/// `invert` for ink on paper), each enlarged `factor` times, tiled 20 to a row.
pub fn rows_as_images(
    x: &Matrix<f64>,
    count: usize,
    side: usize,
    (lo, hi): (f64, f64),
    invert: bool,
    factor: usize,
) -> Result<Image> {
    let images: Vec<Vec<u8>> = (0..count.min(x.rows()))
        .map(|i| {
            let small = Image::new(side, side, 1, to_bytes(x.row(i), lo, hi, invert))?;
            Ok(upscale(&small, factor).pixels)
        })
        .collect::<Result<_>>()?;
    let refs: Vec<&[u8]> = images.iter().map(Vec::as_slice).collect();
    image_grid(&refs, side * factor, side * factor, 1, 20, 2)
}
