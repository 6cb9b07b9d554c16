//! Parallel == sequential, property-tested: random blocks mixing independent and conflicting
//! transactions of both engines — EVM transactions (hot recipients, one hot counter slot,
//! reverts, out-of-gas, contract creations, a contract calling itself, nonce chains with gaps
//! that get rejected, value sent to contracts, precompiles, oneself and senders of later
//! transactions — lazy credits read back — zero-value touches) and key-value transactions
//! (puts, transfers to EVM accounts and to other key-value payers, transfers they cannot fund,
//! duplicates), WebAssembly programs (called directly, flushing or not, reverting) and an EVM
//! contract that calls one and may revert after it — under Block-STM forced at 1, 2, 4 and 8 threads, under Block-STM stopped for
//! contention after every execution (final prefix + sequential rest), declared access forced,
//! and as the strategy chooses; the reference is the one-worker (sequential) case.

use std::{collections::BTreeMap, sync::OnceLock};

use alloy_consensus::{SignableTransaction, TxEip1559, TxEnvelope};
use alloy_eips::eip2718::Encodable2718;
use alloy_network::TxSignerSync;
use alloy_primitives::{Address, B256, Bytes, TxKind, U256, keccak256};
use alloy_signer_local::PrivateKeySigner;
use ed25519_dalek::SigningKey;
use node_config::{GenesisAccount, GenesisConfig, GenesisIdAccount};
use proptest::{prelude::*, test_runner::TestCaseError};

use super::{ParallelExecutor, SchedulerConfig, Strategy as Plan};
use crate::{
    AccountId, BlockEnv, ChainSpec, Engines, ExecutedBlock, ExecutionError, Rejection, Store,
    Transaction,
    block::{InvalidTxPolicy, execute_block},
    evm::EvmTx,
    kv::{KvEngine, KvOp, KvTx, signer_id},
};

const SENDERS: usize = 6;
/// PUSH1 0 SLOAD PUSH1 1 ADD PUSH1 0 SSTORE STOP: increments slot 0.
const COUNTER: &[u8] = &[0x60, 0x00, 0x54, 0x60, 0x01, 0x01, 0x60, 0x00, 0x55, 0x00];
/// Called with no calldata, calls itself with one byte (CALL to ADDRESS with all gas); called
/// with calldata, increments its slot 0.
const SELF_CALLER: &[u8] = &[
    0x36, 0x60, 0x13, 0x57, // CALLDATASIZE PUSH1 0x13 JUMPI
    0x60, 0x00, 0x60, 0x00, 0x60, 0x01, 0x60, 0x00, 0x60, 0x00, // ret 0 0, args 0 1, value 0
    0x30, 0x5a, 0xf1, 0x50, 0x00, // ADDRESS GAS CALL POP STOP
    0x5b, 0x60, 0x00, 0x54, 0x60, 0x01, 0x01, 0x60, 0x00, 0x55, 0x00, // JUMPDEST: slot 0 += 1
];
/// PUSH1 0 PUSH1 0 REVERT.
const REVERTER: &[u8] = &[0x60, 0x00, 0x60, 0x00, 0xfd];
/// Init code: stores 0x2a at slot 0, deploys empty code.
const INIT: &[u8] = &[0x60, 0x2a, 0x60, 0x00, 0x55, 0x60, 0x00, 0x60, 0x00, 0xf3];

fn signer(i: usize) -> PrivateKeySigner {
    PrivateKeySigner::from_bytes(&keccak256((i as u64 + 7).to_be_bytes())).unwrap()
}
fn counter() -> Address {
    Address::repeat_byte(0xc0)
}
fn reverter() -> Address {
    Address::repeat_byte(0xde)
}
fn self_caller() -> Address {
    Address::repeat_byte(0x5e)
}
/// A WebAssembly program: the counter of the WASM engine's tests (slot 0 += 1 through the
/// storage cache; calldata 0x00 leaves the write unflushed, 0x01 reverts after flushing).
fn wasm_counter() -> Address {
    Address::repeat_byte(0xa5)
}
/// An EVM contract that calls the WASM counter, then writes its own slot 0, then reverts
/// everything when it was given calldata: a cross-VM call in one journal.
fn evm_to_wasm() -> Address {
    Address::repeat_byte(0xa6)
}

