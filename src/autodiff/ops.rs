//! The tape's operations: each computes its value and, right below, its vector–Jacobian
//! product. Arithmetic broadcasts as NumPy does; reductions and softmax work along an axis.

use super::graph::{Graph, Var};
use super::tensor::{broadcast_shape, broadcast_zip, for_each_row, strides, sum_to, Tensor};
use crate::error::{Error, Result};
use crate::linalg::{gemm, Matrix, Scalar};

/// `(outer, len, inner)`: the shape seen as `outer x len x inner` around `axis`.
fn split_at_axis(shape: &[usize], axis: usize) -> (usize, usize, usize) {
    (
        shape[..axis].iter().product(),
        shape[axis],
        shape[axis + 1..].iter().product(),
    )
}

fn check_axis(op: &'static str, shape: &[usize], axis: usize) -> Result<()> {
    if axis >= shape.len() {
        return Err(Error::invalid(
            "axis",
            axis,
            format!("{op}: the input has {} axes ({shape:?})", shape.len()),
        ));
    }
    Ok(())
}

/// `g ⊙ f'(x, y)` entry-wise: the VJP of an entry-wise function, given its derivative in
/// terms of the input `x` and the output `y`.
fn chain<T: Scalar>(
    g: &Tensor<T>,
    x: &Tensor<T>,
    y: &Tensor<T>,
    df: impl Fn(T, T) -> T,
) -> Tensor<T> {
    let data = g
        .data()
        .iter()
        .zip(x.data())
        .zip(y.data())
        .map(|((&g, &x), &y)| g * df(x, y))
        .collect();
    Tensor::new(x.shape(), data).expect("same shape as the input")
}

/// `C = A·B` for row-major `m x k` and `k x n` buffers (`transpose_*` reads them transposed).
fn matmul_buffers<T: Scalar>(
    a: &[T],
    b: &[T],
    (m, k, n): (usize, usize, usize),
    (transpose_a, transpose_b): (bool, bool),
    exec: crate::linalg::Exec,
) -> Vec<T> {
    use crate::linalg::MatRef;
    let a = if transpose_a {
        MatRef::row_major(a, k, m).t()
    } else {
        MatRef::row_major(a, m, k)
    };
    let b = if transpose_b {
        MatRef::row_major(b, n, k).t()
    } else {
        MatRef::row_major(b, k, n)
    };
    let mut c = Matrix::zeros(m, n);
    gemm(T::ONE, a, b, T::ZERO, &mut c, exec).expect("shapes checked by the caller");
    c.into_vec()
}

impl<T: Scalar> Graph<T> {
    // ANCHOR: add
    /// `a + b`, broadcast.
    pub fn add(&mut self, a: Var, b: Var) -> Result<Var> {
        let out = broadcast_shape("add", self.shape(a), self.shape(b))?;
        let value = broadcast_zip(self.value(a), self.value(b), &out, |x, y| x + y);
        Ok(self.push(value, &[a, b], |c| {
            // ∂(a + b)/∂a = 1: the gradient passes through, summed over broadcast copies.
            vec![
                c.needs(0).then(|| sum_to(c.grad, c.inputs[0].shape())),
                c.needs(1).then(|| sum_to(c.grad, c.inputs[1].shape())),
            ]
        }))
    }
    // ANCHOR_END: add

    /// `a - b`, broadcast.
    pub fn sub(&mut self, a: Var, b: Var) -> Result<Var> {
        let out = broadcast_shape("sub", self.shape(a), self.shape(b))?;
        let value = broadcast_zip(self.value(a), self.value(b), &out, |x, y| x - y);
        Ok(self.push(value, &[a, b], |c| {
            vec![
                c.needs(0).then(|| sum_to(c.grad, c.inputs[0].shape())),
                c.needs(1)
                    .then(|| sum_to(&c.grad.map(|g| -g), c.inputs[1].shape())),
            ]
        }))
    }

