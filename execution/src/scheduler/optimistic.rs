//! Optimistic execution (Block-STM): worker threads take tasks from the collaborative
//! scheduler, execute incarnations against the multi-version memory and validate read sets,
//! re-executing on conflict, until every transaction is executed and valid.
//!
//! Workers watch for contention: when, after a probe of the block, too many executions were
//! aborted or had to wait, or the transactions turn out to form one chain (each reading the
//! writes of the one before, as increments of a hot counter do), they stop, and the run
//! returns the longest prefix of the block whose results are final — the rest is better
//! executed sequentially.

use std::sync::{
    OnceLock,
    atomic::{AtomicU32, Ordering},
};

use parking_lot::Mutex;

use alloy_primitives::Address;

use super::{
    block_run::{BlockRun, Outputs, RunStats, Stop, TxSlot, Workspace, merge_shares, outputs},
    mv_memory::{MvMemory, Version},
    mv_view::{MvView, ReadOrigin, still_valid},
    padded::Padded,
    state_key::StateKey,
    task_scheduler::{Status, Task, TaskScheduler},
    thread_pool::run_workers,
    vm::{BlockVm, TxWrites, VmWorker},
    write_fold::{FoldError, apply_clears},
};
use crate::{ExecutionError, StateChanges, StateView};

/// When workers give up on a contended block.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct ContentionLimit {
    /// Attempts (executions, suspended or not) a worker makes before it judges.
    pub(super) probe: usize,
    /// Largest tolerated share of wasted attempts (aborted or suspended executions).
    pub(super) max_waste: f64,
    /// Smallest tolerated parallelism: transactions over the longest chain of transactions
    /// reading one another's writes, as observed.
    pub(super) min_parallelism: f64,
}

struct Shared<'a, Vm: BlockVm, V> {
    vm: &'a Vm,
    base: &'a V,
    txs: &'a [Vm::Tx],
    mv: &'a MvMemory,
    scheduler: &'a TaskScheduler,
    slots: &'a [Padded<Mutex<TxSlot>>],
    outputs: Outputs<Vm::Output>,
    limit: Option<ContentionLimit>,
    contended: OnceLock<()>,
    /// Storage wipes recorded: (transaction, incarnation, account).
    clears: Mutex<Vec<(u32, u32, Address)>>,
    /// Per transaction, the length of the longest chain of lower transactions whose writes
    /// its latest execution read, itself included (0: not executed yet).
    depth: Vec<AtomicU32>,
}

/// What one worker keeps across the tasks it runs.
struct Scratch {
    writes: TxWrites,
    keys: Vec<StateKey>,
    stats: RunStats,
}

