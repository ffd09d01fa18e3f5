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
//! GEMMs carry the rotations to the rest of the matrix.

use super::Trace;
use crate::error::{Error, Result};
use crate::linalg::gemm::{gemm_packed, pack_operand, GemmScalar, Tile};
use crate::linalg::kernels::{dispatched, isa, rot_body, Isa};
use crate::linalg::threads::team;
use crate::linalg::Scalar;
use crate::linalg::{Exec, MatRef, Matrix};
use std::marker::PhantomData;
use std::ops::Range;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Mutex, RwLock};

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
        (false, k) if k == h => h - 1,
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

/// Rows per block in [`blocked_jacobi`]: a pair of blocks is a 48 x 48 sub-problem. At
/// n = 200, 400 and 800, 24 was 5–10% faster than 32 (GEMMs on larger tiles run faster, but
/// a pair's sweep costs the cube of its size), and 16, 20, 28, 40 and 48 were slower.
const BLOCK: usize = 24;

// ANCHOR: pairing
/// The block pairs of the next round, chosen by weight (dynamic ordering; Bečka, Okša and
/// Vajteršic 2002): greedily the pairs (I, J) with the largest `‖A[I, J]‖_F²`, `weight[I][J]`,
/// each block at most once. A block left over (odd count) sits alone, as `(block, nb)`.
/// Pairs come as (lower, higher). Rotating where the weight is cut the sweeps at n = 400
/// from 10 to 7, against a fixed round-robin tournament.
fn heaviest_pairs(weight: &[f64], nb: usize) -> Vec<(usize, usize)> {
    let mut candidates: Vec<(usize, usize)> = (0..nb)
        .flat_map(|i| (i + 1..nb).map(move |j| (i, j)))
        .collect();
    // Stable: equal weights keep index order, so the choice is reproducible.
    candidates.sort_by(|&(i, j), &(k, l)| weight[k * nb + l].total_cmp(&weight[i * nb + j]));
    let mut taken = vec![false; nb];
    let mut pairs = Vec::with_capacity(nb.div_ceil(2));
    for (i, j) in candidates {
        if !taken[i] && !taken[j] {
            (taken[i], taken[j]) = (true, true);
            pairs.push((i, j));
        }
    }
    pairs.extend((0..nb).filter(|&i| !taken[i]).map(|i| (i, nb)));
    pairs
}
// ANCHOR_END: pairing

/// The weights `‖A[I, J]‖_F²` of all block pairs I < J, from A itself.
fn block_weights(a: &[f64], n: usize, blocks: &[Range<usize>]) -> Vec<f64> {
    let nb = blocks.len();
    let mut weight = vec![0.0; nb * nb];
    for (i, rows) in blocks.iter().enumerate() {
        for row in rows.clone().map(|r| &a[r * n..(r + 1) * n]) {
            for (j, cols) in blocks.iter().enumerate().skip(i + 1) {
                weight[i * nb + j] += row[cols.clone()].iter().map(|x| x * x).sum::<f64>();
            }
        }
    }
    weight
}

/// Block weights kept up to date by the tile tasks, which have each tile at hand after its
/// update: `f64` bits in atomics, each written by one task per round.
struct Weights {
    nb: usize,
    bits: Vec<AtomicU64>,
}

impl Weights {
    fn new(initial: &[f64], nb: usize) -> Self {
        let bits = initial
            .iter()
            .map(|w| AtomicU64::new(w.to_bits()))
            .collect();
        Weights { nb, bits }
    }
    fn get(&self) -> Vec<f64> {
        self.bits
            .iter()
            .map(|b| f64::from_bits(b.load(Ordering::Relaxed)))
            .collect()
    }
    /// Records the weights of the four blocks of the row-major `tile = A[P, R]`, where the
    /// pairs P and R are the blocks `p` and `r` (an index `nb` is an empty block).
    fn record(
        &self,
        tile: &[f64],
        (pm, p): (&Members, (usize, usize)),
        (rm, r): (&Members, (usize, usize)),
    ) {
        let width = rm[0].len() + rm[1].len();
        let mut top = 0;
        for (rows, bi) in pm.iter().zip([p.0, p.1]) {
            let mut left = 0;
            for (cols, bj) in rm.iter().zip([r.0, r.1]) {
                if bi < self.nb && bj < self.nb && bi != bj {
                    let w: f64 = (top..top + rows.len())
                        .map(|i| {
                            let row = &tile[i * width + left..i * width + left + cols.len()];
                            row.iter().map(|x| x * x).sum::<f64>()
                        })
                        .sum();
                    let at = bi.min(bj) * self.nb + bi.max(bj);
                    self.bits[at].store(w.to_bits(), Ordering::Relaxed);
                }
                left += cols.len();
            }
            top += rows.len();
        }
    }
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

/// A row-major matrix that the workers of [`blocked_jacobi`] share. Between two barriers
/// every entry is written by at most one worker, and read by no other, which is what the
/// `unsafe` accessors require of their callers.
struct Shared<'a> {
    ptr: *mut f64,
    cols: usize,
    len: usize,
    _matrix: PhantomData<&'a mut Matrix<f64>>,
}

