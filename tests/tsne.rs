//! Chapter 9: perplexity calibration to its tolerance, P's kernel shape row by row, P's
//! symmetry and mass, SNE's and t-SNE's costs against their definitions, every gradient
//! against central finite differences, exaggeration, momentum and gains by hand, Barnes–Hut tending to the exact gradient as θ → 0,
//! determinism across thread counts, divergence reported with its iteration, bad input,
//! the embedding metrics against hand-checked cases, and map quality on digits.
//!
//! The full digits experiments (exact and Barnes–Hut, 1,000 iterations) are `#[ignore]`d
//! here and run by CI in release mode: `cargo test --release --test tsne -- --ignored`.

mod common;

use common::{assert_close, bits, sq_dist};
use unsupervised::datasets;
use unsupervised::linalg::sparse::Csr;
use unsupervised::linalg::{Exec, Matrix};
use unsupervised::metrics::{continuity, knn_accuracy, spearman, trustworthiness};
use unsupervised::tsne::{
    barnes_hut_gradient, calibrate_perplexity, conditional_probabilities, dense_joint,
    exact_gradient, gradient_step, joint_probabilities, sne_gradient,
    sparse_conditional_probabilities, Init, Method, Momentum, Tsne,
};
use unsupervised::{Error, Rng};

fn random_points(n: usize, d: usize, scale: f64, seed: u64) -> Matrix<f64> {
    let mut rng = Rng::seed_from_u64(seed);
    Matrix::from_fn(n, d, |_, _| scale * rng.normal())
}

/// The first `n` digits and their labels.
fn digits(n: usize) -> (Matrix<f64>, Vec<usize>) {
    let d = datasets::digits().unwrap();
    let x = Matrix::new(n, 64, d.x.as_slice()[..n * 64].to_vec()).unwrap();
    (x, d.labels.unwrap()[..n].to_vec())
}

fn perplexity_of(p: &[f64]) -> f64 {
    let h: f64 = p.iter().filter(|&&v| v > 0.0).map(|&v| -v * v.ln()).sum();
    h.exp()
}

// ---------------------------------------------------------------- P

/// The tolerance on each row's perplexity.
const PERPLEXITY_TOL: f64 = 1e-5;

#[test]
fn calibration_hits_the_target_perplexity_on_every_row() {
    let (x, _) = digits(200);
    for target in [5.0, 30.0, 100.0] {
        let p = conditional_probabilities(&x, target, Exec::default()).unwrap();
        for i in 0..x.rows() {
            let row = p.row(i);
            assert_eq!(row[i], 0.0, "a point is not its own neighbour");
            assert!((row.iter().sum::<f64>() - 1.0).abs() < 1e-12);
            let reached = perplexity_of(row);
            assert!(
                (reached - target).abs() < PERPLEXITY_TOL,
                "row {i}: perplexity {reached} against {target}"
            );
        }
    }
    // The sparse rows (3·perplexity neighbours) are calibrated the same way.
    let sparse = sparse_conditional_probabilities(&x, 30.0, Exec::default()).unwrap();
    for i in 0..x.rows() {
        let (cols, vals) = sparse.row(i);
        assert_eq!(cols.len(), 90);
        assert!((perplexity_of(vals) - 30.0).abs() < PERPLEXITY_TOL);
    }
}

#[test]
fn calibration_of_equal_distances_returns_the_uniform_distribution() {
    // Duplicate points: every β gives the uniform distribution, perplexity = count.
    let c = calibrate_perplexity(&[2.0; 10], 3.0);
    assert_close(&c.p, &[0.1; 10], 1e-15, 0.0);
    assert!((c.perplexity - 10.0).abs() < 1e-9);
    // Three equal neighbours and one far away: as β grows P tends to uniform on the three,
    // so no β gives a perplexity below 3. A target of 2 returns that closest reachable P.
    let c = calibrate_perplexity(&[0.0, 0.0, 0.0, 1e6], 2.0);
    assert_close(&c.p, &[1.0 / 3.0, 1.0 / 3.0, 1.0 / 3.0, 0.0], 1e-12, 0.0);
    assert!((c.perplexity - 3.0).abs() < 1e-9, "{}", c.perplexity);
    // With distinct distances the target 2 lies inside the range (1, 4]: the search lands.
    let c = calibrate_perplexity(&[0.0, 1.0, 4.0, 1e6], 2.0);
    assert!(
        (c.perplexity - 2.0).abs() < PERPLEXITY_TOL,
        "{}",
        c.perplexity
    );
    assert!((perplexity_of(&c.p) - 2.0).abs() < PERPLEXITY_TOL);
}

/// The shape of P's kernel on one row: `ln(pⱼ / pₖ) = -β (dⱼ² - dₖ²)` with one β for the
/// whole row, the β that calibration finds for these squared distances. A kernel on
/// unsquared distances (or any other shape) gives a different slope for every pair.
#[track_caller]
fn assert_gaussian_row(x: &Matrix<f64>, i: usize, cols: &[usize], p: &[f64], perplexity: f64) {
    let d2: Vec<f64> = cols.iter().map(|&j| sq_dist(x, i, j)).collect();
    let beta = calibrate_perplexity(&d2, perplexity).beta;
    let k = (0..cols.len())
        .max_by(|&a, &b| p[a].total_cmp(&p[b]))
        .unwrap();
    for (j, (&pj, &dj)) in p.iter().zip(&d2).enumerate() {
        if j == k || pj < 1e-250 || (dj - d2[k]).abs() < 1e-3 {
            continue;
        }
        let slope = -(pj / p[k]).ln() / (dj - d2[k]);
        assert!(
            (slope - beta).abs() <= 1e-8 * beta,
            "row {i}, pair ({}, {}): slope {slope} against β = {beta}",
            cols[j],
            cols[k]
        );
    }
}

