//! Cyclic Jacobi for a real symmetric matrix (Jacobi 1846; Golub and Van Loan §8.5).
//!
//! One rotation `J(p, q, θ)` chosen so that `(JᵀAJ)[p][q] = 0` moves the weight `2a_pq²`
//! from the off-diagonal onto the diagonal: `off(A)² = Σ_{i≠j} a_ij²` falls by exactly that
//! much. A sweep rotates every pair once; the convergence is quadratic once the off-diagonal
//! is small. The product of all rotations holds the eigenvectors.
//!
//! Rotations in disjoint planes commute, so a sweep runs as rounds of disjoint pairs
//! ([`round`]), with the indices seated so that partners face each other: a round's updates
//! are then passes over contiguous runs. Large matrices are swept in blocks
//! ([`blocked_jacobi`]): in each round the heaviest disjoint pairs of 24-row blocks sweep
//! their 48 x 48 sub-problems and sort them, several pairs at once on separate threads, and
//! GEMMs carry the rotations to the rest of the matrix (`blocked.rs`).
//!
//! [`cyclic_jacobi`] is the textbook method in a few lines: the readable reference, and the
//! oracle the fast paths are tested against.

mod blocked;

use super::Trace;
use crate::error::{Error, Result};
use crate::linalg::kernels::{dispatched, isa, rot_body, Isa};
use crate::linalg::Scalar;
use crate::linalg::{Exec, Matrix};
use blocked::{blocked_jacobi, BLOCK};

/// `off(A) = sqrt(Σ_{i≠j} a_ij²)`.
pub fn off_norm(a: &Matrix<f64>) -> f64 {
    off_norm_of(a.as_slice(), a.rows())
}

fn off_norm_of(a: &[f64], n: usize) -> f64 {
    let mut s = 0.0;
    for (i, row) in a.chunks_exact(n).enumerate() {
        for (j, &x) in row.iter().enumerate() {
            if i != j {
                s += x * x;
            }
        }
    }
    s.sqrt()
}

// ANCHOR: rotation
/// The rotation that annihilates `a_pq`: with `θ = (a_qq - a_pp) / (2 a_pq)`, the smaller
/// root `t = sgn(θ) / (|θ| + sqrt(θ² + 1))` of `t² + 2θt - 1 = 0` (an angle of at most π/4,
/// which keeps the rotation close to the identity), then `c = 1/sqrt(1 + t²)`, `s = t c`.
#[inline(always)]
pub fn rotation<T: Scalar>(app: T, aqq: T, apq: T) -> (T, T, T) {
    let theta = (aqq - app) / (apq + apq);
    // NOTE: for huge θ, θ² overflows; then t ≈ 1/(2θ). Below that, sqrt(θ² + 1) is exact
    // enough and much cheaper than `hypot`. Selects rather than `signum`, so that a batch of
    // rotations vectorises.
    let sign = if theta < T::ZERO { -T::ONE } else { T::ONE };
    let t = if theta.abs() > T::from_f64(1e150) {
        T::from_f64(0.5) / theta
    } else {
        sign / (theta.abs() + (theta * theta + T::ONE).sqrt())
    };
    let c = T::ONE / (t * t + T::ONE).sqrt();
    (t, c, t * c)
}
// ANCHOR_END: rotation

/// The threshold test (see [`jacobi`]): is `a_pq` still worth a rotation?
fn significant(app: f64, aqq: f64, apq: f64) -> bool {
    apq != 0.0 && apq.abs() > f64::EPSILON * (app * aqq).abs().sqrt()
}

