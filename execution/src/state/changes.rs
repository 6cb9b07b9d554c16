//! `StateChanges`: the write set of a block, applied to the store when the block is sealed.

use alloy_primitives::{Bytes, map::B256Map};

use crate::{
    AccountId, AccountState,
    state::{AccountData, AccountMap, SlotMap},
};

/// How one account changed in a block.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccountChange {
    /// The account's new nonce, balance and code hash; `None` when it was deleted (destroyed,
    /// or touched while empty per EIP-161). Its `storage_root` is recomputed at commit.
    pub account: Option<AccountState>,
    /// Whether all of its previous storage was wiped (destroyed or re-created) before `storage`.
    pub storage_cleared: bool,
    /// Storage slots written, with their new values (zero deletes the slot).
    pub storage: SlotMap,
}

/// Everything a block (or a genesis) writes to the state.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StateChanges {
    /// Changed accounts, by id.
    pub accounts: AccountMap<AccountChange>,
    /// The new Solana-style owner, flags and data of accounts whose data changed (`None`:
    /// removed), by id; each also has its entry in `accounts`. Apart from `accounts` because
    /// few accounts have data, and the per-account entry of every EVM account stays small.
    pub data: AccountMap<Option<AccountData>>,
    /// New contract code, by hash.
    pub code: B256Map<Bytes>,
}

impl StateChanges {
    /// Number of accounts plus storage slots written: the work a commit has to do.
    pub fn keys_touched(&self) -> usize {
        self.accounts.values().map(|a| 1 + a.storage.len()).sum()
    }

    /// Whether nothing was written.
    pub fn is_empty(&self) -> bool {
        self.accounts.is_empty() && self.data.is_empty() && self.code.is_empty()
    }

    /// The change of account `id`, created empty if absent.
    pub fn account_mut(&mut self, id: AccountId) -> &mut AccountChange {
        self.accounts.entry(id).or_default()
    }
}