#[test]
fn p_is_a_gaussian_kernel_in_the_squared_distance() {
    let x = random_points(40, 3, 1.0, 12);
    let dense = conditional_probabilities(&x, 8.0, Exec::serial()).unwrap();
    let sparse = sparse_conditional_probabilities(&x, 8.0, Exec::serial()).unwrap();
    for i in 0..x.rows() {
        let cols: Vec<usize> = (0..x.rows()).filter(|&j| j != i).collect();
        let p: Vec<f64> = cols.iter().map(|&j| dense[(i, j)]).collect();
        assert_gaussian_row(&x, i, &cols, &p, 8.0);
        let (cols, vals) = sparse.row(i);
        assert_gaussian_row(&x, i, cols, vals, 8.0);
    }
}

#[test]
fn joint_probabilities_are_symmetric_and_sum_to_one() {
    let (x, _) = digits(150);
    let p =
        joint_probabilities(&sparse_conditional_probabilities(&x, 10.0, Exec::default()).unwrap())
            .unwrap();
    assert!(p.is_symmetric());
    let total: f64 = p.row_sums().iter().sum();
    assert!((total - 1.0).abs() < 1e-12, "P sums to {total}");
    // Every point keeps at least 1/2n of the mass (the lecture's point about outliers).
    let n = x.rows() as f64;
    assert!(p.row_sums().iter().all(|&s| s >= 0.5 / n - 1e-15));
    let dense = dense_joint(&conditional_probabilities(&x, 10.0, Exec::default()).unwrap());
    assert_close(dense.as_slice(), dense.transpose().as_slice(), 0.0, 0.0);
    assert!((dense.as_slice().iter().sum::<f64>() - 1.0).abs() < 1e-12);
}

// ---------------------------------------------------------------- gradients

/// Central differences with step h are accurate to about h² times the third derivative,
/// plus eps/h of rounding: 1e-5 gives about 1e-10 in each; we allow 1e-6 relative.
const FD_STEP: f64 = 1e-5;
const FD_RTOL: f64 = 1e-6;

/// Central differences of `cost` at `y`, one coordinate at a time.
fn numeric_gradient(y: &Matrix<f64>, cost: impl Fn(&Matrix<f64>) -> f64) -> Vec<f64> {
    (0..y.as_slice().len())
        .map(|k| {
            let (mut plus, mut minus) = (y.clone(), y.clone());
            plus.as_mut_slice()[k] += FD_STEP;
            minus.as_mut_slice()[k] -= FD_STEP;
            (cost(&plus) - cost(&minus)) / (2.0 * FD_STEP)
        })
        .collect()
}

#[test]
fn exact_gradient_matches_central_differences() {
    let x = random_points(15, 4, 1.0, 1);
    let p = dense_joint(&conditional_probabilities(&x, 4.0, Exec::serial()).unwrap());
    for dims in [1, 2, 3] {
        let y = random_points(15, dims, 1.0, 2);
        let mut grad = vec![0.0; 15 * dims];
        let cost = |y: &Matrix<f64>| {
            let mut g = vec![0.0; y.as_slice().len()];
            exact_gradient(&p, y, 1.0, true, &mut g, Exec::serial())
                .unwrap()
                .unwrap()
        };
        exact_gradient(&p, &y, 1.0, true, &mut grad, Exec::serial()).unwrap();
        let numeric = numeric_gradient(&y, cost);
        let scale = numeric.iter().fold(0.0f64, |m, g| m.max(g.abs()));
        assert_close(&grad, &numeric, FD_RTOL, FD_RTOL * scale);
    }
}

#[test]
fn sne_gradient_matches_central_differences() {
    let x = random_points(12, 3, 1.0, 3);
    let p = conditional_probabilities(&x, 3.0, Exec::serial()).unwrap();
    let sym = p.add(&p.transpose()).unwrap();
    let y = random_points(12, 2, 1.0, 4);
    let cost = |y: &Matrix<f64>| {
        let mut g = vec![0.0; 24];
        sne_gradient(&p, &sym, y, true, &mut g, Exec::serial())
            .unwrap()
            .unwrap()
    };
    let mut grad = vec![0.0; 24];
    sne_gradient(&p, &sym, &y, true, &mut grad, Exec::serial()).unwrap();
    let numeric = numeric_gradient(&y, cost);
    let scale = numeric.iter().fold(0.0f64, |m, g| m.max(g.abs()));
    assert_close(&grad, &numeric, FD_RTOL, FD_RTOL * scale);
}

#[test]
fn sne_cost_is_the_sum_of_its_rows_kl_divergences() {
    let x = random_points(10, 3, 1.0, 7);
    let p = conditional_probabilities(&x, 3.0, Exec::serial()).unwrap();
    let sym = p.add(&p.transpose()).unwrap();
    let y = random_points(10, 2, 1.0, 8);
    let mut grad = vec![0.0; 20];
    let cost = sne_gradient(&p, &sym, &y, true, &mut grad, Exec::serial())
        .unwrap()
        .unwrap();
    // C = Σᵢ KL(Pᵢ ‖ Qᵢ), q_{j|i} = exp(-‖yᵢ - yⱼ‖²) / Σ_{k≠i} exp(-‖yᵢ - yₖ‖²).
    let mut expected = 0.0;
    for i in 0..10 {
        let w = |j: usize| (-sq_dist(&y, i, j)).exp();
        let z: f64 = (0..10).filter(|&k| k != i).map(w).sum();
        for j in (0..10).filter(|&j| j != i) {
            expected += p[(i, j)] * (p[(i, j)] / (w(j) / z)).ln();
        }
    }
    assert!((cost - expected).abs() < 1e-12, "{cost} against {expected}");
}

