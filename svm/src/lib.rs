#![doc = include_str!("../README.md")]

mod error;
mod execute;
mod features;
mod programs;
mod rent_state;
mod runtime;
mod sysvars;
mod user_programs;
mod vm_heaps;

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
    pub use solana_signature::Signature;
    pub use solana_transaction::{
        sanitized::SanitizedTransaction, versioned::VersionedTransaction,
    };
    pub use solana_transaction_error::TransactionError;
}
