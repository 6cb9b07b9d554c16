#![doc = include_str!("../README.md")]

pub mod allocator;
pub mod block;
mod chain_spec;
pub mod cross_vm;
pub mod deposit;
pub mod dev_state;
pub mod engine;
pub mod error;
pub mod evm;
mod fork_config;
pub mod fuzzing;
pub mod genesis;
#[cfg(any(test, feature = "test-utils"))]
pub mod kv;
pub mod scheduler;
pub mod state;
pub mod store;
pub mod svm;
pub mod trie;
pub mod wasm;

pub use block::{
    BlockEnv, BlockExecutor, BlockOutcome, ExecutedBlock, IncludedTx, InvalidTxPolicy, SealedBlock,
    execute_block,
};
pub use chain_spec::ChainSpec;
pub use engine::{
    AdmissionContext, Engine, EngineKind, EngineOutput, EngineTx, Engines, Executed, Receipt,
    Rejection, ReplayGuard, RouterVm, Transaction, TxError, TxResult,
};
pub use error::ExecutionError;
pub use state::{AccountId, AccountState, ChainView, StateChanges, StateView};
pub use store::{
    DaInclusion, HistoricalState, HistorySize, ProgressStore, SealOptions, Store, StoreReader,
};
