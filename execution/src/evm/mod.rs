//! The EVM engine on revm: transaction environments, the revm database over a block's
//! overlay state, transaction execution and `eth_call`-style simulation.

mod block_state;
mod deferred_fees;
mod engine;
mod simulate;
mod tx_env;

pub use block_state::BlockState;
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
