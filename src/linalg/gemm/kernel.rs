//! The micro-kernels: `C[mr x nr] += Σₚ a_p b_pᵀ` on packed strips, with the accumulators in
//! registers. The portable one is written for LLVM's auto-vectoriser and is also the
//! reference; the explicit-vector one serves AVX2 and AVX-512 through [`Lanes`].

use super::Scalar;

// ANCHOR: microkernel
/// The micro-kernel body, shared by every instruction set: `MR x NR` accumulators, one
/// rank-1 update `acc += a_p b_pᵀ` per step p. With the tile sizes below, `acc` is exactly
/// the vector register file's worth of accumulators (e.g. 12 x 16 `f64` = 24 zmm
/// registers on AVX-512); LLVM unrolls the i and j loops, broadcasts `a_p[i]` and keeps the
/// whole tile in registers across the p loop.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
pub(super) fn microkernel<T: Scalar, const MR: usize, const NR: usize, const FUSED: bool>(
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
pub(super) fn prefetch_tile<T>(c: &[T], ldc: usize, mr: usize, nr: usize) {
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
pub(super) trait Lanes<T>: Copy {
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
pub(super) unsafe fn simd_kernel<T: Scalar, V: Lanes<T>, const MR: usize, const NV: usize>(
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
