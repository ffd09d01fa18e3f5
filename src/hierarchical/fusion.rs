//! The three fusion loops behind [`linkage`](super::linkage), as Müllner (2011) recommends:
//! Prim's spanning tree for single linkage, the nearest-neighbour chain for the reducible
//! linkages, the generic algorithm with a priority queue for centroid and median.

use super::{Condensed, Linkage, RawMerge};
use std::cmp::Reverse;
use std::collections::BinaryHeap;

// ANCHOR: prim
/// Single linkage is the minimum spanning tree: Prim's algorithm grows the tree from point
/// 0, adding each time the outside point nearest to it; every added edge is a fusion.
pub(super) fn prim(d: &Condensed) -> Vec<RawMerge> {
    let n = d.n();
    // The points not yet in the tree, ascending, and the nearest tree point to each.
    let mut outside: Vec<usize> = (1..n).collect();
    let mut nearest = vec![(f64::INFINITY, 0usize); n];
    let mut merges = Vec::with_capacity(n - 1);
    let mut current = 0;
    while !outside.is_empty() {
        // Bring in `current`'s distances (a column of the condensed matrix below it, a
        // contiguous row above), and find the outside point nearest to the tree: strict `<`
        // in ascending order, so ties go to the smaller index.
        let split = outside.partition_point(|&j| j < current);
        let row = d.row_start[current];
        let (mut best, mut best_at) = (f64::INFINITY, usize::MAX);
        let mut visit = |p: usize, j: usize, dj: f64| {
            let nj = &mut nearest[j];
            if dj < nj.0 {
                *nj = (dj, current);
            }
            if nj.0 < best || best_at == usize::MAX {
                (best, best_at) = (nj.0, p);
            }
        };
        for (p, &j) in outside[..split].iter().enumerate() {
            if let Some(&ahead) = outside[..split].get(p + AHEAD) {
                prefetch(&d.values, d.row_start[ahead].wrapping_add(current));
            }
            visit(p, j, d.values[d.row_start[j].wrapping_add(current)]);
        }
        for (p, &j) in outside.iter().enumerate().skip(split) {
            visit(p, j, d.values[row.wrapping_add(j)]);
        }
        let j = outside.remove(best_at);
        merges.push((nearest[j].1, j, nearest[j].0));
        current = j;
    }
    merges
}
// ANCHOR_END: prim

// ANCHOR: nn_chain
/// The nearest-neighbour chain: follow nearest neighbours from any cluster until two
/// clusters are each other's nearest (a reciprocal pair), and fuse them. For a reducible
/// linkage a fusion never brings a third cluster closer than the nearer of the two, so the
/// rest of the chain stays valid and the walk continues from where it was.
pub(super) fn nn_chain(mut m: Condensed, method: Linkage) -> Vec<RawMerge> {
    let n = m.n;
    let mut size = vec![1usize; n];
    let mut active: Vec<usize> = (0..n).collect();
    let mut chain: Vec<usize> = Vec::with_capacity(n);
    let mut merges = Vec::with_capacity(n - 1);
    while merges.len() < n - 1 {
        if chain.is_empty() {
            chain.push(active[0]);
        }
        let a = chain[chain.len() - 1];
        let prev = (chain.len() >= 2).then(|| chain[chain.len() - 2]);
        // The nearest other cluster; on a tie the previous chain element wins (so the
        // chain cannot cycle), then the smaller index.
        let (h, b) = m.nearest_in_row(a, &active, prev);
        if b == usize::MAX {
            break;
        }
        if Some(b) != prev {
            chain.push(b);
            continue;
        }
        chain.truncate(chain.len() - 2);
        // The fused cluster lives on in the larger slot; the smaller slot retires.
        let (lo, hi) = (a.min(b), a.max(b));
        merges.push((lo, hi, h));
        m.fuse(method, (lo, hi, h), &mut size, &active, |_, _| {});
        if let Ok(pos) = active.binary_search(&lo) {
            active.remove(pos);
        }
    }
    merges
}

/// The fusion loops update the condensed values in place (half the memory of a square
/// matrix, and nothing to mirror), squared first for centroid, median and Ward. Row i's
/// entries after the diagonal are contiguous; before it they are a column, one stride per
/// entry.
pub(super) fn working_copy(mut d: Condensed, squared: bool, scale: f64) -> Condensed {
    if scale != 1.0 {
        d.values.iter_mut().for_each(|v| *v *= scale);
    }
    if squared {
        d.values.iter_mut().for_each(|v| *v *= *v);
    }
    d
}