// SAFETY: access is coordinated as the type's documentation states.
unsafe impl Send for Shared<'_> {}
unsafe impl Sync for Shared<'_> {}

impl<'a> Shared<'a> {
    fn new(m: &'a mut Matrix<f64>) -> Self {
        Shared {
            cols: m.cols(),
            len: m.as_slice().len(),
            ptr: m.as_mut_slice().as_mut_ptr(),
            _matrix: PhantomData,
        }
    }
    /// Entries `cols` of row `r`.
    /// SAFETY: no other worker touches them until the next barrier.
    #[allow(clippy::mut_from_ref)]
    unsafe fn part(&self, r: usize, cols: Range<usize>) -> &mut [f64] {
        let start = r * self.cols + cols.start;
        assert!(cols.end <= self.cols && start + cols.len() <= self.len);
        std::slice::from_raw_parts_mut(self.ptr.add(start), cols.len())
    }
    /// Rows `rows`, whole.
    /// SAFETY: as for [`Shared::part`].
    #[allow(clippy::mut_from_ref)]
    unsafe fn rows(&self, rows: Range<usize>) -> &mut [f64] {
        assert!(rows.end * self.cols <= self.len);
        std::slice::from_raw_parts_mut(self.ptr.add(rows.start * self.cols), rows.len() * self.cols)
    }
}

/// The indices of a block pair: two row ranges.
type Members = [Range<usize>; 2];

/// Copies `a[rows, cols]` into the row-major `out`.
fn gather(a: &Shared, rows: &Members, cols: &Members, out: &mut Vec<f64>) {
    let width = cols[0].len() + cols[1].len();
    out.resize((rows[0].len() + rows[1].len()) * width, 0.0);
    for (i, r) in rows.iter().flat_map(|r| r.clone()).enumerate() {
        let mut at = i * width;
        for c in cols {
            // SAFETY: the caller's task owns these entries in this phase.
            copy_run(&mut out[at..at + c.len()], unsafe { a.part(r, c.clone()) });
            at += c.len();
        }
    }
}

/// Writes the row-major `tile` to `a[rows, cols]`, and, if `mirror`, its transpose to
/// `a[cols, rows]`.
fn scatter(a: &Shared, rows: &Members, cols: &Members, tile: &[f64], mirror: bool) {
    let width = cols[0].len() + cols[1].len();
    for (i, r) in rows.iter().flat_map(|r| r.clone()).enumerate() {
        let mut at = i * width;
        for c in cols {
            // SAFETY: as in `gather`.
            copy_run(unsafe { a.part(r, c.clone()) }, &tile[at..at + c.len()]);
            at += c.len();
        }
    }
    if mirror {
        // Column j of the tile, read down, is row j of the mirror image.
        for (j, r) in cols.iter().flat_map(|c| c.clone()).enumerate() {
            let mut top = 0;
            for c in rows {
                // SAFETY: as in `gather`.
                let out = unsafe { a.part(r, c.clone()) };
                for (k, x) in out.iter_mut().enumerate() {
                    *x = tile[(top + k) * width + j];
                }
                top += c.len();
            }
        }
    }
}

/// `dst ← src`. A run of [`BLOCK`] numbers, the usual case, is a fixed-size copy that the
/// compiler inlines: tiles move in such runs thousands of times a sweep, and a `memcpy`
/// call for each was a tenth of the time.
#[inline(always)]
fn copy_run(dst: &mut [f64], src: &[f64]) {
    if let (Ok(d), Ok(s)) = (
        <&mut [f64; BLOCK]>::try_from(&mut *dst),
        <&[f64; BLOCK]>::try_from(src),
    ) {
        *d = *s;
        return;
    }
    dst.copy_from_slice(src);
}

