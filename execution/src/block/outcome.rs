//! `BlockOutcome`: the result of executing a block, ready to be sealed — its included
//! transactions with their results, its write set, and what was left out.

use crate::{BlockEnv, Executed, Rejection, StateChanges, Transaction};

/// What to do with a transaction that is invalid at its position in the block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvalidTxPolicy {
    /// Building a block: leave it out and carry on.
    Skip,
    /// Verifying a block someone else built: the whole block is invalid.
    Fail,
}

/// A transaction included in the block, with what its execution produced.
#[derive(Debug, Clone, PartialEq)]
pub struct IncludedTx {
    /// The transaction.
    pub tx: Transaction,
    /// Its result.
    pub result: Executed,
}

/// The result of executing a block, ready to be sealed.
#[derive(Debug, Clone)]
pub struct BlockOutcome {
    /// The block environment it ran in.
    pub env: BlockEnv,
    /// Included transactions, in block order.
    pub transactions: Vec<IncludedTx>,
    /// The block's write set.
    pub changes: StateChanges,
    /// Gas used by its EVM transactions (the header's `gasUsed`).
    pub gas_used: u64,
    /// Transactions left out (only with `InvalidTxPolicy::Skip`), with the reason.
    pub rejected: Vec<(Transaction, Rejection)>,
}
