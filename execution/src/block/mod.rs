//! Blocks: the block environment, the one block-executor lifecycle, the assembly of a
//! block's results, the outcome of execution, and sealed blocks (headers and receipts).

mod assembly;
mod env;
mod executor;
mod outcome;
mod sealed;

pub(crate) use assembly::BlockAssembly;
pub use env::{BlockEnv, next_base_fee};
pub use executor::{BlockExecutor, ExecutedBlock, execute_block};
pub use outcome::{BlockOutcome, IncludedTx, InvalidTxPolicy};
pub(crate) use sealed::UnrootedBlock;
pub use sealed::{SealedBlock, build_header, seal};
