//! `manifold bench`'s state-history figure: what recording the per-block change sets costs
//! in seal time and disk. The workload's transfers are sealed in blocks of `--block-txs`
//! on two fresh stores fed the same executed blocks, alternately: one keeping every block's
//! state (`keep_blocks = "all"`), one keeping only the head's (`keep_blocks = 1`, which
//! records nothing). The history includes the trie's (old nodes, for `eth_getProof` at older
//! blocks), reported apart.

use std::time::{Duration, Instant};

use alloy_primitives::Bytes;
use execution::{
    Store, Transaction,
    block::{InvalidTxPolicy, execute_block},
    scheduler::ParallelExecutor,
};
use node_config::KeepBlocks;
use sequencer::NodeContext;

/// Seal time and history size of the two stores.
pub(crate) struct HistoryCost {
    /// Blocks sealed on each store.
    pub(crate) blocks: usize,
    /// Total seal time with every block's state kept.
    pub(crate) with_history: Duration,
    /// Total seal time with the head's state only.
    pub(crate) without_history: Duration,
    /// History entries recorded (old values of accounts and slots).
    pub(crate) entries: u64,
    /// Trie history entries recorded (old trie nodes, for `eth_getProof`).
    pub(crate) node_entries: u64,
    /// Bytes of the history's keys and values.
    pub(crate) stored_bytes: u64,
    /// Of `stored_bytes`, those of the trie history.
    pub(crate) node_stored_bytes: u64,
    /// Bytes of the pages the history tables take.
    pub(crate) allocated_bytes: u64,
}

impl HistoryCost {
    /// Extra seal time per block, in milliseconds, and relative to the seal without history.
    pub(crate) fn seal_overhead(&self) -> (f64, f64) {
        let per_block = |d: Duration| d.as_secs_f64() * 1000.0 / self.blocks.max(1) as f64;
        let (with, without) = (per_block(self.with_history), per_block(self.without_history));
        (with - without, (with - without) / without.max(f64::EPSILON))
    }
}

/// Seals `txs` in blocks of `block_txs` on two fresh stores over `ctx`'s chain and genesis.
pub(crate) fn measure(
    ctx: &NodeContext,
    txs: &[Transaction],
    block_txs: usize,
) -> eyre::Result<HistoryCost> {
    let dir = tempfile::tempdir()?;
    let open = |name: &str, keep: KeepBlocks| -> eyre::Result<Store> {
        let store = Store::open(dir.path().join(name))?.keep_blocks(keep);
        store.init_genesis(&ctx.chain, &ctx.config.genesis, 1)?;
        Ok(store)
    };
    let archive = open("archive", KeepBlocks::All)?;
    let head_only = open("head-only", KeepBlocks::Recent(1))?;
    let mut cost = HistoryCost {
        blocks: 0,
        with_history: Duration::ZERO,
        without_history: Duration::ZERO,
        entries: 0,
        node_entries: 0,
        stored_bytes: 0,
        node_stored_bytes: 0,
        allocated_bytes: 0,
    };
    for (i, chunk) in txs.chunks(block_txs.max(1)).enumerate() {
        // Both stores hold the same state: one execution serves both.
        let reader = head_only.reader()?;
        let head = reader.head_header()?;
        let env = ctx.chain.next_block_env(&head, head.timestamp + 1);
        let executed = execute_block(
            &ctx.engines,
            &env,
            &reader,
            chunk.to_vec(),
            InvalidTxPolicy::Fail,
            &mut ParallelExecutor::sequential(),
        )?;
        drop(reader);
        let seal = |store: &Store| -> eyre::Result<Duration> {
            let started = Instant::now();
            store.seal_block(&executed.outcome, Bytes::new())?;
            Ok(started.elapsed())
        };
        // Alternate which store seals first, so neither always meets a warm cache.
        if i % 2 == 0 {
            cost.with_history += seal(&archive)?;
            cost.without_history += seal(&head_only)?;
        } else {
            cost.without_history += seal(&head_only)?;
            cost.with_history += seal(&archive)?;
        }
        cost.blocks += 1;
    }
    let size = archive.history_size()?;
    (cost.entries, cost.node_entries) = (size.entries, size.node_entries);
    (cost.stored_bytes, cost.node_stored_bytes, cost.allocated_bytes) =
        (size.stored_bytes, size.node_stored_bytes, size.allocated_bytes);
    Ok(cost)
}
