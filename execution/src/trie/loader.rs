//! Lazy loading of stored nodes into the in-memory tree of one update, remembering what was read.

use std::collections::BTreeMap;

use alloy_primitives::keccak256;
use alloy_trie::Nibbles;

use super::{NodeReader, TrieError, TrieId, node::Node};

/// Loads the nodes of trie `id` from `reader` on demand, and records every stored node it read
/// (node key → RLP): after the update these are the paths that held a node before.
pub(super) struct Loader<'a, R> {
    reader: &'a R,
    id: TrieId,
    loaded: BTreeMap<Vec<u8>, Vec<u8>>,
}

impl<'a, R: NodeReader> Loader<'a, R> {
    /// A loader that has read nothing yet.
    pub(super) fn new(reader: &'a R, id: TrieId) -> Self {
        Self { reader, id, loaded: BTreeMap::new() }
    }

    /// The trie this loader reads.
    pub(super) fn id(&self) -> TrieId {
        self.id
    }

    /// Every stored node read so far, by node key.
    pub(super) fn into_loaded(self) -> BTreeMap<Vec<u8>, Vec<u8>> {
        self.loaded
    }

    /// Loads the root node; an absent root is an empty trie.
    pub(super) fn root(&mut self) -> Result<Node, TrieError> {
        let key = self.id.node_key(&Nibbles::new());
        let Some(rlp) = self.reader.node(&key)? else {
            return Ok(Node::Empty);
        };
        let node = Node::decode(&rlp, 0)
            .map_err(|reason| TrieError::CorruptNode { key: key.clone(), reason })?;
        self.loaded.insert(key, rlp);
        Ok(node)
    }

    /// Returns `node` loaded: a [`Node::Ref`] to the node at `path` is replaced by the decoded
    /// node (read from the table if referenced by hash, decoded in place if inlined); any other
    /// node is returned as it is.
    pub(super) fn resolve(&mut self, node: Node, path: &Nibbles) -> Result<Node, TrieError> {
        let Node::Ref(reference) = node else {
            return Ok(node);
        };
        let key = self.id.node_key(path);
        let corrupt = |reason: String| TrieError::CorruptNode { key: key.clone(), reason };
        match reference.as_hash() {
            None => Node::decode(reference.as_slice(), path.len()).map_err(corrupt),
            Some(hash) => {
                let rlp = self
                    .reader
                    .node(&key)?
                    .ok_or_else(|| TrieError::MissingNode { key: key.clone() })?;
                let got = keccak256(&rlp);
                if got != hash {
                    return Err(corrupt(format!("hash {got} differs from {hash} in the parent")));
                }
                let node = Node::decode(&rlp, path.len()).map_err(corrupt)?;
                self.loaded.insert(key, rlp);
                Ok(node)
            }
        }
    }
}
