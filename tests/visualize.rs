//! Chapter 15: the kernel table against a direct loop of the lecture's formula, borders by
//! their rules, L-BFGS on Rosenbrock and an ill-conditioned quadratic against gradient
//! descent, the Gram matrix's VJP and the lecture's `E_l`, texture synthesis, inversion
//! and style transfer on problems with known answers, and the CNN's saliency against
//! finite differences.

use unsupervised::autodiff::{gradient_check, Graph, Tensor};
use unsupervised::datasets;
use unsupervised::image::Image;
use unsupervised::nn::classify;
use unsupervised::visualize::filter::{self, pad, TABLE};
use unsupervised::visualize::{
    class_image, convolve, correlate, first_filters, gram_loss, image_tensor, invert, saliency,
    style_transfer, tensor_image, texture, Border, Kernel, Lbfgs, Method, Multiscale, Penalty,
    Prior, StyleWeights, Tapped,
};
use unsupervised::{Error, Rng};

fn random_plane(h: usize, w: usize, seed: u64) -> Vec<f64> {
    let mut rng = Rng::seed_from_u64(seed);
    (0..h * w).map(|_| rng.uniform(0.0, 255.0)).collect()
}

/// The pixel the test's own border rule reads for index `i` of `n` (pads narrower than
/// the image): the rules written out case by case.
fn border_pixel(f: &[f64], w: usize, h: usize, y: isize, x: isize, border: Border) -> f64 {
    let fix = |i: isize, n: usize| -> Option<usize> {
        let n = n as isize;
        match border {
            _ if (0..n).contains(&i) => Some(i as usize),
            Border::Zero => None,
            Border::Replicate => Some(if i < 0 { 0 } else { n - 1 } as usize),
            Border::Reflect => Some(if i < 0 { -i } else { 2 * (n - 1) - i } as usize),
        }
    };
    match (fix(y, h), fix(x, w)) {
        (Some(y), Some(x)) => f[y * w + x],
        _ => 0.0,
    }
}

// ANCHOR: direct_loop
/// Lecture 004's `g(x, y) = Σ_s Σ_t ω(s, t) f(x − s, y − t)`, one pixel at a time.
fn direct_convolution(f: &[f64], h: usize, w: usize, k: &Kernel, border: Border) -> Vec<f64> {
    let r = (k.size / 2) as isize;
    let mut g = vec![0.0; h * w];
    for y in 0..h as isize {
        for x in 0..w as isize {
            let mut sum = 0.0;
            for s in -r..=r {
                for t in -r..=r {
                    let weight = k.weights[((s + r) * k.size as isize + (t + r)) as usize];
                    sum += weight * border_pixel(f, w, h, y - s, x - t, border);
                }
            }
            g[(y * w as isize + x) as usize] = sum;
        }
    }
    g
}
// ANCHOR_END: direct_loop

#[test]
fn every_kernel_of_the_table_matches_a_direct_loop_with_every_border() {
    let (h, w) = (13, 17);
    let f = random_plane(h, w, 1);
    for (name, _, _) in TABLE {
        let k = Kernel::named(name).unwrap();
        for &(bname, border) in Border::NAMES {
            let fast = convolve(&f, h, w, &k, border).unwrap();
            let slow = direct_convolution(&f, h, w, &k, border);
            for (i, (a, b)) in fast.iter().zip(&slow).enumerate() {
                assert!(
                    (a - b).abs() <= 64.0 * f64::EPSILON * 255.0 * 9.0,
                    "{name} {bname} pixel {i}: {a} vs {b}"
                );
            }
        }
    }
}

#[test]
fn convolution_flips_the_kernel_and_correlation_does_not() {
    // A kernel that is not symmetric under a half turn: 1 right of the centre.
    let k = Kernel::new(3, vec![0., 0., 0., 0., 0., 1., 0., 0., 0.]).unwrap();
    let (h, w) = (5, 6);
    let f = random_plane(h, w, 2);
    let corr = correlate(&f, h, w, &k, Border::Zero).unwrap();
    let conv = convolve(&f, h, w, &k, Border::Zero).unwrap();
    for y in 0..h {
        for x in 1..w - 1 {
            assert_eq!(
                corr[y * w + x],
                f[y * w + x + 1],
                "correlation reads f(x + 1)"
            );
            assert_eq!(
                conv[y * w + x],
                f[y * w + x - 1],
                "convolution reads f(x − 1)"
            );
        }
    }
    assert_eq!(
        conv,
        correlate(&f, h, w, &k.flipped(), Border::Zero).unwrap()
    );
    assert_ne!(conv, corr);
    // Every kernel of the table is symmetric under the half turn: both agree.
    for (name, _, _) in TABLE {
        let k = Kernel::named(name).unwrap();
        assert_eq!(k, k.flipped(), "{name}");
    }
}

