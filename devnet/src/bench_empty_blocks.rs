//! `manifold bench`'s empty-block figures: what a block with no transaction costs the node —
//! the time to build and seal it (environment, empty execution, state root, persisted block),
//! the bytes it adds to the node database, and its bytes on DA, posted alone and in a batch.
//! Idle intervals seal such blocks by default (`chain.empty_blocks`), so they must stay cheap.

use std::time::Instant;

use da::{Batch, encode_batch};
use node_config::NodeConfig;
use sequencer::{
    Node, batcher,
    block_builder::{build_block_with, now_secs},
    node::DB_FILE,
};

/// Blocks in the batch whose per-block DA size is reported (the batcher's default
/// `max_blocks_per_batch`).
const BATCHED: usize = 100;

/// What an empty block costs.
#[derive(Debug)]
pub(crate) struct EmptyBlockCost {
    /// Empty blocks sealed.
    pub(crate) blocks: u64,
    /// Mean time to build and seal one, in milliseconds.
    pub(crate) seal_ms: f64,
    /// Growth of the node database per block, in bytes.
    pub(crate) disk_bytes: f64,
    /// One empty block posted alone: its frame on DA, in bytes.
    pub(crate) da_alone_bytes: usize,
    /// Per block, in a batch of [`BATCHED`] (or all sealed, if fewer) empty blocks.
    pub(crate) da_batched_bytes: f64,
    /// How many blocks that batch held.
    pub(crate) batched: usize,
}

/// Seals `blocks` empty blocks on a fresh chain of `config` (in a temporary directory) and
/// measures them.
pub(crate) fn measure(config: &NodeConfig, blocks: u64) -> eyre::Result<EmptyBlockCost> {
    let dir = tempfile::tempdir()?;
    let config = NodeConfig { data_dir: dir.path().to_path_buf(), ..config.clone() };
    let ctx = Node::open(config)?;
    let seal = || -> eyre::Result<u64> {
        let block = build_block_with(&ctx, now_secs(), true)?
            .block
            .ok_or_else(|| eyre::eyre!("no empty block was sealed"))?;
        eyre::ensure!(block.transactions.is_empty(), "an empty block holds transactions");
        Ok(block.number())
    };
    // A few blocks first, so the database's first allocations are not counted.
    for _ in 0..8 {
        seal()?;
    }
    let db = dir.path().join(DB_FILE);
    let size_before = std::fs::metadata(&db)?.len();
    let started = Instant::now();
    let mut numbers = Vec::new();
    for _ in 0..blocks.max(1) {
        numbers.push(seal()?);
    }
    let seal_secs = started.elapsed().as_secs_f64();
    let size_after = std::fs::metadata(&db)?.len();
    let (first, last) = (numbers[0], numbers[numbers.len() - 1]);
    let sealed = batcher::batch_blocks(&ctx, first, last)?;
    let max_blob = ctx.config.da.local.max_blob_bytes;
    let bytes = |blocks: &[da::BatchBlock]| -> eyre::Result<usize> {
        let frames = encode_batch(&Batch { blocks: blocks.to_vec() }, max_blob)?;
        Ok(frames.iter().map(|f| f.len()).sum())
    };
    let batched = sealed.len().min(BATCHED);
    let count = numbers.len() as f64;
    Ok(EmptyBlockCost {
        blocks: numbers.len() as u64,
        seal_ms: seal_secs * 1000.0 / count,
        disk_bytes: size_after.saturating_sub(size_before) as f64 / count,
        da_alone_bytes: bytes(&sealed[..1])?,
        da_batched_bytes: bytes(&sealed[..batched])? as f64 / batched as f64,
        batched,
    })
}
