//! Parallel == sequential with Solana transactions in the block: random blocks mixing the EVM
//! transactions of the parent module's generator (value transfers to hot recipients and to
//! other senders, counter and self-calling contract calls, reverts, out-of-gas) with Solana
//! transactions run by agave's runtime — SOL transfers among a few keypairs (so they conflict),
//! SOL sent to EVM senders' account ids (1 lamport = 1 gwei, spent by the same senders' EVM
//! transactions), SPL Token transfers among the token accounts of one mint, and failing ones:
//! SOL or tokens beyond the balance (executed, fee paid), a payer that does not exist (left
//! out). Every block runs once sequentially (the reference) and under Block-STM and declared
//! access at 2 and 4 threads; the sealed blocks (state root, receipts, compute units, gas,
//! block hash), write sets and rejections must be equal. Blocks of Solana transactions only
//! must also be planned from their declared accounts when declared access is forced.
//!
//! EVM transactions that call Solana programs through the Solana precompile are in the mix
//! too: SOL from an EVM sender's own account (its EVM balance) to a payer, SPL tokens from
//! the token account an EVM sender's Solana address owns (more than it holds, at times:
//! then the call reverts), a transfer signed for an account the sender does not own
//! (refused), and a contract whose call into Solana succeeds before the contract reverts
//! (every change undone with it).

use std::{collections::BTreeMap, sync::OnceLock};

use alloy_primitives::{Address, B256, Bytes, U256};
use node_config::{GenesisAccount, GenesisConfig, GenesisIdAccount};
use proptest::{prelude::*, test_runner::TestCaseError};
use solana_instruction::{AccountMeta, Instruction};
use solana_keypair::Keypair;
use solana_message::{Message, VersionedMessage};
use solana_signer::Signer;
use svm::types::{Hash, Pubkey, VersionedTransaction};

use super::{
    COUNTER, Kind, REVERTER, SELF_CALLER, SENDERS, counter, reverter, self_caller, signer, spec,
};
use crate::cross_vm::{SOLANA_CALL, SolanaAccountMeta, invokeCall, solana_address};
use crate::{
    AccountId, BlockEnv, BlockOutcome, EngineKind, EngineOutput, Engines, ExecutedBlock,
    ExecutionError, Rejection, SealOptions, SealedBlock, Store, Transaction,
    block::{InvalidTxPolicy, execute_block},
    scheduler::{ParallelExecutor, SchedulerConfig, Strategy as Plan},
    state::native_token,
    svm::SvmEngine,
};
use alloy_sol_types::{SolCall, SolError};

/// Solana keypairs that pay and own one token account each; the last one is poor.
const PAYERS: usize = 4;
/// Lamports of every payer but the last.
const RICH: u64 = 10_000_000_000;
/// Lamports of the last payer: a few fees, not a rent-exempt balance.
const POOR: u64 = 40_000;
/// Tokens in each token account at genesis.
const TOKENS: u64 = 1_000;
/// Lamports of a token account or the mint (rent-exempt at 165 bytes and more).
const TOKEN_ACCOUNT_LAMPORTS: u64 = 10_000_000;
const MINT_SIZE: usize = 82;

/// A contract that forwards its calldata to the Solana precompile, then reverts with the
/// call's success flag: `CALLDATACOPY(0, 0, CALLDATASIZE)`,
/// `MSTORE(0, CALL(GAS, SOLANA_CALL, 0, 0, CALLDATASIZE, 0, 0))`, `REVERT(0, 32)`.
const SOLANA_THEN_REVERT: &[u8] = &[
    0x36, 0x60, 0x00, 0x60, 0x00, 0x37, 0x60, 0x00, 0x60, 0x00, 0x36, 0x60, 0x00, 0x60, 0x00, 0x61,
    0x05, 0x00, 0x5a, 0xf1, 0x60, 0x00, 0x52, 0x60, 0x20, 0x60, 0x00, 0xfd,
];

/// A WebAssembly (Stylus) program that forwards its calldata to the Solana precompile with
/// `call_contract` and returns the call's status byte (0: success).
const WASM_TO_SOLANA: &str = r#"(module
  (import "vm_hooks" "read_args" (func $read_args (param i32)))
  (import "vm_hooks" "write_result" (func $write_result (param i32 i32)))
  (import "vm_hooks" "call_contract" (func $call (param i32 i32 i32 i32 i64 i32) (result i32)))
  (memory (export "memory") 2)
  (data (i32.const 0) "\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\05\00")
  (func (export "user_entrypoint") (param $len i32) (result i32)
    (call $read_args (i32.const 1024))
    (i32.store8 (i32.const 300)
      (call $call (i32.const 0) (i32.const 1024) (local.get $len) (i32.const 100)
        (i64.const 1000000) (i32.const 200)))
    (call $write_result (i32.const 300) (i32.const 1))
    (i32.const 0)))"#;

