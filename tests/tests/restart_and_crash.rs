//! The `manifold` binary as a child process: a clean restart (SIGTERM) serves the same chain
//! and continues it; a crash (SIGKILL) while a client streams transactions loses no
//! acknowledged transaction and no block a client has seen — also twenty times in a row
//! under batched submissions.
//!
//! Needs `target/debug/manifold` (`cargo build -p devnet`) or `MANIFOLD_BIN`.

use std::{
    collections::HashMap,
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, AtomicUsize, Ordering},
    },
    time::Duration,
};

use alloy::{
    consensus::TxEnvelope,
    primitives::{Address, B256, Bytes, U256},
    providers::{DynProvider, Provider},
};
use e2e::{
    CHAIN_ID, ManifoldProcess, RawRpc, dev_accounts, poll_until, raw, signed_transfer, signer,
    wait_receipt, wallet_provider,
};
use serde_json::json;

/// Waits until every transaction of `hashes` has a receipt.
async fn all_mined(provider: &DynProvider, hashes: &[B256]) -> eyre::Result<()> {
    poll_until("every acknowledged transaction mined", Duration::from_secs(60), || {
        let (provider, hashes) = (provider.clone(), hashes.to_vec());
        async move {
            for hash in &hashes {
                if provider.get_transaction_receipt(*hash).await?.is_none() {
                    return Ok(None);
                }
            }
            Ok(Some(()))
        }
    })
    .await
}

/// Hashes of blocks `0..=head`, in order.
async fn block_hashes(provider: &DynProvider, head: u64) -> eyre::Result<Vec<B256>> {
    let mut hashes = Vec::new();
    for number in 0..=head {
        let block = provider
            .get_block_by_number(number.into())
            .await?
            .ok_or_else(|| eyre::eyre!("block {number} (head {head}) is not served"))?;
        hashes.push(block.header.hash);
    }
    Ok(hashes)
}

#[tokio::test(flavor = "multi_thread")]
async fn clean_restart_serves_the_same_chain_and_continues_it() -> eyre::Result<()> {
    let dir = tempfile::tempdir()?;
    let data_dir = dir.path().join("data");
    let logs = dir.path().join("logs");
    let node = ManifoldProcess::spawn(&data_dir, &logs, "first").await?;
    assert_eq!(node.info.chain_id, CHAIN_ID);
    let accounts = dev_accounts();
    assert_eq!(node.info.accounts.len(), accounts.len());
    assert_eq!(node.info.accounts[0], (accounts[0].address, accounts[0].private_key));
    assert!(node.info.ws_url.starts_with("ws://"), "{:?}", node.info.raw);

    let provider = wallet_provider(&node.info.rpc_url);
    let key = signer(&accounts[0]);
    let recipient = Address::repeat_byte(0x5e);
    let mut receipts = Vec::new();
    for nonce in 0..5u64 {
        let tx = signed_transfer(&key, nonce, recipient, 1_000 + u128::from(nonce))?;
        let hash = *provider.send_raw_transaction(&raw(&tx)).await?.tx_hash();
        receipts.push(wait_receipt(&provider, hash).await?);
    }
    let head = provider.get_block_number().await?;
    assert!(head >= 1);
    let hashes = block_hashes(&provider, head).await?;
    let balance = provider.get_balance(recipient).await?;
    let sender_balance = provider.get_balance(key.address()).await?;
    assert_eq!(balance, U256::from(5_010));

    let status = node.terminate().await?;
    assert!(status.success(), "clean shutdown on SIGTERM exits 0, got {status}");

    let node = ManifoldProcess::spawn(&data_dir, &logs, "second").await?;
    let provider = wallet_provider(&node.info.rpc_url);
    // Empty blocks were sealed after `head` was read, and go on after the restart.
    assert!(provider.get_block_number().await? >= head, "head survives the restart");
    assert_eq!(block_hashes(&provider, head).await?, hashes, "same blocks after the restart");
    assert_eq!(provider.get_balance(recipient).await?, balance);
    assert_eq!(provider.get_balance(key.address()).await?, sender_balance);
    assert_eq!(provider.get_transaction_count(key.address()).await?, 5);
    for receipt in &receipts {
        let again = provider
            .get_transaction_receipt(receipt.transaction_hash)
            .await?
            .ok_or_else(|| eyre::eyre!("receipt {} lost", receipt.transaction_hash))?;
        assert_eq!(&again, receipt);
    }

    // The chain continues on top of the old head.
    let tx = signed_transfer(&key, 5, recipient, 1)?;
    let hash = *provider.send_raw_transaction(&raw(&tx)).await?.tx_hash();
    let receipt = wait_receipt(&provider, hash).await?;
    let number = receipt.block_number.expect("mined");
    assert!(number > head);
    let block = provider.get_block_by_number(number.into()).await?.expect("new block");
    let parent = provider.get_block_by_number((number - 1).into()).await?.expect("parent");
    assert_eq!(block.header.parent_hash, parent.header.hash);
    assert_eq!(provider.get_balance(recipient).await?, balance + U256::from(1));

    let status = node.terminate().await?;
    assert!(status.success(), "{status}");
    Ok(())
}