// ANCHOR: cyclic_jacobi
/// The textbook cyclic Jacobi method (Golub and Van Loan, Algorithm 8.5.3, with the
/// threshold test of [`jacobi`]): visit the pairs (p, q) row by row, rotate `a_pq` to zero
/// when it is significant (else set it to zero), accumulate `V ← VJ`, and stop after a
/// sweep that rotates nothing. One rotation touches two whole rows and columns: O(n) work,
/// O(n³) a sweep. Returns the unsorted eigenvalues and Vᵀ (eigenvectors as rows), as
/// [`jacobi`] does.
pub fn cyclic_jacobi(a: &Matrix<f64>, max_sweeps: usize) -> Result<(Vec<f64>, Matrix<f64>)> {
    let n = a.rows();
    let (mut a, mut v) = (a.clone(), Matrix::identity(n));
    for _ in 0..max_sweeps {
        let mut rotated = false;
        for p in 0..n {
            for q in p + 1..n {
                let (app, aqq, apq) = (a[(p, p)], a[(q, q)], a[(p, q)]);
                if !significant(app, aqq, apq) {
                    (a[(p, q)], a[(q, p)]) = (0.0, 0.0);
                    continue;
                }
                rotated = true;
                let (_, c, s) = rotation(app, aqq, apq);
                // A ← JᵀAJ with J = [[c, s], [-s, c]] in the (p, q) plane: columns, then rows.
                for k in 0..n {
                    let (x, y) = (a[(k, p)], a[(k, q)]);
                    (a[(k, p)], a[(k, q)]) = (c * x - s * y, s * x + c * y);
                }
                for k in 0..n {
                    let (x, y) = (a[(p, k)], a[(q, k)]);
                    (a[(p, k)], a[(q, k)]) = (c * x - s * y, s * x + c * y);
                }
                (a[(p, q)], a[(q, p)]) = (0.0, 0.0);
                for k in 0..n {
                    let (x, y) = (v[(k, p)], v[(k, q)]);
                    (v[(k, p)], v[(k, q)]) = (c * x - s * y, s * x + c * y);
                }
            }
        }
        if !rotated {
            return Ok(((0..n).map(|i| a[(i, i)]).collect(), v.transpose()));
        }
    }
    Err(Error::NoConvergence {
        what: "cyclic Jacobi",
        iterations: max_sweeps,
        residual: off_norm(&a),
    })
}
// ANCHOR_END: cyclic_jacobi

/// A thread's scratch space, reused across rounds and pairs.
#[derive(Default)]
struct Work {
    /// The sub-matrix in seat order, padded to an even size, and the next round's copy.
    a: Vec<f64>,
    b: Vec<f64>,
    /// Which index (row of `qt`) sits in each seat, now and in the next round.
    who: Vec<usize>,
    next: Vec<usize>,
    /// Two rows in the making, when their size is not known at compile time.
    pair: Vec<f64>,
    /// A round's 2 x 2 blocks and their rotations `(t, c, s)`.
    app: Vec<f64>,
    aqq: Vec<f64>,
    apq: Vec<f64>,
    t: Vec<f64>,
    c: Vec<f64>,
    s: Vec<f64>,
    perm: Vec<f64>,
    tile: Vec<f64>,
    product: Vec<f64>,
    rows: Vec<f64>,
}

// ANCHOR: schedule
/// The seat of index `p` in the first round of a sweep of 2h indices. Round r pairs p with
/// `(r - p) mod 2h`, so each pair meets once in 2h rounds, at `r = p + q mod 2h`. On a
/// circle of the indices, a round's pairs are mirror images: an even round `r = 2o` pairs
/// `o - k` with `o + k` and leaves o and `o + h` idle, an odd round `2o + 1` pairs `o - k`
/// with `o + 1 + k`. The rounds are played in seatings where partners face each other, seat
/// i (top) against seat `h + i` (bottom); in even rounds the idle two sit in seats `h - 1`
/// and `2h - 1`. Round 0: 0 in seat `h - 1`, h in seat `2h - 1`, `1..h` along the bottom,
/// `2h - 1` down to `h + 1` along the top.
fn first_seat(p: usize, h: usize) -> usize {
    match p {
        0 => h - 1,
        p if p < h => h + p - 1,
        p if p == h => 2 * h - 1,
        p => 2 * h - 1 - p,
    }
}

