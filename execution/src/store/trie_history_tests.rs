//! Tests of the trie history: `eth_getProof` data at older blocks verifies against those
//! blocks' state roots after later blocks changed, wiped and deleted the accounts and slots
//! it proves; pruning drops the node history with the rest; a database upgraded from a
//! layout without trie history serves proofs from the upgrade on.

use alloy_primitives::{Address, B256, U256, keccak256};
use alloy_trie::{Nibbles, proof::verify_proof};
use node_config::KeepBlocks;
use redb::{ReadableDatabase as _, ReadableTable as _, ReadableTableMetadata as _};

use super::{
    Store,
    history_tests::{Chain, evm},
    tables,
};
use crate::{AccountId, ExecutionError, StateChanges, StateView};

const A: Address = Address::repeat_byte(0xa1);
pub(super) const B: Address = Address::repeat_byte(0xb2);
/// Never exists: its proofs are proofs of exclusion.
const C: Address = Address::repeat_byte(0xc3);

/// Checks the proof of `address` and `slots` at block `number` against the block's header:
/// the account proof against its state root, each slot's against the account's storage root,
/// and the values against the state at `number`. Returns the proven balance.
fn verified_proof(store: &Store, number: u64, address: Address, slots: &[u64]) -> Option<U256> {
    let reader = store.reader().unwrap();
    let root = reader.header(number).unwrap().unwrap().state_root;
    let state = reader.state_at(number).unwrap();
    assert_eq!(state.state_root().unwrap(), root, "trie root at {number}");
    let keys: Vec<B256> = slots.iter().map(|s| B256::from(U256::from(*s))).collect();
    let proof = state.proof(address, &keys).unwrap();
    let record = state.account(AccountId::from(address)).unwrap();
    let leaf = record.map(|a| a.trie_leaf(None));
    verify_proof(root, Nibbles::unpack(keccak256(address)), leaf, &proof.account_proof)
        .unwrap_or_else(|e| panic!("account proof of {address} at {number}: {e}"));
    assert_eq!(proof.account, record.unwrap_or_default());
    for (slot, value, storage_proof) in &proof.storage_proofs {
        assert_eq!(*value, state.storage(address, U256::from_be_bytes(slot.0)).unwrap());
        let leaf = (!value.is_zero()).then(|| alloy_rlp::encode(value));
        verify_proof(
            proof.account.storage_root,
            Nibbles::unpack(keccak256(slot)),
            leaf,
            storage_proof,
        )
        .unwrap_or_else(|e| panic!("storage proof of {slot} at {number}: {e}"));
    }
    record.map(|a| a.balance)
}

/// The write set of block `number` (1–6) of [`eventful_chain`]: A and B are created with
/// storage, change, A is destroyed and re-created.
pub(super) fn eventful_block(number: u64) -> StateChanges {
    match number {
        1 => {
            let mut changes = evm(A, 1, &[(1, 10), (2, 11), (3, 12)]);
            changes.accounts.extend(evm(B, 100, &[(1, 1)]).accounts);
            changes
        }
        2 => evm(A, 2, &[(1, 20), (2, 0)]),
        3 => evm(B, 300, &[(1, 0), (7, 7)]),
        4 => {
            let mut changes = StateChanges::default();
            changes.account_mut(AccountId::from(A)).account = None;
            changes
        }
        5 => {
            let mut changes = evm(A, 5, &[(4, 40)]);
            changes.account_mut(AccountId::from(A)).storage_cleared = true;
            changes
        }
        6 => evm(B, 600, &[(7, 70), (8, 80)]),
        _ => panic!("eventful_chain has six blocks"),
    }
}

/// Blocks 1–6 of [`eventful_block`] on a store that keeps `keep`.
pub(super) fn eventful_chain(keep: KeepBlocks) -> Chain {
    let mut chain = Chain::new(keep);
    for number in 1..=6 {
        chain.seal(eventful_block(number));
    }
    chain
}

