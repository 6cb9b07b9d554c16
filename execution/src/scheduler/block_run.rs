//! The memory of a parallel run — the multi-version memory, the scheduler's per-transaction
//! status, and each transaction's reads and writes — and what a run hands back.
//!
//! That memory is kept between blocks (a small pool, one per concurrently executing block):
//! cleared, not freed, so its vectors and maps keep their capacity and a block allocates
//! almost nothing, instead of a few vectors per transaction and megabytes of fresh pages.

use std::sync::Mutex as StdMutex;

use parking_lot::Mutex;

use alloy_primitives::Address;

use super::{
    mv_memory::MvMemory,
    mv_view::ReadEntry,
    overlay_view::OverlayShare,
    padded::Padded,
    state_key::StateKey,
    task_scheduler::TaskScheduler,
    vm::TxWrites,
    write_fold::{FoldError, fold_final},
};
use crate::{ExecutionError, StateChanges, StateView};

/// The reads and writes of one transaction's latest execution.
#[derive(Debug, Default)]
pub(super) struct TxSlot {
    /// Its reads (for validation).
    pub(super) reads: Vec<ReadEntry>,
    /// The keys it wrote (credits under their account key), as recorded in the memory.
    pub(super) keys: Vec<StateKey>,
    /// Its writes.
    pub(super) writes: TxWrites,
}

impl TxSlot {
    fn clear(&mut self) {
        self.reads.clear();
        self.keys.clear();
        self.writes.clear();
    }
}

/// Everything a run shares between its workers but the outputs.
#[derive(Debug)]
pub(super) struct Workspace {
    pub(super) mv: MvMemory,
    pub(super) scheduler: TaskScheduler,
    pub(super) slots: Vec<Padded<Mutex<TxSlot>>>,
}

/// Workspaces of finished runs, ready for the next ones.
static POOL: StdMutex<Vec<Workspace>> = StdMutex::new(Vec::new());

impl Workspace {
    /// A cleared workspace for a block of `txs` transactions.
    pub(super) fn take(txs: usize) -> Self {
        let pooled = POOL.lock().unwrap_or_else(|e| e.into_inner()).pop();
        let mut workspace = pooled.unwrap_or_else(|| Workspace {
            mv: MvMemory::new(txs * 3),
            scheduler: TaskScheduler::new(0),
            slots: Vec::new(),
        });
        workspace.scheduler.reset(txs);
        if workspace.slots.len() < txs {
            workspace.slots.resize_with(txs, Default::default);
        }
        workspace
    }

    /// The slots of this block's transactions.
    pub(super) fn slots(&self, txs: usize) -> &[Padded<Mutex<TxSlot>>] {
        &self.slots[..txs]
    }

    /// Worker `worker` of `workers`' share of the end of a finished block: folds its share of
    /// the memory's shards into a write set, then clears them and its share of the slots.
    pub(super) fn finish_share<V: StateView>(
        &self,
        txs: usize,
        worker: usize,
        workers: usize,
        base: &V,
        clears: &[(Address, u32)],
    ) -> Result<StateChanges, FoldError> {
        let shards = share(self.mv.shard_count(), worker, workers);
        let mut changes = StateChanges::default();
        let folded = fold_final(&self.mv, shards.clone(), base, clears, &mut changes);
        for shard in shards {
            self.mv.clear_shard(shard);
        }
        for slot in &self.slots[share(txs, worker, workers)] {
            slot.lock().clear();
        }
        folded.map(|()| changes)
    }

    /// Clears the first `txs` slots and the memory (unless the workers did), and returns the
    /// workspace to the pool.
    fn recycle(mut self, txs: usize, cleared: bool) {
        if !cleared {
            for slot in &mut self.slots[..txs] {
                slot.0.get_mut().clear();
            }
            self.mv.clear();
        }
        let mut pool = POOL.lock().unwrap_or_else(|e| e.into_inner());
        if pool.len() < 4 {
            pool.push(self);
        }
    }
}

/// Worker `worker` of `workers`' share of `0..len`.
pub(super) fn share(len: usize, worker: usize, workers: usize) -> std::ops::Range<usize> {
    len * worker / workers..len * (worker + 1) / workers
}

/// The outputs of a run: one per transaction, or the error its latest execution ended with
/// (final only if its reads stay valid).
pub(super) type Outputs<O> = Vec<Mutex<Option<Result<O, ExecutionError>>>>;

/// Output vectors of finished runs (of any output type), ready for the next ones.
static OUTPUTS: StdMutex<Vec<Box<dyn std::any::Any + Send>>> = StdMutex::new(Vec::new());

/// Empty outputs for `txs` transactions (a vector of a finished run when one is free: a large
/// block's outputs are megabytes of fresh pages otherwise).
pub(super) fn outputs<O: Send + 'static>(txs: usize) -> Outputs<O> {
    let mut pool = OUTPUTS.lock().unwrap_or_else(|e| e.into_inner());
    let reused = pool.iter().position(|v| v.is::<Outputs<O>>()).map(|i| pool.swap_remove(i));
    drop(pool);
    let mut outputs = match reused.map(|v| v.downcast::<Outputs<O>>()) {
        Some(Ok(outputs)) => *outputs,
        _ => Vec::new(),
    };
    if outputs.len() < txs {
        outputs.resize_with(txs, || Mutex::new(None));
    }
    outputs.truncate(txs);
    outputs
}

/// Returns emptied `outputs` to the pool.
fn recycle_outputs<O: Send + 'static>(mut outputs: Outputs<O>) {
    for output in &mut outputs {
        *output.get_mut() = None;
    }
    let mut pool = OUTPUTS.lock().unwrap_or_else(|e| e.into_inner());
    if pool.len() < 4 {
        pool.push(Box::new(outputs));
    }
}