    // ANCHOR: mul
    /// `a ⊙ b` entry-wise, broadcast.
    pub fn mul(&mut self, a: Var, b: Var) -> Result<Var> {
        let out = broadcast_shape("mul", self.shape(a), self.shape(b))?;
        let value = broadcast_zip(self.value(a), self.value(b), &out, |x, y| x * y);
        Ok(self.push(value, &[a, b], move |c| {
            // ∂(a b)/∂a = b and ∂(a b)/∂b = a.
            let (a, b) = (c.inputs[0], c.inputs[1]);
            vec![
                c.needs(0)
                    .then(|| sum_to(&broadcast_zip(c.grad, b, &out, |g, b| g * b), a.shape())),
                c.needs(1)
                    .then(|| sum_to(&broadcast_zip(c.grad, a, &out, |g, a| g * a), b.shape())),
            ]
        }))
    }
    // ANCHOR_END: mul

    /// `a / b` entry-wise, broadcast.
    pub fn div(&mut self, a: Var, b: Var) -> Result<Var> {
        let out = broadcast_shape("div", self.shape(a), self.shape(b))?;
        let value = broadcast_zip(self.value(a), self.value(b), &out, |x, y| x / y);
        Ok(self.push(value, &[a, b], move |c| {
            // ∂(a/b)/∂a = 1/b; ∂(a/b)/∂b = -a/b² = -(a/b)/b.
            let (a, b, y) = (c.inputs[0], c.inputs[1], c.output);
            vec![
                c.needs(0)
                    .then(|| sum_to(&broadcast_zip(c.grad, b, &out, |g, b| g / b), a.shape())),
                c.needs(1).then(|| {
                    let gy = c.grad.zip(y, |g, y| -g * y);
                    sum_to(&broadcast_zip(&gy, b, &out, |gy, b| gy / b), b.shape())
                }),
            ]
        }))
    }

    /// `x + s`.
    pub fn add_scalar(&mut self, x: Var, s: T) -> Var {
        self.unary(x, move |v| v + s, |_, _| T::ONE)
    }

    /// `s · x`.
    pub fn mul_scalar(&mut self, x: Var, s: T) -> Var {
        self.unary(x, move |v| s * v, move |_, _| s)
    }

    /// `-x`.
    pub fn neg(&mut self, x: Var) -> Var {
        self.mul_scalar(x, -T::ONE)
    }

    // ANCHOR: unary
    /// An entry-wise function `y = f(x)` whose derivative `df(x, y)` is given in terms of
    /// the input and the output (often the output is the cheaper: `exp`, `sigmoid`, `tanh`).
    pub fn unary(&mut self, x: Var, f: impl Fn(T) -> T, df: impl Fn(T, T) -> T + 'static) -> Var {
        let value = self.value(x).map(f);
        self.push(value, &[x], move |c| {
            vec![Some(chain(c.grad, c.inputs[0], c.output, &df))]
        })
    }

