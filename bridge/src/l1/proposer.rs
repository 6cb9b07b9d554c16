//! The proposer: posts the node's output roots to the L1 `OutputOracle`, and tells the node
//! which L2 blocks are finalized — covered by an output past its challenge period.
//!
//! Each round it reads the oracle's latest output and the node's safe head (blocks on DA), and
//! posts the output root of the newest block that is a multiple of the output interval, safe,
//! and above the latest output — so after an outage it catches up with one post rather than
//! one per missed interval (withdrawals of the skipped blocks are proven against the next
//! output, as in OP Stack). The root comes from the node's own state ([`OutputSource`]): the
//! proposer never posts a root it did not compute. A root already posted that differs from the
//! node's is reported (the guardian should delete it). Finality: outputs are finalized in
//! order, so the newest finalized one is found by binary search over `isFinalized`. Every L1
//! failure is retried with exponential backoff.

use std::time::Duration;

use alloy::{
    primitives::{Address, U256},
    providers::{DynProvider, Provider},
};
use tokio::sync::watch;

use crate::{BridgeError, OutputRoot, contracts::OutputOracle};

/// What the proposer needs of the node.
pub trait OutputSource: Send + Sync {
    /// The newest L2 block on DA.
    fn safe_head(&self) -> u64;
    /// The output root of L2 block `number`, from the node's own state.
    fn output_at(&self, number: u64) -> Result<OutputRoot, BridgeError>;
    /// L2 blocks up to `number` are covered by an output past its challenge period.
    fn finalized(&self, number: u64);
}

/// How the proposer runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProposerConfig {
    /// The `OutputOracle`.
    pub oracle: Address,
    /// Outputs are posted for blocks that are multiples of this (> 0).
    pub interval_blocks: u64,
    /// The L1's chain id, when it must be checked.
    pub l1_chain_id: Option<u64>,
    /// Pause between rounds with nothing to post.
    pub poll: Duration,
    /// First retry delay after an L1 failure.
    pub retry_initial: Duration,
    /// Cap of the retry delay.
    pub retry_max: Duration,
}

/// The proposer: an L1 provider whose wallet signs as the oracle's proposer.
pub struct Proposer<S> {
    l1: DynProvider,
    from: Address,
    config: ProposerConfig,
    source: S,
}

impl<S> std::fmt::Debug for Proposer<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Proposer").field("from", &self.from).field("config", &self.config).finish()
    }
}

/// What one round did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Round {
    /// Posted the output of this L2 block.
    Posted(u64),
    /// Nothing due.
    Idle,
}

impl<S: OutputSource> Proposer<S> {
    /// A proposer posting through `l1` (whose wallet holds the key of `from`, the oracle's
    /// proposer) the outputs `source` computes.
    pub fn new(l1: DynProvider, from: Address, config: ProposerConfig, source: S) -> Self {
        Self { l1, from, config, source }
    }

    /// Checks the L1 (its chain id, when configured) and that `from` is the oracle's proposer.
    pub async fn check_l1(&self) -> Result<(), BridgeError> {
        if let Some(expected) = self.config.l1_chain_id {
            let actual = self.l1.get_chain_id().await.map_err(BridgeError::l1)?;
            if actual != expected {
                return Err(BridgeError::Proposer(format!(
                    "the L1 has chain id {actual}, bridge.l1_chain_id says {expected}"
                )));
            }
        }
        let oracle = OutputOracle::new(self.config.oracle, &self.l1);
        let proposer = oracle.proposer().call().await.map_err(BridgeError::l1)?;
        if proposer != self.from {
            return Err(BridgeError::Proposer(format!(
                "the oracle {} takes outputs from {proposer}, not from this node's proposer {}",
                self.config.oracle, self.from
            )));
        }
        Ok(())
    }

