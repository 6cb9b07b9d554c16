//! The in-memory form of trie nodes during one update, and decoding stored node RLP into it.

use alloy_rlp::Decodable;
use alloy_trie::{
    Nibbles,
    nodes::{BranchNode, ExtensionNode, LeafNode, RlpNode, TrieNode},
};

/// Number of nibbles in a secure-trie key (a 32-byte hash).
pub(super) const KEY_NIBBLES: usize = 64;

/// A node of a partially loaded trie. Its position (nibble path) is not stored in the node: the
/// walk that reaches it knows it.
#[derive(Debug)]
pub(super) enum Node {
    /// No node (an empty trie, or an empty branch slot).
    Empty,
    /// A node not loaded yet, as its parent references it: a hash, or the inlined RLP of a node
    /// shorter than 32 bytes. Untouched subtrees stay in this form.
    Ref(RlpNode),
    /// A leaf: the rest of the key after the leaf's path, and the value.
    Leaf {
        /// Remaining key nibbles.
        key: Nibbles,
        /// The value (never empty).
        value: Vec<u8>,
    },
    /// An extension: shared key nibbles, then a branch.
    Extension {
        /// Shared nibbles (never empty).
        key: Nibbles,
        /// The branch below.
        child: Box<Node>,
    },
    /// A branch: one slot per nibble, at least two of them non-empty.
    Branch {
        /// The sixteen slots.
        children: Box<[Node; 16]>,
    },
}

impl Node {
    /// A branch with all sixteen slots empty.
    pub(super) fn empty_branch() -> Box<[Node; 16]> {
        Box::new(std::array::from_fn(|_| Node::Empty))
    }

    /// Moves the node out, leaving [`Node::Empty`].
    pub(super) fn take(&mut self) -> Node {
        std::mem::replace(self, Node::Empty)
    }

    /// True for [`Node::Empty`].
    pub(super) fn is_empty(&self) -> bool {
        matches!(self, Node::Empty)
    }

    /// The node that results from prefixing `prefix` to the path of `self` (used when a parent
    /// disappears and its only child moves up): leaves and extensions absorb the prefix, a branch
    /// gets an extension above it.
    ///
    /// `self` must be loaded, or be a reference to a branch.
    pub(super) fn with_prefix(self, prefix: Nibbles) -> Node {
        if prefix.is_empty() {
            return self;
        }
        match self {
            Node::Empty => Node::Empty,
            Node::Leaf { key, value } => Node::Leaf { key: prefix.join(&key), value },
            Node::Extension { key, child } => Node::Extension { key: prefix.join(&key), child },
            branch @ (Node::Branch { .. } | Node::Ref(_)) => {
                Node::Extension { key: prefix, child: Box::new(branch) }
            }
        }
    }

    /// Decodes the RLP of the node at nibble depth `depth` and checks that it has the shape of a
    /// secure-trie node at that depth. On failure returns the reason.
    pub(super) fn decode(rlp: &[u8], depth: usize) -> Result<Node, String> {
        let mut buf = rlp;
        let node = TrieNode::decode(&mut buf).map_err(|e| e.to_string())?;
        if !buf.is_empty() {
            return Err(format!("{} trailing bytes after the node", buf.len()));
        }
        match node {
            TrieNode::EmptyRoot => Err("empty node stored as a node".to_owned()),
            TrieNode::Leaf(LeafNode { key, value }) => {
                if depth + key.len() != KEY_NIBBLES {
                    return Err(format!("leaf at depth {depth} has a {}-nibble key", key.len()));
                }
                if value.is_empty() {
                    return Err("leaf with an empty value".to_owned());
                }
                Ok(Node::Leaf { key, value })
            }
            TrieNode::Extension(ExtensionNode { key, child }) => {
                if key.is_empty() || depth + key.len() >= KEY_NIBBLES {
                    return Err(format!(
                        "extension at depth {depth} has a {}-nibble key",
                        key.len()
                    ));
                }
                Ok(Node::Extension { key, child: Box::new(Node::Ref(child)) })
            }
            TrieNode::Branch(BranchNode { stack, state_mask }) => {
                if depth >= KEY_NIBBLES {
                    return Err(format!("branch at depth {depth}"));
                }
                if state_mask.count_bits() < 2 {
                    return Err("branch with fewer than two children".to_owned());
                }
                let mut children = Node::empty_branch();
                for (nibble, child) in state_mask.iter().zip(stack) {
                    children[usize::from(nibble)] = Node::Ref(child);
                }
                Ok(Node::Branch { children })
            }
        }
    }
}
