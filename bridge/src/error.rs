//! [`BridgeError`]: what can go wrong between the bridge and its L1 or L2 nodes.

use alloy::primitives::B256;

/// A failure of the bridge's L1 or L2 side.
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
    /// The proposer cannot post: a wrong L1, a proposer the oracle does not take, a post
    /// that reverted, or a root the node cannot compute.
    #[error("proposer: {0}")]
    Proposer(String),
    /// The L2 node could not be reached or answered with an error.
    #[error("L2 RPC: {0}")]
    L2Rpc(String),
    /// The L2 node does not have a block asked for.
    #[error("the L2 node has no block {0}")]
    MissingL2Block(u64),
    /// The L2 chain has no withdrawal contract at its address.
    #[error(
        "the L2 chain has no code at the withdrawal contract's address {0}: it was started \
         without the bridge's predeploys"
    )]
    NoWithdrawalContract(alloy::primitives::Address),
    /// A `MessagePassed` log that the withdrawal contract cannot have emitted.
    #[error("bad withdrawal log: {0}")]
    BadWithdrawalLog(String),
    /// No withdrawal with this hash was started up to the block.
    #[error("no withdrawal {hash} was started on L2 up to block {block}")]
    UnknownWithdrawal {
        /// The withdrawal hash asked for.
        hash: B256,
        /// The L2 block searched up to.
        block: u64,
    },
    /// The withdrawal root rebuilt from the L2's logs differs from the contract's.
    #[error(
        "withdrawal root at L2 block {block}: the contract says {contract}, its logs give \
         {from_logs}: the L2 node's logs are incomplete"
    )]
    WithdrawalRootMismatch {
        /// The L2 block.
        block: u64,
        /// `withdrawalRoot()` at that block.
        contract: B256,
        /// The root of the tree of the logged withdrawals.
        from_logs: B256,
    },
}

impl BridgeError {
    /// An L1 RPC failure.
    pub fn l1(error: impl std::fmt::Display) -> Self {
        Self::L1Rpc(error.to_string())
    }

    /// An L2 RPC failure.
    pub fn l2(error: impl std::fmt::Display) -> Self {
        Self::L2Rpc(error.to_string())
    }
}
