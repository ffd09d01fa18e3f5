//! Seeded generators of synthetic data whose true structure is known: the cluster of each
//! point, its position along a manifold, or the sources behind a mixture. Same seed, same
//! data. Shapes and defaults follow scikit-learn's `make_*` functions where one exists.

use super::Dataset;
use crate::error::{Error, Result};
use crate::linalg::Matrix;
use crate::rand::Rng;
use std::f64::consts::{PI, TAU};

/// The most points a generator makes: ten million (a few hundred MB at most).
pub const MAX_POINTS: usize = 10_000_000;

/// The largest noise level: far beyond any structure, yet every statistic stays finite.
pub const MAX_NOISE: f64 = 1e6;

fn check_n(n: usize, min: usize) -> Result<()> {
    if !(min..=MAX_POINTS).contains(&n) {
        return Err(Error::invalid(
            "n",
            n,
            format!("must be between {min} and {MAX_POINTS}"),
        ));
    }
    Ok(())
}

fn check_noise(noise: f64) -> Result<()> {
    if !(0.0..=MAX_NOISE).contains(&noise) {
        return Err(Error::invalid(
            "noise",
            noise,
            format!("must be between 0 and {MAX_NOISE:e}"),
        ));
    }
    Ok(())
}

/// A labelled 2-D or n-D point set, rows shuffled with the seed so labels are not in blocks.
fn labelled(
    name: &str,
    mut rows: Vec<(Vec<f64>, usize)>,
    classes: usize,
    rng: &mut Rng,
) -> Result<Dataset> {
    rng.shuffle(&mut rows);
    let d = rows.first().map_or(0, |r| r.0.len());
    let labels = rows.iter().map(|r| r.1).collect();
    let x = Matrix::new(rows.len(), d, rows.into_iter().flat_map(|r| r.0).collect())?;
    Ok(Dataset {
        name: name.into(),
        x,
        feature_names: (0..d).map(|j| format!("x{j}")).collect(),
        labels: Some(labels),
        class_names: (0..classes).map(|c| c.to_string()).collect(),
        row_names: None,
    })
}

/// `n` points split as evenly as possible over `k` groups (the first groups get the extra).
fn split(n: usize, k: usize) -> impl Iterator<Item = (usize, usize)> {
    (0..k).map(move |g| (g, n / k + usize::from(g < n % k)))
}

// ANCHOR: blobs
/// Isotropic Gaussian blobs: `centers` centres drawn uniformly from the box [-10, 10]^d,
/// `n` points spread evenly over them, each coordinate with standard deviation `std`.
pub fn blobs(n: usize, d: usize, centers: usize, std: f64, seed: u64) -> Result<Dataset> {
    check_n(n, centers.max(1))?;
    if d == 0 || centers == 0 {
        return Err(Error::invalid(
            "centers",
            centers,
            format!("need d >= 1 (d = {d}) and at least one centre"),
        ));
    }
    check_noise(std)?;
    let mut rng = Rng::seed_from_u64(seed);
    let means: Vec<Vec<f64>> = (0..centers)
        .map(|_| (0..d).map(|_| rng.uniform(-10.0, 10.0)).collect())
        .collect();
    let mut rows = Vec::with_capacity(n);
    for (g, count) in split(n, centers) {
        for _ in 0..count {
            rows.push((means[g].iter().map(|&m| rng.gaussian(m, std)).collect(), g));
        }
    }
    labelled("blobs", rows, centers, &mut rng)
}
// ANCHOR_END: blobs

// ANCHOR: moons
/// Two interleaving half circles: the upper one centred at (0, 0), the lower one at (1, 0.5)
/// and flipped; positions evenly spaced along each arc, then Gaussian noise of standard
/// deviation `noise` (scikit-learn's `make_moons`).
pub fn two_moons(n: usize, noise: f64, seed: u64) -> Result<Dataset> {
    check_n(n, 2)?;
    check_noise(noise)?;
    let mut rng = Rng::seed_from_u64(seed);
    let mut rows = Vec::with_capacity(n);
    for (moon, count) in split(n, 2) {
        for i in 0..count {
            let t = PI * i as f64 / (count.max(2) - 1) as f64;
            let (x, y) = if moon == 0 {
                (t.cos(), t.sin())
            } else {
                (1.0 - t.cos(), 0.5 - t.sin())
            };
            rows.push((
                vec![x + noise * rng.normal(), y + noise * rng.normal()],
                moon,
            ));
        }
    }
    labelled("moons", rows, 2, &mut rng)
}
// ANCHOR_END: moons

