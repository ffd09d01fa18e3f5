//! Deterministic parallelism on `std::thread::scope`.
//!
//! Work is cut into chunks whose boundaries do not depend on the thread count; each chunk is
//! computed by exactly one thread with the same code, and any reduction over chunks runs
//! afterwards, in chunk order, on the calling thread. So a result is bit-identical for 1, 2
//! or 64 threads. Threads are spawned per call (`std::thread::scope`); callers keep small
//! problems on one thread, because a spawn costs tens of microseconds (measured in
//! `benches/linalg.rs`, group `linalg/spawn`).

use std::sync::atomic::{AtomicUsize, Ordering};

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

// ANCHOR: team
/// A team of threads that stays together through many short phases: the threads are spawned
/// once, and between phases they meet at a spinning barrier (a few hundred nanoseconds)
/// instead of a spawn (tens of microseconds) or a sleeping `std::sync::Barrier` (a wake-up
/// each). `f` runs on every member; the results come back in member order, the calling
/// thread's (member 0) first.
pub fn team<R, F>(threads: usize, f: F) -> Vec<R>
where
    R: Send,
    F: Fn(&Member) -> R + Sync,
{
    let threads = threads.max(1);
    let state = TeamState {
        threads,
        arrived: Padded(AtomicUsize::new(0)),
        generation: Padded(AtomicUsize::new(0)),
        ticket: Padded(AtomicUsize::new(0)),
    };
    let member = |index| Member {
        index,
        state: &state,
        base: std::cell::Cell::new(0),
    };
    if threads == 1 {
        return vec![f(&member(0))];
    }
    std::thread::scope(|s| {
        let (f, member) = (&f, &member);
        let helpers: Vec<_> = (1..threads)
            .map(|i| s.spawn(move || f(&member(i))))
            .collect();
        let mut out = vec![f(&member(0))];
        for h in helpers {
            match h.join() {
                Ok(r) => out.push(r),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        out
    })
}

/// The team's counters, each on its own cache lines: the waiting members read `generation`
/// in a loop, and should not lose that line each time another member draws a ticket.
struct TeamState {
    threads: usize,
    arrived: Padded<AtomicUsize>,
    generation: Padded<AtomicUsize>,
    ticket: Padded<AtomicUsize>,
}

/// Aligned to 128 bytes: two cache lines, since x86 prefetchers fetch lines in pairs.
#[repr(align(128))]
struct Padded<T>(T);

/// One thread of a [`team`].
pub struct Member<'a> {
    index: usize,
    state: &'a TeamState,
    /// The ticket number at which the current [`Member::share`] began.
    base: std::cell::Cell<usize>,
}

impl Member<'_> {
    /// 0 for the calling thread, then 1, 2, ….
    pub fn index(&self) -> usize {
        self.index
    }
    /// Waits until every member has arrived here.
    pub fn wait(&self) {
        let st = self.state;
        let generation = st.generation.0.load(Ordering::Acquire);
        if st.arrived.0.fetch_add(1, Ordering::AcqRel) + 1 == st.threads {
            st.arrived.0.store(0, Ordering::Relaxed);
            st.generation.0.fetch_add(1, Ordering::Release);
            return;
        }
        let mut spins = 0u32;
        while st.generation.0.load(Ordering::Acquire) == generation {
            // Spin briefly (a microsecond or so), then give the core away: the machine may
            // have fewer free cores than the team has threads, or the scheduler may have put
            // two members on one core for a while. With 4096 spins, Jacobi at n = 100 took
            // 9.5 ms instead of 2.4 in about half the runs here; with 64, at worst 3.2.
            if spins < 1 << 6 {
                std::hint::spin_loop();
                spins += 1;
            } else {
                std::thread::yield_now();
            }
        }
    }
    /// Runs `f(0), …, f(n_tasks - 1)` across the team, each task once, on whichever member
    /// asks first, then [`Member::wait`]s. Every member must call it with the same `n_tasks`.
    /// A task must compute the same result on any member for the team's result to be
    /// independent of the thread count.
    pub fn share(&self, n_tasks: usize, mut f: impl FnMut(usize)) {
        let st = self.state;
        let base = self.base.get();
        loop {
            let task = st.ticket.0.fetch_add(1, Ordering::Relaxed) - base;
            if task >= n_tasks {
                break;
            }
            f(task);
        }
        // Every member drew exactly one ticket past the end.
        self.base.set(base + n_tasks + st.threads);
        self.wait();
    }
}
// ANCHOR_END: team
