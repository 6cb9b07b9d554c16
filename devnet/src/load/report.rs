//! What a load run measured — acknowledged and sealed transactions per second, inclusion
//! latency percentiles — as a line for people and as JSON for scripts.

use serde::Serialize;

use super::timeline::Times;

/// A run's result.
#[derive(Debug, Clone, Serialize)]
pub(super) struct LoadReport {
    /// The node's URL.
    pub(super) node: String,
    /// Transactions in the run.
    pub(super) txs: usize,
    /// Concurrent clients.
    pub(super) clients: usize,
    /// Transactions per request.
    pub(super) batch: usize,
    /// Offered rate (tx/s), if fixed.
    pub(super) offered_tps: Option<f64>,
    /// Transactions the node acknowledged (returned a hash for).
    pub(super) acked: usize,
    /// Transactions it refused.
    pub(super) refused: usize,
    /// Transactions seen in blocks.
    pub(super) included: usize,
    /// Acknowledged per second, from the first request to the last acknowledgement.
    pub(super) acked_tps: f64,
    /// Included per second, from the first request to the last inclusion.
    pub(super) sealed_tps: f64,
    /// Median acknowledgement → inclusion, in milliseconds.
    pub(super) latency_p50_ms: f64,
    /// 99th percentile of the same.
    pub(super) latency_p99_ms: f64,
    /// Refusal messages (the first few).
    pub(super) errors: Vec<String>,
}

/// The `q`-quantile (0..=1) of `values` (nearest rank); 0 when empty.
pub(super) fn quantile(values: &[f64], q: f64) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

/// Count per second over the span ending at the latest of `times` (seconds since the start).
pub(super) fn rate(times: &[f64]) -> f64 {
    let end = times.iter().copied().fold(0.0, f64::max);
    if end > 0.0 { times.len() as f64 / end } else { 0.0 }
}

impl LoadReport {
    /// Fills the measured fields from `times`.
    pub(super) fn measured(mut self, times: &Times) -> Self {
        self.acked = times.acked.len();
        self.included = times.included.len();
        self.acked_tps = rate(&times.acked);
        self.sealed_tps = rate(&times.included);
        self.latency_p50_ms = quantile(&times.latencies, 0.5) * 1e3;
        self.latency_p99_ms = quantile(&times.latencies, 0.99) * 1e3;
        self
    }

    /// One line for people.
    pub(super) fn line(&self) -> String {
        format!(
            "{} txs, {} clients, batch {}: acknowledged {} ({:.0} tx/s), refused {}, sealed {} \
             ({:.0} tx/s), inclusion latency p50 {:.0} ms, p99 {:.0} ms",
            self.txs,
            self.clients,
            self.batch,
            self.acked,
            self.acked_tps,
            self.refused,
            self.included,
            self.sealed_tps,
            self.latency_p50_ms,
            self.latency_p99_ms
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_and_rates() {
        let values = [5.0, 1.0, 4.0, 2.0, 3.0];
        assert_eq!(quantile(&values, 0.5), 3.0);
        assert_eq!(quantile(&values, 0.99), 5.0);
        assert_eq!(quantile(&values, 0.0), 1.0);
        assert_eq!(quantile(&[], 0.5), 0.0);
        assert_eq!(rate(&[0.5, 1.0, 2.0, 2.0]), 2.0);
        assert_eq!(rate(&[]), 0.0);
    }
}
