//! `Pool`: the pooled transactions of every engine, in the lanes their replay guard puts them
//! in — per-payer nonce lanes (EVM: one transaction per nonce, in order) and the set of
//! transactions guarded by a recent block (Solana-style: unique by hash, dropped when their
//! block grows too old) — with one count and one byte total across them, and each nonce
//! lane's standing (its pending and queued transactions, `lane_standing`) with the pool's
//! total of queued ones.

use std::{
    collections::{BTreeMap, BTreeSet, HashMap},
    sync::Arc,
    time::{Duration, Instant},
};

use alloy_primitives::{B256, U256};
use execution::{AccountId, ReplayGuard, Transaction};

use super::lane_standing::LaneStanding;

/// A pooled transaction guarded by a recent block: how long it may wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Expiry {
    /// The last block number that may include it.
    pub(super) last_block: u64,
}

/// The pooled transactions.
#[derive(Debug, Default)]
pub(super) struct Pool {
    pub(super) by_hash: HashMap<B256, Arc<Transaction>>,
    /// Nonce lanes: per payer, nonce → transaction.
    pub(super) lanes: HashMap<AccountId, BTreeMap<u64, Arc<Transaction>>>,
    /// Transactions guarded by a recent block, by the last block that may include them.
    pub(super) recent: BTreeSet<(u64, B256)>,
    /// Their expiry, by hash.
    pub(super) expiries: HashMap<B256, Expiry>,
    pub(super) total_bytes: usize,
    /// Each nonce lane's standing, for exactly the payers with a lane.
    standings: HashMap<AccountId, LaneStanding>,
    /// Queued transactions over all lanes.
    queued_total: usize,
}

impl Pool {
    /// Number of pooled transactions.
    pub(super) fn len(&self) -> usize {
        self.by_hash.len()
    }

    /// The pooled transaction `tx` would replace: same payer, same nonce.
    pub(super) fn in_lane(&self, tx: &Transaction) -> Option<&Arc<Transaction>> {
        match tx.replay_guard() {
            ReplayGuard::Nonce(nonce) => self.lanes.get(&tx.payer())?.get(&nonce),
            ReplayGuard::RecentBlock { .. } => None,
        }
    }

    /// Transactions pooled for `payer` in its nonce lane.
    pub(super) fn lane_len(&self, payer: &AccountId) -> usize {
        self.lanes.get(payer).map_or(0, BTreeMap::len)
    }

    /// Adds `tx` (a recent-block transaction with its `expiry`; a nonce-lane one with its
    /// payer's account nonce, read from the state, or `None` to keep the one the lane knows);
    /// returns the transaction it replaced in its nonce lane, if any.
    pub(super) fn insert(
        &mut self,
        tx: Arc<Transaction>,
        expiry: Option<Expiry>,
        account_nonce: Option<u64>,
    ) -> Option<Arc<Transaction>> {
        self.total_bytes += tx.size();
        self.by_hash.insert(tx.hash(), tx.clone());
        match tx.replay_guard() {
            ReplayGuard::Nonce(nonce) => {
                let payer = tx.payer();
                let lane = self.lanes.entry(payer).or_default();
                let replaced = lane.insert(nonce, tx);
                if let Some(old) = &replaced {
                    self.by_hash.remove(&old.hash());
                    self.total_bytes -= old.size();
                }
                let now = Instant::now();
                let standing = self.standings.entry(payer).or_insert_with(|| {
                    LaneStanding::count(
                        &BTreeMap::<u64, ()>::new(),
                        account_nonce.unwrap_or(nonce),
                        now,
                    )
                });
                standing.last_admission = now;
                if replaced.is_none() {
                    let change = standing.inserted(lane, nonce);
                    self.queued_total = self.queued_total.saturating_add_signed(change);
                }
                if let Some(account_nonce) = account_nonce {
                    self.set_account_nonce(&payer, account_nonce);
                }
                replaced
            }
            ReplayGuard::RecentBlock { .. } => {
                let expiry = expiry.unwrap_or(Expiry { last_block: u64::MAX });
                self.recent.insert((expiry.last_block, tx.hash()));
                self.expiries.insert(tx.hash(), expiry);
                None
            }
        }
    }

    /// Removes transaction `hash`; returns it if it was pooled.
    pub(super) fn remove(&mut self, hash: &B256) -> Option<Arc<Transaction>> {
        let tx = self.by_hash.remove(hash)?;
        self.total_bytes -= tx.size();
        match tx.replay_guard() {
            ReplayGuard::Nonce(nonce) => {
                let payer = tx.payer();
                if let Some(lane) = self.lanes.get_mut(&payer) {
                    if lane.get(&nonce).is_some_and(|t| t.hash() == *hash) {
                        lane.remove(&nonce);
                        if let Some(standing) = self.standings.get_mut(&payer) {
                            let change = standing.removed(lane, nonce);
                            self.queued_total = self.queued_total.saturating_add_signed(change);
                        }
                    }
                    if lane.is_empty() {
                        self.lanes.remove(&payer);
                        if let Some(standing) = self.standings.remove(&payer) {
                            self.queued_total -= standing.queued;
                        }
                    }
                }
            }
            ReplayGuard::RecentBlock { .. } => {
                if let Some(expiry) = self.expiries.remove(hash) {
                    self.recent.remove(&(expiry.last_block, *hash));
                }
            }
        }
        Some(tx)
    }

