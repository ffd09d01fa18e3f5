//! # Chapter 1 · Matrices, kernels and threads
//!
//! Book `01-linalg.md` · tests `tests/linalg.rs` · bench `benches/linalg.rs`
//!
//! Every later chapter reduces to a few dense operations: products (covariances, Gram
//! matrices, layers of a network), pairwise distances (k-means, kNN graphs, t-SNE) and
//! solves (Gaussian densities). This module builds them once, fast:
//! - [`Matrix`]: dense, row-major, generic over [`Scalar`] (`f64` for the classical
//!   chapters, `f32` for the neural ones);
//! - [`kernels`]: the inner loops (dot, axpy, squared distance) with runtime dispatch to
//!   AVX2+FMA and AVX-512 copies of one portable body;
//! - [`gemm`]: the blocked, packed, register-tiled matrix product;
//! - [`Exec`]: the thread count and instruction set a computation runs with;
//! - [`threads`]: deterministic `std::thread::scope` parallelism;
//! - [`distance`]: pairwise squared distances through GEMM and exact k-nearest neighbours;
//! - [`cholesky`]: `A = L Lᵀ`, triangular solves and the log-determinant;
//! - [`sparse`]: a CSR matrix for neighbourhood graphs;
//! - [`skyline`]: sparse Cholesky in profile storage after a reverse Cuthill–McKee order.
//!
//! Cost: a GEMM is `2mnk` flops; a distance matrix `O(n²d)`; Cholesky `n³/3`.
//!
//! ```
//! use unsupervised::Matrix;
//! let a = Matrix::new(2, 2, vec![1.0, 2.0, 3.0, 4.0])?;
//! let b = Matrix::new(2, 1, vec![1.0, 1.0])?;
//! assert_eq!(a.matmul(&b)?.as_slice(), &[3.0, 7.0]); // row sums
//! # Ok::<(), unsupervised::Error>(())
//! ```

pub mod cholesky;
pub mod distance;
mod exec;
pub mod gemm;
mod kdtree;
pub mod kernels;
mod matrix;
mod nn_descent;
mod products;
mod scalar;
pub mod skyline;
pub mod sparse;
pub mod threads;

pub use cholesky::Cholesky;
pub use distance::{knn, knn_self, nearest, pairwise_sq_dists, Neighbors};
pub use exec::{num_threads, Exec};
pub use gemm::gemm;
pub use kernels::Isa;
pub use matrix::{MatRef, Matrix};
pub use nn_descent::nn_descent;
pub use scalar::Scalar;
pub use sparse::Csr;
