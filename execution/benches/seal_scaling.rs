//! How sealing a block grows with the size of the state (issue 20, item 3): stores holding
//! 10k, 1M and 10M accounts each seal blocks that touch 10k of their accounts, interleaved
//! round by round, and the table gives the median milliseconds per block and each size's
//! ratio to the smallest.
//!
//! ```sh
//! cargo bench -p execution --bench seal_scaling [-- --accounts 10000,1000000,10000000 --keys 10000 --rounds 5 --keep-blocks 128 --dir target/seal-scaling]
//! ```
//!
//! A block here is its write set alone (no transactions): each touched account's balance and
//! nonce move, so sealing does what it does for a block of transfers — flat state, state trie
//! (load the touched paths, re-hash, write the nodes), the state history the sequencer keeps
//! by default (`[history] keep_blocks = 128`, pruned as it goes; `--keep-blocks 1` records
//! none), header and body — in one
//! durable redb commit. The accounts are spread over the key space as real addresses are
//! (keccak of an index). The populated stores are kept in `--dir` and reused by later runs
//! (populating 10M accounts takes minutes; progress goes to stderr); each run adds its blocks
//! on top.
//!
//! Besides the total, the table splits each seal into the phases the store logs with every
//! block (its `block committed` debug event, recorded here by a `tracing` layer): the flat
//! state with its history, the account trie's update (loading the touched paths, re-hashing),
//! writing its nodes with their history, and the durable commit.

#[path = "support/table_format.rs"]
mod table_format;

use std::{
    path::{Path, PathBuf},
    sync::{Arc, Mutex},
    time::Instant,
};

use alloy_primitives::{Address, B256, Bytes, U256, keccak256};
use execution::{
    AccountId, AccountState, BlockEnv, BlockOutcome, StateChanges, Store, state::AccountChange,
};
use node_config::{DEFAULT_KEEP_BLOCKS, KeepBlocks};
use table_format::{median, thousands};
use tracing::field::{Field, Visit};
use tracing_subscriber::{Layer as _, layer::SubscriberExt, util::SubscriberInitExt};

/// The phases of one seal, in milliseconds, as the store's `block committed` event gives them.
#[derive(Debug, Clone, Copy, Default)]
struct Phases {
    flat: f64,
    trie: f64,
    nodes: f64,
    commit: f64,
    node_writes: f64,
}

impl Visit for Phases {
    fn record_f64(&mut self, field: &Field, value: f64) {
        match field.name() {
            "flat_ms" => self.flat = value,
            "trie_ms" => self.trie = value,
            "nodes_ms" => self.nodes = value,
            "commit_ms" => self.commit = value,
            _ => {}
        }
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        if field.name() == "node_writes" {
            self.node_writes = value as f64;
        }
    }
    fn record_debug(&mut self, _: &Field, _: &dyn std::fmt::Debug) {}
}

/// A `tracing` layer keeping the phases of the last sealed block.
#[derive(Clone, Default)]
struct PhaseRecorder(Arc<Mutex<Option<Phases>>>);

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for PhaseRecorder {
    fn on_event(&self, event: &tracing::Event<'_>, _: tracing_subscriber::layer::Context<'_, S>) {
        if event.metadata().target().starts_with("execution::store") {
            let mut phases = Phases::default();
            event.record(&mut phases);
            *self.0.lock().unwrap() = Some(phases);
        }
    }
}

impl PhaseRecorder {
    fn take(&self) -> Phases {
        self.0.lock().unwrap().take().expect("the store logs every sealed block")
    }
}

/// Accounts written per block while populating a store.
const POPULATE_CHUNK: u64 = 250_000;

struct Options {
    accounts: Vec<u64>,
    keys: u64,
    rounds: usize,
    dir: PathBuf,
    keep_blocks: u64,
}

fn options() -> Options {
    let mut options = Options {
        accounts: vec![10_000, 1_000_000, 10_000_000],
        keys: 10_000,
        rounds: 5,
        keep_blocks: DEFAULT_KEEP_BLOCKS,
        dir: PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/seal-scaling"),
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().unwrap_or_else(|| panic!("{arg} needs a value"));
        match arg.as_str() {
            "--accounts" => {
                options.accounts =
                    value().split(',').map(|n| n.parse().expect("--accounts: numbers")).collect()
            }
            "--keys" => options.keys = value().parse().expect("--keys: a number"),
            "--rounds" => options.rounds = value().parse().expect("--rounds: a number"),
            "--dir" => options.dir = PathBuf::from(value()),
            "--keep-blocks" => {
                options.keep_blocks = value().parse().expect("--keep-blocks: a number")
            }
            // cargo bench passes `--bench`; anything else is a mistake.
            "--bench" => {}
            other => panic!("unknown option {other}"),
        }
    }
    assert!(
        options.keys > 0 && options.rounds > 0 && options.keep_blocks > 0,
        "--keys, --rounds and --keep-blocks must be positive"
    );
    options
}

/// The address of account `index`: spread over the key space as real addresses are.
fn address(index: u64) -> Address {
    Address::from_slice(&keccak256(index.to_be_bytes())[12..])
}

/// The environment of block `number`, whose parent is `parent_hash`.
fn env(number: u64, parent_hash: B256) -> BlockEnv {
    BlockEnv {
        number,
        timestamp: 1_700_000_000 + number,
        parent_hash,
        gas_limit: 30_000_000,
        base_fee_per_gas: 1_000_000_000,
        beneficiary: Address::ZERO,
        prevrandao: B256::ZERO,
    }
}