/// How many entries ahead the column scans prefetch.
const AHEAD: usize = 16;

/// Asks the CPU to start loading `values[i]` (if it exists). The column part of a row of
/// the condensed matrix jumps a whole row per entry, so without the hint every read waits
/// for memory.
#[inline(always)]
fn prefetch(values: &[f64], i: usize) {
    #[cfg(target_arch = "x86_64")]
    if let Some(v) = values.get(i) {
        // SAFETY: a prefetch is only a hint: it never faults and changes no state.
        unsafe {
            std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(
                (v as *const f64).cast::<i8>(),
            )
        };
    }
}

impl Condensed {
    /// The live cluster nearest to a, as (dissimilarity, index); `start` (if any) is
    /// checked first, so it wins ties, and otherwise the smaller index wins (strict `<` in
    /// ascending order). The column part of a's row first, then the contiguous part.
    #[inline]
    fn nearest_in_row(&self, a: usize, active: &[usize], start: Option<usize>) -> (f64, usize) {
        let (mut bd, mut bx) = start.map_or((f64::INFINITY, usize::MAX), |p| (self.get(a, p), p));
        let split = active.partition_point(|&x| x < a);
        for (t, &x) in active[..split].iter().enumerate() {
            if let Some(&ahead) = active[..split].get(t + AHEAD) {
                prefetch(&self.values, self.row_start[ahead].wrapping_add(a));
            }
            let v = self.values[self.row_start[x].wrapping_add(a)];
            if v < bd {
                (bd, bx) = (v, x);
            }
        }
        let row = self.row_start[a];
        for &x in &active[split..] {
            if x != a {
                let v = self.values[row.wrapping_add(x)];
                if v < bd {
                    (bd, bx) = (v, x);
                }
            }
        }
        (bd, bx)
    }

    /// Fuses cluster `gone` into `kept > gone` at height `h`: the dissimilarities from the
    /// fusion to every other live cluster by Lance–Williams, stored in `kept`'s row and
    /// column, each handed to `visit(k, d(kept, k))` as it is written (the generic
    /// algorithm updates its neighbour list in the same pass). One copy of the loop per
    /// linkage, so the update formula is inlined.
    fn fuse(
        &mut self,
        method: Linkage,
        (gone, kept, h): RawMerge,
        size: &mut [usize],
        live: &[usize],
        mut visit: impl FnMut(usize, f64),
    ) {
        let (ni, nj) = (size[gone] as f64, size[kept] as f64);
        macro_rules! per_linkage {
            ($($l:ident),*) => {
                match method {
                    $(Linkage::$l => self.fuse_with(gone, kept, live, size, |dik, djk, nk| {
                        Linkage::$l.update(dik, djk, h, ni, nj, nk)
                    }, &mut visit),)*
                }
            };
        }
        per_linkage!(Single, Complete, Average, Weighted, Centroid, Median, Ward);
        size[kept] += size[gone];
    }

    /// `d(kept, k) ← f(d(gone, k), d(kept, k), size k)` over the live k, in three runs:
    /// below `gone` both entries sit in row k, between the two `d(gone, k)` runs along
    /// gone's row, and above `kept` both run along their rows.
    #[inline(always)]
    fn fuse_with(
        &mut self,
        gone: usize,
        kept: usize,
        live: &[usize],
        size: &[usize],
        f: impl Fn(f64, f64, f64) -> f64,
        visit: &mut impl FnMut(usize, f64),
    ) {
        let (rg, rk) = (self.row_start[gone], self.row_start[kept]);
        let g_at = live.partition_point(|&k| k < gone);
        let k_at = live.partition_point(|&k| k < kept);
        for (t, &k) in live[..g_at].iter().enumerate() {
            if let Some(&ahead) = live[..g_at].get(t + AHEAD) {
                let r = self.row_start[ahead];
                prefetch(&self.values, r.wrapping_add(gone));
                prefetch(&self.values, r.wrapping_add(kept));
            }
            let r = self.row_start[k];
            let (ig, ik) = (r.wrapping_add(gone), r.wrapping_add(kept));
            self.values[ik] = f(self.values[ig], self.values[ik], size[k] as f64);
            visit(k, self.values[ik]);
        }
        for (t, &k) in live[g_at..k_at]
            .iter()
            .enumerate()
            .filter(|&(_, &k)| k != gone)
        {
            if let Some(&ahead) = live[g_at..k_at].get(t + AHEAD) {
                prefetch(&self.values, self.row_start[ahead].wrapping_add(kept));
            }
            let (ig, ik) = (rg.wrapping_add(k), self.row_start[k].wrapping_add(kept));
            self.values[ik] = f(self.values[ig], self.values[ik], size[k] as f64);
            visit(k, self.values[ik]);
        }
        for &k in live[k_at..].iter().filter(|&&k| k != kept) {
            let (ig, ik) = (rg.wrapping_add(k), rk.wrapping_add(k));
            self.values[ik] = f(self.values[ig], self.values[ik], size[k] as f64);
            visit(k, self.values[ik]);
        }
    }
}
// ANCHOR_END: nn_chain

