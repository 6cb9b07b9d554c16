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
//!
//! Last, what the signals cannot tell: whether parallel execution actually pays for this
//! chain's blocks on this machine. The executor measures it — time per unit of gas of the
//! blocks it ran in parallel and of those it ran sequentially, averaged over recent blocks —
//! and runs blocks with whichever was faster, trying the other every `recheck_every` blocks
//! so that a change of workload is noticed. A block that could run in parallel therefore
//! loses at most the occasional re-check against sequential execution.

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
    /// Blocks that could run in parallel between two runs with the strategy measured slower
    /// (parallel or sequential), to notice when that changes.
    pub recheck_every: u32,
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
            recheck_every: 16,
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
    /// Gas the block used.
    pub gas_used: u64,
}

impl ExecutionReport {
    /// A block run sequentially for `reason`.
    pub fn sequential(reason: &'static str, txs: usize) -> Self {
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
            gas_used: 0,
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
    /// Average nanoseconds per unit of gas of recent blocks that could have run in parallel
    /// and ran sequentially (`None`: none measured yet).
    sequential_cost: Option<f64>,
    /// The same for such blocks run in parallel.
    parallel_cost: Option<f64>,
    /// Such blocks since one last ran with the strategy measured slower.
    since_recheck: u32,
}

/// Weight of the latest block in the cost averages.
const COST_WEIGHT: f64 = 0.3;

/// Reasons for running sequentially a block that could run in parallel, by measurement.
pub(super) const MEASURED_SLOWER: &str = "parallel blocks measured slower than sequential ones";
/// ... and to measure sequential execution (once first, then every `recheck_every` blocks).
pub(super) const MEASURING: &str = "measuring sequential execution against parallel";

impl History {
    /// Takes the outcome of a block into account.
    pub(super) fn record(&mut self, config: &SchedulerConfig, report: &ExecutionReport) {
        if report.contended() {
            self.sequential_left = config.retry_after;
        } else if report.strategy == Strategy::Sequential && report.reason == RECENTLY_CONTENDED {
            self.sequential_left = self.sequential_left.saturating_sub(1);
        }
        let parallel = report.strategy != Strategy::Sequential;
        let measured = parallel || report.reason == MEASURED_SLOWER || report.reason == MEASURING;
        if !measured || report.gas_used == 0 {
            return;
        }
        let slower = self.parallel_is_faster().map(|faster| faster != parallel);
        let cost = report.elapsed.as_nanos() as f64 / report.gas_used as f64;
        let average = if parallel { &mut self.parallel_cost } else { &mut self.sequential_cost };
        *average = Some(average.map_or(cost, |a| a + COST_WEIGHT * (cost - a)));
        // Counting restarts at every run with the slower strategy, or to compare the two.
        self.since_recheck = if slower == Some(false) { self.since_recheck + 1 } else { 0 };
    }

    /// Whether recent blocks were too contended to try parallelism now.
    pub(super) fn recently_contended(&self) -> bool {
        self.sequential_left > 0
    }

    /// Whether parallel blocks were measured faster than sequential ones (`None`: not both
    /// measured yet).
    fn parallel_is_faster(&self) -> Option<bool> {
        Some(self.parallel_cost? < self.sequential_cost?)
    }

    /// For a block that could run in parallel: `Some(reason)` to run it sequentially, by
    /// what was measured. Parallel first, then sequential once, then the faster one, the
    /// slower one every `recheck_every` blocks.
    pub(super) fn measured_choice(&self, config: &SchedulerConfig) -> Option<&'static str> {
        // Parallel first.
        self.parallel_cost?;
        let Some(parallel_faster) = self.parallel_is_faster() else { return Some(MEASURING) };
        let recheck = self.since_recheck >= config.recheck_every;
        match (parallel_faster, recheck) {
            (true, false) => None,
            (true, true) => Some(MEASURING),
            (false, false) => Some(MEASURED_SLOWER),
            (false, true) => None,
        }
    }
}

/// The reason given for a sequential block after a contended one.
pub(super) const RECENTLY_CONTENDED: &str = "a recent block was contended";

/// Whether a block of `txs` transactions (`fits`: whose resource limits fit in the block's)
/// may run in parallel, before looking at declarations and history: `Err(reason)` to run it
/// sequentially.
pub(super) fn preselect(
    config: &SchedulerConfig,
    txs: usize,
    fits: bool,
) -> Result<(), &'static str> {
    if config.threads <= 1 {
        return Err("one worker thread");
    }
    if txs < config.min_txs.max(2) {
        return Err("block too small to pay for parallelism");
    }
    if !fits {
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
        assert!(preselect(&config, 5000, true).is_ok());
        assert!(preselect(&config, 10, true).is_err());
        assert!(preselect(&config, 5000, false).is_err());
        let one = SchedulerConfig { threads: 1, ..config };
        assert!(preselect(&one, 5000, true).is_err());
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

    fn block(strategy: Strategy, reason: &'static str, micros: u64) -> ExecutionReport {
        ExecutionReport {
            strategy,
            reason,
            elapsed: Duration::from_micros(micros),
            gas_used: 1_000_000,
            ..ExecutionReport::sequential(reason, 5000)
        }
    }

    #[test]
    fn measured_faster_strategy_wins_and_the_other_is_rechecked() {
        let config = SchedulerConfig { threads: 2, recheck_every: 3, ..Default::default() };
        let mut history = History::default();
        // Parallel first, then sequential once to compare.
        assert_eq!(history.measured_choice(&config), None);
        history.record(&config, &block(Strategy::Optimistic, "parallel", 2_000));
        assert_eq!(history.measured_choice(&config), Some(MEASURING));
        history.record(&config, &block(Strategy::Sequential, MEASURING, 1_000));
        // Sequential was faster: sequential, but parallel again every 3 blocks.
        let mut choices = Vec::new();
        for _ in 0..8 {
            let choice = history.measured_choice(&config);
            choices.push(choice.is_none());
            let report = match choice {
                None => block(Strategy::Optimistic, "parallel", 2_000),
                Some(reason) => block(Strategy::Sequential, reason, 1_000),
            };
            history.record(&config, &report);
        }
        assert_eq!(choices, [false, false, false, true, false, false, false, true]);
        // Parallel gets faster (another workload): the re-checks notice, and parallel becomes
        // the choice, sequential the one re-checked.
        let mut parallel = Vec::new();
        for _ in 0..24 {
            let choice = history.measured_choice(&config);
            parallel.push(choice.is_none());
            let report = match choice {
                None => block(Strategy::Optimistic, "parallel", 500),
                Some(reason) => block(Strategy::Sequential, reason, 1_000),
            };
            history.record(&config, &report);
        }
        assert_eq!(parallel[16..], [true, true, true, false, true, true, true, false]);
        // Blocks too small to run in parallel measure nothing.
        let before = history.clone();
        history.record(&config, &block(Strategy::Sequential, "block too small", 1));
        assert_eq!(history.sequential_cost, before.sequential_cost);
    }
}
