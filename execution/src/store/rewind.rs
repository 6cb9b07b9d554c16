//! Rewinding the chain to an older block (the devnet's `evm_revert`): the flat state, the
//! state trie and the chain are brought back to the end of that block from the state and trie
//! history (see `history`), and every later block — header, body, receipts, transaction and
//! account indexes, history entries, DA progress — is deleted, all in one redb write
//! transaction, so a crash leaves either the old chain or the rewound one.

use redb::{ReadableTable, WriteTransaction};

use super::{
    Store,
    history::{Change, change_list},
    progress::{BATCHER_STATE, DA_INCLUSIONS, SAFE_KEY},
    reader::NodeTable,
    tables::*,
};
use crate::{
    AccountId, ExecutionError, Transaction,
    trie::{self, TrieId},
};

impl Store {
    /// Rewinds the chain to block `to`: its state (accounts, data, storage, trie) becomes the
    /// state at the end of `to`, and the blocks after it are deleted with everything recorded
    /// about them. Refused ([`ExecutionError::StatePruned`]) when the history no longer reaches
    /// back to `to` (state or trie); [`ExecutionError::UnknownBlock`] when `to` is above the
    /// head. A rewind to the head changes nothing. Checks the rewound trie's root against
    /// `to`'s header before committing.
    pub fn rewind(&self, to: u64) -> Result<(), ExecutionError> {
        let reader = self.reader()?;
        let head = reader.head_number()?.ok_or(ExecutionError::NoGenesis)?;
        if to > head {
            return Err(ExecutionError::UnknownBlock { number: to, head });
        }
        let oldest = reader.oldest_proof()?;
        if to < oldest {
            return Err(ExecutionError::StatePruned { requested: to, oldest, head });
        }
        let expected_root = reader
            .header(to)?
            .ok_or_else(|| ExecutionError::Invariant(format!("block {to} has no header")))?
            .state_root;
        let removed: Vec<(u64, alloy_primitives::B256, Vec<Transaction>)> = (to + 1..=head)
            .map(|number| {
                let header = reader.header(number)?.ok_or_else(|| {
                    ExecutionError::Invariant(format!("block {number} has no header"))
                })?;
                Ok((number, header.hash_slow(), reader.transactions(number)?.unwrap_or_default()))
            })
            .collect::<Result<_, ExecutionError>>()?;
        drop(reader);
        if removed.is_empty() {
            return Ok(());
        }

        let txn = self.db.begin_write()?;
        // Newest block first: a key changed by several removed blocks ends with the old value
        // of the earliest of them — its value at the end of `to`.
        for (number, _, _) in removed.iter().rev() {
            restore_block(&txn, *number)?;
        }
        let root = trie::trie_root(&NodeTable(&txn.open_table(TRIE_NODES)?), TrieId::Account)?;
        if root != expected_root {
            return Err(ExecutionError::Invariant(format!(
                "rewound state root {root} differs from block {to}'s {expected_root}"
            )));
        }
        delete_blocks(&txn, &removed)?;
        txn.open_table(META)?.insert(META_HEAD, to.to_be_bytes().as_slice())?;
        // What was posted of the removed blocks no longer describes the chain: the batcher
        // posts the new chain from `to` on.
        let posted = txn.open_table(BATCHER_STATE)?.get(SAFE_KEY)?.map(|v| v.value());
        if posted.is_some_and(|posted| posted > to) {
            txn.open_table(BATCHER_STATE)?.insert(SAFE_KEY, to)?;
        }
        txn.open_table(DA_INCLUSIONS)?.retain_in(to + 1.., |_, _| false)?;
        txn.commit()?;
        self.latest.invalidate();
        tracing::info!(to, removed = removed.len(), "chain rewound");
        Ok(())
    }
}

