//! The bridge on a dev L1: `manifold l1`, and the L1 that `manifold devnet --da ethereum`
//! starts, come up with the bridge's L1 contracts (`OutputOracle`, `Portal`) deployed, through
//! JSON-RPC like on any L1, by dev account 0; dev account 1 is the proposer and dev account 2
//! the guardian. The addresses are kept in `<l1 data dir>/bridge.json`: a resumed dev L1 keeps
//! its bridge (deployed again only if its code is gone).

use std::path::{Path, PathBuf};

use alloy::{
    network::EthereumWallet,
    providers::{DynProvider, Provider, ProviderBuilder},
    signers::local::PrivateKeySigner,
};
use bridge::l1::{BridgeAddresses, BridgeParams, deploy_bridge};
use eyre::{OptionExt, WrapErr};
use node_config::DevAccount;

use crate::l1::L1Node;

/// Seconds between an output root's posting and its finalization on a dev L1, by default.
pub const DEFAULT_CHALLENGE_PERIOD_SECS: u64 = 60;

/// The file, in the L1's data directory, that holds the bridge's addresses.
pub const BRIDGE_FILE: &str = "bridge.json";

/// A bridge deployed on a dev L1: where, and who plays which part.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DevBridge {
    /// The contracts.
    #[serde(flatten)]
    pub addresses: BridgeAddresses,
    /// Who deployed them (dev account 0).
    pub deployer: alloy::primitives::Address,
    /// Who may post output roots (dev account 1).
    pub proposer: alloy::primitives::Address,
    /// Who may delete output roots (dev account 2).
    pub guardian: alloy::primitives::Address,
    /// Seconds before a posted output root is final.
    pub challenge_period_secs: u64,
}

/// The bridge of dev L1 `node`: the one recorded in its data directory if its code is still
/// there, else a fresh deployment with `challenge_period_secs` (recorded).
pub async fn ensure_bridge(node: &L1Node, challenge_period_secs: u64) -> eyre::Result<DevBridge> {
    let [deployer, proposer, guardian, ..] = node.accounts() else {
        eyre::bail!(
            "the dev L1 needs at least 3 accounts for the bridge (deployer, proposer, guardian)"
        );
    };
    let provider = provider_for(&node.rpc_url(), deployer)?;
    let file = bridge_file(node.data_dir());
    if let Some(recorded) = read_recorded(&file)? {
        let code = provider.get_code_at(recorded.addresses.portal).await?;
        if !code.is_empty() {
            return Ok(recorded);
        }
        tracing::warn!(file = %file.display(), "the recorded bridge has no code on this L1: deploying again");
    }
    let params = BridgeParams {
        proposer: proposer.address,
        guardian: guardian.address,
        challenge_period_secs,
    };
    let addresses = deploy_bridge(&provider, params).await.wrap_err("deploying the bridge")?;
    let bridge = DevBridge {
        addresses,
        deployer: deployer.address,
        proposer: proposer.address,
        guardian: guardian.address,
        challenge_period_secs,
    };
    std::fs::write(&file, serde_json::to_vec_pretty(&bridge)?)
        .wrap_err_with(|| format!("writing {}", file.display()))?;
    tracing::info!(portal = %addresses.portal, oracle = %addresses.output_oracle, "bridge deployed on the dev L1");
    Ok(bridge)
}

/// `<data_dir>/bridge.json`.
pub fn bridge_file(data_dir: &Path) -> PathBuf {
    data_dir.join(BRIDGE_FILE)
}

fn read_recorded(file: &Path) -> eyre::Result<Option<DevBridge>> {
    match std::fs::read(file) {
        Ok(bytes) => Ok(Some(
            serde_json::from_slice(&bytes)
                .wrap_err_with(|| format!("{} is not a bridge record", file.display()))?,
        )),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e).wrap_err_with(|| format!("reading {}", file.display())),
    }
}

/// A provider for `url` that signs as `account`.
fn provider_for(url: &str, account: &DevAccount) -> eyre::Result<DynProvider> {
    let signer = PrivateKeySigner::from_bytes(&account.private_key)?;
    let url = url.parse().ok().ok_or_eyre("bad L1 URL")?;
    Ok(ProviderBuilder::new().wallet(EthereumWallet::from(signer)).connect_http(url).erased())
}
