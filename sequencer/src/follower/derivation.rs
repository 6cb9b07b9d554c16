//! The derivation loop: reads DA height by height from the cursor, reassembles batches
//! from frames (skipping foreign and corrupt blobs with a warning and a metric), derives
//! their blocks in order, and advances the safe and finalized heads. On divergence it stops
//! advancing and reports both roots.

use std::{collections::VecDeque, sync::Arc, time::Duration};

use alloy_rlp::bytes::Bytes;
use da::{BatchAssembler, CodecError, DaBackend, DaError};
use futures::{StreamExt, stream};
use tokio::sync::watch;

use execution::ProgressStore;

use crate::{
    Divergence, NodeContext, SequencerError,
    deposits::{DepositCheck, DepositVerdict, deposits_applied},
    follower::block_deriver::{DeriveError, Derived, RecoveredBlock, derive_block, recover_block},
};

/// DA heights fetched ahead of the one being derived.
const PREFETCH: usize = 16;
/// Recovered blocks waiting for the one being executed (one more is being recovered).
const RECOVER_AHEAD: usize = 4;
/// Most heights read in one pass before the DA head is asked again.
const PASS_HEIGHTS: u64 = 1024;
/// How often progress is logged and the cursor saved while reading empty heights.
const PROGRESS_EVERY: Duration = Duration::from_secs(5);

/// Why the loop stopped advancing for good.
enum Stop {
    Shutdown,
    Halted,
}

/// The state of one follower's reading of DA.
struct Derivation {
    ctx: NodeContext,
    da: Arc<dyn DaBackend>,
    assembler: BatchAssembler,
    /// First DA height not yet fully read.
    next: u64,
    /// DA height of the oldest frame of a batch still incomplete.
    pending_since: Option<u64>,
    /// Derived blocks not yet final: (DA height, block number).
    unfinalized: VecDeque<(u64, u64)>,
    last_progress: std::time::Instant,
    retry: Duration,
    /// The L1's deposits, read by this node (`[bridge] enabled`).
    deposits: Option<DepositCheck>,
}

/// Derives the chain from `da` until `shutdown` turns true. Never returns early: on
/// divergence it stops deriving and waits for shutdown, serving what it has.
pub async fn run_derivation(
    ctx: NodeContext,
    da: Arc<dyn DaBackend>,
    mut shutdown: watch::Receiver<bool>,
) {
    let next = match ctx.store.follower_cursor() {
        Ok(Some(next)) => next,
        Ok(None) => ctx.config.follower.da_start_height,
        Err(e) => {
            tracing::error!(error = %e, "cannot read the follower cursor; not deriving");
            let _ = shutdown.wait_for(|stop| *stop).await;
            return;
        }
    };
    let deposits = match ctx
        .store
        .reader()
        .map_err(SequencerError::from)
        .and_then(|reader| DepositCheck::new(&ctx.config, &reader))
    {
        Ok(deposits) => deposits,
        Err(e) => {
            tracing::error!(error = %e, "cannot set up the L1 deposit check; not deriving");
            let _ = shutdown.wait_for(|stop| *stop).await;
            return;
        }
    };
    let head = ctx.store.head_number().ok().flatten().unwrap_or_default();
    ctx.heads.set_safe(head);
    ctx.metrics.safe_head.set(head as i64);
    tracing::info!(da_height = next, head, backend = da.name(), "follower deriving from DA");
    let mut derivation = Derivation {
        retry: Duration::from_millis(ctx.config.da.batcher.retry_initial_ms),
        ctx,
        da,
        assembler: BatchAssembler::new(),
        next,
        pending_since: None,
        unfinalized: VecDeque::new(),
        last_progress: std::time::Instant::now(),
        deposits,
    };
    match derivation.run(&mut shutdown).await {
        Stop::Shutdown => {}
        Stop::Halted => {
            let _ = shutdown.wait_for(|stop| *stop).await;
        }
    }
    derivation.save_cursor();
    tracing::info!("follower stopped");
}

