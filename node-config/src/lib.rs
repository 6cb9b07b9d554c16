#![doc = include_str!("../README.md")]

mod bridge;
mod chain;
mod da;
mod da_validation;
mod dev_accounts;
mod dev_solana_keypairs;
mod devnet;
mod error;
mod example;
mod execution;
mod follower;
mod genesis;
mod history;
mod loading;
mod log;
mod mempool;
mod node_config;
mod overrides;
mod rpc;
mod schema;
mod secret;
mod solana_rpc;
mod validation;

pub use bridge::{BridgeConfig, PORTAL_MAX_DEPOSIT_GAS};
pub use chain::ChainConfig;
pub use da::{
    BatcherConfig, CelestiaDaConfig, DEFAULT_BATCH_INBOX, DEFAULT_CELESTIA_NAMESPACE_ID,
    DaBackendKind, DaConfig, EthereumDaConfig, LocalDaConfig,
};
pub use dev_accounts::{DEV_DERIVATION_PATH_PREFIX, DEV_MNEMONIC, DevAccount, dev_accounts};
pub use dev_solana_keypairs::{
    DevSolanaKeypair, FAUCET_INDEX, dev_solana_faucet, dev_solana_keypairs,
};
pub use devnet::{DevnetOptions, faucet_balance_wei};
pub use error::ConfigError;
pub use execution::{ExecutionConfig, MAX_EXECUTION_THREADS};
pub use follower::FollowerConfig;
pub use genesis::{
    GenesisAccount, GenesisConfig, GenesisIdAccount, MAX_CODE_SIZE, MAX_EXTRA_DATA_BYTES,
};
pub use history::{DEFAULT_KEEP_BLOCKS, HistoryConfig, KeepBlocks};
pub use log::{LogConfig, LogFormat};
pub use mempool::MempoolConfig;
pub use node_config::NodeConfig;
pub use overrides::{Override, OverrideSource, Overrides};
pub use rpc::RpcConfig;
pub use secret::Secret;
pub use solana_rpc::{SOLANA_RPC_PORT, SOLANA_WS_PORT, SolanaRpcConfig};
