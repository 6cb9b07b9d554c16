//! The workloads of the parallel execution benchmark, built deterministically: a genesis
//! state held in memory and one block of signed EIP-1559 transactions on top of it.
//!
//! Shared by `benches/block_stm.rs` (criterion), `benches/block_stm_table.rs` (the one-run
//! table) and `tests/bench_workloads.rs` (parallel == sequential == the revm loop's gas, in CI),
//! each of which includes this file with `#[path]`.
//!
//! - `Transfers`: independent native transfers, distinct senders to distinct fresh recipients.
//! - `Erc20`: `Token.sol` transfers among `HOLDERS` holders whose balances are set in genesis
//!   storage (solc's layout: `balanceOf` is the mapping at slot 3).
//! - `HotCounter`: every transaction calls `Counter.increment()` on one contract (full conflict).
//! - `Swaps`: `Pool.swap` across `POOLS` constant-product pools, senders spread over the pools.
//!
//! The genesis loads both into revm's `InMemoryDB` (`CacheDB<EmptyDB>`, for the plain revm
//! loop) and into `MemState` (an in-memory `StateView`, for our executors), so every executor
//! starts from the same in-memory state. Signing and sender recovery happen when the block is
//! built, never inside a measurement.

#![allow(dead_code)]

use std::{collections::BTreeMap, sync::OnceLock};

use alloy_consensus::{SignableTransaction, TxEip1559, TxEnvelope};
use alloy_eips::eip2718::Encodable2718;
use alloy_network::TxSignerSync;
use alloy_primitives::{
    Address, B256, Bytes, KECCAK256_EMPTY, TxKind, U256, address, keccak256,
    map::{AddressMap, B256Map, HashMap},
};
use alloy_signer_local::Secp256k1Signer;
use execution::{
    AccountId, AccountState, BlockEnv, BlockOutcome, ChainSpec, ChainView, Engines, ExecutionError,
    StateView, Transaction,
    block::{InvalidTxPolicy, execute_block},
    evm::{EvmConfig, EvmTx, revm_block_env, tx_env},
    scheduler::{ParallelExecutor, SchedulerConfig},
    state::AccountData,
};
use rayon::prelude::*;
use revm::{
    Context, DatabaseRef, ExecuteCommitEvm, MainBuilder, MainContext, bytecode::Bytecode,
    database::InMemoryDB, state::AccountInfo,
};

/// Chain id of the benchmark chain.
pub(crate) const CHAIN_ID: u64 = 31337;
/// Holders of the token in the ERC-20 workload (also the most senders any block has).
pub(crate) const HOLDERS: usize = 10_000;
/// Pools of the swap workload.
pub(crate) const POOLS: usize = 4;
/// Base fee of the benchmark block (1 gwei).
pub(crate) const BASE_FEE: u64 = 1_000_000_000;
/// The fee vault: the block's beneficiary.
pub(crate) const FEE_VAULT: Address = address!("0x4200000000000000000000000000000000000011");
/// The `Token.sol` instance of the ERC-20 workload.
pub(crate) const TOKEN: Address = address!("0x7000000000000000000000000000000000000001");
/// The `Counter.sol` instance of the hot-counter workload.
pub(crate) const COUNTER: Address = address!("0x7000000000000000000000000000000000000002");

/// Native balance of every sender (10 ETH).
const SENDER_BALANCE: u128 = 10_000_000_000_000_000_000;
/// One whole token (18 decimals).
const TOKEN_UNIT: u128 = 1_000_000_000_000_000_000;

const TOKEN_ARTIFACT: &str =
    include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/contracts/out/Token.json"));
const COUNTER_ARTIFACT: &str =
    include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/contracts/out/Counter.json"));
const POOL_ARTIFACT: &str =
    include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/contracts/out/Pool.json"));

/// The runtime code of a committed solc artifact (`tests/contracts/out/*.json`).
fn deployed_code(artifact: &str) -> Bytes {
    let json: serde_json::Value = serde_json::from_str(artifact).expect("artifact is JSON");
    let hex = json["deployedBytecode"].as_str().expect("artifact has deployedBytecode");
    Bytes::from(alloy_primitives::hex::decode(hex).expect("deployedBytecode is hex"))
}

