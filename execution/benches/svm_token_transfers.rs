//! SPL Token transfers per second, measured in one process on the same pre-signed
//! transactions: our `execute_block` with the one-worker `ParallelExecutor` (sequential), with
//! the scheduler at 2 threads (the strategy chosen per block, as a fresh node chooses it), and
//! LiteSVM 0.16 sending the same transactions one by one — plus, to see where the time goes,
//! the `svm` crate's runtime alone over a plain account map (no chain state, no scheduler).
//! Executors are interleaved round by round (a slow moment of a shared machine hits all of
//! them alike); the table shows the median of the rounds.
//!
//! ```sh
//! cargo bench -p execution --bench svm_token_transfers [-- --txs 4000 --rounds 7 --executors seq,par2,lite,runtime]
//! ```
//!
//! The block: `--txs` SPL Token `Transfer`s (the `svm::TOKEN` ELF, spl_token 3.5.0), each from
//! its own owner (payer and authority) and its own token account, to a fresh token account —
//! one in twenty to another sender's account instead, so a few transactions conflict — each
//! with a `SetComputeUnitLimit` that lets the whole block fit Solana's 48 M compute units.
//! Signing, signature verification and sanitization happen before any measurement on our side
//! (as admission does); inside ours is the block executor's whole path: replay guards, the
//! scheduler, agave's runtime, the accounts' conversion to and from the chain's state, the
//! write set and the fee vault credit. LiteSVM runs with sigverify, the blockhash check and
//! the transaction history off (ours checks none of them while executing a block), so its
//! timing includes sanitizing each transaction (its message hash included) but no signature
//! check. Before measuring, every executor runs the block once and the results are checked:
//! every transfer succeeds everywhere, our sequential and parallel blocks are identical (write
//! set, receipts, compute units), LiteSVM consumed the same compute units and fee per
//! transaction, and left every token account with the same data.
//!
//! LiteSVM runs on a thread of its own. Agave's VM memory pool is per thread, and our runtime
//! sizes the pooled heaps to each transaction's heap frame (the `svm` crate's `vm_heaps`):
//! on a thread of its own LiteSVM keeps agave's pool as agave fills it.

#[path = "support/table_format.rs"]
mod table_format;

use std::{
    collections::HashMap,
    sync::mpsc,
    time::{Duration, Instant},
};

use alloy_primitives::{Address, B256, Bytes, U256, keccak256};
use execution::{
    AccountId, AccountState, BlockEnv, BlockOutcome, ChainSpec, ChainView, EngineKind,
    EngineOutput, Engines, ExecutionError, StateView, Transaction,
    block::{InvalidTxPolicy, execute_block},
    scheduler::{ExecutionReport, ParallelExecutor, SchedulerConfig},
    state::{AccountData, AccountMap, native_token},
    svm::{SVM_BLOCK_COMPUTE_UNITS, SvmReceipt},
};
use litesvm::LiteSVM;
use solana_instruction::{AccountMeta, Instruction};
use solana_keypair::Keypair;
use solana_message::{Message, VersionedMessage};
use solana_signer::Signer;
use svm::{
    BlockSysvars, GENESIS_PROGRAMS, SvmRuntime, TOKEN,
    types::{
        AccountSharedData, Hash, Pubkey, ReadableAccount, TransactionError, VersionedTransaction,
    },
};
use table_format::{median, thousands};

/// The block's parent hash: the recent blockhash every transaction names.
const PARENT: B256 = B256::repeat_byte(0x11);
/// Lamports of every payer (1 SOL).
const PAYER_LAMPORTS: u64 = 1_000_000_000;
/// Lamports of every token account and of the mint (rent-exempt at 165 bytes).
const TOKEN_ACCOUNT_LAMPORTS: u64 = 2_039_280;
/// Tokens each sender holds.
const TOKENS: u64 = 1_000_000;
/// One transfer in this many goes to another sender's token account.
const CONFLICT_EVERY: u64 = 20;
const SYSTEM_PROGRAM: Pubkey = Pubkey::from_str_const("11111111111111111111111111111111");
const COMPUTE_BUDGET: Pubkey =
    Pubkey::from_str_const("ComputeBudget111111111111111111111111111111");

/// splitmix64: a small deterministic generator, so every build of the block is the same.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        (z ^ (z >> 31)) % n
    }
}

