//! The block builder: on every `block_time` tick, takes transactions of every engine from the
//! pool by fee priority (nonce order within a payer's lane, each engine within its block
//! budget), executes them through the block executor (whose scheduler picks, per block,
//! sequential, optimistic or declared-access execution — same result either way), seals the
//! block (state, root, block and receipts, atomically), then lets the pool forget its
//! transactions and announces it.
//!
//! By default a tick with nothing to include seals an empty block (`chain.empty_blocks`), as
//! OP Stack chains and anvil's interval mining do, so `block.number` and `block.timestamp`
//! advance and confirmations accrue while the chain is idle; with `chain.empty_blocks = false`
//! blocks are produced only when there is work. The builder follows the node's
//! [`MiningMode`] (a devnet's dev methods switch it to automine or on-demand mining) and seals
//! under the [`crate::MiningControl`]'s lock, one block at a time.
//!
//! With the bridge on, it seals no block whose timestamp runs too far ahead of what its
//! deposit feed has read of the L1 (see [`crate::deposits::SequencingBound`]): it skips those
//! slots, and the stall is logged once.

use std::{sync::Arc, time::Instant};

use alloy_primitives::{B256, Bytes};
use execution::{EngineKind, SealedBlock, block::InvalidTxPolicy, execute_block};
use tokio::sync::watch;

use crate::{NodeContext, SequencerError, mempool::BlockSpace, mining::MiningMode};

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
    // With the bridge on, no block runs ahead of what the deposit feed has read of the L1
    // (forced inclusion: see `deposits::SequencingBound`); the builder waits instead.
    if let Some(inbox) = &ctx.deposits {
        let bound = crate::deposits::SequencingBound::new(ctx.config.bridge.sequencing_window_secs);
        if inbox.may_seal(&bound, env.timestamp, &ctx.metrics).is_err() {
            return Ok(BuildResult { block: None, dropped: Vec::new() });
        }
    }
    // L1 deposits first, in the portal's order; then the pool's transactions, in the gas the
    // deposits leave.
    let deposits = match &ctx.deposits {
        Some(inbox) => {
            let applied = crate::deposits::deposits_applied(&reader)?;
            inbox.due(applied, ctx.engines.block_limit(EngineKind::Evm, &env))
        }
        None => Vec::new(),
    };
    let deposit_gas: u64 = deposits.iter().map(|tx| tx.resource_limit()).sum();
    let budget = |kind: EngineKind| {
        let limit = ctx.engines.block_limit(kind, &env);
        if kind == EngineKind::Evm { limit.saturating_sub(deposit_gas) } else { limit }
    };
    let space = BlockSpace {
        number: env.number,
        base_fee: env.base_fee_per_gas,
        max_count: MAX_TXS_PER_BLOCK,
        budget: &budget,
    };
    let mut txs = deposits;
    txs.extend(ctx.mempool.select(&reader, &space)?);
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
    if let Some(inbox) = &ctx.deposits {
        inbox.sealed(crate::deposits::deposits_applied(&reader)?);
    }
    let mut dropped = ctx.mempool.on_block(&sealed, &rejected, &reader)?;
    dropped.extend(sealed.transactions.iter().map(|t| t.hash()));
    let block = Arc::new(sealed);
    let m = &ctx.metrics;
    m.head.set(block.number() as i64);
    m.blocks_sealed.inc();
    m.txs_sealed.inc_by(block.transactions.len() as u64);
    m.block_build_seconds.observe(started.elapsed().as_secs_f64());
    m.da_lag_blocks.set(block.number().saturating_sub(ctx.heads.safe()) as i64);
    // An empty block every block time would flood an idle node's log: those go to debug.
    let level_info = !block.transactions.is_empty();
    macro_rules! sealed_event {
        ($level:ident) => {
            tracing::$level!(
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
        };
    }
    if level_info {
        sealed_event!(info);
    } else {
        sealed_event!(debug);
    }
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

/// The wall clock, in seconds since the Unix epoch.
pub fn now_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}

/// Builds and seals one block on a blocking thread, under the node's sealing lock and at the
/// timestamp of its block clock; with `allow_empty` a block is sealed even when nothing is
/// includable. The pool's journal forgets what left the pool. Returns the sealed block, if
/// one was sealed.
pub async fn seal_next(
    ctx: &NodeContext,
    allow_empty: bool,
) -> Result<Option<Arc<SealedBlock>>, SequencerError> {
    seal_next_at(ctx, allow_empty, None).await
}

