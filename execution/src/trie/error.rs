//! The error type shared by every trie operation.

use alloy_primitives::hex;

/// Why a trie operation failed. A failed operation produces no writes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TrieError {
    /// A node that its parent references by hash is not in the node table.
    #[error("trie node missing at key 0x{}", hex::encode(key))]
    MissingNode {
        /// The node-table key that was looked up.
        key: Vec<u8>,
    },
    /// A stored node does not decode, does not match the hash its parent holds for it, or
    /// breaks the shape of a secure trie.
    #[error("corrupt trie node at key 0x{}: {reason}", hex::encode(key))]
    CorruptNode {
        /// The node-table key of the bad node (for an inlined node, the key it would have).
        key: Vec<u8>,
        /// What is wrong with it.
        reason: String,
    },
    /// The storage behind the [`NodeReader`](super::NodeReader) failed.
    #[error("trie node storage failed: {0}")]
    Backend(String),
}
