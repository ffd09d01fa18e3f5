//! Chapter 12 · Autoencoders (book `12-autoencoder.md`). Check:
//! `cargo test --test exercises autoencoder -- --ignored`.
#![allow(unused_variables)]

use unsupervised::Matrix;

/// Exercise 12.1: the loss and gradient of the tied linear autoencoder with encoder `Wᵀ`
/// and decoder `W` (`w` is `d x k`): `L(W) = (1/n) Σ_i ‖x_i − W Wᵀ x_i‖²`. Return
/// `(L, ∂L/∂W)`.
///
/// Hint: with the residuals `R = X − X W Wᵀ` (one row per point),
/// `∂L/∂W = −(2/n) (Xᵀ R W + Rᵀ X W)`: `W` appears twice, once per role.
pub fn tied_linear_gradient(x: &Matrix<f64>, w: &Matrix<f64>) -> (f64, Matrix<f64>) {
    todo!("exercise 12.1: loss and gradient of a tied linear autoencoder")
}

/// Exercise 12.2: train it. From `W₀ = 0.1 ·` (entries uniform in [−1, 1) drawn from
/// `Rng::seed_from_u64(0)`, row by row), take `steps` gradient steps of size `lr` with your
/// exercise 12.1, and return `W`.
///
/// Hint: the lecture's point is what comes out: the span of the first k principal
/// components (Baldi and Hornik 1989), though `W` itself is any basis of it.
pub fn train_linear_autoencoder(x: &Matrix<f64>, k: usize, steps: usize, lr: f64) -> Matrix<f64> {
    todo!("exercise 12.2: gradient descent finds the PCA subspace")
}

/// Exercise 12.3: the mean binary cross-entropy of pixels `x ∈ [0, 1]` under Bernoulli
/// means `σ(z)`: `−(1/n) Σ [x log σ(z) + (1 − x) log(1 − σ(z))]`, from the logits `z`.
///
/// Hint: it equals `max(z, 0) − z x + log(1 + e^{−|z|})`, which never overflows.
pub fn bce_with_logits(logits: &[f64], x: &[f64]) -> f64 {
    todo!("exercise 12.3: binary cross-entropy, stable for any logit")
}

pub mod checks {
    use crate::common::assert_close;
    use unsupervised::autodiff::{Graph, Tensor};
    use unsupervised::eigen::svd::principal_angles;
    use unsupervised::pca::Pca;
    use unsupervised::{Matrix, Rng};

    /// 300 centred points in R⁵ with axis variances 9, 4, 1, 0.09, 0.01 after a rotation.
    fn data() -> Matrix<f64> {
        let mut rng = Rng::seed_from_u64(18);
        let scales = [3.0, 2.0, 1.0, 0.3, 0.1];
        let z = Matrix::from_fn(300, 5, |_, j| scales[j] * rng.normal());
        let q = unsupervised::eigen::Eigh::default()
            .solve(&crate::common::random_spd(5, &mut rng))
            .unwrap()
            .vectors;
        let x = z.matmul(&q).unwrap();
        let means: Vec<f64> = (0..5)
            .map(|j| x.iter_rows().map(|r| r[j]).sum::<f64>() / 300.0)
            .collect();
        Matrix::from_fn(300, 5, |i, j| x[(i, j)] - means[j])
    }

    /// The loss by its definition and the gradient against central differences.
    pub fn tied_linear_gradient(yours: fn(&Matrix<f64>, &Matrix<f64>) -> (f64, Matrix<f64>)) {
        let x = data();
        let w = crate::common::random_matrix::<f64>(5, 2, &mut Rng::seed_from_u64(19));
        let loss = |w: &Matrix<f64>| -> f64 {
            let r = x.matmul(w).unwrap().matmul(&w.transpose()).unwrap();
            x.as_slice()
                .iter()
                .zip(r.as_slice())
                .map(|(a, b)| (a - b).powi(2))
                .sum::<f64>()
                / 300.0
        };
        let (l, grad) = yours(&x, &w);
        assert_close(&[l], &[loss(&w)], 1e-12, 0.0);
        assert_eq!(grad.shape(), (5, 2), "the gradient has W's shape");
        for k in 0..10 {
            let (mut up, mut down) = (w.clone(), w.clone());
            up.as_mut_slice()[k] += 1e-6;
            down.as_mut_slice()[k] -= 1e-6;
            let numeric = (loss(&up) - loss(&down)) / 2e-6;
            assert_close(&[grad.as_slice()[k]], &[numeric], 1e-6, 1e-6);
        }
    }

    /// The span of the top two principal components, at PCA's reconstruction error.
    pub fn train_linear_autoencoder(yours: fn(&Matrix<f64>, usize, usize, f64) -> Matrix<f64>) {
        let x = data();
        let w = yours(&x, 2, 3000, 0.01);
        let pca = Pca::new().n_components(2).fit(&x).unwrap();
        let angles = principal_angles(&w, &pca.components.transpose()).unwrap();
        assert!(
            angles.iter().all(|a| a.abs() < 1e-3),
            "principal angles to the PCA subspace {angles:?} rad, expected ≈ 0"
        );
        let all = Pca::new().fit(&x).unwrap();
        let floor: f64 = all.explained_variance[2..].iter().sum::<f64>() * 299.0 / 300.0;
        let r = x.matmul(&w).unwrap().matmul(&w.transpose()).unwrap();
        let loss = x
            .as_slice()
            .iter()
            .zip(r.as_slice())
            .map(|(a, b)| (a - b).powi(2))
            .sum::<f64>()
            / 300.0;
        assert_close(&[loss], &[floor], 1e-4, 0.0);
    }

    /// The crate's loss, ln 2 at z = 0, finite at |z| = 10⁴.
    pub fn bce_with_logits(yours: fn(&[f64], &[f64]) -> f64) {
        let z = [-3.0, -0.5, 0.0, 0.7, 4.0, 12.0];
        let x = [0.0, 0.2, 1.0, 0.5, 1.0, 0.9];
        let found = yours(&z, &x);
        let mut g = Graph::new();
        let zv = g.constant(Tensor::new(&[6], z.to_vec()).unwrap());
        let xv = g.constant(Tensor::new(&[6], x.to_vec()).unwrap());
        let l = g.bce_with_logits(zv, xv).unwrap();
        assert_close(&[found], &[g.value(l).item().unwrap()], 1e-13, 0.0);
        assert_close(&[yours(&[0.0], &[0.3])], &[(2f64).ln()], 1e-15, 0.0);
        let far = yours(&[1e4, -1e4], &[0.0, 1.0]);
        assert_close(&[far], &[1e4], 1e-12, 0.0);
    }
}
