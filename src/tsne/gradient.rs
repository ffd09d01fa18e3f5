//! Steps 3 and 4 of t-SNE, the map side: the cost and its gradient (SNE, exact t-SNE,
//! Barnes–Hut), and the gradient step with momentum and gains.

use super::quadtree::QuadTree;
use super::ROWS_PER_TASK;
use crate::error::{Error, Result};
use crate::linalg::kernels::sq_dists_with;
use crate::linalg::sparse::Csr;
use crate::linalg::threads::par_chunks_mut;
use crate::linalg::{Exec, Matrix};

/// Maps have at most this many dimensions (t-SNE is for looking at; scikit-learn's
/// Barnes–Hut has the same limit), so per-row sums fit in fixed arrays.
pub const MAX_COMPONENTS: usize = 3;

/// Per-row partial sums of a gradient pass: the attraction, the repulsion, the row's share
/// of the normalisation Z and of the cost.
#[derive(Clone, Copy, Default)]
struct RowSums {
    attract: [f64; MAX_COMPONENTS],
    repel: [f64; MAX_COMPONENTS],
    z: f64,
    cost: f64,
}

// ANCHOR: exact_gradient
/// The t-SNE gradient over all pairs, with P multiplied by `exaggeration`:
///
/// `∂C/∂yᵢ = 4 Σⱼ (α pᵢⱼ - qᵢⱼ) wᵢⱼ (yᵢ - yⱼ)`, `wᵢⱼ = (1 + ‖yᵢ - yⱼ‖²)⁻¹`, `qᵢⱼ = wᵢⱼ / Z`.
///
/// Written as attraction minus repulsion, `4 (α Σⱼ pᵢⱼ wᵢⱼ (yᵢ - yⱼ) - Σⱼ wᵢⱼ² (yᵢ - yⱼ) / Z)`,
/// one pass over the pairs gives both and Z. Returns `KL(P ‖ Q)` (of the unexaggerated P).
pub fn exact_gradient(
    p: &Matrix<f64>,
    y: &Matrix<f64>,
    exaggeration: f64,
    want_cost: bool,
    grad: &mut [f64],
    exec: Exec,
) -> Result<Option<f64>> {
    check_gradient_shapes(p.rows(), p.cols(), y, grad)?;
    let (n, dim) = y.shape();
    let rows = per_row(n, exec, |i| {
        let yi = y.row(i);
        let d2 = map_sq_dists(y, i, exec);
        let mut s = RowSums::default();
        for (j, (&pij, &d2)) in p.row(i).iter().zip(&d2).enumerate() {
            if j == i {
                continue;
            }
            let yj = y.row(j);
            let w = 1.0 / (1.0 + d2);
            s.z += w;
            for a in 0..dim {
                let diff = yi[a] - yj[a];
                s.attract[a] += pij * w * diff;
                s.repel[a] += w * w * diff;
            }
            if want_cost && pij > 0.0 {
                s.cost += pij * (pij / w).ln();
            }
        }
        s
    });
    let cost = combine(&rows, exaggeration, grad);
    Ok(want_cost.then_some(cost))
}
// ANCHOR_END: exact_gradient

/// `grad = 4 (α·attract - repel / Z)` row by row; returns `Σ p log(p / w) + log Z`, the KL
/// divergence when P sums to 1 (`log qᵢⱼ = log wᵢⱼ - log Z`).
fn combine(rows: &[RowSums], exaggeration: f64, grad: &mut [f64]) -> f64 {
    // Summed in row order on this thread: the same Z for any thread count.
    let z: f64 = rows.iter().map(|r| r.z).sum();
    let dim = grad.len() / rows.len().max(1);
    for (g, r) in grad.chunks_exact_mut(dim).zip(rows) {
        for ((ga, at), re) in g.iter_mut().zip(&r.attract).zip(&r.repel) {
            *ga = 4.0 * (exaggeration * at - re / z);
        }
    }
    rows.iter().map(|r| r.cost).sum::<f64>() + z.ln()
}

/// `f(i)` for every row, on `exec.threads` threads in fixed blocks, returned in row order.
fn per_row<R: Send>(n: usize, exec: Exec, f: impl Fn(usize) -> R + Sync) -> Vec<R> {
    let blocks = crate::linalg::threads::par_map(n.div_ceil(ROWS_PER_TASK), exec.threads, |b| {
        (b * ROWS_PER_TASK..((b + 1) * ROWS_PER_TASK).min(n))
            .map(&f)
            .collect::<Vec<R>>()
    });
    blocks.into_iter().flatten().collect()
}