/// A pubkey nobody needs a key of (token accounts, the mint).
fn address(label: &str, i: usize) -> Pubkey {
    Pubkey::new_from_array(keccak256(format!("manifold svm bench {label} {i}")).0)
}

/// The SPL Token program's packed `Mint`: authority, supply, 0 decimals, initialized.
fn mint_data(authority: &Pubkey, supply: u64) -> Vec<u8> {
    let mut data = 1u32.to_le_bytes().to_vec();
    data.extend_from_slice(authority.as_ref());
    data.extend_from_slice(&supply.to_le_bytes());
    data.extend_from_slice(&[0, 1]);
    data.extend_from_slice(&[0; 36]);
    data
}

/// The SPL Token program's packed `Account`: initialized, no delegate, not native.
fn token_account_data(mint: &Pubkey, owner: &Pubkey, amount: u64) -> Vec<u8> {
    let mut data = mint.to_bytes().to_vec();
    data.extend_from_slice(owner.as_ref());
    data.extend_from_slice(&amount.to_le_bytes());
    data.extend_from_slice(&[0; 36]);
    data.push(1);
    data.extend_from_slice(&[0; 12 + 8 + 36]);
    data
}

/// One account of the block's genesis, as both sides load it.
struct Genesis {
    key: Pubkey,
    lamports: u64,
    /// `None`: a system account.
    token_data: Option<Vec<u8>>,
}

/// The chain state of the block, in memory: accounts and their Solana data by id (hashed as
/// the block's write set is).
#[derive(Debug, Default)]
struct MemState {
    accounts: AccountMap<AccountState>,
    data: AccountMap<AccountData>,
}

impl StateView for MemState {
    fn account(&self, id: AccountId) -> Result<Option<AccountState>, ExecutionError> {
        Ok(self.accounts.get(&id).copied())
    }

    fn account_data(&self, id: AccountId) -> Result<Option<AccountData>, ExecutionError> {
        Ok(self.data.get(&id).cloned())
    }

    fn storage(&self, _: Address, _: U256) -> Result<U256, ExecutionError> {
        Ok(U256::ZERO)
    }

    fn code(&self, _: B256) -> Result<Option<Bytes>, ExecutionError> {
        Ok(None)
    }

    fn block_hash(&self, number: u64) -> Result<Option<B256>, ExecutionError> {
        Ok((number == 0).then_some(PARENT))
    }
}

impl ChainView for MemState {
    fn block_number(&self, hash: B256) -> Result<Option<u64>, ExecutionError> {
        Ok((hash == PARENT).then_some(0))
    }

    fn transaction_block(&self, _: B256) -> Result<Option<u64>, ExecutionError> {
        Ok(None)
    }
}

/// What LiteSVM reported of one transaction.
struct LiteResult {
    /// Why it failed, if it did.
    error: Option<TransactionError>,
    /// Compute units consumed.
    units: u64,
    /// Fee paid, in lamports.
    fee: u64,
}

/// The block and everything each executor starts from.
struct Workload {
    engines: Engines,
    env: BlockEnv,
    state: MemState,
    txs: Vec<Transaction>,
    /// LiteSVM with the block's accounts, on its own thread, and the same transactions as
    /// signed.
    lite: LiteThread,
    /// The `svm` crate's runtime with the genesis programs, and every account it reads
    /// (builtins, programs, sysvars, the block's accounts).
    runtime: SvmRuntime,
    runtime_accounts: HashMap<Pubkey, AccountSharedData>,
    sysvars: BlockSysvars,
    /// Every token account of the block.
    token_accounts: Vec<Pubkey>,
}