/// Where `WASM_TO_SOLANA` is deployed (with 1 ETH, so that its Solana address can pay).
fn wasm_to_solana() -> Address {
    Address::repeat_byte(0x5f)
}

/// Where `SOLANA_THEN_REVERT` is deployed (with 1 ETH, so that its Solana address can pay).
fn solana_then_revert() -> Address {
    Address::repeat_byte(0x5e)
}

fn keypair(seed: u8) -> Keypair {
    Keypair::new_from_array([seed; 32])
}

/// The SPL Token program's packed `Mint`: authority, supply, decimals, initialized, no freeze
/// authority.
fn mint_data(authority: &Pubkey, supply: u64) -> Vec<u8> {
    let mut data = Vec::with_capacity(MINT_SIZE);
    data.extend_from_slice(&1u32.to_le_bytes());
    data.extend_from_slice(authority.as_ref());
    data.extend_from_slice(&supply.to_le_bytes());
    data.extend_from_slice(&[0, 1]);
    data.extend_from_slice(&[0; 36]);
    data
}

/// The SPL Token program's packed `Account`: initialized, no delegate, not native, no close
/// authority.
fn token_account_data(mint: &Pubkey, owner: &Pubkey, amount: u64) -> Vec<u8> {
    let mut data = Vec::with_capacity(165);
    data.extend_from_slice(mint.as_ref());
    data.extend_from_slice(owner.as_ref());
    data.extend_from_slice(&amount.to_le_bytes());
    data.extend_from_slice(&[0; 36]);
    data.push(1);
    data.extend_from_slice(&[0; 12 + 8 + 36]);
    data
}

/// SPL Token `Transfer` (tag 3) of `amount` from `from` to `to`, signed by `owner`.
fn token_transfer(from: &Pubkey, to: &Pubkey, owner: &Pubkey, amount: u64) -> Instruction {
    let mut data = vec![3];
    data.extend_from_slice(&amount.to_le_bytes());
    let accounts = vec![
        AccountMeta::new(*from, false),
        AccountMeta::new(*to, false),
        AccountMeta::new_readonly(*owner, true),
    ];
    Instruction { program_id: svm::TOKEN, accounts, data }
}

struct Fixture {
    _dir: tempfile::TempDir,
    store: Store,
    genesis: B256,
    engines: Engines,
    payers: Vec<Keypair>,
    /// Token account `i` is owned by payer `i`.
    token_accounts: Vec<Pubkey>,
    /// Token account `i` is owned by EVM sender `i`'s Solana address.
    evm_token_accounts: Vec<Pubkey>,
}

fn wei(lamports: u64) -> U256 {
    native_token::wei(lamports)
}

