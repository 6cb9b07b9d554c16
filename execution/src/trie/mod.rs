//! Incremental, path-based Ethereum Merkle-Patricia trie.
//!
//! This module owns the state commitment: the account trie and one storage trie per account,
//! both *secure* tries (every key is a 32-byte keccak hash, so 64 nibbles, and branch nodes never
//! carry values), hashed exactly as Ethereum hashes them.
//!
//! Nodes are persisted **by path**, as geth's path-based scheme does: the node that starts at
//! nibble path `P` of trie `T` is stored under [`TrieId::node_key`]`(P)`, and its value is the
//! node's RLP encoding (children referenced by hash, or inlined when their RLP is shorter than 32
//! bytes). Only nodes referenced by hash, plus the root, are stored: an inlined node lives inside
//! its parent's encoding. Writing a path replaces the previous node, so no garbage accumulates;
//! [`update_trie`] deletes the paths that nodes moved away from.
//!
//! An update ([`update_trie`]) loads only the nodes on the paths of the keys it touches (plus, when
//! a branch collapses, its one remaining child), applies the changes in memory, re-hashes the
//! touched nodes bottom-up and returns the [`NodeWrites`] to apply in the block's database
//! transaction. Its cost grows with the number of keys touched, not with the size of the trie.
//!
//! Dropping a whole trie (an account's storage when the account is destroyed) needs no function
//! here: every node of trie `id` is stored under a key that starts with [`TrieId::key_prefix`], so
//! the caller deletes that key range.

mod commit;
mod error;
mod loader;
mod node;
mod node_key;
mod proof;
mod reader;
mod root;
mod update;
mod writes;

#[cfg(test)]
mod tests;

pub use error::TrieError;
pub use node_key::TrieId;
pub use proof::proof;
pub use reader::NodeReader;
pub use root::trie_root;
pub use update::update_trie;
pub use writes::NodeWrites;
