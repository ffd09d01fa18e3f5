//! Chapter 13: the closed-form KL against Monte Carlo, the reparameterised gradient against
//! its analytic value (lecture 002's example), the ELBO and the importance-sampled bound
//! against log p(x) by quadrature, a VAE that learns data whose optimum is known,
//! generation on any thread count, and bad input refused by name.

use unsupervised::autodiff::{Graph, Tensor};
use unsupervised::linalg::Exec;
use unsupervised::nn::io;
use unsupervised::vae::{self, log_sum_exp, reparameterize, Likelihood, Recipe, Vae};
use unsupervised::Rng;

#[test]
fn the_gaussian_kl_matches_monte_carlo() {
    // KL(𝒩(μ, σ²) ‖ 𝒩(0, 1)) per dimension, closed form (the tape's) against the mean of
    // log q(z) − log p(z) over 400,000 draws z ~ q.
    let (mu, log_var) = ([0.7f64, -1.5, 0.0], [0.4f64, -2.0, 1.1]);
    let mut g = Graph::<f64>::new();
    let m = g.constant(Tensor::new(&[1, 3], mu.to_vec()).unwrap());
    let l = g.constant(Tensor::new(&[1, 3], log_var.to_vec()).unwrap());
    let kl = g.gaussian_kl(m, l).unwrap();
    let closed = g.value(kl).item().unwrap();
    let mut rng = Rng::seed_from_u64(1);
    let n = 400_000;
    let (mut sum, mut sq) = (0.0, 0.0);
    for _ in 0..n {
        let mut v = 0.0;
        for j in 0..3 {
            let e = rng.normal();
            let z = mu[j] + (0.5 * log_var[j]).exp() * e;
            // log q − log p = −½(ε² + log σ²) + ½ z²
            v += -0.5 * (e * e + log_var[j]) + 0.5 * z * z;
        }
        sum += v;
        sq += v * v;
    }
    let mean = sum / n as f64;
    let se = ((sq / n as f64 - mean * mean) / n as f64).sqrt();
    assert!(
        (mean - closed).abs() < 5.0 * se,
        "closed {closed}, Monte Carlo {mean} ± {se}"
    );
    // And the closed form by hand: ½ Σ (μ² + σ² − log σ² − 1).
    let by_hand: f64 = (0..3)
        .map(|j| 0.5 * (mu[j] * mu[j] + log_var[j].exp() - log_var[j] - 1.0))
        .sum();
    assert!((closed - by_hand).abs() < 8.0 * f64::EPSILON * by_hand);
}

#[test]
fn the_reparameterised_gradient_matches_the_analytic_one() {
    // Lecture 002's example: q(z|x) = 𝒩(x² + 2, x⁴), so z = x² + 2 + x² ε. For f(z) = z²,
    // E f = (x² + 2)² + x⁴ and d/dx E f = 4x(x² + 2) + 4x³.
    let x = 0.8f32;
    let n = 200_000;
    let eps = Tensor::randn(&[n, 1], 1.0, &mut Rng::seed_from_u64(2));
    let mut g = Graph::<f32>::new();
    let xv = g.variable(Tensor::new(&[1, 1], vec![x]).unwrap());
    let x2 = g.square(xv);
    let mu = g.add_scalar(x2, 2.0);
    let x4 = g.square(x2);
    let log_var = g.log(x4);
    let z = reparameterize(&mut g, mu, log_var, eps.clone()).unwrap();
    let f = g.square(z);
    let loss = g.mean(f);
    let grad = f64::from(g.backward(loss).unwrap().wrt(xv).unwrap().data()[0]);
    let x = f64::from(x);
    let analytic = 4.0 * x * (x * x + 2.0) + 4.0 * x.powi(3);
    // The estimator's spread: per draw, 2z · dz/dx = 2z (2x + 2x ε).
    let per_draw: Vec<f64> = eps
        .data()
        .iter()
        .map(|&e| {
            let e = f64::from(e);
            let z = x * x + 2.0 + x * x * e;
            2.0 * z * (2.0 * x + 2.0 * x * e)
        })
        .collect();
    let mean = per_draw.iter().sum::<f64>() / n as f64;
    let sd = (per_draw.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n as f64).sqrt();
    let se = sd / (n as f64).sqrt();
    assert!(
        (grad - analytic).abs() < 5.0 * se,
        "tape {grad}, analytic {analytic} ± {se}"
    );
    // The tape computes exactly this sample mean (up to f32 rounding).
    assert!(
        (grad - mean).abs() < 1e-4 * mean.abs(),
        "tape {grad}, sample mean {mean}"
    );
}