    /// Removes the recent-block transactions no block after `number` may include; returns
    /// their hashes.
    pub(super) fn remove_expired(&mut self, number: u64) -> Vec<B256> {
        let expired: Vec<B256> =
            self.recent.range(..(number + 1, B256::ZERO)).map(|(_, hash)| *hash).collect();
        for hash in &expired {
            self.remove(hash);
        }
        expired
    }

    /// Removes the transactions of `payer`'s nonce lane below `nonce`, its account's next
    /// nonce now, and recounts the lane's standing from that nonce; returns their hashes.
    pub(super) fn remove_stale(&mut self, payer: &AccountId, nonce: u64) -> Vec<B256> {
        let stale: Vec<B256> = self
            .lanes
            .get(payer)
            .map(|lane| lane.range(..nonce).map(|(_, t)| t.hash()).collect())
            .unwrap_or_default();
        for hash in &stale {
            self.remove(hash);
        }
        self.set_account_nonce(payer, nonce);
        stale
    }

    /// Recounts `payer`'s lane standing if its account's next nonce rose to `account_nonce`
    /// (a block, or an authorization, used nonces). A lower one is a read older than what
    /// the pool has seen, and changes nothing; only a rewind lowers it
    /// ([`reset_account_nonce`](Self::reset_account_nonce)).
    pub(super) fn set_account_nonce(&mut self, payer: &AccountId, account_nonce: u64) {
        if self.standings.get(payer).is_some_and(|s| account_nonce > s.account_nonce) {
            self.reset_account_nonce(payer, account_nonce);
        }
    }

    /// Recounts `payer`'s lane standing for an account whose next nonce is `account_nonce`,
    /// higher or lower than before.
    pub(super) fn reset_account_nonce(&mut self, payer: &AccountId, account_nonce: u64) {
        let (Some(lane), Some(standing)) = (self.lanes.get(payer), self.standings.get_mut(payer))
        else {
            return;
        };
        if standing.account_nonce == account_nonce {
            return;
        }
        let recounted = LaneStanding::count(lane, account_nonce, standing.last_admission);
        self.queued_total = self.queued_total - standing.queued + recounted.queued;
        *standing = recounted;
    }

    /// `payer`'s lane standing, if it has a lane.
    pub(super) fn standing(&self, payer: &AccountId) -> Option<&LaneStanding> {
        self.standings.get(payer)
    }

    /// Queued transactions over all lanes.
    pub(super) fn queued_total(&self) -> usize {
        self.queued_total
    }

    /// The most the pending EVM transactions of `payer` may cost (gas limit × fee cap +
    /// value each), but for the one at `except` (which a replacement would take out):
    /// geth's "queued cost" that a new transaction's must fit beside in the balance.
    pub(super) fn pending_cost(&self, payer: &AccountId, except: u64) -> U256 {
        let (Some(lane), Some(standing)) = (self.lanes.get(payer), self.standings.get(payer))
        else {
            return U256::ZERO;
        };
        lane.range(standing.account_nonce..standing.pending_end)
            .filter(|(nonce, tx)| **nonce != except && tx.as_evm().is_some())
            .fold(U256::ZERO, |sum, (_, tx)| sum.saturating_add(tx.max_cost()))
    }

    /// Every queued transaction, cheapest first: by fee ordering key at `base_fee` (none,
    /// when it cannot pay the base fee, lowest), then the highest nonce first — the order in
    /// which they are evicted to make room.
    pub(super) fn queued_by_price(&self, base_fee: u64) -> Vec<Arc<Transaction>> {
        let eviction_order = |nonce: u64, tx: &Transaction| {
            (tx.priority(base_fee), std::cmp::Reverse(nonce), tx.hash())
        };
        let mut queued: Vec<_> = self
            .standings
            .iter()
            .filter(|(_, standing)| standing.queued > 0)
            .filter_map(|(payer, standing)| self.lanes.get(payer).map(|lane| (lane, standing)))
            .flat_map(|(lane, standing)| lane.range(standing.pending_end..))
            .map(|(nonce, tx)| (eviction_order(*nonce, tx), tx))
            .collect();
        queued.sort_unstable_by_key(|(order, _)| *order);
        queued.into_iter().map(|(_, tx)| tx.clone()).collect()
    }

    /// Removes the queued transactions of every payer that had none admitted for
    /// `lifetime` before `now` (geth's `Lifetime`, 3 hours by default); returns their hashes.
    pub(super) fn remove_idle_queued(&mut self, now: Instant, lifetime: Duration) -> Vec<B256> {
        let idle: Vec<B256> = self
            .standings
            .iter()
            .filter(|(_, standing)| {
                standing.queued > 0
                    && now.saturating_duration_since(standing.last_admission) >= lifetime
            })
            .filter_map(|(payer, standing)| self.lanes.get(payer).map(|lane| (lane, standing)))
            .flat_map(|(lane, standing)| {
                lane.range(standing.pending_end..).map(|(_, tx)| tx.hash())
            })
            .collect();
        for hash in &idle {
            self.remove(hash);
        }
        idle
    }
}
