//! [`Timeline`]: when each transaction of a run was submitted (acknowledged by the node) and when
//! the block that includes it was first seen — nanoseconds since the run started, shared by the
//! sending clients and the block watcher without locks.

use std::{
    sync::atomic::{AtomicU64, Ordering},
    time::Instant,
};

/// Per-transaction times of one run.
#[derive(Debug)]
pub(super) struct Timeline {
    start: Instant,
    /// Sent (the request carrying it was answered), in ns; 0 = not yet.
    acked: Vec<AtomicU64>,
    /// Its block seen, in ns; 0 = not yet.
    included: Vec<AtomicU64>,
}

impl Timeline {
    /// A timeline of `len` transactions starting now.
    pub(super) fn new(len: usize) -> Self {
        Self {
            start: Instant::now(),
            acked: (0..len).map(|_| AtomicU64::new(0)).collect(),
            included: (0..len).map(|_| AtomicU64::new(0)).collect(),
        }
    }

    fn now(&self) -> u64 {
        (self.start.elapsed().as_nanos() as u64).max(1)
    }

    /// Transaction `i` was acknowledged now.
    pub(super) fn acked(&self, i: usize) {
        self.acked[i].store(self.now(), Ordering::Relaxed);
    }

    /// Transaction `i`'s block was seen now; whether it was not seen before.
    pub(super) fn included(&self, i: usize) -> bool {
        self.included[i]
            .compare_exchange(0, self.now(), Ordering::Relaxed, Ordering::Relaxed)
            .is_ok()
    }

    /// The times, in seconds, of the transactions acknowledged and of those included, and each
    /// included transaction's latency (acknowledged → its block seen).
    pub(super) fn snapshot(&self) -> Times {
        let secs = |ns: u64| ns as f64 / 1e9;
        let load = |v: &AtomicU64| v.load(Ordering::Relaxed);
        let acked: Vec<f64> = self.acked.iter().map(load).filter(|&t| t > 0).map(secs).collect();
        let included: Vec<f64> =
            self.included.iter().map(load).filter(|&t| t > 0).map(secs).collect();
        let latencies = self
            .acked
            .iter()
            .zip(&self.included)
            .filter_map(|(a, i)| {
                let (a, i) = (load(a), load(i));
                (a > 0 && i > 0).then(|| secs(i.saturating_sub(a)))
            })
            .collect();
        Times { acked, included, latencies }
    }
}

/// What a [`Timeline`] holds, in seconds since the run started.
#[derive(Debug, Clone, Default)]
pub(super) struct Times {
    /// When each acknowledged transaction was acknowledged.
    pub(super) acked: Vec<f64>,
    /// When each included transaction's block was seen.
    pub(super) included: Vec<f64>,
    /// Acknowledgement → inclusion, per included transaction.
    pub(super) latencies: Vec<f64>,
}
