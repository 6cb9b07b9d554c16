//! The follower: a node that derives the chain from DA alone. It reads batches from a DA
//! start height, re-executes every block through the execution crate, checks each block hash
//! and state root against the batch, and serves the same JSON-RPC, read-only. On divergence
//! it stops advancing and reports both roots in its log, `/metrics` and
//! `manifold_syncStatus`.

mod block_deriver;
mod derivation;

use std::sync::Arc;

use da::DaBackend;
use execution::Engines;
use node_config::NodeConfig;
use tokio::sync::watch;

pub use block_deriver::{DeriveError, Derived, RecoveredBlock, derive_block, recover_block};
pub use derivation::run_derivation;

use crate::{Node, NodeHandle, NodeRole, SequencerError, node::open_da};

impl Node {
    /// Starts a follower of the chain on the configured DA: derivation and the read-only
    /// JSON-RPC. The DA need not be reachable yet; reads are retried.
    pub async fn start_follower(config: NodeConfig) -> Result<NodeHandle, SequencerError> {
        config.require_da_reader()?;
        let da = open_da(&config).await?;
        Self::start_follower_with_da(config, da).await
    }

    /// Like [`start_follower`](Self::start_follower), reading the DA backend given.
    pub async fn start_follower_with_da(
        config: NodeConfig,
        da: Arc<dyn DaBackend>,
    ) -> Result<NodeHandle, SequencerError> {
        let engines = Engines::for_config(&config)?;
        Self::start_follower_with_engines(config, da, engines).await
    }

    /// Like [`start_follower_with_da`](Self::start_follower_with_da), running `engines`.
    pub async fn start_follower_with_engines(
        config: NodeConfig,
        da: Arc<dyn DaBackend>,
        engines: Engines,
    ) -> Result<NodeHandle, SequencerError> {
        let ctx = Self::open_with_engines(config, NodeRole::Follower, engines)?;
        let (shutdown, shutdown_rx) = watch::channel(false);
        let verifier = crate::settlement::start_output_verifier(&ctx, shutdown_rx.clone())?;
        let mut tasks = vec![tokio::spawn(run_derivation(ctx.clone(), da, shutdown_rx))];
        tasks.extend(verifier);
        NodeHandle::serve(ctx, shutdown, tasks).await
    }
}