/// `‖yᵢ - yⱼ‖²` for every j: one dispatched kernel call for the whole row.
fn map_sq_dists(y: &Matrix<f64>, i: usize, exec: Exec) -> Vec<f64> {
    let mut d = vec![0.0; y.rows()];
    sq_dists_with(exec.isa, y.row(i), y.as_slice(), &mut d);
    d
}

fn check_gradient_shapes(
    p_rows: usize,
    p_cols: usize,
    y: &Matrix<f64>,
    grad: &[f64],
) -> Result<()> {
    if p_rows != y.rows() || p_cols != y.rows() {
        return Err(Error::ShapeMismatch {
            op: "t-SNE gradient (P against the map points)",
            left: (p_rows, p_cols),
            right: y.shape(),
        });
    }
    if grad.len() != y.as_slice().len() {
        return Err(Error::BadLength {
            what: "gradient buffer (one entry per map coordinate)",
            expected: y.as_slice().len(),
            actual: grad.len(),
        });
    }
    Ok(())
}

// ANCHOR: sne_gradient
/// SNE's gradient (Hinton and Roweis 2002) for conditional `P[i][j] = p_{j|i}` and the
/// Gaussian map distribution `q_{j|i} = exp(-‖yᵢ - yⱼ‖²) / Zᵢ`:
///
/// `∂C/∂yᵢ = 2 Σⱼ (p_{j|i} - q_{j|i} + p_{i|j} - q_{i|j}) (yᵢ - yⱼ)`.
///
/// `p_sym` is `P + Pᵀ` (fixed, so computed once by the caller); `q_{j|i} + q_{i|j}` is
/// `exp(-dᵢⱼ) (1/Zᵢ + 1/Zⱼ)` because the map distances are symmetric, so only the
/// normalisers need a first pass. Returns the cost `Σᵢ KL(Pᵢ ‖ Qᵢ)`.
pub fn sne_gradient(
    p: &Matrix<f64>,
    p_sym: &Matrix<f64>,
    y: &Matrix<f64>,
    want_cost: bool,
    grad: &mut [f64],
    exec: Exec,
) -> Result<Option<f64>> {
    check_gradient_shapes(p.rows(), p.cols(), y, grad)?;
    check_gradient_shapes(p_sym.rows(), p_sym.cols(), y, grad)?;
    let (n, dim) = y.shape();
    // Pass 1: log Zᵢ = log Σ_{k≠i} exp(-dᵢₖ), shifted by the nearest so nothing underflows,
    // and row i's share of the cost, Σⱼ p_{j|i} (log p_{j|i} + dᵢⱼ + log Zᵢ).
    let rows = per_row(n, exec, |i| {
        let d = map_sq_dists(y, i, exec);
        let others = || {
            d.iter()
                .enumerate()
                .filter(|&(j, _)| j != i)
                .map(|(_, &v)| v)
        };
        let d_min = others().fold(f64::INFINITY, f64::min);
        let z: f64 = others().map(|v| (d_min - v).exp()).sum();
        let log_z = z.ln() - d_min;
        let mut cost = 0.0;
        if want_cost {
            for (j, (&pji, &dj)) in p.row(i).iter().zip(&d).enumerate() {
                if j != i && pji > 0.0 {
                    cost += pji * (pji.ln() + dj + log_z);
                }
            }
        }
        (log_z, cost)
    });
    // Pass 2: the gradient, row by row.
    let grads = per_row(n, exec, |i| {
        let yi = y.row(i);
        let d = map_sq_dists(y, i, exec);
        let log_zi = rows[i].0;
        let mut g = [0.0; MAX_COMPONENTS];
        for (j, (&sij, &dj)) in p_sym.row(i).iter().zip(&d).enumerate() {
            if j == i {
                continue;
            }
            let m = sij - (-dj - log_zi).exp() - (-dj - rows[j].0).exp();
            for (a, ga) in g.iter_mut().take(dim).enumerate() {
                *ga += 2.0 * m * (yi[a] - y[(j, a)]);
            }
        }
        g
    });
    for (out, g) in grad.chunks_exact_mut(dim).zip(grads) {
        out.copy_from_slice(&g[..dim]);
    }
    Ok(want_cost.then(|| rows.iter().map(|(_, c)| c).sum()))
}
// ANCHOR_END: sne_gradient