/// What the streaming client saw.
#[derive(Default)]
struct Stream {
    /// Hashes the node returned, in the order they were acknowledged.
    acknowledged: Mutex<Vec<B256>>,
    /// JSON-RPC errors (none expected).
    rejected: Mutex<Vec<String>>,
}

#[tokio::test(flavor = "multi_thread")]
async fn kill_9_loses_no_acknowledged_transaction_and_no_seen_block() -> eyre::Result<()> {
    const SENDERS: usize = 3;
    const PER_SENDER: u64 = 200;
    const KILL_AFTER: usize = 200;

    let dir = tempfile::tempdir()?;
    let data_dir = dir.path().join("data");
    let logs = dir.path().join("logs");
    let node = ManifoldProcess::spawn(&data_dir, &logs, "before-kill").await?;
    let provider = wallet_provider(&node.info.rpc_url);

    // Pre-signed transfers, increasing nonces, one stream per sender.
    let accounts = dev_accounts();
    let streams: Vec<Vec<TxEnvelope>> = (0..SENDERS)
        .map(|i| {
            let key = signer(&accounts[4 + i]);
            (0..PER_SENDER)
                .map(|nonce| signed_transfer(&key, nonce, Address::repeat_byte(0xc0 + i as u8), 1))
                .collect::<eyre::Result<_>>()
        })
        .collect::<eyre::Result<_>>()?;
    let sender_of: HashMap<B256, usize> = streams
        .iter()
        .enumerate()
        .flat_map(|(i, txs)| txs.iter().map(move |tx| (*tx.tx_hash(), i)))
        .collect();

    let seen = Arc::new(Stream::default());
    let count = Arc::new(AtomicUsize::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let mut tasks = Vec::new();
    for txs in streams {
        let rpc = RawRpc::new(node.info.rpc_url.clone());
        let (seen, count, stop) = (seen.clone(), count.clone(), stop.clone());
        tasks.push(tokio::spawn(async move {
            for tx in txs {
                if stop.load(Ordering::Relaxed) {
                    break;
                }
                let bytes: Bytes = raw(&tx);
                match rpc.request("eth_sendRawTransaction", json!([bytes])).await {
                    Ok(Ok(hash)) => {
                        let hash: B256 = serde_json::from_value(hash).expect("a hash");
                        assert_eq!(hash, *tx.tx_hash(), "the node returns the tx hash");
                        seen.acknowledged.lock().unwrap().push(hash);
                        count.fetch_add(1, Ordering::SeqCst);
                    }
                    Ok(Err(error)) => {
                        seen.rejected.lock().unwrap().push(format!("{}: {error:?}", tx.tx_hash()));
                        break;
                    }
                    // The node is gone.
                    Err(_) => break,
                }
            }
        }));
    }

    poll_until("200 acknowledged transactions", Duration::from_secs(60), || async {
        Ok((count.load(Ordering::SeqCst) >= KILL_AFTER).then_some(()))
    })
    .await?;
    // Blocks a client has seen before the crash.
    let head_before = provider.get_block_number().await?;
    let hashes_before = block_hashes(&provider, head_before).await?;
    // Kill while the senders are still streaming.
    let status = node.kill9().await?;
    assert!(!status.success(), "killed: {status}");
    stop.store(true, Ordering::Relaxed);
    for task in tasks {
        task.await?;
    }
    let rejected = seen.rejected.lock().unwrap().clone();
    assert!(rejected.is_empty(), "the node refused valid transactions: {rejected:?}");
    let acknowledged = seen.acknowledged.lock().unwrap().clone();
    assert!(acknowledged.len() >= KILL_AFTER);
    println!(
        "{} acknowledged before the kill, head {head_before}; {} blocks seen",
        acknowledged.len(),
        hashes_before.len()
    );

    let node = ManifoldProcess::spawn(&data_dir, &logs, "after-kill").await?;
    let provider = wallet_provider(&node.info.rpc_url);

    // Every acknowledged transaction is mined or pending.
    let mut lost = Vec::new();
    for hash in &acknowledged {
        let mined = provider.get_transaction_receipt(*hash).await?.is_some();
        if !mined && provider.get_transaction_by_hash(*hash).await?.is_none() {
            lost.push(*hash);
        }
    }
    assert!(
        lost.is_empty(),
        "{} of {} acknowledged transactions are neither mined nor pending after the crash: \
         {:?}\nstderr:\n{}",
        lost.len(),
        acknowledged.len(),
        &lost[..lost.len().min(10)],
        node.stderr_tail()
    );

    // The pool drains: all of them get mined.
    all_mined(&provider, &acknowledged).await?;
    for hash in &acknowledged {
        let receipt = provider.get_transaction_receipt(*hash).await?.expect("mined");
        assert!(receipt.status(), "{hash} failed: {receipt:?}");
    }

    // Blocks seen before the crash are unchanged.
    let head_after = provider.get_block_number().await?;
    assert!(head_after >= head_before, "head went back from {head_before} to {head_after}");
    assert_eq!(block_hashes(&provider, head_before).await?, hashes_before);

    // Nonces: every acknowledged transaction counted, at most one more per sender (one in
    // flight at the kill may have been admitted without its answer reaching us).
    let acked_per_sender =
        |i: usize| acknowledged.iter().filter(|h| sender_of[*h] == i).count() as u64;
    for i in 0..SENDERS {
        let acked = acked_per_sender(i);
        let nonce = provider.get_transaction_count(accounts[4 + i].address).await?;
        assert!(
            nonce == acked || nonce == acked + 1,
            "sender {i}: {acked} acknowledged, nonce {nonce}"
        );
    }

    // And the chain goes on.
    let key = signer(&accounts[0]);
    let tx = signed_transfer(&key, 0, Address::repeat_byte(1), 1)?;
    let hash = *provider.send_raw_transaction(&raw(&tx)).await?.tx_hash();
    assert!(wait_receipt(&provider, hash).await?.status());
    node.terminate().await?;
    Ok(())
}

/// One batch of `eth_sendRawTransaction` calls; returns the hashes the node acknowledged
/// (`None` when the node is gone or answered something else than a batch).
async fn send_batch(rpc: &RawRpc, txs: &[TxEnvelope]) -> Option<Vec<B256>> {
    let batch: Vec<serde_json::Value> = txs
        .iter()
        .enumerate()
        .map(|(i, tx)| {
            let bytes: Bytes = raw(tx);
            json!({"jsonrpc": "2.0", "id": i, "method": "eth_sendRawTransaction", "params": [bytes]})
        })
        .collect();
    let (_, answers) = rpc.post_json(&json!(batch)).await.ok()?;
    let answers = answers.as_array()?;
    let acknowledged = answers
        .iter()
        .filter_map(|answer| serde_json::from_value::<B256>(answer.get("result")?.clone()).ok())
        .collect();
    Some(acknowledged)
}

#[tokio::test(flavor = "multi_thread")]
async fn kill_9_under_batched_submissions_twenty_times_loses_nothing() -> eyre::Result<()> {
    const CYCLES: usize = 20;
    const BATCH: usize = 10;
    const KILL_AFTER_BATCHES: usize = 3;

    let dir = tempfile::tempdir()?;
    let data_dir = dir.path().join("data");
    let logs = dir.path().join("logs");
    let key = signer(&dev_accounts()[7]);
    let mut acknowledged: Vec<B256> = Vec::new();
    let mut seen_blocks: Vec<(u64, B256)> = Vec::new();
    for cycle in 0..CYCLES {
        let node = ManifoldProcess::spawn(&data_dir, &logs, &format!("cycle-{cycle}")).await?;
        let provider = wallet_provider(&node.info.rpc_url);
        // What the previous cycles acknowledged is mined or pending; what they saw is unchanged.
        for hash in &acknowledged {
            let mined = provider.get_transaction_receipt(*hash).await?.is_some();
            assert!(
                mined || provider.get_transaction_by_hash(*hash).await?.is_some(),
                "cycle {cycle}: acknowledged {hash} lost\n{}",
                node.stderr_tail()
            );
        }
        for (number, hash) in &seen_blocks {
            let block = provider.get_block_by_number((*number).into()).await?;
            assert_eq!(block.map(|b| b.header.hash), Some(*hash), "cycle {cycle}: block {number}");
        }
        // Stream batches from the pending nonce on (one in flight at the last kill may have
        // been admitted unanswered); kill -9 while a batch is on its way.
        let mut nonce = provider.get_transaction_count(key.address()).pending().await?;
        let rpc = RawRpc::new(node.info.rpc_url.clone());
        let (acks_tx, mut acks_rx) = tokio::sync::mpsc::unbounded_channel();
        let stream_key = key.clone();
        let streaming = tokio::spawn(async move {
            loop {
                let txs: Vec<TxEnvelope> = (0..BATCH as u64)
                    .map(|i| signed_transfer(&stream_key, nonce + i, Address::repeat_byte(0xb7), 1))
                    .collect::<eyre::Result<_>>()
                    .expect("signing");
                nonce += BATCH as u64;
                let Some(hashes) = send_batch(&rpc, &txs).await else { break };
                if acks_tx.send(hashes).is_err() {
                    break;
                }
            }
        });
        for _ in 0..KILL_AFTER_BATCHES {
            let hashes = acks_rx.recv().await.expect("the node answers batches");
            assert_eq!(hashes.len(), BATCH, "cycle {cycle}: a batch was refused in part");
            acknowledged.extend(hashes);
        }
        let head = provider.get_block_number().await?;
        if let Some(block) = provider.get_block_by_number(head.into()).await? {
            seen_blocks.push((head, block.header.hash));
        }
        node.kill9().await?;
        streaming.await?;
        // Batches answered between the last count and the kill count as acknowledged too.
        while let Ok(hashes) = acks_rx.try_recv() {
            acknowledged.extend(hashes);
        }
    }
    // After the last crash every acknowledged transaction gets mined.
    let node = ManifoldProcess::spawn(&data_dir, &logs, "final").await?;
    let provider = wallet_provider(&node.info.rpc_url);
    all_mined(&provider, &acknowledged).await?;
    for (number, hash) in &seen_blocks {
        let block = provider.get_block_by_number((*number).into()).await?;
        assert_eq!(block.map(|b| b.header.hash), Some(*hash), "block {number} changed");
    }
    println!("{} acknowledged over {CYCLES} kill -9 cycles, none lost", acknowledged.len());
    node.terminate().await?;
    Ok(())
}
