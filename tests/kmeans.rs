//! Chapter 4: k-means invariants (J never rises, assignments are the Voronoi partition, a
//! converged fit's centroids are its clusters' means), recovery of separated clusters,
//! restarts, empty clusters, the gap statistic against brute force, and bad input.

mod common;
use proptest::prelude::*;
use unsupervised::datasets;
use unsupervised::kmeans::{assign_step, Init, KMeans};
use unsupervised::linalg::kernels::sq_dist_ref;
use unsupervised::linalg::Matrix;
use unsupervised::{Error, Exec, Rng};

fn random_points(n: usize, d: usize, seed: u64) -> Matrix<f64> {
    let mut rng = Rng::seed_from_u64(seed);
    Matrix::from_fn(n, d, |_, _| rng.normal())
}

/// The starting centroids `init` draws from `x` with a fresh generator seeded `seed`, on one
/// thread.
fn start(x: &Matrix<f64>, k: usize, init: Init, seed: u64) -> Matrix<f64> {
    unsupervised::kmeans::initial_centroids(
        x,
        k,
        init,
        &mut Rng::seed_from_u64(seed),
        Exec::serial(),
    )
    .unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(40))]

    #[test]
    fn the_objective_never_increases(n in 8usize..120, d in 1usize..5, k in 1usize..6, seed in any::<u64>(), init in 0usize..3) {
        let x = random_points(n, d, seed);
        let init = [Init::RandomAssignment, Init::Forgy, Init::KMeansPlusPlus][init];
        let fit = KMeans::new(k).n_init(1).init(init).seed(seed).fit(&x).unwrap();
        // Bishop §9.1: neither step can raise J (up to rounding in the sums).
        for w in fit.objective.windows(2) {
            prop_assert!(w[1] <= w[0] * (1.0 + 1e-12), "J rose from {} to {}", w[0], w[1]);
        }
        prop_assert!(fit.converged);
        // At convergence each centroid is the mean of its cluster (the update step's fixed
        // point), each point sits with its nearest centroid, and the inertia is J of that
        // partition: all three recomputed here from the labels, not from the fit's trace.
        let mut j = 0.0;
        for c in 0..k {
            let members: Vec<usize> = (0..n).filter(|&i| fit.labels[i] == c).collect();
            for a in 0..d {
                let mean = members.iter().map(|&i| x[(i, a)]).sum::<f64>() / members.len() as f64;
                prop_assert!((fit.centroids[(c, a)] - mean).abs() <= 1e-12 * (1.0 + mean.abs()), "centroid {c} is not its cluster's mean");
            }
        }
        for i in 0..n {
            let d2: Vec<f64> = (0..k).map(|c| sq_dist_ref(x.row(i), fit.centroids.row(c))).collect();
            let own = d2[fit.labels[i]];
            prop_assert!(d2.iter().all(|&v| own <= v * (1.0 + 1e-12) + 1e-300), "point {i} is not with its nearest centroid");
            j += own;
        }
        prop_assert!((fit.inertia - j).abs() <= 1e-12 * j.max(1.0), "inertia {} against J = {j}", fit.inertia);
        // Every cluster is used.
        for c in 0..k {
            prop_assert!(fit.labels.contains(&c), "cluster {c} is empty");
        }
    }

    #[test]
    fn assignment_is_the_voronoi_partition(n in 1usize..80, k in 1usize..8, seed in any::<u64>()) {
        let x = random_points(n, 3, seed);
        let c = random_points(k, 3, seed ^ 1);
        let (labels, dists) = assign_step(&x, &c, Exec::default()).unwrap();
        for i in 0..n {
            let d: Vec<f64> = (0..k).map(|j| sq_dist_ref(x.row(i), c.row(j))).collect();
            let best = (0..k).fold(0, |b, j| if d[j] < d[b] { j } else { b });
            prop_assert_eq!(labels[i], best);
            prop_assert!((dists[i] - d[best]).abs() <= 1e-12 * d[best].max(1.0));
        }
    }
}

#[test]
fn separated_blobs_are_recovered_up_to_relabelling() {
    let d = datasets::blobs(600, 2, 4, 0.5, 11).unwrap();
    let truth = d.labels.unwrap();
    let fit = KMeans::new(4).seed(1).fit(&d.x).unwrap();
    // Each true cluster maps to exactly one found label, and no two share one.
    let mut map = [usize::MAX; 4];
    for (t, l) in truth.iter().zip(&fit.labels) {
        if map[*t] == usize::MAX {
            map[*t] = *l;
        }
        assert_eq!(map[*t], *l, "true cluster {t} is split");
    }
    let mut used = map.to_vec();
    used.sort_unstable();
    used.dedup();
    assert_eq!(used.len(), 4);
    assert_eq!(fit.predict(&d.x).unwrap(), fit.labels);
}

