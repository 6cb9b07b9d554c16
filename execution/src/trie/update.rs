//! Applying a batch of inserts, updates and deletes to a stored trie.

use std::collections::BTreeMap;

use alloy_primitives::B256;
use alloy_trie::Nibbles;

use super::{
    NodeReader, NodeWrites, TrieError, TrieId, commit::commit, loader::Loader, node::Node,
};

/// Applies `updates` to trie `id`, whose current nodes are readable through `reader`, and returns
/// the new root hash ([`EMPTY_ROOT_HASH`](alloy_trie::EMPTY_ROOT_HASH) for an empty trie) with
/// the node writes that bring the table to the new trie.
///
/// Each update is a key (a 32-byte hash) and its new value; `None`, or an empty value (which
/// Ethereum tries cannot hold), deletes the key. Deleting an absent key does nothing. When a key
/// appears more than once, the last update wins. The input need not be sorted.
///
/// Only the nodes on the paths of the updated keys are read (plus, when a deletion leaves a
/// branch with one child, that child) and only nodes on those paths are written. On error nothing
/// is returned, so nothing must be written.
pub fn update_trie(
    reader: &impl NodeReader,
    id: TrieId,
    updates: impl IntoIterator<Item = (B256, Option<Vec<u8>>)>,
) -> Result<(B256, NodeWrites), TrieError> {
    // Collecting into a map keeps the last update of each key and sorts the keys, so that the
    // walks down the trie visit nodes in order.
    let updates: BTreeMap<B256, Option<Vec<u8>>> = updates.into_iter().collect();
    let mut loader = Loader::new(reader, id);
    let mut root = loader.root()?;
    for (key, value) in updates {
        let key = Nibbles::unpack(key);
        root = match value {
            Some(value) if !value.is_empty() => {
                insert(&mut loader, root, Nibbles::new(), key, value)?
            }
            _ => remove(&mut loader, root, Nibbles::new(), key)?,
        };
    }
    Ok(commit(loader, &root))
}

/// Inserts or overwrites `key` (the nibbles left after `path`) with `value` in the subtree `node`
/// that starts at `path`, and returns the new subtree.
fn insert<R: NodeReader>(
    loader: &mut Loader<'_, R>,
    node: Node,
    path: Nibbles,
    key: Nibbles,
    value: Vec<u8>,
) -> Result<Node, TrieError> {
    Ok(match loader.resolve(node, &path)? {
        Node::Empty => Node::Leaf { key, value },
        Node::Leaf { key: leaf_key, value: leaf_value } => {
            if leaf_key == key {
                return Ok(Node::Leaf { key, value });
            }
            // Both keys have the same length, so they differ at some nibble: a branch goes
            // there and both leaves move below it.
            let common = leaf_key.common_prefix_length(&key);
            let mut children = Node::empty_branch();
            children[usize::from(leaf_key.get_unchecked(common))] =
                Node::Leaf { key: leaf_key.slice(common + 1..), value: leaf_value };
            children[usize::from(key.get_unchecked(common))] =
                Node::Leaf { key: key.slice(common + 1..), value };
            Node::Branch { children }.with_prefix(key.slice(..common))
        }
        Node::Extension { key: ext_key, child } => {
            let common = ext_key.common_prefix_length(&key);
            if common == ext_key.len() {
                let child =
                    insert(loader, *child, path.join(&ext_key), key.slice(common..), value)?;
                return Ok(Node::Extension { key: ext_key, child: Box::new(child) });
            }
            // The key leaves the extension part-way: a branch goes at the divergence, the
            // extension's remainder (if any) leads from it to the old branch, which stays put.
            let mut children = Node::empty_branch();
            children[usize::from(ext_key.get_unchecked(common))] =
                child.with_prefix(ext_key.slice(common + 1..));
            children[usize::from(key.get_unchecked(common))] =
                Node::Leaf { key: key.slice(common + 1..), value };
            Node::Branch { children }.with_prefix(key.slice(..common))
        }
        Node::Branch { mut children } => {
            let nibble = key.get_unchecked(0);
            let slot = &mut children[usize::from(nibble)];
            let mut child_path = path;
            child_path.push(nibble);
            *slot = insert(loader, slot.take(), child_path, key.slice(1..), value)?;
            Node::Branch { children }
        }
        Node::Ref(_) => unreachable!("resolve returns a loaded node"),
    })
}

/// Removes `key` (the nibbles left after `path`) from the subtree `node` that starts at `path`,
/// and returns the new subtree, restructured so that it is again a canonical trie: a branch left
/// with one child merges with it, and an extension absorbs a child that became a leaf or an
/// extension.
fn remove<R: NodeReader>(
    loader: &mut Loader<'_, R>,
    node: Node,
    path: Nibbles,
    key: Nibbles,
) -> Result<Node, TrieError> {
    Ok(match loader.resolve(node, &path)? {
        Node::Empty => Node::Empty,
        Node::Leaf { key: leaf_key, value } => {
            if leaf_key == key {
                Node::Empty
            } else {
                Node::Leaf { key: leaf_key, value }
            }
        }
        Node::Extension { key: ext_key, child } => {
            if !key.starts_with(&ext_key) {
                return Ok(Node::Extension { key: ext_key, child });
            }
            let child = remove(loader, *child, path.join(&ext_key), key.slice(ext_key.len()..))?;
            child.with_prefix(ext_key)
        }
        Node::Branch { mut children } => {
            let nibble = key.get_unchecked(0);
            let slot = &mut children[usize::from(nibble)];
            let mut child_path = path;
            child_path.push(nibble);
            *slot = remove(loader, slot.take(), child_path, key.slice(1..))?;

            let mut occupied = children.iter().enumerate().filter(|(_, c)| !c.is_empty());
            match (occupied.next(), occupied.next()) {
                (Some(_), Some(_)) => Node::Branch { children },
                (None, _) => Node::Empty,
                (Some((only, _)), None) => {
                    // The branch disappears and its one remaining child moves up into its
                    // place; the child must be loaded to know how it merges.
                    let only = u8::try_from(only).expect("a branch has 16 slots");
                    let mut only_path = path;
                    only_path.push(only);
                    let child = loader.resolve(children[usize::from(only)].take(), &only_path)?;
                    child.with_prefix(Nibbles::from_nibbles_unchecked([only]))
                }
            }
        }
        Node::Ref(_) => unreachable!("resolve returns a loaded node"),
    })
}