/// The `k`-th pool of the swap workload.
pub(crate) fn pool(k: usize) -> Address {
    let mut bytes = [0u8; 20];
    bytes[0] = 0x70;
    bytes[18] = 0x10;
    bytes[19] = k as u8;
    Address::from(bytes)
}

/// What a block's transactions do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Workload {
    /// Independent native transfers.
    Transfers,
    /// ERC-20 transfers among `HOLDERS` holders of one token.
    Erc20,
    /// One hot counter every transaction increments.
    HotCounter,
    /// Swaps across `POOLS` constant-product pools.
    Swaps,
}

impl Workload {
    /// All workloads, in the order of issue 4.
    pub(crate) const ALL: [Workload; 4] =
        [Workload::Transfers, Workload::Erc20, Workload::HotCounter, Workload::Swaps];

    /// Short name (benchmark ids, command-line filters).
    pub(crate) fn name(self) -> &'static str {
        match self {
            Workload::Transfers => "transfers",
            Workload::Erc20 => "erc20",
            Workload::HotCounter => "hot_counter",
            Workload::Swaps => "swaps",
        }
    }

    /// One-line description (the table).
    pub(crate) fn describe(self) -> &'static str {
        match self {
            Workload::Transfers => "(a) native transfers, independent",
            Workload::Erc20 => "(b) ERC-20 transfers, 10,000 holders",
            Workload::HotCounter => "(c) one hot counter (full conflict)",
            Workload::Swaps => "(d) swaps over 4 x*y=k pools",
        }
    }

    /// Issue 4's target for parallel at 2 threads against the plain revm loop.
    pub(crate) fn target_ratio(self) -> f64 {
        match self {
            Workload::Transfers => 1.4,
            Workload::Erc20 => 1.6,
            Workload::HotCounter => 0.9,
            Workload::Swaps => 1.2,
        }
    }

    /// The workload named `name`.
    pub(crate) fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|w| w.name() == name)
    }
}

/// splitmix64: a small deterministic generator, so every build of a block is the same.
#[derive(Debug, Clone)]
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// The `HOLDERS` deterministic keys every workload draws its senders from (libsecp256k1).
pub(crate) fn signers() -> &'static [Secp256k1Signer] {
    static SIGNERS: OnceLock<Vec<Secp256k1Signer>> = OnceLock::new();
    SIGNERS.get_or_init(|| {
        (0..HOLDERS)
            .into_par_iter()
            .map(|i| {
                let seed = keccak256(format!("manifold bench sender {i}"));
                Secp256k1Signer::from_bytes(&seed).expect("a keccak output is a valid key")
            })
            .collect()
    })
}

/// A fresh address nobody holds a key of (recipients of the transfer workload).
fn fresh_address(i: usize) -> Address {
    Address::from_word(keccak256(format!("manifold bench recipient {i}")))
}

/// Storage slot of `mapping(address => uint256)` entry `key` for a mapping at `slot` (solc:
/// keccak256 of the key and the slot, each padded to 32 bytes).
pub(crate) fn mapping_slot(key: Address, slot: u64) -> U256 {
    let mut preimage = [0u8; 64];
    preimage[12..32].copy_from_slice(key.as_slice());
    preimage[32..].copy_from_slice(&U256::from(slot).to_be_bytes::<32>());
    U256::from_be_bytes(keccak256(preimage).0)
}

/// A short (< 32 bytes) string as solc stores it in one slot: the bytes left-aligned and
/// twice the length in the last byte.
fn short_string(s: &str) -> U256 {
    assert!(s.len() < 32);
    let mut word = [0u8; 32];
    word[..s.len()].copy_from_slice(s.as_bytes());
    word[31] = (s.len() * 2) as u8;
    U256::from_be_bytes(word)
}

/// The 4-byte selector of a Solidity function signature.
fn selector(signature: &str) -> [u8; 4] {
    keccak256(signature)[..4].try_into().expect("4 bytes")
}

/// ABI calldata: the selector, then each argument as one 32-byte word.
fn calldata(signature: &str, words: &[U256]) -> Bytes {
    let mut data = selector(signature).to_vec();
    for word in words {
        data.extend_from_slice(&word.to_be_bytes::<32>());
    }
    data.into()
}

fn address_word(address: Address) -> U256 {
    U256::from_be_slice(address.as_slice())
}

