//! Optimisers: how a gradient becomes a step. Each keeps its per-parameter state (momentum,
//! squared-gradient averages) keyed by the parameter's id.

use crate::autodiff::{Gradients, ParamId, Parameter};
use crate::error::{Error, Result};
use crate::linalg::Scalar;
use std::collections::HashMap;

/// Updates parameters from their gradients. Parameters without a gradient (frozen, or not
/// used by the loss) are left alone.
pub trait Optimizer<T: Scalar> {
    fn step(&mut self, params: Vec<&mut Parameter<T>>, grads: &Gradients<T>);
    fn learning_rate(&self) -> f64;
    /// Changes the learning rate (schedules, decay); must be positive and finite.
    fn set_learning_rate(&mut self, lr: f64) -> Result<()>;
}

fn check_lr(lr: f64) -> Result<f64> {
    if lr > 0.0 && lr.is_finite() {
        Ok(lr)
    } else {
        Err(Error::invalid(
            "learning_rate",
            lr,
            "must be positive and finite",
        ))
    }
}

fn check_unit(name: &'static str, v: f64) -> Result<f64> {
    if (0.0..1.0).contains(&v) {
        Ok(v)
    } else {
        Err(Error::invalid(name, v, "must be in [0, 1)"))
    }
}

/// Per-weight optimiser state: `K` numbers for every weight of every parameter, by id.
type Slots<T, const K: usize> = HashMap<ParamId, Vec<[T; K]>>;

/// Applies `rule(w, g, state)` to every weight that has a gradient, with `g` already
/// including the weight decay `λ w` (PyTorch's `weight_decay`). Parameters without a
/// gradient (frozen, or unused by the loss) are skipped.
fn update_weights<T: Scalar, const K: usize>(
    params: Vec<&mut Parameter<T>>,
    grads: &Gradients<T>,
    weight_decay: T,
    slots: &mut Slots<T, K>,
    mut rule: impl FnMut(&mut T, T, &mut [T; K]),
) {
    for p in params {
        let Some(grad) = grads.param(p) else { continue };
        let state = slots
            .entry(p.id())
            .or_insert_with(|| vec![[T::ZERO; K]; grad.len()]);
        for ((w, &g), s) in p
            .value_mut()
            .data_mut()
            .iter_mut()
            .zip(grad.data())
            .zip(state)
        {
            rule(w, g + weight_decay * *w, s);
        }
    }
}

// ANCHOR: sgd
/// Stochastic gradient descent with momentum: `v ← μ v + g`, `w ← w - η v`; with Nesterov,
/// `w ← w - η (g + μ v)`, the step taken from the look-ahead point.
pub struct Sgd<T> {
    lr: f64,
    momentum: T,
    nesterov: bool,
    weight_decay: T,
    velocity: Slots<T, 1>,
}

impl<T: Scalar> Sgd<T> {
    pub fn new(lr: f64) -> Result<Self> {
        Ok(Sgd {
            lr: check_lr(lr)?,
            momentum: T::ZERO,
            nesterov: false,
            weight_decay: T::ZERO,
            velocity: HashMap::new(),
        })
    }
    pub fn momentum(mut self, momentum: f64, nesterov: bool) -> Result<Self> {
        self.momentum = T::from_f64(check_unit("momentum", momentum)?);
        self.nesterov = nesterov;
        Ok(self)
    }
    pub fn weight_decay(mut self, weight_decay: f64) -> Result<Self> {
        self.weight_decay = T::from_f64(check_nonneg("weight_decay", weight_decay)?);
        Ok(self)
    }
}

impl<T: Scalar> Optimizer<T> for Sgd<T> {
    fn step(&mut self, params: Vec<&mut Parameter<T>>, grads: &Gradients<T>) {
        let (lr, mu, nesterov) = (T::from_f64(self.lr), self.momentum, self.nesterov);
        update_weights(
            params,
            grads,
            self.weight_decay,
            &mut self.velocity,
            |w, g, [v]| {
                *v = mu * *v + g;
                *w -= lr * if nesterov { g + mu * *v } else { *v };
            },
        );
    }
    fn learning_rate(&self) -> f64 {
        self.lr
    }
    fn set_learning_rate(&mut self, lr: f64) -> Result<()> {
        self.lr = check_lr(lr)?;
        Ok(())
    }
}
// ANCHOR_END: sgd

fn check_nonneg(name: &'static str, v: f64) -> Result<f64> {
    if v >= 0.0 && v.is_finite() {
        Ok(v)
    } else {
        Err(Error::invalid(name, v, "must be non-negative and finite"))
    }
}

/// RMSProp (Tieleman and Hinton 2012): `s ← α s + (1-α) g²`, `w ← w - η g / (√s + ε)`:
/// each weight's step is scaled by the recent size of its gradient.
pub struct RmsProp<T> {
    lr: f64,
    alpha: T,
    eps: T,
    weight_decay: T,
    square_avg: Slots<T, 1>,
}

