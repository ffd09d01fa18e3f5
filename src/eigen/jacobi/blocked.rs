//! Jacobi in blocks for large matrices: each round the heaviest disjoint pairs of blocks
//! sweep their sub-problems (several at once, on a thread team), and GEMMs carry their
//! rotations to the rest of the matrix and to Vᵀ.

use super::{settle, sort_diagonal, sweep, Work};
use crate::linalg::gemm::{gemm_packed, pack_operand, GemmScalar, Tile};
use crate::linalg::threads::team;
use crate::linalg::{Exec, MatRef, Matrix};
use std::marker::PhantomData;
use std::ops::Range;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Mutex, RwLock};

/// Rows per block in [`blocked_jacobi`]: a pair of blocks is a 48 x 48 sub-problem. At
/// n = 200, 400 and 800, 24 was 5–10% faster than 32 (GEMMs on larger tiles run faster, but
/// a pair's sweep costs the cube of its size), and 16, 20, 28, 40 and 48 were slower.
pub(super) const BLOCK: usize = 24;

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
pub(super) fn blocked_jacobi(
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