#[test]
fn borders_follow_their_rules() {
    let row = [1.0, 2.0, 3.0, 4.0]; // a b c d
    let padded = |border| pad(&row, 1, 4, 3, border)[3 * 10..4 * 10].to_vec();
    assert_eq!(
        padded(Border::Reflect),
        [4., 3., 2., 1., 2., 3., 4., 3., 2., 1.],
        "d c b | a b c d | c b a"
    );
    assert_eq!(
        padded(Border::Replicate),
        [1., 1., 1., 1., 2., 3., 4., 4., 4., 4.]
    );
    assert_eq!(
        padded(Border::Zero),
        [0., 0., 0., 1., 2., 3., 4., 0., 0., 0.]
    );
    // Pads wider than the image fold again instead of reading outside it.
    assert_eq!(Border::Reflect.source(-7, 4), Some(1));
    assert_eq!(Border::Reflect.source(9, 1), Some(0));
}

#[test]
fn identity_keeps_the_photo_and_the_box_blur_averages() {
    let grey = datasets::china_gray().unwrap();
    let same = filter::filter(&grey, &Kernel::named("identity").unwrap(), Border::Zero).unwrap();
    assert!(same
        .iter()
        .zip(&grey.pixels)
        .all(|(a, &b)| *a == f64::from(b)));
    // A constant image: the box blur keeps it inside and with replicate or reflect
    // borders; zero padding darkens a corner to 4/9 and an edge to 6/9.
    let flat = Image::new(5, 4, 1, vec![90; 20]).unwrap();
    let blur = Kernel::named("box").unwrap();
    for border in [Border::Replicate, Border::Reflect] {
        let out = filter::filter(&flat, &blur, border).unwrap();
        assert!(out.iter().all(|v| (v - 90.0).abs() < 1e-12), "{border:?}");
    }
    let zero = filter::filter(&flat, &blur, Border::Zero).unwrap();
    assert!((zero[0] - 40.0).abs() < 1e-12 && (zero[2] - 60.0).abs() < 1e-12);
    // Edge detectors sum to zero: a constant image has no edges.
    for name in ["edge1", "edge2", "edge3"] {
        let out = filter::filter(&flat, &Kernel::named(name).unwrap(), Border::Reflect).unwrap();
        assert!(out.iter().all(|v| v.abs() < 1e-12), "{name}");
    }
}

#[test]
fn bad_kernels_are_refused_by_name() {
    let err = Kernel::new(4, vec![0.0; 16]).unwrap_err();
    assert!(
        matches!(
            err,
            Error::InvalidParameter {
                name: "kernel size",
                ..
            }
        ),
        "{err}"
    );
    assert!(Kernel::new(0, vec![]).is_err());
    assert!(matches!(
        Kernel::new(3, vec![0.0; 8]),
        Err(Error::BadLength { .. })
    ));
    assert!(Kernel::named("blur")
        .unwrap_err()
        .to_string()
        .contains("identity"));
    assert!(correlate(&[], 0, 0, &Kernel::named("box").unwrap(), Border::Zero).is_err());
}

fn rosenbrock(x: &[f64], g: &mut [f64]) -> unsupervised::Result<f64> {
    let (a, b) = (x[0], x[1]);
    g[0] = -2.0 * (1.0 - a) - 400.0 * a * (b - a * a);
    g[1] = 200.0 * (b - a * a);
    Ok((1.0 - a).powi(2) + 100.0 * (b - a * a).powi(2))
}

#[test]
fn lbfgs_reaches_the_rosenbrock_minimum_in_fewer_evaluations_than_gradient_descent() {
    let settings = Lbfgs {
        gtol: 1e-8,
        max_iter: 100_000,
        ..Lbfgs::default()
    };
    let q = settings.minimize(rosenbrock, &[-1.2, 1.0]).unwrap();
    assert!(q.converged);
    assert!(
        (q.x[0] - 1.0).abs() < 1e-7 && (q.x[1] - 1.0).abs() < 1e-7,
        "{:?}",
        q.x
    );
    let gd = settings.gradient_descent(rosenbrock, &[-1.2, 1.0]).unwrap();
    assert!(
        q.evaluations * 10 < gd.evaluations,
        "L-BFGS {} evaluations, gradient descent {}",
        q.evaluations,
        gd.evaluations
    );
    // The Wolfe conditions' sufficient decrease: the objective never rises.
    for run in [&q, &gd] {
        assert!(run.trace.windows(2).all(|w| w[1].1 <= w[0].1));
    }
}

