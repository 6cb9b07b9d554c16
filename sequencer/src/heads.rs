//! `Heads`: the safe and finalized block numbers, advanced by the batcher (or a follower's
//! derivation), and moved back only by a rewind of the chain (a devnet's `evm_revert`).
//!
//! unsafe (sealed) = the store's head; safe = posted to DA; finalized = final on DA (until
//! settlement on L1 exists, DA finality is the strongest guarantee the node has).
//!
//! A rewind counts as a new *epoch*. The batcher records what it posted only if no rewind
//! happened since it read the blocks ([`Heads::unless_rewound`]): a batch of blocks the
//! rewind deleted must not mark the new blocks of the same numbers as posted.

use std::sync::atomic::{AtomicU64, Ordering};

use parking_lot::Mutex;

/// Safe and finalized head numbers.
#[derive(Debug, Default)]
pub struct Heads {
    safe: AtomicU64,
    finalized: AtomicU64,
    /// Woken each time a head advances.
    advanced: tokio::sync::Notify,
    /// How many times the chain was rewound; held while a rewind runs, and while the batcher
    /// records progress that a rewind would void.
    epoch: Mutex<u64>,
}

impl Heads {
    /// Heads starting at the given numbers.
    pub fn new(safe: u64, finalized: u64) -> Self {
        Self {
            safe: AtomicU64::new(safe),
            finalized: AtomicU64::new(finalized),
            advanced: tokio::sync::Notify::new(),
            epoch: Mutex::new(0),
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

    /// The number of rewinds so far.
    pub fn epoch(&self) -> u64 {
        *self.epoch.lock()
    }

    /// Runs `f` unless the chain was rewound since `epoch` (then `None`); no rewind starts
    /// while `f` runs. `f` should be short: a rewind waits for it.
    pub fn unless_rewound<T>(&self, epoch: u64, f: impl FnOnce() -> T) -> Option<T> {
        let current = self.epoch.lock();
        (*current == epoch).then(f)
    }

    /// Rewinds the chain to block `to` with `rewind` (the store's rewind), then moves the safe
    /// and finalized heads back to `to` if they were above it, and starts a new epoch. Blocking;
    /// nothing recorded under [`unless_rewound`](Self::unless_rewound) interleaves with it.
    pub fn rewind<T, E>(&self, to: u64, rewind: impl FnOnce() -> Result<T, E>) -> Result<T, E> {
        let mut epoch = self.epoch.lock();
        let rewound = rewind()?;
        self.safe.fetch_min(to, Ordering::AcqRel);
        self.finalized.fetch_min(to, Ordering::AcqRel);
        *epoch += 1;
        Ok(rewound)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rewind_moves_heads_back_and_voids_what_was_read_before_it() {
        let heads = Heads::new(8, 5);
        let before = heads.epoch();
        heads.rewind(6, || Ok::<(), ()>(())).unwrap();
        assert_eq!((heads.safe(), heads.finalized()), (6, 5));
        assert_eq!(heads.unless_rewound(before, || heads.set_safe(9)), None);
        assert_eq!(heads.safe(), 6);
        assert_eq!(heads.unless_rewound(heads.epoch(), || heads.set_safe(7)), Some(()));
        assert_eq!(heads.safe(), 7);
        // A failed rewind changes nothing.
        let epoch = heads.epoch();
        assert_eq!(heads.rewind(1, || Err::<(), _>("refused")), Err("refused"));
        assert_eq!((heads.safe(), heads.finalized(), heads.epoch()), (7, 5, epoch));
    }
}
