//! Sealing: applying a block's write set to flat state and the state trie, computing the
//! state root, and persisting header, body, receipts and transaction index — all in one redb
//! write transaction, so a crash leaves either the whole block or none of it.

use std::collections::BTreeMap;

use alloy_primitives::{Address, B256, Bytes, U256, keccak256};
use alloy_trie::EMPTY_ROOT_HASH;
use redb::{ReadableTable, Table, WriteTransaction};

use super::{
    Store, block_codec,
    history::{self, HistoryWriter},
    progress,
    reader::{NodeTable, u64_meta},
    tables::*,
};
use crate::{
    AccountId, AccountState, BlockOutcome, ExecutionError, SealedBlock, StateChanges, Transaction,
    block::UnrootedBlock,
    state::{AccountChange, AccountData},
    trie::{self, NodeWrites, TrieId},
};

/// How a block is sealed (by default: durably, nothing else recorded).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SealOptions {
    durable: bool,
    follower_cursor: Option<u64>,
    chain_id: Option<u64>,
}

impl Default for SealOptions {
    fn default() -> Self {
        Self { durable: true, follower_cursor: None, chain_id: None }
    }
}

impl SealOptions {
    /// Skips the disk flush: a crash may lose the block (and every non-durable seal after the
    /// last durable commit) but never leaves a torn database — fit for blocks that can be
    /// derived again, as a follower's. [`Store::flush`] makes them durable.
    pub fn non_durable(mut self) -> Self {
        self.durable = false;
        self
    }

    /// Records a follower's DA cursor (the first DA height it has not fully read) with the
    /// block.
    pub fn follower_cursor(mut self, next_da_height: u64) -> Self {
        self.follower_cursor = Some(next_da_height);
        self
    }

    /// Records the chain id with the block (the genesis block of a fresh database).
    pub(crate) fn chain_id(mut self, chain_id: u64) -> Self {
        self.chain_id = Some(chain_id);
        self
    }
}

impl Store {
    /// Seals an executed block on top of the current head, durably: commits its state,
    /// computes the state root, persists the block. Receipts become visible to readers only
    /// when this returns.
    pub fn seal_block(
        &self,
        outcome: &BlockOutcome,
        extra_data: Bytes,
    ) -> Result<SealedBlock, ExecutionError> {
        self.seal_block_with(outcome, extra_data, SealOptions::default(), |_| Ok(()))
    }

    /// [`seal_block`](Self::seal_block) with `options`, after `check` accepted the sealed
    /// block — a follower compares it with the block on DA: an error aborts the transaction
    /// and nothing is written.
    pub fn seal_block_with(
        &self,
        outcome: &BlockOutcome,
        extra_data: Bytes,
        options: SealOptions,
        check: impl FnOnce(&SealedBlock) -> Result<(), ExecutionError>,
    ) -> Result<SealedBlock, ExecutionError> {
        let mut txn = self.db.begin_write()?;
        if !options.durable {
            txn.set_durability(redb::Durability::None)?;
        }
        let head = {
            let meta = txn.open_table(META)?;
            u64_meta(meta.get(META_HEAD)?.as_ref().map(|v| v.value()))?
        };
        match head {
            Some(head) if outcome.env.number == head + 1 => {
                // Built on the head itself, not on a block of that number a rewind replaced
                // while this one was executed.
                let parent = outcome.env.parent_hash;
                if txn.open_table(BLOCK_NUMBERS)?.get(parent.0)?.map(|n| n.value()) != Some(head) {
                    return Err(ExecutionError::NotOnHead {
                        number: outcome.env.number,
                        parent,
                        head,
                    });
                }
            }
            None if outcome.env.number == 0 => {}
            other => {
                return Err(ExecutionError::NotNextBlock {
                    number: outcome.env.number,
                    head: other.unwrap_or_default(),
                });
            }
        }
        let started = std::time::Instant::now();
        // The receipts, the header's other roots and the stored encodings need only the
        // executed block: they are built on a second thread while this one commits the
        // state and computes its root (or after it, should no thread be available).
        let (applied, parts) = std::thread::scope(|scope| {
            let spawned = std::thread::Builder::new()
                .name("seal-block-parts".into())
                .spawn_scoped(scope, || BlockParts::new(outcome, extra_data.clone()));
            let applied = apply_changes(&txn, &outcome.changes, outcome.env.number, self.keep);
            let parts = match spawned {
                Ok(thread) => {
                    thread.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))
                }
                Err(error) => {
                    tracing::warn!(%error, "no thread for the block's receipts and roots");
                    BlockParts::new(outcome, extra_data.clone())
                }
            };
            (applied, parts)
        });
        let (state_root, phases) = applied?;
        let applied = started.elapsed();
        let (body, receipts) = (parts.body, parts.receipts);
        let sealed = parts.block.with_state_root(state_root);
        check(&sealed)?;
        write_block(&txn, &sealed, &body, &receipts)?;
        history::prune(&txn, self.keep, sealed.number())?;
        if let Some(cursor) = options.follower_cursor {
            progress::write_follower_cursor(&txn, cursor)?;
        }
        if let Some(chain_id) = options.chain_id {
            txn.open_table(META)?.insert(META_CHAIN_ID, chain_id.to_be_bytes().as_slice())?;
        }
        let written = started.elapsed();
        txn.commit()?;
        self.latest.invalidate();
        let ms = |d: std::time::Duration| d.as_secs_f64() * 1e3;
        tracing::debug!(
            number = sealed.number(),
            keys = outcome.changes.keys_touched(),
            node_writes = phases.node_writes,
            state_ms = ms(applied),
            flat_ms = ms(phases.flat),
            trie_ms = ms(phases.trie),
            nodes_ms = ms(phases.nodes),
            block_ms = ms(written - applied),
            commit_ms = ms(started.elapsed() - written),
            "block committed"
        );
        Ok(sealed)
    }

    /// Makes every earlier non-durable seal durable (an empty durable commit).
    pub fn flush(&self) -> Result<(), ExecutionError> {
        self.db.begin_write()?.commit()?;
        Ok(())
    }
}

