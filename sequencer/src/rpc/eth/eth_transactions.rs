//! Transactions: `eth_sendRawTransaction` into the pool, lookups of sealed and pooled
//! transactions, and receipts.
//!
//! A lookup reads the store, then the pool, then the store again: a transaction sealed
//! between the first two reads has left the pool but is in the second snapshot, so a known
//! hash is never reported missing.

use std::sync::Arc;

use alloy_eips::{BlockId, BlockNumberOrTag};
use alloy_primitives::{B256, Bytes};
use alloy_rpc_types_eth::{Index, Transaction, TransactionReceipt};
use execution::{RecoveredTx, SealedBlock};

use super::{
    api::EthTransactionsApiServer,
    convert::{TxPlace, rpc_receipt, rpc_transaction},
    errors::{RpcResult, internal, pool_error},
    handler::RpcHandler,
};

/// Where a looked-up transaction is.
enum Found {
    /// Sealed: its block and its index there.
    Sealed(Box<SealedBlock>, usize),
    /// In the pool.
    Pooled(Arc<RecoveredTx>),
}

impl RpcHandler {
    /// The sealed block and index of transaction `hash`, from a fresh snapshot.
    fn sealed_transaction(&self, hash: B256) -> RpcResult<Option<(SealedBlock, usize)>> {
        let reader = self.reader()?;
        let Some((number, index)) = reader.transaction_location(hash).map_err(internal)? else {
            return Ok(None);
        };
        Ok(Self::block(&reader, number)?.map(|block| (block, index as usize)))
    }

    /// Finds transaction `hash` in the store or the pool.
    fn find_transaction(&self, hash: B256) -> RpcResult<Option<Found>> {
        if let Some((block, index)) = self.sealed_transaction(hash)? {
            return Ok(Some(Found::Sealed(Box::new(block), index)));
        }
        if let Some(tx) = self.ctx.mempool.get(&hash) {
            return Ok(Some(Found::Pooled(tx)));
        }
        Ok(self
            .sealed_transaction(hash)?
            .map(|(block, index)| Found::Sealed(Box::new(block), index)))
    }

    /// Transaction `index` of `block` as an RPC object.
    fn transaction_in(block: &SealedBlock, index: usize) -> Option<Transaction> {
        let tx = block.transactions.get(index)?;
        let place = TxPlace { header: &block.header, hash: block.hash, index };
        Some(rpc_transaction(tx, Some(place)))
    }

    /// Transaction `index` of block `id`.
    fn transaction_at(&self, id: BlockId, index: Index) -> RpcResult<Option<Transaction>> {
        let block = self.block_by_id(id)?;
        Ok(block.and_then(|b| Self::transaction_in(&b, index.0)))
    }
}

#[jsonrpsee::core::async_trait]
impl EthTransactionsApiServer for RpcHandler {
    async fn send_raw_transaction(&self, raw: Bytes) -> RpcResult<B256> {
        if self.ctx.sync.role() == crate::NodeRole::Follower {
            return Err(super::errors::server_error(
                "this node is a follower: it derives the chain from DA and accepts no \
                 transactions; send them to the sequencer"
                    .to_owned(),
            ));
        }
        self.ctx.mempool.submit(raw).await.map_err(|e| pool_error(&e))
    }

    async fn transaction_by_hash(&self, hash: B256) -> RpcResult<Option<Transaction>> {
        Ok(match self.find_transaction(hash)? {
            Some(Found::Sealed(block, index)) => Self::transaction_in(&block, index),
            Some(Found::Pooled(tx)) => Some(rpc_transaction(&tx, None)),
            None => None,
        })
    }

    async fn raw_transaction_by_hash(&self, hash: B256) -> RpcResult<Option<Bytes>> {
        Ok(match self.find_transaction(hash)? {
            Some(Found::Sealed(block, index)) => {
                block.transactions.get(index).map(|tx| tx.encoded.clone())
            }
            Some(Found::Pooled(tx)) => Some(tx.encoded.clone()),
            None => None,
        })
    }

    async fn transaction_by_block_hash_and_index(
        &self,
        hash: B256,
        index: Index,
    ) -> RpcResult<Option<Transaction>> {
        self.transaction_at(BlockId::hash(hash), index)
    }

    async fn transaction_by_block_number_and_index(
        &self,
        block: BlockNumberOrTag,
        index: Index,
    ) -> RpcResult<Option<Transaction>> {
        self.transaction_at(block.into(), index)
    }

    async fn transaction_receipt(&self, hash: B256) -> RpcResult<Option<TransactionReceipt>> {
        let Some((block, index)) = self.sealed_transaction(hash)? else { return Ok(None) };
        Ok(rpc_receipt(&block, index))
    }
}
