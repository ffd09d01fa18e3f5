//! Answers to chapter 5's exercises.

use unsupervised::hierarchical::Linkage;
use unsupervised::Matrix;

pub fn cluster_distance(d: &Matrix<f64>, a: &[usize], b: &[usize], linkage: Linkage) -> f64 {
    let values = a.iter().flat_map(|&i| b.iter().map(move |&j| d[(i, j)]));
    match linkage {
        Linkage::Single => values.fold(f64::INFINITY, f64::min),
        Linkage::Complete => values.fold(f64::NEG_INFINITY, f64::max),
        Linkage::Average => values.sum::<f64>() / (a.len() * b.len()) as f64,
        other => unimplemented!("{other:?} is not part of the exercise"),
    }
}

pub fn lance_williams(
    linkage: Linkage,
    d_ki: f64,
    d_kj: f64,
    d_ij: f64,
    n_i: usize,
    n_j: usize,
    n_k: usize,
) -> f64 {
    let (ni, nj, nk) = (n_i as f64, n_j as f64, n_k as f64);
    match linkage {
        Linkage::Single => d_ki.min(d_kj),
        Linkage::Complete => d_ki.max(d_kj),
        Linkage::Average => (ni * d_ki + nj * d_kj) / (ni + nj),
        Linkage::Ward => (((nk + ni) * d_ki * d_ki + (nk + nj) * d_kj * d_kj - nk * d_ij * d_ij)
            / (ni + nj + nk))
            .sqrt(),
        other => unimplemented!("{other:?} is not part of the exercise"),
    }
}

pub fn agglomerate(d: &Matrix<f64>, linkage: Linkage) -> Vec<f64> {
    let n = d.rows();
    let mut d = d.clone();
    let mut size = vec![1usize; n];
    let mut active = vec![true; n];
    let mut heights = Vec::with_capacity(n - 1);
    for _ in 1..n {
        let mut best = (0, 0, f64::INFINITY);
        for i in (0..n).filter(|&i| active[i]) {
            for j in (i + 1..n).filter(|&j| active[j]) {
                if d[(i, j)] < best.2 {
                    best = (i, j, d[(i, j)]);
                }
            }
        }
        let (i, j, h) = best;
        heights.push(h);
        for k in (0..n).filter(|&k| active[k] && k != i && k != j) {
            let v = lance_williams(linkage, d[(k, i)], d[(k, j)], h, size[i], size[j], size[k]);
            d[(k, i)] = v;
            d[(i, k)] = v;
        }
        size[i] += size[j];
        active[j] = false;
    }
    heights
}