impl Workload {
    fn build(n: usize) -> Result<Self, String> {
        let unit_limit = (SVM_BLOCK_COMPUTE_UNITS / n as u64).min(200_000);
        if unit_limit < 8_000 {
            return Err(format!("{n} transfers do not fit one block's compute units"));
        }
        let mut rng = Rng(0x7376_6d62_656e_6368);
        let senders: Vec<Keypair> = (0..n)
            .map(|i| Keypair::new_from_array(keccak256(format!("manifold svm sender {i}")).0))
            .collect();
        let mint = address("mint", 0);
        let sources: Vec<Pubkey> = (0..n).map(|i| address("source", i)).collect();
        let fresh: Vec<Pubkey> = (0..n).map(|i| address("recipient", i)).collect();
        let mut genesis = vec![Genesis {
            key: mint,
            lamports: TOKEN_ACCOUNT_LAMPORTS,
            token_data: Some(mint_data(&address("authority", 0), TOKENS * n as u64)),
        }];
        for (i, sender) in senders.iter().enumerate() {
            let owner = sender.pubkey();
            genesis.push(Genesis { key: owner, lamports: PAYER_LAMPORTS, token_data: None });
            genesis.push(Genesis {
                key: sources[i],
                lamports: TOKEN_ACCOUNT_LAMPORTS,
                token_data: Some(token_account_data(&mint, &owner, TOKENS)),
            });
            genesis.push(Genesis {
                key: fresh[i],
                lamports: TOKEN_ACCOUNT_LAMPORTS,
                token_data: Some(token_account_data(&mint, &address("holder", i), 0)),
            });
        }

        let blockhash = Hash::new_from_array(PARENT.0);
        let wire: Vec<VersionedTransaction> = senders
            .iter()
            .enumerate()
            .map(|(i, sender)| {
                let to = if rng.below(CONFLICT_EVERY) == 0 {
                    sources[(i + 1 + rng.below(n as u64 - 1) as usize) % n]
                } else {
                    fresh[i]
                };
                let mut limit = vec![2];
                limit.extend_from_slice(&(unit_limit as u32).to_le_bytes());
                let mut transfer = vec![3];
                transfer.extend_from_slice(&(1 + rng.below(100)).to_le_bytes());
                let instructions = [
                    Instruction { program_id: COMPUTE_BUDGET, accounts: vec![], data: limit },
                    Instruction {
                        program_id: TOKEN,
                        accounts: vec![
                            AccountMeta::new(sources[i], false),
                            AccountMeta::new(to, false),
                            AccountMeta::new_readonly(sender.pubkey(), true),
                        ],
                        data: transfer,
                    },
                ];
                let message =
                    Message::new_with_blockhash(&instructions, Some(&sender.pubkey()), &blockhash);
                VersionedTransaction::try_new(VersionedMessage::Legacy(message), &[sender])
                    .expect("signing")
            })
            .collect();

        let spec = ChainSpec {
            chain_id: 31337,
            evm_spec: Default::default(),
            block_gas_limit: 30_000_000,
            fee_vault: Address::repeat_byte(0x42),
        };
        let engines = Engines::for_chain(&spec).map_err(|e| e.to_string())?;
        // Admission: decoded, sanitized, signatures verified — before any measurement.
        let txs = wire
            .iter()
            .map(|tx| {
                let bytes = bincode::serialize(tx).expect("encoding");
                engines.decode(EngineKind::Svm, &bytes).map_err(|e| e.to_string())
            })
            .collect::<Result<Vec<_>, _>>()?;
        let env = BlockEnv {
            number: 1,
            timestamp: 1_700_000_000,
            parent_hash: PARENT,
            gas_limit: spec.block_gas_limit,
            base_fee_per_gas: 1_000_000_000,
            beneficiary: spec.fee_vault,
            prevrandao: PARENT,
        };
        let sysvars =
            BlockSysvars { slot: env.number, unix_timestamp: env.timestamp as i64, blockhash };

        let mut state = MemState::default();
        let mut lite = LiteSVM::new()
            .with_sigverify(false)
            .with_blockhash_check(false)
            .with_transaction_history(0);
        // Our SPL Token ELF where LiteSVM would load p-token: both run the same program.
        for program in &GENESIS_PROGRAMS {
            lite.add_program_with_loader(program.id, program.elf, program.loader)
                .map_err(|e| format!("LiteSVM loading {}: {e:?}", program.name))?;
        }
        let mut runtime =
            SvmRuntime::new(svm::chain_feature_set().clone()).map_err(|e| e.to_string())?;
        let mut runtime_accounts: HashMap<Pubkey, AccountSharedData> =
            runtime.builtin_accounts().into_iter().collect();
        for program in &GENESIS_PROGRAMS {
            let account = runtime.deploy(program, 0).map_err(|e| e.to_string())?;
            runtime_accounts.insert(program.id, account);
        }
        for (id, account) in sysvars.accounts() {
            lite.set_account(id, account.clone().into()).map_err(|e| format!("{e:?}"))?;
            runtime_accounts.insert(id, account);
        }
        for account in genesis {
            let id = AccountId::from(account.key.to_bytes());
            let balance = native_token::wei(account.lamports);
            state.accounts.insert(id, AccountState { balance, ..Default::default() });
            let owner = if account.token_data.is_some() { TOKEN } else { SYSTEM_PROGRAM };
            let data = account.token_data.unwrap_or_default();
            if owner == TOKEN {
                let data = AccountData {
                    owner: AccountId::from(TOKEN.to_bytes()),
                    executable: false,
                    rent_epoch: 0,
                    data: Bytes::from(data.clone()),
                };
                state.data.insert(id, data);
            }
            let solana = solana_account::Account {
                lamports: account.lamports,
                data,
                owner,
                executable: false,
                rent_epoch: 0,
            };
            lite.set_account(account.key, solana.clone()).map_err(|e| format!("{e:?}"))?;
            runtime_accounts.insert(account.key, solana.into());
        }
        let mut token_accounts = sources;
        token_accounts.extend(fresh);
        Ok(Self {
            engines,
            env,
            state,
            txs,
            lite: LiteThread::spawn(lite, wire),
            runtime,
            runtime_accounts,
            sysvars,
            token_accounts,
        })
    }

