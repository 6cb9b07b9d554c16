//! Test helpers shared by the trie tests: a reference root, from-scratch builds, a full walk of a
//! stored trie that checks its integrity, and a reader that counts its reads.

mod cost;
mod proofs;
mod prop;
mod structure;

use std::{cell::Cell, collections::BTreeMap};

use alloy_primitives::{B256, keccak256};
use alloy_trie::{HashBuilder, Nibbles};

use super::{NodeReader, NodeWrites, TrieError, TrieId, node::Node, proof, trie_root, update_trie};

/// An in-memory node table.
pub(super) type Table = BTreeMap<Vec<u8>, Vec<u8>>;

/// A key/value model of a trie's contents.
pub(super) type Model = BTreeMap<B256, Vec<u8>>;

/// The root `alloy_trie::HashBuilder` computes over `model` from scratch.
pub(super) fn reference_root(model: &Model) -> B256 {
    let mut builder = HashBuilder::default();
    for (key, value) in model {
        builder.add_leaf(Nibbles::unpack(key), value);
    }
    builder.root()
}

/// The node table that building `model` into an empty table in one update produces.
pub(super) fn scratch_table(id: TrieId, model: &Model) -> Table {
    let (_, writes) =
        update_trie(&Table::new(), id, model.iter().map(|(k, v)| (*k, Some(v.clone())))).unwrap();
    assert!(writes.delete.is_empty(), "a build into an empty table deletes nothing");
    let mut table = Table::new();
    writes.apply_to(&mut table);
    table
}

/// The nodes of trie `id` in `table`.
pub(super) fn nodes_of(table: &Table, id: TrieId) -> Table {
    let prefix = id.key_prefix();
    table
        .iter()
        .filter(|(k, _)| k.starts_with(&prefix))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// Walks every node of trie `id` from the root, checking each hash reference, and returns the
/// key/value pairs it holds and the node keys it reached through stored nodes. Panics on a
/// missing or corrupt node.
pub(super) fn walk(table: &Table, id: TrieId) -> (Model, Vec<Vec<u8>>) {
    fn visit(
        table: &Table,
        id: TrieId,
        node: Node,
        path: Nibbles,
        model: &mut Model,
        reached: &mut Vec<Vec<u8>>,
    ) {
        let node = match node {
            Node::Ref(reference) => match reference.as_hash() {
                Some(hash) => {
                    let key = id.node_key(&path);
                    let rlp = table.get(&key).unwrap_or_else(|| panic!("missing node {path:?}"));
                    assert_eq!(keccak256(rlp), hash, "hash of node {path:?}");
                    reached.push(key);
                    Node::decode(rlp, path.len()).unwrap()
                }
                None => {
                    assert!(reference.len() < 32);
                    Node::decode(&reference, path.len()).unwrap()
                }
            },
            other => other,
        };
        match node {
            Node::Leaf { key, value } => {
                let full = path.join(&key);
                assert_eq!(full.len(), 64);
                model.insert(B256::from_slice(&full.pack()), value);
            }
            Node::Extension { key, child } => {
                assert!(matches!(*child, Node::Ref(_)));
                visit(table, id, *child, path.join(&key), model, reached);
            }
            Node::Branch { children } => {
                for (nibble, child) in (0u8..).zip(*children) {
                    if !child.is_empty() {
                        let mut child_path = path;
                        child_path.push(nibble);
                        visit(table, id, child, child_path, model, reached);
                    }
                }
            }
            Node::Empty | Node::Ref(_) => unreachable!(),
        }
    }

    let mut model = Model::new();
    let mut reached = Vec::new();
    let root_key = id.node_key(&Nibbles::new());
    if let Some(rlp) = table.get(&root_key) {
        reached.push(root_key);
        let root = Node::decode(rlp, 0).unwrap();
        visit(table, id, root, Nibbles::new(), &mut model, &mut reached);
    }
    reached.sort();
    (model, reached)
}

/// Applies `updates` to trie `id` in `table` and to `model`, then checks everything the trie
/// promises: the root equals the reference root and `trie_root`; the stored nodes are exactly
/// the nodes reachable from the root (no garbage, none missing), hold exactly `model`, and equal
/// a from-scratch build; `put` and `delete` are disjoint. Returns the writes.
pub(super) fn apply_and_check(
    table: &mut Table,
    model: &mut Model,
    id: TrieId,
    updates: Vec<(B256, Option<Vec<u8>>)>,
) -> NodeWrites {
    let (root, writes) = update_trie(table, id, updates.clone()).unwrap();
    for (key, value) in updates {
        match value {
            Some(value) if !value.is_empty() => model.insert(key, value),
            _ => model.remove(&key),
        };
    }
    let puts: BTreeMap<_, _> = writes.put.iter().cloned().collect();
    assert_eq!(puts.len(), writes.put.len(), "a key is put twice");
    assert!(writes.delete.iter().all(|k| !puts.contains_key(k)), "a key is put and deleted");
    let prefix = id.key_prefix();
    assert!(puts.keys().chain(&writes.delete).all(|k| k.starts_with(&prefix)));
    writes.clone().apply_to(table);

    assert_eq!(root, reference_root(model), "root differs from HashBuilder");
    assert_eq!(trie_root(table, id).unwrap(), root);
    let nodes = nodes_of(table, id);
    let (walked, reached) = walk(table, id);
    assert_eq!(&walked, model, "stored trie holds other key/values");
    assert_eq!(reached, nodes.keys().cloned().collect::<Vec<_>>(), "garbage or missing nodes");
    assert_eq!(nodes, scratch_table(id, model), "node set differs from a from-scratch build");
    writes
}

/// Verifies the proofs of `keys` in trie `id` against its root and `model`.
pub(super) fn check_proofs(table: &Table, id: TrieId, model: &Model, keys: &[B256]) {
    let root = trie_root(table, id).unwrap();
    for key in keys {
        let nodes = proof(table, id, *key).unwrap();
        alloy_trie::proof::verify_proof(
            root,
            Nibbles::unpack(key),
            model.get(key).cloned(),
            &nodes,
        )
        .unwrap_or_else(|e| panic!("proof of {key} (present: {}): {e}", model.contains_key(key)));
    }
}

/// A key whose first nibbles are `nibbles` and whose other nibbles are zero.
pub(super) fn key_with_nibbles(nibbles: &[u8]) -> B256 {
    let mut padded = nibbles.to_vec();
    padded.resize(64, 0);
    B256::from_slice(&Nibbles::from_nibbles(&padded).pack())
}

/// A reader over a table that counts its reads.
pub(super) struct CountingReader<'a> {
    pub(super) table: &'a Table,
    pub(super) reads: Cell<usize>,
}

impl NodeReader for CountingReader<'_> {
    fn node(&self, key: &[u8]) -> Result<Option<Vec<u8>>, TrieError> {
        self.reads.set(self.reads.get() + 1);
        self.table.node(key)
    }
}
