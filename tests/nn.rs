//! Chapter 11: layers against their closed forms and finite differences, each optimiser's
//! update rule, the training loop's guarantees, saving and loading, and a small network that
//! learns the digits.

mod common;

use unsupervised::autodiff::{Conv2dSpec, Graph, Parameter, Tensor};
use unsupervised::linalg::Exec;
use unsupervised::nn::classify::{self, Images, Recipe};
use unsupervised::nn::optim::{clip_grad_norm, clip_weights};
use unsupervised::nn::train::Trainer;
use unsupervised::nn::{
    io, Activation, Adam, BatchNorm, Conv2d, Dropout, Init, Layer, Linear, MaxPool2d, Mode,
    Optimizer, Reshape, RmsProp, Sequential, Sgd,
};
use unsupervised::{datasets, Error, Rng};

/// A small network with every kind of layer, in f64.
fn small_net(rng: &mut Rng) -> Sequential<f64> {
    Sequential::new()
        .push(Reshape(vec![1, 4, 4]))
        .push(Conv2d::new(
            1,
            2,
            3,
            Conv2dSpec::default().padding(1),
            Init::He,
            rng,
        ))
        .push(BatchNorm::new(2))
        .push(Activation::Tanh)
        .push(MaxPool2d(2))
        .push(Reshape(vec![]))
        .push(Linear::new(8, 3, Init::Glorot, rng))
}

fn loss_of(
    net: &mut Sequential<f64>,
    x: &Tensor<f64>,
    labels: &[usize],
) -> (f64, unsupervised::autodiff::Gradients<f64>) {
    let mut g = Graph::new();
    let xv = g.constant(x.clone());
    let y = net.forward(&mut g, xv, Mode::Train).unwrap();
    let l = g.cross_entropy_with_logits(y, labels).unwrap();
    let v = g.value(l).item().unwrap();
    (v, g.backward(l).unwrap())
}

#[test]
fn a_network_parameter_gradients_match_finite_differences() {
    let mut rng = Rng::seed_from_u64(1);
    let mut net = small_net(&mut rng);
    let x = Tensor::uniform(&[5, 16], -1.0, 1.0, &mut rng);
    let labels = [0, 2, 1, 1, 0];
    let (_, grads) = loss_of(&mut net, &x, &labels);
    let n_params = net.params().len();
    let mut checked = 0;
    for k in 0..n_params {
        if net.params()[k].is_statistic() {
            continue;
        }
        let analytic = grads.param(net.params()[k]).unwrap().clone();
        for j in 0..analytic.len() {
            let mut at = |delta: f64| {
                let v = net.params_mut()[k].value_mut().data_mut()[j];
                net.params_mut()[k].value_mut().data_mut()[j] = v + delta;
                let (l, _) = loss_of(&mut net, &x, &labels);
                net.params_mut()[k].value_mut().data_mut()[j] = v;
                l
            };
            let numeric = (at(1e-6) - at(-1e-6)) / 2e-6;
            // Central differences with h = 1e-6 in f64 (see tests/autodiff.rs).
            assert!(
                (analytic.data()[j] - numeric).abs() <= 1e-6 * (1.0 + numeric.abs()),
                "{} entry {j}: {} vs {numeric}",
                net.params()[k].name,
                analytic.data()[j]
            );
            checked += 1;
        }
    }
    assert_eq!(checked, net.n_trainable());
}

#[test]
fn parameter_names_carry_the_layer_index() {
    let net = small_net(&mut Rng::seed_from_u64(2));
    let names: Vec<&str> = net.params().iter().map(|p| p.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "1.weight",
            "1.bias",
            "2.gamma",
            "2.beta",
            "2.running_mean",
            "2.running_var",
            "6.weight",
            "6.bias"
        ]
    );
}

#[test]
fn initialisations_have_their_stated_variance() {
    let mut rng = Rng::seed_from_u64(3);
    let (fan_in, fan_out) = (400, 200);
    let var = |t: &Tensor<f64>| t.data().iter().map(|v| v * v).sum::<f64>() / t.len() as f64;
    let he: Tensor<f64> = Init::He.sample(&[fan_in, fan_out], fan_in, fan_out, &mut rng);
    let glorot: Tensor<f64> = Init::Glorot.sample(&[fan_in, fan_out], fan_in, fan_out, &mut rng);
    // 80,000 draws: the sample variance is within 2% of the truth with overwhelming odds.
    assert!((var(&he) / (2.0 / fan_in as f64) - 1.0).abs() < 0.02);
    assert!((var(&glorot) / (2.0 / (fan_in + fan_out) as f64) - 1.0).abs() < 0.02);
}

