//! `LaneStanding`: where a payer's nonce lane stands against its account — which of its
//! pooled transactions are *pending* (their nonces run on without a gap from the account's
//! next nonce, so blocks can take them in order) and how many are *queued* behind a gap
//! (they wait for a nonce nobody has sent yet, and may never run). geth's pool makes the
//! same split (`pending` and `queue`); the pool bounds the queued ones, which cost their
//! sender nothing to send.
//!
//! Kept up to date in O(1) for an insertion or a removal, given the lane after the change;
//! a new account nonce (a block included some of the payer's transactions) recounts the lane,
//! in O(its pending transactions).

use std::{collections::BTreeMap, time::Instant};

/// Where one payer's nonce lane stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct LaneStanding {
    /// The account's next nonce, as last read from the state.
    pub(super) account_nonce: u64,
    /// The first nonce at or above `account_nonce` the lane does not hold: the lane's
    /// transactions in `account_nonce..pending_end` are pending.
    pub(super) pending_end: u64,
    /// How many of its transactions are above `pending_end` (queued behind the gap).
    pub(super) queued: usize,
    /// When the payer last had a transaction admitted (queued transactions of a payer
    /// silent for longer than the pool's lifetime are dropped, as geth does).
    pub(super) last_admission: Instant,
}

impl LaneStanding {
    /// The standing of `lane` for an account whose next nonce is `account_nonce`.
    pub(super) fn count<T>(
        lane: &BTreeMap<u64, T>,
        account_nonce: u64,
        last_admission: Instant,
    ) -> Self {
        let mut pending_end = account_nonce;
        for nonce in lane.range(account_nonce..).map(|(nonce, _)| *nonce) {
            if nonce != pending_end {
                break;
            }
            pending_end += 1;
        }
        let queued = lane.range(pending_end..).count();
        Self { account_nonce, pending_end, queued, last_admission }
    }

    /// Whether a transaction at `nonce` would wait behind a gap.
    pub(super) fn is_gapped(&self, nonce: u64) -> bool {
        nonce > self.pending_end
    }

    /// Follows the insertion of a new transaction (not a replacement) at `nonce`; `lane` is
    /// the lane after it. Returns the change in queued transactions.
    pub(super) fn inserted<T>(&mut self, lane: &BTreeMap<u64, T>, nonce: u64) -> isize {
        if nonce < self.pending_end {
            // Below the account's nonce: stale, neither pending nor queued.
            return 0;
        }
        if nonce > self.pending_end {
            self.queued += 1;
            return 1;
        }
        // It closes the gap: the queued transactions that now run on become pending.
        self.pending_end += 1;
        let mut promoted = 0usize;
        while lane.contains_key(&self.pending_end) {
            self.pending_end += 1;
            promoted += 1;
        }
        self.queued -= promoted;
        -(promoted as isize)
    }

    /// Follows the removal of the transaction at `nonce`; `lane` is the lane after it.
    /// Returns the change in queued transactions.
    pub(super) fn removed<T>(&mut self, lane: &BTreeMap<u64, T>, nonce: u64) -> isize {
        if nonce < self.account_nonce {
            return 0;
        }
        if nonce >= self.pending_end {
            self.queued -= 1;
            return -1;
        }
        // A gap opens at `nonce`: the pending transactions above it are queued now.
        let demoted = lane.range(nonce + 1..self.pending_end).count();
        self.pending_end = nonce;
        self.queued += demoted;
        demoted as isize
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Whatever insertions and removals happen, the standing kept up step by step is the
        /// one counted afresh.
        #[test]
        fn kept_up_standing_equals_a_fresh_count(
            account_nonce in 0u64..4,
            steps in prop::collection::vec((any::<bool>(), 0u64..16), 0..64),
        ) {
            let now = Instant::now();
            let mut lane = BTreeMap::new();
            let mut standing = LaneStanding::count(&lane, account_nonce, now);
            let mut queued_total = 0isize;
            for (insert, nonce) in steps {
                if insert {
                    if lane.insert(nonce, ()).is_none() {
                        queued_total += standing.inserted(&lane, nonce);
                    }
                } else if lane.remove(&nonce).is_some() {
                    queued_total += standing.removed(&lane, nonce);
                }
                prop_assert_eq!(standing, LaneStanding::count(&lane, account_nonce, now));
                prop_assert_eq!(queued_total, standing.queued as isize);
            }
        }
    }

    #[test]
    fn a_gap_splits_pending_from_queued() {
        let lane: BTreeMap<u64, ()> = [(5, ()), (6, ()), (8, ()), (9, ())].into();
        let standing = LaneStanding::count(&lane, 5, Instant::now());
        assert_eq!((standing.pending_end, standing.queued), (7, 2));
        assert!(standing.is_gapped(8) && !standing.is_gapped(7) && !standing.is_gapped(6));
    }
}