/// One genesis account.
#[derive(Debug, Clone, Default)]
pub(crate) struct GenesisAccount {
    /// Native balance.
    pub(crate) balance: U256,
    /// Nonce.
    pub(crate) nonce: u64,
    /// Runtime code, if a contract.
    pub(crate) code: Option<Bytes>,
    /// Storage slots.
    pub(crate) storage: BTreeMap<U256, U256>,
}

/// The state a block executes on, before it is loaded into either database.
#[derive(Debug, Clone, Default)]
pub(crate) struct Genesis {
    /// Every account, by address.
    pub(crate) accounts: BTreeMap<Address, GenesisAccount>,
}

impl Genesis {
    fn fund(&mut self, address: Address) {
        self.accounts.entry(address).or_default().balance = U256::from(SENDER_BALANCE);
    }

    fn contract(&mut self, address: Address, code: Bytes) -> &mut GenesisAccount {
        let account = self.accounts.entry(address).or_default();
        account.nonce = 1;
        account.code = Some(code);
        account
    }

    /// The state as revm's in-memory database (the plain loop's).
    pub(crate) fn in_memory_db(&self) -> InMemoryDB {
        let mut db = InMemoryDB::default();
        for (address, account) in &self.accounts {
            let (code_hash, code) = match &account.code {
                Some(code) => (keccak256(code), Bytecode::new_raw(code.clone())),
                None => (KECCAK256_EMPTY, Bytecode::default()),
            };
            let info = AccountInfo {
                balance: account.balance,
                nonce: account.nonce,
                code_hash,
                code: Some(code),
                ..Default::default()
            };
            db.insert_account_info(*address, info);
            for (slot, value) in &account.storage {
                db.insert_account_storage(*address, *slot, *value).expect("in-memory insert");
            }
        }
        db
    }

    /// The state as an in-memory `StateView` (our executors').
    pub(crate) fn mem_state(&self) -> MemState {
        let mut state = MemState::default();
        for (address, account) in &self.accounts {
            let code_hash = match &account.code {
                Some(code) => {
                    let hash = keccak256(code);
                    state.code.insert(hash, code.clone());
                    hash
                }
                None => KECCAK256_EMPTY,
            };
            state.accounts.insert(
                *address,
                AccountState {
                    nonce: account.nonce,
                    balance: account.balance,
                    code_hash,
                    ..Default::default()
                },
            );
            for (slot, value) in &account.storage {
                state.storage.insert((*address, *slot), *value);
            }
        }
        state
    }
}

/// An in-memory `StateView`: the same data as the plain loop's `InMemoryDB`, read-only and
/// shared by all worker threads.
#[derive(Debug, Clone, Default)]
pub(crate) struct MemState {
    accounts: AddressMap<AccountState>,
    storage: HashMap<(Address, U256), U256>,
    code: B256Map<Bytes>,
}

impl StateView for MemState {
    fn account(&self, id: AccountId) -> Result<Option<AccountState>, ExecutionError> {
        Ok(id.evm_address().and_then(|address| self.accounts.get(&address).copied()))
    }

    fn account_data(&self, _id: AccountId) -> Result<Option<AccountData>, ExecutionError> {
        Ok(None)
    }

    fn storage(&self, address: Address, slot: U256) -> Result<U256, ExecutionError> {
        Ok(self.storage.get(&(address, slot)).copied().unwrap_or_default())
    }

    fn code(&self, code_hash: B256) -> Result<Option<Bytes>, ExecutionError> {
        Ok(self.code.get(&code_hash).cloned())
    }

    fn block_hash(&self, _number: u64) -> Result<Option<B256>, ExecutionError> {
        Ok(None)
    }
}

impl ChainView for MemState {
    fn block_number(&self, _hash: B256) -> Result<Option<u64>, ExecutionError> {
        Ok(None)
    }

    fn transaction_block(&self, _hash: B256) -> Result<Option<u64>, ExecutionError> {
        Ok(None)
    }
}

/// One benchmark block: its genesis, environment and recovered transactions.
#[derive(Debug, Clone)]
pub(crate) struct Block {
    /// What the transactions do.
    pub(crate) workload: Workload,
    /// The state it executes on.
    pub(crate) genesis: Genesis,
    /// The EVM configuration (revm's default spec, as the node's).
    pub(crate) config: EvmConfig,
    /// The block environment (its gas limit fits exactly the transactions' gas limits).
    pub(crate) env: BlockEnv,
    /// The transactions, senders recovered.
    pub(crate) txs: Vec<Transaction>,
    /// The chain's engines (the EVM).
    pub(crate) engines: Engines,
}