#[test]
fn batch_norm_normalises_in_training_and_uses_running_statistics_in_evaluation() {
    let mut bn = BatchNorm::<f64>::new(2);
    let x = Tensor::new(&[4, 2], vec![1.0, 10.0, 2.0, 20.0, 3.0, 30.0, 4.0, 40.0]).unwrap();
    let mut g = Graph::new();
    let xv = g.constant(x.clone());
    let y = bn.forward(&mut g, xv, Mode::Train).unwrap();
    for ch in 0..2 {
        let col: Vec<f64> = g
            .value(y)
            .data()
            .iter()
            .skip(ch)
            .step_by(2)
            .copied()
            .collect();
        let mean = col.iter().sum::<f64>() / 4.0;
        let var = col.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / 4.0;
        assert!(
            mean.abs() < 1e-12 && (var - 1.0).abs() < 1e-4,
            "channel {ch}: {mean} {var}"
        );
    }
    // Running mean moved 10% of the way to the batch mean (2.5 and 25); running variance
    // towards the unbiased batch variance (5/3 and 500/3).
    common::assert_close(bn.running_mean.value().data(), &[0.25, 2.5], 1e-12, 1e-12);
    common::assert_close(
        bn.running_var.value().data(),
        &[0.9 + 0.1 * 5.0 / 3.0, 0.9 + 0.1 * 500.0 / 3.0],
        1e-12,
        1e-12,
    );
    // Evaluation: y = (x - running mean) / √(running var + ε) with γ = 1, β = 0.
    let y = bn.forward(&mut g, xv, Mode::Eval).unwrap();
    let expected: Vec<f64> = x
        .data()
        .iter()
        .enumerate()
        .map(|(i, &v)| {
            let ch = i % 2;
            (v - bn.running_mean.value().data()[ch])
                / (bn.running_var.value().data()[ch] + 1e-5).sqrt()
        })
        .collect();
    common::assert_close(g.value(y).data(), &expected, 1e-12, 1e-12);
}

#[test]
fn dropout_zeroes_about_p_in_training_and_nothing_in_evaluation() {
    let mut d = Dropout::new(0.3, 7).unwrap();
    let mut g = Graph::<f64>::new();
    let x = g.constant(Tensor::full(&[100, 100], 1.0));
    let y = Layer::forward(&mut d, &mut g, x, Mode::Train).unwrap();
    let zeros = g.value(y).data().iter().filter(|&&v| v == 0.0).count() as f64 / 1e4;
    // 10,000 Bernoulli(0.3) draws: sd 0.0046, so ±0.02 is over four sd.
    assert!((zeros - 0.3).abs() < 0.02, "{zeros}");
    assert!(g
        .value(y)
        .data()
        .iter()
        .all(|&v| v == 0.0 || (v - 1.0 / 0.7).abs() < 1e-12));
    let z = Layer::forward(&mut d, &mut g, x, Mode::Eval).unwrap();
    assert_eq!(z, x);
    assert!(Dropout::new(1.0, 0).is_err());
}

/// One parameter `w` and a fixed gradient `g`, for checking update rules by hand.
fn one_step(opt: &mut dyn Optimizer<f64>, w: &mut Parameter<f64>, grad: f64) {
    let mut g = Graph::new();
    let wv = g.param(w);
    let l = g.mul_scalar(wv, grad);
    let l = g.sum(l);
    let grads = g.backward(l).unwrap();
    opt.step(vec![w], &grads);
}

