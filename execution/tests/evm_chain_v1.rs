//! An EVM-only chain recorded before the multi-engine core (`tests/fixtures/evm_chain_v1`,
//! commit 8ee03ea) replays byte for byte: the same genesis, the same headers (RLP), block
//! hashes, state roots and receipts, block after block — executed one transaction after
//! another and by Block-STM — and the same `eth_getProof` data at the head.

use std::collections::BTreeMap;

use alloy_primitives::{Address, B256, Bytes, U256, hex};
use execution::{
    ChainSpec, Engines, Store, Transaction,
    block::InvalidTxPolicy,
    execute_block,
    scheduler::{ParallelExecutor, SchedulerConfig, Strategy},
};
use node_config::GenesisConfig;
use serde_json::Value;

mod recorded_chain;

use recorded_chain::{b256, bytes, evm_receipts, load, recorded_receipts, transaction};

#[test]
fn recorded_evm_chain_replays_byte_for_byte() {
    let chain = load("chain.json");
    let blocks = load("blocks.json");
    let proofs = load("proofs.json");
    let genesis: GenesisConfig = serde_json::from_value(chain["genesis"].clone()).unwrap();
    let spec = ChainSpec {
        chain_id: chain["chain_id"].as_u64().unwrap(),
        evm_spec: Default::default(),
        block_gas_limit: chain["block_gas_limit"].as_u64().unwrap(),
        fee_vault: genesis.fee_vault,
    };
    let engines = Engines::new(&spec);
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("node.redb")).unwrap();
    let genesis_block = store.init_genesis(&spec, &genesis, genesis.timestamp).unwrap();
    assert_eq!(
        alloy_rlp::encode(&genesis_block.header),
        bytes(&chain["genesis_block"]["header_rlp"])
    );
    assert_eq!(genesis_block.hash, b256(&chain["genesis_block"]["hash"]));

    let mut sequential = ParallelExecutor::sequential();
    let forced = SchedulerConfig {
        threads: 2,
        force: Some(Strategy::Optimistic),
        max_waste: f64::INFINITY,
        ..SchedulerConfig::default()
    };
    let mut parallel = ParallelExecutor::new(forced);
    let mut parent = genesis_block.header;
    let recorded = blocks["blocks"].as_array().unwrap();
    assert_eq!(recorded.len(), 12);
    for block in recorded {
        let number = block["number"].as_u64().unwrap();
        // The block's input: its transactions, with the left-out ones where they were.
        let mut txs: Vec<Transaction> =
            block["transactions"].as_array().unwrap().iter().map(transaction).collect();
        let mut left_out: Vec<&Value> = block["rejected"].as_array().unwrap().iter().collect();
        left_out.sort_by_key(|r| r["input_index"].as_u64());
        for rejected in &left_out {
            let index = rejected["input_index"].as_u64().unwrap() as usize;
            txs.insert(index, transaction(rejected));
        }
        let env = spec.next_block_env(&parent, block["timestamp"].as_u64().unwrap());
        let reader = store.reader().unwrap();
        let expected = execute_block(
            &engines,
            &env,
            &reader,
            txs.clone(),
            InvalidTxPolicy::Skip,
            &mut sequential,
        )
        .unwrap()
        .outcome;
        let other =
            execute_block(&engines, &env, &reader, txs, InvalidTxPolicy::Skip, &mut parallel)
                .unwrap();
        assert_eq!(other.report.strategy, Strategy::Optimistic, "block {number}");
        assert_eq!(other.outcome.changes, expected.changes, "block {number}: Block-STM differs");
        assert_eq!(other.outcome.transactions, expected.transactions, "block {number}");
        drop(reader);
        let rejected: Vec<B256> = expected.rejected.iter().map(|(tx, _)| tx.hash()).collect();
        let recorded_rejected: Vec<B256> = left_out.iter().map(|r| b256(&r["hash"])).collect();
        assert_eq!(rejected, recorded_rejected, "block {number}: left-out transactions");

        let sealed = store.seal_block(&expected, Bytes::new()).unwrap();
        assert_eq!(
            hex::encode(alloy_rlp::encode(&sealed.header)),
            hex::encode(bytes(&block["header_rlp"])),
            "block {number}: header"
        );
        assert_eq!(sealed.hash, b256(&block["hash"]), "block {number}: hash");
        assert_eq!(
            evm_receipts(&sealed.receipts),
            recorded_receipts(block),
            "block {number}: receipts"
        );
        parent = sealed.header;
    }

    // eth_getProof at the head: the same accounts, nodes, values and storage proofs.
    let reader = store.reader().unwrap();
    assert_eq!(reader.head_header().unwrap().hash_slow(), b256(&proofs["block_hash"]));
    for recorded in proofs["proofs"].as_array().unwrap() {
        let label = recorded["label"].as_str().unwrap();
        let address: Address = recorded["address"].as_str().unwrap().parse().unwrap();
        let slots: Vec<B256> = recorded["storage_proofs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| b256(&p["key"]))
            .collect();
        let proof = reader.proof(address, &slots).unwrap();
        let account = &recorded["account"];
        assert_eq!(proof.account.nonce, account["nonce"].as_u64().unwrap(), "{label}");
        let balance: U256 = account["balance"].as_str().unwrap().parse().unwrap();
        assert_eq!(proof.account.balance, balance, "{label}");
        assert_eq!(proof.account.code_hash, b256(&account["code_hash"]), "{label}");
        assert_eq!(proof.account.storage_root, b256(&account["storage_root"]), "{label}");
        let nodes: Vec<Vec<u8>> = proof.account_proof.iter().map(|n| n.to_vec()).collect();
        let recorded_nodes: Vec<Vec<u8>> =
            recorded["account_proof"].as_array().unwrap().iter().map(bytes).collect();
        assert_eq!(nodes, recorded_nodes, "{label}: account proof");
        let storage: BTreeMap<B256, (U256, Vec<Vec<u8>>)> = proof
            .storage_proofs
            .into_iter()
            .map(|(key, value, nodes)| (key, (value, nodes.iter().map(|n| n.to_vec()).collect())))
            .collect();
        for slot in recorded["storage_proofs"].as_array().unwrap() {
            let (value, nodes) = &storage[&b256(&slot["key"])];
            let expected: U256 = slot["value"].as_str().unwrap().parse().unwrap();
            assert_eq!(*value, expected, "{label}: slot value");
            let recorded_nodes: Vec<Vec<u8>> =
                slot["proof"].as_array().unwrap().iter().map(bytes).collect();
            assert_eq!(*nodes, recorded_nodes, "{label}: storage proof");
        }
    }
}