/// A VAE with a 1-d latent trained briefly on 8-pixel binary data from two prototypes.
fn small_trained_vae() -> (Vae, Vec<f32>) {
    trained_on_prototypes(1, Likelihood::Bernoulli)
}

/// A VAE with a `latent`-d code trained briefly on 8-pixel binary data from two prototypes.
fn trained_on_prototypes(latent: usize, likelihood: Likelihood) -> (Vae, Vec<f32>) {
    let mut rng = Rng::seed_from_u64(3);
    let protos = [[1, 1, 1, 1, 0, 0, 0, 0], [0, 0, 1, 1, 1, 1, 0, 1]];
    let x: Vec<f32> = (0..400)
        .flat_map(|i| {
            let p = protos[i % 2];
            p.iter()
                .map(|&b| if rng.next_f64() < 0.1 { 1 - b } else { b } as f32)
                .collect::<Vec<_>>()
        })
        .collect();
    let mut model = Vae::new(8, 16, latent, likelihood, &mut Rng::seed_from_u64(4)).unwrap();
    let recipe = Recipe {
        epochs: 30,
        batch_size: 40,
        learning_rate: 3e-3,
        ..Recipe::default()
    };
    vae::train(&mut model, &x, &x[..8 * 40], &recipe).unwrap();
    (model, x)
}

/// log p(x) = log ∫ 𝒩(z; 0, I) p(x|z) dz by the trapezoid rule: on [−10, 10] for a 1-d
/// code, on [−7, 7]² for a 2-d one.
fn log_likelihood_by_quadrature(model: &mut Vae, x: &[f32]) -> f64 {
    let (side, lo, hi) = if model.latent() == 1 {
        (8001, -10.0, 10.0)
    } else {
        (561, -7.0, 7.0)
    };
    let h = (hi - lo) / (side - 1) as f64;
    let axis: Vec<f64> = (0..side).map(|i| lo + h * i as f64).collect();
    let weight = |i: usize| if i == 0 || i == side - 1 { 0.5 * h } else { h };
    // Grid points with their log quadrature weights.
    let (zs, log_w): (Vec<Vec<f64>>, Vec<f64>) = if model.latent() == 1 {
        (0..side).map(|i| (vec![axis[i]], weight(i).ln())).unzip()
    } else {
        (0..side * side)
            .map(|p| {
                let (i, j) = (p / side, p % side);
                (vec![axis[i], axis[j]], (weight(i) * weight(j)).ln())
            })
            .unzip()
    };
    let points = zs.len();
    let flat: Vec<f32> = zs.iter().flatten().map(|&v| v as f32).collect();
    let mut g = Graph::new();
    let z = g.constant(Tensor::new(&[points, model.latent()], flat).unwrap());
    let logits = model.decode(&mut g, z).unwrap();
    let logits = g.value(logits).data();
    let terms: Vec<f64> = (0..points)
        .map(|i| {
            let d = zs[i].len() as f64;
            let log_prior = -0.5 * zs[i].iter().map(|v| v * v).sum::<f64>()
                - 0.5 * d * (2.0 * std::f64::consts::PI).ln();
            let log_px: f64 = logits[i * 8..(i + 1) * 8]
                .iter()
                .zip(x)
                .map(|(&l, &x)| {
                    let (l, x) = (f64::from(l), f64::from(x));
                    match model.likelihood {
                        Likelihood::Bernoulli => x * l - (l.max(0.0) + (-l.abs()).exp().ln_1p()),
                        Likelihood::Gaussian { sigma } => {
                            let m = 1.0 / (1.0 + (-l).exp());
                            -(x - m).powi(2) / (2.0 * sigma * sigma)
                                - 0.5 * (2.0 * std::f64::consts::PI * sigma * sigma).ln()
                        }
                    }
                })
                .sum();
            log_prior + log_px + log_w[i]
        })
        .collect();
    log_sum_exp(&terms)
}

