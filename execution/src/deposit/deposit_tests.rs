//! Tests of the deposit engine through the block executor: mint then call for an EVM
//! recipient (the call's logs in the receipt), the mint kept when the call fails, the EVM
//! refuses it or it starts a withdrawal, the deposits' gas in the block's, an SVM recipient credited, the order rule enforced, and the parallel
//! scheduler's result equal to one worker's.

use std::collections::BTreeMap;

use alloy_primitives::{Address, B256, Bytes, U256};
use node_config::{GenesisAccount, GenesisConfig};

use crate::{
    AccountId, ChainSpec, Engines, InvalidTxPolicy, Rejection, Store, Transaction,
    deposit::{DEPOSIT_COUNTER, DepositRecipient, DepositTx, WITHDRAWAL_CONTRACT},
    engine::EngineOutput,
    execute_block,
    scheduler::{ParallelExecutor, SchedulerConfig},
};

/// `LOG0(0, 0); STOP`: takes any value and logs once.
const LOGGER: Address = Address::repeat_byte(0x10);
const LOGGER_CODE: &[u8] = &[0x60, 0x00, 0x60, 0x00, 0xa0, 0x00];
/// `JUMPDEST PUSH1 0 JUMP`: runs out of gas.
const LOOP: Address = Address::repeat_byte(0x1f);
const LOOP_CODE: &[u8] = &[0x5b, 0x60, 0x00, 0x56];
const SENDER: Address = Address::repeat_byte(0xd0);

fn spec() -> ChainSpec {
    ChainSpec {
        chain_id: 7,
        evm_spec: Default::default(),
        block_gas_limit: 30_000_000,
        fee_vault: Address::repeat_byte(0x42),
    }
}

fn contract(code: &[u8]) -> GenesisAccount {
    GenesisAccount {
        balance: U256::ZERO,
        nonce: 1,
        code: Some(Bytes::copy_from_slice(code)),
        storage: BTreeMap::new(),
    }
}

fn genesis() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("db")).unwrap();
    let genesis = GenesisConfig {
        timestamp: 1,
        base_fee_per_gas: 1_000_000_000,
        fee_vault: Address::repeat_byte(0x42),
        alloc: BTreeMap::from([
            (LOGGER, contract(LOGGER_CODE)),
            (LOOP, contract(LOOP_CODE)),
            // A contract that logs, where the withdrawal contract lives.
            (WITHDRAWAL_CONTRACT, contract(LOGGER_CODE)),
        ]),
        extra_data: Bytes::new(),
        accounts: Default::default(),
    };
    store.init_genesis(&spec(), &genesis, 1).unwrap();
    (dir, store)
}

fn deposit(nonce: u64, to: DepositRecipient, value: u64, gas_limit: u64) -> Transaction {
    Transaction::Deposit(DepositTx::new(
        nonce,
        SENDER,
        to,
        U256::from(value),
        gas_limit,
        Bytes::new(),
        100 + nonce,
        B256::repeat_byte(nonce as u8),
        0,
    ))
}

fn run(store: &Store, txs: Vec<Transaction>, threads: usize) -> crate::block::BlockOutcome {
    let engines = Engines::new(&spec());
    let reader = store.reader().unwrap();
    let env = spec().next_block_env(&reader.header(0).unwrap().unwrap(), 2);
    let config = SchedulerConfig { threads, min_txs: 0, ..SchedulerConfig::default() };
    execute_block(
        &engines,
        &env,
        &reader,
        txs,
        InvalidTxPolicy::Skip,
        &mut ParallelExecutor::new(config),
    )
    .unwrap()
    .outcome
}

