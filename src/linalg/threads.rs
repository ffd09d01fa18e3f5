//! Deterministic parallelism on `std::thread::scope`.
//!
//! Work is cut into chunks whose boundaries do not depend on the thread count; each chunk is
//! computed by exactly one thread with the same code, and any reduction over chunks runs
//! afterwards, in chunk order, on the calling thread. So a result is bit-identical for 1, 2
//! or 64 threads. Threads are spawned per call (`std::thread::scope`); callers keep small
//! problems on one thread, because a spawn costs tens of microseconds (measured in
//! `benches/linalg.rs`, group `linalg/spawn`).

use super::kernels::{isa, Isa};
use std::sync::atomic::{AtomicUsize, Ordering};
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

// ANCHOR: par_chunks
/// Calls `f(index, chunk)` on every `chunk_len`-sized chunk of `data` (the last may be
/// shorter). Chunks go to `threads` threads in contiguous runs; the calling thread takes the
/// first run. Chunk boundaries depend only on `chunk_len`, never on `threads`.
pub fn par_chunks_mut<T, F>(data: &mut [T], chunk_len: usize, threads: usize, f: F)
where
    T: Send,
    F: Fn(usize, &mut [T]) + Sync,
{
    let chunk_len = chunk_len.max(1);
    let n_chunks = data.len().div_ceil(chunk_len);
    let threads = threads.clamp(1, n_chunks.max(1));
    if threads == 1 {
        data.chunks_mut(chunk_len)
            .enumerate()
            .for_each(|(i, c)| f(i, c));
        return;
    }
    let per_thread = n_chunks.div_ceil(threads);
    let f = &f;
    std::thread::scope(|s| {
        let mut runs = data.chunks_mut(per_thread * chunk_len).enumerate();
        let first = runs.next();
        for (t, run) in runs {
            s.spawn(move || {
                for (i, c) in run.chunks_mut(chunk_len).enumerate() {
                    f(t * per_thread + i, c);
                }
            });
        }
        if let Some((_, run)) = first {
            for (i, c) in run.chunks_mut(chunk_len).enumerate() {
                f(i, c);
            }
        }
    });
}
// ANCHOR_END: par_chunks

/// `f(0), f(1), …, f(n_tasks - 1)` on `threads` threads, returned in task order, so that a
/// reduction over the results is the same for any thread count. Each thread takes the next
/// untaken task, so tasks of uneven cost (k-means restarts) still share the threads fairly.
pub fn par_map<R, F>(n_tasks: usize, threads: usize, f: F) -> Vec<R>
where
    R: Send,
    F: Fn(usize) -> R + Sync,
{
    let threads = threads.clamp(1, n_tasks.max(1));
    if threads == 1 {
        return (0..n_tasks).map(f).collect();
    }
    let next = AtomicUsize::new(0);
    let work = || {
        let mut done = Vec::new();
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            if i >= n_tasks {
                return done;
            }
            done.push((i, f(i)));
        }
    };
    let mut out: Vec<Option<R>> = (0..n_tasks).map(|_| None).collect();
    std::thread::scope(|s| {
        let helpers: Vec<_> = (1..threads).map(|_| s.spawn(work)).collect();
        let mine = work();
        let theirs = helpers.into_iter().flat_map(|h| match h.join() {
            Ok(done) => done,
            Err(panic) => std::panic::resume_unwind(panic),
        });
        for (i, r) in mine.into_iter().chain(theirs) {
            out[i] = Some(r);
        }
    });
    out.into_iter().flatten().collect()
}
