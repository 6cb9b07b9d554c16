//! A block's Ethereum view → alloy RPC types (`Block`, `Transaction`, `TransactionReceipt`,
//! `Log`), which serialize to the shapes of the Ethereum execution-apis spec.

use alloy_consensus::{Header, ReceiptEnvelope, Transaction as _, transaction::Recovered};
use alloy_eips::eip4895::Withdrawals;
use alloy_primitives::{B256, U256};
use alloy_rlp::Encodable as _;
use alloy_rpc_types_eth::{
    Block, BlockTransactions, Header as RpcHeader, Log, Transaction, TransactionReceipt,
};
use execution::evm::EvmTx;

use super::eth_block::EthBlock;

/// Where a transaction sits in a sealed block.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TxPlace<'a> {
    /// The block's header.
    pub(crate) header: &'a Header,
    /// The block's hash.
    pub(crate) hash: B256,
    /// Index of the transaction in the block.
    pub(crate) index: usize,
}

/// The RPC transaction object; `place` is `None` for a pooled transaction (null block fields,
/// `gasPrice` = its fee cap).
pub(crate) fn rpc_transaction(tx: &EvmTx, place: Option<TxPlace<'_>>) -> Transaction {
    let base_fee = place.and_then(|p| p.header.base_fee_per_gas);
    Transaction {
        inner: Recovered::new_unchecked(tx.envelope.clone(), tx.sender),
        block_hash: place.map(|p| p.hash),
        block_number: place.map(|p| p.header.number),
        transaction_index: place.map(|p| p.index as u64),
        effective_gas_price: Some(tx.envelope.effective_gas_price(base_fee)),
        block_timestamp: None,
    }
}

/// RLP size of the block as Ethereum encodes it (header, transactions, no ommers, empty
/// withdrawals): the `size` field.
pub(crate) fn block_size(block: &EthBlock) -> u64 {
    let txs_payload: usize = block.transactions.iter().map(|tx| tx.envelope.length()).sum();
    let txs = txs_payload + alloy_rlp::length_of_length(txs_payload);
    // Ommers and withdrawals are empty lists (one byte each).
    let payload = block.header.length() + txs + 1 + 1;
    (payload + alloy_rlp::length_of_length(payload)) as u64
}

/// The RPC header (as `newHeads` sends it): the consensus header with its hash.
pub(crate) fn rpc_header(header: &Header, hash: B256) -> RpcHeader {
    RpcHeader { hash, inner: header.clone(), total_difficulty: None, size: None }
}

/// The RPC block: transaction hashes, or full transaction objects when `full`.
pub(crate) fn rpc_block(block: &EthBlock, full: bool) -> Block {
    let transactions = if full {
        BlockTransactions::Full(
            block
                .transactions
                .iter()
                .enumerate()
                .map(|(index, tx)| {
                    let place = TxPlace { header: &block.header, hash: block.hash, index };
                    rpc_transaction(tx, Some(place))
                })
                .collect(),
        )
    } else {
        BlockTransactions::Hashes(block.transactions.iter().map(|tx| tx.hash).collect())
    };
    let header = RpcHeader {
        hash: block.hash,
        inner: block.header.clone(),
        total_difficulty: Some(U256::ZERO),
        size: Some(U256::from(block_size(block))),
    };
    Block { header, uncles: vec![], transactions, withdrawals: Some(Withdrawals::default()) }
}

/// An RPC log of a sealed block.
fn rpc_log(
    log: alloy_primitives::Log,
    header: &Header,
    block_hash: B256,
    tx: &EvmTx,
    tx_index: usize,
    log_index: usize,
) -> Log {
    Log {
        inner: log,
        block_hash: Some(block_hash),
        block_number: Some(header.number),
        block_timestamp: Some(header.timestamp),
        transaction_hash: Some(tx.hash),
        transaction_index: Some(tx_index as u64),
        log_index: Some(log_index as u64),
        removed: false,
    }
}

/// Every log of a block, in order, with block-wide log indices. `keep` selects logs before
/// they are converted.
pub(crate) fn block_logs(
    header: &Header,
    block_hash: B256,
    transactions: &[EvmTx],
    receipts: &[ReceiptEnvelope],
    mut keep: impl FnMut(&alloy_primitives::Log) -> bool,
) -> Vec<Log> {
    let mut out = Vec::new();
    let mut log_index = 0usize;
    for (tx_index, (tx, receipt)) in transactions.iter().zip(receipts).enumerate() {
        for log in receipt.logs() {
            if keep(log) {
                out.push(rpc_log(log.clone(), header, block_hash, tx, tx_index, log_index));
            }
            log_index += 1;
        }
    }
    out
}

