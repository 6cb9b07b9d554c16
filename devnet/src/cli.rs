//! Command-line interface of `manifold` (clap).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Manifold: a multi-VM rollup sequencer.
#[derive(Debug, Parser)]
#[command(name = "manifold", version, about)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Run a local devnet: funded dev accounts, 250 ms blocks, local DA, no config file.
    Devnet(DevnetArgs),
    /// Run the sequencer of a chain from a config file.
    Sequencer(SequencerArgs),
    /// Run a follower: derive the chain from DA alone (same config file as the sequencer,
    /// with `genesis.timestamp` set) and serve it read-only over JSON-RPC.
    Follower(SequencerArgs),
    /// Configuration tools.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Measure execution and end-to-end sealing throughput.
    Bench(BenchArgs),
    /// Send pre-signed transfers to any Ethereum JSON-RPC node at a given concurrency (or
    /// rate) and report acknowledged and sealed tx/s and inclusion latency.
    Load(LoadArgs),
    /// Run a single-node Ethereum dev chain (an L1 for the Ethereum DA backend).
    L1(L1Args),
    /// Run a local Celestia-compatible DA server (celestia-node JSON-RPC subset).
    CelestiaDev(CelestiaDevArgs),
    /// Move value between the L2 and its L1: withdraw, prove, finalize, status.
    #[command(subcommand)]
    Bridge(BridgeCommand),
}

/// `manifold bridge …`: a deposit from the L1 to the L2, and a withdrawal back, step by step.
#[derive(Debug, Subcommand)]
pub(crate) enum BridgeCommand {
    /// Deposit on the L1 portal for an L2 recipient (an EVM address, or a Solana pubkey with
    /// --to-solana), then wait until the L2 has minted it.
    Deposit(DepositArgs),
    /// Start a withdrawal on L2 (`L2Withdrawals.initiateWithdrawal`); prints the L2
    /// transaction that names it in the other commands.
    Withdraw(WithdrawArgs),
    /// Wait for an output root covering the withdrawal, check it against the L2, and prove
    /// the withdrawal on the L1 portal.
    Prove(WithdrawalArgs),
    /// Wait for the challenge period, then have the L1 portal pay the withdrawal out.
    Finalize(WithdrawalArgs),
    /// Where a withdrawal stands.
    Status(StatusArgs),
}

/// The L2 side of a bridge command.
#[derive(Debug, Args)]
pub(crate) struct L2Endpoint {
    /// The L2's JSON-RPC URL.
    #[arg(long, default_value = "http://127.0.0.1:8545")]
    pub(crate) l2_rpc: String,
    /// Print the result as one JSON line on stdout.
    #[arg(long)]
    pub(crate) json: bool,
}

/// The L1 side of a bridge command.
#[derive(Debug, Args)]
pub(crate) struct L1Endpoint {
    /// The L1's JSON-RPC URL.
    #[arg(long, default_value = "http://127.0.0.1:8546")]
    pub(crate) l1_rpc: String,
    /// The bridge's Portal on the L1 (`manifold l1` prints it).
    #[arg(long)]
    pub(crate) portal: alloy_primitives::Address,
}

#[derive(Debug, Args)]
pub(crate) struct DepositArgs {
    #[command(flatten)]
    pub(crate) l2: L2Endpoint,
    #[command(flatten)]
    pub(crate) l1: L1Endpoint,
    /// Private key of the L1 account that deposits (or env MANIFOLD_KEY).
    #[arg(long, env = "MANIFOLD_KEY", hide_env_values = true)]
    pub(crate) key: String,
    /// The EVM recipient on L2. Default: the depositor's own address.
    #[arg(long, conflicts_with = "to_solana")]
    pub(crate) to: Option<alloy_primitives::Address>,
    /// A Solana recipient on L2 (base58 pubkey), credited in lamports (1 lamport = 1 gwei).
    #[arg(long)]
    pub(crate) to_solana: Option<String>,
    /// Amount, in ether (e.g. 0.5); a whole number of gwei for a Solana recipient.
    #[arg(long)]
    pub(crate) value: String,
    /// Gas of the L2 call to an EVM recipient (21000..=10000000), bought on the L1: the portal
    /// burns L1 gas for it (see the README).
    #[arg(long, default_value_t = 100_000)]
    pub(crate) gas_limit: u64,
    /// Calldata of that call, 0x-hex.
    #[arg(long, default_value = "0x")]
    pub(crate) data: alloy_primitives::Bytes,
    /// Give up after this many seconds of waiting for the L2.
    #[arg(long, default_value_t = 600)]
    pub(crate) timeout_secs: u64,
}

