//! Saving and loading a model's parameters.
//!
//! The format, all integers little-endian:
//!
//! ```text
//! magic      8 bytes  "UNSUPNN\0"
//! version    u32      1
//! elem size  u32      4 (f32) or 8 (f64)
//! count      u32      number of tensors
//! count x {  name length u32, name (UTF-8), ndim u32, ndim x u64 dims, values }
//! checksum   u64      FNV-1a of every byte before it
//! ```
//!
//! Tensors are matched to the model by name and shape, so a file of another architecture
//! is refused with the first name or shape that differs. Saving goes through
//! [`crate::files::write_atomically`], so a crash never leaves half a model behind.

use super::Layer;
use crate::error::{Error, Location, Result};
use crate::files::write_atomically;
use crate::linalg::Scalar;
use std::path::Path;

const MAGIC: &[u8; 8] = b"UNSUPNN\0";
const VERSION: u32 = 1;

/// FNV-1a, 64 bits: catches flipped and truncated bytes (not an adversary).
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// The file's bytes for a model's parameters (statistics included).
pub fn to_bytes<T: Scalar>(model: &impl Layer<T>) -> Vec<u8> {
    let params = model.params();
    let size = std::mem::size_of::<T>();
    let mut out = Vec::new();
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&VERSION.to_le_bytes());
    out.extend_from_slice(&(size as u32).to_le_bytes());
    out.extend_from_slice(&(params.len() as u32).to_le_bytes());
    for p in params {
        out.extend_from_slice(&(p.name.len() as u32).to_le_bytes());
        out.extend_from_slice(p.name.as_bytes());
        out.extend_from_slice(&(p.value().ndim() as u32).to_le_bytes());
        for &d in p.value().shape() {
            out.extend_from_slice(&(d as u64).to_le_bytes());
        }
        for &v in p.value().data() {
            if size == 4 {
                out.extend_from_slice(&(v.to_f64() as f32).to_le_bytes());
            } else {
                out.extend_from_slice(&v.to_f64().to_le_bytes());
            }
        }
    }
    let sum = fnv1a(&out);
    out.extend_from_slice(&sum.to_le_bytes());
    out
}

/// Writes the model to `path` atomically ([`write_atomically`]).
pub fn save<T: Scalar>(model: &impl Layer<T>, path: &Path) -> Result<()> {
    write_atomically(path, &to_bytes(model))
}

/// A cursor over the file that turns running off the end into an error with the offset.
struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
    file: &'a str,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize, what: &str) -> Result<&'a [u8]> {
        let end = self.at.checked_add(n).filter(|&e| e <= self.bytes.len());
        let Some(end) = end else {
            return Err(Error::parse(
                self.file,
                Location::Byte(self.at),
                format!("file ends inside {what} (truncated?)"),
            ));
        };
        let s = &self.bytes[self.at..end];
        self.at = end;
        Ok(s)
    }
    fn u32(&mut self, what: &str) -> Result<u32> {
        Ok(u32::from_le_bytes(
            self.take(4, what)?.try_into().expect("4 bytes"),
        ))
    }
    fn u64(&mut self, what: &str) -> Result<u64> {
        Ok(u64::from_le_bytes(
            self.take(8, what)?.try_into().expect("8 bytes"),
        ))
    }
    fn fail(&self, at: usize, reason: String) -> Error {
        Error::parse(self.file, Location::Byte(at), reason)
    }
}

/// Loads parameters saved by [`to_bytes`] into `model`; `file` names the source in errors.
pub fn from_bytes<T: Scalar>(model: &mut impl Layer<T>, bytes: &[u8], file: &str) -> Result<()> {
    let mut r = Reader { bytes, at: 0, file };
    if r.take(8, "the magic number")? != MAGIC {
        return Err(r.fail(
            0,
            "not a model file of this crate (bad magic number)".into(),
        ));
    }
    // Check the checksum first: every later error is then about a well-formed file.
    let body = bytes.len() - 8;
    let stored = u64::from_le_bytes(bytes[body..].try_into().expect("8 bytes"));
    if body < 20 || fnv1a(&bytes[..body]) != stored {
        return Err(r.fail(
            body,
            "checksum mismatch: the file is truncated or corrupted".into(),
        ));
    }
    let r_bytes = &bytes[..body];
    let mut r = Reader {
        bytes: r_bytes,
        at: 8,
        file,
    };
    let version = r.u32("the version")?;
    if version != VERSION {
        return Err(r.fail(
            8,
            format!("version {version}, this build reads version {VERSION}"),
        ));
    }
    let size = r.u32("the element size")? as usize;
    if size != std::mem::size_of::<T>() {
        return Err(r.fail(
            12,
            format!(
                "holds {size}-byte numbers, the model uses {}-byte numbers",
                std::mem::size_of::<T>()
            ),
        ));
    }
    let count = r.u32("the tensor count")? as usize;
    let mut params = model.params_mut();
    if count != params.len() {
        return Err(r.fail(
            16,
            format!(
                "holds {count} tensors, the model has {} (a different architecture?)",
                params.len()
            ),
        ));
    }
    // Read all tensors before changing the model, so a bad file leaves it as it was.
    let mut values = Vec::with_capacity(count);
    for p in params.iter() {
        let start = r.at;
        let len = r.u32("a name length")? as usize;
        let name = std::str::from_utf8(r.take(len, "a name")?)
            .map_err(|_| r.fail(start + 4, "a name is not UTF-8".into()))?;
        if name != p.name {
            return Err(r.fail(
                start,
                format!(
                    "tensor {name:?} where the model has {:?} (a different architecture?)",
                    p.name
                ),
            ));
        }
        let ndim = r.u32("a rank")? as usize;
        let shape = (0..ndim)
            .map(|_| r.u64("a dimension").map(|d| d as usize))
            .collect::<Result<Vec<_>>>()?;
        if shape != p.value().shape() {
            return Err(r.fail(
                start,
                format!(
                    "{name} has shape {shape:?} in the file and {:?} in the model",
                    p.value().shape()
                ),
            ));
        }
        let values_at = r.at;
        let raw = r.take(p.value().len() * size, "a tensor's values")?;
        let data: Vec<T> = raw
            .chunks_exact(size)
            .map(|c| match size {
                4 => T::from_f64(f64::from(f32::from_le_bytes(
                    c.try_into().expect("4 bytes"),
                ))),
                _ => T::from_f64(f64::from_le_bytes(c.try_into().expect("8 bytes"))),
            })
            .collect();
        // A model with a NaN or infinite parameter answers NaN to everything.
        if let Some(i) = data.iter().position(|v| !v.to_f64().is_finite()) {
            return Err(r.fail(
                values_at + i * size,
                format!(
                    "{name}[{i}] (flat index) is {}: a model's parameters must be finite",
                    data[i].to_f64()
                ),
            ));
        }
        values.push(data);
    }
    if r.at != r_bytes.len() {
        return Err(r.fail(r.at, "extra bytes after the last tensor".into()));
    }
    for (p, data) in params.iter_mut().zip(values) {
        p.value_mut().data_mut().copy_from_slice(&data);
    }
    Ok(())
}

/// Loads `path` into `model` (see [`from_bytes`]).
pub fn load<T: Scalar>(model: &mut impl Layer<T>, path: &Path) -> Result<()> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    from_bytes(model, &bytes, &path.display().to_string())
}
