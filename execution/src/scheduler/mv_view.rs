//! `MvView`: the state one incarnation of one transaction executes against — the multi-version
//! memory over the block's base state — recording every read for validation.

use std::cell::RefCell;

use alloy_primitives::{Address, B256, Bytes, U256};

use super::{
    mv_memory::{MvMemory, MvRead, Version},
    state_key::{StateKey, StateValue},
};
use crate::{AccountState, ExecutionError, StateView};

/// Where a read's value came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum ReadOrigin {
    /// The block's base state.
    Base,
    /// A lower transaction's write.
    Version(Version),
}

/// The read view of transaction `txn`.
pub(super) struct MvView<'a, V> {
    pub(super) mv: &'a MvMemory,
    pub(super) base: &'a V,
    pub(super) txn: usize,
    pub(super) reads: RefCell<Vec<(StateKey, ReadOrigin)>>,
}

impl<V> std::fmt::Debug for MvView<'_, V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MvView").field("txn", &self.txn).finish_non_exhaustive()
    }
}

impl<V: StateView> MvView<'_, V> {
    fn read(&self, key: StateKey) -> Result<Option<StateValue>, ExecutionError> {
        match self.mv.read(&key, self.txn) {
            MvRead::Estimate(blocking) => Err(ExecutionError::ReadEstimate { blocking }),
            MvRead::Base => {
                self.reads.borrow_mut().push((key, ReadOrigin::Base));
                Ok(None)
            }
            MvRead::Value(version, value) => {
                self.reads.borrow_mut().push((key, ReadOrigin::Version(version)));
                Ok(Some(value))
            }
        }
    }
}

fn mismatch(key: StateKey) -> ExecutionError {
    ExecutionError::Invariant(format!("value of the wrong kind under {key:?}"))
}

impl<V: StateView> StateView for MvView<'_, V> {
    fn account(&self, address: Address) -> Result<Option<AccountState>, ExecutionError> {
        let key = StateKey::Account(address);
        match self.read(key)? {
            None => self.base.account(address),
            Some(StateValue::Account(account)) => Ok(account),
            Some(_) => Err(mismatch(key)),
        }
    }

    fn storage(&self, address: Address, slot: U256) -> Result<U256, ExecutionError> {
        let key = StateKey::Storage(address, slot);
        match self.read(key)? {
            None => self.base.storage(address, slot),
            Some(StateValue::Storage(value)) => Ok(value),
            Some(_) => Err(mismatch(key)),
        }
    }

    fn code(&self, code_hash: B256) -> Result<Option<Bytes>, ExecutionError> {
        let key = StateKey::Code(code_hash);
        match self.read(key)? {
            None => self.base.code(code_hash),
            Some(StateValue::Code(code)) => Ok(Some(code)),
            Some(_) => Err(mismatch(key)),
        }
    }

    fn block_hash(&self, number: u64) -> Result<Option<B256>, ExecutionError> {
        self.base.block_hash(number)
    }
}
