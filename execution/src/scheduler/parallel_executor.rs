//! The parallel block executor: picks a strategy for the block (see `strategy`), runs the
//! block's transactions on the scheduler's workers, and assembles exactly the outcome the
//! sequential executor produces — receipts, rejections, write set, fees.
//!
//! This is where the scheduler meets a block's VM: today the EVM (`EvmBlockVm`); the VM
//! router of the multi-VM issue takes its place. Anything the parallel run cannot settle
//! exactly — a stop for contention, an error, a write set it cannot fold exactly — is
//! finished or redone by the sequential executor, so the result never depends on the path.

use std::time::Instant;

use super::{
    block_run::Stop,
    declared_access::DeclaredAccess,
    dependency_graph::{DependencyGraph, run_declared},
    optimistic::{ContentionLimit, run_optimistic},
    overlay_view::merge_overlays,
    partition::{Partition, run_partitioned},
    strategy::{
        CONTENDED, ExecutionReport, History, RECENTLY_CONTENDED, SchedulerConfig, Strategy,
        preselect,
    },
    thread_pool,
    vm::BlockVm,
    write_fold::{FoldError, fold_writes},
};
use crate::{
    BlockEnv, BlockOutcome, ExecutionError, RecoveredTx, StateChanges, StateView,
    block::{BlockAssembly, InvalidTxPolicy, execute_block},
    evm::{BlockState, EvmBlockVm, EvmConfig, TxExecution},
};

/// A block executed by the parallel executor, with how it was executed.
#[derive(Debug, Clone)]
pub struct ScheduledBlock {
    /// The outcome (identical to the sequential executor's).
    pub outcome: BlockOutcome,
    /// Strategy, threads, aborts.
    pub report: ExecutionReport,
}

/// The parallel executor of a node: its configuration and what it learned from previous
/// blocks (keep one per chain and feed it blocks in order).
#[derive(Debug, Clone, Default)]
pub struct ParallelExecutor {
    config: SchedulerConfig,
    history: History,
}

impl ParallelExecutor {
    /// An executor with `config`.
    pub fn new(config: SchedulerConfig) -> Self {
        Self { config, history: History::default() }
    }

    /// Its configuration.
    pub fn config(&self) -> &SchedulerConfig {
        &self.config
    }

    /// Executes `txs` on top of `base` in block `env`; the outcome equals `execute_block`'s
    /// for the same input.
    pub fn execute<V: StateView + Sync>(
        &mut self,
        base: V,
        config: &EvmConfig,
        env: &BlockEnv,
        txs: Vec<RecoveredTx>,
        policy: InvalidTxPolicy,
    ) -> Result<ScheduledBlock, ExecutionError> {
        let started = Instant::now();
        let mut block = execute(&self.config, &self.history, &base, config, env, txs, policy)?;
        let report = &mut block.report;
        report.elapsed = started.elapsed();
        report.gas_used = block.outcome.gas_used;
        self.history.record(&self.config, report);
        tracing::debug!(
            strategy = report.strategy.name(),
            reason = report.reason,
            txs = report.txs,
            parallel_txs = report.parallel_txs,
            executions = report.executions,
            aborts = report.aborts,
            waits = report.waits,
            fallback = report.fallback,
            us = report.elapsed.as_micros() as u64,
            "block executed"
        );
        Ok(block)
    }
}

/// Executes `txs` with up to `threads` worker threads (Block-STM, or declared access when
/// every transaction declares it); the result (receipts, write set, gas, rejections) equals
/// `execute_block`'s for the same input.
///
/// Runs sequentially when parallelism cannot pay (one thread, a small block) or does not
/// apply (total gas limits above the block's: the sequential executor then decides which
/// transactions fit), and finishes sequentially a block found too contended.
pub fn execute_block_parallel<V: StateView + Sync>(
    base: V,
    config: &EvmConfig,
    env: &BlockEnv,
    txs: Vec<RecoveredTx>,
    policy: InvalidTxPolicy,
    threads: usize,
) -> Result<BlockOutcome, ExecutionError> {
    let scheduler = SchedulerConfig { threads, ..SchedulerConfig::default() };
    execute(&scheduler, &History::default(), &base, config, env, txs, policy)
        .map(|block| block.outcome)
}

