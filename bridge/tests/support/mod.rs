//! Shared by the bridge's contract tests: a one-node EVM chain on revm.

pub(crate) mod evm_chain;