/// An unsigned transaction of the block: sender index, destination, value, calldata, gas.
struct Planned {
    sender: usize,
    to: Address,
    value: U256,
    input: Bytes,
    gas_limit: u64,
}

impl Block {
    /// The block of `n` transactions of `workload` (at most `HOLDERS`), with its genesis.
    pub(crate) fn build(workload: Workload, n: usize) -> Self {
        assert!(n <= HOLDERS, "at most {HOLDERS} transactions (one per sender)");
        let keys = signers();
        let mut genesis = Genesis::default();
        let mut rng = Rng(0x6d61_6e69_666f_6c64 ^ (workload as u64));
        let plan: Vec<Planned> = match workload {
            Workload::Transfers => (0..n)
                .map(|i| {
                    genesis.fund(keys[i].address());
                    Planned {
                        sender: i,
                        to: fresh_address(i),
                        value: U256::from(1_000_000_000u64 + i as u64),
                        input: Bytes::new(),
                        gas_limit: 21_000,
                    }
                })
                .collect(),
            Workload::Erc20 => {
                let per_holder = U256::from(1_000_000 * TOKEN_UNIT);
                let token = genesis.contract(TOKEN, deployed_code(TOKEN_ARTIFACT));
                token.storage.insert(U256::from(0), short_string("Bench Token"));
                token.storage.insert(U256::from(1), short_string("BNCH"));
                token.storage.insert(U256::from(2), per_holder * U256::from(HOLDERS));
                for key in keys {
                    token.storage.insert(mapping_slot(key.address(), 3), per_holder);
                }
                for key in keys {
                    genesis.fund(key.address());
                }
                (0..n)
                    .map(|i| {
                        let mut to = rng.below(HOLDERS as u64) as usize;
                        if to == i {
                            to = (to + 1) % HOLDERS;
                        }
                        let amount = U256::from((1 + rng.below(1_000) as u128) * TOKEN_UNIT);
                        Planned {
                            sender: i,
                            to: TOKEN,
                            value: U256::ZERO,
                            input: calldata(
                                "transfer(address,uint256)",
                                &[address_word(keys[to].address()), amount],
                            ),
                            gas_limit: 100_000,
                        }
                    })
                    .collect()
            }
            Workload::HotCounter => {
                genesis.contract(COUNTER, deployed_code(COUNTER_ARTIFACT));
                (0..n)
                    .map(|i| {
                        genesis.fund(keys[i].address());
                        Planned {
                            sender: i,
                            to: COUNTER,
                            value: U256::ZERO,
                            input: calldata("increment()", &[]),
                            gas_limit: 60_000,
                        }
                    })
                    .collect()
            }
            Workload::Swaps => {
                let reserve = U256::from(1_000_000 * TOKEN_UNIT);
                let user_balance = U256::from(1_000 * TOKEN_UNIT);
                let code = deployed_code(POOL_ARTIFACT);
                for k in 0..POOLS {
                    let reserves = &mut genesis.contract(pool(k), code.clone()).storage;
                    reserves.insert(U256::from(0), reserve);
                    reserves.insert(U256::from(1), reserve);
                }
                (0..n)
                    .map(|i| {
                        let sender = keys[i].address();
                        genesis.fund(sender);
                        let k = i % POOLS;
                        let balances =
                            &mut genesis.accounts.get_mut(&pool(k)).expect("in genesis").storage;
                        balances.insert(mapping_slot(sender, 2), user_balance);
                        balances.insert(mapping_slot(sender, 3), user_balance);
                        let zero_for_one = rng.below(2) == 0;
                        let amount_in = U256::from((1 + rng.below(100) as u128) * TOKEN_UNIT);
                        // Accept up to 10% below the input: the pools stay near 1:1.
                        let min_out = amount_in * U256::from(9) / U256::from(10);
                        Planned {
                            sender: i,
                            to: pool(k),
                            value: U256::ZERO,
                            input: calldata(
                                "swap(bool,uint256,uint256)",
                                &[U256::from(zero_for_one as u8), amount_in, min_out],
                            ),
                            gas_limit: 120_000,
                        }
                    })
                    .collect()
            }
        };
        genesis.accounts.entry(FEE_VAULT).or_default();

        // Sign, then recover the senders as admission does (once, in parallel): not timed.
        let raws: Vec<Bytes> = plan
            .par_iter()
            .map(|p| {
                let mut tx = TxEip1559 {
                    chain_id: CHAIN_ID,
                    nonce: 0,
                    gas_limit: p.gas_limit,
                    max_fee_per_gas: 2 * BASE_FEE as u128,
                    max_priority_fee_per_gas: 1_000_000,
                    to: TxKind::Call(p.to),
                    value: p.value,
                    input: p.input.clone(),
                    ..Default::default()
                };
                let sig = keys[p.sender].sign_transaction_sync(&mut tx).expect("signing");
                let envelope: TxEnvelope = tx.into_signed(sig).into();
                Bytes::from(envelope.encoded_2718())
            })
            .collect();
        let txs: Vec<EvmTx> = EvmTx::decode_batch(&raws)
            .into_iter()
            .zip(&plan)
            .map(|(tx, p)| {
                let tx = tx.expect("a transaction we signed decodes");
                assert_eq!(tx.sender, keys[p.sender].address());
                tx
            })
            .collect();

        let gas_limit = txs.iter().map(EvmTx::gas_limit).sum();
        let env = BlockEnv {
            number: 1,
            timestamp: 1_700_000_000,
            parent_hash: B256::repeat_byte(0x11),
            gas_limit,
            base_fee_per_gas: BASE_FEE,
            beneficiary: FEE_VAULT,
            prevrandao: B256::repeat_byte(0x11),
        };
        let spec = ChainSpec {
            chain_id: CHAIN_ID,
            evm_spec: Default::default(),
            block_gas_limit: gas_limit,
            fee_vault: FEE_VAULT,
        };
        let txs = txs.into_iter().map(Transaction::Evm).collect();
        let engines = Engines::new(&spec);
        Self { workload, genesis, config: spec.evm(), env, txs, engines }
    }

