//! Sensor-network localisation by semidefinite programming (Biswas and Ye 2004), the
//! lecture's MDS-SDP: place n sensors in the plane from a few anchors with known positions
//! and noisy ranges between nearby pairs, when most distances are missing and classical MDS
//! has nothing to work on.
//!
//! With the sensors as the columns of X (2 x n), the relaxation asks for
//! `Z = [[I, X], [Xᵀ, Y]] ⪰ 0` (so `Y ⪰ XᵀX`) with every range matched in the mean-square
//! sense:
//! - sensors i, j: `Yᵢᵢ + Yⱼⱼ - 2 Yᵢⱼ ≈ dᵢⱼ²`;
//! - anchor a, sensor j: `‖a‖² - 2 aᵀxⱼ + Yⱼⱼ ≈ dₐⱼ²`.
//!
//! Were `Y = XᵀX` imposed, this would be the (non-convex) localisation problem itself;
//! relaxing it to `Y ⪰ XᵀX` makes it convex. When the ranges pin the network down, the
//! relaxation's solution has rank 2 and X is exact. The crate solves it by ADMM
//! ([`SdpLocalization::fit`]) and then polishes X by gradient descent on the range errors.

use super::mds::classical_mds;
use super::{distance, procrustes};
use crate::eigen::Eigh;
use crate::error::{Error, Result};
use crate::linalg::kernels::dot;
use crate::linalg::{Exec, Matrix};
use crate::rand::Rng;
use crate::spectral::graph::components;

/// A measured distance: between sensors `i` and `j`, or (`anchor: true`) between anchor `i`
/// and sensor `j`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Range {
    pub i: usize,
    pub j: usize,
    pub anchor: bool,
    pub distance: f64,
}

/// A generated network with its ground truth.
#[derive(Clone, Debug, PartialEq)]
pub struct SensorNetwork {
    /// m x 2 anchor positions.
    pub anchors: Matrix<f64>,
    /// n x 2 true sensor positions.
    pub sensors: Matrix<f64>,
    pub ranges: Vec<Range>,
}

// ANCHOR: network
/// `n` sensors uniform in the unit square [-0.5, 0.5]², anchors at its four corners (pulled
/// in by 0.05) and, beyond four, uniform too. Every pair closer than `radius` gets a range
/// `d (1 + noise · ε)`, ε standard normal (Biswas and Ye's multiplicative noise).
pub fn sensor_network(
    n: usize,
    anchors: usize,
    radius: f64,
    noise: f64,
    seed: u64,
) -> Result<SensorNetwork> {
    if n == 0 || anchors < 3 {
        return Err(Error::invalid(
            "anchors",
            anchors,
            "the plane needs at least 3 anchors (and 1 sensor) to fix position, rotation and reflection",
        ));
    }
    if radius.is_nan() || radius <= 0.0 || noise.is_nan() || noise < 0.0 {
        return Err(Error::invalid(
            "radius, noise",
            format!("{radius}, {noise}"),
            "radius must be positive and noise at least 0",
        ));
    }
    let mut rng = Rng::seed_from_u64(seed);
    let corners = [[-0.45, -0.45], [0.45, -0.45], [-0.45, 0.45], [0.45, 0.45]];
    let a = Matrix::from_fn(anchors, 2, |k, c| {
        if k < 4 {
            corners[k][c]
        } else {
            rng.uniform(-0.5, 0.5)
        }
    });
    let s = Matrix::from_fn(n, 2, |_, _| rng.uniform(-0.5, 0.5));
    let mut ranges = Vec::new();
    let mut measure = |i: usize, j: usize, anchor: bool, d: f64, rng: &mut Rng| {
        if d < radius {
            ranges.push(Range {
                i,
                j,
                anchor,
                distance: d * (1.0 + noise * rng.normal()),
            });
        }
    };
    for i in 0..n {
        for j in i + 1..n {
            measure(i, j, false, distance(s.row(i), s.row(j)), &mut rng);
        }
    }
    for k in 0..anchors {
        for j in 0..n {
            measure(k, j, true, distance(a.row(k), s.row(j)), &mut rng);
        }
    }
    Ok(SensorNetwork {
        anchors: a,
        sensors: s,
        ranges,
    })
}
// ANCHOR_END: network

