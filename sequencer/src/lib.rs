#![doc = include_str!("../README.md")]

pub mod batcher;
pub mod block_builder;
pub mod chain_rewind;
pub mod context;
pub mod deposits;
mod dev_chain;
pub mod error;
pub mod follower;
pub mod fuzzing;
pub mod heads;
pub mod journal;
pub mod mempool;
pub mod metrics;
pub mod mining;
pub mod node;
pub mod rpc;
pub mod settlement;
pub mod sync_state;
pub mod withdrawal_log_tree;

pub use context::NodeContext;
pub use dev_chain::Mining;
pub use error::{Overdraft, PoolError, SequencerError};
pub use heads::Heads;
pub use mempool::Mempool;
pub use metrics::Metrics;
pub use mining::{MiningControl, MiningMode};
pub use node::{Node, NodeHandle};
pub use sync_state::{Divergence, NodeRole, SyncState};