    /// Our block executor, one worker.
    fn sequential(&self, txs: Vec<Transaction>) -> (BlockOutcome, ExecutionReport) {
        self.execute(txs, ParallelExecutor::sequential())
    }

    /// Our block executor with `threads` workers, the strategy chosen as a fresh node does.
    fn parallel(&self, txs: Vec<Transaction>, threads: usize) -> (BlockOutcome, ExecutionReport) {
        let config = SchedulerConfig { threads, ..SchedulerConfig::default() };
        self.execute(txs, ParallelExecutor::new(config))
    }

    fn execute(
        &self,
        txs: Vec<Transaction>,
        mut executor: ParallelExecutor,
    ) -> (BlockOutcome, ExecutionReport) {
        let policy = InvalidTxPolicy::Fail;
        let block =
            execute_block(&self.engines, &self.env, &self.state, txs, policy, &mut executor)
                .expect("the benchmark block executes");
        (block.outcome, block.report)
    }

    /// LiteSVM sending `txs` one by one on `lite`; what it reported of each, in order.
    fn lite(lite: &mut LiteSVM, txs: Vec<VersionedTransaction>) -> Vec<LiteResult> {
        txs.into_iter()
            .map(|tx| match lite.send_transaction(tx) {
                Ok(meta) => {
                    LiteResult { error: None, units: meta.compute_units_consumed, fee: meta.fee }
                }
                Err(failed) => LiteResult {
                    error: Some(failed.err),
                    units: failed.meta.compute_units_consumed,
                    fee: failed.meta.fee,
                },
            })
            .collect()
    }

    /// The `svm` crate's runtime alone, one transaction after another over `accounts`; the
    /// compute units of each.
    fn runtime(&self, accounts: &mut HashMap<Pubkey, AccountSharedData>) -> Vec<u64> {
        let mut units = Vec::with_capacity(self.txs.len());
        for tx in &self.txs {
            let Transaction::Svm(tx) = tx else { unreachable!("a Solana block") };
            let outcome = self.runtime.execute(&tx.sanitized, &*accounts, &self.sysvars);
            for (key, account) in outcome.writes {
                accounts.insert(key, account);
            }
            units.push(outcome.compute_units);
        }
        units
    }
}

/// One run of the block on LiteSVM's thread.
struct LiteRun {
    /// The time of the execution alone (the LiteSVM clone and its inputs made before it).
    elapsed: Duration,
    /// What LiteSVM reported of each transaction.
    results: Vec<LiteResult>,
    /// LiteSVM after the block, when asked for.
    lite: Option<LiteSVM>,
}

/// LiteSVM on a thread of its own (see the module doc), running the block on a fresh clone of
/// its starting state at each request.
struct LiteThread {
    /// Each request: whether to send LiteSVM back after the block.
    requests: mpsc::Sender<bool>,
    runs: mpsc::Receiver<LiteRun>,
}