/// Key-value payers.
const KV_SIGNERS: usize = 3;

fn kv_key(i: usize) -> SigningKey {
    SigningKey::from_bytes(&keccak256((i as u64 + 99).to_be_bytes()).0)
}

struct Fixture {
    _dir: tempfile::TempDir,
    store: Store,
    genesis: B256,
    signers: Vec<PrivateKeySigner>,
    kv: Vec<SigningKey>,
    engines: Engines,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path().join("db")).unwrap();
        let signers: Vec<_> = (0..SENDERS).map(signer).collect();
        let mut alloc: BTreeMap<Address, GenesisAccount> = signers
            .iter()
            .map(|s| {
                (
                    s.address(),
                    GenesisAccount {
                        balance: U256::from(10u128.pow(21)),
                        nonce: 0,
                        code: None,
                        storage: BTreeMap::new(),
                    },
                )
            })
            .collect();
        let wasm = crate::wasm::encode_program(
            &wat::parse_str(crate::wasm::tests::COUNTER).expect("the counter's WAT parses"),
        );
        let caller = crate::wasm::tests::evm_caller(wasm_counter());
        for (address, code) in [
            (counter(), COUNTER),
            (reverter(), REVERTER),
            (self_caller(), SELF_CALLER),
            (wasm_counter(), &wasm[..]),
            (evm_to_wasm(), &caller[..]),
        ] {
            alloc.insert(
                address,
                GenesisAccount {
                    balance: U256::ZERO,
                    nonce: 1,
                    code: Some(Bytes::copy_from_slice(code)),
                    storage: BTreeMap::new(),
                },
            );
        }
        let kv: Vec<SigningKey> = (0..KV_SIGNERS).map(kv_key).collect();
        let accounts = kv
            .iter()
            .enumerate()
            .map(|(i, key)| {
                // The last one can pay its fees but little more: its transfers fail.
                let balance = if i + 1 == KV_SIGNERS { 50_000_000 } else { 10u128.pow(21) };
                let account =
                    GenesisIdAccount { balance: U256::from(balance), ..Default::default() };
                (signer_id(key).0, account)
            })
            .collect();
        let genesis = GenesisConfig {
            timestamp: 1,
            base_fee_per_gas: 1_000_000_000,
            fee_vault: Address::repeat_byte(0x42),
            alloc,
            extra_data: Bytes::new(),
            accounts,
        };
        let block = store.init_genesis(&spec(), &genesis, 1).unwrap();
        let engines = Engines::new(&spec()).with_kv(KvEngine);
        Fixture { _dir: dir, store, genesis: block.hash, signers, kv, engines }
    })
}

fn spec() -> ChainSpec {
    ChainSpec {
        chain_id: 7,
        evm_spec: Default::default(),
        block_gas_limit: 30_000_000,
        fee_vault: Address::repeat_byte(0x42),
    }
}

/// Block 1 on top of the fixture's genesis.
fn block_env(f: &Fixture) -> BlockEnv {
    let genesis = f.store.reader().unwrap().header(0).unwrap().unwrap();
    spec().next_block_env(&genesis, 2)
}

/// What one generated transaction does.
#[derive(Debug, Clone)]
enum Kind {
    /// A key-value put into one of 4 keys.
    KvPut(u8),
    /// A key-value transfer to an EVM sender.
    KvToEvm(usize),
    /// A key-value transfer to another key-value payer.
    KvToKv(usize),
    /// The previous key-value transaction again (a duplicate).
    KvAgain,
    Transfer(u8),
    ToSender(usize),
    ToSelf,
    ToPrecompile,
    PayCounter,
    Counter,
    OutOfGas,
    Revert,
    Create,
    SelfCall,
    NonceGap,
    /// A call to the WASM counter with calldata `[0]` (unflushed), `[1]` (reverts) or none.
    Wasm(Option<u8>),
    /// The EVM contract that calls the WASM counter; `true`: it reverts afterwards.
    EvmToWasm(bool),
    /// A call of `to` with `input` and `gas` (the Solana-calling transactions of
    /// `svm_mix_tests`).
    Call {
        to: Address,
        gas: u64,
        input: Vec<u8>,
    },
}

