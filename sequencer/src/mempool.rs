//! The transaction pool: admission (validation, journaling), per-sender nonce queues with
//! gapped nonces held back, fee-priority selection for blocks, and replacement by fee bump.

use std::{
    cmp::Ordering,
    collections::{BTreeMap, BinaryHeap, HashMap},
    sync::Arc,
};

use alloy_consensus::Transaction as _;
use alloy_primitives::{Address, B256, Bytes};
use execution::{RecoveredTx, SealedBlock, StateView, Store, evm::EvmConfig};
use node_config::MempoolConfig;
use parking_lot::Mutex;

use crate::{Metrics, PoolError, journal::Journal, tx_validation};

#[derive(Debug, Default)]
struct Pool {
    by_hash: HashMap<B256, Arc<RecoveredTx>>,
    /// Per sender: nonce → transaction.
    by_sender: HashMap<Address, BTreeMap<u64, Arc<RecoveredTx>>>,
    total_bytes: usize,
}

impl Pool {
    fn insert(&mut self, tx: Arc<RecoveredTx>) -> Option<Arc<RecoveredTx>> {
        self.total_bytes += tx.size();
        self.by_hash.insert(tx.hash, tx.clone());
        let replaced = self.by_sender.entry(tx.sender).or_default().insert(tx.nonce(), tx);
        if let Some(old) = &replaced {
            self.by_hash.remove(&old.hash);
            self.total_bytes -= old.size();
        }
        replaced
    }

    fn remove(&mut self, hash: &B256) -> Option<Arc<RecoveredTx>> {
        let tx = self.by_hash.remove(hash)?;
        self.total_bytes -= tx.size();
        if let Some(queue) = self.by_sender.get_mut(&tx.sender) {
            if queue.get(&tx.nonce()).is_some_and(|t| t.hash == *hash) {
                queue.remove(&tx.nonce());
            }
            if queue.is_empty() {
                self.by_sender.remove(&tx.sender);
            }
        }
        Some(tx)
    }
}

/// The transaction pool. Thread-safe; share it in an `Arc`.
#[derive(Debug)]
pub struct Mempool {
    pool: Mutex<Pool>,
    journal: Journal,
    store: Store,
    evm: EvmConfig,
    limits: MempoolConfig,
    block_gas_limit: u64,
    metrics: Arc<Metrics>,
    /// Base fee of the head block, for the admission floor.
    head_base_fee: std::sync::atomic::AtomicU64,
    /// Signalled after every admission (see [`Mempool::admitted`]).
    admitted: tokio::sync::Notify,
}

/// A sender's next transaction in the selection heap.
struct Candidate {
    tip: u128,
    tx: Arc<RecoveredTx>,
}

impl PartialEq for Candidate {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Candidate {}
impl PartialOrd for Candidate {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Candidate {
    fn cmp(&self, other: &Self) -> Ordering {
        // Higher tip first; ties by hash for determinism.
        self.tip.cmp(&other.tip).then_with(|| other.tx.hash.cmp(&self.tx.hash))
    }
}

impl Mempool {
    /// A pool over `store` whose admissions are journaled through `journal`; refills itself
    /// from the journal (dropping entries a block already included).
    pub fn new(
        store: Store,
        journal: Journal,
        evm: EvmConfig,
        limits: MempoolConfig,
        block_gas_limit: u64,
        metrics: Arc<Metrics>,
    ) -> Result<Self, String> {
        let pool = Self {
            pool: Mutex::new(Pool::default()),
            journal,
            store,
            evm,
            limits,
            block_gas_limit,
            metrics,
            head_base_fee: Default::default(),
            admitted: tokio::sync::Notify::new(),
        };
        let reader = pool.store.reader().map_err(|e| e.to_string())?;
        let head = reader.head_header().map_err(|e| e.to_string())?;
        pool.head_base_fee
            .store(head.base_fee_per_gas.unwrap_or_default(), std::sync::atomic::Ordering::Relaxed);
        let mut restored = 0usize;
        for tx in pool.journal.load()? {
            let nonce =
                reader.account(tx.sender).map_err(|e| e.to_string())?.map_or(0, |a| a.nonce);
            if tx.nonce() >= nonce {
                pool.pool.lock().insert(Arc::new(tx));
                restored += 1;
            }
        }
        if restored > 0 {
            tracing::info!(restored, "mempool refilled from journal");
        }
        pool.metrics.mempool_size.set(restored as i64);
        Ok(pool)
    }