#[test]
fn one_cluster_is_the_mean_and_restarts_keep_the_best() {
    let x = random_points(50, 3, 5);
    let one = KMeans::new(1).fit(&x).unwrap();
    let mean = x.column_means().unwrap();
    assert!(one
        .centroids
        .row(0)
        .iter()
        .zip(&mean)
        .all(|(a, b)| (a - b).abs() < 1e-12));
    let total: f64 = x.iter_rows().map(|r| sq_dist_ref(r, &mean)).sum();
    assert!((one.inertia - total).abs() < 1e-9);
    // n_init = 10 keeps the lowest J of the ten runs (runs are seed streams 0..10).
    let d = datasets::digits().unwrap();
    let best = KMeans::new(10).n_init(10).seed(3).fit(&d.x).unwrap();
    let single = KMeans::new(10).n_init(1).seed(3).fit(&d.x).unwrap();
    assert!(best.inertia <= single.inertia);
    assert_eq!(
        best,
        KMeans::new(10).n_init(10).seed(3).fit(&d.x).unwrap(),
        "same seed, same result"
    );
}

/// The update step by hand: means of the clusters, and each empty cluster takes the point
/// farthest from its centroid among the clusters that can spare one (more than one member
/// left), ties to the smaller index.
#[test]
fn update_step_refills_empty_clusters_from_the_farthest_spare_points() {
    use unsupervised::kmeans::update_step;
    let x = Matrix::new(5, 1, vec![0.0, 1.0, 2.0, 10.0, 11.0]).unwrap();
    let labels = [0, 0, 0, 1, 1];
    // One empty cluster: point 3 is the farthest, and cluster 1 has two members to spare.
    let c = update_step(&x, &labels, 3, &[1.0, 0.0, 1.0, 4.0, 0.25]);
    assert_eq!(c.as_slice(), [1.0, 10.5, 10.0]);
    // Two empty clusters: after giving point 3, cluster 1 has one member left and keeps
    // point 4 although it is farther than points 0 and 2 (a tie, so point 0).
    let c = update_step(&x, &labels, 4, &[0.5, 0.0, 0.5, 4.0, 3.0]);
    assert_eq!(c.as_slice(), [1.0, 10.5, 10.0, 0.0]);
}

#[test]
fn as_many_clusters_as_distinct_points_is_allowed_and_one_more_is_not() {
    // Five rows, four distinct points: k = 4 puts each point in its own cluster (J = 0).
    let x = Matrix::new(5, 1, vec![3.0, 1.0, 4.0, 1.0, 5.0]).unwrap();
    let fit = KMeans::new(4).init(Init::Forgy).fit(&x).unwrap();
    assert_eq!(fit.inertia, 0.0);
    assert!(KMeans::new(5).fit(&x).is_err());
}

#[test]
fn empty_clusters_are_refilled() {
    // Random assignment of 12 points to 10 clusters leaves some clusters empty at the start.
    let x = random_points(12, 2, 8);
    for seed in 0..20 {
        let fit = KMeans::new(10)
            .n_init(1)
            .init(Init::RandomAssignment)
            .seed(seed)
            .fit(&x)
            .unwrap();
        for c in 0..10 {
            assert!(fit.labels.contains(&c), "seed {seed}: cluster {c} empty");
        }
    }
}

#[test]
fn bad_input_gets_a_clear_error() {
    let x = random_points(10, 2, 1);
    let err = KMeans::new(0).fit(&x).unwrap_err().to_string();
    assert!(
        err.contains("n_clusters = 0") && err.contains("(10)"),
        "{err}"
    );
    assert!(KMeans::new(11).fit(&x).is_err());
    assert!(KMeans::new(2).n_init(0).fit(&x).is_err());
    assert!(KMeans::new(2).max_iter(0).fit(&x).is_err());
    for tol in [-1e-4, f64::NAN, f64::INFINITY] {
        let err = KMeans::new(2).tol(tol).fit(&x).unwrap_err().to_string();
        assert!(err.contains("tol = "), "{err}");
    }
    let twins = Matrix::from_fn(6, 2, |i, _| (i % 2) as f64);
    assert!(KMeans::new(3)
        .fit(&twins)
        .unwrap_err()
        .to_string()
        .contains("2 distinct"));
    let mut nan = x.clone();
    nan[(4, 1)] = f64::NAN;
    assert!(matches!(
        KMeans::new(2).fit(&nan),
        Err(Error::NonFinite {
            row: 4,
            column: 1,
            ..
        })
    ));
    assert!(KMeans::new(2).fit(&Matrix::zeros(0, 2)).is_err());
    let fit = KMeans::new(2).fit(&x).unwrap();
    assert!(matches!(
        fit.predict(&Matrix::zeros(3, 5)),
        Err(Error::ShapeMismatch { .. })
    ));
}

