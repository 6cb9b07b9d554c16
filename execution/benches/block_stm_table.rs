//! The parallel execution benchmark of issue 4 as one table, measured in one process: every
//! executor on every workload and block size, interleaved round by round (so a slow moment of
//! a shared machine hits all of them alike), median of the rounds.
//!
//! ```sh
//! cargo bench -p execution --bench block_stm_table [-- --rounds 5 --sizes 1000,10000 --workloads transfers,erc20,hot_counter,swaps]
//! ```
//! (`--executors revm,seq,par1,par2,parN` measures only those, e.g. for a profiler.)
//!
//! Executors: the plain sequential revm loop (one revm EVM, `transact_commit` per transaction
//! over revm's `InMemoryDB`), our `execute_block` with the one-worker `ParallelExecutor`
//! (sequential), and with the scheduler at 1 and 2 threads and at the core count when it is
//! higher. Before measuring, each block is run once by every executor and the results are
//! checked: every transaction succeeds, our sequential and parallel blocks are identical
//! (write set, receipts, gas), the gas equals the revm loop's, and the state equals the revm
//! loop's but for the fee vault. Any mismatch aborts.
//! Block building (signing, sender recovery), cloning inputs and dropping outputs are not timed.

#[path = "support/table_format.rs"]
mod table_format;
#[path = "workloads/mod.rs"]
mod workloads;

use std::time::{Duration, Instant};

use table_format::{median, thousands};

use revm::database::InMemoryDB;
use workloads::{
    Block, MemState, Workload, check_outcome, check_same, check_state_against_revm, parallel,
    revm_loop, sequential,
};

/// Transactions executed per measurement at least (small blocks are run several times).
const MIN_TXS_PER_MEASUREMENT: usize = 10_000;

/// One executor under measurement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Executor {
    RevmLoop,
    Sequential,
    Parallel(usize),
}

impl Executor {
    /// The executor named on the command line: `revm`, `seq`, `par<threads>`.
    fn from_name(name: &str) -> Option<Self> {
        match name {
            "revm" => Some(Executor::RevmLoop),
            "seq" => Some(Executor::Sequential),
            _ => name.strip_prefix("par")?.parse().ok().filter(|t| *t > 0).map(Executor::Parallel),
        }
    }

    fn label(self) -> String {
        match self {
            Executor::RevmLoop => "revm loop".into(),
            Executor::Sequential => "sequential".into(),
            Executor::Parallel(threads) => format!("parallel@{threads}"),
        }
    }
}

/// One workload at one block size, ready to run.
struct Case {
    block: Block,
    state: MemState,
    db: InMemoryDB,
    gas_used: u64,
    /// Seconds per block of each executor, one entry per round.
    times: Vec<Vec<f64>>,
}

impl Case {
    fn new(workload: Workload, n: usize, executors: &[Executor]) -> Result<Self, String> {
        let block = Block::build(workload, n);
        let state = block.genesis.mem_state();
        let db = block.genesis.in_memory_db();

        // Check once that every executor computes the same block.
        let mut revm_db = db.clone();
        let revm = revm_loop(&mut revm_db, &block);
        let expected = sequential(&state, &block, block.txs.clone());
        check_outcome(&block, &expected, &revm)?;
        check_state_against_revm(&block, &state, &expected, &revm_db)
            .map_err(|e| format!("sequential vs revm loop: {e}"))?;
        for executor in executors {
            if let Executor::Parallel(threads) = executor {
                let got = parallel(&state, &block, block.txs.clone(), *threads);
                check_same(&expected, &got).map_err(|e| format!("parallel@{threads}: {e}"))?;
            }
        }
        let gas_used = expected.gas_used;
        Ok(Self { block, state, db, gas_used, times: vec![Vec::new(); executors.len()] })
    }

    /// Runs one block with `executor`; returns the time of the execution alone.
    fn run(&self, executor: Executor) -> Result<Duration, String> {
        let (elapsed, gas_used) = match executor {
            Executor::RevmLoop => {
                let mut db = self.db.clone();
                let start = Instant::now();
                let outcome = revm_loop(&mut db, &self.block);
                let elapsed = start.elapsed();
                drop(db);
                (elapsed, outcome.gas_used)
            }
            Executor::Sequential => {
                let txs = self.block.txs.clone();
                let start = Instant::now();
                let outcome = sequential(&self.state, &self.block, txs);
                (start.elapsed(), outcome.gas_used)
            }
            Executor::Parallel(threads) => {
                let txs = self.block.txs.clone();
                let start = Instant::now();
                let outcome = parallel(&self.state, &self.block, txs, threads);
                (start.elapsed(), outcome.gas_used)
            }
        };
        if gas_used != self.gas_used {
            return Err(format!("{}: gas used {gas_used} != {}", executor.label(), self.gas_used));
        }
        Ok(elapsed)
    }

    /// Seconds per block of `executor`, averaged over enough runs for a stable figure.
    fn measure(&self, executor: Executor) -> Result<f64, String> {
        let runs = MIN_TXS_PER_MEASUREMENT.div_ceil(self.block.len());
        let mut total = Duration::ZERO;
        for _ in 0..runs {
            total += self.run(executor)?;
        }
        Ok(total.as_secs_f64() / runs as f64)
    }
}

