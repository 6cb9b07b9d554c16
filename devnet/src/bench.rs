//! `manifold bench`: EVM transfer execution throughput, end-to-end sealing throughput
//! (signed transfers → admission with parallel signature recovery and group-committed
//! journal → block building → execution → state root → persisted block), as tx/s, and the
//! derivation speed of a follower re-executing the same blocks from DA; what an empty
//! block costs (`bench_empty_blocks`), and what state history adds to a seal
//! (`bench_history`).
//!
//! Signing the workload is not timed. Figures depend on the machine: the core count is
//! printed with them.

use std::time::Instant;

use alloy_consensus::{SignableTransaction, TxEip1559, TxEnvelope};
use alloy_network::TxSignerSync;
use alloy_primitives::{Address, Bytes, TxKind, U256, keccak256};
use alloy_signer_local::PrivateKeySigner;
use execution::{
    BlockEnv, EngineKind, Engines, Transaction, TxError,
    block::{InvalidTxPolicy, execute_block},
    scheduler::{ParallelExecutor, SchedulerConfig},
};
use node_config::{GenesisAccount, NodeConfig};
use rayon::prelude::*;
use sequencer::{Node, block_builder::run_block_builder};

use crate::cli::BenchArgs;

fn signer(i: usize) -> PrivateKeySigner {
    let mut seed = keccak256((i as u64 + 1).to_be_bytes());
    seed.0[0] &= 0x7f; // keep it below the curve order
    PrivateKeySigner::from_bytes(&seed).expect("valid key")
}

fn workload(args: &BenchArgs, chain_id: u64) -> (Vec<Address>, Vec<Bytes>) {
    let signers: Vec<PrivateKeySigner> = (0..args.senders).into_par_iter().map(signer).collect();
    let addresses = signers.iter().map(|s| s.address()).collect();
    let per_sender = args.txs.div_ceil(args.senders);
    // Round-robin by nonce, so every block holds one nonce of many senders.
    let jobs: Vec<(usize, u64)> = (0..per_sender as u64)
        .flat_map(|nonce| (0..args.senders).map(move |s| (s, nonce)))
        .take(args.txs)
        .collect();
    let raws = jobs
        .par_iter()
        .map(|(s, nonce)| {
            let mut tx = TxEip1559 {
                chain_id,
                nonce: *nonce,
                gas_limit: 21_000,
                max_fee_per_gas: 100_000_000_000,
                max_priority_fee_per_gas: 1_000_000_000,
                to: TxKind::Call(Address::from_word(keccak256(
                    (*s as u64 * 7919 + nonce).to_be_bytes(),
                ))),
                value: U256::from(1_000u64),
                ..Default::default()
            };
            let sig = signers[*s].sign_transaction_sync(&mut tx).expect("signing");
            let env: TxEnvelope = tx.into_signed(sig).into();
            Bytes::from(alloy_eips::eip2718::Encodable2718::encoded_2718(&env))
        })
        .collect();
    (addresses, raws)
}

/// Decodes and recovers `raws` on all cores, keeping order.
fn decode_all(engines: &Engines, raws: &[Bytes]) -> Result<Vec<Transaction>, TxError> {
    raws.par_iter().map(|raw| engines.decode(EngineKind::Evm, raw)).collect()
}

