//! Where a withdrawal stands on the L1, as the portal and the oracle say: waiting for an output
//! that covers its L2 block, ready to prove, proven (and from when it can be finalized), or
//! finalized.

use alloy::{
    primitives::{Address, B256, U256},
    providers::Provider,
};

use crate::{
    BridgeError,
    contracts::{OutputOracle, Portal},
};

/// A withdrawal's stage on the L1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum WithdrawalStatus {
    /// No output covers its L2 block yet.
    WaitingForOutput {
        /// The L2 block of the oracle's latest output (0: none).
        latest_output_block: u64,
    },
    /// An output covers it: it can be proven against that output.
    ReadyToProve {
        /// The output's index.
        output_index: u64,
        /// The output's L2 block.
        output_block: u64,
    },
    /// Proven; it can be finalized from `finalizable_at` (an L1 timestamp).
    Proven {
        /// The output it was proven against.
        output_index: u64,
        /// When it was proven (L1 timestamp).
        proven_at: u64,
        /// When the challenge period of both the proof and the output has passed.
        finalizable_at: u64,
    },
    /// Paid out on the L1.
    Finalized,
}

/// The status of withdrawal `hash`, started in L2 block `l2_block`, at the portal `portal`.
pub async fn withdrawal_status(
    l1: &impl Provider,
    portal: Address,
    hash: B256,
    l2_block: u64,
) -> Result<WithdrawalStatus, BridgeError> {
    let portal = Portal::new(portal, l1);
    if portal.finalizedWithdrawals(hash).call().await.map_err(BridgeError::l1)? {
        return Ok(WithdrawalStatus::Finalized);
    }
    let oracle = OutputOracle::new(portal.oracle().call().await.map_err(BridgeError::l1)?, l1);
    let period = oracle.challengePeriod().call().await.map_err(BridgeError::l1)?;
    let period = u64::try_from(period).unwrap_or(u64::MAX);
    let proven = portal.provenWithdrawals(hash).call().await.map_err(BridgeError::l1)?;
    let count = oracle.nextOutputIndex().call().await.map_err(BridgeError::l1)?;
    if proven.timestamp != 0 && U256::from(proven.outputIndex) < count {
        let output = oracle.getL2Output(U256::from(proven.outputIndex)).call().await;
        let output = output.map_err(BridgeError::l1)?;
        // Proven against an output that still stands (a deleted one must be proven again).
        if output.outputRoot == proven.outputRoot {
            let from = u64::try_from(proven.timestamp.max(output.timestamp)).unwrap_or(u64::MAX);
            return Ok(WithdrawalStatus::Proven {
                output_index: u64::try_from(proven.outputIndex).unwrap_or(u64::MAX),
                proven_at: u64::try_from(proven.timestamp).unwrap_or(u64::MAX),
                finalizable_at: from.saturating_add(period),
            });
        }
    }
    let latest = oracle.latestBlockNumber().call().await.map_err(BridgeError::l1)?;
    let latest_output_block = u64::try_from(latest).unwrap_or(u64::MAX);
    if latest_output_block < l2_block || count.is_zero() {
        return Ok(WithdrawalStatus::WaitingForOutput { latest_output_block });
    }
    let index =
        oracle.getL2OutputIndexAfter(U256::from(l2_block)).call().await.map_err(BridgeError::l1)?;
    let output = oracle.getL2Output(index).call().await.map_err(BridgeError::l1)?;
    Ok(WithdrawalStatus::ReadyToProve {
        output_index: u64::try_from(index).unwrap_or(u64::MAX),
        output_block: u64::try_from(output.l2BlockNumber).unwrap_or(u64::MAX),
    })
}
