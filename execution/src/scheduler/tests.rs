//! Parallel == sequential, property-tested: random blocks mixing independent and conflicting
//! transactions (hot recipients, one hot counter slot), reverts, out-of-gas, contract
//! creations and nonce chains (with gaps that get rejected), at 1, 2, 4 and 8 threads.

use std::{collections::BTreeMap, sync::OnceLock};

use alloy_consensus::{SignableTransaction, TxEip1559, TxEnvelope};
use alloy_eips::eip2718::Encodable2718;
use alloy_network::TxSignerSync;
use alloy_primitives::{Address, B256, Bytes, TxKind, U256, keccak256};
use alloy_signer_local::PrivateKeySigner;
use node_config::{GenesisAccount, GenesisConfig};
use proptest::prelude::*;

use super::execute_block_parallel;
use crate::{
    BlockEnv, RecoveredTx, Store,
    block::{InvalidTxPolicy, execute_block},
    evm::EvmConfig,
};

const SENDERS: usize = 6;
/// PUSH1 0 SLOAD PUSH1 1 ADD PUSH1 0 SSTORE STOP: increments slot 0.
const COUNTER: &[u8] = &[0x60, 0x00, 0x54, 0x60, 0x01, 0x01, 0x60, 0x00, 0x55, 0x00];
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

struct Fixture {
    _dir: tempfile::TempDir,
    store: Store,
    genesis: B256,
    signers: Vec<PrivateKeySigner>,
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
        for (address, code) in [(counter(), COUNTER), (reverter(), REVERTER)] {
            alloc.insert(
                address,
                GenesisAccount {
                    balance: U256::ZERO,
                    nonce: 1,
                    code: Some(Bytes::from_static(code)),
                    storage: BTreeMap::new(),
                },
            );
        }
        let genesis = GenesisConfig {
            timestamp: 1,
            base_fee_per_gas: 1_000_000_000,
            fee_vault: Address::repeat_byte(0x42),
            alloc,
            extra_data: Bytes::new(),
        };
        let block = store.init_genesis(7, &genesis, 30_000_000, 1).unwrap();
        Fixture { _dir: dir, store, genesis: block.hash, signers }
    })
}

/// Block 1 on top of the fixture's genesis.
fn block_env(f: &Fixture) -> BlockEnv {
    BlockEnv {
        number: 1,
        timestamp: 2,
        parent_hash: f.genesis,
        gas_limit: 30_000_000,
        base_fee_per_gas: 1_000_000_000,
        beneficiary: Address::repeat_byte(0x42),
        prevrandao: f.genesis,
    }
}

/// One generated transaction: (sender, kind, value, nonce skew).
#[derive(Debug, Clone)]
enum Kind {
    Transfer(u8),
    Counter,
    OutOfGas,
    Revert,
    Create,
    NonceGap,
}

fn kind() -> impl Strategy<Value = Kind> {
    prop_oneof![
        4 => (0u8..4).prop_map(Kind::Transfer),
        3 => Just(Kind::Counter),
        1 => Just(Kind::OutOfGas),
        1 => Just(Kind::Revert),
        1 => Just(Kind::Create),
        1 => Just(Kind::NonceGap),
    ]
}

fn build(plan: &[(usize, Kind, u64)]) -> Vec<RecoveredTx> {
    let f = fixture();
    let mut nonces = [0u64; SENDERS];
    plan.iter()
        .map(|(sender, kind, value)| {
            let (to, gas, input, skew) = match kind {
                Kind::Transfer(r) => {
                    (TxKind::Call(Address::repeat_byte(0x10 + r)), 21_000, vec![], 0)
                }
                Kind::Counter => (TxKind::Call(counter()), 60_000, vec![], 0),
                Kind::OutOfGas => (TxKind::Call(counter()), 21_100, vec![], 0),
                Kind::Revert => (TxKind::Call(reverter()), 40_000, vec![], 0),
                Kind::Create => (TxKind::Create, 100_000, INIT.to_vec(), 0),
                Kind::NonceGap => (TxKind::Call(Address::repeat_byte(0x77)), 21_000, vec![], 5),
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
            RecoveredTx::decode(&env.encoded_2718()).unwrap()
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn parallel_equals_sequential(
        plan in proptest::collection::vec((0..SENDERS, kind(), 0u64..1_000), 2..28)
    ) {
        let f = fixture();
        let txs = build(&plan);
        let reader = f.store.reader().unwrap();
        let config = EvmConfig::new(7);
        let env = block_env(f);
        let expected = execute_block(&reader, &config, &env, txs.clone(), InvalidTxPolicy::Skip).unwrap();
        for threads in [1, 2, 4, 8] {
            let got = execute_block_parallel(&reader, &config, &env, txs.clone(), InvalidTxPolicy::Skip, threads).unwrap();
            prop_assert_eq!(&got.changes, &expected.changes, "state at {} threads", threads);
            prop_assert_eq!(&got.receipts, &expected.receipts, "receipts at {} threads", threads);
            prop_assert_eq!(got.gas_used, expected.gas_used);
            let hashes = |o: &crate::BlockOutcome| o.transactions.iter().map(|t| (t.tx.hash, t.gas_used, t.contract_address)).collect::<Vec<_>>();
            prop_assert_eq!(hashes(&got), hashes(&expected));
            let rejected = |o: &crate::BlockOutcome| o.rejected.iter().map(|(t, r)| (t.hash, r.clone())).collect::<Vec<_>>();
            prop_assert_eq!(rejected(&got), rejected(&expected));
        }
    }
}

#[test]
fn hot_counter_serializes_correctly() {
    // Every transaction increments the same slot: the final value counts them all.
    let f = fixture();
    let plan: Vec<_> = (0..24).map(|i| (i % SENDERS, Kind::Counter, 0)).collect();
    let txs = build(&plan);
    let reader = f.store.reader().unwrap();
    let env = block_env(f);
    let out =
        execute_block_parallel(&reader, &EvmConfig::new(7), &env, txs, InvalidTxPolicy::Fail, 4)
            .unwrap();
    assert_eq!(out.changes.accounts[&counter()].storage[&U256::ZERO], U256::from(24));
}
