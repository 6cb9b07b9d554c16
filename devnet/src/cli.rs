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
    /// Configuration tools.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Measure execution and end-to-end sealing throughput.
    Bench(BenchArgs),
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
    /// JSON-RPC listen host.
    #[arg(long, default_value = "127.0.0.1")]
    pub(crate) host: std::net::IpAddr,
    /// Chain id.
    #[arg(long, default_value_t = 31337)]
    pub(crate) chain_id: u64,
    /// Block time in milliseconds.
    #[arg(long, default_value_t = 250)]
    pub(crate) block_time: u64,
    /// Number of funded dev accounts.
    #[arg(long, default_value_t = 10)]
    pub(crate) accounts: usize,
    /// Also print the start-up summary as one JSON line on stdout.
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
}
