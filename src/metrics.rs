//! Scores for results without a loss to read them by.
//!
//! - Clusterings against the truth: the adjusted Rand index and normalised mutual
//!   information, both from the contingency table (chapters 4–7; book `07-spectral.md`).
//! - Embeddings against the original points: trustworthiness and continuity (Venna and
//!   Kaski), k-nearest-neighbour accuracy under cross-validation, and Spearman's rank
//!   correlation with a known coordinate (chapters 8 and 9; book `09-tsne.md`).

use crate::error::{Error, Result};
use crate::linalg::kernels::sq_dist_ref;
use crate::linalg::threads::par_map;
use crate::linalg::{knn, knn_self, pairwise_sq_dists, Exec, Matrix};
use crate::rand::Rng;

/// `table[a][b]`: how many points are in class a of the first labelling and b of the second.
pub fn contingency(a: &[usize], b: &[usize]) -> Result<Vec<Vec<usize>>> {
    if a.len() != b.len() {
        return Err(Error::BadLength {
            what: "the second labelling (one label per point, as the first)",
            expected: a.len(),
            actual: b.len(),
        });
    }
    if a.is_empty() {
        return Err(Error::Empty { input: "labels" });
    }
    let rows = a.iter().max().map_or(0, |&m| m + 1);
    let cols = b.iter().max().map_or(0, |&m| m + 1);
    let mut table = vec![vec![0usize; cols]; rows];
    for (&i, &j) in a.iter().zip(b) {
        table[i][j] += 1;
    }
    Ok(table)
}

/// `C(m, 2)`.
fn pairs(m: usize) -> f64 {
    let m = m as f64;
    m * (m - 1.0) / 2.0
}

// ANCHOR: ari
/// The adjusted Rand index (Hubert and Arabie 1985): the fraction of point pairs on which
/// two labellings agree, corrected for chance so that random labellings score 0 on average
/// and identical partitions (up to renaming) score 1.
pub fn adjusted_rand_index(a: &[usize], b: &[usize]) -> Result<f64> {
    let table = contingency(a, b)?;
    let together: f64 = table.iter().flatten().map(|&m| pairs(m)).sum();
    let row_pairs: f64 = table.iter().map(|r| pairs(r.iter().sum())).sum();
    let col_pairs: f64 = (0..table.first().map_or(0, Vec::len))
        .map(|j| pairs(table.iter().map(|r| r[j]).sum()))
        .sum();
    let expected = row_pairs * col_pairs / pairs(a.len());
    let max = 0.5 * (row_pairs + col_pairs);
    if max == expected {
        // Both labellings put everything in one cluster, or every point alone: they agree.
        return Ok(1.0);
    }
    Ok((together - expected) / (max - expected))
}
// ANCHOR_END: ari

// ANCHOR: matching
/// Clustering accuracy: the largest fraction of points on which `predicted` agrees with
/// `truth` when every cluster is renamed to a distinct class (unsupervised clustering's
/// standard score, as InfoGAN reports its categorical code). The renaming is the maximum
/// weight matching on the contingency table, found by the Hungarian algorithm (Kuhn 1955,
/// Munkres 1957) in O(k³). Returns the accuracy and `map[cluster] = class`.
pub fn matching_accuracy(predicted: &[usize], truth: &[usize]) -> Result<(f64, Vec<usize>)> {
    let table = contingency(predicted, truth)?;
    let k = table.len().max(table[0].len());
    // Costs to minimise: −count, on a square k x k table padded with zeros.
    let cost = |i: usize, j: usize| -> i64 {
        -(table.get(i).and_then(|r| r.get(j)).copied().unwrap_or(0) as i64)
    };
    let assignment = hungarian(k, cost);
    let hits: i64 = (0..k).map(|i| -cost(i, assignment[i])).sum();
    let map = assignment[..table.len()].to_vec();
    Ok((hits as f64 / predicted.len() as f64, map))
}

