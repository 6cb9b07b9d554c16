//! Executes blocks through the store: transfers, a contract creation with storage, fees to
//! the vault, receipts, persistence, and the incremental state root checked against a
//! from-scratch `alloy-trie` build of the same state — including an account without code
//! that has storage (a creation that returned no code), whose storage root a later transfer
//! must keep.

use std::collections::BTreeMap;

use alloy_consensus::{SignableTransaction, TxEip1559, TxEnvelope, TxLegacy};
use alloy_eips::eip2718::Encodable2718;
use alloy_network::TxSignerSync;
use alloy_primitives::{Address, B256, Bytes, KECCAK256_EMPTY, TxKind, U256, keccak256};
use alloy_signer_local::PrivateKeySigner;
use alloy_trie::{EMPTY_ROOT_HASH, HashBuilder, Nibbles};
use execution::{
    AccountId, BlockEnv, BlockOutcome, ChainSpec, Engines, ExecutionError, Receipt, StateView,
    Store, StoreReader, Transaction, block::InvalidTxPolicy, evm::EvmTx, execute_block,
    scheduler::ParallelExecutor,
};
use node_config::{GenesisAccount, GenesisConfig};

const CHAIN_ID: u64 = 31337;

fn spec(vault: Address) -> ChainSpec {
    ChainSpec {
        chain_id: CHAIN_ID,
        evm_spec: Default::default(),
        block_gas_limit: 30_000_000,
        fee_vault: vault,
    }
}

/// Executes `txs` in `env` on `reader` through the block lifecycle, one worker.
fn execute(
    spec: &ChainSpec,
    reader: &StoreReader,
    env: &BlockEnv,
    txs: Vec<EvmTx>,
    policy: InvalidTxPolicy,
) -> Result<BlockOutcome, ExecutionError> {
    let txs = txs.into_iter().map(Transaction::Evm).collect();
    let engines = Engines::new(spec);
    let mut scheduler = ParallelExecutor::sequential();
    execute_block(&engines, env, reader, txs, policy, &mut scheduler).map(|b| b.outcome)
}

/// The id of the EVM account `address`.
fn id(address: Address) -> AccountId {
    AccountId::from(address)
}

fn sign_1559(
    signer: &PrivateKeySigner,
    nonce: u64,
    to: TxKind,
    value: u64,
    input: Bytes,
    gas: u64,
) -> EvmTx {
    let mut tx = TxEip1559 {
        chain_id: CHAIN_ID,
        nonce,
        gas_limit: gas,
        max_fee_per_gas: 10_000_000_000,
        max_priority_fee_per_gas: 1_000_000_000,
        to,
        value: U256::from(value),
        input,
        ..Default::default()
    };
    let sig = signer.sign_transaction_sync(&mut tx).unwrap();
    let env: TxEnvelope = tx.into_signed(sig).into();
    EvmTx::decode(&env.encoded_2718()).unwrap()
}

fn sign_legacy(signer: &PrivateKeySigner, nonce: u64, to: Address, value: u64) -> EvmTx {
    let mut tx = TxLegacy {
        chain_id: Some(CHAIN_ID),
        nonce,
        gas_price: 5_000_000_000,
        gas_limit: 21_000,
        to: TxKind::Call(to),
        value: U256::from(value),
        input: Bytes::new(),
    };
    let sig = signer.sign_transaction_sync(&mut tx).unwrap();
    let env: TxEnvelope = tx.into_signed(sig).into();
    EvmTx::decode(&env.encoded_2718()).unwrap()
}

/// The state root rebuilt from scratch over `accounts` (and their storage).
fn full_root(
    reader: &impl StateView,
    accounts: &[Address],
    storage: &BTreeMap<Address, Vec<U256>>,
) -> B256 {
    let mut leaves = BTreeMap::new();
    for address in accounts {
        let Some(mut account) = reader.account(id(*address)).unwrap() else { continue };
        let mut slots = BTreeMap::new();
        for slot in storage.get(address).into_iter().flatten() {
            let value = reader.storage(*address, *slot).unwrap();
            if !value.is_zero() {
                slots.insert(keccak256(slot.to_be_bytes::<32>()), alloy_rlp::encode(value));
            }
        }
        account.storage_root = if slots.is_empty() {
            EMPTY_ROOT_HASH
        } else {
            let mut hb = HashBuilder::default();
            for (key, value) in &slots {
                hb.add_leaf(Nibbles::unpack(key), value);
            }
            hb.root()
        };
        leaves.insert(keccak256(address), account.trie_leaf(None));
    }
    let mut hb = HashBuilder::default();
    for (key, value) in &leaves {
        hb.add_leaf(Nibbles::unpack(key), value);
    }
    hb.root()
}

