//! Solana's own runtime for Manifold: agave 4.2's program runtime, BPF loaders, syscalls and
//! System / ComputeBudget builtins on `solana-sbpf`, executing one sanitized transaction at a
//! time over accounts the caller loads from its own state — the way LiteSVM and Mollusk embed
//! agave, so that programs behave byte for byte as on Solana.
//!
//! - [`SvmRuntime`] (`runtime`): the feature set, the program runtime environment, the
//!   builtins, and the programs, each verified and JIT-compiled once when deployed.
//! - [`BlockSysvars`] (`sysvars`): the sysvars a block's transactions read, from the rollup's
//!   block (slot = block number, unix timestamp = block time).
//! - [`SvmRuntime::execute`] (`execute`): fee payer, compute budget, account loading, the
//!   instructions, rent-state checks; the accounts it wrote, logs, compute units.
//! - [`GENESIS_PROGRAMS`] (`programs`): the SPL programs at their mainnet addresses.
//! - [`chain_feature_set`] (`features`): mainnet-beta's active features, the chain's.
//! - `user_programs`: programs deployed through the upgradeable loader, loaded from their
//!   program and programdata accounts, compiled once per (program, deployment slot), visible
//!   from the slot after their deployment as in agave.
//! - `rent_state`: agave's rule for which rent-state transitions a transaction may make.

mod error;
mod execute;
mod features;
mod programs;
mod rent_state;
mod runtime;
mod sysvars;
mod user_programs;

pub use error::SvmError;
pub use execute::{AccountSource, Outcome, sanitize_unverified};
pub use features::chain_feature_set;
pub use programs::{GENESIS_PROGRAMS, GenesisProgram, TOKEN};
pub use runtime::SvmRuntime;
pub use sysvars::BlockSysvars;
pub use user_programs::{ProgramDataLookup, programdata_address};

/// Re-exports of the Solana types in this crate's interface.
pub mod types {
    pub use agave_feature_set::FeatureSet;
    pub use solana_account::{AccountSharedData, ReadableAccount, WritableAccount};
    pub use solana_hash::Hash;
    pub use solana_instruction::{AccountMeta, Instruction, error::InstructionError};
    pub use solana_message::{Message, VersionedMessage};
    pub use solana_pubkey::Pubkey;
    pub use solana_transaction::{
        sanitized::SanitizedTransaction, versioned::VersionedTransaction,
    };
    pub use solana_transaction_error::TransactionError;
}