fn sequential<V: StateView>(
    base: &V,
    config: &EvmConfig,
    env: &BlockEnv,
    txs: Vec<RecoveredTx>,
    policy: InvalidTxPolicy,
    report: ExecutionReport,
) -> Result<ScheduledBlock, ExecutionError> {
    Ok(ScheduledBlock { outcome: execute_block(base, config, env, txs, policy)?, report })
}

fn execute<V: StateView + Sync>(
    scheduler: &SchedulerConfig,
    history: &History,
    base: &V,
    config: &EvmConfig,
    env: &BlockEnv,
    txs: Vec<RecoveredTx>,
    policy: InvalidTxPolicy,
) -> Result<ScheduledBlock, ExecutionError> {
    let gas: u64 = txs.iter().map(|t| t.gas_limit()).fold(0, u64::saturating_add);
    let forced = scheduler.force;
    let preselected = match forced {
        Some(Strategy::Sequential) => Err("forced by configuration"),
        Some(_) if gas > env.gas_limit => Err("gas limits above the block's"),
        Some(_) => Ok(()),
        None => preselect(scheduler, txs.len(), gas, env.gas_limit),
    };
    if let Err(reason) = preselected {
        let report = ExecutionReport::sequential(reason, txs.len());
        return sequential(base, config, env, txs, policy, report);
    }
    if forced.is_none()
        && let Some(reason) = history.measured_choice(scheduler)
    {
        let report = ExecutionReport::sequential(reason, txs.len());
        return sequential(base, config, env, txs, policy, report);
    }
    let threads = scheduler.threads.max(1);
    let vm = EvmBlockVm::new(config, env);
    let mut strategy = Strategy::Optimistic;
    let mut reason = "parallel";
    let mut run = None;
    let run_started = Instant::now();
    let declared: Option<Vec<DeclaredAccess>> = match forced {
        Some(Strategy::Optimistic) => None,
        _ if txs.len() >= 2048 => thread_pool::install(threads, || {
            use rayon::prelude::*;
            txs.par_iter().map(|tx| vm.declared_access(tx, base)).collect()
        }),
        _ => txs.iter().map(|tx| vm.declared_access(tx, base)).collect(),
    };
    if let Some(access) = &declared {
        let access: Vec<&DeclaredAccess> = access.iter().collect();
        let partition = Partition::new(&access, threads);
        let min = scheduler.min_parallelism;
        strategy = Strategy::Declared;
        let declared_run = if partition.parallelism() >= min || forced.is_some() {
            reason = "every transaction declares its access: independent parts";
            thread_pool::install(threads, || run_partitioned(&vm, base, &txs, &access, &partition))
        } else {
            let graph = DependencyGraph::new(&access);
            let parallelism = txs.len() as f64 / graph.critical_path.max(1) as f64;
            if parallelism < min {
                let reason = "declared accesses form a chain";
                let report = ExecutionReport::sequential(reason, txs.len());
                return sequential(base, config, env, txs, policy, report);
            }
            reason = "every transaction declares its access: dependency graph";
            thread_pool::install(threads, || run_declared(&vm, base, &txs, &access, graph, threads))
        };
        match declared_run {
            Ok(declared) if declared.stop == Some(Stop::Undeclared) => {
                strategy = Strategy::Optimistic;
                reason = "a transaction strayed from its declared access";
            }
            other => run = Some(other),
        }
    }
    if run.is_none() && forced.is_none() && history.recently_contended() {
        // Not declared (its parallelism unknown) and right after a contended block.
        let report = ExecutionReport::sequential(RECENTLY_CONTENDED, txs.len());
        return sequential(base, config, env, txs, policy, report);
    }
    let run = match run {
        Some(run) => run,
        None => {
            let limit = (scheduler.max_waste.is_finite()).then_some(ContentionLimit {
                probe: scheduler.probe,
                max_waste: scheduler.max_waste,
                min_parallelism: scheduler.min_parallelism,
            });
            thread_pool::install(threads, || run_optimistic(&vm, base, &txs, threads, limit))
        }
    };
    let mut report = ExecutionReport {
        strategy,
        reason,
        threads,
        parallel_time: run_started.elapsed(),
        ..ExecutionReport::sequential("", txs.len())
    };
    let run = match run {
        Ok(run) => run,
        Err(_) => {
            // Settle the error exactly as the sequential executor would.
            report.fallback = Some("error in the parallel run");
            return sequential(base, config, env, txs, policy, report);
        }
    };
    report.executions = run.stats.executions;
    report.aborts = run.stats.aborts;
    report.waits = run.stats.waits;
    let mut run = run;
    report.parallel_txs = run.outputs.len();
    if run.stop == Some(Stop::Contended) {
        report.fallback = Some(CONTENDED);
    }
    let outputs = std::mem::take(&mut run.outputs);
    let rejections = outputs.iter().any(|o| matches!(o, TxExecution::Rejected(_)));
    if run.changes.is_none()
        && !rejections
        && outputs.len() == txs.len()
        && let Some(shares) = run.overlays.take()
    {
        // A partitioned block: merge the workers' writes while its receipts are built.
        drop(run);
        let mut block = BlockAssembly::new(txs.len(), policy);
        let (folded, pushed) = thread_pool::install(threads, || {
            rayon::join(|| merge_overlays(base, shares), || block.push_all(txs, outputs))
        });
        pushed?;
        return match folded {
            Ok(changes) => {
                let outcome = block.finish(env, BlockState::with_changes(base, changes))?;
                Ok(ScheduledBlock { outcome, report })
            }
            // Inexact only in theory (a balance overflow): run the block sequentially (its
            // transactions are the receipts' block's, in order).
            Err(error) => {
                report.fallback = Some(fallback_reason(error));
                report.parallel_txs = 0;
                sequential(base, config, env, block.into_transactions(), policy, report)
            }
        };
    }
    let folded = match (run.changes.take(), run.overlays.take()) {
        (Some(changes), _) => changes,
        (None, Some(shares)) => merge_overlays(base, shares),
        (None, None) => {
            let mut changes = StateChanges::default();
            fold_writes(base, &mut changes, run.writes(outputs.len())).map(|()| changes)
        }
    };
    let changes = match folded {
        Ok(changes) => changes,
        Err(error) => {
            // Settled by the sequential executor: exactly its result, or its error.
            report.fallback = Some(fallback_reason(error));
            report.parallel_txs = 0;
            return sequential(base, config, env, txs, policy, report);
        }
    };
    drop(run);
    let outcome = assemble(base, config, env, txs, policy, outputs, changes, threads)?;
    Ok(ScheduledBlock { outcome, report })
}