/// `dst[k']` = `src[k]` where k' is the seat that the index in seat k takes in the next round.
/// After an even round the top row turns one place right; after an odd round the bottom row
/// turns one place left through the seats `h - 1` and `2h - 1`. Rows and columns of the matrix
/// move alike, and so does the list of who sits where.
#[inline(always)]
fn move_seats<T: Copy>(dst: &mut [T], src: &[T], h: usize, even: bool) {
    let w = 2 * h;
    if even {
        dst[1..h].copy_from_slice(&src[..h - 1]);
        dst[0] = src[h - 1];
        dst[h..w].copy_from_slice(&src[h..w]);
    } else {
        dst[..h - 1].copy_from_slice(&src[..h - 1]);
        dst[h - 1] = src[h];
        dst[h..w - 1].copy_from_slice(&src[h + 1..w]);
        dst[w - 1] = src[h - 1];
    }
}

/// The seat that the index in seat `k` takes in the next round (see [`move_seats`]).
fn next_seat(k: usize, h: usize, even: bool) -> usize {
    match (even, k) {
        (true, k) if k < h => (k + 1) % h,
        (true, k) => k,
        (false, k) if k + 1 < h => k,
        (false, k) if k + 1 == h => 2 * h - 1,
        (false, k) => k - 1,
    }
}
// ANCHOR_END: schedule

// ANCHOR: round
/// One round of a sweep of `a` (2h x 2h, row-major, seated as [`first_seat`] describes) into
/// `b`: the planes (i, h + i) are disjoint, so their rotations `J` commute and apply at once.
/// Partners sit in the two halves of every row and column, so `Jᵀ` mixes row i with row
/// h + i, and `J` mixes the left half of each row with its right half: contiguous runs, which
/// vectorise. The rows are written to the next round's seats, their entries moved alike. The
/// rotations also turn the rows of `qt` of the indices in the planes (`who` says which index
/// sits where). Returns how many rotations were significant; the others are identities.
fn round(
    a: &[f64],
    b: &mut [f64],
    qt: &mut [f64],
    who: &[usize],
    even: bool,
    work: &mut Work,
) -> usize {
    let h = who.len() / 2;
    let rotated = plan(a, h, even, work);
    let planes = Planes {
        even,
        t: &work.t,
        c: &work.c,
        s: &work.s,
        app: &work.app,
        aqq: &work.aqq,
        apq: &work.apq,
    };
    work.pair.resize(4 * h, 0.0);
    apply_round(a, b, qt, who, planes, &mut work.pair);
    rotated
}
// ANCHOR_END: round

/// A round's rotations `(t, c, s)` of the planes (i, h + i), their 2 x 2 blocks, and the
/// round's parity (an even round leaves plane `h - 1` idle and moves the seats differently).
#[derive(Clone, Copy)]
struct Planes<'a, T> {
    even: bool,
    t: &'a [T],
    c: &'a [T],
    s: &'a [T],
    app: &'a [T],
    aqq: &'a [T],
    apq: &'a [T],
}

/// The rotations of a round's planes (i, h + i): those whose `a_pq` passes the threshold
/// test, and the identity (`t = 0`, `c = 1`, `s = 0`, which changes nothing exactly) for
/// the others, whose `a_pq` the round sets to zero, and for the idle pair of an even round.
/// Returns the count of the first kind.
fn plan(a: &[f64], h: usize, even: bool, work: &mut Work) -> usize {
    let w = 2 * h;
    work.app.clear();
    work.app.extend((0..h).map(|i| a[i * w + i]));
    work.aqq.clear();
    work.aqq.extend((0..h).map(|i| a[(h + i) * w + h + i]));
    work.apq.clear();
    work.apq.extend((0..h).map(|i| a[i * w + h + i]));
    for v in [&mut work.t, &mut work.c, &mut work.s] {
        v.resize(h, 0.0);
    }
    let (t, c, s) = (&mut work.t, &mut work.c, &mut work.s);
    rotations(&work.app, &work.aqq, &work.apq, t, c, s);
    let mut rotated = 0;
    for i in 0..h {
        let idle = even && i + 1 == h;
        if !idle && significant(work.app[i], work.aqq[i], work.apq[i]) {
            rotated += 1;
        } else {
            (t[i], c[i], s[i]) = (0.0, 1.0, 0.0);
        }
    }
    rotated
}

