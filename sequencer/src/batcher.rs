//! The batcher: posts sealed blocks to the DA layer in order, as compressed, checksummed
//! batches split into frames that fit the backend's blob limit, and advances the safe head.
//!
//! Progress (the last block on DA, and each block's DA height) is kept in the node database
//! through its [`ProgressStore`], so a restart resumes after the last posted block. A DA
//! failure is retried with exponential backoff and jitter; block production never waits for
//! DA. A crash between posting and recording can post a batch again: the frames carry the
//! same batch id, and a reader skips blocks it already has. A posted batch whose recording
//! fails is recorded again, with backoff, rather than posted again. A batch over the codec's
//! size limit (large blocks, or many that waited while a post was slow) posts its first half
//! first, halving again until it fits.
//!
//! Blocks without transactions (an idle chain seals one every block time) wait up to
//! `da.batcher.empty_batch_delay_ms` for company: an idle chain posts one batch of empty
//! blocks per that interval (or per `max_blocks_per_batch` of them), not one per block, and a
//! block with transactions takes the empty ones before it along at once. Empty blocks are
//! still posted — a follower derives every block, its timestamp included, from DA.
//!
//! A rewind of the chain (a devnet's `evm_revert`, see [`crate::Heads::rewind`]) moves the
//! posted head back; the batcher notices the new epoch and posts the new chain from there.
//! Progress is recorded only in the epoch its blocks were read in.
//!
//! Blocks final on DA become the `finalized` head — unless the chain settles on an L1
//! (`[bridge] enabled`): then the proposer's outputs past their challenge period decide it.

use std::{collections::VecDeque, sync::Arc, time::Duration};

use alloy_rlp::Bytes;
use da::{Batch, BatchBlock, CodecError, DaBackend, DaReceipt, encode_batch};
use execution::{DaInclusion, ProgressStore};
use tokio::sync::watch;

use crate::{NodeContext, SequencerError};

/// The last block posted to DA (0 = only genesis, which is never posted: followers build it
/// from the same genesis config).
pub fn posted_head(ctx: &NodeContext) -> Result<u64, SequencerError> {
    Ok(ctx.store.posted_head()?)
}

/// Where block `number` landed on DA, if it was posted.
pub fn da_inclusion(ctx: &NodeContext, number: u64) -> Result<Option<DaReceipt>, SequencerError> {
    Ok(ctx
        .store
        .da_inclusion(number)?
        .map(|i| DaReceipt { height: i.height, commitment: i.commitment }))
}

fn record_posted(
    ctx: &NodeContext,
    blocks: &[u64],
    receipt: &DaReceipt,
) -> Result<(), SequencerError> {
    let inclusion = DaInclusion { height: receipt.height, commitment: receipt.commitment };
    Ok(ctx.store.record_posted(blocks, inclusion)?)
}

/// Reads blocks `from..=to` as batch blocks: their transactions of every engine, tagged.
pub fn batch_blocks(
    ctx: &NodeContext,
    from: u64,
    to: u64,
) -> Result<Vec<BatchBlock>, SequencerError> {
    let reader = ctx.store.reader()?;
    let mut blocks = Vec::new();
    for number in from..=to {
        // The stored body gives the tagged transactions without decoding them, and the
        // receipts are not needed.
        let Some(header) = reader.header(number)? else { break };
        let transactions = reader.tagged_transactions(number)?.unwrap_or_default();
        blocks.push(BatchBlock {
            number,
            timestamp: header.timestamp,
            parent_hash: header.parent_hash,
            block_hash: header.hash_slow(),
            state_root: header.state_root,
            gas_limit: header.gas_limit,
            base_fee_per_gas: header.base_fee_per_gas.unwrap_or_default(),
            transactions,
        });
    }
    Ok(blocks)
}