#[test]
fn exaggeration_multiplies_p_in_the_gradient() {
    // Early exaggeration is t-SNE run on αP: the gradient 4 Σⱼ (α pᵢⱼ - qᵢⱼ) wᵢⱼ (yᵢ - yⱼ).
    let x = random_points(20, 3, 1.0, 9);
    let p = dense_joint(&conditional_probabilities(&x, 5.0, Exec::serial()).unwrap());
    let y = random_points(20, 2, 1.0, 10);
    let alpha = 12.0;
    let (mut with_alpha, mut on_alpha_p) = (vec![0.0; 40], vec![0.0; 40]);
    exact_gradient(&p, &y, alpha, false, &mut with_alpha, Exec::serial()).unwrap();
    exact_gradient(
        &p.scale(alpha),
        &y,
        1.0,
        false,
        &mut on_alpha_p,
        Exec::serial(),
    )
    .unwrap();
    assert_close(&with_alpha, &on_alpha_p, 1e-12, 1e-15);
    let sparse =
        joint_probabilities(&sparse_conditional_probabilities(&x, 5.0, Exec::serial()).unwrap())
            .unwrap();
    let triplets: Vec<(usize, usize, f64)> = (0..20)
        .flat_map(|i| {
            let (cols, vals) = sparse.row(i);
            cols.iter().zip(vals).map(move |(&j, &v)| (i, j, alpha * v))
        })
        .collect();
    let scaled = Csr::from_triplets(20, 20, &triplets).unwrap();
    barnes_hut_gradient(
        &sparse,
        &y,
        alpha,
        0.5,
        false,
        &mut with_alpha,
        Exec::serial(),
    )
    .unwrap();
    barnes_hut_gradient(
        &scaled,
        &y,
        1.0,
        0.5,
        false,
        &mut on_alpha_p,
        Exec::serial(),
    )
    .unwrap();
    assert_close(&with_alpha, &on_alpha_p, 1e-12, 1e-15);
    // And it changes the gradient: α = 1 is not the same.
    exact_gradient(&p, &y, 1.0, false, &mut on_alpha_p, Exec::serial()).unwrap();
    exact_gradient(&p, &y, alpha, false, &mut with_alpha, Exec::serial()).unwrap();
    assert!(with_alpha
        .iter()
        .zip(&on_alpha_p)
        .any(|(a, b)| (a - b).abs() > 1e-3));
}

#[test]
fn gradient_step_applies_momentum_and_gains_as_written() {
    // Two steps on three coordinates, worked by hand. Step 1 (update 0, gains 1): every
    // gradient's sign differs from "update > 0" exactly when it is positive.
    let mut y = vec![0.0, 0.0, 0.0];
    let mut state = Momentum::new(3);
    gradient_step(&mut y, &[1.0, -2.0, 0.5], &mut state, 0.5, 10.0);
    // gains: 1 + 0.2, 1 · 0.8, 1 + 0.2; update = -10 · gain · g.
    assert_close(&state.gains, &[1.2, 0.8, 1.2], 1e-15, 0.0);
    assert_close(&state.update, &[-12.0, 16.0, -6.0], 1e-15, 0.0);
    assert_close(&y, &[-12.0, 16.0, -6.0], 1e-15, 0.0);
    // Step 2: coordinate 0 still heads downhill (gain grows), 1 and 2 overshot (gains shrink).
    gradient_step(&mut y, &[1.0, 1.0, -0.5], &mut state, 0.5, 10.0);
    assert_close(&state.gains, &[1.4, 0.64, 0.96], 1e-15, 0.0);
    // update = 0.5 · old - 10 · gain · g
    assert_close(
        &state.update,
        &[-6.0 - 14.0, 8.0 - 6.4, -3.0 + 4.8],
        1e-14,
        0.0,
    );
    assert_close(&y, &[-32.0, 17.6, -4.2], 1e-14, 0.0);
    // A gain never falls below 0.01: a coordinate that keeps overshooting still moves.
    let mut state = Momentum::new(1);
    let mut y = vec![0.0];
    for t in 0..40 {
        let g = if t % 2 == 0 { -1.0 } else { 1.0 };
        gradient_step(&mut y, &[g], &mut state, 0.0, 1.0);
    }
    assert_eq!(state.gains[0], 0.01);
    // A zero gradient counts as "not positive" (van der Maaten's sign test): with no update
    // yet the signs agree (gain · 0.8); after an upward update they differ (gain + 0.2).
    let mut state = Momentum::new(2);
    let mut y = vec![0.0, 0.0];
    gradient_step(&mut y, &[0.0, -1.0], &mut state, 0.0, 1.0);
    assert_close(&state.gains, &[0.8, 0.8], 1e-15, 0.0);
    gradient_step(&mut y, &[0.0, 0.0], &mut state, 1.0, 1.0);
    assert_close(&state.gains, &[0.64, 1.0], 1e-15, 0.0);
}

