//! Every inner loop of the crate lives here: dot, axpy, squared Euclidean distance, and the
//! GEMM micro-kernel's instruction-set variants (in [`super::gemm`]).
//!
//! Each kernel exists three times from one source:
//! - a scalar reference (`dot_ref`, ...): the definition, and the tests' oracle;
//! - a blocked body with a fixed-size accumulator array (`[T; LANES]`) that LLVM turns into
//!   vector registers, compiled for the baseline target (the portable path);
//! - the same body compiled again inside `#[target_feature(enable = "avx2,fma")]` and
//!   `#[target_feature(enable = "avx512f,...")]` wrappers, chosen once at run time.
//!
//! [`isa`] detects the instruction set once (`is_x86_feature_detected!`) and caches it. The
//! environment variable `UNSUPERVISED_ISA=portable|avx2|avx512` caps it, so a test run can
//! force the portable path; functions that take an [`Isa`] let one process test them all.

use super::Scalar;
use std::sync::OnceLock;

/// The instruction-set paths the kernels are compiled for, weakest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Isa {
    /// The baseline target (SSE2 on x86-64): the readable reference path.
    Portable,
    /// AVX2 with fused multiply-add: 256-bit vectors.
    Avx2,
    /// AVX-512F with fused multiply-add: 512-bit vectors.
    Avx512,
}

impl Isa {
    /// The strongest path this CPU supports (detected once: kernels on short vectors ask on
    /// every call).
    pub fn detected() -> Isa {
        static DETECTED: OnceLock<Isa> = OnceLock::new();
        *DETECTED.get_or_init(Isa::probe)
    }

    fn probe() -> Isa {
        #[cfg(target_arch = "x86_64")]
        {
            if is_x86_feature_detected!("avx512f")
                && is_x86_feature_detected!("avx512vl")
                && is_x86_feature_detected!("fma")
            {
                return Isa::Avx512;
            }
            if is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma") {
                return Isa::Avx2;
            }
        }
        Isa::Portable
    }

    /// Every path this CPU can run, weakest first (tests loop over it).
    pub fn available() -> Vec<Isa> {
        let best = Isa::detected();
        [Isa::Portable, Isa::Avx2, Isa::Avx512]
            .into_iter()
            .filter(|&isa| isa <= best)
            .collect()
    }

    /// Parses `portable`, `avx2` or `avx512`.
    pub fn parse(name: &str) -> Option<Isa> {
        match name.trim().to_ascii_lowercase().as_str() {
            "portable" => Some(Isa::Portable),
            "avx2" => Some(Isa::Avx2),
            "avx512" => Some(Isa::Avx512),
            _ => None,
        }
    }
}

/// The path the kernels use: the detected one, capped by `UNSUPERVISED_ISA` if set.
/// Read once per process.
pub fn isa() -> Isa {
    static ISA: OnceLock<Isa> = OnceLock::new();
    *ISA.get_or_init(|| {
        let detected = Isa::detected();
        match std::env::var("UNSUPERVISED_ISA") {
            Ok(v) => match Isa::parse(&v) {
                Some(requested) => requested.min(detected),
                None => {
                    eprintln!("unsupervised: ignoring UNSUPERVISED_ISA={v:?} (expected portable, avx2 or avx512)");
                    detected
                }
            },
            Err(_) => detected,
        }
    })
}

