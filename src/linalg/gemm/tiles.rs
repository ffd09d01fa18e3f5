//! Register tiles and block sizes per element type and instruction set, and the dispatch
//! that picks a kernel at run time ([`GemmScalar::tile`](super::GemmScalar::tile)).

use super::kernel::{microkernel, simd_kernel, Lanes};
use super::pack::aligned;
use super::{GemmScalar, Tile};
use crate::linalg::kernels::{dispatched, Isa};

// ANCHOR: dispatch
/// Implements [`GemmScalar`] for one element type: its packing buffers, and per path its
/// micro-kernel (the portable, auto-vectorised one, or the explicit-vector one for AVX2 and
/// AVX-512, compiled by the crate's one dispatch macro) with the register tile it fills.
macro_rules! impl_gemm_scalar {
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

            fn tile(isa: Isa) -> Tile<$t> {
                let (isa, kernel) = dispatched!(pointer isa,
                    (a: &[$t], b: &[$t], c: &mut [$t], ldc: usize, mr: usize, nr: usize, alpha: &$t, beta: &$t) -> () {
                        portable: microkernel::<$t, $pm, $pn, false>(a, b, c, ldc, mr, nr, *alpha, *beta),
                        avx2: simd_kernel::<$t, $vec2, $am, $av>(a, b, c, ldc, mr, nr, alpha, beta),
                        avx512: simd_kernel::<$t, $vec512, $xm, $xv>(a, b, c, ldc, mr, nr, alpha, beta),
                    }
                );
                let (mr, nr) = match isa {
                    #[cfg(target_arch = "x86_64")]
                    Isa::Avx512 => ($xm, $xv * <$vec512 as Lanes<$t>>::N),
                    #[cfg(target_arch = "x86_64")]
                    Isa::Avx2 => ($am, $av * <$vec2 as Lanes<$t>>::N),
                    _ => ($pm, $pn),
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
impl_gemm_scalar!(f64, kc: 256, nc: 4096, portable: (4, 4), avx2: (6, 2 x __m256d), avx512: (12, 2 x __m512d));
impl_gemm_scalar!(f32, kc: 256, nc: 4096, portable: (4, 8), avx2: (6, 2 x __m256), avx512: (12, 2 x __m512));
// ANCHOR_END: dispatch
