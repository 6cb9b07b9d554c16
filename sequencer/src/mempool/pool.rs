//! `Pool`: the pooled transactions of every engine, in the lanes their replay guard puts them
//! in — per-payer nonce lanes (EVM: one transaction per nonce, in order) and the set of
//! transactions guarded by a recent block (Solana-style: unique by hash, dropped when their
//! block grows too old) — with one count and one byte total across them.

use std::{
    collections::{BTreeMap, BTreeSet, HashMap},
    sync::Arc,
};

use alloy_primitives::B256;
use execution::{AccountId, ReplayGuard, Transaction};

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

    /// Adds `tx` (a recent-block transaction with its `expiry`); returns the transaction it
    /// replaced in its nonce lane, if any.
    pub(super) fn insert(
        &mut self,
        tx: Arc<Transaction>,
        expiry: Option<Expiry>,
    ) -> Option<Arc<Transaction>> {
        self.total_bytes += tx.size();
        self.by_hash.insert(tx.hash(), tx.clone());
        match tx.replay_guard() {
            ReplayGuard::Nonce(nonce) => {
                let replaced = self.lanes.entry(tx.payer()).or_default().insert(nonce, tx);
                if let Some(old) = &replaced {
                    self.by_hash.remove(&old.hash());
                    self.total_bytes -= old.size();
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
                    }
                    if lane.is_empty() {
                        self.lanes.remove(&payer);
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

    /// Removes the transactions of `payer`'s nonce lane below `nonce`; returns their hashes.
    pub(super) fn remove_stale(&mut self, payer: &AccountId, nonce: u64) -> Vec<B256> {
        let stale: Vec<B256> = self
            .lanes
            .get(payer)
            .map(|lane| lane.range(..nonce).map(|(_, t)| t.hash()).collect())
            .unwrap_or_default();
        for hash in &stale {
            self.remove(hash);
        }
        stale
    }
}
