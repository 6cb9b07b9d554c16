//! `StateView`: the small read interface every engine executes against, and `ChainView`: the
//! chain lookups a block needs before it runs (replay protection by recent block).

use alloy_primitives::{Address, B256, Bytes, U256};

use crate::{AccountId, AccountState, ExecutionError, state::AccountData};

/// Read access to the state at one point (a committed block, or a block in progress).
///
/// Implemented by the store's read snapshot, and by overlays that layer uncommitted writes on
/// top of it. Reads of absent things are not errors: a missing account is `None`, a missing
/// slot is zero.
pub trait StateView {
    /// The account `id`, if it exists.
    fn account(&self, id: AccountId) -> Result<Option<AccountState>, ExecutionError>;
    /// The Solana-style owner, flags and data of account `id`, if it has any.
    fn account_data(&self, id: AccountId) -> Result<Option<AccountData>, ExecutionError>;
    /// The value of storage `slot` of the EVM account `address` (zero if unset).
    fn storage(&self, address: Address, slot: U256) -> Result<U256, ExecutionError>;
    /// Contract code by its hash.
    fn code(&self, code_hash: B256) -> Result<Option<Bytes>, ExecutionError>;
    /// Hash of the canonical block `number`, if known (for the BLOCKHASH opcode).
    fn block_hash(&self, number: u64) -> Result<Option<B256>, ExecutionError>;
}

/// Chain lookups of the state a block executes on: which block a hash names, and whether a
/// transaction is in the chain already. Used before a block runs, to check transactions
/// whose replay guard is a recent block (see [`ReplayGuard`](crate::ReplayGuard)).
pub trait ChainView {
    /// Number of the canonical block with `hash`, if there is one.
    fn block_number(&self, hash: B256) -> Result<Option<u64>, ExecutionError>;
    /// Number of the block that includes transaction `hash`, if one does.
    fn transaction_block(&self, hash: B256) -> Result<Option<u64>, ExecutionError>;
}

impl<T: StateView + ?Sized> StateView for &T {
    fn account(&self, id: AccountId) -> Result<Option<AccountState>, ExecutionError> {
        (**self).account(id)
    }
    fn account_data(&self, id: AccountId) -> Result<Option<AccountData>, ExecutionError> {
        (**self).account_data(id)
    }
    fn storage(&self, address: Address, slot: U256) -> Result<U256, ExecutionError> {
        (**self).storage(address, slot)
    }
    fn code(&self, code_hash: B256) -> Result<Option<Bytes>, ExecutionError> {
        (**self).code(code_hash)
    }
    fn block_hash(&self, number: u64) -> Result<Option<B256>, ExecutionError> {
        (**self).block_hash(number)
    }
}

impl<T: ChainView + ?Sized> ChainView for &T {
    fn block_number(&self, hash: B256) -> Result<Option<u64>, ExecutionError> {
        (**self).block_number(hash)
    }
    fn transaction_block(&self, hash: B256) -> Result<Option<u64>, ExecutionError> {
        (**self).transaction_block(hash)
    }
}