    pub fn exp(&mut self, x: Var) -> Var {
        self.unary(x, T::exp, |_, y| y)
    }
    pub fn log(&mut self, x: Var) -> Var {
        self.unary(x, T::ln, |x, _| T::ONE / x)
    }
    pub fn sqrt(&mut self, x: Var) -> Var {
        self.unary(x, T::sqrt, |_, y| T::from_f64(0.5) / y)
    }
    /// `x^p` for a constant exponent `p`.
    pub fn powf(&mut self, x: Var, p: T) -> Var {
        let p64 = p.to_f64();
        self.unary(
            x,
            move |v| T::from_f64(v.to_f64().powf(p64)),
            move |x, _| p * T::from_f64(x.to_f64().powf(p64 - 1.0)),
        )
    }
    /// `|x|`, whose derivative at 0 is taken as 0.
    pub fn abs(&mut self, x: Var) -> Var {
        self.unary(x, T::abs, |x, _| sign(x))
    }
    pub fn square(&mut self, x: Var) -> Var {
        self.unary(x, |v| v * v, |x, _| x + x)
    }
    /// `x` limited to `[low, high]`; the gradient is 0 where the limit is active.
    pub fn clamp(&mut self, x: Var, low: T, high: T) -> Var {
        self.unary(
            x,
            move |v| v.max(low).min(high),
            move |x, _| if x > low && x < high { T::ONE } else { T::ZERO },
        )
    }
    // ANCHOR: activations
    pub fn relu(&mut self, x: Var) -> Var {
        self.unary(
            x,
            |v| v.max(T::ZERO),
            |x, _| if x > T::ZERO { T::ONE } else { T::ZERO },
        )
    }
    /// `x` for `x > 0`, `slope · x` otherwise.
    pub fn leaky_relu(&mut self, x: Var, slope: T) -> Var {
        self.unary(
            x,
            move |v| if v > T::ZERO { v } else { slope * v },
            move |x, _| if x > T::ZERO { T::ONE } else { slope },
        )
    }
    /// `σ(x) = 1 / (1 + e^{-x})`, with `σ' = σ (1 - σ)`.
    pub fn sigmoid(&mut self, x: Var) -> Var {
        self.unary(x, sigmoid, |_, y| y * (T::ONE - y))
    }
    /// `tanh x`, with `tanh' = 1 - tanh²`.
    pub fn tanh(&mut self, x: Var) -> Var {
        self.unary(x, |v| T::from_f64(v.to_f64().tanh()), |_, y| T::ONE - y * y)
    }
    /// `log(1 + eˣ)`, computed as `max(x, 0) + log(1 + e^{-|x|})` so that `eˣ` never
    /// overflows; its derivative is `σ(x)`.
    pub fn softplus(&mut self, x: Var) -> Var {
        self.unary(x, softplus, |x, _| sigmoid(x))
    }
    // ANCHOR_END: activations
    // ANCHOR_END: unary

    /// The sum of all entries (a 0-d tensor).
    pub fn sum(&mut self, x: Var) -> Var {
        let value = Tensor::scalar(self.value(x).sum());
        self.push(value, &[x], |c| {
            let g = c.grad.data()[0];
            vec![Some(Tensor::full(c.inputs[0].shape(), g))]
        })
    }

    /// The mean of all entries (a 0-d tensor).
    pub fn mean(&mut self, x: Var) -> Var {
        let n = T::from_usize(self.value(x).len().max(1));
        let s = self.sum(x);
        self.mul_scalar(s, T::ONE / n)
    }

    /// Sums along `axis`, which disappears from the shape.
    pub fn sum_axis(&mut self, x: Var, axis: usize) -> Result<Var> {
        let shape = self.shape(x).to_vec();
        check_axis("sum_axis", &shape, axis)?;
        let (outer, len, inner) = split_at_axis(&shape, axis);
        let xv = self.value(x).data();
        let mut out = vec![T::ZERO; outer * inner];
        for o in 0..outer {
            for k in 0..len {
                let row = &xv[(o * len + k) * inner..][..inner];
                for (acc, &v) in out[o * inner..][..inner].iter_mut().zip(row) {
                    *acc += v;
                }
            }
        }
        let mut out_shape = shape.clone();
        out_shape.remove(axis);
        let value = Tensor::new(&out_shape, out)?;
        Ok(self.push(value, &[x], move |c| {
            // Every summed entry receives the gradient of its sum.
            let g = c.grad.data();
            let mut dx = Vec::with_capacity(outer * len * inner);
            for o in 0..outer {
                for _ in 0..len {
                    dx.extend_from_slice(&g[o * inner..][..inner]);
                }
            }
            vec![Some(Tensor::new(&shape, dx).expect("input shape"))]
        }))
    }

    /// Means along `axis`, which disappears from the shape.
    pub fn mean_axis(&mut self, x: Var, axis: usize) -> Result<Var> {
        let s = self.sum_axis(x, axis)?;
        let n = T::from_usize(self.shape(x)[axis].max(1));
        Ok(self.mul_scalar(s, T::ONE / n))
    }

