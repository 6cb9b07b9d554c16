//! `NodeContext`: the shared parts of a running node that the RPC server, the block builder
//! and the batcher all use.

use std::sync::Arc;

use execution::{ChainSpec, Engines, SealedBlock, Store, scheduler::ParallelExecutor};
use node_config::NodeConfig;
use parking_lot::Mutex;
use tokio::sync::broadcast;

use crate::{Heads, Mempool, Metrics, SyncState, mining::MiningControl};

/// Shared node state. Cheap to clone.
#[derive(Clone, Debug)]
pub struct NodeContext {
    /// The configuration the node runs with.
    pub config: Arc<NodeConfig>,
    /// The node database (state and chain).
    pub store: Store,
    /// The chain's parameters (chain id, hard fork, gas limit, fee vault).
    pub chain: ChainSpec,
    /// The chain's engines (the EVM, and the engines of other VMs).
    pub engines: Arc<Engines>,
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
    /// When blocks are sealed and with which timestamps; one seal at a time.
    pub mining: Arc<MiningControl>,
    /// The L1 deposits read and not yet sealed (a sequencer with `[bridge] enabled`).
    pub deposits: Option<Arc<crate::deposits::DepositInbox>>,
    /// Whether the RPC serves the devnet's dev methods (`evm_mine`, `anvil_*`, …): only a
    /// node started by [`crate::Node::start_devnet`], never a sequencer of a real chain.
    pub dev_methods: bool,
}