impl LiteThread {
    fn spawn(lite: LiteSVM, wire: Vec<VersionedTransaction>) -> Self {
        let (requests, requested) = mpsc::channel::<bool>();
        let (ran, runs) = mpsc::channel();
        std::thread::Builder::new()
            .name("litesvm".into())
            .spawn(move || {
                for keep in requested {
                    let mut svm = lite.clone();
                    let txs = wire.clone();
                    let start = Instant::now();
                    let results = Workload::lite(&mut svm, txs);
                    let elapsed = start.elapsed();
                    let run = LiteRun { elapsed, results, lite: keep.then_some(svm) };
                    if ran.send(run).is_err() {
                        break;
                    }
                }
            })
            .expect("LiteSVM's thread starts");
        Self { requests, runs }
    }

    /// Runs the block once on LiteSVM's thread.
    fn run(&self, keep: bool) -> LiteRun {
        self.requests.send(keep).expect("LiteSVM's thread runs");
        self.runs.recv().expect("LiteSVM's thread answers")
    }
}

/// Our receipts of a block, in order.
fn receipts(outcome: &BlockOutcome) -> Vec<&SvmReceipt> {
    outcome
        .transactions
        .iter()
        .filter_map(|i| match &i.result.output {
            EngineOutput::Svm(receipt) => Some(receipt),
            _ => None,
        })
        .collect()
}

/// The data our block leaves in `key`.
fn our_data(w: &Workload, outcome: &BlockOutcome, key: &Pubkey) -> Option<Vec<u8>> {
    let id = AccountId::from(key.to_bytes());
    match outcome.changes.data.get(&id) {
        Some(data) => data.as_ref().map(|d| d.data.to_vec()),
        None => w.state.data.get(&id).map(|d| d.data.to_vec()),
    }
}

/// Runs the block once on every side and checks they agree; returns the strategy the parallel
/// run chose.
fn check(w: &Workload) -> Result<ExecutionReport, String> {
    let n = w.txs.len();
    let (expected, _) = w.sequential(w.txs.clone());
    if !expected.rejected.is_empty() || expected.transactions.len() != n {
        return Err(format!("{} of {n} included", expected.transactions.len()));
    }
    let ours = receipts(&expected);
    if let Some(failed) = ours.iter().find(|r| !r.success()) {
        return Err(format!("a transfer failed: {failed:?}"));
    }
    let (got, report) = w.parallel(w.txs.clone(), 2);
    if got.changes != expected.changes || got.transactions != expected.transactions {
        return Err("parallel@2 differs from sequential".into());
    }
    let LiteRun { results, lite, .. } = w.lite.run(true);
    let lite = lite.ok_or("LiteSVM's thread kept its state")?;
    for (i, (result, receipt)) in results.iter().zip(&ours).enumerate() {
        if let Some(error) = &result.error {
            return Err(format!("LiteSVM: transfer {i} failed: {error:?}"));
        }
        if result.units != receipt.compute_units || result.fee != receipt.fee {
            return Err(format!(
                "transfer {i}: LiteSVM {} units, fee {}; ours {} units, fee {}",
                result.units, result.fee, receipt.compute_units, receipt.fee
            ));
        }
    }
    let mut accounts = w.runtime_accounts.clone();
    let units = w.runtime(&mut accounts);
    if units.iter().ne(ours.iter().map(|r| &r.compute_units)) {
        return Err("the svm runtime alone consumed other compute units".into());
    }
    for key in &w.token_accounts {
        let ours = our_data(w, &expected, key);
        let theirs = lite.get_account(key).map(|a| a.data);
        if ours.as_deref() != theirs.as_deref() {
            return Err(format!("token account {key}: ours {ours:?}, LiteSVM {theirs:?}"));
        }
        let alone = accounts.get(key).map(|a| a.data().to_vec());
        if ours.as_deref() != alone.as_deref() {
            return Err(format!("token account {key}: the svm runtime alone differs"));
        }
    }
    Ok(report)
}

/// One executor under measurement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Executor {
    Sequential,
    Parallel(usize),
    LiteSvm,
    Runtime,
}

impl Executor {
    /// The executor named on the command line: `seq`, `par<threads>`, `lite`, `runtime`.
    fn from_name(name: &str) -> Option<Self> {
        match name {
            "seq" => Some(Executor::Sequential),
            "lite" => Some(Executor::LiteSvm),
            "runtime" => Some(Executor::Runtime),
            _ => name.strip_prefix("par")?.parse().ok().filter(|t| *t > 0).map(Executor::Parallel),
        }
    }

