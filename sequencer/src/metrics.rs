//! Prometheus metrics of a node (served at `/metrics`).

use prometheus_client::{
    encoding::text::encode,
    metrics::{counter::Counter, family::Family, gauge::Gauge, histogram::Histogram},
    registry::Registry,
};

/// Label set of [`Metrics::da_blobs_skipped`]: `reason` = `foreign` or `corrupt`.
pub type SkipLabels = Vec<(String, String)>;

/// Label set of [`Metrics::blocks_executed`]: `strategy` = `sequential`, `optimistic` or
/// `declared`.
pub type StrategyLabels = Vec<(String, String)>;

/// The node's metrics. All updates are lock-free.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    /// Number of the head (latest sealed or derived) block.
    pub head: Gauge,
    /// Number of the safe head (on DA).
    pub safe_head: Gauge,
    /// Blocks sealed but not yet on DA.
    pub da_lag_blocks: Gauge,
    /// Transactions in the pool.
    pub mempool_size: Gauge,
    /// Transactions admitted to the pool.
    pub txs_admitted: Counter,
    /// Queued transactions (waiting behind a nonce gap) evicted for room, or dropped after
    /// their payer stayed silent for `mempool.queued_lifetime_secs`.
    pub txs_evicted: Counter,
    /// Transactions whose signatures a JSON-RPC batch checked ahead, in parallel, before its
    /// calls ran (see `rpc::durable_batches`).
    pub txs_decoded_ahead: Counter,
    /// Durable group commits of the pool's journal (one fsync each, for every admission
    /// queued behind it).
    pub journal_commits: Counter,
    /// Transactions included in sealed (or derived) blocks.
    pub txs_sealed: Counter,
    /// Blocks sealed.
    pub blocks_sealed: Counter,
    /// L1 deposits confirmed and read by the sequencer's deposit feed.
    pub deposits_read: Counter,
    /// Seconds to build and seal one block.
    pub block_build_seconds: Histogram,
    /// Batches (frames) posted to DA.
    pub batches_posted: Counter,
    /// Failed DA submissions (each retried).
    pub da_submit_failures: Counter,
    /// Failed DA reads (each retried).
    pub da_read_failures: Counter,
    /// Times a follower's derivation waited for its L1 (a deposit of the next block not
    /// confirmed there yet, or the L1 unreadable), each followed by a retry.
    pub l1_waits: Counter,
    /// Latest DA head seen.
    pub da_head: Gauge,
    /// Highest DA height posted to (sequencer) or fully read (follower).
    pub da_height: Gauge,
    /// Blocks a follower re-executed from DA and sealed.
    pub blocks_derived: Counter,
    /// Blobs a follower skipped, by `reason` (`foreign`: not a Manifold frame; `corrupt`:
    /// a frame that fails its checks).
    pub da_blobs_skipped: Family<SkipLabels, Counter>,
    /// 1 when a follower's re-execution diverged from DA and it stopped deriving.
    pub diverged: Gauge,
    /// Number of the block where a follower diverged (0 when it has not).
    pub divergence_block: Gauge,
    /// Blocks the sequencer executed, by the scheduler's `strategy`.
    pub blocks_executed: Family<StrategyLabels, Counter>,
    /// Transaction executions of parallel runs (first ones and re-executions).
    pub parallel_executions: Counter,
    /// Executions of parallel runs whose reads turned out stale (wasted work).
    pub parallel_aborts: Counter,
    /// Parallel runs stopped for contention and finished sequentially.
    pub parallel_fallbacks: Counter,
    /// Open RPC connections (idle ones included).
    pub rpc_connections: Gauge,
    /// RPC connections refused (`503`) because every open one was busy.
    pub rpc_connections_refused: Counter,
    /// RPC connections closed to make room for a new one (the one waiting longest).
    pub rpc_connections_shed: Counter,
    /// RPC connections closed after the idle timeout.
    pub rpc_connections_idle_closed: Counter,
    /// RPC requests executing now.
    pub rpc_requests_in_flight: Gauge,
    /// RPC requests refused (`503`) at the in-flight limit.
    pub rpc_requests_refused: Counter,
    /// RPC requests whose body did not arrive in time (`408`).
    pub rpc_body_timeouts: Counter,
    /// RPC requests whose body exceeded the limit (`413`).
    pub rpc_bodies_too_large: Counter,
    /// 1 while a bridged sequencer seals no block because its deposit feed has not read the L1
    /// far enough (see `deposits::SequencingBound`).
    pub l1_stalled: Gauge,
    /// Timestamp of the newest L1 block up to which a bridged sequencer's deposit feed has read
    /// every deposit.
    pub l1_read_timestamp: Gauge,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// Fresh metrics registered under the `manifold_` prefix.
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("manifold");
        let m = Self {
            registry: Registry::default(),
            head: Gauge::default(),
            safe_head: Gauge::default(),
            da_lag_blocks: Gauge::default(),
            mempool_size: Gauge::default(),
            txs_admitted: Counter::default(),
            txs_evicted: Counter::default(),
            journal_commits: Counter::default(),
            txs_decoded_ahead: Counter::default(),
            txs_sealed: Counter::default(),
            blocks_sealed: Counter::default(),
            deposits_read: Counter::default(),
            block_build_seconds: Histogram::new([
                0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
            ]),
            batches_posted: Counter::default(),
            da_submit_failures: Counter::default(),
            da_read_failures: Counter::default(),
            l1_waits: Counter::default(),
            da_head: Gauge::default(),
            da_height: Gauge::default(),
            blocks_derived: Counter::default(),
            da_blobs_skipped: Family::default(),
            diverged: Gauge::default(),
            divergence_block: Gauge::default(),
            blocks_executed: Family::default(),
            parallel_executions: Counter::default(),
            parallel_aborts: Counter::default(),
            parallel_fallbacks: Counter::default(),
            rpc_connections: Gauge::default(),
            rpc_connections_refused: Counter::default(),
            rpc_connections_shed: Counter::default(),
            rpc_connections_idle_closed: Counter::default(),
            rpc_requests_in_flight: Gauge::default(),
            rpc_requests_refused: Counter::default(),
            rpc_body_timeouts: Counter::default(),
            rpc_bodies_too_large: Counter::default(),
            l1_stalled: Gauge::default(),
            l1_read_timestamp: Gauge::default(),
        };
        let r = &mut registry;
        r.register("head_block", "Number of the latest sealed block", m.head.clone());
        r.register("safe_block", "Number of the latest block on DA", m.safe_head.clone());
        r.register("da_lag_blocks", "Sealed blocks not yet on DA", m.da_lag_blocks.clone());
        r.register("mempool_transactions", "Transactions in the pool", m.mempool_size.clone());
        r.register("txs_admitted", "Transactions admitted to the pool", m.txs_admitted.clone());
        r.register(
            "txs_evicted",
            "Queued transactions evicted for room or dropped after their payer went silent",
            m.txs_evicted.clone(),
        );
        r.register("txs_sealed", "Transactions included in sealed blocks", m.txs_sealed.clone());
        r.register("blocks_sealed", "Blocks sealed", m.blocks_sealed.clone());
        r.register(
            "txs_decoded_ahead",
            "Transactions whose signatures a batch checked ahead, in parallel",
            m.txs_decoded_ahead.clone(),
        );
        r.register(
            "journal_commits",
            "Durable group commits of the mempool journal",
            m.journal_commits.clone(),
        );
        r.register(
            "deposits_read",
            "L1 deposits confirmed and read by the deposit feed",
            m.deposits_read.clone(),
        );
        r.register(
            "block_build_seconds",
            "Time to build and seal a block",
            m.block_build_seconds.clone(),
        );
        r.register("da_batches_posted", "Blobs posted to DA", m.batches_posted.clone());
        r.register(
            "da_submit_failures",
            "Failed DA submissions (retried)",
            m.da_submit_failures.clone(),
        );
        r.register("da_read_failures", "Failed DA reads (retried)", m.da_read_failures.clone());
        r.register(
            "follower_l1_waits",
            "Times derivation waited for the L1's deposits (retried)",
            m.l1_waits.clone(),
        );
        r.register("da_head_height", "Latest DA head seen", m.da_head.clone());
        r.register(
            "da_height",
            "Highest DA height posted to (sequencer) or fully read (follower)",
            m.da_height.clone(),
        );
        r.register(
            "blocks_derived",
            "Blocks re-executed from DA and sealed by a follower",
            m.blocks_derived.clone(),
        );
        r.register(
            "da_blobs_skipped",
            "Blobs skipped by a follower, by reason (foreign, corrupt)",
            m.da_blobs_skipped.clone(),
        );
        r.register(
            "follower_diverged",
            "1 when the follower's re-execution diverged from DA and derivation stopped",
            m.diverged.clone(),
        );
        r.register(
            "follower_divergence_block",
            "Block number where the follower diverged (0: none)",
            m.divergence_block.clone(),
        );
        r.register(
            "blocks_executed",
            "Blocks executed, by the scheduler's strategy (sequential, optimistic, declared)",
            m.blocks_executed.clone(),
        );
        r.register(
            "parallel_executions",
            "Transaction executions in parallel runs, re-executions included",
            m.parallel_executions.clone(),
        );
        r.register(
            "parallel_aborts",
            "Executions in parallel runs whose reads turned out stale (abort rate = aborts / executions)",
            m.parallel_aborts.clone(),
        );
        r.register(
            "parallel_fallbacks",
            "Parallel runs that stopped early and finished the block sequentially",
            m.parallel_fallbacks.clone(),
        );
        r.register(
            "rpc_connections",
            "Open RPC connections, idle ones included",
            m.rpc_connections.clone(),
        );
        r.register(
            "rpc_connections_refused",
            "RPC connections refused with 503 because every open one was busy",
            m.rpc_connections_refused.clone(),
        );
        r.register("rpc_connections_shed", "RPC connections closed at the limit to make room for a new one (the one waiting longest)", m.rpc_connections_shed.clone());
        r.register(
            "rpc_connections_idle_closed",
            "RPC connections closed after the idle timeout",
            m.rpc_connections_idle_closed.clone(),
        );
        r.register(
            "rpc_requests_in_flight",
            "RPC requests executing now",
            m.rpc_requests_in_flight.clone(),
        );
        r.register(
            "rpc_requests_refused",
            "RPC requests refused with 503 at the in-flight limit",
            m.rpc_requests_refused.clone(),
        );
        r.register(
            "rpc_body_timeouts",
            "RPC requests whose body did not arrive within the body timeout (408)",
            m.rpc_body_timeouts.clone(),
        );
        r.register(
            "rpc_bodies_too_large",
            "RPC requests whose body exceeded the size limit (413)",
            m.rpc_bodies_too_large.clone(),
        );
        r.register(
            "sequencer_l1_stalled",
            "1 while the sequencer seals no block because its deposit feed has not read the L1 far enough",
            m.l1_stalled.clone(),
        );
        r.register(
            "sequencer_l1_read_timestamp",
            "Timestamp of the newest L1 block up to which the deposit feed has read every deposit",
            m.l1_read_timestamp.clone(),
        );
        Self { registry, ..m }
    }

    /// Counts a block executed with `report`'s strategy, and its parallel work.
    pub fn block_executed(&self, report: &execution::scheduler::ExecutionReport) {
        let labels = vec![("strategy".to_owned(), report.strategy.name().to_owned())];
        self.blocks_executed.get_or_create(&labels).inc();
        self.parallel_executions.inc_by(report.executions as u64);
        self.parallel_aborts.inc_by(report.aborts as u64);
        if report.fallback.is_some() {
            self.parallel_fallbacks.inc();
        }
    }

    /// Counts a blob skipped for `reason` (`foreign` or `corrupt`).
    pub fn blob_skipped(&self, reason: &str) {
        self.da_blobs_skipped.get_or_create(&vec![("reason".to_owned(), reason.to_owned())]).inc();
    }

    /// The Prometheus text exposition of every metric.
    pub fn encode(&self) -> String {
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = encode(&mut out, &self.registry);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exposition_names_the_metrics() {
        let metrics = Metrics::new();
        metrics.head.set(42);
        metrics.blob_skipped("corrupt");
        metrics.diverged.set(1);
        let text = metrics.encode();
        assert!(text.contains("manifold_head_block 42"), "{text}");
        assert!(text.contains("manifold_block_build_seconds_bucket"), "{text}");
        assert!(text.contains("manifold_da_blobs_skipped_total{reason=\"corrupt\"} 1"), "{text}");
        assert!(text.contains("manifold_follower_diverged 1"), "{text}");
    }
}