/// Root-mean-square distance between estimated and true positions.
pub fn rmsd(estimate: &Matrix<f64>, truth: &Matrix<f64>) -> f64 {
    let n = truth.rows().max(1) as f64;
    (crate::linalg::kernels::sq_dist(estimate.as_slice(), truth.as_slice()) / n).sqrt()
}

/// SDP localisation. Hyperparameters only; [`SdpLocalization::fit`].
#[derive(Clone, Debug)]
pub struct SdpLocalization {
    max_iter: usize,
    rho: f64,
    tol: f64,
    refine_iter: usize,
}

/// What the localisation found.
#[derive(Clone, Debug, PartialEq)]
pub struct FittedSdpLocalization {
    /// n x 2 positions after the gradient refinement.
    pub positions: Matrix<f64>,
    /// n x 2 positions read off the SDP solution (X), before refinement.
    pub sdp_positions: Matrix<f64>,
    /// The eigenvalues of the solution Z, largest first (rank 2 = a tight relaxation:
    /// all but two near 0).
    pub eigenvalues: Vec<f64>,
    /// `‖Z - W‖_F` (the two ADMM copies' disagreement) after each iteration.
    pub residuals: Vec<f64>,
    pub n_iter: usize,
    pub converged: bool,
}

impl Default for SdpLocalization {
    fn default() -> Self {
        SdpLocalization {
            max_iter: 2000,
            rho: 1.0,
            tol: 1e-7,
            refine_iter: 2000,
        }
    }
}

impl SdpLocalization {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn max_iter(mut self, max_iter: usize) -> Self {
        self.max_iter = max_iter;
        self
    }
    /// ADMM's penalty ρ.
    pub fn rho(mut self, rho: f64) -> Self {
        self.rho = rho;
        self
    }
    /// Stop when `‖Z - W‖_F` and its change are below this.
    pub fn tol(mut self, tol: f64) -> Self {
        self.tol = tol;
        self
    }
    /// Gradient steps of the refinement (0: none).
    pub fn refine_iter(mut self, iterations: usize) -> Self {
        self.refine_iter = iterations;
        self
    }

    // ANCHOR: sdp_fit
    /// ADMM on `min ½‖𝒜(Z) - b‖² subject to Z ⪰ 0, Z's top-left 2 x 2 block = I`, split as
    /// Z (the affine part: least squares plus the fixed block) and W (the PSD cone) with
    /// the constraint `Z = W`:
    /// 1. Z ← argmin ½‖𝒜Z - b‖² + ρ/2 ‖Z - W + U‖², solved by conjugate gradients;
    /// 2. W ← the projection of Z + U onto the PSD cone (an eigendecomposition with the
    ///    negative eigenvalues set to 0, chapter 2);
    /// 3. U ← U + Z - W.
    ///
    /// Then the positions X are polished by [`refine`].
    pub fn fit(
        &self,
        anchors: &Matrix<f64>,
        n: usize,
        ranges: &[Range],
    ) -> Result<FittedSdpLocalization> {
        let problem = Problem::new(anchors, n, ranges)?;
        let size = n + 2;
        let mut z = Matrix::identity(size);
        let mut w = z.clone();
        let mut u = Matrix::zeros(size, size);
        let mut residuals = Vec::new();
        let mut converged = false;
        let mut n_iter = 0;
        for _ in 0..self.max_iter {
            let target = w.sub(&u)?;
            z = problem.least_squares(&target, self.rho, &z)?;
            let w_old = w.clone();
            w = project_psd(&z.add(&u)?)?;
            u = u.add(&z.sub(&w)?)?;
            n_iter += 1;
            let primal = frobenius(&z.sub(&w)?);
            let dual = frobenius(&w.sub(&w_old)?);
            residuals.push(primal);
            if primal < self.tol && dual < self.tol {
                converged = true;
                break;
            }
        }
        let sdp_positions = Matrix::from_fn(n, 2, |j, c| w[(c, 2 + j)]);
        let positions = refine(&sdp_positions, anchors, ranges, self.refine_iter);
        let mut eigenvalues = Eigh::new().solve(&w)?.values;
        eigenvalues.reverse();
        Ok(FittedSdpLocalization {
            positions,
            sdp_positions,
            eigenvalues,
            residuals,
            n_iter,
            converged,
        })
    }
    // ANCHOR_END: sdp_fit
}