    /// Number of transactions.
    pub(crate) fn len(&self) -> usize {
        self.txs.len()
    }
}

/// What the plain revm loop produced.
#[derive(Debug)]
pub(crate) struct RevmLoopOutcome {
    /// Total gas used.
    pub(crate) gas_used: u64,
    /// Transactions that succeeded (status 1).
    pub(crate) succeeded: usize,
}

/// The baseline any node without a scheduler has: ONE revm mainnet EVM (same spec, same block
/// environment as our executors) and `transact_commit` per transaction, in block order, over
/// revm's in-memory database. Fees are paid as revm pays them (priority fee to the
/// beneficiary inside each transaction, base fee burned).
pub(crate) fn revm_loop(db: &mut InMemoryDB, block: &Block) -> RevmLoopOutcome {
    let mut evm = Context::mainnet()
        .with_db(db)
        .with_cfg(block.config.cfg_env())
        .with_block(revm_block_env(&block.env))
        .build_mainnet();
    let mut outcome = RevmLoopOutcome { gas_used: 0, succeeded: 0 };
    for tx in &block.txs {
        let tx = tx.as_evm().expect("EVM transactions");
        let result = evm.transact_commit(tx_env(tx)).expect("a benchmark transaction is valid");
        outcome.gas_used += result.tx_gas_used();
        outcome.succeeded += usize::from(result.is_success());
    }
    outcome
}

/// Our block executor on `state`, one worker (the sequential case).
pub(crate) fn sequential(state: &MemState, block: &Block, txs: Vec<Transaction>) -> BlockOutcome {
    let mut scheduler = ParallelExecutor::sequential();
    execute_block(&block.engines, &block.env, state, txs, InvalidTxPolicy::Fail, &mut scheduler)
        .expect("sequential execution")
        .outcome
}

/// Our block executor on `state` with `threads` workers (the strategy chosen per block, as a
/// fresh node chooses it).
pub(crate) fn parallel(
    state: &MemState,
    block: &Block,
    txs: Vec<Transaction>,
    threads: usize,
) -> BlockOutcome {
    let mut scheduler =
        ParallelExecutor::new(SchedulerConfig { threads, ..SchedulerConfig::default() });
    execute_block(&block.engines, &block.env, state, txs, InvalidTxPolicy::Fail, &mut scheduler)
        .expect("parallel execution")
        .outcome
}

