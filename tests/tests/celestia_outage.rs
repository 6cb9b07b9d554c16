//! The Celestia DA node stops for 30 s while transactions keep coming: the sequencer keeps
//! sealing, its safe head stalls; once the node is back every block reaches DA exactly once,
//! in order, and a follower reading the same namespace catches up with identical blocks.

use std::{
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
    time::Duration,
};

use alloy::providers::Provider;
use da::{BatchAssembler, CelestiaDa, DaBackend};
use devnet::celestia_dev::{self, CelestiaDevOptions};
use e2e::{
    TestNode, assert_same_chain, dev_accounts, poll_until, signed_transfer, signer, sync_status,
    wait_derived,
};
use node_config::{DaBackendKind, NodeConfig, Secret};

/// How long the DA node is down (the scenario).
const OUTAGE: Duration = Duration::from_secs(30);
/// Waits that span DA retries (backoff capped at 2 s here) and DA blocks.
const CATCH_UP: Duration = Duration::from_secs(60);

fn options(dir: &std::path::Path, listen: std::net::SocketAddr) -> CelestiaDevOptions {
    CelestiaDevOptions {
        listen,
        data_dir: dir.join("celestia"),
        block_time: Duration::from_millis(200),
    }
}

fn use_celestia(config: &mut NodeConfig, url: &str, token: &str) {
    config.da.backend = DaBackendKind::Celestia;
    config.da.celestia.url = url.to_owned();
    config.da.celestia.auth_token = Some(Secret::new(token));
    config.da.celestia.request_timeout_ms = 5_000;
    config.da.batcher.retry_max_ms = 2_000;
}

/// Streams transfers from dev account 7 until `stop`; counts the accepted ones.
fn start_load(
    node: &TestNode,
    stop: Arc<AtomicBool>,
    sent: Arc<AtomicU64>,
) -> tokio::task::JoinHandle<eyre::Result<()>> {
    let provider = node.provider.clone();
    let from = signer(&dev_accounts()[7]);
    let to = dev_accounts()[8].address;
    tokio::spawn(async move {
        let mut nonce = provider.get_transaction_count(from.address()).await?;
        while !stop.load(Ordering::Acquire) {
            let tx = signed_transfer(&from, nonce, to, 1)?;
            let _pending = provider.send_raw_transaction(&e2e::raw(&tx)).await?;
            nonce += 1;
            sent.fetch_add(1, Ordering::AcqRel);
            // Paces the load at about 20 tx/s (a rate, not a synchronisation).
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Ok(())
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn celestia_outage_of_30_s_under_load() -> eyre::Result<()> {
    let dir = tempfile::tempdir()?;
    let server = celestia_dev::start(options(dir.path(), "127.0.0.1:0".parse()?)).await?;
    let addr = server.addr();
    let (url, write, read) =
        (server.url(), server.write_token().to_owned(), server.read_token().to_owned());
    let sequencer = TestNode::start_with(|c| use_celestia(c, &url, &write)).await?;
    let mut reader_config = sequencer.config.da.celestia.clone();
    reader_config.auth_token = Some(Secret::new(&read));
    reader_config.batcher_address = Some(celestia_dev::dev_account().to_string());
    let follower_da: Arc<dyn DaBackend> = Arc::new(CelestiaDa::connect(&reader_config).await?);
    let follower = TestNode::start_follower(&sequencer, follower_da, |c| {
        c.da.batcher.retry_max_ms = 2_000;
    })
    .await?;

    let stop = Arc::new(AtomicBool::new(false));
    let sent = Arc::new(AtomicU64::new(0));
    let load = start_load(&sequencer, stop.clone(), sent.clone());
    // Some blocks reach DA before the outage.
    let before = poll_until("blocks on DA before the outage", CATCH_UP, || async {
        let s = sync_status(&sequencer.rpc).await?;
        Ok((s.safe >= 3).then_some(s))
    })
    .await?;

    server.stop().await;
    // A submission in flight when the node stopped may still be recorded: let it settle.
    let stalled = poll_until("the batcher to notice the outage", CATCH_UP, || async {
        let text = reqwest::get(sequencer.url.join("/metrics")?).await?.text().await?;
        let failures = text
            .lines()
            .find_map(|l| l.strip_prefix("manifold_da_submit_failures_total "))
            .and_then(|v| v.trim().parse::<u64>().ok())
            .unwrap_or(0);
        Ok((failures > 0).then_some(()))
    })
    .await;
    stalled?;
    let safe_during = sync_status(&sequencer.rpc).await?.safe;
    let head_during = sync_status(&sequencer.rpc).await?.unsafe_head;
    tokio::time::sleep(OUTAGE).await;
    let after = sync_status(&sequencer.rpc).await?;
    assert!(after.unsafe_head > head_during + 10, "sealing went on: {after:?} vs {head_during}");
    assert_eq!(after.safe, safe_during, "safe head stalled while DA was down");
    assert!(after.safe >= before.safe);

    // DA returns on the same address and directory; the load stops so the chain settles.
    let server = celestia_dev::start(options(dir.path(), addr)).await?;
    stop.store(true, Ordering::Release);
    load.await??;
    let head = poll_until("every sealed block to reach DA", CATCH_UP, || async {
        let s = sync_status(&sequencer.rpc).await?;
        // Empty blocks go on being sealed: every block sealed by the end of the outage.
        Ok((s.safe >= after.unsafe_head).then_some(s.safe))
    })
    .await?;
    assert!(sent.load(Ordering::Acquire) > 0);

    // Exactly once, in order: read back the whole namespace.
    let da = CelestiaDa::connect(&reader_config).await?;
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
    assert_eq!(numbers, (1..=last).collect::<Vec<_>>(), "each block on DA once, in order");

    // The follower catches up with the same chain.
    let status = tokio::time::timeout(CATCH_UP, wait_derived(&follower, head)).await??;
    assert!(status.divergence.is_null());
    assert_same_chain(&sequencer, &follower, head).await?;
    server.stop().await;
    Ok(())
}
