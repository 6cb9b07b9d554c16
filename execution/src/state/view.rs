//! `StateView`: the small read interface every engine executes against.

use alloy_primitives::{Address, B256, Bytes, U256};

use crate::{AccountState, ExecutionError};

/// Read access to the state at one point (a committed block, or a block in progress).
///
/// Implemented by the store's read snapshot, and by overlays that layer uncommitted writes on
/// top of it. Reads of absent things are not errors: a missing account is `None`, a missing
/// slot is zero.
pub trait StateView {
    /// The account at `address`, if it exists.
    fn account(&self, address: Address) -> Result<Option<AccountState>, ExecutionError>;
    /// The value of storage `slot` of `address` (zero if unset).
    fn storage(&self, address: Address, slot: U256) -> Result<U256, ExecutionError>;
    /// Contract code by its hash.
    fn code(&self, code_hash: B256) -> Result<Option<Bytes>, ExecutionError>;
    /// Hash of the canonical block `number`, if known (for the BLOCKHASH opcode).
    fn block_hash(&self, number: u64) -> Result<Option<B256>, ExecutionError>;
}
