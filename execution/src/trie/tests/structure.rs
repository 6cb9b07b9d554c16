//! Every structural case of an update, one by one, with known vectors, node keys and errors.

use alloy_primitives::{B256, hex, keccak256};
use alloy_trie::{EMPTY_ROOT_HASH, Nibbles};

use super::{Model, Table, apply_and_check, key_with_nibbles as key, update_trie};
use crate::trie::{TrieError, TrieId, trie_root};

const ID: TrieId = TrieId::Account;

fn set(k: B256, v: &[u8]) -> (B256, Option<Vec<u8>>) {
    (k, Some(v.to_vec()))
}

fn del(k: B256) -> (B256, Option<Vec<u8>>) {
    (k, None)
}

/// The node key of `path` in the account trie.
fn at(path: &[u8]) -> Vec<u8> {
    ID.node_key(&Nibbles::from_nibbles(path))
}

#[test]
fn node_keys() {
    let h = B256::repeat_byte(0x11);
    assert_eq!(TrieId::Account.key_prefix(), vec![0x00]);
    assert_eq!(TrieId::Account.node_key(&Nibbles::from_nibbles([0xa, 0x3])), vec![0x00, 0xa, 0x3]);
    let mut expected = vec![0x01];
    expected.extend_from_slice(h.as_slice());
    assert_eq!(TrieId::Storage(h).key_prefix(), expected);
    expected.push(0xf);
    assert_eq!(TrieId::Storage(h).node_key(&Nibbles::from_nibbles([0xf])), expected);
}

#[test]
fn empty_trie() {
    let table = Table::new();
    assert_eq!(trie_root(&table, ID).unwrap(), EMPTY_ROOT_HASH);
    let (root, writes) = update_trie(&table, ID, []).unwrap();
    assert_eq!(root, EMPTY_ROOT_HASH);
    assert!(writes.is_empty());
    // Deleting from an empty trie is a no-op.
    let (root, writes) = update_trie(&table, ID, [del(B256::ZERO)]).unwrap();
    assert_eq!((root, writes.is_empty()), (EMPTY_ROOT_HASH, true));
}

/// Known vector: a one-leaf trie is `keccak(rlp([hex_prefix(key), value]))`, encoded by hand
/// here from the Yellow Paper rules (other shapes are checked against `HashBuilder`).
#[test]
fn known_vectors() {
    let mut table = Table::new();
    let mut model = Model::new();
    let k = B256::repeat_byte(0xab);
    apply_and_check(&mut table, &mut model, ID, vec![set(k, &[0x01])]);
    // [0x20 ‖ key (33 bytes, string 0xa1), 0x01]: list of 35 bytes → 0xe3.
    let mut leaf = vec![0xe3, 0xa1, 0x20];
    leaf.extend_from_slice(k.as_slice());
    leaf.push(0x01);
    assert_eq!(table[&at(&[])], leaf);
    assert_eq!(trie_root(&table, ID).unwrap(), keccak256(&leaf));
}

#[test]
fn insert_into_empty_then_split_leaf_then_collapse() {
    let mut table = Table::new();
    let mut model = Model::new();
    let (a, b) = (key(&[1, 2, 3]), key(&[1, 2, 4]));
    apply_and_check(&mut table, &mut model, ID, vec![set(a, &[0xaa; 40])]);
    assert_eq!(table.keys().cloned().collect::<Vec<_>>(), vec![at(&[])]);

    // Split: the root leaf becomes extension [1,2] → branch at [1,2] → leaves at [1,2,3], [1,2,4].
    let writes = apply_and_check(&mut table, &mut model, ID, vec![set(b, &[0xbb; 40])]);
    assert!(writes.delete.is_empty());
    assert_eq!(
        table.keys().cloned().collect::<Vec<_>>(),
        vec![at(&[]), at(&[1, 2]), at(&[1, 2, 3]), at(&[1, 2, 4])]
    );

    // Collapse: the branch goes, the remaining leaf moves up to the root.
    let writes = apply_and_check(&mut table, &mut model, ID, vec![del(a)]);
    let mut deleted = writes.delete.clone();
    deleted.sort();
    assert_eq!(deleted, vec![at(&[1, 2]), at(&[1, 2, 3]), at(&[1, 2, 4])]);
    assert_eq!(writes.put.len(), 1);

    // Delete down to empty.
    let writes = apply_and_check(&mut table, &mut model, ID, vec![del(b)]);
    assert_eq!(writes.delete, vec![at(&[])]);
    assert!(table.is_empty());
}

