//! The learned prior: lecture 000's first variant. A generator trained on a class of
//! images maps its latent space onto (an approximation of) that class, so a corrupted
//! image is restored by the generator's output nearest to what was observed,
//! `z* = argmin_z E(G_w(z))` with `w` fixed (Yeh et al., "Semantic image inpainting with
//! deep generative models", CVPR 2017, add a perceptual term; here `E` is the squared
//! error on the kept pixels plus a small pull of `z` towards the prior's typical set).

use crate::autodiff::{Graph, Parameter, Tensor};
use crate::error::{Error, Result};
use crate::gan::Gan;
use crate::nn::{Adam, Layer, Mode, Optimizer};
use crate::rand::Rng;

/// The most restarts a fit may ask for.
pub const MAX_RESTARTS: usize = 4096;

/// How `z` is searched for.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LatentSettings {
    pub iterations: usize,
    pub learning_rate: f64,
    /// Independent starts `z ~ 𝒩(0, I)`, all optimised at once; the best fit wins.
    pub restarts: usize,
    /// Weight of `mean ‖z‖² / latent` (0 leaves `z` free).
    pub prior: f64,
}

impl Default for LatentSettings {
    fn default() -> LatentSettings {
        LatentSettings {
            iterations: 500,
            learning_rate: 0.05,
            restarts: 16,
            prior: 0.01,
        }
    }
}

/// The winning latent vector, its image `G_w(z*)` (in the generator's −1..1) and the
/// squared error on the kept values, with that error over the iterations (best restart).
pub struct LatentFit {
    pub z: Vec<f32>,
    pub image: Vec<f32>,
    pub loss: f64,
    pub trace: Vec<f64>,
}

// ANCHOR: latent
/// Inpaints `observed` (one sample of the generator's size, values in −1..1) from the
/// values where `keep` is set, by Adam on `z` alone with the generator frozen and batch
/// normalisation in evaluation mode (so the restarts do not see each other).
pub fn inpaint_latent(
    gan: &mut Gan,
    observed: &[f32],
    keep: &[bool],
    settings: &LatentSettings,
    seed: u64,
) -> Result<LatentFit> {
    let (data, inputs) = (gan.spec.data, gan.spec.inputs());
    if observed.len() != data || keep.len() != data {
        return Err(Error::invalid(
            "observed",
            format!("{} values and a mask of {}", observed.len(), keep.len()),
            format!("the generator makes images of {data} values"),
        ));
    }
    let r = settings.restarts;
    if !(1..=MAX_RESTARTS).contains(&r) || settings.iterations == 0 {
        return Err(Error::invalid(
            "restarts",
            format!("{r} restarts, {} iterations", settings.iterations),
            format!("needs 1 to {MAX_RESTARTS} restarts and at least 1 iteration"),
        ));
    }
    let kept = keep.iter().filter(|&&k| k).count().max(1) as f32;
    let mask = Tensor::new(
        &[1, data],
        keep.iter()
            .map(|&k| f32::from(u8::from(k)) / kept)
            .collect(),
    )?;
    let target = Tensor::new(&[1, data], observed.to_vec())?;
    let mut z = Parameter::new(
        "z",
        Tensor::randn(&[r, inputs], 1.0, &mut Rng::seed_from_u64(seed)),
    );
    let mut adam = Adam::new(settings.learning_rate)?;
    gan.generator.set_frozen(true);
    let mut errors = Vec::new();
    let mut traces = vec![Vec::with_capacity(settings.iterations); r];
    let mut image = Tensor::zeros(&[0]);
    for step in 0..=settings.iterations {
        let mut g = Graph::with_exec(gan.exec);
        let zv = g.param(&z);
        let x = gan.generator.forward(&mut g, zv, Mode::Eval)?;
        let x = g.reshape(x, &[r, data])?;
        let y = g.constant(target.clone());
        let m = g.constant(mask.clone());
        let d = g.sub(x, y)?;
        let d2 = g.square(d);
        let weighted = g.mul(d2, m)?;
        let per_restart = g.sum_axis(weighted, 1)?; // (r): each restart's error
        errors = g
            .value(per_restart)
            .data()
            .iter()
            .map(|&e| f64::from(e))
            .collect();
        for (t, &e) in traces.iter_mut().zip(&errors) {
            t.push(e);
        }
        image = g.value(x).clone();
        if step == settings.iterations {
            break;
        }
        if let Some(bad) = errors.iter().find(|e| !e.is_finite()) {
            gan.generator.set_frozen(false);
            return Err(Error::Diverged {
                what: "latent inpainting".into(),
                iteration: step,
                value: *bad,
            });
        }
        let fit = g.sum(per_restart);
        let z2 = g.square(zv);
        let pull = g.mean(z2);
        let pull = g.mul_scalar(pull, (settings.prior * r as f64) as f32);
        let loss = g.add(fit, pull)?;
        let grads = g.backward(loss)?;
        adam.step(vec![&mut z], &grads);
    }
    gan.generator.set_frozen(false);
    let best = (0..r)
        .min_by(|&a, &b| errors[a].total_cmp(&errors[b]))
        .unwrap_or(0);
    Ok(LatentFit {
        z: z.value().data()[best * inputs..(best + 1) * inputs].to_vec(),
        image: image.data()[best * data..(best + 1) * data].to_vec(),
        loss: errors[best],
        trace: std::mem::take(&mut traces[best]),
    })
}
// ANCHOR_END: latent
