//! One account seen from both sides: the chain's record (balance in wei, and for an account
//! owned by a program its `AccountData`) as the Solana runtime's `AccountSharedData`, and back.
//!
//! Lamports are the balance's whole gwei; what is under one gwei stays in the account when the
//! SVM writes it back. An account without `AccountData` is a system account (owned by the
//! System program, no data). Builtins, the genesis programs and the block's sysvars come from
//! the runtime, never from the state.

use std::collections::HashMap;

use alloy_primitives::{Bytes, U256};
use svm::types::{AccountSharedData, Pubkey, ReadableAccount, WritableAccount};

use crate::{
    AccountId, AccountState, ExecutionError, StateView,
    state::{AccountData, native_token},
};

/// The System program's id, the owner of every account without data.
const SYSTEM_PROGRAM: Pubkey = Pubkey::from_str_const("11111111111111111111111111111111");

/// The chain id of a Solana pubkey.
pub(crate) fn account_id(key: &Pubkey) -> AccountId {
    AccountId::from(key.to_bytes())
}

/// The Solana pubkey of a chain id.
pub(crate) fn pubkey(id: AccountId) -> Pubkey {
    Pubkey::new_from_array(*id.as_bytes())
}

/// The runtime's view of an account of the state.
pub(crate) fn to_solana(
    account: Option<AccountState>,
    data: Option<AccountData>,
) -> Option<AccountSharedData> {
    let lamports = account.map(|a| native_token::lamports(a.balance)).unwrap_or_default();
    if lamports == 0 && data.is_none() {
        return None;
    }
    let mut shared = match data {
        Some(data) => {
            let mut shared = AccountSharedData::new(lamports, data.data.len(), &pubkey(data.owner));
            shared.set_data_from_slice(&data.data);
            shared.set_executable(data.executable);
            shared.set_rent_epoch(data.rent_epoch);
            shared
        }
        None => AccountSharedData::new(lamports, 0, &SYSTEM_PROGRAM),
    };
    shared.set_lamports(lamports);
    Some(shared)
}

/// The chain's record and data for what the runtime left in account `id` that held `before`
/// (its wei remainder under one lamport is kept). `None` data: a system account.
pub(crate) fn from_solana(
    before: Option<AccountState>,
    after: &AccountSharedData,
) -> (AccountState, Option<AccountData>) {
    let before = before.unwrap_or_default();
    let remainder = before.balance % U256::from(native_token::WEI_PER_LAMPORT);
    let balance = native_token::wei(after.lamports()) + remainder;
    let system_owned =
        after.owner() == &SYSTEM_PROGRAM && after.data().is_empty() && !after.executable();
    let data = (!system_owned).then(|| AccountData {
        owner: account_id(after.owner()),
        executable: after.executable(),
        rent_epoch: after.rent_epoch(),
        data: Bytes::copy_from_slice(after.data()),
    });
    (AccountState { balance, storage_root: alloy_trie::EMPTY_ROOT_HASH, ..before }, data)
}

/// What loading read of one state account: its record, and whether it had `AccountData`.
pub(crate) type Loaded = (Pubkey, Option<AccountState>, bool);

/// The accounts of a transaction as the runtime reads them: the runtime's own (builtins,
/// programs, sysvars) first, then the state's.
pub(crate) struct StateAccounts<'a> {
    pub(crate) state: &'a dyn StateView,
    pub(crate) runtime_owned: &'a HashMap<Pubkey, AccountSharedData>,
    /// The first state error met (the runtime's interface cannot carry one).
    pub(crate) error: std::cell::RefCell<Option<ExecutionError>>,
    /// Every state account read, as read: writing one back needs its record before the
    /// transaction, which need not be read from the state a second time.
    pub(crate) loaded: std::cell::RefCell<Vec<Loaded>>,
}

impl<'a> StateAccounts<'a> {
    /// The accounts of `state` behind the runtime's own.
    pub(crate) fn new(
        state: &'a dyn StateView,
        runtime_owned: &'a HashMap<Pubkey, AccountSharedData>,
    ) -> Self {
        Self {
            state,
            runtime_owned,
            error: std::cell::RefCell::new(None),
            loaded: std::cell::RefCell::new(Vec::new()),
        }
    }
}

impl svm::AccountSource for StateAccounts<'_> {
    fn account(&self, key: &Pubkey) -> Option<AccountSharedData> {
        if let Some(account) = self.runtime_owned.get(key) {
            return Some(account.clone());
        }
        let id = account_id(key);
        let read = || -> Result<_, ExecutionError> {
            let (record, data) = (self.state.account(id)?, self.state.account_data(id)?);
            self.loaded.borrow_mut().push((*key, record, data.is_some()));
            Ok(to_solana(record, data))
        };
        match read() {
            Ok(account) => account,
            Err(e) => {
                self.error.borrow_mut().get_or_insert(e);
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lamports_are_whole_gwei_and_the_remainder_stays() {
        let before =
            AccountState { balance: native_token::wei(7) + U256::from(5u64), ..Default::default() };
        let shared = to_solana(Some(before), None).unwrap();
        assert_eq!(shared.lamports(), 7);
        assert_eq!(shared.owner(), &SYSTEM_PROGRAM);
        let mut after = shared.clone();
        after.set_lamports(3);
        let (state, data) = from_solana(Some(before), &after);
        assert_eq!(state.balance, native_token::wei(3) + U256::from(5u64));
        assert!(data.is_none());
    }

    #[test]
    fn program_owned_accounts_keep_owner_data_and_flags() {
        let owner = Pubkey::new_from_array([9; 32]);
        let mut shared = AccountSharedData::new(1_000, 4, &owner);
        shared.set_data_from_slice(&[1, 2, 3, 4]);
        shared.set_rent_epoch(u64::MAX);
        let (state, data) = from_solana(None, &shared);
        let data = data.unwrap();
        assert_eq!(data.owner, account_id(&owner));
        assert_eq!(data.data.as_ref(), &[1, 2, 3, 4]);
        assert_eq!(to_solana(Some(state), Some(data)).unwrap(), shared);
        assert!(to_solana(None, None).is_none());
    }
}