#[test]
fn optimisers_follow_their_update_rules() {
    let p = || Parameter::new("w", Tensor::full(&[1], 1.0));
    let w_of = |p: &Parameter<f64>| p.value().data()[0];
    // SGD with momentum 0.9: v = g, w = 1 - 0.1·2; then v = 0.9·2 + 2, w -= 0.1·3.8.
    let (mut w, mut sgd) = (p(), Sgd::new(0.1).unwrap().momentum(0.9, false).unwrap());
    one_step(&mut sgd, &mut w, 2.0);
    assert!((w_of(&w) - 0.8).abs() < 1e-15);
    one_step(&mut sgd, &mut w, 2.0);
    assert!((w_of(&w) - (0.8 - 0.38)).abs() < 1e-15);
    // Nesterov: the first step is g + μ v = 2 + 0.9·2.
    let (mut w, mut nag) = (p(), Sgd::new(0.1).unwrap().momentum(0.9, true).unwrap());
    one_step(&mut nag, &mut w, 2.0);
    assert!((w_of(&w) - (1.0 - 0.38)).abs() < 1e-15);
    // Weight decay 0.5 adds 0.5·w to the gradient.
    let (mut w, mut wd) = (p(), Sgd::new(0.1).unwrap().weight_decay(0.5).unwrap());
    one_step(&mut wd, &mut w, 2.0);
    assert!((w_of(&w) - (1.0 - 0.1 * 2.5)).abs() < 1e-15);
    // RMSProp's first step: s = 0.01 g², so the step is η/√0.01 = 10 η whatever g is.
    let (mut w, mut rms) = (p(), RmsProp::new(0.01).unwrap());
    one_step(&mut rms, &mut w, 3.0);
    assert!((w_of(&w) - (1.0 - 0.1)).abs() < 1e-7);
    // Adam's bias correction makes every early step η·sign(g) for a constant gradient.
    let (mut w, mut adam) = (p(), Adam::new(0.01).unwrap());
    for step in 1..=3 {
        one_step(&mut adam, &mut w, -5.0);
        assert!(
            (w_of(&w) - (1.0 + 0.01 * step as f64)).abs() < 1e-9,
            "step {step}: {}",
            w_of(&w)
        );
    }
}

#[test]
fn adam_finds_the_minimum_of_a_quadratic() {
    // f(w) = ‖A w - b‖² with a well-conditioned A: the minimiser solves A w = b.
    let a = Tensor::new(&[2, 2], vec![2.0, 1.0, 1.0, 3.0]).unwrap();
    let b = Tensor::new(&[2, 1], vec![1.0, -1.0]).unwrap();
    let mut w = Parameter::new("w", Tensor::zeros(&[2, 1]));
    let mut adam = Adam::new(0.05).unwrap();
    for _ in 0..3000 {
        let mut g = Graph::new();
        let (av, bv, wv) = (g.constant(a.clone()), g.constant(b.clone()), g.param(&w));
        let aw = g.matmul(av, wv).unwrap();
        let l = g.mse(aw, bv).unwrap();
        let grads = g.backward(l).unwrap();
        adam.step(vec![&mut w], &grads);
    }
    // A⁻¹ b = (4, -3)/5
    common::assert_close(w.value().data(), &[0.8, -0.6], 0.0, 1e-6);
}

#[test]
fn clipping_bounds_the_gradient_norm_and_the_weights() {
    let mut w = Parameter::new("w", Tensor::new(&[3], vec![3.0, -4.0, 0.5]).unwrap());
    let mut g = Graph::new();
    let wv = g.param(&w);
    let sq = g.square(wv);
    let l = g.sum(sq);
    let mut grads = g.backward(l).unwrap();
    let before = clip_grad_norm(&mut grads, 1.0).unwrap();
    let expected = (36.0f64 + 64.0 + 1.0).sqrt();
    assert!((before - expected).abs() < 1e-12);
    let after: f64 = grads
        .param(&w)
        .unwrap()
        .data()
        .iter()
        .map(|v| v * v)
        .sum::<f64>()
        .sqrt();
    assert!((after - 1.0).abs() < 1e-12);
    clip_weights(vec![&mut w], 1.0).unwrap();
    assert_eq!(w.value().data(), &[1.0, -1.0, 0.5]);
    assert!(clip_grad_norm(&mut grads, 0.0).is_err());
    assert!(clip_weights(vec![&mut w], -1.0).is_err());
}

#[test]
fn bad_hyperparameters_are_errors() {
    assert!(matches!(
        Adam::<f32>::new(0.0),
        Err(Error::InvalidParameter {
            name: "learning_rate",
            ..
        })
    ));
    assert!(Sgd::<f32>::new(-1.0).is_err());
    assert!(RmsProp::<f32>::new(f64::NAN).is_err());
    assert!(Adam::<f32>::new(1e-3).unwrap().betas(1.0, 0.9).is_err());
    assert!(matches!(
        Trainer::new(1, 0),
        Err(Error::InvalidParameter {
            name: "batch_size",
            ..
        })
    ));
    let t = Trainer::new(1, 4).unwrap();
    assert!(matches!(
        t.run(0, &mut (), |_, _| Ok(0.0), |_, _, _| Ok(())),
        Err(Error::Empty { .. })
    ));
}

