//! `EthBlock`: a sealed block as Ethereum clients see it — its header and its EVM
//! transactions with their receipts, numbered among themselves. Transactions of other engines
//! are not listed: the header's Ethereum roots (`transactionsRoot`, `receiptsRoot`,
//! `logsBloom`, `gasUsed`) are computed over the EVM transactions alone, and the block commits
//! to the others through `extraData` (see `execution::block::sealed`), so what this view
//! lists checks against the header as on Ethereum.

use alloy_consensus::{Header, ReceiptEnvelope};
use alloy_primitives::B256;
use execution::{SealedBlock, StoreReader, evm::EvmTx};

use crate::rpc::errors::{RpcResult, internal};

/// A block's Ethereum view.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct EthBlock {
    /// The header.
    pub(crate) header: Header,
    /// Its hash.
    pub(crate) hash: B256,
    /// The block's EVM transactions, in block order.
    pub(crate) transactions: Vec<EvmTx>,
    /// Their receipts.
    pub(crate) receipts: Vec<ReceiptEnvelope>,
}

impl From<SealedBlock> for EthBlock {
    fn from(block: SealedBlock) -> Self {
        let (transactions, receipts) =
            block.evm_transactions().map(|(tx, receipt)| (tx.clone(), receipt.clone())).unzip();
        Self { header: block.header, hash: block.hash, transactions, receipts }
    }
}

/// The index among the EVM transactions of `block` of its transaction at `position`, if that
/// is an EVM transaction.
pub(crate) fn eth_index(block: &SealedBlock, position: usize) -> Option<usize> {
    block.transactions.get(position)?.as_evm()?;
    Some(block.transactions[..position].iter().filter(|tx| tx.as_evm().is_some()).count())
}

/// Block `number` of `reader`'s snapshot as Ethereum clients see it, if it exists.
pub(crate) fn eth_block(reader: &StoreReader, number: u64) -> RpcResult<Option<EthBlock>> {
    Ok(reader.block(number).map_err(internal)?.map(EthBlock::from))
}
