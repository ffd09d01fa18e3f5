//! Chapter 12: the linear autoencoder finds PCA's subspace (untied and tied), the sparsity
//! penalty pulls the mean activation to ρ, corruption does what it says, the compression
//! network beats nothing it should not, and bad input is refused by name.

use unsupervised::autodiff::{Graph, Tensor};
use unsupervised::autoencoder::{
    self, Architecture, Autoencoder, Noise, Recipe, Sparsity, MAX_LATENT,
};
use unsupervised::eigen::svd::principal_angles;
use unsupervised::linalg::Matrix;
use unsupervised::nn::{io, Layer, Mode};
use unsupervised::pca::Pca;
use unsupervised::{datasets, Error, Rng};

/// 300 points in 8 dimensions, standard deviations 3, 2, 1, 0.5, … along a random rotation,
/// shifted away from the origin: a clear gap after the second principal direction.
fn gapped_data(seed: u64) -> Vec<f32> {
    let mut rng = Rng::seed_from_u64(seed);
    let d = 8;
    let sd = [3.0, 2.0, 0.5, 0.3, 0.2, 0.1, 0.1, 0.05];
    let q = unsupervised::eigen::svd::svd(&Matrix::from_fn(d, d, |_, _| rng.normal()))
        .unwrap()
        .u;
    (0..300)
        .flat_map(|_| {
            let s: Vec<f64> = sd.iter().map(|&v| v * rng.normal()).collect();
            (0..d)
                .map(|i| (1.0 + (0..d).map(|k| q[(i, k)] * s[k]).sum::<f64>()) as f32)
                .collect::<Vec<_>>()
        })
        .collect()
}

fn as_matrix(v: &[f32], width: usize) -> Matrix<f64> {
    Matrix::new(
        v.len() / width,
        width,
        v.iter().map(|&x| f64::from(x)).collect(),
    )
    .unwrap()
}

/// The principal angles between the decoder's rows and the top-2 PCA loadings, after
/// full-batch Adam on the gapped data.
fn angles_after_training(tied: bool) -> (Vec<f64>, f64, f64) {
    let x = gapped_data(1);
    let mut model = Autoencoder::new(
        Architecture::Linear { latent: 2, tied },
        8,
        &mut Rng::seed_from_u64(2),
    )
    .unwrap();
    let recipe = Recipe {
        epochs: 3000,
        batch_size: 300,
        learning_rate: 0.01,
        ..Recipe::default()
    };
    let report = autoencoder::train(&mut model, &x, &x, &recipe).unwrap();
    let pca = Pca::new().n_components(2).fit(&as_matrix(&x, 8)).unwrap();
    let w = model.decoder_weight().unwrap(); // (2, 8): rows span the decoder's image
    let angles = principal_angles(
        &as_matrix(w.data(), 8).transpose(),
        &pca.components.transpose(),
    )
    .unwrap();
    let pca_mse = pca.reconstruction_error(&as_matrix(&x, 8)).unwrap();
    (angles, *report.test_mse.last().unwrap(), pca_mse)
}

#[test]
fn a_linear_autoencoder_spans_the_principal_subspace() {
    // Baldi and Hornik (1989): every minimum of the linear autoencoder's squared error
    // has the decoder spanning the top-k principal subspace; it need not be orthonormal.
    let (angles, mse, pca_mse) = angles_after_training(false);
    assert!(
        angles.iter().all(|&a| a < 1e-2),
        "principal angles {angles:?}"
    );
    // Eckart–Young: no rank-2 reconstruction beats PCA's; training reaches it.
    assert!(mse >= pca_mse * (1.0 - 1e-4), "{mse} below PCA's {pca_mse}");
    assert!(mse <= pca_mse * 1.01, "{mse} against PCA's {pca_mse}");
}

#[test]
fn a_tied_linear_autoencoder_spans_it_too() {
    let (angles, mse, pca_mse) = angles_after_training(true);
    assert!(
        angles.iter().all(|&a| a < 1e-2),
        "principal angles {angles:?}"
    );
    assert!(mse <= pca_mse * 1.01, "{mse} against PCA's {pca_mse}");
}

