//! The n-dimensional array the tape computes with: a shape and a row-major buffer (the last
//! axis is contiguous, like [`Matrix`]'s rows), plus NumPy's broadcasting rules.

use crate::error::{Error, Result};
use crate::linalg::{Matrix, Scalar};
use crate::rand::Rng;

/// A dense n-d array, row-major. A 0-d tensor (shape `[]`) holds one number.
#[derive(Clone, Debug, PartialEq)]
pub struct Tensor<T> {
    shape: Vec<usize>,
    data: Vec<T>,
}

impl<T: Scalar> Tensor<T> {
    /// A tensor from a shape and a row-major buffer of `shape.iter().product()` values.
    pub fn new(shape: &[usize], data: Vec<T>) -> Result<Self> {
        let len = checked_len(shape)?;
        if data.len() != len {
            return Err(Error::BadLength {
                what: "Tensor::new (product of the shape)",
                expected: len,
                actual: data.len(),
            });
        }
        Ok(Tensor {
            shape: shape.to_vec(),
            data,
        })
    }

    /// All entries `value`.
    pub fn full(shape: &[usize], value: T) -> Self {
        Tensor {
            shape: shape.to_vec(),
            data: vec![value; shape.iter().product()],
        }
    }

    pub fn zeros(shape: &[usize]) -> Self {
        Tensor::full(shape, T::ZERO)
    }

    /// The 0-d tensor holding `value`.
    pub fn scalar(value: T) -> Self {
        Tensor {
            shape: Vec::new(),
            data: vec![value],
        }
    }

    /// Independent normal entries with standard deviation `std`.
    pub fn randn(shape: &[usize], std: f64, rng: &mut Rng) -> Self {
        let len = shape.iter().product();
        Tensor {
            shape: shape.to_vec(),
            data: (0..len).map(|_| T::from_f64(std * rng.normal())).collect(),
        }
    }

    /// Independent uniform entries on `[low, high)`.
    pub fn uniform(shape: &[usize], low: f64, high: f64, rng: &mut Rng) -> Self {
        let len = shape.iter().product();
        Tensor {
            shape: shape.to_vec(),
            data: (0..len)
                .map(|_| T::from_f64(rng.uniform(low, high)))
                .collect(),
        }
    }

    /// The matrix as a 2-d tensor (moves the buffer).
    pub fn from_matrix(m: Matrix<T>) -> Self {
        let (rows, cols) = m.shape();
        Tensor {
            shape: vec![rows, cols],
            data: m.into_vec(),
        }
    }

    /// A 2-d tensor as a matrix (moves the buffer).
    pub fn into_matrix(self) -> Result<Matrix<T>> {
        match self.shape[..] {
            [rows, cols] => Matrix::new(rows, cols, self.data),
            _ => Err(Error::TensorShape {
                op: "Tensor::into_matrix (needs 2 axes)",
                left: self.shape,
                right: vec![],
            }),
        }
    }

    pub fn shape(&self) -> &[usize] {
        &self.shape
    }
    /// The number of axes.
    pub fn ndim(&self) -> usize {
        self.shape.len()
    }
    /// The number of entries.
    pub fn len(&self) -> usize {
        self.data.len()
    }
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }
    pub fn data(&self) -> &[T] {
        &self.data
    }
    pub fn data_mut(&mut self) -> &mut [T] {
        &mut self.data
    }
    pub fn into_data(self) -> Vec<T> {
        self.data
    }
    /// The one value of a tensor with one entry.
    pub fn item(&self) -> Result<T> {
        match self.data[..] {
            [v] => Ok(v),
            _ => Err(Error::TensorShape {
                op: "Tensor::item (needs exactly one entry)",
                left: self.shape.clone(),
                right: vec![],
            }),
        }
    }

    /// The same entries under a new shape with the same number of entries.
    pub fn reshape(self, shape: &[usize]) -> Result<Self> {
        if checked_len(shape)? != self.data.len() {
            return Err(Error::TensorShape {
                op: "reshape",
                left: self.shape,
                right: shape.to_vec(),
            });
        }
        Ok(Tensor {
            shape: shape.to_vec(),
            data: self.data,
        })
    }

    /// Entry-wise `f`.
    pub fn map(&self, f: impl Fn(T) -> T) -> Self {
        Tensor {
            shape: self.shape.clone(),
            data: self.data.iter().map(|&v| f(v)).collect(),
        }
    }

    /// Entry-wise `f(self, other)` on tensors of one shape (the caller checked it).
    pub(crate) fn zip(&self, other: &Tensor<T>, f: impl Fn(T, T) -> T) -> Self {
        debug_assert_eq!(self.shape, other.shape);
        Tensor {
            shape: self.shape.clone(),
            data: self
                .data
                .iter()
                .zip(&other.data)
                .map(|(&a, &b)| f(a, b))
                .collect(),
        }
    }

    /// `self += other` for tensors of one shape: how gradients accumulate.
    pub(crate) fn add_assign(&mut self, other: &Tensor<T>) {
        debug_assert_eq!(self.shape, other.shape);
        for (a, &b) in self.data.iter_mut().zip(&other.data) {
            *a += b;
        }
    }

    /// Sum of all entries.
    pub fn sum(&self) -> T {
        self.data.iter().copied().sum()
    }
}

