//! `Node`: assembles a sequencer from its configuration — store and genesis, mempool and
//! journal, block builder, batcher and DA backend, JSON-RPC — and shuts it down cleanly.

use std::{net::SocketAddr, sync::Arc};

use da::{DaBackend, LocalDa};
use execution::{
    ChainSpec, Engines, Store,
    scheduler::{ParallelExecutor, SchedulerConfig},
};
use node_config::{DaBackendKind, NodeConfig};
use parking_lot::Mutex;
use tokio::{
    sync::{broadcast, watch},
    task::JoinHandle,
};

use crate::{
    Heads, Mempool, Metrics, NodeContext, NodeRole, SequencerError, SyncState, batcher,
    block_builder,
    journal::Journal,
    mining::{MiningControl, MiningMode},
};

/// Starts nodes.
#[derive(Debug)]
pub struct Node;

/// A running node.
#[derive(Debug)]
pub struct NodeHandle {
    /// Shared node state.
    pub ctx: NodeContext,
    /// Address the JSON-RPC server listens on.
    pub rpc_addr: SocketAddr,
    /// Addresses of Solana's JSON-RPC (HTTP, WebSocket), when the node serves it.
    pub solana_rpc_addrs: Option<(SocketAddr, SocketAddr)>,
    pub(crate) rpc: jsonrpsee::server::ServerHandle,
    pub(crate) shutdown: watch::Sender<bool>,
    pub(crate) tasks: Vec<JoinHandle<()>>,
}

/// File name of the node database inside the data directory.
pub const DB_FILE: &str = "node.redb";
/// File name of the mempool journal inside the data directory (an earlier build's
/// [`LEGACY_JOURNAL_FILE`](crate::journal::LEGACY_JOURNAL_FILE) beside it is carried over).
pub const JOURNAL_FILE: &str = "mempool.journal";
/// The directory, in the data directory, of compiled WebAssembly programs.
pub const WASM_CACHE_DIR: &str = "wasm-cache";

fn now_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}

/// Opens the DA backend chosen by `[da] backend`. Does not need the DA to be reachable:
/// a node starts during a DA outage and its batcher retries.
pub async fn open_da(config: &NodeConfig) -> Result<Arc<dyn DaBackend>, SequencerError> {
    match config.da.backend {
        DaBackendKind::Local => {
            Ok(Arc::new(LocalDa::open(config.local_da_path(), config.da.local.max_blob_bytes)?))
        }
        DaBackendKind::Celestia => {
            Ok(Arc::new(da::CelestiaDa::connect(&config.da.celestia).await?))
        }
        DaBackendKind::Ethereum => {
            Ok(Arc::new(da::EthereumDa::connect(&config.da.ethereum).await?))
        }
    }
}

impl Node {
    /// Opens (or creates) the chain in `config.data_dir` and starts every service.
    pub async fn start(config: NodeConfig) -> Result<NodeHandle, SequencerError> {
        config.require_da_writer()?;
        config.require_proposer()?;
        let da = open_da(&config).await?;
        Self::start_with_da(config, da).await
    }

    /// Opens the chain in `config.data_dir` (writing genesis on first use) and builds the
    /// shared node state of a sequencer, without starting any service.
    pub fn open(config: NodeConfig) -> Result<NodeContext, SequencerError> {
        Self::open_as(config, NodeRole::Sequencer)
    }

    /// Like [`open`](Self::open), for a node of `role`.
    pub fn open_as(config: NodeConfig, role: NodeRole) -> Result<NodeContext, SequencerError> {
        let engines = Engines::for_config(&config)?;
        Self::open_with_engines(config, role, engines)
    }

    /// Like [`open_as`](Self::open_as), running `engines` (the chain's, with the engines of
    /// other VMs a test adds).
    pub fn open_with_engines(
        config: NodeConfig,
        role: NodeRole,
        engines: Engines,
    ) -> Result<NodeContext, SequencerError> {
        let config = Arc::new(config);
        let chain = ChainSpec::from_config(&config);
        let store =
            Store::open(config.data_dir.join(DB_FILE))?.keep_blocks(config.history.keep_blocks);
        // Compiled WebAssembly programs are kept beside the chain, so a restart loads them.
        execution::wasm::WasmRuntime::global().set_cache_dir(&config.data_dir.join(WASM_CACHE_DIR));
        let timestamp =
            if config.genesis.timestamp == 0 { now_secs() } else { config.genesis.timestamp };
        let genesis = store.init_genesis(&chain, &config.genesis, timestamp)?;
        let head = store.head_number()?.unwrap_or_default();
        tracing::info!(genesis = %genesis.hash, head, chain_id = config.chain.chain_id, "chain opened");

        let metrics = Arc::new(Metrics::new());
        metrics.head.set(head as i64);
        let engines = Arc::new(engines);
        let journal = Journal::start_counting(
            &config.data_dir.join(JOURNAL_FILE),
            metrics.journal_commits.clone(),
        )?;
        let mempool = Arc::new(Mempool::new(
            store.clone(),
            journal,
            engines.clone(),
            config.mempool.clone(),
            metrics.clone(),
        )?);
        let (blocks, _) = broadcast::channel(1024);
        let executor = Arc::new(Mutex::new(ParallelExecutor::new(SchedulerConfig {
            threads: config.execution.worker_threads(),
            ..SchedulerConfig::default()
        })));
        let block_time = std::time::Duration::from_millis(config.chain.block_time_ms);
        let mining = Arc::new(MiningControl::new(MiningMode::Interval(block_time)));
        let deposits = (role == NodeRole::Sequencer && config.bridge.enabled)
            .then(|| Arc::new(crate::deposits::DepositInbox::new()));
        Ok(NodeContext {
            config,
            store,
            chain,
            engines,
            mempool,
            heads: Arc::new(Heads::default()),
            sync: Arc::new(SyncState::new(role)),
            blocks,
            metrics,
            executor,
            mining,
            deposits,
            dev_methods: false,
        })
    }