/// What a seal needs of a block besides its state: the block but for its state root, and
/// the stored encodings of its body and receipts.
struct BlockParts {
    block: UnrootedBlock,
    body: Vec<u8>,
    receipts: Vec<u8>,
}

impl BlockParts {
    fn new(outcome: &BlockOutcome, extra_data: Bytes) -> Self {
        let block = UnrootedBlock::new(outcome, extra_data);
        let body = block_codec::encode_body(block.transactions());
        let receipts = block_codec::encode_receipts(block.receipts());
        Self { block, body, receipts }
    }
}

/// Writes `block`, whose body and receipts encode to `body` and `receipts`, and its indexes.
fn write_block(
    txn: &WriteTransaction,
    block: &SealedBlock,
    body: &[u8],
    receipts: &[u8],
) -> Result<(), ExecutionError> {
    let number = block.number();
    txn.open_table(HEADERS)?.insert(number, alloy_rlp::encode(&block.header).as_slice())?;
    txn.open_table(BLOCK_NUMBERS)?.insert(block.hash.0, number)?;
    txn.open_table(BLOCK_BODIES)?.insert(number, body)?;
    txn.open_table(BLOCK_RECEIPTS)?.insert(number, receipts)?;
    let mut index = txn.open_table(TX_INDEX)?;
    let mut by_account = txn.open_table(ACCOUNT_TXS)?;
    for (i, tx) in block.transactions.iter().enumerate() {
        index.insert(tx.hash().0, tx_location(number, i as u32))?;
        if let Transaction::Svm(tx) = tx {
            for key in tx.sanitized.message().account_keys().iter() {
                by_account.insert(account_tx_key(&key.to_bytes(), number, i as u32), ())?;
            }
        }
    }
    txn.open_table(META)?.insert(META_HEAD, number.to_be_bytes().as_slice())?;
    Ok(())
}

/// Applies a trie update's node writes, recording the nodes they replace in the history.
fn apply_node_writes(
    nodes: &mut Table<'_, &'static [u8], &'static [u8]>,
    history: &mut HistoryWriter<'_>,
    writes: NodeWrites,
) -> Result<(), ExecutionError> {
    for key in writes.delete {
        let old = nodes.remove(key.as_slice())?;
        history.node(&key, old.as_ref().map(|v| v.value()), None)?;
    }
    for (key, value) in writes.put {
        let old = nodes.insert(key.as_slice(), value.as_slice())?;
        history.node(&key, old.as_ref().map(|v| v.value()), Some(&value))?;
    }
    Ok(())
}

