//! Proofs of inclusion and exclusion, verified with `alloy_trie::proof::verify_proof`.

use alloy_primitives::{B256, keccak256};

use super::{Model, Table, apply_and_check, check_proofs, key_with_nibbles as key};
use crate::trie::{TrieId, proof};

const ID: TrieId = TrieId::Storage(B256::repeat_byte(0x42));

#[test]
fn empty_trie_proof_is_empty_and_verifies() {
    let table = Table::new();
    assert!(proof(&table, ID, B256::ZERO).unwrap().is_empty());
    check_proofs(&table, ID, &Model::new(), &[B256::ZERO]);
}

#[test]
fn random_keys_present_and_absent() {
    let mut table = Table::new();
    let mut model = Model::new();
    let updates = (0u16..500)
        .map(|i| {
            (keccak256(i.to_be_bytes()), Some(i.to_be_bytes().repeat(1 + usize::from(i % 20))))
        })
        .collect();
    apply_and_check(&mut table, &mut model, ID, updates);
    let keys: Vec<B256> = (0u16..700).map(|i| keccak256(i.to_be_bytes())).collect();
    check_proofs(&table, ID, &model, &keys);
}

#[test]
fn shared_prefixes_inline_nodes_and_divergent_extensions() {
    let mut table = Table::new();
    let mut model = Model::new();
    // Keys sharing 62 nibbles with one-byte values: the nodes at the bottom are inlined.
    let mut prefix = [0xc; 64];
    let mut updates = Vec::new();
    for last in [0u8, 1, 2, 7] {
        for before in [3u8, 9] {
            prefix[62] = before;
            prefix[63] = last;
            updates.push((key(&prefix), Some(vec![last + 1])));
        }
    }
    updates.push((key(&[1, 2, 3, 4]), Some(vec![0xee; 40])));
    apply_and_check(&mut table, &mut model, ID, updates);
    let inline_leaf = key(&prefix);
    // Root branch, extension at [c], branch at depth 62; the branch at depth 63 and the leaf
    // are inlined in their parents and left out.
    assert_eq!(proof(&table, ID, inline_leaf).unwrap().len(), 3);
    let mut absent = model.keys().copied().collect::<Vec<_>>();
    prefix[63] = 5; // missing slot in the bottom branch
    absent.push(key(&prefix));
    prefix[61] = 0; // diverges from the extension above the bottom branches
    absent.push(key(&prefix));
    absent.push(key(&[1, 2, 3, 5])); // another key below the leaf's parent slot
    absent.push(key(&[7])); // empty slot in the root branch
    check_proofs(&table, ID, &model, &absent);
}
