//! State history, the read side: [`HistoricalState`], the [`StateView`] of the state at the
//! end of an older block, answered from the history tables (see `history`) over a
//! [`StoreReader`] snapshot.

use alloy_primitives::{Address, B256, Bytes, U256};
use redb::{ReadOnlyTable, ReadTransaction};

use super::{StoreReader, tables::*};
use crate::{AccountId, AccountState, ExecutionError, StateView, state::AccountData};

/// The history tables of a read snapshot.
pub(crate) struct HistoryTables {
    accounts: ReadOnlyTable<[u8; 40], &'static [u8]>,
    data: ReadOnlyTable<[u8; 40], &'static [u8]>,
    storage: ReadOnlyTable<[u8; 60], [u8; 32]>,
    pub(super) nodes: ReadOnlyTable<(&'static [u8], u64), &'static [u8]>,
}

impl HistoryTables {
    pub(crate) fn open(txn: &ReadTransaction) -> Result<Self, ExecutionError> {
        Ok(Self {
            accounts: txn.open_table(ACCOUNT_HISTORY)?,
            data: txn.open_table(DATA_HISTORY)?,
            storage: txn.open_table(STORAGE_HISTORY)?,
            nodes: txn.open_table(NODE_HISTORY)?,
        })
    }
}

/// The first history entry of `key` recorded by a block after `number`: the value `key` had
/// at the end of block `number`, if it changed since. `None` when it did not change since.
fn first_change_after<const K: usize, const N: usize, V>(
    table: &ReadOnlyTable<[u8; N], V>,
    key: &[u8; K],
    number: u64,
) -> Result<Option<redb::AccessGuard<'static, V>>, ExecutionError>
where
    V: redb::Value + 'static,
{
    let Some(after) = number.checked_add(1) else { return Ok(None) };
    let range =
        table.range(history_key::<K, N>(key, after)..=history_key::<K, N>(key, u64::MAX))?;
    let first = range.into_iter().next().transpose()?;
    Ok(first.map(|(_, value)| value))
}

/// The state at the end of block `number`, read through a snapshot whose head is at or after
/// it. Built by [`StoreReader::state_at`]; at the head it reads the flat state directly.
pub struct HistoricalState<'r> {
    pub(super) reader: &'r StoreReader,
    pub(super) number: u64,
    at_head: bool,
}

impl std::fmt::Debug for HistoricalState<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HistoricalState").field("number", &self.number).finish_non_exhaustive()
    }
}

impl HistoricalState<'_> {
    /// The block whose state this is.
    pub fn number(&self) -> u64 {
        self.number
    }

    /// Whether this is the snapshot's head state.
    pub fn is_head(&self) -> bool {
        self.at_head
    }
}

impl StoreReader {
    /// The oldest block whose state the history can still reconstruct (the head's state is
    /// always readable).
    pub fn oldest_state(&self) -> Result<u64, ExecutionError> {
        let head = self.head_number()?.unwrap_or_default();
        Ok(self.history_from()?.unwrap_or(head).min(head))
    }

    /// The state at the end of block `number`: [`ExecutionError::StatePruned`] when it is
    /// older than [`oldest_state`](Self::oldest_state), [`ExecutionError::UnknownBlock`] when
    /// it is above the head.
    pub fn state_at(&self, number: u64) -> Result<HistoricalState<'_>, ExecutionError> {
        let head = self.head_number()?.ok_or(ExecutionError::NoGenesis)?;
        if number > head {
            return Err(ExecutionError::UnknownBlock { number, head });
        }
        let oldest = self.oldest_state()?;
        if number < oldest {
            return Err(ExecutionError::StatePruned { requested: number, oldest, head });
        }
        Ok(HistoricalState { reader: self, number, at_head: number == head })
    }
}

impl StateView for HistoricalState<'_> {
    fn account(&self, id: AccountId) -> Result<Option<AccountState>, ExecutionError> {
        if !self.at_head {
            let old =
                first_change_after(&self.reader.history.accounts, id.as_bytes(), self.number)?;
            if let Some(old) = old {
                let raw = old.value();
                return if raw.is_empty() { Ok(None) } else { AccountState::decode(raw).map(Some) };
            }
        }
        self.reader.account(id)
    }

    fn account_data(&self, id: AccountId) -> Result<Option<AccountData>, ExecutionError> {
        if !self.at_head && id.evm_address().is_none() {
            let old = first_change_after(&self.reader.history.data, id.as_bytes(), self.number)?;
            if let Some(old) = old {
                let raw = old.value();
                return if raw.is_empty() { Ok(None) } else { AccountData::decode(raw).map(Some) };
            }
        }
        self.reader.account_data(id)
    }

    fn storage(&self, address: Address, slot: U256) -> Result<U256, ExecutionError> {
        if !self.at_head {
            let key = storage_key(address, slot);
            if let Some(old) = first_change_after(&self.reader.history.storage, &key, self.number)?
            {
                return Ok(U256::from_be_bytes(old.value()));
            }
        }
        self.reader.storage(address, slot)
    }

    fn code(&self, code_hash: B256) -> Result<Option<Bytes>, ExecutionError> {
        // Content-addressed and never deleted: every code a past state names is stored.
        self.reader.code(code_hash)
    }

    fn block_hash(&self, number: u64) -> Result<Option<B256>, ExecutionError> {
        if number > self.number {
            return Ok(None);
        }
        self.reader.block_hash(number)
    }
}
