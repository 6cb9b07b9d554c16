//! The DA services a devnet runs for itself: nothing for local DA, a local
//! Celestia-compatible node for `--da celestia`, a dev L1 for `--da ethereum` (with the
//! bridge's L1 contracts deployed, and the devnet settling on it: its proposer posts output
//! roots); each wired into the devnet's config. Also writes the config a follower of the devnet starts from.

use std::{net::SocketAddr, path::Path, time::Duration};

use eyre::WrapErr;
use node_config::{DaBackendKind, NodeConfig, Secret};
use sequencer::NodeHandle;

use devnet::{celestia_dev, l1, l1_bridge};

/// Block time of the devnet's Celestia-compatible node.
const CELESTIA_BLOCK_TIME: Duration = Duration::from_millis(500);
/// L1 blocks a deposit waits for on the devnet, counting its own (about 2 s).
const DEVNET_DEPOSIT_CONFIRMATIONS: u64 = 2;
/// The devnet's sequencing window: a deposit not on L2 a minute after its L1 block is late.
const DEVNET_SEQUENCING_WINDOW_SECS: u64 = 60;
/// Block time of the devnet's dev L1 (timed, so confirmations advance without traffic).
const L1_BLOCK_TIME: Duration = Duration::from_secs(1);

/// A devnet on Ethereum DA posts an output root every this many blocks (5 s at 250 ms).
const DEVNET_OUTPUT_INTERVAL: u64 = 20;

/// A running DA service of the devnet.
pub(crate) enum DevnetDa {
    /// Local DA: a file in the data directory, nothing to run.
    Local,
    /// A local Celestia-compatible node.
    Celestia(celestia_dev::CelestiaDevServer),
    /// A dev L1 receiving batches as calldata, and the bridge deployed on it.
    Ethereum(Box<l1::L1Node>, Box<l1_bridge::DevBridge>),
}

impl DevnetDa {
    /// Starts what `kind` needs under `data_dir` and points `config.da` at it (a dev L1's
    /// bridge with a challenge period of `challenge_period_secs`).
    pub(crate) async fn start(
        kind: DaBackendKind,
        challenge_period_secs: u64,
        data_dir: &Path,
        config: &mut NodeConfig,
    ) -> eyre::Result<Self> {
        config.da.backend = kind;
        let any_port = SocketAddr::from(([127, 0, 0, 1], 0));
        match kind {
            DaBackendKind::Local => Ok(Self::Local),
            DaBackendKind::Celestia => {
                let server = celestia_dev::start(celestia_dev::CelestiaDevOptions {
                    listen: any_port,
                    data_dir: data_dir.join("celestia"),
                    block_time: CELESTIA_BLOCK_TIME,
                })
                .await
                .wrap_err("could not start the local Celestia node")?;
                config.da.celestia.url = server.url();
                config.da.celestia.auth_token = Some(Secret::new(server.write_token()));
                // Its one account signs the blobs; followers read only those.
                config.da.celestia.batcher_address = Some(celestia_dev::dev_account().to_string());
                Ok(Self::Celestia(server))
            }
            DaBackendKind::Ethereum => {
                let node = l1::start(l1::L1Options {
                    data_dir: Some(data_dir.join("l1")),
                    listen: any_port,
                    block_time: Some(L1_BLOCK_TIME),
                    ..l1::L1Options::default()
                })
                .await
                .wrap_err("could not start the dev L1")?;
                let batcher =
                    node.accounts().first().ok_or_else(|| eyre::eyre!("no L1 account"))?;
                config.da.ethereum.rpc_url = node.rpc_url();
                config.da.ethereum.batcher_key = Some(Secret::new(batcher.private_key.to_string()));
                config.da.ethereum.l1_chain_id = Some(node.chain_id());
                let bridge = match l1_bridge::ensure_bridge(&node, challenge_period_secs).await {
                    Ok(bridge) => bridge,
                    Err(e) => {
                        node.shutdown().await;
                        return Err(e);
                    }
                };
                // The chain settles on that L1: the devnet proposes as dev account 1.
                let proposer =
                    node.accounts().get(1).ok_or_else(|| eyre::eyre!("no L1 account 1"))?;
                config.bridge.enabled = true;
                config.bridge.l1_rpc_url = node.rpc_url();
                config.bridge.l1_chain_id = Some(node.chain_id());
                config.bridge.output_oracle = bridge.addresses.output_oracle;
                config.bridge.portal = bridge.addresses.portal;
                config.bridge.portal_deployed_at_block = bridge.addresses.deployed_at_block;
                config.bridge.deposit_confirmations = DEVNET_DEPOSIT_CONFIRMATIONS;
                config.bridge.sequencing_window_secs = DEVNET_SEQUENCING_WINDOW_SECS;
                config.bridge.output_interval_blocks = DEVNET_OUTPUT_INTERVAL;
                config.bridge.proposer_key = Some(Secret::new(proposer.private_key.to_string()));
                Ok(Self::Ethereum(Box::new(node), Box::new(bridge)))
            }
        }
    }

    /// One line saying where batches go.
    pub(crate) fn describe(&self, config: &NodeConfig) -> String {
        match self {
            Self::Local => format!("local, {}", config.local_da_path().display()),
            Self::Celestia(server) => format!(
                "celestia (local node {}, namespace {})",
                server.url(),
                config.da.celestia.namespace
            ),
            Self::Ethereum(node, _) => format!(
                "ethereum (dev L1 {}, chain id {}, inbox {})",
                node.rpc_url(),
                node.chain_id(),
                config.da.ethereum.batch_inbox
            ),
        }
    }

    /// The dev L1 and its bridge, for `--da ethereum`.
    pub(crate) fn l1(&self) -> Option<(&l1::L1Node, &l1_bridge::DevBridge)> {
        match self {
            Self::Ethereum(node, bridge) => Some((node, bridge)),
            _ => None,
        }
    }

    /// Stops the service (after the devnet node, whose batcher uses it).
    pub(crate) async fn stop(self) {
        match self {
            Self::Local => {}
            Self::Celestia(server) => server.stop().await,
            Self::Ethereum(node, _) => node.shutdown().await,
        }
    }

    /// The config a follower of the devnet runs with: the devnet's, with its own data
    /// directory and RPC port, the genesis timestamp fixed to the devnet's, and only the
    /// read side of the DA secrets (Celestia read token; the batcher's address, not its key).
    pub(crate) fn follower_config(
        &self,
        devnet: &NodeConfig,
        node: &NodeHandle,
    ) -> eyre::Result<NodeConfig> {
        let mut config = devnet.clone();
        config.data_dir = devnet.data_dir.join("follower");
        config.rpc.listen = SocketAddr::new(devnet.rpc.listen.ip(), 0);
        let genesis = node.ctx.store.reader()?.header(0)?;
        config.genesis.timestamp = genesis.map(|h| h.timestamp).unwrap_or_default();
        config.da.local.path = Some(devnet.local_da_path());
        if let Self::Celestia(server) = self {
            config.da.celestia.auth_token = Some(Secret::new(server.read_token()));
        }
        config.da.ethereum.batcher_address = config.da.ethereum.batcher()?;
        config.da.ethereum.batcher_key = None;
        // A follower proposes nothing.
        config.bridge.proposer_key = None;
        config.validate()?;
        config.require_da_reader()?;
        Ok(config)
    }
}