    /// Like `start`, with a DA backend supplied by the caller (tests inject failures).
    pub async fn start_with_da(
        config: NodeConfig,
        da: Arc<dyn DaBackend>,
    ) -> Result<NodeHandle, SequencerError> {
        let engines = Engines::for_config(&config)?;
        Self::start_with_engines(config, da, engines).await
    }

    /// Like [`start_with_da`](Self::start_with_da), running `engines`.
    pub async fn start_with_engines(
        config: NodeConfig,
        da: Arc<dyn DaBackend>,
        engines: Engines,
    ) -> Result<NodeHandle, SequencerError> {
        let ctx = Self::open_with_engines(config, NodeRole::Sequencer, engines)?;
        Self::run(ctx, da).await
    }

    /// Like [`start`](Self::start), for a local devnet: the RPC also serves the dev methods
    /// (`evm_mine`, `anvil_mine`, `evm_increaseTime`, …; see `rpc::dev`). Never for a
    /// sequencer of a real chain.
    pub async fn start_devnet(config: NodeConfig) -> Result<NodeHandle, SequencerError> {
        config.require_da_writer()?;
        config.require_proposer()?;
        let da = open_da(&config).await?;
        Self::start_devnet_with_da(config, da).await
    }

    /// Like [`start_devnet`](Self::start_devnet), with a DA backend supplied by the caller.
    pub async fn start_devnet_with_da(
        config: NodeConfig,
        da: Arc<dyn DaBackend>,
    ) -> Result<NodeHandle, SequencerError> {
        let mut ctx = Self::open_as(config, NodeRole::Sequencer)?;
        ctx.dev_methods = true;
        Self::run(ctx, da).await
    }

    /// Starts the block builder, the batcher and the RPC of an opened sequencer.
    async fn run(ctx: NodeContext, da: Arc<dyn DaBackend>) -> Result<NodeHandle, SequencerError> {
        let (shutdown, shutdown_rx) = watch::channel(false);
        let proposer = crate::settlement::start_proposer(&ctx, shutdown_rx.clone())?;
        let feed = crate::deposits::start_deposit_feed(&ctx, shutdown_rx.clone())?;
        let mut tasks = vec![
            tokio::spawn(block_builder::run_block_builder(ctx.clone(), shutdown_rx.clone())),
            tokio::spawn(batcher::run_batcher(ctx.clone(), da, shutdown_rx)),
        ];
        tasks.extend(proposer);
        tasks.extend(feed);
        NodeHandle::serve(ctx, shutdown, tasks).await
    }
}

impl NodeHandle {
    /// Starts the JSON-RPC server for `ctx` beside the node's running `tasks`, which stop
    /// when `shutdown` turns true.
    pub(crate) async fn serve(
        ctx: NodeContext,
        shutdown: watch::Sender<bool>,
        tasks: Vec<JoinHandle<()>>,
    ) -> Result<Self, SequencerError> {
        let (rpc, addrs) = match crate::rpc::start_rpc(ctx.clone()).await {
            Ok(started) => started,
            Err(e) => {
                let _ = shutdown.send(true);
                for task in tasks {
                    let _ = task.await;
                }
                return Err(e);
            }
        };
        Ok(Self { ctx, rpc_addr: addrs.eth, solana_rpc_addrs: addrs.solana, rpc, shutdown, tasks })
    }

    /// Stops the RPC server, lets the builder finish its current block and the batcher its
    /// current submission, and waits for them.
    pub async fn shutdown(self) {
        let _ = self.rpc.stop();
        let _ = self.shutdown.send(true);
        for task in self.tasks {
            let _ = task.await;
        }
        self.rpc.stopped().await;
        // Close the journal file now, not when the last clone of the context goes, so the
        // data directory can be opened again at once.
        self.ctx.mempool.close_journal().await;
        tracing::info!("node stopped");
    }
}