impl<Vm: BlockVm, V: StateView + Sync> Shared<'_, Vm, V> {
    fn execute<W: VmWorker<Tx = Vm::Tx, Output = Vm::Output>>(
        &self,
        version: Version,
        view: &MvView<'_, V>,
        worker: &mut W,
        scratch: &mut Scratch,
    ) -> Option<Task> {
        let txn = version.txn;
        loop {
            view.begin(txn, None);
            scratch.writes.clear();
            let result = worker.execute(&self.txs[txn as usize], &mut scratch.writes);
            if let Err(ExecutionError::ReadEstimate { blocking }) = result {
                scratch.stats.waits += 1;
                self.check_contention(&scratch.stats);
                if self.scheduler.add_dependency(txn, blocking as u32) {
                    return None;
                }
                // The blocking transaction already finished: run again now.
                continue;
            }
            scratch.stats.executions += 1;
            let wrote_new = {
                let mut slot = self.slots[txn as usize].lock();
                let wrote_new = self.mv.record(
                    txn,
                    version.incarnation,
                    &scratch.writes,
                    &slot.keys,
                    &mut scratch.keys,
                );
                if !scratch.writes.cleared.is_empty() {
                    let mut clears = self.clears.lock();
                    clears.extend(
                        scratch.writes.cleared.iter().map(|a| (txn, version.incarnation, *a)),
                    );
                }
                std::mem::swap(&mut slot.keys, &mut scratch.keys);
                std::mem::swap(&mut slot.writes, &mut scratch.writes);
                view.swap_reads(&mut slot.reads);
                *self.outputs[txn as usize].lock() = Some(result);
                if self.limit.is_some() {
                    let depth = 1 + slot
                        .reads
                        .iter()
                        .filter_map(|read| match read.origin {
                            ReadOrigin::Version(v) => {
                                Some(self.depth[v.txn as usize].load(Ordering::Relaxed))
                            }
                            _ => None,
                        })
                        .max()
                        .unwrap_or(0);
                    self.depth[txn as usize].store(depth, Ordering::Relaxed);
                    self.check_chain(txn, depth);
                }
                wrote_new
            };
            self.check_contention(&scratch.stats);
            return self.scheduler.finish_execution(version, wrote_new);
        }
    }

    fn validate(&self, version: Version, scratch: &mut Scratch) -> Option<Task> {
        let txn = version.txn;
        let aborted = {
            let slot = self.slots[txn as usize].lock();
            let valid = slot.reads.iter().all(|read| still_valid(self.mv, self.base, read, txn));
            let aborted = !valid && self.scheduler.try_validation_abort(version);
            if aborted {
                self.mv.mark_estimates(txn, &slot.keys);
            }
            aborted
        };
        if aborted {
            scratch.stats.aborts += 1;
            self.check_contention(&scratch.stats);
        }
        self.scheduler.finish_validation(txn, aborted)
    }

    /// Stops the block when it looks like one chain: transaction `txn`, past the probe,
    /// read (through `depth` transactions) the writes of most transactions before it.
    fn check_chain(&self, txn: u32, depth: u32) {
        let Some(limit) = self.limit else { return };
        let seen = txn as usize + 1;
        if seen >= 2 * limit.probe && (seen as f64) < limit.min_parallelism * depth as f64 {
            let _ = self.contended.set(());
            self.scheduler.halt();
        }
    }

    /// Stops the block when this worker's share of wasted work is too high (judged after
    /// `probe` attempts: executions and suspended executions).
    fn check_contention(&self, stats: &RunStats) {
        let Some(limit) = self.limit else { return };
        let attempts = stats.executions + stats.waits;
        if attempts >= limit.probe
            && (stats.aborts + stats.waits) as f64 > limit.max_waste * attempts as f64
        {
            let _ = self.contended.set(());
            self.scheduler.halt();
        }
    }

    fn work(&self) -> RunStats {
        let view = MvView::new(self.mv, self.base, true);
        let mut worker = self.vm.worker(&view);
        let mut scratch =
            Scratch { writes: TxWrites::default(), keys: Vec::new(), stats: RunStats::default() };
        let mut task = None;
        let mut idle = 0u32;
        while !self.scheduler.done() {
            task = match task.or_else(|| self.scheduler.next_task()) {
                Some(Task::Execute(version)) => {
                    idle = 0;
                    self.execute(version, &view, &mut worker, &mut scratch)
                }
                Some(Task::Validate(version)) => {
                    idle = 0;
                    self.validate(version, &mut scratch)
                }
                None => {
                    idle += 1;
                    if idle < 64 {
                        std::hint::spin_loop();
                    } else {
                        std::thread::yield_now();
                    }
                    None
                }
            };
        }
        drop(worker);
        scratch.stats
    }

    /// The storage wipes of the final incarnations: per account, the last wiping transaction.
    fn final_clears(&self) -> Vec<(Address, u32)> {
        let mut clears: Vec<(Address, u32)> = Vec::new();
        for (txn, incarnation, address) in self.clears.lock().iter() {
            if self.scheduler.status(*txn).1 != *incarnation {
                continue;
            }
            match clears.iter_mut().find(|(a, _)| a == address) {
                Some((_, last)) => *last = (*last).max(*txn),
                None => clears.push((*address, *txn)),
            }
        }
        clears
    }

    /// After the workers stopped early: the number of leading transactions whose results
    /// are final (executed, and their reads still valid with everything below them final).
    fn final_prefix(&self) -> usize {
        for txn in 0..self.txs.len() as u32 {
            let (status, _) = self.scheduler.status(txn);
            if status != Status::Executed {
                return txn as usize;
            }
            let slot = self.slots[txn as usize].lock();
            if !slot.reads.iter().all(|read| still_valid(self.mv, self.base, read, txn)) {
                return txn as usize;
            }
        }
        self.txs.len()
    }
}

/// Runs `txs` optimistically on `threads` workers (Block-STM). With a contention `limit`,
/// may stop early and return only a final prefix of the block (`stop: Contended`).
pub(super) fn run_optimistic<Vm: BlockVm, V: StateView + Sync>(
    vm: &Vm,
    base: &V,
    txs: &[Vm::Tx],
    threads: usize,
    limit: Option<ContentionLimit>,
) -> Result<BlockRun<Vm::Output>, ExecutionError> {
    let workspace = Workspace::take(txs.len());
    let shared = Shared {
        vm,
        base,
        txs,
        mv: &workspace.mv,
        scheduler: &workspace.scheduler,
        slots: workspace.slots(txs.len()),
        outputs: outputs(txs.len()),
        limit,
        contended: OnceLock::new(),
        clears: Mutex::new(Vec::new()),
        depth: if limit.is_some() {
            (0..txs.len()).map(|_| AtomicU32::new(0)).collect()
        } else {
            Vec::new()
        },
    };
    let workers = threads.clamp(1, txs.len().max(1));
    let stats = Mutex::new(RunStats::default());
    let shares: Mutex<Vec<Result<StateChanges, FoldError>>> = Mutex::new(Vec::new());
    run_workers(workers, |worker| {
        let mine = shared.work();
        stats.lock().add(mine);
        if shared.contended.get().is_none() {
            // The block is final: fold and clear this worker's share of the memory.
            let clears = shared.final_clears();
            let share = workspace.finish_share(txs.len(), worker, workers, base, &clears);
            shares.lock().push(share);
        }
    });
    let stats = stats.into_inner();
    let (prefix, stop, changes) = match shared.contended.get() {
        Some(()) => (shared.final_prefix(), Some(Stop::Contended), None),
        None => {
            let clears = shared.final_clears();
            let changes = merge_shares(shares.into_inner()).and_then(|mut changes| {
                apply_clears(base, &clears, &mut changes).map(|()| changes)
            });
            (txs.len(), None, Some(changes))
        }
    };
    let outputs = shared.outputs;
    BlockRun::new(workspace, txs.len(), outputs, prefix, changes, stats, stop)
}
