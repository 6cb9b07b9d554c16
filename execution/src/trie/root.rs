//! Reading the current root hash of a stored trie.

use alloy_primitives::{B256, keccak256};
use alloy_trie::{EMPTY_ROOT_HASH, Nibbles};

use super::{NodeReader, TrieError, TrieId};

/// Current root hash of trie `id`: the hash of its root node, or
/// [`EMPTY_ROOT_HASH`] if it has none. Reads only the root node.
pub fn trie_root(reader: &impl NodeReader, id: TrieId) -> Result<B256, TrieError> {
    Ok(reader.node(&id.node_key(&Nibbles::new()))?.map_or(EMPTY_ROOT_HASH, keccak256))
}