impl Derivation {
    async fn run(&mut self, shutdown: &mut watch::Receiver<bool>) -> Stop {
        let poll = Duration::from_millis(self.ctx.config.follower.poll_interval_ms);
        loop {
            if *shutdown.borrow() {
                return Stop::Shutdown;
            }
            let outcome = self.pass(shutdown).await;
            let wait = match outcome {
                Ok(true) => continue,
                Ok(false) => {
                    // Caught up: make the blocks sealed since the last save durable.
                    self.save_cursor();
                    poll
                }
                Err(PassError::Da(e)) => {
                    self.ctx.metrics.da_read_failures.inc();
                    let delay = self.next_retry();
                    tracing::warn!(error = %e, da_height = self.next, retry_in_ms = delay.as_millis() as u64, "DA read failed");
                    delay
                }
                Err(PassError::Node(e)) => {
                    let delay = self.next_retry();
                    tracing::error!(error = %e, retry_in_ms = delay.as_millis() as u64, "deriving failed");
                    delay
                }
                Err(PassError::Wait(why)) => {
                    self.ctx.metrics.l1_waits.inc();
                    let delay = self.next_retry();
                    tracing::warn!(reason = %why, retry_in_ms = delay.as_millis() as u64, "derivation waits for the L1");
                    delay
                }
                Err(PassError::Halt) => return Stop::Halted,
                Err(PassError::Shutdown) => return Stop::Shutdown,
            };
            tokio::select! {
                _ = tokio::time::sleep(wait) => {}
                _ = shutdown.changed() => {}
            }
        }
    }

    fn next_retry(&mut self) -> Duration {
        let delay = self.retry;
        let max = Duration::from_millis(self.ctx.config.da.batcher.retry_max_ms);
        self.retry = (self.retry * 2).min(max);
        delay
    }

    /// Reads from the cursor up to the DA head (at most [`PASS_HEIGHTS`]). `Ok(true)` when
    /// there may be more to read right away.
    async fn pass(&mut self, shutdown: &mut watch::Receiver<bool>) -> Result<bool, PassError> {
        let da_head = self.da.head_height().await?;
        self.ctx.sync.set_da_head(da_head);
        self.ctx.metrics.da_head.set(da_head as i64);
        self.advance_finalized().await?;
        if self.next > da_head {
            return Ok(false);
        }
        let last = da_head.min(self.next + PASS_HEIGHTS - 1);
        let da = self.da.clone();
        let mut heights = stream::iter(self.next..=last)
            .map(move |h| {
                let da = da.clone();
                async move { (h, da.blobs_at(h).await) }
            })
            .buffered(PREFETCH);
        while let Some((height, blobs)) = heights.next().await {
            if *shutdown.borrow() {
                return Err(PassError::Shutdown);
            }
            let blobs = match blobs {
                Ok(blobs) => blobs,
                // Pruned or not yet served: read it again on the next pass.
                Err(DaError::HeightNotAvailable { .. }) => return Ok(false),
                Err(e) => return Err(e.into()),
            };
            self.read_height(height, blobs).await?;
            self.retry = Duration::from_millis(self.ctx.config.da.batcher.retry_initial_ms);
        }
        Ok(last < da_head)
    }

