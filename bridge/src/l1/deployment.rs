//! Deploys the L1 contracts: the [`OutputOracle`] (proposer, guardian, challenge period), then
//! the [`Portal`] that reads it. Both are ordinary contract creations sent through the
//! provider's wallet, so any L1 that takes transactions will do.

use alloy::{
    primitives::{Address, U256},
    providers::DynProvider,
};

use crate::{
    BridgeError,
    contracts::{OutputOracle, Portal},
};

/// The parameters of a bridge deployment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BridgeParams {
    /// The only account that may post output roots.
    pub proposer: Address,
    /// The only account that may delete output roots.
    pub guardian: Address,
    /// Seconds between an output's posting and its finalization.
    pub challenge_period_secs: u64,
}

/// Where a deployed bridge is on the L1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BridgeAddresses {
    /// The `Portal`.
    pub portal: Address,
    /// The `OutputOracle`.
    pub output_oracle: Address,
    /// The L1 block the portal was deployed in: where deposits start.
    pub deployed_at_block: u64,
}

/// Deploys the oracle and the portal from the provider's default sender; returns their
/// addresses once both are mined.
pub async fn deploy_bridge(
    provider: &DynProvider,
    params: BridgeParams,
) -> Result<BridgeAddresses, BridgeError> {
    let oracle = OutputOracle::deploy(
        provider.clone(),
        params.proposer,
        params.guardian,
        U256::from(params.challenge_period_secs),
    )
    .await
    .map_err(|e| BridgeError::Deployment(format!("OutputOracle: {e}")))?;
    let receipt = Portal::deploy_builder(provider.clone(), *oracle.address())
        .send()
        .await
        .map_err(|e| BridgeError::Deployment(format!("Portal: {e}")))?
        .get_receipt()
        .await
        .map_err(|e| BridgeError::Deployment(format!("Portal: {e}")))?;
    let portal = receipt.contract_address.ok_or_else(|| {
        BridgeError::Deployment("Portal: the receipt has no contract address".into())
    })?;
    if !receipt.status() {
        return Err(BridgeError::Deployment("Portal: the creation reverted".into()));
    }
    let deployed_at_block = receipt
        .block_number
        .ok_or_else(|| BridgeError::Deployment("Portal: the receipt has no block number".into()))?;
    Ok(BridgeAddresses { portal, output_oracle: *oracle.address(), deployed_at_block })
}