#[test]
fn the_elbo_and_the_importance_sampled_bound_sit_below_log_p_of_x() {
    let (mut model, x) = small_trained_vae();
    let images = &x[..8 * 20];
    let truth: Vec<f64> = images
        .chunks(8)
        .map(|xi| log_likelihood_by_quadrature(&mut model, xi))
        .collect();
    let mean_truth = truth.iter().sum::<f64>() / truth.len() as f64;
    // The ELBO itself, averaged over 5,000 draws per image so its Monte Carlo error is
    // negligible: below the truth by the mean gap KL(q(z|x) ‖ p(z|x)).
    let elbo = model.evaluate(images, 5000, 6).unwrap().mean_elbo();
    assert!(
        elbo < mean_truth - 0.01,
        "ELBO {elbo} not below log p(x) {mean_truth}"
    );
    // The IS estimate with L draws, averaged over 50 repetitions: E log (1/L) Σ w rises with
    // L from the ELBO (L = 1) to log p(x) (Burda et al. 2016, theorem 1).
    // Gaps to the truth image by image, so that the spread between images cancels; the
    // assertions allow four standard errors of the 1,000 draws (50 per image) behind each.
    let elbo_gap = elbo - mean_truth;
    let mut previous = f64::NEG_INFINITY;
    for l in [1, 5, 50, 500] {
        let gaps: Vec<f64> = (0..50)
            .flat_map(|r| {
                let eval = model.evaluate(images, l, 100 + r).unwrap();
                eval.log_likelihood
                    .iter()
                    .zip(&truth)
                    .map(|(a, b)| a - b)
                    .collect::<Vec<_>>()
            })
            .collect();
        let gap = gaps.iter().sum::<f64>() / gaps.len() as f64;
        let spread = gaps.iter().map(|v| (v - gap).powi(2)).sum::<f64>() / gaps.len() as f64;
        let se = (spread / gaps.len() as f64).sqrt();
        eprintln!("L = {l}: gap {gap} ± {se} (ELBO's {elbo_gap})");
        assert!(gap < 4.0 * se, "L = {l}: IS above log p(x) by {gap} ± {se}");
        assert!(
            gap > elbo_gap - 4.0 * se,
            "L = {l}: IS gap {gap} ± {se} below the ELBO's {elbo_gap}"
        );
        assert!(
            gap > previous - 4.0 * se,
            "L = {l}: IS gap {gap} ± {se} below L's predecessor {previous}"
        );
        previous = gap;
    }
    // With 500 samples the estimate is within a few thousandths of a nat of the truth.
    assert!(
        previous.abs() < 0.01,
        "IS(500) misses log p(x) by {previous}"
    );
    // Per image too, with 5,000 samples.
    let fine = model.evaluate(images, 5000, 8).unwrap();
    for (i, (a, b)) in fine.log_likelihood.iter().zip(&truth).enumerate() {
        assert!((a - b).abs() < 0.05, "image {i}: IS {a}, quadrature {b}");
    }
}

#[test]
fn sampling_from_the_prior_estimates_log_p_of_x_in_one_dimension() {
    // Lecture 002's estimator is unbiased for p(x): with a 1-d latent, 20,000 prior draws
    // pin log p(x) down, for both decoders (chapter 13 shows how it fails in 20 dimensions).
    let (mut model, x) = small_trained_vae();
    let mut gaussian = Vae::new(
        8,
        16,
        1,
        Likelihood::Gaussian { sigma: 0.5 },
        &mut Rng::seed_from_u64(8),
    )
    .unwrap();
    for m in [&mut model, &mut gaussian] {
        let images = &x[..8 * 10];
        let naive = m.prior_sampling_log_likelihood(images, 20_000, 3).unwrap();
        for (i, xi) in images.chunks(8).enumerate() {
            let truth = log_likelihood_by_quadrature(m, xi);
            assert!(
                (naive[i] - truth).abs() < 0.02,
                "{:?} image {i}: {} vs {truth}",
                m.likelihood,
                naive[i]
            );
        }
    }
}

