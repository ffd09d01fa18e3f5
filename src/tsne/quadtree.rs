//! The Barnes–Hut quadtree over a 2-D embedding (van der Maaten 2014, section 4.2).
//!
//! Each cell stores how many points it holds and their centre of mass. Seen from a point far
//! enough away, a cell's points all pull with nearly the same Student-t kernel, so the cell
//! counts as `count` copies of one point at its centre of mass: the repulsive sum over n
//! points costs O(log n) cells instead of n points.
//!
//! The tree is rebuilt every iteration (the embedding moves). Points are reordered so that
//! each cell's points are contiguous: a leaf is summed over a slice, and walking the points
//! in tree order keeps neighbouring queries on the same cells, which is what the cache likes.

/// Up to this many points a cell is a leaf: summing 8 points directly is cheaper than four
/// more cells to test.
const LEAF_SIZE: usize = 8;
/// Duplicate points never separate; stop splitting at this depth and keep them in one leaf.
const MAX_DEPTH: usize = 48;

#[derive(Clone, Copy, Debug)]
struct Cell {
    /// Squared side length of the cell, compared with θ²·d².
    side_sq: f64,
    com: [f64; 2],
    count: f64,
    /// Index of the first of four consecutive children; 0 for a leaf (the root is never a
    /// child, so 0 is free).
    children: u32,
    /// The cell's points are `points[start..end]`.
    start: u32,
    end: u32,
}

/// A quadtree over points in the plane, with the points stored in tree order.
pub struct QuadTree {
    cells: Vec<Cell>,
    /// The points in tree order.
    points: Vec<[f64; 2]>,
    /// `order[t]` is the original index of the point at tree position t.
    order: Vec<usize>,
}

/// The repulsive sums for one point: `Σⱼ wᵢⱼ² (yᵢ - yⱼ)` and `zᵢ = Σⱼ wᵢⱼ`, with
/// `wᵢⱼ = 1 / (1 + ‖yᵢ - yⱼ‖²)` and j running over every other point.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Repulsion {
    pub force: [f64; 2],
    pub z: f64,
}

impl QuadTree {
    /// Builds the tree over the rows of `y` (n x 2, row-major).
    pub fn new(y: &[f64]) -> QuadTree {
        let n = y.len() / 2;
        let mut items: Vec<([f64; 2], usize)> =
            (0..n).map(|i| ([y[2 * i], y[2 * i + 1]], i)).collect();
        let (mut lo, mut hi) = ([f64::INFINITY; 2], [f64::NEG_INFINITY; 2]);
        for (p, _) in &items {
            for a in 0..2 {
                lo[a] = lo[a].min(p[a]);
                hi[a] = hi[a].max(p[a]);
            }
        }
        let center = [0.5 * (lo[0] + hi[0]), 0.5 * (lo[1] + hi[1])];
        // A square root cell; a hair wider, so the largest point is strictly inside.
        let half = 0.5 * (hi[0] - lo[0]).max(hi[1] - lo[1]) * (1.0 + 1e-9) + f64::MIN_POSITIVE;
        let mut cells = Vec::with_capacity(2 * n / LEAF_SIZE + 8);
        cells.push(leaf(half, 0, n));
        split(&mut cells, 0, &mut items, 0, center, half, 0);
        let (points, order) = items.into_iter().unzip();
        QuadTree {
            cells,
            points,
            order,
        }
    }

    /// Number of points.
    pub fn len(&self) -> usize {
        self.points.len()
    }

    pub fn is_empty(&self) -> bool {
        self.points.is_empty()
    }

    /// The original index of the point at tree position `t`.
    pub fn original(&self, t: usize) -> usize {
        self.order[t]
    }

    /// The point at tree position `t`.
    pub fn point(&self, t: usize) -> [f64; 2] {
        self.points[t]
    }

