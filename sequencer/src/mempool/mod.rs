//! The transaction pool of every engine: admission (the engine's decoding and checks, the
//! payer's account, the replay guard), journaling before the hash is returned, one
//! fee-ordered selection across engines for blocks (`selection`), and what a sealed block
//! removes.
//!
//! Lanes by replay guard (`pool`): a payer's nonce lane holds one transaction per nonce —
//! gapped nonces wait, a pooled one is replaced by one with enough higher fees (EVM); a
//! transaction guarded by a recent block is unique by hash and expires with its block
//! (Solana-style).
//!
//! geth's pool rules on top (`lane_standing` tells pending from queued): an EVM transaction
//! must fit in its payer's balance beside the payer's pending ones (overdraft); transactions
//! queued behind a nonce gap, free to send, are capped per payer and in all, evicted for
//! better-paying queued ones or for runnable ones when the pool is full, and dropped when
//! their payer stays silent for the queued lifetime.
//!
//! `deferred_durability`: admissions that leave waiting for their journal write to the scope
//! that runs them (a JSON-RPC batch), so a batch's admissions share group commits.

mod account_memo;
mod deferred_durability;
mod lane_standing;
mod pool;
mod selection;

use std::{
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use alloy_primitives::{Address, B256, Bytes, U256};
use execution::{
    AccountId, AdmissionContext, ChainView, EngineKind, Engines, ReplayGuard, SealedBlock,
    StateView, Store, Transaction,
};
use node_config::MempoolConfig;
use parking_lot::Mutex;

pub use deferred_durability::{DeferredDurability, PendingAdmission};
pub use selection::BlockSpace;

use crate::{Metrics, Overdraft, PoolError, journal::Journal};
use account_memo::AccountMemo;
use deferred_durability::{defer, take_decoded};
use pool::{Expiry, Pool};

/// The transaction pool. Thread-safe; share it in an `Arc`.
#[derive(Debug)]
pub struct Mempool {
    pool: Mutex<Pool>,
    journal: Journal,
    store: Store,
    engines: Arc<Engines>,
    limits: MempoolConfig,
    metrics: Arc<Metrics>,
    /// Number and base fee of the head block.
    head: AtomicU64,
    head_base_fee: AtomicU64,
    /// Signalled after every admission (see [`Mempool::admitted`]).
    admitted: tokio::sync::Notify,
    /// Every admitted transaction, once journaled (see [`Mempool::subscribe_admitted`]).
    admissions: tokio::sync::broadcast::Sender<Arc<Transaction>>,
    /// When every lane was last checked against its payer's nonce (see
    /// [`Mempool::drop_stale`]).
    last_stale_sweep: Mutex<Instant>,
}

/// How often a block checks every nonce lane against its payer's nonce, not only the lanes
/// of the block's payers.
const STALE_SWEEP_INTERVAL: Duration = Duration::from_secs(60);

/// How many admitted transactions a slow [`Mempool::subscribe_admitted`] receiver may fall
/// behind before it skips some.
const ADMISSIONS_BUFFER: usize = 1024;

impl Mempool {
    /// A pool over `store` whose admissions are journaled through `journal`; refills itself
    /// from the journal, dropping what a block already included or made stale.
    pub fn new(
        store: Store,
        journal: Journal,
        engines: Arc<Engines>,
        limits: MempoolConfig,
        metrics: Arc<Metrics>,
    ) -> Result<Self, crate::SequencerError> {
        let pool = Self {
            pool: Mutex::new(Pool::default()),
            journal,
            store,
            engines,
            limits,
            metrics,
            head: AtomicU64::new(0),
            head_base_fee: AtomicU64::new(0),
            admitted: tokio::sync::Notify::new(),
            admissions: tokio::sync::broadcast::channel(ADMISSIONS_BUFFER).0,
            last_stale_sweep: Mutex::new(Instant::now()),
        };
        let reader = pool.store.reader()?;
        let head = reader.head_header()?;
        pool.head.store(head.number, Ordering::Relaxed);
        pool.head_base_fee.store(head.base_fee_per_gas.unwrap_or_default(), Ordering::Relaxed);
        let mut restored = 0usize;
        let mut stale = Vec::new();
        for tx in pool.journal.load()? {
            let account_nonce = match tx.replay_guard() {
                ReplayGuard::Nonce(_) => Some(reader.account(tx.payer())?.map_or(0, |a| a.nonce)),
                ReplayGuard::RecentBlock { .. } => None,
            };
            let keep = match tx.replay_guard() {
                ReplayGuard::Nonce(nonce) => account_nonce.is_some_and(|next| nonce >= next),
                ReplayGuard::RecentBlock { .. } => reader.transaction_block(tx.hash())?.is_none(),
            };
            let expiry = match keep.then(|| pool.expiry(&reader, &tx, head.number)) {
                Some(Ok(expiry)) => expiry,
                None | Some(Err(_)) => {
                    stale.push(tx.hash());
                    continue;
                }
            };
            // Two entries at one nonce (a replacement whose journal write a crash cut after
            // its put): the later one, in admission order, wins, and the other is forgotten.
            match pool.pool.lock().insert(Arc::new(tx), expiry, account_nonce) {
                Some(replaced) => stale.push(replaced.hash()),
                None => restored += 1,
            }
        }
        if restored > 0 {
            tracing::info!(restored, "mempool refilled from journal");
        }
        if !stale.is_empty() {
            // Included or expired while the node was down (or before it could forget them).
            tracing::info!(stale = stale.len(), "stale journal entries dropped");
            pool.journal.forget_now(stale)?;
        }
        pool.metrics.mempool_size.set(restored as i64);
        Ok(pool)
    }

    /// Closes the journal (at shutdown): admissions fail from then on.
    pub async fn close_journal(&self) {
        self.journal.close().await;
    }

    /// Decodes a tagged transaction (`kind ‖ payload`) of any engine the chain runs, checks,
    /// journals and admits it; returns its hash once it is durable.
    pub async fn submit(&self, tagged: Bytes) -> Result<B256, PoolError> {
        let (kind, _) = EngineKind::split_tagged(&tagged)?;
        self.submit_payload(kind, tagged.slice(1..)).await
    }

    /// Like [`submit`](Self::submit), for the `payload` of a transaction of `kind`.
    pub async fn submit_payload(
        &self,
        kind: EngineKind,
        payload: Bytes,
    ) -> Result<B256, PoolError> {
        if payload.len() > self.limits.max_tx_bytes {
            return Err(PoolError::OversizedData {
                size: payload.len(),
                limit: self.limits.max_tx_bytes,
            });
        }
        let tx = match take_decoded(&payload) {
            Some(decoded) => decoded?,
            None => self.engines.decode(kind, &payload)?,
        };
        self.admit(tx).await
    }

    /// Decodes `payloads` of `kind` (their signatures checked), on every core; for a batch to
    /// hand its admissions ([`DeferredDurability::decoded_ahead`]).
    pub fn decode_all(
        &self,
        kind: EngineKind,
        payloads: Vec<Bytes>,
    ) -> std::collections::HashMap<Bytes, Result<Transaction, execution::TxError>> {
        use rayon::prelude::*;
        self.metrics.txs_decoded_ahead.inc_by(payloads.len() as u64);
        payloads
            .into_par_iter()
            .filter(|payload| payload.len() <= self.limits.max_tx_bytes)
            .map(|payload| {
                let decoded = self.engines.decode(kind, &payload);
                (payload, decoded)
            })
            .collect()
    }

    /// The last block that may include `tx` (a recent-block transaction) after `head`;
    /// `Err` when it names no block, or one already too old.
    fn expiry(
        &self,
        chain: &impl ChainView,
        tx: &Transaction,
        head: u64,
    ) -> Result<Option<Expiry>, PoolError> {
        let ReplayGuard::RecentBlock { hash, max_age } = tx.replay_guard() else {
            return Ok(None);
        };
        let named = chain.block_number(hash)?;
        match named {
            Some(named) if named.saturating_add(max_age) > head => {
                Ok(Some(Expiry { last_block: named.saturating_add(max_age) }))
            }
            _ => Err(execution::TxError::BlockhashNotFound.into()),
        }
    }

    /// Admits a decoded transaction, its signature verified: the engine's checks — those a
    /// block applies to it, against the latest state (see `Engine::check_with_state`) — its
    /// replay guard, the pool's caps; journals it. Returns once the journal write is durable,
    /// or, in a [`DeferredDurability`] scope, once it is queued (the scope settles it).
    pub async fn admit(&self, tx: Transaction) -> Result<B256, PoolError> {
        self.engines.check(&tx)?;
        let reader = self.store.latest_reader()?;
        let context = AdmissionContext {
            head_base_fee: self.head_base_fee.load(Ordering::Relaxed),
            max_nonce_ahead: self.limits.max_per_sender as u64,
        };
        // The payer's account is read once, for the engine's checks and the pool's placement.
        let state = AccountMemo::new(&*reader);
        self.engines.check_with_state(&tx, &state, &context)??;
        let expiry = match tx.replay_guard() {
            ReplayGuard::Nonce(_) => None,
            ReplayGuard::RecentBlock { .. } => {
                let expiry = self.expiry(&*reader, &tx, self.head.load(Ordering::Relaxed))?;
                if reader.transaction_block(tx.hash())?.is_some() {
                    return Err(execution::TxError::AlreadyProcessed.into());
                }
                expiry
            }
        };
        // The payer's account, for a nonce-lane transaction: its nonce places the transaction
        // (pending or queued behind a gap), its balance bounds what its pending ones may cost.
        let account = match tx.replay_guard() {
            ReplayGuard::Nonce(_) => Some(state.account(tx.payer())?.unwrap_or_default()),
            ReplayGuard::RecentBlock { .. } => None,
        };
        let tx = Arc::new(tx);
        let displaced = {
            let mut pool = self.pool.lock();
            if pool.by_hash.contains_key(&tx.hash()) {
                return Err(PoolError::AlreadyKnown);
            }
            let existing = pool.in_lane(&tx).cloned();
            if let Some(old) = &existing
                && !tx.may_replace(old, self.limits.price_bump_percent)
            {
                return Err(PoolError::ReplacementUnderpriced);
            }
            let evicted = match (&account, tx.replay_guard()) {
                (Some(account), ReplayGuard::Nonce(nonce)) => {
                    pool.set_account_nonce(&tx.payer(), account.nonce);
                    self.check_overdraft(&pool, &tx, nonce, account.balance, existing.as_deref())?;
                    self.room_for(&pool, &tx, nonce, account.nonce, existing.as_deref())?
                }
                _ => self.room_for_recent(&pool, &tx)?,
            };
            let mut displaced = Vec::with_capacity(evicted.len() + 1);
            for hash in evicted {
                let payer = pool.by_hash.get(&hash).map(|victim| victim.payer());
                let account_nonce =
                    payer.and_then(|p| pool.standing(&p).map(|standing| standing.account_nonce));
                if let Some(victim) = pool.remove(&hash) {
                    displaced.push((victim, account_nonce));
                }
            }
            if !displaced.is_empty() {
                self.metrics.txs_evicted.inc_by(displaced.len() as u64);
                tracing::debug!(evicted = displaced.len(), "queued transactions evicted");
            }
            let account_nonce = account.as_ref().map(|a| a.nonce);
            if let Some(old) = pool.insert(tx.clone(), expiry, account_nonce) {
                displaced.push((old, account_nonce));
            }
            displaced
        };
        let delete = displaced.iter().map(|(old, _)| old.hash()).collect();
        let hash = tx.hash();
        let write = match self.journal.queue_write(vec![(*tx).clone()], delete) {
            Ok(write) => write,
            Err(e) => {
                self.roll_back(&tx, displaced);
                return Err(PoolError::Journal(e));
            }
        };
        // In a batch's scope the batch settles it before answering; otherwise it is settled
        // now.
        if let Some(pending) = defer(PendingAdmission { tx, displaced, write }) {
            self.settle(pending).await?;
        }
        Ok(hash)
    }

    /// geth's overdraft rule: the most `tx` (at `nonce`) may cost, beside the most its
    /// payer's other pending EVM transactions may cost, must fit in the payer's `balance`;
    /// a replacement takes the place of the one it replaces (`existing`). Only EVM
    /// transactions cost their payer; the other engines' lane transactions (deposits) do not.
    fn check_overdraft(
        &self,
        pool: &Pool,
        tx: &Transaction,
        nonce: u64,
        balance: U256,
        existing: Option<&Transaction>,
    ) -> Result<(), PoolError> {
        if tx.as_evm().is_none() {
            return Ok(());
        }
        let payer = tx.payer();
        let others = pool.pending_cost(&payer, nonce);
        let cost = tx.max_cost();
        if others.saturating_add(cost) <= balance {
            return Ok(());
        }
        // geth counts a pending transaction being replaced in the queued cost, and the
        // replacement's difference as the bump.
        let replaced_pending = existing.filter(|old| {
            old.as_evm().is_some()
                && pool
                    .standing(&payer)
                    .is_some_and(|s| (s.account_nonce..s.pending_end).contains(&nonce))
        });
        Err(PoolError::Overdraft(match replaced_pending {
            Some(old) => Overdraft {
                balance,
                queued_cost: others.saturating_add(old.max_cost()),
                tx_cost: cost.saturating_sub(old.max_cost()),
                bumped: true,
            },
            None => Overdraft { balance, queued_cost: others, tx_cost: cost, bumped: false },
        }))
    }

    /// The room `tx`, a nonce-lane transaction at `nonce` of a payer whose account is at
    /// `account_nonce`, needs in `pool`: the queued transactions to evict for it, or why it
    /// does not fit. A replacement (`existing`) keeps the count but may grow the bytes, and
    /// evicts nothing. A new transaction queued behind a gap is held to the payer's and the
    /// pool's caps on queued ones; when the pool's is reached, it takes the place of the
    /// cheapest queued transaction of another payer if it pays more, as geth's pool does.
    /// When the pool is at its count or byte cap, a pending transaction evicts the cheapest
    /// queued ones of other payers — one that can run now goes before one that may never —
    /// and a queued one only those it outbids.
    fn room_for(
        &self,
        pool: &Pool,
        tx: &Transaction,
        nonce: u64,
        account_nonce: u64,
        existing: Option<&Transaction>,
    ) -> Result<Vec<B256>, PoolError> {
        let limits = &self.limits;
        if let Some(old) = existing {
            if pool.total_bytes - old.size() + tx.size() > limits.max_bytes {
                return Err(PoolError::PoolFull);
            }
            return Ok(Vec::new());
        }
        let payer = tx.payer();
        if pool.lane_len(&payer) >= limits.max_per_sender {
            return Err(PoolError::AccountLimitExceeded { limit: limits.max_per_sender });
        }
        let gapped = pool.standing(&payer).map_or(nonce > account_nonce, |s| s.is_gapped(nonce));
        if gapped && pool.standing(&payer).is_some_and(|s| s.queued >= limits.max_queued_per_sender)
        {
            return Err(PoolError::QueuedLimitExceeded { limit: limits.max_queued_per_sender });
        }
        let load = PoolLoad {
            count: pool.len() + 1,
            bytes: pool.total_bytes + tx.size(),
            queued: pool.queued_total() + usize::from(gapped),
        };
        let priority = tx.priority(self.head_base_fee.load(Ordering::Relaxed));
        // The payer's own are not evicted for it, and a gapped newcomer evicts only queued
        // transactions that pay less than it does.
        self.evictions(pool, load, |victim, victim_priority| {
            if victim.payer() == payer {
                Eviction::Skip
            } else if gapped && priority <= victim_priority {
                Eviction::Stop
            } else {
                Eviction::Take
            }
        })
    }

    /// The room `tx`, a recent-block transaction, needs in `pool`: the queued transactions
    /// to evict for it (at the count or byte cap, the cheapest queued ones), or why it does
    /// not fit.
    fn room_for_recent(&self, pool: &Pool, tx: &Transaction) -> Result<Vec<B256>, PoolError> {
        // Never queued itself, it does not answer for the queued cap.
        let load =
            PoolLoad { count: pool.len() + 1, bytes: pool.total_bytes + tx.size(), queued: 0 };
        self.evictions(pool, load, |_, _| Eviction::Take)
    }

    /// The queued transactions to evict, cheapest first, until `load` (the pool with a
    /// newcomer) fits the caps; `choose` says what to do with each candidate, given its
    /// priority. `PoolFull` when what may be evicted is not enough.
    fn evictions(
        &self,
        pool: &Pool,
        mut load: PoolLoad,
        choose: impl Fn(&Transaction, Option<u128>) -> Eviction,
    ) -> Result<Vec<B256>, PoolError> {
        let mut evicted = Vec::new();
        if load.fits(&self.limits) {
            return Ok(evicted);
        }
        let base_fee = self.head_base_fee.load(Ordering::Relaxed);
        for victim in pool.queued_by_price(base_fee) {
            if load.fits(&self.limits) {
                break;
            }
            match choose(&victim, victim.priority(base_fee)) {
                Eviction::Stop => break,
                Eviction::Skip => continue,
                Eviction::Take => {}
            }
            evicted.push(victim.hash());
            load.count -= 1;
            load.bytes -= victim.size();
            load.queued = load.queued.saturating_sub(1);
        }
        if !load.fits(&self.limits) {
            return Err(PoolError::PoolFull);
        }
        Ok(evicted)
    }

    /// Waits until the journal write of `pending` is on disk, then announces the admission;
    /// if the write failed, takes the transaction out of the pool again (putting back the one
    /// it replaced).
    pub async fn settle(&self, pending: PendingAdmission) -> Result<(), PoolError> {
        let PendingAdmission { tx, displaced, write } = pending;
        if let Err(e) = write.durable().await {
            self.roll_back(&tx, displaced);
            return Err(PoolError::Journal(e));
        }
        self.metrics.txs_admitted.inc();
        self.metrics.mempool_size.set(self.len() as i64);
        self.admitted.notify_one();
        // No receiver is no error: nobody subscribed.
        let _ = self.admissions.send(tx);
        Ok(())
    }

    /// Undoes an admission whose journal write failed: takes `tx` out and puts back what it
    /// displaced — unless a block made it stale or took its nonce meanwhile.
    fn roll_back(&self, tx: &Transaction, displaced: Vec<(Arc<Transaction>, Option<u64>)>) {
        let mut pool = self.pool.lock();
        pool.remove(&tx.hash());
        for (old, account_nonce) in displaced {
            let ReplayGuard::Nonce(nonce) = old.replay_guard() else {
                continue;
            };
            let payer = old.payer();
            let account_nonce = pool
                .standing(&payer)
                .map(|standing| standing.account_nonce)
                .max(account_nonce)
                .unwrap_or(nonce);
            if nonce >= account_nonce && pool.in_lane(&old).is_none() {
                pool.insert(old, None, Some(account_nonce));
            }
        }
    }

    /// Receives every transaction admitted from now on, once it is journaled (replacements
    /// included), for `newPendingTransactions`. A receiver that falls more than a buffer
    /// behind gets `Lagged` and skips the transactions it missed.
    pub fn subscribe_admitted(&self) -> tokio::sync::broadcast::Receiver<Arc<Transaction>> {
        self.admissions.subscribe()
    }

    /// Resolves once a transaction was admitted since the previous call returned (or at once
    /// if one was admitted before the first call). Meant for one waiter: the builder of a dev
    /// chain that seals as soon as there is something to seal.
    pub async fn admitted(&self) {
        self.admitted.notified().await;
    }

    /// Number of pooled transactions.
    pub fn len(&self) -> usize {
        self.pool.lock().len()
    }

    /// Whether the pool is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// A pooled transaction by hash.
    pub fn get(&self, hash: &B256) -> Option<Arc<Transaction>> {
        self.pool.lock().by_hash.get(hash).cloned()
    }

    /// Every nonce lane: each payer with pooled nonce-guarded transactions, and those
    /// transactions in nonce order (gapped nonces included).
    pub fn nonce_lanes(&self) -> Vec<(AccountId, Vec<Arc<Transaction>>)> {
        let pool = self.pool.lock();
        pool.lanes.iter().map(|(payer, lane)| (*payer, lane.values().cloned().collect())).collect()
    }

    /// The pooled nonce-guarded transactions of `payer`, in nonce order.
    pub fn nonce_lane(&self, payer: AccountId) -> Vec<Arc<Transaction>> {
        let pool = self.pool.lock();
        pool.lanes.get(&payer).map(|lane| lane.values().cloned().collect()).unwrap_or_default()
    }

    /// The nonce the EVM account `sender`'s next transaction should use, counting pooled
    /// transactions contiguous with `state_nonce` (the `pending` nonce).
    pub fn pending_nonce(&self, sender: Address, state_nonce: u64) -> u64 {
        let pool = self.pool.lock();
        let mut next = state_nonce;
        if let Some(lane) = pool.lanes.get(&AccountId::from(sender)) {
            for nonce in lane.range(state_nonce..).map(|(n, _)| *n) {
                if nonce != next {
                    break;
                }
                next += 1;
            }
        }
        next
    }

    /// The transactions for a block of `space`, in block order (see `selection`); `state`,
    /// the head's, gives the payers' nonces and balances (what they can pay).
    pub fn select<V: StateView>(
        &self,
        state: &V,
        space: &BlockSpace<'_>,
    ) -> Result<Vec<Transaction>, execution::ExecutionError> {
        selection::select(&self.pool.lock(), state, space)
    }

    /// Removes `hashes` from the pool (transactions found invalid); returns those it held.
    pub fn remove(&self, hashes: &[B256]) -> Vec<B256> {
        let mut pool = self.pool.lock();
        let removed = hashes.iter().filter_map(|hash| pool.remove(hash).map(|_| *hash)).collect();
        self.metrics.mempool_size.set(pool.len() as i64);
        removed
    }

    /// After a block is sealed: drops its transactions, those it made stale (nonce now too
    /// low, recent block now too old) and those rejected while building it. Returns the
    /// hashes dropped that the block did not include (their journal entries must go too).
    pub fn on_block<V: StateView>(
        &self,
        block: &SealedBlock,
        rejected: &[B256],
        state: &V,
    ) -> Result<Vec<B256>, execution::ExecutionError> {
        self.head.store(block.number(), Ordering::Relaxed);
        if let Some(base_fee) = block.header.base_fee_per_gas {
            self.head_base_fee.store(base_fee, Ordering::Relaxed);
        }
        let mut pool = self.pool.lock();
        let mut payers: Vec<AccountId> = Vec::new();
        for tx in &block.transactions {
            pool.remove(&tx.hash());
            if matches!(tx.replay_guard(), ReplayGuard::Nonce(_)) {
                payers.push(tx.payer());
            }
        }
        let mut dropped: Vec<B256> =
            rejected.iter().filter_map(|hash| pool.remove(hash).map(|_| *hash)).collect();
        payers.sort();
        payers.dedup();
        for payer in payers {
            let nonce = state.account(payer)?.map_or(0, |a| a.nonce);
            dropped.extend(pool.remove_stale(&payer, nonce));
        }
        dropped.extend(pool.remove_expired(block.number()));
        let idle = pool.remove_idle_queued(Instant::now(), self.queued_lifetime());
        drop(pool);
        self.count_idle_dropped(&idle);
        dropped.extend(idle);
        let sweep_due = {
            let mut last = self.last_stale_sweep.lock();
            let due = last.elapsed() >= STALE_SWEEP_INTERVAL;
            if due {
                *last = Instant::now();
            }
            due
        };
        if sweep_due {
            dropped.extend(self.drop_stale(state)?);
        }
        self.metrics.mempool_size.set(self.len() as i64);
        Ok(dropped)
    }

    /// Drops, from every nonce lane, the transactions whose nonce the payer's account has
    /// used since, and recounts each lane's standing. A block drops those of its own payers;
    /// but a block can also move the nonce of an account that paid for none of its
    /// transactions (an EIP-7702 authorization, a delegated account's CREATE), so every
    /// block after a minute checks every lane (the state is read outside the pool's lock).
    /// Returns the hashes dropped (their journal entries must go too).
    pub fn drop_stale<V: StateView>(
        &self,
        state: &V,
    ) -> Result<Vec<B256>, execution::ExecutionError> {
        let payers: Vec<AccountId> = self.pool.lock().lanes.keys().copied().collect();
        let mut nonces = Vec::with_capacity(payers.len());
        for payer in payers {
            nonces.push((payer, state.account(payer)?.map_or(0, |a| a.nonce)));
        }
        let mut pool = self.pool.lock();
        let dropped: Vec<B256> = nonces
            .into_iter()
            .flat_map(|(payer, nonce)| pool.remove_stale(&payer, nonce))
            .collect();
        self.metrics.mempool_size.set(pool.len() as i64);
        if !dropped.is_empty() {
            tracing::info!(
                dropped = dropped.len(),
                "transactions whose nonce was used elsewhere dropped"
            );
        }
        Ok(dropped)
    }

    /// How long a payer's queued transactions outlive its last admission.
    fn queued_lifetime(&self) -> Duration {
        Duration::from_secs(self.limits.queued_lifetime_secs)
    }

    fn count_idle_dropped(&self, idle: &[B256]) {
        if !idle.is_empty() {
            self.metrics.txs_evicted.inc_by(idle.len() as u64);
            tracing::info!(
                dropped = idle.len(),
                lifetime_secs = self.limits.queued_lifetime_secs,
                "queued transactions of silent senders dropped"
            );
        }
    }

    /// Drops the transactions queued behind a nonce gap of every payer that had none
    /// admitted for `mempool.queued_lifetime_secs` before `now` (each block does, at its
    /// time); returns their hashes (their journal entries must go too).
    pub fn drop_idle_queued(&self, now: Instant) -> Vec<B256> {
        let mut pool = self.pool.lock();
        let idle = pool.remove_idle_queued(now, self.queued_lifetime());
        self.metrics.mempool_size.set(pool.len() as i64);
        drop(pool);
        self.count_idle_dropped(&idle);
        idle
    }

    /// After the chain was rewound to `head` (a devnet's `evm_revert`): the pool follows the
    /// new head, and drops the recent-block transactions whose block was deleted (or is now
    /// too old) — they can never be included. Nonce-guarded transactions stay: a nonce the
    /// rewind made too high waits, as a gapped one does. The transactions the deleted blocks
    /// had included are gone with them (as in anvil). Returns the hashes dropped (their
    /// journal entries must go too).
    pub fn on_rewind<C: ChainView + StateView>(
        &self,
        head: &alloy_consensus::Header,
        chain: &C,
    ) -> Result<Vec<B256>, PoolError> {
        self.head.store(head.number, Ordering::Relaxed);
        self.head_base_fee.store(head.base_fee_per_gas.unwrap_or_default(), Ordering::Relaxed);
        let mut pool = self.pool.lock();
        let recent: Vec<Arc<Transaction>> =
            pool.expiries.keys().filter_map(|hash| pool.by_hash.get(hash).cloned()).collect();
        let mut dropped = Vec::new();
        for tx in recent {
            match self.expiry(chain, &tx, head.number) {
                Ok(Some(expiry)) if pool.expiries.get(&tx.hash()) == Some(&expiry) => {}
                Ok(expiry) => {
                    // Its block is still the chain's, perhaps at another number now.
                    pool.remove(&tx.hash());
                    pool.insert(tx, expiry, None);
                }
                Err(PoolError::Invalid(_)) => {
                    pool.remove(&tx.hash());
                    dropped.push(tx.hash());
                }
                Err(e) => return Err(e),
            }
        }
        // The rewound accounts' nonces are lower: what was pending may wait behind a gap now.
        let payers: Vec<AccountId> = pool.lanes.keys().copied().collect();
        for payer in payers {
            let nonce = chain.account(payer)?.map_or(0, |a| a.nonce);
            pool.reset_account_nonce(&payer, nonce);
        }
        self.metrics.mempool_size.set(pool.len() as i64);
        Ok(dropped)
    }

    /// Forgets dropped transactions in the journal (best effort: a stale entry left behind
    /// is deleted at the next start).
    pub async fn forget(&self, hashes: Vec<B256>) {
        if hashes.is_empty() {
            return;
        }
        if let Err(e) = self.journal.write(Vec::new(), hashes).await {
            tracing::warn!(error = %e, "could not drop stale transactions from the journal");
        }
    }
}

/// The pool's size as it would be with a newcomer, against the caps.
struct PoolLoad {
    count: usize,
    bytes: usize,
    queued: usize,
}

impl PoolLoad {
    /// Whether the pool stays within `limits`' count, byte and queued caps.
    fn fits(&self, limits: &MempoolConfig) -> bool {
        self.count <= limits.max_txs
            && self.bytes <= limits.max_bytes
            && self.queued <= limits.max_queued
    }
}

/// What an eviction does with a candidate.
enum Eviction {
    /// Evict it.
    Take,
    /// Keep it and look at the next one.
    Skip,
    /// Keep it and every later (dearer) one.
    Stop,
}
