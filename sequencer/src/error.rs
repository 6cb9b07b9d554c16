//! The sequencer's errors: why the pool refused a transaction (the engine's reasons, with the
//! texts its clients match on, and the pool's own, with geth's texts) and node-level failures.

use alloy_primitives::U256;
use execution::{ExecutionError, TxError};

use crate::journal::JournalError;

/// Why the pool refused a transaction. `Display` is the JSON-RPC error message.
#[derive(Debug, Clone, thiserror::Error)]
pub enum PoolError {
    /// Larger than the per-transaction size limit.
    #[error("oversized data: transaction size {size}, limit {limit}")]
    OversizedData {
        /// Encoded size.
        size: usize,
        /// Limit in bytes.
        limit: usize,
    },
    /// Its engine refused it: undecodable, badly signed, over a limit, or not payable.
    #[error(transparent)]
    Invalid(#[from] TxError),
    /// Same payer and nonce as a pooled transaction, without the required fee bump.
    #[error("replacement transaction underpriced")]
    ReplacementUnderpriced,
    /// Already in the pool.
    #[error("already known")]
    AlreadyKnown,
    /// The payer has too many pooled transactions.
    #[error("account limit exceeded: {limit} pooled transactions")]
    AccountLimitExceeded {
        /// The per-payer cap.
        limit: usize,
    },
    /// The payer already has as many transactions queued behind a nonce gap as the pool
    /// holds for one payer.
    #[error("account limit exceeded: {limit} queued transactions behind a nonce gap")]
    QueuedLimitExceeded {
        /// The per-payer cap on queued transactions.
        limit: usize,
    },
    /// With the payer's pending transactions, it could cost more than the payer has (geth's
    /// overdraft check).
    #[error(transparent)]
    Overdraft(Overdraft),
    /// The pool is at its size or count cap, with nothing it may evict for this transaction.
    #[error("txpool is full")]
    PoolFull,
    /// The node's database could not be read.
    #[error("internal error: {0}")]
    Store(std::sync::Arc<ExecutionError>),
    /// The transaction could not be journaled; it was not admitted.
    #[error("internal error: {0}")]
    Journal(#[from] JournalError),
}

/// A transaction that, beside its payer's pending ones, could cost more than the payer's
/// balance; its text is geth's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Overdraft {
    /// The payer's balance.
    pub balance: U256,
    /// The most the payer's pending transactions may cost (the one replaced included).
    pub queued_cost: U256,
    /// The most the transaction may cost; for a replacement, how much more than the one it
    /// replaces.
    pub tx_cost: U256,
    /// Whether it replaces a pending transaction.
    pub bumped: bool,
}

impl std::fmt::Display for Overdraft {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let overshot = self.queued_cost.saturating_add(self.tx_cost).saturating_sub(self.balance);
        let what = if self.bumped { "tx bumped" } else { "tx cost" };
        write!(
            f,
            "insufficient funds for gas * price + value: balance {}, queued cost {}, {what} {}, \
             overshot {overshot}",
            self.balance, self.queued_cost, self.tx_cost
        )
    }
}

impl std::error::Error for Overdraft {}

impl From<ExecutionError> for PoolError {
    fn from(e: ExecutionError) -> Self {
        Self::Store(std::sync::Arc::new(e))
    }
}

/// Node-level failures.
#[derive(Debug, thiserror::Error)]
pub enum SequencerError {
    /// Execution or storage failed.
    #[error(transparent)]
    Execution(#[from] ExecutionError),
    /// The mempool journal failed.
    #[error(transparent)]
    Journal(#[from] JournalError),
    /// The RPC server could not start.
    #[error("rpc server: {0}")]
    Rpc(String),
    /// DA failure.
    #[error(transparent)]
    Da(#[from] da::DaError),
    /// The configuration does not allow what was asked (e.g. posting without a DA secret).
    #[error(transparent)]
    Config(#[from] node_config::ConfigError),
    /// The pool could not follow the chain (its store read failed).
    #[error(transparent)]
    Pool(Box<PoolError>),
    /// A blocking task of the node panicked or was cancelled.
    #[error("node task failed: {0}")]
    Task(#[from] tokio::task::JoinError),
}

impl From<PoolError> for SequencerError {
    fn from(e: PoolError) -> Self {
        Self::Pool(Box::new(e))
    }
}
