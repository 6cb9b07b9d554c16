//! Hashing the updated tree bottom-up and diffing it against the nodes read, into `NodeWrites`.

use std::collections::BTreeMap;

use alloy_primitives::{B256, keccak256};
use alloy_rlp::Encodable;
use alloy_trie::{
    EMPTY_ROOT_HASH, Nibbles, TrieMask,
    nodes::{BranchNodeRef, ExtensionNodeRef, LeafNodeRef, RlpNode},
};

use rayon::prelude::*;

use super::{NodeReader, NodeWrites, TrieId, loader::Loader, node::Node};

/// Node key → node RLP, as produced by one (sub)tree's encoding.
type StoredNodes = BTreeMap<Vec<u8>, Vec<u8>>;

/// Threads that hash trie nodes, one per core.
static HASHING_POOL: std::sync::LazyLock<rayon::ThreadPool> = std::sync::LazyLock::new(|| {
    rayon::ThreadPoolBuilder::new()
        .thread_name(|i| format!("trie-hash-{i}"))
        .build()
        .expect("spawning trie hashing threads")
});

/// Branches shallower than this hash their children in parallel (16 then 256 subtrees).
const PARALLEL_DEPTH: usize = 2;

/// Hashes the tree rooted at `root` and returns the root hash with the writes that turn the nodes
/// `loader` read into the nodes of the new tree.
///
/// Every loaded node is re-encoded; it is stored if it is the root or referenced by hash. Nodes
/// still in [`Node::Ref`] form were not touched and keep both their encoding and their path, so
/// they need no write. A key is put if its encoding differs from what was read there (or nothing
/// was read there), and deleted if a node was read there and none is stored there now.
pub(super) fn commit<R: NodeReader>(loader: Loader<'_, R>, root: &Node) -> (B256, NodeWrites) {
    let id = loader.id();
    let mut stored = BTreeMap::new();
    let root_hash = if root.is_empty() {
        EMPTY_ROOT_HASH
    } else {
        // A pool of its own: sealing is on the critical path and must not queue behind
        // signature recovery, which keeps the global rayon pool busy under load.
        HASHING_POOL.install(|| encode(id, root, &mut Nibbles::new(), &mut stored));
        keccak256(&stored[&id.node_key(&Nibbles::new())])
    };

    let old = loader.into_loaded();
    let delete = old.keys().filter(|key| !stored.contains_key(*key)).cloned().collect();
    let put = stored.into_iter().filter(|(key, rlp)| old.get(key) != Some(rlp)).collect();
    (root_hash, NodeWrites { put, delete })
}

/// Encodes the non-empty `node` at `path`, records it in `stored` if it is to be stored, and
/// returns the reference its parent holds (the hash, or the inlined RLP).
fn encode(
    id: TrieId,
    node: &Node,
    path: &mut Nibbles,
    stored: &mut BTreeMap<Vec<u8>, Vec<u8>>,
) -> RlpNode {
    let mut rlp = Vec::new();
    match node {
        Node::Ref(reference) => return reference.clone(),
        Node::Empty => unreachable!("empty slots are skipped and an empty root is not encoded"),
        Node::Leaf { key, value } => LeafNodeRef::new(key, value).encode(&mut rlp),
        Node::Extension { key, child } => {
            let depth = path.len();
            path.extend(key);
            let child = encode(id, child, path, stored);
            path.truncate(depth);
            ExtensionNodeRef::new(key, &child).encode(&mut rlp);
        }
        Node::Branch { children } if path.len() < PARALLEL_DEPTH => {
            // Near the root the subtrees are independent and large: hash them in parallel.
            let encoded: Vec<(u8, RlpNode, StoredNodes)> = (0u8..16)
                .into_par_iter()
                .filter(|nibble| !children[*nibble as usize].is_empty())
                .map(|nibble| {
                    let mut child_path = *path;
                    child_path.push(nibble);
                    let mut child_stored = BTreeMap::new();
                    let reference =
                        encode(id, &children[nibble as usize], &mut child_path, &mut child_stored);
                    (nibble, reference, child_stored)
                })
                .collect();
            let mut stack = Vec::with_capacity(encoded.len());
            let mut mask = TrieMask::default();
            for (nibble, reference, child_stored) in encoded {
                stack.push(reference);
                mask.set_bit(nibble);
                stored.extend(child_stored);
            }
            BranchNodeRef::new(&stack, mask).encode(&mut rlp);
        }
        Node::Branch { children } => {
            let mut stack = Vec::with_capacity(16);
            let mut mask = TrieMask::default();
            for (nibble, child) in (0u8..).zip(children.iter()) {
                if child.is_empty() {
                    continue;
                }
                path.push(nibble);
                stack.push(encode(id, child, path, stored));
                path.pop();
                mask.set_bit(nibble);
            }
            BranchNodeRef::new(&stack, mask).encode(&mut rlp);
        }
    }
    let reference = RlpNode::from_rlp(&rlp);
    if reference.is_hash() || path.is_empty() {
        stored.insert(id.node_key(path), rlp);
    }
    reference
}