fn solana_account(lamports: u64, owner: Option<&Pubkey>, data: Vec<u8>) -> GenesisIdAccount {
    GenesisIdAccount {
        balance: wei(lamports),
        owner: owner.map(|o| B256::from(o.to_bytes())),
        executable: false,
        data: data.into(),
    }
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path().join("db")).unwrap();
        // The EVM side of the parent module's fixture: its senders and contracts.
        let mut alloc: BTreeMap<Address, GenesisAccount> = (0..SENDERS)
            .map(|i| {
                let account = GenesisAccount {
                    balance: U256::from(10u128.pow(21)),
                    nonce: 0,
                    code: None,
                    storage: BTreeMap::new(),
                };
                (signer(i).address(), account)
            })
            .collect();
        for (address, code) in
            [(counter(), COUNTER), (reverter(), REVERTER), (self_caller(), SELF_CALLER)]
        {
            let account = GenesisAccount {
                balance: U256::ZERO,
                nonce: 1,
                code: Some(Bytes::from_static(code)),
                storage: BTreeMap::new(),
            };
            alloc.insert(address, account);
        }
        let account = GenesisAccount {
            balance: U256::from(10u128.pow(18)),
            nonce: 1,
            code: Some(Bytes::from_static(SOLANA_THEN_REVERT)),
            storage: BTreeMap::new(),
        };
        alloc.insert(solana_then_revert(), account);
        let program = crate::wasm::encode_program(&wat::parse_str(WASM_TO_SOLANA).unwrap());
        let account = GenesisAccount {
            balance: U256::from(10u128.pow(18)),
            nonce: 1,
            code: Some(Bytes::from(program)),
            storage: BTreeMap::new(),
        };
        alloc.insert(wasm_to_solana(), account);
        // The Solana side: payers, one mint, one token account per payer.
        let payers: Vec<Keypair> = (0..PAYERS as u8).map(|i| keypair(0x10 + i)).collect();
        let mint = keypair(0x30).pubkey();
        let token_accounts: Vec<Pubkey> =
            (0..PAYERS as u8).map(|i| keypair(0x40 + i).pubkey()).collect();
        let key = |k: &Pubkey| B256::from(k.to_bytes());
        let mut accounts = BTreeMap::new();
        for (i, payer) in payers.iter().enumerate() {
            let lamports = if i + 1 == PAYERS { POOR } else { RICH };
            accounts.insert(key(&payer.pubkey()), solana_account(lamports, None, Vec::new()));
            let data = token_account_data(&mint, &payer.pubkey(), TOKENS);
            let account = solana_account(TOKEN_ACCOUNT_LAMPORTS, Some(&svm::TOKEN), data);
            accounts.insert(key(&token_accounts[i]), account);
        }
        let evm_token_accounts: Vec<Pubkey> =
            (0..SENDERS as u8).map(|i| keypair(0x50 + i).pubkey()).collect();
        for (i, account) in evm_token_accounts.iter().enumerate() {
            let data = token_account_data(&mint, &solana_address(signer(i).address()), TOKENS);
            let token = solana_account(TOKEN_ACCOUNT_LAMPORTS, Some(&svm::TOKEN), data);
            accounts.insert(key(account), token);
        }
        let supply = TOKENS * (PAYERS + SENDERS) as u64;
        let data = mint_data(&payers[0].pubkey(), supply);
        accounts
            .insert(key(&mint), solana_account(TOKEN_ACCOUNT_LAMPORTS, Some(&svm::TOKEN), data));
        let genesis = GenesisConfig {
            timestamp: 1,
            base_fee_per_gas: 1_000_000_000,
            fee_vault: Address::repeat_byte(0x42),
            alloc,
            extra_data: Bytes::new(),
            accounts,
        };
        let block = store.init_genesis(&spec(), &genesis, 1).unwrap();
        let engines = Engines::new(&spec()).with_svm(SvmEngine::new().unwrap());
        Fixture {
            _dir: dir,
            store,
            genesis: block.hash,
            engines,
            payers,
            token_accounts,
            evm_token_accounts,
        }
    })
}

/// Block 1 on top of the fixture's genesis.
fn block_env(f: &Fixture) -> BlockEnv {
    let genesis = f.store.reader().unwrap().header(0).unwrap().unwrap();
    spec().next_block_env(&genesis, 2)
}

/// What one generated Solana transaction does.
#[derive(Debug, Clone)]
enum SvmKind {
    /// SOL from payer `from` to payer `to`.
    Sol { from: usize, to: usize, lamports: u64 },
    /// SOL from payer `from` to EVM sender `to`'s account id.
    SolToEvm { from: usize, to: usize, lamports: u64 },
    /// Tokens from payer `from`'s token account to payer `to`'s (more than it holds, at times).
    Token { from: usize, to: usize, amount: u64 },
    /// More SOL than payer `from` has: executed, failed, its fee paid.
    Overdraw { from: usize },
    /// Paid by a keypair without an account: left out.
    Unfunded { lamports: u64 },
}

/// What one generated EVM transaction that calls Solana through the precompile does.
#[derive(Debug, Clone)]
enum CrossKind {
    /// SOL from EVM sender `sender`'s own Solana address to payer `to`.
    Sol { sender: usize, to: usize, lamports: u64 },
    /// Tokens from EVM sender `sender`'s token account to payer `to`'s (more than it holds,
    /// at times: the call reverts).
    Token { sender: usize, to: usize, amount: u64 },
    /// EVM sender `sender` signs a transfer from payer `from`: refused.
    Steal { sender: usize, from: usize },
    /// `SOLANA_THEN_REVERT` pays payer `to` from its Solana address, then reverts.
    Reverted { sender: usize, to: usize, lamports: u64 },
    /// The WebAssembly program `WASM_TO_SOLANA` pays payer `to` from its Solana address.
    FromWasm { sender: usize, to: usize, lamports: u64 },
}

/// One transaction of a generated block.
#[derive(Debug, Clone)]
enum Step {
    /// An EVM transaction of the parent module's generator: sender, kind, value.
    Evm(usize, Kind, u64),
    Svm(SvmKind),
    /// An EVM transaction that calls Solana.
    Cross(CrossKind),
}

/// EVM value transfers and contract calls of the parent module's generator.
fn evm_kind() -> impl Strategy<Value = Kind> {
    prop_oneof![
        3 => (0u8..4).prop_map(Kind::Transfer),
        2 => (0..SENDERS).prop_map(Kind::ToSender),
        2 => Just(Kind::Counter),
        1 => Just(Kind::PayCounter),
        1 => Just(Kind::SelfCall),
        1 => Just(Kind::Revert),
        1 => Just(Kind::OutOfGas),
    ]
}

