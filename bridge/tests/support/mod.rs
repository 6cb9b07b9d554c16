//! Shared by the bridge's contract tests: a one-node EVM chain on revm.

// Each test binary compiles its own copy and uses a part of it.
#[allow(dead_code)]
pub(crate) mod evm_chain;
