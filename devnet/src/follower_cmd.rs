//! `manifold follower --config FILE`: a node that derives the chain from DA alone and
//! serves it read-only over JSON-RPC.

use eyre::WrapErr;
use node_config::{LogFormat, NodeConfig};
use sequencer::Node;

use crate::{
    cli::SequencerArgs,
    logging,
    sequencer_cmd::{overrides, print_ready},
    shutdown,
};

pub(crate) async fn run(args: SequencerArgs) -> eyre::Result<()> {
    let config = NodeConfig::load(&args.config, &overrides(&args)?)
        .wrap_err_with(|| format!("invalid configuration {}", args.config.display()))?;
    logging::init(&config.log.level, config.log.format == LogFormat::Json);
    let node = Node::start_follower(config).await.wrap_err("could not start the follower")?;
    tracing::info!(rpc = %node.rpc_addr, "follower running");
    print_ready(&args, &node);
    shutdown::signal().await;
    tracing::info!("shutting down");
    node.shutdown().await;
    Ok(())
}