/// Two concentric circles, the inner one `factor` times the outer's unit radius
/// (scikit-learn's `make_circles`); label 0 outer, 1 inner.
pub fn circles(n: usize, noise: f64, factor: f64, seed: u64) -> Result<Dataset> {
    check_n(n, 2)?;
    check_noise(noise)?;
    if !(factor > 0.0 && factor < 1.0) {
        return Err(Error::invalid(
            "factor",
            factor,
            "the inner radius must be between 0 and 1 (exclusive)",
        ));
    }
    let mut rng = Rng::seed_from_u64(seed);
    let mut rows = Vec::with_capacity(n);
    for (ring, count) in split(n, 2) {
        let r = if ring == 0 { 1.0 } else { factor };
        for i in 0..count {
            let t = TAU * i as f64 / count as f64;
            rows.push((
                vec![
                    r * t.cos() + noise * rng.normal(),
                    r * t.sin() + noise * rng.normal(),
                ],
                ring,
            ));
        }
    }
    labelled("circles", rows, 2, &mut rng)
}

/// Two interleaved spirals of `turns` turns each, one the other rotated by half a turn.
pub fn two_spirals(n: usize, noise: f64, turns: f64, seed: u64) -> Result<Dataset> {
    check_n(n, 2)?;
    check_noise(noise)?;
    if !(turns > 0.0 && turns.is_finite()) {
        return Err(Error::invalid("turns", turns, "must be positive"));
    }
    let mut rng = Rng::seed_from_u64(seed);
    let mut rows = Vec::with_capacity(n);
    for (arm, count) in split(n, 2) {
        for _ in 0..count {
            // sqrt spreads points evenly along the arm's length, not its angle.
            let t = rng.next_f64().sqrt() * turns * TAU;
            let sign = if arm == 0 { 1.0 } else { -1.0 };
            rows.push((
                vec![
                    sign * t * t.cos() + noise * rng.normal(),
                    sign * t * t.sin() + noise * rng.normal(),
                ],
                arm,
            ));
        }
    }
    labelled("spirals", rows, 2, &mut rng)
}

/// Points on a 2-D manifold in 3-D with their true coordinates.
#[derive(Clone, Debug, PartialEq)]
pub struct ManifoldSample {
    /// n x 3 points.
    pub data: Dataset,
    /// The position along the manifold's curled direction (the colour of every figure).
    pub t: Vec<f64>,
    /// The position along its straight direction.
    pub height: Vec<f64>,
}