/// What a block pair's sub-problem produced in a round: the rotated and sorted sub-matrix,
/// the accumulated `Qᵀ`, `Q` packed for the tiles' GEMMs, and whether anything rotated.
#[derive(Default)]
struct PairResult {
    s: Vec<f64>,
    qt: Vec<f64>,
    q: Vec<f64>,
    rotated: bool,
}

// ANCHOR: blocked
/// Jacobi sweeps for large n, in blocks of [`BLOCK`] rows. Each round:
/// 1. the heaviest disjoint block pairs P = I ∪ J are chosen ([`heaviest_pairs`]);
/// 2. every pair sweeps its sub-matrix `A[P, P]` once ([`sweep`]) and sorts its diagonal;
///    the rotations accumulate into a small `Q_Pᵀ`, which updates the rows P of `Vᵀ` by one
///    GEMM;
/// 3. every tile `A[P, R]` of two pairs becomes `Q_Pᵀ A[P, R] Q_R` (two GEMMs), written
///    with its mirror image `A[R, P]`, since A stays symmetric.
///
/// A sweep is as many rounds as a round-robin tournament of the blocks takes. After each,
/// the threshold test runs over all of A: the iteration ends when no entry passes it.
/// Pairs and tiles are independent inside a phase, so a [`team`] of threads shares them out;
/// every task computes the same numbers on any thread, so the result does not depend on the
/// thread count. `on_sweep` receives `off(A)` after each sweep. Returns whether the
/// iteration ended within `max_sweeps`.
fn blocked_jacobi(
    a: &mut Matrix<f64>,
    vt: &mut Matrix<f64>,
    max_sweeps: usize,
    exec: Exec,
    on_sweep: impl FnMut(f64) + Send,
) -> bool {
    let n = a.rows();
    let blocks: Vec<Range<usize>> = (0..n)
        .step_by(BLOCK)
        .map(|s| s..(s + BLOCK).min(n))
        .collect();
    let nb = blocks.len();
    let rounds = nb - 1 + nb % 2;
    // A block alone still sweeps its own sub-matrix, and its tiles with the others turn
    // by their Q alone.
    let members = |(i, j): (usize, usize)| -> Members {
        [blocks[i].clone(), blocks.get(j).cloned().unwrap_or(0..0)]
    };
    let width = nb.div_ceil(2);
    let tile = f64::tile(exec.isa);
    let results: Vec<RwLock<PairResult>> = (0..width).map(|_| RwLock::default()).collect();
    let weights = Weights::new(&block_weights(a.as_slice(), n, &blocks), nb);
    let pending = AtomicBool::new(true);
    let (a, vt) = (Shared::new(a), Shared::new(vt));
    let on_sweep = Mutex::new(on_sweep);
    let outcome = team(exec.threads.clamp(1, width), |me| {
        let mut work = Work::default();
        for _ in 0..max_sweeps {
            for _ in 0..rounds {
                // Every member makes the same choice from the same weights, which only the
                // tile phase writes: no barrier needed.
                let pairs = heaviest_pairs(&weights.get(), nb);
                me.share(pairs.len(), |k| {
                    let mut result = results[k].write().unwrap_or_else(|e| e.into_inner());
                    sweep_pair(&a, &vt, &members(pairs[k]), &tile, &mut result, &mut work);
                });
                // The tiles (k, l), k <= l, of the round's pairs.
                let tiles: Vec<(usize, usize)> = (0..pairs.len())
                    .flat_map(|k| (k..pairs.len()).map(move |l| (k, l)))
                    .collect();
                me.share(tiles.len(), |i| {
                    let (k, l) = tiles[i];
                    let (pk, pl) = (members(pairs[k]), members(pairs[l]));
                    let rk = results[k].read().unwrap_or_else(|e| e.into_inner());
                    if k == l {
                        scatter(&a, &pk, &pk, &rk.s, false);
                        weights.record(&rk.s, (&pk, pairs[k]), (&pk, pairs[k]));
                    } else {
                        let rl = results[l].read().unwrap_or_else(|e| e.into_inner());
                        if rotate_tile(&a, (&pk, &rk), (&pl, &rl), &tile, &mut work) {
                            weights.record(&work.tile, (&pk, pairs[k]), (&pl, pairs[l]));
                        }
                    }
                });
            }
            if me.index() == 0 {
                // SAFETY: the others wait below and nobody else touches A meanwhile.
                let all = unsafe { a.rows(0..n) };
                let (still, off) = settle(all, n);
                pending.store(still, Ordering::Relaxed);
                (on_sweep.lock().unwrap_or_else(|e| e.into_inner()))(off);
            }
            me.wait();
            if !pending.load(Ordering::Relaxed) {
                return true;
            }
        }
        false
    });
    outcome[0]
}
// ANCHOR_END: blocked