#[inline(always)]
fn rotations_body<T: Scalar, const FUSED: bool>(
    app: &[T],
    aqq: &[T],
    apq: &[T],
    t: &mut [T],
    c: &mut [T],
    s: &mut [T],
) {
    let planes = app.iter().zip(aqq).zip(apq);
    let out = t.iter_mut().zip(c.iter_mut()).zip(s.iter_mut());
    for (((&app, &aqq), &apq), ((t, c), s)) in planes.zip(out) {
        (*t, *c, *s) = rotation(app, aqq, apq);
    }
}

dispatched!(
    /// [`rotation`] for a batch of planes, dispatched: vectorised, a round's square roots and
    /// divisions cost a few cycles each instead of their latency.
    rotations, rotations_with, rotations_body,
    (app: &[T], aqq: &[T], apq: &[T], t: &mut [T], c: &mut [T], s: &mut [T]) -> ()
);

#[inline(always)]
fn apply_round_body<T: Scalar, const FUSED: bool>(
    a: &[T],
    b: &mut [T],
    qt: &mut [T],
    who: &[usize],
    planes: Planes<T>,
    scratch: &mut [T],
) {
    let h = who.len() / 2;
    // The blocked path's size as a constant: every loop then has a known length.
    if h == BLOCK {
        turn_rows::<T, FUSED, BLOCK>(a, b, h, planes, scratch);
    } else {
        turn_rows::<T, FUSED, 0>(a, b, h, planes, scratch);
    }
    // `qt` is m x m, for the m real indices (an odd m's padding index never rotates).
    let m = qt.len().isqrt();
    for i in (0..h).filter(|&i| planes.t[i] != T::ZERO) {
        let (p, q) = (who[i], who[h + i]);
        // Two distinct indices: the check never fails.
        if let Ok([x, y]) = qt.get_disjoint_mut([p * m..(p + 1) * m, q * m..(q + 1) * m]) {
            rot_body::<T, FUSED>(x, y, planes.c[i], planes.s[i]);
        }
    }
}

/// The rows of [`apply_round`]; `H`, if not 0, is the value of `h` known at compile time.
#[inline(always)]
fn turn_rows<T: Scalar, const FUSED: bool, const H: usize>(
    a: &[T],
    b: &mut [T],
    h: usize,
    planes: Planes<T>,
    scratch: &mut [T],
) {
    let h = if H > 0 { H } else { h };
    let even = planes.even;
    let w = 2 * h;
    // Rows of a known size stay in registers.
    let (mut fixed_x, mut fixed_y) = ([T::ZERO; 2 * BLOCK], [T::ZERO; 2 * BLOCK]);
    let (x, y) = scratch.split_at_mut(w);
    let (x, y) = if H > 0 {
        (&mut fixed_x[..w], &mut fixed_y[..w])
    } else {
        (x, &mut y[..w])
    };
    let (cs, sn) = (&planes.c[..h], &planes.s[..h]);
    // Plain loops, not closures: a closure would not inherit the target features.
    for i in 0..h {
        let (c, s) = (cs[i], sn[i]);
        // Jᵀ: rows i and h + i. Chapter 1's `rot` rotates in place; reading from `a` and
        // writing the registers directly was 3–5% faster than a copy and `rot`.
        let (u, v) = (&a[i * w..(i + 1) * w], &a[(h + i) * w..(h + i + 1) * w]);
        for j in 0..w {
            x[j] = c.madd::<FUSED>(u[j], -(s * v[j]));
            y[j] = s.madd::<FUSED>(u[j], c * v[j]);
        }
        // J: in both rows, the left half against the right half.
        for row in [&mut *x, &mut *y] {
            let (left, right) = row.split_at_mut(h);
            for j in 0..h {
                let (u, v) = (left[j], right[j]);
                left[j] = cs[j].madd::<FUSED>(u, -(sn[j] * v));
                right[j] = sn[j].madd::<FUSED>(u, cs[j] * v);
            }
        }
        let (to_x, to_y) = (next_seat(i, h, even), next_seat(h + i, h, even));
        move_seats(&mut b[to_x * w..(to_x + 1) * w], x, h, even);
        move_seats(&mut b[to_y * w..(to_y + 1) * w], y, h, even);
        if !(even && i + 1 == h) {
            // The 2 x 2 block exactly as the rotation formulas give it, patched in after the
            // moves: a vector load of a row just patched by single stores would stall.
            let (t, apq) = (planes.t[i], planes.apq[i]);
            (b[to_x * w + to_x], b[to_x * w + to_y]) = (planes.app[i] - t * apq, T::ZERO);
            (b[to_y * w + to_x], b[to_y * w + to_y]) = (T::ZERO, planes.aqq[i] + t * apq);
        }
    }
}

