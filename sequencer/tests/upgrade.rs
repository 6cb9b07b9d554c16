//! A data directory written before engines — the node database and the mempool journal of
//! commit 8ee03ea, recorded in `execution/tests/fixtures/evm_chain_v1` — opens as a node: the
//! database is migrated, the journal's pending transactions come back into the pool (their
//! senders as stored, no signature recovered), and the next block includes them.

use alloy_primitives::{Address, B256};
use execution::{EngineKind, Transaction};
use node_config::{GenesisConfig, NodeConfig};
use sequencer::{Node, block_builder::build_block, journal::Journal};
use serde_json::Value;

const FIXTURE: &str =
    concat!(env!("CARGO_MANIFEST_DIR"), "/../execution/tests/fixtures/evm_chain_v1");

fn load(name: &str) -> Value {
    let text = std::fs::read_to_string(format!("{FIXTURE}/{name}")).expect("fixture file");
    serde_json::from_str(&text).expect("fixture JSON")
}

fn decompress(name: &str, to: &std::path::Path) {
    let compressed = std::fs::read(format!("{FIXTURE}/{name}.zst")).unwrap();
    std::fs::write(to, zstd::decode_all(compressed.as_slice()).unwrap()).unwrap();
}

/// The three pending transactions of the old journal: (hash, sender).
fn journaled() -> Vec<(B256, Address)> {
    load("journal.json")["transactions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|tx| {
            (
                tx["hash"].as_str().unwrap().parse().unwrap(),
                tx["sender"].as_str().unwrap().parse().unwrap(),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn an_old_journal_is_migrated_with_its_senders() {
    let dir = tempfile::tempdir().unwrap();
    decompress("mempool.redb", &dir.path().join(sequencer::journal::LEGACY_JOURNAL_FILE));
    let journal = Journal::start(&dir.path().join(sequencer::node::JOURNAL_FILE)).unwrap();
    let mut loaded: Vec<(B256, Address)> = journal
        .load()
        .unwrap()
        .iter()
        .map(|tx| (tx.hash(), tx.as_evm().expect("EVM").sender))
        .collect();
    loaded.sort();
    let mut expected = journaled();
    expected.sort();
    assert_eq!(loaded, expected);
    journal.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_old_data_directory_opens_and_continues() {
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().join("data");
    std::fs::create_dir_all(&data_dir).unwrap();
    decompress("node.redb", &data_dir.join(sequencer::node::DB_FILE));
    decompress("mempool.redb", &data_dir.join(sequencer::journal::LEGACY_JOURNAL_FILE));
    let chain = load("chain.json");
    let mut config = NodeConfig { data_dir, ..NodeConfig::default() };
    config.chain.chain_id = chain["chain_id"].as_u64().unwrap();
    config.chain.block_gas_limit = chain["block_gas_limit"].as_u64().unwrap();
    config.genesis = serde_json::from_value::<GenesisConfig>(chain["genesis"].clone()).unwrap();

    let ctx = Node::open(config).unwrap();
    assert_eq!(ctx.store.head_number().unwrap(), Some(12));
    let pending = journaled();
    assert_eq!(ctx.mempool.len(), pending.len(), "the old journal refilled the pool");
    for (hash, _) in &pending {
        let tx = ctx.mempool.get(hash).expect("pooled");
        assert_eq!(tx.kind(), EngineKind::Evm);
    }
    let block = build_block(&ctx, 0).unwrap().block.expect("block 13");
    assert_eq!(block.number(), 13);
    let mut included: Vec<B256> = block.transactions.iter().map(Transaction::hash).collect();
    included.sort();
    let mut expected: Vec<B256> = pending.iter().map(|(hash, _)| *hash).collect();
    expected.sort();
    assert_eq!(included, expected);
    assert!(block.receipts.iter().all(execution::Receipt::success));
    assert!(ctx.mempool.is_empty());

    // Stopped before the builder's task forgot them (as a crash right after sealing would):
    // the next start finds the journaled transactions in the chain, leaves them out of the
    // pool and deletes them from the journal.
    let config = NodeConfig::clone(&ctx.config);
    ctx.mempool.close_journal().await;
    drop(ctx);
    let ctx = Node::open(config.clone()).unwrap();
    assert!(ctx.mempool.is_empty());
    ctx.mempool.close_journal().await;
    drop(ctx);
    let journal = Journal::start(&config.data_dir.join(sequencer::node::JOURNAL_FILE)).unwrap();
    assert_eq!(journal.load().unwrap().len(), 0, "stale entries were deleted at open");
    journal.close().await;
}