    /// The largest entry along `axis` (which disappears): maxout. The gradient goes to the
    /// first largest entry.
    pub fn max_axis(&mut self, x: Var, axis: usize) -> Result<Var> {
        let shape = self.shape(x).to_vec();
        check_axis("max_axis", &shape, axis)?;
        let (outer, len, inner) = split_at_axis(&shape, axis);
        if len == 0 {
            return Err(Error::Empty {
                input: "max_axis along an axis of length 0",
            });
        }
        let xv = self.value(x).data();
        let mut arg = vec![0usize; outer * inner];
        let mut out = vec![T::ZERO; outer * inner];
        for o in 0..outer {
            for i in 0..inner {
                let at = |k: usize| (o * len + k) * inner + i;
                let best = (1..len).fold(0, |b, k| if xv[at(k)] > xv[at(b)] { k } else { b });
                arg[o * inner + i] = at(best);
                out[o * inner + i] = xv[at(best)];
            }
        }
        let mut out_shape = shape.clone();
        out_shape.remove(axis);
        let value = Tensor::new(&out_shape, out)?;
        Ok(self.push(value, &[x], move |c| {
            let mut dx = Tensor::zeros(&shape);
            for (&j, &g) in arg.iter().zip(c.grad.data()) {
                dx.data_mut()[j] += g;
            }
            vec![Some(dx)]
        }))
    }

    // ANCHOR: softmax
    /// Softmax along the last axis: `yᵢ = e^{xᵢ - m} / Σⱼ e^{xⱼ - m}` with `m = maxⱼ xⱼ`,
    /// which changes nothing mathematically and keeps every exponent ≤ 0.
    pub fn softmax(&mut self, x: Var) -> Var {
        let value = map_rows(self.value(x), |row, out| {
            let m = row.iter().copied().fold(-T::INFINITY, T::max);
            let mut z = T::ZERO;
            for (o, &v) in out.iter_mut().zip(row) {
                *o = (v - m).exp();
                z += *o;
            }
            out.iter_mut().for_each(|o| *o /= z);
        });
        self.push(value, &[x], |c| {
            // J = diag(y) - y yᵀ, so Jᵀg = y ⊙ (g - ⟨g, y⟩).
            let dx = zip_rows(c.grad, c.output, |g, y, out| {
                let gy: T = g.iter().zip(y).map(|(&g, &y)| g * y).sum();
                for ((o, &g), &y) in out.iter_mut().zip(g).zip(y) {
                    *o = y * (g - gy);
                }
            });
            vec![Some(dx)]
        })
    }

    /// `log softmax` along the last axis: `yᵢ = xᵢ - m - log Σⱼ e^{xⱼ - m}` (log-sum-exp).
    pub fn log_softmax(&mut self, x: Var) -> Var {
        let value = map_rows(self.value(x), |row, out| {
            let m = row.iter().copied().fold(-T::INFINITY, T::max);
            let lse = m + row.iter().map(|&v| (v - m).exp()).sum::<T>().ln();
            for (o, &v) in out.iter_mut().zip(row) {
                *o = v - lse;
            }
        });
        self.push(value, &[x], |c| {
            // ∂yᵢ/∂xⱼ = δᵢⱼ - softmax(x)ⱼ, so Jᵀg = g - softmax(x) Σᵢ gᵢ.
            let dx = zip_rows(c.grad, c.output, |g, y, out| {
                let total: T = g.iter().copied().sum();
                for ((o, &g), &y) in out.iter_mut().zip(g).zip(y) {
                    *o = g - y.exp() * total;
                }
            });
            vec![Some(dx)]
        })
    }
    // ANCHOR_END: softmax

    /// The same entries in a new shape.
    pub fn reshape(&mut self, x: Var, shape: &[usize]) -> Result<Var> {
        let value = self.value(x).clone().reshape(shape)?;
        Ok(self.push(value, &[x], |c| {
            vec![Some(
                c.grad
                    .clone()
                    .reshape(c.inputs[0].shape())
                    .expect("same length"),
            )]
        }))
    }

