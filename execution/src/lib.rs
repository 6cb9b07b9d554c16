#![doc = include_str!("../README.md")]

pub mod block;
pub mod error;
pub mod evm;
pub mod genesis;
pub mod scheduler;
pub mod state;
pub mod store;
pub mod transaction;
pub mod trie;

pub use block::{BlockEnv, BlockOutcome, SealedBlock, execute_block};
pub use error::ExecutionError;
pub use state::{AccountState, StateChanges, StateView};
pub use store::{Store, StoreReader};
pub use transaction::RecoveredTx;
