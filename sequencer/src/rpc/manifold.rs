//! `manifold_*`: the VM-neutral methods — where the node stands (`manifold_syncStatus`), and
//! transactions of any engine the chain runs, by their tagged encoding `kind ‖ payload`
//! (`manifold_sendTransaction`, `manifold_transactionStatus`).

use alloy_primitives::{B256, Bytes, U64};
use jsonrpsee::proc_macros::rpc;
use serde::Serialize;

use super::{
    errors::{RpcResult, internal, pool_error, server_error},
    eth::head_number,
    handler::RpcHandler,
};

/// `manifold_syncStatus` result: the three heads, where the node stands on DA, and a
/// follower's divergence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct HeadsStatus {
    /// What the node is: `sequencer`, `follower` or `devchain`.
    pub(crate) role: crate::NodeRole,
    /// Sealed (sequencer) or derived (follower) head.
    #[serde(rename = "unsafe")]
    pub(crate) unsafe_head: U64,
    /// Highest block on DA.
    pub(crate) safe: U64,
    /// Highest block final on DA (settlement on L1, once it exists, will take over).
    pub(crate) finalized: U64,
    /// Highest DA height posted to (sequencer) or fully read (follower).
    pub(crate) da_height: U64,
    /// Latest DA head the node has seen (a follower; 0 on a sequencer).
    pub(crate) da_head: U64,
    /// How far behind the node is: a sequencer's sealed blocks not yet on DA, a follower's
    /// DA heights not yet read.
    pub(crate) lag: U64,
    /// Where a follower's re-execution diverged from DA, if it did; it stopped there.
    pub(crate) divergence: Option<crate::Divergence>,
}

/// Where a transaction of any engine is: pooled, or in a block.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct TransactionStatus {
    /// Its engine (`evm`, …).
    pub(crate) kind: String,
    /// `pending` (in the pool) or `included` (in a sealed block).
    pub(crate) status: &'static str,
    /// The block that includes it.
    pub(crate) block_number: Option<U64>,
    /// That block's hash.
    pub(crate) block_hash: Option<B256>,
    /// Its position in the block, counting transactions of every engine.
    pub(crate) index: Option<U64>,
    /// Whether it succeeded (its receipt's status).
    pub(crate) success: Option<bool>,
}

/// `manifold_*`.
#[rpc(server, namespace = "manifold")]
pub(crate) trait ManifoldApi {
    /// The unsafe (sealed), safe and finalized heads.
    #[method(name = "syncStatus")]
    fn sync_status(&self) -> RpcResult<HeadsStatus>;

    /// Admits a tagged transaction (`kind ‖ payload`) of any engine the chain runs; returns
    /// its hash once it is journaled.
    #[method(name = "sendTransaction")]
    async fn send_transaction(&self, tagged: Bytes) -> RpcResult<B256>;

    /// Where transaction `hash` is: pooled, in a block, or unknown (`null`).
    #[method(name = "transactionStatus")]
    async fn transaction_status(&self, hash: B256) -> RpcResult<Option<TransactionStatus>>;
}

#[jsonrpsee::core::async_trait]
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

    async fn send_transaction(&self, tagged: Bytes) -> RpcResult<B256> {
        self.refuse_on_follower()?;
        self.ctx.mempool.submit(tagged).await.map_err(|e| pool_error(&e))
    }

    async fn transaction_status(&self, hash: B256) -> RpcResult<Option<TransactionStatus>> {
        // Store, pool, store again: a transaction sealed in between is never missed.
        if let Some(status) = self.sealed_status(hash)? {
            return Ok(Some(status));
        }
        if let Some(tx) = self.ctx.mempool.get(&hash) {
            return Ok(Some(TransactionStatus {
                kind: tx.kind().to_string(),
                status: "pending",
                block_number: None,
                block_hash: None,
                index: None,
                success: None,
            }));
        }
        self.sealed_status(hash)
    }
}

impl RpcHandler {
    /// Refuses transactions on a follower, which derives the chain from DA.
    pub(crate) fn refuse_on_follower(&self) -> RpcResult<()> {
        if self.ctx.sync.role() == crate::NodeRole::Follower {
            return Err(server_error(
                "this node is a follower: it derives the chain from DA and accepts no \
                 transactions; send them to the sequencer",
            ));
        }
        Ok(())
    }

    fn sealed_status(&self, hash: B256) -> RpcResult<Option<TransactionStatus>> {
        let reader = self.reader()?;
        let Some((number, index)) = reader.transaction_location(hash).map_err(internal)? else {
            return Ok(None);
        };
        let Some(block) = reader.block(number).map_err(internal)? else { return Ok(None) };
        let index = index as usize;
        let (Some(tx), Some(receipt)) = (block.transactions.get(index), block.receipts.get(index))
        else {
            return Err(internal(format!("block {number} lacks its transaction {index}")));
        };
        Ok(Some(TransactionStatus {
            kind: tx.kind().to_string(),
            status: "included",
            block_number: Some(U64::from(number)),
            block_hash: Some(block.hash),
            index: Some(U64::from(index)),
            success: Some(receipt.success()),
        }))
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
}