/// Counts of the work a run took.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct RunStats {
    /// Executions run to their end (first ones and re-executions).
    pub(super) executions: usize,
    /// Executions whose reads turned out stale (validation failed): wasted work.
    pub(super) aborts: usize,
    /// Executions suspended because they read a value being re-computed.
    pub(super) waits: usize,
}

impl RunStats {
    /// Adds `other`'s counts.
    pub(super) fn add(&mut self, other: RunStats) {
        self.executions += other.executions;
        self.aborts += other.aborts;
        self.waits += other.waits;
    }
}

/// Why a run did not produce the whole block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Stop {
    /// Too many executions were wasted: the rest of the block is better run sequentially.
    Contended,
    /// A transaction accessed a key outside its declared access.
    Undeclared,
}

/// The result of a parallel run: the final outputs of the block's first `outputs.len()`
/// transactions, in block order, and — when the run finished the block — its write set.
#[derive(Debug)]
pub(super) struct BlockRun<O> {
    workspace: Option<Workspace>,
    txs: usize,
    /// Whether the workers cleared the workspace already.
    cleared: bool,
    /// Outputs of the final prefix.
    pub(super) outputs: Vec<O>,
    /// The block's write set, folded by the workers (a finished block only).
    pub(super) changes: Option<Result<StateChanges, FoldError>>,
    /// Or the workers' shares of it, still to be merged (a partitioned block).
    pub(super) overlays: Option<Vec<OverlayShare>>,
    pub(super) stats: RunStats,
    pub(super) stop: Option<Stop>,
}

impl<O: Send + 'static> BlockRun<O> {
    /// Moves the outputs of the first `prefix` transactions out of `outputs` (the first error
    /// among them is the run's error) and recycles the vector.
    fn take_outputs(
        &mut self,
        mut outputs: Outputs<O>,
        prefix: usize,
    ) -> Result<(), ExecutionError> {
        let mut failed = None;
        for output in outputs.iter_mut().take(prefix) {
            match output.get_mut().take() {
                Some(Ok(output)) => self.outputs.push(output),
                Some(Err(e)) => {
                    failed = Some(e);
                    break;
                }
                None => {
                    failed = Some(ExecutionError::Invariant("transaction never executed".into()));
                    break;
                }
            }
        }
        recycle_outputs(outputs);
        failed.map_or(Ok(()), Err)
    }

    /// The run's results for its first `prefix` transactions (of `txs`); the first error
    /// among them is the run's error. `changes`: the write set the workers folded (then
    /// they also cleared the workspace).
    pub(super) fn new(
        workspace: Workspace,
        txs: usize,
        outputs: Outputs<O>,
        prefix: usize,
        changes: Option<Result<StateChanges, FoldError>>,
        stats: RunStats,
        stop: Option<Stop>,
    ) -> Result<Self, ExecutionError> {
        let mut run = Self {
            workspace: Some(workspace),
            txs,
            cleared: changes.is_some(),
            outputs: Vec::with_capacity(prefix),
            changes,
            overlays: None,
            stats,
            stop,
        };
        run.take_outputs(outputs, prefix)?;
        Ok(run)
    }

    /// The results of a run that used no workspace (a partitioned block).
    pub(super) fn without_memory(
        outputs: Outputs<O>,
        prefix: usize,
        overlays: Option<Vec<OverlayShare>>,
        stats: RunStats,
        stop: Option<Stop>,
    ) -> Result<Self, ExecutionError> {
        let mut run = Self {
            workspace: None,
            txs: 0,
            cleared: true,
            outputs: Vec::with_capacity(prefix),
            changes: None,
            overlays,
            stats,
            stop,
        };
        run.take_outputs(outputs, prefix)?;
        Ok(run)
    }

    /// A run that produced nothing (stopped at once).
    pub(super) fn stopped(workspace: Workspace, txs: usize, stats: RunStats, stop: Stop) -> Self {
        Self {
            workspace: Some(workspace),
            txs,
            cleared: false,
            outputs: Vec::new(),
            changes: None,
            overlays: None,
            stats,
            stop: Some(stop),
        }
    }

    /// The writes of the first `prefix` transactions, in block order (a run the workers did
    /// not fold).
    pub(super) fn writes(&mut self, prefix: usize) -> impl Iterator<Item = &TxWrites> {
        let slots = self.workspace.as_mut().map_or(&mut [][..], |w| &mut w.slots[..prefix]);
        slots.iter_mut().map(|slot| &slot.0.get_mut().writes)
    }
}

impl<O> Drop for BlockRun<O> {
    fn drop(&mut self) {
        if let Some(workspace) = self.workspace.take() {
            workspace.recycle(self.txs, self.cleared);
        }
    }
}

/// Merges the write sets the workers folded (disjoint accounts and code).
pub(super) fn merge_shares(
    shares: Vec<Result<StateChanges, FoldError>>,
) -> Result<StateChanges, FoldError> {
    let mut shares = shares.into_iter().collect::<Result<Vec<_>, _>>()?;
    shares.sort_by_key(|share| std::cmp::Reverse(share.accounts.len()));
    let mut shares = shares.into_iter();
    let mut changes = shares.next().unwrap_or_default();
    for share in shares {
        changes.accounts.reserve(share.accounts.len());
        changes.accounts.extend(share.accounts);
        changes.code.extend(share.code);
        changes.data.extend(share.data);
    }
    Ok(changes)
}
