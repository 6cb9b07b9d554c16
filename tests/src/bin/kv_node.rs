//! `manifold-kv-node`: a devnet sequencer (local DA) that runs the EVM and the key-value test
//! engine, with the key-value payer funded — for the end-to-end tests that kill a node running
//! two engines. Prints one JSON line (`rpc_url`, `chain_id`) once it serves; stops cleanly on
//! SIGTERM or Ctrl-C.
//!
//! Usage: `manifold-kv-node --data-dir DIR [--block-time MS]`.

use eyre::{WrapErr, bail};
use node_config::{DevnetOptions, NodeConfig};
use sequencer::{Node, node::open_da};

#[tokio::main]
async fn main() -> eyre::Result<()> {
    let mut args = std::env::args().skip(1);
    let (mut data_dir, mut block_time) = (None, 50u64);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--data-dir" => data_dir = args.next().map(std::path::PathBuf::from),
            "--block-time" => block_time = args.next().unwrap_or_default().parse()?,
            other => bail!("unknown argument {other}: expected --data-dir DIR [--block-time MS]"),
        }
    }
    let Some(data_dir) = data_dir else { bail!("--data-dir DIR is required") };
    tracing_subscriber_init();
    let mut config = NodeConfig::devnet(&DevnetOptions {
        data_dir,
        rpc_listen: "127.0.0.1:0".parse()?,
        block_time_ms: block_time,
        ..Default::default()
    })?;
    // A chain restarted from its data directory keeps its genesis.
    config.genesis.timestamp = 1_700_000_000;
    e2e::two_engines::fund_kv_payer(&mut config);
    let engines = e2e::two_engines::two_engines(&config);
    let da = open_da(&config).await.wrap_err("opening local DA")?;
    let node = Node::start_with_engines(config.clone(), da, engines).await?;
    let summary = serde_json::json!({
        "rpc_url": format!("http://{}", node.rpc_addr),
        "ws_url": format!("ws://{}", node.rpc_addr),
        "chain_id": config.chain.chain_id,
    });
    println!("{summary}");
    wait_for_signal().await;
    node.shutdown().await;
    Ok(())
}

/// Logs to stderr at `info` (the tests keep the node's stderr).
fn tracing_subscriber_init() {
    let _ = tracing_subscriber::fmt().with_writer(std::io::stderr).try_init();
}

async fn wait_for_signal() {
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .expect("SIGTERM handler");
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
}
