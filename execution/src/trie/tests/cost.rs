//! The cost of an update grows with the keys touched, not with the size of the trie.

use std::cell::Cell;

use alloy_primitives::keccak256;

use super::{CountingReader, Table};
use crate::trie::{TrieId, proof, update_trie};

#[test]
fn updating_one_key_of_ten_thousand_reads_only_its_path() {
    let id = TrieId::Account;
    let mut table = Table::new();
    let (_, writes) = update_trie(
        &table,
        id,
        (0u32..10_000).map(|i| (keccak256(i.to_be_bytes()), Some(vec![0x11; 70]))),
    )
    .unwrap();
    writes.apply_to(&mut table);

    for (i, value) in [(17u32, Some(vec![0x22; 70])), (4_242, None), (20_000, Some(vec![1]))] {
        let key = keccak256(i.to_be_bytes());
        // The nodes from the root to the key (all stored: nothing is inlined at this size).
        let depth = proof(&table, id, key).unwrap().len();
        assert!(depth <= 6, "a 10k-key trie is about log16(10k) + 1 deep, got {depth}");

        let reader = CountingReader { table: &table, reads: Cell::new(0) };
        let (_, writes) = update_trie(&reader, id, [(key, value.clone())]).unwrap();
        let reads = reader.reads.get();
        // A deletion may also read the sibling that a collapsing branch merges with.
        assert!(reads <= depth + 1, "{reads} reads for a path of {depth} nodes ({value:?})");
        assert!(writes.put.len() + writes.delete.len() <= depth + 2, "{writes:?}");
        writes.apply_to(&mut table);
    }
}