/// Encodes `blocks` as one batch in frames of at most `max_blob_bytes`; a batch over the
/// codec's size limit ([`CodecError::TooLarge`]: its blocks are large, or many waited while
/// a post was slow) keeps the first half of its blocks, until it fits — the rest go in the
/// next batches. Returns the blocks the frames hold, and the frames. Fails only for a
/// single block over the limit (or another encoding error).
fn encode_fitting(
    mut blocks: Vec<BatchBlock>,
    max_blob_bytes: usize,
) -> Result<(Vec<BatchBlock>, Vec<Bytes>), CodecError> {
    loop {
        let batch = Batch { blocks };
        match encode_batch(&batch, max_blob_bytes) {
            Ok(frames) => return Ok((batch.blocks, frames)),
            Err(CodecError::TooLarge { size, max }) if batch.blocks.len() > 1 => {
                blocks = batch.blocks;
                let keep = blocks.len() / 2;
                tracing::info!(
                    blocks = blocks.len(),
                    keep,
                    size,
                    max,
                    "batch over the size limit: posting its first half first"
                );
                blocks.truncate(keep);
            }
            Err(e) => return Err(e),
        }
    }
}

/// Waits `delay`, or less if `shutdown` turns true; returns whether to go on (no shutdown).
async fn sleep_unless_shutdown(delay: Duration, shutdown: &mut watch::Receiver<bool>) -> bool {
    tokio::select! {
        _ = tokio::time::sleep(delay) => {}
        _ = shutdown.changed() => {}
    }
    !*shutdown.borrow()
}

/// Exponential backoff with jitter between `initial` and `max`.
#[derive(Debug)]
struct Backoff {
    current: Duration,
    initial: Duration,
    max: Duration,
}

impl Backoff {
    fn new(initial_ms: u64, max_ms: u64) -> Self {
        let initial = Duration::from_millis(initial_ms);
        Self { current: initial, initial, max: Duration::from_millis(max_ms) }
    }
    fn next_delay(&mut self) -> Duration {
        let base = self.current;
        self.current = (self.current * 2).min(self.max);
        // Up to 25% jitter, from the clock's sub-second noise (no RNG needed for spacing).
        let noise = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or_default();
        base + base.mul_f64(f64::from(noise % 250) / 1000.0)
    }
    fn reset(&mut self) {
        self.current = self.initial;
    }
}

/// Advances the finalized head over the posted blocks whose DA inclusion became final,
/// oldest first. A DA error leaves them for the next call.
async fn confirm(
    ctx: &NodeContext,
    da: &dyn DaBackend,
    unconfirmed: &mut VecDeque<(u64, DaReceipt)>,
    epoch: u64,
) {
    while let Some((number, receipt)) = unconfirmed.front() {
        match da.is_confirmed(receipt).await {
            Ok(true) => {
                // With settlement on an L1, the proposer decides finality, not DA.
                let da_final = !ctx.config.bridge.enabled;
                // A rewind meanwhile voids the entry (the batcher drops it next round).
                let set = || {
                    if da_final {
                        ctx.heads.set_finalized(*number)
                    }
                };
                if ctx.heads.unless_rewound(epoch, set).is_none() {
                    break;
                }
                unconfirmed.pop_front();
            }
            Ok(false) => break,
            Err(e) => {
                tracing::debug!(error = %e, "cannot check DA finality yet");
                break;
            }
        }
    }
}