// ANCHOR: generic
/// The generic algorithm (Müllner 2011, after Anderberg): every cluster i remembers its
/// nearest neighbour among the clusters after it and that distance, in a priority queue.
/// The smallest entry is fused once it is confirmed current. Centroid and median distances
/// can shrink after a fusion, which the nearest-neighbour chain cannot handle.
pub(super) fn generic(mut d: Condensed, method: Linkage) -> Vec<RawMerge> {
    let n = d.n;
    let mut size = vec![1usize; n];
    let mut live: Vec<usize> = (0..n).collect();
    let mut neighbor = vec![0usize; n];
    let mut mindist = vec![f64::INFINITY; n];
    let mut queue = BinaryHeap::new();
    // Row i after the diagonal is contiguous: the scan is over live clusters after i.
    let nearest_after = |d: &Condensed, live: &[usize], i: usize| -> (usize, f64) {
        let row = d.row_start[i];
        let from = live.partition_point(|&x| x <= i);
        live[from..].iter().fold((i, f64::INFINITY), |best, &j| {
            let v = d.values[row.wrapping_add(j)];
            if v < best.1 {
                (j, v)
            } else {
                best
            }
        })
    };
    for i in 0..n - 1 {
        (neighbor[i], mindist[i]) = nearest_after(&d, &live, i);
        queue.push(Reverse((Key(mindist[i]), i)));
    }
    let mut active = vec![true; n];
    let mut merges = Vec::with_capacity(n - 1);
    while merges.len() < n - 1 {
        let Some(Reverse((Key(m), i))) = queue.pop() else {
            break;
        };
        if !active[i] || m != mindist[i] {
            continue; // superseded entry
        }
        let j = neighbor[i];
        if !active[j] || d.get(i, j) != m {
            // The remembered neighbour moved or retired: look again.
            (neighbor[i], mindist[i]) = nearest_after(&d, &live, i);
            if mindist[i].is_finite() {
                queue.push(Reverse((Key(mindist[i]), i)));
            }
            continue;
        }
        merges.push((i, j, m));
        // The fused cluster lives on in slot j > i. The clusters before j whose nearest
        // later neighbour was i now point at j, and any that the fusion brought closer
        // take j: both in fusion's pass over j's column.
        d.fuse(method, (i, j, m), &mut size, &live, |k, dkj| {
            if k < j {
                if neighbor[k] == i {
                    neighbor[k] = j;
                }
                if dkj < mindist[k] {
                    (neighbor[k], mindist[k]) = (j, dkj);
                    queue.push(Reverse((Key(mindist[k]), k)));
                }
            }
        });
        active[i] = false;
        if let Ok(pos) = live.binary_search(&i) {
            live.remove(pos);
        }
        (neighbor[j], mindist[j]) = nearest_after(&d, &live, j);
        if mindist[j].is_finite() {
            queue.push(Reverse((Key(mindist[j]), j)));
        }
    }
    merges
}
// ANCHOR_END: generic

/// A totally ordered f64 for the priority queue (the values are finite).
#[derive(Clone, Copy, Debug, PartialEq)]
struct Key(f64);
impl Eq for Key {}
impl PartialOrd for Key {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Key {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.total_cmp(&other.0)
    }
}