#[test]
fn principal_angles_of_known_planes() {
    // The x-y plane against the plane through x and (0, cos θ, sin θ): angles 0 and θ.
    let theta: f64 = 0.3;
    let a = Matrix::new(3, 2, vec![1.0, 0.0, 0.0, 1.0, 0.0, 0.0]).unwrap();
    let b = Matrix::new(3, 2, vec![2.0, 0.0, 0.0, theta.cos(), 0.0, theta.sin()]).unwrap();
    let angles = principal_angles(&a, &b).unwrap();
    assert!(
        angles[0].abs() < 1e-7 && (angles[1] - theta).abs() < 1e-12,
        "{angles:?}"
    );
}

#[test]
fn tied_weights_decode_with_the_encoder_transpose() {
    let mut model = Autoencoder::new(
        Architecture::Linear {
            latent: 3,
            tied: true,
        },
        5,
        &mut Rng::seed_from_u64(4),
    )
    .unwrap();
    // One weight matrix and two biases: 5·3 + 3 + 5 numbers.
    let count: usize = model.params().iter().map(|p| p.value().len()).sum();
    assert_eq!(count, 15 + 3 + 5);
    let x: Vec<f32> = (0..10).map(|i| i as f32 / 10.0).collect();
    let z = model.codes(&x).unwrap();
    let w = model.params()[0].value().clone(); // (5, 3)
                                               // Biases start at zero: x̂ = z Wᵀ.
    let expected: Vec<f32> = (0..2)
        .flat_map(|r| {
            let (z, w) = (&z, &w);
            (0..5).map(move |i| (0..3).map(|j| z[r * 3 + j] * w.data()[i * 3 + j]).sum())
        })
        .collect();
    let got = model.reconstruct(&x).unwrap();
    for (a, b) in got.iter().zip(&expected) {
        assert!((a - b).abs() < 1e-6, "{got:?} vs {expected:?}");
    }
}

#[test]
fn the_sparsity_penalty_brings_the_mean_activation_to_rho() {
    let d = datasets::mnist().unwrap();
    let x: Vec<f32> = d.x.as_slice()[..2000 * 784]
        .iter()
        .map(|&v| v as f32)
        .collect();
    let activation = |beta| {
        let mut model = Autoencoder::new(
            Architecture::Sparse { code: 32 },
            784,
            &mut Rng::seed_from_u64(0),
        )
        .unwrap();
        let recipe = Recipe {
            epochs: 10,
            learning_rate: 0.01,
            sparsity: Some(Sparsity { rho: 0.05, beta }),
            ..Recipe::default()
        };
        autoencoder::train(&mut model, &x, &x[..784 * 200], &recipe).unwrap();
        let codes = model.codes(&x).unwrap();
        codes.iter().map(|&c| f64::from(c)).sum::<f64>() / codes.len() as f64
    };
    let (free, penalised) = (activation(0.0), activation(0.1));
    assert!(
        (penalised - 0.05).abs() < 0.015,
        "mean activation {penalised} with β = 0.1"
    );
    assert!(free > 0.15, "mean activation {free} without the penalty");
}

