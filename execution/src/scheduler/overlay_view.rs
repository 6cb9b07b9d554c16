//! `OverlayView`: one worker's private state when a declared block is partitioned — the
//! writes of the transactions it ran, over the block's base state. No other worker touches
//! the keys it reads or writes, so nothing is shared, locked or validated.
//!
//! Credits to an account the worker has not read stay a pending sum (another worker may own
//! the account, or credit it too); the sums of all workers are added at the end.

use std::cell::{Cell, RefCell};

use alloy_primitives::{Address, B256, Bytes, KECCAK256_EMPTY, U256};
use alloy_trie::EMPTY_ROOT_HASH;

use super::{
    declared_access::DeclaredAccess,
    state_key::{StateKey, StateValue},
    vm::{TxState, TxWrites},
    write_fold::FoldError,
};
use crate::{
    AccountId, AccountState, ExecutionError, StateChanges, StateView,
    state::{AccountData, AccountMap},
};

/// What a worker's overlay adds to the block's write set.
#[derive(Debug, Default)]
pub(super) struct OverlayShare {
    /// Accounts, storage and code it wrote.
    pub(super) changes: StateChanges,
    /// Native tokens it credited to accounts it did not read.
    pub(super) credits: AccountMap<U256>,
    /// Accounts of `changes` whose record is the base state's (only storage or data was
    /// written).
    pub(super) filled: Vec<AccountId>,
}

/// Merges the workers' shares into one write set over `base`: an account's slots may come
/// from several workers (different keys), its record from the one that wrote it; pending
/// credits are added last.
pub(super) fn merge_overlays<V: StateView>(
    base: &V,
    shares: Vec<OverlayShare>,
) -> Result<StateChanges, FoldError> {
    let mut shares = shares;
    shares.sort_by_key(|share| std::cmp::Reverse(share.changes.accounts.len()));
    let mut shares = shares.into_iter();
    let Some(first) = shares.next() else { return Ok(StateChanges::default()) };
    let mut changes = first.changes;
    let mut filled: std::collections::HashSet<AccountId> = first.filled.into_iter().collect();
    let mut credits: Vec<(AccountId, U256)> = first.credits.into_iter().collect();
    for share in shares {
        changes.accounts.reserve(share.changes.accounts.len());
        let share_filled: std::collections::HashSet<AccountId> = share.filled.into_iter().collect();
        for (address, change) in share.changes.accounts {
            match changes.accounts.entry(address) {
                std::collections::hash_map::Entry::Vacant(entry) => {
                    entry.insert(change);
                    if share_filled.contains(&address) {
                        filled.insert(address);
                    }
                }
                std::collections::hash_map::Entry::Occupied(mut entry) => {
                    let entry = entry.get_mut();
                    entry.storage.extend(change.storage);
                    if !share_filled.contains(&address) {
                        entry.account = change.account;
                        filled.remove(&address);
                    }
                }
            }
        }
        changes.code.extend(share.changes.code);
        changes.data.extend(share.changes.data);
        credits.extend(share.credits);
    }
    apply_credits(base, credits, &mut changes)?;
    Ok(changes)
}

/// A worker's overlay.
pub(super) struct OverlayView<'a, V> {
    base: &'a V,
    /// Accounts whose credits are summed across workers (see `Partition`).
    shared_credits: &'a std::collections::HashSet<AccountId>,
    /// The worker's writes, as a block write set.
    changes: RefCell<StateChanges>,
    /// Accounts of `changes` whose record was not written (only their storage or data was).
    storage_only: RefCell<Vec<AccountId>>,
    /// Pending credits to shared accounts.
    credits: RefCell<AccountMap<U256>>,
    declared: Cell<Option<&'a DeclaredAccess>>,
    undeclared: Cell<bool>,
    /// The base record of the account the transaction credits, as read for its code hash.
    credit_target: Cell<Option<(AccountId, Option<AccountState>)>>,
}

/// An account as the sequential executor writes it (storage root recomputed at commit).
fn as_written(account: Option<AccountState>) -> AccountState {
    AccountState { storage_root: EMPTY_ROOT_HASH, ..account.unwrap_or_default() }
}

fn add(account: Option<AccountState>, amount: U256) -> Result<AccountState, ExecutionError> {
    let mut account = as_written(account);
    account.balance = account
        .balance
        .checked_add(amount)
        .ok_or_else(|| ExecutionError::Invariant("native balance overflow".into()))?;
    Ok(account)
}

impl<'a, V: StateView> OverlayView<'a, V> {
    /// An empty overlay over `base` for about `keys` written keys; credits to
    /// `shared_credits` stay pending sums.
    pub(super) fn new(
        base: &'a V,
        shared_credits: &'a std::collections::HashSet<AccountId>,
        keys: usize,
    ) -> Self {
        let mut changes = StateChanges::default();
        changes.accounts.reserve(keys);
        Self {
            base,
            shared_credits,
            changes: RefCell::new(changes),
            storage_only: RefCell::new(Vec::new()),
            credits: RefCell::new(AccountMap::default()),
            declared: Cell::new(None),
            undeclared: Cell::new(false),
            credit_target: Cell::new(None),
        }
    }

    /// Points the view at a transaction that declared `declared`.
    pub(super) fn begin(&self, declared: &'a DeclaredAccess) {
        self.declared.set(Some(declared));
        self.undeclared.set(false);
        self.credit_target.set(None);
    }

    /// Whether the transaction read a key outside its declared access.
    pub(super) fn read_undeclared(&self) -> bool {
        self.undeclared.get()
    }

    fn check(&self, allowed: impl FnOnce(&DeclaredAccess) -> bool) -> Result<(), ExecutionError> {
        if let Some(declared) = self.declared.get()
            && !allowed(declared)
        {
            self.undeclared.set(true);
            return Err(ExecutionError::Invariant("read outside the declared access".into()));
        }
        Ok(())
    }

