//! `TxError`: why a transaction is not acceptable — undecodable, badly signed, over a limit,
//! or not payable by its payer. Engines return it from decoding and admission checks; the
//! pool returns it to clients, so each variant's text is what the clients of that engine
//! expect (geth's texts for the EVM).

use alloy_primitives::{Address, U256};

use crate::{AccountId, EngineKind};

/// Why a transaction was refused before execution.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TxError {
    /// A record with no bytes at all (not even a kind tag).
    #[error("empty transaction")]
    Empty,
    /// The kind tag names no engine this build has.
    #[error("unknown transaction kind {0:#04x}")]
    UnknownKind(u8),
    /// The kind is known but this node does not run that engine.
    #[error("this node does not run {0} transactions")]
    EngineNotRunning(EngineKind),
    /// A deposit offered to the pool: deposits come only from the L1 portal's events.
    #[error("deposit transactions come only from the L1 portal")]
    NotFromL1,
    /// The bytes do not decode as a transaction of the engine (what is wrong, in the
    /// engine's words: geth's for the EVM).
    #[error("{0}")]
    Malformed(String),
    /// The signature does not verify (or, for the EVM, does not recover a sender).
    #[error("invalid sender")]
    InvalidSender,
    /// Signed for another chain.
    #[error("invalid chain id")]
    InvalidChainId,
    /// A legacy EVM transaction without EIP-155 replay protection.
    #[error("only replay-protected (EIP-155) transactions allowed over RPC")]
    Unprotected,
    /// A transaction type this chain does not accept (EVM blob transactions).
    #[error("transaction type not supported")]
    TxTypeNotSupported,
    /// Its gas (or compute-unit) limit is above the block's.
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
    /// Gas limit below the EIP-7623 calldata floor.
    #[error("insufficient gas for floor data gas cost: gas {gas}, minimum needed {needed}")]
    FloorDataGas {
        /// The transaction's gas limit.
        gas: u64,
        /// Its calldata floor.
        needed: u64,
    },
    /// Contract creation with init code above the EIP-3860 limit.
    #[error("max initcode size exceeded: code size {size}, limit {limit}")]
    MaxInitCodeSize {
        /// Size of the init code.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// An EIP-7702 transaction without authorizations.
    #[error("EIP-7702 transaction with empty auth list")]
    EmptyAuthList,
    /// The sender has code that is not an EIP-7702 delegation (EIP-3607).
    #[error("sender not an eoa: address {0}")]
    SenderNotEoa(Address),
    /// The nonce is 2^64 - 1: incrementing it would overflow.
    #[error("nonce has max value")]
    NonceMax,
    /// Any other reason the EVM refuses the transaction, in revm's words.
    #[error("{0}")]
    EvmRefused(String),
    /// Tip above fee cap.
    #[error("max priority fee per gas higher than max fee per gas")]
    TipAboveFeeCap,
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
    /// An EVM sender that cannot pay gas limit × fee cap + value.
    #[error(
        "insufficient funds for gas * price + value: address {address} have {have} want {want}"
    )]
    InsufficientFunds {
        /// The sender.
        address: Address,
        /// Its balance in wei.
        have: U256,
        /// What the transaction may cost, in wei.
        want: U256,
    },
    /// A payer (of an engine other than the EVM) that cannot pay its fee and transfers.
    #[error("insufficient funds for fee: account {payer} has {have} wei, needs {want} wei")]
    PayerCannotPay {
        /// The payer.
        payer: AccountId,
        /// Its balance in wei.
        have: U256,
        /// What the transaction may cost, in wei.
        want: U256,
    },
    /// The recent block it names is unknown or too old (Solana's blockhash expiry).
    #[error("blockhash not found")]
    BlockhashNotFound,
    /// The same transaction is in the chain already.
    #[error("already processed")]
    AlreadyProcessed,
}