#[test]
fn the_compression_network_learns_mnist() {
    // 3 epochs on 2,000 digits: from the untrained network's error (a grey blur) to less
    // than half of it, and to within reach of PCA with 32 components.
    let d = datasets::mnist().unwrap();
    let x: Vec<f32> = d.x.as_slice()[..2500 * 784]
        .iter()
        .map(|&v| v as f32)
        .collect();
    let (train, test) = x.split_at(2000 * 784);
    let mut model = Autoencoder::new(
        Architecture::Dense { latent: 32 },
        784,
        &mut Rng::seed_from_u64(0),
    )
    .unwrap();
    let before = autoencoder::mse(&model.reconstruct(test).unwrap(), test);
    let report = autoencoder::train(
        &mut model,
        train,
        test,
        &Recipe {
            epochs: 3,
            ..Recipe::default()
        },
    )
    .unwrap();
    let after = *report.test_mse.last().unwrap();
    assert!(after < before / 2.0, "{before} → {after}");
    let pca = autoencoder::pca_mse(train, test, 784, 32).unwrap();
    assert!(after < 4.0 * pca, "{after} against PCA's {pca}");
    // The loss the trainer reports is the reconstruction MSE itself (no noise, no penalty).
    let train_mse = autoencoder::mse(&model.reconstruct(train).unwrap(), train);
    let last = *report.train.epoch_losses.last().unwrap();
    assert!(
        (train_mse - last).abs() < 0.3 * last,
        "{train_mse} vs {last}"
    );
}

#[test]
fn the_convolutional_autoencoder_keeps_the_image_shape() {
    let mut model = Autoencoder::new(
        Architecture::Conv { latent: 8 },
        784,
        &mut Rng::seed_from_u64(0),
    )
    .unwrap();
    let x = vec![0.5f32; 3 * 784];
    assert_eq!(model.codes(&x).unwrap().len(), 3 * 8);
    let y = model.reconstruct(&x).unwrap();
    assert_eq!(y.len(), 3 * 784);
    assert!(y.iter().all(|&v| (0.0..=1.0).contains(&v)));
    assert!(Autoencoder::new(
        Architecture::Conv { latent: 8 },
        100,
        &mut Rng::seed_from_u64(0)
    )
    .is_err());
}

#[test]
fn gaussian_noise_is_clipped_and_masking_drops_the_stated_fraction() {
    let mut rng = Rng::seed_from_u64(3);
    let clean: Vec<f32> = (0..20_000).map(|i| (i % 11) as f32 / 10.0).collect();
    let mut noisy = clean.clone();
    Noise::Gaussian(0.1).apply(&mut noisy, &mut rng);
    assert!(noisy.iter().all(|&v| (0.0..=1.0).contains(&v)));
    // Away from the edges the noise is unclipped: its spread is σ.
    let inner: Vec<f64> = clean
        .iter()
        .zip(&noisy)
        .filter(|(&c, _)| (0.3..=0.7).contains(&c))
        .map(|(&c, &n)| f64::from(n - c))
        .collect();
    let sd = (inner.iter().map(|e| e * e).sum::<f64>() / inner.len() as f64).sqrt();
    assert!((sd - 0.1).abs() < 0.005, "sd {sd}");
    let mut masked = vec![1.0f32; 20_000];
    Noise::Masking(0.25).apply(&mut masked, &mut rng);
    let zeros = masked.iter().filter(|&&v| v == 0.0).count() as f64 / 20_000.0;
    // 5 standard errors of a proportion 0.25 over 20,000 draws: 0.015.
    assert!((zeros - 0.25).abs() < 0.015, "masked {zeros}");
    let mut same = clean.clone();
    Noise::Gaussian(0.0).apply(&mut same, &mut rng);
    assert_eq!(same, clean);
}

#[test]
fn psnr_of_a_known_error() {
    // A uniform error of 0.1 is an MSE of 0.01: 20 dB.
    let a = vec![0.5f32; 100];
    let b = vec![0.6f32; 100];
    assert!((autoencoder::psnr(&a, &b) - 20.0).abs() < 1e-4);
}

#[test]
fn few_labels_separate_separable_classes() {
    // Two classes on either side of a line: softmax regression classifies them all.
    let mut rng = Rng::seed_from_u64(5);
    let mut points = |n| -> (Vec<f32>, Vec<usize>) {
        let mut x = Vec::new();
        let mut y = Vec::new();
        for i in 0..n {
            let c = i % 2;
            x.push((rng.normal() * 0.3 + if c == 0 { -2.0 } else { 2.0 }) as f32);
            x.push(rng.normal() as f32);
            y.push(c);
        }
        (x, y)
    };
    let (tx, ty) = points(20);
    let (vx, vy) = points(200);
    assert_eq!(
        autoencoder::few_label_accuracy(&tx, &ty, &vx, &vy, 0).unwrap(),
        1.0
    );
}