    /// The account's record if this worker wrote it.
    fn written(&self, address: &AccountId) -> Option<Option<AccountState>> {
        let changes = self.changes.borrow();
        let change = changes.accounts.get(address)?;
        (!self.storage_only.borrow().contains(address)).then_some(change.account)
    }

    /// Applies the writes of the transaction just run. Storage wipes are not supported
    /// (`false`: the block must run another way).
    pub(super) fn apply(&self, writes: &TxWrites) -> Result<bool, ExecutionError> {
        if !writes.cleared.is_empty() {
            return Ok(false);
        }
        for (key, value) in &writes.values {
            let mut changes = self.changes.borrow_mut();
            match (key, value) {
                (StateKey::Account(address), StateValue::Account(account)) => {
                    // The writer read the account with any pending credits applied.
                    self.credits.borrow_mut().remove(address);
                    changes.accounts.entry(*address).or_default().account = *account;
                    self.storage_only.borrow_mut().retain(|a| a != address);
                }
                (StateKey::Storage(address, slot), StateValue::Storage(value)) => {
                    let id = AccountId::from(*address);
                    let entry = changes.accounts.entry(id).or_insert_with(|| {
                        self.storage_only.borrow_mut().push(id);
                        Default::default()
                    });
                    entry.storage.insert(*slot, *value);
                }
                (StateKey::Data(id), StateValue::Data(data)) => {
                    changes.accounts.entry(*id).or_insert_with(|| {
                        self.storage_only.borrow_mut().push(*id);
                        Default::default()
                    });
                    changes.data.insert(*id, data.clone());
                }
                (StateKey::Code(hash), StateValue::Code(code)) => {
                    changes.code.entry(*hash).or_insert_with(|| code.clone());
                }
                (key, _) => {
                    return Err(ExecutionError::Invariant(format!(
                        "value of the wrong kind under {key:?}"
                    )));
                }
            }
        }
        for (address, amount) in &writes.credits {
            if let Some(account) = self.written(address) {
                let account = add(account, *amount)?;
                self.changes.borrow_mut().accounts.entry(*address).or_default().account =
                    Some(account);
            } else if !self.shared_credits.contains(address) {
                // Only this worker touches the account: settle the credit now.
                let before = match self.credit_target.get() {
                    Some((target, account)) if target == *address => account,
                    _ => self.base.account(*address)?,
                };
                let account = add(before, *amount)?;
                self.changes.borrow_mut().accounts.entry(*address).or_default().account =
                    Some(account);
                self.storage_only.borrow_mut().retain(|a| a != address);
            } else {
                let mut credits = self.credits.borrow_mut();
                let pending = credits.entry(*address).or_default();
                *pending = pending
                    .checked_add(*amount)
                    .ok_or_else(|| ExecutionError::Invariant("native balance overflow".into()))?;
            }
        }
        Ok(true)
    }

    /// The worker's share of the block's write set, its pending credits, and the accounts
    /// whose record it took from the base state (only their storage changed here).
    pub(super) fn into_changes(self) -> Result<OverlayShare, FoldError> {
        let mut changes = self.changes.into_inner();
        let filled = self.storage_only.into_inner();
        for address in &filled {
            let account = as_written(self.base.account(*address)?);
            changes.accounts.entry(*address).or_default().account = Some(account);
        }
        Ok(OverlayShare { changes, credits: self.credits.into_inner(), filled })
    }
}

/// Adds the workers' pending `credits` to the merged write set `changes` over `base`.
fn apply_credits<V: StateView>(
    base: &V,
    credits: impl IntoIterator<Item = (AccountId, U256)>,
    changes: &mut StateChanges,
) -> Result<(), FoldError> {
    for (address, amount) in credits {
        let current = match changes.accounts.get(&address) {
            Some(change) => change.account,
            None => base.account(address)?,
        };
        let account = add(current, amount).map_err(FoldError::Execution)?;
        changes.accounts.entry(address).or_default().account = Some(account);
    }
    Ok(())
}

impl<V: StateView> StateView for OverlayView<'_, V> {
    fn account(&self, address: AccountId) -> Result<Option<AccountState>, ExecutionError> {
        self.check(|d| d.covers(&StateKey::Account(address)))?;
        if let Some(account) = self.written(&address) {
            return Ok(account);
        }
        let account = self.base.account(address)?;
        match self.credits.borrow().get(&address) {
            Some(pending) => Ok(Some(add(account, *pending)?)),
            None => Ok(account),
        }
    }

    fn account_data(&self, id: AccountId) -> Result<Option<AccountData>, ExecutionError> {
        self.check(|d| d.covers(&StateKey::Data(id)))?;
        if let Some(data) = self.changes.borrow().data.get(&id) {
            return Ok(data.clone());
        }
        self.base.account_data(id)
    }

    fn storage(&self, address: Address, slot: U256) -> Result<U256, ExecutionError> {
        self.check(|d| d.covers(&StateKey::Storage(address, slot)))?;
        if let Some(change) = self.changes.borrow().accounts.get(&AccountId::from(address))
            && let Some(value) = change.storage.get(&slot)
        {
            return Ok(*value);
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

impl<V: StateView> TxState for OverlayView<'_, V> {
    fn credit_target_code_hash(&self, address: AccountId) -> Result<B256, ExecutionError> {
        self.check(|d| d.covers_credit_target(address))?;
        let account = match self.written(&address) {
            Some(account) => account,
            None => {
                let account = self.base.account(address)?;
                self.credit_target.set(Some((address, account)));
                account
            }
        };
        Ok(account.map_or(KECCAK256_EMPTY, |a| a.code_hash))
    }
}