pub(crate) async fn run(args: BenchArgs) -> eyre::Result<()> {
    crate::logging::init("warn", false);
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    let dir = tempfile::tempdir()?;
    let mut config = NodeConfig { data_dir: dir.path().to_path_buf(), ..NodeConfig::default() };
    config.chain.block_gas_limit = (args.block_txs.max(1) as u64) * 21_000;
    config.chain.block_time_ms = args.block_time;
    config.execution.threads = args.threads;
    config.mempool.max_per_sender = args.txs.div_ceil(args.senders) + 16;
    config.mempool.max_txs = args.txs + 1024;
    // Chunks are admitted concurrently, so a sender's nonces may arrive out of order.
    config.mempool.max_queued_per_sender = config.mempool.max_per_sender;
    config.mempool.max_queued = config.mempool.max_txs;
    eprintln!("signing {} transfers from {} senders (not timed)...", args.txs, args.senders);
    let (senders, raws) = workload(&args, config.chain.chain_id);
    let funded = GenesisAccount {
        balance: U256::from(10u128.pow(24)),
        nonce: 0,
        code: None,
        storage: Default::default(),
    };
    config.genesis.alloc = senders.iter().map(|a| (*a, funded.clone())).collect();

    // 1. Every transfer in one block through the block executor on one worker (senders
    //    already recovered): EVM execution with the block's bookkeeping.
    let ctx = Node::open(config.clone())?;
    let started = Instant::now();
    let txs: Vec<Transaction> = decode_all(&ctx.engines, &raws)?;
    let recover_secs = started.elapsed().as_secs_f64();
    let reader = ctx.store.reader()?;
    let head = reader.head_header()?;
    let env = BlockEnv { gas_limit: u64::MAX, ..ctx.chain.next_block_env(&head, head.timestamp) };
    let started = Instant::now();
    let all = execute_block(
        &ctx.engines,
        &env,
        &reader,
        txs.clone(),
        InvalidTxPolicy::Fail,
        &mut ParallelExecutor::sequential(),
    )?;
    let exec_secs = started.elapsed().as_secs_f64();
    if all.outcome.transactions.len() != txs.len() {
        eyre::bail!("bench transfers rejected: {:?}", all.outcome.rejected.first());
    }
    drop(all);

    // 1b. One block of the same transfers through the block executor: on one worker, and
    //     with the scheduler at the core count, checked to agree.
    let block: Vec<Transaction> = txs.iter().take(args.block_txs).cloned().collect();
    let block_env = BlockEnv { gas_limit: block.len() as u64 * 21_000, ..env };
    let started = Instant::now();
    let sequential = execute_block(
        &ctx.engines,
        &block_env,
        &reader,
        block.clone(),
        InvalidTxPolicy::Fail,
        &mut ParallelExecutor::sequential(),
    )?;
    let sequential_secs = started.elapsed().as_secs_f64();
    let started = Instant::now();
    let parallel = execute_block(
        &ctx.engines,
        &block_env,
        &reader,
        block.clone(),
        InvalidTxPolicy::Fail,
        &mut ParallelExecutor::new(SchedulerConfig { threads: cores, ..Default::default() }),
    )?;
    let parallel_secs = started.elapsed().as_secs_f64();
    if parallel.outcome.changes != sequential.outcome.changes {
        eyre::bail!("Block-STM and the sequential executor disagree");
    }
    drop(reader);

    // 1c. What state history costs a seal: the transfers sealed in blocks on two fresh
    //     stores, one keeping every block's state, one the head's only.
    eprintln!("sealing the transfers with and without state history...");
    let history = crate::bench_history::measure(&ctx, &txs, args.block_txs)?;
    drop(ctx);

    // 2. End to end through the sequencer, on a fresh chain: transactions stream in through
    //    admission while the builder seals blocks, as on a live node.
    let dir2 = tempfile::tempdir()?;
    let config2 = NodeConfig { data_dir: dir2.path().to_path_buf(), ..config };
    // Blocks only when there are transactions: the figures count the workload's blocks.
    let mut config2 = config2;
    config2.chain.empty_blocks = false;
    let ctx = Node::open(config2)?;
    // The node's own builder loop, ticking every block_time.
    let mut sealed_blocks = ctx.blocks.subscribe();
    let (stop, stop_rx) = tokio::sync::watch::channel(false);
    let started = Instant::now();
    let builder_task = tokio::spawn(run_block_builder(ctx.clone(), stop_rx));
    let expected = args.txs;
    let builder = tokio::spawn(async move {
        let (mut blocks, mut sealed_txs) = (0usize, 0usize);
        while sealed_txs < expected {
            let block = sealed_blocks.recv().await?;
            blocks += 1;
            sealed_txs += block.transactions.len();
        }
        Ok::<_, eyre::Report>((blocks, sealed_txs, started.elapsed().as_secs_f64()))
    });
    // Admission recovers signatures on all cores but one: the builder, which seals on the
    // critical path, keeps a core (as a node should give its RPC workers fewer cores than it
    // has).
    let recovery_pool = std::sync::Arc::new(
        rayon::ThreadPoolBuilder::new().num_threads(cores.saturating_sub(1).max(1)).build()?,
    );
    let mut admissions = tokio::task::JoinSet::new();
    for chunk in raws.chunks(256) {
        let chunk = chunk.to_vec();
        let mempool = ctx.mempool.clone();
        let pool = recovery_pool.clone();
        let engines = ctx.engines.clone();
        admissions.spawn(async move {
            // Recover the chunk's senders in parallel, then admit.
            let decoded = tokio::task::spawn_blocking(move || {
                use rayon::prelude::*;
                pool.install(|| {
                    chunk
                        .par_iter()
                        .map(|raw| engines.decode(EngineKind::Evm, raw))
                        .collect::<Vec<_>>()
                })
            })
            .await?;
            let mut pending = Vec::with_capacity(decoded.len());
            for tx in decoded {
                let mempool = mempool.clone();
                let tx = tx?;
                pending.push(async move { mempool.admit(tx).await });
            }
            for result in futures::future::join_all(pending).await {
                result.map_err(|e| eyre::eyre!("admission failed: {e}"))?;
            }
            Ok::<_, eyre::Report>(())
        });
    }
    while let Some(result) = admissions.join_next().await {
        result??;
    }
    let admitted_secs = started.elapsed().as_secs_f64();
    let (blocks, sealed_txs, total_secs) = builder.await??;
    let _ = stop.send(true);
    builder_task.await?;
    if sealed_txs != args.txs {
        eyre::bail!("sealed {sealed_txs} of {} transactions", args.txs);
    }
    // How the scheduler executed the sealed blocks.
    let strategies: Vec<String> = ["declared", "optimistic", "sequential"]
        .into_iter()
        .filter_map(|strategy| {
            let labels = vec![("strategy".to_owned(), strategy.to_owned())];
            let count = ctx.metrics.blocks_executed.get_or_create(&labels).get();
            (count > 0).then(|| format!("{strategy} {count}"))
        })
        .collect();
    let root_check = ctx.store.reader()?;
    assert_eq!(root_check.state_root()?, root_check.head_header()?.state_root);
    let head = root_check.head_header()?;
    let genesis_timestamp = root_check.header(0)?.map(|h| h.timestamp).unwrap_or_default();
    drop(root_check);

    // 3. Derivation: post the sealed blocks to a local DA (not timed), then a follower on a
    //    fresh database re-derives them from DA alone.
    let da: std::sync::Arc<dyn da::DaBackend> = std::sync::Arc::new(da::LocalDa::open(
        ctx.config.local_da_path(),
        ctx.config.da.local.max_blob_bytes,
    )?);
    let (stop_batcher, stop_batcher_rx) = tokio::sync::watch::channel(false);
    let batcher =
        tokio::spawn(sequencer::batcher::run_batcher(ctx.clone(), da.clone(), stop_batcher_rx));
    while ctx.heads.safe() < head.number {
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    let _ = stop_batcher.send(true);
    batcher.await?;
    let dir3 = tempfile::tempdir()?;
    let mut follower_config =
        NodeConfig { data_dir: dir3.path().to_path_buf(), ..(*ctx.config).clone() };
    follower_config.genesis.timestamp = genesis_timestamp;
    let follower = Node::open_as(follower_config, sequencer::NodeRole::Follower)?;
    let mut derived_blocks = follower.blocks.subscribe();
    let (stop_follower, stop_follower_rx) = tokio::sync::watch::channel(false);
    let started = Instant::now();
    let cpu_before = process_cpu_secs();
    let derivation =
        tokio::spawn(sequencer::follower::run_derivation(follower.clone(), da, stop_follower_rx));
    loop {
        let block = derived_blocks.recv().await?;
        if block.number() == head.number {
            if block.hash != head.hash_slow() {
                eyre::bail!("the follower derived another block {} than was sealed", head.number);
            }
            break;
        }
    }
    let derive_secs = started.elapsed().as_secs_f64();
    let derive_cpu = process_cpu_secs().zip(cpu_before).map(|(after, before)| after - before);
    let _ = stop_follower.send(true);
    derivation.await?;

    // 4. Empty blocks, on a chain holding the workload's funded accounts.
    let empty_config = (*ctx.config).clone();
    let empty_blocks = args.empty_blocks;
    let empty = tokio::task::spawn_blocking(move || {
        crate::bench_empty_blocks::measure(&empty_config, empty_blocks)
    })
    .await??;

    println!(
        "manifold bench — {} signed EIP-1559 transfers, {} senders, {} ms blocks, {cores} cores",
        args.txs, args.senders, args.block_time
    );
    println!(
        "  signature recovery ({cores} cores): {:>10.0} tx/s  ({:.3} s)",
        args.txs as f64 / recover_secs,
        recover_secs
    );
    println!(
        "  block executor, sequential:    {:>10.0} tx/s  ({} transfers)",
        block.len() as f64 / sequential_secs,
        block.len()
    );
    println!(
        "  block executor, Block-STM x{cores}: {:>10.0} tx/s  ({:.2}x sequential)",
        block.len() as f64 / parallel_secs,
        sequential_secs / parallel_secs
    );
    println!(
        "  EVM transfers, one block:      {:>10.0} tx/s  ({:.3} s, one worker)",
        args.txs as f64 / exec_secs,
        exec_secs
    );
    println!(
        "  admission (recover + journal): {:>10.0} tx/s  ({:.3} s, while sealing)",
        args.txs as f64 / admitted_secs,
        admitted_secs
    );
    println!(
        "  end to end sealed, {} thread(s): {:>8.0} tx/s  ({:.3} s, {blocks} blocks: {})",
        ctx.config.execution.worker_threads(),
        args.txs as f64 / total_secs,
        total_secs,
        strategies.join(", ")
    );
    println!(
        "  derivation from DA (follower): {:>10.0} tx/s  ({:.3} s, {:.1} blocks/s, {:.2}x the \
         sealing rate, {:.1}x real time)",
        args.txs as f64 / derive_secs,
        derive_secs,
        blocks as f64 / derive_secs,
        total_secs / derive_secs,
        blocks as f64 * args.block_time as f64 / 1000.0 / derive_secs,
    );
    if let Some(cpu) = derive_cpu {
        println!(
            "    CPU while deriving:            {:>10.2} core-s ({:.0}% of {cores} cores)",
            cpu,
            100.0 * cpu / derive_secs / cores as f64
        );
    }
    println!(
        "  empty block, seal:             {:>10.3} ms    ({} blocks; {:.0} B on disk each, {} B \
         on DA alone, {:.1} B each in a batch of {})",
        empty.seal_ms,
        empty.blocks,
        empty.disk_bytes,
        empty.da_alone_bytes,
        empty.da_batched_bytes,
        empty.batched,
    );
    let (extra_ms, extra_share) = history.seal_overhead();
    let per_block = |n: u64| n as f64 / history.blocks.max(1) as f64;
    println!(
        "  state history (all kept):      {:>+10.1} ms seal/block ({:+.0}%), {:.0} bytes/block \
         stored ({:.0} entries/block, {:.0} bytes/entry; {:.0} bytes/block of pages; {} blocks \
         of {})",
        extra_ms,
        extra_share * 100.0,
        per_block(history.stored_bytes),
        per_block(history.entries + history.node_entries),
        history.stored_bytes as f64 / (history.entries + history.node_entries).max(1) as f64,
        per_block(history.allocated_bytes),
        history.blocks,
        args.block_txs,
    );
    println!(
        "    of which trie nodes:         {:>10.0} bytes/block stored ({:.0} entries/block, \
         {:.0} bytes/entry)",
        per_block(history.node_stored_bytes),
        per_block(history.node_entries),
        history.node_stored_bytes as f64 / history.node_entries.max(1) as f64,
    );
    Ok(())
}

/// CPU time the process has used (user + system), in seconds, from `/proc/self/stat` (Linux;
/// `None` elsewhere). Clock ticks are taken at the kernel's usual 100 per second.
fn process_cpu_secs() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name (which may hold spaces) start at state, field 3.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(ticks as f64 / 100.0)
}
