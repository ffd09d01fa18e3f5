//! Walking the generator's inputs (lectures 000 and 001): straight lines between two
//! inputs, DCGAN's vector arithmetic, a conditional generator's grid of digits and style,
//! and sweeps of one InfoGAN code with everything else held. Every function returns
//! images with pixels in [0, 1], row after row.

use super::images::{to_unit, PIXELS};
use super::model::Gan;
use super::quality::Evaluator;
use crate::autodiff::Tensor;
use crate::error::Result;
use crate::rand::Rng;

/// `rows` walks of `steps` images each between two noise vectors (labels and codes, if
/// any, drawn once per row), pixels in [0, 1].
pub fn walk(gan: &mut Gan, rows: usize, steps: usize, seed: u64) -> Result<Vec<f32>> {
    let mut rng = Rng::seed_from_u64(seed);
    let (a, b) = (
        gan.draw(rows, None, &mut rng)?,
        gan.draw(rows, None, &mut rng)?,
    );
    let width = gan.spec.inputs();
    let mut input = Vec::with_capacity(rows * steps * width);
    for r in 0..rows {
        let (ra, rb) = (
            &a.input.data()[r * width..(r + 1) * width],
            &b.input.data()[r * width..(r + 1) * width],
        );
        for s in 0..steps {
            let t = s as f32 / (steps - 1) as f32;
            input.extend(ra.iter().zip(rb).map(|(&x, &y)| (1.0 - t) * x + t * y));
        }
    }
    let out = gan.generate_from(Tensor::new(&[rows * steps, width], input)?)?;
    Ok(to_unit(&out))
}

/// Lecture 001's "man with glasses" done with digits, and what came of it.
#[derive(Clone, Debug, PartialEq)]
pub struct Arithmetic {
    /// Four rows of eight digits (pixels in [0, 1]): the bold 0s, the thin 0s, the thin
    /// 7s, and the results.
    pub grid: Vec<f32>,
    /// How many of the 8 results the evaluator reads as 7s.
    pub sevens: usize,
    /// The mean ink of the results and of the thin 7s they started from.
    pub result_ink: f32,
    pub thin_ink: f32,
}

// ANCHOR: arithmetic
/// Among 2,000 samples, the 8 boldest and 8 thinnest that the evaluator reads as 0 and
/// the 8 thinnest it reads as 7 (by mean ink); their mean inputs combine as
/// bold 0 − thin 0 + thin 7, generated with eight small perturbations (𝒩(0, 0.25²)
/// noise, as DCGAN adds). `None` if the samples hold too few 0s or 7s.
pub fn arithmetic(
    gan: &mut Gan,
    evaluator: &mut Evaluator,
    seed: u64,
) -> Result<Option<Arithmetic>> {
    let mut rng = Rng::seed_from_u64(seed);
    let draw = gan.draw(2000, None, &mut rng)?;
    let width = gan.spec.inputs();
    let x = to_unit(&gan.generate_from(draw.input.clone())?);
    let classes = evaluator.look(&x)?.classes();
    let ink = |i: usize| x[i * PIXELS..(i + 1) * PIXELS].iter().sum::<f32>() / PIXELS as f32;
    let by_ink = |digit: usize| {
        let mut idx: Vec<usize> = (0..classes.len())
            .filter(|&i| classes[i] == digit)
            .collect();
        idx.sort_by(|&a, &b| ink(a).total_cmp(&ink(b)));
        idx
    };
    let (zeros, sevens) = (by_ink(0), by_ink(7));
    if zeros.len() < 16 || sevens.len() < 8 {
        return Ok(None);
    }
    let groups = [
        zeros[zeros.len() - 8..].to_vec(),
        zeros[..8].to_vec(),
        sevens[..8].to_vec(),
    ];
    let mean = |g: &[usize]| -> Vec<f32> {
        (0..width)
            .map(|j| {
                g.iter()
                    .map(|&i| draw.input.data()[i * width + j])
                    .sum::<f32>()
                    / g.len() as f32
            })
            .collect()
    };
    let (bold0, thin0, thin7) = (mean(&groups[0]), mean(&groups[1]), mean(&groups[2]));
    let mut inputs = Vec::with_capacity(8 * width);
    for _ in 0..8 {
        inputs.extend(
            (0..width).map(|j| bold0[j] - thin0[j] + thin7[j] + 0.25 * rng.normal() as f32),
        );
    }
    let result = to_unit(&gan.generate_from(Tensor::new(&[8, width], inputs)?)?);
    let mut grid = Vec::with_capacity(32 * PIXELS);
    for g in &groups {
        for &i in g {
            grid.extend_from_slice(&x[i * PIXELS..(i + 1) * PIXELS]);
        }
    }
    grid.extend_from_slice(&result);
    let sevens = evaluator
        .look(&result)?
        .classes()
        .iter()
        .filter(|&&c| c == 7)
        .count();
    Ok(Some(Arithmetic {
        grid,
        sevens,
        result_ink: result.iter().sum::<f32>() / result.len() as f32,
        thin_ink: groups[2].iter().map(|&i| ink(i)).sum::<f32>() / 8.0,
    }))
}
// ANCHOR_END: arithmetic

