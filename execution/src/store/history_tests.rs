//! Tests of the state history: the value of accounts, data and storage at each of several
//! blocks after several changes, pruning at the `keep_blocks` boundary, and an aborted seal
//! leaving the history as it was.

use alloy_primitives::{Address, Bytes, U256};
use node_config::{GenesisConfig, KeepBlocks};
use redb::{ReadableDatabase as _, ReadableTableMetadata as _};

use super::{Store, tables};
use crate::{
    AccountId, AccountState, BlockOutcome, ChainSpec, ExecutionError, SealedBlock, StateChanges,
    StateView, state::AccountData,
};

const A: Address = Address::repeat_byte(0xa1);
const B: Address = Address::repeat_byte(0xb2);

/// A store with a genesis and a way to seal hand-written write sets on top.
pub(super) struct Chain {
    dir: tempfile::TempDir,
    pub(super) store: Store,
    spec: ChainSpec,
    pub(super) head: SealedBlock,
}

impl Chain {
    pub(super) fn new(keep: KeepBlocks) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path().join("db")).unwrap().keep_blocks(keep);
        let genesis = GenesisConfig {
            timestamp: 1,
            base_fee_per_gas: 1_000_000_000,
            fee_vault: Address::repeat_byte(0x42),
            alloc: Default::default(),
            extra_data: Bytes::new(),
            accounts: Default::default(),
        };
        let spec = ChainSpec {
            chain_id: 31337,
            evm_spec: Default::default(),
            block_gas_limit: 30_000_000,
            fee_vault: genesis.fee_vault,
        };
        let head = store.init_genesis(&spec, &genesis, 1).unwrap();
        Self { dir, store, spec, head }
    }

    /// Closes the database and opens it again (as a restarted node does).
    pub(super) fn reopen(&mut self) {
        let keep = self.store.keep;
        // The database must be closed before it is opened again: swap in a scratch one.
        let scratch = Store::open(self.dir.path().join("scratch")).unwrap();
        drop(std::mem::replace(&mut self.store, scratch));
        self.store = Store::open(self.dir.path().join("db")).unwrap().keep_blocks(keep);
    }

    pub(super) fn outcome(&self, changes: StateChanges) -> BlockOutcome {
        BlockOutcome {
            env: self.spec.next_block_env(&self.head.header, self.head.header.timestamp + 1),
            transactions: Vec::new(),
            changes,
            gas_used: 0,
            rejected: Vec::new(),
        }
    }

    pub(super) fn seal(&mut self, changes: StateChanges) {
        self.head = self.store.seal_block(&self.outcome(changes), Bytes::new()).unwrap();
    }

    fn balance_at(&self, number: u64, id: AccountId) -> Option<U256> {
        let reader = self.store.reader().unwrap();
        let state = reader.state_at(number).unwrap();
        state.account(id).unwrap().map(|a| a.balance)
    }
}

/// An account record with `balance`.
pub(super) fn account(balance: u64) -> Option<AccountState> {
    Some(AccountState { balance: U256::from(balance), ..Default::default() })
}

/// A write set setting `address`'s balance and `slots`.
pub(super) fn evm(address: Address, balance: u64, slots: &[(u64, u64)]) -> StateChanges {
    let mut changes = StateChanges::default();
    let change = changes.account_mut(AccountId::from(address));
    change.account = account(balance);
    for (slot, value) in slots {
        change.storage.insert(U256::from(*slot), U256::from(*value));
    }
    changes
}

fn data(byte: u8) -> AccountData {
    AccountData {
        owner: AccountId::new([7; 32]),
        executable: false,
        rent_epoch: 0,
        data: Bytes::from(vec![byte; 3]),
    }
}

/// What a block's state holds in `values_at_each_block_after_several_changes`.
type Expected = (u64, Option<u64>, u64, u64, Option<u8>);

#[test]
fn values_at_each_block_after_several_changes() {
    let mut chain = Chain::new(KeepBlocks::All);
    let a = AccountId::from(A);
    let program = AccountId::new([0x5a; 32]);

    // 1: A is created with two slots; a Solana-style account gets data.
    let mut changes = evm(A, 1, &[(1, 10), (2, 11)]);
    changes.account_mut(program).account = account(100);
    changes.data.insert(program, Some(data(1)));
    chain.seal(changes);
    // 2: A's balance and slot 1 change, slot 2 is cleared; the data changes.
    let mut changes = evm(A, 2, &[(1, 20), (2, 0)]);
    changes.account_mut(program).account = account(100);
    changes.data.insert(program, Some(data(2)));
    chain.seal(changes);
    // 3: only B moves (A's history must skip the block).
    chain.seal(evm(B, 9, &[]));
    // 4: A is destroyed (its storage goes with it); the program account's data is removed.
    let mut changes = StateChanges::default();
    changes.account_mut(a).account = None;
    changes.account_mut(program).account = account(50);
    changes.data.insert(program, None);
    chain.seal(changes);
    // 5: A is re-created with a fresh slot 1, in a write set that wipes and writes again.
    let mut changes = evm(A, 5, &[(1, 50)]);
    changes.account_mut(a).storage_cleared = true;
    chain.seal(changes);

    let reader = chain.store.reader().unwrap();
    // Block, A's balance, slot 1, slot 2, the program account's data byte.
    let expected: [Expected; 6] = [
        (0, None, 0, 0, None),
        (1, Some(1), 10, 11, Some(1)),
        (2, Some(2), 20, 0, Some(2)),
        (3, Some(2), 20, 0, Some(2)),
        (4, None, 0, 0, None),
        (5, Some(5), 50, 0, None),
    ];
    for (number, balance, slot1, slot2, data_byte) in expected {
        let state = reader.state_at(number).unwrap();
        assert_eq!(state.is_head(), number == 5);
        let got = state.account(a).unwrap().map(|a| a.balance);
        assert_eq!(got, balance.map(U256::from), "A's balance at {number}");
        assert_eq!(
            state.storage(A, U256::from(1)).unwrap(),
            U256::from(slot1),
            "slot 1 at {number}"
        );
        assert_eq!(
            state.storage(A, U256::from(2)).unwrap(),
            U256::from(slot2),
            "slot 2 at {number}"
        );
        let got = state.account_data(program).unwrap().map(|d| d.data[0]);
        assert_eq!(got, data_byte, "data at {number}");
    }
    assert_eq!(chain.balance_at(2, AccountId::from(B)), None);
    assert_eq!(chain.balance_at(3, AccountId::from(B)), Some(U256::from(9)));
    // Block hashes past the state's block are not visible to it (BLOCKHASH at N).
    let state = reader.state_at(2).unwrap();
    assert!(state.block_hash(2).unwrap().is_some());
    assert_eq!(state.block_hash(3).unwrap(), None);
    let err = reader.state_at(6).unwrap_err();
    assert!(matches!(err, ExecutionError::UnknownBlock { number: 6, head: 5 }), "{err}");
}