#[test]
fn vector_quantization_saves_the_lectures_factor_of_four() {
    use unsupervised::kmeans::quantize_image;
    let photo = datasets::china_gray().unwrap();
    let mut last_mse = f64::INFINITY;
    for k in [2, 4, 8, 16] {
        let q = quantize_image(&photo, k, 0).unwrap();
        // N log₂ K + K C bits against N C: the lecture's count, N = 65,536 and C = 8.
        let log2k = (k as f64).log2() as usize;
        assert_eq!(q.bits, 65_536 * log2k + k * 8);
        assert_eq!(q.raw_bits, 65_536 * 8);
        assert!(q.mse < last_mse, "K = {k}: MSE {} did not fall", q.mse);
        last_mse = q.mse;
        let distinct: std::collections::BTreeSet<u8> = q.image.pixels.iter().copied().collect();
        assert!(distinct.len() <= k);
    }
    let four = quantize_image(&photo, 4, 0).unwrap();
    assert!(
        (four.raw_bits as f64 / four.bits as f64 - 4.0).abs() < 0.01,
        "factor {}",
        four.raw_bits as f64 / four.bits as f64
    );
}

#[test]
fn the_gap_statistic_counts_separated_clusters() {
    use unsupervised::kmeans::gap_statistic;
    let three = datasets::blobs(300, 2, 3, 0.4, 21).unwrap();
    let g = gap_statistic(&three.x, 6, 10, 0).unwrap();
    assert_eq!(g.k, 3, "gap {:?}, s {:?}", g.gap, g.s);
    assert_eq!((g.gap.len(), g.s.len(), g.log_w.len()), (6, 6, 6));
    // log W_K falls as K grows (more clusters, less dispersion).
    assert!(g.log_w.windows(2).all(|w| w[1] < w[0]));
    // Uniform data: no structure, so K = 1.
    let mut rng = Rng::seed_from_u64(4);
    let flat = Matrix::from_fn(300, 2, |_, _| rng.next_f64());
    assert_eq!(gap_statistic(&flat, 5, 10, 0).unwrap().k, 1);
    assert!(gap_statistic(&flat, 0, 10, 0).is_err());
    assert!(gap_statistic(&flat, 3, 1, 0).is_err());
}

/// The gap statistic on eight points of a line, where the best partitions are found by
/// brute force (a best 2-partition of a line is a split between neighbours) and the
/// reference expectation `E*[log W*_K]` by this test's own Monte Carlo over the data's
/// range.
#[test]
fn the_gap_statistic_matches_brute_force_on_a_line() {
    use unsupervised::kmeans::gap_statistic;
    let points = [0.0, 0.4, 1.1, 1.3, 5.0, 5.2, 6.1, 7.0];
    let w = |p: &[f64]| {
        let m = p.iter().sum::<f64>() / p.len() as f64;
        p.iter().map(|v| (v - m) * (v - m)).sum::<f64>()
    };
    let best_w = |p: &[f64], k: usize| {
        let mut sorted = p.to_vec();
        sorted.sort_by(f64::total_cmp);
        match k {
            1 => w(&sorted),
            _ => (1..sorted.len())
                .map(|cut| w(&sorted[..cut]) + w(&sorted[cut..]))
                .fold(f64::INFINITY, f64::min),
        }
    };
    let b = 400;
    let x = Matrix::new(8, 1, points.to_vec()).unwrap();
    let g = gap_statistic(&x, 2, b, 5).unwrap();
    let mut rng = Rng::seed_from_u64(99);
    for k in 1..=2 {
        assert!(
            (g.log_w[k - 1] - best_w(&points, k).ln()).abs() < 1e-12,
            "log W_{k}"
        );
        // E* and sd* of log W*_K over uniform data on [0, 7].
        let draws: Vec<f64> = (0..20_000)
            .map(|_| {
                let r: Vec<f64> = (0..8).map(|_| rng.uniform(0.0, 7.0)).collect();
                best_w(&r, k).ln()
            })
            .collect();
        let mean = draws.iter().sum::<f64>() / draws.len() as f64;
        let sd =
            (draws.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / draws.len() as f64).sqrt();
        // The crate's estimate averages b draws: its standard error is sd / √b.
        let expected_gap = mean - g.log_w[k - 1];
        assert!(
            (g.gap[k - 1] - expected_gap).abs() < 4.0 * sd / (b as f64).sqrt(),
            "Gap({k}) = {} against {expected_gap}",
            g.gap[k - 1]
        );
        // s_K = sd* √(1 + 1/b); an sd from b draws is off by about 1/√(2b) = 3.5 %.
        let expected_s = sd * (1.0 + 1.0 / b as f64).sqrt();
        assert!(
            (g.s[k - 1] / expected_s - 1.0).abs() < 0.15,
            "s_{k} = {} against {expected_s}",
            g.s[k - 1]
        );
    }
    // Two clumps: Gap(1) < Gap(2) - s₂, so the 1-s.e. rule picks 2.
    assert!(g.gap[0] < g.gap[1] - g.s[1]);
    assert_eq!(g.k, 2);
}

