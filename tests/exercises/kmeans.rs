//! Chapter 4 · K-means (book `04-kmeans.md`). Check:
//! `cargo test --test exercises kmeans -- --ignored`.
#![allow(unused_variables)]

use unsupervised::Matrix;

/// Exercise 4.1: Lloyd's assignment step. Give every row of `x` the index of its nearest
/// centroid (a row of `centroids`) in squared Euclidean distance; ties go to the smaller
/// index.
///
/// Hint: the result is the Voronoi partition of the points by the centroids; the check
/// uses `unsupervised::checks::check_partition`, which you can call on your own data too.
pub fn assign(x: &Matrix<f64>, centroids: &Matrix<f64>) -> Vec<usize> {
    todo!("exercise 4.1: the nearest centroid of every point")
}

/// Exercise 4.2: Lloyd's update step. Return the `k x d` matrix of cluster means
/// `μ_c = (1/|C_c|) Σ_{i ∈ C_c} x_i`. Every cluster has at least one point here.
///
/// Hint: the mean is the point that minimises the sum of squared distances to the cluster,
/// which is why J cannot rise.
pub fn update(x: &Matrix<f64>, labels: &[usize], k: usize) -> Matrix<f64> {
    todo!("exercise 4.2: the mean of every cluster")
}

/// Exercise 4.3: Lloyd's algorithm from the given centroids: alternate `assign` and
/// `update` until the labels stop changing or `max_iter` assignment steps have run. Return
/// the centroids, the labels and the trace of `J = Σ_i ‖x_i − μ_{c(i)}‖²` after every
/// assignment step.
///
/// Hint: use your two functions above. J never increases: `checks::never_increases`.
pub fn lloyd(
    x: &Matrix<f64>,
    init: &Matrix<f64>,
    max_iter: usize,
) -> (Matrix<f64>, Vec<usize>, Vec<f64>) {
    todo!("exercise 4.3: assignment and update until nothing changes")
}

pub mod checks {
    use crate::common::assert_close;
    use unsupervised::checks::{check_partition, never_increases};
    use unsupervised::datasets::{blobs, faithful};
    use unsupervised::kmeans::{assign_step, update_step};
    use unsupervised::linalg::{pairwise_sq_dists, Exec};
    use unsupervised::Matrix;

    /// Old Faithful with the first `k` points as centroids.
    fn start(k: usize) -> (Matrix<f64>, Matrix<f64>) {
        let x = faithful().unwrap().x;
        let init = Matrix::from_fn(k, 2, |i, j| x[(i * 7, j)]);
        (x, init)
    }

    /// The Voronoi partition, and the crate's labels, ties included.
    pub fn assign(yours: fn(&Matrix<f64>, &Matrix<f64>) -> Vec<usize>) {
        let (x, c) = start(3);
        let labels = yours(&x, &c);
        check_partition(&x, &c, &labels, 0.0).unwrap();
        assert_eq!(labels, assign_step(&x, &c, Exec::serial()).unwrap().0);
        // Two equal centroids: the tie goes to the smaller index.
        let twins = Matrix::from_rows(vec![vec![0.0, 0.0], vec![0.0, 0.0]]).unwrap();
        assert_eq!(
            yours(&x, &twins),
            vec![0; x.rows()],
            "ties go to the smaller index"
        );
    }

    /// The means, as the crate's update step, and J does not rise.
    pub fn update(yours: fn(&Matrix<f64>, &[usize], usize) -> Matrix<f64>) {
        let x = blobs(200, 3, 4, 1.5, 5).unwrap().x;
        let init = Matrix::from_fn(4, 3, |i, j| x[(i, j)]);
        let (labels, dists) = assign_step(&x, &init, Exec::serial()).unwrap();
        let means = yours(&x, &labels, 4);
        assert_eq!(means.shape(), (4, 3), "one mean per cluster");
        let expected = update_step(&x, &labels, 4, &dists);
        assert_close(means.as_slice(), expected.as_slice(), 1e-12, 1e-12);
        let j = |c: &Matrix<f64>| -> f64 {
            let d = pairwise_sq_dists(&x, c, Exec::serial()).unwrap();
            labels.iter().enumerate().map(|(i, &l)| d[(i, l)]).sum()
        };
        never_increases(&[j(&init), j(&means)], 1e-12).unwrap();
    }

    /// A fixed point: J never rises, the labels are the Voronoi cells of the centroids and
    /// the centroids the means of their cells; K = 2 on Old Faithful splits at a waiting
    /// time near 68 minutes.
    pub fn lloyd(
        yours: fn(&Matrix<f64>, &Matrix<f64>, usize) -> (Matrix<f64>, Vec<usize>, Vec<f64>),
    ) {
        let (x, init) = start(2);
        let (c, labels, trace) = yours(&x, &init, 100);
        assert!(!trace.is_empty(), "the trace of J is empty");
        never_increases(&trace, 1e-12).unwrap();
        check_partition(&x, &c, &labels, 1e-12).unwrap();
        let j: f64 = labels
            .iter()
            .enumerate()
            .map(|(i, &l)| (0..2).map(|d| (x[(i, d)] - c[(l, d)]).powi(2)).sum::<f64>())
            .sum();
        assert_close(&[*trace.last().unwrap()], &[j], 1e-12, 0.0);
        for k in 0..2 {
            let members: Vec<usize> = (0..x.rows()).filter(|&i| labels[i] == k).collect();
            for d in 0..2 {
                let mean = members.iter().map(|&i| x[(i, d)]).sum::<f64>() / members.len() as f64;
                assert_close(&[c[(k, d)]], &[mean], 1e-12, 1e-12);
            }
        }
        let waits: Vec<f64> = (0..2).map(|k| c[(k, 1)]).collect();
        assert!(
            waits.iter().any(|&w| w < 60.0) && waits.iter().any(|&w| w > 75.0),
            "expected a short-wait and a long-wait cluster, found mean waits {waits:?}"
        );
    }
}
