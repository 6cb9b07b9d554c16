//! WebAssembly contracts that speak Arbitrum Stylus' ABI (issue 14), on wasmtime.
//!
//! A program lives in the EVM's address space: its account's code is the Stylus deployed form
//! (`program_code`), deployed by an ordinary contract-creation transaction and validated and
//! compiled then (`validation`, `runtime`). A call to it — from a transaction, from an EVM
//! contract, from another program — is an EVM call frame in which the EVM's precompile
//! provider runs the program (`evm_bridge`), so it shares revm's journal: its storage, logs,
//! balances and nested calls revert with the frame. Its host functions are Stylus' `vm_hooks`
//! (`hostio`), metered with wasmtime fuel at Stylus' prices (`pricing`).

pub mod arb_wasm;
pub mod depth;
pub mod evm_api;
pub mod evm_bridge;
pub mod host_state;
pub mod hostio;
pub mod instance_reuse;
pub mod pricing;
pub mod program_code;
pub mod runtime;
pub mod validation;

/// The native stack a thread that executes transactions needs: nested programs' wasmtime stacks
/// (`MAX_NESTED_PROGRAMS` × 128 KiB at most) and the EVM frames between them, with room to spare.
pub const EXECUTION_THREAD_STACK: usize = 8 << 20;

pub use evm_bridge::{MAX_NESTED_PROGRAMS, ManifoldPrecompiles, manifold_instructions};
pub use program_code::{
    ProgramCodeError, STYLUS_PREFIX, decode_program, deploy_initcode, encode_program,
    is_stylus_code,
};
pub use runtime::{ProgramError, ProgramOutcome, ProgramStatus, WasmRuntime};
pub use validation::{ModuleError, validate_module};

#[cfg(test)]
pub(crate) mod tests;
