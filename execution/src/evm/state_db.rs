//! `StateDb`: revm's `Database` over a [`StateView`], read-only, with contract code analysed
//! once per `StateDb` (`CodeCache`). What a simulated call (`eth_call`, `eth_estimateGas`)
//! runs against: its writes stay in revm's journal and are dropped.

use alloy_primitives::{Address, B256, U256};
use revm::{Database, bytecode::Bytecode, database_interface::DBErrorMarker, state::AccountInfo};

use super::code_cache::CodeCache;
use crate::{AccountId, AccountState, ExecutionError, StateView};

impl DBErrorMarker for ExecutionError {}

/// revm's database over a state view.
#[derive(Debug)]
pub struct StateDb<V> {
    state: V,
    code: CodeCache,
}

impl<V: StateView> StateDb<V> {
    /// A database reading `state`.
    pub fn new(state: V) -> Self {
        Self { state, code: CodeCache::default() }
    }
}

impl<V: StateView> Database for StateDb<V> {
    type Error = ExecutionError;

    fn basic(&mut self, address: Address) -> Result<Option<AccountInfo>, Self::Error> {
        Ok(self.state.account(AccountId::from(address))?.map(account_info))
    }

    fn code_by_hash(&mut self, code_hash: B256) -> Result<Bytecode, Self::Error> {
        self.code.get(code_hash, &self.state)
    }

    fn storage(&mut self, address: Address, index: U256) -> Result<U256, Self::Error> {
        self.state.storage(address, index)
    }

    fn block_hash(&mut self, number: u64) -> Result<B256, Self::Error> {
        Ok(self.state.block_hash(number)?.unwrap_or_default())
    }
}

/// What revm is told of an account: its balance, nonce and code hash (the code is loaded
/// by hash, once, through the code cache).
pub(super) fn account_info(account: AccountState) -> AccountInfo {
    AccountInfo {
        balance: account.balance,
        nonce: account.nonce,
        code_hash: account.code_hash,
        code: None,
        ..Default::default()
    }
}