/// Writes back the old values block `number` recorded and deletes its history entries.
fn restore_block(txn: &WriteTransaction, number: u64) -> Result<(), ExecutionError> {
    let Some(list) = txn.open_table(HISTORY_CHANGES)?.remove(number)?.map(|v| v.value().to_vec())
    else {
        return Ok(());
    };
    let mut accounts = txn.open_table(ACCOUNTS)?;
    let mut id_accounts = txn.open_table(ID_ACCOUNTS)?;
    let mut data = txn.open_table(ACCOUNT_DATA)?;
    let mut storage = txn.open_table(STORAGE)?;
    let mut nodes = txn.open_table(TRIE_NODES)?;
    let mut account_history = txn.open_table(ACCOUNT_HISTORY)?;
    let mut data_history = txn.open_table(DATA_HISTORY)?;
    let mut storage_history = txn.open_table(STORAGE_HISTORY)?;
    let mut node_history = txn.open_table(NODE_HISTORY)?;
    let missing = |what: &str| ExecutionError::Corrupt {
        what: "history",
        reason: format!("block {number} lists a {what} entry it does not hold"),
    };
    for change in change_list(number, &list)? {
        match change {
            Change::Account(id) => {
                let old = account_history
                    .remove(history_key(&id, number))?
                    .ok_or_else(|| missing("account"))?;
                let old = old.value();
                let id = AccountId::from(id);
                match id.evm_address() {
                    Some(address) if old.is_empty() => drop(accounts.remove(address.0.0)?),
                    Some(address) => drop(accounts.insert(address.0.0, old)?),
                    None if old.is_empty() => drop(id_accounts.remove(id.as_bytes())?),
                    None => drop(id_accounts.insert(id.as_bytes(), old)?),
                }
            }
            Change::Data(id) => {
                let old = data_history
                    .remove(history_key(&id, number))?
                    .ok_or_else(|| missing("data"))?;
                let old = old.value();
                if old.is_empty() {
                    data.remove(id)?;
                } else {
                    data.insert(id, old)?;
                }
            }
            Change::Storage(key) => {
                let old = storage_history
                    .remove(history_key(&key, number))?
                    .ok_or_else(|| missing("storage"))?
                    .value();
                if old == [0u8; 32] {
                    storage.remove(key)?;
                } else {
                    storage.insert(key, old)?;
                }
            }
            Change::Node(key) => {
                let old = node_history
                    .remove((key.as_slice(), number))?
                    .ok_or_else(|| missing("trie node"))?;
                let old = old.value();
                if old.is_empty() {
                    nodes.remove(key.as_slice())?;
                } else {
                    nodes.insert(key.as_slice(), old)?;
                }
            }
        }
    }
    Ok(())
}

/// Deletes the removed blocks: headers, hashes, bodies, receipts, transaction and account
/// indexes.
fn delete_blocks(
    txn: &WriteTransaction,
    removed: &[(u64, alloy_primitives::B256, Vec<Transaction>)],
) -> Result<(), ExecutionError> {
    let mut headers = txn.open_table(HEADERS)?;
    let mut numbers = txn.open_table(BLOCK_NUMBERS)?;
    let mut bodies = txn.open_table(BLOCK_BODIES)?;
    let mut receipts = txn.open_table(BLOCK_RECEIPTS)?;
    let mut tx_index = txn.open_table(TX_INDEX)?;
    let mut account_txs = txn.open_table(ACCOUNT_TXS)?;
    for (number, hash, transactions) in removed {
        headers.remove(number)?;
        numbers.remove(hash.0)?;
        bodies.remove(number)?;
        receipts.remove(number)?;
        for (i, tx) in transactions.iter().enumerate() {
            tx_index.remove(tx.hash().0)?;
            if let Transaction::Svm(tx) = tx {
                for key in tx.sanitized.message().account_keys().iter() {
                    account_txs.remove(account_tx_key(&key.to_bytes(), *number, i as u32))?;
                }
            }
        }
    }
    Ok(())
}
