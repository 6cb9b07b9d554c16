//! A chain running two engines end to end: the EVM and the key-value test engine (ed25519
//! signatures, its own wire format and replay guard). Its transactions go through the node's
//! real admission path (`manifold_sendTransaction`, journaled before the hash is returned),
//! are sealed in the same blocks as EVM transactions, move the one native token to EVM
//! accounts, keep every block valid for Ethereum clients, are posted to local DA, and a
//! follower re-derives the chain to the same block hashes and state roots — while a follower
//! that does not run the second engine stops with a clear reason.

use std::sync::Arc;

use alloy::{
    consensus::{TxEnvelope, proofs::calculate_transaction_root},
    primitives::{Address, B256, U256},
    providers::Provider,
};
use da::{DaBackend, LocalDa};
use e2e::{
    TIMEOUT, TestNode, assert_same_chain, dev_accounts, poll_until, raw, signed_transfer, signer,
    sync_status, two_engines::kv_transaction, wait_derived, wait_receipt,
};
use execution::{AccountId, kv::KvOp, state::native_token};
use serde_json::{Value, json};

fn local_da(node: &TestNode) -> eyre::Result<Arc<dyn DaBackend>> {
    Ok(Arc::new(LocalDa::open(node.config.local_da_path(), node.config.da.local.max_blob_bytes)?))
}

/// Hash of the node's latest block (a key-value transaction's recent block).
async fn latest_hash(node: &TestNode) -> eyre::Result<B256> {
    let block = node.rpc.call("eth_getBlockByNumber", json!(["latest", false])).await?;
    Ok(serde_json::from_value(block["hash"].clone())?)
}

/// `manifold_transactionStatus` of `hash`.
async fn status(node: &TestNode, hash: B256) -> eyre::Result<Value> {
    node.rpc.call("manifold_transactionStatus", json!([hash])).await
}

/// Waits until `hash` is in a block; returns its status.
async fn included(node: &TestNode, hash: B256) -> eyre::Result<Value> {
    poll_until(&format!("{hash} in a block"), TIMEOUT, || async {
        let status = status(node, hash).await?;
        Ok((status["status"] == "included").then_some(status))
    })
    .await
}

fn number(value: &Value) -> u64 {
    u64::from_str_radix(value.as_str().unwrap_or_default().trim_start_matches("0x"), 16).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn second_engine_shares_blocks_da_and_follower() -> eyre::Result<()> {
    let sequencer = TestNode::start_two_engines().await?;
    let recipient = Address::repeat_byte(0x6b);
    let accounts = dev_accounts();
    let mut pairs = Vec::new();
    for round in 0..5u8 {
        // A put and a transfer of 7 lamports to an EVM account, with an EVM transfer of
        // 5 wei to the same account, in one JSON-RPC batch request.
        let (tagged, kv_hash) = kv_transaction(
            latest_hash(&sequencer).await?,
            vec![
                KvOp::Put { key: B256::with_last_byte(round), value: vec![round; 3].into() },
                KvOp::Transfer { to: AccountId::from(recipient), lamports: 7 },
            ],
        );
        let evm: TxEnvelope = signed_transfer(&signer(&accounts[round as usize]), 0, recipient, 5)?;
        let batch = json!([
            {"jsonrpc": "2.0", "id": 1, "method": "manifold_sendTransaction", "params": [tagged]},
            {"jsonrpc": "2.0", "id": 2, "method": "eth_sendRawTransaction", "params": [raw(&evm)]},
        ]);
        let (_, answers) = sequencer.rpc.post_json(&batch).await?;
        for answer in answers.as_array().expect("a batch answer") {
            assert!(answer.get("error").is_none(), "refused: {answer}");
        }
        pairs.push((kv_hash, *evm.tx_hash()));
    }

    // Every key-value transaction is included and succeeded; at least one block holds both
    // engines' transactions.
    let mut mixed = Vec::new();
    for (kv_hash, evm_hash) in &pairs {
        let kv = included(&sequencer, *kv_hash).await?;
        assert_eq!(kv["kind"], "kv");
        assert_eq!(kv["success"], true, "{kv}");
        let evm = wait_receipt(&sequencer.provider, *evm_hash).await?;
        assert!(evm.status());
        // A key-value transaction is not an Ethereum transaction.
        let as_eth = sequencer.provider.get_transaction_by_hash(*kv_hash).await?;
        assert!(as_eth.is_none());
        if evm.block_number == Some(number(&kv["blockNumber"])) {
            mixed.push(number(&kv["blockNumber"]));
        }
    }
    assert!(!mixed.is_empty(), "no block held both engines' transactions");

    // One native token: 5 rounds × 7 lamports (1 lamport = 1 gwei) and 5 × 5 wei.
    let expected = native_token::wei(35) + U256::from(25);
    assert_eq!(sequencer.provider.get_balance(recipient).await?, expected);

    // A mixed block stays valid for Ethereum clients: its hash is its header's, its
    // transactions root is the listed EVM transactions', and extraData commits to the rest.
    for number in &mixed {
        let block = sequencer
            .provider
            .get_block_by_number((*number).into())
            .full()
            .await?
            .expect("the block");
        assert_eq!(block.header.hash, block.header.inner.hash_slow());
        let txs: Vec<TxEnvelope> =
            block.transactions.txns().map(|tx| tx.inner.inner().clone()).collect();
        assert!(!txs.is_empty());
        assert_eq!(block.header.transactions_root, calculate_transaction_root(&txs));
        assert_eq!(block.header.extra_data.len(), 32, "the all-engines root");
    }

    // Posted to DA; a follower running both engines derives the same chain.
    let head = sequencer.provider.get_block_number().await?;
    poll_until("every block on DA", TIMEOUT, || async {
        Ok((sync_status(&sequencer.rpc).await?.safe >= head).then_some(()))
    })
    .await?;
    let follower = TestNode::start_follower(&sequencer, local_da(&sequencer)?, |_| {}).await?;
    wait_derived(&follower, head).await?;
    assert_same_chain(&sequencer, &follower, head).await?;
    let derived = status(&follower, pairs[0].0).await?;
    assert_eq!(derived["status"], "included");
    assert_eq!(derived["blockHash"], status(&sequencer, pairs[0].0).await?["blockHash"]);

    // A follower without the second engine stops at the first block it cannot verify.
    let evm_only = TestNode::start_follower_evm_only(&sequencer, local_da(&sequencer)?).await?;
    let divergence = poll_until("the EVM-only follower to stop", TIMEOUT, || async {
        let status = sync_status(&evm_only.rpc).await?;
        Ok((!status.divergence.is_null()).then_some(status.divergence))
    })
    .await?;
    let reason = divergence["reason"].as_str().unwrap_or_default();
    assert!(reason.contains("does not run kv transactions"), "{divergence}");
    Ok(())
}