dispatched!(
    /// The updates of a round (see [`round`]), dispatched as one kernel.
    apply_round, apply_round_with, apply_round_body,
    (a: &[T], b: &mut [T], qt: &mut [T], who: &[usize], planes: Planes<T>, scratch: &mut [T]) -> ()
);

/// One sweep (every pair once) of the m x m `s`, rotations accumulated into the rows of
/// `qt`: 2h rounds on `s` padded to 2h rows (a zero row and column for odd m, which no
/// threshold test passes). Returns how many rotations it applied.
fn sweep(s: &mut [f64], qt: &mut [f64], m: usize, work: &mut Work) -> usize {
    if m < 2 || !pending(s, m) {
        return 0;
    }
    // A pair with a short block is padded to a full pair: the rounds' loops then have the
    // length known at compile time.
    let h = if (BLOCK..=2 * BLOCK).contains(&m) {
        BLOCK
    } else {
        m.div_ceil(2)
    };
    let w = 2 * h;
    let (mut who, mut next) = (
        std::mem::take(&mut work.who),
        std::mem::take(&mut work.next),
    );
    who.resize(w, 0);
    next.resize(w, 0);
    for p in 0..w {
        who[first_seat(p, h)] = p;
    }
    let (mut a, mut b) = (std::mem::take(&mut work.a), std::mem::take(&mut work.b));
    a.resize(w * w, 0.0);
    b.resize(w * w, 0.0);
    for (row, &p) in a.chunks_exact_mut(w).zip(&who) {
        for (x, &q) in row.iter_mut().zip(&who) {
            *x = if p < m && q < m { s[p * m + q] } else { 0.0 };
        }
    }
    let mut rotated = 0;
    for r in 0..w {
        let even = r % 2 == 0;
        rotated += round(&a, &mut b, qt, &who, even, work);
        std::mem::swap(&mut a, &mut b);
        move_seats(&mut next, &who, h, even);
        std::mem::swap(&mut who, &mut next);
    }
    for (row, &p) in a.chunks_exact(w).zip(&who).filter(|&(_, &p)| p < m) {
        for (&x, &q) in row.iter().zip(&who).filter(|&(_, &q)| q < m) {
            s[p * m + q] = x;
        }
    }
    (work.a, work.b, work.who, work.next) = (a, b, who, next);
    rotated
}

/// Whether some off-diagonal entry of the m x m `s` passes the threshold test. If none
/// does, they are all set to zero, as a sweep would do.
fn pending(s: &mut [f64], m: usize) -> bool {
    let significant_at = |p: usize, q: usize| significant(s[p * m + p], s[q * m + q], s[p * m + q]);
    if (0..m).any(|p| (p + 1..m).any(|q| significant_at(p, q))) {
        return true;
    }
    for (i, row) in s.chunks_exact_mut(m).enumerate() {
        row.iter_mut()
            .enumerate()
            .filter(|&(j, _)| j != i)
            .for_each(|(_, x)| *x = 0.0);
    }
    false
}