/// Checks an outcome of ours: every transaction included and successful, and the same gas as
/// the plain loop's.
pub(crate) fn check_outcome(
    block: &Block,
    outcome: &BlockOutcome,
    revm: &RevmLoopOutcome,
) -> Result<(), String> {
    if !outcome.rejected.is_empty() {
        return Err(format!("{} transactions rejected", outcome.rejected.len()));
    }
    if outcome.transactions.len() != block.len() {
        return Err(format!(
            "{} included of {} transactions",
            outcome.transactions.len(),
            block.len()
        ));
    }
    let failed = outcome
        .transactions
        .iter()
        .filter(|i| !i.result.output.as_evm().is_some_and(|o| o.success))
        .count();
    if failed > 0 {
        return Err(format!("{failed} transactions failed (status 0)"));
    }
    if revm.succeeded != block.len() {
        return Err(format!("revm loop: {} of {} succeeded", revm.succeeded, block.len()));
    }
    if outcome.gas_used != revm.gas_used {
        return Err(format!("gas used {} != the revm loop's {}", outcome.gas_used, revm.gas_used));
    }
    Ok(())
}

/// Checks that two outcomes of ours are the same block: write set, receipts, gas.
pub(crate) fn check_same(expected: &BlockOutcome, got: &BlockOutcome) -> Result<(), String> {
    if got.changes != expected.changes {
        return Err("state changes differ".into());
    }
    if got.transactions != expected.transactions {
        return Err("transactions or their results differ".into());
    }
    if got.gas_used != expected.gas_used {
        return Err(format!("gas used {} != {}", got.gas_used, expected.gas_used));
    }
    Ok(())
}

/// Checks our outcome's state against the plain loop's database, both ways, account by account
/// and slot by slot. The fee vault differs by design (revm burns the base fee; we credit all
/// fees to the vault at block end): ours must hold exactly the block's base fees more.
pub(crate) fn check_state_against_revm(
    block: &Block,
    state: &MemState,
    outcome: &BlockOutcome,
    db: &InMemoryDB,
) -> Result<(), String> {
    let changes = &outcome.changes;
    let account_of = |address: Address| -> (u64, U256, B256) {
        let id = AccountId::from(address);
        let a = match changes.accounts.get(&id) {
            Some(change) => change.account,
            None => state.account(id).expect("in memory"),
        }
        .unwrap_or_default();
        (a.nonce, a.balance, a.code_hash)
    };
    let revm_account_of = |address: Address| -> (u64, U256, B256) {
        let a = db.basic_ref(address).expect("in memory").unwrap_or_default();
        (a.nonce, a.balance, a.code_hash)
    };
    let compare = |address: Address, slot: U256| -> Result<(), String> {
        let change = changes.accounts.get(&AccountId::from(address));
        let mine = match change.and_then(|c| c.storage.get(&slot)) {
            Some(value) => *value,
            None if change.is_some_and(|c| c.storage_cleared) => U256::ZERO,
            None => StateView::storage(state, address, slot).expect("in memory"),
        };
        let theirs = db.storage_ref(address, slot).expect("in memory");
        if mine != theirs {
            return Err(format!("{address} slot {slot}: ours {mine}, revm {theirs}"));
        }
        Ok(())
    };
    // Every account and slot revm wrote...
    for (address, account) in &db.cache.accounts {
        if *address != FEE_VAULT && account_of(*address) != revm_account_of(*address) {
            return Err(format!(
                "{address}: ours {:?}, revm {:?}",
                account_of(*address),
                revm_account_of(*address)
            ));
        }
        for slot in account.storage.keys() {
            compare(*address, *slot)?;
        }
    }
    // ...and every account and slot we wrote.
    for (id, change) in &outcome.changes.accounts {
        let address = id.evm_address().ok_or("a non-EVM account was written")?;
        if address != FEE_VAULT && account_of(address) != revm_account_of(address) {
            return Err(format!("{address} differs from revm's"));
        }
        for slot in change.storage.keys() {
            compare(address, *slot)?;
        }
    }
    let base_fees = U256::from(block.env.base_fee_per_gas) * U256::from(outcome.gas_used);
    let (vault_ours, vault_revm) = (account_of(FEE_VAULT).1, revm_account_of(FEE_VAULT).1);
    if vault_ours != vault_revm + base_fees {
        return Err(format!(
            "fee vault: ours {vault_ours}, revm {vault_revm} + base fees {base_fees}"
        ));
    }
    Ok(())
}