#[test]
fn lbfgs_solves_an_ill_conditioned_quadratic_in_fewer_evaluations_than_gradient_descent() {
    // f = ½ Σ d_i x_i², condition number 10⁴.
    let n = 100;
    let d: Vec<f64> = (0..n)
        .map(|i| 10f64.powf(4.0 * i as f64 / (n - 1) as f64))
        .collect();
    let f = |x: &[f64], g: &mut [f64]| -> unsupervised::Result<f64> {
        let mut v = 0.0;
        for i in 0..x.len() {
            g[i] = d[i] * x[i];
            v += 0.5 * d[i] * x[i] * x[i];
        }
        Ok(v)
    };
    let settings = Lbfgs {
        gtol: 1e-6,
        ftol: 0.0,
        max_iter: 20_000,
        ..Lbfgs::default()
    };
    let q = settings.minimize(f, &vec![1.0; n]).unwrap();
    assert!(q.converged, "{} iterations", q.iterations);
    assert!(q.x.iter().all(|v| v.abs() < 1e-6), "{:?}", &q.x[..3]);
    let gd = settings.gradient_descent(f, &vec![1.0; n]).unwrap();
    assert!(
        q.evaluations * 5 < gd.evaluations,
        "L-BFGS {} evaluations, gradient descent {} (converged {})",
        q.evaluations,
        gd.evaluations,
        gd.converged
    );
}

#[test]
fn lbfgs_refuses_a_nan_objective_naming_the_iteration() {
    let f = |x: &[f64], g: &mut [f64]| -> unsupervised::Result<f64> {
        g[0] = 1.0;
        Ok(if x[0] < -0.5 { f64::NAN } else { x[0] })
    };
    // A NaN inside the line search is backed away from; one at the start is an error.
    assert!(Lbfgs::default().minimize(f, &[0.0]).is_ok());
    let err = Lbfgs::default().minimize(f, &[-1.0]).unwrap_err();
    assert!(matches!(err, Error::Diverged { iteration: 0, .. }), "{err}");
}

#[test]
fn the_gram_matrix_vjp_matches_finite_differences() {
    let x = Tensor::uniform(&[2, 3, 4, 5], -1.0, 1.0, &mut Rng::seed_from_u64(3));
    let err = gradient_check(&[x], |g, v| g.gram(v[0])).unwrap();
    assert!(err < 1e-7, "{err}");
}

#[test]
fn the_gram_loss_is_the_lectures_e_l() {
    // Two layers of features and targets; E_l by hand in f64.
    let mut rng = Rng::seed_from_u64(4);
    let shapes = [[1usize, 3, 4, 5], [1, 2, 3, 3]];
    let feats: Vec<Tensor<f32>> = shapes
        .iter()
        .map(|s| Tensor::uniform(s, 0.0, 1.0, &mut rng))
        .collect();
    let targets: Vec<Tensor<f32>> = shapes
        .iter()
        .map(|s| Tensor::uniform(&[1, s[1], s[1]], 0.0, 2.0, &mut rng))
        .collect();
    let weights = [0.7, 1.3];
    let mut expected = 0.0;
    for ((f, t), w) in feats.iter().zip(&targets).zip(weights) {
        let (n, m) = (f.shape()[1], f.shape()[2] * f.shape()[3]);
        let fd = f.data();
        let mut e = 0.0;
        for i in 0..n {
            for j in 0..n {
                let gij: f64 = (0..m)
                    .map(|k| f64::from(fd[i * m + k]) * f64::from(fd[j * m + k]))
                    .sum();
                e += (gij - f64::from(t.data()[i * n + j])).powi(2);
            }
        }
        expected += w * e / (4.0 * (n * n * m * m) as f64);
    }
    let mut g = Graph::new();
    let vars: Vec<_> = feats.iter().map(|f| g.constant(f.clone())).collect();
    let l = gram_loss(&mut g, &vars, &targets, &weights).unwrap();
    let got = f64::from(g.value(l).item().unwrap());
    assert!(
        (got - expected).abs() <= 1e-5 * expected,
        "{got} vs {expected}"
    );
}

fn flower(size: usize) -> Tensor<f32> {
    image_tensor(
        &datasets::flower_rgb()
            .unwrap()
            .downscale(128 / size)
            .unwrap(),
    )
    .unwrap()
}