fn svm_kind() -> impl Strategy<Value = SvmKind> {
    let payer = || 0..PAYERS;
    prop_oneof![
        3 => (payer(), payer(), 1u64..2_000_000)
            .prop_map(|(from, to, lamports)| SvmKind::Sol { from, to, lamports }),
        2 => (payer(), 0..SENDERS, 1u64..2_000_000)
            .prop_map(|(from, to, lamports)| SvmKind::SolToEvm { from, to, lamports }),
        4 => (payer(), payer(), 1u64..700)
            .prop_map(|(from, to, amount)| SvmKind::Token { from, to, amount }),
        1 => payer().prop_map(|from| SvmKind::Overdraw { from }),
        1 => (1u64..1_000).prop_map(|lamports| SvmKind::Unfunded { lamports }),
    ]
}

fn cross_kind() -> impl Strategy<Value = CrossKind> {
    let payer = || 0..PAYERS;
    prop_oneof![
        2 => (0..SENDERS, payer(), 1u64..2_000_000)
            .prop_map(|(sender, to, lamports)| CrossKind::Sol { sender, to, lamports }),
        3 => (0..SENDERS, payer(), 1u64..700)
            .prop_map(|(sender, to, amount)| CrossKind::Token { sender, to, amount }),
        1 => (0..SENDERS, payer()).prop_map(|(sender, from)| CrossKind::Steal { sender, from }),
        1 => (0..SENDERS, payer(), 1u64..2_000_000)
            .prop_map(|(sender, to, lamports)| CrossKind::Reverted { sender, to, lamports }),
        1 => (0..SENDERS, payer(), 1u64..2_000_000)
            .prop_map(|(sender, to, lamports)| CrossKind::FromWasm { sender, to, lamports }),
    ]
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        2 => (0..SENDERS, evm_kind(), 0u64..1_000)
            .prop_map(|(sender, kind, value)| Step::Evm(sender, kind, value)),
        2 => svm_kind().prop_map(Step::Svm),
        1 => cross_kind().prop_map(Step::Cross),
    ]
}

/// The precompile's calldata for `instruction`.
fn invoke(instruction: &Instruction) -> Vec<u8> {
    let accounts = instruction
        .accounts
        .iter()
        .map(|meta| SolanaAccountMeta {
            pubkey: B256::from(meta.pubkey.to_bytes()),
            isSigner: meta.is_signer,
            isWritable: meta.is_writable,
        })
        .collect();
    let call = invokeCall {
        programId: B256::from(instruction.program_id.to_bytes()),
        accounts,
        data: instruction.data.clone().into(),
    };
    call.abi_encode()
}

/// The EVM transaction step of `kind`: sender, what it calls.
fn build_cross(f: &Fixture, kind: &CrossKind) -> (usize, Kind) {
    let pubkey = |i: usize| f.payers[i].pubkey();
    let call = |instruction: Instruction| Kind::Call {
        to: SOLANA_CALL,
        gas: 200_000,
        input: invoke(&instruction),
    };
    match kind {
        CrossKind::Sol { sender, to, lamports } => {
            let from = solana_address(signer(*sender).address());
            (*sender, call(sol_transfer(&from, &pubkey(*to), *lamports)))
        }
        CrossKind::Token { sender, to, amount } => {
            let owner = solana_address(signer(*sender).address());
            let (source, destination) = (&f.evm_token_accounts[*sender], &f.token_accounts[*to]);
            (*sender, call(token_transfer(source, destination, &owner, *amount)))
        }
        CrossKind::Steal { sender, from } => {
            (*sender, call(sol_transfer(&pubkey(*from), &pubkey((from + 1) % PAYERS), 1_000)))
        }
        CrossKind::Reverted { sender, to, lamports } => {
            let from = solana_address(solana_then_revert());
            let input = invoke(&sol_transfer(&from, &pubkey(*to), *lamports));
            (*sender, Kind::Call { to: solana_then_revert(), gas: 200_000, input })
        }
        CrossKind::FromWasm { sender, to, lamports } => {
            let from = solana_address(wasm_to_solana());
            let input = invoke(&sol_transfer(&from, &pubkey(*to), *lamports));
            (*sender, Kind::Call { to: wasm_to_solana(), gas: 300_000, input })
        }
    }
}

