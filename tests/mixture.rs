//! Chapter 6: EM never lowers the likelihood; Old Faithful's two-component maximum
//! likelihood (mclust's -1130.264, confirmed by an independent NumPy EM); every covariance
//! shape's M-step against its closed form; AIC and BIC against the likelihood written out;
//! samples' moments; collapse and bad input.

mod common;

use proptest::prelude::*;
use unsupervised::datasets;
use unsupervised::mixture::{Covariance, GaussianMixture, Start};
use unsupervised::{Error, Exec, Matrix, Rng};

fn random_points(n: usize, d: usize, seed: u64) -> Matrix<f64> {
    let mut rng = Rng::seed_from_u64(seed);
    Matrix::from_fn(n, d, |i, _| rng.normal() + 3.0 * (i % 3) as f64)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// Neither step can lower the likelihood (Jensen's inequality): the trace never falls,
    /// up to rounding, for every covariance shape and both starts.
    #[test]
    fn the_log_likelihood_never_decreases(n in 20usize..120, d in 1usize..4, k in 1usize..4, seed in any::<u64>(), shape in 0usize..4, random in any::<bool>()) {
        let x = random_points(n, d, seed);
        let covariance = [Covariance::Full, Covariance::Diagonal, Covariance::Spherical, Covariance::Tied][shape];
        let start = if random { Start::Random } else if seed % 2 == 0 { Start::KMeans } else { Start::KMeansPlusPlus };
        let fit = GaussianMixture::new(k).covariance(covariance).start(start).seed(seed).tol(1e-8).max_iter(200).fit(&x);
        let fit = match fit {
            Ok(f) => f,
            // A collapsed component is reported, never silently patched.
            Err(e) => { prop_assert!(e.to_string().contains("collapsed"), "{}", e); return Ok(()); }
        };
        for w in fit.log_likelihood.windows(2) {
            prop_assert!(w[1] >= w[0] - 1e-10 * w[0].abs().max(1.0), "fell from {} to {}", w[0], w[1]);
        }
        prop_assert!((fit.weights.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        let p = fit.predict_proba(&x).unwrap();
        for r in p.iter_rows() {
            prop_assert!((r.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        }
    }
}

#[test]
fn old_faithful_reaches_the_two_component_maximum_likelihood() {
    let x = datasets::faithful().unwrap().x;
    let fit = GaussianMixture::new(2)
        .tol(1e-12)
        .max_iter(2000)
        .fit(&x)
        .unwrap();
    assert!(fit.converged);
    // mclust (VVV, G = 2) and a NumPy EM run to convergence: ln L = -1130.2640 (272 points).
    let ll = fit.score(&x).unwrap() * 272.0;
    assert!((ll + 1130.26396).abs() < 1e-4, "{ll}");
    let (short, long) = if fit.means[(0, 0)] < fit.means[(1, 0)] {
        (0, 1)
    } else {
        (1, 0)
    };
    assert!(
        (fit.weights[short] - 0.3558729).abs() < 1e-5,
        "{:?}",
        fit.weights
    );
    assert!((fit.means[(short, 0)] - 2.03638856).abs() < 1e-5);
    assert!((fit.means[(long, 1)] - 79.96811626).abs() < 1e-4);
    // BIC = -2 ln L + 11 ln 272 = 2322.19, and it prefers 2 components to 1, 3 or 4.
    let bic = |k| {
        let f = GaussianMixture::new(k).n_init(3).tol(1e-8).fit(&x).unwrap();
        f.bic(&x).unwrap()
    };
    assert!((fit.bic(&x).unwrap() - 2322.19174).abs() < 1e-3);
    let b2 = bic(2);
    assert!(bic(1) > b2 && bic(3) > b2 && bic(4) > b2);
    // Two components explain the data far better than one Gaussian (the lecture's figure).
    let one = GaussianMixture::new(1).fit(&x).unwrap();
    assert!(fit.score(&x).unwrap() > one.score(&x).unwrap() + 0.5);
}

#[test]
fn covariance_shapes_and_parameter_counts() {
    let x = random_points(300, 3, 5);
    for (shape, params) in [
        (Covariance::Full, 3 * 3 + 3 * 6 + 2),
        (Covariance::Diagonal, 3 * 3 + 3 * 3 + 2),
        (Covariance::Spherical, 3 * 3 + 3 + 2),
        (Covariance::Tied, 3 * 3 + 6 + 2),
    ] {
        let fit = GaussianMixture::new(3).covariance(shape).fit(&x).unwrap();
        assert_eq!(fit.n_parameters(), params, "{shape:?}");
        for c in &fit.covariances {
            for r in 0..3 {
                for q in 0..3 {
                    assert_eq!(c[(r, q)], c[(q, r)]);
                    let off_diagonal_zero =
                        matches!(shape, Covariance::Diagonal | Covariance::Spherical);
                    if r != q && off_diagonal_zero {
                        assert_eq!(c[(r, q)], 0.0, "{shape:?}");
                    }
                }
            }
            if shape == Covariance::Spherical {
                assert!(c[(0, 0)] == c[(1, 1)] && c[(1, 1)] == c[(2, 2)]);
            }
        }
        if shape == Covariance::Tied {
            assert!(fit.covariances.iter().all(|c| c == &fit.covariances[0]));
        }
        assert!(fit.aic(&x).unwrap() < fit.bic(&x).unwrap());
    }
}

#[test]
fn samples_refit_to_the_same_mixture() {
    let x = datasets::faithful().unwrap().x;
    let fit = GaussianMixture::new(2).tol(1e-8).fit(&x).unwrap();
    let (draws, labels) = fit.sample(20_000, 3).unwrap();
    assert_eq!(labels.len(), 20_000);
    let again = GaussianMixture::new(2).tol(1e-8).fit(&draws).unwrap();
    let order = |f: &unsupervised::mixture::FittedGaussianMixture| {
        if f.means[(0, 0)] < f.means[(1, 0)] {
            [0, 1]
        } else {
            [1, 0]
        }
    };
    for (a, b) in order(&fit).into_iter().zip(order(&again)) {
        assert!((fit.weights[a] - again.weights[b]).abs() < 0.02);
        assert!((fit.means[(a, 1)] - again.means[(b, 1)]).abs() < 0.5);
    }
    assert_eq!(fit.predict(&x).unwrap().len(), 272);
}

#[test]
fn bad_input_and_collapse_get_clear_errors() {
    let x = random_points(30, 2, 1);
    assert!(GaussianMixture::new(0)
        .fit(&x)
        .unwrap_err()
        .to_string()
        .contains("n_components = 0"));
    assert!(GaussianMixture::new(31).fit(&x).is_err());
    assert!(GaussianMixture::new(2)
        .reg_covar(-1.0)
        .fit(&x)
        .unwrap_err()
        .to_string()
        .contains("reg_covar"));
    assert!(matches!(
        GaussianMixture::new(2).fit(&Matrix::zeros(0, 2)),
        Err(Error::Empty { .. })
    ));
    let mut nan = x.clone();
    nan[(7, 1)] = f64::INFINITY;
    assert!(matches!(
        GaussianMixture::new(2).fit(&nan),
        Err(Error::NonFinite {
            row: 7,
            column: 1,
            ..
        })
    ));
    assert!(Covariance::parse("banded")
        .unwrap_err()
        .to_string()
        .contains("banded"));
    // More components than distinct points: the k-means start says so.
    let twins = Matrix::from_fn(10, 2, |i, _| (i % 2) as f64);
    let e = GaussianMixture::new(3).fit(&twins).unwrap_err().to_string();
    assert!(e.contains("2 distinct"), "{e}");
    // Duplicated points are fine: reg_covar keeps each covariance invertible.
    let fit = GaussianMixture::new(2).fit(&twins).unwrap();
    assert!(fit.score(&twins).unwrap().is_finite());
    let fitted = GaussianMixture::new(2).fit(&x).unwrap();
    assert!(matches!(
        fitted.predict(&Matrix::zeros(2, 3)),
        Err(Error::ShapeMismatch { .. })
    ));
}

#[test]
fn with_a_vanishing_shared_variance_em_becomes_k_means() {
    use unsupervised::kmeans::assign_step;
    let x = datasets::blobs(300, 2, 3, 1.2, 4).unwrap().x;
    let hardness = |variance: f64| {
        let fit = GaussianMixture::new(3)
            .covariance(Covariance::Fixed { variance })
            .start(Start::Random)
            .seed(2)
            .tol(1e-12)
            .max_iter(500)
            .fit(&x)
            .unwrap();
        let p = fit.predict_proba(&x).unwrap();
        let softest = p
            .iter_rows()
            .map(|r| r.iter().copied().fold(0.0, f64::max))
            .fold(1.0, f64::min);
        (fit, softest)
    };
    // A wide kernel shares points between components; a narrow one does not.
    assert!(hardness(4.0).1 < 0.9);
    let (fit, softest) = hardness(1e-4);
    assert!(softest > 1.0 - 1e-9, "{softest}");
    // EM's fixed point is Lloyd's: the means are the means of their Voronoi cells.
    let labels = fit.predict(&x).unwrap();
    let (voronoi, _) = assign_step(&x, &fit.means, Exec::default()).unwrap();
    assert_eq!(labels, voronoi);
    for c in 0..3 {
        let members: Vec<usize> = (0..300).filter(|&i| labels[i] == c).collect();
        for j in 0..2 {
            let mean = members.iter().map(|&i| x[(i, j)]).sum::<f64>() / members.len() as f64;
            assert!((fit.means[(c, j)] - mean).abs() < 1e-9);
        }
    }
    assert!(GaussianMixture::new(2)
        .covariance(Covariance::Fixed { variance: 0.0 })
        .fit(&x)
        .is_err());
}

#[test]
fn gaussian_mixture_passes_the_estimator_battery() {
    common::check_estimator(common::Estimator {
        name: "GaussianMixture",
        count: 3,
        fit: &|x: &Matrix<f64>, k: usize, threads: usize| -> unsupervised::Result<Vec<f64>> {
            let fit = GaussianMixture::new(k)
                .n_init(2)
                .seed(5)
                .threads(threads)
                .fit(x)?;
            Ok(fit
                .means
                .into_vec()
                .into_iter()
                .chain(fit.weights)
                .chain(fit.log_likelihood)
                .collect())
        },
    });
}

/// EM by hand through the public steps: responsibilities are distributions over the
/// components, and no E/M pair lowers the log-likelihood (Bishop §9.4).
#[test]
fn e_step_and_m_step_by_hand_never_lower_the_likelihood() {
    let x = datasets::faithful().unwrap().x;
    let mut model = GaussianMixture::new(2).max_iter(1).fit(&x).unwrap();
    let mut last = f64::NEG_INFINITY;
    for _ in 0..15 {
        let (resp, ll) = model.e_step(&x).unwrap();
        for i in 0..resp.rows() {
            let total: f64 = resp.row(i).iter().sum();
            assert!((total - 1.0).abs() < 1e-12, "row {i} sums to {total}");
        }
        assert!(
            ll >= last - 1e-9 * ll.abs(),
            "log-likelihood fell: {last} -> {ll}"
        );
        last = ll;
        model.m_step(&x, &resp).unwrap();
    }
}

/// Bishop 9.24–9.27 written out for one fixed responsibility matrix: Nₖ = Σₙ γₙₖ,
/// μₖ = Σₙ γₙₖ xₙ / Nₖ, Sₖ = Σₙ γₙₖ (xₙ - μₖ)(xₙ - μₖ)ᵀ / Nₖ, πₖ = Nₖ / N; then each shape
/// as scikit-learn defines it: diag(Sₖ), tr(Sₖ)/d, and Σₖ Nₖ Sₖ / N for the tied one, plus
/// `reg_covar` on the diagonal.
#[test]
fn every_m_step_matches_its_closed_form() {
    let (n, d, k, reg) = (12, 3, 3, 1e-3);
    let x = random_points(n, d, 40);
    let mut rng = Rng::seed_from_u64(41);
    let mut resp = Matrix::from_fn(n, k, |_, _| rng.uniform(0.05, 1.05));
    for i in 0..n {
        let total: f64 = resp.row(i).iter().sum();
        resp.row_mut(i).iter_mut().for_each(|v| *v /= total);
    }
    let nk: Vec<f64> = (0..k).map(|c| (0..n).map(|i| resp[(i, c)]).sum()).collect();
    let mu = Matrix::from_fn(k, d, |c, r| {
        (0..n).map(|i| resp[(i, c)] * x[(i, r)]).sum::<f64>() / nk[c]
    });
    let scatter: Vec<Matrix<f64>> = (0..k)
        .map(|c| {
            Matrix::from_fn(d, d, |r, q| {
                (0..n)
                    .map(|i| resp[(i, c)] * (x[(i, r)] - mu[(c, r)]) * (x[(i, q)] - mu[(c, q)]))
                    .sum::<f64>()
                    / nk[c]
            })
        })
        .collect();
    let eye = |r: usize, q: usize| if r == q { reg } else { 0.0 };
    let tied = Matrix::from_fn(d, d, |r, q| {
        (0..k).map(|c| nk[c] * scatter[c][(r, q)]).sum::<f64>() / n as f64 + eye(r, q)
    });
    for shape in [
        Covariance::Full,
        Covariance::Diagonal,
        Covariance::Spherical,
        Covariance::Tied,
    ] {
        let expected: Vec<Matrix<f64>> = (0..k)
            .map(|c| {
                let s = &scatter[c];
                let trace = (0..d).map(|r| s[(r, r)]).sum::<f64>() / d as f64;
                Matrix::from_fn(d, d, |r, q| match shape {
                    Covariance::Full => s[(r, q)] + eye(r, q),
                    Covariance::Diagonal if r == q => s[(r, r)] + reg,
                    Covariance::Spherical if r == q => trace + reg,
                    Covariance::Tied => tied[(r, q)],
                    _ => 0.0,
                })
            })
            .collect();
        let mut model = GaussianMixture::new(k)
            .covariance(shape)
            .reg_covar(reg)
            .max_iter(1)
            .fit(&x)
            .unwrap();
        model.m_step(&x, &resp).unwrap();
        for c in 0..k {
            assert!(
                (model.weights[c] - nk[c] / n as f64).abs() < 1e-15,
                "{shape:?}"
            );
            for r in 0..d {
                assert!(
                    (model.means[(c, r)] - mu[(c, r)]).abs() < 1e-12,
                    "{shape:?}"
                );
                for q in 0..d {
                    let (got, want) = (model.covariances[c][(r, q)], expected[c][(r, q)]);
                    assert!(
                        (got - want).abs() < 1e-12,
                        "{shape:?}, component {c}, entry ({r}, {q}): {got} vs {want}"
                    );
                }
            }
        }
    }
}

/// `-2 ln L + 2p` and `-2 ln L + p ln n` with ln L from the 2 x 2 Gaussian densities written
/// out (determinant and inverse by hand), and p = k·d means + k·d(d+1)/2 covariances +
/// k - 1 weights = 11 for two full components in the plane.
#[test]
fn aic_and_bic_match_the_likelihood_written_out() {
    let x = datasets::faithful().unwrap().x;
    let fit = GaussianMixture::new(2).tol(1e-8).fit(&x).unwrap();
    let density = |c: usize, p: &[f64]| {
        let s = &fit.covariances[c];
        let det = s[(0, 0)] * s[(1, 1)] - s[(0, 1)] * s[(1, 0)];
        let (a, b) = (p[0] - fit.means[(c, 0)], p[1] - fit.means[(c, 1)]);
        let quad = (s[(1, 1)] * a * a - 2.0 * s[(0, 1)] * a * b + s[(0, 0)] * b * b) / det;
        (-0.5 * quad).exp() / (2.0 * std::f64::consts::PI * det.sqrt())
    };
    let ln_l: f64 = (0..x.rows())
        .map(|i| {
            (0..2)
                .map(|c| fit.weights[c] * density(c, x.row(i)))
                .sum::<f64>()
                .ln()
        })
        .sum();
    // mclust's maximum for this model, as in the Old Faithful test above.
    assert!((ln_l - -1130.264).abs() < 1e-3, "{ln_l}");
    let n = x.rows() as f64;
    let aic = fit.aic(&x).unwrap();
    let bic = fit.bic(&x).unwrap();
    assert!(
        (aic - (-2.0 * ln_l + 22.0)).abs() < 1e-9 * aic.abs(),
        "{aic}"
    );
    assert!(
        (bic - (-2.0 * ln_l + 11.0 * n.ln())).abs() < 1e-9 * bic.abs(),
        "{bic}"
    );
}

/// Draws from each component have that component's mean and covariance: Old Faithful's
/// components are strongly correlated, so `Lᵀε` instead of `Lε` (or a missing term) shows.
#[test]
fn samples_have_each_components_mean_and_covariance() {
    let x = datasets::faithful().unwrap().x;
    let fit = GaussianMixture::new(2).tol(1e-8).fit(&x).unwrap();
    let (draws, labels) = fit.sample(200_000, 7).unwrap();
    for c in 0..2 {
        let rows: Vec<&[f64]> = (0..draws.rows())
            .filter(|&i| labels[i] == c)
            .map(|i| draws.row(i))
            .collect();
        let m = rows.len() as f64;
        // The share of draws: binomial, standard error below 0.0012.
        assert!(
            (m / 200_000.0 - fit.weights[c]).abs() < 0.005,
            "component {c}: {m}"
        );
        let mean: Vec<f64> = (0..2)
            .map(|r| rows.iter().map(|p| p[r]).sum::<f64>() / m)
            .collect();
        let s = &fit.covariances[c];
        for r in 0..2 {
            // Standard error of a mean: σ / √m; allow five of them.
            let se = (s[(r, r)] / m).sqrt();
            assert!(
                (mean[r] - fit.means[(c, r)]).abs() < 5.0 * se,
                "component {c}"
            );
            for q in 0..2 {
                let cov = rows
                    .iter()
                    .map(|p| (p[r] - mean[r]) * (p[q] - mean[q]))
                    .sum::<f64>()
                    / (m - 1.0);
                // Standard error of a sample covariance: √((σᵣᵣσ_qq + σ²ᵣq) / m); five of them.
                let se = ((s[(r, r)] * s[(q, q)] + s[(r, q)].powi(2)) / m).sqrt();
                assert!(
                    (cov - s[(r, q)]).abs() < 5.0 * se,
                    "component {c}, ({r}, {q}): {cov} vs {}",
                    s[(r, q)]
                );
            }
        }
    }
}

#[test]
fn a_vanished_component_is_an_error_and_ties_go_to_the_first_component() {
    let (n, d) = (100, 2);
    let x = random_points(n, d, 42);
    let mut model = GaussianMixture::new(2).max_iter(1).fit(&x).unwrap();
    // Column 1 sums to 1e-14, under the 10 n ε ≈ 2.2e-13 below which N_k is noise.
    let vanished = Matrix::from_fn(n, 2, |_, c| if c == 0 { 1.0 - 1e-16 } else { 1e-16 });
    let err = model.m_step(&x, &vanished).unwrap_err().to_string();
    assert!(err.contains("component 1 collapsed"), "{err}");
    // Two equal columns make two identical components: every point is a tie, which goes to
    // the component with the smaller index.
    let halves = Matrix::from_fn(n, 2, |_, _| 0.5);
    model.m_step(&x, &halves).unwrap();
    assert_eq!(model.predict(&x).unwrap(), vec![0; n]);
}

/// The book's opening numbers (chapter 6): one Gaussian fitted to Old Faithful has
/// log-likelihood −1289.8 (the closed-form maximum: the sample mean and the biased sample
/// covariance), against the mixture's −1130.3.
#[test]
fn one_gaussian_on_old_faithful_has_the_books_log_likelihood() {
    let x = datasets::faithful().unwrap().x;
    let n = x.rows() as f64;
    let fit = GaussianMixture::new(1).fit(&x).unwrap();
    let ll = fit.score(&x).unwrap() * n;
    assert!((ll + 1289.8).abs() < 0.05, "{ll}");
    // The same number from the closed form, written out.
    let mean = |j: usize| (0..x.rows()).map(|i| x[(i, j)]).sum::<f64>() / n;
    let (m0, m1) = (mean(0), mean(1));
    let cov = |a: usize, b: usize, ma: f64, mb: f64| {
        (0..x.rows())
            .map(|i| (x[(i, a)] - ma) * (x[(i, b)] - mb))
            .sum::<f64>()
            / n
    };
    let (s00, s01, s11) = (cov(0, 0, m0, m0), cov(0, 1, m0, m1), cov(1, 1, m1, m1));
    let det = s00 * s11 - s01 * s01;
    // With the ML covariance, Σ (x − μ)ᵀ Σ⁻¹ (x − μ) = n d exactly.
    let closed = -0.5 * n * (2.0 * (2.0 * std::f64::consts::PI).ln() + det.ln() + 2.0);
    assert!(
        (ll - closed).abs() < 1e-6 * closed.abs(),
        "{ll} against {closed}"
    );
}