    /// Derives everything in the blobs of one DA height.
    async fn read_height(&mut self, height: u64, blobs: Vec<Bytes>) -> Result<(), PassError> {
        for (index, blob) in blobs.iter().enumerate() {
            let batch = match self.assembler.push_blob(blob) {
                Ok(batch) => batch,
                Err(e @ CodecError::UnknownVersion(_)) => {
                    // A batch of a newer format: its blocks cannot be derived by this build,
                    // and every block after them depends on them.
                    let head = self.ctx.store.head_number().ok().flatten().unwrap_or_default();
                    self.halt(Divergence::before_execution(head + 1, height, e.to_string()));
                    return Err(PassError::Halt);
                }
                Err(e) => {
                    self.skip_blob(height, index, &e);
                    None
                }
            };
            // Where reading must start again to find this blob's batch whole, should one of
            // its blocks fail: the first height of a frame still pending before this blob
            // (a batch's frames are posted one after another, so they may span heights).
            let pending_before = self.pending_since;
            if self.assembler.pending_batches() == 0 {
                self.pending_since = None;
            } else {
                self.pending_since.get_or_insert(height);
            }
            let Some(batch) = batch else { continue };
            let resume = pending_before.unwrap_or(height).min(height);
            // Senders of the next blocks are recovered (on all cores) while the current one
            // executes and commits: one block after another, in block order, so the block
            // wanted next is never slowed by the ones behind it. The recovery stops when
            // the loop below stops taking blocks.
            let engines = self.ctx.engines.clone();
            let (ready, mut recovered) = tokio::sync::mpsc::channel(RECOVER_AHEAD);
            let recovery = tokio::task::spawn_blocking(move || {
                for block in batch.blocks {
                    let txs = recover_block(&engines, &block);
                    if ready.blocking_send((block, txs)).is_err() {
                        return;
                    }
                }
            });
            while let Some((block, txs)) = recovered.recv().await {
                if let Err(e) = self.derive(block, txs, height, resume).await {
                    self.read_again_from(resume);
                    return Err(e);
                }
            }
            if let Err(e) = recovery.await {
                // Stopped before the batch's last block (a panic): read it again, as above.
                self.read_again_from(resume);
                return Err(PassError::Node(e.into()));
            }
        }
        self.next = height + 1;
        self.ctx.sync.set_da_height(height);
        self.ctx.metrics.da_height.set(height as i64);
        if self.last_progress.elapsed() >= PROGRESS_EVERY {
            self.last_progress = std::time::Instant::now();
            self.save_cursor();
            tracing::info!(
                da_height = height,
                da_head = self.ctx.sync.da_head(),
                head = self.ctx.store.head_number().ok().flatten().unwrap_or_default(),
                "deriving"
            );
        }
        Ok(())
    }

    /// After a block of a batch could not be derived (the L1 is waited for, the node
    /// failed): the assembler remembers the batch as done and would ignore its frames when
    /// the height is read again, so the rest of it would never be derived. Forgets what the
    /// assembler holds and reads again from `resume`, where this batch's first frame and
    /// those of every batch still incomplete are.
    fn read_again_from(&mut self, resume: u64) {
        self.assembler = BatchAssembler::new();
        self.pending_since = None;
        self.next = resume;
    }

    fn skip_blob(&self, height: u64, index: usize, error: &CodecError) {
        let kind = match error {
            CodecError::BadMagic => "foreign",
            _ => "corrupt",
        };
        self.ctx.metrics.blob_skipped(kind);
        tracing::warn!(da_height = height, index, %error, kind, "skipped a blob that is not a valid batch frame");
    }

    async fn derive(
        &mut self,
        block: da::BatchBlock,
        txs: RecoveredBlock,
        height: u64,
        resume: u64,
    ) -> Result<(), PassError> {
        let number = block.number;
        let applied = match &txs {
            Ok(txs) => self.check_deposits(&block, txs, height).await?,
            Err(_) => None,
        };
        let ctx = self.ctx.clone();
        let result =
            tokio::task::spawn_blocking(move || derive_block(&ctx, &block, txs, height, resume))
                .await
                .map_err(|e| PassError::Node(e.into()))?;
        match result {
            Ok(Derived::Sealed(sealed)) => {
                let m = &self.ctx.metrics;
                m.head.set(number as i64);
                m.safe_head.set(number as i64);
                m.blocks_derived.inc();
                m.txs_sealed.inc_by(sealed.transactions.len() as u64);
                self.ctx.heads.set_safe(number);
                self.unfinalized.push_back((height, number));
                if let (Some(check), Some(applied)) = (&mut self.deposits, applied) {
                    check.sealed(applied);
                }
                tracing::debug!(number, da_height = height, hash = %sealed.hash, "derived block");
                let _ = self.ctx.blocks.send(sealed);
                Ok(())
            }
            Ok(Derived::AlreadyHave) => {
                tracing::debug!(number, da_height = height, "block already derived: skipped");
                Ok(())
            }
            Err(DeriveError::Diverged(divergence)) => {
                self.halt(*divergence);
                Err(PassError::Halt)
            }
            Err(e @ DeriveError::Gap { .. }) => {
                let head = self.ctx.store.head_number().ok().flatten().unwrap_or_default();
                self.halt(Divergence::before_execution(number, height, e.to_string()));
                tracing::error!(head, "follower cannot continue");
                Err(PassError::Halt)
            }
            Err(DeriveError::Node(e)) => Err(PassError::Node(e)),
        }
    }

