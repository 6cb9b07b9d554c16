//! Node and chain information: `web3_*`, `net_*`, the constant `eth_*` answers of a node
//! that neither mines nor syncs nor holds keys, and `manifold_syncStatus`.

use alloy_primitives::{Address, B256, Bytes, U64, keccak256};
use alloy_rpc_types_eth::SyncStatus;

use super::{
    api::{EthNodeApiServer, HeadsStatus, ManifoldApiServer, NetApiServer, Web3ApiServer},
    block_id::head_number,
    errors::RpcResult,
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
}

impl ManifoldApiServer for RpcHandler {
    fn sync_status(&self) -> RpcResult<HeadsStatus> {
        let head = head_number(&self.reader()?)?;
        let sync = &self.ctx.sync;
        let safe = self.ctx.heads.safe();
        let lag = match sync.role() {
            crate::NodeRole::Follower => sync.da_head().saturating_sub(sync.da_height()),
            _ => head.saturating_sub(safe),
        };
        Ok(HeadsStatus {
            role: sync.role(),
            unsafe_head: U64::from(head),
            safe: U64::from(safe),
            finalized: U64::from(self.ctx.heads.finalized()),
            da_height: U64::from(sync.da_height()),
            da_head: U64::from(sync.da_head()),
            lag: U64::from(lag),
            divergence: sync.divergence(),
        })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn heads_status_shape() {
        let status = HeadsStatus {
            role: crate::NodeRole::Follower,
            unsafe_head: U64::from(10),
            safe: U64::from(8),
            finalized: U64::ZERO,
            da_height: U64::from(3),
            da_head: U64::from(5),
            lag: U64::from(2),
            divergence: None,
        };
        assert_eq!(
            serde_json::to_value(status).unwrap(),
            json!({"role": "follower", "unsafe": "0xa", "safe": "0x8", "finalized": "0x0",
                   "daHeight": "0x3", "daHead": "0x5", "lag": "0x2", "divergence": null})
        );
    }

    #[test]
    fn syncing_is_false() {
        assert_eq!(serde_json::to_value(SyncStatus::None).unwrap(), json!(false));
    }
}
