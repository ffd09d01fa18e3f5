//! The element types of [`Matrix`](super::Matrix): `f64` for the classical chapters,
//! `f32` for the neural ones. One small trait keeps every kernel generic over both.

use std::fmt::{Debug, Display};
use std::iter::Sum;
use std::ops::{Add, AddAssign, Div, DivAssign, Mul, MulAssign, Neg, Sub, SubAssign};

/// A real floating-point number the kernels can compute with: `f32` or `f64`.
///
/// The trait is sealed (its `gemm` hook is crate-private), so the kernels can rely on
/// exactly these two types.
pub trait Scalar:
    Copy
    + Send
    + Sync
    + Debug
    + Display
    + Default
    + PartialEq
    + PartialOrd
    + Add<Output = Self>
    + Sub<Output = Self>
    + Mul<Output = Self>
    + Div<Output = Self>
    + Neg<Output = Self>
    + AddAssign
    + SubAssign
    + MulAssign
    + DivAssign
    + Sum
    + 'static
    + super::gemm::GemmScalar
{
    const ZERO: Self;
    const ONE: Self;
    /// Machine epsilon: the gap between 1 and the next representable number.
    const EPSILON: Self;
    const INFINITY: Self;
    /// The type's name, for messages and benchmark ids.
    const NAME: &'static str;

    fn from_f64(x: f64) -> Self;
    fn to_f64(self) -> f64;
    fn from_usize(n: usize) -> Self;
    fn sqrt(self) -> Self;
    fn abs(self) -> Self;
    fn ln(self) -> Self;
    fn exp(self) -> Self;
    fn is_finite(self) -> bool;
    fn max(self, other: Self) -> Self;
    fn min(self, other: Self) -> Self;
    /// `self * a + b`; fused (one rounding) where `FUSED`, plain otherwise.
    ///
    /// NOTE: the portable path must not call `mul_add`: without the `fma` target feature
    /// it becomes a slow libm call. The dispatched AVX2/AVX-512 copies pass `FUSED = true`
    /// and LLVM emits one `vfmadd` instruction.
    fn madd<const FUSED: bool>(self, a: Self, b: Self) -> Self;
}

macro_rules! impl_scalar {
    ($t:ty) => {
        impl Scalar for $t {
            const ZERO: Self = 0.0;
            const ONE: Self = 1.0;
            const EPSILON: Self = <$t>::EPSILON;
            const INFINITY: Self = <$t>::INFINITY;
            const NAME: &'static str = stringify!($t);

            #[inline(always)]
            fn from_f64(x: f64) -> Self {
                x as $t
            }
            #[inline(always)]
            fn to_f64(self) -> f64 {
                self as f64
            }
            #[inline(always)]
            fn from_usize(n: usize) -> Self {
                n as $t
            }
            #[inline(always)]
            fn sqrt(self) -> Self {
                <$t>::sqrt(self)
            }
            #[inline(always)]
            fn abs(self) -> Self {
                <$t>::abs(self)
            }
            #[inline(always)]
            fn ln(self) -> Self {
                <$t>::ln(self)
            }
            #[inline(always)]
            fn exp(self) -> Self {
                <$t>::exp(self)
            }
            #[inline(always)]
            fn is_finite(self) -> bool {
                <$t>::is_finite(self)
            }
            #[inline(always)]
            fn max(self, other: Self) -> Self {
                <$t>::max(self, other)
            }
            #[inline(always)]
            fn min(self, other: Self) -> Self {
                <$t>::min(self, other)
            }
            #[inline(always)]
            fn madd<const FUSED: bool>(self, a: Self, b: Self) -> Self {
                if FUSED {
                    <$t>::mul_add(self, a, b)
                } else {
                    self * a + b
                }
            }
        }
    };
}

impl_scalar!(f32);
impl_scalar!(f64);