#[test]
fn fit_follows_the_exaggeration_and_momentum_schedule() {
    // Replays fit's loop with the public steps: α = 4 and momentum 0.5 for two iterations,
    // then α = 1 and momentum 0.8; learning rate max(n / α / 4, 50); the map re-centred
    // after every step.
    let x = random_points(30, 4, 1.0, 11);
    let tsne = |iterations: usize| {
        Tsne::new()
            .method(Method::Exact)
            .perplexity(5.0)
            .early_exaggeration(4.0)
            .exaggeration_iter(2)
            .max_iter(iterations)
            .min_grad_norm(0.0)
            .threads(1)
            .seed(3)
    };
    let start = tsne(0).fit(&x).unwrap().embedding;
    let fitted = tsne(4).fit(&x).unwrap();
    assert_eq!(fitted.exaggeration_end, 2);
    assert_eq!(fitted.learning_rate, 50.0);
    let p = dense_joint(&conditional_probabilities(&x, 5.0, Exec::serial()).unwrap());
    let mut y = start;
    let mut state = Momentum::new(60);
    let mut grad = vec![0.0; 60];
    for it in 0..4 {
        let (alpha, momentum) = if it < 2 { (4.0, 0.5) } else { (1.0, 0.8) };
        exact_gradient(&p, &y, alpha, false, &mut grad, Exec::serial()).unwrap();
        gradient_step(y.as_mut_slice(), &grad, &mut state, momentum, 50.0);
        for c in 0..2 {
            let mean = (0..30).map(|i| y[(i, c)]).sum::<f64>() / 30.0;
            (0..30).for_each(|i| y[(i, c)] -= mean);
        }
    }
    assert_close(fitted.embedding.as_slice(), y.as_slice(), 1e-9, 1e-15);
}

#[test]
fn exact_cost_is_the_kl_divergence_of_its_definition() {
    let x = random_points(10, 3, 1.0, 5);
    let p = dense_joint(&conditional_probabilities(&x, 3.0, Exec::serial()).unwrap());
    let y = random_points(10, 2, 1.0, 6);
    let mut grad = vec![0.0; 20];
    let kl = exact_gradient(&p, &y, 1.0, true, &mut grad, Exec::serial())
        .unwrap()
        .unwrap();
    // q_ij = (1 + d²)⁻¹ / Σ_{k≠l} (1 + d²)⁻¹, straight from the lecture.
    let w = |i: usize, j: usize| {
        let d2: f64 = (0..2).map(|a| (y[(i, a)] - y[(j, a)]).powi(2)).sum();
        1.0 / (1.0 + d2)
    };
    let z: f64 = (0..10)
        .flat_map(|i| (0..10).filter(move |&j| j != i).map(move |j| (i, j)))
        .map(|(i, j)| w(i, j))
        .sum();
    let mut expected = 0.0;
    for i in 0..10 {
        for j in (0..10).filter(|&j| j != i) {
            expected += p[(i, j)] * (p[(i, j)] / (w(i, j) / z)).ln();
        }
    }
    assert!((kl - expected).abs() < 1e-12, "{kl} against {expected}");
}

#[test]
fn barnes_hut_gradient_tends_to_the_exact_one_as_theta_shrinks() {
    let x = random_points(400, 5, 1.0, 7);
    let p =
        joint_probabilities(&sparse_conditional_probabilities(&x, 10.0, Exec::default()).unwrap())
            .unwrap();
    let dense = p.to_dense();
    let y = random_points(400, 2, 5.0, 8);
    let mut exact = vec![0.0; 800];
    let exact_kl = exact_gradient(&dense, &y, 1.0, true, &mut exact, Exec::default())
        .unwrap()
        .unwrap();
    let norm = |v: &[f64]| v.iter().map(|a| a * a).sum::<f64>().sqrt();
    let mut last = f64::INFINITY;
    for theta in [1.0, 0.5, 0.25, 0.1, 0.0] {
        let mut bh = vec![0.0; 800];
        let kl = barnes_hut_gradient(&p, &y, 1.0, theta, true, &mut bh, Exec::default())
            .unwrap()
            .unwrap();
        let diff: Vec<f64> = bh.iter().zip(&exact).map(|(a, b)| a - b).collect();
        let error = norm(&diff) / norm(&exact);
        eprintln!("θ = {theta}: relative gradient error {error:.2e}");
        assert!(error <= last, "θ = {theta}: error {error} above {last}");
        last = error;
        if theta == 0.0 {
            // Every pair summed exactly, in a different order: rounding only.
            assert!(error < 1e-12, "θ = 0: relative error {error}");
            assert!((kl - exact_kl).abs() < 1e-12);
        } else if theta == 0.5 {
            assert!(error < 0.05, "θ = 0.5: relative error {error}");
        }
    }
}

// ---------------------------------------------------------------- fit

#[test]
fn fit_is_identical_for_any_thread_count() {
    let (x, _) = digits(300);
    for method in [Method::BarnesHut, Method::Exact] {
        let fit = |threads| {
            Tsne::new()
                .method(method)
                .perplexity(10.0)
                .max_iter(120)
                .exaggeration_iter(60)
                .threads(threads)
                .fit(&x)
                .unwrap()
        };
        let one = fit(1);
        for threads in [2, 3] {
            let other = fit(threads);
            assert_eq!(
                bits(one.embedding.as_slice()),
                bits(other.embedding.as_slice())
            );
            assert_eq!(one.kl.to_bits(), other.kl.to_bits());
        }
    }
}

