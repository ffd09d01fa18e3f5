//! Chapter 10 · Reverse-mode automatic differentiation (book `10-autodiff.md`). Each
//! exercise is a vector–Jacobian product: given the gradient `ḡ = ∂L/∂y` of the output,
//! return `∂L/∂x = Jᵀ ḡ`. Check: `cargo test --test exercises autodiff -- --ignored`.
#![allow(unused_variables)]

use unsupervised::Matrix;

/// Exercise 10.1: the VJP of the elementwise `y = tanh(x)`: `x̄_i = ḡ_i (1 − tanh² x_i)`.
pub fn tanh_vjp(x: &[f64], grad_out: &[f64]) -> Vec<f64> {
    todo!("exercise 10.1: the VJP of tanh")
}

/// Exercise 10.2: the VJP of `y = softmax(x)` over one vector, `y_i = e^{x_i} / Σ_j e^{x_j}`.
///
/// Hint: the Jacobian is `diag(y) − y yᵀ`, so `x̄ = y ⊙ (ḡ − (ḡ · y))`: no n x n matrix.
/// Subtract `max x` before `exp`.
pub fn softmax_vjp(x: &[f64], grad_out: &[f64]) -> Vec<f64> {
    todo!("exercise 10.2: the VJP of softmax")
}

/// Exercise 10.3: the VJP of `C = A B`: return `(Ā, B̄) = (C̄ Bᵀ, Aᵀ C̄)`.
///
/// Hint: check the shapes: `Ā` has `A`'s, `B̄` has `B`'s.
pub fn matmul_vjp(
    a: &Matrix<f64>,
    b: &Matrix<f64>,
    grad_out: &Matrix<f64>,
) -> (Matrix<f64>, Matrix<f64>) {
    todo!("exercise 10.3: the VJP of the matrix product")
}

pub mod checks {
    use crate::common::{assert_close, random_matrix};
    use unsupervised::autodiff::{Graph, Tensor, Var};
    use unsupervised::{Matrix, Rng};

    /// `∂ Σ(f(x) ⊙ ḡ) / ∂x` by the crate's tape (whose ops pass `gradient_check`).
    fn tape(
        x: &[f64],
        shape: &[usize],
        grad_out: &[f64],
        f: fn(&mut Graph<f64>, Var) -> Var,
    ) -> Vec<f64> {
        let mut g = Graph::new();
        let v = g.variable(Tensor::new(shape, x.to_vec()).unwrap());
        let y = f(&mut g, v);
        let r = g.constant(Tensor::new(shape, grad_out.to_vec()).unwrap());
        let p = g.mul(y, r).unwrap();
        let s = g.sum(p);
        g.backward(s).unwrap().wrt(v).unwrap().data().to_vec()
    }

    /// Central differences of `Σ f(x) ⊙ ḡ`, entry by entry.
    fn numeric(x: &[f64], grad_out: &[f64], f: impl Fn(&[f64]) -> Vec<f64>) -> Vec<f64> {
        let h = 1e-6;
        let scalar = |x: &[f64]| -> f64 { f(x).iter().zip(grad_out).map(|(a, b)| a * b).sum() };
        (0..x.len())
            .map(|i| {
                let (mut up, mut down) = (x.to_vec(), x.to_vec());
                up[i] += h;
                down[i] -= h;
                (scalar(&up) - scalar(&down)) / (2.0 * h)
            })
            .collect()
    }

    fn vectors(n: usize, seed: u64) -> (Vec<f64>, Vec<f64>) {
        let mut rng = Rng::seed_from_u64(seed);
        let x = (0..n).map(|_| rng.uniform(-3.0, 3.0)).collect();
        let g = (0..n).map(|_| rng.uniform(-1.0, 1.0)).collect();
        (x, g)
    }

    pub fn tanh_vjp(yours: fn(&[f64], &[f64]) -> Vec<f64>) {
        let (x, g) = vectors(9, 13);
        let found = yours(&x, &g);
        assert_close(&found, &tape(&x, &[9], &g, |g, v| g.tanh(v)), 1e-14, 1e-14);
        let fd = numeric(&x, &g, |x| x.iter().map(|v| v.tanh()).collect());
        assert_close(&found, &fd, 1e-7, 1e-8);
    }

    pub fn softmax_vjp(yours: fn(&[f64], &[f64]) -> Vec<f64>) {
        let (x, g) = vectors(7, 14);
        let found = yours(&x, &g);
        assert_close(
            &found,
            &tape(&x, &[1, 7], &g, |g, v| g.softmax(v)),
            1e-13,
            1e-14,
        );
        let softmax = |x: &[f64]| -> Vec<f64> {
            let z: f64 = x.iter().map(|v| v.exp()).sum();
            x.iter().map(|v| v.exp() / z).collect()
        };
        assert_close(&found, &numeric(&x, &g, softmax), 1e-6, 1e-8);
        let big: Vec<f64> = x.iter().map(|v| v + 1000.0).collect();
        let shifted = yours(&big, &g);
        assert_close(&shifted, &found, 1e-9, 1e-12);
    }

    pub fn matmul_vjp(
        yours: fn(&Matrix<f64>, &Matrix<f64>, &Matrix<f64>) -> (Matrix<f64>, Matrix<f64>),
    ) {
        let mut rng = Rng::seed_from_u64(15);
        let a = random_matrix::<f64>(4, 3, &mut rng);
        let b = random_matrix::<f64>(3, 5, &mut rng);
        let c_bar = random_matrix::<f64>(4, 5, &mut rng);
        let (a_bar, b_bar) = yours(&a, &b, &c_bar);
        assert_eq!(
            (a_bar.shape(), b_bar.shape()),
            ((4, 3), (3, 5)),
            "Ā like A, B̄ like B"
        );
        let mut g = Graph::new();
        let va = g.variable(Tensor::new(&[4, 3], a.as_slice().to_vec()).unwrap());
        let vb = g.variable(Tensor::new(&[3, 5], b.as_slice().to_vec()).unwrap());
        let c = g.matmul(va, vb).unwrap();
        let r = g.constant(Tensor::new(&[4, 5], c_bar.as_slice().to_vec()).unwrap());
        let p = g.mul(c, r).unwrap();
        let s = g.sum(p);
        let grads = g.backward(s).unwrap();
        assert_close(
            a_bar.as_slice(),
            grads.wrt(va).unwrap().data(),
            1e-14,
            1e-14,
        );
        assert_close(
            b_bar.as_slice(),
            grads.wrt(vb).unwrap().data(),
            1e-14,
            1e-14,
        );
    }
}
