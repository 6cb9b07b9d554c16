//! Block-STM: optimistic parallel execution of a block over a multi-version memory, with the
//! same result as the sequential executor.
//!
//! - `state_key` — the unified keys and values the scheduler versions (VM-agnostic).
//! - `mv_memory` — per key, the writes of each transaction; ESTIMATE markers for aborted ones.
//! - `task_scheduler` — the collaborative scheduler of execution and validation tasks.
//! - `mv_view` — the `StateView` an incarnation executes against, recording its reads.
//! - `parallel_executor` — the worker loop and the in-order merge into a `BlockOutcome`.
//!
//! Not yet done (the parallel-scheduler issue): fee-vault and native-transfer deltas that
//! commute, per-block strategy selection, declared access lists, and making this the
//! sequencer's default.

mod mv_memory;
mod mv_view;
mod parallel_executor;
mod state_key;
mod task_scheduler;

pub use parallel_executor::execute_block_parallel;
pub use state_key::{StateKey, StateValue};

#[cfg(test)]
mod tests;