// ANCHOR: dispatched
/// Compiles a kernel once per instruction-set path and picks the path at run time: the one
/// place in the crate that writes `#[target_feature]`. Two forms:
/// - `dispatched!(pub dot, dot_with, dot_body, (x: &[T], y: &[T]) -> T)` generates `dot`
///   (on [`isa`]) and `dot_with` (on a path given) around three compilations of one
///   `#[inline(always)]` body, `dot_body::<T, FUSED>` (`FUSED`: multiply-adds fused, as the
///   vector paths do);
/// - `dispatched!(pointer isa, (args) -> ret { portable: .., avx2: .., avx512: .. })`, one
///   body per path, evaluates to the path used (`isa` capped at the CPU's) and its
///   compilation as an `unsafe fn` pointer: the GEMM micro-kernels, whose register tiles
///   differ per path, are chosen once per product this way.
macro_rules! dispatched {
    // The three compilations, as `unsafe fn`s named after their paths. Safety: the CPU has
    // the path's features, and the body's own preconditions hold.
    (@compile $(<$g:ident: $bound:path>)? ($($arg:ident: $ty:ty),*) -> $ret:ty {
        portable: $p:expr, avx2: $a:expr, avx512: $x:expr $(,)?
    }) => {
        #[allow(clippy::too_many_arguments)]
        unsafe fn portable$(<$g: $bound>)?($($arg: $ty),*) -> $ret {
            $p
        }
        #[cfg(target_arch = "x86_64")]
        #[target_feature(enable = "avx2,fma")]
        #[allow(clippy::too_many_arguments)]
        unsafe fn avx2$(<$g: $bound>)?($($arg: $ty),*) -> $ret {
            $a
        }
        #[cfg(target_arch = "x86_64")]
        #[target_feature(enable = "avx512f,avx512vl,avx2,fma")]
        #[allow(clippy::too_many_arguments)]
        unsafe fn avx512$(<$g: $bound>)?($($arg: $ty),*) -> $ret {
            $x
        }
    };

    (pointer $isa:expr, ($($arg:ident: $ty:ty),*) -> $ret:ty { $($bodies:tt)* }) => {{
        $crate::linalg::kernels::dispatched!(@compile ($($arg: $ty),*) -> $ret { $($bodies)* });
        type Kernel = unsafe fn($($ty),*) -> $ret;
        use $crate::linalg::kernels::Isa;
        match $isa.min(Isa::detected()) {
            #[cfg(target_arch = "x86_64")]
            Isa::Avx512 => (Isa::Avx512, avx512 as Kernel),
            #[cfg(target_arch = "x86_64")]
            Isa::Avx2 => (Isa::Avx2, avx2 as Kernel),
            _ => (Isa::Portable, portable as Kernel),
        }
    }};

    ($(#[$doc:meta])* $vis:vis $name:ident, $name_with:ident, $body:ident, ($($arg:ident: $ty:ty),*) -> $ret:ty) => {
        $(#[$doc])*
        #[inline]
        $vis fn $name<T: Scalar>($($arg: $ty),*) -> $ret {
            $name_with(isa(), $($arg),*)
        }

        /// The same kernel on an explicit instruction-set path; a path the CPU lacks falls
        /// back to the best one it has.
        $vis fn $name_with<T: Scalar>(isa: Isa, $($arg: $ty),*) -> $ret {
            $crate::linalg::kernels::dispatched!(@compile <T: Scalar> ($($arg: $ty),*) -> $ret {
                portable: $body::<T, false>($($arg),*),
                avx2: $body::<T, true>($($arg),*),
                avx512: $body::<T, true>($($arg),*),
            });
            // SAFETY: the bodies are safe code; `Isa::detected` confirmed the CPU has the
            // features of the path taken.
            unsafe {
                match isa.min(Isa::detected()) {
                    #[cfg(target_arch = "x86_64")]
                    Isa::Avx512 => avx512::<T>($($arg),*),
                    #[cfg(target_arch = "x86_64")]
                    Isa::Avx2 => avx2::<T>($($arg),*),
                    _ => portable::<T>($($arg),*),
                }
            }
        }
    };
}
pub(crate) use dispatched;
// ANCHOR_END: dispatched

/// Accumulators per blocked loop: 16 lanes fill two AVX-512 `f64` registers (or one `f32`),
/// enough independent chains to hide the FMA latency.
const LANES: usize = 16;

/// Sums the accumulator array pairwise: a fixed order, so the result does not depend on the
/// path's vector width beyond the fused rounding.
#[inline(always)]
fn reduce<T: Scalar>(acc: [T; LANES]) -> T {
    let mut w = acc;
    let mut width = LANES / 2;
    while width > 0 {
        for l in 0..width {
            w[l] += w[l + width];
        }
        width /= 2;
    }
    w[0]
}

// ANCHOR: dot_ref
/// The dot product `Σ xᵢ yᵢ`, one term at a time: the definition and the tests' oracle.
pub fn dot_ref<T: Scalar>(x: &[T], y: &[T]) -> T {
    assert_eq!(x.len(), y.len(), "dot: lengths differ");
    x.iter().zip(y).fold(T::ZERO, |s, (&a, &b)| s + a * b)
}
// ANCHOR_END: dot_ref

// ANCHOR: dot_blocked
#[inline(always)]
fn dot_body<T: Scalar, const FUSED: bool>(x: &[T], y: &[T]) -> T {
    assert_eq!(x.len(), y.len(), "dot: lengths differ");
    // LANES independent partial sums: the loop carries no dependency from one element to the
    // next, so LLVM keeps `acc` in vector registers and issues one FMA per register per step.
    let mut acc = [T::ZERO; LANES];
    let (xs, x_tail) = x.as_chunks::<LANES>();
    let (ys, y_tail) = y.as_chunks::<LANES>();
    for (xc, yc) in xs.iter().zip(ys) {
        for l in 0..LANES {
            acc[l] = xc[l].madd::<FUSED>(yc[l], acc[l]);
        }
    }
    let tail = x_tail
        .iter()
        .zip(y_tail)
        .fold(T::ZERO, |s, (&a, &b)| a.madd::<FUSED>(b, s));
    reduce(acc) + tail
}
// ANCHOR_END: dot_blocked

dispatched!(
    /// The dot product `Σ xᵢ yᵢ` (blocked, dispatched). Panics if the lengths differ.
    pub dot, dot_with, dot_body, (x: &[T], y: &[T]) -> T
);

/// `y ← a x + y`, one element at a time: the reference.
pub fn axpy_ref<T: Scalar>(a: T, x: &[T], y: &mut [T]) {
    assert_eq!(x.len(), y.len(), "axpy: lengths differ");
    for (yi, &xi) in y.iter_mut().zip(x) {
        *yi += a * xi;
    }
}

#[inline(always)]
fn axpy_body<T: Scalar, const FUSED: bool>(a: T, x: &[T], y: &mut [T]) {
    assert_eq!(x.len(), y.len(), "axpy: lengths differ");
    // No reduction, so no accumulators: a plain zipped loop is what LLVM vectorises best.
    // NOTE: a loop over `as_chunks` here came out vectorised *across* chunks, with gathers
    // and scatters, six times slower (found with `perf` in the Lanczos profile).
    for (yi, &xi) in y.iter_mut().zip(x) {
        *yi = a.madd::<FUSED>(xi, *yi);
    }
}

dispatched!(
    /// `y ← a x + y` (dispatched). Panics if the lengths differ.
    pub axpy, axpy_with, axpy_body, (a: T, x: &[T], y: &mut [T]) -> ()
);

/// Squared Euclidean distance `Σ (xᵢ - yᵢ)²`, term by term: the reference.
pub fn sq_dist_ref<T: Scalar>(x: &[T], y: &[T]) -> T {
    assert_eq!(x.len(), y.len(), "sq_dist: lengths differ");
    x.iter().zip(y).fold(T::ZERO, |s, (&a, &b)| {
        let d = a - b;
        s + d * d
    })
}

#[inline(always)]
fn sq_dist_body<T: Scalar, const FUSED: bool>(x: &[T], y: &[T]) -> T {
    assert_eq!(x.len(), y.len(), "sq_dist: lengths differ");
    let short = |x: &[T], y: &[T]| {
        x.iter().zip(y).fold(T::ZERO, |s, (&a, &b)| {
            let d = a - b;
            d.madd::<FUSED>(d, s)
        })
    };
    if x.len() < LANES {
        // Points of a 2-D map or a plane: the blocked accumulators would all stay zero, and
        // adding up eight zeros costs more than the arithmetic. Same bits as below.
        return short(x, y);
    }
    let mut acc = [T::ZERO; LANES];
    let (xs, x_tail) = x.as_chunks::<LANES>();
    let (ys, y_tail) = y.as_chunks::<LANES>();
    for (xc, yc) in xs.iter().zip(ys) {
        for l in 0..LANES {
            let d = xc[l] - yc[l];
            acc[l] = d.madd::<FUSED>(d, acc[l]);
        }
    }
    reduce(acc) + short(x_tail, y_tail)
}

dispatched!(
    /// Squared Euclidean distance `‖x - y‖²` (blocked, dispatched). Panics if the lengths
    /// differ.
    pub sq_dist, sq_dist_with, sq_dist_body, (x: &[T], y: &[T]) -> T
);

#[inline(always)]
fn sq_dists_body<T: Scalar, const FUSED: bool>(x: &[T], rows: &[T], out: &mut [T]) {
    assert_eq!(rows.len(), x.len() * out.len(), "sq_dists: shapes differ");
    for (o, row) in out.iter_mut().zip(rows.chunks_exact(x.len().max(1))) {
        *o = sq_dist_body::<T, FUSED>(x, row);
    }
}

dispatched!(
    /// `out[j] = ‖x - rowⱼ‖²` for the rows of a row-major block `rows` (`out.len()` rows of
    /// `x.len()` columns): [`sq_dist`] to many points behind one dispatch, bit-identical to
    /// calling it per row. k-means asks for these with short rows, where a call per pair
    /// would cost more than the arithmetic. Panics if the shapes differ.
    pub sq_dists, sq_dists_with, sq_dists_body, (x: &[T], rows: &[T], out: &mut [T]) -> ()
);

/// The squared Euclidean norm `‖x‖²`.
#[inline]
pub fn sq_norm<T: Scalar>(x: &[T]) -> T {
    dot(x, x)
}

/// The plane rotation of two rows, `x ← c x - s y`, `y ← s x + c y`, one pair at a time:
/// the reference.
pub fn rot_ref<T: Scalar>(x: &mut [T], y: &mut [T], c: T, s: T) {
    assert_eq!(x.len(), y.len(), "rot: lengths differ");
    for (xi, yi) in x.iter_mut().zip(y.iter_mut()) {
        let (a, b) = (*xi, *yi);
        *xi = c * a - s * b;
        *yi = s * a + c * b;
    }
}

// ANCHOR: rot
#[inline(always)]
pub(crate) fn rot_body<T: Scalar, const FUSED: bool>(x: &mut [T], y: &mut [T], c: T, s: T) {
    assert_eq!(x.len(), y.len(), "rot: lengths differ");
    // Element-wise, like axpy: a plain zipped loop.
    for (xi, yi) in x.iter_mut().zip(y.iter_mut()) {
        let (a, b) = (*xi, *yi);
        *xi = c.madd::<FUSED>(a, -(s * b));
        *yi = s.madd::<FUSED>(a, c * b);
    }
}
// ANCHOR_END: rot

dispatched!(
    /// The plane rotation `[x; y] ← [c -s; s c] [x; y]` of two equally long rows (Jacobi
    /// and QL eigensolvers), dispatched. Panics if the lengths differ.
    pub rot, rot_with, rot_body, (x: &mut [T], y: &mut [T], c: T, s: T) -> ()
);