/// Ten rows (digits 0 to 9) of ten noise vectors, the same noise in every row.
pub fn conditional_grid(gan: &mut Gan, seed: u64) -> Result<Vec<f32>> {
    let z = Tensor::randn(&[10, gan.spec.latent], 1.0, &mut Rng::seed_from_u64(seed));
    let mut noise = Vec::new();
    let mut labels = Vec::new();
    for digit in 0..10 {
        noise.extend_from_slice(z.data());
        labels.extend([digit; 10]);
    }
    let z = Tensor::new(&[100, gan.spec.latent], noise)?;
    let input = gan.input(&z, &labels, &[], &[])?;
    Ok(to_unit(&gan.generate_from(input)?))
}

/// InfoGAN's traversal of continuous code `code`: row k fixes the category at k, columns
/// move the code from −1 to 1; one noise vector and the other codes at 0 throughout.
pub fn traversal(gan: &mut Gan, code: usize, seed: u64) -> Result<Vec<f32>> {
    let (k, c) = (gan.spec.categories, gan.spec.continuous);
    let z1 = Tensor::randn(&[1, gan.spec.latent], 1.0, &mut Rng::seed_from_u64(seed));
    let n = k * 10;
    let z = Tensor::new(&[n, gan.spec.latent], z1.data().repeat(n))?;
    let mut categories = Vec::with_capacity(n);
    let mut continuous = vec![0.0; n * c];
    for row in 0..k {
        for col in 0..10 {
            categories.push(row);
            continuous[(row * 10 + col) * c + code] = -1.0 + 2.0 * col as f32 / 9.0;
        }
    }
    let input = gan.input(&z, &[], &categories, &continuous)?;
    Ok(to_unit(&gan.generate_from(input)?))
}

/// Rows: the first two continuous codes (for DCGAN, the first two noise inputs) swept
/// from −1 to 1 (±2 for noise) in ten steps, everything else fixed; five noise draws
/// per code.
pub fn code_sweeps(gan: &mut Gan, seed: u64) -> Result<Vec<f32>> {
    let mut rng = Rng::seed_from_u64(seed);
    let mut images = Vec::new();
    let codes = gan.spec.continuous;
    for code in 0..2 {
        for _ in 0..5 {
            let base = gan.draw(1, None, &mut rng)?;
            let mut rows = Vec::with_capacity(10 * gan.spec.inputs());
            for col in 0..10 {
                let t = -1.0 + 2.0 * col as f32 / 9.0;
                let (mut z, mut c) = (base.noise.data().to_vec(), base.continuous.clone());
                if codes >= 2 {
                    c[code] = t;
                } else {
                    z[code] = 2.0 * t;
                }
                let z = Tensor::new(&[1, gan.spec.latent], z)?;
                rows.extend_from_slice(gan.input(&z, &base.labels, &base.categories, &c)?.data());
            }
            let input = Tensor::new(&[10, gan.spec.inputs()], rows)?;
            images.extend(to_unit(&gan.generate_from(input)?));
        }
    }
    Ok(images)
}
