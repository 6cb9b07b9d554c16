//! `manifold load`: a load generator for any Ethereum JSON-RPC node — Manifold's, anvil's,
//! geth's — measuring what users see: transactions acknowledged per second, sealed per second,
//! and the latency from acknowledgement to the block that includes them.
//!
//! A run, step by step:
//! 1. **senders** derived from `--seed`, funded by one transfer each from `--funder-key` (a dev
//!    account by default: the same on anvil and on `manifold devnet`), waited for;
//! 2. **signing** `--txs` transfers, round-robin by nonce across the senders (not timed);
//! 3. **sending** them with `--clients` concurrent connections (HTTP, or WebSocket for a
//!    `ws://` URL), `--batch` per request (1: single
//!    `eth_sendRawTransaction` requests, more: JSON-RPC batches), as fast as the node answers or
//!    at `--rate` tx/s, while
//! 4. **watching blocks** (`eth_blockNumber`, `eth_getBlockByNumber`) for the run's hashes;
//! 5. **the report**: one line on stderr, and one JSON line on stdout with `--json`.
//!
//! One file per part: `workload` (keys, signing), `rpc_client` (raw JSON-RPC over HTTP),
//! `submit` (the clients), `block_watcher`, `timeline` (per-transaction times), `report`.

mod block_watcher;
mod report;
mod rpc_client;
mod submit;
mod timeline;
mod workload;

use std::{collections::HashMap, sync::Arc, time::Duration};

use alloy_primitives::B256;
use alloy_signer_local::PrivateKeySigner;
use eyre::WrapErr;
use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use serde_json::json;

use crate::cli::LoadArgs;
use report::LoadReport;
use rpc_client::{RpcClient, quantity};
use submit::SendPlan;
use timeline::Timeline;
use workload::Signed;

/// Runs `manifold load`.
pub(crate) async fn run(args: LoadArgs) -> eyre::Result<()> {
    eyre::ensure!(args.txs > 0 && args.senders > 0, "--txs and --senders must be positive");
    eyre::ensure!(args.rate.is_none_or(|r| r > 0.0), "--rate must be positive");
    let url: reqwest::Url =
        args.rpc.parse().wrap_err_with(|| format!("bad RPC URL {:?}", args.rpc))?;
    let client = RpcClient::connect(&url).await?;
    let chain_id = quantity(&client.call("eth_chainId", json!([])).await?)
        .wrap_err_with(|| format!("no Ethereum node at {url}"))?;
    let funder: PrivateKeySigner =
        args.funder_key.trim().parse().wrap_err("--funder-key is not a private key")?;
    let senders: Vec<PrivateKeySigner> =
        (0..args.senders).map(|i| workload::sender(args.seed, i)).collect();

    let per_sender = args.txs.div_ceil(args.senders) as u64;
    fund(&client, &url, chain_id, &funder, &senders, per_sender, args.timeout_secs).await?;
    let nonces = nonces(&client, &senders).await?;
    eprintln!("signing {} transfers from {} senders…", args.txs, args.senders);
    let txs = Arc::new(workload::transfers(&senders, &nonces, args.txs, chain_id));

    let plan = SendPlan { clients: args.clients, batch: args.batch, rate: args.rate };
    let (sent, times) = send_and_watch(&client, &url, txs, plan, args.timeout_secs).await?;
    let report = LoadReport {
        node: url.to_string(),
        txs: args.txs,
        clients: args.clients,
        batch: args.batch,
        offered_tps: args.rate,
        acked: 0,
        refused: sent.refused,
        included: 0,
        acked_tps: 0.0,
        sealed_tps: 0.0,
        latency_p50_ms: 0.0,
        latency_p99_ms: 0.0,
        errors: sent.errors,
    }
    .measured(&times);
    eprintln!("{}", report.line());
    for error in &report.errors {
        eprintln!("  refused: {error}");
    }
    if args.json {
        println!("{}", serde_json::to_string(&report)?);
    }
    if report.included < report.txs {
        eyre::bail!("only {} of {} transactions were sealed", report.included, report.txs);
    }
    Ok(())
}