#[test]
fn fit_is_deterministic_for_a_seed() {
    let (x, _) = digits(120);
    let fit = |seed| {
        Tsne::new()
            .init(Init::Random)
            .perplexity(10.0)
            .max_iter(60)
            .seed(seed)
            .fit(&x)
            .unwrap()
    };
    let (a, b) = (fit(3), fit(3));
    assert_eq!((&a.embedding, a.kl), (&b.embedding, b.kl));
    assert_ne!(a.embedding, fit(4).embedding);
}

#[test]
fn a_small_digits_map_keeps_neighbours_and_classes() {
    let (x, labels) = digits(400);
    let fit = Tsne::new().perplexity(20.0).max_iter(400).fit(&x).unwrap();
    let t = trustworthiness(&x, &fit.embedding, 5, Exec::default()).unwrap();
    let acc = knn_accuracy(&fit.embedding, &labels, 1, 5, 0, Exec::default()).unwrap();
    assert!(t >= 0.97, "trustworthiness {t}");
    assert!(acc >= 0.93, "1-NN accuracy {acc}");
    // The cost after exaggeration only falls (momentum makes the odd wiggle; allow 1%).
    let after: Vec<f64> = fit
        .trace
        .iter()
        .filter(|t| t.iteration > fit.exaggeration_end + 50)
        .map(|t| t.kl)
        .collect();
    assert!(after.windows(2).all(|w| w[1] <= w[0] * 1.01), "{after:?}");
}

#[test]
fn sne_crowds_the_map_where_t_sne_separates_it() {
    let (x, labels) = digits(300);
    let sne = Tsne::new()
        .method(Method::Sne)
        .perplexity(20.0)
        .max_iter(300)
        .fit(&x)
        .unwrap();
    let tsne = Tsne::new()
        .method(Method::Exact)
        .perplexity(20.0)
        .max_iter(300)
        .fit(&x)
        .unwrap();
    let sne_acc = knn_accuracy(&sne.embedding, &labels, 1, 5, 0, Exec::default()).unwrap();
    let tsne_acc = knn_accuracy(&tsne.embedding, &labels, 1, 5, 0, Exec::default()).unwrap();
    assert!(tsne_acc > sne_acc, "t-SNE {tsne_acc} against SNE {sne_acc}");
}

#[test]
fn a_learning_rate_that_diverges_names_the_iteration() {
    let (x, _) = digits(60);
    let err = Tsne::new()
        .method(Method::Exact)
        .perplexity(10.0)
        .learning_rate(1e300)
        .fit(&x)
        .unwrap_err();
    match err {
        Error::Diverged { iteration, .. } => assert!(iteration >= 1),
        other => panic!("expected Diverged, got {other}"),
    }
}

#[test]
fn bad_input_gives_errors() {
    let (x, _) = digits(50);
    let expect_invalid = |t: Tsne, x: &Matrix<f64>, name: &str| match t.fit(x) {
        Err(Error::InvalidParameter { name: n, .. }) => assert_eq!(n, name),
        other => panic!("{name}: expected InvalidParameter, got {other:?}"),
    };
    expect_invalid(Tsne::new().perplexity(0.0), &x, "perplexity");
    expect_invalid(Tsne::new().perplexity(50.0), &x, "perplexity");
    expect_invalid(Tsne::new().perplexity(f64::NAN), &x, "perplexity");
    expect_invalid(Tsne::new().theta(-0.1), &x, "theta");
    expect_invalid(Tsne::new().learning_rate(0.0), &x, "learning_rate");
    expect_invalid(Tsne::new().n_components(3), &x, "n_components");
    expect_invalid(
        Tsne::new().method(Method::Exact).n_components(4),
        &x,
        "n_components",
    );
    expect_invalid(
        Tsne::new().perplexity(1.0),
        &random_points(3, 2, 1.0, 0),
        "data",
    );
    let mut bad = x.clone();
    bad[(7, 3)] = f64::NAN;
    assert!(matches!(
        Tsne::new().perplexity(5.0).fit(&bad),
        Err(Error::NonFinite {
            row: 7,
            column: 3,
            ..
        })
    ));
}

#[test]
fn duplicate_points_get_finite_maps() {
    // Ten copies of each of five points: equal distances everywhere within a copy group.
    let base = random_points(5, 3, 1.0, 9);
    let x = Matrix::from_fn(50, 3, |i, j| base[(i % 5, j)]);
    for method in [Method::BarnesHut, Method::Exact] {
        let fit = Tsne::new()
            .method(method)
            .perplexity(5.0)
            .max_iter(200)
            .fit(&x)
            .unwrap();
        assert!(fit.embedding.as_slice().iter().all(|v| v.is_finite()));
        assert!(fit.kl.is_finite());
    }
}

// ---------------------------------------------------------------- metrics

#[test]
fn trustworthiness_of_a_hand_checked_swap() {
    // Ten points on a line; the map swaps points 2 and 7. With k = 2 the intruders cost
    // 10 + 10 (the swapped points' new neighbours) + 6 · 5 (the points that now neighbour a
    // swapped one) = 50 rank steps, and T = 1 - 50 · 2 / (10 · 2 · 13) = 1 - 50 / 130
    // (scikit-learn's trustworthiness gives 0.6153846153846154 too).
    let x = Matrix::from_fn(10, 1, |i, _| i as f64);
    let mut y = x.clone();
    y[(2, 0)] = 7.0;
    y[(7, 0)] = 2.0;
    let t = trustworthiness(&x, &y, 2, Exec::default()).unwrap();
    assert!((t - (1.0 - 50.0 / 130.0)).abs() < 1e-15, "{t}");
    assert_eq!(trustworthiness(&x, &x, 2, Exec::default()).unwrap(), 1.0);
    assert_eq!(
        continuity(&x, &y, 2, Exec::default()).unwrap(),
        trustworthiness(&y, &x, 2, Exec::default()).unwrap()
    );
    assert!(
        trustworthiness(&x, &y, 5, Exec::default()).is_err(),
        "k must stay below n / 2"
    );
}

