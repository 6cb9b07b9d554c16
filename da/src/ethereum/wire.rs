//! The few fields of Ethereum JSON-RPC answers the backend reads, as lenient serde types.
//!
//! Blocks, transactions and receipts are decoded into these rather than into alloy's full
//! Ethereum types, so an L1 that serves extra fields or transaction types alloy does not
//! know (an OP-stack L2 used as L1, a custom dev node) is read all the same: unknown fields
//! are ignored, and only `from`, `to` and `input` of a transaction matter.

use alloy::primitives::{Address, Bytes, U64, U128};
use serde::Deserialize;

/// `eth_getBlockByNumber(n, true)`: a block with its transactions.
#[derive(Debug, Clone, Deserialize)]
pub(super) struct BlockWithTxs {
    /// Block number.
    pub(super) number: U64,
    /// Transactions, in block order.
    pub(super) transactions: Vec<BlockTx>,
}

/// One transaction of a [`BlockWithTxs`].
#[derive(Debug, Clone, Deserialize)]
pub(super) struct BlockTx {
    /// The sender, as the node recovered it.
    pub(super) from: Address,
    /// The recipient; `None` for a contract creation.
    #[serde(default)]
    pub(super) to: Option<Address>,
    /// The calldata (some old nodes call it `data`).
    #[serde(alias = "data")]
    pub(super) input: Bytes,
}

/// `eth_getBlockByNumber("latest", false)`: the fields fee estimation needs.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct BlockHeader {
    /// Block number.
    pub(super) number: U64,
    /// EIP-1559 base fee; absent on an L1 without London.
    #[serde(default)]
    pub(super) base_fee_per_gas: Option<U128>,
}

/// `eth_getTransactionReceipt`: where a transaction was included.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct ReceiptLocation {
    /// Including block's number (`null` on nodes that answer for pending transactions).
    #[serde(default)]
    pub(super) block_number: Option<U64>,
}

impl ReceiptLocation {
    /// The including block's number, if the transaction is in a block.
    pub(super) fn height(&self) -> Option<u64> {
        self.block_number.map(|n| n.to::<u64>())
    }
}

#[cfg(test)]
mod tests {
    use alloy::primitives::address;

    use super::*;

    #[test]
    fn reads_a_block_with_unknown_fields_and_a_creation() {
        let json = r#"{
            "number": "0x2a", "hash": "0x1111111111111111111111111111111111111111111111111111111111111111",
            "somethingNew": [1, 2],
            "transactions": [
                {"type": "0x7e", "from": "0x00000000000000000000000000000000000000aa",
                 "to": "0xff00000000000000000000000000000000000901", "input": "0x0102", "mint": "0x1"},
                {"type": "0x2", "from": "0x00000000000000000000000000000000000000bb", "to": null, "input": "0x"}
            ]
        }"#;
        let block: BlockWithTxs = serde_json::from_str(json).unwrap();
        assert_eq!(block.number.to::<u64>(), 42);
        assert_eq!(block.transactions.len(), 2);
        assert_eq!(
            block.transactions[0].to,
            Some(address!("0xff00000000000000000000000000000000000901"))
        );
        assert_eq!(block.transactions[0].input.as_ref(), &[1, 2]);
        assert_eq!(block.transactions[1].to, None);
    }

    #[test]
    fn reads_a_header_with_and_without_base_fee() {
        let h: BlockHeader =
            serde_json::from_str(r#"{"number": "0x1", "baseFeePerGas": "0x3b9aca00"}"#).unwrap();
        assert_eq!(h.base_fee_per_gas.map(|f| f.to::<u128>()), Some(1_000_000_000));
        let pre_london: BlockHeader = serde_json::from_str(r#"{"number": "0x1"}"#).unwrap();
        assert_eq!(pre_london.base_fee_per_gas, None);
    }

    #[test]
    fn a_receipt_without_block_is_not_included() {
        let hash = "0x2222222222222222222222222222222222222222222222222222222222222222";
        let pending: ReceiptLocation = serde_json::from_str(&format!(
            r#"{{"transactionHash": "{hash}", "blockNumber": null}}"#
        ))
        .unwrap();
        assert_eq!(pending.height(), None);
        let mined: ReceiptLocation = serde_json::from_str(&format!(
            r#"{{"transactionHash": "{hash}", "blockNumber": "0x10", "status": "0x1"}}"#
        ))
        .unwrap();
        assert_eq!(mined.height(), Some(16));
    }
}