#[test]
fn nearest_neighbour_classification_reads_digits() {
    use unsupervised::metrics::knn_classify;
    let d = datasets::digits().unwrap();
    let labels = d.labels.unwrap();
    // First 1500 digits to train, the other 297 to test.
    let train = Matrix::from_fn(1500, 64, |i, j| d.x[(i, j)]);
    let test = Matrix::from_fn(297, 64, |i, j| d.x[(1500 + i, j)]);
    let predicted = knn_classify(&train, &labels[..1500], &test, 3, Exec::default()).unwrap();
    let correct = predicted
        .iter()
        .zip(&labels[1500..])
        .filter(|(p, t)| p == t)
        .count();
    let accuracy = correct as f64 / 297.0;
    assert!(accuracy > 0.95, "3-NN accuracy {accuracy}");
    // 1-NN of the training points themselves is exact.
    assert_eq!(
        knn_classify(&train, &labels[..1500], &train, 1, Exec::default()).unwrap(),
        labels[..1500].to_vec()
    );
    // A tie (one vote each) goes to the nearer neighbour's class.
    let x = Matrix::from_rows(vec![vec![0.0], vec![3.0]]).unwrap();
    let q = Matrix::from_rows(vec![vec![1.0]]).unwrap();
    assert_eq!(
        knn_classify(&x, &[7, 2], &q, 2, Exec::default()).unwrap(),
        vec![7]
    );
    assert!(knn_classify(&x, &[1], &q, 1, Exec::default()).is_err());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(30))]

    #[test]
    fn hamerly_gives_lloyds_assignments(n in 20usize..300, d in prop_oneof![1usize..6, 32usize..40], k in 2usize..8, seed in any::<u64>()) {
        use unsupervised::kmeans::Algorithm;
        let x = random_points(n, d, seed);
        let lloyd = KMeans::new(k).n_init(2).seed(seed).algorithm(Algorithm::Lloyd).fit(&x).unwrap();
        let fast = KMeans::new(k).n_init(2).seed(seed).algorithm(Algorithm::Hamerly).fit(&x).unwrap();
        // Same start (same seed streams), same assignments at every step, so the same result.
        prop_assert_eq!(&fast.labels, &lloyd.labels);
        prop_assert_eq!(fast.n_iter, lloyd.n_iter);
        prop_assert!((fast.inertia - lloyd.inertia).abs() <= 1e-9 * lloyd.inertia.max(1.0));
        for w in fast.objective.windows(2) {
            prop_assert!(w[1] <= w[0] * (1.0 + 1e-12));
        }
    }
}

#[test]
fn a_tolerance_stops_earlier_with_a_usable_result() {
    // Overlapping blobs: the assignments keep creeping long after the centroids have settled.
    let d = datasets::blobs(3000, 2, 6, 3.0, 4).unwrap();
    let exact = KMeans::new(6).n_init(1).seed(3).fit(&d.x).unwrap();
    let loose = KMeans::new(6)
        .n_init(1)
        .seed(3)
        .tol(1e-4)
        .fit(&d.x)
        .unwrap();
    assert!(exact.converged && loose.converged);
    assert!(
        loose.n_iter < exact.n_iter,
        "{} vs {}",
        loose.n_iter,
        exact.n_iter
    );
    // Same start, so the early stop is a prefix of the exact run's trace.
    assert_eq!(
        loose.objective[..],
        exact.objective[..loose.objective.len()]
    );
    assert!(
        loose.inertia <= 1.01 * exact.inertia,
        "{} vs {} after {} and {} steps",
        loose.inertia,
        exact.inertia,
        loose.n_iter,
        exact.n_iter
    );
}

