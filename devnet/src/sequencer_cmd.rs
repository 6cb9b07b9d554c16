//! `manifold sequencer --config FILE`: the node run from a config file.

use eyre::WrapErr;
use node_config::{LogFormat, NodeConfig, Overrides};
use sequencer::Node;

use crate::{cli::SequencerArgs, logging, shutdown};

/// The overrides of `args`: `MANIFOLD_*` variables, then `--set`, then `--data-dir`.
pub(crate) fn overrides(args: &SequencerArgs) -> eyre::Result<Overrides> {
    let mut overrides = Overrides::from_env();
    for set in &args.set {
        let (key, value) = set
            .split_once('=')
            .ok_or_else(|| eyre::eyre!("--set expects KEY=VALUE, got {set:?}"))?;
        overrides.push(key.trim(), value.trim());
    }
    if let Some(dir) = &args.data_dir {
        overrides.push("data_dir", dir.display().to_string());
    }
    Ok(overrides)
}

/// With `--json`, prints the one line scripts wait for once the node serves.
pub(crate) fn print_ready(args: &SequencerArgs, node: &sequencer::NodeHandle) {
    if args.json {
        let line = serde_json::json!({
            "rpc_url": format!("http://{}", node.rpc_addr),
            "ws_url": format!("ws://{}", node.rpc_addr),
            "chain_id": node.ctx.config.chain.chain_id,
            "role": node.ctx.sync.role(),
            "solana_rpc_url": node.solana_rpc_addrs.map(|(http, _)| format!("http://{http}")),
            "solana_ws_url": node.solana_rpc_addrs.map(|(_, ws)| format!("ws://{ws}")),
        });
        println!("{line}");
    }
}

pub(crate) async fn run(args: SequencerArgs) -> eyre::Result<()> {
    let config = NodeConfig::load(&args.config, &overrides(&args)?)
        .wrap_err_with(|| format!("invalid configuration {}", args.config.display()))?;
    config
        .refuse_dev_state_writes()
        .wrap_err("refusing to run a sequencer with dev state writes")?;
    logging::init(&config.log.level, config.log.format == LogFormat::Json);
    let node = Node::start(config).await.wrap_err("could not start the sequencer")?;
    tracing::info!(rpc = %node.rpc_addr, "sequencer running");
    print_ready(&args, &node);
    shutdown::signal().await;
    tracing::info!("shutting down");
    node.shutdown().await;
    Ok(())
}