#[test]
fn knn_accuracy_of_a_hand_checked_line() {
    // Leave-one-out (5 folds of one point) with 1-NN: points 5 and 5.1 carry each other's
    // wrong label and 10 borrows 5.1's, so 2 of 5 are right.
    let x = Matrix::from_fn(5, 1, |i, _| [0.0, 0.1, 5.0, 5.1, 10.0][i]);
    assert_eq!(
        knn_accuracy(&x, &[0, 0, 1, 1, 1], 1, 5, 0, Exec::default()).unwrap(),
        1.0
    );
    assert_eq!(
        knn_accuracy(&x, &[0, 0, 1, 0, 1], 1, 5, 0, Exec::default()).unwrap(),
        0.4
    );
    assert!(knn_accuracy(&x, &[0, 0, 1], 1, 5, 0, Exec::default()).is_err());
    assert!(knn_accuracy(&x, &[0, 0, 1, 0, 1], 1, 1, 0, Exec::default()).is_err());
}

#[test]
fn spearman_matches_its_definition_with_ties() {
    // SciPy's spearmanr([1, 2, 3, 4, 5], [5, 6, 7, 8, 7]) = 0.8207826816681233.
    let r = spearman(&[1.0, 2.0, 3.0, 4.0, 5.0], &[5.0, 6.0, 7.0, 8.0, 7.0]).unwrap();
    assert!((r - 0.8207826816681233).abs() < 1e-15, "{r}");
    let v: Vec<f64> = (0..20).map(|i| i as f64).collect();
    let cubed: Vec<f64> = v.iter().map(|x| -x * x * x).collect();
    assert_eq!(spearman(&v, &cubed).unwrap(), -1.0);
    assert!(spearman(&v, &[1.0; 20]).is_err());
    assert!(spearman(&v, &v[..5]).is_err());
}

// ---------------------------------------------------------------- digits, in full

/// The bars on digits (perplexity 30, 1,000 iterations); scikit-learn and openTSNE
/// reach 0.995 and 0.987 here.
const DIGITS_TRUSTWORTHINESS: f64 = 0.99;
const DIGITS_KNN_ACCURACY: f64 = 0.98;

fn check_digits(method: Method) {
    let d = datasets::digits().unwrap();
    let labels = d.labels.unwrap();
    let fit = Tsne::new().method(method).fit(&d.x).unwrap();
    let t = trustworthiness(&d.x, &fit.embedding, 5, Exec::default()).unwrap();
    let acc = knn_accuracy(&fit.embedding, &labels, 1, 5, 0, Exec::default()).unwrap();
    eprintln!(
        "{method:?}: KL {:.4}, trustworthiness {t:.4}, 1-NN {acc:.4}",
        fit.kl
    );
    assert!(
        t >= DIGITS_TRUSTWORTHINESS,
        "{method:?}: trustworthiness {t}"
    );
    assert!(
        acc >= DIGITS_KNN_ACCURACY,
        "{method:?}: 1-NN accuracy {acc}"
    );
}

#[test]
#[ignore = "release mode, about 10 s: cargo test --release --test tsne -- --ignored"]
fn barnes_hut_map_of_digits_meets_the_quality_bar() {
    check_digits(Method::BarnesHut);
}

#[test]
#[ignore = "release mode, about 10 s: cargo test --release --test tsne -- --ignored"]
fn exact_map_of_digits_meets_the_quality_bar() {
    check_digits(Method::Exact);
}

#[test]
fn tsne_passes_the_estimator_battery() {
    common::check_estimator(common::Estimator {
        name: "Tsne",
        count: 2,
        fit: &|x: &Matrix<f64>, d: usize, threads: usize| -> unsupervised::Result<Vec<f64>> {
            let fit = Tsne::new()
                .n_components(d)
                .perplexity(10.0)
                .max_iter(250)
                .seed(5)
                .threads(threads)
                .fit(x)?;
            Ok(fit.embedding.into_vec())
        },
    });
}

// ---------------------------------------------------------------- UMAP

mod umap {
    use super::{common, digits, random_points};
    use unsupervised::datasets;
    use unsupervised::linalg::{knn_self, Exec, Matrix};
    use unsupervised::metrics::{knn_classify, trustworthiness};
    use unsupervised::tsne::umap::{calibrate_membership, fit_curve, memberships, Init, Umap};

    /// Every point's memberships add up to log₂ k, to the bisection's tolerance, on the
    /// digits; and ρ is the nearest neighbour's distance, whose membership is 1.
    #[test]
    fn calibration_hits_log2_k_for_every_point() {
        let (x, _) = digits(600);
        for k in [5, 15, 40] {
            let nb = knn_self(&x, k - 1, Exec::default()).unwrap();
            let (calibration, _) = memberships(&nb, k, Exec::default());
            let target = (k as f64).log2();
            for (i, m) in calibration.iter().enumerate() {
                assert!(
                    (m.total - target).abs() <= 1e-11 * target,
                    "k = {k}, point {i}: total {} against log2 k = {target}",
                    m.total
                );
                assert_eq!(m.rho, nb.sq_distances_of(i)[0].sqrt());
            }
        }
    }

