//! A JSON-RPC batch of transaction submissions shares the pool journal's group commits
//! (counted in `/metrics` as `journal_commits`) instead of waiting for one commit each, one after
//! another, while its calls still run in order (their signatures checked ahead, in parallel,
//! counted as `txs_decoded_ahead`): one sender's consecutive nonces are all
//! admitted, every call is answered in its place with its hash, a replay later in the batch is
//! refused as already known, and a read after the sends sees them (`eth_getTransactionCount`
//! at `pending`).

use alloy::{
    primitives::{Address, B256},
    providers::Provider,
};
use e2e::{TestNode, dev_accounts, raw, signed_transfer, signer};
use serde_json::{Value, json};

const SENDS: u64 = 64;

/// Counter `name` (`manifold_<name>_total`) of the node's `/metrics`.
async fn counter(node: &TestNode, name: &str) -> eyre::Result<u64> {
    let text = reqwest::get(node.url.join("/metrics")?).await?.text().await?;
    let metric = format!("manifold_{name}_total ");
    let line = text
        .lines()
        .find(|l| l.starts_with(&metric))
        .ok_or_else(|| eyre::eyre!("no {metric} in /metrics"))?;
    Ok(line.split_whitespace().nth(1).unwrap_or_default().parse()?)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_of_sends_shares_journal_commits_and_is_answered_in_order() -> eyre::Result<()> {
    // Manual mining: nothing leaves the pool while the batch is admitted.
    let node = TestNode::start_devnet_with(|_| {}).await?;
    node.rpc.call("evm_setAutomine", json!([false])).await?;
    node.rpc.call("anvil_setIntervalMining", json!([0])).await?;
    let alice = signer(&dev_accounts()[0]);
    let bob = Address::repeat_byte(0xb0);
    let mut batch = Vec::new();
    let mut hashes = Vec::new();
    for nonce in 0..SENDS {
        let tx = signed_transfer(&alice, nonce, bob, 1)?;
        hashes.push(*tx.tx_hash());
        batch.push(json!({"jsonrpc": "2.0", "id": nonce, "method": "eth_sendRawTransaction", "params": [raw(&tx)]}));
    }
    // A replay of nonce 0 (refused as known), then a read that must see every send.
    let again = signed_transfer(&alice, 0, bob, 1)?;
    batch.push(json!({"jsonrpc": "2.0", "id": SENDS, "method": "eth_sendRawTransaction", "params": [raw(&again)]}));
    let alice_address = format!("{:#x}", alice.address());
    batch.push(json!({"jsonrpc": "2.0", "id": SENDS + 1, "method": "eth_getTransactionCount", "params": [alice_address, "pending"]}));

    let before = counter(&node, "journal_commits").await?;
    let decoded_before = counter(&node, "txs_decoded_ahead").await?;
    let (status, answers) = node.rpc.post_json(&Value::Array(batch)).await?;
    let commits = counter(&node, "journal_commits").await? - before;
    // Every raw transaction of the batch (the replay too) had its signature checked ahead.
    let decoded = counter(&node, "txs_decoded_ahead").await? - decoded_before;
    assert_eq!(decoded, SENDS + 1);
    assert_eq!(status, 200);
    let answers = answers.as_array().ok_or_else(|| eyre::eyre!("not a batch answer"))?.clone();
    assert_eq!(answers.len() as u64, SENDS + 2);
    for (i, answer) in answers.iter().enumerate().take(SENDS as usize) {
        assert_eq!(answer["id"], i as u64, "answers keep the batch's order");
        let hash: B256 = serde_json::from_value(answer["result"].clone())?;
        assert_eq!(hash, hashes[i]);
    }
    assert_eq!(answers[SENDS as usize]["error"]["message"], "already known", "{answers:?}");
    assert_eq!(answers[SENDS as usize + 1]["result"], format!("{SENDS:#x}"));
    // One after another, every send would wait for a commit of its own.
    assert!((1..SENDS / 4).contains(&commits), "{commits} journal commits for {SENDS} sends");
    assert_eq!(node.provider.get_transaction_count(alice.address()).pending().await?, SENDS);
    Ok(())
}
