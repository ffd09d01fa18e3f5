//! NumPy's `.npy` format, so data and results move to and from Python
//! (`np.load` / `np.save`). Layout: the magic `\x93NUMPY`, a version (1.0 written; 1.0,
//! 2.0 and 3.0 read), the header length (`u16` in 1.0, `u32` after), a Python dict literal
//! such as `{'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), }` padded with spaces
//! and a newline so the data start on a 64-byte boundary, then the values in C order.
//! Element types: `<f4`, `<f8`, `<i8` and `|u1` (little-endian).

use crate::error::{Error, Location, Result};
use crate::linalg::Matrix;

/// The values of an array, by element type.
#[derive(Clone, Debug, PartialEq)]
pub enum NpyData {
    F32(Vec<f32>),
    F64(Vec<f64>),
    I64(Vec<i64>),
    U8(Vec<u8>),
}

impl NpyData {
    fn len(&self) -> usize {
        match self {
            NpyData::F32(v) => v.len(),
            NpyData::F64(v) => v.len(),
            NpyData::I64(v) => v.len(),
            NpyData::U8(v) => v.len(),
        }
    }
    /// Bytes per element.
    pub fn width(&self) -> usize {
        match self {
            NpyData::F32(_) => 4,
            NpyData::F64(_) | NpyData::I64(_) => 8,
            NpyData::U8(_) => 1,
        }
    }
    fn descr(&self) -> &'static str {
        match self {
            NpyData::F32(_) => "<f4",
            NpyData::F64(_) => "<f8",
            NpyData::I64(_) => "<i8",
            NpyData::U8(_) => "|u1",
        }
    }
}

/// An n-dimensional array as `.npy` stores it (C order).
#[derive(Clone, Debug, PartialEq)]
pub struct Npy {
    pub shape: Vec<usize>,
    pub data: NpyData,
}

const MAGIC: &[u8] = b"\x93NUMPY";

impl Npy {
    /// A 2-D `f64` array from a matrix.
    pub fn from_matrix(m: &Matrix<f64>) -> Npy {
        Npy {
            shape: vec![m.rows(), m.cols()],
            data: NpyData::F64(m.as_slice().to_vec()),
        }
    }

    /// The array as an `f64` matrix: 2-D arrays as they are, 1-D arrays as one column.
    pub fn to_matrix(&self) -> Result<Matrix<f64>> {
        let (rows, cols) = match self.shape[..] {
            [n] => (n, 1),
            [r, c] => (r, c),
            _ => {
                return Err(Error::invalid(
                    "shape",
                    format!("{:?}", self.shape),
                    "a matrix needs a 1-D or 2-D array",
                ))
            }
        };
        let data: Vec<f64> = match &self.data {
            NpyData::F32(v) => v.iter().map(|&x| f64::from(x)).collect(),
            NpyData::F64(v) => v.clone(),
            NpyData::I64(v) => v.iter().map(|&x| x as f64).collect(),
            NpyData::U8(v) => v.iter().map(|&x| f64::from(x)).collect(),
        };
        Matrix::new(rows, cols, data)
    }
}

/// The value of `'key': value` in the header dict, as text.
fn dict_value<'a>(header: &'a str, key: &str) -> Option<&'a str> {
    let at = header.find(&format!("'{key}'"))? + key.len() + 2;
    let rest = header[at..].trim_start().strip_prefix(':')?.trim_start();
    let end = if rest.starts_with('(') {
        rest.find(')')? + 1
    } else {
        rest.find([',', '}']).unwrap_or(rest.len())
    };
    Some(rest[..end].trim())
}

