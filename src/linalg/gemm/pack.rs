//! Packing: each block of A and B copied once into the order the micro-kernel reads it,
//! into 64-byte aligned scratch buffers.

use super::{MatRef, Scalar};

// ANCHOR: pack
/// Packs a `rows x depth` block into `w`-tall strips: strip s holds, for p = 0..depth, the
/// w values `src[s·w .. s·w + w, p]`, zero-padded past the last row. The kernel then reads
/// each operand as one contiguous run. A is packed as it is (strips of mr rows); B is packed
/// as `Bᵀ` (strips of nr columns), so one function serves both.
pub(super) fn pack<T: Scalar>(dst: &mut [T], src: MatRef<'_, T>, w: usize) {
    pack_steps(dst, src, w, (src.cols(), 0));
}

/// [`pack`] into strips `depth` steps deep, of which `src` fills `from..from + src.cols()`:
/// an operand can be packed from pieces.
pub(super) fn pack_steps<T: Scalar>(
    dst: &mut [T],
    src: MatRef<'_, T>,
    w: usize,
    (depth, from): (usize, usize),
) {
    let rows = src.rows();
    let steps = from..from + src.cols();
    if steps.is_empty() {
        return;
    }
    if src.rs == 1 {
        // For each p the source's `rows` values are adjacent (B row-major, or Aᵀ): read each
        // run once, front to back, and deal it out over the strips.
        for (i, p) in steps.enumerate() {
            let run = &src.data[i * src.cs..i * src.cs + rows];
            for (s, piece) in run.chunks(w).enumerate() {
                let out = &mut dst[(s * depth + p) * w..(s * depth + p + 1) * w];
                for (o, &x) in out.iter_mut().zip(piece) {
                    *o = x;
                }
                out[piece.len()..].fill(T::ZERO);
            }
        }
        return;
    }
    // Otherwise each source row is contiguous along p (A row-major): for each p, gather the
    // strip's w values from w rows (each row's cache line serves the next 8 or 16 p) and
    // write them as one contiguous run.
    for (s, i0) in (0..rows).step_by(w).enumerate() {
        let strip = &mut dst[s * depth * w..(s + 1) * depth * w];
        let height = w.min(rows - i0);
        let row_starts: Vec<&[T]> = (0..height)
            .map(|i| {
                &src.data[(i0 + i) * src.rs..(i0 + i) * src.rs + (steps.len() - 1) * src.cs + 1]
            })
            .collect();
        for (i, out) in strip[from * w..steps.end * w]
            .chunks_exact_mut(w)
            .enumerate()
        {
            for (o, row) in out.iter_mut().zip(&row_starts) {
                *o = row[i * src.cs];
            }
            out[height..].fill(T::ZERO);
        }
    }
}
// ANCHOR_END: pack

/// A slice of `len` values starting on a 64-byte boundary, carved from `buf` (grown if
/// needed): a vector load from a packed strip then never straddles two cache lines. Old
/// contents are left in place; packing overwrites every value the kernel reads.
pub(super) fn aligned<T: Scalar>(buf: &mut Vec<T>, len: usize) -> &mut [T] {
    const ALIGN: usize = 64;
    let need = len + ALIGN / std::mem::size_of::<T>();
    if buf.len() < need {
        *buf = vec![T::ZERO; need];
    }
    let offset = buf.as_ptr().align_offset(ALIGN).min(buf.len() - len);
    &mut buf[offset..offset + len]
}
