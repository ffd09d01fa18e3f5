//! Hamerly's algorithm (2010): Lloyd's iterations with distance bounds that let most points
//! skip the assignment step. It gives the same assignments as [`lloyd`](super) from the same
//! start, and is tested against it.

use super::{update_step, FittedKMeans, Stop, CHUNK};
use crate::linalg::kernels::{sq_dist, sq_dists};
use crate::linalg::threads::par_chunks_mut;
use crate::linalg::{Exec, Matrix};
use std::sync::atomic::{AtomicBool, Ordering};

// ANCHOR: hamerly
/// One point's state in Hamerly's algorithm: its cluster, an upper bound on the distance to
/// that centroid and a lower bound on the distance to every other one.
#[derive(Clone, Copy, Debug)]
struct Bounds {
    label: usize,
    upper: f64,
    lower: f64,
}

/// Hamerly's algorithm. Per point: `upper ≥ ‖xᵢ - c_{a(i)}‖` and `lower ≤` the distance
/// to every other centroid. Per centroid: `half[j]`, half the distance to its nearest other
/// centroid. If `upper ≤ max(half[a(i)], lower)`, no other centroid can be nearer
/// (triangle inequality), and point i is skipped; otherwise its bound is tightened and, if
/// still needed, all K distances are computed. After the centroids move by `δⱼ`, the bounds
/// widen: `upper += δ_{a(i)}`, `lower -= max δ`.
pub(super) fn hamerly(
    x: &Matrix<f64>,
    mut centroids: Matrix<f64>,
    stop: Stop,
    exec: Exec,
) -> FittedKMeans {
    let threads = exec.threads;
    let k = centroids.rows();
    let mut points: Vec<Bounds> = vec![
        Bounds {
            label: 0,
            upper: 0.0,
            lower: 0.0
        };
        x.rows()
    ];
    par_chunks_mut(&mut points, CHUNK, threads, |c, chunk| {
        for (i, p) in chunk.iter_mut().enumerate() {
            *p = nearest_two(x.row(c * CHUNK + i), &centroids);
        }
    });
    let mut labels: Vec<usize> = points.iter().map(|p| p.label).collect();
    let mut dists = own_sq_dists(x, &centroids, &labels);
    let mut objective = vec![dists.iter().sum::<f64>()];
    for iter in 1..=stop.max_iter {
        let moved = update_step(x, &labels, k, &dists);
        let delta: Vec<f64> = (0..k)
            .map(|j| sq_dist(centroids.row(j), moved.row(j)).sqrt())
            .collect();
        let shift: f64 = delta.iter().map(|d| d * d).sum();
        centroids = moved;
        let max_delta = delta.iter().copied().fold(0.0, f64::max);
        let half: Vec<f64> = (0..k)
            .map(|j| 0.5 * second_nearest(centroids.row(j), &centroids, j))
            .collect();
        let changed = AtomicBool::new(false);
        par_chunks_mut(&mut points, CHUNK, threads, |c, chunk| {
            for (i, p) in chunk.iter_mut().enumerate() {
                p.upper += delta[p.label];
                p.lower -= max_delta;
                let bound = half[p.label].max(p.lower);
                if p.upper <= bound {
                    continue;
                }
                let row = x.row(c * CHUNK + i);
                p.upper = sq_dist(row, centroids.row(p.label)).sqrt();
                if p.upper <= bound {
                    continue;
                }
                // The bounds could not settle it: all K distances, as Lloyd's assignment step.
                let fresh = nearest_two(row, &centroids);
                if fresh.label != p.label {
                    changed.store(true, Ordering::Relaxed);
                }
                *p = fresh;
            }
        });
        labels = points.iter().map(|p| p.label).collect();
        // Exact distances to the own centroid: J for the trace, and the next update's input.
        dists = own_sq_dists(x, &centroids, &labels);
        objective.push(dists.iter().sum());
        if !changed.into_inner() || shift <= stop.shift {
            return FittedKMeans::from_run(centroids, labels, objective, iter, true);
        }
    }
    FittedKMeans::from_run(centroids, labels, objective, stop.max_iter, false)
}
// ANCHOR_END: hamerly

/// The nearest centroid of `p` (ties to the smaller index) with the exact distance to it, and
/// the distance to the second nearest: fresh Hamerly bounds.
fn nearest_two(p: &[f64], centroids: &Matrix<f64>) -> Bounds {
    let mut d = vec![0.0; centroids.rows()];
    sq_dists(p, centroids.as_slice(), &mut d);
    let (mut best, mut second) = ((0, f64::INFINITY), f64::INFINITY);
    for (j, &d) in d.iter().enumerate() {
        if d < best.1 {
            second = best.1;
            best = (j, d);
        } else if d < second {
            second = d;
        }
    }
    Bounds {
        label: best.0,
        upper: best.1.sqrt(),
        lower: second.sqrt(),
    }
}

/// The distance from `p` to the nearest centroid other than `skip`.
fn second_nearest(p: &[f64], centroids: &Matrix<f64>, skip: usize) -> f64 {
    centroids
        .iter_rows()
        .enumerate()
        .filter(|&(j, _)| j != skip)
        .map(|(_, c)| sq_dist(p, c))
        .fold(f64::INFINITY, f64::min)
        .sqrt()
}

/// Each point's squared distance to its own centroid.
fn own_sq_dists(x: &Matrix<f64>, centroids: &Matrix<f64>, labels: &[usize]) -> Vec<f64> {
    x.iter_rows()
        .zip(labels)
        .map(|(r, &l)| sq_dist(r, centroids.row(l)))
        .collect()
}
