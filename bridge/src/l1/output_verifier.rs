//! The output verifier: what a follower of a chain that settles on an L1 does with the
//! oracle's outputs. It checks each posted output root, in order, against the root it computes
//! from the state it derived itself ([`OutputSource::output_at`]) once it has derived that
//! block; a root that differs is logged as an error and kept ([`Verified::mismatch`]) — the
//! alarm a guardian acts on within the challenge period. The follower's `finalized` head is then the newest
//! block covered by an output that is both past its challenge period and verified: it never
//! moves past a root it found wrong. Outputs deleted by the guardian are checked again when
//! reposted. L1 failures are retried with backoff.

use std::time::Duration;

use alloy::{
    primitives::{Address, B256, U256},
    providers::DynProvider,
};
use tokio::sync::watch;

use crate::{
    BridgeError,
    contracts::OutputOracle,
    l1::{OutputSource, proposer::newest_finalized},
};

/// What the verifier found wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutputMismatch {
    /// The output's index.
    pub index: u64,
    /// Its L2 block.
    pub l2_block: u64,
    /// The root posted on the L1.
    pub posted: B256,
    /// The root of this node's state.
    pub ours: B256,
}

/// The verifier of one follower.
pub struct OutputVerifier<S> {
    l1: DynProvider,
    oracle: Address,
    poll: Duration,
    retry_initial: Duration,
    retry_max: Duration,
    source: S,
}

impl<S> std::fmt::Debug for OutputVerifier<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OutputVerifier").field("oracle", &self.oracle).finish_non_exhaustive()
    }
}

/// How far the verifier got.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Verified {
    /// The next output index to check.
    pub next_index: u64,
    /// The L2 block of the newest output checked and found right (0: none).
    pub up_to_block: u64,
    /// The first mismatch found, if any: nothing after it counts.
    pub mismatch: Option<OutputMismatch>,
}

impl<S: OutputSource> OutputVerifier<S> {
    /// A verifier of the oracle at `oracle` on `l1`, over the follower's `source`.
    pub fn new(
        l1: DynProvider,
        oracle: Address,
        poll: Duration,
        retry: (Duration, Duration),
        source: S,
    ) -> Self {
        Self { l1, oracle, poll, retry_initial: retry.0, retry_max: retry.1, source }
    }

    /// Checks the outputs after `progress`, then reports finality; returns the new progress.
    pub async fn round(&self, mut progress: Verified) -> Result<Verified, BridgeError> {
        let oracle = OutputOracle::new(self.oracle, &self.l1);
        let count = oracle.nextOutputIndex().call().await.map_err(BridgeError::l1)?;
        let count = u64::try_from(count).unwrap_or(u64::MAX);
        if progress.next_index > count {
            // The guardian deleted outputs: check their replacements again.
            progress.next_index = count;
            progress.mismatch = progress.mismatch.filter(|m| m.index < count);
        }
        while progress.mismatch.is_none() && progress.next_index < count {
            let index = progress.next_index;
            let output =
                oracle.getL2Output(U256::from(index)).call().await.map_err(BridgeError::l1)?;
            let l2_block = u64::try_from(output.l2BlockNumber).unwrap_or(u64::MAX);
            if l2_block > self.source.safe_head() {
                break; // Not derived yet.
            }
            let ours = self.source.output_at(l2_block)?.hash();
            if ours == output.outputRoot {
                progress.up_to_block = l2_block;
            } else {
                let mismatch = OutputMismatch { index, l2_block, posted: output.outputRoot, ours };
                tracing::error!(
                    index,
                    l2_block,
                    posted = %output.outputRoot,
                    ours = %ours,
                    "the L1 holds an output root that is not this chain's: the guardian must delete it"
                );
                progress.mismatch = Some(mismatch);
            }
            progress.next_index = index + 1;
        }
        if let Some((_, finalized)) = newest_finalized(&oracle).await? {
            self.source.finalized(finalized.min(progress.up_to_block));
        }
        Ok(progress)
    }

    /// Runs rounds until `shutdown` turns true.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        let mut progress = Verified::default();
        let mut delay = self.retry_initial;
        loop {
            if *shutdown.borrow() {
                break;
            }
            let pause = match self.round(progress).await {
                Ok(next) => {
                    progress = next;
                    delay = self.retry_initial;
                    self.poll
                }
                Err(e) => {
                    tracing::warn!(error = %e, retry_in_ms = delay.as_millis() as u64, "output verification round failed");
                    let pause = delay;
                    delay = (delay * 2).min(self.retry_max);
                    pause
                }
            };
            tokio::select! {
                _ = tokio::time::sleep(pause) => {}
                _ = shutdown.changed() => {}
            }
        }
        tracing::info!("output verifier stopped");
    }
}
