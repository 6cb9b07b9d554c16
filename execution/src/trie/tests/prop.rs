//! Property tests: random batches applied incrementally always give the trie a from-scratch
//! build gives (same root as `HashBuilder`, same stored node set, no garbage, valid proofs).

use alloy_primitives::{B256, keccak256};
use alloy_trie::Nibbles;
use proptest::prelude::*;

use super::{Model, Table, apply_and_check, check_proofs};
use crate::trie::TrieId;

/// Size of each key universe: batches pick keys by index in it.
const UNIVERSE: u8 = 64;

/// How the 64 keys of a test are chosen.
#[derive(Clone, Copy, Debug)]
enum KeySpace {
    /// Unrelated hashes: a bushy trie with leaves high up.
    Random,
    /// Keys that share their first 60 nibbles and take few values in the last four: long
    /// extensions, branches at the bottom and inlined nodes.
    Shared60,
    /// Keys whose nibbles are zero except six positions spread along the key that are 0 or 1:
    /// extensions of many lengths that split and merge.
    Sparse,
}

impl KeySpace {
    fn key(self, index: u8) -> B256 {
        match self {
            Self::Random => keccak256([index]),
            Self::Shared60 => {
                let mut key = [0xab; 32];
                key[30] = ((index >> 4) & 3) << 4;
                key[31] = (((index >> 2) & 3) << 4) | (index & 3);
                B256::from(key)
            }
            Self::Sparse => {
                let mut nibbles = [0u8; 64];
                for (bit, position) in [0, 1, 7, 30, 31, 63].into_iter().enumerate() {
                    nibbles[position] = (index >> bit) & 1;
                }
                B256::from_slice(&Nibbles::from_nibbles(nibbles).pack())
            }
        }
    }
}

fn key_space() -> impl Strategy<Value = KeySpace> {
    prop_oneof![Just(KeySpace::Random), Just(KeySpace::Shared60), Just(KeySpace::Sparse)]
}

/// A new value (short ones get inlined, long ones hashed) or a deletion.
fn operation() -> impl Strategy<Value = Option<Vec<u8>>> {
    prop_oneof![
        3 => prop::collection::vec(any::<u8>(), 1..=3).prop_map(Some),
        3 => prop::collection::vec(any::<u8>(), 28..=40).prop_map(Some),
        2 => Just(None),
    ]
}

fn batches() -> impl Strategy<Value = Vec<Vec<(u8, Option<Vec<u8>>)>>> {
    prop::collection::vec(prop::collection::vec((0..UNIVERSE, operation()), 0..24), 1..10)
}

fn trie_id() -> impl Strategy<Value = TrieId> {
    prop_oneof![Just(TrieId::Account), any::<[u8; 32]>().prop_map(|h| TrieId::Storage(h.into()))]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn incremental_updates_match_a_from_scratch_build(
        space in key_space(),
        id in trie_id(),
        batches in batches(),
    ) {
        let mut table = Table::new();
        let mut model = Model::new();
        let universe: Vec<B256> = (0..UNIVERSE).map(|i| space.key(i)).collect();
        for batch in batches {
            let updates = batch.into_iter().map(|(i, op)| (universe[usize::from(i)], op)).collect();
            apply_and_check(&mut table, &mut model, id, updates);
            check_proofs(&table, id, &model, &universe);
        }
        // Nothing of another trie was written.
        let prefix = id.key_prefix();
        prop_assert!(table.keys().all(|k| k.starts_with(&prefix)));
    }
}
