//! `manifold config example | check` and `manifold sequencer --config FILE`: the operator's
//! path, driven through the real binary.

use std::{process::Stdio, time::Duration};

use e2e::{TIMEOUT, manifold_bin, poll_until};
use serde_json::{Value, json};

fn free_port() -> eyre::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

#[tokio::test(flavor = "multi_thread")]
async fn example_config_runs_as_a_sequencer() -> eyre::Result<()> {
    let bin = manifold_bin()?;
    let dir = tempfile::tempdir()?;
    let example = std::process::Command::new(&bin).args(["config", "example"]).output()?;
    assert!(example.status.success());
    let mut toml = String::from_utf8(example.stdout)?;
    toml.push_str(
        "\n[genesis.alloc.\"0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266\"]\nbalance = \"1000000000000000000000\"\n",
    );
    let path = dir.path().join("manifold.toml");
    std::fs::write(&path, &toml)?;
    let check = std::process::Command::new(&bin).arg("config").arg("check").arg(&path).output()?;
    assert!(check.status.success(), "{}", String::from_utf8_lossy(&check.stderr));

    // A bad value is refused with the key, the value and the fix.
    let bad_path = dir.path().join("bad.toml");
    std::fs::write(&bad_path, toml.replace("block_time_ms = 250", "block_time_ms = 5"))?;
    let bad =
        std::process::Command::new(&bin).arg("config").arg("check").arg(&bad_path).output()?;
    assert!(!bad.status.success());
    let stderr = String::from_utf8_lossy(&bad.stderr);
    assert!(stderr.contains("chain.block_time_ms") && stderr.contains('5'), "{stderr}");

    // `manifold sequencer` refuses dev state writes (anyone could set any account).
    let dev = tokio::process::Command::new(&bin)
        .arg("sequencer")
        .arg("--config")
        .arg(&path)
        .args(["--set", "chain.dev_state_writes=true", "--set", "rpc.listen=127.0.0.1:0"])
        .args(["--set", "solana_rpc.enabled=false", "--data-dir"])
        .arg(dir.path().join("dev-data"))
        .kill_on_drop(true)
        .output();
    let dev = tokio::time::timeout(TIMEOUT, dev).await.map_err(|_| eyre::eyre!("it ran"))??;
    assert!(!dev.status.success());
    let stderr = String::from_utf8_lossy(&dev.stderr);
    assert!(stderr.contains("chain.dev_state_writes"), "{stderr}");

    // The sequencer runs from the file, with CLI and environment overrides applied.
    let port = free_port()?;
    let mut child = tokio::process::Command::new(&bin)
        .arg("sequencer")
        .arg("--config")
        .arg(&path)
        .arg("--set")
        .arg(format!("rpc.listen=127.0.0.1:{port}"))
        // Solana's default ports (8899/8900) may be taken by a devnet on this machine.
        .arg("--set")
        .arg("solana_rpc.listen=127.0.0.1:0")
        .arg("--set")
        .arg("solana_rpc.ws_listen=127.0.0.1:0")
        .arg("--data-dir")
        .arg(dir.path().join("data"))
        .env("MANIFOLD_CHAIN__CHAIN_ID", "4242")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()?;
    let client = reqwest::Client::builder().timeout(Duration::from_secs(5)).build()?;
    let url = format!("http://127.0.0.1:{port}");
    poll_until("the sequencer's /health", TIMEOUT, || {
        let client = client.clone();
        let url = url.clone();
        async move {
            Ok(match client.get(format!("{url}/health")).send().await {
                Ok(r) if r.status().is_success() => Some(()),
                _ => None,
            })
        }
    })
    .await?;
    let answer: Value = client
        .post(&url)
        .json(&json!({"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []}))
        .send()
        .await?
        .json()
        .await?;
    assert_eq!(answer["result"], json!("0x1092"), "{answer}");
    let balance: Value = client
        .post(&url)
        .json(&json!({"jsonrpc": "2.0", "id": 2, "method": "eth_getBalance",
            "params": ["0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266", "latest"]}))
        .send()
        .await?
        .json()
        .await?;
    assert_eq!(balance["result"], json!("0x3635c9adc5dea00000"), "{balance}");
    let metrics = client.get(format!("{url}/metrics")).send().await?.text().await?;
    assert!(metrics.contains("manifold_head_block"), "{metrics}");

    // SIGTERM shuts it down cleanly.
    let pid = child.id().expect("running").to_string();
    assert!(std::process::Command::new("kill").args(["-TERM", &pid]).status()?.success());
    let status = tokio::time::timeout(TIMEOUT, child.wait()).await??;
    assert!(status.success(), "{status}");
    Ok(())
}