// ANCHOR: parse_npy
/// Parses `.npy` bytes; `file` names the input in error messages.
pub fn parse_npy(bytes: &[u8], file: &str) -> Result<Npy> {
    let bad = |at, reason: String| Err(Error::parse(file, at, reason));
    if bytes.len() < 10 {
        return bad(
            Location::File,
            format!(
                "truncated: {} bytes, but an .npy header has at least 10",
                bytes.len()
            ),
        );
    }
    if &bytes[..6] != MAGIC {
        return bad(
            Location::Byte(0),
            "bad magic: an .npy file starts with \\x93NUMPY".into(),
        );
    }
    let (header_len, start) = match bytes[6] {
        1 => (
            usize::from(u16::from_le_bytes([bytes[8], bytes[9]])),
            10usize,
        ),
        2 | 3 if bytes.len() >= 12 => (
            u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize,
            12,
        ),
        v => {
            return bad(
                Location::Byte(6),
                format!("format version {v}.{} is not supported", bytes[7]),
            )
        }
    };
    let Some(header) = bytes.get(start..start.saturating_add(header_len)) else {
        return bad(
            Location::File,
            format!("truncated: the header declares {header_len} bytes"),
        );
    };
    let Ok(header) = std::str::from_utf8(header) else {
        return bad(Location::Byte(start), "the header is not text".into());
    };
    let field = |key: &str| {
        dict_value(header, key).ok_or_else(|| {
            Error::parse(
                file,
                Location::Byte(start),
                format!("the header has no '{key}'"),
            )
        })
    };
    let descr = field("descr")?.trim_matches(['\'', '"']);
    if field("fortran_order")? != "False" {
        return bad(
            Location::Byte(start),
            "Fortran-ordered arrays are not supported (save with np.ascontiguousarray)".into(),
        );
    }
    let shape_text = field("shape")?;
    // Quoted in messages: a damaged header can hold anything, of any length.
    let shown = crate::error::excerpt(shape_text);
    let inner = shape_text.trim_start_matches('(').trim_end_matches(')');
    let mut shape = Vec::new();
    for part in inner.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        match part.parse::<usize>() {
            Ok(d) => shape.push(d),
            Err(_) => {
                return bad(
                    Location::Byte(start),
                    format!("shape {shown} is not a tuple of whole numbers"),
                )
            }
        }
    }
    let Some(count) = shape.iter().try_fold(1usize, |a, &d| a.checked_mul(d)) else {
        return bad(Location::Byte(start), format!("shape {shown} overflows"));
    };
    let body = &bytes[start + header_len..];
    let width = match descr {
        "<f4" => 4,
        "<f8" | "<i8" => 8,
        "|u1" | "<u1" => 1,
        other => {
            return bad(
                Location::Byte(start),
                format!(
                    "element type '{}' is not supported (<f4, <f8, <i8, |u1)",
                    crate::error::excerpt(other)
                ),
            )
        }
    };
    if Some(body.len()) != count.checked_mul(width) {
        return bad(
            Location::File,
            format!(
                "shape {shown} of '{descr}' needs {count} values, the file holds {} bytes of data",
                body.len()
            ),
        );
    }
    let data = match descr {
        "<f4" => NpyData::F32(
            body.chunks_exact(4)
                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                .collect(),
        ),
        "<f8" => NpyData::F64(
            body.chunks_exact(8)
                .map(|b| f64::from_le_bytes(b.try_into().unwrap_or([0; 8])))
                .collect(),
        ),
        "<i8" => NpyData::I64(
            body.chunks_exact(8)
                .map(|b| i64::from_le_bytes(b.try_into().unwrap_or([0; 8])))
                .collect(),
        ),
        _ => NpyData::U8(body.to_vec()),
    };
    Ok(Npy { shape, data })
}
// ANCHOR_END: parse_npy

/// Writes `.npy` version 1.0 bytes.
pub fn write_npy(npy: &Npy) -> Result<Vec<u8>> {
    let count = npy.shape.iter().try_fold(1usize, |a, &d| a.checked_mul(d));
    if count != Some(npy.data.len()) {
        return Err(Error::invalid(
            "shape",
            format!("{:?}", npy.shape),
            format!("does not describe the {} values", npy.data.len()),
        ));
    }
    let dims: Vec<String> = npy.shape.iter().map(usize::to_string).collect();
    let shape = match dims.len() {
        1 => format!("({},)", dims[0]),
        _ => format!("({})", dims.join(", ")),
    };
    let mut header = format!(
        "{{'descr': '{}', 'fortran_order': False, 'shape': {shape}, }}",
        npy.data.descr()
    );
    // Pad with spaces so that magic + version + length + header + '\n' is a multiple of 64.
    let total = MAGIC.len() + 2 + 2 + header.len() + 1;
    header.push_str(&" ".repeat(total.next_multiple_of(64) - total));
    header.push('\n');
    let header_len = u16::try_from(header.len()).map_err(|_| {
        Error::invalid(
            "shape",
            format!("{:?}", npy.shape),
            "header too long for .npy 1.0",
        )
    })?;
    let mut out = Vec::with_capacity(header.len() + 10 + npy.data.len() * 8);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&[1, 0]);
    out.extend_from_slice(&header_len.to_le_bytes());
    out.extend_from_slice(header.as_bytes());
    match &npy.data {
        NpyData::F32(v) => v
            .iter()
            .for_each(|x| out.extend_from_slice(&x.to_le_bytes())),
        NpyData::F64(v) => v
            .iter()
            .for_each(|x| out.extend_from_slice(&x.to_le_bytes())),
        NpyData::I64(v) => v
            .iter()
            .for_each(|x| out.extend_from_slice(&x.to_le_bytes())),
        NpyData::U8(v) => out.extend_from_slice(v),
    }
    Ok(out)
}