    /// The axes reordered: output axis `d` is input axis `perm[d]`.
    pub fn permute(&mut self, x: Var, perm: &[usize]) -> Result<Var> {
        let shape = self.shape(x).to_vec();
        let mut seen = vec![false; shape.len()];
        if perm.len() != shape.len()
            || perm
                .iter()
                .any(|&p| p >= shape.len() || std::mem::replace(&mut seen[p], true))
        {
            return Err(Error::invalid(
                "perm",
                format!("{perm:?}"),
                format!("must order the {} axes of {shape:?}", shape.len()),
            ));
        }
        let value = permuted(self.value(x), perm);
        let mut inverse = vec![0; perm.len()];
        for (d, &p) in perm.iter().enumerate() {
            inverse[p] = d;
        }
        Ok(self.push(value, &[x], move |c| vec![Some(permuted(c.grad, &inverse))]))
    }

    /// Swaps axes `a` and `b`.
    pub fn transpose(&mut self, x: Var, a: usize, b: usize) -> Result<Var> {
        let n = self.shape(x).len();
        check_axis("transpose", self.shape(x), a.max(b))?;
        let mut perm: Vec<usize> = (0..n).collect();
        perm.swap(a, b);
        self.permute(x, &perm)
    }

    /// `len` entries of `axis` from `start` on (a view in NumPy; a copy here).
    pub fn slice(&mut self, x: Var, axis: usize, start: usize, len: usize) -> Result<Var> {
        let shape = self.shape(x).to_vec();
        check_axis("slice", &shape, axis)?;
        if start + len > shape[axis] {
            return Err(Error::invalid(
                "start + len",
                start + len,
                format!(
                    "slice of axis {axis} must end within its length {}",
                    shape[axis]
                ),
            ));
        }
        let (outer, full, inner) = split_at_axis(&shape, axis);
        let xv = self.value(x).data();
        let mut out = Vec::with_capacity(outer * len * inner);
        for o in 0..outer {
            out.extend_from_slice(&xv[(o * full + start) * inner..][..len * inner]);
        }
        let mut out_shape = shape.clone();
        out_shape[axis] = len;
        let value = Tensor::new(&out_shape, out)?;
        Ok(self.push(value, &[x], move |c| {
            // The adjoint of cutting out: put the gradient back in place, zeros elsewhere.
            let mut dx = Tensor::zeros(&shape);
            for o in 0..outer {
                dx.data_mut()[(o * full + start) * inner..][..len * inner]
                    .copy_from_slice(&c.grad.data()[o * len * inner..][..len * inner]);
            }
            vec![Some(dx)]
        }))
    }

    /// Cuts `axis` into consecutive pieces of the given sizes.
    pub fn split(&mut self, x: Var, axis: usize, sizes: &[usize]) -> Result<Vec<Var>> {
        let mut start = 0;
        let mut parts = Vec::with_capacity(sizes.len());
        for &len in sizes {
            parts.push(self.slice(x, axis, start, len)?);
            start += len;
        }
        Ok(parts)
    }

    /// Joins tensors along `axis`; all other lengths must agree.
    pub fn concat(&mut self, xs: &[Var], axis: usize) -> Result<Var> {
        let Some(&first) = xs.first() else {
            return Err(Error::Empty {
                input: "concat's list of tensors",
            });
        };
        let shape0 = self.shape(first).to_vec();
        check_axis("concat", &shape0, axis)?;
        let mut lens = Vec::with_capacity(xs.len());
        for &x in xs {
            let s = self.shape(x);
            if s.len() != shape0.len() || (0..s.len()).any(|d| d != axis && s[d] != shape0[d]) {
                return Err(Error::TensorShape {
                    op: "concat",
                    left: shape0,
                    right: s.to_vec(),
                });
            }
            lens.push(s[axis]);
        }
        let (outer, _, inner) = split_at_axis(&shape0, axis);
        let total: usize = lens.iter().sum();
        let mut out = Vec::with_capacity(outer * total * inner);
        for o in 0..outer {
            for (&x, &len) in xs.iter().zip(&lens) {
                out.extend_from_slice(&self.value(x).data()[o * len * inner..][..len * inner]);
            }
        }
        let mut out_shape = shape0.clone();
        out_shape[axis] = total;
        let value = Tensor::new(&out_shape, out)?;
        Ok(self.push(value, xs, move |c| {
            // Each input takes back its own stripe of the gradient.
            let g = c.grad.data();
            let mut offset = 0;
            lens.iter()
                .enumerate()
                .map(|(i, &len)| {
                    let mut d = Vec::with_capacity(outer * len * inner);
                    for o in 0..outer {
                        d.extend_from_slice(&g[(o * total + offset) * inner..][..len * inner]);
                    }
                    offset += len;
                    c.needs(i)
                        .then(|| Tensor::new(c.inputs[i].shape(), d).expect("input shape"))
                })
                .collect()
        }))
    }

