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
//! in [`Tile`]; the kernels and their instruction-set variants at the bottom of this file.
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
    let work = m.saturating_mul(n).saturating_mul(k);
    let threads = if work < PARALLEL_MIN_WORK {
        1
    } else {
        exec.threads
    };
    // Bands of whole register tiles, one run of bands per thread.
    let band = m.div_ceil(threads).div_ceil(tile.mr) * tile.mr;
    par_chunks_mut(c.as_mut_slice(), band * n, threads, |t, c_band| {
        let rows = c_band.len() / n;
        gemm_serial(
            &tile,
            alpha,
            a.block(t * band, 0, rows, k),
            b,
            beta,
            c_band,
            n,
        );
    });
    Ok(())
}
// ANCHOR_END: gemm

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

/// A slice of `len` values starting on a 64-byte boundary, carved from `buf` (grown if
/// needed): a vector load from a packed strip then never straddles two cache lines. Old
/// contents are left in place; packing overwrites every value the kernel reads.
fn aligned<T: Scalar>(buf: &mut Vec<T>, len: usize) -> &mut [T] {
    const ALIGN: usize = 64;
    let need = len + ALIGN / std::mem::size_of::<T>();
    if buf.len() < need {
        *buf = vec![T::ZERO; need];
    }
    let offset = buf.as_ptr().align_offset(ALIGN).min(buf.len() - len);
    &mut buf[offset..offset + len]
}

/// `C ← β C` (the whole product when k = 0); β = 0 overwrites, so NaN in C is not kept.
fn scale_c<T: Scalar>(c: &mut [T], ldc: usize, m: usize, n: usize, beta: T) {
    for i in 0..m {
        for x in &mut c[i * ldc..i * ldc + n] {
            *x = if beta == T::ZERO { T::ZERO } else { beta * *x };
        }
    }
}

// ANCHOR: pack
/// Packs a `rows x depth` block into `w`-tall strips: strip s holds, for p = 0..depth, the
/// w values `src[s·w .. s·w + w, p]`, zero-padded past the last row. The kernel then reads
/// each operand as one contiguous run. A is packed as it is (strips of mr rows); B is packed
/// as `Bᵀ` (strips of nr columns), so one function serves both.
fn pack<T: Scalar>(dst: &mut [T], src: MatRef<'_, T>, w: usize) {
    pack_steps(dst, src, w, (src.cols(), 0));
}

/// [`pack`] into strips `depth` steps deep, of which `src` fills `from..from + src.cols()`:
/// an operand can be packed from pieces.
fn pack_steps<T: Scalar>(
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

// ANCHOR: microkernel
/// The micro-kernel body, shared by every instruction set: `MR x NR` accumulators, one
/// rank-1 update `acc += a_p b_pᵀ` per step p. With the tile sizes below, `acc` is exactly
/// the vector register file's worth of accumulators (e.g. 12 x 16 `f64` = 24 zmm
/// registers on AVX-512); LLVM unrolls the i and j loops, broadcasts `a_p[i]` and keeps the
/// whole tile in registers across the p loop.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn microkernel<T: Scalar, const MR: usize, const NR: usize, const FUSED: bool>(
    a: &[T],
    b: &[T],
    c: &mut [T],
    ldc: usize,
    mr: usize,
    nr: usize,
    alpha: T,
    beta: T,
) {
    prefetch_tile(c, ldc, mr, nr);
    let mut acc = [[T::ZERO; NR]; MR];
    let (a_steps, _) = a.as_chunks::<MR>();
    let (b_steps, _) = b.as_chunks::<NR>();
    for (ap, bp) in a_steps.iter().zip(b_steps) {
        for i in 0..MR {
            for j in 0..NR {
                acc[i][j] = ap[i].madd::<FUSED>(bp[j], acc[i][j]);
            }
        }
    }
    if mr == MR && nr == NR {
        // A full tile: fixed trip counts, so the write-back is vectorised too.
        for (i, acc_row) in acc.iter().enumerate() {
            let (c_row, _) = c[i * ldc..].as_chunks_mut::<NR>();
            for (x, &s) in c_row[0].iter_mut().zip(acc_row) {
                *x = if beta == T::ZERO {
                    alpha * s
                } else {
                    alpha.madd::<FUSED>(s, beta * *x)
                };
            }
        }
        return;
    }
    // An edge tile (mr < MR or nr < NR) writes only its valid part.
    for (i, acc_row) in acc.iter().enumerate().take(mr) {
        let c_row = &mut c[i * ldc..i * ldc + nr];
        for (x, &s) in c_row.iter_mut().zip(acc_row) {
            *x = if beta == T::ZERO {
                alpha * s
            } else {
                alpha.madd::<FUSED>(s, beta * *x)
            };
        }
    }
}
// ANCHOR_END: microkernel

