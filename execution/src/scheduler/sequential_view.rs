//! `SequentialView`: the state a block's transactions read when they run one after another on
//! one worker — the block's base state overlaid with the writes of the transactions before —
//! and where each transaction's writes are applied once it is part of the block.
//!
//! This is the scheduler's one-worker case: the same `BlockVm` worker and the same
//! `TxWrites` as a parallel run, applied in block order, exactly (a wiped storage reads as
//! empty, credits become balances at once).

use std::cell::RefCell;

use alloy_primitives::{Address, B256, Bytes, KECCAK256_EMPTY, U256};
use alloy_trie::EMPTY_ROOT_HASH;

use super::{
    state_key::{StateKey, StateValue},
    vm::{TxState, TxWrites},
};
use crate::{AccountId, AccountState, ExecutionError, StateChanges, StateView, state::AccountData};

/// A block's writes so far over its base state.
#[derive(Debug)]
pub(crate) struct SequentialView<'a, V> {
    base: &'a V,
    changes: RefCell<StateChanges>,
}

impl<'a, V: StateView> SequentialView<'a, V> {
    /// The state after `changes` (the writes of the block's transactions so far) on `base`,
    /// with room for `accounts` more changed accounts (the map then does not rehash while
    /// the transactions apply their writes).
    pub(crate) fn new(base: &'a V, mut changes: StateChanges, accounts: usize) -> Self {
        changes.accounts.reserve(accounts);
        Self { base, changes: RefCell::new(changes) }
    }

    /// The block's writes.
    pub(crate) fn into_changes(self) -> StateChanges {
        self.changes.into_inner()
    }

    /// The account record as the transactions so far left it (an account only whose storage
    /// or data changed keeps the record it had).
    fn current(
        &self,
        changes: &StateChanges,
        id: AccountId,
    ) -> Result<Option<AccountState>, ExecutionError> {
        match changes.accounts.get(&id) {
            Some(change) => Ok(change.account),
            None => self.base.account(id),
        }
    }

    /// Applies the writes of a transaction that is part of the block.
    pub(crate) fn apply(&self, writes: &TxWrites) -> Result<(), ExecutionError> {
        let mut guard = self.changes.borrow_mut();
        let changes = &mut *guard;
        for address in &writes.cleared {
            let id = AccountId::from(*address);
            let account = self.current(changes, id)?;
            let entry = changes.accounts.entry(id).or_insert_with(|| fresh(account));
            entry.storage_cleared = true;
            entry.storage.clear();
        }
        for (key, value) in &writes.values {
            match (key, value) {
                (StateKey::Account(id), StateValue::Account(account)) => {
                    changes.account_mut(*id).account = *account;
                }
                (StateKey::Storage(address, slot), StateValue::Storage(value)) => {
                    let id = AccountId::from(*address);
                    let account = self.current(changes, id)?;
                    let entry = changes.accounts.entry(id).or_insert_with(|| fresh(account));
                    entry.storage.insert(*slot, *value);
                }
                (StateKey::Code(hash), StateValue::Code(code)) => {
                    changes.code.entry(*hash).or_insert_with(|| code.clone());
                }
                (StateKey::Data(id), StateValue::Data(data)) => {
                    let account = self.current(changes, *id)?;
                    changes.accounts.entry(*id).or_insert_with(|| fresh(account));
                    changes.data.insert(*id, data.clone());
                }
                (key, _) => {
                    return Err(ExecutionError::Invariant(format!(
                        "value of the wrong kind under {key:?}"
                    )));
                }
            }
        }
        for (id, amount) in &writes.credits {
            // Records carry a placeholder storage root (the commit recomputes it), as the
            // parallel run's fold writes them.
            let mut account = AccountState {
                storage_root: EMPTY_ROOT_HASH,
                ..self.current(changes, *id)?.unwrap_or_default()
            };
            account.balance = account.balance.checked_add(*amount).ok_or_else(|| {
                ExecutionError::Invariant("native balance overflow while crediting".into())
            })?;
            changes.account_mut(*id).account = Some(account);
        }
        Ok(())
    }
}

/// A change entry for an account whose record (`account`) the transaction did not write.
fn fresh(account: Option<AccountState>) -> crate::state::AccountChange {
    crate::state::AccountChange {
        account: Some(AccountState {
            storage_root: EMPTY_ROOT_HASH,
            ..account.unwrap_or_default()
        }),
        ..Default::default()
    }
}

impl<V: StateView> StateView for SequentialView<'_, V> {
    fn account(&self, id: AccountId) -> Result<Option<AccountState>, ExecutionError> {
        match self.changes.borrow().accounts.get(&id) {
            Some(change) => Ok(change.account),
            None => self.base.account(id),
        }
    }

    fn account_data(&self, id: AccountId) -> Result<Option<AccountData>, ExecutionError> {
        let changes = self.changes.borrow();
        if let Some(change) = changes.accounts.get(&id)
            && change.account.is_none()
        {
            return Ok(None);
        }
        if let Some(data) = changes.data.get(&id) {
            return Ok(data.clone());
        }
        drop(changes);
        self.base.account_data(id)
    }

    fn storage(&self, address: Address, slot: U256) -> Result<U256, ExecutionError> {
        if let Some(change) = self.changes.borrow().accounts.get(&AccountId::from(address)) {
            if let Some(value) = change.storage.get(&slot) {
                return Ok(*value);
            }
            if change.storage_cleared || change.account.is_none() {
                return Ok(U256::ZERO);
            }
        }
        self.base.storage(address, slot)
    }

    fn code(&self, code_hash: B256) -> Result<Option<Bytes>, ExecutionError> {
        if let Some(code) = self.changes.borrow().code.get(&code_hash) {
            return Ok(Some(code.clone()));
        }
        self.base.code(code_hash)
    }

    fn block_hash(&self, number: u64) -> Result<Option<B256>, ExecutionError> {
        self.base.block_hash(number)
    }
}

impl<V: StateView> TxState for SequentialView<'_, V> {
    fn credit_target_code_hash(&self, id: AccountId) -> Result<B256, ExecutionError> {
        Ok(self.account(id)?.map_or(KECCAK256_EMPTY, |a| a.code_hash))
    }

    fn commutative_credits(&self) -> bool {
        false
    }
}