fn manifold(
    name: &str,
    n: usize,
    noise: f64,
    seed: u64,
    point: impl Fn(f64, f64) -> [f64; 3],
    t_of: impl Fn(f64) -> f64,
    h_scale: f64,
) -> Result<ManifoldSample> {
    check_n(n, 1)?;
    check_noise(noise)?;
    let mut rng = Rng::seed_from_u64(seed);
    let (mut data, mut ts, mut hs) = (
        Vec::with_capacity(3 * n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
    );
    for _ in 0..n {
        let t = t_of(rng.next_f64());
        let h = h_scale * rng.next_f64();
        data.extend(point(t, h).map(|c| c + noise * rng.normal()));
        ts.push(t);
        hs.push(h);
    }
    Ok(ManifoldSample {
        data: Dataset {
            name: name.into(),
            x: Matrix::new(n, 3, data)?,
            feature_names: vec!["x".into(), "y".into(), "z".into()],
            labels: None,
            class_names: Vec::new(),
            row_names: None,
        },
        t: ts,
        height: hs,
    })
}

// ANCHOR: swiss_roll
/// The Swiss roll (scikit-learn's `make_swiss_roll`): t uniform in [1.5π, 4.5π], height
/// uniform in [0, 21], the point (t cos t, height, t sin t) plus Gaussian noise.
pub fn swiss_roll(n: usize, noise: f64, seed: u64) -> Result<ManifoldSample> {
    manifold(
        "swissroll",
        n,
        noise,
        seed,
        |t, h| [t * t.cos(), h, t * t.sin()],
        |u| 1.5 * PI * (1.0 + 2.0 * u),
        21.0,
    )
}
// ANCHOR_END: swiss_roll

/// The S-curve (scikit-learn's `make_s_curve`): t uniform in [-1.5π, 1.5π], height in
/// [0, 2], the point (sin t, height, sign(t)(cos t - 1)) plus Gaussian noise.
pub fn s_curve(n: usize, noise: f64, seed: u64) -> Result<ManifoldSample> {
    manifold(
        "scurve",
        n,
        noise,
        seed,
        |t, h| [t.sin(), h, t.signum() * (t.cos() - 1.0)],
        |u| 3.0 * PI * (u - 0.5),
        2.0,
    )
}

/// `k` Gaussians with standard deviation `std` centred evenly on a circle of radius
/// `radius`: the ring benchmark of mode collapse (8 modes, radius 1, σ = 0.01 in PacGAN's
/// released code, `2DRing_GAN&PacGAN/config.py`). Labels are the modes.
pub fn ring_of_gaussians(n: usize, k: usize, radius: f64, std: f64, seed: u64) -> Result<Dataset> {
    check_n(n, 1)?;
    check_noise(std)?;
    if k == 0 {
        return Err(Error::invalid("k", 0, "need at least one mode"));
    }
    let mut rng = Rng::seed_from_u64(seed);
    let mut rows = Vec::with_capacity(n);
    for _ in 0..n {
        let mode = rng.index(k)?;
        let a = TAU * mode as f64 / k as f64;
        rows.push((
            vec![
                rng.gaussian(radius * a.cos(), std),
                rng.gaussian(radius * a.sin(), std),
            ],
            mode,
        ));
    }
    labelled("ring", rows, k, &mut rng)
}

/// A `side x side` grid of Gaussians with standard deviation `std`, means spaced 2 apart and
/// centred on 0: the grid benchmark of mode collapse (5 x 5 = 25 modes at -4, -2, 0, 2, 4
/// and σ = 0.05 in PacGAN). Labels are the modes, row-major.
pub fn grid_of_gaussians(n: usize, side: usize, std: f64, seed: u64) -> Result<Dataset> {
    check_n(n, 1)?;
    check_noise(std)?;
    if side == 0 {
        return Err(Error::invalid("side", 0, "need at least one mode"));
    }
    let mut rng = Rng::seed_from_u64(seed);
    let offset = (side - 1) as f64;
    let mut rows = Vec::with_capacity(n);
    for _ in 0..n {
        let mode = rng.index(side * side)?;
        let (r, c) = ((mode / side) as f64, (mode % side) as f64);
        rows.push((
            vec![
                rng.gaussian(2.0 * c - offset, std),
                rng.gaussian(2.0 * r - offset, std),
            ],
            mode,
        ));
    }
    labelled("grid", rows, side * side, &mut rng)
}

/// A cocktail party: independent sources recorded through a known mixing matrix.
#[derive(Clone, Debug, PartialEq)]
pub struct CocktailParty {
    /// n x 4 sources, each with mean 0 and unit variance: sine, square wave, sawtooth, noise.
    pub sources: Matrix<f64>,
    /// The 4 x 4 mixing matrix A.
    pub mixing: Matrix<f64>,
    /// n x 4 observations X = S Aᵀ (each microphone hears a weighted sum of the speakers).
    pub mixed: Matrix<f64>,
}

// ANCHOR: cocktail
/// `n` samples of four independent, non-Gaussian sources over 8 time units — sin 2t,
/// sign(sin 3t), a sawtooth of period 1 and uniform noise — standardised and mixed by a fixed
/// mixing matrix (the set-up of scikit-learn's FastICA example, with one source more).
/// The noise is uniform, not Gaussian, because ICA can separate at most one Gaussian source.
pub fn cocktail_party(n: usize, seed: u64) -> Result<CocktailParty> {
    check_n(n, 2)?;
    let mut rng = Rng::seed_from_u64(seed);
    let mut sources = Matrix::from_fn(n, 4, |i, j| {
        let t = 8.0 * i as f64 / (n - 1) as f64;
        match j {
            0 => (2.0 * t).sin(),
            1 => (3.0 * t).sin().signum(),
            2 => 2.0 * (t - t.floor()) - 1.0,
            _ => 0.0,
        }
    });
    for i in 0..n {
        sources[(i, 3)] = rng.uniform(-1.0, 1.0);
    }
    let (centred, _) = sources.centered()?;
    let sd = centred.column_std_population()?;
    let sources = Matrix::from_fn(n, 4, |i, j| centred[(i, j)] / sd[j]);
    let mixing = Matrix::from_rows(vec![
        vec![1.0, 1.0, 1.0, 0.5],
        vec![0.5, 2.0, 1.0, 0.3],
        vec![1.5, 1.0, 2.0, 0.7],
        vec![0.4, 0.8, 0.6, 2.0],
    ])?;
    let mixed = sources.matmul_t(&mixing)?;
    Ok(CocktailParty {
        sources,
        mixing,
        mixed,
    })
}
// ANCHOR_END: cocktail
