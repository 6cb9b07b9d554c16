//! The unified state keys the scheduler tracks, and the values written under them.

use alloy_primitives::{Address, B256, Bytes, U256};

use crate::AccountState;

/// One independently versioned piece of state. VM-agnostic: engines read and write state
/// only through these keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StateKey {
    /// An account's nonce, balance and code hash.
    Account(Address),
    /// One storage slot of an account.
    Storage(Address, U256),
    /// Contract code by hash (content-addressed: never conflicts, but must be visible).
    Code(B256),
}

/// A value written under a `StateKey`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StateValue {
    /// An account (`None`: deleted).
    Account(Option<AccountState>),
    /// A storage value.
    Storage(U256),
    /// Contract code.
    Code(Bytes),
}