/// [`seal_next`], at timestamp `at` when given (pinned under the sealing lock, so no other
/// seal takes it; the block clock goes on from it).
pub async fn seal_next_at(
    ctx: &NodeContext,
    allow_empty: bool,
    at: Option<u64>,
) -> Result<Option<Arc<SealedBlock>>, SequencerError> {
    let sealing = ctx.mining.lock_sealing().await;
    seal_holding(ctx, sealing, allow_empty, at).await
}

/// [`seal_next`] for the builder's own loop in `mode`: under the sealing lock it seals only if
/// the mining mode is still `mode`. A dev method may switch it (say, to manual mining, then
/// `evm_mine`) while a tick already under way waits for the lock: that tick then seals nothing.
async fn seal_in_mode(
    ctx: &NodeContext,
    allow_empty: bool,
    mode: MiningMode,
) -> Result<Option<Arc<SealedBlock>>, SequencerError> {
    let sealing = ctx.mining.lock_sealing().await;
    if ctx.mining.mode() != mode {
        return Ok(None);
    }
    seal_holding(ctx, sealing, allow_empty, None).await
}

/// Builds and seals one block while `_sealing` (the sealing lock) is held.
async fn seal_holding(
    ctx: &NodeContext,
    _sealing: tokio::sync::MutexGuard<'_, ()>,
    allow_empty: bool,
    at: Option<u64>,
) -> Result<Option<Arc<SealedBlock>>, SequencerError> {
    if let Some(timestamp) = at {
        ctx.mining.set_next_timestamp(timestamp);
    }
    let build_ctx = ctx.clone();
    let built = tokio::task::spawn_blocking(move || {
        let now = now_secs();
        let asked = build_ctx.mining.timestamp(now);
        let result = build_block_with(&build_ctx, asked, allow_empty);
        if let Ok(BuildResult { block: Some(block), .. }) = &result {
            build_ctx.mining.sealed(asked, block.header.timestamp, now);
        }
        result
    })
    .await??;
    ctx.mempool.forget(built.dropped).await;
    Ok(built.block)
}

/// Seals once in `mode` (see [`seal_in_mode`]), logging a failure.
async fn seal_logged(
    ctx: &NodeContext,
    allow_empty: bool,
    mode: MiningMode,
) -> Option<Arc<SealedBlock>> {
    match seal_in_mode(ctx, allow_empty, mode).await {
        Ok(block) => block,
        Err(e) => {
            tracing::error!(error = %e, "block building failed");
            None
        }
    }
}

/// Runs the builder, following the node's [`MiningMode`], until `shutdown` turns true:
/// every `block_time` (empty blocks as `chain.empty_blocks` says), on every admission, or
/// never (blocks then come from the devnet's `evm_mine`).
pub async fn run_block_builder(ctx: NodeContext, mut shutdown: watch::Receiver<bool>) {
    let empty_blocks = ctx.config.chain.empty_blocks;
    let mut modes = ctx.mining.subscribe();
    'modes: loop {
        let mode = *modes.borrow_and_update();
        match mode {
            MiningMode::Interval(period) => {
                let mut ticker = tokio::time::interval(period);
                ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                loop {
                    tokio::select! {
                        _ = ticker.tick() => {}
                        _ = modes.changed() => continue 'modes,
                        _ = shutdown.changed() => {}
                    }
                    if *shutdown.borrow() {
                        break 'modes;
                    }
                    seal_logged(&ctx, empty_blocks, mode).await;
                }
            }
            MiningMode::Auto => loop {
                // Seal until nothing includable is left, then wait for the next admission.
                while seal_logged(&ctx, false, mode).await.is_some() && !ctx.mempool.is_empty() {}
                let deposits = ctx.deposits.clone();
                tokio::select! {
                    _ = ctx.mempool.admitted() => {}
                    _ = async { match &deposits { Some(inbox) => inbox.arrived().await, None => std::future::pending().await } } => {}
                    _ = modes.changed() => continue 'modes,
                    _ = shutdown.changed() => {}
                }
                if *shutdown.borrow() {
                    break 'modes;
                }
            },
            MiningMode::Manual => {
                tokio::select! {
                    _ = modes.changed() => continue 'modes,
                    _ = shutdown.changed() => {}
                }
                if *shutdown.borrow() {
                    break 'modes;
                }
            }
        }
    }
    tracing::info!("block builder stopped");
}
