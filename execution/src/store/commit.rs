//! Sealing: applying a block's write set to flat state and the state trie, computing the
//! state root, and persisting header, body, receipts and transaction index — all in one redb
//! write transaction, so a crash leaves either the whole block or none of it.

use std::collections::BTreeMap;

use alloy_primitives::{Address, B256, Bytes, KECCAK256_EMPTY, keccak256};
use redb::{ReadableTable, Table, WriteTransaction};

use super::{
    Store, block_codec,
    reader::{NodeTable, u64_meta},
    tables::*,
};
use crate::{
    AccountState, BlockOutcome, ExecutionError, SealedBlock, StateChanges,
    block::build_header,
    trie::{self, NodeWrites, TrieId},
};

impl Store {
    /// Seals an executed block on top of the current head: commits its state, computes the
    /// state root, persists the block and runs `also` with the sealed block inside the same
    /// write transaction, before it commits. `also` records what must change atomically with
    /// the block (a follower's DA cursor), or rejects the block: an error aborts the
    /// transaction and nothing is written.
    ///
    /// Receipts become visible to readers only when this returns.
    pub fn seal_block(
        &self,
        outcome: &BlockOutcome,
        extra_data: Bytes,
        also: impl FnOnce(&WriteTransaction, &SealedBlock) -> Result<(), ExecutionError>,
    ) -> Result<SealedBlock, ExecutionError> {
        self.seal_block_with(outcome, extra_data, true, also)
    }

    /// [`seal_block`](Self::seal_block), durable on return only when `durable`. A
    /// non-durable seal skips the disk flush: a crash may lose it (and every non-durable seal
    /// after the last durable commit) but never leaves a torn database — fit for blocks that
    /// can be derived again, as a follower's. [`flush`](Self::flush) makes them durable.
    pub fn seal_block_with(
        &self,
        outcome: &BlockOutcome,
        extra_data: Bytes,
        durable: bool,
        also: impl FnOnce(&WriteTransaction, &SealedBlock) -> Result<(), ExecutionError>,
    ) -> Result<SealedBlock, ExecutionError> {
        let mut txn = self.db.begin_write()?;
        if !durable {
            txn.set_durability(redb::Durability::None)?;
        }
        let sealed = {
            let head = {
                let meta = txn.open_table(META)?;
                u64_meta(meta.get(META_HEAD)?.as_ref().map(|v| v.value()))?
            };
            match head {
                Some(head) if outcome.env.number == head + 1 => {}
                None if outcome.env.number == 0 => {}
                other => {
                    return Err(ExecutionError::NotNextBlock {
                        number: outcome.env.number,
                        head: other.unwrap_or_default(),
                    });
                }
            }
            let started = std::time::Instant::now();
            let state_root = apply_changes(&txn, &outcome.changes)?;
            let applied = started.elapsed();
            let transactions: Vec<_> = outcome.transactions.iter().map(|t| t.tx.clone()).collect();
            let header = build_header(
                &outcome.env,
                state_root,
                &transactions,
                &outcome.receipts,
                outcome.gas_used,
                extra_data,
            );
            let sealed = SealedBlock {
                hash: header.hash_slow(),
                header,
                transactions,
                receipts: outcome.receipts.clone(),
            };
            write_block(&txn, &sealed)?;
            also(&txn, &sealed)?;
            let written = started.elapsed();
            (sealed, applied, written, started)
        };
        let (sealed, applied, written, started) = sealed;
        txn.commit()?;
        tracing::debug!(
            number = sealed.number(),
            keys = outcome.changes.keys_touched(),
            state_ms = applied.as_millis() as u64,
            block_ms = (written - applied).as_millis() as u64,
            commit_ms = (started.elapsed() - written).as_millis() as u64,
            "block committed"
        );
        Ok(sealed)
    }
}

impl Store {
    /// Makes every earlier non-durable seal durable (an empty durable commit).
    pub fn flush(&self) -> Result<(), ExecutionError> {
        self.db.begin_write()?.commit()?;
        Ok(())
    }
}

fn write_block(txn: &WriteTransaction, block: &SealedBlock) -> Result<(), ExecutionError> {
    let number = block.number();
    txn.open_table(HEADERS)?.insert(number, alloy_rlp::encode(&block.header).as_slice())?;
    txn.open_table(BLOCK_NUMBERS)?.insert(block.hash.0, number)?;
    txn.open_table(BODIES)?
        .insert(number, block_codec::encode_body(&block.transactions).as_slice())?;
    txn.open_table(RECEIPTS)?
        .insert(number, block_codec::encode_receipts(&block.receipts).as_slice())?;
    let mut index = txn.open_table(TX_INDEX)?;
    for (i, tx) in block.transactions.iter().enumerate() {
        index.insert(tx.hash.0, tx_location(number, i as u32))?;
    }
    txn.open_table(META)?.insert(META_HEAD, number.to_be_bytes().as_slice())?;
    Ok(())
}

