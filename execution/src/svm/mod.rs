//! The Solana VM as an engine of the chain, on Solana's own runtime (the `svm` crate: agave
//! 4.2's program runtime, loaders and syscalls on `solana-sbpf`).
//!
//! - `svm_tx`: a transaction in Solana's wire format (legacy or v0 message), sanitized and its
//!   ed25519 signatures verified once at admission; its id is keccak256 of its first signature.
//! - `svm_engine`: the engine — decoding, admission (the fee payer can pay), the block's
//!   compute-unit budget, and the VM of a block.
//! - `svm_vm`: the VM of the scheduler — declared access from the message's account list, one
//!   transaction executed over the block's state through `accounts`.
//! - `accounts`: one account seen from both sides — an `AccountId` is a Solana pubkey, its
//!   balance in wei shows as lamports (1 lamport = 1 gwei), owner/data/executable/rent epoch
//!   are its `AccountData`. Builtins, genesis programs and sysvars are served by the runtime,
//!   not stored (the System program's id is the EVM address `0x0`'s id: it stays the EVM's).
//! - `queries`: what the Solana RPC reads — an account as Solana shows it, a block's sysvars,
//!   a transaction simulated without writing.
//! - `svm_receipt`: what a transaction did (result, fee, compute units, logs), stored as its
//!   receipt.

pub(crate) mod accounts;
mod queries;
mod svm_engine;
mod svm_receipt;
mod svm_tx;
mod svm_vm;

pub use queries::block_sysvars;
pub use svm_engine::{SVM_BLOCK_COMPUTE_UNITS, SvmEngine};
pub use svm_receipt::SvmReceipt;
pub use svm_tx::{RECENT_BLOCKS, SvmTx};
pub use svm_vm::{SvmBlockVm, SvmWorker};
