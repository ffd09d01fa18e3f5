//! GEMM: `C = A B` for square n x n matrices, f32 and f64, against faer, nalgebra and
//! matrixmultiply. GFLOP/s = 2n³ / t.

use crate::{clock_ghz, median, time};
use faer::linalg::matmul::matmul;
use faer::{Accum, Mat, Par};
use std::num::NonZeroUsize;
use unsupervised::linalg::{gemm, Exec, Isa, Matrix, Scalar};

const ROUNDS: usize = 15;

trait Peer: Scalar + faer::traits::ComplexField + nalgebra::RealField + Copy {
    fn mm(m: usize, k: usize, n: usize, a: &[Self], b: &[Self], c: &mut [Self]);
}
impl Peer for f64 {
    fn mm(m: usize, k: usize, n: usize, a: &[f64], b: &[f64], c: &mut [f64]) {
        unsafe {
            matrixmultiply::dgemm(
                m,
                k,
                n,
                1.0,
                a.as_ptr(),
                k as isize,
                1,
                b.as_ptr(),
                n as isize,
                1,
                0.0,
                c.as_mut_ptr(),
                n as isize,
                1,
            )
        }
    }
}
impl Peer for f32 {
    fn mm(m: usize, k: usize, n: usize, a: &[f32], b: &[f32], c: &mut [f32]) {
        unsafe {
            matrixmultiply::sgemm(
                m,
                k,
                n,
                1.0,
                a.as_ptr(),
                k as isize,
                1,
                b.as_ptr(),
                n as isize,
                1,
                0.0,
                c.as_mut_ptr(),
                n as isize,
                1,
            )
        }
    }
}

/// GFLOP/s of each contender (in `names` order) for one size and thread count.
fn measure<T: Peer>(n: usize, threads: usize) -> Vec<Option<f64>> {
    let val =
        |i: usize, j: usize| <T as Scalar>::from_f64(((i * 7 + j * 3) % 11) as f64 / 11.0 - 0.5);
    let a = Matrix::<T>::from_fn(n, n, val);
    let b = Matrix::<T>::from_fn(n, n, |i, j| val(j, i + 1));
    let mut c = Matrix::<T>::zeros(n, n);
    let fa = Mat::<T>::from_fn(n, n, |i, j| a[(i, j)]);
    let fb = Mat::<T>::from_fn(n, n, |i, j| b[(i, j)]);
    let mut fc = Mat::<T>::zeros(n, n);
    let na = nalgebra::DMatrix::<T>::from_fn(n, n, |i, j| a[(i, j)]);
    let nb = nalgebra::DMatrix::<T>::from_fn(n, n, |i, j| b[(i, j)]);
    let mut nc = nalgebra::DMatrix::<T>::zeros(n, n);
    let mut mc = vec![<T as Scalar>::ZERO; n * n];
    let exec = Exec::default().with_threads(threads);
    let par = if threads == 1 {
        Par::Seq
    } else {
        Par::rayon(threads)
    };
    let _ = NonZeroUsize::new(threads);
    let reps = ((3e8 / (2.0 * (n as f64).powi(3))).ceil() as usize).max(1);
    let mut samples: Vec<Vec<f64>> = vec![Vec::new(); 4];
    for _ in 0..ROUNDS {
        samples[0].push(time(|| {
            for _ in 0..reps {
                gemm(
                    <T as Scalar>::ONE,
                    a.view(),
                    b.view(),
                    <T as Scalar>::ZERO,
                    &mut c,
                    exec,
                )
                .unwrap();
            }
        }));
        samples[1].push(time(|| {
            for _ in 0..reps {
                matmul(
                    fc.as_mut(),
                    Accum::Replace,
                    fa.as_ref(),
                    fb.as_ref(),
                    <T as Scalar>::ONE,
                    par,
                );
            }
        }));
        if threads == 1 {
            samples[2].push(time(|| {
                for _ in 0..reps {
                    nc.gemm(<T as Scalar>::ONE, &na, &nb, <T as Scalar>::ZERO);
                }
            }));
            samples[3].push(time(|| {
                for _ in 0..reps {
                    T::mm(n, n, n, a.as_slice(), b.as_slice(), &mut mc);
                }
            }));
        }
    }
    // Same answer from everyone (up to rounding), or the comparison means nothing.
    let tol = 1e-3 * n as f64;
    for i in (0..n).step_by(97) {
        for j in (0..n).step_by(89) {
            let ours = Scalar::to_f64(c[(i, j)]);
            assert!(
                (ours - Scalar::to_f64(fc[(i, j)])).abs() < tol,
                "faer disagrees at ({i}, {j})"
            );
            if threads == 1 {
                assert!(
                    (ours - Scalar::to_f64(nc[(i, j)])).abs() < tol,
                    "nalgebra disagrees"
                );
                assert!(
                    (ours - Scalar::to_f64(mc[i * n + j])).abs() < tol,
                    "matrixmultiply disagrees"
                );
            }
        }
    }
    let flops = 2.0 * (n as f64).powi(3) * reps as f64;
    samples
        .into_iter()
        .map(|s| (!s.is_empty()).then(|| flops / median(s) / 1e9))
        .collect()
}

pub fn run() {
    let ghz = clock_ghz();
    let isa = unsupervised::linalg::kernels::isa();
    // Peak flop per cycle per core: two FMA pipes, each lanes x 2 flop.
    let lanes64 = match isa {
        Isa::Avx512 => 8.0,
        Isa::Avx2 => 4.0,
        Isa::Portable => 2.0,
    };
    println!("Clock estimate (dependent-add loop): {ghz:.2} GHz; instruction set: {isa:?}");
    println!(
        "Peak per core at that clock: f64 {:.0} GFLOP/s, f32 {:.0} GFLOP/s\n",
        2.0 * 2.0 * lanes64 * ghz,
        4.0 * 2.0 * lanes64 * ghz
    );
    println!("| type | n | threads | unsupervised | faer | nalgebra | matrixmultiply | ours / fastest peer | ours / peak |");
    println!("|---|---|---|---|---|---|---|---|---|");
    for (name, flop_per_cycle) in [("f64", 4.0 * lanes64), ("f32", 8.0 * lanes64)] {
        for n in crate::list_env("VERSUS_SIZES", &[64, 256, 512, 1024]) {
            for threads in crate::list_env("VERSUS_THREADS", &[1, 2]) {
                let r = if name == "f64" {
                    measure::<f64>(n, threads)
                } else {
                    measure::<f32>(n, threads)
                };
                let fmt = |x: Option<f64>| x.map_or("–".to_string(), |v| format!("{v:.1}"));
                let ours = r[0].unwrap_or(0.0);
                let best_peer = r[1..].iter().flatten().fold(0.0f64, |m, &v| m.max(v));
                let peak = flop_per_cycle * ghz * threads as f64;
                println!(
                    "| {name} | {n} | {threads} | {} | {} | {} | {} | {:.2} | {:.0}% |",
                    fmt(r[0]),
                    fmt(r[1]),
                    fmt(r[2]),
                    fmt(r[3]),
                    ours / best_peer,
                    100.0 * ours / peak
                );
            }
        }
    }
}