/// Posts sealed blocks to `da` until `shutdown` turns true.
pub async fn run_batcher(
    ctx: NodeContext,
    da: Arc<dyn DaBackend>,
    mut shutdown: watch::Receiver<bool>,
) {
    let cfg = ctx.config.da.batcher.clone();
    let poll = Duration::from_millis(cfg.poll_interval_ms);
    let empty_delay = Duration::from_millis(cfg.empty_batch_delay_ms);
    // Since when unposted blocks, all empty, have been waiting for company.
    let mut empty_since: Option<std::time::Instant> = None;
    let mut backoff = Backoff::new(cfg.retry_initial_ms, cfg.retry_max_ms);
    let mut new_blocks = ctx.blocks.subscribe();
    let mut safe = match posted_head(&ctx) {
        Ok(safe) => safe,
        Err(e) => {
            tracing::error!(error = %e, "batcher cannot read its progress; not posting");
            return;
        }
    };
    ctx.heads.set_safe(safe);
    ctx.metrics.safe_head.set(safe as i64);
    // Posted blocks whose DA inclusion is not final yet, oldest first: (last block, receipt).
    let mut unconfirmed = VecDeque::new();
    match da_inclusion(&ctx, safe) {
        Ok(Some(receipt)) => unconfirmed.push_back((safe, receipt)),
        Ok(None) if !ctx.config.bridge.enabled => ctx.heads.set_finalized(safe),
        Ok(None) => {}
        Err(e) => tracing::warn!(error = %e, "cannot read the last DA inclusion"),
    }
    // The chain's rewinds (a devnet's `evm_revert`) seen so far.
    let mut epoch = ctx.heads.epoch();
    loop {
        if *shutdown.borrow() {
            break;
        }
        if ctx.heads.epoch() != epoch {
            // The chain was rewound: what was posted of the deleted blocks no longer counts
            // (the store's rewind moved the posted head back); post the new chain from there.
            epoch = ctx.heads.epoch();
            safe = match posted_head(&ctx) {
                Ok(posted) => posted,
                Err(e) => {
                    tracing::error!(error = %e, "batcher cannot read its progress");
                    tokio::time::sleep(poll).await;
                    continue;
                }
            };
            unconfirmed.retain(|(number, _)| *number <= safe);
            empty_since = None;
            tracing::info!(posted = safe, "chain rewound: posting again from the posted head");
        }
        confirm(&ctx, da.as_ref(), &mut unconfirmed, epoch).await;
        let head = ctx.store.head_number().ok().flatten().unwrap_or_default();
        if head <= safe {
            tokio::select! {
                _ = new_blocks.recv() => {}
                _ = tokio::time::sleep(poll) => {}
                _ = shutdown.changed() => {}
            }
            continue;
        }
        let to = head.min(safe + cfg.max_blocks_per_batch as u64);
        let blocks = match batch_blocks(&ctx, safe + 1, to) {
            Ok(blocks) if !blocks.is_empty() => blocks,
            Ok(_) => continue,
            Err(e) => {
                tracing::error!(error = %e, "batcher cannot read blocks");
                tokio::time::sleep(poll).await;
                continue;
            }
        };
        let txs: usize = blocks.iter().map(|b| b.transactions.len()).sum();
        if txs == 0 && blocks.len() < cfg.max_blocks_per_batch && !empty_delay.is_zero() {
            let waited = empty_since.get_or_insert_with(std::time::Instant::now).elapsed();
            if waited < empty_delay {
                tokio::select! {
                    _ = new_blocks.recv() => {}
                    _ = tokio::time::sleep(empty_delay - waited) => {}
                    _ = shutdown.changed() => {}
                }
                continue;
            }
        }
        empty_since = None;
        let (blocks, frames) = match encode_fitting(blocks, da.max_blob_bytes()) {
            Ok(encoded) => encoded,
            Err(e) => {
                tracing::error!(error = %e, "batch encoding failed");
                tokio::time::sleep(poll).await;
                continue;
            }
        };
        let numbers: Vec<u64> = blocks.iter().map(|b| b.number).collect();
        let txs: usize = blocks.iter().map(|b| b.transactions.len()).sum();
        let mut last_receipt = None;
        for frame in frames {
            loop {
                // A submission may wait long (an L1 inclusion); shutdown does not wait for it.
                // Cancelling is safe: a frame posted twice is skipped by readers.
                let submitted = tokio::select! {
                    result = da.submit(frame.clone()) => result,
                    _ = shutdown.changed() => return,
                };
                match submitted {
                    Ok(receipt) => {
                        ctx.metrics.batches_posted.inc();
                        backoff.reset();
                        last_receipt = Some(receipt);
                        break;
                    }
                    Err(e) => {
                        ctx.metrics.da_submit_failures.inc();
                        let delay = backoff.next_delay();
                        if e.is_transient() {
                            tracing::warn!(error = %e, retry_in_ms = delay.as_millis() as u64, backend = da.name(), "DA submission failed");
                        } else {
                            // Retried too: the operator may fix the remote side (fund the
                            // account, grant the token) without restarting the node.
                            tracing::error!(error = %e, retry_in_ms = delay.as_millis() as u64, backend = da.name(), "DA refused the batch; fix the [da] settings or the DA account");
                        }
                        if !sleep_unless_shutdown(delay, &mut shutdown).await {
                            return;
                        }
                    }
                }
            }
        }
        let Some(receipt) = last_receipt else { continue };
        let last = *numbers.last().unwrap_or(&safe);
        // Recording is retried on its own: posting the batch again would pay DA again.
        let recorded = loop {
            let recorded = ctx.heads.unless_rewound(epoch, || {
                record_posted(&ctx, &numbers, &receipt)?;
                ctx.heads.set_safe(last);
                Ok::<(), SequencerError>(())
            });
            match recorded {
                Some(Ok(())) => break true,
                // Rewound while posting: the batch held deleted blocks; the loop starts over.
                None => break false,
                Some(Err(e)) => {
                    let delay = backoff.next_delay();
                    tracing::error!(error = %e, retry_in_ms = delay.as_millis() as u64, "could not record DA progress; the batch is posted, recording it again");
                    if !sleep_unless_shutdown(delay, &mut shutdown).await {
                        return;
                    }
                }
            }
        };
        backoff.reset();
        if !recorded {
            continue;
        }
        safe = last;
        ctx.sync.set_da_height(receipt.height);
        ctx.metrics.da_height.set(receipt.height as i64);
        unconfirmed.push_back((safe, receipt.clone()));
        confirm(&ctx, da.as_ref(), &mut unconfirmed, epoch).await;
        ctx.metrics.safe_head.set(safe as i64);
        ctx.metrics.da_lag_blocks.set(head.saturating_sub(safe) as i64);
        // An idle chain's batches of empty blocks are routine: debug, not info.
        if txs > 0 {
            tracing::info!(
                from = numbers[0],
                to = safe,
                txs,
                da_height = receipt.height,
                backend = da.name(),
                "posted batch"
            );
        } else {
            tracing::debug!(
                from = numbers[0],
                to = safe,
                da_height = receipt.height,
                backend = da.name(),
                "posted batch of empty blocks"
            );
        }
    }
    tracing::info!("batcher stopped");
}

