//! [`DepositInbox`]: the confirmed L1 deposits a sequencer has read and not yet sealed, in
//! nonce order, for its block builder; and how far its feed has read the L1, which bounds the
//! timestamps the builder may seal (see `sequencing_bound`).

use std::{
    collections::BTreeMap,
    sync::atomic::{AtomicU64, Ordering},
};

use bridge::l1::ReadUntil;
use execution::{EngineTx, Transaction, deposit::DepositTx};
use parking_lot::Mutex;
use tokio::sync::Notify;

use crate::{
    Metrics,
    deposits::sequencing_bound::{L1Stall, SequencingBound, StallWatch},
};

/// The deposits waiting for a block.
#[derive(Debug, Default)]
pub struct DepositInbox {
    queue: Mutex<BTreeMap<u64, DepositTx>>,
    /// The newest L1 block up to which the feed has read every deposit, for this generation.
    read: Mutex<Option<ReadUntil>>,
    arrived: Notify,
    /// Bumped when the chain is rewound: the feed then reads again from the chain's state.
    generation: AtomicU64,
    stall: StallWatch,
}

impl DepositInbox {
    /// An empty inbox.
    pub fn new() -> Self {
        Self::default()
    }

    /// The current generation (see [`rewound`](Self::rewound)).
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// Adds deposits read in generation `generation`; does nothing when the chain was rewound
    /// since (they were read for a chain that is gone). Whether they were added.
    pub fn push(&self, generation: u64, deposits: impl IntoIterator<Item = DepositTx>) -> bool {
        let mut queue = self.queue.lock();
        if self.generation() != generation {
            return false;
        }
        let before = queue.len();
        for deposit in deposits {
            queue.insert(deposit.nonce, deposit);
        }
        let added = queue.len() > before;
        drop(queue);
        if added {
            self.arrived.notify_waiters();
        }
        true
    }

    /// Records that the feed, in generation `generation`, has read every deposit up to `read`;
    /// does nothing when the chain was rewound since. Call it after [`push`](Self::push)ing
    /// what that read found. Wakes a builder waiting for deposits when it is stalled.
    pub fn read_until(&self, generation: u64, read: ReadUntil) -> bool {
        let queue = self.queue.lock();
        if self.generation() != generation {
            return false;
        }
        *self.read.lock() = Some(read);
        drop(queue);
        if self.stall.is_stalled() {
            self.arrived.notify_waiters();
        }
        true
    }

    /// How far the feed has read the L1 for the chain as it is; `None` before its first read
    /// (and after a rewind).
    pub fn read(&self) -> Option<ReadUntil> {
        *self.read.lock()
    }

    /// Whether a block of timestamp `timestamp` may be sealed under `bound` with what the feed
    /// has read; logs a stall once when it starts and once when it ends, and keeps `metrics`'
    /// stall gauge.
    pub fn may_seal(
        &self,
        bound: &SequencingBound,
        timestamp: u64,
        metrics: &Metrics,
    ) -> Result<(), L1Stall> {
        let verdict = bound.check(self.read(), timestamp);
        self.stall.observe(&verdict, metrics);
        verdict
    }

    /// Whether the last block the builder tried to seal was refused for the L1 (see
    /// [`may_seal`](Self::may_seal)).
    pub fn is_stalled(&self) -> bool {
        self.stall.is_stalled()
    }

    /// Why the last block the builder tried to seal was refused, if it was.
    pub fn stall(&self) -> Option<L1Stall> {
        self.stall.stall()
    }

    /// The deposits a block after `applied` applied deposits takes: consecutive nonces from
    /// `applied`, whose calls' gas fits in `gas_budget`.
    pub fn due(&self, applied: u64, gas_budget: u64) -> Vec<Transaction> {
        let queue = self.queue.lock();
        let mut gas = 0u64;
        let mut due = Vec::new();
        for (expected, (nonce, deposit)) in (applied..).zip(queue.range(applied..)) {
            if *nonce != expected {
                break;
            }
            gas = gas.saturating_add(deposit.resource_limit());
            if gas > gas_budget {
                break;
            }
            due.push(Transaction::Deposit(deposit.clone()));
        }
        due
    }

    /// Forgets the deposits numbered below `applied` (sealed).
    pub fn sealed(&self, applied: u64) {
        let mut queue = self.queue.lock();
        *queue = queue.split_off(&applied);
    }

    /// The chain was rewound: forgets everything, how far the L1 was read included (the
    /// deposits read for the old chain are gone), and the feed reads again from the rewound
    /// chain's state.
    pub fn rewound(&self) {
        let mut queue = self.queue.lock();
        queue.clear();
        *self.read.lock() = None;
        self.generation.fetch_add(1, Ordering::AcqRel);
    }

    /// Deposits waiting.
    pub fn len(&self) -> usize {
        self.queue.lock().len()
    }

    /// Whether none is waiting.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Completes when deposits are added after the call.
    pub async fn arrived(&self) {
        self.arrived.notified().await;
    }
}

#[cfg(test)]
mod tests {
    use alloy_primitives::{Address, B256, Bytes, U256};
    use execution::deposit::DepositRecipient;

    use super::*;

    fn deposit(nonce: u64, gas: u64) -> DepositTx {
        DepositTx::new(
            nonce,
            Address::ZERO,
            DepositRecipient::Evm(Address::repeat_byte(1)),
            U256::from(1),
            gas,
            Bytes::new(),
            nonce,
            B256::ZERO,
            0,
        )
    }

    #[test]
    fn due_deposits_are_consecutive_within_the_budget_and_rewinds_drop_stale_reads() {
        let inbox = DepositInbox::new();
        let generation = inbox.generation();
        assert!(inbox.push(generation, [deposit(0, 100), deposit(1, 100), deposit(3, 100)]));
        let nonces = |txs: Vec<Transaction>| {
            txs.iter().map(|t| t.as_deposit().unwrap().nonce).collect::<Vec<_>>()
        };
        assert_eq!(nonces(inbox.due(0, 1_000)), [0, 1], "stops at the gap");
        assert_eq!(nonces(inbox.due(0, 150)), [0], "within the budget");
        assert_eq!(nonces(inbox.due(2, 1_000)), Vec::<u64>::new());
        inbox.sealed(1);
        assert_eq!(inbox.len(), 2);
        inbox.rewound();
        assert!(inbox.is_empty());
        assert!(!inbox.push(generation, [deposit(0, 1)]), "read before the rewind");
        assert!(inbox.push(inbox.generation(), [deposit(0, 1)]));
        assert_eq!(inbox.len(), 1);
    }

    #[test]
    fn how_far_the_l1_was_read_bounds_sealing_and_a_rewind_forgets_it() {
        let (inbox, metrics) = (DepositInbox::new(), Metrics::new());
        let bound = SequencingBound::new(60);
        assert_eq!(inbox.may_seal(&bound, 1_000, &metrics), Err(L1Stall::NotRead));
        assert!(inbox.is_stalled());
        let generation = inbox.generation();
        assert!(inbox.read_until(generation, ReadUntil { block: 3, timestamp: 990 }));
        assert_eq!(inbox.may_seal(&bound, 1_000, &metrics), Ok(()));
        assert!(!inbox.is_stalled());
        assert!(inbox.may_seal(&bound, 1_020, &metrics).is_err(), "past 990 + 60 - 30");
        inbox.rewound();
        assert_eq!(inbox.read(), None);
        assert!(!inbox.read_until(generation, ReadUntil { block: 4, timestamp: 995 }), "stale");
        assert_eq!(inbox.may_seal(&bound, 1_000, &metrics), Err(L1Stall::NotRead));
    }
}
