//! # Chapter 10 · Reverse-mode automatic differentiation
//!
//! Lecture: backpropagation, as the deep lectures use it · book `10-autodiff.md` · tests
//! `tests/autodiff.rs` · bench `benches/nn.rs`
//!
//! Every deep chapter (autoencoders, VAE, GANs, CNN visualisation, deep image prior) trains
//! by gradient descent on a loss built from a few hundred array operations. Reverse mode
//! computes the gradient with respect to all parameters at once, for about the cost of two
//! more forward passes, by applying the chain rule from the loss backwards (Griewank and
//! Walther, "Evaluating Derivatives", 2008; Baydin et al., "Automatic differentiation in
//! machine learning: a survey", JMLR 2018).
//!
//! Two engines, the small one first:
//! - [`Value`]: scalars, one graph node per number, the chain rule in forty lines;
//! - [`Graph`]: the real one: a tape (Wengert list) of ops on n-d [`Tensor`]s, each op
//!   recording the vector–Jacobian product (VJP) that sends its output's gradient to its
//!   inputs. Matrix products and convolutions go through chapter 1's GEMM. The tape is in
//!   topological order by construction, so `backward` is one reverse walk.
//!
//! Generic over `f32` (training) and `f64` (gradient checks against finite differences).
//!
//! Cost: one backward pass costs a small multiple of the forward pass, whatever the number
//! of parameters; the tape holds every intermediate value until then.
//!
//! ```
//! use unsupervised::autodiff::Value;
//! // f(x, y) = x·y + x at (2, 3): ∂f/∂x = y + 1 = 4, ∂f/∂y = x = 2.
//! let (x, y) = (Value::new(2.0), Value::new(3.0));
//! let f = x.mul(&y).add(&x);
//! f.backward();
//! assert_eq!((f.data(), x.grad(), y.grad()), (8.0, 4.0, 2.0));
//! ```

mod check;
mod conv;
mod graph;
mod loss;
mod norm;
mod ops;
mod tensor;
mod value;

pub use check::{gradient_check, STEP};
pub use conv::Conv2dSpec;
pub use graph::{Backward, Gradients, Graph, ParamId, Parameter, Var, Vjp};
pub use norm::BatchStats;
pub use tensor::{broadcast_shape, Tensor};
pub use value::Value;
