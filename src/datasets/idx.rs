//! MNIST's IDX format: a 4-byte magic (two zero bytes, an element-type code, the number of
//! dimensions), one big-endian `u32` per dimension, then the values row-major. Only unsigned
//! bytes (type `0x08`) are read, which is what the MNIST images and labels use; the reader
//! takes the full 60,000 + 10,000 MNIST files as well as the embedded 10,000.

use crate::error::{Error, Location, Result};

/// An IDX array of unsigned bytes.
#[derive(Clone, Debug, PartialEq)]
pub struct Idx {
    /// Dimensions, outermost first: `[10000, 28, 28]` for MNIST images, `[10000]` for labels.
    pub dims: Vec<usize>,
    pub data: Vec<u8>,
}

// ANCHOR: parse_idx
/// Parses IDX bytes; `file` names the input in error messages.
pub fn parse_idx(bytes: &[u8], file: &str) -> Result<Idx> {
    let bad = |at, reason: String| Err(Error::parse(file, at, reason));
    if bytes.len() < 4 {
        return bad(
            Location::File,
            format!(
                "truncated: {} bytes, but an IDX header has at least 4",
                bytes.len()
            ),
        );
    }
    if bytes[0] != 0 || bytes[1] != 0 {
        return bad(
            Location::Byte(0),
            format!(
                "bad magic {:02x} {:02x}: an IDX file starts with two zero bytes",
                bytes[0], bytes[1]
            ),
        );
    }
    if bytes[2] != 0x08 {
        return bad(
            Location::Byte(2),
            format!(
                "element type 0x{:02x} is not supported (only 0x08, unsigned bytes)",
                bytes[2]
            ),
        );
    }
    let ndim = usize::from(bytes[3]);
    if ndim == 0 {
        return bad(Location::Byte(3), "zero dimensions".into());
    }
    let header = 4 + 4 * ndim;
    if bytes.len() < header {
        return bad(
            Location::File,
            format!(
                "truncated: {ndim} dimensions need a {header}-byte header, the file has {} bytes",
                bytes.len()
            ),
        );
    }
    let dims: Vec<usize> = bytes[4..header]
        .chunks_exact(4)
        .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize)
        .collect();
    let Some(count) = dims.iter().try_fold(1usize, |acc, &d| acc.checked_mul(d)) else {
        return bad(
            Location::Byte(4),
            format!("declared size {dims:?} overflows"),
        );
    };
    let held = bytes.len() - header;
    if held != count {
        return bad(
            Location::File,
            format!("declared size {dims:?} = {count} values, but the file holds {held}"),
        );
    }
    Ok(Idx {
        dims,
        data: bytes[header..].to_vec(),
    })
}
// ANCHOR_END: parse_idx

/// Writes an IDX array of unsigned bytes.
pub fn write_idx(idx: &Idx) -> Result<Vec<u8>> {
    let count: Option<usize> = idx.dims.iter().try_fold(1usize, |a, &d| a.checked_mul(d));
    if count != Some(idx.data.len()) || idx.dims.is_empty() || idx.dims.len() > 255 {
        return Err(Error::invalid(
            "dims",
            format!("{:?}", idx.dims),
            format!("do not describe the {} values", idx.data.len()),
        ));
    }
    let mut out = vec![0, 0, 0x08, idx.dims.len() as u8];
    for &d in &idx.dims {
        let d = u32::try_from(d)
            .map_err(|_| Error::invalid("dimension", d, "does not fit in 32 bits"))?;
        out.extend_from_slice(&d.to_be_bytes());
    }
    out.extend_from_slice(&idx.data);
    Ok(out)
}
