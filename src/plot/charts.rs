//! Charts the chapters share: a labelled map of points, and a dendrogram.

use super::{class_color, nice_ticks, Plot};
use crate::error::{Error, Result};
use crate::linalg::Matrix;

/// The first two columns of `points` as a scatter coloured by `labels` (a legend from
/// `names` when given), with equal scales on both axes: a map made by PCA, t-SNE or a
/// generator.
pub fn class_map(
    title: impl Into<String>,
    points: &Matrix<f64>,
    labels: &[usize],
    names: &[String],
) -> Result<Plot> {
    if points.cols() < 2 {
        return Err(Error::invalid(
            "points",
            format!("{} column(s)", points.cols()),
            "a map needs two columns",
        ));
    }
    Ok(Plot::new(title)
        .scatter_classes(&points.column(0), &points.column(1), labels, names)?
        .equal_aspect())
}

/// A horizontal dendrogram: the root on the left, leaves on the right with their names, the
/// subtrees of a flat cut coloured (no axes; a scale bar gives the height). `merges[r] =
/// (a, b, height)` in SciPy's numbering (leaves `0..n`, merge r makes cluster `n + r`),
/// `order` lists the leaves top to bottom, and `labels` is a cut into clusters `0..k`.
pub fn dendrogram(
    title: String,
    merges: &[(usize, usize, f64)],
    order: &[usize],
    labels: &[usize],
    names: &[String],
) -> Result<Plot> {
    let n = merges.len() + 1;
    let k = labels.iter().max().map_or(0, |m| m + 1);
    let well_formed = order.len() == n
        && labels.len() == n
        && k <= n
        && order.iter().all(|&leaf| leaf < n)
        && merges
            .iter()
            .enumerate()
            .all(|(r, &(a, b, _))| a < n + r && b < n + r);
    if !well_formed {
        return Err(Error::invalid(
            "merges",
            format!("{} merges, {} leaves in order", merges.len(), order.len()),
            "not a tree in SciPy's numbering with one order entry and one label per leaf",
        ));
    }
    let (mut pos, mut height, mut colour) = (
        vec![0.0; 2 * n - 1],
        vec![0.0; 2 * n - 1],
        vec![None; 2 * n - 1],
    );
    for (p, &leaf) in order.iter().enumerate() {
        pos[leaf] = (n - 1 - p) as f64;
        colour[leaf] = Some(labels[leaf]);
    }
    let mut by_colour: Vec<Vec<[f64; 4]>> = vec![Vec::new(); k + 1];
    for (r, &(a, b, h)) in merges.iter().enumerate() {
        let c = n + r;
        height[c] = h;
        pos[c] = 0.5 * (pos[a] + pos[b]);
        // A fusion below the cut stays inside one cluster and takes its colour.
        colour[c] = (r < n - k).then(|| colour[a]).flatten();
        let slot = colour[c].unwrap_or(k);
        for child in [a, b] {
            by_colour[slot].push([-height[child], pos[child], -h, pos[child]]);
        }
        by_colour[slot].push([-h, pos[a], -h, pos[b]]);
    }
    let top = merges.last().map_or(1.0, |m| m.2);
    let mut plot = Plot::new(title)
        .no_axes()
        .x_range(-1.02 * top, 0.42 * top)
        .y_range(-3.0, n as f64);
    for (slot, segs) in by_colour.iter().enumerate() {
        let colour = if slot == k { "#777" } else { class_color(slot) };
        plot = plot.segments(segs, colour);
    }
    for (p, &leaf) in order.iter().enumerate() {
        let name = names.get(leaf).cloned().unwrap_or_else(|| leaf.to_string());
        plot = plot.text(
            0.02 * top,
            (n - 1 - p) as f64 - 0.35,
            name,
            class_color(labels[leaf]),
        );
    }
    // Scale bar: one unit of height.
    let unit = nice_ticks(0.0, top, 4).get(1).copied().unwrap_or(1.0);
    plot = plot
        .segments(&[[-top, -2.0, -top + unit, -2.0]], "#000")
        .text(-top, -1.6, format!("height {unit}"), "#000");
    Ok(plot)
}
