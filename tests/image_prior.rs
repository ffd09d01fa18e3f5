//! Chapter 16: the deep image prior and the GAN-latent prior.

use std::cell::RefCell;
use unsupervised::autodiff::{gradient_check, Graph, Tensor};
use unsupervised::autoencoder::psnr;
use unsupervised::gan::{Gan, Spec};
use unsupervised::image::Image;
use unsupervised::image_prior::{
    baselines, code, degrade, inpaint_latent, random_mask, restore, text_mask, Degradation,
    LatentSettings, Schedule, SkipNet, SkipSpec, Stop, WindowedVariance,
};
use unsupervised::nn::{Layer, Mode};
use unsupervised::visualize::image_tensor;
use unsupervised::{Error, Rng};

fn tiny(channels: usize) -> SkipSpec {
    SkipSpec {
        code: 4,
        image: channels,
        down: vec![4, 4],
        up: vec![4, 4],
        skip: vec![2, 0],
    }
}

/// Two scales of 16 channels with skips of 4 and a code of 8: enough for 16 x 16.
fn denoiser() -> SkipSpec {
    SkipSpec {
        code: 8,
        image: 1,
        down: vec![16, 16],
        up: vec![16, 16],
        skip: vec![4, 4],
    }
}

/// A smooth 16 x 16 grey image: a ramp with a bright disc.
fn smooth() -> Image {
    let pixels = (0..256)
        .map(|i| {
            let (x, y) = ((i % 16) as f64, (i / 16) as f64);
            let disc = if (x - 9.0).powi(2) + (y - 7.0).powi(2) < 16.0 {
                80.0
            } else {
                0.0
            };
            (60.0 + 6.0 * x + disc) as u8
        })
        .collect();
    Image::new(16, 16, 1, pixels).unwrap()
}

#[test]
fn the_network_keeps_the_size_and_stays_in_the_image_range() {
    let mut net = SkipNet::<f32>::new(&tiny(3), 0).unwrap();
    let mut g = Graph::new();
    let z = g.constant(code(4, 8, 12, 1));
    let y = net.forward(&mut g, z, Mode::Train).unwrap();
    assert_eq!(g.shape(y), &[1, 3, 8, 12]);
    assert!(g.value(y).data().iter().all(|v| v.abs() < 0.5));
    // Two scales halve the side twice: 10 is not a multiple of 4.
    let mut g = Graph::new();
    let z = g.constant(code(4, 10, 8, 1));
    assert!(matches!(
        net.forward(&mut g, z, Mode::Train),
        Err(Error::InvalidParameter { name: "size", .. })
    ));
    // The paper's network: its parameter count is that of the released code's `skip`
    // with 5 scales of 128, skips of 4 and a code of 32 (2,217,831 for 3 channels out).
    assert_eq!(
        SkipNet::<f32>::new(&SkipSpec::paper(3), 0)
            .unwrap()
            .n_trainable(),
        2_217_831
    );
}

#[test]
fn the_network_gradient_matches_finite_differences() {
    let net = RefCell::new(SkipNet::<f64>::new(&tiny(1), 3).unwrap());
    let z = Tensor::uniform(&[1, 4, 8, 8], 0.0, 1.0, &mut Rng::seed_from_u64(2));
    let err = gradient_check(&[z], |g, v| net.borrow_mut().forward(g, v[0], Mode::Train)).unwrap();
    assert!(err < 1e-6, "worst relative error {err:e}");
}

#[test]
fn the_windowed_variance_is_the_spread_of_the_last_outputs() {
    let mut wmv = WindowedVariance::new(3);
    assert_eq!(wmv.push(1, &[0.0, 0.0]), None);
    assert_eq!(wmv.push(2, &[1.0, 2.0]), None);
    // Mean (1, 2); squared distances 1 + 4, 0, 1 + 4 over 3 outputs of 2 values.
    let (v, lowest) = wmv.push(3, &[2.0, 4.0]).unwrap();
    assert!((v - 10.0 / 6.0).abs() < 1e-12 && lowest);
    // Outputs settle, then drift: the lowest window (all equal) ends at iteration 6.
    for (t, x) in [(4, 2.0), (5, 2.0), (6, 2.0), (7, 3.0), (8, 5.0), (9, 8.0)] {
        wmv.push(t, &[x, x]);
    }
    assert_eq!(wmv.lowest, Some((6, 0.0)));
    assert!(!wmv.should_stop(8, 3) && wmv.should_stop(9, 3));
}