/// The assignment `row → column` of least total cost on a `k x k` matrix: the Hungarian
/// algorithm with potentials `u`, `v` (the shortest augmenting path form, one row added
/// at a time).
fn hungarian(k: usize, cost: impl Fn(usize, usize) -> i64) -> Vec<usize> {
    // 1-based with a virtual column 0, as in the classical formulation.
    let (mut u, mut v) = (vec![0i64; k + 1], vec![0i64; k + 1]);
    let mut owner = vec![0usize; k + 1]; // owner[column] = row matched to it
    let mut way = vec![0usize; k + 1];
    for row in 1..=k {
        owner[0] = row;
        let mut col0 = 0;
        let mut min_to = vec![i64::MAX; k + 1];
        let mut used = vec![false; k + 1];
        loop {
            used[col0] = true;
            let (i0, mut delta, mut col1) = (owner[col0], i64::MAX, 0);
            for j in 1..=k {
                if used[j] {
                    continue;
                }
                let reduced = cost(i0 - 1, j - 1) - u[i0] - v[j];
                if reduced < min_to[j] {
                    (min_to[j], way[j]) = (reduced, col0);
                }
                if min_to[j] < delta {
                    (delta, col1) = (min_to[j], j);
                }
            }
            for j in 0..=k {
                if used[j] {
                    u[owner[j]] += delta;
                    v[j] -= delta;
                } else {
                    min_to[j] -= delta;
                }
            }
            col0 = col1;
            if owner[col0] == 0 {
                break;
            }
        }
        // Flip the augmenting path back to the root.
        while col0 != 0 {
            let prev = way[col0];
            owner[col0] = owner[prev];
            col0 = prev;
        }
    }
    let mut assignment = vec![0; k];
    for j in 1..=k {
        assignment[owner[j] - 1] = j - 1;
    }
    assignment
}
// ANCHOR_END: matching

/// Normalised mutual information `I(A; B) / ((H(A) + H(B)) / 2)` (scikit-learn's default,
/// arithmetic normalisation): 1 for identical partitions, 0 for independent ones.
pub fn normalized_mutual_information(a: &[usize], b: &[usize]) -> Result<f64> {
    let info = information(a, b)?;
    if info.entropy_a + info.entropy_b == 0.0 {
        return Ok(1.0);
    }
    Ok((2.0 * info.mutual / (info.entropy_a + info.entropy_b)).clamp(0.0, 1.0))
}

/// The entropies of two labellings and their mutual information, in nats, from their
/// contingency table (the empirical joint distribution).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Information {
    pub mutual: f64,
    pub entropy_a: f64,
    pub entropy_b: f64,
}

/// `I(A; B)`, `H(A)` and `H(B)` of two labellings of the same points.
pub fn information(a: &[usize], b: &[usize]) -> Result<Information> {
    let table = contingency(a, b)?;
    let n = a.len() as f64;
    let entropy = |counts: &mut dyn Iterator<Item = usize>| -> f64 {
        counts
            .filter(|&c| c > 0)
            .map(|c| {
                let p = c as f64 / n;
                -p * p.ln()
            })
            .sum()
    };
    let row_sums: Vec<usize> = table.iter().map(|r| r.iter().sum()).collect();
    let col_sums: Vec<usize> = (0..table.first().map_or(0, Vec::len))
        .map(|j| table.iter().map(|r| r[j]).sum())
        .collect();
    let mut mutual = 0.0;
    for (i, row) in table.iter().enumerate() {
        for (j, &m) in row.iter().enumerate() {
            if m > 0 {
                let m = m as f64;
                mutual += m / n * (n * m / (row_sums[i] as f64 * col_sums[j] as f64)).ln();
            }
        }
    }
    Ok(Information {
        mutual: mutual.max(0.0),
        entropy_a: entropy(&mut row_sums.iter().copied()),
        entropy_b: entropy(&mut col_sums.iter().copied()),
    })
}

// ANCHOR: mig
/// The mutual information gap (Chen, Li, Grosse and Duvenaud, "Isolating sources of
/// disentanglement in VAEs", NeurIPS 2018): for each true factor, the mutual information
/// with the code that knows most about it minus that with the runner-up, over the
/// factor's entropy; averaged over factors. 1: each factor is read off one code alone;
/// 0: no code knows more about a factor than another does. Factors and codes are given
/// column by column (one `Vec` each, one value per sample) and discretised into `bins`
/// equally populated bins.
pub fn mutual_information_gap(
    factors: &[Vec<f64>],
    codes: &[Vec<f64>],
    bins: usize,
) -> Result<f64> {
    if codes.len() < 2 || factors.is_empty() {
        return Err(Error::invalid(
            "codes",
            codes.len(),
            "the gap needs at least two codes and one factor",
        ));
    }
    crate::check_count("bins", bins, 1 << 16, "the bin limit")?;
    let codes: Vec<Vec<usize>> = codes.iter().map(|c| quantile_bins(c, bins)).collect();
    let mut gap = 0.0;
    for factor in factors {
        let v = quantile_bins(factor, bins);
        let mut mi: Vec<f64> = Vec::with_capacity(codes.len());
        let mut h = 0.0;
        for c in &codes {
            let info = information(&v, c)?;
            h = info.entropy_a;
            mi.push(info.mutual);
        }
        mi.sort_by(|a, b| b.total_cmp(a));
        if h > 0.0 {
            gap += (mi[0] - mi[1]) / h;
        }
    }
    Ok(gap / factors.len() as f64)
}