#[test]
fn split_extension_all_remainders() {
    let mut table = Table::new();
    let mut model = Model::new();
    let v = [0x5a; 33];
    // Extension [1,2,3,4] above a branch at [1,2,3,4].
    apply_and_check(
        &mut table,
        &mut model,
        ID,
        vec![set(key(&[1, 2, 3, 4, 0]), &v), set(key(&[1, 2, 3, 4, 1]), &v)],
    );
    // Diverge after 3 nibbles: remainder after the new branch is empty (no extension).
    apply_and_check(&mut table, &mut model, ID, vec![set(key(&[1, 2, 3, 9]), &v)]);
    // Diverge after 1 nibble: remainder [3] is a one-nibble extension.
    apply_and_check(&mut table, &mut model, ID, vec![set(key(&[1, 7]), &v)]);
    // Diverge at the first nibble: no extension above the new branch.
    apply_and_check(&mut table, &mut model, ID, vec![set(key(&[8]), &v)]);
    // And back: each deletion merges extensions again.
    for k in [key(&[8]), key(&[1, 7]), key(&[1, 2, 3, 9])] {
        apply_and_check(&mut table, &mut model, ID, vec![del(k)]);
    }
    assert_eq!(
        table.keys().cloned().collect::<Vec<_>>(),
        vec![at(&[]), at(&[1, 2, 3, 4]), at(&[1, 2, 3, 4, 0]), at(&[1, 2, 3, 4, 1])]
    );
}

#[test]
fn extension_extension_merge_on_collapse() {
    let mut table = Table::new();
    let mut model = Model::new();
    let v = [0x77; 40];
    // Root extension [5] → branch at [5] with children 1 (a leaf) and 2 (extension [3,3] →
    // branch at [5,2,3,3]).
    apply_and_check(
        &mut table,
        &mut model,
        ID,
        vec![set(key(&[5, 1]), &v), set(key(&[5, 2, 3, 3, 0]), &v), set(key(&[5, 2, 3, 3, 1]), &v)],
    );
    // Deleting the leaf collapses the branch at [5]: the extensions merge into [5,2,3,3].
    let writes = apply_and_check(&mut table, &mut model, ID, vec![del(key(&[5, 1]))]);
    let mut deleted = writes.delete;
    deleted.sort();
    assert_eq!(deleted, vec![at(&[5]), at(&[5, 1]), at(&[5, 2])]);
    assert_eq!(
        table.keys().cloned().collect::<Vec<_>>(),
        vec![at(&[]), at(&[5, 2, 3, 3]), at(&[5, 2, 3, 3, 0]), at(&[5, 2, 3, 3, 1])]
    );
}

#[test]
fn last_update_of_a_key_wins_and_empty_value_deletes() {
    let mut table = Table::new();
    let mut model = Model::new();
    let k = key(&[3]);
    let other = key(&[4]);
    apply_and_check(
        &mut table,
        &mut model,
        ID,
        vec![set(k, b"first"), set(other, b"x"), set(k, b"second"), del(other)],
    );
    assert_eq!(model.get(&k).map(Vec::as_slice), Some(&b"second"[..]));
    assert_eq!(model.len(), 1);
    apply_and_check(&mut table, &mut model, ID, vec![set(k, b"gone"), (k, Some(Vec::new()))]);
    assert!(table.is_empty());
}