/// Drops every stored node of trie `id`, recording them in the history.
fn drop_trie(
    nodes: &mut Table<'_, &'static [u8], &'static [u8]>,
    history: &mut HistoryWriter<'_>,
    id: TrieId,
) -> Result<(), ExecutionError> {
    let prefix = id.key_prefix();
    let mut end = prefix.clone();
    end.push(0x10); // nibbles are < 16: every path key of the trie sorts below this
    let range = prefix.as_slice()..end.as_slice();
    if history.records() {
        for entry in nodes.range(range.clone())? {
            let (key, old) = entry?;
            history.node(key.value(), Some(old.value()), None)?;
        }
    }
    nodes.retain_in(range, |_, _| false)?;
    Ok(())
}

/// The tables a commit writes.
struct StateTables<'t> {
    accounts: Table<'t, [u8; 20], &'static [u8]>,
    id_accounts: Table<'t, [u8; 32], &'static [u8]>,
    data: Table<'t, [u8; 32], &'static [u8]>,
    storage: Table<'t, [u8; 52], [u8; 32]>,
    nodes: Table<'t, &'static [u8], &'static [u8]>,
    history: HistoryWriter<'t>,
}

/// Where a commit's state time went (logged with each block, at debug level).
struct StatePhases {
    /// Flat state, storage tries and their history: the per-account loop.
    flat: std::time::Duration,
    /// The account trie's update: loading the touched paths and re-hashing them.
    trie: std::time::Duration,
    /// Writing the account trie's nodes and their history.
    nodes: std::time::Duration,
    /// Account trie nodes written or deleted.
    node_writes: usize,
}

/// Applies `changes` of block `number` to flat state, the state history and the trie;
/// returns the new state root and where the time went.
fn apply_changes(
    txn: &WriteTransaction,
    changes: &StateChanges,
    number: u64,
    keep: node_config::KeepBlocks,
) -> Result<(B256, StatePhases), ExecutionError> {
    let started = std::time::Instant::now();
    let mut tables = StateTables {
        accounts: txn.open_table(ACCOUNTS)?,
        id_accounts: txn.open_table(ID_ACCOUNTS)?,
        data: txn.open_table(ACCOUNT_DATA)?,
        storage: txn.open_table(STORAGE)?,
        nodes: txn.open_table(TRIE_NODES)?,
        history: HistoryWriter::open(txn, number, keep)?,
    };
    let mut code = txn.open_table(CODE)?;
    for (hash, bytecode) in &changes.code {
        code.insert(hash.0, bytecode.as_ref())?;
    }

    // Deterministic order (the trie result does not depend on it, but I/O patterns do).
    let ordered: BTreeMap<&AccountId, &AccountChange> = changes.accounts.iter().collect();
    let mut account_updates = Vec::with_capacity(ordered.len());
    for (id, change) in ordered {
        let data = changes.data.get(id);
        let leaf = match id.evm_address() {
            Some(_) if data.is_some() => {
                return Err(ExecutionError::Invariant(format!(
                    "account data written to the EVM account {id:?}"
                )));
            }
            Some(address) => apply_evm_account(&mut tables, address, change)?,
            None => apply_id_account(&mut tables, id, change, data)?,
        };
        account_updates.push((id.trie_key(), leaf));
    }
    let flat = started.elapsed();
    let (root, writes) =
        trie::update_trie(&NodeTable(&tables.nodes), TrieId::Account, account_updates)?;
    let trie = started.elapsed() - flat;
    let node_writes = writes.put.len() + writes.delete.len();
    apply_node_writes(&mut tables.nodes, &mut tables.history, writes)?;
    let StateTables { history, .. } = tables;
    history.finish(txn)?;
    let nodes = started.elapsed() - flat - trie;
    Ok((root, StatePhases { flat, trie, nodes, node_writes }))
}

