//! The block builder: on every `block_time` tick, takes transactions of every engine from the
//! pool by fee priority (nonce order within a payer's lane, each engine within its block
//! budget), executes them through the block executor (whose scheduler picks, per block,
//! sequential, optimistic or declared-access execution — same result either way), seals the
//! block (state, root, block and receipts, atomically), then lets the pool forget its
//! transactions and announces it.
//!
//! A tick with nothing to include seals nothing: blocks are produced when there is work, as
//! Arbitrum does, so an idle devnet does not grow its database by a block every 250 ms.

use std::{sync::Arc, time::Instant};

use alloy_primitives::{B256, Bytes};
use execution::{EngineKind, SealedBlock, block::InvalidTxPolicy, execute_block};
use tokio::sync::watch;

use crate::{NodeContext, SequencerError, mempool::BlockSpace};

/// Most transactions in one block.
pub const MAX_TXS_PER_BLOCK: usize = 50_000;

/// What one build step did.
#[derive(Debug)]
pub struct BuildResult {
    /// The sealed block, if one was sealed.
    pub block: Option<Arc<SealedBlock>>,
    /// Transactions that left the pool (included, invalid or stale): the journal forgets them.
    pub dropped: Vec<B256>,
}

/// Builds and seals one block from the pool if it holds anything includable. Blocking:
/// call it from a blocking thread.
pub fn build_block(ctx: &NodeContext, now_secs: u64) -> Result<BuildResult, SequencerError> {
    build_block_with(ctx, now_secs, false)
}

/// [`build_block`], but with `allow_empty` a block is sealed even when nothing is includable
/// (a dev L1 mining on an interval, so that confirmations advance).
pub fn build_block_with(
    ctx: &NodeContext,
    now_secs: u64,
    allow_empty: bool,
) -> Result<BuildResult, SequencerError> {
    let started = Instant::now();
    let reader = ctx.store.reader()?;
    let head = reader.head_header()?;
    let env = ctx.chain.next_block_env(&head, now_secs);
    let budget = |kind: EngineKind| ctx.engines.block_limit(kind, &env);
    let space = BlockSpace {
        number: env.number,
        base_fee: env.base_fee_per_gas,
        max_count: MAX_TXS_PER_BLOCK,
        budget: &budget,
    };
    let txs = ctx.mempool.select(&reader, &space)?;
    let selected_at = Instant::now();
    if txs.is_empty() && !allow_empty {
        return Ok(BuildResult { block: None, dropped: Vec::new() });
    }
    let executed = {
        let mut scheduler = ctx.executor.lock();
        execute_block(&ctx.engines, &env, &reader, txs, InvalidTxPolicy::Skip, &mut scheduler)?
    };
    let (outcome, report) = (executed.outcome, executed.report);
    ctx.metrics.block_executed(&report);
    drop(reader);
    let executed_at = Instant::now();
    // What the block refused leaves the pool only when it can never pass; the rest waits
    // for a later block (see `Rejection::may_pass_later`).
    let mut rejected: Vec<B256> = Vec::new();
    for (tx, reason) in &outcome.rejected {
        let (hash, kind) = (tx.hash(), tx.kind());
        if reason.may_pass_later() {
            tracing::debug!(%hash, %kind, %reason, "transaction waits for a later block");
        } else {
            tracing::info!(%hash, %kind, %reason, "transaction dropped: its block refused it");
            rejected.push(hash);
        }
    }
    if outcome.transactions.is_empty() && !allow_empty {
        // Nothing executable: seal nothing, but do not offer the invalid ones again.
        let dropped = ctx.mempool.remove(&rejected);
        return Ok(BuildResult { block: None, dropped });
    }
    let sealed = ctx.store.seal_block(&outcome, Bytes::new())?;
    let sealed_at = Instant::now();
    let reader = ctx.store.reader()?;
    let mut dropped = ctx.mempool.on_block(&sealed, &rejected, &reader)?;
    dropped.extend(sealed.transactions.iter().map(|t| t.hash()));
    let block = Arc::new(sealed);
    let m = &ctx.metrics;
    m.head.set(block.number() as i64);
    m.blocks_sealed.inc();
    m.txs_sealed.inc_by(block.transactions.len() as u64);
    m.block_build_seconds.observe(started.elapsed().as_secs_f64());
    m.da_lag_blocks.set(block.number().saturating_sub(ctx.heads.safe()) as i64);
    tracing::info!(
        number = block.number(),
        txs = block.transactions.len(),
        gas_used = block.header.gas_used,
        hash = %block.hash,
        ms = started.elapsed().as_millis() as u64,
        select_ms = (selected_at - started).as_millis() as u64,
        execute_ms = (executed_at - selected_at).as_millis() as u64,
        seal_ms = (sealed_at - executed_at).as_millis() as u64,
        strategy = report.strategy.name(),
        threads = report.threads,
        aborts = report.aborts,
        abort_rate = format!("{:.3}", report.abort_rate()),
        "sealed block"
    );
    if let Some(fallback) = report.fallback {
        tracing::debug!(
            number = block.number(),
            reason = report.reason,
            fallback,
            "parallel execution fell back"
        );
    }
    let _ = ctx.blocks.send(block.clone());
    Ok(BuildResult { block: Some(block), dropped })
}

fn now_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}

/// Runs the builder every `block_time` until `shutdown` turns true.
pub async fn run_block_builder(ctx: NodeContext, mut shutdown: watch::Receiver<bool>) {
    let period = std::time::Duration::from_millis(ctx.config.chain.block_time_ms);
    let mut ticker = tokio::time::interval(period);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = ticker.tick() => {}
            _ = shutdown.changed() => break,
        }
        if *shutdown.borrow() {
            break;
        }
        let build_ctx = ctx.clone();
        match tokio::task::spawn_blocking(move || build_block(&build_ctx, now_secs())).await {
            Ok(Ok(result)) => ctx.mempool.forget(result.dropped).await,
            Ok(Err(e)) => tracing::error!(error = %e, "block building failed"),
            Err(e) => tracing::error!(error = %e, "block builder task panicked"),
        }
    }
    tracing::info!("block builder stopped");
}