#[cfg(test)]
mod tests {
    use alloy_primitives::B256;
    use da::MAX_DECOMPRESSED_BYTES;

    use super::*;

    /// Block `number` holding one transaction of `bytes` zero bytes.
    fn block(number: u64, bytes: usize) -> BatchBlock {
        BatchBlock {
            number,
            timestamp: number,
            parent_hash: B256::with_last_byte(number as u8),
            block_hash: B256::with_last_byte(number as u8 + 1),
            state_root: B256::ZERO,
            gas_limit: 30_000_000,
            base_fee_per_gas: 1,
            transactions: vec![vec![0u8; bytes].into()],
        }
    }

    #[test]
    fn a_batch_over_the_size_limit_posts_its_first_blocks_and_leaves_the_rest() {
        // Three blocks of 30 MB: together over the codec's 64 MiB, one alone under it.
        let third = 30_000_000;
        assert!(3 * third > MAX_DECOMPRESSED_BYTES && third < MAX_DECOMPRESSED_BYTES);
        let blocks: Vec<BatchBlock> = (1..=3).map(|n| block(n, third)).collect();
        let (kept, frames) = encode_fitting(blocks, 1_966_080).unwrap();
        assert_eq!(kept.iter().map(|b| b.number).collect::<Vec<_>>(), vec![1]);
        // The frames are the kept block's batch, read back whole.
        let mut assembler = da::BatchAssembler::new();
        let batch = frames.iter().filter_map(|f| assembler.push_blob(f).unwrap()).next().unwrap();
        assert_eq!(batch.blocks, kept);
        // A batch that fits is left whole.
        let small: Vec<BatchBlock> = (1..=3).map(|n| block(n, 1_000)).collect();
        assert_eq!(encode_fitting(small.clone(), 1_966_080).unwrap().0, small);
    }

    #[test]
    fn a_single_block_over_the_size_limit_is_an_error() {
        let err = encode_fitting(vec![block(1, MAX_DECOMPRESSED_BYTES + 1)], 1_966_080);
        assert!(matches!(err, Err(CodecError::TooLarge { .. })), "{err:?}");
    }
}
