//! Transactions: `eth_sendRawTransaction` into the pool, lookups of sealed and pooled
//! transactions, and receipts.
//!
//! A lookup reads the store, then the pool, then the store again: a transaction sealed
//! between the first two reads has left the pool but is in the second snapshot, so a known
//! hash is never reported missing. Transactions of other engines are not Ethereum
//! transactions: their hashes are unknown here (see `manifold_transactionStatus`).

use alloy_eips::{BlockId, BlockNumberOrTag};
use alloy_primitives::{B256, Bytes};
use alloy_rpc_types_eth::{Index, Transaction, TransactionReceipt};
use execution::{EngineKind, evm::EvmTx};

use super::{
    api::EthTransactionsApiServer,
    convert::{TxPlace, rpc_receipt, rpc_transaction},
    errors::{RpcResult, internal, pool_error},
    eth_block::{EthBlock, eth_index},
    handler::RpcHandler,
};

/// Where a looked-up EVM transaction is.
enum Found {
    /// Sealed: its block (Ethereum view) and its index there.
    Sealed(Box<EthBlock>, usize),
    /// In the pool.
    Pooled(Box<EvmTx>),
}

impl RpcHandler {
    /// The sealed block and index (among the block's EVM transactions) of the EVM transaction
    /// `hash`, from a fresh snapshot.
    fn sealed_transaction(&self, hash: B256) -> RpcResult<Option<(EthBlock, usize)>> {
        let reader = self.reader()?;
        let Some((number, position)) = reader.transaction_location(hash).map_err(internal)? else {
            return Ok(None);
        };
        let Some(block) = reader.block(number).map_err(internal)? else { return Ok(None) };
        Ok(eth_index(&block, position as usize).map(|index| (EthBlock::from(block), index)))
    }

    /// Finds the EVM transaction `hash` in the store or the pool.
    fn find_transaction(&self, hash: B256) -> RpcResult<Option<Found>> {
        if let Some((block, index)) = self.sealed_transaction(hash)? {
            return Ok(Some(Found::Sealed(Box::new(block), index)));
        }
        if let Some(tx) = self.ctx.mempool.get(&hash).and_then(|tx| tx.as_evm().cloned()) {
            return Ok(Some(Found::Pooled(Box::new(tx))));
        }
        Ok(self
            .sealed_transaction(hash)?
            .map(|(block, index)| Found::Sealed(Box::new(block), index)))
    }

    /// Transaction `index` of `block` as an RPC object.
    fn transaction_in(block: &EthBlock, index: usize) -> Option<Transaction> {
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
        self.refuse_on_follower()?;
        self.ctx.mempool.submit_payload(EngineKind::Evm, raw).await.map_err(|e| pool_error(&e))
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
