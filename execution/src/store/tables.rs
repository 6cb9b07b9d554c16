//! The redb tables of the node database and the encodings of their keys.

use alloy_primitives::{Address, U256};
use redb::TableDefinition;

/// Flat state of EVM accounts (ids `0x00…00 ‖ address`): address → `AccountState::encode()`.
pub(crate) const ACCOUNTS: TableDefinition<'_, [u8; 20], &[u8]> = TableDefinition::new("accounts");
/// Flat state of every other account id: id → `AccountState::encode()`.
pub(crate) const ID_ACCOUNTS: TableDefinition<'_, [u8; 32], &[u8]> =
    TableDefinition::new("id_accounts");
/// Solana-style owner, flags and data of the accounts that have them: id →
/// `AccountData::encode()`.
pub(crate) const ACCOUNT_DATA: TableDefinition<'_, [u8; 32], &[u8]> =
    TableDefinition::new("account_data");
/// Flat storage: address ‖ slot (big-endian) → value (big-endian, never zero).
pub(crate) const STORAGE: TableDefinition<'_, [u8; 52], [u8; 32]> = TableDefinition::new("storage");
/// Contract code: code hash → bytecode.
pub(crate) const CODE: TableDefinition<'_, [u8; 32], &[u8]> = TableDefinition::new("code");
/// State trie nodes by path (see `trie::TrieId::node_key`) → node RLP.
pub(crate) const TRIE_NODES: TableDefinition<'_, &[u8], &[u8]> = TableDefinition::new("trie_nodes");
/// Block headers: number → RLP header.
pub(crate) const HEADERS: TableDefinition<'_, u64, &[u8]> = TableDefinition::new("headers");
/// Block hash → number.
pub(crate) const BLOCK_NUMBERS: TableDefinition<'_, [u8; 32], u64> =
    TableDefinition::new("block_numbers");
/// Block bodies: number → transaction records of every engine (see `block_codec`).
pub(crate) const BLOCK_BODIES: TableDefinition<'_, u64, &[u8]> =
    TableDefinition::new("block_bodies");
/// Receipts: number → receipt records of every engine (see `block_codec`).
pub(crate) const BLOCK_RECEIPTS: TableDefinition<'_, u64, &[u8]> =
    TableDefinition::new("block_receipts");
/// Transaction hash → block number ‖ index in block (u64 BE ‖ u32 BE).
pub(crate) const TX_INDEX: TableDefinition<'_, [u8; 32], [u8; 12]> =
    TableDefinition::new("tx_index");
/// Solana transactions by the accounts they name: pubkey ‖ block number (u64 BE) ‖ index in
/// block (u32 BE) → nothing (`getSignaturesForAddress` reads it newest first).
pub(crate) const ACCOUNT_TXS: TableDefinition<'_, [u8; 44], ()> =
    TableDefinition::new("account_txs");
/// State history (see `history`): account id ‖ block (u64 BE) → the account's record
/// (`AccountState::encode()`) *before* that block changed it; empty when it did not exist.
pub(crate) const ACCOUNT_HISTORY: TableDefinition<'_, [u8; 40], &[u8]> =
    TableDefinition::new("account_history");
/// State history: account id ‖ block → the account's `AccountData::encode()` before that
/// block changed it; empty when it had none.
pub(crate) const DATA_HISTORY: TableDefinition<'_, [u8; 40], &[u8]> =
    TableDefinition::new("data_history");
/// State history: address ‖ slot ‖ block → the slot's value before that block changed it
/// (zero when unset).
pub(crate) const STORAGE_HISTORY: TableDefinition<'_, [u8; 60], [u8; 32]> =
    TableDefinition::new("storage_history");
/// Trie history: (node key, block) → the node RLP stored under that key (see
/// `trie::TrieId::node_key`) *before* that block overwrote or deleted it; empty when the key
/// held no node.
pub(crate) const NODE_HISTORY: TableDefinition<'_, (&[u8], u64), &[u8]> =
    TableDefinition::new("node_history");
/// State history: block → the keys of the history tables that block wrote (see
/// `history::HistoryWriter`), so pruning a block finds its entries without a scan.
pub(crate) const HISTORY_CHANGES: TableDefinition<'_, u64, &[u8]> =
    TableDefinition::new("history_changes");
/// Chain metadata: name → value.
pub(crate) const META: TableDefinition<'_, &str, &[u8]> = TableDefinition::new("meta");

/// `META` key of the head block number.
pub(crate) const META_HEAD: &str = "head";
/// `META` key of the chain id.
pub(crate) const META_CHAIN_ID: &str = "chain_id";
/// `META` key of the oldest block whose state the history can still reconstruct.
pub(crate) const META_HISTORY_FROM: &str = "history_from";
/// `META` key of the newest block whose history entries are pruned (all older ones are too).
pub(crate) const META_HISTORY_PRUNED: &str = "history_pruned";
/// `META` key of the oldest block whose state trie the node history can reconstruct (a
/// database upgraded from layout 3 has it from the upgrade on).
pub(crate) const META_TRIE_HISTORY_FROM: &str = "trie_history_from";
/// `META` key of the layout version of the database (see `migration`).
pub(crate) const META_SCHEMA: &str = "schema";

/// Key of storage `slot` of `address` in `STORAGE`.
pub(crate) fn storage_key(address: Address, slot: U256) -> [u8; 52] {
    let mut key = [0u8; 52];
    key[..20].copy_from_slice(address.as_slice());
    key[20..].copy_from_slice(&slot.to_be_bytes::<32>());
    key
}

/// Inclusive key range covering all storage of `address`.
pub(crate) fn storage_range(address: Address) -> std::ops::RangeInclusive<[u8; 52]> {
    let mut lo = [0u8; 52];
    lo[..20].copy_from_slice(address.as_slice());
    let mut hi = [0xffu8; 52];
    hi[..20].copy_from_slice(address.as_slice());
    lo..=hi
}

/// `key ‖ block (u64 BE)`: a key of a history table.
pub(crate) fn history_key<const K: usize, const N: usize>(key: &[u8; K], block: u64) -> [u8; N] {
    debug_assert_eq!(K + 8, N);
    let mut out = [0u8; N];
    out[..K].copy_from_slice(key);
    out[K..].copy_from_slice(&block.to_be_bytes());
    out
}

/// Encodes a transaction's location.
pub(crate) fn tx_location(block: u64, index: u32) -> [u8; 12] {
    let mut out = [0u8; 12];
    out[..8].copy_from_slice(&block.to_be_bytes());
    out[8..].copy_from_slice(&index.to_be_bytes());
    out
}

/// Key of the transaction at (`block`, `index`) naming account `key` in `ACCOUNT_TXS`.
pub(crate) fn account_tx_key(key: &[u8; 32], block: u64, index: u32) -> [u8; 44] {
    let mut out = [0u8; 44];
    out[..32].copy_from_slice(key);
    out[32..].copy_from_slice(&tx_location(block, index));
    out
}

/// Decodes a transaction's location.
pub(crate) fn parse_tx_location(raw: [u8; 12]) -> (u64, u32) {
    let mut block = [0u8; 8];
    block.copy_from_slice(&raw[..8]);
    let mut index = [0u8; 4];
    index.copy_from_slice(&raw[8..]);
    (u64::from_be_bytes(block), u32::from_be_bytes(index))
}