/// Tree positions per parallel task in the Barnes–Hut pass.
const POINTS_PER_TASK: usize = 256;

// ANCHOR: barnes_hut
/// The t-SNE gradient of van der Maaten (2014): the attraction over the sparse P exactly,
/// the repulsion and Z from the quadtree with accuracy `theta` (0 is exact). The cost is
/// computed only when `want_cost` (it needs a logarithm per entry of P), with the tree's
/// estimate of Z.
pub fn barnes_hut_gradient(
    p: &Csr<f64>,
    y: &Matrix<f64>,
    exaggeration: f64,
    theta: f64,
    want_cost: bool,
    grad: &mut [f64],
    exec: Exec,
) -> Result<Option<f64>> {
    check_gradient_shapes(p.rows(), p.cols(), y, grad)?;
    if y.cols() != 2 {
        return Err(Error::invalid(
            "map dimensions",
            y.cols(),
            "Barnes–Hut needs 2",
        ));
    }
    let n = y.rows();
    let tree = QuadTree::new(y.as_slice());
    // Walk the points in tree order (neighbours share cells, so the walk stays in cache);
    // each point's sums depend only on the tree, never on who computed them.
    let mut sums = vec![RowSums::default(); n];
    par_chunks_mut(&mut sums, POINTS_PER_TASK, exec.threads, |b, chunk| {
        let mut stack = Vec::with_capacity(64);
        for (s, out) in chunk.iter_mut().enumerate() {
            let t = b * POINTS_PER_TASK + s;
            let i = tree.original(t);
            let rep = tree.repulsion(t, theta, &mut stack);
            let yi = tree.point(t);
            let (cols, vals) = p.row(i);
            let (mut ax, mut ay, mut cost) = (0.0, 0.0, 0.0);
            for (&j, &pij) in cols.iter().zip(vals) {
                let (dx, dy) = (yi[0] - y[(j, 0)], yi[1] - y[(j, 1)]);
                let w = 1.0 / (1.0 + dx * dx + dy * dy);
                ax += pij * w * dx;
                ay += pij * w * dy;
                if want_cost && pij > 0.0 {
                    cost += pij * (pij / w).ln();
                }
            }
            *out = RowSums {
                attract: [ax, ay, 0.0],
                repel: [rep.force[0], rep.force[1], 0.0],
                z: rep.z,
                cost,
            };
        }
    });
    // Back to the original order, then one reduction in that order.
    let mut rows = vec![RowSums::default(); n];
    for (t, s) in sums.into_iter().enumerate() {
        rows[tree.original(t)] = s;
    }
    let cost = combine(&rows, exaggeration, grad);
    Ok(want_cost.then_some(cost))
}
// ANCHOR_END: barnes_hut

/// The optimiser's memory: the last update of each coordinate and its gain.
#[derive(Clone, Debug)]
pub struct Momentum {
    pub update: Vec<f64>,
    pub gains: Vec<f64>,
}

impl Momentum {
    pub fn new(len: usize) -> Momentum {
        Momentum {
            update: vec![0.0; len],
            gains: vec![1.0; len],
        }
    }
}

/// Gains never fall below this, so no coordinate freezes.
const MIN_GAIN: f64 = 0.01;

// ANCHOR: gradient_step
/// One step of gradient descent with momentum and adaptive gains (Jacobs 1988, as in
/// van der Maaten's implementation): a coordinate whose gradient keeps its sign against the
/// last update (still heading downhill) gets a larger gain (+0.2); one whose gradient flips
/// gets a smaller one (×0.8).
pub fn gradient_step(
    y: &mut [f64],
    grad: &[f64],
    state: &mut Momentum,
    momentum: f64,
    learning_rate: f64,
) {
    for (((yv, &g), u), gain) in y
        .iter_mut()
        .zip(grad)
        .zip(&mut state.update)
        .zip(&mut state.gains)
    {
        *gain = if (g > 0.0) != (*u > 0.0) {
            *gain + 0.2
        } else {
            (*gain * 0.8).max(MIN_GAIN)
        };
        *u = momentum * *u - learning_rate * *gain * g;
        *yv += *u;
    }
}
// ANCHOR_END: gradient_step
