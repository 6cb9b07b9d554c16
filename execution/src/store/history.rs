//! State history, the write side: per sealed block, the value every key had *before* the
//! block changed it (reth's change sets), and the pruning of blocks below the kept range.
//!
//! Layout (tables in `tables`):
//! - `account_history`: id ‖ block → the account's record before `block` (empty: absent);
//! - `data_history`: id ‖ block → the account's Solana-style data before `block` (empty:
//!   none);
//! - `storage_history`: address ‖ slot ‖ block → the slot's value before `block` (zero:
//!   unset);
//! - `node_history`: (trie node key, block) → the node stored under that key before `block`
//!   overwrote or deleted it (empty: no node) — of the account trie and of every storage
//!   trie, so `eth_getProof` can walk the trie of an older block;
//! - `history_changes`: block → the keys that block wrote to the tables above.
//!
//! The value of key K at block N is the old value recorded by the first change of K in a
//! block after N, or the current value when K did not change after N — one range scan
//! (see `historical_state`, and `historical_trie` for the nodes). Code is content-addressed and never deleted, so it needs no
//! history. Genesis records nothing: there is no state before it; nor does a store that
//! keeps one block (the head's state is the flat state).

use std::collections::HashSet;

use alloy_primitives::B256;
use node_config::KeepBlocks;
use redb::{ReadableTable, Table, WriteTransaction};

use super::{Store, reader::u64_meta, tables::*};
use crate::{AccountId, ExecutionError};

/// Most pruned blocks per seal: after `keep_blocks` shrinks, the backlog is worked off a
/// bounded slice at a time so a seal stays cheap.
const PRUNE_PER_SEAL: u64 = 64;

/// Tags of the keys in a `history_changes` entry.
const TAG_ACCOUNT: u8 = 0;
const TAG_DATA: u8 = 1;
const TAG_STORAGE: u8 = 2;
/// A trie node key: tag ‖ length (one byte) ‖ key.
const TAG_NODE: u8 = 3;

/// Records the old values of the keys one block changes, inside the block's write
/// transaction.
pub(crate) struct HistoryWriter<'t> {
    block: u64,
    /// Whether anything is recorded (not for genesis, nor when only the head is kept).
    enabled: bool,
    accounts: Table<'t, [u8; 40], &'static [u8]>,
    data: Table<'t, [u8; 40], &'static [u8]>,
    storage: Table<'t, [u8; 60], [u8; 32]>,
    nodes: Table<'t, (&'static [u8], u64), &'static [u8]>,
    /// Storage keys recorded in this block: only a key's first old value counts (a wiped
    /// contract whose slot is then written again).
    slots_seen: HashSet<[u8; 52]>,
    /// Trie node keys recorded in this block (a dropped storage trie built again).
    nodes_seen: HashSet<Vec<u8>>,
    /// `history_changes` entry of the block: tag ‖ key records.
    changes: Vec<u8>,
}

impl<'t> HistoryWriter<'t> {
    /// A writer for block `block` in `txn`, for a store that keeps `keep`.
    pub(crate) fn open(
        txn: &'t WriteTransaction,
        block: u64,
        keep: KeepBlocks,
    ) -> Result<Self, ExecutionError> {
        Ok(Self {
            block,
            enabled: block > 0 && records(keep),
            accounts: txn.open_table(ACCOUNT_HISTORY)?,
            data: txn.open_table(DATA_HISTORY)?,
            storage: txn.open_table(STORAGE_HISTORY)?,
            nodes: txn.open_table(NODE_HISTORY)?,
            slots_seen: HashSet::new(),
            nodes_seen: HashSet::new(),
            changes: Vec::new(),
        })
    }

    /// Records the record account `id` had before the block (`None`: absent).
    pub(crate) fn account(
        &mut self,
        id: &AccountId,
        old: Option<&[u8]>,
    ) -> Result<(), ExecutionError> {
        self.record_id(TAG_ACCOUNT, id, old)
    }

    /// Records the data account `id` had before the block (`None`: none).
    pub(crate) fn data(
        &mut self,
        id: &AccountId,
        old: Option<&[u8]>,
    ) -> Result<(), ExecutionError> {
        self.record_id(TAG_DATA, id, old)
    }