#[test]
fn noise_has_the_stated_level_and_a_mask_hides_what_it_says() {
    let flat = Image::new(128, 128, 1, vec![128; 128 * 128]).unwrap();
    let mut rng = Rng::seed_from_u64(4);
    let noisy = Degradation::Noise { sigma: 25.0 }
        .corrupt(&flat, &mut rng)
        .unwrap();
    let n = noisy.pixels.len() as f64;
    let var = noisy
        .pixels
        .iter()
        .map(|&p| (f64::from(p) - 128.0).powi(2))
        .sum::<f64>()
        / n;
    assert!((var.sqrt() - 25.0).abs() < 0.5, "noise sd {}", var.sqrt());
    assert_eq!(
        Degradation::Noise { sigma: 0.0 }
            .corrupt(&flat, &mut rng)
            .unwrap(),
        flat
    );

    let keep = random_mask(128, 128, 0.5, &mut rng).unwrap();
    assert_eq!(keep.iter().filter(|&&k| !k).count(), 8192);
    let photo = Image::new(
        128,
        128,
        3,
        (0..128 * 128 * 3).map(|i| (i % 200 + 20) as u8).collect(),
    )
    .unwrap();
    let mask = Degradation::Mask { keep: keep.clone() };
    let seen = mask.corrupt(&photo, &mut rng).unwrap();
    for (i, (&s, &p)) in seen.pixels.iter().zip(&photo.pixels).enumerate() {
        assert_eq!(s, if keep[i / 3] { p } else { 0 });
    }
    // On the graph, A(x) = m ⊙ x: hidden entries are zero, kept ones untouched.
    let x = image_tensor(&photo).unwrap();
    let target = mask.target(&x).unwrap();
    for (j, (&t, &v)) in target.data().iter().zip(x.data()).enumerate() {
        assert_eq!(t, if keep[j % (128 * 128)] { v } else { 0.0 });
    }
}

#[test]
fn downsampling_on_the_graph_matches_the_smaller_photo() {
    let photo = unsupervised::datasets::china_rgb().unwrap();
    let d = Degradation::Downsample { factor: 4 };
    let small = d.corrupt(&photo, &mut Rng::seed_from_u64(0)).unwrap();
    let mut g = Graph::new();
    let x = g.constant(image_tensor(&photo).unwrap());
    let ax = d.apply(&mut g, x).unwrap();
    let want = image_tensor(&small).unwrap();
    assert_eq!(g.shape(ax), want.shape());
    // The stored image is rounded to whole levels: at most half a level apart.
    let worst = g
        .value(ax)
        .data()
        .iter()
        .zip(want.data())
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f32::max);
    assert!(worst <= 0.5 / 255.0 + 1e-6, "worst {worst}");
}

#[test]
fn the_text_mask_hides_the_strokes_of_each_letter() {
    // One cell of 6 x 10 pixels holds one letter: I has 3 + 5 + 3 pixels on.
    let keep = text_mask(10, 6, "I", 1).unwrap();
    assert_eq!(keep.iter().filter(|&&k| !k).count(), 11);
    // At scale 2 every stroke pixel becomes 2 x 2; T has 5 + 6 = 11 pixels.
    let keep = text_mask(20, 12, "T", 2).unwrap();
    assert_eq!(keep.iter().filter(|&&k| !k).count(), 44);
    assert!(text_mask(10, 6, "TOO LONG", 1).is_err());
}

#[test]
fn bad_inputs_are_refused_with_what_was_wrong() {
    let photo = smooth();
    let mut rng = Rng::seed_from_u64(0);
    let err = Degradation::Mask {
        keep: vec![true; 100],
    }
    .corrupt(&photo, &mut rng)
    .unwrap_err();
    assert!(err.to_string().contains("16 x 16"), "{err}");
    assert!(Degradation::Noise { sigma: -1.0 }
        .corrupt(&photo, &mut rng)
        .is_err());
    assert!(Degradation::Downsample { factor: 1 }.check().is_err());
    let spec = tiny(1);
    let mut net = SkipNet::new(&spec, 0).unwrap();
    let x = image_tensor(&photo).unwrap();
    let zero = Schedule {
        iterations: 0,
        ..Schedule::default()
    };
    let err = restore(
        &mut net,
        &code(4, 16, 16, 0),
        &x,
        &Degradation::Noise { sigma: 25.0 },
        &zero,
        None,
        0,
    );
    assert!(matches!(
        err,
        Err(Error::InvalidParameter {
            name: "iterations",
            ..
        })
    ));
    let wide = SkipSpec {
        down: vec![4; 11],
        up: vec![4; 11],
        skip: vec![4; 11],
        ..spec
    };
    assert!(SkipNet::<f32>::new(&wide, 0).is_err());
}