impl<T: Scalar> RmsProp<T> {
    /// With PyTorch's defaults α = 0.99 and ε = 1e-8.
    pub fn new(lr: f64) -> Result<Self> {
        Ok(RmsProp {
            lr: check_lr(lr)?,
            alpha: T::from_f64(0.99),
            eps: T::from_f64(1e-8),
            weight_decay: T::ZERO,
            square_avg: HashMap::new(),
        })
    }
    pub fn alpha(mut self, alpha: f64) -> Result<Self> {
        self.alpha = T::from_f64(check_unit("alpha", alpha)?);
        Ok(self)
    }
    pub fn weight_decay(mut self, weight_decay: f64) -> Result<Self> {
        self.weight_decay = T::from_f64(check_nonneg("weight_decay", weight_decay)?);
        Ok(self)
    }
}

impl<T: Scalar> Optimizer<T> for RmsProp<T> {
    fn step(&mut self, params: Vec<&mut Parameter<T>>, grads: &Gradients<T>) {
        let (lr, a, eps) = (T::from_f64(self.lr), self.alpha, self.eps);
        update_weights(
            params,
            grads,
            self.weight_decay,
            &mut self.square_avg,
            |w, g, [s]| {
                *s = a * *s + (T::ONE - a) * g * g;
                *w -= lr * g / (s.sqrt() + eps);
            },
        );
    }
    fn learning_rate(&self) -> f64 {
        self.lr
    }
    fn set_learning_rate(&mut self, lr: f64) -> Result<()> {
        self.lr = check_lr(lr)?;
        Ok(())
    }
}

// ANCHOR: adam
/// Adam (Kingma and Ba 2015): running averages of the gradient (`m`) and of its square
/// (`v`), both started at 0 and therefore divided by `1 - βᵗ` to remove the bias towards
/// 0 in the first steps: `w ← w - η m̂ / (√v̂ + ε)`.
pub struct Adam<T> {
    lr: f64,
    beta1: f64,
    beta2: f64,
    eps: T,
    weight_decay: T,
    t: i32,
    /// Running averages `[m, v]` of the gradient and its square, per weight.
    moments: Slots<T, 2>,
}

impl<T: Scalar> Adam<T> {
    /// With the paper's defaults β₁ = 0.9, β₂ = 0.999, ε = 1e-8.
    pub fn new(lr: f64) -> Result<Self> {
        Ok(Adam {
            lr: check_lr(lr)?,
            beta1: 0.9,
            beta2: 0.999,
            eps: T::from_f64(1e-8),
            weight_decay: T::ZERO,
            t: 0,
            moments: HashMap::new(),
        })
    }
    /// β₁ and β₂ (a GAN often uses β₁ = 0.5).
    pub fn betas(mut self, beta1: f64, beta2: f64) -> Result<Self> {
        self.beta1 = check_unit("beta1", beta1)?;
        self.beta2 = check_unit("beta2", beta2)?;
        Ok(self)
    }
    pub fn weight_decay(mut self, weight_decay: f64) -> Result<Self> {
        self.weight_decay = T::from_f64(check_nonneg("weight_decay", weight_decay)?);
        Ok(self)
    }
}

impl<T: Scalar> Optimizer<T> for Adam<T> {
    fn step(&mut self, params: Vec<&mut Parameter<T>>, grads: &Gradients<T>) {
        self.t += 1;
        let (b1, b2) = (T::from_f64(self.beta1), T::from_f64(self.beta2));
        // Bias corrections folded into the step size and ε, one multiply per weight fewer.
        let c1 = 1.0 - self.beta1.powi(self.t);
        let c2 = 1.0 - self.beta2.powi(self.t);
        let step = T::from_f64(self.lr * c2.sqrt() / c1);
        let eps = self.eps * T::from_f64(c2.sqrt());
        update_weights(
            params,
            grads,
            self.weight_decay,
            &mut self.moments,
            |w, g, [m, v]| {
                *m = b1 * *m + (T::ONE - b1) * g;
                *v = b2 * *v + (T::ONE - b2) * g * g;
                *w -= step * *m / (v.sqrt() + eps);
            },
        );
    }
    fn learning_rate(&self) -> f64 {
        self.lr
    }
    fn set_learning_rate(&mut self, lr: f64) -> Result<()> {
        self.lr = check_lr(lr)?;
        Ok(())
    }
}
// ANCHOR_END: adam

/// Scales all gradients down together so that their joint Euclidean norm is at most
/// `max_norm`; returns the norm before clipping.
pub fn clip_grad_norm<T: Scalar>(grads: &mut Gradients<T>, max_norm: f64) -> Result<f64> {
    if max_norm.is_nan() || max_norm <= 0.0 {
        return Err(Error::invalid("max_norm", max_norm, "must be positive"));
    }
    let norm = grads
        .params()
        .flat_map(|(_, g)| g.data().iter().map(|v| v.to_f64() * v.to_f64()))
        .sum::<f64>()
        .sqrt();
    if norm > max_norm {
        grads.scale(T::from_f64(max_norm / norm));
    }
    Ok(norm)
}

/// Clamps every weight to `[-c, c]`: WGAN's crude way to keep the critic Lipschitz.
pub fn clip_weights<T: Scalar>(params: Vec<&mut Parameter<T>>, c: f64) -> Result<()> {
    if c.is_nan() || c <= 0.0 {
        return Err(Error::invalid("clip", c, "must be positive"));
    }
    let c = T::from_f64(c);
    for p in params.into_iter().filter(|p| !p.is_statistic()) {
        for w in p.value_mut().data_mut() {
            *w = w.max(-c).min(c);
        }
    }
    Ok(())
}
