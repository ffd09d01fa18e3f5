//! The generator: known values from the reference algorithm, and the distributions.

use unsupervised::{Error, Rng};

// Outputs of the reference C implementations (splitmix64.c and xoshiro256starstar.c by
// Blackman and Vigna), transcribed to Python to produce these values.
#[test]
fn xoshiro_matches_the_reference_outputs() {
    let mut rng = Rng::from_state([1, 2, 3, 4]).unwrap();
    let got: Vec<u64> = (0..4).map(|_| rng.next_u64()).collect();
    assert_eq!(got, vec![11520, 0, 1509978240, 1215971899390074240]);
}

#[test]
fn seeding_through_splitmix64_matches_the_reference() {
    let mut rng = Rng::seed_from_u64(42);
    let got: Vec<u64> = (0..4).map(|_| rng.next_u64()).collect();
    assert_eq!(
        got,
        vec![
            0x15780b2e0c2ec716,
            0x6104d9866d113a7e,
            0xae17533239e499a1,
            0xecb8ad4703b360a1
        ]
    );
    let mut jumped = Rng::seed_from_u64(42);
    jumped.jump();
    assert_eq!(jumped.next_u64(), 0x50086ef83cbf4f4a);
    assert_eq!(jumped.next_u64(), 0xba285ec21347d703);
    assert_eq!(Rng::stream(42, 1).next_u64(), 0x50086ef83cbf4f4a);
    let mut zero = Rng::seed_from_u64(0);
    let u: Vec<f64> = (0..3).map(|_| zero.next_f64()).collect();
    assert_eq!(
        u,
        vec![0.6012629994179048, 0.7477740925472398, 0.10301998939503632]
    );
}

#[test]
fn the_all_zero_state_is_refused() {
    assert!(matches!(
        Rng::from_state([0; 4]),
        Err(Error::InvalidParameter { name: "state", .. })
    ));
}

#[test]
fn same_seed_same_stream_different_seed_different_stream() {
    let a: Vec<u64> = {
        let mut r = Rng::seed_from_u64(7);
        (0..100).map(|_| r.next_u64()).collect()
    };
    let b: Vec<u64> = {
        let mut r = Rng::seed_from_u64(7);
        (0..100).map(|_| r.next_u64()).collect()
    };
    let c: Vec<u64> = {
        let mut r = Rng::seed_from_u64(8);
        (0..100).map(|_| r.next_u64()).collect()
    };
    assert_eq!(a, b);
    assert_ne!(a, c);
}

#[test]
fn uniforms_stay_in_the_unit_interval_with_the_right_mean() {
    let mut rng = Rng::seed_from_u64(1);
    let n = 200_000;
    let (mut s64, mut s32) = (0.0, 0.0);
    for _ in 0..n {
        let (u, v) = (rng.next_f64(), rng.next_f32());
        assert!((0.0..1.0).contains(&u) && (0.0..1.0).contains(&v));
        s64 += u;
        s32 += v as f64;
    }
    // Mean of U(0,1) is 1/2 with standard error sqrt(1/12/n) ≈ 6.5e-4: allow 5 standard errors.
    let se = (1.0 / 12.0 / n as f64).sqrt();
    assert!((s64 / n as f64 - 0.5).abs() < 5.0 * se);
    assert!((s32 / n as f64 - 0.5).abs() < 5.0 * se);
    let x = rng.uniform(-3.0, -1.0);
    assert!((-3.0..-1.0).contains(&x));
}

#[test]
fn below_is_unbiased_and_in_range() {
    let mut rng = Rng::seed_from_u64(2);
    let n = 60_000;
    let mut counts = [0usize; 6];
    for _ in 0..n {
        counts[rng.below(6).unwrap() as usize] += 1;
    }
    // Pearson's chi-square with 5 degrees of freedom: P(χ² > 20.5) ≈ 0.001.
    let expected = n as f64 / 6.0;
    let chi2: f64 = counts
        .iter()
        .map(|&c| (c as f64 - expected).powi(2) / expected)
        .sum();
    assert!(chi2 < 20.5, "chi2 = {chi2}, counts {counts:?}");
    // A range close to 2⁶³ exercises the rejection step.
    let big = (1u64 << 63) + 12345;
    assert!((0..1000).all(|_| rng.below(big).unwrap() < big));
    assert_eq!(rng.below(1).unwrap(), 0);
    assert!(rng.below(0).is_err());
    assert!(rng.index(0).is_err());
}

#[test]
fn normals_have_mean_zero_and_variance_one() {
    let mut rng = Rng::seed_from_u64(3);
    let n = 200_000;
    let xs: Vec<f64> = (0..n).map(|_| rng.normal()).collect();
    let mean = xs.iter().sum::<f64>() / n as f64;
    let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
    // Standard errors: 1/√n for the mean, √(2/n) for the variance; allow 5 of each.
    assert!(mean.abs() < 5.0 / (n as f64).sqrt(), "mean {mean}");
    assert!(
        (var - 1.0).abs() < 5.0 * (2.0 / n as f64).sqrt(),
        "var {var}"
    );
    // The tails: P(|Z| > 2) = 0.0455.
    let tail = xs.iter().filter(|x| x.abs() > 2.0).count() as f64 / n as f64;
    assert!((tail - 0.0455).abs() < 0.003, "tail {tail}");
    let g = Rng::seed_from_u64(4).gaussian(10.0, 0.0);
    assert_eq!(g, 10.0);
}

#[test]
fn shuffles_and_samples_are_permutations_and_distinct() {
    let mut rng = Rng::seed_from_u64(5);
    let mut p = rng.permutation(100);
    assert_ne!(p, (0..100).collect::<Vec<_>>());
    p.sort_unstable();
    assert_eq!(p, (0..100).collect::<Vec<_>>());
    let mut s = rng.sample_without_replacement(1000, 50).unwrap();
    assert_eq!(s.len(), 50);
    assert!(s.iter().all(|&i| i < 1000));
    s.sort_unstable();
    s.dedup();
    assert_eq!(s.len(), 50);
    assert_eq!(rng.sample_without_replacement(5, 5).unwrap().len(), 5);
    let err = rng.sample_without_replacement(5, 6).unwrap_err();
    assert!(err.to_string().contains("k = 6"), "{err}");
    // Every element is equally likely to come first.
    let mut first = [0usize; 4];
    for _ in 0..40_000 {
        first[rng.permutation(4)[0]] += 1;
    }
    assert!(
        first.iter().all(|&c| (c as f64 - 10_000.0).abs() < 500.0),
        "{first:?}"
    );
}

#[test]
fn weighted_index_follows_the_weights_and_rejects_bad_ones() {
    let mut rng = Rng::seed_from_u64(6);
    let w = [1.0, 0.0, 3.0];
    let mut counts = [0usize; 3];
    for _ in 0..40_000 {
        counts[rng.weighted_index(&w).unwrap()] += 1;
    }
    assert_eq!(counts[1], 0);
    assert!(
        (counts[2] as f64 / 40_000.0 - 0.75).abs() < 0.01,
        "{counts:?}"
    );
    assert!(rng.weighted_index(&[]).is_err());
    assert!(rng.weighted_index(&[0.0, 0.0]).is_err());
    assert!(rng.weighted_index(&[1.0, -1.0]).is_err());
    let err = rng.weighted_index(&[1.0, f64::NAN]).unwrap_err();
    assert!(err.to_string().contains("[1] = NaN"), "{err}");
}