fn frobenius(a: &Matrix<f64>) -> f64 {
    dot(a.as_slice(), a.as_slice()).sqrt()
}

/// `V diag(max(λ, 0)) Vᵀ`.
fn project_psd(a: &Matrix<f64>) -> Result<Matrix<f64>> {
    let e = Eigh::new().solve(a)?;
    let n = a.rows();
    let scaled = Matrix::from_fn(n, n, |i, k| e.vectors[(i, k)] * e.values[k].max(0.0));
    scaled.matmul_t(&e.vectors)
}

/// The linear map 𝒜 and the right-hand side b of the relaxation.
struct Problem<'a> {
    anchors: &'a Matrix<f64>,
    ranges: &'a [Range],
    n: usize,
    b: Vec<f64>,
}

impl<'a> Problem<'a> {
    fn new(anchors: &'a Matrix<f64>, n: usize, ranges: &'a [Range]) -> Result<Self> {
        if anchors.cols() != 2 {
            return Err(Error::ShapeMismatch {
                op: "SDP localisation anchors (m x 2)",
                left: anchors.shape(),
                right: (anchors.rows(), 2),
            });
        }
        anchors.check_finite("anchors")?;
        for r in ranges {
            let bound = if r.anchor { anchors.rows() } else { n };
            if r.i >= bound || r.j >= n || (!r.anchor && r.i == r.j) {
                return Err(Error::IndexOutOfBounds {
                    what: "range endpoint",
                    index: r.i.max(r.j),
                    bound: bound.min(n),
                });
            }
            if !(r.distance >= 0.0 && r.distance.is_finite()) {
                return Err(Error::invalid(
                    "range",
                    r.distance,
                    "must be a finite distance >= 0",
                ));
            }
        }
        check_connected(anchors.rows(), n, ranges)?;
        let b = ranges
            .iter()
            .map(|r| {
                let d2 = r.distance * r.distance;
                if r.anchor {
                    d2 - dot(anchors.row(r.i), anchors.row(r.i))
                } else {
                    d2
                }
            })
            .collect();
        Ok(Problem {
            anchors,
            ranges,
            n,
            b,
        })
    }

    /// 𝒜(Z): one value per range.
    fn apply(&self, z: &Matrix<f64>) -> Vec<f64> {
        self.ranges
            .iter()
            .map(|r| {
                let q = 2 + r.j;
                if r.anchor {
                    let a = self.anchors.row(r.i);
                    z[(q, q)] - a[0] * (z[(0, q)] + z[(q, 0)]) - a[1] * (z[(1, q)] + z[(q, 1)])
                } else {
                    let p = 2 + r.i;
                    z[(p, p)] + z[(q, q)] - z[(p, q)] - z[(q, p)]
                }
            })
            .collect()
    }

