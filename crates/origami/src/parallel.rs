//! The thread pool that kernels use.
//!
//! One rayon pool for the whole library, sized by [`set_num_threads`], else by
//! the `ORIGAMI_NUM_THREADS` environment variable, else all cores. Either
//! request is bounded by [`max_threads`] (4× the cores): more threads than
//! that only cost memory and start-up time (5,000 threads took 60 s and
//! 1.2 GB for a 0.1 s run). Kernels ask
//! [`should_split`] before going parallel: on tiny tensors the hand-off costs
//! more than the work.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock, RwLock};

use rayon::ThreadPool;

static POOL: OnceLock<RwLock<Arc<ThreadPool>>> = OnceLock::new();
/// The pool's size, readable without the lock (every product asks; a lock's
/// two atomic operations were a visible share of a playground-sized step).
static THREADS: AtomicUsize = AtomicUsize::new(0);

fn build(n: usize) -> Arc<ThreadPool> {
    Arc::new(
        rayon::ThreadPoolBuilder::new()
            .num_threads(n.max(1))
            .thread_name(|i| format!("origami-{i}"))
            .build()
            .expect("the operating system refused to start worker threads"),
    )
}

fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// The most threads the pool takes: 4× the cores (at least 4).
pub fn max_threads() -> usize {
    4 * cores()
}

fn default_threads() -> usize {
    std::env::var("ORIGAMI_NUM_THREADS")
        .ok()
        .and_then(|s| s.trim().parse::<usize>().ok())
        .filter(|&n| n > 0)
        .unwrap_or_else(cores)
        .min(max_threads())
}

fn cell() -> &'static RwLock<Arc<ThreadPool>> {
    POOL.get_or_init(|| {
        let pool = build(default_threads());
        THREADS.store(pool.current_num_threads(), Ordering::Relaxed);
        RwLock::new(pool)
    })
}

/// The pool kernels run on.
pub fn pool() -> Arc<ThreadPool> {
    cell().read().unwrap_or_else(|e| e.into_inner()).clone()
}

/// Use `n` threads (at least 1, at most [`max_threads`]) for every later
/// operation; returns the number used.
pub fn set_num_threads(n: usize) -> usize {
    let n = n.clamp(1, max_threads());
    let mut g = cell().write().unwrap_or_else(|e| e.into_inner());
    if g.current_num_threads() != n {
        *g = build(n);
    }
    THREADS.store(g.current_num_threads(), Ordering::Relaxed);
    n
}

/// How many threads kernels use.
pub fn num_threads() -> usize {
    match THREADS.load(Ordering::Relaxed) {
        0 => cell().read().unwrap_or_else(|e| e.into_inner()).current_num_threads(),
        n => n,
    }
}

/// Runs `a` and `b`, on two of the pool's threads when there are two.
pub(crate) fn join<A: FnOnce() + Send, B: FnOnce() + Send>(a: A, b: B) {
    if num_threads() > 1 {
        pool().install(|| rayon::join(a, b));
    } else {
        a();
        b();
    }
}

/// Whether `work` (a rough count of flops or elements) pays for a parallel split.
pub(crate) fn should_split(work: usize, threshold: usize) -> bool {
    work >= threshold && num_threads() > 1
}