    /// Records `old` under `id` in the table of `tag` (accounts or data).
    fn record_id(
        &mut self,
        tag: u8,
        id: &AccountId,
        old: Option<&[u8]>,
    ) -> Result<(), ExecutionError> {
        if !self.enabled {
            return Ok(());
        }
        let table = if tag == TAG_ACCOUNT { &mut self.accounts } else { &mut self.data };
        table.insert(history_key(id.as_bytes(), self.block), old.unwrap_or_default())?;
        self.changes.push(tag);
        self.changes.extend_from_slice(id.as_bytes());
        Ok(())
    }

    /// Records the value storage key `key` (address ‖ slot) had before the block (`None`:
    /// unset); a later record of the same key in the block is ignored.
    pub(crate) fn storage(
        &mut self,
        key: [u8; 52],
        old: Option<[u8; 32]>,
    ) -> Result<(), ExecutionError> {
        if !self.enabled || !self.slots_seen.insert(key) {
            return Ok(());
        }
        self.storage.insert(history_key(&key, self.block), old.unwrap_or_default())?;
        self.changes.push(TAG_STORAGE);
        self.changes.extend_from_slice(&key);
        Ok(())
    }

    /// Whether this writer records anything (not for genesis, nor when only the head is
    /// kept).
    pub(crate) fn records(&self) -> bool {
        self.enabled
    }

    /// Records the node trie node key `key` held before the block (`None`: none), given the
    /// node it holds after (`None`: deleted); a node written unchanged records nothing, nor
    /// does a later record of the same key in the block.
    pub(crate) fn node(
        &mut self,
        key: &[u8],
        old: Option<&[u8]>,
        new: Option<&[u8]>,
    ) -> Result<(), ExecutionError> {
        if !self.enabled || old == new || self.nodes_seen.contains(key) {
            return Ok(());
        }
        let len = u8::try_from(key.len()).map_err(|_| {
            ExecutionError::Invariant(format!("trie node key of {} bytes", key.len()))
        })?;
        self.nodes_seen.insert(key.to_vec());
        self.nodes.insert((key, self.block), old.unwrap_or_default())?;
        self.changes.push(TAG_NODE);
        self.changes.push(len);
        self.changes.extend_from_slice(key);
        Ok(())
    }

    /// Writes the block's list of changed keys (for pruning).
    pub(crate) fn finish(self, txn: &WriteTransaction) -> Result<(), ExecutionError> {
        let Self { block, accounts, data, storage, nodes, changes, .. } = self;
        drop((accounts, data, storage, nodes));
        if !changes.is_empty() {
            txn.open_table(HISTORY_CHANGES)?.insert(block, changes.as_slice())?;
        }
        Ok(())
    }
}

/// What the state history holds (`Store::history_size`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HistorySize {
    /// History entries of the state (old values of accounts, data and slots).
    pub entries: u64,
    /// History entries of the state trie (old nodes of the account and storage tries).
    pub node_entries: u64,
    /// Bytes of the keys and values of the history tables.
    pub stored_bytes: u64,
    /// Of `stored_bytes`, those of the trie history.
    pub node_stored_bytes: u64,
    /// Bytes of the pages the history tables take in the database file (stored bytes, the
    /// tables' metadata and the unused space of their pages).
    pub allocated_bytes: u64,
}

impl Store {
    /// The size of the state history: entries and bytes of its tables.
    pub fn history_size(&self) -> Result<HistorySize, ExecutionError> {
        use redb::{ReadableDatabase as _, ReadableTableMetadata as _};
        let txn = self.db.begin_read()?;
        let mut size = HistorySize::default();
        let mut add = |len: u64, stats: redb::TableStats, counted: Option<bool>| {
            match counted {
                Some(true) => size.entries += len,
                Some(false) => {
                    size.node_entries += len;
                    size.node_stored_bytes += stats.stored_bytes();
                }
                None => {}
            }
            size.stored_bytes += stats.stored_bytes();
            size.allocated_bytes +=
                stats.stored_bytes() + stats.metadata_bytes() + stats.fragmented_bytes();
        };
        let table = txn.open_table(ACCOUNT_HISTORY)?;
        add(table.len()?, table.stats()?, Some(true));
        let table = txn.open_table(DATA_HISTORY)?;
        add(table.len()?, table.stats()?, Some(true));
        let table = txn.open_table(STORAGE_HISTORY)?;
        add(table.len()?, table.stats()?, Some(true));
        let table = txn.open_table(NODE_HISTORY)?;
        add(table.len()?, table.stats()?, Some(false));
        let table = txn.open_table(HISTORY_CHANGES)?;
        add(table.len()?, table.stats()?, None);
        Ok(size)
    }
}

