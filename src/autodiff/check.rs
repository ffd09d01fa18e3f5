//! Gradient checking: the analytic gradient of a function against central finite
//! differences, entry by entry, as `torch.autograd.gradcheck` does. The way every VJP of
//! this chapter is tested, and the first thing to run after writing a new op.

use super::graph::{Graph, Var};
use super::tensor::Tensor;
use crate::error::{Error, Result};
use crate::rand::Rng;

/// Step of the central differences: truncation error O(h²) ≈ 1e-12, rounding error
/// O(eps·|f|/h) ≈ 1e-10 for values of order one.
pub const STEP: f64 = 1e-6;

// ANCHOR: gradient_check
/// The largest `|analytic - numeric| / (1 + |numeric|)` over every entry of every input,
/// for `f` reduced to a scalar by `sum(f(inputs) ⊙ R)` with a fixed random `R` (so that the
/// VJP is exercised with a generic cotangent, not all ones). A NaN or infinite entry on
/// either side is an [`Error::NonFinite`] naming the input (row) and entry (column).
pub fn gradient_check<F>(inputs: &[Tensor<f64>], f: F) -> Result<f64>
where
    F: Fn(&mut Graph<f64>, &[Var]) -> Result<Var>,
{
    let scalar = |g: &mut Graph<f64>, vars: &[Var]| -> Result<Var> {
        let y = f(g, vars)?;
        let r = Tensor::uniform(g.shape(y), -1.0, 1.0, &mut Rng::seed_from_u64(99));
        let r = g.constant(r);
        let p = g.mul(y, r)?;
        Ok(g.sum(p))
    };
    let mut g = Graph::new();
    let vars: Vec<Var> = inputs.iter().map(|t| g.variable(t.clone())).collect();
    let loss = scalar(&mut g, &vars)?;
    let grads = g.backward(loss)?;
    let eval = |xs: &[Tensor<f64>]| -> Result<f64> {
        let mut g = Graph::new();
        let vars: Vec<Var> = xs.iter().map(|t| g.constant(t.clone())).collect();
        let l = scalar(&mut g, &vars)?;
        g.value(l).item()
    };
    let mut worst = 0.0f64;
    let mut xs = inputs.to_vec();
    for (i, &var) in vars.iter().enumerate() {
        let zeros = Tensor::zeros(inputs[i].shape());
        let analytic = grads.wrt(var).unwrap_or(&zeros);
        for j in 0..inputs[i].len() {
            let x = inputs[i].data()[j];
            xs[i].data_mut()[j] = x + STEP;
            let up = eval(&xs)?;
            xs[i].data_mut()[j] = x - STEP;
            let down = eval(&xs)?;
            xs[i].data_mut()[j] = x;
            let numeric = (up - down) / (2.0 * STEP);
            let exact = analytic.data()[j];
            // `f64::max` drops a NaN operand: a VJP that returns NaN must fail loudly instead.
            if !exact.is_finite() || !numeric.is_finite() {
                let input = if exact.is_finite() {
                    "gradient_check: finite difference (row = input, column = entry)"
                } else {
                    "gradient_check: analytic gradient (row = input, column = entry)"
                };
                return Err(Error::NonFinite {
                    input,
                    row: i,
                    column: j,
                });
            }
            worst = worst.max((exact - numeric).abs() / (1.0 + numeric.abs()));
        }
    }
    Ok(worst)
}
// ANCHOR_END: gradient_check
