//! Netpbm images: binary greyscale (`P5`, PGM) and colour (`P6`, PPM), 8 bits per sample.
//! Header: the magic, width, height and maximum value as ASCII numbers separated by white
//! space (with `#` comments), one white-space byte, then the samples row-major.

use crate::error::{Error, Location, Result};
use crate::image::Image;

/// Reads the next header token (a run of non-white-space), skipping white space and
/// `#` comments; returns it and the offset just past it.
fn token<'a>(bytes: &'a [u8], mut at: usize, file: &str, what: &str) -> Result<(&'a [u8], usize)> {
    loop {
        match bytes.get(at) {
            Some(b) if b.is_ascii_whitespace() => at += 1,
            Some(b'#') => {
                while bytes.get(at).is_some_and(|&b| b != b'\n') {
                    at += 1;
                }
            }
            Some(_) => break,
            None => {
                return Err(Error::parse(
                    file,
                    Location::Byte(at),
                    format!("truncated header: expected the {what}"),
                ))
            }
        }
    }
    let start = at;
    while bytes.get(at).is_some_and(|b| !b.is_ascii_whitespace()) {
        at += 1;
    }
    Ok((&bytes[start..at], at))
}

fn number(bytes: &[u8], at: usize, file: &str, what: &str) -> Result<(usize, usize)> {
    let (tok, end) = token(bytes, at, file, what)?;
    let text = std::str::from_utf8(tok).unwrap_or("");
    match text.parse::<usize>() {
        Ok(v) => Ok((v, end)),
        Err(_) => Err(Error::parse(
            file,
            Location::Byte(end - tok.len()),
            format!(
                "the {what} `{}` is not a whole number",
                crate::error::excerpt(&String::from_utf8_lossy(tok))
            ),
        )),
    }
}

// ANCHOR: parse_pnm
/// Parses a binary PGM (`P5`) or PPM (`P6`) with at most 8 bits per sample.
pub fn parse_pnm(bytes: &[u8], file: &str) -> Result<Image> {
    let channels = match bytes.get(..2) {
        Some(b"P5") => 1,
        Some(b"P6") => 3,
        _ => {
            return Err(Error::parse(
                file,
                Location::Byte(0),
                "bad magic: expected P5 (greyscale) or P6 (colour)",
            ))
        }
    };
    let (width, at) = number(bytes, 2, file, "width")?;
    let (height, at) = number(bytes, at, file, "height")?;
    let (maxval, at) = number(bytes, at, file, "maximum value")?;
    if maxval == 0 || maxval > 255 {
        return Err(Error::parse(
            file,
            Location::Byte(at),
            format!("maximum value {maxval} is not supported (1 to 255)"),
        ));
    }
    if width == 0 || height == 0 {
        return Err(Error::parse(
            file,
            Location::Byte(at),
            format!("empty image: {width} x {height}"),
        ));
    }
    // Exactly one white-space byte separates the header from the samples.
    if !bytes.get(at).is_some_and(u8::is_ascii_whitespace) {
        return Err(Error::parse(
            file,
            Location::Byte(at),
            "expected one white-space byte after the header",
        ));
    }
    let start = at + 1;
    let count = width
        .checked_mul(height)
        .and_then(|p| p.checked_mul(channels));
    let Some(count) = count else {
        return Err(Error::parse(
            file,
            Location::Byte(2),
            format!("declared size {width} x {height} overflows"),
        ));
    };
    let held = bytes.len() - start;
    if held != count {
        return Err(Error::parse(file, Location::File, format!("{width} x {height} x {channels} = {count} samples declared, but the file holds {held}")));
    }
    Image::new(width, height, channels, bytes[start..].to_vec())
}
// ANCHOR_END: parse_pnm

/// Writes a binary PGM (grey) or PPM (RGB).
pub fn write_pnm(image: &Image) -> Vec<u8> {
    let magic = if image.channels == 1 { "P5" } else { "P6" };
    let mut out = format!("{magic}\n{} {}\n255\n", image.width, image.height).into_bytes();
    out.extend_from_slice(&image.pixels);
    out
}