#[test]
fn blocks_execute_seal_and_persist() -> Result<(), ExecutionError> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("node.redb");
    let alice = PrivateKeySigner::random();
    let bob = Address::repeat_byte(0xb0);
    let vault = Address::repeat_byte(0x42);
    let genesis = GenesisConfig {
        timestamp: 1_700_000_000,
        base_fee_per_gas: 1_000_000_000,
        fee_vault: vault,
        alloc: [(
            alice.address(),
            GenesisAccount {
                balance: U256::from(10u128.pow(21)),
                nonce: 0,
                code: None,
                storage: BTreeMap::new(),
            },
        )]
        .into(),
        extra_data: Bytes::new(),
        accounts: Default::default(),
    };
    let spec = spec(vault);
    let store = Store::open(&path)?;
    let genesis_block = store.init_genesis(&spec, &genesis, genesis.timestamp)?;
    assert_eq!(genesis_block.number(), 0);

    // Block 1: a 1559 transfer, a legacy transfer, and a contract creation whose init code
    // stores 0x2a at slot 0 (PUSH1 2a PUSH1 00 SSTORE PUSH1 00 PUSH1 00 RETURN).
    let init = Bytes::from_static(&[0x60, 0x2a, 0x60, 0x00, 0x55, 0x60, 0x00, 0x60, 0x00, 0xf3]);
    let txs = vec![
        sign_1559(&alice, 0, TxKind::Call(bob), 1_000, Bytes::new(), 21_000),
        sign_legacy(&alice, 1, bob, 2_000),
        sign_1559(&alice, 2, TxKind::Create, 0, init, 100_000),
    ];
    let reader = store.reader()?;
    let head = reader.head_header()?;
    let env = spec.next_block_env(&head, head.timestamp + 1);
    let outcome = execute(&spec, &reader, &env, txs.clone(), InvalidTxPolicy::Fail)?;
    drop(reader);
    assert_eq!(outcome.transactions.len(), 3);
    let outputs: Vec<_> =
        outcome.transactions.iter().map(|i| i.result.output.as_evm().unwrap()).collect();
    assert!(outputs.iter().all(|o| o.success));
    let contract = outputs[2].contract_address.expect("creation address");
    assert_eq!(contract, alice.address().create(2));
    let block = store.seal_block(&outcome, Bytes::new())?;
    let envelopes: Vec<TxEnvelope> = txs.iter().map(|t| t.envelope.clone()).collect();
    assert_eq!(
        block.header.transactions_root,
        alloy_consensus::proofs::calculate_transaction_root(&envelopes)
    );
    let receipts: Vec<_> = block.receipts.iter().map(|r| r.as_evm().unwrap().clone()).collect();
    assert_eq!(
        block.header.receipts_root,
        alloy_consensus::proofs::calculate_receipt_root(&receipts)
    );
    assert!(block.header.extra_data.is_empty(), "an EVM-only block keeps its extra data");

    let reader = store.reader()?;
    assert_eq!(reader.head_number()?, Some(1));
    assert_eq!(reader.state_root()?, block.header.state_root);
    let bob_account = reader.account(id(bob))?.unwrap();
    assert_eq!(bob_account.balance, U256::from(3_000));
    assert_eq!(reader.account(id(alice.address()))?.unwrap().nonce, 3);
    assert_eq!(reader.storage(contract, U256::ZERO)?, U256::from(0x2a));
    assert_eq!(reader.account(id(contract))?.unwrap().code_hash, KECCAK256_EMPTY);
    // All fees (base and priority) went to the vault: alice paid exactly gas + value.
    let vault_balance = reader.account(id(vault))?.unwrap().balance;
    let spent = U256::from(10u128.pow(21)) - reader.account(id(alice.address()))?.unwrap().balance;
    assert_eq!(spent, vault_balance + U256::from(3_000));
    assert!(!vault_balance.is_zero());

    let accounts = [alice.address(), bob, vault, contract];
    let storage: BTreeMap<_, _> = [(contract, vec![U256::ZERO])].into();
    assert_eq!(full_root(&reader, &accounts, &storage), block.header.state_root);

    // Receipts, body and index are persisted with the block.
    let stored = reader.block(1)?.unwrap();
    assert_eq!(stored.hash, block.hash);
    assert_eq!(stored.transactions.len(), 3);
    assert_eq!(stored.transactions[1].as_evm().unwrap().sender, alice.address());
    assert_eq!(stored.receipts, block.receipts);
    // What the batcher posts, cut from the stored body, is what DA carries of each one.
    let tagged: Vec<_> = stored.transactions.iter().map(|t| t.encode_tagged()).collect();
    assert_eq!(reader.tagged_transactions(1)?, Some(tagged));
    assert_eq!(reader.tagged_transactions(2)?, None);
    assert_eq!(reader.block_number(block.hash)?, Some(1));
    assert_eq!(reader.transaction_location(txs[2].hash)?, Some((1, 2)));
    let cumulative: Vec<u64> = stored
        .receipts
        .iter()
        .map(|r| match r {
            Receipt::Evm(r) => r.cumulative_gas_used(),
            _ => unreachable!("EVM only"),
        })
        .collect();
    assert!(cumulative.windows(2).all(|w| w[0] < w[1]));
    assert_eq!(*cumulative.last().unwrap(), block.header.gas_used);
    drop(reader);

    // Block 2 re-using a nonce is invalid when verifying...
    let reader = store.reader()?;
    let env2 = spec.next_block_env(&block.header, block.header.timestamp + 1);
    let stale = vec![sign_1559(&alice, 0, TxKind::Call(bob), 1, Bytes::new(), 21_000)];
    let err = execute(&spec, &reader, &env2, stale.clone(), InvalidTxPolicy::Fail).unwrap_err();
    assert!(matches!(err, ExecutionError::TransactionRejected { .. }), "{err}");
    // ...and skipped when building.
    let built = execute(&spec, &reader, &env2, stale, InvalidTxPolicy::Skip)?;
    assert!(built.transactions.is_empty());
    assert_eq!(built.rejected.len(), 1);
    drop(reader);

    // Block 2: a plain transfer to the account without code that has storage keeps its
    // storage root (a transfer changes its record, not its storage).
    let reader = store.reader()?;
    let txs = vec![sign_1559(&alice, 3, TxKind::Call(contract), 5, Bytes::new(), 21_000)];
    let outcome = execute(&spec, &reader, &env2, txs, InvalidTxPolicy::Fail)?;
    drop(reader);
    let block2 = store.seal_block(&outcome, Bytes::new())?;
    let reader = store.reader()?;
    assert_eq!(reader.storage(contract, U256::ZERO)?, U256::from(0x2a));
    assert_eq!(full_root(&reader, &accounts, &storage), block2.header.state_root);
    assert_eq!(reader.state_root()?, block2.header.state_root);
    let proof = reader.proof(contract, &[B256::ZERO])?;
    assert_ne!(proof.account.storage_root, EMPTY_ROOT_HASH);
    drop(reader);

    // A block that does not extend the head is refused.
    let wrong = execute(
        &spec,
        &store.reader()?,
        &BlockEnv { number: 5, ..env2 },
        vec![],
        InvalidTxPolicy::Fail,
    )?;
    assert!(matches!(
        store.seal_block(&wrong, Bytes::new()),
        Err(ExecutionError::NotNextBlock { .. })
    ));

    // Reopening resumes at the same head with the same state.
    drop(store);
    let store = Store::open(&path)?;
    let again = store.init_genesis(&spec, &genesis, 0)?;
    assert_eq!(again.hash, genesis_block.hash);
    let reader = store.reader()?;
    assert_eq!(reader.head_header()?.hash_slow(), block2.hash);
    assert_eq!(reader.account(id(bob))?.unwrap().balance, U256::from(3_000));
    drop(reader);
    let other = ChainSpec { chain_id: CHAIN_ID + 1, ..spec };
    assert!(matches!(
        store.init_genesis(&other, &genesis, 0),
        Err(ExecutionError::ChainMismatch { .. })
    ));
    Ok(())
}

