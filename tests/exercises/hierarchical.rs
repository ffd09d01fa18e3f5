//! Chapter 5 · Hierarchical clustering (book `05-hierarchical.md`). Check:
//! `cargo test --test exercises hierarchical -- --ignored`.
#![allow(unused_variables)]

use unsupervised::hierarchical::Linkage;
use unsupervised::Matrix;

/// Exercise 5.1: the dissimilarity between clusters `a` and `b` (indices into the square
/// dissimilarity matrix `d`) under `Single` (the smallest `d_ij`, `i ∈ a`, `j ∈ b`),
/// `Complete` (the largest) and `Average` (the mean over all `|a| |b|` pairs) linkage.
/// Other linkages are not asked for.
pub fn cluster_distance(d: &Matrix<f64>, a: &[usize], b: &[usize], linkage: Linkage) -> f64 {
    todo!("exercise 5.1: single, complete and average linkage by their definitions")
}

/// Exercise 5.2: the Lance–Williams update. Clusters `i` and `j` (sizes `n_i`, `n_j`, at
/// dissimilarity `d_ij`) merge; return the dissimilarity of the merged cluster to a third
/// cluster `k` (size `n_k`) from `d_ki` and `d_kj` alone, for `Single`, `Complete`,
/// `Average` and `Ward`.
///
/// Hint: single is `min(d_ki, d_kj)`, average weights by `n_i`, `n_j`. Ward (SciPy's
/// convention, dissimilarities as distances) is
/// `√(((n_k + n_i) d_ki² + (n_k + n_j) d_kj² − n_k d_ij²) / (n_i + n_j + n_k))`.
pub fn lance_williams(
    linkage: Linkage,
    d_ki: f64,
    d_kj: f64,
    d_ij: f64,
    n_i: usize,
    n_j: usize,
    n_k: usize,
) -> f64 {
    todo!("exercise 5.2: the merged cluster's dissimilarity from the old ones")
}

/// Exercise 5.3: the naive agglomerative algorithm. Start with every point its own
/// cluster; n − 1 times, merge the two closest clusters and update the dissimilarities
/// with `lance_williams`. Return the n − 1 merge heights in the order of the merges.
///
/// Hint: keep a working copy of `d` and a flag per cluster that is still active; O(n³) is
/// fine here. Chapter 5 shows how the crate gets to O(n²).
pub fn agglomerate(d: &Matrix<f64>, linkage: Linkage) -> Vec<f64> {
    todo!("exercise 5.3: merge the closest pair n − 1 times")
}

pub mod checks {
    use crate::common::{assert_close, random_matrix};
    use unsupervised::hierarchical::{linkage, Condensed, Linkage, Metric};
    use unsupervised::{Matrix, Rng};

    fn points(n: usize, seed: u64) -> (Matrix<f64>, Matrix<f64>) {
        let x = random_matrix::<f64>(n, 2, &mut Rng::seed_from_u64(seed));
        let d = Matrix::from_fn(n, n, |i, j| {
            ((x[(i, 0)] - x[(j, 0)]).powi(2) + (x[(i, 1)] - x[(j, 1)]).powi(2)).sqrt()
        });
        (x, d)
    }

    /// By hand on four points of a line, then single ≤ average ≤ complete.
    pub fn cluster_distance(yours: fn(&Matrix<f64>, &[usize], &[usize], Linkage) -> f64) {
        let at = [0.0, 1.0, 4.0, 9.0];
        let d = Matrix::from_fn(4, 4, |i, j| f64::abs(at[i] - at[j]));
        let (a, b) = ([0, 1], [2, 3]);
        assert_eq!(yours(&d, &a, &b, Linkage::Single), 3.0, "single: |1 − 4|");
        assert_eq!(
            yours(&d, &a, &b, Linkage::Complete),
            9.0,
            "complete: |0 − 9|"
        );
        assert_eq!(
            yours(&d, &a, &b, Linkage::Average),
            6.0,
            "average: (4 + 9 + 3 + 8) / 4"
        );
        let (_, d) = points(12, 6);
        let (a, b) = ([0, 3, 5], [1, 2, 7, 9]);
        let s = yours(&d, &a, &b, Linkage::Single);
        let m = yours(&d, &a, &b, Linkage::Average);
        let c = yours(&d, &a, &b, Linkage::Complete);
        assert!(
            s <= m && m <= c,
            "expected single ≤ average ≤ complete, found {s}, {m}, {c}"
        );
    }

    /// The update equals the definition (single, complete, average) or the centroid
    /// formula `√(2 n_a n_b / (n_a + n_b)) ‖c_a − c_b‖` (Ward) for the merged cluster.
    pub fn lance_williams(yours: fn(Linkage, f64, f64, f64, usize, usize, usize) -> f64) {
        let (x, d) = points(9, 7);
        let (ci, cj, ck): (&[usize], &[usize], &[usize]) = (&[0, 1], &[2, 3, 4], &[5, 6, 7, 8]);
        let direct = |a: &[usize], b: &[usize], how: Linkage| -> f64 {
            let pairs = a.iter().flat_map(|&i| b.iter().map(move |&j| (i, j)));
            let values: Vec<f64> = pairs.map(|(i, j)| d[(i, j)]).collect();
            match how {
                Linkage::Single => values.iter().copied().fold(f64::INFINITY, f64::min),
                Linkage::Complete => values.iter().copied().fold(0.0, f64::max),
                Linkage::Average => values.iter().sum::<f64>() / values.len() as f64,
                _ => {
                    let centre = |c: &[usize], k: usize| {
                        c.iter().map(|&i| x[(i, k)]).sum::<f64>() / c.len() as f64
                    };
                    let gap: f64 = (0..2).map(|k| (centre(a, k) - centre(b, k)).powi(2)).sum();
                    let (na, nb) = (a.len() as f64, b.len() as f64);
                    (2.0 * na * nb / (na + nb) * gap).sqrt()
                }
            }
        };
        let merged: Vec<usize> = ci.iter().chain(cj).copied().collect();
        for how in [
            Linkage::Single,
            Linkage::Complete,
            Linkage::Average,
            Linkage::Ward,
        ] {
            let found = yours(
                how,
                direct(ck, ci, how),
                direct(ck, cj, how),
                direct(ci, cj, how),
                2,
                3,
                4,
            );
            let expected = direct(ck, &merged, how);
            assert!(
                (found - expected).abs() <= 1e-12 * expected,
                "{how:?}: expected {expected} for the merged cluster, found {found}"
            );
        }
    }

    /// The merge heights of the crate's O(n²) algorithms, for four linkages.
    pub fn agglomerate(yours: fn(&Matrix<f64>, Linkage) -> Vec<f64>) {
        let (x, d) = points(15, 8);
        let condensed = Condensed::from_points(&x, Metric::Euclidean).unwrap();
        for how in [
            Linkage::Single,
            Linkage::Complete,
            Linkage::Average,
            Linkage::Ward,
        ] {
            let mut found = yours(&d, how);
            assert_eq!(found.len(), 14, "{how:?}: n − 1 merges");
            let mut expected = linkage(&condensed, how).unwrap().heights();
            // The crate's single linkage merges in another order; the heights agree as a set.
            found.sort_by(f64::total_cmp);
            expected.sort_by(f64::total_cmp);
            assert_close(&found, &expected, 1e-12, 1e-12);
        }
    }
}