/// Orders the diagonal of the m x m `s` ascending: a permutation of rows and columns of `s`
/// and of the rows of `qt`, so exact. Within a block pair, the smaller eigenvalues go to the
/// lower block; over the sweeps the eigenvalues migrate towards their sorted places, which
/// cut the sweeps at n = 400 from 11 to 8 in a prototype with cyclic block order.
fn sort_diagonal(s: &mut [f64], qt: &mut [f64], m: usize, work: &mut Work) {
    let mut order: Vec<usize> = (0..m).collect();
    order.sort_by(|&i, &j| s[i * m + i].total_cmp(&s[j * m + j]));
    let perm = &mut work.perm;
    perm.clear();
    perm.extend(
        order
            .iter()
            .flat_map(|&i| order.iter().map(move |&j| (i, j)))
            .map(|(i, j)| s[i * m + j]),
    );
    s.copy_from_slice(perm);
    perm.clear();
    perm.extend(
        order
            .iter()
            .flat_map(|&i| qt[i * m..(i + 1) * m].iter().copied()),
    );
    qt.copy_from_slice(perm);
}

/// Whether some off-diagonal `a_pq` still passes the threshold test (see [`jacobi`]), and
/// `off(A)` afterwards: if none passes, they are all set to zero, as the sweep that found
/// them would have done, and `off(A)` is 0.
fn settle(a: &mut [f64], n: usize) -> (bool, f64) {
    // An entry that fails the test is at most ε max|a_ii| ≤ ε‖A‖_F, so if all n(n-1) of them
    // failed, off(A) would be at most nε‖A‖_F. Above that, something passes: no need to look.
    let off = off_norm_of(a, n);
    let diagonal = (0..n).map(|i| a[i * n + i] * a[i * n + i]).sum::<f64>();
    let norm = (off * off + diagonal).sqrt();
    if off > n as f64 * f64::EPSILON * norm || pending(a, n) {
        return (true, off);
    }
    (false, 0.0)
}

// ANCHOR: sweep
/// Diagonalises the symmetric `a` by cyclic sweeps. Returns the unsorted eigenvalues, the
/// eigenvectors as the rows of `Vᵀ`, and `off(A)/‖A‖_F` before and after every sweep.
///
/// Threshold strategy (Demmel and Veselić 1992): `a_pq` is rotated away only while
/// `|a_pq| > ε sqrt(|a_pp a_qq|)`; smaller entries are set to zero, which changes each
/// eigenvalue by a tiny fraction of itself. That gives graded matrices (entries of very
/// different sizes) eigenvalues with high *relative* accuracy. The iteration ends after the
/// sweep that leaves no entry above the threshold ([`settle`]).
pub fn jacobi(
    a: &Matrix<f64>,
    max_sweeps: usize,
    exec: Exec,
) -> Result<(Vec<f64>, Matrix<f64>, Trace)> {
    let n = a.rows();
    let mut a = a.clone();
    let mut vt = Matrix::identity(n);
    let norm = a.as_slice().iter().map(|x| x * x).sum::<f64>().sqrt();
    let relative = |off: f64| if norm > 0.0 { off / norm } else { 0.0 };
    let mut trace = Trace {
        off_diagonal: vec![relative(off_norm(&a))],
    };
    let converged = if n > SMALL {
        blocked_jacobi(&mut a, &mut vt, max_sweeps, exec, |off| {
            trace.off_diagonal.push(relative(off))
        })
    } else {
        let mut work = Work::default();
        (0..max_sweeps).any(|_| {
            sweep(a.as_mut_slice(), vt.as_mut_slice(), n, &mut work);
            let (pending, off) = settle(a.as_mut_slice(), n);
            trace.off_diagonal.push(relative(off));
            !pending
        })
    };
    if !converged {
        return Err(Error::NoConvergence {
            what: "Jacobi eigenvalue iteration",
            iterations: max_sweeps,
            residual: relative(off_norm(&a)),
        });
    }
    let values = (0..n).map(|i| a[(i, i)]).collect();
    Ok((values, vt, trace))
}
// ANCHOR_END: sweep

/// Up to this size (one block pair), sweeps over the whole matrix; above it, blocks. Whole
/// sweeps and blocks took the same time at n = 56 and 64 (best of 5 here: 0.73 against 0.69
/// ms, 1.03 against 1.01 ms), and blocks were faster at 72.
const SMALL: usize = 2 * BLOCK;