/// Records the chain id in a fresh database.
pub(crate) fn write_chain_id(txn: &WriteTransaction, chain_id: u64) -> Result<(), ExecutionError> {
    txn.open_table(META)?.insert(META_CHAIN_ID, chain_id.to_be_bytes().as_slice())?;
    Ok(())
}

fn apply_node_writes(
    nodes: &mut Table<'_, &'static [u8], &'static [u8]>,
    writes: NodeWrites,
) -> Result<(), ExecutionError> {
    for key in writes.delete {
        nodes.remove(key.as_slice())?;
    }
    for (key, value) in writes.put {
        nodes.insert(key.as_slice(), value.as_slice())?;
    }
    Ok(())
}

/// Drops every stored node of trie `id`.
fn drop_trie(
    nodes: &mut Table<'_, &'static [u8], &'static [u8]>,
    id: TrieId,
) -> Result<(), ExecutionError> {
    let prefix = id.key_prefix();
    let mut end = prefix.clone();
    end.push(0x10); // nibbles are < 16: every path key of the trie sorts below this
    nodes.retain_in(prefix.as_slice()..end.as_slice(), |_, _| false)?;
    Ok(())
}

/// Applies `changes` to flat state and the trie; returns the new state root.
fn apply_changes(txn: &WriteTransaction, changes: &StateChanges) -> Result<B256, ExecutionError> {
    let mut accounts = txn.open_table(ACCOUNTS)?;
    let mut storage = txn.open_table(STORAGE)?;
    let mut nodes = txn.open_table(TRIE_NODES)?;
    let mut code = txn.open_table(CODE)?;
    for (hash, bytecode) in &changes.code {
        code.insert(hash.0, bytecode.as_ref())?;
    }

    // Deterministic order (the trie result does not depend on it, but I/O patterns do).
    let ordered: BTreeMap<&Address, _> = changes.accounts.iter().collect();
    let mut account_updates = Vec::with_capacity(ordered.len());
    for (address, change) in ordered {
        let hashed = keccak256(address);
        let storage_id = TrieId::Storage(hashed);
        // The previous record matters only for its storage root (kept when storage did not
        // change) and to know whether a deleted account existed; an EOA has no storage.
        let needs_previous = change.account.is_none_or(|a| a.code_hash != KECCAK256_EMPTY);
        let previous = if needs_previous {
            accounts.get(address.0.0)?.map(|v| AccountState::decode(v.value())).transpose()?
        } else {
            None
        };
        if change.storage_cleared || change.account.is_none() {
            storage.retain_in(storage_range(*address), |_, _| false)?;
            drop_trie(&mut nodes, storage_id)?;
        }
        let Some(mut account) = change.account else {
            if previous.is_some() {
                accounts.remove(address.0.0)?;
            }
            account_updates.push((hashed, None));
            continue;
        };
        account.storage_root = if change.storage.is_empty() {
            match previous {
                Some(prev) if !change.storage_cleared => prev.storage_root,
                _ => alloy_trie::EMPTY_ROOT_HASH,
            }
        } else {
            let mut slot_updates = Vec::with_capacity(change.storage.len());
            for (slot, value) in &change.storage {
                let key = storage_key(*address, *slot);
                if value.is_zero() {
                    storage.remove(key)?;
                    slot_updates.push((keccak256(slot.to_be_bytes::<32>()), None));
                } else {
                    storage.insert(key, value.to_be_bytes::<32>())?;
                    slot_updates.push((
                        keccak256(slot.to_be_bytes::<32>()),
                        Some(alloy_rlp::encode(value)),
                    ));
                }
            }
            let (root, writes) = trie::update_trie(&NodeTable(&nodes), storage_id, slot_updates)?;
            apply_node_writes(&mut nodes, writes)?;
            root
        };
        accounts.insert(address.0.0, account.encode().as_slice())?;
        account_updates.push((hashed, Some(account.trie_leaf())));
    }
    let (root, writes) = trie::update_trie(&NodeTable(&nodes), TrieId::Account, account_updates)?;
    apply_node_writes(&mut nodes, writes)?;
    Ok(root)
}