#[derive(Debug, Args)]
pub(crate) struct WithdrawArgs {
    #[command(flatten)]
    pub(crate) l2: L2Endpoint,
    /// Private key of the L2 account that withdraws (or env MANIFOLD_KEY).
    #[arg(long, env = "MANIFOLD_KEY", hide_env_values = true)]
    pub(crate) key: String,
    /// Who receives the value on the L1. Default: the same address.
    #[arg(long)]
    pub(crate) to: Option<alloy_primitives::Address>,
    /// Amount, in ether (e.g. 0.5).
    #[arg(long)]
    pub(crate) value: String,
    /// Gas of the call to `to` when finalized on L1 (0: a plain transfer).
    #[arg(long, default_value_t = 0)]
    pub(crate) gas_limit: u64,
    /// Calldata of that call, 0x-hex.
    #[arg(long, default_value = "0x")]
    pub(crate) data: alloy_primitives::Bytes,
}

#[derive(Debug, Args)]
pub(crate) struct WithdrawalArgs {
    #[command(flatten)]
    pub(crate) l2: L2Endpoint,
    #[command(flatten)]
    pub(crate) l1: L1Endpoint,
    /// Private key of the L1 account that sends (and pays for) the transaction (or env
    /// MANIFOLD_KEY); anyone may.
    #[arg(long, env = "MANIFOLD_KEY", hide_env_values = true)]
    pub(crate) key: String,
    /// The L2 transaction that started the withdrawal (`manifold bridge withdraw` prints it).
    #[arg(long)]
    pub(crate) l2_tx: alloy_primitives::B256,
    /// Give up after this many seconds of waiting.
    #[arg(long, default_value_t = 3600)]
    pub(crate) timeout_secs: u64,
}

#[derive(Debug, Args)]
pub(crate) struct StatusArgs {
    #[command(flatten)]
    pub(crate) l2: L2Endpoint,
    #[command(flatten)]
    pub(crate) l1: L1Endpoint,
    /// The L2 transaction that started the withdrawal.
    #[arg(long)]
    pub(crate) l2_tx: alloy_primitives::B256,
}

#[derive(Debug, Args)]
pub(crate) struct CelestiaDevArgs {
    /// Data directory; resumed if it holds a chain. Default: a fresh temporary directory,
    /// removed on exit.
    #[arg(long)]
    pub(crate) data_dir: Option<PathBuf>,
    /// Listen host.
    #[arg(long, default_value = "127.0.0.1")]
    pub(crate) host: std::net::IpAddr,
    /// JSON-RPC port (HTTP and WebSocket); 0 picks a free one. celestia-node's default.
    #[arg(long, default_value_t = 26658)]
    pub(crate) port: u16,
    /// Block time in milliseconds.
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u64).range(1..))]
    pub(crate) block_time: u64,
    /// Also print the URL, tokens and namespace as one JSON line on stdout.
    #[arg(long)]
    pub(crate) json: bool,
    /// Log filter (tracing EnvFilter syntax), e.g. "info" or "devnet=debug".
    #[arg(long, default_value = "info")]
    pub(crate) log: String,
}

#[derive(Debug, Subcommand)]
pub(crate) enum ConfigCommand {
    /// Print a complete, commented manifold.toml with every default.
    Example,
    /// Validate a config file (with MANIFOLD_* overrides applied).
    Check {
        /// The file to check.
        config: PathBuf,
    },
}