/// The error of three epochs of four minibatches (35 samples, batches of 10) whose losses
/// are `losses`, one per step.
fn training_error(losses: &[f64]) -> Error {
    let mut calls = 0;
    Trainer::new(3, 10)
        .unwrap()
        .run(
            35,
            &mut calls,
            |calls, _| {
                *calls += 1;
                Ok(losses[*calls - 1])
            },
            |_, _, _| Ok(()),
        )
        .unwrap_err()
}

#[test]
fn training_stops_with_an_error_naming_the_step_where_the_loss_became_nan() {
    let e = training_error(&[1.0, 1.0, 1.0, 1.0, 1.0, f64::NAN, 1.0]);
    assert_eq!(
        e.to_string(),
        Error::Diverged {
            what: "training loss (epoch 2)".into(),
            iteration: 6,
            value: f64::NAN
        }
        .to_string()
    );
}

#[test]
fn a_finite_loss_that_blows_up_stops_training_with_the_epoch_and_step() {
    // Losses 1, 1, ... then 9,000 (under the DIVERGED = 1e4 factor: a bad step, not yet a
    // divergence), then 20,000 at step 7: 2e4 times the first loss.
    let e = training_error(&[1.0, 1.0, 1.0, 1.0, 9e3, 1.0, 2e4, 1.0]);
    assert_eq!(
        e.to_string(),
        "training loss (epoch 2) diverged: it reached 2e4 at iteration 7 (try a smaller learning rate)"
    );
    assert!(Trainer::new(unsupervised::nn::train::MAX_EPOCHS + 1, 10).is_err());
    assert!(Trainer::new(1, 0).is_err());
}

#[test]
fn the_training_loop_visits_every_sample_once_per_epoch_in_a_seeded_order() {
    let order_of = |seed| {
        let t = Trainer::new(2, 4).unwrap().seed(seed);
        let mut seen = Vec::new();
        let r = t
            .run(
                10,
                &mut seen,
                |seen, b| {
                    seen.extend_from_slice(b);
                    Ok(b.len() as f64)
                },
                |_, _, _| Ok(()),
            )
            .unwrap();
        // Mean of per-batch losses weighted by batch size: (4·4 + 4·4 + 2·2) / 10.
        assert_eq!(r.epoch_losses, vec![3.6, 3.6]);
        seen
    };
    let a = order_of(1);
    assert_eq!(a, order_of(1));
    assert_ne!(a, order_of(2));
    for epoch in a.chunks(10) {
        let mut e = epoch.to_vec();
        e.sort();
        assert_eq!(e, (0..10).collect::<Vec<_>>());
    }
}