#[test]
fn unchanged_values_and_absent_deletes_write_nothing() {
    let mut table = Table::new();
    let mut model = Model::new();
    let updates: Vec<_> = (0u8..50).map(|i| set(keccak256([i]), &[i; 20])).collect();
    apply_and_check(&mut table, &mut model, ID, updates.clone());
    let writes = apply_and_check(&mut table, &mut model, ID, updates);
    assert!(writes.is_empty());
    let writes =
        apply_and_check(&mut table, &mut model, ID, vec![del(keccak256([200u8])), del(key(&[]))]);
    assert!(writes.is_empty());
}

#[test]
fn tries_are_isolated() {
    let mut table = Table::new();
    let (mut account, mut s1, mut s2) = (Model::new(), Model::new(), Model::new());
    let (id1, id2) = (TrieId::Storage(B256::repeat_byte(1)), TrieId::Storage(B256::repeat_byte(2)));
    for i in 0u8..30 {
        let k = keccak256([i]);
        apply_and_check(&mut table, &mut account, ID, vec![set(k, &[i; 3])]);
        apply_and_check(&mut table, &mut s1, id1, vec![set(k, &[i; 40])]);
        apply_and_check(&mut table, &mut s2, id2, vec![set(k, &[i])]);
    }
    // Dropping a storage trie is deleting its key range; the others are unaffected.
    let prefix = id1.key_prefix();
    table.retain(|k, _| !k.starts_with(&prefix));
    assert_eq!(trie_root(&table, id1).unwrap(), EMPTY_ROOT_HASH);
    s1.clear();
    apply_and_check(&mut table, &mut account, ID, vec![del(keccak256([0u8]))]);
    apply_and_check(&mut table, &mut s2, id2, vec![del(keccak256([1u8]))]);
    apply_and_check(&mut table, &mut s1, id1, vec![set(B256::ZERO, &[1])]);
}

#[test]
fn missing_and_corrupt_nodes_are_errors() {
    let mut table = Table::new();
    let mut model = Model::new();
    let updates: Vec<_> = (0u8..40).map(|i| set(keccak256([i]), &[i; 20])).collect();
    apply_and_check(&mut table, &mut model, ID, updates);
    let target = keccak256([7u8]);
    let first = Nibbles::unpack(target).get_unchecked(0);

    let mut missing = table.clone();
    missing.remove(&at(&[first]));
    let err = update_trie(&missing, ID, [set(target, b"v")]).unwrap_err();
    assert_eq!(err, TrieError::MissingNode { key: at(&[first]) });
    assert!(matches!(super::proof(&missing, ID, target), Err(TrieError::MissingNode { .. })));

    let mut corrupt = table.clone();
    corrupt.get_mut(&at(&[first])).unwrap()[5] ^= 1;
    let err = update_trie(&corrupt, ID, [set(target, b"v")]).unwrap_err();
    assert!(matches!(err, TrieError::CorruptNode { key, .. } if key == at(&[first])));

    let mut garbage = Table::new();
    garbage.insert(at(&[]), hex!("c3010203").to_vec());
    assert!(matches!(
        update_trie(&garbage, ID, [set(target, b"v")]),
        Err(TrieError::CorruptNode { .. })
    ));
}

#[test]
fn backend_errors_propagate() {
    struct Failing;
    impl crate::trie::NodeReader for Failing {
        fn node(&self, _key: &[u8]) -> Result<Option<Vec<u8>>, TrieError> {
            Err(TrieError::Backend("disk on fire".to_owned()))
        }
    }
    let expected = Err(TrieError::Backend("disk on fire".to_owned()));
    assert_eq!(update_trie(&Failing, ID, [set(B256::ZERO, b"v")]).map(|_| ()), expected);
    assert_eq!(trie_root(&Failing, ID).map(|_| ()), expected);
    assert_eq!(super::proof(&Failing, ID, B256::ZERO).map(|_| ()), expected);
}