#[derive(Debug, Args)]
pub(crate) struct DevnetArgs {
    /// Data directory; resumed if it holds a chain. Default: a fresh temporary directory,
    /// removed on exit.
    #[arg(long)]
    pub(crate) data_dir: Option<PathBuf>,
    /// JSON-RPC port (HTTP and WebSocket); 0 picks a free one.
    #[arg(long, default_value_t = 8545)]
    pub(crate) rpc_port: u16,
    /// Solana JSON-RPC (HTTP) port. Default 8899, or a free one when --rpc-port is 0.
    #[arg(long)]
    pub(crate) solana_rpc_port: Option<u16>,
    /// Solana WebSocket (subscriptions) port. Default 8900, or a free one when --rpc-port is 0.
    #[arg(long)]
    pub(crate) solana_ws_port: Option<u16>,
    /// JSON-RPC listen host.
    #[arg(long, default_value = "127.0.0.1")]
    pub(crate) host: std::net::IpAddr,
    /// Chain id.
    #[arg(long, default_value_t = 31337)]
    pub(crate) chain_id: u64,
    /// Block time in milliseconds.
    #[arg(long, default_value_t = 250)]
    pub(crate) block_time: u64,
    /// Gas limit of every block (`chain.block_gas_limit`).
    #[arg(long, default_value_t = 30_000_000)]
    pub(crate) gas_limit: u64,
    /// Seal a block only when there are transactions to include (`chain.empty_blocks =
    /// false`); by default a block is sealed every block time, empty or not.
    #[arg(long)]
    pub(crate) no_empty_blocks: bool,
    /// Number of funded dev accounts.
    #[arg(long, default_value_t = 10)]
    pub(crate) accounts: usize,
    /// DA backend: "local" (a file in the data directory), "celestia" (starts a local
    /// Celestia-compatible node) or "ethereum" (starts a dev L1 and posts calldata to it).
    #[arg(long, default_value = "local")]
    pub(crate) da: node_config::DaBackendKind,
    /// With `--da ethereum`: the challenge period of the bridge on the dev L1, in seconds.
    #[arg(long, default_value_t = devnet::l1_bridge::DEFAULT_CHALLENGE_PERIOD_SECS)]
    pub(crate) challenge_period: u64,
    /// Blocks whose states are kept for queries at older blocks: "all" or a number ≥ 1
    /// (`[history] keep_blocks`).
    #[arg(long, default_value = "all")]
    pub(crate) keep_blocks: node_config::KeepBlocks,
    /// Also print the start-up summary as one JSON line on stdout.
    #[arg(long)]
    pub(crate) json: bool,
    /// Log filter (tracing EnvFilter syntax), e.g. "info" or "sequencer=debug".
    #[arg(long, default_value = "info")]
    pub(crate) log: String,
}

#[derive(Debug, Args)]
pub(crate) struct L1Args {
    /// Data directory; resumed if it holds a chain. Default: a fresh temporary directory,
    /// removed on exit.
    #[arg(long)]
    pub(crate) data_dir: Option<PathBuf>,
    /// JSON-RPC listen host.
    #[arg(long, default_value = "127.0.0.1")]
    pub(crate) host: std::net::IpAddr,
    /// JSON-RPC port (HTTP and WebSocket); 0 picks a free one. 8546 runs beside an L2 on 8545.
    #[arg(long, default_value_t = 8546)]
    pub(crate) port: u16,
    /// Chain id.
    #[arg(long, default_value_t = 900)]
    pub(crate) chain_id: u64,
    /// Block time in milliseconds; blocks are mined even when empty. 0 mines a block as soon
    /// as transactions arrive.
    #[arg(long, default_value_t = 1000)]
    pub(crate) block_time: u64,
    /// Number of funded dev accounts (at least 3: the bridge's deployer, proposer and
    /// guardian are accounts 0, 1 and 2).
    #[arg(long, default_value_t = 10)]
    pub(crate) accounts: usize,
    /// Seconds between an output root's posting on the bridge's OutputOracle and its
    /// finalization (the challenge period).
    #[arg(long, default_value_t = devnet::l1_bridge::DEFAULT_CHALLENGE_PERIOD_SECS)]
    pub(crate) challenge_period: u64,
    /// Also print the start-up summary (RPC URL, chain id, accounts with keys, bridge
    /// contracts) as one JSON line on stdout.
    #[arg(long)]
    pub(crate) json: bool,
    /// Log filter (tracing EnvFilter syntax), e.g. "info" or "sequencer=debug".
    #[arg(long, default_value = "info")]
    pub(crate) log: String,
}

