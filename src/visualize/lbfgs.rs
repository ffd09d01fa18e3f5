//! Quasi-Newton minimisation: L-BFGS with a line search that satisfies the strong Wolfe
//! conditions (Nocedal and Wright, *Numerical Optimization*, 2nd ed., Algorithms 7.4, 3.5
//! and 3.6), and plain gradient descent on the same line search as its baseline. Gatys et
//! al. synthesised textures with L-BFGS; so does this chapter.
//!
//! Newton's step `−H⁻¹ ∇f` needs the Hessian; BFGS builds an approximation of `H⁻¹` from
//! the steps `s = x_{k+1} − x_k` and gradient changes `y = ∇f_{k+1} − ∇f_k` it has seen.
//! L-BFGS keeps only the last `m` pairs and applies the approximation to a vector with the
//! two-loop recursion, in `O(m·n)` time and memory, never forming an `n x n` matrix.

use crate::error::{Error, Result};
use crate::linalg::kernels::{axpy, dot};

/// What a minimiser reached.
#[derive(Clone, Debug, PartialEq)]
pub struct Minimum {
    pub x: Vec<f64>,
    pub value: f64,
    pub gradient_norm: f64,
    /// Line-search iterations taken (each moves `x` once).
    pub iterations: usize,
    /// Objective evaluations, the cost that counts.
    pub evaluations: usize,
    /// The objective after each iteration, with the evaluations spent so far.
    pub trace: Vec<(usize, f64)>,
    /// `false`: stopped at the iteration limit; `x` is the best point reached.
    pub converged: bool,
}

/// An objective: writes `∇f(x)` into its second argument and returns `f(x)`.
pub trait Objective: FnMut(&[f64], &mut [f64]) -> Result<f64> {}
impl<F: FnMut(&[f64], &mut [f64]) -> Result<f64>> Objective for F {}

/// L-BFGS's settings (scikit-learn and SciPy call the limit `max_iter`, the tolerance
/// `gtol`).
#[derive(Clone, Debug, PartialEq)]
pub struct Lbfgs {
    /// Pairs `(s, y)` remembered (m); 5 to 20 is usual.
    pub memory: usize,
    pub max_iter: usize,
    /// Stop when `‖∇f‖∞` falls to this.
    pub gtol: f64,
    /// Stop when an iteration lowers `f` by less than `ftol · max(|f|, 1)`.
    pub ftol: f64,
}

impl Default for Lbfgs {
    fn default() -> Self {
        Lbfgs {
            memory: 10,
            max_iter: 1000,
            gtol: 1e-8,
            ftol: 1e-15,
        }
    }
}

/// Which direction each iteration searches along.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Direction {
    /// `−∇f`.
    Steepest,
    /// `−H_k ∇f` by the two-loop recursion over the last `m` pairs.
    QuasiNewton(usize),
}

impl Lbfgs {
    /// Minimises `f` from `x0` by L-BFGS.
    pub fn minimize(&self, f: impl Objective, x0: &[f64]) -> Result<Minimum> {
        self.check()?;
        descend(f, x0, Direction::QuasiNewton(self.memory), self)
    }

    /// Minimises `f` from `x0` by steepest descent on the same line search: the baseline
    /// L-BFGS is measured against.
    pub fn gradient_descent(&self, f: impl Objective, x0: &[f64]) -> Result<Minimum> {
        self.check()?;
        descend(f, x0, Direction::Steepest, self)
    }

    fn check(&self) -> Result<()> {
        crate::check_count("memory", self.memory, 1000, "a sensible history")?;
        crate::check_count("max_iter", self.max_iter, usize::MAX, "")?;
        for (name, v) in [("gtol", self.gtol), ("ftol", self.ftol)] {
            if !(v >= 0.0 && v.is_finite()) {
                return Err(Error::invalid(name, v, "must be a finite number >= 0"));
            }
        }
        Ok(())
    }
}

// ANCHOR: two_loop
/// The two-loop recursion: `−H ∇f` with `H` the L-BFGS inverse-Hessian approximation built
/// from the pairs `(s_i, y_i)` (oldest first) on top of `H₀ = γ I`, `γ = sᵀy / yᵀy` of the
/// newest pair (Nocedal and Wright, Algorithm 7.4 and eq. 7.20).
fn two_loop(g: &[f64], pairs: &[(Vec<f64>, Vec<f64>, f64)]) -> Vec<f64> {
    let mut q = g.to_vec();
    let mut alpha = vec![0.0; pairs.len()];
    for (i, (s, y, rho)) in pairs.iter().enumerate().rev() {
        alpha[i] = rho * dot(s, &q);
        axpy(-alpha[i], y, &mut q);
    }
    if let Some((s, y, _)) = pairs.last() {
        let gamma = dot(s, y) / dot(y, y);
        q.iter_mut().for_each(|v| *v *= gamma);
    }
    for (i, (s, y, rho)) in pairs.iter().enumerate() {
        let beta = rho * dot(y, &q);
        axpy(alpha[i] - beta, s, &mut q);
    }
    q.iter_mut().for_each(|v| *v = -*v);
    q
}
// ANCHOR_END: two_loop