#[test]
fn baselines_on_a_flat_image_choose_their_widest_setting() {
    // Nothing but noise to remove: more smoothing is always better.
    let flat = Image::new(32, 32, 1, vec![100; 1024]).unwrap();
    let d = Degradation::Noise { sigma: 20.0 };
    let noisy = d.corrupt(&flat, &mut Rng::seed_from_u64(1)).unwrap();
    let found = baselines(
        &image_tensor(&noisy).unwrap(),
        &d,
        &image_tensor(&flat).unwrap(),
    )
    .unwrap();
    let settings: Vec<(&str, &str)> = found.iter().map(|b| (b.name, b.setting.as_str())).collect();
    assert_eq!(
        settings,
        [
            ("box blur", "9 x 9"),
            ("Gaussian blur", "σ = 3"),
            ("median", "7 x 7")
        ]
    );
    // A ramp is its own median in every symmetric window (mirrored borders included).
    let ramp = Image::new(
        16,
        16,
        1,
        (0..256).map(|i| (10 * (i % 16) + 20) as u8).collect(),
    )
    .unwrap();
    let x = image_tensor(&ramp).unwrap();
    let found = baselines(&x, &d, &x).unwrap();
    let median = &found[2];
    for (i, (&m, &v)) in median.image.data().iter().zip(x.data()).enumerate() {
        if (3..13).contains(&(i % 16)) {
            assert_eq!(m, v, "pixel {i} of the {} median", median.setting);
        }
    }
    // The median filter against a plain sort, at interior pixels of a random image.
    let noise = Tensor::uniform(&[1, 1, 9, 9], -0.5, 0.5, &mut Rng::seed_from_u64(3));
    let filtered = unsupervised::image_prior::baselines::median(&noise, 5).unwrap();
    for (y, x) in [(2, 2), (4, 5), (6, 3)] {
        let mut window: Vec<f32> = (0..25)
            .map(|k| noise.data()[(y + k / 5 - 2) * 9 + x + k % 5 - 2])
            .collect();
        window.sort_by(f32::total_cmp);
        assert_eq!(filtered.data()[y * 9 + x], window[12]);
    }
    let kernel = degrade_gaussian_sum();
    assert!((kernel - 1.0).abs() < 1e-12);
}

fn degrade_gaussian_sum() -> f64 {
    unsupervised::image_prior::baselines::gaussian(1.25)
        .unwrap()
        .weights
        .iter()
        .sum()
}

#[test]
fn the_untrained_network_denoises_a_smooth_image() {
    // Known answer: the clean image. The prior's best output must be much closer to it
    // than the noisy one, and the same seed gives the same run.
    let clean = smooth();
    let d = Degradation::Noise { sigma: 25.0 };
    let noisy = d.corrupt(&clean, &mut Rng::seed_from_u64(7)).unwrap();
    let (x, y) = (image_tensor(&clean).unwrap(), image_tensor(&noisy).unwrap());
    let schedule = Schedule {
        iterations: 300,
        smoothing: 0.9,
        stop: Stop::Variance {
            window: 20,
            patience: 1000,
        },
        learning_rate: 0.02,
        ..Schedule::default()
    };
    let spec = denoiser();
    let run = |seed| {
        let mut net = SkipNet::new(&spec, seed).unwrap();
        restore(
            &mut net,
            &code(8, 16, 16, 1),
            &y,
            &d,
            &schedule,
            Some(&x),
            2,
        )
        .unwrap()
    };
    let (a, b) = (run(5), run(5));
    let losses = |r: &unsupervised::image_prior::Restoration| {
        r.trace.iter().map(|s| s.loss).collect::<Vec<_>>()
    };
    assert_eq!(losses(&a), losses(&b));
    let noisy_psnr = psnr(x.data(), y.data());
    let (_, best, _) = a.best.unwrap();
    assert!(
        best > noisy_psnr + 4.0,
        "noisy {noisy_psnr:.2} dB, best {best:.2} dB"
    );
    // Run on, it fits the noise too: the last output is well below the best.
    let last = a.trace[a.trace.len() - 1].psnr.unwrap();
    assert!(last < best - 2.0, "best {best:.2} dB, last {last:.2} dB");
    // Without corruption the loss is the fit to the image, and it falls far.
    let first = a.trace[0].loss;
    assert!(a.trace.iter().map(|s| s.loss).fold(f64::MAX, f64::min) < first / 10.0);
}

