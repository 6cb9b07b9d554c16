//! `NodeContext`: the shared parts of a running node that the RPC server, the block builder
//! and the batcher all use.

use std::sync::Arc;

use execution::{SealedBlock, Store, evm::EvmConfig, scheduler::ParallelExecutor};
use node_config::NodeConfig;
use parking_lot::Mutex;
use tokio::sync::broadcast;

use crate::{Heads, Mempool, Metrics, SyncState};

/// Shared node state. Cheap to clone.
#[derive(Clone, Debug)]
pub struct NodeContext {
    /// The configuration the node runs with.
    pub config: Arc<NodeConfig>,
    /// The node database (state and chain).
    pub store: Store,
    /// EVM configuration (chain id, hard fork).
    pub evm: EvmConfig,
    /// The transaction pool.
    pub mempool: Arc<Mempool>,
    /// Safe and finalized heads.
    pub heads: Arc<Heads>,
    /// Role, DA progress and divergence.
    pub sync: Arc<SyncState>,
    /// Every sealed block, as it is sealed (for subscriptions).
    pub blocks: broadcast::Sender<Arc<SealedBlock>>,
    /// Prometheus metrics.
    pub metrics: Arc<Metrics>,
    /// The block executor (the parallel scheduler), which learns from this chain's previous
    /// blocks which strategy pays.
    pub executor: Arc<Mutex<ParallelExecutor>>,
}