/// Each value's bin among `bins` equally populated bins (by rank; ties by position).
fn quantile_bins(values: &[f64], bins: usize) -> Vec<usize> {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&a, &b| values[a].total_cmp(&values[b]));
    let mut out = vec![0; values.len()];
    for (rank, &i) in order.iter().enumerate() {
        out[i] = rank * bins / values.len().max(1);
    }
    out
}
// ANCHOR_END: mig

// ---------------------------------------------------------------- embeddings

/// Rows of the rank space per distance block: a 256 x n block of squared distances is one
/// GEMM, and 256 rows keep the block in a few MiB even at n = 10,000.
const RANK_BLOCK: usize = 256;

// ANCHOR: trustworthiness
/// Trustworthiness (Venna and Kaski 2001) of an embedding `y` of the points `x`: how far the
/// k nearest neighbours of each point in the embedding are from being its neighbours in the
/// original space. With `r(i, j)` the rank of j among i's neighbours in `x` (1 = nearest),
///
/// `T(k) = 1 - 2 / (n k (2n - 3k - 1)) · Σᵢ Σ_{j ∈ Uₖ(i)} (r(i, j) - k)`,
///
/// where `Uₖ(i)` holds the embedding's k neighbours of i that are not among its k nearest
/// in `x`. 1 means no intruders; the normalisation puts the worst case at 0. Ties in
/// distance are ranked by the smaller index, as everywhere in the crate. Needs `k < n / 2`.
pub fn trustworthiness(x: &Matrix<f64>, y: &Matrix<f64>, k: usize, exec: Exec) -> Result<f64> {
    neighbourhood_score(x, y, k, exec)
}

/// Continuity (Venna and Kaski 2001): trustworthiness with the roles swapped, so it
/// penalises the original neighbours that the embedding tore away (ranked in `y`).
pub fn continuity(x: &Matrix<f64>, y: &Matrix<f64>, k: usize, exec: Exec) -> Result<f64> {
    check_pair(x, y)?;
    neighbourhood_score(y, x, k, exec)
}

/// `1 - 2/(nk(2n-3k-1)) Σ (rank in `rank_space` - k)` over the k nearest neighbours in
/// `other` that are not among the k nearest in `rank_space`.
fn neighbourhood_score(
    rank_space: &Matrix<f64>,
    other: &Matrix<f64>,
    k: usize,
    exec: Exec,
) -> Result<f64> {
    check_pair(rank_space, other)?;
    let n = rank_space.rows();
    if k == 0 || 2 * k >= n {
        return Err(Error::invalid(
            "k",
            k,
            format!(
                "the neighbourhood size must be at least 1 and below n / 2 = {}",
                n / 2
            ),
        ));
    }
    let near = knn_self(other, k, exec)?;
    let n_blocks = n.div_ceil(RANK_BLOCK);
    let penalties = par_map(n_blocks, exec.threads, |b| -> Result<f64> {
        let i0 = b * RANK_BLOCK;
        let rows = RANK_BLOCK.min(n - i0);
        let cols = rank_space.cols();
        let block = Matrix::new(
            rows,
            cols,
            rank_space.as_slice()[i0 * cols..(i0 + rows) * cols].to_vec(),
        )?;
        let d = pairwise_sq_dists(&block, rank_space, Exec::serial())?;
        let mut penalty = 0.0;
        for r in 0..rows {
            let i = i0 + r;
            let row = d.row(r);
            let closer = |j: usize, l: usize| (row[l], l) < (row[j], j);
            for &j in near.indices_of(i) {
                // rank(j) = 1 + #points closer to i than j (ties by index), i excluded.
                let rank = 1 + (0..n).filter(|&l| l != i && closer(j, l)).count();
                if rank > k {
                    penalty += (rank - k) as f64;
                }
            }
        }
        Ok(penalty)
    });
    let mut total = 0.0;
    for p in penalties {
        total += p?;
    }
    let (n, k) = (n as f64, k as f64);
    Ok(1.0 - 2.0 / (n * k * (2.0 * n - 3.0 * k - 1.0)) * total)
}
// ANCHOR_END: trustworthiness

