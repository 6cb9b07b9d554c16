//! Choosing a block's transactions from the pool: one fee-ordered selection across every
//! engine — each nonce lane offers its next transaction in nonce order, every recent-block
//! transaction still valid offers itself — highest fee ordering key first (ties by hash),
//! within each engine's budget of its resource and a count limit.

use std::{
    cmp::Ordering,
    collections::{BinaryHeap, HashMap},
    sync::Arc,
};

use execution::{AccountId, EngineKind, ExecutionError, StateView, Transaction};

use super::pool::Pool;

/// A transaction offered to the block, with its ordering key.
struct Candidate {
    priority: u128,
    tx: Arc<Transaction>,
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
        // Higher key first; ties by hash for determinism.
        self.priority.cmp(&other.priority).then_with(|| other.tx.hash().cmp(&self.tx.hash()))
    }
}

/// What a block may take.
#[derive(Clone, Copy)]
pub struct BlockSpace<'a> {
    /// The block's number.
    pub number: u64,
    /// Its base fee.
    pub base_fee: u64,
    /// Most transactions.
    pub max_count: usize,
    /// Each engine's budget of its resource (gas, compute units).
    pub budget: &'a dyn Fn(EngineKind) -> u64,
}

impl std::fmt::Debug for BlockSpace<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BlockSpace")
            .field("number", &self.number)
            .field("base_fee", &self.base_fee)
            .field("max_count", &self.max_count)
            .finish_non_exhaustive()
    }
}

/// The transactions of `pool` for a block of `space`, in block order; `state` gives the
/// payers' nonces.
pub(super) fn select<V: StateView>(
    pool: &Pool,
    state: &V,
    space: &BlockSpace<'_>,
) -> Result<Vec<Transaction>, ExecutionError> {
    let mut heap = BinaryHeap::new();
    let mut next_nonce: HashMap<AccountId, u64> = HashMap::new();
    for (payer, lane) in &pool.lanes {
        let nonce = state.account(*payer)?.map_or(0, |a| a.nonce);
        if let Some(tx) = lane.get(&nonce)
            && let Some(priority) = tx.priority(space.base_fee)
        {
            heap.push(Candidate { priority, tx: tx.clone() });
            next_nonce.insert(*payer, nonce + 1);
        }
    }
    for (last_block, hash) in pool.recent.range((space.number, alloy_primitives::B256::ZERO)..) {
        debug_assert!(*last_block >= space.number);
        if let Some(tx) = pool.by_hash.get(hash)
            && let Some(priority) = tx.priority(space.base_fee)
        {
            heap.push(Candidate { priority, tx: tx.clone() });
        }
    }
    let mut used: HashMap<EngineKind, u64> = HashMap::new();
    let mut selected = Vec::new();
    while let Some(Candidate { tx, .. }) = heap.pop() {
        if selected.len() >= space.max_count {
            break;
        }
        let kind = tx.kind();
        let spent = used.entry(kind).or_default();
        let wanted = spent.saturating_add(tx.resource_limit());
        if wanted > (space.budget)(kind) {
            // Too big for what is left; its payer's later nonces must wait too.
            continue;
        }
        *spent = wanted;
        let payer = tx.payer();
        selected.push((*tx).clone());
        if let Some(nonce) = next_nonce.get_mut(&payer)
            && let Some(next) = pool.lanes.get(&payer).and_then(|lane| lane.get(nonce))
            && let Some(priority) = next.priority(space.base_fee)
        {
            heap.push(Candidate { priority, tx: next.clone() });
            *nonce += 1;
        }
    }
    Ok(selected)
}
