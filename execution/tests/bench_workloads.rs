//! The benchmark's workloads (`benches/workloads`), small: for each, the parallel executor at
//! 1, 2 and 4 threads gives exactly the sequential executor's block, every transaction
//! succeeds, the gas equals the plain revm loop's, and the state equals the revm loop's
//! (but for the fee vault, credited at block end). Keeps the benchmark honest in CI.

#[path = "../benches/workloads/mod.rs"]
mod workloads;

use alloy_primitives::U256;
use workloads::{
    Block, COUNTER, POOLS, TOKEN, Workload, check_outcome, check_same, check_state_against_revm,
    mapping_slot, parallel, pool, revm_loop, sequential, signers,
};

const TXS: usize = 200;

fn check_workload(workload: Workload) -> Block {
    let block = Block::build(workload, TXS);
    let state = block.genesis.mem_state();
    let mut db = block.genesis.in_memory_db();
    let revm = revm_loop(&mut db, &block);
    let expected = sequential(&state, &block, block.txs.clone());
    check_outcome(&block, &expected, &revm).unwrap_or_else(|e| panic!("{workload:?}: {e}"));
    check_state_against_revm(&block, &state, &expected, &db)
        .unwrap_or_else(|e| panic!("{workload:?} against revm: {e}"));
    for threads in [1, 2, 4] {
        let got = parallel(&state, &block, block.txs.clone(), threads);
        check_same(&expected, &got)
            .unwrap_or_else(|e| panic!("{workload:?} at {threads} threads: {e}"));
    }
    block
}

#[test]
fn native_transfers() {
    let block = check_workload(Workload::Transfers);
    assert_eq!(block.env.gas_limit, 21_000 * TXS as u64);
}

#[test]
fn erc20_transfers() {
    let block = check_workload(Workload::Erc20);
    // The holders' balances are where solc puts them: every transfer succeeded, and the
    // sum of the balances written is unchanged.
    let state = block.genesis.mem_state();
    let out = sequential(&state, &block, block.txs.clone());
    let token = &out.changes.accounts[&execution::AccountId::from(TOKEN)];
    let before: U256 = token
        .storage
        .keys()
        .map(|slot| block.genesis.accounts[&TOKEN].storage.get(slot).copied().unwrap_or_default())
        .sum();
    let after: U256 = token.storage.values().copied().sum();
    assert_eq!(before, after, "transfers conserve the supply");
    assert!(token.storage.len() > TXS, "senders and recipients written");
}

#[test]
fn hot_counter() {
    let block = check_workload(Workload::HotCounter);
    let state = block.genesis.mem_state();
    let out = parallel(&state, &block, block.txs.clone(), 2);
    let counter = &out.changes.accounts[&execution::AccountId::from(COUNTER)];
    assert_eq!(counter.storage[&U256::ZERO], U256::from(TXS));
}

#[test]
fn swaps() {
    let block = check_workload(Workload::Swaps);
    let state = block.genesis.mem_state();
    let out = parallel(&state, &block, block.txs.clone(), 2);
    for k in 0..POOLS {
        let storage = &out.changes.accounts[&execution::AccountId::from(pool(k))].storage;
        let (r0, r1) = (storage[&U256::ZERO], storage[&U256::from(1)]);
        // x·y never decreases (the fee stays in the pool).
        let genesis = U256::from(10u128.pow(24));
        assert!(r0 * r1 >= genesis * genesis, "pool {k}: k decreased");
    }
    // Sender 0 swapped on pool 0: one of its two balances went down, the other up.
    let sender = signers()[0].address();
    let storage = &out.changes.accounts[&execution::AccountId::from(pool(0))].storage;
    assert!(storage.contains_key(&mapping_slot(sender, 2)));
    assert!(storage.contains_key(&mapping_slot(sender, 3)));
}
