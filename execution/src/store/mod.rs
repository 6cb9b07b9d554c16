//! `Store`: the node's redb database — state, state trie and chain in one file, so a block's
//! state, header, body, receipts and transaction index commit in one atomic transaction —
//! and the rollup's progress beside it (`progress`).

mod block_codec;
mod commit;
mod historical_state;
mod historical_trie;
mod history;
mod latest_reader;
mod migration;
mod progress;
mod reader;
mod rewind;
mod tables;

#[cfg(test)]
mod history_tests;
#[cfg(test)]
mod rewind_tests;
#[cfg(test)]
mod trie_history_tests;

use std::{path::Path, sync::Arc};

use node_config::KeepBlocks;
use redb::ReadableDatabase as _;

pub use commit::SealOptions;
pub use historical_state::HistoricalState;
pub use history::HistorySize;
pub use progress::{DaInclusion, ProgressStore};
pub use reader::{AccountProof, StoreReader};

use crate::{AccountId, AccountState, ExecutionError};

/// Handle to the node database. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Store {
    db: Arc<redb::Database>,
    /// Whose states the history keeps (pruned as blocks are sealed).
    keep: KeepBlocks,
    /// The shared snapshot of the latest state (see [`Store::latest_reader`]).
    latest: Arc<latest_reader::LatestReader>,
}

impl Store {
    /// Opens (creating if missing) the database at `path`, bringing an older layout up to
    /// date (see `migration`). Keeps the state history of every block; see
    /// [`keep_blocks`](Self::keep_blocks).
    pub fn open(path: impl AsRef<Path>) -> Result<Self, ExecutionError> {
        let path = path.as_ref();
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| ExecutionError::Database(format!("{}: {e}", parent.display())))?;
        }
        let db = redb::Database::builder()
            .set_cache_size(256 * 1024 * 1024)
            .create(path)
            .map_err(|e| ExecutionError::Database(format!("{}: {e}", path.display())))?;
        let store = Self { db: Arc::new(db), keep: KeepBlocks::All, latest: Default::default() };
        store.create_tables()?;
        Ok(store)
    }

    /// Keeps the state history of the blocks `keep` names (`[history] keep_blocks`): older
    /// entries are pruned as blocks are sealed.
    pub fn keep_blocks(mut self, keep: KeepBlocks) -> Self {
        self.keep = keep;
        self
    }

    fn create_tables(&self) -> Result<(), ExecutionError> {
        let txn = self.db.begin_write()?;
        {
            txn.open_table(tables::ACCOUNTS)?;
            txn.open_table(tables::ID_ACCOUNTS)?;
            txn.open_table(tables::ACCOUNT_DATA)?;
            txn.open_table(tables::STORAGE)?;
            txn.open_table(tables::CODE)?;
            txn.open_table(tables::TRIE_NODES)?;
            txn.open_table(tables::HEADERS)?;
            txn.open_table(tables::BLOCK_NUMBERS)?;
            txn.open_table(tables::BLOCK_BODIES)?;
            txn.open_table(tables::BLOCK_RECEIPTS)?;
            txn.open_table(tables::TX_INDEX)?;
            txn.open_table(tables::ACCOUNT_TXS)?;
            txn.open_table(tables::ACCOUNT_HISTORY)?;
            txn.open_table(tables::DATA_HISTORY)?;
            txn.open_table(tables::STORAGE_HISTORY)?;
            txn.open_table(tables::NODE_HISTORY)?;
            txn.open_table(tables::HISTORY_CHANGES)?;
            txn.open_table(tables::META)?;
            txn.open_table(progress::DA_INCLUSIONS)?;
            txn.open_table(progress::BATCHER_STATE)?;
            txn.open_table(progress::FOLLOWER_STATE)?;
        }
        migration::migrate(&txn)?;
        txn.commit()?;
        Ok(())
    }

    /// A consistent read snapshot of the latest committed state and chain.
    pub fn reader(&self) -> Result<StoreReader, ExecutionError> {
        StoreReader::new(&self.db)
    }

    /// A read snapshot of the latest committed state and chain, shared: callers get the same
    /// snapshot until the next sealed or rewound block (never an older one once that commit
    /// has returned). Cheaper than [`reader`](Self::reader) for frequent short reads, such as
    /// admitting a transaction.
    pub fn latest_reader(&self) -> Result<Arc<StoreReader>, ExecutionError> {
        self.latest.get(|| self.reader())
    }

    /// The latest committed record of account `id` (a cheaper read than a whole `reader()`).
    pub fn account(&self, id: AccountId) -> Result<Option<AccountState>, ExecutionError> {
        let txn = self.db.begin_read()?;
        let raw = match id.evm_address() {
            Some(address) => txn.open_table(tables::ACCOUNTS)?.get(address.0.0)?,
            None => txn.open_table(tables::ID_ACCOUNTS)?.get(id.as_bytes())?,
        };
        raw.map(|raw| AccountState::decode(raw.value())).transpose()
    }

    /// Head block number, `None` before genesis.
    pub fn head_number(&self) -> Result<Option<u64>, ExecutionError> {
        let txn = self.db.begin_read()?;
        let meta = txn.open_table(tables::META)?;
        reader::u64_meta(meta.get(tables::META_HEAD)?.as_ref().map(|v| v.value()))
    }
}
