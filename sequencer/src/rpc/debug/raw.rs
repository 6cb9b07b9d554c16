//! `debug_getRawHeader`, `debug_getRawBlock`, `debug_getRawReceipts`,
//! `debug_getRawTransaction`: the bytes geth gives — a block's RLP header (which hashes to
//! the block hash `eth_getBlockByNumber` shows), the RLP block of the Ethereum view
//! (header, EVM transactions, no ommers, the empty withdrawals list the header's
//! `withdrawalsRoot` commits to), each EVM receipt's EIP-2718 bytes, a transaction's EIP-2718
//! bytes.
//!
//! Missing data answers as geth does: a block number above the head is `0x` (receipts:
//! `null`), an unknown block hash is geth's `header #<hash bytes> not found` (its `%d` of a
//! hash) or, for receipts, `[]`; an unknown transaction is `0x`.

use alloy_consensus::{Block, BlockBody, Header, TxEnvelope};
use alloy_eips::{BlockId, eip2718::Encodable2718, eip4895::Withdrawals};
use alloy_primitives::{B256, Bytes};
use execution::StoreReader;

use super::{
    errors::{RpcResult, internal, server_error},
    handler::RpcHandler,
};
use crate::rpc::eth::{EthBlock, api::EthTransactionsApiServer, resolve_block};

/// geth's rendering of a hash with `%d`: its 32 bytes in decimal, as Go prints an array.
fn go_decimal(hash: B256) -> String {
    let bytes: Vec<String> = hash.iter().map(u8::to_string).collect();
    format!("[{}]", bytes.join(" "))
}

/// The Ethereum view of the block `id` names: `Ok(None)` for a number above the head, geth's
/// `<what> #<hash> not found` for an unknown hash.
fn find_block(
    reader: &StoreReader,
    heads: &crate::Heads,
    id: BlockId,
    what: &str,
) -> RpcResult<Option<EthBlock>> {
    let Some(number) = resolve_block(reader, heads, id)? else {
        return match id {
            BlockId::Hash(hash) => {
                Err(server_error(format!("{what} #{} not found", go_decimal(hash.block_hash))))
            }
            BlockId::Number(_) => Ok(None),
        };
    };
    let block = reader.block(number).map_err(internal)?;
    Ok(block.map(EthBlock::from))
}

/// The RLP of `header`.
fn header_rlp(header: &Header) -> Bytes {
    Bytes::from(alloy_rlp::encode(header))
}

/// The RLP of `block`: its header, its EVM transactions, no ommers, no withdrawals.
fn block_rlp(block: EthBlock) -> Bytes {
    let transactions: Vec<TxEnvelope> =
        block.transactions.into_iter().map(|tx| tx.envelope).collect();
    let body =
        BlockBody { transactions, ommers: Vec::new(), withdrawals: Some(Withdrawals::default()) };
    Bytes::from(alloy_rlp::encode(Block { header: block.header, body }))
}

impl RpcHandler {
    /// `debug_getRawHeader`.
    pub(super) async fn debug_raw_header(&self, id: BlockId) -> RpcResult<Bytes> {
        self.blocking(move |this| {
            let reader = this.reader()?;
            let block = find_block(&reader, &this.ctx.heads, id, "header")?;
            Ok(block.map(|block| header_rlp(&block.header)).unwrap_or_default())
        })
        .await
    }

    /// `debug_getRawBlock`.
    pub(super) async fn debug_raw_block(&self, id: BlockId) -> RpcResult<Bytes> {
        self.blocking(move |this| {
            let reader = this.reader()?;
            Ok(find_block(&reader, &this.ctx.heads, id, "block")?
                .map(block_rlp)
                .unwrap_or_default())
        })
        .await
    }

    /// `debug_getRawReceipts`.
    pub(super) async fn debug_raw_receipts(&self, id: BlockId) -> RpcResult<Option<Vec<Bytes>>> {
        self.blocking(move |this| {
            let reader = this.reader()?;
            // geth reads receipts by hash: an unknown hash has none.
            if matches!(id, BlockId::Hash(_))
                && resolve_block(&reader, &this.ctx.heads, id)?.is_none()
            {
                return Ok(Some(Vec::new()));
            }
            let block = find_block(&reader, &this.ctx.heads, id, "block")?;
            Ok(block.map(|block| {
                block.receipts.iter().map(|receipt| Bytes::from(receipt.encoded_2718())).collect()
            }))
        })
        .await
    }

    /// `debug_getRawTransaction`.
    pub(super) async fn debug_raw_transaction(&self, hash: B256) -> RpcResult<Bytes> {
        Ok(EthTransactionsApiServer::raw_transaction_by_hash(self, hash).await?.unwrap_or_default())
    }
}

#[cfg(test)]
mod tests {
    use alloy_primitives::{Address, keccak256};
    use execution::{BlockEnv, block::build_header};

    use super::*;

    #[test]
    fn raw_header_hashes_to_the_block_hash() {
        let env = BlockEnv {
            number: 3,
            timestamp: 1_700_000_000,
            parent_hash: B256::repeat_byte(1),
            gas_limit: 30_000_000,
            base_fee_per_gas: 7,
            beneficiary: Address::repeat_byte(2),
            prevrandao: B256::repeat_byte(1),
        };
        let header = build_header(&env, B256::repeat_byte(4), &[], &[], 0, Bytes::new());
        assert_eq!(keccak256(header_rlp(&header)), header.hash_slow());
    }

    #[test]
    fn raw_block_is_header_then_body_lists() {
        let env = BlockEnv {
            number: 1,
            timestamp: 1,
            parent_hash: B256::ZERO,
            gas_limit: 30_000_000,
            base_fee_per_gas: 1,
            beneficiary: Address::ZERO,
            prevrandao: B256::ZERO,
        };
        let header = build_header(&env, B256::ZERO, &[], &[], 0, Bytes::new());
        let hash = header.hash_slow();
        let raw = block_rlp(EthBlock {
            header: header.clone(),
            hash,
            transactions: vec![],
            receipts: vec![],
        });
        let decoded: Block<TxEnvelope> = alloy_rlp::Decodable::decode(&mut raw.as_ref()).unwrap();
        assert_eq!(decoded.header.hash_slow(), hash);
        assert!(decoded.body.transactions.is_empty() && decoded.body.ommers.is_empty());
        assert_eq!(decoded.body.withdrawals, Some(Withdrawals::default()));
    }

    #[test]
    fn hashes_print_as_go_prints_them_with_percent_d() {
        let mut hash = B256::ZERO;
        hash.0[0] = 18;
        hash.0[31] = 255;
        let text = go_decimal(hash);
        assert!(text.starts_with("[18 0 0 ") && text.ends_with(" 0 255]"), "{text}");
    }
}
