//! Comparing a clustering with the truth: the adjusted Rand index and normalised mutual
//! information, both from the contingency table. Used by chapters 4–9 to score results;
//! book `07-spectral.md`.

use crate::error::{Error, Result};

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

/// Normalised mutual information `I(A; B) / ((H(A) + H(B)) / 2)` (scikit-learn's default,
/// arithmetic normalisation): 1 for identical partitions, 0 for independent ones.
pub fn normalized_mutual_information(a: &[usize], b: &[usize]) -> Result<f64> {
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
    let (ha, hb) = (
        entropy(&mut row_sums.iter().copied()),
        entropy(&mut col_sums.iter().copied()),
    );
    let mut mi = 0.0;
    for (i, row) in table.iter().enumerate() {
        for (j, &m) in row.iter().enumerate() {
            if m > 0 {
                let m = m as f64;
                mi += m / n * (n * m / (row_sums[i] as f64 * col_sums[j] as f64)).ln();
            }
        }
    }
    if ha + hb == 0.0 {
        return Ok(1.0);
    }
    Ok((2.0 * mi / (ha + hb)).clamp(0.0, 1.0))
}