/// Entries of `table` in the database.
fn entries(store: &Store) -> (u64, u64) {
    let txn = store.db.begin_read().unwrap();
    let accounts = txn.open_table(tables::ACCOUNT_HISTORY).unwrap().len().unwrap();
    let lists = txn.open_table(tables::HISTORY_CHANGES).unwrap().len().unwrap();
    (accounts, lists)
}

#[test]
fn pruning_keeps_exactly_the_latest_blocks() {
    let mut chain = Chain::new(KeepBlocks::Recent(3));
    let a = AccountId::from(A);
    for n in 1..=6 {
        chain.seal(evm(A, n, &[(1, n)]));
    }
    // Head 6, three blocks kept: 4, 5, 6.
    let reader = chain.store.reader().unwrap();
    assert_eq!(reader.oldest_state().unwrap(), 4);
    for n in 4..=6 {
        let state = reader.state_at(n).unwrap();
        assert_eq!(state.account(a).unwrap().unwrap().balance, U256::from(n));
        assert_eq!(state.storage(A, U256::from(1)).unwrap(), U256::from(n));
    }
    let err = reader.state_at(3).unwrap_err();
    assert!(
        matches!(err, ExecutionError::StatePruned { requested: 3, oldest: 4, head: 6 }),
        "{err}"
    );
    // Only the entries of blocks 5 and 6 (which give the states of 4 and 5) are left: A's
    // record and slot in each.
    assert_eq!(entries(&chain.store), (2, 2));
    assert_eq!(chain.store.history_size().unwrap().entries, 4);
}

#[test]
fn keeping_one_block_keeps_only_the_head() {
    let mut chain = Chain::new(KeepBlocks::Recent(1));
    for n in 1..=3 {
        chain.seal(evm(A, n, &[]));
    }
    let reader = chain.store.reader().unwrap();
    assert_eq!(reader.oldest_state().unwrap(), 3);
    assert!(reader.state_at(2).is_err());
    // Nothing is recorded at all: the head's state is the flat state.
    assert_eq!(entries(&chain.store), (0, 0));
    assert_eq!(chain.store.history_size().unwrap().entries, 0);
}

#[test]
fn an_aborted_seal_records_no_history() {
    let mut chain = Chain::new(KeepBlocks::All);
    chain.seal(evm(A, 1, &[(1, 1)]));
    let before = entries(&chain.store);
    let outcome = chain.outcome(evm(A, 2, &[(1, 2)]));
    let refused = chain.store.seal_block_with(&outcome, Bytes::new(), Default::default(), |b| {
        Err(ExecutionError::SealRejected { number: b.number(), reason: "differs from DA".into() })
    });
    assert!(refused.is_err());
    assert_eq!(entries(&chain.store), before);
    assert_eq!(chain.balance_at(1, AccountId::from(A)), Some(U256::from(1)));
    // The chain goes on from the same head, and the history with it.
    chain.seal(evm(A, 3, &[(1, 3)]));
    assert_eq!(chain.balance_at(1, AccountId::from(A)), Some(U256::from(1)));
    assert_eq!(chain.balance_at(2, AccountId::from(A)), Some(U256::from(3)));
}

#[test]
fn a_stretch_without_recording_moves_the_readable_range_past_it() {
    let mut chain = Chain::new(KeepBlocks::All);
    for n in 1..=70 {
        chain.seal(evm(A, n, &[]));
    }
    // One block kept: nothing recorded for block 71, and the backlog pruned 64 blocks a seal.
    let archive = chain.store.clone();
    chain.store = archive.clone().keep_blocks(KeepBlocks::Recent(1));
    chain.seal(evm(A, 71, &[]));
    chain.store = archive;
    chain.seal(evm(A, 72, &[]));
    let reader = chain.store.reader().unwrap();
    // The states before 71 would miss block 71's entries: refused, not misread.
    assert_eq!(reader.oldest_state().unwrap(), 71);
    assert!(reader.state_at(70).is_err());
    assert_eq!(chain.balance_at(71, AccountId::from(A)), Some(U256::from(71)));
    drop(reader);
    // The rest of the backlog goes with the next seals of a store that prunes.
    chain.store = chain.store.clone().keep_blocks(KeepBlocks::Recent(2));
    chain.seal(evm(A, 73, &[]));
    assert_eq!(entries(&chain.store), (1, 1), "only block 73's entry (the state of 72) is left");
    assert_eq!(chain.balance_at(72, AccountId::from(A)), Some(U256::from(72)));
}
