//! The `[execution]` section: how blocks are executed — the worker threads of the parallel
//! conflict scheduler.

use serde::{Deserialize, Serialize};

/// Most worker threads `execution.threads` accepts.
pub const MAX_EXECUTION_THREADS: usize = 256;

/// `[execution]`: block execution.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ExecutionConfig {
    /// Worker threads that execute a block's transactions in parallel (0..=256); 0 means
    /// the available cores, 1 executes every block sequentially. Default 0. Per block the
    /// scheduler still runs sequentially when parallelism would not pay (a small or
    /// contended block); the result is the same either way.
    pub threads: usize,
}

impl ExecutionConfig {
    /// The worker threads to use: `threads`, or the available cores when it is 0.
    pub fn worker_threads(&self) -> usize {
        match self.threads {
            0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
            n => n,
        }
    }
}