#[test]
fn proofs_at_older_blocks_verify_against_their_state_roots() {
    let chain = eventful_chain(KeepBlocks::All);
    // Block, A's balance, B's balance.
    let expected = [
        (0, None, None),
        (1, Some(1), Some(100)),
        (2, Some(2), Some(100)),
        (3, Some(2), Some(300)),
        (4, None, Some(300)),
        (5, Some(5), Some(300)),
        (6, Some(5), Some(600)),
    ];
    let slots = [1, 2, 3, 4, 7, 8, 9];
    for (number, a, b) in expected {
        assert_eq!(verified_proof(&chain.store, number, A, &slots), a.map(U256::from));
        assert_eq!(verified_proof(&chain.store, number, B, &slots), b.map(U256::from));
        assert_eq!(verified_proof(&chain.store, number, C, &slots), None);
    }
    // The historical trie is the block's: a proof of A at block 1 differs from the head's.
    let reader = chain.store.reader().unwrap();
    let at = |n| reader.state_at(n).unwrap().proof(A, &[B256::with_last_byte(1)]).unwrap();
    assert_ne!(at(1).account_proof, at(6).account_proof);
    assert_eq!(at(1).storage_proofs[0].1, U256::from(10));
}

/// The blocks that the node history holds entries of.
fn node_history_blocks(store: &Store) -> Vec<u64> {
    let txn = store.db.begin_read().unwrap();
    let table = txn.open_table(tables::NODE_HISTORY).unwrap();
    let mut blocks: Vec<u64> =
        table.iter().unwrap().map(|entry| entry.unwrap().0.value().1).collect();
    blocks.sort_unstable();
    blocks.dedup();
    blocks
}

#[test]
fn pruning_drops_the_node_history_of_pruned_blocks() {
    let chain = eventful_chain(KeepBlocks::Recent(3));
    // Head 6, three blocks kept (4, 5, 6): only the entries of 5 and 6 are needed.
    assert_eq!(node_history_blocks(&chain.store), vec![5, 6]);
    for number in 4..=6 {
        verified_proof(&chain.store, number, A, &[1, 4]);
        verified_proof(&chain.store, number, B, &[7, 8]);
    }
    let reader = chain.store.reader().unwrap();
    assert_eq!(reader.oldest_proof().unwrap(), 4);
    let err = reader.state_at(3).map(|_| ()).unwrap_err();
    assert!(matches!(err, ExecutionError::StatePruned { requested: 3, oldest: 4, .. }), "{err}");
    assert!(chain.store.history_size().unwrap().node_entries > 0);

    let chain = eventful_chain(KeepBlocks::Recent(1));
    assert_eq!(node_history_blocks(&chain.store), Vec::<u64>::new());
}

#[test]
fn an_upgraded_database_serves_proofs_from_the_upgrade_on() {
    let mut chain = eventful_chain(KeepBlocks::All);
    // Make the database what layout 3 wrote: no node history, no mark, layout 3.
    {
        let txn = chain.store.db.begin_write().unwrap();
        txn.delete_table(tables::NODE_HISTORY).unwrap();
        let mut meta = txn.open_table(tables::META).unwrap();
        meta.remove(tables::META_TRIE_HISTORY_FROM).unwrap();
        meta.insert(tables::META_SCHEMA, 3u64.to_be_bytes().as_slice()).unwrap();
        drop(meta);
        txn.commit().unwrap();
    }
    chain.reopen();
    let reader = chain.store.reader().unwrap();
    assert_eq!(reader.oldest_state().unwrap(), 0, "the state history is still whole");
    assert_eq!(reader.oldest_proof().unwrap(), 6, "proofs from the upgrade on");
    let err = reader.state_at(5).unwrap().proof(A, &[]).unwrap_err();
    assert!(matches!(err, ExecutionError::StatePruned { requested: 5, oldest: 6, .. }), "{err}");
    drop(reader);
    // From the upgrade on, the node history is recorded.
    chain.seal(evm(A, 7, &[(4, 0), (5, 50)]));
    verified_proof(&chain.store, 6, A, &[4, 5]);
    verified_proof(&chain.store, 7, A, &[4, 5]);
    let txn = chain.store.db.begin_read().unwrap();
    assert!(txn.open_table(tables::NODE_HISTORY).unwrap().len().unwrap() > 0);
}
