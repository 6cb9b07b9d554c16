//! `TxResult`: what executing one transaction produced, in VM-neutral terms — included, with
//! the resource it used, the fee it owes the fee vault and its engine's output; or rejected,
//! changing nothing.

use alloy_primitives::U256;
use revm::context::result::InvalidTransaction;

#[cfg(any(test, feature = "test-utils"))]
use crate::kv::KvRejection;
use crate::{EngineKind, EngineOutput};

/// The result of executing one transaction at its position in a block.
#[derive(Debug, Clone, PartialEq)]
pub enum TxResult {
    /// Part of the block: its writes count and it has a receipt (it may have failed: a
    /// reverted EVM call is included).
    Executed(Executed),
    /// Not executable at this position: it changes nothing and is not part of the block.
    Rejected(Rejection),
}

/// An included transaction's result.
#[derive(Debug, Clone, PartialEq)]
pub struct Executed {
    /// Resource it used, in its engine's unit (EVM: gas).
    pub used: u64,
    /// Native tokens (wei) it owes the fee vault, credited at the end of the block.
    pub fee: U256,
    /// Its engine's output (the receipt data).
    pub output: EngineOutput,
}

/// Why a transaction is not executable at its position in a block.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Rejection {
    /// The block has no room left for its resource limit.
    #[error("exceeds block gas limit")]
    BlockFull {
        /// The engine whose budget is exhausted.
        kind: EngineKind,
    },
    /// The recent block it names is unknown or too old.
    #[error("blockhash not found")]
    Expired,
    /// It is in the chain already, or earlier in the block.
    #[error("already processed")]
    Duplicate,
    /// A deposit out of the portal's order: the chain has applied `expected` deposits.
    #[error("deposit {found} out of order: the chain has applied {expected} deposits")]
    DepositOutOfOrder {
        /// Deposits applied so far (the next nonce).
        expected: u64,
        /// The deposit's nonce.
        found: u64,
    },
    /// The EVM refused it (nonce, funds, fee cap…), in revm's words.
    #[error("{0}")]
    Evm(InvalidTransaction),
    /// The Solana runtime refused it before loading its accounts (fee payer, programs), in
    /// agave's words.
    #[error("{0}")]
    Svm(svm::types::TransactionError),
    /// The key-value test engine refused it.
    #[cfg(any(test, feature = "test-utils"))]
    #[error("{0}")]
    Kv(KvRejection),
}

impl Rejection {
    /// Whether the transaction may be executable in a later block without changing it: it
    /// waits behind a nonce left out before it, for the base fee to fall to its fee cap, for
    /// its payer's funds, or for room in a block. Other rejections are final.
    pub fn may_pass_later(&self) -> bool {
        match self {
            Rejection::BlockFull { .. } => true,
            Rejection::Expired | Rejection::Duplicate => false,
            Rejection::DepositOutOfOrder { .. } => false,
            Rejection::Evm(invalid) => matches!(
                invalid,
                InvalidTransaction::NonceTooHigh { .. }
                    | InvalidTransaction::GasPriceLessThanBasefee
                    | InvalidTransaction::LackOfFundForMaxFee { .. }
            ),
            Rejection::Svm(error) => matches!(
                error,
                svm::types::TransactionError::AccountNotFound
                    | svm::types::TransactionError::InsufficientFundsForFee
                    | svm::types::TransactionError::InsufficientFundsForRent { .. }
            ),
            #[cfg(any(test, feature = "test-utils"))]
            Rejection::Kv(KvRejection::CannotPayFee { .. }) => true,
        }
    }
}

impl TxResult {
    /// The included result, if it was included.
    pub fn executed(&self) -> Option<&Executed> {
        match self {
            TxResult::Executed(executed) => Some(executed),
            TxResult::Rejected(_) => None,
        }
    }
}
