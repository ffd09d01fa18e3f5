//! How a computation runs: the thread count and the instruction set, chosen by the caller
//! and passed down ([`Exec`]); the process-wide default thread count ([`num_threads`]).

use super::kernels::{isa, Isa};
use std::sync::OnceLock;

/// The default thread count: `UNSUPERVISED_THREADS` if set to a positive integer, else the
/// machine's available parallelism. Read once per process.
pub fn num_threads() -> usize {
    static THREADS: OnceLock<usize> = OnceLock::new();
    *THREADS.get_or_init(|| {
        let available = std::thread::available_parallelism().map_or(1, |n| n.get());
        match std::env::var("UNSUPERVISED_THREADS") {
            Ok(v) => match v.trim().parse::<usize>() {
                Ok(n) if n > 0 => n,
                _ => {
                    eprintln!("unsupervised: ignoring UNSUPERVISED_THREADS={v:?} (expected a positive integer)");
                    available
                }
            },
            Err(_) => available,
        }
    })
}

/// How a computation runs: on how many threads and with which instruction set.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Exec {
    pub threads: usize,
    pub isa: Isa,
}

impl Default for Exec {
    /// All threads ([`num_threads`]) and the best instruction set ([`isa`]).
    fn default() -> Self {
        Exec {
            threads: num_threads(),
            isa: isa(),
        }
    }
}

impl Exec {
    /// One thread, best instruction set.
    pub fn serial() -> Self {
        Exec::default().with_threads(1)
    }
    /// The same with `threads` threads (at least one).
    pub fn with_threads(self, threads: usize) -> Self {
        Exec {
            threads: threads.max(1),
            ..self
        }
    }
    /// The same on instruction-set path `isa` (capped at what the CPU has).
    pub fn with_isa(self, isa: Isa) -> Self {
        Exec {
            isa: isa.min(Isa::detected()),
            ..self
        }
    }
}
