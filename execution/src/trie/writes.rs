//! The node-table changes that one trie update produces.

use std::collections::BTreeMap;

/// Node writes produced by [`update_trie`](super::update_trie), to apply in the same database
/// transaction as the rest of the block.
///
/// The keys in `put` and in `delete` are disjoint and each appears once, so the two lists can be
/// applied in either order.
#[derive(Default, Debug, Clone, PartialEq, Eq)]
pub struct NodeWrites {
    /// Nodes to store: `(node key, node RLP)`. Overwrites whatever the key held.
    pub put: Vec<(Vec<u8>, Vec<u8>)>,
    /// Node keys that held a node before the update and hold none after it.
    pub delete: Vec<Vec<u8>>,
}

impl NodeWrites {
    /// True if the update changed no stored node.
    pub fn is_empty(&self) -> bool {
        self.put.is_empty() && self.delete.is_empty()
    }

    /// Applies the writes to an in-memory node table.
    pub fn apply_to(self, table: &mut BTreeMap<Vec<u8>, Vec<u8>>) {
        for key in self.delete {
            table.remove(&key);
        }
        table.extend(self.put);
    }
}