    /// `y[i] = x[i, index[i]]` for a 2-d `x`: picks one entry per row (the log-probability
    /// of each sample's class in cross-entropy).
    pub fn gather(&mut self, x: Var, index: &[usize]) -> Result<Var> {
        let shape = self.shape(x).to_vec();
        let [rows, cols] = shape[..] else {
            return Err(Error::TensorShape {
                op: "gather (needs a 2-d input)",
                left: shape,
                right: vec![index.len()],
            });
        };
        if index.len() != rows {
            return Err(Error::TensorShape {
                op: "gather (one index per row)",
                left: shape,
                right: vec![index.len()],
            });
        }
        if let Some(&bad) = index.iter().find(|&&j| j >= cols) {
            return Err(Error::IndexOutOfBounds {
                what: "gather index",
                index: bad,
                bound: cols,
            });
        }
        let xv = self.value(x).data();
        let value = Tensor::new(
            &[rows],
            index
                .iter()
                .enumerate()
                .map(|(i, &j)| xv[i * cols + j])
                .collect(),
        )?;
        let index = index.to_vec();
        Ok(self.push(value, &[x], move |c| {
            let mut dx = Tensor::zeros(&[rows, cols]);
            for (i, (&j, &g)) in index.iter().zip(c.grad.data()).enumerate() {
                dx.data_mut()[i * cols + j] += g;
            }
            vec![Some(dx)]
        }))
    }

    // ANCHOR: matmul
    /// Matrix product: `(m, k)·(k, n)`, a batch `(b, m, k)·(b, k, n)`, or a batch times one
    /// matrix `(b, m, k)·(k, n)` (a linear layer on a batch of sequences).
    pub fn matmul(&mut self, a: Var, b: Var) -> Result<Var> {
        let (sa, sb) = (self.shape(a).to_vec(), self.shape(b).to_vec());
        let mismatch = || Error::TensorShape {
            op: "matmul",
            left: sa.clone(),
            right: sb.clone(),
        };
        // (batches, m, k, n, whether b is one matrix shared by the batch)
        let (batch, m, k, n, shared) = match (&sa[..], &sb[..]) {
            (&[m, k], &[k2, n]) if k == k2 => (1, m, k, n, true),
            (&[bt, m, k], &[k2, n]) if k == k2 => (1, bt * m, k, n, true),
            (&[bt, m, k], &[bt2, k2, n]) if k == k2 && bt == bt2 => (bt, m, k, n, false),
            _ => return Err(mismatch()),
        };
        let exec = self.exec();
        let (av, bv) = (self.value(a).data(), self.value(b).data());
        let mut out = Vec::with_capacity(batch * m * n);
        for t in 0..batch {
            let bt = if shared {
                bv
            } else {
                &bv[t * k * n..][..k * n]
            };
            out.extend(matmul_buffers(
                &av[t * m * k..][..m * k],
                bt,
                (m, k, n),
                (false, false),
                exec,
            ));
        }
        let mut out_shape = sa[..sa.len() - 1].to_vec();
        out_shape.push(n);
        let value = Tensor::new(&out_shape, out)?;
        Ok(self.push(value, &[a, b], move |c| {
            let (av, bv, g) = (c.inputs[0].data(), c.inputs[1].data(), c.grad.data());
            // dA = G Bᵀ (m x n · n x k) and dB = Aᵀ G (k x m · m x n), per batch item; a
            // shared B sums its gradient over the batch, which one product over all rows does.
            let da = c.needs(0).then(|| {
                let mut da = Vec::with_capacity(batch * m * k);
                for t in 0..batch {
                    let bt = if shared {
                        bv
                    } else {
                        &bv[t * k * n..][..k * n]
                    };
                    da.extend(matmul_buffers(
                        &g[t * m * n..][..m * n],
                        bt,
                        (m, n, k),
                        (false, true),
                        exec,
                    ));
                }
                Tensor::new(c.inputs[0].shape(), da).expect("shape of A")
            });
            let db = c.needs(1).then(|| {
                let mut db = Vec::with_capacity(batch * k * n);
                for t in 0..batch {
                    db.extend(matmul_buffers(
                        &av[t * m * k..][..m * k],
                        &g[t * m * n..][..m * n],
                        (k, m, n),
                        (true, false),
                        exec,
                    ));
                }
                Tensor::new(c.inputs[1].shape(), db).expect("shape of B")
            });
            vec![da, db]
        }))
    }
    // ANCHOR_END: matmul
}

