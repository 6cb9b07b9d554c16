#![doc = include_str!("../README.md")]

pub mod batcher;
pub mod block_builder;
pub mod context;
pub mod error;
pub mod heads;
pub mod journal;
pub mod mempool;
pub mod metrics;
pub mod node;
pub mod rpc;
mod tx_validation;

pub use context::NodeContext;
pub use error::{PoolError, SequencerError};
pub use heads::Heads;
pub use mempool::Mempool;
pub use metrics::Metrics;
pub use node::{Node, NodeHandle};