#[test]
fn importance_sampling_matches_quadrature_with_a_two_dimensional_code() {
    // Both decoders, a 2-d code: the IS estimate against the integral over a 561 x 561 grid,
    // and the ELBO below it. A draw from the tail of q now and then carries a weight far
    // above the rest (the estimate is unbiased for p(x), not for log p(x), and heavy-tailed),
    // so each image's estimate is the median of five runs of 2,000 draws.
    for likelihood in [Likelihood::Bernoulli, Likelihood::Gaussian { sigma: 0.4 }] {
        let (mut model, x) = trained_on_prototypes(2, likelihood);
        let images = &x[..8 * 6];
        let runs: Vec<_> = (0..5)
            .map(|r| model.evaluate(images, 2000, 20 + r).unwrap())
            .collect();
        for (i, xi) in images.chunks(8).enumerate() {
            let truth = log_likelihood_by_quadrature(&mut model, xi);
            let mut is: Vec<f64> = runs.iter().map(|e| e.log_likelihood[i]).collect();
            is.sort_by(f64::total_cmp);
            let elbo = runs[0].elbo[i];
            assert!(
                (is[2] - truth).abs() < 0.02,
                "{likelihood:?} image {i}: IS {is:?}, quadrature {truth}"
            );
            assert!(
                elbo < truth,
                "{likelihood:?} image {i}: ELBO {elbo} above {truth}"
            );
        }
    }
}

#[test]
fn a_vae_on_structureless_data_learns_the_pixel_frequencies() {
    // Independent pixels with frequencies p_i: the best model ignores z (q = prior, KL = 0)
    // and decodes p_i, so the ELBO's optimum is Σ p log p + (1 − p) log(1 − p) per image
    // (minus the entropy), here −4.41 nats, and training must come close to it.
    let p = [0.1, 0.5, 0.9, 0.3, 0.7, 0.2, 0.6, 0.4];
    let mut rng = Rng::seed_from_u64(5);
    let x: Vec<f32> = (0..4000)
        .flat_map(|_| p.map(|q| f32::from(u8::from(rng.next_f64() < q))))
        .collect();
    let optimum: f64 = p
        .iter()
        .map(|&q| q * f64::ln(q) + (1.0 - q) * f64::ln(1.0 - q))
        .sum();
    let mut model = Vae::new(8, 16, 2, Likelihood::Bernoulli, &mut Rng::seed_from_u64(6)).unwrap();
    let recipe = Recipe {
        epochs: 20,
        learning_rate: 3e-3,
        ..Recipe::default()
    };
    let report = vae::train(&mut model, &x, &x[..8 * 1000], &recipe).unwrap();
    let elbo = model.evaluate(&x, 20, 1).unwrap().mean_elbo();
    eprintln!("ELBO {elbo}, optimum {optimum}");
    assert!(
        elbo <= optimum + 0.05,
        "ELBO {elbo} above the optimum {optimum}"
    );
    assert!(
        elbo > optimum - 0.05,
        "ELBO {elbo} far below the optimum {optimum}"
    );
    assert!(report.train_elbo[0] < *report.train_elbo.last().unwrap());
    // With β = 1 the loss is minus the ELBO, epoch by epoch.
    for (elbo, loss) in report.train_elbo.iter().zip(&report.train.epoch_losses) {
        assert!(
            (elbo + loss).abs() < 1e-5 * loss.abs(),
            "ELBO {elbo}, loss {loss}"
        );
    }
    // The model's marginal, the decoder's mean averaged over the prior, is the table.
    let means = model.generate(20_000, 9).unwrap();
    for (j, q) in p.iter().enumerate() {
        let m = means
            .iter()
            .skip(j)
            .step_by(8)
            .map(|&v| f64::from(v))
            .sum::<f64>()
            / 20_000.0;
        assert!((m - q).abs() < 0.02, "pixel {j}: {m} against {q}");
    }
}