/// Phase 1 for one block pair: sweep and sort `A[P, P]` into `result`, and apply its `Qᵀ`
/// to rows P of `Vᵀ`.
fn sweep_pair(
    a: &Shared,
    vt: &Shared,
    p: &Members,
    tile: &Tile<f64>,
    result: &mut PairResult,
    work: &mut Work,
) {
    let m = p[0].len() + p[1].len();
    gather(a, p, p, &mut result.s);
    result.qt.clear();
    result.qt.resize(m * m, 0.0);
    result.qt.iter_mut().step_by(m + 1).for_each(|x| *x = 1.0);
    result.rotated = sweep(&mut result.s, &mut result.qt, m, work) > 0;
    if result.rotated {
        sort_diagonal(&mut result.s, &mut result.qt, m, work);
        let q = MatRef::row_major(&result.qt, m, m).t();
        pack_operand(tile, &[q], &mut result.q);
        let n = vt.cols;
        let qt = MatRef::row_major(&result.qt, m, m);
        let members = || p.iter().filter(|r| !r.is_empty());
        // The rows P of Vᵀ, packed straight from Vᵀ: the products then write over the rows
        // they read.
        let parts: Vec<MatRef<f64>> = members()
            .map(|r| {
                // SAFETY: rows P of Vᵀ belong to this pair's task; these views end before the
                // writes below.
                MatRef::row_major(unsafe { &*vt.rows(r.clone()) }, r.len(), n)
            })
            .collect();
        pack_operand(tile, &parts, &mut work.rows);
        drop(parts);
        let mut top = 0;
        for r in members() {
            // SAFETY: as above.
            let out = unsafe { vt.rows(r.clone()) };
            gemm_packed(tile, qt.block(top, 0, r.len(), m), &work.rows, n, out, n);
            top += r.len();
        }
    }
}

/// Phase 2 for two block pairs P and R: `A[P, R] ← Q_Pᵀ A[P, R] Q_R`, and the mirror image.
/// Returns false, and leaves the tile alone, if neither pair rotated; else the new tile is
/// in `work.tile`. Both products take their left operand as the transpose of a row-major
/// matrix, the layout that packs fastest: `Uᵀ = Tᵀ Q_P`, then `U Q_R`.
fn rotate_tile(
    a: &Shared,
    (p, rp): (&Members, &PairResult),
    (r, rr): (&Members, &PairResult),
    tile: &Tile<f64>,
    work: &mut Work,
) -> bool {
    if !rp.rotated && !rr.rotated {
        return false;
    }
    let (mp, mr) = (p[0].len() + p[1].len(), r[0].len() + r[1].len());
    gather(a, p, r, &mut work.tile);
    work.product.resize(mp * mr, 0.0);
    let t = MatRef::row_major(&work.tile, mp, mr);
    if !rp.rotated {
        gemm_packed(tile, t, &rr.q, mr, &mut work.product, mr);
        std::mem::swap(&mut work.tile, &mut work.product);
    } else if !rr.rotated {
        // The new tile is U: the transpose of the product.
        gemm_packed(tile, t.t(), &rp.q, mp, &mut work.product, mp);
        for (k, x) in work.tile.iter_mut().enumerate() {
            *x = work.product[(k % mr) * mp + k / mr];
        }
    } else {
        gemm_packed(tile, t.t(), &rp.q, mp, &mut work.product, mp);
        let ut = MatRef::row_major(&work.product, mr, mp);
        gemm_packed(tile, ut.t(), &rr.q, mr, &mut work.tile, mr);
    }
    scatter(a, p, r, &work.tile, true);
    true
}