#[test]
fn deposits_mint_call_and_count_in_order() {
    let (_dir, store) = genesis();
    let pubkey = [7u8; 32];
    let txs = vec![
        deposit(0, DepositRecipient::Evm(LOGGER), 1_000, 100_000),
        // Runs out of gas: the mint stays with the sender.
        deposit(1, DepositRecipient::Evm(LOOP), 2_000, 50_000),
        deposit(2, DepositRecipient::Svm(pubkey), 3_000_000_000, 0),
        // Below the intrinsic gas: the EVM refuses the call, the mint stays.
        deposit(3, DepositRecipient::Evm(LOGGER), 4_000, 1_000),
        // Starts a withdrawal (logs from the withdrawal contract): refused, the mint stays.
        deposit(4, DepositRecipient::Evm(WITHDRAWAL_CONTRACT), 6_000, 100_000),
        // Out of order: never part of the block.
        deposit(9, DepositRecipient::Evm(LOGGER), 5_000, 100_000),
    ];
    let outcome = run(&store, txs.clone(), 1);
    assert_eq!(outcome.transactions.len(), 5);
    assert_eq!(outcome.rejected.len(), 1);
    assert_eq!(outcome.rejected[0].1, Rejection::DepositOutOfOrder { expected: 5, found: 9 });
    let receipts: Vec<_> = outcome
        .transactions
        .iter()
        .map(|included| match &included.result.output {
            EngineOutput::Deposit(receipt) => receipt.clone(),
            other => panic!("not a deposit receipt: {other:?}"),
        })
        .collect();
    assert_eq!(receipts.iter().map(|r| r.nonce).collect::<Vec<_>>(), [0, 1, 2, 3, 4]);
    let successes: Vec<bool> = receipts.iter().map(|r| r.success).collect();
    assert_eq!(successes, [true, false, true, false, false]);
    assert!(receipts[4].logs.is_empty());
    let gas: u64 = receipts.iter().map(|r| r.gas_used).sum();
    assert_eq!(outcome.gas_used, gas, "deposits' gas counts in the block's gas used");
    assert_eq!(receipts[0].logs.len(), 1);
    assert_eq!(receipts[0].logs[0].address, LOGGER);
    assert!(receipts[0].gas_used >= 21_000);
    assert_eq!(receipts[1].gas_used, 50_000, "out of gas uses all of it");
    assert!(outcome.transactions.iter().all(|t| t.result.fee.is_zero()), "deposits pay nothing");

    let sealed = store.seal_block(&outcome, Bytes::new()).unwrap();
    assert_eq!(sealed.number(), 1);
    let account = |id: AccountId| store.account(id).unwrap().unwrap_or_default();
    assert_eq!(account(AccountId::from(LOGGER)).balance, U256::from(1_000));
    assert_eq!(account(AccountId::from(LOOP)).balance, U256::ZERO);
    let sender = account(AccountId::from(SENDER));
    assert_eq!(sender.balance, U256::from(2_000 + 4_000 + 6_000), "failed calls leave the mint");
    assert_eq!(sender.nonce, 4, "every EVM deposit's call moves the sender's nonce");
    assert_eq!(account(AccountId::from(WITHDRAWAL_CONTRACT)).balance, U256::ZERO);
    assert_eq!(account(AccountId::new(pubkey)).balance, U256::from(3_000_000_000u64));
    assert_eq!(account(AccountId::from(DEPOSIT_COUNTER)).nonce, 5);
    let reader = store.reader().unwrap();
    assert_eq!(
        crate::StateView::storage(&reader, DEPOSIT_COUNTER, U256::ZERO).unwrap(),
        U256::from(104),
        "the L1 block of the last deposit applied"
    );
    let stored = reader.receipts(1).unwrap().unwrap();
    assert_eq!(stored.len(), 5);
    assert!(stored[0].success() && !stored[1].success());
    let crate::Receipt::Deposit(second) = &stored[1] else { panic!("{stored:?}") };
    assert_eq!(second.cumulative_gas_used, receipts[0].gas_used + receipts[1].gas_used);

    // The same deposits again: all out of order now.
    let again = run(&store, txs[..1].to_vec(), 1);
    assert!(again.transactions.is_empty());
    assert_eq!(again.rejected[0].1, Rejection::DepositOutOfOrder { expected: 5, found: 0 });
}

#[test]
fn parallel_execution_of_deposits_equals_one_worker() {
    let (_dir, store) = genesis();
    let txs: Vec<Transaction> = (0..40)
        .map(|nonce| {
            let to = match nonce % 3 {
                0 => DepositRecipient::Evm(LOGGER),
                1 => DepositRecipient::Evm(Address::repeat_byte(nonce as u8)),
                _ => DepositRecipient::Svm([nonce as u8; 32]),
            };
            deposit(nonce, to, 1_000_000_000 * (nonce + 1), 60_000)
        })
        .collect();
    let one = run(&store, txs.clone(), 1);
    let two = run(&store, txs, 2);
    assert_eq!(one.transactions.len(), 40);
    assert_eq!(one.changes, two.changes);
    let outputs = |o: &crate::block::BlockOutcome| {
        o.transactions.iter().map(|t| t.result.clone()).collect::<Vec<_>>()
    };
    assert_eq!(outputs(&one), outputs(&two));
}
