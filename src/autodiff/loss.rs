//! Losses, written as compositions of the tape's ops (so their gradients come for free and
//! are exactly as stable as the ops they are made of).

use super::graph::{Graph, Var};
use super::tensor::Tensor;
use crate::error::{Error, Result};
use crate::linalg::Scalar;

impl<T: Scalar> Graph<T> {
    fn same_shape(&self, op: &'static str, a: Var, b: Var) -> Result<()> {
        if self.shape(a) != self.shape(b) {
            return Err(Error::TensorShape {
                op,
                left: self.shape(a).to_vec(),
                right: self.shape(b).to_vec(),
            });
        }
        Ok(())
    }

    /// A scalar constant, for use in arithmetic with tensors (it broadcasts).
    pub fn scalar(&mut self, value: T) -> Var {
        self.constant(Tensor::scalar(value))
    }

    // ANCHOR: losses
    /// Mean squared error `mean((pred - target)²)` over all entries.
    pub fn mse(&mut self, pred: Var, target: Var) -> Result<Var> {
        self.same_shape("mse (prediction vs target)", pred, target)?;
        let d = self.sub(pred, target)?;
        let d2 = self.square(d);
        Ok(self.mean(d2))
    }

    /// Binary cross-entropy of targets `y ∈ [0, 1]` under probabilities `σ(z)`, from the
    /// logits `z`: `-[y log σ(z) + (1 - y) log(1 - σ(z))] = softplus(z) - z y`, which never
    /// takes the log of a probability that rounded to 0. Mean over all entries.
    pub fn bce_with_logits(&mut self, logits: Var, target: Var) -> Result<Var> {
        self.same_shape("bce_with_logits (logits vs target)", logits, target)?;
        let sp = self.softplus(logits);
        let zy = self.mul(logits, target)?;
        let l = self.sub(sp, zy)?;
        Ok(self.mean(l))
    }

    /// Cross-entropy of class labels under `softmax(logits)`, `logits` `(n, classes)`:
    /// `-mean_i log softmax(zᵢ)[yᵢ]`, through log-softmax so it is stable for any logits.
    pub fn cross_entropy_with_logits(&mut self, logits: Var, labels: &[usize]) -> Result<Var> {
        let lp = self.log_softmax(logits);
        let picked = self.gather(lp, labels)?;
        let m = self.mean(picked);
        Ok(self.neg(m))
    }

    /// `KL(𝒩(μ, diag σ²) ‖ 𝒩(0, I))` from `μ` and `log σ²` `(n, d)`, summed over the `d`
    /// latent dimensions and averaged over the `n` samples:
    /// `½ Σⱼ (μⱼ² + σⱼ² - log σⱼ² - 1)`, the VAE's latent loss.
    pub fn gaussian_kl(&mut self, mu: Var, log_var: Var) -> Result<Var> {
        self.same_shape("gaussian_kl (mu vs log_var)", mu, log_var)?;
        let n = self.shape(mu).first().copied().unwrap_or(1).max(1);
        let mu2 = self.square(mu);
        let var = self.exp(log_var);
        let a = self.add(mu2, var)?;
        let b = self.sub(a, log_var)?;
        let c = self.add_scalar(b, -T::ONE);
        let s = self.sum(c);
        Ok(self.mul_scalar(s, T::from_f64(0.5) / T::from_usize(n)))
    }

    /// The sparse autoencoder's penalty `Σⱼ KL(ρ ‖ ρ̂ⱼ) = Σⱼ ρ log(ρ/ρ̂ⱼ) + (1-ρ) log((1-ρ)/(1-ρ̂ⱼ))`
    /// between a target activation `ρ ∈ (0, 1)` and mean activations `ρ̂` in (0, 1).
    pub fn bernoulli_kl(&mut self, rho: T, rho_hat: Var) -> Result<Var> {
        if !(rho > T::ZERO && rho < T::ONE) {
            return Err(Error::invalid(
                "rho",
                rho,
                "target activation must be in (0, 1)",
            ));
        }
        let one = T::ONE;
        let log_q = self.log(rho_hat);
        let q1 = self.mul_scalar(rho_hat, -one);
        let q1 = self.add_scalar(q1, one);
        let log_q1 = self.log(q1);
        // ρ log ρ + (1-ρ) log(1-ρ) - ρ log ρ̂ - (1-ρ) log(1-ρ̂)
        let a = self.mul_scalar(log_q, -rho);
        let b = self.mul_scalar(log_q1, -(one - rho));
        let ab = self.add(a, b)?;
        let s = self.sum(ab);
        let n = T::from_usize(self.value(rho_hat).len());
        Ok(self.add_scalar(s, n * (rho * rho.ln() + (one - rho) * (one - rho).ln())))
    }

    /// Total variation of images `(n, c, h, w)`:
    /// `Σ ((x_{i,j+1} - x_{i,j})² + (x_{i+1,j} - x_{i,j})²)^{β/2}` over pixels with both
    /// neighbours (Mahendran and Vedaldi's `R_{V^β}`). For `β < 2` a tiny `1e-8` is added
    /// inside the power, whose derivative is otherwise infinite where the image is flat.
    pub fn total_variation(&mut self, x: Var, beta: T) -> Result<Var> {
        let &[_, _, h, w] = self.shape(x) else {
            return Err(Error::TensorShape {
                op: "total_variation (needs (n, c, h, w))",
                left: self.shape(x).to_vec(),
                right: vec![],
            });
        };
        if h < 2 || w < 2 {
            return Err(Error::TensorShape {
                op: "total_variation (needs h, w >= 2)",
                left: self.shape(x).to_vec(),
                right: vec![],
            });
        }
        let base = self.slice(x, 2, 0, h - 1)?;
        let base = self.slice(base, 3, 0, w - 1)?;
        let right = self.slice(x, 2, 0, h - 1)?;
        let right = self.slice(right, 3, 1, w - 1)?;
        let down = self.slice(x, 2, 1, h - 1)?;
        let down = self.slice(down, 3, 0, w - 1)?;
        let dx = self.sub(right, base)?;
        let dy = self.sub(down, base)?;
        let dx2 = self.square(dx);
        let dy2 = self.square(dy);
        let d2 = self.add(dx2, dy2)?;
        let two = T::from_f64(2.0);
        let r = if beta == two {
            d2
        } else {
            let d2 = self.add_scalar(d2, T::from_f64(1e-8));
            self.powf(d2, beta / two)
        };
        Ok(self.sum(r))
    }

    /// Gram matrices of feature maps `(n, c, h, w)`: `G = F Fᵀ` with `F` the `(c, h·w)`
    /// features of each image, giving `(n, c, c)` (Gatys et al.'s texture statistics).
    pub fn gram(&mut self, features: Var) -> Result<Var> {
        let &[n, c, h, w] = self.shape(features) else {
            return Err(Error::TensorShape {
                op: "gram (needs (n, c, h, w))",
                left: self.shape(features).to_vec(),
                right: vec![],
            });
        };
        let f = self.reshape(features, &[n, c, h * w])?; // (n, c, h·w)
        let ft = self.transpose(f, 1, 2)?; // (n, h·w, c)
        self.matmul(f, ft)
    }
    // ANCHOR_END: losses
}
