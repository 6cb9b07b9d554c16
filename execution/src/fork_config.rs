//! The chain's fork as EIP-7910 (`eth_config`) describes it, from its [`ChainSpec`]: every
//! fork up to the chain's EVM spec is active from genesis, none is scheduled, the
//! precompiles are revm's for that spec under their EIP-7910 names, and there are no system
//! contracts (no beacon roots, history, deposit or request contracts: a rollup's blocks have
//! no beacon chain behind them) and no blobs.

use std::collections::BTreeMap;

use alloy_eips::{
    eip7840::BlobParams,
    eip7910::{EthConfig, EthForkConfig},
};
use alloy_primitives::{B256, Bytes};
use revm::precompile::{PrecompileSpecId, Precompiles};

use crate::ChainSpec;

impl ChainSpec {
    /// `eth_config`'s answer for the chain whose genesis block hashes to `genesis_hash`.
    pub fn eth_config(&self, genesis_hash: B256) -> EthConfig {
        let precompiles = Precompiles::new(PrecompileSpecId::from_spec_id(self.evm_spec));
        let precompiles = precompiles
            .addresses()
            .filter_map(|address| precompiles.get(address))
            .map(|precompile| (precompile.id().name().to_string(), *precompile.address()))
            .collect();
        EthConfig {
            current: EthForkConfig {
                activation_time: 0,
                blob_schedule: no_blobs(),
                chain_id: self.chain_id,
                fork_id: fork_hash(genesis_hash),
                precompiles,
                system_contracts: BTreeMap::new(),
            },
            next: None,
            last: None,
        }
    }
}

/// The blob schedule of a chain without blobs: no target, no maximum (the update fraction is
/// Prague's, so that a client computing a blob base fee divides by something).
fn no_blobs() -> BlobParams {
    BlobParams {
        target_blob_count: 0,
        max_blob_count: 0,
        max_blobs_per_tx: 0,
        ..BlobParams::prague()
    }
}

/// EIP-6122's FORK_HASH: the CRC32 of the genesis hash, updated with every fork activated
/// after genesis — of which the chain has none.
fn fork_hash(genesis_hash: B256) -> Bytes {
    Bytes::copy_from_slice(&crc32fast::hash(genesis_hash.as_slice()).to_be_bytes())
}

#[cfg(test)]
mod tests {
    use alloy_primitives::{Address, b256};
    use serde_json::json;

    use super::*;

    #[test]
    fn mainnet_genesis_gives_mainnet_frontier_fork_hash() {
        // EIP-2124's test vector: mainnet's genesis, before any fork, hashes to 0xfc64ec04.
        let mainnet_genesis =
            b256!("d4e56740f876aef8c010b86a40d5f56745a118d0906a34e69aec8c0db1cb8fa3");
        assert_eq!(fork_hash(mainnet_genesis), Bytes::from(vec![0xfc, 0x64, 0xec, 0x04]));
    }

    #[test]
    fn osaka_chain_lists_its_precompiles_and_no_blobs() {
        let spec = ChainSpec {
            chain_id: 31337,
            evm_spec: revm::primitives::hardfork::SpecId::OSAKA,
            block_gas_limit: 30_000_000,
            fee_vault: Address::ZERO,
        };
        let config = serde_json::to_value(spec.eth_config(B256::ZERO)).unwrap();
        let current = &config["current"];
        assert_eq!(current["chainId"], json!("0x7a69"));
        assert_eq!(current["activationTime"], json!(0));
        assert_eq!(
            current["blobSchedule"],
            json!({"baseFeeUpdateFraction": 5007716, "max": 0, "target": 0})
        );
        assert_eq!(current["systemContracts"], json!({}));
        let precompiles = current["precompiles"].as_object().unwrap();
        assert_eq!(precompiles["ECREC"], json!("0x0000000000000000000000000000000000000001"));
        assert_eq!(
            precompiles["BLS12_MAP_FP2_TO_G2"],
            json!("0x0000000000000000000000000000000000000011")
        );
        assert_eq!(precompiles["P256VERIFY"], json!("0x0000000000000000000000000000000000000100"));
        assert_eq!(precompiles.len(), 18);
        assert_eq!(config["next"], json!(null));
        assert_eq!(config["last"], json!(null));
    }
}