/// Why the writes of a parallel run could not be folded.
fn fallback_reason(error: FoldError) -> &'static str {
    match error {
        FoldError::NotExact(why) => why,
        FoldError::Execution(e) => {
            tracing::debug!(error = %e, "folding the parallel writes failed");
            "error folding the parallel writes"
        }
    }
}

/// The block from the results of the parallel run for its first transactions (their writes
/// folded into `changes`), and the rest of them executed sequentially on top (on the calling
/// thread, whose caches hold the block).
#[allow(clippy::too_many_arguments)]
fn assemble<V: StateView>(
    base: &V,
    config: &EvmConfig,
    env: &BlockEnv,
    txs: Vec<RecoveredTx>,
    policy: InvalidTxPolicy,
    outputs: Vec<TxExecution>,
    changes: StateChanges,
    threads: usize,
) -> Result<BlockOutcome, ExecutionError> {
    let mut block = BlockAssembly::new(txs.len(), policy);
    let mut rest = Vec::new().into_iter();
    if outputs.len() == txs.len() {
        // Receipts on the scheduler's threads.
        thread_pool::install(threads, || block.push_all(txs, outputs))?;
    } else {
        // Move out the (short) final prefix only, not the rest.
        rest = txs.into_iter();
        let prefix: Vec<RecoveredTx> = rest.by_ref().take(outputs.len()).collect();
        block.push_all(prefix, outputs)?;
    }
    block.execute_rest(config, env, BlockState::with_changes(base, changes), rest)
}