    /// The name `--executors` takes.
    fn name(self) -> String {
        match self {
            Executor::Sequential => "seq".into(),
            Executor::Parallel(threads) => format!("par{threads}"),
            Executor::LiteSvm => "lite".into(),
            Executor::Runtime => "runtime".into(),
        }
    }

    fn label(self) -> String {
        match self {
            Executor::Sequential => "ours, sequential".into(),
            Executor::Parallel(threads) => format!("ours, parallel@{threads}"),
            Executor::LiteSvm => "LiteSVM 0.16, one by one".into(),
            Executor::Runtime => "svm crate's runtime alone (no chain state, no scheduler)".into(),
        }
    }

    /// Runs the block once; the time of the execution alone (inputs cloned and outputs
    /// dropped outside it), and our executor's report.
    fn run(self, w: &Workload) -> (Duration, Option<ExecutionReport>) {
        match self {
            Executor::Sequential | Executor::Parallel(_) => {
                let txs = w.txs.clone();
                let start = Instant::now();
                let (outcome, report) = match self {
                    Executor::Parallel(threads) => w.parallel(txs, threads),
                    _ => w.sequential(txs),
                };
                let elapsed = start.elapsed();
                drop(outcome);
                (elapsed, Some(report))
            }
            Executor::LiteSvm => (w.lite.run(false).elapsed, None),
            Executor::Runtime => {
                let mut accounts = w.runtime_accounts.clone();
                let start = Instant::now();
                let units = w.runtime(&mut accounts);
                let elapsed = start.elapsed();
                drop((units, accounts));
                (elapsed, None)
            }
        }
    }
}

/// The one-minute load average (Linux), to tell a measurement on a busy machine.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next().map(str::to_string))
        .unwrap_or_else(|| "unknown".into())
}

struct Options {
    txs: usize,
    rounds: usize,
    executors: Vec<Executor>,
}

fn options() -> Result<Options, String> {
    let mut options = Options {
        txs: 4_000,
        rounds: 7,
        executors: vec![
            Executor::Sequential,
            Executor::Parallel(2),
            Executor::LiteSvm,
            Executor::Runtime,
        ],
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{arg} needs a value"));
        match arg.as_str() {
            "--txs" => {
                options.txs = value()?.parse().map_err(|e| format!("--txs: {e}"))?;
                if options.txs < 2 {
                    return Err("--txs must be at least 2".into());
                }
            }
            "--rounds" => {
                options.rounds = value()?.parse().map_err(|e| format!("--rounds: {e}"))?;
                if options.rounds == 0 {
                    return Err("--rounds must be at least 1".into());
                }
            }
            "--executors" => {
                options.executors = value()?
                    .split(',')
                    .map(|name| {
                        Executor::from_name(name.trim()).ok_or_else(|| {
                            format!("--executors {name}: seq, par<threads>, lite or runtime")
                        })
                    })
                    .collect::<Result<_, _>>()?;
            }
            // `cargo bench` passes `--bench`; other harness flags are not ours either.
            _ => {}
        }
    }
    Ok(options)
}