/// The number of entries of `shape`, or an error if it overflows.
fn checked_len(shape: &[usize]) -> Result<usize> {
    shape
        .iter()
        .try_fold(1usize, |acc, &d| acc.checked_mul(d))
        .ok_or_else(|| Error::invalid("shape", format!("{shape:?}"), "too many entries"))
}

/// Row-major strides of `shape`: how far one step along each axis moves in the buffer.
pub(crate) fn strides(shape: &[usize]) -> Vec<usize> {
    let mut s = vec![1; shape.len()];
    for d in (0..shape.len().saturating_sub(1)).rev() {
        s[d] = s[d + 1] * shape[d + 1];
    }
    s
}

// ANCHOR: broadcast
/// NumPy's broadcasting: align the shapes at their last axes; two lengths fit when equal or
/// when one is 1, which is stretched. The result has the longer rank.
pub fn broadcast_shape(op: &'static str, a: &[usize], b: &[usize]) -> Result<Vec<usize>> {
    let rank = a.len().max(b.len());
    let at = |s: &[usize], d: usize| {
        let pad = rank - s.len();
        if d < pad {
            1
        } else {
            s[d - pad]
        }
    };
    (0..rank)
        .map(|d| match (at(a, d), at(b, d)) {
            (x, y) if x == y => Ok(x),
            (1, y) => Ok(y),
            (x, 1) => Ok(x),
            _ => Err(Error::TensorShape {
                op,
                left: a.to_vec(),
                right: b.to_vec(),
            }),
        })
        .collect()
}

/// The strides with which `shape` is read when broadcast to `out` (0 along stretched axes).
pub(crate) fn broadcast_strides(shape: &[usize], out: &[usize]) -> Vec<usize> {
    let pad = out.len() - shape.len();
    let own = strides(shape);
    (0..out.len())
        .map(|d| {
            if d < pad || shape[d - pad] == 1 {
                0
            } else {
                own[d - pad]
            }
        })
        .collect()
}
// ANCHOR_END: broadcast

/// Calls `f(offsets)` once per position of `shape` with its last axis left out, where
/// `offsets[k]` is the position's start in operand `k` read with `strides[k]`. Walking the
/// last axis inside `f` keeps the innermost loop on contiguous (or repeated) entries.
pub(crate) fn for_each_row<const K: usize>(
    shape: &[usize],
    strides: [&[usize]; K],
    mut f: impl FnMut([usize; K]),
) {
    if shape.contains(&0) {
        return;
    }
    let outer = shape.len().saturating_sub(1);
    let mut index = vec![0; outer];
    let mut offsets = [0; K];
    loop {
        f(offsets);
        let mut d = outer;
        loop {
            if d == 0 {
                return;
            }
            d -= 1;
            index[d] += 1;
            for k in 0..K {
                offsets[k] += strides[k][d];
            }
            if index[d] < shape[d] {
                break;
            }
            for k in 0..K {
                offsets[k] -= strides[k][d] * shape[d];
            }
            index[d] = 0;
        }
    }
}

/// `f(a, b)` entry-wise after broadcasting `a` and `b` to `out`.
pub(crate) fn broadcast_zip<T: Scalar>(
    a: &Tensor<T>,
    b: &Tensor<T>,
    out: &[usize],
    f: impl Fn(T, T) -> T,
) -> Tensor<T> {
    if a.shape == b.shape {
        return a.zip(b, f);
    }
    let (sa, sb) = (
        broadcast_strides(&a.shape, out),
        broadcast_strides(&b.shape, out),
    );
    let inner = out.last().copied().unwrap_or(1);
    let (ia, ib) = (
        sa.last().copied().unwrap_or(0),
        sb.last().copied().unwrap_or(0),
    );
    let mut data = Vec::with_capacity(out.iter().product());
    for_each_row(out, [&sa, &sb], |[oa, ob]| {
        data.extend((0..inner).map(|j| f(a.data[oa + j * ia], b.data[ob + j * ib])));
    });
    Tensor {
        shape: out.to_vec(),
        data,
    }
}

/// Sums `grad` (of a broadcast result) back to `shape`: the adjoint of broadcasting, since
/// an entry stretched over an axis received the gradient of every copy.
pub(crate) fn sum_to<T: Scalar>(grad: &Tensor<T>, shape: &[usize]) -> Tensor<T> {
    if grad.shape == shape {
        return grad.clone();
    }
    let out = &grad.shape;
    let st = broadcast_strides(shape, out);
    let sg = strides(out);
    let inner = out.last().copied().unwrap_or(1);
    let it = st.last().copied().unwrap_or(0);
    let mut acc = Tensor::zeros(shape);
    for_each_row(out, [&st, &sg], |[ot, og]| {
        let row = &grad.data[og..og + inner];
        if it == 0 {
            // The whole row lands on one entry (a bias per channel): sum it first.
            acc.data[ot] += row_sum(row);
        } else {
            for (j, &g) in row.iter().enumerate() {
                acc.data[ot + j * it] += g;
            }
        }
    });
    acc
}

/// The sum of a row in eight independent lanes, which the compiler can vectorise (a
/// single running sum is a chain of dependent additions).
pub(crate) fn row_sum<T: Scalar>(row: &[T]) -> T {
    let mut lanes = [T::ZERO; 8];
    let chunks = row.chunks_exact(8);
    let tail: T = chunks.remainder().iter().copied().sum();
    for c in chunks {
        for (l, &v) in lanes.iter_mut().zip(c) {
            *l += v;
        }
    }
    lanes.iter().copied().sum::<T>() + tail
}
