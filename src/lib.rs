//! # unsupervised
//!
//! Unsupervised learning built from scratch with the standard library only, as the code of
//! a book that follows a set of university lectures. Each chapter of the book is one module;
//! the shared building blocks come first:
//!
//! - [`linalg`] (chapter 1): the dense [`Matrix`](linalg::Matrix), SIMD-friendly kernels
//!   with runtime AVX2/AVX-512 dispatch, GEMM, deterministic threads, distances and kNN,
//!   Cholesky, and a CSR sparse matrix;
//! - [`rand`]: a seedable xoshiro256** generator;
//! - [`error`]: the one [`Error`] type.

pub mod autodiff;
pub mod autoencoder;
pub mod checks;
pub mod datasets;
pub mod eigen;
pub mod error;
pub mod files;
pub mod gan;
pub mod hierarchical;
pub mod image;
pub mod image_prior;
pub mod kmeans;
pub mod linalg;
pub mod manifold;
pub mod metrics;
pub mod mixture;
pub mod nn;
pub mod pca;
pub mod plot;
pub mod rand;
pub mod spectral;
pub mod tsne;
pub mod vae;
pub mod visualize;

pub use error::{check_count, check_memory, Error, Location, Result};
pub use linalg::{Exec, Matrix};
pub use rand::Rng;