    /// When more neighbours tie at ρ than log₂ k, no σ reaches the target: σ is floored at
    /// a thousandth of the mean distance, and the total stays at the number of ties.
    #[test]
    fn calibration_floors_sigma_when_ties_exceed_the_target() {
        let d = [1.0, 1.0, 1.0, 1.0, 2.0];
        let m = calibrate_membership(&d, 2.0, 1.0);
        assert_eq!(m.rho, 1.0);
        assert!((m.sigma - 1e-3 * 1.2).abs() < 1e-15);
        assert!((m.total - 4.0).abs() < 1e-12);
    }

    /// The fitted curve `1 / (1 + a d^{2b})` matches umap-learn's `find_ab_params` (SciPy's
    /// `curve_fit`, tolerance about 1e-8) for four settings, the default first.
    #[test]
    fn curve_matches_the_reference_a_and_b() {
        for (min_dist, spread, a, b) in [
            (0.1, 1.0, 1.5769434602697652, 0.8950608778515733),
            (0.5, 1.0, 0.5830300203414425, 1.3341669924314914),
            (0.0, 2.0, 0.6460466719525826, 0.7904944906889044),
            (0.0, 1.0, 1.93280839734315, 0.7904949732233831),
        ] {
            let (fa, fb) = fit_curve(min_dist, spread).unwrap();
            assert!(
                (fa - a).abs() < 1e-6 * a && (fb - b).abs() < 1e-6 * b,
                "min_dist {min_dist}, spread {spread}: ({fa}, {fb}) against ({a}, {b})"
            );
        }
    }

    /// The fuzzy graph is symmetric, its weights lie in (0, 1], and each is the fuzzy
    /// union `w_ij + w_ji - w_ij w_ji` of the directed memberships, recomputed by hand.
    #[test]
    fn graph_is_the_symmetric_fuzzy_union_of_the_memberships() {
        let x = random_points(150, 5, 1.0, 3);
        let fit = Umap::new().n_epochs(10).fit(&x).unwrap();
        let g = &fit.graph;
        assert!(g.is_symmetric());
        let nb = knn_self(&x, 14, Exec::default()).unwrap();
        let (_, directed) = memberships(&nb, 15, Exec::default());
        let mut w = vec![0.0; 150 * 150];
        for &(i, j, v) in &directed {
            w[i * 150 + j] = v;
        }
        for i in 0..150 {
            let (cols, vals) = g.row(i);
            for (&j, &v) in cols.iter().zip(vals) {
                assert!(v > 0.0 && v <= 1.0, "w[{i}][{j}] = {v}");
                let (a, b) = (w[i * 150 + j], w[j * 150 + i]);
                assert!((v - (a + b - a * b)).abs() <= 4.0 * f64::EPSILON);
            }
            // Every directed membership is in the graph.
            let present = (0..150).filter(|&j| w[i * 150 + j] > 0.0);
            assert!(present.into_iter().all(|j| cols.contains(&j)));
        }
    }

    /// Five Gaussian blobs far apart in 10-D stay apart in the map: every point is nearer
    /// its own blob's map centre than any other blob's, from either start.
    #[test]
    fn separated_blobs_stay_separated() {
        let d = datasets::blobs(250, 10, 5, 1.0, 4).unwrap();
        let labels = d.labels.unwrap();
        for init in [Init::Spectral, Init::Random] {
            let y = Umap::new().init(init).seed(1).fit(&d.x).unwrap().embedding;
            let mut centres = [[0.0; 2]; 5];
            let mut counts = [0.0; 5];
            for (i, &l) in labels.iter().enumerate() {
                centres[l][0] += y[(i, 0)];
                centres[l][1] += y[(i, 1)];
                counts[l] += 1.0;
            }
            for (c, n) in centres.iter_mut().zip(counts) {
                c.iter_mut().for_each(|v| *v /= n);
            }
            for (i, &l) in labels.iter().enumerate() {
                let dist = |c: &[f64; 2]| (y[(i, 0)] - c[0]).powi(2) + (y[(i, 1)] - c[1]).powi(2);
                let nearest = (0..5)
                    .min_by(|&a, &b| dist(&centres[a]).total_cmp(&dist(&centres[b])))
                    .unwrap();
                assert_eq!(nearest, l, "{init:?}: point {i} of blob {l}");
            }
        }
    }

    /// With NN-descent's neighbours instead of the exact ones, the digits map keeps its
    /// neighbourhoods and classes (trustworthiness and 1-NN accuracy within 0.01).
    #[test]
    fn descent_search_maps_the_digits_as_well_as_the_exact_one() {
        use unsupervised::metrics::knn_accuracy;
        use unsupervised::tsne::umap::Search;
        let (x, labels) = digits(1000);
        let score = |search| {
            let y = Umap::new().search(search).fit(&x).unwrap().embedding;
            (
                trustworthiness(&x, &y, 5, Exec::default()).unwrap(),
                knn_accuracy(&y, &labels, 1, 5, 0, Exec::default()).unwrap(),
            )
        };
        let (exact, descent) = (score(Search::Exact), score(Search::Descent));
        assert!(
            (exact.0 - descent.0).abs() < 0.01 && (exact.1 - descent.1).abs() < 0.01,
            "exact {exact:?}, descent {descent:?}"
        );
    }