#[derive(Debug, Args)]
pub(crate) struct SequencerArgs {
    /// The manifold.toml to run.
    #[arg(long)]
    pub(crate) config: PathBuf,
    /// Override a config key, e.g. --set rpc.listen=0.0.0.0:8545 (repeatable; wins over
    /// MANIFOLD_* environment variables).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub(crate) set: Vec<String>,
    /// Data directory (overrides data_dir).
    #[arg(long)]
    pub(crate) data_dir: Option<PathBuf>,
    /// Print one JSON line on stdout once serving: rpc_url, ws_url, chain_id, role.
    #[arg(long)]
    pub(crate) json: bool,
}

#[derive(Debug, Args)]
pub(crate) struct LoadArgs {
    /// The node's JSON-RPC URL: `http(s)://…`, or `ws(s)://…` to send over WebSocket.
    #[arg(long, default_value = "http://127.0.0.1:8545")]
    pub(crate) rpc: String,
    /// Transfers to send.
    #[arg(long, default_value_t = 20_000)]
    pub(crate) txs: usize,
    /// Distinct senders (funded first by --funder-key).
    #[arg(long, default_value_t = 200)]
    pub(crate) senders: usize,
    /// Concurrent clients, each on its own connection.
    #[arg(long, default_value_t = 8)]
    pub(crate) clients: usize,
    /// Transactions per request: 1 sends single requests, more sends JSON-RPC batches.
    #[arg(long, default_value_t = 100)]
    pub(crate) batch: usize,
    /// Offered rate, in tx/s (default: as fast as the node answers).
    #[arg(long)]
    pub(crate) rate: Option<f64>,
    /// Private key of the account that funds the senders (default: dev account 0, funded on
    /// `manifold devnet` and on anvil alike).
    #[arg(
        long,
        env = "MANIFOLD_KEY",
        hide_env_values = true,
        default_value = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"
    )]
    pub(crate) funder_key: String,
    /// Seed of the senders' keys.
    #[arg(long, default_value_t = 1)]
    pub(crate) seed: u64,
    /// Give up waiting for inclusion after this many seconds.
    #[arg(long, default_value_t = 300)]
    pub(crate) timeout_secs: u64,
    /// Also print the report as one JSON line on stdout.
    #[arg(long)]
    pub(crate) json: bool,
}

#[derive(Debug, Args)]
pub(crate) struct BenchArgs {
    /// Signed transfers to seal.
    #[arg(long, default_value_t = 20_000)]
    pub(crate) txs: usize,
    /// Distinct funded senders.
    #[arg(long, default_value_t = 2_000)]
    pub(crate) senders: usize,
    /// Most transactions per block (sets the block gas limit to this many transfers).
    #[arg(long, default_value_t = 5_000)]
    pub(crate) block_txs: usize,
    /// Block time of the builder, in milliseconds (the devnet's default).
    #[arg(long, default_value_t = 250)]
    pub(crate) block_time: u64,
    /// The sequencer's `execution.threads` for the end-to-end run (0: the cores; 1: every
    /// block sequentially).
    #[arg(long, default_value_t = 0)]
    pub(crate) threads: usize,
    /// Empty blocks sealed to measure what one costs (time, bytes on disk and on DA).
    #[arg(long, default_value_t = 1_000, value_parser = clap::value_parser!(u64).range(1..))]
    pub(crate) empty_blocks: u64,
}
