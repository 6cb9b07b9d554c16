//! Calls across VMs inside one EVM transaction: the EVM (and the WebAssembly programs, which
//! call through the EVM's frame loop) calling Solana programs through a precompile, all of it
//! under revm's journal, so that a revert anywhere reverts every VM's changes in that frame.
//!
//! - `solana_call`: the precompile at [`SOLANA_CALL`] — its ABI, its gas, and the call: the
//!   instruction runs in agave's runtime over the transaction's current view of the accounts
//!   it names, signed by the caller's Solana address.
//! - `solana_versions`: the Solana accounts a transaction changed, versioned, with the
//!   current version of each kept in revm's journal (so revm's reverts decide what stays).
//! - `solana_db`: what the EVM's database gives the precompile — the block's Solana VM, the
//!   state beneath the transaction, and the transaction's versions.
//!
//! One account, two views: an EVM address's Solana address is its account id (12 zero bytes,
//! then the address), and its lamports are its wei balance in whole gwei. A Solana program
//! that moves lamports out of (or into) an EVM address changes that address's EVM balance in
//! revm's journal.

mod solana_call;
mod solana_db;
mod solana_versions;

pub(crate) use solana_call::run as run_solana_call;
pub use solana_call::{
    ACCOUNT_GAS, CALL_GAS, MAX_COMPUTE_UNITS, SOLANA_CALL, SolanaAccountMeta, invokeCall,
    invokeReturn, solana_address,
};
pub use solana_db::SolanaDb;
pub use solana_versions::{SOLANA_ACCOUNTS, SolanaVersions};
