//! The EVM engine on revm: transaction environments, the revm database over a block's
//! overlay state (`block_state`, with analysed code cached per block: `code_cache`),
//! transaction execution (`engine`, fees deferred: `deferred_fees`), what a transaction did to
//! the state (`tx_effects`), receipts' blooms (`logs_bloom`), the EVM as a VM of the parallel
//! scheduler (`block_vm`) and `eth_call`-style simulation (`simulate`).

mod block_state;
mod block_vm;
mod code_cache;
mod deferred_fees;
mod engine;
mod logs_bloom;
mod simulate;
mod tx_effects;
mod tx_env;

pub use block_state::BlockState;
pub use block_vm::EvmBlockVm;
pub(crate) use engine::receipt_for;
pub use engine::{
    EvmConfig, EvmExecutor, EvmFrames, TxExecution, execute_transaction, intrinsic_gas,
    revm_block_env,
};
pub use simulate::{
    CallRequest, CallResult, TX_GAS_LIMIT_CAP, estimate_gas, estimate_gas_cap, geth_message,
    simulate_call,
};
pub use tx_env::tx_env;
