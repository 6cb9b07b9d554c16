//! Prometheus metrics of a node (served at `/metrics`).

use prometheus_client::{
    encoding::text::encode,
    metrics::{counter::Counter, gauge::Gauge, histogram::Histogram},
    registry::Registry,
};

/// The node's metrics. All updates are lock-free.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    /// Number of the head (latest sealed) block.
    pub head: Gauge,
    /// Number of the safe head (posted to DA).
    pub safe_head: Gauge,
    /// Blocks sealed but not yet on DA.
    pub da_lag_blocks: Gauge,
    /// Transactions in the pool.
    pub mempool_size: Gauge,
    /// Transactions admitted to the pool.
    pub txs_admitted: Counter,
    /// Transactions included in sealed blocks.
    pub txs_sealed: Counter,
    /// Blocks sealed.
    pub blocks_sealed: Counter,
    /// Seconds to build and seal one block.
    pub block_build_seconds: Histogram,
    /// Batches (frames) posted to DA.
    pub batches_posted: Counter,
    /// Failed DA submissions (each retried).
    pub da_submit_failures: Counter,
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
        let head = Gauge::default();
        let safe_head = Gauge::default();
        let da_lag_blocks = Gauge::default();
        let mempool_size = Gauge::default();
        let txs_admitted = Counter::default();
        let txs_sealed = Counter::default();
        let blocks_sealed = Counter::default();
        let block_build_seconds =
            Histogram::new([0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5]);
        let batches_posted = Counter::default();
        let da_submit_failures = Counter::default();
        registry.register("head_block", "Number of the latest sealed block", head.clone());
        registry.register(
            "safe_block",
            "Number of the latest block posted to DA",
            safe_head.clone(),
        );
        registry.register("da_lag_blocks", "Sealed blocks not yet on DA", da_lag_blocks.clone());
        registry.register("mempool_transactions", "Transactions in the pool", mempool_size.clone());
        registry.register(
            "txs_admitted",
            "Transactions admitted to the pool",
            txs_admitted.clone(),
        );
        registry.register(
            "txs_sealed",
            "Transactions included in sealed blocks",
            txs_sealed.clone(),
        );
        registry.register("blocks_sealed", "Blocks sealed", blocks_sealed.clone());
        registry.register(
            "block_build_seconds",
            "Time to build and seal a block",
            block_build_seconds.clone(),
        );
        registry.register("da_batches_posted", "Blobs posted to DA", batches_posted.clone());
        registry.register(
            "da_submit_failures",
            "Failed DA submissions (retried)",
            da_submit_failures.clone(),
        );
        Self {
            registry,
            head,
            safe_head,
            da_lag_blocks,
            mempool_size,
            txs_admitted,
            txs_sealed,
            blocks_sealed,
            block_build_seconds,
            batches_posted,
            da_submit_failures,
        }
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
        let text = metrics.encode();
        assert!(text.contains("manifold_head_block 42"), "{text}");
        assert!(text.contains("manifold_block_build_seconds_bucket"), "{text}");
    }
}
