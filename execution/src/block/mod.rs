//! Blocks: the block environment, the sequential block executor and sealed blocks.

mod env;
mod executor;
mod sealed;

pub use env::{BlockEnv, next_base_fee};
pub(crate) use executor::BlockAssembly;
pub use executor::{BlockOutcome, IncludedTx, InvalidTxPolicy, execute_block};
pub use sealed::{SealedBlock, build_header};