#[test]
fn bad_input_is_refused_by_name() {
    let rng = &mut Rng::seed_from_u64(0);
    let message = |e: Error| e.to_string();
    let zero = Autoencoder::new(Architecture::Dense { latent: 0 }, 784, rng)
        .err()
        .unwrap();
    assert!(message(zero).contains("latent"));
    let wide = Autoencoder::new(
        Architecture::Linear {
            latent: 9,
            tied: false,
        },
        8,
        rng,
    )
    .err()
    .unwrap();
    assert!(message(wide).contains("latent"));
    assert!(Autoencoder::new(Architecture::Sparse { code: 16 }, 8, rng).is_ok());
    assert!(Autoencoder::new(
        Architecture::Sparse {
            code: MAX_LATENT + 1
        },
        8,
        rng
    )
    .is_err());
    let x = vec![0.5f32; 16];
    let mut model = Autoencoder::new(
        Architecture::Linear {
            latent: 2,
            tied: false,
        },
        8,
        rng,
    )
    .unwrap();
    let noise = Recipe {
        noise: Noise::Gaussian(-0.1),
        epochs: 1,
        ..Recipe::default()
    };
    let e = autoencoder::train(&mut model, &x, &x, &noise)
        .err()
        .unwrap();
    assert!(message(e).contains("noise"));
    let mut sparse = Autoencoder::new(Architecture::Sparse { code: 4 }, 8, rng).unwrap();
    for rho in [0.0, 1.0, -0.5, f64::NAN] {
        let r = Recipe {
            sparsity: Some(Sparsity { rho, beta: 1.0 }),
            epochs: 1,
            ..Recipe::default()
        };
        let e = autoencoder::train(&mut sparse, &x, &x, &r).err().unwrap();
        assert!(message(e).contains("rho"), "ρ = {rho}");
    }
    // Rows that are not whole images.
    let e = autoencoder::train(&mut model, &x[..7], &x, &Recipe::default())
        .err()
        .unwrap();
    assert!(matches!(e, Error::BadLength { .. }), "{e}");
}