    /// Closes the journal (at shutdown): admissions fail from then on.
    pub async fn close_journal(&self) {
        self.journal.close().await;
    }

    /// Validates, journals and admits a raw transaction; returns its hash once it is durable.
    pub async fn submit(&self, raw: Bytes) -> Result<B256, PoolError> {
        let tx = tx_validation::stateless(&raw, &self.limits, &self.evm, self.block_gas_limit)?;
        self.admit(tx).await
    }

    /// Admits an already decoded and recovered transaction (stateless checks done).
    pub async fn admit(&self, tx: RecoveredTx) -> Result<B256, PoolError> {
        let account =
            self.store.account(tx.sender).map_err(|e| PoolError::Internal(e.to_string()))?;
        let head_base_fee = self.head_base_fee.load(std::sync::atomic::Ordering::Relaxed);
        tx_validation::stateful(&tx, account, self.limits.max_per_sender as u64)?;
        // A fee cap under half the current base fee cannot be included any time soon.
        if tx.envelope.max_fee_per_gas() < u128::from(head_base_fee / 2) {
            return Err(PoolError::FeeCapTooLow {
                max_fee: tx.envelope.max_fee_per_gas(),
                base_fee: head_base_fee,
            });
        }
        let tx = Arc::new(tx);
        let replaced = {
            let mut pool = self.pool.lock();
            if pool.by_hash.contains_key(&tx.hash) {
                return Err(PoolError::AlreadyKnown);
            }
            let existing = pool.by_sender.get(&tx.sender).and_then(|q| q.get(&tx.nonce()).cloned());
            if let Some(old) = &existing
                && !tx_validation::is_sufficient_bump(old, &tx, self.limits.price_bump_percent)
            {
                return Err(PoolError::ReplacementUnderpriced);
            }
            if existing.is_none() {
                let queued = pool.by_sender.get(&tx.sender).map_or(0, |q| q.len());
                if queued >= self.limits.max_per_sender {
                    return Err(PoolError::AccountLimitExceeded {
                        limit: self.limits.max_per_sender,
                    });
                }
                if pool.by_hash.len() >= self.limits.max_txs
                    || pool.total_bytes + tx.size() > self.limits.max_bytes
                {
                    return Err(PoolError::PoolFull);
                }
            }
            pool.insert(tx.clone())
        };
        let delete = replaced.iter().map(|old| old.hash).collect();
        if let Err(e) = self.journal.write(vec![(*tx).clone()], delete).await {
            let mut pool = self.pool.lock();
            pool.remove(&tx.hash);
            if let Some(old) = replaced {
                pool.insert(old);
            }
            return Err(PoolError::Internal(e));
        }
        self.metrics.txs_admitted.inc();
        self.metrics.mempool_size.set(self.len() as i64);
        self.admitted.notify_one();
        Ok(tx.hash)
    }

    /// Resolves once a transaction was admitted since the previous call returned (or at once
    /// if one was admitted before the first call). Meant for one waiter: the builder of a dev
    /// chain that seals as soon as there is something to seal.
    pub async fn admitted(&self) {
        self.admitted.notified().await;
    }

    /// Number of pooled transactions.
    pub fn len(&self) -> usize {
        self.pool.lock().by_hash.len()
    }

    /// Whether the pool is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// A pooled transaction by hash.
    pub fn get(&self, hash: &B256) -> Option<Arc<RecoveredTx>> {
        self.pool.lock().by_hash.get(hash).cloned()
    }

    /// The nonce the sender's next transaction should use, counting pooled transactions
    /// contiguous with `state_nonce` (the `pending` nonce).
    pub fn pending_nonce(&self, sender: Address, state_nonce: u64) -> u64 {
        let pool = self.pool.lock();
        let mut next = state_nonce;
        if let Some(queue) = pool.by_sender.get(&sender) {
            for nonce in queue.range(state_nonce..).map(|(n, _)| *n) {
                if nonce != next {
                    break;
                }
                next += 1;
            }
        }
        next
    }