/// Applies the change of the EVM account `address`; returns its new trie leaf.
fn apply_evm_account(
    tables: &mut StateTables<'_>,
    address: Address,
    change: &AccountChange,
) -> Result<Option<Vec<u8>>, ExecutionError> {
    let id = AccountId::from(address);
    let storage_id = TrieId::Storage(keccak256(address));
    if change.storage_cleared || change.account.is_none() {
        let wiped: Vec<([u8; 52], [u8; 32])> = tables
            .storage
            .range(storage_range(address))?
            .map(|entry| entry.map(|(key, value)| (key.value(), value.value())))
            .collect::<Result<_, _>>()?;
        for (key, value) in wiped {
            tables.history.storage(key, Some(value))?;
        }
        tables.storage.retain_in(storage_range(address), |_, _| false)?;
        drop_trie(&mut tables.nodes, &mut tables.history, storage_id)?;
    }
    let Some(mut account) = change.account else {
        let old = tables.accounts.remove(address.0.0)?;
        tables.history.account(&id, old.as_ref().map(|v| v.value()))?;
        return Ok(None);
    };
    if !change.storage.is_empty() {
        // In key order, which keeps the flat table's writes local.
        let mut slots: Vec<(&U256, &U256)> = change.storage.iter().collect();
        slots.sort_unstable_by_key(|(slot, _)| **slot);
        let mut slot_updates = Vec::with_capacity(slots.len());
        for (slot, value) in slots {
            let key = storage_key(address, *slot);
            let hashed_slot = keccak256(slot.to_be_bytes::<32>());
            let old = if value.is_zero() {
                slot_updates.push((hashed_slot, None));
                tables.storage.remove(key)?.map(|v| v.value())
            } else {
                slot_updates.push((hashed_slot, Some(alloy_rlp::encode(value))));
                tables.storage.insert(key, value.to_be_bytes::<32>())?.map(|v| v.value())
            };
            tables.history.storage(key, old)?;
        }
        let (root, writes) =
            trie::update_trie(&NodeTable(&tables.nodes), storage_id, slot_updates)?;
        apply_node_writes(&mut tables.nodes, &mut tables.history, writes)?;
        account.storage_root = root;
        let old = tables.accounts.insert(address.0.0, account.encode().as_slice())?;
        tables.history.account(&id, old.as_ref().map(|v| v.value()))?;
    } else {
        // Storage unchanged: the account keeps its storage root (empty if wiped). Any account
        // may have storage — an EOA that was a contract's creation or an EIP-7702 delegate —
        // so the previous root comes from the previous record, which the insert hands back.
        account.storage_root = EMPTY_ROOT_HASH;
        let old = tables
            .accounts
            .insert(address.0.0, account.encode().as_slice())?
            .map(|old| old.value().to_vec());
        tables.history.account(&id, old.as_deref())?;
        let previous = old.as_deref().map(AccountState::decode).transpose()?;
        if let Some(previous) = previous
            && !change.storage_cleared
            && previous.storage_root != EMPTY_ROOT_HASH
        {
            account.storage_root = previous.storage_root;
            tables.accounts.insert(address.0.0, account.encode().as_slice())?;
        }
    }
    Ok(Some(account.trie_leaf(None)))
}