/// The descent loop shared by both methods: pick a direction, search along it, remember
/// the pair, stop on a small gradient, a stalled objective or the iteration limit.
fn descend(
    mut f: impl Objective,
    x0: &[f64],
    direction: Direction,
    settings: &Lbfgs,
) -> Result<Minimum> {
    let n = x0.len();
    if n == 0 {
        return Err(Error::Empty { input: "x0" });
    }
    let mut x = x0.to_vec();
    let mut g = vec![0.0; n];
    let mut value = f(&x, &mut g)?;
    check_finite(value, &g, 0)?;
    let mut evaluations = 1;
    let mut pairs: Vec<(Vec<f64>, Vec<f64>, f64)> = Vec::new();
    let mut trace = vec![(1, value)];
    let mut previous_slope: Option<f64> = None;
    let mut previous_step: f64 = 0.0;
    for iteration in 1..=settings.max_iter {
        if norm_inf(&g) <= settings.gtol {
            return Ok(finish(
                x,
                value,
                &g,
                iteration - 1,
                evaluations,
                trace,
                true,
            ));
        }
        let mut p = match direction {
            Direction::QuasiNewton(_) => two_loop(&g, &pairs),
            Direction::Steepest => g.iter().map(|v| -v).collect(),
        };
        let mut slope = dot(&g, &p);
        if slope >= 0.0 {
            // Rounding spoilt the approximation: forget it and go downhill.
            pairs.clear();
            p = g.iter().map(|v| -v).collect();
            slope = dot(&g, &p);
        }
        // The first step moves x by a distance of 1 whatever the scale of f (as SciPy's
        // L-BFGS-B does); after that L-BFGS tries the unit step and gradient descent the
        // step of last time's decrease rate (Nocedal and Wright, section 3.5).
        let initial = match (direction, previous_slope) {
            (_, None) => 1.0 / dot(&g, &g).sqrt(),
            (Direction::QuasiNewton(_), Some(_)) if !pairs.is_empty() => 1.0,
            (_, Some(last)) => (previous_step * last / slope).clamp(1e-10, 1e10),
        };
        let step = strong_wolfe(&mut f, &x, value, &g, &p, slope, initial)?;
        evaluations += step.evaluations;
        let (x_new, g_new, value_new) = (step.x, step.g, step.value);
        check_finite(value_new, &g_new, iteration)?;
        if let Direction::QuasiNewton(m) = direction {
            let s: Vec<f64> = x_new.iter().zip(&x).map(|(a, b)| a - b).collect();
            let y: Vec<f64> = g_new.iter().zip(&g).map(|(a, b)| a - b).collect();
            let sy = dot(&s, &y);
            // The strong Wolfe conditions make sᵀy > 0; skip a pair rounding spoilt.
            if sy > f64::EPSILON * dot(&y, &y) {
                if pairs.len() == m {
                    pairs.remove(0);
                }
                pairs.push((s, y, 1.0 / sy));
            }
        }
        let decrease = value - value_new;
        (x, g, value) = (x_new, g_new, value_new);
        trace.push((evaluations, value));
        previous_slope = Some(slope);
        previous_step = step.alpha;
        if decrease <= settings.ftol * value.abs().max(1.0) {
            return Ok(finish(x, value, &g, iteration, evaluations, trace, true));
        }
    }
    let converged = norm_inf(&g) <= settings.gtol;
    Ok(finish(
        x,
        value,
        &g,
        settings.max_iter,
        evaluations,
        trace,
        converged,
    ))
}

fn finish(
    x: Vec<f64>,
    value: f64,
    g: &[f64],
    iterations: usize,
    evaluations: usize,
    trace: Vec<(usize, f64)>,
    converged: bool,
) -> Minimum {
    Minimum {
        x,
        value,
        gradient_norm: norm_inf(g),
        iterations,
        evaluations,
        trace,
        converged,
    }
}

/// A point the line search reached.
struct Step {
    alpha: f64,
    x: Vec<f64>,
    g: Vec<f64>,
    value: f64,
    evaluations: usize,
}

/// Sufficient decrease `c₁` and curvature `c₂` of the Wolfe conditions (the values
/// Nocedal and Wright recommend for quasi-Newton methods).
const C1: f64 = 1e-4;
const C2: f64 = 0.9;
/// Evaluations one line search may spend before it settles for what it has.
const MAX_TRIALS: usize = 40;

