//! Folding the final writes of a block's transactions into the block's write set — the same
//! `StateChanges` the sequential executor builds, entry for entry: from the multi-version
//! memory, shard by shard, by all workers at once (`fold_final`), or from the transactions'
//! own writes in block order, for the final prefix of a block that stopped early
//! (`fold_writes`).
//!
//! Two things need the base state here: an account whose storage alone changed carries its
//! (unchanged) record, and commutative credits become exact balances. One thing the parallel
//! run cannot reproduce exactly is refused rather than approximated: wiping the storage of an
//! account whose base storage is not empty (later reads of that storage went to the base
//! state); the block is then executed sequentially.

use alloy_primitives::{Address, U256};
use alloy_trie::EMPTY_ROOT_HASH;

use super::{
    mv_memory::{FinalValue, MvMemory},
    state_key::{StateKey, StateValue},
    vm::TxWrites,
};
use crate::{AccountId, AccountState, ExecutionError, StateChanges, StateView, state::AccountMap};

/// Why writes could not be folded.
#[derive(Debug)]
pub(super) enum FoldError {
    /// Reading the base state failed.
    Execution(ExecutionError),
    /// The parallel result may differ from the sequential one: execute sequentially.
    NotExact(&'static str),
}

impl From<ExecutionError> for FoldError {
    fn from(e: ExecutionError) -> Self {
        FoldError::Execution(e)
    }
}

/// An account record as the sequential executor writes it (storage root recomputed at commit).
fn as_written(account: Option<AccountState>) -> AccountState {
    AccountState { storage_root: EMPTY_ROOT_HASH, ..account.unwrap_or_default() }
}

/// Folds `writes` (one per transaction, in block order) into `changes`, over `base`.
pub(super) fn fold_writes<'w, V: StateView>(
    base: &V,
    changes: &mut StateChanges,
    writes: impl IntoIterator<Item = &'w TxWrites>,
) -> Result<(), FoldError> {
    // Accounts a transaction wrote only the storage or data of.
    let mut unwritten: Vec<AccountId> = Vec::new();
    for tx in writes {
        for address in &tx.cleared {
            let id = AccountId::from(*address);
            if base.account(id)?.is_some_and(|a| a.storage_root != EMPTY_ROOT_HASH) {
                return Err(FoldError::NotExact("storage wiped over a non-empty base storage"));
            }
            let entry = changes.accounts.entry(id).or_default();
            entry.storage_cleared = true;
            entry.storage.clear();
        }
        unwritten.clear();
        for (key, value) in &tx.values {
            match (key, value) {
                (StateKey::Account(id), StateValue::Account(account)) => {
                    changes.accounts.entry(*id).or_default().account = *account;
                }
                (StateKey::Storage(address, slot), StateValue::Storage(value)) => {
                    let id = AccountId::from(*address);
                    let entry = changes.accounts.entry(id).or_insert_with(|| {
                        unwritten.push(id);
                        Default::default()
                    });
                    entry.storage.insert(*slot, *value);
                }
                (StateKey::Data(id), StateValue::Data(data)) => {
                    changes.accounts.entry(*id).or_insert_with(|| {
                        unwritten.push(*id);
                        Default::default()
                    });
                    changes.data.insert(*id, data.clone());
                }
                (StateKey::Code(hash), StateValue::Code(code)) => {
                    changes.code.entry(*hash).or_insert_with(|| code.clone());
                }
                _ => return Err(wrong_kind(key)),
            }
        }
        for id in &unwritten {
            let written = tx.values.iter().any(|(k, _)| *k == StateKey::Account(*id));
            if !written {
                // Only its storage or data changed: it carries the record the transaction saw.
                let account = as_written(base.account(*id)?);
                changes.accounts.entry(*id).or_default().account = Some(account);
            }
        }
        for (id, amount) in &tx.credits {
            let current = match changes.accounts.get(id) {
                Some(change) => change.account,
                None => base.account(*id)?,
            };
            let account = credited(current, *amount)?;
            changes.accounts.entry(*id).or_default().account = Some(account);
        }
    }
    Ok(())
}

