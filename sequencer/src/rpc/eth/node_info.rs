//! Node and chain information: `web3_*`, `net_*`, the constant `eth_*` answers of a node
//! that neither mines nor syncs nor holds keys, and `eth_config` (EIP-7910).

use alloy_eips::eip7910::EthConfig;
use alloy_primitives::{Address, B256, Bytes, U64, keccak256};
use alloy_rpc_types_eth::SyncStatus;
use execution::StateView as _;

use super::{
    api::{EthNodeApiServer, NetApiServer, Web3ApiServer},
    errors::{RpcResult, internal},
    handler::RpcHandler,
};

/// `web3_clientVersion`.
pub(crate) const CLIENT_VERSION: &str = "manifold/v0.1.0";

impl Web3ApiServer for RpcHandler {
    fn client_version(&self) -> RpcResult<String> {
        Ok(CLIENT_VERSION.to_string())
    }

    fn sha3(&self, data: Bytes) -> RpcResult<B256> {
        Ok(keccak256(&data))
    }
}

impl NetApiServer for RpcHandler {
    fn version(&self) -> RpcResult<String> {
        Ok(self.ctx.config.chain.chain_id.to_string())
    }

    fn listening(&self) -> RpcResult<bool> {
        Ok(true)
    }

    fn peer_count(&self) -> RpcResult<U64> {
        Ok(U64::ZERO)
    }
}

impl EthNodeApiServer for RpcHandler {
    fn chain_id(&self) -> RpcResult<U64> {
        Ok(U64::from(self.ctx.config.chain.chain_id))
    }

    fn syncing(&self) -> RpcResult<SyncStatus> {
        Ok(SyncStatus::None)
    }

    fn accounts(&self) -> RpcResult<Vec<Address>> {
        Ok(vec![])
    }

    fn coinbase(&self) -> RpcResult<Address> {
        Ok(self.ctx.config.genesis.fee_vault)
    }

    fn mining(&self) -> RpcResult<bool> {
        Ok(false)
    }

    fn hashrate(&self) -> RpcResult<U64> {
        Ok(U64::ZERO)
    }

    fn config(&self) -> RpcResult<EthConfig> {
        let genesis = self
            .reader()?
            .block_hash(0)
            .map_err(internal)?
            .ok_or_else(|| internal("the chain has no genesis"))?;
        Ok(self.ctx.chain.eth_config(genesis))
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn syncing_is_false() {
        assert_eq!(serde_json::to_value(SyncStatus::None).unwrap(), json!(false));
    }
}
