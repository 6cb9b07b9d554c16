//! A database written before engines (layout 1, recorded at commit 8ee03ea in
//! `tests/fixtures/evm_chain_v1/node.redb.zst`) opens with today's store: it is migrated to
//! kind-tagged block records, serves the same blocks, receipts, state and proofs, and the
//! chain goes on from its head; opening it again migrates nothing. Its state history starts at
//! its head (the past states were never recorded).

use alloy_primitives::Bytes;
use execution::{
    ChainSpec, Engines, ExecutionError, Receipt, StateView as _, Store, Transaction,
    block::InvalidTxPolicy, execute_block, scheduler::ParallelExecutor,
};
use node_config::GenesisConfig;

mod recorded_chain;

use recorded_chain::{FIXTURE, b256, bytes, evm_receipts, load, recorded_receipts};

/// The recorded layout-1 database, decompressed into `dir`.
fn layout_1_database(dir: &std::path::Path) -> std::path::PathBuf {
    let compressed = std::fs::read(format!("{FIXTURE}/node.redb.zst")).unwrap();
    let path = dir.join("node.redb");
    std::fs::write(&path, zstd::decode_all(compressed.as_slice()).unwrap()).unwrap();
    path
}

#[test]
fn a_layout_1_database_is_migrated_and_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let path = layout_1_database(dir.path());
    let blocks = load("blocks.json");
    let chain = load("chain.json");
    let store = Store::open(&path).unwrap();
    let reader = store.reader().unwrap();
    assert_eq!(reader.head_number().unwrap(), Some(12));
    for recorded in blocks["blocks"].as_array().unwrap() {
        let number = recorded["number"].as_u64().unwrap();
        let block = reader.block(number).unwrap().expect("the block");
        assert_eq!(block.hash, b256(&recorded["hash"]), "block {number}");
        let raws: Vec<Vec<u8>> =
            block.transactions.iter().map(|tx| tx.as_evm().unwrap().encoded.to_vec()).collect();
        let recorded_raws: Vec<Vec<u8>> = recorded["transactions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|tx| bytes(&tx["raw"]))
            .collect();
        assert_eq!(raws, recorded_raws, "block {number}: transactions");
        for (tx, recorded) in
            block.transactions.iter().zip(recorded["transactions"].as_array().unwrap())
        {
            // The stored sender came across: no signature was recovered.
            let sender: alloy_primitives::Address =
                recorded["sender"].as_str().unwrap().parse().unwrap();
            assert_eq!(tx.as_evm().unwrap().sender, sender);
            assert_eq!(reader.transaction_location(tx.hash()).unwrap().map(|l| l.0), Some(number));
        }
        assert_eq!(
            evm_receipts(&block.receipts),
            recorded_receipts(recorded),
            "block {number}: receipts"
        );
    }
    let head = reader.head_header().unwrap();
    assert_eq!(reader.state_root().unwrap(), head.state_root);
    assert_eq!(reader.oldest_state().unwrap(), 12);
    assert!(matches!(
        reader.state_at(11).unwrap_err(),
        ExecutionError::StatePruned { requested: 11, oldest: 12, head: 12 }
    ));
    drop(reader);

    // The chain goes on: block 13 with the transactions the old journal held.
    let genesis: GenesisConfig = serde_json::from_value(chain["genesis"].clone()).unwrap();
    let spec = ChainSpec {
        chain_id: chain["chain_id"].as_u64().unwrap(),
        evm_spec: Default::default(),
        block_gas_limit: chain["block_gas_limit"].as_u64().unwrap(),
        fee_vault: genesis.fee_vault,
    };
    assert_eq!(store.init_genesis(&spec, &genesis, 0).unwrap().number(), 0);
    let txs: Vec<Transaction> = load("journal.json")["transactions"]
        .as_array()
        .unwrap()
        .iter()
        .map(recorded_chain::transaction)
        .collect();
    let env = spec.next_block_env(&head, head.timestamp + 2);
    let reader = store.reader().unwrap();
    let pre_13_vault = reader.account(execution::AccountId::from(genesis.fee_vault)).unwrap();
    let engines = Engines::new(&spec);
    let mut scheduler = ParallelExecutor::sequential();
    let outcome =
        execute_block(&engines, &env, &reader, txs, InvalidTxPolicy::Fail, &mut scheduler)
            .unwrap()
            .outcome;
    drop(reader);
    let sealed = store.seal_block(&outcome, Bytes::new()).unwrap();
    assert_eq!(sealed.number(), 13);
    assert!(sealed.receipts.iter().all(Receipt::success));
    drop(store);

    // Reopened: already migrated, the same chain.
    let store = Store::open(&path).unwrap();
    let reader = store.reader().unwrap();
    assert_eq!(reader.head_number().unwrap(), Some(13));
    assert_eq!(reader.block(13).unwrap().unwrap(), sealed);
    assert_eq!(reader.state_root().unwrap(), sealed.header.state_root);
    // Block 12's state is now history, as block 13 changed it.
    let fee_vault = execution::AccountId::from(genesis.fee_vault);
    let at_12 = reader.state_at(12).unwrap().account(fee_vault).unwrap();
    let at_13 = reader.state_at(13).unwrap().account(fee_vault).unwrap();
    assert_ne!(at_12.map(|a| a.balance), at_13.map(|a| a.balance), "block 13 paid fees");
    assert_eq!(at_12, pre_13_vault);
}
