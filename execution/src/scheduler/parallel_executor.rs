//! The parallel executor: picks a strategy for a block (see `strategy`), runs the block's
//! transactions on the scheduler's workers, and hands back the final results of the longest
//! prefix of the block it settled, with their write set — exactly what executing that prefix
//! one transaction after another gives. The block executor (`block::BlockExecutor`) runs the
//! rest of the block sequentially on top, with one worker of the same VM: a block executed
//! "sequentially" is the case where that prefix is empty.
//!
//! Anything the parallel run cannot settle exactly — a stop for contention, an error, a write
//! set it cannot fold exactly — shortens the prefix (to nothing, if need be), so the result
//! never depends on the path.

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
use crate::{ExecutionError, StateChanges, StateView};

/// What the parallel executor settled of a block.
#[derive(Debug)]
pub struct Scheduled<O> {
    /// Final outputs of the block's first transactions, in block order (empty: the whole
    /// block is to run sequentially).
    pub outputs: Vec<O>,
    /// The write set of those transactions.
    pub changes: StateChanges,
    /// How the block is being executed.
    pub report: ExecutionReport,
}

impl<O> Scheduled<O> {
    fn sequential(reason: &'static str, txs: usize) -> Self {
        Self {
            outputs: Vec::new(),
            changes: StateChanges::default(),
            report: ExecutionReport::sequential(reason, txs),
        }
    }
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

    /// An executor that runs every block sequentially (one worker).
    pub fn sequential() -> Self {
        Self::new(SchedulerConfig { threads: 1, ..SchedulerConfig::default() })
    }

    /// Its configuration.
    pub fn config(&self) -> &SchedulerConfig {
        &self.config
    }

    /// Records how a block went (its report, with `elapsed` and `gas_used` filled in by the
    /// block executor): the strategy choice of the next blocks learns from it.
    pub fn record(&mut self, report: &ExecutionReport) {
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
    }

    /// Runs `txs` on top of `base` in parallel when that pays and applies; `fits`: whether
    /// the transactions fit in the block at their full resource limits (if not, the block
    /// executor decides which fit, one after another). The rejected transactions of the
    /// prefix are among its outputs, and wrote nothing.
    pub fn run<Vm: BlockVm, V: StateView + Sync>(
        &self,
        vm: &Vm,
        base: &V,
        txs: &[Vm::Tx],
        fits: bool,
    ) -> Result<Scheduled<Vm::Output>, ExecutionError> {
        let scheduler = &self.config;
        let forced = scheduler.force;
        let preselected = match forced {
            Some(Strategy::Sequential) => Err("forced by configuration"),
            Some(_) if !fits => Err("gas limits above the block's"),
            Some(_) => Ok(()),
            None => preselect(scheduler, txs.len(), fits),
        };
        if let Err(reason) = preselected {
            return Ok(Scheduled::sequential(reason, txs.len()));
        }
        if forced.is_none()
            && let Some(reason) = self.history.measured_choice(scheduler)
        {
            return Ok(Scheduled::sequential(reason, txs.len()));
        }
        let threads = scheduler.threads.max(1);
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
                thread_pool::install(threads, || {
                    run_partitioned(vm, base, txs, &access, &partition)
                })
            } else {
                let graph = DependencyGraph::new(&access);
                let parallelism = txs.len() as f64 / graph.critical_path.max(1) as f64;
                if parallelism < min {
                    return Ok(Scheduled::sequential("declared accesses form a chain", txs.len()));
                }
                reason = "every transaction declares its access: dependency graph";
                thread_pool::install(threads, || {
                    run_declared(vm, base, txs, &access, graph, threads)
                })
            };
            match declared_run {
                Ok(declared) if declared.stop == Some(Stop::Undeclared) => {
                    strategy = Strategy::Optimistic;
                    reason = "a transaction strayed from its declared access";
                }
                other => run = Some(other),
            }
        }
        if run.is_none() && forced.is_none() && self.history.recently_contended() {
            // Not declared (its parallelism unknown) and right after a contended block.
            return Ok(Scheduled::sequential(RECENTLY_CONTENDED, txs.len()));
        }
        let run = match run {
            Some(run) => run,
            None => {
                let limit = (scheduler.max_waste.is_finite()).then_some(ContentionLimit {
                    probe: scheduler.probe,
                    max_waste: scheduler.max_waste,
                    min_parallelism: scheduler.min_parallelism,
                });
                thread_pool::install(threads, || run_optimistic(vm, base, txs, threads, limit))
            }
        };
        let mut report = ExecutionReport {
            strategy,
            reason,
            threads,
            parallel_time: run_started.elapsed(),
            ..ExecutionReport::sequential("", txs.len())
        };
        let mut run = match run {
            Ok(run) => run,
            Err(_) => {
                // Settled by the sequential executor: exactly its result, or its error.
                report.fallback = Some("error in the parallel run");
                return Ok(Scheduled { report, ..Scheduled::sequential("", txs.len()) });
            }
        };
        report.executions = run.stats.executions;
        report.aborts = run.stats.aborts;
        report.waits = run.stats.waits;
        if run.stop == Some(Stop::Contended) {
            report.fallback = Some(CONTENDED);
        }
        let outputs = std::mem::take(&mut run.outputs);
        let folded = match (run.changes.take(), run.overlays.take()) {
            (Some(changes), _) => changes,
            (None, Some(shares)) => thread_pool::install(threads, || merge_overlays(base, shares)),
            (None, None) => {
                let mut changes = StateChanges::default();
                fold_writes(base, &mut changes, run.writes(outputs.len())).map(|()| changes)
            }
        };
        drop(run);
        match folded {
            Ok(changes) => {
                report.parallel_txs = outputs.len();
                Ok(Scheduled { outputs, changes, report })
            }
            Err(error) => {
                // The block executor runs the block sequentially from its start.
                report.fallback = Some(fallback_reason(error));
                Ok(Scheduled { report, ..Scheduled::sequential("", txs.len()) })
            }
        }
    }
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