/// A Solana transaction of the chain, as admission decodes and verifies it.
fn solana_tx(f: &Fixture, instructions: &[Instruction], payer: &Keypair) -> Transaction {
    let blockhash = Hash::new_from_array(f.genesis.0);
    let message = Message::new_with_blockhash(instructions, Some(&payer.pubkey()), &blockhash);
    let tx = VersionedTransaction::try_new(VersionedMessage::Legacy(message), &[payer]).unwrap();
    f.engines.decode(EngineKind::Svm, &bincode::serialize(&tx).unwrap()).unwrap()
}

fn sol_transfer(from: &Pubkey, to: &Pubkey, lamports: u64) -> Instruction {
    solana_system_interface::instruction::transfer(from, to, lamports)
}

fn build_svm(f: &Fixture, kind: &SvmKind) -> Transaction {
    let pubkey = |i: usize| f.payers[i].pubkey();
    match kind {
        SvmKind::Sol { from, to, lamports } => {
            solana_tx(f, &[sol_transfer(&pubkey(*from), &pubkey(*to), *lamports)], &f.payers[*from])
        }
        SvmKind::SolToEvm { from, to, lamports } => {
            let id = AccountId::from(signer(*to).address());
            let to = Pubkey::new_from_array(*id.as_bytes());
            solana_tx(f, &[sol_transfer(&pubkey(*from), &to, *lamports)], &f.payers[*from])
        }
        SvmKind::Token { from, to, amount } => {
            let (source, destination) = (&f.token_accounts[*from], &f.token_accounts[*to]);
            let ix = token_transfer(source, destination, &pubkey(*from), *amount);
            solana_tx(f, &[ix], &f.payers[*from])
        }
        SvmKind::Overdraw { from } => {
            let ix = sol_transfer(&pubkey(*from), &pubkey((from + 1) % PAYERS), RICH * 10);
            solana_tx(f, &[ix], &f.payers[*from])
        }
        SvmKind::Unfunded { lamports } => {
            let nobody = keypair(0x66);
            solana_tx(f, &[sol_transfer(&nobody.pubkey(), &pubkey(0), *lamports)], &nobody)
        }
    }
}

/// The block of `steps`, in order (the EVM ones signed by the parent module's generator).
fn build(steps: &[Step]) -> Vec<Transaction> {
    let f = fixture();
    let evm_plan: Vec<(usize, Kind, u64)> = steps
        .iter()
        .filter_map(|s| match s {
            Step::Evm(sender, kind, value) => Some((*sender, kind.clone(), *value)),
            Step::Cross(kind) => {
                let (sender, kind) = build_cross(f, kind);
                Some((sender, kind, 0))
            }
            Step::Svm(_) => None,
        })
        .collect();
    let mut evm = super::build(&evm_plan).into_iter();
    steps
        .iter()
        .map(|s| match s {
            Step::Evm(..) | Step::Cross(_) => evm.next().expect("one EVM transaction per step"),
            Step::Svm(kind) => build_svm(f, kind),
        })
        .collect()
}

fn run(executor: &mut ParallelExecutor, txs: &[Transaction]) -> ExecutedBlock {
    let f = fixture();
    let reader = f.store.reader().unwrap();
    execute_block(&f.engines, &block_env(f), &reader, txs.to_vec(), InvalidTxPolicy::Skip, executor)
        .unwrap()
}

/// `outcome` sealed on the fixture's genesis — state root, receipts, header — without
/// committing it (the check aborts the write transaction).
fn seal(outcome: &BlockOutcome) -> SealedBlock {
    let f = fixture();
    let mut sealed = None;
    let options = SealOptions::default().non_durable();
    let aborted = f.store.seal_block_with(outcome, Bytes::new(), options, |block| {
        sealed = Some(block.clone());
        Err(ExecutionError::Invariant("dry run: not committed".into()))
    });
    assert!(aborted.is_err(), "a dry run commits nothing");
    sealed.expect("the block was sealed before the check")
}

/// Block-STM and declared access, each forced at 2 and 4 threads.
fn executors() -> Vec<(String, ParallelExecutor)> {
    let mut executors = Vec::new();
    for threads in [2, 4] {
        for (name, plan) in [("block-stm", Plan::Optimistic), ("declared", Plan::Declared)] {
            let config = SchedulerConfig {
                threads,
                force: Some(plan),
                max_waste: f64::INFINITY,
                ..SchedulerConfig::default()
            };
            executors.push((format!("{name}@{threads}"), ParallelExecutor::new(config)));
        }
    }
    executors
}

