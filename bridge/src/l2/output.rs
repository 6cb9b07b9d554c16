//! A block's output root as any client computes it through an L2 node's JSON-RPC: the block's
//! state root and hash from its header, the withdrawal root from `L2Withdrawals.withdrawalRoot()`
//! called at that block.

use alloy::{eips::BlockId, providers::Provider};

use crate::{
    BridgeError, OutputRoot,
    contracts::{L2_WITHDRAWALS_ADDRESS, L2Withdrawals},
};

/// The output root of L2 block `block`, read through `l2`.
pub async fn output_at(l2: &impl Provider, block: u64) -> Result<OutputRoot, BridgeError> {
    let header = header_at(l2, block).await?;
    let at = BlockId::number(block);
    if l2
        .get_code_at(L2_WITHDRAWALS_ADDRESS)
        .block_id(at)
        .await
        .map_err(BridgeError::l2)?
        .is_empty()
    {
        return Err(BridgeError::NoWithdrawalContract(L2_WITHDRAWALS_ADDRESS));
    }
    let withdrawal_root = L2Withdrawals::new(L2_WITHDRAWALS_ADDRESS, l2)
        .withdrawalRoot()
        .block(at)
        .call()
        .await
        .map_err(BridgeError::l2)?;
    Ok(OutputRoot::v0(header.state_root, withdrawal_root, header.hash))
}

/// The header of L2 block `block`, read through `l2`.
pub(crate) async fn header_at(
    l2: &impl Provider,
    block: u64,
) -> Result<alloy::rpc::types::Header, BridgeError> {
    Ok(l2
        .get_block_by_number(block.into())
        .await
        .map_err(BridgeError::l2)?
        .ok_or(BridgeError::MissingL2Block(block))?
        .header)
}
