//! General matrix multiply, `C ← α A B + β C`, the way BLIS and `matrixmultiply` do it.
//!
//! Five loops around a micro-kernel (Goto and van de Geijn 2008; Van Zee and van de Geijn,
//! "BLIS", 2015):
//!
//! ```text
//! loop 5  jc: split n into nc-wide column panels of B and C
//! loop 4  pc: split k into kc-deep slices; pack B[pc.., jc..] into nr-wide strips   (≈ L3)
//! loop 3  ic: split m into mc-tall row blocks; pack A[ic.., pc..] into mr-tall strips (≈ L2)
//! loop 2  jr: one nr-wide strip of packed B                                          (≈ L1)
//! loop 1  ir: one mr-tall strip of packed A
//! kernel    : C[mr x nr] += Σₚ a_p b_pᵀ, mr·nr accumulators held in vector registers
//! ```
//!
//! Packing copies each block once into the exact order the kernel reads it, so the kernel
//! walks two contiguous arrays and every cache line it loads is used whole. Block sizes live
//! in [`Tile`]. The parts, each in its own file:
//! - `pack.rs`: packing (`pack`, `pack_steps`) and the aligned scratch buffers;
//! - `kernel.rs`: the micro-kernels, portable and explicit-vector;
//! - `tiles.rs`: per element type and instruction set, the register tile and block sizes
//!   that pick a kernel, behind one runtime dispatch.
//!
//! Threads split C into bands of rows. Every entry of C is still accumulated in the same
//! order (k-slices in order, `p` in order inside a slice), whichever band and thread computes
//! it, so the product is bit-identical for any thread count.

use super::kernels::Isa;
use super::matrix::{MatRef, Matrix};
use super::threads::par_chunks_mut;
use super::Exec;
use super::Scalar;
use crate::error::{Error, Result};

mod kernel;
mod pack;
mod tiles;

use pack::{pack, pack_steps};

/// Below this many multiply-adds (`m·n·k`) GEMM stays on one thread. A scoped spawn and join
/// costs 35–42 µs here (`linalg/spawn` in the benches) and a second thread saves half the
/// work's time, so splitting pays from ~3.5·10⁶ multiply-adds at 50·10⁹ per second.
pub const PARALLEL_MIN_WORK: usize = 1 << 22;

/// A micro-kernel: computes the `mr x nr` tile `C ← α (Ã B̃) + β C` from packed strips
/// `a` (`kc·MR` values) and `b` (`kc·NR` values); `c` starts at the tile's top-left entry.
/// `unsafe` because the AVX variants require the CPU features they were compiled for.
/// NOTE: α and β come by reference so that they stay in memory during the p loop: held in
/// registers they pushed the AVX2 tile (12 of 16 registers for accumulators) into spilling an
/// accumulator, which halved its speed.
type KernelFn<T> =
    unsafe fn(a: &[T], b: &[T], c: &mut [T], ldc: usize, mr: usize, nr: usize, alpha: &T, beta: &T);

// ANCHOR: tile
/// One instruction set's micro-kernel and the block sizes that suit it.
#[derive(Clone, Copy)]
pub struct Tile<T> {
    /// Rows and columns of the register tile.
    pub mr: usize,
    pub nr: usize,
    /// Depth of a k-slice: a kc x nr strip of B should stay in L1.
    pub kc: usize,
    /// Rows of a packed block of A: mc x kc should stay in L2.
    pub mc: usize,
    /// Columns of a packed panel of B: kc x nc should stay in L3.
    pub nc: usize,
    kernel: KernelFn<T>,
}
// ANCHOR_END: tile

/// Ties each element type to its micro-kernels (sealed: implemented for `f32` and `f64`).
pub trait GemmScalar: Sized {
    /// The tile for an instruction-set path the CPU has.
    fn tile(isa: Isa) -> Tile<Self>;
    /// Runs `f` on this thread's two packing buffers, 64-byte aligned, of at least `len_a` and
    /// `len_b` values. Reusing them spares small products an allocation and a zeroing per
    /// call (a quarter of the time of a 64 x 64 product); they keep their largest size, at
    /// most the blocks of [`Tile`] (≈ 9 MB for `f64`), for the thread's lifetime.
    fn with_scratch<R>(
        len_a: usize,
        len_b: usize,
        f: impl FnOnce(&mut [Self], &mut [Self]) -> R,
    ) -> R;
}