/// Runs `txs` sequentially and under every executor; returns the sequential outcome. With
/// `all_declare` (every transaction declares its access), the declared executors must have
/// run the block from its declarations.
fn check_block(txs: &[Transaction], all_declare: bool) -> Result<BlockOutcome, TestCaseError> {
    let expected = run(&mut ParallelExecutor::sequential(), txs).outcome;
    prop_assert_eq!(expected.transactions.len() + expected.rejected.len(), txs.len());
    let expected_block = seal(&expected);
    let prechecked =
        expected.rejected.iter().filter(|(_, r)| matches!(r, Rejection::Duplicate)).count();
    let units = |o: &BlockOutcome| o.transactions.iter().map(|i| i.result.used).collect::<Vec<_>>();
    let rejected = |o: &BlockOutcome| {
        o.rejected.iter().map(|(t, r)| (t.hash(), r.clone())).collect::<Vec<_>>()
    };
    for (name, mut executor) in executors() {
        let block = run(&mut executor, txs);
        if name.starts_with("block-stm") {
            prop_assert_eq!(block.report.strategy, Plan::Optimistic);
            prop_assert_eq!(
                block.report.parallel_txs,
                txs.len() - prechecked,
                "{:?}",
                block.report
            );
        }
        if all_declare && name.starts_with("declared") {
            prop_assert_eq!(block.report.strategy, Plan::Declared, "{:?}", block.report);
        }
        let got = block.outcome;
        prop_assert_eq!(&got.changes, &expected.changes, "write set under {}", name);
        prop_assert_eq!(&got.transactions, &expected.transactions, "results under {}", name);
        prop_assert_eq!(units(&got), units(&expected), "gas / compute units under {}", name);
        prop_assert_eq!(got.gas_used, expected.gas_used, "gas under {}", name);
        prop_assert_eq!(rejected(&got), rejected(&expected), "rejections under {}", name);
        let sealed = seal(&got);
        let root = sealed.header.state_root;
        prop_assert_eq!(root, expected_block.header.state_root, "state root under {}", name);
        prop_assert_eq!(&sealed.receipts, &expected_block.receipts, "receipts under {}", name);
        prop_assert_eq!(sealed.hash, expected_block.hash, "block hash under {}", name);
    }
    Ok(expected)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn mixed_evm_and_svm_blocks_equal_sequential(
        steps in proptest::collection::vec(step(), 2..32)
    ) {
        check_block(&build(&steps), false)?;
    }

    #[test]
    fn solana_blocks_run_from_their_declarations_and_equal_sequential(
        kinds in proptest::collection::vec(svm_kind(), 2..32)
    ) {
        // Every Solana transaction declares its accounts: declared access plans the block.
        let steps: Vec<Step> = kinds.into_iter().map(Step::Svm).collect();
        check_block(&build(&steps), true)?;
    }
}

/// The tokens in token account `i` after `outcome` (genesis amount if it did not change).
fn tokens(outcome: &BlockOutcome, i: usize) -> u64 {
    token_amount(outcome, &fixture().token_accounts[i])
}

/// The tokens in token account `account` after `outcome`.
fn token_amount(outcome: &BlockOutcome, account: &Pubkey) -> u64 {
    let id = AccountId::from(account.to_bytes());
    match outcome.changes.data.get(&id) {
        Some(Some(data)) => u64::from_le_bytes(data.data[64..72].try_into().unwrap()),
        Some(None) => panic!("token account {account} removed"),
        None => TOKENS,
    }
}

fn svm_success(outcome: &BlockOutcome) -> Vec<bool> {
    outcome
        .transactions
        .iter()
        .filter_map(|i| match &i.result.output {
            EngineOutput::Svm(receipt) => Some(receipt.success()),
            _ => None,
        })
        .collect()
}