/// Applies the change of account `id` (not an EVM address): its record and its data; returns
/// its new trie leaf.
fn apply_id_account(
    tables: &mut StateTables<'_>,
    id: &AccountId,
    change: &AccountChange,
    data: Option<&Option<AccountData>>,
) -> Result<Option<Vec<u8>>, ExecutionError> {
    let Some(mut account) = change.account else {
        let old = tables.id_accounts.remove(id.as_bytes())?;
        tables.history.account(id, old.as_ref().map(|v| v.value()))?;
        let old = tables.data.remove(id.as_bytes())?;
        tables.history.data(id, old.as_ref().map(|v| v.value()))?;
        return Ok(None);
    };
    account.storage_root = EMPTY_ROOT_HASH;
    let old = tables.id_accounts.insert(id.as_bytes(), account.encode().as_slice())?;
    tables.history.account(id, old.as_ref().map(|v| v.value()))?;
    let leaf = match data {
        Some(Some(data)) => {
            let old = tables.data.insert(id.as_bytes(), data.encode().as_slice())?;
            tables.history.data(id, old.as_ref().map(|v| v.value()))?;
            account.trie_leaf(Some(data))
        }
        Some(None) => {
            let old = tables.data.remove(id.as_bytes())?;
            tables.history.data(id, old.as_ref().map(|v| v.value()))?;
            account.trie_leaf(None)
        }
        // Data unchanged (only the balance or nonce moved): the leaf commits to it as stored.
        None => {
            let stored = tables.data.get(id.as_bytes())?;
            let stored = stored.map(|raw| AccountData::decode(raw.value())).transpose()?;
            account.trie_leaf(stored.as_ref())
        }
    };
    Ok(Some(leaf))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use alloy_trie::{HashBuilder, Nibbles};
    use ed25519_dalek::SigningKey;
    use node_config::{GenesisConfig, GenesisIdAccount};

    use super::*;
    use crate::{
        ChainSpec, Engines, StateView, Transaction,
        block::InvalidTxPolicy,
        execute_block,
        kv::{KvEngine, KvOp, KvTx, signer_id},
        scheduler::ParallelExecutor,
        state::native_token,
    };

    /// The state root rebuilt from scratch over `ids`, as the store reads them.
    fn full_root(reader: &impl StateView, ids: &[AccountId]) -> B256 {
        let mut leaves = BTreeMap::new();
        for id in ids {
            let Some(account) = reader.account(*id).unwrap() else { continue };
            let data = reader.account_data(*id).unwrap();
            leaves.insert(id.trie_key(), account.trie_leaf(data.as_ref()));
        }
        let mut hb = HashBuilder::default();
        for (key, leaf) in &leaves {
            hb.add_leaf(Nibbles::unpack(key), leaf);
        }
        hb.root()
    }

    #[test]
    fn accounts_with_data_commit_to_it_when_only_their_balance_moves() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path().join("db")).unwrap();
        let payer_key = SigningKey::from_bytes(&[9u8; 32]);
        let payer = signer_id(&payer_key);
        let program = AccountId::new([0xaa; 32]);
        let owned = B256::repeat_byte(0x77);
        let lamports = native_token::wei(1_000_000_000);
        let accounts = [
            (payer.0, GenesisIdAccount { balance: lamports, ..Default::default() }),
            (
                owned,
                GenesisIdAccount {
                    balance: native_token::wei(5),
                    owner: Some(program.0),
                    executable: false,
                    data: Bytes::from_static(b"state of a program"),
                },
            ),
        ];
        let genesis = GenesisConfig {
            timestamp: 1,
            base_fee_per_gas: 1_000_000_000,
            fee_vault: Address::repeat_byte(0x42),
            alloc: Default::default(),
            extra_data: Bytes::new(),
            accounts: accounts.into_iter().collect(),
        };
        let spec = ChainSpec {
            chain_id: 31337,
            evm_spec: Default::default(),
            block_gas_limit: 30_000_000,
            fee_vault: genesis.fee_vault,
        };
        let genesis_block = store.init_genesis(&spec, &genesis, 1).unwrap();
        let ids = [payer, AccountId(owned), AccountId::from(genesis.fee_vault)];
        let reader = store.reader().unwrap();
        assert_eq!(full_root(&reader, &ids), genesis_block.header.state_root);
        let data_before = reader.account_data(AccountId(owned)).unwrap().unwrap();
        assert_eq!(data_before.owner, program);

        // Only the owned account's lamports change: its leaf still commits to its data.
        let engines = Engines::new(&spec).with_kv(KvEngine);
        let env = spec.next_block_env(&genesis_block.header, 2);
        let transfer = KvOp::Transfer { to: AccountId(owned), lamports: 7 };
        let tx = KvTx::sign(&payer_key, genesis_block.hash, 1, vec![transfer]);
        let mut scheduler = ParallelExecutor::sequential();
        let txs = vec![Transaction::Kv(tx)];
        let executed =
            execute_block(&engines, &env, &reader, txs, InvalidTxPolicy::Fail, &mut scheduler)
                .unwrap();
        assert!(!executed.outcome.changes.data.contains_key(&AccountId(owned)));
        drop(reader);
        let block = store.seal_block(&executed.outcome, Bytes::new()).unwrap();
        let reader = store.reader().unwrap();
        let after = reader.account(AccountId(owned)).unwrap().unwrap();
        assert_eq!(after.balance, native_token::wei(12));
        assert_eq!(reader.account_data(AccountId(owned)).unwrap(), Some(data_before));
        assert_eq!(full_root(&reader, &ids), block.header.state_root);
        assert_ne!(block.header.state_root, genesis_block.header.state_root);
        drop(reader);

        // Data written under an EVM account's id is refused, and nothing is written.
        let mut outcome = executed.outcome;
        outcome.env = spec.next_block_env(&block.header, 3);
        outcome.transactions.clear();
        let evm = AccountId::from(Address::repeat_byte(1));
        outcome.changes.account_mut(evm).account = Some(AccountState::default());
        outcome.changes.data.insert(evm, Some(AccountData::default()));
        let err = store.seal_block(&outcome, Bytes::new()).unwrap_err();
        assert!(matches!(err, ExecutionError::Invariant(_)), "{err}");
        assert_eq!(store.reader().unwrap().head_number().unwrap(), Some(1));
    }
}