fn kind() -> impl Strategy<Value = Kind> {
    prop_oneof![
        2 => (0u8..4).prop_map(Kind::KvPut),
        1 => (0..SENDERS).prop_map(Kind::KvToEvm),
        1 => (0..KV_SIGNERS).prop_map(Kind::KvToKv),
        1 => Just(Kind::KvAgain),
        4 => (0u8..4).prop_map(Kind::Transfer),
        2 => (0..SENDERS).prop_map(Kind::ToSender),
        1 => Just(Kind::ToSelf),
        1 => Just(Kind::ToPrecompile),
        1 => Just(Kind::PayCounter),
        3 => Just(Kind::Counter),
        1 => Just(Kind::OutOfGas),
        1 => Just(Kind::Revert),
        1 => Just(Kind::Create),
        1 => Just(Kind::SelfCall),
        1 => Just(Kind::NonceGap),
        2 => prop_oneof![Just(None), Just(Some(0u8)), Just(Some(1u8))].prop_map(Kind::Wasm),
        2 => any::<bool>().prop_map(Kind::EvmToWasm),
    ]
}

fn build(plan: &[(usize, Kind, u64)]) -> Vec<Transaction> {
    let f = fixture();
    let mut nonces = [0u64; SENDERS];
    let mut last_kv: Option<KvTx> = None;
    let mut out = Vec::new();
    for (sender, kind, value) in plan {
        let kv =
            |op: KvOp| KvTx::sign(&f.kv[*sender % KV_SIGNERS], f.genesis, 1 + *value % 3, vec![op]);
        let (to, gas, input, skew) = match kind {
            Kind::KvPut(key) => {
                let value = Bytes::from(value.to_be_bytes().to_vec());
                let tx = kv(KvOp::Put { key: B256::with_last_byte(*key), value });
                last_kv = Some(tx.clone());
                out.push(Transaction::Kv(tx));
                continue;
            }
            Kind::KvToEvm(to) => {
                let to = AccountId::from(f.signers[*to].address());
                let tx = kv(KvOp::Transfer { to, lamports: *value });
                last_kv = Some(tx.clone());
                out.push(Transaction::Kv(tx));
                continue;
            }
            Kind::KvToKv(to) => {
                let tx = kv(KvOp::Transfer { to: signer_id(&f.kv[*to]), lamports: *value });
                last_kv = Some(tx.clone());
                out.push(Transaction::Kv(tx));
                continue;
            }
            Kind::KvAgain => {
                if let Some(tx) = &last_kv {
                    out.push(Transaction::Kv(tx.clone()));
                }
                continue;
            }
            Kind::Transfer(r) => (TxKind::Call(Address::repeat_byte(0x10 + r)), 21_000, vec![], 0),
            Kind::ToSender(s) => (TxKind::Call(f.signers[*s].address()), 21_000, vec![], 0),
            Kind::ToSelf => (TxKind::Call(f.signers[*sender].address()), 21_000, vec![], 0),
            Kind::ToPrecompile => (TxKind::Call(Address::with_last_byte(4)), 30_000, vec![], 0),
            Kind::PayCounter => (TxKind::Call(counter()), 60_000, vec![], 0),
            Kind::Counter => (TxKind::Call(counter()), 60_000, vec![], 0),
            Kind::OutOfGas => (TxKind::Call(counter()), 21_100, vec![], 0),
            Kind::Revert => (TxKind::Call(reverter()), 40_000, vec![], 0),
            Kind::Create => (TxKind::Create, 100_000, INIT.to_vec(), 0),
            Kind::SelfCall => (TxKind::Call(self_caller()), 100_000, vec![], 0),
            Kind::NonceGap => (TxKind::Call(Address::repeat_byte(0x77)), 21_000, vec![], 5),
            Kind::Wasm(data) => {
                (TxKind::Call(wasm_counter()), 200_000, data.iter().copied().collect(), 0)
            }
            Kind::EvmToWasm(revert) => {
                let data = if *revert { vec![1] } else { vec![] };
                (TxKind::Call(evm_to_wasm()), 300_000, data, 0)
            }
            Kind::Call { to, gas, input } => (TxKind::Call(*to), *gas, input.clone(), 0),
        };
        let nonce = nonces[*sender] + skew;
        if skew == 0 {
            nonces[*sender] += 1;
        }
        let mut tx = TxEip1559 {
            chain_id: 7,
            nonce,
            gas_limit: gas,
            max_fee_per_gas: 5_000_000_000,
            max_priority_fee_per_gas: 1_000_000_000,
            to,
            value: U256::from(*value),
            input: input.into(),
            ..Default::default()
        };
        let sig = f.signers[*sender].sign_transaction_sync(&mut tx).unwrap();
        let env: TxEnvelope = tx.into_signed(sig).into();
        out.push(Transaction::Evm(EvmTx::decode(&env.encoded_2718()).unwrap()));
    }
    out
}

