#![doc = include_str!("../README.md")]

mod chain;
mod da;
mod da_validation;
mod dev_accounts;
mod devnet;
mod error;
mod example;
mod execution;
mod follower;
mod genesis;
mod loading;
mod log;
mod mempool;
mod node_config;
mod overrides;
mod rpc;
mod schema;
mod secret;
mod validation;

pub use chain::ChainConfig;
pub use da::{
    BatcherConfig, CelestiaDaConfig, DEFAULT_BATCH_INBOX, DEFAULT_CELESTIA_NAMESPACE_ID,
    DaBackendKind, DaConfig, EthereumDaConfig, LocalDaConfig,
};
pub use dev_accounts::{DEV_DERIVATION_PATH_PREFIX, DEV_MNEMONIC, DevAccount, dev_accounts};
pub use devnet::DevnetOptions;
pub use error::ConfigError;
pub use execution::{ExecutionConfig, MAX_EXECUTION_THREADS};
pub use follower::FollowerConfig;
pub use genesis::{
    GenesisAccount, GenesisConfig, GenesisIdAccount, MAX_CODE_SIZE, MAX_EXTRA_DATA_BYTES,
};
pub use log::{LogConfig, LogFormat};
pub use mempool::MempoolConfig;
pub use node_config::NodeConfig;
pub use overrides::{Override, OverrideSource, Overrides};
pub use rpc::RpcConfig;
pub use secret::Secret;
