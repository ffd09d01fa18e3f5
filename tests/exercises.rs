//! The reader's exercise track, in the spirit of rustlings: three or more exercises per
//! chapter, each a function whose body you write, checked against the crate's own
//! implementation and against the chapter's invariants (book: the "Exercises" section of
//! each chapter; `unsupervised exercises` lists them all with whether they pass).
//!
//! - Your files: `tests/exercises/<chapter>.rs`. Each exercise is a function whose body is
//!   `todo!()`; its doc comment gives the task, the lecture's formula and a hint. The
//!   checks are at the bottom of the same file.
//! - Check a chapter: `cargo test --test exercises kmeans -- --ignored`; one exercise:
//!   `cargo test --test exercises kmeans::assign -- --ignored --exact`.
//! - Unfinished exercises are `#[ignore]`d, so plain `cargo test` never fails on them.
//! - The reference answers are in `tests/exercises/solutions/<chapter>.rs`; read one only
//!   after your own passes. `cargo test` proves each exercise solvable by running its check
//!   on the answer (`tests/cli.rs`, through `unsupervised exercises`).

// The checks take the exercises' own signatures as function pointers; spelled out, they
// say what each exercise must be.
#![allow(clippy::type_complexity)]

#[path = "common/mod.rs"]
mod common;

/// Your exercises, one module per chapter.
#[path = "exercises"]
mod yours {
    pub mod autodiff;
    pub mod autoencoder;
    pub mod eigen;
    pub mod gan;
    pub mod hierarchical;
    pub mod image_prior;
    pub mod kmeans;
    pub mod linalg;
    pub mod manifold;
    pub mod mixture;
    pub mod nn;
    pub mod pca;
    pub mod spectral;
    pub mod tsne;
    pub mod vae;
    pub mod visualize;
}

/// The reference answers, one module per chapter.
#[path = "exercises/solutions"]
mod answers {
    pub mod autodiff;
    pub mod autoencoder;
    pub mod eigen;
    pub mod gan;
    pub mod hierarchical;
    pub mod image_prior;
    pub mod kmeans;
    pub mod linalg;
    pub mod manifold;
    pub mod mixture;
    pub mod nn;
    pub mod pca;
    pub mod spectral;
    pub mod tsne;
    pub mod vae;
    pub mod visualize;
}

/// `UNSUPERVISED_ANSWERS=1` plugs the reference answers in where your functions would go:
/// how CI proves every exercise solvable (`tests/cli.rs` runs the whole track that way
/// through `unsupervised exercises`).
fn answers_plugged_in() -> bool {
    std::env::var_os("UNSUPERVISED_ANSWERS").is_some_and(|v| v == "1")
}

/// For each chapter and exercise, the test `chapter::exercise`: the exercise's check on
/// your function, ignored until you ask for it.
macro_rules! track {
    ($($chapter:ident: $($exercise:ident),+;)+) => {
        $(
            mod $chapter {
                $(
                    #[test]
                    #[ignore = "an exercise: write its body, then run with -- --ignored"]
                    fn $exercise() {
                        let f = if crate::answers_plugged_in() {
                            crate::answers::$chapter::$exercise
                        } else {
                            crate::yours::$chapter::$exercise
                        };
                        crate::yours::$chapter::checks::$exercise(f);
                    }
                )+
            }
        )+
    };
}

track! {
    linalg: matmul, sq_dists, cholesky;
    eigen: power_iteration, jacobi_rotation, deflate;
    pca: covariance, principal_components, reconstruction_error;
    kmeans: assign, update, lloyd;
    hierarchical: cluster_distance, lance_williams, agglomerate;
    mixture: log_normal_pdf, e_step, m_step;
    spectral: gaussian_affinity, laplacian, fiedler_split;
    manifold: double_center, classical_mds, floyd_warshall;
    tsne: conditional_row, perplexity_search, kl_gradient;
    autodiff: tanh_vjp, softmax_vjp, matmul_vjp;
    nn: conv2d_valid, adam_step, softmax_cross_entropy;
    autoencoder: tied_linear_gradient, train_linear_autoencoder, bce_with_logits;
    vae: kl_standard_normal, reparameterize, importance_log_likelihood;
    gan: optimal_discriminator, js_divergence, total_variation_power;
    visualize: correlate, gram, total_variation;
    image_prior: psnr, discrepancy_stop, downsample;
}

/// The checking helpers accept what is right and explain what is wrong.
mod helpers {
    use unsupervised::checks::{
        check_partition, eigenpair_residual, never_decreases, never_increases,
    };
    use unsupervised::Matrix;

    #[test]
    fn eigenpair_residual_is_zero_for_an_eigenpair_and_not_otherwise() {
        let a = Matrix::from_rows(vec![vec![2.0, 1.0], vec![1.0, 2.0]]).unwrap();
        let s = 0.5f64.sqrt();
        assert_eq!(eigenpair_residual(&a, 3.0, &[s, s]).unwrap(), 0.0);
        let off = eigenpair_residual(&a, 3.0, &[1.0, 0.0]).unwrap();
        // ‖(2, 1) − (3, 0)‖ / (‖A‖_F · 1) = √2 / √10.
        assert!((off - (0.2f64).sqrt()).abs() < 1e-15, "{off}");
        let zero = eigenpair_residual(&a, 3.0, &[0.0, 0.0])
            .unwrap_err()
            .to_string();
        assert!(zero.contains("expected a non-zero eigenvector"), "{zero}");
    }

    #[test]
    fn check_partition_names_the_point_in_the_wrong_cell() {
        let x = Matrix::from_rows(vec![vec![0.0], vec![1.0], vec![9.0]]).unwrap();
        let c = Matrix::from_rows(vec![vec![0.5], vec![10.0]]).unwrap();
        check_partition(&x, &c, &[0, 0, 1], 0.0).unwrap();
        let e = check_partition(&x, &c, &[0, 1, 1], 0.0)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("point 1 in its nearest centre's cell, centre 0")
                && e.contains("found label 1"),
            "{e}"
        );
        assert!(check_partition(&x, &c, &[0, 2, 1], 0.0).is_err());
        assert!(check_partition(&x, &c, &[0, 1], 0.0).is_err());
    }

    #[test]
    fn monotone_checks_name_the_step_that_broke_the_rule() {
        never_increases(&[3.0, 2.0, 2.0, 1.0], 0.0).unwrap();
        never_decreases(&[-9.0, -5.0, -5.0], 0.0).unwrap();
        let e = never_increases(&[3.0, 2.0, 2.5, 1.0], 1e-12)
            .unwrap_err()
            .to_string();
        assert!(e.contains("2 then 2.5 at step 2"), "{e}");
        let e = never_decreases(&[-9.0, -5.0, -6.0], 1e-12)
            .unwrap_err()
            .to_string();
        assert!(e.contains("-5 then -6 at step 2"), "{e}");
        // A rise inside the tolerance passes; NaN never does.
        never_increases(&[1.0, 1.0 + 1e-13], 1e-12).unwrap();
        assert!(never_increases(&[1.0, f64::NAN], 1e-12).is_err());
    }
}
