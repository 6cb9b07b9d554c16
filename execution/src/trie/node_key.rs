//! Which trie a node belongs to, and the node-table key a node is stored under.

use alloy_primitives::B256;
use alloy_trie::Nibbles;

/// Key-prefix tag of the account trie.
const ACCOUNT_TAG: u8 = 0x00;
/// Key-prefix tag of storage tries.
const STORAGE_TAG: u8 = 0x01;

/// Identifies one trie in the node table: the account trie, or the storage trie of one account.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TrieId {
    /// The account trie (keys are `keccak256(address)`).
    Account,
    /// The storage trie of the account whose `keccak256(address)` this is (keys are
    /// `keccak256(slot)`).
    Storage(B256),
}

impl TrieId {
    /// The prefix shared by the keys of every node of this trie: `[0x00]` for the account trie,
    /// `[0x01] ‖ hashed_address` for a storage trie. Deleting this key range drops the whole trie.
    ///
    /// No prefix is a prefix of another trie's prefix, and every node key of the trie is this
    /// prefix followed by nibbles (bytes below 16), so the range holds exactly this trie's nodes.
    pub fn key_prefix(&self) -> Vec<u8> {
        match self {
            Self::Account => vec![ACCOUNT_TAG],
            Self::Storage(hashed_address) => {
                let mut key = Vec::with_capacity(1 + 32 + 64);
                key.push(STORAGE_TAG);
                key.extend_from_slice(hashed_address.as_slice());
                key
            }
        }
    }

    /// The node-table key of the node that starts at nibble `path` of this trie:
    /// [`key_prefix`](Self::key_prefix) followed by the path, one nibble per byte. The root is
    /// stored under the bare prefix.
    pub fn node_key(&self, path: &Nibbles) -> Vec<u8> {
        let mut key = self.key_prefix();
        key.extend(path.iter());
        key
    }
}