#[test]
fn conflicting_svm_transfers_succeed_and_fail_as_in_order() {
    // Tokens go 0 → 1 → 0 (the second transfer spends what the first brought), 2 → 3 asks
    // for more than there is; SOL goes 1 → EVM sender 0, which spends it in its EVM
    // transfer; payer 2 overdraws; an unfunded payer is left out.
    let steps = vec![
        Step::Svm(SvmKind::Token { from: 0, to: 1, amount: 400 }),
        Step::Svm(SvmKind::Token { from: 1, to: 0, amount: 1_300 }),
        Step::Svm(SvmKind::Token { from: 2, to: 3, amount: 5_000 }),
        Step::Svm(SvmKind::SolToEvm { from: 1, to: 0, lamports: 1_000_000 }),
        Step::Evm(0, Kind::ToSender(1), 7),
        Step::Svm(SvmKind::Sol { from: 0, to: 1, lamports: 123 }),
        Step::Svm(SvmKind::Overdraw { from: 2 }),
        Step::Svm(SvmKind::Unfunded { lamports: 5 }),
        Step::Evm(1, Kind::Counter, 0),
    ];
    let out = check_block(&build(&steps), false).unwrap();
    assert_eq!(svm_success(&out), [true, true, false, true, true, false]);
    assert_eq!(out.rejected.len(), 1);
    assert!(matches!(out.rejected[0].1, Rejection::Svm(_)), "{:?}", out.rejected[0].1);
    assert_eq!([0, 1, 2, 3].map(|i| tokens(&out, i)), [1_900, 100, 1_000, 1_000]);
    // Every executed Solana transaction paid 5,000 lamports; SPL Token used compute units.
    for included in &out.transactions {
        if let EngineOutput::Svm(receipt) = &included.result.output {
            assert_eq!(receipt.fee, 5_000);
            assert_eq!(included.result.fee, wei(5_000));
            assert!(receipt.compute_units > 0);
        }
    }
    let f = fixture();
    let reader = f.store.reader().unwrap();
    let evm0 = AccountId::from(signer(0).address());
    let before = crate::StateView::account(&reader, evm0).unwrap().unwrap().balance;
    let after = out.changes.accounts[&evm0].account.unwrap().balance;
    let price = U256::from(block_env(f).base_fee_per_gas + 1_000_000_000);
    assert_eq!(after, before + wei(1_000_000) - U256::from(7) - U256::from(21_000) * price);
    // The overdrawing payer paid its fee and kept the rest.
    let payer2 = AccountId::from(f.payers[2].pubkey().to_bytes());
    let paid = 2 * 5_000; // its failing token transfer and its overdraft
    assert_eq!(out.changes.accounts[&payer2].account.unwrap().balance, wei(RICH - paid));
}

/// Each EVM transaction's success and return (or revert) data.
fn evm_outputs(outcome: &BlockOutcome) -> Vec<(bool, Bytes)> {
    outcome
        .transactions
        .iter()
        .filter_map(|i| match &i.result.output {
            EngineOutput::Evm(out) => Some((out.success, out.output.clone())),
            _ => None,
        })
        .collect()
}

/// The reason of a revert with `Error(string)`.
fn revert_reason(output: &Bytes) -> String {
    alloy_sol_types::Revert::abi_decode(output).map(|r| r.reason).unwrap_or_default()
}

#[test]
fn evm_calls_into_solana_move_its_accounts_and_revert_with_their_frame() {
    // EVM sender 0 pays 1,000,000 lamports of its EVM balance to payer 1; EVM sender 1 sends
    // 300 of its tokens to payer 2, then fails to send 5,000; payer 2 spends in a Solana
    // transaction the tokens the EVM transaction brought; sender 2 signs for payer 0 (refused);
    // a contract pays payer 1 from its Solana address, then reverts; a WebAssembly program
    // pays payer 2 from its Solana address.
    let steps = vec![
        Step::Cross(CrossKind::Sol { sender: 0, to: 1, lamports: 1_000_000 }),
        Step::Cross(CrossKind::Token { sender: 1, to: 2, amount: 300 }),
        Step::Cross(CrossKind::Token { sender: 1, to: 2, amount: 5_000 }),
        Step::Svm(SvmKind::Token { from: 2, to: 0, amount: 1_300 }),
        Step::Cross(CrossKind::Steal { sender: 2, from: 0 }),
        Step::Cross(CrossKind::Reverted { sender: 3, to: 1, lamports: 1_000 }),
        Step::Cross(CrossKind::FromWasm { sender: 4, to: 2, lamports: 2_000 }),
    ];
    let out = check_block(&build(&steps), false).unwrap();
    let outputs = evm_outputs(&out);
    let success: Vec<bool> = outputs.iter().map(|(ok, _)| *ok).collect();
    assert_eq!(success, [true, true, false, false, false, true]);
    // The precompile returns the program's return data (none here), ABI-encoded.
    assert_eq!(outputs[0].1, invokeCall::abi_encode_returns(&Bytes::new()));
    let reason = revert_reason(&outputs[2].1);
    assert!(reason.contains("custom program error: 0x1"), "{reason}");
    let reason = revert_reason(&outputs[3].1);
    assert!(reason.contains("may sign"), "{reason}");
    // The contract's call into Solana succeeded before the contract reverted.
    assert_eq!(outputs[4].1.as_ref(), U256::from(1).to_be_bytes::<32>());
    // The WebAssembly program's call into Solana succeeded (status byte 0).
    assert_eq!(outputs[5].1.as_ref(), [0]);
    assert_eq!(svm_success(&out), [true]);
    let f = fixture();
    assert_eq!(token_amount(&out, &f.evm_token_accounts[1]), 700);
    assert_eq!([0, 1, 2, 3].map(|i| tokens(&out, i)), [2_300, 1_000, 0, 1_000]);
    let reader = f.store.reader().unwrap();
    let balance = |id: AccountId| -> U256 {
        match out.changes.accounts.get(&id) {
            Some(change) => change.account.map(|a| a.balance).unwrap_or_default(),
            None => crate::StateView::account(&reader, id).unwrap().unwrap().balance,
        }
    };
    // Payer 1 got the lamports; EVM sender 0 paid them and its gas.
    let payer = |i: usize| AccountId::from(f.payers[i].pubkey().to_bytes());
    assert_eq!(balance(payer(1)), wei(RICH + 1_000_000));
    let evm0 = AccountId::from(signer(0).address());
    let before = crate::StateView::account(&reader, evm0).unwrap().unwrap().balance;
    let used = out.transactions[0].result.used;
    let price = U256::from(block_env(f).base_fee_per_gas + 1_000_000_000);
    assert_eq!(balance(evm0), before - wei(1_000_000) - U256::from(used) * price);
    // The reverted contract paid nothing (payer 1 got only sender 0's lamports), and its gas
    // was still charged.
    assert_eq!(balance(AccountId::from(solana_then_revert())), U256::from(10u128.pow(18)));
    assert!(out.transactions[5].result.used > 21_000 + crate::cross_vm::CALL_GAS);
    // Payer 0 kept its lamports (it sent no transaction); payer 2 got the program's lamports
    // and paid its one Solana transaction's fee.
    assert_eq!(balance(payer(0)), wei(RICH));
    assert_eq!(balance(payer(2)), wei(RICH + 2_000 - 5_000));
    assert_eq!(balance(AccountId::from(wasm_to_solana())), U256::from(10u128.pow(18)) - wei(2_000));
}