/// Folds the final values of `shards` of the memory of a finished block into `changes`:
/// one worker's share of the block's write set (every key of an account is in one shard).
/// `clears` lists, per account whose storage a transaction wiped, the last such transaction.
pub(super) fn fold_final<V: StateView>(
    mv: &MvMemory,
    shards: std::ops::Range<usize>,
    base: &V,
    clears: &[(Address, u32)],
    changes: &mut StateChanges,
) -> Result<(), FoldError> {
    // Per shard: the accounts seen, and whether their record was written.
    let mut seen: AccountMap<bool> = AccountMap::default();
    for shard in shards {
        seen.clear();
        let mut failed: Option<FoldError> = None;
        mv.for_each_final(shard, |key, value| {
            if failed.is_some() {
                return;
            }
            let result = (|| -> Result<(), FoldError> {
                match (key, value) {
                    (_, FinalValue::Estimate) => {
                        return Err(FoldError::NotExact("a write is not final"));
                    }
                    (StateKey::Account(id), FinalValue::Written { value, credits, .. }) => {
                        let StateValue::Account(account) = value else {
                            return Err(wrong_kind(key));
                        };
                        let account = if credits.is_zero() {
                            *account
                        } else {
                            Some(credited(*account, credits)?)
                        };
                        changes.accounts.entry(*id).or_default().account = account;
                        seen.insert(*id, true);
                    }
                    (StateKey::Account(id), FinalValue::Credited { credits }) => {
                        let account = credited(base.account(*id)?, credits)?;
                        changes.accounts.entry(*id).or_default().account = Some(account);
                        seen.insert(*id, true);
                    }
                    (
                        StateKey::Storage(address, slot),
                        FinalValue::Written { writer, value, .. },
                    ) => {
                        let StateValue::Storage(value) = value else {
                            return Err(wrong_kind(key));
                        };
                        if clears.iter().any(|(a, clearer)| a == address && writer < *clearer) {
                            return Ok(());
                        }
                        let id = AccountId::from(*address);
                        changes.accounts.entry(id).or_default().storage.insert(*slot, *value);
                        seen.entry(id).or_insert(false);
                    }
                    (StateKey::Data(id), FinalValue::Written { value, .. }) => {
                        let StateValue::Data(data) = value else {
                            return Err(wrong_kind(key));
                        };
                        changes.accounts.entry(*id).or_default();
                        changes.data.insert(*id, data.clone());
                        seen.entry(*id).or_insert(false);
                    }
                    (
                        StateKey::Code(hash),
                        FinalValue::Written { value: StateValue::Code(code), .. },
                    ) => {
                        changes.code.entry(*hash).or_insert_with(|| code.clone());
                    }
                    _ => return Err(wrong_kind(key)),
                }
                Ok(())
            })();
            if let Err(e) = result {
                failed = Some(e);
            }
        });
        if let Some(e) = failed {
            return Err(e);
        }
        for (id, _) in seen.iter().filter(|(_, written)| !**written) {
            // Only its storage or data changed: it carries its record as it was.
            let account = as_written(base.account(*id)?);
            changes.accounts.entry(*id).or_default().account = Some(account);
        }
    }
    Ok(())
}

/// Marks the storage wipes of a finished block in its write set (`clears`: account and last
/// wiping transaction).
pub(super) fn apply_clears<V: StateView>(
    base: &V,
    clears: &[(Address, u32)],
    changes: &mut StateChanges,
) -> Result<(), FoldError> {
    for (address, _) in clears {
        let id = AccountId::from(*address);
        if base.account(id)?.is_some_and(|a| a.storage_root != EMPTY_ROOT_HASH) {
            return Err(FoldError::NotExact("storage wiped over a non-empty base storage"));
        }
        changes.accounts.entry(id).or_default().storage_cleared = true;
    }
    Ok(())
}

fn wrong_kind(key: &StateKey) -> FoldError {
    FoldError::Execution(ExecutionError::Invariant(format!(
        "value of the wrong kind under {key:?}"
    )))
}

fn credited(account: Option<AccountState>, credits: U256) -> Result<AccountState, FoldError> {
    let mut account = as_written(account);
    account.balance = account
        .balance
        .checked_add(credits)
        .ok_or(FoldError::NotExact("native balance overflow"))?;
    Ok(account)
}