    /// Checks the deposits of `block` (the next block, read at DA height `height`) against
    /// the L1's before it is executed (see `crate::deposits`). The deposits applied after it,
    /// when it is the next block.
    async fn check_deposits(
        &mut self,
        block: &da::BatchBlock,
        txs: &[execution::Transaction],
        height: u64,
    ) -> Result<Option<u64>, PassError> {
        let node = |e: execution::ExecutionError| PassError::Node(e.into());
        let reader = self.ctx.store.reader().map_err(node)?;
        let head = reader.head_number().map_err(node)?.unwrap_or_default();
        if block.number != head + 1 {
            return Ok(None);
        }
        let applied = deposits_applied(&reader).map_err(node)?;
        drop(reader);
        let count = txs.iter().filter(|tx| tx.as_deposit().is_some()).count() as u64;
        let verdict = match &mut self.deposits {
            Some(check) => check
                .check(block.number, block.timestamp, txs, applied)
                .await
                .map_err(|e| PassError::Wait(format!("reading the L1's deposits: {e}")))?,
            None if count > 0 => DepositVerdict::Invalid(
                "the block mints L1 deposits, but this follower has the bridge off and cannot                  check them against the L1 (set [bridge] enabled, l1_rpc_url and portal)"
                    .into(),
            ),
            None => DepositVerdict::Valid,
        };
        match verdict {
            DepositVerdict::Valid => Ok(Some(applied + count)),
            DepositVerdict::Wait(why) => Err(PassError::Wait(why)),
            DepositVerdict::Invalid(reason) => {
                self.halt(Divergence::before_execution(block.number, height, reason));
                Err(PassError::Halt)
            }
        }
    }

    fn halt(&self, divergence: Divergence) {
        tracing::error!(
            number = divergence.number,
            da_height = divergence.da_height,
            expected_hash = %divergence.expected_hash,
            computed_hash = ?divergence.computed_hash,
            expected_state_root = %divergence.expected_state_root,
            computed_state_root = ?divergence.computed_state_root,
            reason = %divergence.reason,
            "follower diverged from the chain on DA: derivation stopped"
        );
        self.ctx.metrics.diverged.set(1);
        self.ctx.metrics.divergence_block.set(divergence.number as i64);
        self.ctx.sync.set_divergence(divergence);
    }

    /// Moves the finalized head to the last derived block whose DA height is final — unless
    /// the chain settles on an L1: then the output verifier decides (`crate::settlement`).
    async fn advance_finalized(&mut self) -> Result<(), PassError> {
        if self.unfinalized.is_empty() {
            return Ok(());
        }
        if self.ctx.config.bridge.enabled {
            self.unfinalized.clear();
            return Ok(());
        }
        let final_height = self.da.finalized_height().await?;
        while let Some(&(height, number)) = self.unfinalized.front() {
            if height > final_height {
                break;
            }
            self.ctx.heads.set_finalized(number);
            self.unfinalized.pop_front();
        }
        Ok(())
    }

    /// Saves the cursor in a durable commit, which also makes every block sealed before it
    /// durable (blocks are sealed without a disk flush: they can be derived again).
    fn save_cursor(&self) {
        let next = self.pending_since.unwrap_or(self.next);
        if let Err(e) = self.ctx.store.save_follower_cursor(next) {
            tracing::warn!(error = %e, "could not save the follower cursor");
        }
    }
}

/// Why one pass over DA ended early.
enum PassError {
    Da(DaError),
    Node(SequencerError),
    /// The L1 has not confirmed what a block needs yet.
    Wait(String),
    Halt,
    Shutdown,
}

impl From<DaError> for PassError {
    fn from(e: DaError) -> Self {
        Self::Da(e)
    }
}