fn check_pair(x: &Matrix<f64>, y: &Matrix<f64>) -> Result<()> {
    if x.rows() != y.rows() {
        return Err(Error::BadLength {
            what: "the embedding's rows (one per original point)",
            expected: x.rows(),
            actual: y.rows(),
        });
    }
    x.check_samples("points")?;
    y.check_finite("embedding")
}

// ANCHOR: knn_classify
/// k-nearest-neighbour classification (the lectures' kNN background): each query gets the
/// most common label among its `k` nearest training points (chapter 1's exact search); a
/// tie goes to the tied class whose member is nearest.
pub fn knn_classify(
    train: &Matrix<f64>,
    labels: &[usize],
    queries: &Matrix<f64>,
    k: usize,
    exec: Exec,
) -> Result<Vec<usize>> {
    if labels.len() != train.rows() {
        return Err(Error::BadLength {
            what: "knn_classify labels (one per training row)",
            expected: train.rows(),
            actual: labels.len(),
        });
    }
    let nb = knn(train, queries, k, exec)?;
    let classes = labels.iter().max().map_or(0, |m| m + 1);
    Ok((0..queries.rows())
        .map(|q| {
            let mut votes = vec![0usize; classes];
            let near = nb.indices_of(q);
            near.iter().for_each(|&j| votes[labels[j]] += 1);
            let top = votes.iter().copied().max().unwrap_or(0);
            // Neighbours come nearest first, so the first with a top vote count wins ties.
            near.iter()
                .map(|&j| labels[j])
                .find(|&l| votes[l] == top)
                .unwrap_or(0)
        })
        .collect())
}
// ANCHOR_END: knn_classify

// ANCHOR: knn_accuracy
/// k-nearest-neighbour classification accuracy of `x` with `folds`-fold cross-validation:
/// the points are shuffled (by `seed`) and dealt into `folds` folds; each fold is classified
/// by majority vote of its k nearest neighbours among the other folds. Returns the fraction
/// of all points classified correctly. How well an embedding keeps the classes apart.
pub fn knn_accuracy(
    x: &Matrix<f64>,
    labels: &[usize],
    k: usize,
    folds: usize,
    seed: u64,
    exec: Exec,
) -> Result<f64> {
    let n = x.rows();
    if labels.len() != n {
        return Err(Error::BadLength {
            what: "labels (one per row)",
            expected: n,
            actual: labels.len(),
        });
    }
    if folds < 2 || folds > n {
        return Err(Error::invalid(
            "folds",
            folds,
            format!("cross-validation needs between 2 and n = {n} folds"),
        ));
    }
    // Deal the shuffled points round-robin: point order[p] goes to fold p mod folds.
    let order = Rng::seed_from_u64(seed).permutation(n);
    let mut fold = vec![0usize; n];
    for (p, &i) in order.iter().enumerate() {
        fold[i] = p % folds;
    }
    let mut correct = 0usize;
    for f in 0..folds {
        let (test, train): (Vec<usize>, Vec<usize>) = (0..n).partition(|&i| fold[i] == f);
        let pick = |idx: &[usize]| -> Result<Matrix<f64>> {
            let data = idx.iter().flat_map(|&i| x.row(i).iter().copied()).collect();
            Matrix::new(idx.len(), x.cols(), data)
        };
        let train_labels: Vec<usize> = train.iter().map(|&i| labels[i]).collect();
        let predicted = knn_classify(&pick(&train)?, &train_labels, &pick(&test)?, k, exec)?;
        correct += test
            .iter()
            .zip(&predicted)
            .filter(|(&i, &p)| labels[i] == p)
            .count();
    }
    Ok(correct as f64 / n as f64)
}
// ANCHOR_END: knn_accuracy

/// Ranks 1..n of `v`, ties sharing their average rank (as Spearman's coefficient needs).
pub fn average_ranks(v: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..v.len()).collect();
    order.sort_by(|&a, &b| v[a].total_cmp(&v[b]));
    let mut ranks = vec![0.0; v.len()];
    let mut start = 0;
    while start < order.len() {
        let mut end = start + 1;
        while end < order.len() && v[order[end]] == v[order[start]] {
            end += 1;
        }
        // Positions start..end (0-based) share the mean of ranks start+1 ..= end.
        let mean = (start + end + 1) as f64 / 2.0;
        order[start..end].iter().for_each(|&i| ranks[i] = mean);
        start = end;
    }
    ranks
}

