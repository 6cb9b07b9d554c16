//! Block queries: `eth_blockNumber`, `eth_getBlockBy*`, transaction and uncle counts,
//! `eth_getBlockReceipts`. Unknown blocks are `null`, as in geth.

use alloy_eips::{BlockId, BlockNumberOrTag};
use alloy_primitives::{B256, U64};
use alloy_rpc_types_eth::{Block, Index, TransactionReceipt};
use execution::StoreReader;

use super::{
    api::EthBlocksApiServer,
    block_id::{head_number, resolve_block, resolve_hash, resolve_tag},
    convert::{rpc_block, rpc_receipts},
    errors::{RpcResult, internal},
    eth_block::{EthBlock, eth_block},
    handler::RpcHandler,
};

impl RpcHandler {
    /// The existing block `id` means, read from one snapshot.
    pub(crate) fn block_by_id(&self, id: BlockId) -> RpcResult<Option<EthBlock>> {
        let reader = self.reader()?;
        match resolve_block(&reader, &self.ctx.heads, id)? {
            Some(number) => eth_block(&reader, number),
            None => Ok(None),
        }
    }

    /// Number of EVM transactions of block `number`, if it exists.
    fn transaction_count_of(reader: &StoreReader, number: Option<u64>) -> RpcResult<Option<U64>> {
        let Some(number) = number else { return Ok(None) };
        let txs = reader.transactions(number).map_err(internal)?;
        Ok(txs.map(|txs| U64::from(txs.iter().filter(|tx| tx.as_evm().is_some()).count())))
    }

    /// Zero uncles for an existing block, `None` for an unknown one.
    fn uncle_count_of(number: Option<u64>) -> Option<U64> {
        number.map(|_| U64::ZERO)
    }
}

#[jsonrpsee::core::async_trait]
impl EthBlocksApiServer for RpcHandler {
    fn block_number(&self) -> RpcResult<U64> {
        Ok(U64::from(head_number(&self.reader()?)?))
    }

    async fn block_by_number(
        &self,
        block: BlockNumberOrTag,
        full: Option<bool>,
    ) -> RpcResult<Option<Block>> {
        let block = self.block_by_id(block.into())?;
        Ok(block.map(|b| rpc_block(&b, full.unwrap_or(false))))
    }

    async fn block_by_hash(&self, hash: B256, full: Option<bool>) -> RpcResult<Option<Block>> {
        let block = self.block_by_id(BlockId::hash(hash))?;
        Ok(block.map(|b| rpc_block(&b, full.unwrap_or(false))))
    }

    async fn block_transaction_count_by_number(
        &self,
        block: BlockNumberOrTag,
    ) -> RpcResult<Option<U64>> {
        let reader = self.reader()?;
        let number = resolve_tag(&reader, &self.ctx.heads, block)?;
        Self::transaction_count_of(&reader, number)
    }

    async fn block_transaction_count_by_hash(&self, hash: B256) -> RpcResult<Option<U64>> {
        let reader = self.reader()?;
        let number = resolve_hash(&reader, hash)?;
        Self::transaction_count_of(&reader, number)
    }

    async fn uncle_count_by_number(&self, block: BlockNumberOrTag) -> RpcResult<Option<U64>> {
        let reader = self.reader()?;
        Ok(Self::uncle_count_of(resolve_tag(&reader, &self.ctx.heads, block)?))
    }

    async fn uncle_count_by_hash(&self, hash: B256) -> RpcResult<Option<U64>> {
        let reader = self.reader()?;
        Ok(Self::uncle_count_of(resolve_hash(&reader, hash)?))
    }

    async fn uncle_by_number_and_index(
        &self,
        _block: BlockNumberOrTag,
        _index: Index,
    ) -> RpcResult<Option<Block>> {
        Ok(None)
    }

    async fn uncle_by_hash_and_index(
        &self,
        _hash: B256,
        _index: Index,
    ) -> RpcResult<Option<Block>> {
        Ok(None)
    }

    async fn block_receipts(&self, block: BlockId) -> RpcResult<Option<Vec<TransactionReceipt>>> {
        Ok(self.block_by_id(block)?.map(|b| rpc_receipts(&b)))
    }
}
