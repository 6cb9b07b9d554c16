//! Followers derive the chain from DA alone: they reach the sequencer's head with identical
//! block hashes and state roots, serve it (and the states of its older blocks) read-only, resume after a restart, skip foreign
//! and corrupt blobs (counted in `/metrics`), stop with both roots reported when the chain
//! on DA is not what re-execution gives, and stop asking for an upgrade at a batch of a newer
//! format.

use std::sync::Arc;

use alloy::providers::Provider;
use da::{Batch, BatchAssembler, CelestiaDa, DaBackend, LocalDa, encode_batch};
use devnet::celestia_dev::{self, CelestiaDevOptions};
use e2e::{
    TestNode, assert_same_chain, dev_accounts, poll_until, raw, run_workload, signed_transfer,
    signer, sync_status, wait_derived,
};
use node_config::{DaBackendKind, Secret};
use serde_json::json;

fn local_da(node: &TestNode) -> eyre::Result<Arc<dyn DaBackend>> {
    Ok(Arc::new(LocalDa::open(node.config.local_da_path(), node.config.da.local.max_blob_bytes)?))
}

/// Waits until the sequencer's safe head reaches the head it has sealed now; returns that
/// head (empty blocks go on being sealed after it).
async fn wait_posted(sequencer: &TestNode) -> eyre::Result<u64> {
    let head = sync_status(&sequencer.rpc).await?.unsafe_head;
    poll_until("the sequencer to post every block", e2e::TIMEOUT, || async {
        let status = sync_status(&sequencer.rpc).await?;
        Ok((status.safe >= head).then_some(head))
    })
    .await
}