// ANCHOR: spearman
/// Pearson's correlation `Σ (aᵢ − ā)(bᵢ − b̄) / √(Σ (aᵢ − ā)² Σ (bᵢ − b̄)²)` of two equally
/// long, finite, non-constant sequences.
pub fn pearson(a: &[f64], b: &[f64]) -> Result<f64> {
    if a.len() != b.len() {
        return Err(Error::BadLength {
            what: "the second sequence (as long as the first)",
            expected: a.len(),
            actual: b.len(),
        });
    }
    if a.len() < 2 {
        return Err(Error::invalid(
            "length",
            a.len(),
            "a correlation needs at least 2 values",
        ));
    }
    if let Some(i) = a.iter().chain(b).position(|v| !v.is_finite()) {
        return Err(Error::NonFinite {
            input: "correlation values",
            row: i % a.len(),
            column: i / a.len(),
        });
    }
    let n = a.len() as f64;
    let (ma, mb) = (a.iter().sum::<f64>() / n, b.iter().sum::<f64>() / n);
    let (mut sab, mut saa, mut sbb) = (0.0, 0.0, 0.0);
    for (x, y) in a.iter().zip(b) {
        sab += (x - ma) * (y - mb);
        saa += (x - ma) * (x - ma);
        sbb += (y - mb) * (y - mb);
    }
    if saa == 0.0 || sbb == 0.0 {
        return Err(Error::invalid(
            "values",
            "constant",
            "a constant sequence has no correlation",
        ));
    }
    Ok(sab / (saa * sbb).sqrt())
}

/// Spearman's rank correlation: Pearson's correlation of the average ranks. 1 when one
/// sequence is an increasing function of the other, -1 for decreasing.
pub fn spearman(a: &[f64], b: &[f64]) -> Result<f64> {
    if let Some(i) = a.iter().chain(b).position(|v| !v.is_finite()) {
        return Err(Error::NonFinite {
            input: "spearman values",
            row: i % a.len().max(1),
            column: i / a.len().max(1),
        });
    }
    pearson(&average_ranks(a), &average_ranks(b))
}
// ANCHOR_END: spearman

// ANCHOR: centre_correlation
/// How much of the global arrangement a map keeps (chapter 9, UMAP beside t-SNE): the
/// Spearman correlation between the distances of the class centres in the data `x` and in
/// the map `y`, over all pairs of classes. 1 when the map orders every pair of classes as
/// the data does; maps that keep only local neighbourhoods may score anything.
pub fn centre_distance_correlation(
    x: &Matrix<f64>,
    y: &Matrix<f64>,
    labels: &[usize],
) -> Result<f64> {
    check_pair(x, y)?;
    if labels.len() != x.rows() {
        return Err(Error::BadLength {
            what: "labels (one per point)",
            expected: x.rows(),
            actual: labels.len(),
        });
    }
    let (cx, cy) = (class_centres(x, labels), class_centres(y, labels));
    let classes = cx.len();
    let (mut dx, mut dy) = (Vec::new(), Vec::new());
    for a in 0..classes {
        for b in a + 1..classes {
            if let (Some(xa), Some(xb), Some(ya), Some(yb)) = (&cx[a], &cx[b], &cy[a], &cy[b]) {
                dx.push(sq_dist_ref(xa, xb).sqrt());
                dy.push(sq_dist_ref(ya, yb).sqrt());
            }
        }
    }
    if dx.len() < 3 {
        return Err(Error::invalid(
            "labels",
            format!("{} pair(s) of classes", dx.len()),
            "a correlation of centre distances needs at least 3 classes",
        ));
    }
    spearman(&dx, &dy)
}

/// The mean row of each class (`None` for a label no point has).
fn class_centres(x: &Matrix<f64>, labels: &[usize]) -> Vec<Option<Vec<f64>>> {
    let k = labels.iter().max().map_or(0, |&m| m + 1);
    let mut sums = vec![vec![0.0; x.cols()]; k];
    let mut counts = vec![0usize; k];
    for (row, &l) in x.iter_rows().zip(labels) {
        sums[l].iter_mut().zip(row).for_each(|(s, v)| *s += v);
        counts[l] += 1;
    }
    sums.into_iter()
        .zip(counts)
        .map(|(s, c)| (c > 0).then(|| s.into_iter().map(|v| v / c as f64).collect()))
        .collect()
}
// ANCHOR_END: centre_correlation