#[test]
fn kmeans_passes_the_estimator_battery() {
    use unsupervised::kmeans::Algorithm;
    for algorithm in [Algorithm::Lloyd, Algorithm::Hamerly] {
        common::check_estimator(common::Estimator {
            name: "KMeans",
            count: 3,
            fit: &|x: &Matrix<f64>, k: usize, threads: usize| -> unsupervised::Result<Vec<f64>> {
                let fit = KMeans::new(k)
                    .algorithm(algorithm)
                    .n_init(4)
                    .seed(5)
                    .threads(threads)
                    .fit(x)?;
                Ok(fit
                    .centroids
                    .into_vec()
                    .into_iter()
                    .chain([fit.inertia])
                    .collect())
            },
        });
    }
}

// The battery itself must be able to fail: three estimators that break one rule each.

#[test]
#[should_panic(expected = "1 and 2 threads differ")]
fn the_battery_catches_a_result_that_depends_on_the_thread_count() {
    common::check_estimator(common::Estimator {
        name: "threads leak",
        count: 3,
        fit: &|x: &Matrix<f64>, k: usize, threads: usize| -> unsupervised::Result<Vec<f64>> {
            let fit = KMeans::new(k).seed(threads as u64).fit(x)?;
            Ok(vec![fit.inertia + threads as f64])
        },
    });
}

#[test]
#[should_panic(expected = "NaN accepted")]
fn the_battery_catches_an_estimator_that_accepts_nan() {
    common::check_estimator(common::Estimator {
        name: "no NaN check",
        count: 3,
        fit: &|x: &Matrix<f64>, k: usize, _: usize| -> unsupervised::Result<Vec<f64>> {
            if k == 0 || k > x.rows() {
                return Err(Error::invalid("n_clusters", k, "out of range"));
            }
            Ok(vec![x.as_slice().iter().filter(|v| v.is_finite()).sum()])
        },
    });
}

#[test]
#[should_panic(expected = "panicked on a 0x4 input")]
fn the_battery_catches_a_panic() {
    common::check_estimator(common::Estimator {
        name: "panics",
        count: 3,
        fit: &|x: &Matrix<f64>, k: usize, _: usize| -> unsupervised::Result<Vec<f64>> {
            // Forgets the empty input, and indexes into it.
            if k == 0 || (x.rows() > 0 && k > x.rows()) {
                return Err(Error::invalid("n_clusters", k, "out of range"));
            }
            x.check_finite("x")?;
            Ok(vec![x[(0, 0)]])
        },
    });
}

// ---------------------------------------------------------------- starts

/// Forgy picks k distinct data points; with exactly k distinct points it picks each once.
#[test]
fn forgy_starts_from_distinct_data_points() {
    let x = random_points(30, 2, 8);
    for seed in 0..20 {
        let c = start(&x, 5, Init::Forgy, seed);
        let rows: Vec<usize> = (0..5)
            .map(|r| {
                (0..30)
                    .find(|&i| x.row(i) == c.row(r))
                    .expect("a data point")
            })
            .collect();
        for a in 0..5 {
            assert!(
                rows[a + 1..].iter().all(|&b| b != rows[a]),
                "seed {seed}: {rows:?}"
            );
        }
    }
    let four = Matrix::new(4, 1, vec![3.0, 1.0, 4.0, 2.0]).unwrap();
    let c = start(&four, 4, Init::Forgy, 1);
    let mut got = c.as_slice().to_vec();
    got.sort_by(f64::total_cmp);
    assert_eq!(got, [1.0, 2.0, 3.0, 4.0]);
}

