//! The EVM engine on revm: Ethereum transactions (`evm_tx`) and their admission rules
//! (`admission`), the engine (`evm_engine`), the executor of one transaction (`executor`,
//! fees deferred to block end: `deferred_fees`), what a transaction did to the state
//! (`tx_effects`), its output and receipt (`output`, blooms: `logs_bloom`), the EVM as a VM of
//! the scheduler (`block_vm`, analysed code cached per worker: `code_cache`), and
//! `eth_call`-style simulation (`simulate`, over `state_db`), `eth_createAccessList`'s
//! access lists (`access_list`), and geth's tracers over sealed transactions and calls
//! (`trace`, bounded in time by `trace_deadline`).

mod access_list;
mod admission;
mod block_vm;
mod code_cache;
mod deferred_fees;
mod evm_engine;
mod evm_tx;
mod executor;
mod logs_bloom;
mod output;
mod simulate;
mod state_db;
mod trace;
mod trace_deadline;
#[cfg(test)]
mod trace_tests;
pub(crate) mod tx_effects;
mod tx_env;

pub use access_list::{AccessListOutcome, create_access_list};
pub use block_vm::{EvmBlockVm, EvmWorker};
pub use evm_engine::EvmEngine;
pub use evm_tx::EvmTx;
pub use executor::{EvmConfig, EvmExecutor, EvmFrames, Validation, revm_block_env};
pub use output::EvmOutput;
pub use simulate::{
    CallRequest, CallResult, TX_GAS_LIMIT_CAP, estimate_gas, estimate_gas_cap, geth_message,
    simulate_call,
};
pub use state_db::{BlockSolana, StateDb};
pub use trace::{TraceError, TraceSettings, TraceTarget, TxTrace, trace_block, trace_call};
pub use tx_env::tx_env;
