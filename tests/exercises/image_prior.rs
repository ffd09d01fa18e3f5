//! Chapter 16 · Image priors (book `16-image_prior.md`). Check:
//! `cargo test --test exercises image_prior -- --ignored`.
#![allow(unused_variables)]

/// Exercise 16.1: the peak signal-to-noise ratio of a restoration with values in [0, 1]:
/// `10 log₁₀(1 / MSE)` dB (infinite for a perfect one).
///
/// Hint: +6 dB halves the error's standard deviation.
pub fn psnr(clean: &[f64], restored: &[f64]) -> f64 {
    todo!("exercise 16.1: PSNR in decibels")
}

/// Exercise 16.2: the discrepancy principle as the deep image prior uses it. Smooth the
/// loss by the running average `a_1 = L_1`, `a_t = s a_{t−1} + (1 − s) L_t`, and return the
/// first iteration `t` (counting from 1) with `a_t ≤ level`, or `None` if it never gets
/// there. For denoising, `level = σ²`: fitting the noisy image closer than its noise means
/// fitting the noise.
pub fn discrepancy_stop(losses: &[f64], level: f64, smoothing: f64) -> Option<usize> {
    todo!("exercise 16.2: stop when the smoothed loss reaches the noise level")
}

/// Exercise 16.3: the super-resolution degradation `A`: the `factor x factor` box average
/// of an `h x w` image (both divisible by `factor`), `(h/f) x (w/f)` values out.
pub fn downsample(image: &[f64], h: usize, w: usize, factor: usize) -> Vec<f64> {
    todo!("exercise 16.3: box-average downsampling")
}

pub mod checks {
    use crate::common::assert_close;
    use unsupervised::autodiff::{Graph, Tensor};
    use unsupervised::autoencoder;
    use unsupervised::Rng;

    /// 20 dB for an error of 0.1 everywhere; the crate's PSNR; ∞ for a perfect copy.
    pub fn psnr(yours: fn(&[f64], &[f64]) -> f64) {
        let clean = [0.2, 0.5, 0.9, 0.0];
        let off: Vec<f64> = clean.iter().map(|v| v + 0.1).collect();
        assert_close(&[yours(&clean, &off)], &[20.0], 1e-12, 0.0);
        assert_eq!(yours(&clean, &clean), f64::INFINITY, "a perfect copy");
        let mut rng = Rng::seed_from_u64(25);
        let a: Vec<f64> = (0..64).map(|_| rng.uniform(0.0, 1.0)).collect();
        let b: Vec<f64> = a.iter().map(|v| v + 0.05 * rng.normal()).collect();
        let f32s = |v: &[f64]| v.iter().map(|&x| x as f32).collect::<Vec<f32>>();
        assert_close(
            &[yours(&a, &b)],
            &[autoencoder::psnr(&f32s(&a), &f32s(&b))],
            1e-5,
            0.0,
        );
    }

    /// By hand: a raw loss that dips below the level once does not fire a smoothed rule.
    pub fn discrepancy_stop(yours: fn(&[f64], f64, f64) -> Option<usize>) {
        let losses = [1.0, 0.5, 0.2, 0.09, 0.3, 0.1, 0.1, 0.1];
        assert_eq!(
            yours(&losses, 0.1, 0.0),
            Some(4),
            "unsmoothed: the first loss ≤ 0.1"
        );
        // s = 0.5: a = 1, .75, .475, .2825, .29125, .195625, .1478125, .12390625
        assert_eq!(
            yours(&losses, 0.1, 0.5),
            None,
            "smoothed, the average never reaches 0.1"
        );
        assert_eq!(yours(&losses, 0.2, 0.5), Some(6), "a_6 = 0.195625");
        assert_eq!(yours(&[], 1.0, 0.5), None);
    }

    /// The crate's `avg_pool2d`, which is the degradation `prior --task superres` applies.
    pub fn downsample(yours: fn(&[f64], usize, usize, usize) -> Vec<f64>) {
        let mut rng = Rng::seed_from_u64(26);
        for (h, w, f) in [(8, 12, 4), (6, 6, 2), (3, 3, 1)] {
            let x: Vec<f64> = (0..h * w).map(|_| rng.uniform(0.0, 1.0)).collect();
            let found = yours(&x, h, w, f);
            let mut g = Graph::new();
            let v = g.constant(Tensor::new(&[1, 1, h, w], x).unwrap());
            let y = g.avg_pool2d(v, f, f).unwrap();
            assert_eq!(found.len(), h * w / (f * f), "{h}x{w} by {f}");
            assert_close(&found, g.value(y).data(), 1e-14, 1e-14);
        }
    }
}