#[test]
fn a_model_saved_and_loaded_predicts_the_same() {
    let mut rng = Rng::seed_from_u64(4);
    let mut net = small_net(&mut rng);
    let x = Tensor::uniform(&[3, 16], -1.0, 1.0, &mut rng);
    let _ = loss_of(&mut net, &x, &[0, 1, 2]); // moves the running statistics
    let dir = std::env::temp_dir().join(format!("unsupervised-nn-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("model.bin");
    io::save(&net, &path).unwrap();
    assert!(
        !dir.join("model.bin.tmp").exists(),
        "the temporary file is renamed away"
    );
    let mut other = small_net(&mut Rng::seed_from_u64(5));
    assert_ne!(
        other.predict(x.clone()).unwrap(),
        net.predict(x.clone()).unwrap()
    );
    io::load(&mut other, &path).unwrap();
    assert_eq!(
        other.predict(x.clone()).unwrap(),
        net.predict(x.clone()).unwrap()
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn truncated_corrupted_or_foreign_model_files_are_refused() {
    let mut rng = Rng::seed_from_u64(6);
    let net = small_net(&mut rng);
    let bytes = io::to_bytes(&net);
    let mut target = small_net(&mut rng);
    let before = target.predict(Tensor::zeros(&[1, 16])).unwrap();
    for cut in [0, 5, 30, bytes.len() - 1] {
        let e = io::from_bytes(&mut target, &bytes[..cut], "m.bin").unwrap_err();
        assert!(matches!(e, Error::Parse { .. }), "cut at {cut}: {e}");
    }
    let mut flipped = bytes.clone();
    flipped[100] ^= 1;
    let e = io::from_bytes(&mut target, &flipped, "m.bin").unwrap_err();
    assert!(e.to_string().contains("checksum"), "{e}");
    // Another architecture: a wider last layer.
    let mut wide = Sequential::<f64>::new()
        .push(Reshape(vec![1, 4, 4]))
        .push(Conv2d::new(
            1,
            2,
            3,
            Conv2dSpec::default().padding(1),
            Init::He,
            &mut rng,
        ))
        .push(BatchNorm::new(2))
        .push(Activation::Tanh)
        .push(MaxPool2d(2))
        .push(Reshape(vec![]))
        .push(Linear::new(8, 4, Init::Glorot, &mut rng));
    let e = io::from_bytes(&mut wide, &bytes, "m.bin").unwrap_err();
    assert!(
        e.to_string()
            .contains("6.weight has shape [8, 3] in the file and [8, 4] in the model"),
        "{e}"
    );
    let mut f32_net = Sequential::<f32>::new().push(Linear::new(2, 2, Init::He, &mut rng));
    assert!(io::from_bytes(&mut f32_net, &bytes, "m.bin").is_err());
    // A NaN parameter with a valid checksum (a model saved after it diverged, say) is refused
    // at its byte offset: the last value of the last tensor.
    let body = bytes.len() - 8;
    let mut poisoned = bytes[..body].to_vec();
    poisoned[body - 8..].copy_from_slice(&f64::NAN.to_le_bytes());
    let sum = poisoned.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    poisoned.extend_from_slice(&sum.to_le_bytes());
    let e = io::from_bytes(&mut target, &poisoned, "m.bin")
        .unwrap_err()
        .to_string();
    assert!(
        e.starts_with(&format!("m.bin: byte {}: ", body - 8)) && e.contains("is NaN"),
        "{e}"
    );
    // A refused file leaves the model as it was.
    assert_eq!(target.predict(Tensor::zeros(&[1, 16])).unwrap(), before);
    assert!(matches!(
        io::load(&mut target, std::path::Path::new("/no/such/model.bin")),
        Err(Error::Io { .. })
    ));
}

#[test]
fn freezing_a_network_stops_its_gradients() {
    let mut rng = Rng::seed_from_u64(8);
    let mut net = small_net(&mut rng);
    let x = Tensor::uniform(&[2, 16], -1.0, 1.0, &mut rng);
    net.set_frozen(true);
    let mut g = Graph::new();
    let xv = g.variable(x);
    let y = net.forward(&mut g, xv, Mode::Train).unwrap();
    let l = g.sum(y);
    let grads = g.backward(l).unwrap();
    assert!(net.params().iter().all(|p| grads.param(p).is_none()));
    // The input still gets its gradient through the frozen network (the generator's step).
    assert!(grads.wrt(xv).unwrap().data().iter().any(|&v| v != 0.0));
    net.set_frozen(false);
    assert!(net
        .params()
        .iter()
        .filter(|p| p.is_frozen())
        .all(|p| p.is_statistic()));
}

#[test]
fn convolution_results_do_not_depend_on_the_thread_count() {
    // Nine small images (threads take groups of images) and one large one (threads split
    // the group's products and copies: chapter 15's single optimised image).
    for (xs, ws) in [
        ([9, 3, 10, 10], [8, 3, 3, 3]),
        ([1, 3, 96, 96], [32, 3, 9, 9]),
    ] {
        same_convolution_on_any_thread_count(&xs, &ws);
    }
}

fn same_convolution_on_any_thread_count(xs: &[usize], ws: &[usize]) {
    let mut rng = Rng::seed_from_u64(9);
    let x = Tensor::<f32>::uniform(xs, -1.0, 1.0, &mut rng);
    let w = Tensor::<f32>::uniform(ws, -1.0, 1.0, &mut rng);
    let run = |threads| {
        let mut g = Graph::with_exec(Exec::default().with_threads(threads));
        let (xv, wv) = (g.variable(x.clone()), g.variable(w.clone()));
        let y = g
            .conv2d(xv, wv, None, Conv2dSpec::default().padding(1))
            .unwrap();
        let t = g.tanh(y);
        let l = g.sum(t);
        let v = g.value(y).clone();
        let d = g.backward(l).unwrap();
        (v, d.wrt(xv).unwrap().clone(), d.wrt(wv).unwrap().clone())
    };
    let one = run(1);
    for threads in [2, 3] {
        assert_eq!(run(threads), one, "{threads} threads");
    }
}

#[test]
fn a_large_image_done_in_blocks_of_rows_matches_the_same_image_in_a_batch() {
    // One 8 x 128 x 128 image with 7 x 7 filters has a 392 x 16,384 column matrix, built in
    // blocks of output rows; in a batch of two the same image is done in one piece.
    let mut rng = Rng::seed_from_u64(12);
    let x = Tensor::<f64>::uniform(&[1, 8, 128, 128], -1.0, 1.0, &mut rng);
    let w = Tensor::<f64>::uniform(&[4, 8, 7, 7], -0.2, 0.2, &mut rng);
    let run = |x: Tensor<f64>| {
        let mut g = Graph::new();
        let (xv, wv) = (g.variable(x), g.variable(w.clone()));
        let y = g
            .conv2d(xv, wv, None, Conv2dSpec::default().padding(3))
            .unwrap();
        let l = g.square(y);
        let l = g.sum(l);
        let v = g.value(y).data().to_vec();
        let d = g.backward(l).unwrap();
        (
            v,
            d.wrt(xv).unwrap().data().to_vec(),
            d.wrt(wv).unwrap().data().to_vec(),
        )
    };
    let (y1, dx1, dw1) = run(x.clone());
    let pair = Tensor::new(&[2, 8, 128, 128], [x.data(), x.data()].concat()).unwrap();
    let (y2, dx2, dw2) = run(pair);
    assert_eq!(y1[..], y2[..y1.len()], "the forward pass");
    // The gradients add the blocks' contributions in another order: equal to rounding.
    for (a, b) in dx1.iter().zip(&dx2) {
        assert!(
            (a - b).abs() <= 1e-12 * b.abs().max(1.0),
            "input gradient {a} vs {b}"
        );
    }
    for (a, b) in dw1.iter().zip(&dw2) {
        // The pair's weight gradient is twice the image's.
        assert!(
            (2.0 * a - b).abs() <= 1e-12 * b.abs().max(1.0),
            "weight gradient {a} vs {b}"
        );
    }
}

#[test]
fn an_mlp_learns_the_digits() {
    // 8 x 8 digits, 80/20 split, the MLP with Adam at 3e-3 for 25 epochs (about a second).
    let d = datasets::digits().unwrap();
    let pixels: Vec<f32> = d.x.as_slice().iter().map(|&v| (v / 16.0) as f32).collect();
    let labels = d.labels.unwrap();
    let n = labels.len() * 4 / 5;
    let train = Images {
        pixels: &pixels[..n * 64],
        labels: &labels[..n],
        side: 8,
    };
    let test = Images {
        pixels: &pixels[n * 64..],
        labels: &labels[n..],
        side: 8,
    };
    let mut net = classify::mlp(64, 0.0, &mut Rng::seed_from_u64(0)).unwrap();
    let recipe = Recipe {
        epochs: 25,
        learning_rate: 3e-3,
        ..Recipe::plain()
    };
    let report = classify::train_classifier(&mut net, &train, &test, &recipe).unwrap();
    let acc = *report.test_accuracy.last().unwrap();
    assert!(acc >= 0.92, "test accuracy {acc}");
    assert!(report.train.epoch_losses.last().unwrap() < &0.05);
    // Bad input: labels beyond 9, pixels that do not fill the images.
    let bad = Images {
        pixels: &pixels[..64],
        labels: &[10],
        side: 8,
    };
    assert!(classify::train_classifier(&mut net, &bad, &test, &recipe).is_err());
    let short = Images {
        pixels: &pixels[..10],
        labels: &labels[..1],
        side: 8,
    };
    assert!(classify::accuracy(&mut net, &short).is_err());
}

#[test]
fn a_transposed_convolution_layer_doubles_height_and_width() {
    // k = 4, stride 2, padding 1: the DCGAN generator's upsampling step.
    let mut rng = Rng::seed_from_u64(10);
    let mut up = Conv2d::<f64>::transposed(
        3,
        5,
        4,
        Conv2dSpec::default().stride(2).padding(1),
        Init::He,
        &mut rng,
    );
    assert_eq!(up.weight.value().shape(), &[3, 5, 4, 4]);
    let mut g = Graph::new();
    let x = g.constant(Tensor::uniform(&[2, 3, 7, 6], -1.0, 1.0, &mut rng));
    let y = up.forward(&mut g, x, Mode::Train).unwrap();
    assert_eq!(g.shape(y), &[2, 5, 14, 12]);
}

#[test]
fn images_split_at_keeps_pixels_with_their_labels() {
    use unsupervised::nn::classify::Images;
    let pixels: Vec<f32> = (0..12).map(|v| v as f32).collect(); // three 2 x 2 images
    let labels = [7, 8, 9];
    let all = Images {
        pixels: &pixels,
        labels: &labels,
        side: 2,
    };
    let (train, test) = all.split_at(2);
    assert_eq!((train.labels, test.labels), (&[7, 8][..], &[9][..]));
    assert_eq!(test.pixels, &[8.0, 9.0, 10.0, 11.0]);
    let (train, test) = all.split_at(10);
    assert_eq!((train.len(), test.len(), train.pixels.len()), (3, 0, 12));
}

/// FNV-1a, the model format's checksum, so mutated files get past it and reach the parser.
fn with_checksum(mut body: Vec<u8>) -> Vec<u8> {
    let sum = body.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    body.extend_from_slice(&sum.to_le_bytes());
    body
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]

    /// Damaged model files (bytes flipped, the file cut or grown, the checksum made to
    /// match so the parser itself is exercised) are refused or loaded, never a panic; a
    /// file that loads leaves only finite parameters.
    #[test]
    fn damaged_model_files_never_panic(
        flips in proptest::collection::vec((0.0f64..1.0, proptest::prelude::any::<u8>()), 0..8),
        cut in 0.0f64..1.2,
        fix_checksum in proptest::prelude::any::<bool>(),
    ) {
        let mut rng = Rng::seed_from_u64(8);
        let net = small_net(&mut rng);
        let bytes = io::to_bytes(&net);
        let mut body = bytes[..bytes.len() - 8].to_vec();
        for (pos, value) in flips {
            let at = (pos * body.len() as f64) as usize;
            if let Some(b) = body.get_mut(at) {
                *b = value;
            }
        }
        let len = ((cut * body.len() as f64) as usize).min(body.len() + 16);
        body.resize(len, 0xff);
        let file = if fix_checksum { with_checksum(body) } else { body };
        let mut target = small_net(&mut rng);
        if io::from_bytes(&mut target, &file, "m.bin").is_ok() {
            let out = target.predict(Tensor::zeros(&[1, 16])).unwrap();
            proptest::prop_assert!(out.data().iter().all(|v| v.is_finite()));
        }
    }
}

#[test]
fn an_epochs_loss_is_the_sample_weighted_mean_of_its_steps() {
    // 35 samples in batches of 10, 10, 10, 5 with mean losses 1, 2, 3, 4: the epoch's mean
    // over samples is (10 + 20 + 30 + 20) / 35, not the mean of the four steps.
    let mut calls = 0;
    let report = Trainer::new(1, 10)
        .unwrap()
        .run(
            35,
            &mut calls,
            |calls, batch| {
                *calls += 1;
                assert_eq!(batch.len(), if *calls == 4 { 5 } else { 10 });
                Ok(*calls as f64)
            },
            |_, _, _| Ok(()),
        )
        .unwrap();
    assert_eq!(report.epoch_losses, vec![80.0 / 35.0]);
}

#[test]
fn he_initialisation_of_a_convolution_uses_its_full_fan_in() {
    // He: weights ~ N(0, 2 / fan_in), fan_in = input channels x kernel height x width =
    // 16 x 3 x 3. 32 x 144 = 4608 weights estimate the variance to about 2%.
    let mut rng = Rng::seed_from_u64(21);
    let conv = Conv2d::<f64>::new(16, 32, 3, Conv2dSpec::default(), Init::He, &mut rng);
    let w = conv.params()[0].value().data().to_vec();
    let var = w.iter().map(|v| v * v).sum::<f64>() / w.len() as f64;
    let expected = 2.0 / (16.0 * 9.0);
    assert!((var / expected - 1.0).abs() < 0.1, "{var} vs {expected}");
}
