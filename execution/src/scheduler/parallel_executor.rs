//! The parallel block executor: worker threads take tasks from the scheduler, execute
//! incarnations against `MvView`s and validate read sets; the final incarnations are merged
//! in block order into exactly the outcome the sequential executor produces.

use std::{cell::RefCell, sync::OnceLock};

use parking_lot::Mutex;

use super::{
    mv_memory::{MvMemory, MvRead},
    mv_view::{MvView, ReadOrigin},
    state_key::{StateKey, StateValue},
    task_scheduler::{Task, TaskScheduler},
};
use crate::{
    BlockEnv, BlockOutcome, ExecutionError, RecoveredTx, StateChanges, StateView,
    block::{BlockAssembly, InvalidTxPolicy, execute_block},
    evm::{BlockState, EvmConfig, EvmExecutor, EvmFrames, TxExecution},
};

/// What the last incarnation of one transaction produced.
#[derive(Debug, Clone)]
struct TxResult {
    execution: TxExecution,
    delta: StateChanges,
}

struct Shared<'a, V> {
    base: &'a V,
    config: &'a EvmConfig,
    env: &'a BlockEnv,
    txs: &'a [RecoveredTx],
    mv: MvMemory,
    scheduler: TaskScheduler,
    reads: Vec<Mutex<Vec<(StateKey, ReadOrigin)>>>,
    results: Vec<Mutex<Option<TxResult>>>,
    fatal: OnceLock<ExecutionError>,
}

fn writes_of(delta: &StateChanges) -> Vec<(StateKey, StateValue)> {
    let mut writes = Vec::new();
    for (address, change) in &delta.accounts {
        writes.push((StateKey::Account(*address), StateValue::Account(change.account)));
        for (slot, value) in &change.storage {
            writes.push((StateKey::Storage(*address, *slot), StateValue::Storage(*value)));
        }
    }
    for (hash, code) in &delta.code {
        writes.push((StateKey::Code(*hash), StateValue::Code(code.clone())));
    }
    writes
}

impl<V: StateView + Sync> Shared<'_, V> {
    fn execute(&self, version: (usize, usize), frames: &mut Option<EvmFrames>) -> Option<Task> {
        let (txn, _) = version;
        loop {
            let view =
                MvView { mv: &self.mv, base: self.base, txn, reads: RefCell::new(Vec::new()) };
            let mut state = BlockState::new(&view);
            let mut evm =
                EvmExecutor::with_frames(self.config, self.env, &mut state, frames.take());
            let result = evm.execute(&self.txs[txn]);
            *frames = Some(evm.into_frames());
            match result {
                Err(ExecutionError::ReadEstimate { blocking }) => {
                    if self.scheduler.add_dependency(txn, blocking) {
                        return None;
                    }
                    // The blocking transaction already finished: run again now.
                }
                Err(fatal) => {
                    let _ = self.fatal.set(fatal);
                    self.scheduler.halt();
                    return None;
                }
                Ok(execution) => {
                    let delta = state.into_changes();
                    let wrote_new = self.mv.record(txn, version.1, writes_of(&delta));
                    *self.reads[txn].lock() = view.reads.into_inner();
                    *self.results[txn].lock() = Some(TxResult { execution, delta });
                    return self.scheduler.finish_execution(version, wrote_new);
                }
            }
        }
    }

    fn validate(&self, version: (usize, usize)) -> Option<Task> {
        let (txn, _) = version;
        let valid = self.reads[txn].lock().iter().all(|(key, origin)| {
            match (self.mv.read(key, txn), origin) {
                (MvRead::Base, ReadOrigin::Base) => true,
                (MvRead::Value(now, _), ReadOrigin::Version(then)) => now == *then,
                _ => false,
            }
        });
        let aborted = !valid && self.scheduler.try_validation_abort(version);
        if aborted {
            self.mv.convert_writes_to_estimates(txn);
        }
        self.scheduler.finish_validation(txn, aborted)
    }

    fn work(&self) {
        let mut task = None;
        let mut frames = None;
        while !self.scheduler.done() {
            task = match task.or_else(|| self.scheduler.next_task()) {
                Some(Task::Execute(version)) => self.execute(version, &mut frames),
                Some(Task::Validate(version)) => self.validate(version),
                None => {
                    std::thread::yield_now();
                    None
                }
            };
        }
    }
}

/// Executes `txs` on `threads` worker threads with Block-STM; the result (receipts, write
/// set, gas, rejections) equals `execute_block`'s for the same input.
///
/// Falls back to the sequential executor when parallelism cannot help or does not apply:
/// one thread, fewer than two transactions, or total gas limits above the block's (the
/// sequential executor then decides which transactions fit).
pub fn execute_block_parallel<V: StateView + Sync>(
    base: V,
    config: &EvmConfig,
    env: &BlockEnv,
    txs: Vec<RecoveredTx>,
    policy: InvalidTxPolicy,
    threads: usize,
) -> Result<BlockOutcome, ExecutionError> {
    let total_gas: u64 = txs.iter().map(|t| t.gas_limit()).fold(0, u64::saturating_add);
    if threads <= 1 || txs.len() < 2 || total_gas > env.gas_limit {
        return execute_block(base, config, env, txs, policy);
    }
    let shared = Shared {
        base: &base,
        config,
        env,
        txs: &txs,
        mv: MvMemory::new(txs.len()),
        scheduler: TaskScheduler::new(txs.len()),
        reads: (0..txs.len()).map(|_| Mutex::new(Vec::new())).collect(),
        results: (0..txs.len()).map(|_| Mutex::new(None)).collect(),
        fatal: OnceLock::new(),
    };
    let started = std::time::Instant::now();
    std::thread::scope(|scope| {
        for _ in 0..threads.min(txs.len()) {
            scope.spawn(|| shared.work());
        }
    });
    if let Some(fatal) = shared.fatal.into_inner() {
        return Err(fatal);
    }
    let results: Vec<TxResult> = shared
        .results
        .into_iter()
        .map(|r| {
            r.into_inner()
                .ok_or_else(|| ExecutionError::Invariant("transaction never executed".into()))
        })
        .collect::<Result<_, _>>()?;
    let executed = started.elapsed();
    let outcome = merge(base, env, txs, results, policy);
    tracing::debug!(
        threads,
        execute_us = executed.as_micros() as u64,
        merge_us = (started.elapsed() - executed).as_micros() as u64,
        "parallel block executed"
    );
    outcome
}

/// Folds the final incarnations in block order, as the sequential executor commits them.
fn merge<V: StateView>(
    base: V,
    env: &BlockEnv,
    txs: Vec<RecoveredTx>,
    results: Vec<TxResult>,
    policy: InvalidTxPolicy,
) -> Result<BlockOutcome, ExecutionError> {
    let mut changes = StateChanges::default();
    let mut block = BlockAssembly::new(txs.len(), policy);
    for (tx, result) in txs.into_iter().zip(results) {
        if !block.push(tx, result.execution)? {
            continue;
        }
        for (address, delta) in result.delta.accounts {
            let entry = changes.accounts.entry(address).or_default();
            if delta.storage_cleared {
                entry.storage_cleared = true;
                entry.storage.clear();
            }
            entry.storage.extend(delta.storage);
            entry.account = delta.account;
        }
        for (hash, code) in result.delta.code {
            changes.code.entry(hash).or_insert(code);
        }
    }
    block.finish(env, BlockState::with_changes(base, changes))
}