/// `eth_call` of the Solana precompile with `input` from EVM sender 0, on the fixture's
/// genesis.
fn call_precompile(input: Vec<u8>, gas: u64) -> crate::evm::CallResult {
    let f = fixture();
    let reader = f.store.reader().unwrap();
    let request = crate::evm::CallRequest {
        from: Some(signer(0).address()),
        to: Some(SOLANA_CALL),
        gas: Some(gas),
        input: input.into(),
        ..Default::default()
    };
    crate::evm::simulate_call(&reader, f.engines.evm(), &block_env(f), &request, 30_000_000)
        .unwrap()
}

/// A random instruction for one of the genesis programs (or no program), with random metas
/// among the fixture's accounts and random data.
fn random_instruction() -> impl Strategy<Value = Instruction> {
    let f = fixture();
    let mut keys: Vec<Pubkey> = f.payers.iter().map(Signer::pubkey).collect();
    keys.extend(f.token_accounts.iter().copied());
    keys.push(solana_address(signer(0).address()));
    keys.push(svm::TOKEN);
    keys.push(Pubkey::new_from_array([0; 32]));
    let programs = vec![svm::TOKEN, Pubkey::new_from_array([0; 32]), keypair(0x99).pubkey()];
    let meta = (proptest::sample::select(keys), any::<bool>(), any::<bool>()).prop_map(
        |(pubkey, is_signer, is_writable)| AccountMeta { pubkey, is_signer, is_writable },
    );
    (
        proptest::sample::select(programs),
        proptest::collection::vec(meta, 0..6),
        proptest::collection::vec(any::<u8>(), 0..80),
    )
        .prop_map(|(program_id, accounts, data)| Instruction { program_id, accounts, data })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Bytes that are no `invoke` call revert with a reason; nothing panics or halts.
    #[test]
    fn malformed_precompile_input_reverts_with_a_reason(
        input in proptest::collection::vec(any::<u8>(), 0..300)
    ) {
        match call_precompile(input, 1_000_000) {
            crate::evm::CallResult::Revert { output, .. } => {
                prop_assert!(!revert_reason(&output).is_empty());
            }
            other => prop_assert!(false, "{:?}", other),
        }
    }

    /// Random instructions to real programs succeed or revert with a reason, within the gas
    /// given; they never halt the EVM or fail the node.
    #[test]
    fn random_instructions_succeed_or_revert_cleanly(
        instruction in random_instruction(),
        gas in 60_000u64..400_000,
    ) {
        match call_precompile(invoke(&instruction), gas) {
            crate::evm::CallResult::Success { gas_used, .. } => prop_assert!(gas_used <= gas),
            crate::evm::CallResult::Revert { output, gas_used } => {
                prop_assert!(gas_used <= gas);
                prop_assert!(!revert_reason(&output).is_empty());
            }
            crate::evm::CallResult::Halt { reason, .. } => {
                prop_assert!(reason.contains("OutOfGas"), "{}", reason);
            }
            other => prop_assert!(false, "{:?}", other),
        }
    }
}