#[test]
fn the_gaussian_decoder_scores_by_squared_error() {
    // −log p(x|z) = Σ (x − m)² / (2σ²) + (D/2) log(2πσ²), with m = sigmoid(logits).
    let sigma = 0.2;
    let model = Vae::new(
        4,
        3,
        1,
        Likelihood::Gaussian { sigma },
        &mut Rng::seed_from_u64(0),
    )
    .unwrap();
    let logits = [0.0f32, 1.0, -2.0, 0.5];
    let x = [0.5f32, 0.2, 0.9, 0.0];
    let mut g = Graph::new();
    let lv = g.constant(Tensor::new(&[1, 4], logits.to_vec()).unwrap());
    let xv = g.constant(Tensor::new(&[1, 4], x.to_vec()).unwrap());
    let r = model.reconstruction(&mut g, lv, xv).unwrap();
    let expected: f64 = logits
        .iter()
        .zip(&x)
        .map(|(&l, &x)| {
            (1.0 / (1.0 + (-f64::from(l)).exp()) - f64::from(x)).powi(2) / (2.0 * sigma * sigma)
        })
        .sum::<f64>()
        + 2.0 * (2.0 * std::f64::consts::PI * sigma * sigma).ln();
    let got = f64::from(g.value(r).item().unwrap());
    assert!(
        (got - expected).abs() < 1e-5 * expected.abs(),
        "{got} vs {expected}"
    );
}

#[test]
fn generation_is_the_same_on_one_and_two_threads() {
    let mut model = Vae::new(
        784,
        64,
        4,
        Likelihood::Bernoulli,
        &mut Rng::seed_from_u64(1),
    )
    .unwrap();
    model.exec = Exec::default().with_threads(1);
    let one = model.generate(300, 42).unwrap();
    model.exec = Exec::default().with_threads(2);
    let two = model.generate(300, 42).unwrap();
    assert_eq!(one, two);
    assert_ne!(model.generate(300, 43).unwrap(), two);
}

#[test]
fn bad_input_is_refused_by_name() {
    let rng = &mut Rng::seed_from_u64(0);
    let e = |r: unsupervised::Result<Vae>| r.err().unwrap().to_string();
    assert!(e(Vae::new(784, 400, 0, Likelihood::Bernoulli, rng)).contains("latent"));
    assert!(e(Vae::new(8, 16, 8, Likelihood::Bernoulli, rng)).contains("latent"));
    assert!(e(Vae::new(8, 16, 2, Likelihood::Gaussian { sigma: 0.0 }, rng)).contains("sigma"));
    let mut model = Vae::new(4, 8, 2, Likelihood::Bernoulli, rng).unwrap();
    let outside = [0.0f32, 0.5, 255.0, 1.0];
    let msg = vae::train(&mut model, &outside, &outside, &Recipe::default())
        .err()
        .unwrap()
        .to_string();
    assert!(
        msg.contains("[0, 1]") && msg.contains("255") && msg.contains("column 3"),
        "{msg}"
    );
    assert!(model.evaluate(&[0.5; 4], 0, 0).is_err());
    let beta = Recipe {
        beta: -1.0,
        ..Recipe::default()
    };
    assert!(vae::train(&mut model, &[0.5; 4], &[0.5; 4], &beta)
        .err()
        .unwrap()
        .to_string()
        .contains("beta"));
    // A model file for another architecture.
    let dir = std::env::temp_dir().join(format!("unsupervised-vae-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("vae.model");
    io::save(&model, &file).unwrap();
    let mut wider = Vae::new(4, 9, 2, Likelihood::Bernoulli, rng).unwrap();
    assert!(io::load(&mut wider, &file)
        .err()
        .unwrap()
        .to_string()
        .contains("vae.model"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_diverging_run_stops_with_the_epoch_and_step() {
    // Adam's steps are about the learning rate in size: at 1e4 the logits explode within
    // a few steps and the loss passes 10⁴ times its first value (or overflows).
    let x: Vec<f32> = (0..64 * 16).map(|i| ((i * 5) % 7) as f32 / 6.0).collect();
    let mut model = Vae::new(16, 8, 2, Likelihood::Bernoulli, &mut Rng::seed_from_u64(0)).unwrap();
    let recipe = Recipe {
        epochs: 50,
        batch_size: 8,
        learning_rate: 1e4,
        ..Recipe::default()
    };
    match vae::train(&mut model, &x, &x, &recipe) {
        Err(unsupervised::Error::Diverged {
            what,
            iteration,
            value,
        }) => {
            assert!(what.contains("epoch"), "{what}");
            assert!(
                iteration >= 1 && (value.is_nan() || value.abs() >= 1e3),
                "step {iteration}, loss {value}"
            );
        }
        other => panic!("expected a divergence error, got {other:?}"),
    }
}
