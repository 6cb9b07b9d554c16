//! Readers of the EVM-only chain recorded at commit 8ee03ea (`tests/fixtures/evm_chain_v1`),
//! shared by the tests that replay it and that open its layout-1 database.

#![allow(dead_code)] // each test binary uses the readers it needs

use alloy_eips::eip2718::Encodable2718;
use alloy_primitives::{Address, B256, hex};
use execution::{Receipt, Transaction, evm::EvmTx};
use serde_json::Value;

/// The folder of the recorded chain.
pub(crate) const FIXTURE: &str =
    concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/evm_chain_v1");

/// One JSON file of the recording.
pub(crate) fn load(name: &str) -> Value {
    let text = std::fs::read_to_string(format!("{FIXTURE}/{name}")).expect("fixture file");
    serde_json::from_str(&text).expect("fixture JSON")
}

/// A recorded hex string's bytes.
pub(crate) fn bytes(value: &Value) -> Vec<u8> {
    hex::decode(value.as_str().expect("a hex string")).expect("hex")
}

/// A recorded 32-byte hash.
pub(crate) fn b256(value: &Value) -> B256 {
    B256::from_slice(&bytes(value))
}

/// A recorded transaction, its recorded sender and hash checked.
pub(crate) fn transaction(value: &Value) -> Transaction {
    let tx = EvmTx::decode(&bytes(&value["raw"])).expect("recorded transactions decode");
    let sender: Address = value["sender"].as_str().unwrap().parse().unwrap();
    assert_eq!(tx.sender, sender);
    assert_eq!(tx.hash, b256(&value["hash"]));
    Transaction::Evm(tx)
}

/// A block's receipts as Ethereum encodes them (EIP-2718); an EVM-only chain has no others.
pub(crate) fn evm_receipts(receipts: &[Receipt]) -> Vec<Vec<u8>> {
    receipts
        .iter()
        .map(|r| match r {
            Receipt::Evm(r) => r.encoded_2718(),
            other => panic!("an EVM chain has EVM receipts only: {other:?}"),
        })
        .collect()
}

/// A recorded block's receipts.
pub(crate) fn recorded_receipts(block: &Value) -> Vec<Vec<u8>> {
    block["receipts"].as_array().unwrap().iter().map(bytes).collect()
}