    // ANCHOR: repulsion
    /// The repulsive sums for the point at tree position `t`. A cell of side s whose centre
    /// of mass is at distance d stands in for all its points when `s / d < theta`; a leaf
    /// that fails the test is summed point by point. `theta = 0` sums every pair exactly.
    pub fn repulsion(&self, t: usize, theta: f64, stack: &mut Vec<u32>) -> Repulsion {
        let p = self.points[t];
        let theta_sq = theta * theta;
        let mut out = Repulsion::default();
        stack.clear();
        stack.push(0);
        while let Some(c) = stack.pop() {
            let cell = &self.cells[c as usize];
            let (dx, dy) = (p[0] - cell.com[0], p[1] - cell.com[1]);
            let d_sq = dx * dx + dy * dy;
            if cell.side_sq < theta_sq * d_sq {
                // Far field: `count` points at the centre of mass.
                let w = 1.0 / (1.0 + d_sq);
                let mass = cell.count * w;
                out.z += mass;
                out.force[0] += mass * w * dx;
                out.force[1] += mass * w * dy;
            } else if cell.children == 0 {
                for (s, q) in self.points[cell.start as usize..cell.end as usize]
                    .iter()
                    .enumerate()
                {
                    if cell.start as usize + s == t {
                        continue;
                    }
                    let (dx, dy) = (p[0] - q[0], p[1] - q[1]);
                    let w = 1.0 / (1.0 + dx * dx + dy * dy);
                    out.z += w;
                    out.force[0] += w * w * dx;
                    out.force[1] += w * w * dy;
                }
            } else {
                // Children are pushed in a fixed order, so the sum's order is fixed too.
                for k in (0..4).rev() {
                    if self.cells[(cell.children + k) as usize].count > 0.0 {
                        stack.push(cell.children + k);
                    }
                }
            }
        }
        out
    }
    // ANCHOR_END: repulsion
}

fn leaf(half: f64, start: usize, end: usize) -> Cell {
    Cell {
        side_sq: 4.0 * half * half,
        com: [0.0; 2],
        count: (end - start) as f64,
        children: 0,
        start: start as u32,
        end: end as u32,
    }
}

/// Fills in cell `c`, which holds `items` (its slice of the points, starting at tree
/// position `offset`): the centre of mass, and four children when it holds too many points.
fn split(
    cells: &mut Vec<Cell>,
    c: usize,
    items: &mut [([f64; 2], usize)],
    offset: usize,
    center: [f64; 2],
    half: f64,
    depth: usize,
) {
    let n = items.len();
    let mut com = [0.0; 2];
    for (p, _) in items.iter() {
        com[0] += p[0];
        com[1] += p[1];
    }
    if n > 0 {
        com = [com[0] / n as f64, com[1] / n as f64];
    }
    cells[c].com = com;
    if n <= LEAF_SIZE || depth >= MAX_DEPTH {
        return;
    }
    // Quadrants in the order (x low, y low), (x low, y high), (x high, y low), (x high, y high).
    let mid_x = partition(items, |p| p[0] < center[0]);
    let (left, right) = items.split_at_mut(mid_x);
    let mid_left = partition(left, |p| p[1] < center[1]);
    let mid_right = partition(right, |p| p[1] < center[1]);
    let bounds = [0, mid_left, mid_x, mid_x + mid_right, n];
    let first = cells.len();
    cells[c].children = first as u32;
    let h = 0.5 * half;
    for k in 0..4 {
        cells.push(leaf(h, offset + bounds[k], offset + bounds[k + 1]));
    }
    for k in 0..4 {
        let sx = if k < 2 { -h } else { h };
        let sy = if k % 2 == 0 { -h } else { h };
        split(
            cells,
            first + k,
            &mut items[bounds[k]..bounds[k + 1]],
            offset + bounds[k],
            [center[0] + sx, center[1] + sy],
            h,
            depth + 1,
        );
    }
}

/// Moves the items for which `below` holds to the front; returns how many there are.
/// (Unstable, but deterministic: the result depends only on the input order.)
fn partition(items: &mut [([f64; 2], usize)], below: impl Fn(&[f64; 2]) -> bool) -> usize {
    let mut next = 0;
    for i in 0..items.len() {
        if below(&items[i].0) {
            items.swap(i, next);
            next += 1;
        }
    }
    next
}