fn china(size: usize) -> Tensor<f32> {
    image_tensor(
        &datasets::china_rgb()
            .unwrap()
            .downscale(128 / size)
            .unwrap(),
    )
    .unwrap()
}

#[test]
fn texture_synthesis_lowers_the_gram_loss_a_hundredfold_and_repeats_with_its_seed() {
    let source = flower(32);
    let x0 = Tensor::uniform(source.shape(), -0.5, 0.5, &mut Rng::seed_from_u64(5));
    let mut net = Multiscale::new(3, 16, &[3, 5, 7], 0).unwrap();
    let run = texture(&mut net, &source, &x0, Method::Lbfgs, 60).unwrap();
    assert!(
        run.start_loss() >= 100.0 * run.final_loss(),
        "{} → {}",
        run.start_loss(),
        run.final_loss()
    );
    assert!(run.trace.windows(2).all(|w| w[1].loss <= w[0].loss));
    let again = texture(&mut net, &source, &x0, Method::Lbfgs, 60).unwrap();
    assert_eq!(run.image.data(), again.image.data());
    // Adam moves the same way, more slowly.
    let adam = texture(
        &mut net,
        &source,
        &x0,
        Method::Adam {
            learning_rate: 0.02,
        },
        60,
    )
    .unwrap();
    assert!(adam.final_loss() < adam.start_loss() && adam.final_loss() > run.final_loss());
}

#[test]
fn inverting_a_shallow_layer_recovers_the_photo_and_deeper_layers_lose_it() {
    let photo = china(32);
    let x0 = Tensor::uniform(photo.shape(), -0.05, 0.05, &mut Rng::seed_from_u64(6));
    let mut net = Tapped::random(3, &[32, 64, 128, 256], 0).unwrap();
    let psnr = |layer: usize, lambda: f64, net: &mut Tapped| {
        let prior = Prior { lambda, beta: 2.0 };
        let run = invert(net, layer, &photo, prior, &x0, Method::Lbfgs, 200).unwrap();
        let mse: f64 = run
            .image
            .data()
            .iter()
            .zip(photo.data())
            .map(|(a, b)| f64::from(a.clamp(-0.5, 0.5) - b).powi(2))
            .sum::<f64>()
            / photo.len() as f64;
        -10.0 * mse.log10()
    };
    let (first, last) = (psnr(0, 0.0, &mut net), psnr(3, 0.0, &mut net));
    assert!(first > 30.0, "block 1: {first:.1} dB");
    assert!(
        last < first - 6.0,
        "block 4: {last:.1} dB, block 1 {first:.1} dB"
    );
    // The TV prior fills in what the deep features lost.
    let smoothed = psnr(3, 1e-4, &mut net);
    assert!(
        smoothed > last + 1.0,
        "with the prior {smoothed:.1} dB, without {last:.1} dB"
    );
}

#[test]
fn style_transfer_without_style_reproduces_the_content() {
    let content = china(32);
    let x0 = Tensor::uniform(content.shape(), -0.5, 0.5, &mut Rng::seed_from_u64(7));
    let mut net = Multiscale::new(3, 32, &[3, 5], 0).unwrap();
    let weights = StyleWeights {
        content: 1.0,
        style: 0.0,
        tv: 0.0,
    };
    let run = style_transfer(
        &mut net,
        &content,
        &flower(32),
        &[0],
        weights,
        &x0,
        Method::Lbfgs,
        300,
    )
    .unwrap();
    let shown = tensor_image(&run.image).unwrap();
    let target = tensor_image(&content).unwrap();
    let mse: f64 = shown
        .pixels
        .iter()
        .zip(&target.pixels)
        .map(|(&a, &b)| (f64::from(a) - f64::from(b)).powi(2))
        .sum::<f64>()
        / target.pixels.len() as f64;
    let psnr = 10.0 * (255.0f64.powi(2) / mse).log10();
    assert!(psnr > 30.0, "{psnr:.1} dB");
    // With style, the Gram statistics move towards the flower's.
    let styled = StyleWeights {
        style: 1e9,
        ..weights
    };
    let run = style_transfer(
        &mut net,
        &content,
        &flower(32),
        &[0],
        styled,
        &content,
        Method::Lbfgs,
        30,
    )
    .unwrap();
    assert!(run.final_loss() < 0.5 * run.start_loss());
}

#[test]
fn images_round_trip_through_tensors_and_downscale_by_block_means() {
    let photo = datasets::china_rgb().unwrap();
    assert_eq!(tensor_image(&image_tensor(&photo).unwrap()).unwrap(), photo);
    let small = Image::new(4, 2, 1, vec![0, 2, 10, 20, 4, 6, 30, 40]).unwrap();
    assert_eq!(small.downscale(2).unwrap().pixels, vec![3, 25]);
    assert!(small.downscale(3).is_err() && small.downscale(0).is_err());
}