    /// Two points joined by one edge of weight 1 settle where attraction and repulsion
    /// balance. Each sample of an edge pulls both ends together, 2 x 2ab d^{2b-2} / (1 +
    /// a d^{2b}); of its 5 negative samples, half draw the point itself and are skipped, and
    /// the other half push the head away by 2b / ((10⁻³ + d²)(1 + a d^{2b})). Balance:
    /// 2a d^{2b} = 2.5 (d² ≫ 10⁻³), so d = (1.25 / a)^{1/2b}, 0.878 for the defaults.
    #[test]
    fn two_points_settle_where_attraction_and_repulsion_balance() {
        use unsupervised::linalg::sparse::Duplicates;
        use unsupervised::linalg::Csr;
        use unsupervised::tsne::umap::{optimize_layout, Sgd};
        let (a, b) = fit_curve(0.1, 1.0).unwrap();
        let expected = (1.25 / a).powf(0.5 / b);
        let graph = Csr::symmetric_from_triplets(2, &[(0, 1, 1.0)], Duplicates::Max).unwrap();
        for seed in 0..4 {
            let mut y = Matrix::new(2, 2, vec![0.0, 0.0, 3.0, 4.0]).unwrap();
            let sgd = Sgd {
                a,
                b,
                gamma: 1.0,
                negative_rate: 5,
                initial_alpha: 1.0,
                n_epochs: 20_000,
            };
            optimize_layout(&mut y, None, &graph, sgd, seed, Exec::default()).unwrap();
            let d = ((y[(0, 0)] - y[(1, 0)]).powi(2) + (y[(0, 1)] - y[(1, 1)]).powi(2)).sqrt();
            assert!(
                (d - expected).abs() < 0.05 * expected,
                "seed {seed}: distance {d} against {expected}"
            );
        }
    }

    /// Held-out digits placed by `transform` land among their own class: 1-NN accuracy
    /// against the training map's labels of at least 0.9, and the placed points keep their
    /// neighbourhoods (trustworthiness above 0.9).
    #[test]
    fn transform_places_held_out_digits_among_their_class() {
        let (x, labels) = digits(1200);
        let train = Matrix::new(1000, 64, x.as_slice()[..1000 * 64].to_vec()).unwrap();
        let test = Matrix::new(200, 64, x.as_slice()[1000 * 64..].to_vec()).unwrap();
        let fit = Umap::new().seed(2).fit(&train).unwrap();
        let placed = fit.transform(&test).unwrap();
        let predicted =
            knn_classify(&fit.embedding, &labels[..1000], &placed, 1, Exec::default()).unwrap();
        let right = predicted
            .iter()
            .zip(&labels[1000..])
            .filter(|(p, t)| p == t)
            .count();
        assert!(
            right >= 180,
            "{right} of 200 held-out digits among their class"
        );
        assert!(trustworthiness(&test, &placed, 5, Exec::default()).unwrap() > 0.9);
    }

    /// The same seed gives the same bits on 1 and 2 threads; bad counts and NaN are
    /// refused (the shared battery).
    #[test]
    fn umap_passes_the_estimator_battery() {
        common::check_estimator(common::Estimator {
            name: "Umap",
            count: 2,
            fit: &|x: &Matrix<f64>, d: usize, threads: usize| -> unsupervised::Result<Vec<f64>> {
                let fit = Umap::new()
                    .n_components(d)
                    .n_neighbors(10)
                    .n_epochs(50)
                    .seed(5)
                    .threads(threads)
                    .fit(x)?;
                Ok(fit.embedding.into_vec())
            },
        });
    }

    /// The global-structure score: a rotated and scaled copy of the data keeps every
    /// centre distance's order (1); three centres on a line at 0, 1, 3 (distances 1, 3, 2)
    /// drawn at 0, 2, 3 (distances 2, 3, 1) have rank correlation 1/2, by hand.
    #[test]
    fn centre_distance_correlation_by_hand() {
        use unsupervised::metrics::centre_distance_correlation;
        let x = random_points(40, 2, 1.0, 9);
        let labels: Vec<usize> = (0..40).map(|i| i % 4).collect();
        let (c, s) = (0.6f64, 0.8f64);
        let rotated = Matrix::from_fn(40, 2, |i, j| {
            let (a, b) = (x[(i, 0)], x[(i, 1)]);
            3.0 * if j == 0 { c * a - s * b } else { s * a + c * b }
        });
        let r = centre_distance_correlation(&x, &rotated, &labels).unwrap();
        assert!((r - 1.0).abs() < 1e-12, "{r}");
        let line = |v: [f64; 3]| Matrix::from_fn(6, 1, |i, _| v[i / 2]);
        let labels = [0, 0, 1, 1, 2, 2];
        let r =
            centre_distance_correlation(&line([0.0, 1.0, 3.0]), &line([0.0, 2.0, 3.0]), &labels)
                .unwrap();
        assert!((r - 0.5).abs() < 1e-12, "{r}");
        assert!(centre_distance_correlation(&x, &x, &[0; 40]).is_err());
    }

    /// Bad hyperparameters are refused by name, with the offending value.
    #[test]
    fn umap_refuses_bad_hyperparameters_by_name() {
        let x = random_points(30, 3, 1.0, 1);
        for (umap, words) in [
            (Umap::new().n_neighbors(0), "n_neighbors"),
            (
                Umap::new().n_neighbors(30),
                "below the number of points (30)",
            ),
            (Umap::new().min_dist(-0.1), "min_dist"),
            (Umap::new().min_dist(2.0), "between 0 and spread (1)"),
            (Umap::new().spread(0.0), "spread"),
            (Umap::new().n_epochs(0), "n_epochs"),
            (Umap::new().n_components(29), "n_components"),
        ] {
            let err = umap.fit(&x).unwrap_err().to_string();
            assert!(err.contains(words), "{words}: {err}");
        }
    }
}