    /// 𝒜*(r) = Σ rₗ Aₗ, a symmetric matrix.
    fn adjoint(&self, values: &[f64]) -> Matrix<f64> {
        let size = self.n + 2;
        let mut out = Matrix::zeros(size, size);
        for (r, &v) in self.ranges.iter().zip(values) {
            let q = 2 + r.j;
            out[(q, q)] += v;
            if r.anchor {
                let a = self.anchors.row(r.i);
                for c in 0..2 {
                    out[(c, q)] -= a[c] * v;
                    out[(q, c)] -= a[c] * v;
                }
            } else {
                let p = 2 + r.i;
                out[(p, p)] += v;
                out[(p, q)] -= v;
                out[(q, p)] -= v;
            }
        }
        out
    }

    /// `(𝒜*𝒜 + ρ I) Z`, with the fixed block held out (its entries stay 0).
    fn normal(&self, z: &Matrix<f64>, rho: f64) -> Matrix<f64> {
        let mut out = self.adjoint(&self.apply(z));
        for (o, v) in out.as_mut_slice().iter_mut().zip(z.as_slice()) {
            *o += rho * v;
        }
        clear_fixed(&mut out);
        out
    }

    // ANCHOR: least_squares
    /// `argmin ½‖𝒜Z - b‖² + ρ/2 ‖Z - V‖²` over symmetric Z with the top-left block I: the
    /// normal equations `(𝒜*𝒜 + ρI) Z = 𝒜*b + ρV` on the free entries, by conjugate
    /// gradients from the last Z (𝒜 never touches the fixed block, so it only enters as I).
    fn least_squares(&self, v: &Matrix<f64>, rho: f64, start: &Matrix<f64>) -> Result<Matrix<f64>> {
        let mut rhs = self.adjoint(&self.b);
        for (o, x) in rhs.as_mut_slice().iter_mut().zip(v.as_slice()) {
            *o += rho * x;
        }
        clear_fixed(&mut rhs);
        let mut z = start.clone();
        clear_fixed(&mut z);
        let mut r = rhs.sub(&self.normal(&z, rho))?;
        let mut p = r.clone();
        let mut rr = dot(r.as_slice(), r.as_slice());
        let stop = 1e-24 * dot(rhs.as_slice(), rhs.as_slice()).max(f64::MIN_POSITIVE);
        for _ in 0..50 {
            if rr <= stop {
                break;
            }
            let ap = self.normal(&p, rho);
            let alpha = rr / dot(p.as_slice(), ap.as_slice());
            for ((zi, pi), (ri, api)) in z
                .as_mut_slice()
                .iter_mut()
                .zip(p.as_slice())
                .zip(r.as_mut_slice().iter_mut().zip(ap.as_slice()))
            {
                *zi += alpha * pi;
                *ri -= alpha * api;
            }
            let rr_new = dot(r.as_slice(), r.as_slice());
            let beta = rr_new / rr;
            for (pi, ri) in p.as_mut_slice().iter_mut().zip(r.as_slice()) {
                *pi = ri + beta * *pi;
            }
            rr = rr_new;
        }
        for c in 0..2 {
            z[(c, c)] = 1.0;
        }
        Ok(z)
    }
    // ANCHOR_END: least_squares
}

/// Zeroes the fixed 2 x 2 block.
fn clear_fixed(z: &mut Matrix<f64>) {
    for a in 0..2 {
        for b in 0..2 {
            z[(a, b)] = 0.0;
        }
    }
}

/// Every sensor must reach an anchor through ranges, or nothing places it.
fn check_connected(m: usize, n: usize, ranges: &[Range]) -> Result<()> {
    // Vertices: anchors 0..m, then sensors; anchors joined to each other (known positions).
    let mut triplets = Vec::new();
    for k in 1..m {
        triplets.push((0, k, 1.0));
    }
    for r in ranges {
        let a = if r.anchor { r.i } else { m + r.i };
        triplets.push((a, m + r.j, 1.0));
    }
    let graph = crate::linalg::Csr::symmetric_from_triplets(
        m + n,
        &triplets,
        crate::linalg::sparse::Duplicates::Max,
    )?;
    let parts = components(&graph);
    if parts.count > 1 {
        return Err(Error::invalid(
            "ranges",
            format!("{} ranges", ranges.len()),
            format!(
                "{} sensors have no chain of ranges to an anchor, so nothing can place them; \
                 measure more pairs (a larger radius)",
                (0..m + n)
                    .filter(|&v| parts.labels[v] != parts.labels[0])
                    .count()
            ),
        ));
    }
    Ok(())
}