#[test]
fn the_saliency_map_matches_finite_differences_of_the_class_score() {
    let mut net = classify::cnn(0.0, &mut Rng::seed_from_u64(8)).unwrap();
    let x = Tensor::uniform(&[1, 1, 28, 28], 0.0, 1.0, &mut Rng::seed_from_u64(9));
    let class = 3;
    let map = saliency(&mut net, &x, class).unwrap();
    let score = |x: &Tensor<f32>, net: &mut unsupervised::nn::Sequential<f32>| {
        f64::from(net.predict(x.clone()).unwrap().data()[class])
    };
    // The score is piecewise linear in x (ReLU, max pooling, products): where the four
    // one-sided differences at h and h/2 agree, no kink lies between x − h and x + h, and
    // there a difference is exact up to f32 rounding (about 1e-6 of the score over h).
    let s0 = score(&x, &mut net);
    let slope = |pixel: usize, step: f64, net: &mut unsupervised::nn::Sequential<f32>| {
        let mut moved = x.clone();
        moved.data_mut()[pixel] += step as f32;
        (score(&moved, net) - s0) / step
    };
    let h = 4e-3;
    let mut checked = 0;
    for pixel in (0..784).step_by(37) {
        let d = [h, h / 2.0, -h, -h / 2.0].map(|step| slope(pixel, step, &mut net));
        let (lo, hi) = d
            .iter()
            .fold((f64::MAX, f64::MIN), |(a, b), &v| (a.min(v), b.max(v)));
        if hi - lo > 1e-3 {
            continue; // a kink within h of x
        }
        checked += 1;
        let (numeric, analytic) = (d.iter().sum::<f64>() / 4.0, f64::from(map.data()[pixel]));
        assert!(
            (numeric - analytic).abs() <= 1e-3,
            "pixel {pixel}: {analytic} vs {numeric}"
        );
    }
    assert!(checked >= 10, "only {checked} pixels were away from kinks");
    let (filters, side) = first_filters(&net).unwrap();
    assert_eq!((filters.len(), side, filters[0].len()), (32, 5, 25));
}

#[test]
fn a_class_image_raises_its_score_above_every_other() {
    let mut net = classify::cnn(0.0, &mut Rng::seed_from_u64(10)).unwrap();
    // Faint noise: from exact zeros every ReLU of the zero-bias net sits at its kink.
    let x0 = Tensor::uniform(&[1, 1, 28, 28], 0.0, 0.1, &mut Rng::seed_from_u64(11));
    for class in [0, 7] {
        let penalty = Penalty::L2 { lambda: 1e-3 };
        let run = class_image(
            &mut net,
            class,
            penalty,
            &x0,
            Method::Adam {
                learning_rate: 0.05,
            },
            50,
        )
        .unwrap();
        let scores = net.predict(run.image.clone()).unwrap();
        let best = (0..10).fold(0, |b, i| {
            if scores.data()[i] > scores.data()[b] {
                i
            } else {
                b
            }
        });
        assert_eq!(best, class, "{:?}", scores.data());
    }
}

#[test]
fn bad_priors_layers_and_iterations_are_refused_by_name() {
    let photo = china(32);
    let mut net = Tapped::random(3, &[8], 0).unwrap();
    let run = |lambda, beta, layer, iterations, net: &mut Tapped| {
        invert(
            net,
            layer,
            &photo,
            Prior { lambda, beta },
            &photo,
            Method::Lbfgs,
            iterations,
        )
        .unwrap_err()
    };
    assert!(matches!(
        run(-1.0, 2.0, 0, 5, &mut net),
        Error::InvalidParameter { name: "lambda", .. }
    ));
    assert!(matches!(
        run(1.0, 0.0, 0, 5, &mut net),
        Error::InvalidParameter { name: "beta", .. }
    ));
    assert!(matches!(
        run(1.0, 2.0, 1, 5, &mut net),
        Error::IndexOutOfBounds {
            what: "layer",
            index: 1,
            bound: 1
        }
    ));
    assert!(matches!(
        run(1.0, 2.0, 0, 0, &mut net),
        Error::InvalidParameter {
            name: "iterations",
            ..
        }
    ));
    assert!(Multiscale::new(3, 4, &[4], 0).is_err());
    assert!(Tapped::new(unsupervised::nn::Sequential::new(), vec![1]).is_err());
}
