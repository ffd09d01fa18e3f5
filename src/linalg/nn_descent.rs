//! Approximate k-nearest neighbours by NN-descent (Dong, Moses and Li 2011): for data too
//! large for the exact search's O(n²d) (chapter 1's [`super::knn_self`]), as UMAP
//! (chapter 9) needs for large n.
//!
//! The idea: a neighbour of a neighbour is likely a neighbour. Start every point with k
//! random candidates; then, repeatedly, for every point compare all pairs among its
//! neighbours and reverse neighbours (the *local join*), and let each pair update the
//! other's list. Only pairs with at least one member new since the last round are
//! compared. The rounds stop when fewer than `δ·n·k` lists change.

use super::kernels::sq_dist;
use super::{Matrix, Neighbors, Scalar};
use crate::error::{Error, Result};
use crate::rand::Rng;

/// Rounds stop when fewer than this fraction of the n·k entries changed in one.
const DELTA: f64 = 1e-3;
/// At most this many rounds (the lists usually settle in under ten).
const MAX_ROUNDS: usize = 30;

/// One point's current list: (squared distance, neighbour, new since the last join),
/// ascending by distance, then by index.
type List<T> = Vec<(T, usize, bool)>;

// ANCHOR: nn_descent
/// The (approximately) k nearest other rows of each row of `data`, as
/// [`super::knn_self`] returns them, and the number of rounds run. The same seed gives the
/// same lists.
pub fn nn_descent<T: Scalar>(
    data: &Matrix<T>,
    k: usize,
    seed: u64,
) -> Result<(Neighbors<T>, usize)> {
    data.check_samples("the reference points")?;
    data.check_finite("the reference points")?;
    let n = data.rows();
    if k == 0 || k >= n {
        return Err(Error::invalid(
            "k",
            k,
            format!(
                "must be between 1 and the number of other points ({})",
                n - 1
            ),
        ));
    }
    let mut rng = Rng::seed_from_u64(seed);
    let dist = |a: usize, b: usize| sq_dist(data.row(a), data.row(b));
    let mut lists: Vec<List<T>> = (0..n)
        .map(|i| {
            let mut list: List<T> = Vec::with_capacity(k);
            while list.len() < k {
                let j = rng.below(n as u64).unwrap_or(0) as usize;
                if j != i && !list.iter().any(|e| e.1 == j) {
                    list.push((dist(i, j), j, true));
                }
            }
            list.sort_by(|a, b| {
                a.0.partial_cmp(&b.0)
                    .unwrap_or(std::cmp::Ordering::Equal)
                    .then(a.1.cmp(&b.1))
            });
            list
        })
        .collect();
    let mut rounds = 0;
    while rounds < MAX_ROUNDS {
        rounds += 1;
        let (new, old) = candidates(&mut lists, k, &mut rng);
        let mut changes = 0usize;
        for i in 0..n {
            for (x, &a) in new[i].iter().enumerate() {
                let later_new = new[i][x + 1..].iter();
                for &b in later_new.chain(old[i].iter().filter(|&&b| b != a)) {
                    let d = dist(a, b);
                    changes += usize::from(offer(&mut lists[a], a, b, d));
                    changes += usize::from(offer(&mut lists[b], b, a, d));
                }
            }
        }
        if (changes as f64) < DELTA * (n * k) as f64 {
            break;
        }
    }
    let mut indices = Vec::with_capacity(n * k);
    let mut sq_distances = Vec::with_capacity(n * k);
    for list in lists {
        for (d, j, _) in list {
            indices.push(j);
            sq_distances.push(d);
        }
    }
    Ok((
        Neighbors {
            k,
            indices,
            sq_distances,
        },
        rounds,
    ))
}

/// Each point's candidates for the local join: its new and old neighbours, forward and
/// reverse, the reverse ones cut to k at random (a popular point would otherwise join with
/// thousands). Marks every forward neighbour as no longer new.
fn candidates<T: Scalar>(
    lists: &mut [List<T>],
    k: usize,
    rng: &mut Rng,
) -> (Vec<Vec<usize>>, Vec<Vec<usize>>) {
    let n = lists.len();
    let (mut new, mut old) = (vec![Vec::new(); n], vec![Vec::new(); n]);
    let (mut new_rev, mut old_rev) = (vec![Vec::new(); n], vec![Vec::new(); n]);
    for (i, list) in lists.iter_mut().enumerate() {
        for entry in list.iter_mut() {
            let j = entry.1;
            if entry.2 {
                new[i].push(j);
                new_rev[j].push(i);
                entry.2 = false;
            } else {
                old[i].push(j);
                old_rev[j].push(i);
            }
        }
    }
    for (lists, reverse) in [(&mut new, new_rev), (&mut old, old_rev)] {
        for (list, mut rev) in lists.iter_mut().zip(reverse) {
            if rev.len() > k {
                rng.shuffle(&mut rev);
                rev.truncate(k);
            }
            list.extend(rev);
            list.sort_unstable();
            list.dedup();
        }
    }
    (new, old)
}

/// Offers `j` at squared distance `d` to point i's list; true when it got in.
fn offer<T: Scalar>(list: &mut List<T>, i: usize, j: usize, d: T) -> bool {
    let worst = list[list.len() - 1];
    if i == j || (d, j) >= (worst.0, worst.1) || list.iter().any(|e| e.1 == j) {
        return false;
    }
    let at = list.partition_point(|e| (e.0, e.1) < (d, j));
    list.pop();
    list.insert(at, (d, j, true));
    true
}
// ANCHOR_END: nn_descent