// ANCHOR: refine
/// Gradient descent on `Σ (‖pᵢ - pⱼ‖ - dᵢⱼ)²` over the sensor positions (anchors fixed),
/// from `start`, with a step that halves when the error would rise and grows by 10% when
/// it falls.
pub fn refine(
    start: &Matrix<f64>,
    anchors: &Matrix<f64>,
    ranges: &[Range],
    iterations: usize,
) -> Matrix<f64> {
    let mut x = start.clone();
    let mut step = 0.1;
    let mut err = range_error(&x, anchors, ranges);
    for _ in 0..iterations {
        let mut grad = Matrix::zeros(x.rows(), 2);
        for r in ranges {
            let (pi, pj) = if r.anchor {
                (anchors.row(r.i).to_vec(), x.row(r.j).to_vec())
            } else {
                (x.row(r.i).to_vec(), x.row(r.j).to_vec())
            };
            let d = distance(&pi, &pj).max(1e-12);
            let g = 2.0 * (d - r.distance) / d;
            for c in 0..2 {
                let v = g * (pj[c] - pi[c]);
                grad[(r.j, c)] += v;
                if !r.anchor {
                    grad[(r.i, c)] -= v;
                }
            }
        }
        let trial = x.sub(&grad.scale(step)).unwrap_or_else(|_| x.clone());
        let trial_err = range_error(&trial, anchors, ranges);
        if trial_err <= err {
            x = trial;
            err = trial_err;
            step *= 1.1;
        } else {
            step *= 0.5;
        }
    }
    x
}
// ANCHOR_END: refine

fn range_error(x: &Matrix<f64>, anchors: &Matrix<f64>, ranges: &[Range]) -> f64 {
    ranges
        .iter()
        .map(|r| {
            let pi = if r.anchor {
                anchors.row(r.i)
            } else {
                x.row(r.i)
            };
            let e = distance(pi, x.row(r.j)) - r.distance;
            e * e
        })
        .sum()
}

// ANCHOR: mds_localization
/// The classical-MDS answer to the same question: complete the missing distances by
/// shortest paths through the measured ones (anchors to each other exactly), classical MDS
/// in 2-D, then the rigid motion that best carries the mapped anchors onto the true ones.
pub fn mds_localization(
    anchors: &Matrix<f64>,
    n: usize,
    ranges: &[Range],
    exec: Exec,
) -> Result<Matrix<f64>> {
    let m = anchors.rows();
    check_connected(m, n, ranges)?;
    let mut triplets = Vec::new();
    for a in 0..m {
        for b in a + 1..m {
            triplets.push((a, b, distance(anchors.row(a), anchors.row(b))));
        }
    }
    for r in ranges {
        let a = if r.anchor { r.i } else { m + r.i };
        triplets.push((a, m + r.j, r.distance));
    }
    let graph = crate::linalg::Csr::symmetric_from_triplets(
        m + n,
        &triplets,
        crate::linalg::sparse::Duplicates::Max,
    )?;
    let d = super::geodesic_distances(&graph, exec)?;
    let map = classical_mds(&d, 2, 0)?.embedding;
    let mapped_anchors = Matrix::from_fn(m, 2, |k, c| map[(k, c)]);
    let sensors = Matrix::from_fn(n, 2, |j, c| map[(m + j, c)]);
    procrustes(&mapped_anchors, anchors)?.apply(&sensors)
}
// ANCHOR_END: mds_localization