/// A progress bar of `len` steps named `what`, in `bars`.
fn bar(bars: &MultiProgress, len: usize, what: &str) -> ProgressBar {
    let bar = bars.add(ProgressBar::new(len as u64));
    let template =
        format!("{what:>9} {{bar:40}} {{pos:>7}}/{{len}} {{per_sec:>12}} {{elapsed:>4}}");
    bar.set_style(
        ProgressStyle::with_template(&template).unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar
}

/// Sends `txs` by `plan` while watching blocks for them; gives up on inclusion after
/// `timeout_secs` past the last send.
async fn send_and_watch(
    client: &RpcClient,
    url: &reqwest::Url,
    txs: Arc<Vec<Signed>>,
    plan: SendPlan,
    timeout_secs: u64,
) -> eyre::Result<(submit::Sent, timeline::Times)> {
    let index: HashMap<B256, usize> = txs.iter().enumerate().map(|(i, t)| (t.hash, i)).collect();
    let from = quantity(&client.call("eth_blockNumber", json!([])).await?)?;
    let timeline = Arc::new(Timeline::new(txs.len()));
    let bars = MultiProgress::new();
    let (sent_bar, sealed_bar) = (bar(&bars, txs.len(), "sent"), bar(&bars, txs.len(), "sealed"));
    let (stop, stop_rx) = tokio::sync::watch::channel(false);
    let watcher = tokio::spawn(block_watcher::watch(
        RpcClient::connect(url).await?,
        from,
        Arc::new(index),
        timeline.clone(),
        sealed_bar.clone(),
        stop_rx,
    ));
    let sent = submit::send_all(url, txs, plan, timeline.clone(), sent_bar.clone()).await?;
    sent_bar.finish();
    let watched = tokio::time::timeout(Duration::from_secs(timeout_secs), async {
        let mut watcher = watcher;
        loop {
            tokio::select! {
                done = &mut watcher => break done,
                // Every acknowledged transaction seen: nothing more to wait for.
                _ = tokio::time::sleep(Duration::from_millis(100)) => {
                    let t = timeline.snapshot();
                    if t.included.len() >= t.acked.len() {
                        let _ = stop.send(true);
                    }
                }
            }
        }
    })
    .await;
    sealed_bar.finish();
    match watched {
        Ok(done) => {
            done??;
        }
        Err(_) => eprintln!("gave up waiting for inclusion after {timeout_secs} s"),
    }
    Ok((sent, timeline.snapshot()))
}

/// Funds every sender with what `per_sender` transfers cost, from `funder`, and waits until
/// the funding is sealed.
async fn fund(
    client: &RpcClient,
    url: &reqwest::Url,
    chain_id: u64,
    funder: &PrivateKeySigner,
    senders: &[PrivateKeySigner],
    per_sender: u64,
    timeout_secs: u64,
) -> eyre::Result<()> {
    let address = format!("{:#x}", funder.address());
    let nonce =
        quantity(&client.call("eth_getTransactionCount", json!([address, "pending"])).await?)?;
    let amount = workload::funding(per_sender);
    let txs: Vec<Signed> = senders
        .iter()
        .enumerate()
        .map(|(i, s)| workload::transfer(funder, chain_id, nonce + i as u64, s.address(), amount))
        .collect();
    eprintln!("funding {} senders from {}…", senders.len(), funder.address());
    let plan = SendPlan { clients: 1, batch: 100, rate: None };
    let (sent, times) = send_and_watch(client, url, Arc::new(txs), plan, timeout_secs).await?;
    if sent.refused > 0 || times.included.len() < senders.len() {
        eyre::bail!(
            "funding the senders failed: {} refused, {} of {} sealed ({})",
            sent.refused,
            times.included.len(),
            senders.len(),
            sent.errors.join("; ")
        );
    }
    Ok(())
}

/// The next nonce of each sender.
async fn nonces(client: &RpcClient, senders: &[PrivateKeySigner]) -> eyre::Result<Vec<u64>> {
    let calls: Vec<_> =
        senders.iter().map(|s| json!([format!("{:#x}", s.address()), "latest"])).collect();
    let mut nonces = Vec::with_capacity(senders.len());
    for chunk in calls.chunks(100) {
        for answer in client.batch("eth_getTransactionCount", chunk).await? {
            let value = answer.map_err(|e| eyre::eyre!("eth_getTransactionCount: {e}"))?;
            nonces.push(quantity(&value)?);
        }
    }
    Ok(nonces)
}