#[test]
fn storage_deletion_and_account_deletion_update_root() -> Result<(), ExecutionError> {
    // A contract that clears slot 0 when called: PUSH1 0 PUSH1 0 SSTORE STOP.
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("db"))?;
    let alice = PrivateKeySigner::random();
    let contract = Address::repeat_byte(0xcc);
    let mut slots = BTreeMap::new();
    slots.insert(B256::ZERO, B256::with_last_byte(7));
    slots.insert(B256::with_last_byte(1), B256::with_last_byte(9));
    let genesis = GenesisConfig {
        timestamp: 1,
        base_fee_per_gas: 1_000_000_000,
        fee_vault: Address::repeat_byte(0x42),
        alloc: [
            (
                alice.address(),
                GenesisAccount {
                    balance: U256::from(10u128.pow(20)),
                    nonce: 0,
                    code: None,
                    storage: BTreeMap::new(),
                },
            ),
            (
                contract,
                GenesisAccount {
                    balance: U256::ZERO,
                    nonce: 1,
                    code: Some(Bytes::from_static(&[0x60, 0x00, 0x60, 0x00, 0x55, 0x00])),
                    storage: slots,
                },
            ),
        ]
        .into(),
        extra_data: Bytes::new(),
        accounts: Default::default(),
    };
    let spec = spec(genesis.fee_vault);
    let g = store.init_genesis(&spec, &genesis, 1)?;
    let reader = store.reader()?;
    assert_eq!(reader.state_root()?, g.header.state_root);
    let env = spec.next_block_env(&g.header, 2);
    let tx = sign_1559(&alice, 0, TxKind::Call(contract), 0, Bytes::new(), 60_000);
    let outcome = execute(&spec, &reader, &env, vec![tx], InvalidTxPolicy::Fail)?;
    drop(reader);
    let block = store.seal_block(&outcome, Bytes::new())?;
    let reader = store.reader()?;
    assert_eq!(reader.storage(contract, U256::ZERO)?, U256::ZERO);
    assert_eq!(reader.storage(contract, U256::from(1))?, U256::from(9));
    let accounts = [alice.address(), contract, genesis.fee_vault];
    let storage: BTreeMap<_, _> = [(contract, vec![U256::ZERO, U256::from(1)])].into();
    assert_eq!(full_root(&reader, &accounts, &storage), block.header.state_root);
    assert_eq!(reader.state_root()?, block.header.state_root);
    Ok(())
}
