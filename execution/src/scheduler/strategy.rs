//! Choosing how to execute each block — sequentially, optimistically (Block-STM) or by
//! declared access — from cheap signals, so that a block too small or too contended for
//! parallelism does not pay for it; and the report of what was done.
//!
//! Signals, cheapest first: the worker count; the block's size (below `min_txs`, waking
//! workers costs more than it saves); whether every transaction declares its access (then the
//! split of the block into independent parts, or its dependency graph, says how parallel it
//! is before anything runs); how the last blocks went (after a block that had to stop for
//! contention, the next `retry_after` undeclared blocks run sequentially, then parallelism is
//! tried again); and, inside an optimistic run, after a short probe, the share of wasted
//! executions and the observed chain of transactions reading one another's writes (a hot
//! counter is one long chain), either of which stops the run and finishes the block
//! sequentially from the last final transaction.

use std::time::Duration;

/// How the parallel executor chooses and runs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SchedulerConfig {
    /// Worker threads (1: always sequential). Default: the available cores.
    pub threads: usize,
    /// Smallest block worth running in parallel. A parallel block pays a fixed cost — waking
    /// the workers, planning or folding, data crossing cores — of about a millisecond on a
    /// small two-core machine: blocks under ~2,000 transactions measured no faster there.
    pub min_txs: usize,
    /// Attempts (executions, suspended or not) each worker makes before judging the block's
    /// contention.
    pub probe: usize,
    /// Largest share of wasted attempts (aborted or suspended executions) an optimistic run
    /// tolerates.
    pub max_waste: f64,
    /// Blocks run sequentially after a block stopped for contention, before trying again.
    pub retry_after: u32,
    /// Smallest parallelism (transactions over the longest chain of transactions that read
    /// one another's writes) worth running a block in parallel: known up front for a block
    /// with declared access, observed during the probe of an optimistic run.
    pub min_parallelism: f64,
    /// Run every block with this strategy, whatever the signals say (for tests and
    /// measurements; a forced optimistic run still stops when contended unless `max_waste`
    /// is infinite). `None`: choose per block.
    pub force: Option<Strategy>,
}

impl Default for SchedulerConfig {
    fn default() -> Self {
        Self {
            threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
            min_txs: 2000,
            probe: 12,
            max_waste: 0.35,
            retry_after: 8,
            min_parallelism: 1.25,
            force: None,
        }
    }
}

/// How a block was executed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strategy {
    /// One transaction after another.
    Sequential,
    /// Block-STM: optimistic execution, validation, re-execution on conflict.
    Optimistic,
    /// Scheduled ahead from the transactions' declared access.
    Declared,
}

impl Strategy {
    /// Lower-case name, for logs and metrics labels.
    pub fn name(self) -> &'static str {
        match self {
            Strategy::Sequential => "sequential",
            Strategy::Optimistic => "optimistic",
            Strategy::Declared => "declared",
        }
    }
}

/// What executing one block took: the sequencer logs it and exports it as metrics.
#[derive(Debug, Clone, PartialEq)]
pub struct ExecutionReport {
    /// The strategy the block started with.
    pub strategy: Strategy,
    /// Why that strategy.
    pub reason: &'static str,
    /// Worker threads used.
    pub threads: usize,
    /// Transactions in the block.
    pub txs: usize,
    /// Transactions whose final result came from the parallel run (the rest ran
    /// sequentially after it stopped).
    pub parallel_txs: usize,
    /// Executions of transactions in the parallel run (first runs and re-runs).
    pub executions: usize,
    /// Executions aborted because their reads turned stale.
    pub aborts: usize,
    /// Executions suspended on a value being re-computed.
    pub waits: usize,
    /// Why the parallel run stopped before the end of the block, if it did.
    pub fallback: Option<&'static str>,
    /// Wall-clock time of the parallel run (the rest of `elapsed`: choosing, folding the
    /// writes, assembling receipts, any sequential remainder).
    pub parallel_time: Duration,
    /// Wall-clock time of the block's execution.
    pub elapsed: Duration,
}

impl ExecutionReport {
    /// A block run sequentially for `reason`.
    pub(super) fn sequential(reason: &'static str, txs: usize) -> Self {
        Self {
            strategy: Strategy::Sequential,
            reason,
            threads: 1,
            txs,
            parallel_txs: 0,
            executions: 0,
            aborts: 0,
            waits: 0,
            fallback: None,
            parallel_time: Duration::ZERO,
            elapsed: Duration::ZERO,
        }
    }

    /// Aborted executions over executions (0 when nothing ran in parallel).
    pub fn abort_rate(&self) -> f64 {
        if self.executions == 0 { 0.0 } else { self.aborts as f64 / self.executions as f64 }
    }

    /// Whether the parallel run stopped because too much work was wasted.
    pub fn contended(&self) -> bool {
        self.fallback == Some(CONTENDED)
    }
}

/// The fallback reason of a run stopped for contention.
pub(super) const CONTENDED: &str =
    "contended: too many wasted executions, or one chain of dependent transactions";

/// What the strategy choice remembers of previous blocks.
#[derive(Debug, Clone, Default)]
pub(super) struct History {
    /// Blocks left to run sequentially after a contended one.
    sequential_left: u32,
}

impl History {
    /// Takes the outcome of a block into account.
    pub(super) fn record(&mut self, config: &SchedulerConfig, report: &ExecutionReport) {
        if report.contended() {
            self.sequential_left = config.retry_after;
        } else if report.strategy == Strategy::Sequential && report.reason == RECENTLY_CONTENDED {
            self.sequential_left = self.sequential_left.saturating_sub(1);
        }
    }

    /// Whether recent blocks were too contended to try parallelism now.
    pub(super) fn recently_contended(&self) -> bool {
        self.sequential_left > 0
    }
}

/// The reason given for a sequential block after a contended one.
pub(super) const RECENTLY_CONTENDED: &str = "a recent block was contended";

/// Whether a block of `txs` transactions whose gas limits sum to `gas` (against the block's
/// `gas_limit`) may run in parallel, before looking at declarations and history:
/// `Err(reason)` to run it sequentially.
pub(super) fn preselect(
    config: &SchedulerConfig,
    txs: usize,
    gas: u64,
    gas_limit: u64,
) -> Result<(), &'static str> {
    if config.threads <= 1 {
        return Err("one worker thread");
    }
    if txs < config.min_txs.max(2) {
        return Err("block too small to pay for parallelism");
    }
    if gas > gas_limit {
        // The sequential executor decides which transactions fit.
        return Err("gas limits above the block's");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_blocks_and_single_threads_run_sequentially() {
        let config = SchedulerConfig { threads: 2, ..Default::default() };
        assert!(preselect(&config, 5000, 1, 2).is_ok());
        assert!(preselect(&config, 10, 1, 2).is_err());
        assert!(preselect(&config, 5000, 3, 2).is_err());
        let one = SchedulerConfig { threads: 1, ..config };
        assert!(preselect(&one, 5000, 1, 2).is_err());
    }

    #[test]
    fn contention_pauses_parallelism_for_a_while() {
        let config = SchedulerConfig { threads: 2, retry_after: 2, ..Default::default() };
        let mut history = History::default();
        let mut contended = ExecutionReport::sequential("x", 100);
        contended.strategy = Strategy::Optimistic;
        contended.fallback = Some(CONTENDED);
        history.record(&config, &contended);
        for _ in 0..2 {
            assert!(history.recently_contended());
            history.record(&config, &ExecutionReport::sequential(RECENTLY_CONTENDED, 1000));
        }
        assert!(!history.recently_contended());
    }
}
