//! The scheduler's worker threads: one pool per worker count, kept for the life of the
//! process (a block does not pay for spawning threads).
//!
//! The parallel phases of a block run inside its pool (`install`): the optimistic or
//! partitioned run, the merge of the workers' writes and the building of receipts all use the
//! same threads, so no other pool's threads spin for cores meanwhile (on two cores, a second
//! pool waiting for work would take a core from the block). Sequential work — a block's
//! sequential remainder — stays on the calling thread, whose caches hold the block.

use std::sync::{Arc, Mutex};

/// Runs `f` on the pool of `threads` worker threads (the caller waits); inside, rayon's
/// parallel iterators, `join` and `run_workers` use that pool.
pub(super) fn install<R: Send>(threads: usize, f: impl FnOnce() -> R + Send) -> R {
    pool(threads.max(1)).install(f)
}

/// Runs `work(i)` for `i` in `0..workers`, concurrently, `work(0)` on the calling thread;
/// returns when all have returned. Inside `install`, the others run on its pool's threads.
pub(super) fn run_workers<F: Fn(usize) + Sync>(workers: usize, work: F) {
    if workers <= 1 {
        work(0);
        return;
    }
    let work = &work;
    rayon::in_place_scope(|scope| {
        for i in 1..workers {
            scope.spawn(move |_| work(i));
        }
        work(0);
    });
}

/// A pool and its thread count.
type Pool = (usize, Arc<rayon::ThreadPool>);

/// The pool of `threads` threads, built on first use.
fn pool(threads: usize) -> Arc<rayon::ThreadPool> {
    static POOLS: Mutex<Vec<Pool>> = Mutex::new(Vec::new());
    let mut pools = POOLS.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((_, pool)) = pools.iter().find(|(n, _)| *n == threads) {
        return pool.clone();
    }
    let pool = Arc::new(
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .thread_name(move |i| format!("block-stm-{threads}-{i}"))
            // WebAssembly programs nest (up to `wasm::MAX_NESTED_PROGRAMS`, each with its own
            // wasmtime stack): room for all of them and the EVM frames between.
            .stack_size(crate::wasm::EXECUTION_THREAD_STACK)
            .build()
            .expect("spawning the scheduler's worker threads"),
    );
    pools.push((threads, pool.clone()));
    pool
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn every_worker_runs_once() {
        for workers in [1, 2, 4] {
            let seen = AtomicUsize::new(0);
            super::install(workers, || {
                super::run_workers(workers, |i| {
                    seen.fetch_add(1 << i, Ordering::SeqCst);
                })
            });
            assert_eq!(seen.into_inner(), (1 << workers) - 1);
        }
    }
}
