//! Batch normalisation and dropout: the two ops that behave differently in training and in
//! evaluation.

use super::graph::{Graph, Var};
use super::tensor::Tensor;
use crate::error::{Error, Result};
use crate::linalg::Scalar;
use crate::rand::Rng;

/// Per-channel statistics of a batch: the mean and the unbiased variance (what running
/// averages track, as in PyTorch).
#[derive(Clone, Debug, PartialEq)]
pub struct BatchStats<T> {
    pub mean: Vec<T>,
    pub var: Vec<T>,
}

/// `(batch, channels, positions per channel)` of a `(n, c)` or `(n, c, h, w)` input.
fn channel_layout(shape: &[usize]) -> Result<(usize, usize, usize)> {
    match *shape {
        [n, c] => Ok((n, c, 1)),
        [n, c, h, w] => Ok((n, c, h * w)),
        _ => Err(Error::TensorShape {
            op: "batch_norm (needs (n, c) or (n, c, h, w))",
            left: shape.to_vec(),
            right: vec![],
        }),
    }
}

impl<T: Scalar> Graph<T> {
    // ANCHOR: batch_norm
    /// Batch normalisation (Ioffe and Szegedy 2015) of `x` `(n, c)` or `(n, c, h, w)` per
    /// channel: `y = γ (x - μ) / √(σ² + ε) + β`. In training (`stats = None`) μ and σ² are
    /// the batch's own, and the gradient flows through them too; in evaluation the given
    /// running statistics are constants. Returns the output and the statistics used.
    pub fn batch_norm(
        &mut self,
        x: Var,
        gamma: Var,
        beta: Var,
        stats: Option<&BatchStats<T>>,
        eps: T,
    ) -> Result<(Var, BatchStats<T>)> {
        let (n, c, inner) = channel_layout(self.shape(x))?;
        for (name, v) in [("batch_norm gamma", gamma), ("batch_norm beta", beta)] {
            if self.shape(v) != [c] {
                return Err(Error::TensorShape {
                    op: name,
                    left: self.shape(x).to_vec(),
                    right: self.shape(v).to_vec(),
                });
            }
        }
        let m = n * inner;
        if stats.is_none() && m < 2 {
            return Err(Error::invalid(
                "batch size",
                n,
                "batch_norm in training needs at least 2 values per channel",
            ));
        }
        let at = move |b: usize, ch: usize, s: usize| (b * c + ch) * inner + s;
        let xv = self.value(x).data();
        let (mean, var_biased, used) = match stats {
            Some(s) => (s.mean.clone(), s.var.clone(), s.clone()),
            None => {
                let mut mean = vec![T::ZERO; c];
                let mut var = vec![T::ZERO; c];
                for ch in 0..c {
                    let vals = || (0..n).flat_map(move |b| (0..inner).map(move |s| at(b, ch, s)));
                    mean[ch] = vals().map(|i| xv[i]).sum::<T>() / T::from_usize(m);
                    var[ch] = vals()
                        .map(|i| (xv[i] - mean[ch]) * (xv[i] - mean[ch]))
                        .sum::<T>()
                        / T::from_usize(m);
                }
                let unbiased = var
                    .iter()
                    .map(|&v| v * T::from_usize(m) / T::from_usize(m - 1))
                    .collect();
                (
                    mean.clone(),
                    var,
                    BatchStats {
                        mean,
                        var: unbiased,
                    },
                )
            }
        };
        let inv_std: Vec<T> = var_biased
            .iter()
            .map(|&v| T::ONE / (v + eps).sqrt())
            .collect();
        let (gv, bv) = (self.value(gamma).data(), self.value(beta).data());
        let mut x_hat = vec![T::ZERO; xv.len()];
        let mut y = vec![T::ZERO; xv.len()];
        for b in 0..n {
            for ch in 0..c {
                for s in 0..inner {
                    let i = at(b, ch, s);
                    x_hat[i] = (xv[i] - mean[ch]) * inv_std[ch];
                    y[i] = gv[ch] * x_hat[i] + bv[ch];
                }
            }
        }
        let value = Tensor::new(self.shape(x), y)?;
        let train = stats.is_none();
        let out = self.push(value, &[x, gamma, beta], move |ctx| {
            let g = ctx.grad.data();
            let gamma = ctx.inputs[1].data();
            // Per channel: Σ g and Σ g x̂, which give dβ and dγ ...
            let mut sum_g = vec![T::ZERO; c];
            let mut sum_gx = vec![T::ZERO; c];
            for b in 0..n {
                for ch in 0..c {
                    for s in 0..inner {
                        let i = at(b, ch, s);
                        sum_g[ch] += g[i];
                        sum_gx[ch] += g[i] * x_hat[i];
                    }
                }
            }
            // ... and dx = (γ/σ) (g - mean(g) - x̂ mean(g x̂)) in training, where μ and σ
            // depend on every x of the channel; just (γ/σ) g when they are constants.
            let dx = ctx.needs(0).then(|| {
                let mf = T::from_usize(m);
                let mut dx = vec![T::ZERO; g.len()];
                for b in 0..n {
                    for ch in 0..c {
                        let k = gamma[ch] * inv_std[ch];
                        for s in 0..inner {
                            let i = at(b, ch, s);
                            dx[i] = if train {
                                k * (g[i] - sum_g[ch] / mf - x_hat[i] * sum_gx[ch] / mf)
                            } else {
                                k * g[i]
                            };
                        }
                    }
                }
                Tensor::new(ctx.inputs[0].shape(), dx).expect("input shape")
            });
            vec![
                dx,
                ctx.needs(1).then(|| Tensor::new(&[c], sum_gx).expect("c")),
                ctx.needs(2).then(|| Tensor::new(&[c], sum_g).expect("c")),
            ]
        });
        Ok((out, used))
    }
    // ANCHOR_END: batch_norm

    /// Inverted dropout: each entry is zeroed with probability `p` and the survivors are
    /// scaled by `1/(1 - p)`, so the expected output equals the input and evaluation needs
    /// no rescaling. The mask is drawn from `rng`.
    pub fn dropout(&mut self, x: Var, p: f64, rng: &mut Rng) -> Result<Var> {
        if !(0.0..1.0).contains(&p) {
            return Err(Error::invalid(
                "p",
                p,
                "dropout probability must be in [0, 1)",
            ));
        }
        let keep = T::from_f64(1.0 / (1.0 - p));
        let mask: Vec<T> = (0..self.value(x).len())
            .map(|_| if rng.next_f64() < p { T::ZERO } else { keep })
            .collect();
        let value = Tensor::new(
            self.shape(x),
            self.value(x)
                .data()
                .iter()
                .zip(&mask)
                .map(|(&v, &m)| v * m)
                .collect(),
        )?;
        Ok(self.push(value, &[x], move |ctx| {
            let dx = ctx
                .grad
                .data()
                .iter()
                .zip(&mask)
                .map(|(&g, &m)| g * m)
                .collect();
            vec![Some(
                Tensor::new(ctx.inputs[0].shape(), dx).expect("input shape"),
            )]
        }))
    }
}