/// Asks for the C tile's cache lines now, so they arrive while the kernel computes; a large
/// C lives in L3 or memory and its rows are far apart, which no hardware prefetcher
/// predicts. (A hint: it never faults and changes no result.)
#[inline(always)]
fn prefetch_tile<T>(c: &[T], ldc: usize, mr: usize, nr: usize) {
    #[cfg(target_arch = "x86_64")]
    for i in 0..mr {
        for j in [0, nr - 1] {
            if let Some(x) = c.get(i * ldc + j) {
                // SAFETY: prefetching is a hint that cannot fault; the address is in `c`.
                unsafe {
                    std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(
                        (x as *const T).cast(),
                    )
                };
            }
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = (c, ldc, mr, nr);
}

// ANCHOR: simd_kernel
/// One vector register of `T`s, for the AVX2 and AVX-512 micro-kernels. LLVM's
/// auto-vectoriser handles the portable kernel's 12 x 16 tile, but not every tile shape
/// (8 x 24 or 12 x 32 come out scalar), so these kernels say the vector operations outright.
#[cfg(target_arch = "x86_64")]
trait Lanes<T>: Copy {
    /// Values per register.
    const N: usize;
    unsafe fn zero() -> Self;
    unsafe fn splat(x: T) -> Self;
    unsafe fn load(p: *const T) -> Self;
    unsafe fn store(self, p: *mut T);
    /// `a · b + c` in one rounding.
    unsafe fn fmadd(a: Self, b: Self, c: Self) -> Self;
    unsafe fn mul(a: Self, b: Self) -> Self;
}

#[cfg(target_arch = "x86_64")]
macro_rules! lanes {
    ($v:ty, $t:ty, $n:literal, $feat:literal, $zero:ident, $set1:ident, $loadu:ident, $storeu:ident, $fmadd:ident, $mul:ident) => {
        impl Lanes<$t> for $v {
            const N: usize = $n;
            #[inline]
            #[target_feature(enable = $feat)]
            unsafe fn zero() -> Self {
                std::arch::x86_64::$zero()
            }
            #[inline]
            #[target_feature(enable = $feat)]
            unsafe fn splat(x: $t) -> Self {
                std::arch::x86_64::$set1(x)
            }
            #[inline]
            #[target_feature(enable = $feat)]
            unsafe fn load(p: *const $t) -> Self {
                std::arch::x86_64::$loadu(p)
            }
            #[inline]
            #[target_feature(enable = $feat)]
            unsafe fn store(self, p: *mut $t) {
                std::arch::x86_64::$storeu(p, self)
            }
            #[inline]
            #[target_feature(enable = $feat)]
            unsafe fn fmadd(a: Self, b: Self, c: Self) -> Self {
                std::arch::x86_64::$fmadd(a, b, c)
            }
            #[inline]
            #[target_feature(enable = $feat)]
            unsafe fn mul(a: Self, b: Self) -> Self {
                std::arch::x86_64::$mul(a, b)
            }
        }
    };
}

#[cfg(target_arch = "x86_64")]
mod lanes_impls {
    use super::Lanes;
    use std::arch::x86_64::{__m256, __m256d, __m512, __m512d};
    lanes!(
        __m512d,
        f64,
        8,
        "avx512f",
        _mm512_setzero_pd,
        _mm512_set1_pd,
        _mm512_loadu_pd,
        _mm512_storeu_pd,
        _mm512_fmadd_pd,
        _mm512_mul_pd
    );
    lanes!(
        __m512,
        f32,
        16,
        "avx512f",
        _mm512_setzero_ps,
        _mm512_set1_ps,
        _mm512_loadu_ps,
        _mm512_storeu_ps,
        _mm512_fmadd_ps,
        _mm512_mul_ps
    );
    lanes!(
        __m256d,
        f64,
        4,
        "avx2,fma",
        _mm256_setzero_pd,
        _mm256_set1_pd,
        _mm256_loadu_pd,
        _mm256_storeu_pd,
        _mm256_fmadd_pd,
        _mm256_mul_pd
    );
    lanes!(
        __m256,
        f32,
        8,
        "avx2,fma",
        _mm256_setzero_ps,
        _mm256_set1_ps,
        _mm256_loadu_ps,
        _mm256_storeu_ps,
        _mm256_fmadd_ps,
        _mm256_mul_ps
    );
}

/// The micro-kernel in explicit vector registers: `MR x NV` registers of accumulators
/// (the tile is MR x NV·N), per step p `NV` loads of B, `MR` broadcasts of A, `MR·NV` FMAs.
/// Same loop and same order of operations as [`microkernel`].
///
/// # Safety
/// The CPU must support `V`'s instructions; `a` holds kc·MR values and `b` kc·NV·N.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
#[allow(clippy::too_many_arguments)]
unsafe fn simd_kernel<T: Scalar, V: Lanes<T>, const MR: usize, const NV: usize>(
    a: &[T],
    b: &[T],
    c: &mut [T],
    ldc: usize,
    mr: usize,
    nr: usize,
    alpha: &T,
    beta: &T,
) {
    prefetch_tile(c, ldc, mr, nr);
    let kc = a.len() / MR;
    debug_assert!(b.len() >= kc * NV * V::N);
    let mut acc = [[V::zero(); NV]; MR];
    let (mut ap, mut bp) = (a.as_ptr(), b.as_ptr());
    for _ in 0..kc {
        let bv: [V; NV] = std::array::from_fn(|v| V::load(bp.add(v * V::N)));
        for row in acc.iter_mut() {
            let ai = V::splat(*ap);
            ap = ap.add(1);
            for (x, &bj) in row.iter_mut().zip(&bv) {
                *x = V::fmadd(ai, bj, *x);
            }
        }
        bp = bp.add(NV * V::N);
    }
    let (alpha, beta) = (*alpha, *beta);
    let va = V::splat(alpha);
    if mr == MR && nr == NV * V::N {
        // A full tile: straight from the registers into C.
        let vb = V::splat(beta);
        for (i, row) in acc.iter().enumerate() {
            let c_row = c[i * ldc..i * ldc + nr].as_mut_ptr();
            for (v, &x) in row.iter().enumerate() {
                let out = if beta == T::ZERO {
                    V::mul(va, x)
                } else {
                    V::fmadd(va, x, V::mul(vb, V::load(c_row.add(v * V::N))))
                };
                out.store(c_row.add(v * V::N));
            }
        }
        return;
    }
    // An edge tile: through a buffer, writing only the valid part.
    let mut buf = [T::ZERO; 16 * 64];
    for (i, row) in acc.iter().enumerate() {
        for (v, &x) in row.iter().enumerate() {
            V::mul(va, x).store(buf[(i * NV + v) * V::N..].as_mut_ptr());
        }
    }
    for i in 0..mr {
        let c_row = &mut c[i * ldc..i * ldc + nr];
        for (j, x) in c_row.iter_mut().enumerate() {
            let s = buf[i * NV * V::N + j];
            *x = if beta == T::ZERO { s } else { s + beta * *x };
        }
    }
}
// ANCHOR_END: simd_kernel

// ANCHOR: dispatch
/// Instantiates the kernels for one element type: the portable (auto-vectorised) copy, and
/// the explicit-vector kernel inside `#[target_feature]` wrappers for AVX2 and AVX-512.
macro_rules! gemm_kernels {
    ($t:ty, kc: $kc:literal, nc: $nc:literal,
     portable: ($pm:literal, $pn:literal),
     avx2: ($am:literal, $av:literal x $vec2:ty),
     avx512: ($xm:literal, $xv:literal x $vec512:ty)) => {
        impl GemmScalar for $t {
            fn with_scratch<R>(
                len_a: usize,
                len_b: usize,
                f: impl FnOnce(&mut [$t], &mut [$t]) -> R,
            ) -> R {
                thread_local! {
                    static SCRATCH: std::cell::RefCell<(Vec<$t>, Vec<$t>)> =
                        const { std::cell::RefCell::new((Vec::new(), Vec::new())) };
                }
                SCRATCH.with(|cell| match cell.try_borrow_mut() {
                    Ok(mut bufs) => {
                        let (a, b) = &mut *bufs;
                        f(aligned(a, len_a), aligned(b, len_b))
                    }
                    // Re-entered on this thread (not done by the crate): fresh buffers.
                    Err(_) => {
                        let (mut a, mut b) = (Vec::new(), Vec::new());
                        f(aligned(&mut a, len_a), aligned(&mut b, len_b))
                    }
                })
            }

            #[allow(clippy::too_many_arguments)]
            fn tile(isa: Isa) -> Tile<$t> {
                unsafe fn portable(
                    a: &[$t],
                    b: &[$t],
                    c: &mut [$t],
                    ldc: usize,
                    mr: usize,
                    nr: usize,
                    alpha: &$t,
                    beta: &$t,
                ) {
                    microkernel::<$t, $pm, $pn, false>(a, b, c, ldc, mr, nr, *alpha, *beta)
                }
                #[cfg(target_arch = "x86_64")]
                #[target_feature(enable = "avx2,fma")]
                unsafe fn avx2(
                    a: &[$t],
                    b: &[$t],
                    c: &mut [$t],
                    ldc: usize,
                    mr: usize,
                    nr: usize,
                    alpha: &$t,
                    beta: &$t,
                ) {
                    simd_kernel::<$t, $vec2, $am, $av>(a, b, c, ldc, mr, nr, alpha, beta)
                }
                #[cfg(target_arch = "x86_64")]
                #[target_feature(enable = "avx512f,avx2,fma")]
                unsafe fn avx512(
                    a: &[$t],
                    b: &[$t],
                    c: &mut [$t],
                    ldc: usize,
                    mr: usize,
                    nr: usize,
                    alpha: &$t,
                    beta: &$t,
                ) {
                    simd_kernel::<$t, $vec512, $xm, $xv>(a, b, c, ldc, mr, nr, alpha, beta)
                }
                let (mr, nr, kernel): (usize, usize, KernelFn<$t>) = match isa {
                    #[cfg(target_arch = "x86_64")]
                    Isa::Avx512 => ($xm, $xv * <$vec512 as Lanes<$t>>::N, avx512),
                    #[cfg(target_arch = "x86_64")]
                    Isa::Avx2 => ($am, $av * <$vec2 as Lanes<$t>>::N, avx2),
                    _ => ($pm, $pn, portable),
                };
                // mc: a multiple of mr near 144 rows (an mc x kc block of A fills ~half of L2).
                Tile {
                    mr,
                    nr,
                    kc: $kc,
                    mc: (144 / mr).max(1) * mr,
                    nc: $nc,
                    kernel,
                }
            }
        }
    };
}

// Register budget: 16 vector registers on SSE2/AVX2, 32 on AVX-512; the accumulators take
// mr x (registers per row) of them, the rest hold the B row and the broadcast A value.
#[cfg(target_arch = "x86_64")]
use std::arch::x86_64::{__m256, __m256d, __m512, __m512d};
gemm_kernels!(f64, kc: 256, nc: 4096, portable: (4, 4), avx2: (6, 2 x __m256d), avx512: (12, 2 x __m512d));
gemm_kernels!(f32, kc: 256, nc: 4096, portable: (4, 8), avx2: (6, 2 x __m256), avx512: (12, 2 x __m512));
// ANCHOR_END: dispatch

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
