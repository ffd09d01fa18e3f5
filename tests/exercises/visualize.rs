//! Chapter 15 · Visualising and understanding CNNs (book `15-visualize.md`). Check:
//! `cargo test --test exercises visualize -- --ignored`.
#![allow(unused_variables)]

/// Exercise 15.1: the lecture's filtering, `g(x, y) = Σ_s Σ_t ω(s, t) f(x + s, y + t)` with
/// `s, t ∈ −r..=r` for a `k x k` kernel (`k = 2r + 1`, row-major), zeros outside the image:
/// an `h x w` image in, an `h x w` image out.
pub fn correlate(image: &[f64], h: usize, w: usize, kernel: &[f64], k: usize) -> Vec<f64> {
    todo!("exercise 15.1: same-size cross-correlation with a zero border")
}

/// Exercise 15.2: the Gram matrix of `c` feature maps of `hw` values each (row-major,
/// one map after another): `G_ab = Σ_p F_ap F_bp`, `c x c`: Gatys et al.'s texture
/// statistics, which forget where a feature fired and keep which fire together.
pub fn gram(features: &[f64], c: usize, hw: usize) -> Vec<f64> {
    todo!("exercise 15.2: G = F Fᵀ")
}

/// Exercise 15.3: Mahendran and Vedaldi's total variation of an `h x w` image,
/// `Σ ((f_{i,j+1} − f_{ij})² + (f_{i+1,j} − f_{ij})²)^{β/2}` over the pixels that have both
/// a right and a lower neighbour.
pub fn total_variation(image: &[f64], h: usize, w: usize, beta: f64) -> f64 {
    todo!("exercise 15.3: the total-variation regulariser")
}

pub mod checks {
    use crate::common::assert_close;
    use unsupervised::autodiff::{Graph, Tensor};
    use unsupervised::visualize::{Border, Kernel};
    use unsupervised::Rng;

    fn image(h: usize, w: usize, seed: u64) -> Vec<f64> {
        let mut rng = Rng::seed_from_u64(seed);
        (0..h * w).map(|_| rng.uniform(0.0, 1.0)).collect()
    }

    /// The crate's `correlate` with a zero border, for 1x1, 3x3 and 5x5 kernels.
    pub fn correlate(yours: fn(&[f64], usize, usize, &[f64], usize) -> Vec<f64>) {
        let f = image(7, 9, 21);
        for k in [1, 3, 5] {
            let weights = image(k, k, 22 + k as u64);
            let found = yours(&f, 7, 9, &weights, k);
            let kernel = Kernel::new(k, weights).unwrap();
            let expected =
                unsupervised::visualize::correlate(&f, 7, 9, &kernel, Border::Zero).unwrap();
            assert_close(&found, &expected, 1e-13, 1e-13);
        }
    }

    /// The crate's Gram matrix; symmetric.
    pub fn gram(yours: fn(&[f64], usize, usize) -> Vec<f64>) {
        let f = image(3, 20, 23);
        let found = yours(&f, 3, 20);
        let mut g = Graph::new();
        let v = g.constant(Tensor::new(&[1, 3, 4, 5], f).unwrap());
        let gv = g.gram(v).unwrap();
        assert_close(&found, g.value(gv).data(), 1e-13, 1e-13);
        assert_close(
            &[found[1], found[2], found[5]],
            &[found[3], found[6], found[7]],
            0.0,
            0.0,
        );
    }

    /// The crate's regulariser at β = 2 and β = 1; zero on a flat image.
    pub fn total_variation(yours: fn(&[f64], usize, usize, f64) -> f64) {
        assert_eq!(
            yours(&[0.3; 12], 3, 4, 1.0),
            0.0,
            "a flat image has no variation"
        );
        let f = image(5, 6, 24);
        for beta in [2.0, 1.0] {
            let mut g = Graph::new();
            let v = g.constant(Tensor::new(&[1, 1, 5, 6], f.clone()).unwrap());
            let tv = g.total_variation(v, beta).unwrap();
            // The crate adds 1e-8 inside the power when β < 2.
            assert_close(
                &[yours(&f, 5, 6, beta)],
                &[g.value(tv).item().unwrap()],
                1e-6,
                0.0,
            );
        }
    }
}
