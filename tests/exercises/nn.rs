//! Chapter 11 · Neural networks (book `11-nn.md`). Check:
//! `cargo test --test exercises nn -- --ignored`.
#![allow(unused_variables)]

use unsupervised::Matrix;

/// Exercise 11.1: a convolution layer's core, one channel, stride 1, no padding: the
/// `(h − k + 1) x (w − k + 1)` output `y_ij = Σ_s Σ_t K_st x_{i+s, j+t}` (deep learning's
/// "convolution" is this cross-correlation), row-major like the input.
pub fn conv2d_valid(image: &[f64], h: usize, w: usize, kernel: &[f64], k: usize) -> Vec<f64> {
    todo!("exercise 11.1: a valid 2-D cross-correlation")
}

/// Exercise 11.2: one Adam step (Kingma and Ba) on the weights `w` with gradient `g`, at
/// step `t` (counting from 1), β₁ = 0.9, β₂ = 0.999, ε = 1e-8:
/// `m ← β₁ m + (1 − β₁) g`, `v ← β₂ v + (1 − β₂) g²`, `m̂ = m / (1 − β₁ᵗ)`,
/// `v̂ = v / (1 − β₂ᵗ)`, `w ← w − lr m̂ / (√v̂ + ε)`.
///
/// Hint: the bias corrections make the very first step `lr · sign(g)` for every weight.
pub fn adam_step(w: &mut [f64], g: &[f64], m: &mut [f64], v: &mut [f64], t: usize, lr: f64) {
    todo!("exercise 11.2: one Adam step")
}

/// Exercise 11.3: the mean cross-entropy of the labels under the softmax of the logits
/// (one row per example): `−(1/n) Σ_i log softmax(z_i)[y_i]`.
///
/// Hint: `log softmax(z)_y = z_y − m − log Σ_j exp(z_j − m)` with `m = max_j z_j` stays
/// finite for logits of any size.
pub fn softmax_cross_entropy(logits: &Matrix<f64>, labels: &[usize]) -> f64 {
    todo!("exercise 11.3: cross-entropy from logits")
}

pub mod checks {
    use crate::common::{assert_close, random_matrix};
    use unsupervised::autodiff::{Conv2dSpec, Graph, Tensor};
    use unsupervised::{Matrix, Rng};

    /// The crate's conv2d, on a square and a non-square image.
    pub fn conv2d_valid(yours: fn(&[f64], usize, usize, &[f64], usize) -> Vec<f64>) {
        let mut rng = Rng::seed_from_u64(16);
        for (h, w, k) in [(6, 6, 3), (5, 8, 2), (4, 4, 1)] {
            let x: Vec<f64> = (0..h * w).map(|_| rng.uniform(-1.0, 1.0)).collect();
            let kernel: Vec<f64> = (0..k * k).map(|_| rng.uniform(-1.0, 1.0)).collect();
            let found = yours(&x, h, w, &kernel, k);
            let mut g = Graph::new();
            let xv = g.constant(Tensor::new(&[1, 1, h, w], x).unwrap());
            let kv = g.constant(Tensor::new(&[1, 1, k, k], kernel).unwrap());
            let y = g.conv2d(xv, kv, None, Conv2dSpec::default()).unwrap();
            assert_eq!(
                found.len(),
                (h - k + 1) * (w - k + 1),
                "{h}x{w} image, {k}x{k} kernel"
            );
            assert_close(&found, g.value(y).data(), 1e-13, 1e-13);
        }
    }

    /// The first step is `lr · sign(g)`; the step's formula against a reference; and Adam
    /// walks a quadratic bowl to its bottom.
    pub fn adam_step(yours: fn(&mut [f64], &[f64], &mut [f64], &mut [f64], usize, f64)) {
        let mut w = vec![1.0, -2.0, 0.5];
        let g = [3.0, -1e-3, 40.0];
        let (mut m, mut v) = (vec![0.0; 3], vec![0.0; 3]);
        yours(&mut w, &g, &mut m, &mut v, 1, 0.1);
        assert_close(&w, &[0.9, -1.9, 0.4], 1e-6, 0.0);
        assert_close(&m, &[0.3, -1e-4, 4.0], 1e-12, 0.0);
        // The bowl ½‖w − c‖², whose gradient is w − c.
        let c = [0.3, -0.7, 2.0];
        let (mut w, mut m, mut v) = (vec![0.0; 3], vec![0.0; 3], vec![0.0; 3]);
        let (mut rw, mut rm, mut rv) = (vec![0.0; 3], vec![0.0; 3], vec![0.0; 3]);
        for t in 1..=2000 {
            let g: Vec<f64> = w.iter().zip(&c).map(|(w, c)| w - c).collect();
            yours(&mut w, &g, &mut m, &mut v, t, 0.01);
            let rg: Vec<f64> = rw.iter().zip(&c).map(|(w, c)| w - c).collect();
            for i in 0..3 {
                rm[i] = 0.9 * rm[i] + 0.1 * rg[i];
                rv[i] = 0.999 * rv[i] + 0.001 * rg[i] * rg[i];
                let (mh, vh) = (
                    rm[i] / (1.0 - 0.9f64.powi(t as i32)),
                    rv[i] / (1.0 - 0.999f64.powi(t as i32)),
                );
                rw[i] -= 0.01 * mh / (vh.sqrt() + 1e-8);
            }
            if t <= 3 {
                assert_close(&w, &rw, 1e-12, 1e-12);
            }
        }
        assert_close(&w, &c, 0.0, 1e-3);
    }

    /// The crate's loss; `ln C` for equal logits; unchanged by a shift of 10⁴.
    pub fn softmax_cross_entropy(yours: fn(&Matrix<f64>, &[usize]) -> f64) {
        let logits = random_matrix::<f64>(6, 4, &mut Rng::seed_from_u64(17));
        let labels = [0, 3, 1, 1, 2, 0];
        let found = yours(&logits, &labels);
        let mut g = Graph::new();
        let z = g.constant(Tensor::new(&[6, 4], logits.as_slice().to_vec()).unwrap());
        let l = g.cross_entropy_with_logits(z, &labels).unwrap();
        assert_close(&[found], &[g.value(l).item().unwrap()], 1e-13, 0.0);
        assert_close(
            &[yours(&Matrix::zeros(2, 5), &[1, 4])],
            &[(5f64).ln()],
            1e-15,
            0.0,
        );
        let shifted = Matrix::from_fn(6, 4, |i, j| logits[(i, j)] + 1e4);
        let after = yours(&shifted, &labels);
        assert!(
            (after - found).abs() < 1e-9,
            "a shift of 10⁴ changed the loss from {found} to {after}"
        );
    }
}
