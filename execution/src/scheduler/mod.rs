//! The parallel conflict scheduler: executes a block's transactions on several threads with
//! the same result as executing them one by one in block order.
//!
//! VM-agnostic: it schedules transactions over the unified state keys; a VM plugs in through
//! `vm` (the chain's engines plug in together through `engine::RouterVm`). Running a block
//! one transaction after another is its one-worker case (`sequential_view`).
//!
//! - `state_key` — the unified keys and values the scheduler versions.
//! - `vm` — what a VM provides (execute one transaction, report its writes) and gets (reads).
//! - `mv_memory` — per key, the writes of each transaction, commutative credits, ESTIMATEs.
//! - `mv_view` — the state an execution reads through, recording its reads for validation.
//! - `task_scheduler` — Block-STM's collaborative scheduler of execution and validation tasks.
//! - `optimistic` — the Block-STM run: workers, validation, stopping a contended block.
//! - `declared_access` — the keys a transaction declares it reads, writes or credits.
//! - `dependency_graph` — a declared block as a dependency graph, run without validation.
//! - `partition` — a declared block split into independent parts, one per worker.
//! - `overlay_view` — a worker's private state in a partitioned block.
//! - `block_run` — per-transaction results of a run and what it hands back.
//! - `write_fold` — the final writes folded into the block's write set.
//! - `strategy` — choosing sequential / optimistic / declared per block; the report.
//! - `thread_pool` — the persistent worker threads.
//! - `sequential_view` — the state of a block run on one worker, writes applied in order.
//! - `parallel_executor` — strategy and parallel run of a block; the final prefix it settled.

mod block_run;
mod declared_access;
mod dependency_graph;
mod mv_memory;
mod mv_view;
mod optimistic;
mod overlay_view;
mod padded;
mod parallel_executor;
mod partition;
mod sequential_view;
mod state_key;
mod strategy;
mod task_scheduler;
mod thread_pool;
mod vm;
mod write_fold;

pub use declared_access::{Access, DeclaredAccess};
pub use parallel_executor::{ParallelExecutor, Scheduled};
pub(crate) use sequential_view::SequentialView;
pub use state_key::{StateKey, StateValue};
pub use strategy::{ExecutionReport, SchedulerConfig, Strategy};
pub use vm::{BlockVm, TxState, TxWrites, VmWorker};

#[cfg(test)]
mod tests;
#[cfg(test)]
mod vm_tests;