#[test]
fn a_model_file_of_another_architecture_is_refused() {
    let dir = std::env::temp_dir().join(format!("unsupervised-ae-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("dense.model");
    let rng = &mut Rng::seed_from_u64(0);
    let dense = Autoencoder::new(Architecture::Dense { latent: 32 }, 784, rng).unwrap();
    io::save(&dense, &file).unwrap();
    let mut again = Autoencoder::new(Architecture::Dense { latent: 32 }, 784, rng).unwrap();
    io::load(&mut again, &file).unwrap();
    assert_eq!(io::to_bytes(&again), io::to_bytes(&dense));
    for other in [
        Architecture::Dense { latent: 16 },
        Architecture::Conv { latent: 32 },
        Architecture::Sparse { code: 32 },
    ] {
        let mut m = Autoencoder::new(other, 784, rng).unwrap();
        let e = io::load(&mut m, &file).err().unwrap().to_string();
        assert!(e.contains("dense.model"), "{other:?}: {e}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn the_loss_is_the_mse_plus_beta_times_the_bernoulli_kl() {
    // One step's loss, rebuilt by hand from the codes: a batch of 4 through a sparse model.
    let rng = &mut Rng::seed_from_u64(6);
    let mut model = Autoencoder::new(Architecture::Sparse { code: 3 }, 5, rng).unwrap();
    let x: Vec<f32> = (0..20).map(|i| ((i * 7) % 10) as f32 / 10.0).collect();
    let (rho, beta) = (0.2, 0.5);
    let recipe = Recipe {
        epochs: 1,
        batch_size: 4,
        sparsity: Some(Sparsity { rho, beta }),
        ..Recipe::default()
    };
    let z = model.codes(&x).unwrap();
    let mse = autoencoder::mse(&model.reconstruct(&x).unwrap(), &x);
    let kl: f64 = (0..3)
        .map(|j| {
            let q = (0..4).map(|i| f64::from(z[i * 3 + j])).sum::<f64>() / 4.0;
            rho * (rho / q).ln() + (1.0 - rho) * ((1.0 - rho) / (1.0 - q)).ln()
        })
        .sum();
    // One batch of all four rows, whose loss is recorded before the update.
    let report = autoencoder::train(&mut model, &x, &x, &recipe).unwrap();
    let loss = report.train.epoch_losses[0];
    assert!(
        (loss - (mse + beta * kl)).abs() < 1e-5 * loss,
        "{loss} vs {}",
        mse + beta * kl
    );
    // The codes were those of the untrained model, which `encode` reproduces.
    let mut model = Autoencoder::new(
        Architecture::Sparse { code: 3 },
        5,
        &mut Rng::seed_from_u64(6),
    )
    .unwrap();
    let mut g = Graph::new();
    let xv = g.constant(Tensor::new(&[4, 5], x.clone()).unwrap());
    let zv = model.encode(&mut g, xv, Mode::Eval).unwrap();
    assert_eq!(g.value(zv).data(), &z[..]);
}

#[test]
fn noise_parameters_are_checked_both_ways() {
    for ok in [
        Noise::None,
        Noise::Gaussian(0.0),
        Noise::Gaussian(0.1),
        Noise::Masking(0.0),
        Noise::Masking(0.5),
    ] {
        assert!(ok.check().is_ok(), "{ok:?}");
    }
    for bad in [
        Noise::Gaussian(-0.1),
        Noise::Gaussian(f64::NAN),
        Noise::Masking(1.0),
        Noise::Masking(-0.1),
    ] {
        assert!(bad.check().is_err(), "{bad:?}");
    }
    // And a masked denoising run trains.
    let x: Vec<f32> = (0..64).map(|i| (i % 8) as f32 / 8.0).collect();
    let mut model = Autoencoder::new(
        Architecture::Dense { latent: 2 },
        8,
        &mut Rng::seed_from_u64(0),
    )
    .unwrap();
    let recipe = Recipe {
        epochs: 2,
        batch_size: 4,
        noise: Noise::Masking(0.5),
        ..Recipe::default()
    };
    assert_eq!(
        autoencoder::train(&mut model, &x, &x, &recipe)
            .unwrap()
            .test_mse
            .len(),
        2
    );
}

#[test]
fn few_label_accuracy_does_not_depend_on_the_units_of_a_feature() {
    // Standardisation makes the classifier blind to each column's scale: multiplying a column
    // by 1024 (exact in floating point) must give the same predictions, bit for bit, on
    // overlapping classes where the boundary matters.
    let mut rng = Rng::seed_from_u64(11);
    let mut points = |n: usize| -> (Vec<f32>, Vec<usize>) {
        let (mut x, mut y) = (Vec::new(), Vec::new());
        for i in 0..n {
            let c = i % 3;
            x.push((rng.normal() + c as f64) as f32);
            x.push((rng.normal() * 0.5 - c as f64 * 0.5) as f32);
            y.push(c);
        }
        (x, y)
    };
    let (tx, ty) = points(60);
    let (vx, vy) = points(600);
    let scaled = |x: &[f32]| -> Vec<f32> {
        x.iter()
            .enumerate()
            .map(|(i, &v)| if i % 2 == 0 { v * 1024.0 } else { v })
            .collect()
    };
    let plain = autoencoder::few_label_accuracy(&tx, &ty, &vx, &vy, 0).unwrap();
    let rescaled =
        autoencoder::few_label_accuracy(&scaled(&tx), &ty, &scaled(&vx), &vy, 0).unwrap();
    assert_eq!(plain, rescaled);
    // Three overlapping classes: well above chance, well below perfect.
    assert!(plain > 0.5 && plain < 0.95, "accuracy {plain}");
}