/// Greedy k-means++ (Arthur and Vassilvitskii 2007; scikit-learn's default) written out with
/// the same generator: the first centre uniformly, then per centre 2 + ⌊ln k⌋ candidates drawn
/// ∝ D², keeping the one that leaves the smallest Σ D².
#[test]
fn kmeans_plus_plus_is_greedy_d_squared_sampling() {
    // 2,100 points span three of the parallel D² update's 1,024-point chunks.
    for (n, k, seed) in [
        (40, 2, 0),
        (40, 3, 1),
        (40, 8, 2),
        (40, 8, 3),
        (2_100, 4, 4),
    ] {
        let x = random_points(n, 2, 9);
        let sq = |i: usize, j: usize| sq_dist_ref(x.row(i), x.row(j));
        {
            let got = start(&x, k, Init::KMeansPlusPlus, seed);
            let mut rng = Rng::seed_from_u64(seed);
            let trials = 2 + (k as f64).ln().floor() as usize;
            let mut chosen = vec![rng.index(n).unwrap()];
            let mut closest: Vec<f64> = (0..n).map(|i| sq(i, chosen[0])).collect();
            while chosen.len() < k {
                let mut best: Option<(f64, usize)> = None;
                for _ in 0..trials {
                    let c = rng.weighted_index(&closest).unwrap();
                    let total: f64 = (0..n).map(|i| closest[i].min(sq(i, c))).sum();
                    if best.is_none_or(|b| total < b.0) {
                        best = Some((total, c));
                    }
                }
                let c = best.unwrap().1;
                chosen.push(c);
                (0..n).for_each(|i| closest[i] = closest[i].min(sq(i, c)));
            }
            let want = Matrix::from_fn(k, 2, |c, j| x[(chosen[c], j)]);
            assert_eq!(got, want, "k = {k}, seed {seed}");
        }
    }
}

#[test]
fn the_tolerance_is_relative_to_the_mean_feature_variance() {
    use unsupervised::kmeans::{initial_centroids, update_step};
    // Features on different scales, so a wrong scale (a sum instead of a mean, a divisor of
    // n instead of n·d) moves the stopping step for some tol.
    let d = datasets::blobs(2000, 3, 6, 4.0, 8).unwrap();
    let x = Matrix::from_fn(2000, 3, |i, j| d.x[(i, j)] * [1.0, 10.0, 0.1][j]);
    let (n, dims) = (x.rows() as f64, x.cols() as f64);
    let mean_variance = (0..x.cols())
        .map(|j| {
            let m = (0..x.rows()).map(|i| x[(i, j)]).sum::<f64>() / n;
            (0..x.rows()).map(|i| (x[(i, j)] - m).powi(2)).sum::<f64>() / n
        })
        .sum::<f64>()
        / dims;
    let mut stops = std::collections::BTreeSet::new();
    for tol in [1e-1, 3e-2, 1e-2, 3e-3, 1e-3, 3e-4, 1e-4, 3e-5, 1e-5, 1e-6] {
        // Lloyd replayed from the fit's own start (stream 0 of the seed) with the public steps.
        let mut rng = Rng::stream(5, 0);
        let mut c =
            initial_centroids(&x, 6, Init::KMeansPlusPlus, &mut rng, Exec::serial()).unwrap();
        let (mut labels, mut dists) = assign_step(&x, &c, Exec::serial()).unwrap();
        let mut steps = 0;
        loop {
            steps += 1;
            let moved = update_step(&x, &labels, 6, &dists);
            let shift: f64 = (0..6).map(|r| sq_dist_ref(c.row(r), moved.row(r))).sum();
            c = moved;
            let (new_labels, new_dists) = assign_step(&x, &c, Exec::serial()).unwrap();
            let settled = new_labels == labels || shift <= tol * mean_variance;
            (labels, dists) = (new_labels, new_dists);
            if settled {
                break;
            }
        }
        let fit = KMeans::new(6)
            .n_init(1)
            .seed(5)
            .algorithm(unsupervised::kmeans::Algorithm::Lloyd)
            .tol(tol)
            .fit(&x)
            .unwrap();
        assert_eq!(fit.n_iter, steps, "tol = {tol}");
        stops.insert(steps);
    }
    // The sweep must cross several stopping steps, or it pins nothing.
    assert!(stops.len() >= 4, "{stops:?}");
}

/// The book's statement (chapter 4, "How many clusters?"): on Old Faithful, the gap
/// statistic's one-standard-error rule chooses K = 2, whatever the seed of its reference
/// sets (B = 20, as the tour uses).
#[test]
fn the_gap_statistic_chooses_two_clusters_on_old_faithful() {
    let x = datasets::faithful().unwrap().x;
    for seed in 0..3 {
        let g = unsupervised::kmeans::gap_statistic(&x, 6, 20, seed).unwrap();
        assert_eq!(g.k, 2, "seed {seed}: gap {:?}, s {:?}", g.gap, g.s);
    }
}