async fn metrics(node: &TestNode) -> eyre::Result<String> {
    Ok(reqwest::get(node.url.join("/metrics")?).await?.text().await?)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn follower_reaches_the_sequencer_head_with_identical_blocks() -> eyre::Result<()> {
    let sequencer = TestNode::start().await?;
    let head = run_workload(&sequencer, 4).await?;
    assert!(head >= 5, "the workload spans blocks (head {head})");
    wait_posted(&sequencer).await?;

    let mut follower = TestNode::start_follower(&sequencer, local_da(&sequencer)?, |_| {}).await?;
    let status = wait_derived(&follower, head).await?;
    assert_eq!(status.role, "follower");
    assert_same_chain(&sequencer, &follower, head).await?;
    // Receipts and state are served from the follower's own re-execution.
    let accounts = dev_accounts();
    for account in &accounts[..4] {
        assert_eq!(
            follower.provider.get_balance(account.address).await?,
            sequencer.provider.get_balance(account.address).await?
        );
    }
    // Derivation records state history as sealing does: the states of older blocks agree.
    let mut changed = false;
    for number in 0..head {
        for account in &accounts[..4] {
            let at = |node: &TestNode| node.provider.get_balance(account.address).number(number);
            let (derived, sealed) = (at(&follower).await?, at(&sequencer).await?);
            assert_eq!(derived, sealed, "{} at block {number}", account.address);
            changed |= sealed != sequencer.provider.get_balance(account.address).await?;
        }
    }
    assert!(changed, "the workload moves balances after its first block");
    // Safe and finalized follow DA (local DA is final at once).
    poll_until("finalized to reach the head", e2e::TIMEOUT, || async {
        let s = sync_status(&follower.rpc).await?;
        Ok((s.safe >= head && s.finalized >= head).then_some(()))
    })
    .await?;

    // Read-only: transactions go to the sequencer.
    let tx = signed_transfer(&signer(&accounts[5]), 0, accounts[6].address, 1)?;
    let err = follower.rpc.expect_error("eth_sendRawTransaction", json!([raw(&tx)])).await?;
    assert!(err.message.contains("follower"), "{err:?}");

    // A restart resumes from the stored cursor and keeps following.
    follower.restart().await?;
    let head = run_workload(&sequencer, 2).await?;
    wait_posted(&sequencer).await?;
    wait_derived(&follower, head).await?;
    assert_same_chain(&sequencer, &follower, head).await?;
    let text = metrics(&follower).await?;
    assert!(text.contains("manifold_follower_diverged 0"), "{text}");
    Ok(())
}

/// Posts a foreign blob and a damaged copy of the sequencer's last frame through `writer`
/// (same DA, same namespace), then checks a follower reading `reader` skips both, counts them,
/// and still derives the sequencer's chain.
async fn skips_foreign_and_corrupt_blobs(
    sequencer: &TestNode,
    writer: Arc<dyn DaBackend>,
    reader: Arc<dyn DaBackend>,
) -> eyre::Result<()> {
    let head = run_workload(sequencer, 2).await?;
    wait_posted(sequencer).await?;

    // Someone else's data in the same DA, and a real frame damaged in transit.
    let mut last_frame = None;
    for height in (1..=writer.head_height().await?).rev() {
        if let Some(blob) = writer.blobs_at(height).await?.pop() {
            last_frame = Some(blob);
            break;
        }
    }
    let mut damaged = last_frame.ok_or_else(|| eyre::eyre!("no frame on DA"))?.to_vec();
    let middle = damaged.len() / 2;
    damaged[middle] ^= 0xff;
    writer.submit(b"not a manifold frame: another rollup's blob".to_vec().into()).await?;
    writer.submit(damaged.into()).await?;

    let more = run_workload(sequencer, 2).await?;
    assert!(more > head);
    let head = wait_posted(sequencer).await?;
    let follower = TestNode::start_follower(sequencer, reader, |_| {}).await?;
    wait_derived(&follower, head).await?;
    assert_same_chain(sequencer, &follower, head).await?;
    let text = metrics(&follower).await?;
    assert!(text.contains("manifold_da_blobs_skipped_total{reason=\"foreign\"} 1"), "{text}");
    assert!(text.contains("manifold_da_blobs_skipped_total{reason=\"corrupt\"} 1"), "{text}");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn foreign_and_corrupt_blobs_are_skipped_on_local_da() -> eyre::Result<()> {
    let sequencer = TestNode::start().await?;
    let da = local_da(&sequencer)?;
    skips_foreign_and_corrupt_blobs(&sequencer, da.clone(), da).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn foreign_and_corrupt_blobs_in_the_celestia_namespace_are_skipped() -> eyre::Result<()> {
    let dir = tempfile::tempdir()?;
    let server = celestia_dev::start(CelestiaDevOptions {
        listen: "127.0.0.1:0".parse()?,
        data_dir: dir.path().join("celestia"),
        block_time: std::time::Duration::from_millis(100),
    })
    .await?;
    let (url, write) = (server.url(), server.write_token().to_owned());
    let sequencer = TestNode::start_with(|c| {
        c.da.backend = DaBackendKind::Celestia;
        c.da.celestia.url = url.clone();
        c.da.celestia.auth_token = Some(Secret::new(&write));
    })
    .await?;
    let writer: Arc<dyn DaBackend> =
        Arc::new(CelestiaDa::connect(&sequencer.config.da.celestia).await?);
    let mut read_config = sequencer.config.da.celestia.clone();
    read_config.auth_token = Some(Secret::new(server.read_token()));
    read_config.batcher_address = Some(celestia_dev::dev_account().to_string());
    let reader: Arc<dyn DaBackend> = Arc::new(CelestiaDa::connect(&read_config).await?);
    skips_foreign_and_corrupt_blobs(&sequencer, writer, reader).await?;
    server.stop().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_state_root_on_da_stops_the_follower_with_both_roots() -> eyre::Result<()> {
    // The chain on DA must stop at the altered last block: no empty blocks after it.
    let sequencer = TestNode::start_with(|c| c.chain.empty_blocks = false).await?;
    run_workload(&sequencer, 3).await?;
    let head = wait_posted(&sequencer).await?;

    // Copy the chain to a DA of our own, with the last block's state root altered.
    let real = local_da(&sequencer)?;
    let mut blocks = Vec::new();
    let mut assembler = BatchAssembler::new();
    for height in 1..=real.head_height().await? {
        for blob in real.blobs_at(height).await? {
            if let Some(batch) = assembler.push_blob(&blob)? {
                blocks.extend(batch.blocks);
            }
        }
    }
    assert_eq!(blocks.last().map(|b| b.number), Some(head));
    let forged_root = alloy::primitives::B256::repeat_byte(0x42);
    let true_root = blocks.last().unwrap().state_root;
    blocks.last_mut().unwrap().state_root = forged_root;
    let dir = tempfile::tempdir()?;
    let forged: Arc<dyn DaBackend> = Arc::new(LocalDa::open(dir.path().join("da"), 1 << 20)?);
    for frame in encode_batch(&Batch { blocks }, forged.max_blob_bytes())? {
        forged.submit(frame).await?;
    }

    let follower = TestNode::start_follower(&sequencer, forged, |_| {}).await?;
    let status = poll_until("the follower to report a divergence", e2e::TIMEOUT, || async {
        let status = sync_status(&follower.rpc).await?;
        Ok((!status.divergence.is_null()).then_some(status))
    })
    .await?;
    let divergence = &status.divergence;
    assert_eq!(divergence["number"], json!(head), "{divergence}");
    assert_eq!(divergence["expectedStateRoot"], json!(forged_root), "{divergence}");
    assert_eq!(divergence["computedStateRoot"], json!(true_root), "{divergence}");
    // Everything before the bad block was derived; the bad block was not sealed.
    assert_eq!(status.unsafe_head, head - 1);
    assert_same_chain(&sequencer, &follower, head - 1).await?;
    let text = metrics(&follower).await?;
    assert!(text.contains("manifold_follower_diverged 1"), "{text}");
    assert!(text.contains(&format!("manifold_follower_divergence_block {head}")), "{text}");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_of_a_newer_format_stops_the_follower_asking_for_an_upgrade() -> eyre::Result<()> {
    // The newer frame must come right after the chain's last block: no empty blocks after it.
    let sequencer = TestNode::start_with(|c| c.chain.empty_blocks = false).await?;
    run_workload(&sequencer, 2).await?;
    let head = wait_posted(&sequencer).await?;

    // The chain on a DA of our own, then a frame that a newer build would write (a format
    // version this one does not read) at the next height.
    let real = local_da(&sequencer)?;
    let dir = tempfile::tempdir()?;
    let copy: Arc<dyn DaBackend> = Arc::new(LocalDa::open(dir.path().join("da"), 1 << 20)?);
    let mut last = None;
    for height in 1..=real.head_height().await? {
        for blob in real.blobs_at(height).await? {
            last = Some(blob.clone());
            copy.submit(blob).await?;
        }
    }
    let mut newer = last.expect("the sequencer posted a frame").to_vec();
    newer[0] = 0x7f;
    copy.submit(newer.into()).await?;

    let follower = TestNode::start_follower(&sequencer, copy, |_| {}).await?;
    let status = poll_until("the follower to stop at the newer batch", e2e::TIMEOUT, || async {
        let status = sync_status(&follower.rpc).await?;
        Ok((!status.divergence.is_null()).then_some(status))
    })
    .await?;
    let divergence = &status.divergence;
    assert_eq!(divergence["number"], json!(head + 1), "{divergence}");
    let reason = divergence["reason"].as_str().unwrap_or_default();
    assert!(reason.contains("batch format version 127"), "{reason}");
    assert!(reason.contains("upgrade this node"), "{reason}");
    // Everything before it was derived.
    assert_eq!(status.unsafe_head, head);
    assert_same_chain(&sequencer, &follower, head).await?;
    Ok(())
}

/// The follower serves Solana's RPC too, from its own re-execution: the same balances,
/// statuses and transactions as the sequencer's; `sendTransaction` and `requestAirdrop` are
/// refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn follower_serves_the_solana_rpc_read_only() -> eyre::Result<()> {
    let solana_rpc = |node: &TestNode| -> eyre::Result<e2e::RawRpc> {
        let (http, _) = node
            .handle()
            .solana_rpc_addrs
            .ok_or_else(|| eyre::eyre!("the node serves no Solana RPC"))?;
        Ok(e2e::RawRpc::new(format!("http://{http}").parse()?))
    };
    let sequencer = TestNode::start().await?;
    let on_sequencer = solana_rpc(&sequencer)?;
    let wallet = bs58::encode([7u8; 32]).into_string();
    let signature = on_sequencer.call("requestAirdrop", json!([wallet, 5_000_000_000u64])).await?;
    let signature = signature.as_str().unwrap_or_default().to_string();
    poll_until("the airdrop to be sealed", e2e::TIMEOUT, || async {
        let answer = on_sequencer.call("getSignatureStatuses", json!([[signature]])).await?;
        Ok((!answer["value"][0].is_null()).then_some(()))
    })
    .await?;
    let head = wait_posted(&sequencer).await?;

    let follower = TestNode::start_follower(&sequencer, local_da(&sequencer)?, |_| {}).await?;
    wait_derived(&follower, head).await?;
    let on_follower = solana_rpc(&follower)?;
    let balance = |rpc: e2e::RawRpc| {
        let wallet = wallet.clone();
        async move { rpc.call("getBalance", json!([wallet])).await }
    };
    assert_eq!(balance(on_follower.clone()).await?["value"], 5_000_000_000u64);
    let params = json!([signature, {"commitment": "confirmed"}]);
    let seen = on_follower.call("getTransaction", params.clone()).await?;
    assert_eq!(seen, on_sequencer.call("getTransaction", params).await?);
    assert_eq!(seen["meta"]["err"], serde_json::Value::Null);

    let err = on_follower.expect_error("requestAirdrop", json!([wallet, 1u64])).await?;
    assert!(err.message.contains("follower"), "{err:?}");
    let err = on_follower
        .expect_error("sendTransaction", json!(["AAAA", {"encoding": "base64"}]))
        .await?;
    assert!(err.message.contains("follower"), "{err:?}");
    Ok(())
}
