//! `BlockState`: a block's uncommitted writes layered over a `StateView`, usable as a revm
//! `Database`.
//!
//! Each transaction executes against the state left by the previous ones; its revm state
//! diff is folded into the overlay (`DatabaseCommit`, by the rules of `tx_effects`), and the
//! overlay's `StateChanges` is the block's write set. Contract code is analysed once per
//! block (`CodeCache`).

use alloy_primitives::{Address, B256, U256};
use revm::{
    Database, DatabaseCommit,
    bytecode::Bytecode,
    database_interface::DBErrorMarker,
    primitives::AddressMap,
    state::{Account, AccountInfo},
};

use super::{
    code_cache::CodeCache,
    tx_effects::{account_effect, changed_slots, new_code},
};
use crate::{AccountState, ExecutionError, StateChanges, StateView};

impl DBErrorMarker for ExecutionError {}

/// Uncommitted block writes over a base state.
#[derive(Debug)]
pub struct BlockState<V> {
    base: V,
    changes: StateChanges,
    code: CodeCache,
}

impl<V: StateView> BlockState<V> {
    /// An overlay with no writes yet.
    pub fn new(base: V) -> Self {
        Self::with_changes(base, StateChanges::default())
    }

    /// An overlay with no writes yet and room for `accounts` changed accounts (a block's
    /// map then never grows, rehashing, while its transactions commit).
    pub fn with_capacity(base: V, accounts: usize) -> Self {
        let mut changes = StateChanges::default();
        changes.accounts.reserve(accounts);
        Self::with_changes(base, changes)
    }

    /// An overlay that already holds `changes`.
    pub fn with_changes(base: V, changes: StateChanges) -> Self {
        Self { base, changes, code: CodeCache::default() }
    }

    /// The base state.
    pub fn base(&self) -> &V {
        &self.base
    }

    /// The writes so far.
    pub fn changes(&self) -> &StateChanges {
        &self.changes
    }

    /// Consumes the overlay, returning its writes.
    pub fn into_changes(self) -> StateChanges {
        self.changes
    }

    /// The account as seen through the overlay.
    pub fn account(&self, address: Address) -> Result<Option<AccountState>, ExecutionError> {
        match self.changes.accounts.get(&address) {
            Some(change) => Ok(change.account),
            None => self.base.account(address),
        }
    }

    /// Adds `amount` to the balance of `address`, creating the account if needed.
    pub fn credit(&mut self, address: Address, amount: U256) -> Result<(), ExecutionError> {
        if amount.is_zero() {
            return Ok(());
        }
        let mut account = self.account(address)?.unwrap_or_default();
        account.balance = account.balance.saturating_add(amount);
        self.changes.accounts.entry(address).or_default().account = Some(account);
        Ok(())
    }
}

impl<V: StateView> StateView for BlockState<V> {
    fn account(&self, address: Address) -> Result<Option<AccountState>, ExecutionError> {
        BlockState::account(self, address)
    }

    fn storage(&self, address: Address, slot: U256) -> Result<U256, ExecutionError> {
        if let Some(change) = self.changes.accounts.get(&address) {
            if let Some(value) = change.storage.get(&slot) {
                return Ok(*value);
            }
            if change.storage_cleared {
                return Ok(U256::ZERO);
            }
        }
        self.base.storage(address, slot)
    }

    fn code(&self, code_hash: B256) -> Result<Option<alloy_primitives::Bytes>, ExecutionError> {
        match self.changes.code.get(&code_hash) {
            Some(code) => Ok(Some(code.clone())),
            None => self.base.code(code_hash),
        }
    }

    fn block_hash(&self, number: u64) -> Result<Option<B256>, ExecutionError> {
        self.base.block_hash(number)
    }
}

impl<V: StateView> Database for BlockState<V> {
    type Error = ExecutionError;

    fn basic(&mut self, address: Address) -> Result<Option<AccountInfo>, Self::Error> {
        Ok(BlockState::account(self, address)?.map(|a| AccountInfo {
            balance: a.balance,
            nonce: a.nonce,
            code_hash: a.code_hash,
            code: None,
            ..Default::default()
        }))
    }

    fn code_by_hash(&mut self, code_hash: B256) -> Result<Bytecode, Self::Error> {
        let mut cache = std::mem::take(&mut self.code);
        let code = cache.get(code_hash, self);
        self.code = cache;
        code
    }

    fn storage(&mut self, address: Address, index: U256) -> Result<U256, Self::Error> {
        StateView::storage(self, address, index)
    }

    fn block_hash(&mut self, number: u64) -> Result<B256, Self::Error> {
        Ok(StateView::block_hash(self, number)?.unwrap_or_default())
    }
}

impl<V: StateView> DatabaseCommit for BlockState<V> {
    fn commit(&mut self, changes: AddressMap<Account>) {
        for (address, account) in changes {
            let Some(effect) = account_effect(&account) else { continue };
            if let Some((hash, code)) = new_code(&account, &effect) {
                self.changes.code.entry(hash).or_insert(code);
            }
            let entry = self.changes.accounts.entry(address).or_default();
            if effect.storage_cleared {
                entry.storage_cleared = true;
                entry.storage.clear();
            }
            entry.storage.extend(changed_slots(&account));
            match effect.account {
                Some(record) => entry.account = record,
                // Only its storage changed: the record is the one the transaction saw.
                None if entry.account.is_none() => {
                    entry.account = Some(crate::evm::tx_effects::account_state(&account));
                }
                None => {}
            }
        }
    }
}