    /// Picks transactions for the next block: per sender in nonce order starting at the
    /// account nonce in `state` (gapped nonces wait), across senders by effective tip at
    /// `base_fee`, up to `gas_limit` total gas limit and at most `max_count`.
    pub fn select<V: StateView>(
        &self,
        state: &V,
        base_fee: u64,
        gas_limit: u64,
        max_count: usize,
    ) -> Result<Vec<RecoveredTx>, execution::ExecutionError> {
        let pool = self.pool.lock();
        let mut heap = BinaryHeap::new();
        let mut next_nonce: HashMap<Address, u64> = HashMap::new();
        for (sender, queue) in &pool.by_sender {
            let nonce = state.account(*sender)?.map_or(0, |a| a.nonce);
            if let Some(tx) = queue.get(&nonce)
                && let Some(tip) = tx.effective_tip(base_fee)
            {
                heap.push(Candidate { tip, tx: tx.clone() });
                next_nonce.insert(*sender, nonce + 1);
            }
        }
        let mut selected = Vec::new();
        let mut gas = 0u64;
        while let Some(Candidate { tx, .. }) = heap.pop() {
            if selected.len() >= max_count {
                break;
            }
            if gas + tx.gas_limit() > gas_limit {
                // Too big for what is left; its sender's later nonces must wait too.
                continue;
            }
            gas += tx.gas_limit();
            let sender = tx.sender;
            selected.push((*tx).clone());
            let nonce = next_nonce.get(&sender).copied().unwrap_or_default();
            if let Some(next) = pool.by_sender.get(&sender).and_then(|q| q.get(&nonce))
                && let Some(tip) = next.effective_tip(base_fee)
            {
                heap.push(Candidate { tip, tx: next.clone() });
                next_nonce.insert(sender, nonce + 1);
            }
        }
        Ok(selected)
    }

    /// Removes `hashes` from the pool (transactions found invalid); returns those it held.
    pub fn remove(&self, hashes: &[B256]) -> Vec<B256> {
        let mut pool = self.pool.lock();
        let removed =
            hashes.iter().filter_map(|hash| pool.remove(hash).map(|tx| tx.hash)).collect();
        self.metrics.mempool_size.set(pool.by_hash.len() as i64);
        removed
    }

    /// After a block is sealed: drops its transactions, those it made stale (nonce now too
    /// low) and those rejected while building it. Returns the hashes dropped that the block
    /// did not include (their journal entries must go too).
    pub fn on_block<V: StateView>(
        &self,
        block: &SealedBlock,
        rejected: &[B256],
        state: &V,
    ) -> Result<Vec<B256>, execution::ExecutionError> {
        if let Some(base_fee) = block.header.base_fee_per_gas {
            self.head_base_fee.store(base_fee, std::sync::atomic::Ordering::Relaxed);
        }
        let mut pool = self.pool.lock();
        let mut senders: Vec<Address> = Vec::new();
        for tx in &block.transactions {
            pool.remove(&tx.hash);
            senders.push(tx.sender);
        }
        let mut dropped: Vec<B256> =
            rejected.iter().filter_map(|hash| pool.remove(hash).map(|tx| tx.hash)).collect();
        senders.sort();
        senders.dedup();
        for sender in senders {
            let nonce = state.account(sender)?.map_or(0, |a| a.nonce);
            let stale: Vec<B256> = pool
                .by_sender
                .get(&sender)
                .map(|q| q.range(..nonce).map(|(_, t)| t.hash).collect())
                .unwrap_or_default();
            for hash in stale {
                pool.remove(&hash);
                dropped.push(hash);
            }
        }
        self.metrics.mempool_size.set(pool.by_hash.len() as i64);
        Ok(dropped)
    }
}

impl Mempool {
    /// Forgets dropped transactions in the journal (best effort: a stale entry left behind
    /// is dropped again at the next start, since its nonce is then too low).
    pub async fn forget(&self, hashes: Vec<B256>) {
        if hashes.is_empty() {
            return;
        }
        if let Err(e) = self.journal.write(Vec::new(), hashes).await {
            tracing::warn!(error = %e, "could not drop stale transactions from the journal");
        }
    }
}