#[test]
fn latent_search_recovers_a_sample_of_the_generator_from_half_its_values() {
    // Known answer: an image the generator can make. With half its values seen, the
    // search must find it again, hidden half included.
    let mut gan = Gan::new(
        Spec {
            tanh: true,
            ..Spec::mlp(3, 24)
        },
        &mut Rng::seed_from_u64(0),
    )
    .unwrap();
    // DCGAN's initial weights (sd 0.02) draw nearly flat images: scale them up so the
    // sample has structure to recover.
    for p in gan.generator.params_mut() {
        if p.name.ends_with("weight") {
            *p.value_mut() = p.value().map(|w| 40.0 * w);
        }
    }
    let truth = gan.generate(1, 11).unwrap();
    assert!(truth.iter().any(|v| v.abs() > 0.3), "{truth:?}");
    let keep: Vec<bool> = (0..24).map(|i| i % 2 == 0).collect();
    let settings = LatentSettings {
        iterations: 400,
        learning_rate: 0.05,
        restarts: 8,
        prior: 0.0,
    };
    // The hidden values are zeroed in what is observed: only the mask can keep the search
    // from fitting them.
    let seen: Vec<f32> = truth
        .iter()
        .zip(&keep)
        .map(|(&v, &k)| if k { v } else { 0.0 })
        .collect();
    let fit = inpaint_latent(&mut gan, &seen, &keep, &settings, 3).unwrap();
    let hidden: f64 = (0..24)
        .filter(|&i| !keep[i])
        .map(|i| f64::from(fit.image[i] - truth[i]).powi(2))
        .sum::<f64>()
        / 12.0;
    assert!(
        fit.loss < 1e-5 && hidden < 1e-4,
        "seen error {:e}, hidden {hidden:e}",
        fit.loss
    );
    assert!(inpaint_latent(&mut gan, &truth[..10], &keep, &settings, 3).is_err());
    let _ = degrade::TEXT;
}

#[test]
fn the_discrepancy_rule_stops_where_the_averaged_loss_reaches_the_noise_level() {
    let clean = smooth();
    let d = Degradation::Noise { sigma: 25.0 };
    let noisy = d.corrupt(&clean, &mut Rng::seed_from_u64(7)).unwrap();
    let y = image_tensor(&noisy).unwrap();
    let spec = denoiser();
    let mut net = SkipNet::new(&spec, 5).unwrap();
    let schedule = Schedule {
        iterations: 400,
        stop: Stop::noise(25.0),
        learning_rate: 0.02,
        smoothing: 0.9,
        ..Schedule::default()
    };
    let run = restore(&mut net, &code(8, 16, 16, 1), &y, &d, &schedule, None, 2).unwrap();
    // Recompute the running mean of the losses from the trace: the rule must stop at the
    // first iteration where it is at most σ² = (25/255)², and not run on past it.
    let level = (25.0f64 / 255.0).powi(2);
    let mut avg = run.trace[0].loss;
    let mut first = None;
    for (i, s) in run.trace.iter().enumerate() {
        if i > 0 {
            avg = 0.9 * avg + 0.1 * s.loss;
        }
        assert!((s.signal.unwrap() - avg).abs() <= 1e-12 * avg);
        if first.is_none() && avg <= level {
            first = Some(i + 1);
        }
    }
    assert_eq!(first, Some(run.stop_iteration));
    assert_eq!((run.fired_at, run.trace.len()), (first, run.stop_iteration));
    assert!(run.stop_iteration > 20, "stopped at {}", run.stop_iteration);
}

#[test]
fn the_code_is_perturbed_afresh_from_the_seed_and_only_then() {
    // The fit's seed drives only the noise added to the code: with no noise, two seeds give
    // the same run; with the paper's 1/30, they give different ones.
    let clean = smooth();
    let d = Degradation::Noise { sigma: 25.0 };
    let y = image_tensor(&d.corrupt(&clean, &mut Rng::seed_from_u64(7)).unwrap()).unwrap();
    let losses = |code_noise: f64, seed: u64| -> Vec<f64> {
        let mut net = SkipNet::new(&denoiser(), 5).unwrap();
        let schedule = Schedule {
            iterations: 5,
            code_noise,
            ..Schedule::default()
        };
        let run = restore(&mut net, &code(8, 16, 16, 1), &y, &d, &schedule, None, seed).unwrap();
        run.trace.iter().map(|s| s.loss).collect()
    };
    assert_eq!(losses(0.0, 1), losses(0.0, 2));
    assert_ne!(losses(1.0 / 30.0, 1), losses(1.0 / 30.0, 2));
    assert_eq!(losses(1.0 / 30.0, 1), losses(1.0 / 30.0, 1));
}