// ANCHOR: wolfe
/// A step `α` along the descent direction `p` that satisfies the strong Wolfe conditions
/// `φ(α) ≤ φ(0) + c₁ α φ'(0)` and `|φ'(α)| ≤ c₂ |φ'(0)|`, with `φ(α) = f(x + α p)`:
/// grow `α` until it brackets such a step, then zoom in by cubic interpolation
/// (Nocedal and Wright, Algorithms 3.5 and 3.6).
fn strong_wolfe(
    f: &mut impl Objective,
    x: &[f64],
    phi0: f64,
    g0: &[f64],
    p: &[f64],
    slope0: f64,
    initial: f64,
) -> Result<Step> {
    let mut evaluations = 0;
    let mut probe = |alpha: f64, evaluations: &mut usize| -> Result<(Step, f64)> {
        let xa: Vec<f64> = x.iter().zip(p).map(|(a, b)| a + alpha * b).collect();
        let mut ga = vec![0.0; x.len()];
        let value = f(&xa, &mut ga)?;
        *evaluations += 1;
        let slope = dot(&ga, p);
        Ok((
            Step {
                alpha,
                x: xa,
                g: ga,
                value,
                evaluations: 0,
            },
            slope,
        ))
    };
    let armijo = |s: &Step| s.value <= phi0 + C1 * s.alpha * slope0;
    let curvature = |slope: f64| slope.abs() <= -C2 * slope0;
    // Bracketing: (lo, hi) ends as an interval that contains a Wolfe step.
    let start = Step {
        alpha: 0.0,
        x: x.to_vec(),
        g: g0.to_vec(),
        value: phi0,
        evaluations: 0,
    };
    let (mut lo, mut lo_slope) = (start, slope0);
    let mut alpha = initial;
    let (mut hi, mut hi_slope);
    loop {
        let (s, slope) = probe(alpha, &mut evaluations)?;
        if !s.value.is_finite() || !armijo(&s) || (evaluations > 1 && s.value >= lo.value) {
            (hi, hi_slope) = (s, slope);
            break;
        }
        if curvature(slope) {
            return Ok(Step { evaluations, ..s });
        }
        if slope >= 0.0 {
            (hi, hi_slope) = (lo, lo_slope);
            (lo, lo_slope) = (s, slope);
            break;
        }
        (lo, lo_slope) = (s, slope);
        alpha *= 2.0;
        if evaluations >= MAX_TRIALS {
            return Ok(Step { evaluations, ..lo });
        }
    }
    // Zoom: lo always satisfies the sufficient decrease and has the lowest value so far.
    while evaluations < MAX_TRIALS {
        let a = cubic_minimizer(&lo, lo_slope, &hi, hi_slope);
        let (s, slope) = probe(a, &mut evaluations)?;
        if !s.value.is_finite() || !armijo(&s) || s.value >= lo.value {
            (hi, hi_slope) = (s, slope);
        } else {
            if curvature(slope) {
                return Ok(Step { evaluations, ..s });
            }
            if slope * (hi.alpha - lo.alpha) >= 0.0 {
                (hi, hi_slope) = (lo, lo_slope);
            }
            (lo, lo_slope) = (s, slope);
        }
        if (hi.alpha - lo.alpha).abs() <= f64::EPSILON * lo.alpha.abs().max(1e-300) {
            break;
        }
    }
    // Out of trials: the best point seen still lowers f (or is x itself).
    Ok(Step { evaluations, ..lo })
}
// ANCHOR_END: wolfe

/// The minimiser of the cubic through `(α, φ, φ')` at both ends, kept at least a tenth of
/// the interval from either end; bisection when the cubic has no minimiser there.
fn cubic_minimizer(a: &Step, da: f64, b: &Step, db: f64) -> f64 {
    let (lo, hi) = (a.alpha.min(b.alpha), a.alpha.max(b.alpha));
    let width = hi - lo;
    let mid = 0.5 * (lo + hi);
    if !b.value.is_finite() || !db.is_finite() {
        return mid;
    }
    // Nocedal and Wright, eq. 3.59.
    let d1 = da + db - 3.0 * (a.value - b.value) / (a.alpha - b.alpha);
    let disc = d1 * d1 - da * db;
    if disc < 0.0 {
        return mid;
    }
    let d2 = (b.alpha - a.alpha).signum() * disc.sqrt();
    let t = b.alpha - (b.alpha - a.alpha) * (db + d2 - d1) / (db - da + 2.0 * d2);
    if t.is_finite() && t >= lo + 0.1 * width && t <= hi - 0.1 * width {
        t
    } else {
        mid
    }
}

/// Refuses a NaN or infinite objective or gradient, naming the iteration.
fn check_finite(value: f64, g: &[f64], iteration: usize) -> Result<()> {
    if value.is_finite() && g.iter().all(|v| v.is_finite()) {
        Ok(())
    } else {
        Err(Error::Diverged {
            what: "objective or its gradient".into(),
            iteration,
            value,
        })
    }
}

fn norm_inf(v: &[f64]) -> f64 {
    v.iter().fold(0.0, |m, x| m.max(x.abs()))
}
