//! `Heads`: the safe and finalized block numbers, advanced by the batcher.
//!
//! unsafe (sealed) = the store's head; safe = posted to DA; finalized = final on DA (until
//! settlement on L1 exists, DA finality is the strongest guarantee the node has).

use std::sync::atomic::{AtomicU64, Ordering};

/// Safe and finalized head numbers.
#[derive(Debug, Default)]
pub struct Heads {
    safe: AtomicU64,
    finalized: AtomicU64,
    /// Woken each time a head advances.
    advanced: tokio::sync::Notify,
}

impl Heads {
    /// Heads starting at the given numbers.
    pub fn new(safe: u64, finalized: u64) -> Self {
        Self {
            safe: AtomicU64::new(safe),
            finalized: AtomicU64::new(finalized),
            advanced: tokio::sync::Notify::new(),
        }
    }
    /// Highest block posted to DA.
    pub fn safe(&self) -> u64 {
        self.safe.load(Ordering::Acquire)
    }
    /// Highest block final on DA.
    pub fn finalized(&self) -> u64 {
        self.finalized.load(Ordering::Acquire)
    }
    /// Advances the safe head (never moves it back).
    pub fn set_safe(&self, number: u64) {
        if self.safe.fetch_max(number, Ordering::AcqRel) < number {
            self.advanced.notify_waiters();
        }
    }
    /// Advances the finalized head (never moves it back).
    pub fn set_finalized(&self, number: u64) {
        if self.finalized.fetch_max(number, Ordering::AcqRel) < number {
            self.advanced.notify_waiters();
        }
    }
    /// Resolves when the safe or finalized head next advances. Create it before reading the
    /// heads, so an advance in between is not missed.
    pub fn advanced(&self) -> tokio::sync::futures::Notified<'_> {
        self.advanced.notified()
    }
}
