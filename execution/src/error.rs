//! The execution crate's error type, split by who handles it.

use alloy_primitives::B256;

use crate::{AccountId, Rejection, TxError};

/// Everything that can go wrong while executing or persisting blocks.
///
/// A reverted or out-of-gas transaction is *not* an error: it is a receipt with status 0.
#[derive(Debug, thiserror::Error)]
pub enum ExecutionError {
    /// The state database failed (I/O, corruption, a redb error).
    #[error("state database error: {0}")]
    Database(String),
    /// A state trie node needed for a root or proof is missing or corrupt.
    #[error("state trie error: {0}")]
    Trie(#[from] crate::trie::TrieError),
    /// Stored bytes could not be decoded: the database is corrupt or from another version.
    #[error("corrupt stored {what}: {reason}")]
    Corrupt {
        /// Which kind of record.
        what: &'static str,
        /// Why it did not decode.
        reason: String,
    },
    /// A transaction could not be decoded or its signature verified.
    #[error("invalid transaction: {0}")]
    InvalidTransaction(Box<TxError>),
    /// A transaction in a block to verify is not valid at its position.
    #[error("transaction {hash} paid by {payer} is invalid in block: {reason}")]
    TransactionRejected {
        /// Hash of the rejected transaction.
        hash: B256,
        /// Its payer.
        payer: AccountId,
        /// Why its engine refused it.
        reason: Box<Rejection>,
    },
    /// A block to append does not extend the current head.
    #[error("block {number} does not extend head {head}")]
    NotNextBlock {
        /// Number of the block offered.
        number: u64,
        /// Current head number.
        head: u64,
    },
    /// A block to append was built on another parent than the current head (one a rewind
    /// deleted while the block was executed).
    #[error("block {number} is built on {parent}, which is not the head block {head}")]
    NotOnHead {
        /// Number of the block offered.
        number: u64,
        /// The parent hash it was built on.
        parent: alloy_primitives::B256,
        /// Current head number.
        head: u64,
    },
    /// The caller of [`Store::seal_block`](crate::Store::seal_block) refused the sealed block
    /// (a follower whose block differs from the one on DA); nothing was written.
    #[error("block {number} not sealed: {reason}")]
    SealRejected {
        /// Number of the refused block.
        number: u64,
        /// Why it was refused.
        reason: String,
    },
    /// A state was asked for at a block above the head.
    #[error("block {number} is not known (head {head})")]
    UnknownBlock {
        /// The block asked for.
        number: u64,
        /// Current head number.
        head: u64,
    },
    /// A state was asked for at a block whose history has been pruned (or predates the
    /// history, for a database written before it was kept).
    #[error(
        "the state of block {requested} is not kept: this node keeps the states of blocks \
         {oldest} to {head} ([history] keep_blocks)"
    )]
    StatePruned {
        /// The block asked for.
        requested: u64,
        /// The oldest block whose state is kept.
        oldest: u64,
        /// Current head number.
        head: u64,
    },
    /// The database holds no genesis block yet.
    #[error("the database holds no chain: initialise it with a genesis first")]
    NoGenesis,
    /// The database was initialised for another chain.
    #[error(
        "the database belongs to chain {stored} with genesis {stored_genesis}, not chain {configured}"
    )]
    ChainMismatch {
        /// Chain id stored in the database.
        stored: u64,
        /// Genesis hash stored in the database.
        stored_genesis: B256,
        /// Chain id of the configuration.
        configured: u64,
    },
    /// Parallel execution only: the read hit a value a lower transaction is re-computing.
    /// The scheduler catches it and re-runs the reader later; it never leaves the crate's
    /// parallel executor.
    #[error("read of a value transaction {blocking} is re-computing")]
    ReadEstimate {
        /// The transaction whose write is being re-computed.
        blocking: usize,
    },
    /// An internal invariant was broken: a bug, never bad input.
    #[error("execution invariant broken: {0}")]
    Invariant(String),
}

impl From<TxError> for ExecutionError {
    fn from(e: TxError) -> Self {
        Self::InvalidTransaction(Box::new(e))
    }
}

impl ExecutionError {
    pub(crate) fn db(e: impl std::fmt::Display) -> Self {
        Self::Database(e.to_string())
    }

    /// Wraps a database error from a component that shares the node database.
    pub fn db_error(e: impl std::fmt::Display) -> Self {
        Self::db(e)
    }
}

macro_rules! impl_from_redb {
    ($($t:ty),*) => {$(
        impl From<$t> for ExecutionError {
            fn from(e: $t) -> Self {
                Self::db(e)
            }
        }
    )*};
}
impl_from_redb!(
    redb::Error,
    redb::DatabaseError,
    redb::TransactionError,
    redb::TableError,
    redb::StorageError,
    redb::CommitError,
    redb::SetDurabilityError
);
