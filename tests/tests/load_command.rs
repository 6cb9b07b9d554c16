//! `manifold load` as a user runs it (the real binary, JSON on stdout) against two Ethereum
//! JSON-RPC nodes: a Manifold devnet and anvil. It funds its senders, sends pre-signed transfers
//! as JSON-RPC batches and as single requests, at full speed and at a fixed rate, and sees every
//! one acknowledged and sealed, over HTTP and over WebSocket; a node that refuses them makes it fail with the node's words.

use e2e::{TestNode, anvil::AnvilNode, manifold_bin};
use eyre::{WrapErr, eyre};
use serde_json::Value;

/// Runs `manifold load --rpc url <args> --json`: its report, or its stderr as the error.
async fn load(url: &str, args: &[&str]) -> eyre::Result<Value> {
    let output = tokio::process::Command::new(manifold_bin()?)
        .args(["load", "--rpc", url, "--json"])
        .args(args)
        .output()
        .await?;
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    if !output.status.success() {
        return Err(eyre!("manifold load failed: {stderr}"));
    }
    let stdout = String::from_utf8(output.stdout)?;
    serde_json::from_str(stdout.trim()).wrap_err_with(|| format!("not JSON: {stdout}\n{stderr}"))
}

/// Checks that a report saw all `txs` acknowledged and sealed, with sane figures.
fn all_sealed(report: &Value, txs: u64) {
    assert_eq!(report["txs"], txs, "{report}");
    assert_eq!(report["acked"], txs, "{report}");
    assert_eq!(report["refused"], 0, "{report}");
    assert_eq!(report["included"], txs, "{report}");
    let number = |key: &str| report[key].as_f64().unwrap_or(-1.0);
    assert!(number("acked_tps") > 0.0 && number("sealed_tps") > 0.0, "{report}");
    assert!(number("latency_p50_ms") > 0.0, "{report}");
    assert!(number("latency_p99_ms") >= number("latency_p50_ms"), "{report}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn load_runs_against_a_manifold_devnet_and_anvil() -> eyre::Result<()> {
    let devnet = TestNode::start_devnet_with(|_| {}).await?;
    let anvil = AnvilNode::start(&["--block-time", "0.25"]).await?;
    for url in [devnet.url.to_string(), anvil.url.clone()] {
        let batched =
            load(&url, &["--txs", "400", "--senders", "8", "--clients", "3", "--batch", "25"])
                .await?;
        all_sealed(&batched, 400);
        // Single requests at a fixed offered rate, from other senders.
        let args = ["--txs", "60", "--senders", "4", "--clients", "2", "--batch", "1", "--rate"];
        let single = load(&url, &[&args[..], &["200", "--seed", "2"]].concat()).await?;
        all_sealed(&single, 60);
        assert_eq!(single["offered_tps"], 200.0, "{single}");
        // The same over WebSocket (the same port serves both).
        let ws = url.replacen("http://", "ws://", 1);
        let args = ["--txs", "200", "--senders", "4", "--clients", "2", "--batch", "20"];
        let over_ws = load(&ws, &[&args[..], &["--seed", "3"]].concat()).await?;
        all_sealed(&over_ws, 200);
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unfunded_funder_fails_with_the_nodes_words() -> eyre::Result<()> {
    let devnet = TestNode::start_devnet_with(|_| {}).await?;
    let key = format!("0x{}", "11".repeat(32));
    let error = load(devnet.url.as_ref(), &["--txs", "10", "--senders", "2", "--funder-key", &key])
        .await
        .expect_err("nothing to fund the senders with");
    let error = error.to_string();
    assert!(error.contains("funding the senders failed"), "{error}");
    assert!(error.contains("insufficient funds"), "{error}");
    Ok(())
}