/// Block `number`, on `parent_hash`, writing `accounts` with nonce `nonce` and a balance that
/// depends on both.
fn block(
    number: u64,
    parent_hash: B256,
    accounts: impl Iterator<Item = u64>,
    nonce: u64,
) -> BlockOutcome {
    let mut changes = StateChanges::default();
    for index in accounts {
        let account = AccountState {
            nonce,
            balance: U256::from(index) * U256::from(1_000_000_007u64) + U256::from(nonce),
            ..AccountState::default()
        };
        changes.accounts.insert(
            AccountId::from(address(index)),
            AccountChange { account: Some(account), ..AccountChange::default() },
        );
    }
    BlockOutcome {
        env: env(number, parent_hash),
        transactions: Vec::new(),
        changes,
        gas_used: 0,
        rejected: Vec::new(),
    }
}

/// Opens the store of `accounts` accounts in `dir`, populating it first if it is not complete.
fn populated_store(dir: &Path, accounts: u64, keep_blocks: u64) -> Store {
    let path = dir.join(format!("accounts-{accounts}.redb"));
    let done = dir.join(format!("accounts-{accounts}.done"));
    if !done.exists() {
        let _ = std::fs::remove_file(&path);
        let store = Store::open(&path).expect("open store").keep_blocks(KeepBlocks::Recent(1));
        let started = Instant::now();
        let mut written = 0;
        let mut number = 0;
        let mut parent = B256::ZERO;
        while written < accounts {
            let chunk = POPULATE_CHUNK.min(accounts - written);
            parent = store
                .seal_block(&block(number, parent, written..written + chunk, 1), Bytes::new())
                .expect("seal")
                .hash;
            written += chunk;
            number += 1;
            eprintln!(
                "populating {}: {} / {} accounts, {:.0} s",
                path.display(),
                thousands(written as f64),
                thousands(accounts as f64),
                started.elapsed().as_secs_f64()
            );
        }
        std::fs::write(&done, b"").expect("mark store complete");
    }
    Store::open(&path).expect("open store").keep_blocks(KeepBlocks::Recent(keep_blocks))
}

/// A small deterministic generator (xorshift64*), so every run touches the same accounts.
struct Picks(u64);

impl Picks {
    fn next_below(&mut self, bound: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) % bound
    }
}

/// `keys` distinct accounts out of `accounts` (all of them when there are no more).
fn touched(picks: &mut Picks, accounts: u64, keys: u64) -> Vec<u64> {
    if keys >= accounts {
        return (0..accounts).collect();
    }
    let mut chosen = std::collections::HashSet::with_capacity(keys as usize);
    while (chosen.len() as u64) < keys {
        chosen.insert(picks.next_below(accounts));
    }
    chosen.into_iter().collect()
}

fn main() {
    let options = options();
    let recorder = PhaseRecorder::default();
    tracing_subscriber::registry()
        .with(recorder.clone().with_filter(tracing_subscriber::filter::LevelFilter::DEBUG))
        .init();
    std::fs::create_dir_all(&options.dir).expect("create --dir");
    let stores: Vec<(u64, Store)> = options
        .accounts
        .iter()
        .map(|&n| (n, populated_store(&options.dir, n, options.keep_blocks)))
        .collect();
    let mut picks = Picks(0x9e37_79b9_7f4a_7c15);
    // One block each, not timed: warms the caches, and prunes the history a different
    // `--keep-blocks` than the last run's leaves behind.
    let seal_next = |picks: &mut Picks, accounts: u64, store: &Store| {
        let head = store.reader().expect("reader").head_header().expect("populated");
        let (number, parent) = (head.number, head.hash_slow());
        let outcome = block(
            number + 1,
            parent,
            touched(picks, accounts, options.keys).into_iter(),
            2 + number,
        );
        let started = Instant::now();
        store.seal_block(&outcome, Bytes::new()).expect("seal");
        started.elapsed().as_secs_f64() * 1e3
    };
    for (accounts, store) in &stores {
        seal_next(&mut picks, *accounts, store);
        recorder.take();
    }
    let mut times: Vec<Vec<f64>> = vec![Vec::new(); stores.len()];
    let mut phases: Vec<Vec<Phases>> = vec![Vec::new(); stores.len()];
    for round in 0..options.rounds {
        for (i, (accounts, store)) in stores.iter().enumerate() {
            let ms = seal_next(&mut picks, *accounts, store);
            let split = recorder.take();
            eprintln!(
                "round {round}: {} accounts, {ms:.1} ms ({split:.1?})",
                thousands(*accounts as f64)
            );
            times[i].push(ms);
            phases[i].push(split);
        }
    }
    let base = median(&times[0]);
    println!(
        "| accounts in the state | keys touched per block | seal ms per block (median of {}) | range | ÷ {} accounts | flat state | trie update | trie nodes written (count) | commit |",
        options.rounds,
        thousands(options.accounts[0] as f64)
    );
    println!("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    for (((accounts, _), times), phases) in stores.iter().zip(&times).zip(&phases) {
        let ms = median(times);
        let lo = times.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = times.iter().copied().fold(0.0, f64::max);
        let phase = |f: fn(&Phases) -> f64| median(&phases.iter().map(f).collect::<Vec<_>>());
        println!(
            "| {} | {} | {ms:.1} | {lo:.1} – {hi:.1} | {:.2}× | {:.1} | {:.1} | {:.1} ({}) | {:.1} |",
            thousands(*accounts as f64),
            thousands(options.keys.min(*accounts) as f64),
            ms / base,
            phase(|p| p.flat),
            phase(|p| p.trie),
            phase(|p| p.nodes),
            thousands(phase(|p| p.node_writes)),
            phase(|p| p.commit),
        );
    }
}
