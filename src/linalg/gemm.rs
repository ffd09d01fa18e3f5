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
pub use super::threads::Exec;
use super::Scalar;
use crate::error::{Error, Result};

/// Below this many multiply-adds (`m·n·k`) GEMM stays on one thread: spawning costs
/// about 20–50 µs, the time to do ~10⁶ multiply-adds (see `linalg/spawn` in the benches).
const PARALLEL_MIN_WORK: usize = 1 << 21;

/// A micro-kernel: computes the `mr x nr` tile `C ← α (Ã B̃) + β C` from packed strips
/// `a` (`kc·MR` values) and `b` (`kc·NR` values); `c` starts at the tile's top-left entry.
/// `unsafe` because the AVX variants require the CPU features they were compiled for.
type KernelFn<T> =
    unsafe fn(a: &[T], b: &[T], c: &mut [T], ldc: usize, mr: usize, nr: usize, alpha: T, beta: T);

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
        mr,
        nr,
        kc,
        mc,
        nc,
        kernel,
    } = *tile;
    // Buffers sized for this product, so small products do not pay for full blocks.
    let mut a_pack = vec![T::ZERO; mc.min(m.div_ceil(mr) * mr) * kc.min(k)];
    let mut b_pack = vec![T::ZERO; kc.min(k) * nc.min(n.div_ceil(nr) * nr)];

    // ANCHOR: loops
    for jc in (0..n).step_by(nc) {
        // loop 5: an nc-wide panel of B and C
        let nc_eff = nc.min(n - jc);
        for pc in (0..k).step_by(kc) {
            // loop 4: a kc-deep slice of A and B; β applies only to the first slice
            let kc_eff = kc.min(k - pc);
            let beta_slice = if pc == 0 { beta } else { T::ONE };
            pack_b(&mut b_pack, b.block(pc, jc, kc_eff, nc_eff), nr);
            for ic in (0..m).step_by(mc) {
                // loop 3: an mc-tall block of A
                let mc_eff = mc.min(m - ic);
                pack_a(&mut a_pack, a.block(ic, pc, mc_eff, kc_eff), mr);
                for jr in (0..nc_eff).step_by(nr) {
                    // loop 2: one packed strip of B
                    let nr_eff = nr.min(nc_eff - jr);
                    let b_strip = &b_pack[jr * kc_eff..(jr + nr) * kc_eff];
                    for ir in (0..mc_eff).step_by(mr) {
                        // loop 1: one packed strip of A, one register tile of C
                        let mr_eff = mr.min(mc_eff - ir);
                        let a_strip = &a_pack[ir * kc_eff..(ir + mr) * kc_eff];
                        let at = (ic + ir) * ldc + jc + jr;
                        let c_tile = &mut c[at..at + (mr_eff - 1) * ldc + nr_eff];
                        // SAFETY: `tile` came from `T::tile(isa)` with `isa` capped at the
                        // detected instruction set, so the kernel's features are present.
                        unsafe {
                            kernel(
                                a_strip, b_strip, c_tile, ldc, mr_eff, nr_eff, alpha, beta_slice,
                            )
                        };
                    }
                }
            }
        }
    }
    // ANCHOR_END: loops
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
/// Packs the `kc x nc` block of B into nr-wide strips: strip s holds, for p = 0..kc, the nr
/// values `B[p, s·nr .. s·nr + nr]`, zero-padded past the edge. The kernel then reads B as
/// one contiguous run.
fn pack_b<T: Scalar>(dst: &mut [T], b: MatRef<'_, T>, nr: usize) {
    let (kc, nc) = (b.rows(), b.cols());
    for (s, j0) in (0..nc).step_by(nr).enumerate() {
        let strip = &mut dst[s * kc * nr..(s + 1) * kc * nr];
        let width = nr.min(nc - j0);
        for p in 0..kc {
            let row = &mut strip[p * nr..(p + 1) * nr];
            for (j, x) in row.iter_mut().enumerate() {
                *x = if j < width { b.at(p, j0 + j) } else { T::ZERO };
            }
        }
    }
}

/// Packs the `mc x kc` block of A into mr-tall strips: strip s holds, for p = 0..kc, the mr
/// values `A[s·mr .. s·mr + mr, p]` (a column piece), zero-padded past the edge.
fn pack_a<T: Scalar>(dst: &mut [T], a: MatRef<'_, T>, mr: usize) {
    let (mc, kc) = (a.rows(), a.cols());
    for (s, i0) in (0..mc).step_by(mr).enumerate() {
        let strip = &mut dst[s * kc * mr..(s + 1) * kc * mr];
        let height = mr.min(mc - i0);
        for i in 0..mr {
            if i < height {
                for p in 0..kc {
                    strip[p * mr + i] = a.at(i0 + i, p);
                }
            } else {
                for p in 0..kc {
                    strip[p * mr + i] = T::ZERO;
                }
            }
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

// ANCHOR: dispatch
/// Instantiates the micro-kernel for one element type and the three instruction sets:
/// the portable copy, and the same body inside `#[target_feature]` wrappers.
macro_rules! gemm_kernels {
    ($t:ty, kc: $kc:literal, nc: $nc:literal,
     portable: ($pm:literal, $pn:literal), avx2: ($am:literal, $an:literal),
     avx512: ($xm:literal, $xn:literal)) => {
        impl GemmScalar for $t {
            fn tile(isa: Isa) -> Tile<$t> {
                unsafe fn portable(
                    a: &[$t],
                    b: &[$t],
                    c: &mut [$t],
                    ldc: usize,
                    mr: usize,
                    nr: usize,
                    alpha: $t,
                    beta: $t,
                ) {
                    microkernel::<$t, $pm, $pn, false>(a, b, c, ldc, mr, nr, alpha, beta)
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
                    alpha: $t,
                    beta: $t,
                ) {
                    microkernel::<$t, $am, $an, true>(a, b, c, ldc, mr, nr, alpha, beta)
                }
                #[cfg(target_arch = "x86_64")]
                #[target_feature(enable = "avx512f,avx512vl,avx2,fma")]
                unsafe fn avx512(
                    a: &[$t],
                    b: &[$t],
                    c: &mut [$t],
                    ldc: usize,
                    mr: usize,
                    nr: usize,
                    alpha: $t,
                    beta: $t,
                ) {
                    microkernel::<$t, $xm, $xn, true>(a, b, c, ldc, mr, nr, alpha, beta)
                }
                let (mr, nr, kernel): (usize, usize, KernelFn<$t>) = match isa {
                    #[cfg(target_arch = "x86_64")]
                    Isa::Avx512 => ($xm, $xn, avx512),
                    #[cfg(target_arch = "x86_64")]
                    Isa::Avx2 => ($am, $an, avx2),
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
// mr·nr / lanes of them, the rest hold the B row and the broadcast A value.
gemm_kernels!(f64, kc: 256, nc: 4096, portable: (4, 4), avx2: (6, 8), avx512: (12, 16));
gemm_kernels!(f32, kc: 256, nc: 4096, portable: (4, 8), avx2: (6, 16), avx512: (12, 32));
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
