//! What one transaction did to each account it touched, read from revm's journal: the one set
//! of rules (EIP-161 deletion, creation, unchanged accounts) both block executors apply, so
//! their write sets are identical.
//!
//! An account the transaction touched without changing it (a contract that was only called,
//! an empty account that still does not exist) is no write at all: under the parallel
//! scheduler such a write would make every caller of a contract conflict with every other.

use alloy_primitives::{B256, Bytes, KECCAK256_EMPTY, U256};
use alloy_trie::EMPTY_ROOT_HASH;
use revm::state::{Account, EvmStorageSlot};

use crate::AccountState;

/// The effect of one transaction on one account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct AccountEffect {
    /// The account's new record when it changed (`Some(None)`: deleted), `None` when its
    /// nonce, balance and code hash are as before.
    pub(crate) account: Option<Option<AccountState>>,
    /// Whether its previous storage was wiped (deleted, or created anew).
    pub(crate) storage_cleared: bool,
    /// Whether it got new code (created, or an EIP-7702 delegation set): see [`new_code`].
    pub(crate) code_changed: bool,
}

/// The unified record of a revm account. The storage root is a placeholder: it is recomputed
/// when the block is committed.
pub(crate) fn account_state(account: &Account) -> AccountState {
    AccountState {
        nonce: account.info.nonce,
        balance: account.info.balance,
        code_hash: account.info.code_hash,
        storage_root: EMPTY_ROOT_HASH,
    }
}

/// What `account` (touched or not) did in its transaction; `None` when nothing changed.
/// Its changed storage slots are given by [`changed_slots`].
pub(crate) fn account_effect(account: &Account) -> Option<AccountEffect> {
    if !account.is_touched() {
        return None;
    }
    if account.is_selfdestructed() || account.is_empty() {
        // Destroyed, or touched while empty (EIP-161): the account and its storage go — a
        // change only if it existed before the transaction.
        if account.is_loaded_as_not_existing() {
            return None;
        }
        return Some(AccountEffect {
            account: Some(None),
            storage_cleared: true,
            code_changed: false,
        });
    }
    if account.is_created() {
        return Some(AccountEffect {
            account: Some(Some(account_state(account))),
            storage_cleared: true,
            code_changed: true,
        });
    }
    // `is_changed` compares nonce, balance and code hash with the account as loaded.
    if account.is_changed() {
        let code_hash = account.info.code_hash;
        let code_changed =
            code_hash != KECCAK256_EMPTY && account.original_info().code_hash != code_hash;
        return Some(AccountEffect {
            account: Some(Some(account_state(account))),
            storage_cleared: false,
            code_changed,
        });
    }
    if account.storage.values().any(EvmStorageSlot::is_changed) {
        return Some(AccountEffect { account: None, storage_cleared: false, code_changed: false });
    }
    None
}

/// The storage slots of `account` its transaction changed, with their new values.
pub(crate) fn changed_slots(account: &Account) -> impl Iterator<Item = (U256, U256)> + '_ {
    account
        .storage
        .iter()
        .filter(|(_, slot)| slot.is_changed())
        .map(|(key, slot)| (*key, slot.present_value))
}

/// The new code of an account whose effect has `code_changed` (hash and bytes), if any.
pub(crate) fn new_code(account: &Account, effect: &AccountEffect) -> Option<(B256, Bytes)> {
    let info = &account.info;
    if !effect.code_changed {
        return None;
    }
    match &info.code {
        Some(code) if info.code_hash != KECCAK256_EMPTY && !code.is_empty() => {
            Some((info.code_hash, code.original_bytes()))
        }
        _ => None,
    }
}

/// Whether `address` of this diff is the transaction's only effect on it being a plain
/// credit of `amount` on an account that had no code (see the parallel lazy credits).
pub(crate) fn is_plain_credit(account: &Account, amount: U256) -> bool {
    account.is_touched()
        && !account.is_created()
        && !account.is_selfdestructed()
        && account.info.nonce == 0
        && account.info.balance == amount
        && account.info.code_hash == KECCAK256_EMPTY
        && !account.storage.values().any(EvmStorageSlot::is_changed)
}
