//! [`BridgeError`]: what can go wrong between the bridge and its L1.

use alloy::primitives::B256;

/// A failure of the bridge's L1 side.
#[derive(Debug, thiserror::Error)]
pub enum BridgeError {
    /// The L1 node could not be reached or answered with an error.
    #[error("L1 RPC: {0}")]
    L1Rpc(String),
    /// The L1 node does not have a block it reported.
    #[error("the L1 node has no block {0}")]
    MissingL1Block(u64),
    /// A block already read changed: the L1 reorganised deeper than the confirmations.
    #[error(
        "L1 block {block} was {read} when its deposits were read and is {now} now: a reorg \
         deeper than the configured confirmations"
    )]
    ReorgBeyondConfirmations {
        /// The block.
        block: u64,
        /// Its hash when read.
        read: B256,
        /// Its hash now.
        now: B256,
    },
    /// The portal's deposits did not come in nonce order.
    #[error(
        "deposit nonce {found} where {expected} was due: the L1 node skipped or repeated a log"
    )]
    DepositNonceGap {
        /// The nonce due.
        expected: u64,
        /// The nonce found.
        found: u64,
    },
    /// A log that the portal cannot have emitted.
    #[error("bad deposit log: {0}")]
    BadDepositLog(String),
    /// Deploying the contracts failed.
    #[error("deploying the bridge contracts: {0}")]
    Deployment(String),
}

impl BridgeError {
    /// An L1 RPC failure.
    pub fn l1(error: impl std::fmt::Display) -> Self {
        Self::L1Rpc(error.to_string())
    }
}