    /// One round: posts the due output, if any, then reports finality.
    pub async fn round(&self) -> Result<Round, BridgeError> {
        let oracle = OutputOracle::new(self.config.oracle, &self.l1);
        let latest = oracle.latestBlockNumber().call().await.map_err(BridgeError::l1)?;
        let latest = u64::try_from(latest).unwrap_or(u64::MAX);
        self.check_posted(&oracle, latest).await?;
        let interval = self.config.interval_blocks.max(1);
        let target = self.source.safe_head() / interval * interval;
        let round = if target > latest && target > 0 {
            let output = self.source.output_at(target)?;
            let receipt = oracle
                .proposeL2Output(output.hash(), U256::from(target))
                .from(self.from)
                .send()
                .await
                .map_err(BridgeError::l1)?
                .get_receipt()
                .await
                .map_err(BridgeError::l1)?;
            if !receipt.status() {
                return Err(BridgeError::Proposer(format!(
                    "posting the output of block {target} reverted (L1 tx {})",
                    receipt.transaction_hash
                )));
            }
            tracing::info!(l2_block = target, root = %output.hash(), l1_block = receipt.block_number, "output root posted");
            Round::Posted(target)
        } else {
            Round::Idle
        };
        self.report_finality(&oracle).await?;
        Ok(round)
    }

    /// Reports an output at the oracle's latest block that is not the node's.
    async fn check_posted(
        &self,
        oracle: &OutputOracle::OutputOracleInstance<&DynProvider>,
        latest: u64,
    ) -> Result<(), BridgeError> {
        if latest == 0 {
            return Ok(());
        }
        let index = oracle.nextOutputIndex().call().await.map_err(BridgeError::l1)?;
        let posted = oracle
            .getL2Output(index.saturating_sub(U256::from(1)))
            .call()
            .await
            .map_err(BridgeError::l1)?;
        match self.source.output_at(latest) {
            Ok(ours) if ours.hash() != posted.outputRoot => {
                tracing::error!(
                    l2_block = latest,
                    posted = %posted.outputRoot,
                    ours = %ours.hash(),
                    "the oracle's latest output root is not this node's: the guardian should delete it"
                );
            }
            // Ours, or a block whose state the node no longer keeps: nothing to compare.
            _ => {}
        }
        Ok(())
    }

    /// Tells the source the newest L2 block covered by a finalized output.
    async fn report_finality(
        &self,
        oracle: &OutputOracle::OutputOracleInstance<&DynProvider>,
    ) -> Result<(), BridgeError> {
        if let Some((_, block)) = newest_finalized(oracle).await? {
            self.source.finalized(block);
        }
        Ok(())
    }

    /// Runs rounds until `shutdown` turns true: at once after a post, every poll interval when
    /// idle, with growing delays after failures.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        let mut delay = self.config.retry_initial;
        let mut checked = false;
        loop {
            if *shutdown.borrow() {
                break;
            }
            let result = if checked {
                self.round().await
            } else {
                self.check_l1().await.map(|()| {
                    checked = true;
                    Round::Idle
                })
            };
            let pause = match result {
                Ok(Round::Posted(_)) => {
                    delay = self.config.retry_initial;
                    continue;
                }
                Ok(Round::Idle) => {
                    delay = self.config.retry_initial;
                    self.config.poll
                }
                Err(e) => {
                    tracing::warn!(error = %e, retry_in_ms = delay.as_millis() as u64, "proposer round failed");
                    let pause = delay;
                    delay = (delay * 2).min(self.config.retry_max);
                    pause
                }
            };
            tokio::select! {
                _ = tokio::time::sleep(pause) => {}
                _ = shutdown.changed() => {}
            }
        }
        tracing::info!("proposer stopped");
    }
}

/// The index and L2 block of the oracle's newest finalized output, if any. Outputs are
/// finalized in order, so a binary search over `isFinalized` finds it.
pub(crate) async fn newest_finalized(
    oracle: &OutputOracle::OutputOracleInstance<&DynProvider>,
) -> Result<Option<(u64, u64)>, BridgeError> {
    let count = oracle.nextOutputIndex().call().await.map_err(BridgeError::l1)?;
    let count = u64::try_from(count).unwrap_or(u64::MAX);
    let (mut lo, mut hi) = (0u64, count);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        let finalized =
            oracle.isFinalized(U256::from(mid)).call().await.map_err(BridgeError::l1)?;
        if finalized {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    if lo == 0 {
        return Ok(None);
    }
    let output = oracle.getL2Output(U256::from(lo - 1)).call().await.map_err(BridgeError::l1)?;
    Ok(Some((lo - 1, u64::try_from(output.l2BlockNumber).unwrap_or(u64::MAX))))
}