/// Whether a store that keeps `keep` records history at all (one block kept: the head's
/// state is the flat state).
pub(crate) fn records(keep: KeepBlocks) -> bool {
    keep != KeepBlocks::Recent(1)
}

/// Drops the history entries older than `keep` allows now that `head` is sealed: the
/// entries of blocks up to the oldest kept block (its state is read from the entries of the
/// blocks after it), at most [`PRUNE_PER_SEAL`] blocks at a time, behind the
/// `history_pruned` mark. Moves the `history_from` mark (the oldest readable state) with
/// them — to the head when nothing is recorded, since the states below it then lack the
/// head's entries.
pub(crate) fn prune(
    txn: &WriteTransaction,
    keep: KeepBlocks,
    head: u64,
) -> Result<(), ExecutionError> {
    let mut meta = txn.open_table(META)?;
    let read = |meta: &Table<'_, &'static str, &'static [u8]>, key| {
        u64_meta(meta.get(key)?.as_ref().map(|v| v.value()))
    };
    let from = read(&meta, META_HISTORY_FROM)?.unwrap_or(0);
    let pruned = read(&meta, META_HISTORY_PRUNED)?.unwrap_or(from);
    let oldest = keep.oldest_kept(head);
    let until = oldest.clamp(pruned, pruned.saturating_add(PRUNE_PER_SEAL));
    let readable = if records(keep) { from.max(until) } else { head };
    if readable != from {
        meta.insert(META_HISTORY_FROM, readable.to_be_bytes().as_slice())?;
    }
    if until == pruned {
        return Ok(());
    }
    meta.insert(META_HISTORY_PRUNED, until.to_be_bytes().as_slice())?;
    let mut changes = txn.open_table(HISTORY_CHANGES)?;
    let mut accounts = txn.open_table(ACCOUNT_HISTORY)?;
    let mut data = txn.open_table(DATA_HISTORY)?;
    let mut storage = txn.open_table(STORAGE_HISTORY)?;
    let mut nodes = txn.open_table(NODE_HISTORY)?;
    for block in pruned + 1..=until {
        let Some(list) = changes.remove(block)? else { continue };
        for change in change_list(block, list.value())? {
            match change {
                Change::Account(id) => drop(accounts.remove(history_key(&id, block))?),
                Change::Data(id) => drop(data.remove(history_key(&id, block))?),
                Change::Storage(key) => drop(storage.remove(history_key(&key, block))?),
                Change::Node(key) => drop(nodes.remove((key.as_slice(), block))?),
            }
        }
    }
    Ok(())
}

/// One key of a block's `history_changes` list: which history table holds its entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Change {
    /// An `account_history` entry of this account id.
    Account([u8; 32]),
    /// A `data_history` entry of this account id.
    Data([u8; 32]),
    /// A `storage_history` entry of this address ‖ slot.
    Storage([u8; 52]),
    /// A `node_history` entry of this trie node key.
    Node(Vec<u8>),
}

/// Decodes block `block`'s `history_changes` list.
pub(crate) fn change_list(block: u64, mut list: &[u8]) -> Result<Vec<Change>, ExecutionError> {
    let mut out = Vec::new();
    while let Some((&tag, rest)) = list.split_first() {
        let (len, rest) = match tag {
            TAG_ACCOUNT | TAG_DATA => (32, rest),
            TAG_STORAGE => (52, rest),
            TAG_NODE => match rest.split_first() {
                Some((&len, rest)) => (usize::from(len), rest),
                None => return Err(corrupt_list(block)),
            },
            _ => return Err(corrupt_list(block)),
        };
        let Some((key, rest)) = rest.split_at_checked(len) else {
            return Err(corrupt_list(block));
        };
        out.push(match tag {
            TAG_ACCOUNT => Change::Account(id_bytes(key)),
            TAG_DATA => Change::Data(id_bytes(key)),
            TAG_STORAGE => Change::Storage(key.try_into().expect("52 bytes")),
            _ => Change::Node(key.to_vec()),
        });
        list = rest;
    }
    Ok(out)
}

fn id_bytes(key: &[u8]) -> [u8; 32] {
    B256::from_slice(key).0
}

fn corrupt_list(block: u64) -> ExecutionError {
    ExecutionError::Corrupt {
        what: "history change list",
        reason: format!("block {block}: truncated record or unknown tag"),
    }
}
