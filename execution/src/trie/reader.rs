//! Read access to persisted trie nodes.

use std::collections::BTreeMap;

use super::TrieError;

/// Read access to the node table.
///
/// Keys are built by [`TrieId::node_key`](super::TrieId::node_key); values are node RLP exactly
/// as [`NodeWrites`](super::NodeWrites) stored them. The trie reads only point keys: it never
/// needs to scan a range.
pub trait NodeReader {
    /// The node stored under `key`, or `None` if there is none.
    fn node(&self, key: &[u8]) -> Result<Option<Vec<u8>>, TrieError>;
}

/// An in-memory node table, for tests and tools.
impl NodeReader for BTreeMap<Vec<u8>, Vec<u8>> {
    fn node(&self, key: &[u8]) -> Result<Option<Vec<u8>>, TrieError> {
        Ok(self.get(key).cloned())
    }
}
