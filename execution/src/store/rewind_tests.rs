//! Tests of `Store::rewind`: a chain rewound to block N holds exactly what a chain that
//! stopped at N holds (every state, trie, chain and history table, byte for byte), goes on
//! sealing from there, survives a reopen, and a rewind below the kept history is refused. A
//! block executed on a head that a rewind then replaced is refused.

use node_config::KeepBlocks;
use redb::{ReadableDatabase as _, ReadableTable as _};

use super::{
    history_tests::{Chain, evm},
    tables::*,
    trie_history_tests::{B, eventful_block, eventful_chain},
};
use crate::ExecutionError;

/// Every entry of the tables a rewind must restore, printed (keys and values).
fn dump(chain: &Chain) -> Vec<String> {
    let txn = chain.store.db.begin_read().unwrap();
    let mut out = Vec::new();
    macro_rules! table {
        ($($def:expr),*) => {$(
            let table = txn.open_table($def).unwrap();
            for entry in table.iter().unwrap() {
                let (key, value) = entry.unwrap();
                out.push(format!("{}: {:?} = {:?}", stringify!($def), key.value(), value.value()));
            }
        )*};
    }
    table!(ACCOUNTS, ID_ACCOUNTS, ACCOUNT_DATA, STORAGE, TRIE_NODES, HEADERS, BLOCK_NUMBERS);
    table!(BLOCK_BODIES, BLOCK_RECEIPTS, TX_INDEX, ACCOUNT_HISTORY, DATA_HISTORY);
    table!(STORAGE_HISTORY, NODE_HISTORY, HISTORY_CHANGES, META);
    out
}

/// The first `blocks` blocks of `eventful_chain`, on a chain of their own.
fn stopped_at(blocks: u64) -> Chain {
    let mut chain = Chain::new(KeepBlocks::All);
    for number in 1..=blocks {
        chain.seal(eventful_block(number));
    }
    chain
}

#[test]
fn a_rewound_chain_is_exactly_the_chain_that_stopped_there() {
    for to in [0, 3, 5] {
        let mut chain = eventful_chain(KeepBlocks::All);
        chain.store.rewind(to).unwrap();
        chain.head = chain.store.reader().unwrap().block(to).unwrap().unwrap();
        let mut reference = stopped_at(to);
        assert_eq!(dump(&chain), dump(&reference), "rewound to {to}");
        // Both go on alike: new blocks on the rewound chain seal as on the reference.
        for round in 0..2 {
            chain.seal(evm(B, 1_000 + round, &[(9, 9 + round)]));
            reference.seal(evm(B, 1_000 + round, &[(9, 9 + round)]));
        }
        assert_eq!(chain.head.hash, reference.head.hash);
        assert_eq!(dump(&chain), dump(&reference), "sealed after the rewind to {to}");
    }
}

#[test]
fn a_rewind_survives_a_reopen_and_refuses_pruned_blocks() {
    let mut chain = eventful_chain(KeepBlocks::All);
    chain.store.rewind(2).unwrap();
    let rewound = dump(&chain);
    chain.reopen();
    assert_eq!(dump(&chain), rewound);
    assert_eq!(chain.store.head_number().unwrap(), Some(2));
    let err = chain.store.rewind(3).unwrap_err();
    assert!(matches!(err, ExecutionError::UnknownBlock { number: 3, head: 2 }), "{err}");

    let chain = eventful_chain(KeepBlocks::Recent(3));
    let err = chain.store.rewind(3).unwrap_err();
    assert!(matches!(err, ExecutionError::StatePruned { requested: 3, oldest: 4, .. }), "{err}");
    chain.store.rewind(4).unwrap();
    assert_eq!(chain.store.reader().unwrap().state_root().unwrap(), {
        let reader = chain.store.reader().unwrap();
        reader.header(4).unwrap().unwrap().state_root
    });
}

#[test]
fn a_block_built_on_a_head_a_rewind_replaced_is_refused() {
    let mut chain = eventful_chain(KeepBlocks::All);
    // Block 7 is executed on head 6; meanwhile the chain is rewound to 5 and another block 6
    // sealed. Block 7 has the right number for the new head, but not its parent.
    let stale = chain.outcome(evm(B, 7, &[]));
    chain.store.rewind(5).unwrap();
    chain.head = chain.store.reader().unwrap().block(5).unwrap().unwrap();
    chain.seal(evm(B, 8, &[]));
    let before = dump(&chain);
    let err = chain.store.seal_block(&stale, alloy_primitives::Bytes::new()).unwrap_err();
    assert!(matches!(err, ExecutionError::NotOnHead { number: 7, head: 6, .. }), "{err}");
    assert_eq!(dump(&chain), before, "nothing written");
}
