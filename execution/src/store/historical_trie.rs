//! Trie history, the read side: the state trie (account trie and storage tries) at the end of
//! an older block, read from the `node_history` table (see `history`) over the current nodes,
//! and the `eth_getProof` data of that block, which verifies against its state root.

use alloy_primitives::{Address, B256};
use redb::ReadOnlyTable;

use super::{
    HistoricalState, StoreReader,
    reader::{AccountProof, NodeTable, account_proof, u64_meta},
    tables::META_TRIE_HISTORY_FROM,
};
use crate::{
    ExecutionError,
    trie::{self, NodeReader, TrieError, TrieId},
};

/// The trie nodes as they were at the end of block `number`: a key's first history entry
/// recorded by a later block (the node it held before that block changed it; empty: none),
/// else its current node.
pub(crate) struct HistoricalNodes<'r> {
    current: NodeTable<'r, ReadOnlyTable<&'static [u8], &'static [u8]>>,
    history: &'r ReadOnlyTable<(&'static [u8], u64), &'static [u8]>,
    number: u64,
}

impl NodeReader for HistoricalNodes<'_> {
    fn node(&self, key: &[u8]) -> Result<Option<Vec<u8>>, TrieError> {
        let backend = |e: redb::StorageError| TrieError::Backend(e.to_string());
        if let Some(after) = self.number.checked_add(1) {
            let mut range = self.history.range((key, after)..=(key, u64::MAX)).map_err(backend)?;
            if let Some(entry) = range.next() {
                let (_, old) = entry.map_err(backend)?;
                let old = old.value();
                return Ok((!old.is_empty()).then(|| old.to_vec()));
            }
        }
        self.current.node(key)
    }
}

impl StoreReader {
    /// The oldest block whose state trie — and so `eth_getProof` — the history can still
    /// reconstruct: [`oldest_state`](Self::oldest_state), or later in a database upgraded from
    /// a layout without trie history (from the upgrade on).
    pub fn oldest_proof(&self) -> Result<u64, ExecutionError> {
        let head = self.head_number()?.unwrap_or_default();
        let raw = self.meta.get(META_TRIE_HISTORY_FROM)?;
        let trie_from = u64_meta(raw.as_ref().map(|v| v.value()))?.unwrap_or(0);
        Ok(self.oldest_state()?.max(trie_from).min(head))
    }
}

impl HistoricalState<'_> {
    /// `eth_getProof` data for `address` and `slots` at this block: account and storage
    /// proofs that verify against this block's state root.
    /// [`ExecutionError::StatePruned`] when the block is older than
    /// [`StoreReader::oldest_proof`].
    pub fn proof(&self, address: Address, slots: &[B256]) -> Result<AccountProof, ExecutionError> {
        if self.is_head() {
            return self.reader.proof(address, slots);
        }
        let oldest = self.reader.oldest_proof()?;
        if self.number < oldest {
            let head = self.reader.head_number()?.unwrap_or_default();
            return Err(ExecutionError::StatePruned { requested: self.number, oldest, head });
        }
        let nodes = HistoricalNodes {
            current: NodeTable(&self.reader.trie_nodes),
            history: &self.reader.history.nodes,
            number: self.number,
        };
        account_proof(self, &nodes, address, slots)
    }

    /// The state root of this block as the (historical) trie holds it.
    pub fn state_root(&self) -> Result<B256, ExecutionError> {
        if self.is_head() {
            return self.reader.state_root();
        }
        let nodes = HistoricalNodes {
            current: NodeTable(&self.reader.trie_nodes),
            history: &self.reader.history.nodes,
            number: self.number,
        };
        Ok(trie::trie_root(&nodes, TrieId::Account)?)
    }
}