// ANCHOR: gemm
/// `C ← α op(A) op(B) + β C` where the views carry any transposition.
/// With `β = 0`, C is overwritten and its old contents (even NaN) are never read.
pub fn gemm<T: Scalar>(
    alpha: T,
    a: MatRef<'_, T>,
    b: MatRef<'_, T>,
    beta: T,
    c: &mut Matrix<T>,
    exec: Exec,
) -> Result<()> {
    let (m, k, n) = (a.rows(), a.cols(), b.cols());
    if b.rows() != k {
        return Err(Error::ShapeMismatch {
            op: "gemm A·B",
            left: (m, k),
            right: (b.rows(), n),
        });
    }
    if c.shape() != (m, n) {
        return Err(Error::ShapeMismatch {
            op: "gemm C (must be rows(A) x cols(B))",
            left: c.shape(),
            right: (m, n),
        });
    }
    if m == 0 || n == 0 {
        return Ok(());
    }
    let tile = T::tile(exec.isa.min(Isa::detected()));
    gemm_bands(&tile, alpha, a, b, beta, c.as_mut_slice(), exec.threads);
    Ok(())
}
// ANCHOR_END: gemm

/// `C ← α A·B + β C` into a row-major buffer of `cols(B)` columns, on up to `threads`
/// threads, each taking a band of whole register tiles of rows: the result is the same
/// for any thread count. Products too small to pay for a spawn stay on one thread.
pub(crate) fn gemm_bands<T: Scalar>(
    tile: &Tile<T>,
    alpha: T,
    a: MatRef<'_, T>,
    b: MatRef<'_, T>,
    beta: T,
    c: &mut [T],
    threads: usize,
) {
    let (m, k, n) = (a.rows(), a.cols(), b.cols());
    if m == 0 || n == 0 {
        return;
    }
    let work = m.saturating_mul(n).saturating_mul(k);
    let threads = if work < PARALLEL_MIN_WORK { 1 } else { threads };
    let band = m.div_ceil(threads).div_ceil(tile.mr) * tile.mr;
    par_chunks_mut(c, band * n, threads, |t, c_band| {
        let rows = c_band.len() / n;
        gemm_serial(
            tile,
            alpha,
            a.block(t * band, 0, rows, k),
            b,
            beta,
            c_band,
            n,
        );
    });
}

/// One thread's GEMM on a row band of C (`ldc` entries per row of C).
pub(crate) fn gemm_serial<T: Scalar>(
    tile: &Tile<T>,
    alpha: T,
    a: MatRef<'_, T>,
    b: MatRef<'_, T>,
    beta: T,
    c: &mut [T],
    ldc: usize,
) {
    let (m, k, n) = (a.rows(), a.cols(), b.cols());
    if k == 0 {
        scale_c(c, ldc, m, n, beta);
        return;
    }
    let Tile {
        mr, nr, kc, mc, nc, ..
    } = *tile;
    // Buffers sized for this product, so small products do not pay for full blocks.
    let a_len = mc.min(m.div_ceil(mr) * mr) * kc.min(k);
    let b_len = kc.min(k) * nc.min(n.div_ceil(nr) * nr);
    T::with_scratch(a_len, b_len, |a_pack, b_pack| {
        // ANCHOR: loops
        for jc in (0..n).step_by(nc) {
            // loop 5: an nc-wide panel of B and C
            let nc_eff = nc.min(n - jc);
            for pc in (0..k).step_by(kc) {
                // loop 4: a kc-deep slice of A and B; β applies only to the first slice
                let kc_eff = kc.min(k - pc);
                let beta_slice = if pc == 0 { beta } else { T::ONE };
                pack(b_pack, b.block(pc, jc, kc_eff, nc_eff).t(), nr);
                for ic in (0..m).step_by(mc) {
                    // loop 3: an mc-tall block of A
                    let mc_eff = mc.min(m - ic);
                    pack(a_pack, a.block(ic, pc, mc_eff, kc_eff), mr);
                    let c_block = &mut c[ic * ldc + jc..];
                    let packed = (&a_pack[..], &b_pack[..]);
                    register_tiles(
                        tile,
                        alpha,
                        packed,
                        (mc_eff, kc_eff, nc_eff),
                        beta_slice,
                        c_block,
                        ldc,
                    );
                }
            }
        }
        // ANCHOR_END: loops
    });
}

