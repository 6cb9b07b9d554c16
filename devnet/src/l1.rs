//! A single-node Ethereum dev chain — what `manifold l1` runs and what tests start in-process
//! as the L1 of the Ethereum DA backend.
//!
//! It is Manifold's own node in dev-chain mode ([`sequencer::Node::start_dev_chain`]): the
//! same EVM, state and eth JSON-RPC as the L2, no batcher, no DA, the well-known dev accounts
//! funded at genesis, and blocks mined on every transaction ([`L1Options::block_time`] `None`)
//! or on a fixed interval, empty blocks included, so confirmations advance like on a real L1.
//! Every block is final as soon as it is sealed.

use std::{
    net::{Ipv4Addr, SocketAddr},
    path::{Path, PathBuf},
    time::Duration,
};

use alloy_primitives::U256;
use eyre::WrapErr;
use node_config::{DevAccount, DevnetOptions, NodeConfig, dev_accounts};
use sequencer::{Mining, Node, NodeHandle};

/// Default chain id of the dev L1 (distinct from the L2 devnet's 31337).
pub const DEFAULT_CHAIN_ID: u64 = 900;
/// Default JSON-RPC port: beside an L2 devnet on 8545.
pub const DEFAULT_PORT: u16 = 8546;

/// How to run a dev L1.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct L1Options {
    /// Chain data directory (resumed if it holds a chain). `None`: a fresh temporary
    /// directory, removed when the node shuts down or is dropped.
    pub data_dir: Option<PathBuf>,
    /// JSON-RPC listen address (HTTP and WebSocket); port 0 picks a free one. Default
    /// `127.0.0.1:8546`.
    pub listen: SocketAddr,
    /// Chain id. Default 900.
    pub chain_id: u64,
    /// Mining interval; `None` (or zero) mines a block as soon as transactions arrive.
    /// Default `None`.
    pub block_time: Option<Duration>,
    /// How many dev accounts to fund. Default 10.
    pub accounts: usize,
    /// Balance of each dev account, in wei. Default 10000 ether.
    pub balance_wei: U256,
}

impl Default for L1Options {
    fn default() -> Self {
        Self {
            data_dir: None,
            listen: SocketAddr::from((Ipv4Addr::LOCALHOST, DEFAULT_PORT)),
            chain_id: DEFAULT_CHAIN_ID,
            block_time: None,
            accounts: 10,
            balance_wei: DevnetOptions::default().balance_wei,
        }
    }
}

impl L1Options {
    /// How the chain mines.
    pub fn mining(&self) -> Mining {
        match self.block_time {
            Some(interval) if !interval.is_zero() => Mining::Interval(interval),
            _ => Mining::Instant,
        }
    }
}

/// A running dev L1.
#[derive(Debug)]
pub struct L1Node {
    handle: NodeHandle,
    data_dir: PathBuf,
    chain_id: u64,
    mining: Mining,
    accounts: Vec<DevAccount>,
    balance_wei: U256,
    _temp: Option<tempfile::TempDir>,
}

/// Starts a dev L1 as `opts` say and returns once its JSON-RPC serves.
pub async fn start(opts: L1Options) -> eyre::Result<L1Node> {
    let (data_dir, temp) = match &opts.data_dir {
        Some(dir) => (dir.clone(), None),
        None => {
            let temp = tempfile::Builder::new().prefix("manifold-l1-").tempdir()?;
            (temp.path().to_path_buf(), Some(temp))
        }
    };
    let mut config = NodeConfig::devnet(&DevnetOptions {
        chain_id: opts.chain_id,
        accounts: opts.accounts,
        balance_wei: opts.balance_wei,
        data_dir: data_dir.clone(),
        rpc_listen: opts.listen,
        ..DevnetOptions::default()
    })
    .wrap_err("invalid L1 options")?;
    // An Ethereum L1: no Solana RPC (its ports stay free for the L2 devnet).
    config.solana_rpc.enabled = false;
    let accounts = dev_accounts(opts.accounts)?;
    let mining = opts.mining();
    let handle = Node::start_dev_chain(config, mining)
        .await
        .wrap_err_with(|| format!("could not start the dev L1 on {}", opts.listen))?;
    Ok(L1Node {
        handle,
        data_dir,
        chain_id: opts.chain_id,
        mining,
        accounts,
        balance_wei: opts.balance_wei,
        _temp: temp,
    })
}

impl L1Node {
    /// The address its JSON-RPC listens on.
    pub fn rpc_addr(&self) -> SocketAddr {
        self.handle.rpc_addr
    }

    /// `http://<rpc_addr>`.
    pub fn rpc_url(&self) -> String {
        format!("http://{}", self.handle.rpc_addr)
    }

    /// `ws://<rpc_addr>`.
    pub fn ws_url(&self) -> String {
        format!("ws://{}", self.handle.rpc_addr)
    }

    /// The chain id.
    pub fn chain_id(&self) -> u64 {
        self.chain_id
    }

    /// How it mines.
    pub fn mining(&self) -> Mining {
        self.mining
    }

    /// The funded dev accounts (addresses and private keys).
    pub fn accounts(&self) -> &[DevAccount] {
        &self.accounts
    }

    /// Balance each dev account had at genesis, in wei.
    pub fn balance_wei(&self) -> U256 {
        self.balance_wei
    }

    /// The chain's data directory.
    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// The node underneath (its context: store, mempool, heads).
    pub fn handle(&self) -> &NodeHandle {
        &self.handle
    }

    /// Stops the RPC server and the miner, and waits for them; a temporary data directory
    /// is removed.
    pub async fn shutdown(self) {
        self.handle.shutdown().await;
    }
}
