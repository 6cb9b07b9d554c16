//! A DA outage never stops block production: while the DA layer refuses every submission
//! the node keeps sealing and the safe head stalls; once DA is back the batcher catches up
//! and every sealed block lands on DA exactly once, in order.

use std::sync::Arc;

use alloy::{primitives::Address, providers::Provider};
use da::{BatchAssembler, DaBackend, FlakyDa, LocalDa};
use e2e::{TIMEOUT, dev_accounts, poll_until, raw, signed_transfer, signer, wait_receipt};
use node_config::{DevnetOptions, NodeConfig};
use sequencer::Node;

#[tokio::test(flavor = "multi_thread")]
async fn sealing_continues_through_a_da_outage_and_da_catches_up() -> eyre::Result<()> {
    let dir = tempfile::tempdir()?;
    let mut config = NodeConfig::devnet(&DevnetOptions {
        data_dir: dir.path().join("data"),
        rpc_listen: "127.0.0.1:0".parse()?,
        block_time_ms: 50,
        ..Default::default()
    })?;
    config.da.batcher.retry_initial_ms = 20;
    config.da.batcher.retry_max_ms = 100;
    let local = LocalDa::open(config.local_da_path(), config.da.local.max_blob_bytes)?;
    let flaky = Arc::new(FlakyDa::new(local));
    flaky.set_available(false);
    let node = Node::start_with_da(config.clone(), flaky.clone() as Arc<dyn DaBackend>).await?;
    let url: reqwest::Url = format!("http://{}", node.rpc_addr).parse()?;
    let provider = e2e::plain_provider(&url);
    let alice = signer(&dev_accounts()[0]);

    // DA is down: transactions still get sealed, block after block.
    for nonce in 0..5 {
        let tx = signed_transfer(&alice, nonce, Address::repeat_byte(0x5a), 1)?;
        let hash = *provider.send_raw_transaction(&raw(&tx)).await?.tx_hash();
        wait_receipt(&provider, hash).await?;
    }
    let head = node.ctx.store.head_number()?.unwrap_or_default();
    assert!(head >= 5, "blocks were sealed during the outage (head {head})");
    poll_until("a failed DA submission", TIMEOUT, || async {
        Ok((flaky.failed_submits() > 0).then_some(()))
    })
    .await?;
    assert_eq!(node.ctx.heads.safe(), 0, "nothing is safe while DA is down");
    let metrics = node.ctx.metrics.encode();
    assert!(!metrics.contains("manifold_da_submit_failures_total 0\n"), "{metrics}");

    // DA is back: the safe head reaches the head.
    flaky.set_available(true);
    poll_until("the safe head to reach the head", TIMEOUT, || async {
        Ok((node.ctx.heads.safe() >= head).then_some(()))
    })
    .await?;
    node.shutdown().await;

    // Every block 1..=head is on DA exactly once, in order (empty blocks sealed since may
    // follow).
    let da = LocalDa::open(config.local_da_path(), config.da.local.max_blob_bytes)?;
    let mut assembler = BatchAssembler::new();
    let mut numbers = Vec::new();
    for height in 1..=da.head_height().await? {
        for blob in da.blobs_at(height).await? {
            if let Some(batch) = assembler.push_blob(&blob)? {
                numbers.extend(batch.blocks.iter().map(|b| b.number));
            }
        }
    }
    let last = numbers.last().copied().unwrap_or_default();
    assert!(last >= head, "DA stops at block {last}, before {head}");
    assert_eq!(numbers, (1..=last).collect::<Vec<_>>());
    Ok(())
}
