//! Choosing a block's transactions from the pool: one fee-ordered selection across every
//! engine — each nonce lane offers its next transaction in nonce order, every recent-block
//! transaction still valid offers itself — highest fee ordering key first (ties by hash),
//! within each engine's budget of its resource and a count limit.
//!
//! A lane offers an EVM transaction only if its sender can pay it: its most cost (gas limit
//! × fee cap + value) within the sender's balance at the head, less the most cost of the
//! sender's transactions already taken for this block (as geth's miner does). Otherwise the
//! lane stops for this block — its transaction waits in the pool for funds — rather than
//! holding block space that execution would refuse.

use std::{
    cmp::Ordering,
    collections::{BinaryHeap, HashMap},
    sync::Arc,
};

use alloy_primitives::U256;
use execution::{AccountId, EngineKind, ExecutionError, ReplayGuard, StateView, Transaction};

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

/// Where a payer's nonce lane stands in the selection of one block.
struct LaneCursor {
    /// The nonce of the next transaction it may offer.
    next_nonce: u64,
    /// What its EVM transactions may still take from its balance: the balance at the head
    /// less the most cost of its transactions selected so far.
    funds: U256,
}

impl LaneCursor {
    /// Whether the payer can pay `tx` out of what is left. Only EVM transactions are
    /// counted: their most cost is what revm checks against the sender's balance; the
    /// other engines' lane transactions (deposits) cost their payer nothing.
    fn can_pay(&self, tx: &Transaction) -> bool {
        tx.as_evm().is_none() || tx.max_cost() <= self.funds
    }

    /// Takes `tx`, selected, out of what is left.
    fn pay(&mut self, tx: &Transaction) {
        if tx.as_evm().is_some() {
            self.funds = self.funds.saturating_sub(tx.max_cost());
        }
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

/// The transactions of `pool` for a block of `space`, in block order; `state` (the head's)
/// gives the payers' nonces and balances, read once per payer.
pub(super) fn select<V: StateView>(
    pool: &Pool,
    state: &V,
    space: &BlockSpace<'_>,
) -> Result<Vec<Transaction>, ExecutionError> {
    let mut heap = BinaryHeap::new();
    let mut cursors: HashMap<AccountId, LaneCursor> = HashMap::new();
    for (payer, lane) in &pool.lanes {
        let (nonce, funds) =
            state.account(*payer)?.map_or((0, U256::ZERO), |a| (a.nonce, a.balance));
        let cursor = LaneCursor { next_nonce: nonce + 1, funds };
        if let Some(tx) = lane.get(&nonce)
            && cursor.can_pay(tx)
            && let Some(priority) = tx.priority(space.base_fee)
        {
            heap.push(Candidate { priority, tx: tx.clone() });
            cursors.insert(*payer, cursor);
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
        // A recent-block transaction of a payer that also has a lane does not advance it.
        if matches!(tx.replay_guard(), ReplayGuard::Nonce(_))
            && let Some(cursor) = cursors.get_mut(&payer)
        {
            cursor.pay(&tx);
            if let Some(next) = pool.lanes.get(&payer).and_then(|lane| lane.get(&cursor.next_nonce))
                && cursor.can_pay(next)
                && let Some(priority) = next.priority(space.base_fee)
            {
                heap.push(Candidate { priority, tx: next.clone() });
                cursor.next_nonce += 1;
            }
        }
    }
    Ok(selected)
}