// ANCHOR: tiles
/// Loops 2 and 1 of [`gemm_serial`]: the register tiles of one packed `m x k` block of A
/// against one packed `k x n` panel of B, into C from its top-left entry `c[0]`.
fn register_tiles<T: Scalar>(
    tile: &Tile<T>,
    alpha: T,
    (a_pack, b_pack): (&[T], &[T]),
    (m, k, n): (usize, usize, usize),
    beta: T,
    c: &mut [T],
    ldc: usize,
) {
    let Tile { mr, nr, kernel, .. } = *tile;
    for jr in (0..n).step_by(nr) {
        // loop 2: one packed strip of B
        let nr_eff = nr.min(n - jr);
        let b_strip = &b_pack[jr * k..(jr + nr) * k];
        for ir in (0..m).step_by(mr) {
            // loop 1: one packed strip of A, one register tile of C
            let mr_eff = mr.min(m - ir);
            let a_strip = &a_pack[ir * k..(ir + mr) * k];
            let at = ir * ldc + jr;
            let c_tile = &mut c[at..at + (mr_eff - 1) * ldc + nr_eff];
            // SAFETY: `tile` came from `T::tile(isa)` with `isa` capped at the detected
            // instruction set, so the kernel's features are present.
            unsafe { kernel(a_strip, b_strip, c_tile, ldc, mr_eff, nr_eff, &alpha, &beta) };
        }
    }
}
// ANCHOR_END: tiles

/// A `k x n` operand B packed once for [`gemm_packed`], from blocks of its rows (`parts`,
/// stacked top to bottom): for products that reuse it (Jacobi's rotations, each applied to
/// many tiles), or that overwrite the rows it came from. Meant for small k (up to `tile.kc`):
/// the product runs as one k-slice.
pub(crate) fn pack_operand<T: Scalar>(tile: &Tile<T>, parts: &[MatRef<'_, T>], out: &mut Vec<T>) {
    let n = parts.first().map_or(0, |b| b.cols());
    let k = parts.iter().map(|b| b.rows()).sum();
    assert!(
        parts.iter().all(|b| b.cols() == n),
        "pack_operand: the parts differ in width"
    );
    out.resize(k * n.div_ceil(tile.nr) * tile.nr, T::ZERO);
    let mut from = 0;
    for b in parts {
        pack_steps(out, b.t(), tile.nr, (k, from));
        from += b.rows();
    }
}

/// `C ← A B` for a B from [`pack_operand`] (`n` columns), C row-major with `ldc` entries per
/// row. A is packed here; a transposed view of a row-major matrix packs fastest.
pub(crate) fn gemm_packed<T: Scalar>(
    tile: &Tile<T>,
    a: MatRef<'_, T>,
    b: &[T],
    n: usize,
    c: &mut [T],
    ldc: usize,
) {
    let (m, k) = (a.rows(), a.cols());
    assert!(
        b.len() >= k * n && n <= ldc && c.len() >= (m.max(1) - 1) * ldc + n,
        "gemm_packed: operand sizes"
    );
    if m == 0 || n == 0 {
        return;
    }
    let a_len = m.div_ceil(tile.mr) * tile.mr * k;
    T::with_scratch(a_len, 0, |a_pack, _| {
        pack(a_pack, a, tile.mr);
        register_tiles(tile, T::ONE, (a_pack, b), (m, k, n), T::ZERO, c, ldc);
    });
}

/// `C ← β C` (the whole product when k = 0); β = 0 overwrites, so NaN in C is not kept.
fn scale_c<T: Scalar>(c: &mut [T], ldc: usize, m: usize, n: usize, beta: T) {
    for i in 0..m {
        for x in &mut c[i * ldc..i * ldc + n] {
            *x = if beta == T::ZERO { T::ZERO } else { beta * *x };
        }
    }
}

/// The textbook triple loop `C = A B`, in f64 accumulation order i-j-p: the tests' oracle.
pub fn matmul_naive<T: Scalar>(a: MatRef<'_, T>, b: MatRef<'_, T>) -> Result<Matrix<T>> {
    if a.cols() != b.rows() {
        return Err(Error::ShapeMismatch {
            op: "matmul_naive",
            left: (a.rows(), a.cols()),
            right: (b.rows(), b.cols()),
        });
    }
    Ok(Matrix::from_fn(a.rows(), b.cols(), |i, j| {
        (0..a.cols()).fold(T::ZERO, |s, p| s + a.at(i, p) * b.at(p, j))
    }))
}
