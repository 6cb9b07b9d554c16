//! `manifold sequencer --config FILE`: the node run from a config file.

use eyre::WrapErr;
use node_config::{LogFormat, NodeConfig, Overrides};
use sequencer::Node;

use crate::{cli::SequencerArgs, logging, shutdown};

pub(crate) async fn run(args: SequencerArgs) -> eyre::Result<()> {
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
    let config = NodeConfig::load(&args.config, &overrides)
        .wrap_err_with(|| format!("invalid configuration {}", args.config.display()))?;
    logging::init(&config.log.level, config.log.format == LogFormat::Json);
    let node = Node::start(config).await.wrap_err("could not start the sequencer")?;
    tracing::info!(rpc = %node.rpc_addr, "sequencer running");
    shutdown::signal().await;
    tracing::info!("shutting down");
    node.shutdown().await;
    Ok(())
}