/// Executes `txs` as block 1 on the fixture's genesis with `executor`.
fn run(
    executor: &mut ParallelExecutor,
    txs: &[Transaction],
    policy: InvalidTxPolicy,
) -> Result<ExecutedBlock, ExecutionError> {
    let f = fixture();
    let reader = f.store.reader().unwrap();
    execute_block(&f.engines, &block_env(f), &reader, txs.to_vec(), policy, executor)
}

/// The executors every block is run with besides the sequential reference: Block-STM forced
/// at 1, 2, 4 and 8 threads (never stopped), Block-STM that stops for contention at once
/// (the final prefix, then the rest sequentially), declared access forced at 2 and 3 threads
/// (Block-STM when a transaction declares nothing), and the default choice at any size.
fn executors() -> Vec<(String, ParallelExecutor)> {
    let forced = |threads| SchedulerConfig {
        threads,
        force: Some(Plan::Optimistic),
        max_waste: f64::INFINITY,
        ..SchedulerConfig::default()
    };
    let mut executors: Vec<(String, ParallelExecutor)> = [1, 2, 4, 8]
        .into_iter()
        .map(|t| (format!("block-stm@{t}"), ParallelExecutor::new(forced(t))))
        .collect();
    let stopping = SchedulerConfig { probe: 1, max_waste: 0.0, retry_after: 0, ..forced(2) };
    executors.push(("stopping@2".into(), ParallelExecutor::new(stopping)));
    for threads in [2, 3] {
        let declared = SchedulerConfig { force: Some(Plan::Declared), ..forced(threads) };
        executors.push((format!("declared@{threads}"), ParallelExecutor::new(declared)));
    }
    // The strategy choice as configured by default, but for blocks of any size.
    let chosen = SchedulerConfig { min_txs: 2, ..SchedulerConfig::default() };
    executors.push(("chosen".into(), ParallelExecutor::new(chosen)));
    executors
}

fn check_block(txs: &[Transaction]) -> Result<(), TestCaseError> {
    let expected =
        run(&mut ParallelExecutor::sequential(), txs, InvalidTxPolicy::Skip).unwrap().outcome;
    prop_assert_eq!(expected.transactions.len() + expected.rejected.len(), txs.len());
    // Transactions left out by their replay guard never reach the scheduler.
    let prechecked = expected
        .rejected
        .iter()
        .filter(|(_, r)| matches!(r, Rejection::Duplicate | Rejection::Expired))
        .count();
    for (name, mut executor) in executors() {
        let block = run(&mut executor, txs, InvalidTxPolicy::Skip).unwrap();
        if name.starts_with("block-stm") {
            prop_assert_eq!(block.report.strategy, Plan::Optimistic);
            let scheduled = txs.len() - prechecked;
            prop_assert_eq!(block.report.parallel_txs, scheduled, "{:?}", block.report);
        }
        let got = block.outcome;
        prop_assert_eq!(&got.changes, &expected.changes, "state under {}", name);
        prop_assert_eq!(&got.transactions, &expected.transactions, "transactions under {}", name);
        prop_assert_eq!(got.gas_used, expected.gas_used);
        let rejected = |o: &crate::BlockOutcome| {
            o.rejected.iter().map(|(t, r)| (t.hash(), r.clone())).collect::<Vec<_>>()
        };
        prop_assert_eq!(rejected(&got), rejected(&expected), "rejections under {}", name);
    }
    // And under the strict policy: the same block, or the same error.
    let strict = run(&mut ParallelExecutor::sequential(), txs, InvalidTxPolicy::Fail);
    let (_, mut executor) = executors().swap_remove(1);
    let got = run(&mut executor, txs, InvalidTxPolicy::Fail);
    match (strict, got) {
        (Ok(expected), Ok(got)) => {
            prop_assert_eq!(&got.outcome.changes, &expected.outcome.changes)
        }
        (Err(expected), Err(got)) => prop_assert_eq!(got.to_string(), expected.to_string()),
        (expected, got) => prop_assert!(false, "strict: {:?} vs {:?}", expected.err(), got.err()),
    }
    Ok(())
}

