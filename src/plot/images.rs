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

/// Rows of a 5 x 7 glyph, top first, the leftmost pixel in bit 4 (blank for anything but
/// A–Z, 0–9 and `= > . -`): the one bitmap font of the crate, for labels inside PNG figures
/// and chapter 16's text mask.
pub fn glyph(c: char) -> [u8; 7] {
    const LETTERS: [[u8; 7]; 26] = [
        [0x0E, 0x11, 0x11, 0x1F, 0x11, 0x11, 0x11], // A
        [0x1E, 0x11, 0x11, 0x1E, 0x11, 0x11, 0x1E], // B
        [0x0E, 0x11, 0x10, 0x10, 0x10, 0x11, 0x0E], // C
        [0x1E, 0x11, 0x11, 0x11, 0x11, 0x11, 0x1E], // D
        [0x1F, 0x10, 0x10, 0x1E, 0x10, 0x10, 0x1F], // E
        [0x1F, 0x10, 0x10, 0x1E, 0x10, 0x10, 0x10], // F
        [0x0E, 0x11, 0x10, 0x17, 0x11, 0x11, 0x0F], // G
        [0x11, 0x11, 0x11, 0x1F, 0x11, 0x11, 0x11], // H
        [0x0E, 0x04, 0x04, 0x04, 0x04, 0x04, 0x0E], // I
        [0x07, 0x02, 0x02, 0x02, 0x02, 0x12, 0x0C], // J
        [0x11, 0x12, 0x14, 0x18, 0x14, 0x12, 0x11], // K
        [0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x1F], // L
        [0x11, 0x1B, 0x15, 0x15, 0x11, 0x11, 0x11], // M
        [0x11, 0x11, 0x19, 0x15, 0x13, 0x11, 0x11], // N
        [0x0E, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0E], // O
        [0x1E, 0x11, 0x11, 0x1E, 0x10, 0x10, 0x10], // P
        [0x0E, 0x11, 0x11, 0x11, 0x15, 0x12, 0x0D], // Q
        [0x1E, 0x11, 0x11, 0x1E, 0x14, 0x12, 0x11], // R
        [0x0F, 0x10, 0x10, 0x0E, 0x01, 0x01, 0x1E], // S
        [0x1F, 0x04, 0x04, 0x04, 0x04, 0x04, 0x04], // T
        [0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0E], // U
        [0x11, 0x11, 0x11, 0x11, 0x11, 0x0A, 0x04], // V
        [0x11, 0x11, 0x11, 0x15, 0x15, 0x15, 0x0A], // W
        [0x11, 0x11, 0x0A, 0x04, 0x0A, 0x11, 0x11], // X
        [0x11, 0x11, 0x0A, 0x04, 0x04, 0x04, 0x04], // Y
        [0x1F, 0x01, 0x02, 0x04, 0x08, 0x10, 0x1F], // Z
    ];
    const DIGITS: [[u8; 7]; 10] = [
        [0x0E, 0x11, 0x13, 0x15, 0x19, 0x11, 0x0E], // 0
        [0x04, 0x0C, 0x04, 0x04, 0x04, 0x04, 0x0E], // 1
        [0x0E, 0x11, 0x01, 0x02, 0x04, 0x08, 0x1F], // 2
        [0x1F, 0x02, 0x04, 0x02, 0x01, 0x11, 0x0E], // 3
        [0x02, 0x06, 0x0A, 0x12, 0x1F, 0x02, 0x02], // 4
        [0x1F, 0x10, 0x1E, 0x01, 0x01, 0x11, 0x0E], // 5
        [0x06, 0x08, 0x10, 0x1E, 0x11, 0x11, 0x0E], // 6
        [0x1F, 0x01, 0x02, 0x04, 0x08, 0x08, 0x08], // 7
        [0x0E, 0x11, 0x11, 0x0E, 0x11, 0x11, 0x0E], // 8
        [0x0E, 0x11, 0x11, 0x0F, 0x01, 0x02, 0x0C], // 9
    ];
    match c {
        'A'..='Z' => LETTERS[c as usize - 'A' as usize],
        '0'..='9' => DIGITS[c as usize - '0' as usize],
        '=' => [0x00, 0x00, 0x1F, 0x00, 0x1F, 0x00, 0x00],
        '>' => [0x08, 0x04, 0x02, 0x01, 0x02, 0x04, 0x08],
        '.' => [0x00, 0x00, 0x00, 0x00, 0x00, 0x0C, 0x0C],
        '-' => [0x00, 0x00, 0x00, 0x1F, 0x00, 0x00, 0x00],
        _ => [0; 7],
    }
}

/// `image` (`height x width x channels`) with a white strip below it holding `text`,
/// centred, in the 5 x 7 font at `scale`: the tile for a grid whose images need a label
/// (a digit's true and predicted class, a quantizer's K). The tile is
/// `height + 9 scale` rows tall; text wider than the image is cut at its edge.
pub fn captioned(
    image: &[u8],
    height: usize,
    width: usize,
    channels: usize,
    text: &str,
    scale: usize,
) -> Vec<u8> {
    let scale = scale.max(1);
    let strip = 9 * scale;
    let mut out = image.to_vec();
    out.resize((height + strip) * width * channels, 255);
    let text_width = (6 * text.chars().count()).saturating_sub(1) * scale;
    let left = width.saturating_sub(text_width) / 2;
    for (k, ch) in text.chars().enumerate() {
        for (gy, bits) in glyph(ch).iter().enumerate() {
            for gx in 0..5 {
                if bits >> (4 - gx) & 1 == 0 {
                    continue;
                }
                for dy in 0..scale {
                    for dx in 0..scale {
                        let (x, y) = (
                            left + (6 * k + gx) * scale + dx,
                            height + scale + gy * scale + dy,
                        );
                        if x < width {
                            let at = (y * width + x) * channels;
                            out[at..at + channels].fill(0);
                        }
                    }
                }
            }
        }
    }
    out
}