/// The receipt of transaction `index` of `block`, `None` if there is none.
pub(crate) fn rpc_receipt(block: &EthBlock, index: usize) -> Option<TransactionReceipt> {
    let tx = block.transactions.get(index)?;
    let receipt = block.receipts.get(index)?;
    let first_log: usize = block.receipts[..index].iter().map(|r| r.logs().len()).sum();
    let gas_before = match index {
        0 => 0,
        _ => block.receipts[index - 1].cumulative_gas_used(),
    };
    Some(build_receipt(block, tx, receipt, index, first_log, gas_before))
}

/// Every receipt of `block`, in order.
pub(crate) fn rpc_receipts(block: &EthBlock) -> Vec<TransactionReceipt> {
    let mut out = Vec::with_capacity(block.transactions.len());
    let mut first_log = 0;
    let mut gas_before = 0;
    for (index, (tx, receipt)) in block.transactions.iter().zip(&block.receipts).enumerate() {
        out.push(build_receipt(block, tx, receipt, index, first_log, gas_before));
        first_log += receipt.logs().len();
        gas_before = receipt.cumulative_gas_used();
    }
    out
}

fn build_receipt(
    block: &EthBlock,
    tx: &EvmTx,
    receipt: &ReceiptEnvelope,
    index: usize,
    first_log: usize,
    gas_before: u64,
) -> TransactionReceipt {
    let mut log_index = first_log;
    let inner = receipt.clone().map_logs(|log| {
        let log = rpc_log(log, &block.header, block.hash, tx, index, log_index);
        log_index += 1;
        log
    });
    let contract_address = tx.envelope.is_create().then(|| tx.sender.create(tx.envelope.nonce()));
    TransactionReceipt {
        inner,
        transaction_hash: tx.hash,
        transaction_index: Some(index as u64),
        block_hash: Some(block.hash),
        block_number: Some(block.header.number),
        gas_used: receipt.cumulative_gas_used().saturating_sub(gas_before),
        effective_gas_price: tx.envelope.effective_gas_price(block.header.base_fee_per_gas),
        blob_gas_used: None,
        blob_gas_price: None,
        from: tx.sender,
        to: tx.envelope.to(),
        contract_address,
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use alloy_consensus::{
        Eip658Value, Receipt, ReceiptWithBloom, SignableTransaction, TxEip1559, TxEnvelope,
        TxLegacy,
    };
    use alloy_eips::eip2718::Encodable2718;
    use alloy_network::TxSignerSync;
    use alloy_primitives::{Address, Bytes, LogData, TxKind, address, b256};
    use alloy_signer_local::PrivateKeySigner;
    use serde_json::{Value, json};

    use super::*;

    const KEY: B256 = b256!("0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318");

    pub(crate) fn signed_1559(nonce: u64, to: TxKind) -> EvmTx {
        let signer = PrivateKeySigner::from_bytes(&KEY).unwrap();
        let mut tx = TxEip1559 {
            chain_id: 901,
            nonce,
            gas_limit: 100_000,
            max_fee_per_gas: 3_000_000_000,
            max_priority_fee_per_gas: 1_000_000_000,
            to,
            value: U256::from(7),
            input: Bytes::from(vec![1, 2, 3]),
            ..Default::default()
        };
        let sig = signer.sign_transaction_sync(&mut tx).unwrap();
        let env: TxEnvelope = tx.into_signed(sig).into();
        EvmTx::decode(&env.encoded_2718()).unwrap()
    }

    fn signed_legacy(nonce: u64) -> EvmTx {
        let signer = PrivateKeySigner::from_bytes(&KEY).unwrap();
        let mut tx = TxLegacy {
            chain_id: Some(901),
            nonce,
            gas_price: 2_000_000_000,
            gas_limit: 21_000,
            to: TxKind::Call(Address::repeat_byte(9)),
            value: U256::from(1),
            input: Bytes::new(),
        };
        let sig = signer.sign_transaction_sync(&mut tx).unwrap();
        let env: TxEnvelope = tx.into_signed(sig).into();
        EvmTx::decode(&env.encoded_2718()).unwrap()
    }

    fn receipt(
        cumulative: u64,
        logs: Vec<alloy_primitives::Log>,
        eip1559: bool,
    ) -> ReceiptEnvelope {
        let receipt =
            Receipt { status: Eip658Value::Eip658(true), cumulative_gas_used: cumulative, logs };
        let with_bloom = ReceiptWithBloom::from(receipt);
        if eip1559 {
            ReceiptEnvelope::Eip1559(with_bloom)
        } else {
            ReceiptEnvelope::Legacy(with_bloom)
        }
    }

    fn log(address: Address, topic: B256) -> alloy_primitives::Log {
        alloy_primitives::Log {
            address,
            data: LogData::new_unchecked(vec![topic], Bytes::from(vec![0xaa])),
        }
    }

    /// A block 5 with a creation (1 log), a call (2 logs) and a legacy transfer.
    pub(crate) fn sample_block() -> EthBlock {
        let txs = vec![
            signed_1559(0, TxKind::Create),
            signed_1559(1, TxKind::Call(Address::repeat_byte(0x11))),
            signed_legacy(2),
        ];
        let receipts = vec![
            receipt(60_000, vec![log(Address::repeat_byte(1), B256::repeat_byte(0xa1))], true),
            receipt(
                90_000,
                vec![
                    log(Address::repeat_byte(2), B256::repeat_byte(0xa2)),
                    log(Address::repeat_byte(3), B256::repeat_byte(0xa3)),
                ],
                true,
            ),
            receipt(111_000, vec![], false),
        ];
        let env = execution::BlockEnv {
            number: 5,
            timestamp: 1_700_000_000,
            parent_hash: B256::repeat_byte(0x55),
            gas_limit: 30_000_000,
            base_fee_per_gas: 1_000_000_000,
            beneficiary: Address::repeat_byte(0xfe),
            prevrandao: B256::repeat_byte(0x55),
        };
        let header = execution::block::build_header(
            &env,
            B256::repeat_byte(0x77),
            &txs.iter().cloned().map(execution::Transaction::Evm).collect::<Vec<_>>(),
            &receipts.iter().cloned().map(execution::Receipt::Evm).collect::<Vec<_>>(),
            111_000,
            Bytes::new(),
        );
        EthBlock { hash: header.hash_slow(), header, transactions: txs, receipts }
    }

    /// [`sample_block`] as the store seals it (every transaction an EVM one).
    pub(crate) fn sample_sealed_block() -> execution::SealedBlock {
        let block = sample_block();
        execution::SealedBlock {
            header: block.header,
            hash: block.hash,
            transactions: block.transactions.into_iter().map(execution::Transaction::Evm).collect(),
            receipts: block.receipts.into_iter().map(execution::Receipt::Evm).collect(),
        }
    }

    #[test]
    fn block_size_matches_consensus_encoding() {
        let block = sample_block();
        let consensus = alloy_consensus::Block {
            header: block.header.clone(),
            body: alloy_consensus::BlockBody {
                transactions: block.transactions.iter().map(|t| t.envelope.clone()).collect(),
                ommers: vec![],
                withdrawals: Some(Withdrawals::default()),
            },
        };
        assert_eq!(block_size(&block), alloy_rlp::encode(&consensus).len() as u64);
    }

    #[test]
    fn block_has_post_cancun_shape() {
        let block = sample_block();
        let json = serde_json::to_value(rpc_block(&block, false)).unwrap();
        assert_eq!(json["number"], "0x5");
        assert_eq!(json["hash"], json!(block.hash));
        assert_eq!(json["totalDifficulty"], "0x0");
        assert_eq!(json["difficulty"], "0x0");
        assert_eq!(json["size"], json!(format!("{:#x}", block_size(&block))));
        assert_eq!(json["uncles"], json!([]));
        assert_eq!(json["withdrawals"], json!([]));
        assert_eq!(json["baseFeePerGas"], "0x3b9aca00");
        assert_eq!(json["gasUsed"], "0x1b198");
        assert_eq!(json["nonce"], "0x0000000000000000");
        for key in [
            "parentHash",
            "sha3Uncles",
            "miner",
            "stateRoot",
            "transactionsRoot",
            "receiptsRoot",
            "logsBloom",
            "gasLimit",
            "timestamp",
            "extraData",
            "mixHash",
            "withdrawalsRoot",
            "blobGasUsed",
            "excessBlobGas",
            "parentBeaconBlockRoot",
        ] {
            assert!(json.get(key).is_some(), "missing {key}: {json}");
        }
        let hashes: Vec<Value> = block.transactions.iter().map(|t| json!(t.hash)).collect();
        assert_eq!(json["transactions"], Value::Array(hashes));

        let full = serde_json::to_value(rpc_block(&block, true)).unwrap();
        let tx = &full["transactions"][1];
        assert_eq!(tx["blockHash"], json!(block.hash));
        assert_eq!(tx["blockNumber"], "0x5");
        assert_eq!(tx["transactionIndex"], "0x1");
        assert_eq!(tx["from"], json!(block.transactions[1].sender));
        assert_eq!(tx["hash"], json!(block.transactions[1].hash));
        assert_eq!(tx["type"], "0x2");
        assert_eq!(tx["nonce"], "0x1");
        assert_eq!(tx["input"], "0x010203");
        // effective price: base fee 1 gwei + tip 1 gwei.
        assert_eq!(tx["gasPrice"], "0x77359400");
        assert_eq!(tx["maxFeePerGas"], "0xb2d05e00");
        assert_eq!(full["transactions"][2]["type"], "0x0");
        assert_eq!(full["transactions"][2]["gasPrice"], "0x77359400");
    }

    #[test]
    fn pending_transaction_has_null_block_fields() {
        let tx = signed_1559(4, TxKind::Call(Address::repeat_byte(1)));
        let json = serde_json::to_value(rpc_transaction(&tx, None)).unwrap();
        assert_eq!(json["blockHash"], Value::Null);
        assert_eq!(json["blockNumber"], Value::Null);
        assert_eq!(json["transactionIndex"], Value::Null);
        assert_eq!(json["gasPrice"], "0xb2d05e00");
        assert_eq!(json["chainId"], "0x385");
    }

    #[test]
    fn receipts_carry_gas_logs_and_contract_address() {
        let block = sample_block();
        let receipts = rpc_receipts(&block);
        assert_eq!(receipts.len(), 3);
        for (i, r) in receipts.iter().enumerate() {
            assert_eq!(Some(r), rpc_receipt(&block, i).as_ref());
        }
        assert!(rpc_receipt(&block, 3).is_none());

        let create = serde_json::to_value(&receipts[0]).unwrap();
        let sender = block.transactions[0].sender;
        assert_eq!(create["contractAddress"], json!(sender.create(0)));
        assert_eq!(create["to"], Value::Null);
        assert_eq!(create["gasUsed"], "0xea60");
        assert_eq!(create["cumulativeGasUsed"], "0xea60");
        assert_eq!(create["status"], "0x1");
        assert_eq!(create["type"], "0x2");
        assert_eq!(create["effectiveGasPrice"], "0x77359400");
        assert_eq!(create["from"], json!(sender));

        let call = serde_json::to_value(&receipts[1]).unwrap();
        assert_eq!(call["contractAddress"], Value::Null);
        assert_eq!(call["to"], json!(Address::repeat_byte(0x11)));
        assert_eq!(call["gasUsed"], "0x7530");
        assert_eq!(call["transactionIndex"], "0x1");
        assert_eq!(call["logs"][0]["logIndex"], "0x1");
        assert_eq!(call["logs"][1]["logIndex"], "0x2");
        assert_eq!(call["logs"][1]["transactionIndex"], "0x1");
        assert_eq!(call["logs"][1]["transactionHash"], json!(block.transactions[1].hash));
        assert_eq!(call["logs"][1]["blockHash"], json!(block.hash));
        assert_eq!(call["logs"][1]["blockNumber"], "0x5");
        assert_eq!(call["logs"][1]["removed"], false);
        assert_eq!(call["logs"][1]["address"], json!(Address::repeat_byte(3)));
        assert_eq!(call["logs"][1]["data"], "0xaa");

        let legacy = serde_json::to_value(&receipts[2]).unwrap();
        assert_eq!(legacy["type"], "0x0");
        assert_eq!(legacy["gasUsed"], "0x5208");
        assert_eq!(legacy["logs"], json!([]));
        assert_eq!(legacy["effectiveGasPrice"], "0x77359400");
    }

    #[test]
    fn block_logs_use_block_wide_indices() {
        let block = sample_block();
        let all =
            block_logs(&block.header, block.hash, &block.transactions, &block.receipts, |_| true);
        let indices: Vec<_> = all.iter().map(|l| (l.transaction_index, l.log_index)).collect();
        assert_eq!(indices, vec![(Some(0), Some(0)), (Some(1), Some(1)), (Some(1), Some(2))]);
        let only =
            block_logs(&block.header, block.hash, &block.transactions, &block.receipts, |l| {
                l.address == address!("0x0303030303030303030303030303030303030303")
            });
        assert_eq!(only.len(), 1);
        assert_eq!(only[0].log_index, Some(2));
    }

    #[test]
    fn header_for_new_heads_has_hash_and_no_size() {
        let block = sample_block();
        let json = serde_json::to_value(rpc_header(&block.header, block.hash)).unwrap();
        assert_eq!(json["hash"], json!(block.hash));
        assert_eq!(json["number"], "0x5");
        assert!(json.get("size").is_none());
        assert!(json.get("transactions").is_none());
    }
}