/// Only value transfers: every block has declared (inferred) access unless it sends to
/// oneself or to a precompile.
fn transfer() -> impl Strategy<Value = Kind> {
    prop_oneof![
        4 => (0u8..4).prop_map(Kind::Transfer),
        3 => (0..SENDERS).prop_map(Kind::ToSender),
        1 => Just(Kind::NonceGap),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn parallel_equals_sequential(
        plan in proptest::collection::vec((0..SENDERS, kind(), 0u64..1_000), 2..28)
    ) {
        check_block(&build(&plan))?;
    }

    #[test]
    fn declared_transfers_equal_sequential(
        plan in proptest::collection::vec((0..SENDERS, transfer(), 1u64..1_000), 2..40)
    ) {
        let txs = build(&plan);
        check_block(&txs)?;
        let declarable = plan.iter().all(|(sender, kind, _)| match kind {
            Kind::ToSender(to) => to != sender,
            _ => true,
        });
        if declarable {
            let config = SchedulerConfig { threads: 2, force: Some(Plan::Declared), ..Default::default() };
            let block = run(&mut ParallelExecutor::new(config), &txs, InvalidTxPolicy::Skip).unwrap();
            prop_assert_eq!(block.report.strategy, Plan::Declared, "{:?}", block.report);
        }
    }
}

#[test]
fn credits_to_one_recipient_commute_and_read_back() {
    // Every sender pays sender 0, which then spends what it received: its reads resolve the
    // credits of all the transactions before it.
    let mut plan: Vec<_> = (1..SENDERS).map(|s| (s, Kind::ToSender(0), 500)).collect();
    plan.push((0, Kind::Transfer(0), 1));
    plan.extend((1..SENDERS).map(|s| (s, Kind::ToSender(0), 7)));
    plan.push((0, Kind::ToSender(1), 3));
    check_block(&build(&plan)).unwrap();
}

/// The outcome of `txs` with Block-STM at `threads` threads (and the default strategy choice
/// for blocks of any size).
fn parallel(txs: &[Transaction], threads: usize) -> crate::BlockOutcome {
    let config = SchedulerConfig { threads, min_txs: 2, ..SchedulerConfig::default() };
    run(&mut ParallelExecutor::new(config), txs, InvalidTxPolicy::Fail).unwrap().outcome
}

#[test]
fn every_thread_count_gives_the_sequential_block() {
    let plan: Vec<_> = (0..40).map(|i| (i % SENDERS, Kind::Transfer((i % 4) as u8), 9)).collect();
    let txs = build(&plan);
    let expected =
        run(&mut ParallelExecutor::sequential(), &txs, InvalidTxPolicy::Fail).unwrap().outcome;
    for threads in [1, 2, 4, 8] {
        let got = parallel(&txs, threads);
        assert_eq!(got.changes, expected.changes);
        assert_eq!(got.transactions, expected.transactions);
    }
}

#[test]
fn self_calls_increment_through_the_inner_call() {
    let plan: Vec<_> = (0..12).map(|i| (i % SENDERS, Kind::SelfCall, 0)).collect();
    let txs = build(&plan);
    check_block(&txs).unwrap();
    let out = parallel(&txs, 2);
    let id = AccountId::from(self_caller());
    assert_eq!(out.changes.accounts[&id].storage[&U256::ZERO], U256::from(12));
}

#[test]
fn executor_measures_sequential_after_its_first_parallel_block() {
    let plan: Vec<_> = (0..24).map(|i| (i % SENDERS, Kind::Counter, 0)).collect();
    let txs = build(&plan);
    let scheduler = SchedulerConfig { threads: 2, min_txs: 2, ..SchedulerConfig::default() };
    let mut executor = ParallelExecutor::new(scheduler);
    let first = run(&mut executor, &txs, InvalidTxPolicy::Fail).unwrap();
    assert_ne!(first.report.strategy, Plan::Sequential, "{:?}", first.report);
    assert!(first.report.gas_used > 0 && first.report.elapsed > std::time::Duration::ZERO);
    // Then the same kind of block sequentially, to compare the two.
    let second = run(&mut executor, &txs, InvalidTxPolicy::Fail).unwrap();
    assert_eq!(second.report.strategy, Plan::Sequential, "{:?}", second.report);
    assert_eq!(second.report.reason, super::strategy::MEASURING);
    assert_eq!(second.outcome.changes, first.outcome.changes);
}

#[test]
fn hot_counter_serializes_correctly() {
    // Every transaction increments the same slot: the final value counts them all.
    let plan: Vec<_> = (0..24).map(|i| (i % SENDERS, Kind::Counter, 0)).collect();
    let out = parallel(&build(&plan), 4);
    let id = AccountId::from(counter());
    assert_eq!(out.changes.accounts[&id].storage[&U256::ZERO], U256::from(24));
}

#[test]
fn both_engines_share_blocks_and_the_native_token() {
    // Key-value payers send lamports to EVM accounts, which spend them in the same block;
    // puts create key-value accounts; a duplicate is left out.
    let mut plan: Vec<(usize, Kind, u64)> =
        (0..SENDERS).map(|s| (s % 2, Kind::KvToEvm(s), 1_000)).collect();
    plan.extend((0..SENDERS).map(|s| (s, Kind::Transfer(0), 5)));
    plan.push((0, Kind::KvPut(1), 42));
    plan.push((0, Kind::KvAgain, 0));
    let txs = build(&plan);
    check_block(&txs).unwrap();
    let config = SchedulerConfig { threads: 2, min_txs: 2, ..SchedulerConfig::default() };
    let block = run(&mut ParallelExecutor::new(config), &txs, InvalidTxPolicy::Skip).unwrap();
    assert_ne!(block.report.strategy, Plan::Sequential, "{:?}", block.report);
    let out = block.outcome;
    assert_eq!(out.rejected.len(), 1);
    assert_eq!(out.rejected[0].1, Rejection::Duplicate);
    let f = fixture();
    let reader = f.store.reader().unwrap();
    use crate::StateView;
    // Each EVM sender received 1,000 lamports (10^12 wei), then paid 5 wei and 21,000 gas at
    // the base fee plus its 1 gwei tip.
    let price = U256::from(block_env(f).base_fee_per_gas + 1_000_000_000);
    for signer in &f.signers {
        let id = AccountId::from(signer.address());
        let before = reader.account(id).unwrap().unwrap().balance;
        let after = out.changes.accounts[&id].account.unwrap().balance;
        let expected = before + crate::state::native_token::wei(1_000)
            - U256::from(5)
            - U256::from(21_000) * price;
        assert_eq!(after, expected);
    }
    let key = crate::kv::kv_account(signer_id(&f.kv[0]), B256::with_last_byte(1));
    let data = out.changes.data[&key].clone().unwrap();
    assert_eq!(data.owner, crate::kv::KV_PROGRAM);
    assert_eq!(data.data.as_ref(), 42u64.to_be_bytes());
}

/// The same property with Solana transactions in the blocks (reusing this module's EVM
/// generator).
#[path = "svm_mix_tests.rs"]
mod svm_mix_tests;

#[test]
fn wasm_programs_run_in_blocks_and_revert_with_the_evm_frame_that_called_them() {
    let plan = vec![
        (0, Kind::Wasm(None), 0),
        (1, Kind::EvmToWasm(false), 0),
        (2, Kind::EvmToWasm(true), 0),
        (3, Kind::Wasm(Some(1)), 0),
        (4, Kind::Wasm(Some(0)), 0),
    ];
    let txs = build(&plan);
    let block = run(&mut ParallelExecutor::sequential(), &txs, InvalidTxPolicy::Skip).unwrap();
    let receipts: Vec<(bool, usize)> = block
        .outcome
        .transactions
        .iter()
        .map(|tx| match &tx.result.output {
            crate::EngineOutput::Evm(out) => (out.success, out.logs.len()),
            other => panic!("{other:?}"),
        })
        .collect();
    // The program logs once per run; a revert (the EVM caller's, or the program's own) drops
    // the log with the writes.
    assert_eq!(receipts, [(true, 1), (true, 1), (false, 0), (false, 0), (true, 1)]);
    // And the same block under every parallel executor.
    check_block(&txs).unwrap();
}
