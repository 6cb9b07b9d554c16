//! The sequencer's errors: transaction-pool rejections (with geth's texts, which clients
//! match on) and node-level failures.

use alloy_primitives::{Address, U256};

/// Why the pool refused a transaction. `Display` is the JSON-RPC error message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PoolError {
    /// Larger than the per-transaction size limit.
    #[error("oversized data: transaction size {size}, limit {limit}")]
    OversizedData {
        /// Encoded size.
        size: usize,
        /// Limit in bytes.
        limit: usize,
    },
    /// Not decodable.
    #[error("{0}")]
    Malformed(String),
    /// Signature does not recover.
    #[error("invalid sender")]
    InvalidSender,
    /// Signed for another chain.
    #[error("invalid chain id")]
    InvalidChainId,
    /// Legacy transaction without EIP-155 replay protection.
    #[error("only replay-protected (EIP-155) transactions allowed over RPC")]
    Unprotected,
    /// A transaction type this chain does not accept (blobs).
    #[error("transaction type not supported")]
    TxTypeNotSupported,
    /// Gas limit above the block gas limit.
    #[error("exceeds block gas limit")]
    ExceedsBlockGasLimit,
    /// Gas limit above the per-transaction cap (EIP-7825).
    #[error("transaction gas limit too high (cap: {cap}, tx: {gas})")]
    GasLimitTooHigh {
        /// The cap.
        cap: u64,
        /// The transaction's gas limit.
        gas: u64,
    },
    /// Gas limit below the intrinsic cost.
    #[error("intrinsic gas too low: gas {gas}, minimum needed {needed}")]
    IntrinsicGasTooLow {
        /// The transaction's gas limit.
        gas: u64,
        /// Intrinsic gas of the transaction.
        needed: u64,
    },
    /// Tip above fee cap.
    #[error("max priority fee per gas higher than max fee per gas")]
    TipAboveFeeCap,
    /// Nonce already used.
    #[error("nonce too low: next nonce {next}, tx nonce {nonce}")]
    NonceTooLow {
        /// The account's next nonce.
        next: u64,
        /// The transaction's nonce.
        nonce: u64,
    },
    /// Nonce too far ahead of the account's.
    #[error("nonce too high: next nonce {next}, tx nonce {nonce}")]
    NonceTooHigh {
        /// The account's next nonce.
        next: u64,
        /// The transaction's nonce.
        nonce: u64,
    },
    /// Cannot pay gas limit × fee cap + value.
    #[error(
        "insufficient funds for gas * price + value: address {address} have {have} want {want}"
    )]
    InsufficientFunds {
        /// The sender.
        address: Address,
        /// Its balance.
        have: U256,
        /// What the transaction may cost.
        want: U256,
    },
    /// Same sender and nonce as a pooled transaction, without the required fee bump.
    #[error("replacement transaction underpriced")]
    ReplacementUnderpriced,
    /// Already in the pool.
    #[error("already known")]
    AlreadyKnown,
    /// Sender has too many pooled transactions.
    #[error("account limit exceeded: {limit} pooled transactions")]
    AccountLimitExceeded {
        /// The per-sender cap.
        limit: usize,
    },
    /// The pool is at its size or count cap.
    #[error("txpool is full")]
    PoolFull,
    /// Fee cap below the current base fee by more than the pool accepts.
    #[error(
        "max fee per gas less than block base fee: maxFeePerGas: {max_fee}, baseFee: {base_fee}"
    )]
    FeeCapTooLow {
        /// Transaction fee cap.
        max_fee: u128,
        /// Current base fee.
        base_fee: u64,
    },
    /// Could not be journaled; it was not admitted.
    #[error("internal error: {0}")]
    Internal(String),
}

/// Node-level failures.
#[derive(Debug, thiserror::Error)]
pub enum SequencerError {
    /// Execution or storage failed.
    #[error(transparent)]
    Execution(#[from] execution::ExecutionError),
    /// The mempool journal failed.
    #[error("mempool journal: {0}")]
    Journal(String),
    /// The RPC server could not start.
    #[error("rpc server: {0}")]
    Rpc(String),
    /// DA failure.
    #[error(transparent)]
    Da(#[from] da::DaError),
    /// The configuration does not allow what was asked (e.g. posting without a DA secret).
    #[error(transparent)]
    Config(#[from] node_config::ConfigError),
}