struct Options {
    rounds: usize,
    sizes: Vec<usize>,
    workloads: Vec<Workload>,
    executors: Option<Vec<Executor>>,
}

fn options() -> Result<Options, String> {
    let mut options = Options {
        rounds: 5,
        sizes: vec![1_000, 10_000],
        workloads: Workload::ALL.to_vec(),
        executors: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{arg} needs a value"));
        match arg.as_str() {
            "--rounds" => {
                options.rounds = value()?.parse().map_err(|e| format!("--rounds: {e}"))?;
                if options.rounds == 0 {
                    return Err("--rounds must be at least 1".into());
                }
            }
            "--sizes" => {
                options.sizes = value()?
                    .split(',')
                    .map(|s| s.trim().parse::<usize>().map_err(|e| format!("--sizes {s}: {e}")))
                    .collect::<Result<_, _>>()?;
                if let Some(n) = options.sizes.iter().find(|n| **n < 2 || **n > workloads::HOLDERS)
                {
                    return Err(format!("--sizes {n}: between 2 and {}", workloads::HOLDERS));
                }
            }
            "--workloads" => {
                options.workloads = value()?
                    .split(',')
                    .map(|name| {
                        Workload::from_name(name.trim()).ok_or_else(|| {
                            format!(
                                "--workloads {name}: one of {}",
                                Workload::ALL.map(Workload::name).join(", ")
                            )
                        })
                    })
                    .collect::<Result<_, _>>()?;
            }
            "--executors" => {
                let list = value()?
                    .split(',')
                    .map(|name| {
                        Executor::from_name(name.trim())
                            .ok_or_else(|| format!("--executors {name}: revm, seq or par<threads>"))
                    })
                    .collect::<Result<_, _>>()?;
                options.executors = Some(list);
            }
            // `cargo bench` passes `--bench`; other harness flags are not ours either.
            _ => {}
        }
    }
    Ok(options)
}

fn run() -> Result<(), String> {
    let options = options()?;
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut executors = vec![
        Executor::RevmLoop,
        Executor::Sequential,
        Executor::Parallel(1),
        Executor::Parallel(2),
    ];
    if cores > 2 {
        executors.push(Executor::Parallel(cores));
    }
    if let Some(chosen) = &options.executors {
        executors.clone_from(chosen);
    }

    let mut cases = Vec::new();
    for &workload in &options.workloads {
        for &n in &options.sizes {
            eprintln!("building and checking {} × {n}", workload.name());
            let case = Case::new(workload, n, &executors)
                .map_err(|e| format!("{} × {n}: results disagree: {e}", workload.name()))?;
            cases.push(case);
        }
    }

    // One warm-up round, then the measured rounds, every executor interleaved in each.
    for round in 0..=options.rounds {
        if round == 0 {
            eprintln!("warm-up round");
        } else {
            eprintln!("round {round}/{}", options.rounds);
        }
        for case in &mut cases {
            for (i, &executor) in executors.iter().enumerate() {
                let seconds = case.measure(executor)?;
                if round > 0 {
                    case.times[i].push(seconds);
                }
            }
        }
    }

    println!(
        "Block execution, {} cores (std::thread::available_parallelism), median of {} rounds; \
         each cell: tx/s (Mgas/s)\n",
        cores, options.rounds
    );
    let mut header = "| workload | txs | gas/tx |".to_string();
    let mut rule = "| --- | ---: | ---: |".to_string();
    for executor in &executors {
        header.push_str(&format!(" {} |", executor.label()));
        rule.push_str(" ---: |");
    }
    header.push_str(" par@2 / revm | par@2 / seq | target |");
    rule.push_str(" ---: | ---: | ---: |");
    println!("{header}\n{rule}");
    let position = |wanted: Executor| executors.iter().position(|e| *e == wanted);
    let (revm, seq, par2) = (
        position(Executor::RevmLoop),
        position(Executor::Sequential),
        position(Executor::Parallel(2)),
    );
    for case in &cases {
        let n = case.block.len() as f64;
        let seconds: Vec<f64> = case.times.iter().map(|t| median(t)).collect();
        let mut line = format!(
            "| {} | {} | {} |",
            case.block.workload.describe(),
            thousands(n),
            thousands(case.gas_used as f64 / n)
        );
        for s in &seconds {
            line.push_str(&format!(
                " {} ({:.1}) |",
                thousands(n / s),
                case.gas_used as f64 / s / 1e6
            ));
        }
        let ratio = |base: Option<usize>| match (base, par2) {
            (Some(base), Some(par2)) => Some(seconds[base] / seconds[par2]),
            _ => None,
        };
        let shown = |r: Option<f64>| r.map_or("—".to_string(), |r| format!("{r:.2}×"));
        let target = case.block.workload.target_ratio();
        let met = match ratio(revm) {
            Some(r) if r >= target => " (met)",
            Some(_) => " (not met)",
            None => "",
        };
        line.push_str(&format!(
            " {} | {} | ≥ {target}×{met} |",
            shown(ratio(revm)),
            shown(ratio(seq))
        ));
        println!("{line}");
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