fn run() -> Result<(), String> {
    let options = options()?;
    let n = options.txs;
    eprintln!("building and checking {n} SPL Token transfers");
    let workload = Workload::build(n)?;
    let report = check(&workload).map_err(|e| format!("results disagree: {e}"))?;
    let executors = &options.executors;
    let load_before = load_average();
    let mut times = vec![Vec::new(); executors.len()];
    let mut reports = vec![Vec::new(); executors.len()];
    // One warm-up round, then the measured rounds, every executor interleaved in each.
    for round in 0..=options.rounds {
        let mut line = format!("round {round}/{}:", options.rounds);
        for (i, executor) in executors.iter().enumerate() {
            let (elapsed, report) = executor.run(&workload);
            line += &format!(" {} {:.1} ms", executor.name(), elapsed.as_secs_f64() * 1e3);
            if round > 0 {
                times[i].push(elapsed.as_secs_f64());
                reports[i].extend(report);
            }
        }
        eprintln!("{line}{}", if round == 0 { " (warm-up)" } else { "" });
    }
    let load_after = load_average();
    let seconds: Vec<f64> = times.iter().map(|t| median(t)).collect();
    let position = |wanted: Executor| executors.iter().position(|e| *e == wanted);

    let cores = std::thread::available_parallelism().map_or(1, |c| c.get());
    println!(
        "{n} SPL Token transfers (spl_token 3.5.0 ELF, {:.0} compute units each with the \
         SetComputeUnitLimit), one block, {cores} cores (load average {load_before} before, \
         {load_after} after: other processes share them), median of {} rounds; parallel@2 \
         chose {} ({})\n",
        receipts(&workload.sequential(workload.txs.clone()).0)
            .iter()
            .map(|r| r.compute_units as f64)
            .sum::<f64>()
            / n as f64,
        options.rounds,
        report.strategy.name(),
        report.reason,
    );
    println!(
        "Timed on our side: the whole `execute_block` (replay guards, strategy and planning, \
         agave's runtime, accounts to and from the chain state, write set, receipts, fee vault); \
         signatures were verified and the transactions sanitized at admission, before timing. \
         Timed on LiteSVM's: `send_transaction` of each, sanitizing it (message hash included), \
         without sigverify, blockhash check or transaction history.\n"
    );
    // The machine is shared: a busy moment slows every executor of its round, and often one
    // more than another. Three estimates side by side: the medians of the rounds, the fastest
    // round of each (the quietest moment each got), and the median of the per-round ratios
    // (executors of one round ran within a second of each other).
    let fastest: Vec<f64> =
        times.iter().map(|t| t.iter().copied().fold(f64::MAX, f64::min)).collect();
    println!(
        "| executor | ms / block (median) | fastest round (ms) | transfers/s (median) | vs \
         LiteSVM (medians) | vs LiteSVM (fastest) |"
    );
    println!("| --- | ---: | ---: | ---: | ---: | ---: |");
    let lite = position(Executor::LiteSvm);
    for (i, executor) in executors.iter().enumerate() {
        let (vs, vs_fastest) = lite.map_or(("—".into(), "—".into()), |l| {
            (format!("{:.2}×", seconds[l] / seconds[i]), format!("{:.2}×", fastest[l] / fastest[i]))
        });
        println!(
            "| {} | {:.1} | {:.1} | {} | {vs} | {vs_fastest} |",
            executor.label(),
            seconds[i] * 1e3,
            fastest[i] * 1e3,
            thousands(n as f64 / seconds[i]),
        );
    }
    let ratio = |base: Option<usize>| match (base, position(Executor::Parallel(2))) {
        (Some(base), Some(par2)) => {
            let per_round: Vec<f64> =
                times[base].iter().zip(&times[par2]).map(|(b, p)| b / p).collect();
            format!(
                "{:.2}× of the medians, {:.2}× of the fastest rounds, {:.2}× the median \
                 round",
                seconds[base] / seconds[par2],
                fastest[base] / fastest[par2],
                median(&per_round),
            )
        }
        _ => "—".into(),
    };
    println!(
        "\npar@2 ÷ LiteSVM: {} (target ≥ 1.5×)\npar@2 ÷ seq: {}",
        ratio(lite),
        ratio(position(Executor::Sequential))
    );
    // Where a parallel block's time goes: the parallel run itself, and the rest (choosing the
    // strategy and planning, folding the writes, assembling the receipts, any sequential tail).
    for (executor, reports) in executors.iter().zip(&reports) {
        let Executor::Parallel(threads) = executor else { continue };
        let ms = |f: &dyn Fn(&ExecutionReport) -> Duration| {
            median(&reports.iter().map(|r| f(r).as_secs_f64() * 1e3).collect::<Vec<_>>())
        };
        let Some(last) = reports.last() else { continue };
        println!(
            "parallel@{threads}: {} ({}), {} of {n} transactions in the parallel run, {} \
             executions; median {:.1} ms in the parallel run of {:.1} ms in the executor",
            last.strategy.name(),
            last.fallback.unwrap_or(last.reason),
            last.parallel_txs,
            last.executions,
            ms(&|r| r.parallel_time),
            ms(&|r| r.elapsed),
        );
    }
    Ok(())
}

fn main() {
    // As the node does: blocks reuse the memory earlier blocks freed.
    execution::allocator::keep_freed_memory();
    if let Err(e) = run() {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}