/// The sign of `x` (0 at 0).
fn sign<T: Scalar>(x: T) -> T {
    if x > T::ZERO {
        T::ONE
    } else if x < T::ZERO {
        -T::ONE
    } else {
        T::ZERO
    }
}

/// `1 / (1 + e^{-x})`, evaluated on the side where the exponential cannot overflow.
pub(crate) fn sigmoid<T: Scalar>(x: T) -> T {
    if x >= T::ZERO {
        T::ONE / (T::ONE + (-x).exp())
    } else {
        let e = x.exp();
        e / (T::ONE + e)
    }
}

/// `log(1 + eˣ) = max(x, 0) + log(1 + e^{-|x|})`.
pub(crate) fn softplus<T: Scalar>(x: T) -> T {
    x.max(T::ZERO) + (T::ONE + (-x.abs()).exp()).ln()
}

/// `f(row, out_row)` over the rows of the last axis.
fn map_rows<T: Scalar>(x: &Tensor<T>, f: impl Fn(&[T], &mut [T])) -> Tensor<T> {
    let mut out = Tensor::zeros(x.shape());
    let width = x.shape().last().copied().unwrap_or(1).max(1);
    for (row, o) in x.data().chunks(width).zip(out.data_mut().chunks_mut(width)) {
        f(row, o);
    }
    out
}

/// `f(a_row, b_row, out_row)` over the rows of the last axis of two tensors of one shape.
fn zip_rows<T: Scalar>(
    a: &Tensor<T>,
    b: &Tensor<T>,
    f: impl Fn(&[T], &[T], &mut [T]),
) -> Tensor<T> {
    let mut out = Tensor::zeros(a.shape());
    let width = a.shape().last().copied().unwrap_or(1).max(1);
    for ((ra, rb), o) in a
        .data()
        .chunks(width)
        .zip(b.data().chunks(width))
        .zip(out.data_mut().chunks_mut(width))
    {
        f(ra, rb, o);
    }
    out
}

/// `x` with its axes reordered (output axis `d` is input axis `perm[d]`), copied.
fn permuted<T: Scalar>(x: &Tensor<T>, perm: &[usize]) -> Tensor<T> {
    let own = strides(x.shape());
    let shape: Vec<usize> = perm.iter().map(|&p| x.shape()[p]).collect();
    let read: Vec<usize> = perm.iter().map(|&p| own[p]).collect();
    let inner = shape.last().copied().unwrap_or(1);
    let step = read.last().copied().unwrap_or(0);
    let mut data = Vec::with_capacity(x.len());
    for_each_row(&shape, [&read], |[o]| {
        data.extend((0..inner).map(|j| x.data()[o + j * step]));
    });
    Tensor::new(&shape, data).expect("same number of entries")
}
