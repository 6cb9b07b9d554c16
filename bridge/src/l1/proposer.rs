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
//!
//! A proposal is sent at the account's mined nonce, and a round waits for its receipt at most
//! the receipt timeout ([`RECEIPT_TIMEOUT`] unless [`Proposer::with_receipt_timeout`] says
//! otherwise): a transaction the L1 dropped or leaves pending fails the round, and the retry
//! sends the due output again at the same nonce with fees at least 12.5 % above the last bid
//! (geth replaces a pooled transaction for 10 % more on both the fee cap and the tip), up to
//! [`FEE_LIMIT_MULTIPLE`] times the current estimate. So a stuck transaction is replaced rather
//! than queued behind — one sent before a restart too, since the mined nonce is the stuck one's
//! and an L1 that refuses the bid as underpriced gets a higher one next round. Shutdown stops a
//! round where it is, its wait for a receipt included.

use std::{
    sync::{Mutex, PoisonError},
    time::Duration,
};

use alloy::{
    eips::eip1559::Eip1559Estimation,
    primitives::{Address, U256},
    providers::{DynProvider, PendingTransactionError, Provider, WatchTxError},
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

/// How long a round waits for its proposal's receipt before it gives up and the next round
/// outbids the transaction: five 12-second L1 slots.
pub const RECEIPT_TIMEOUT: Duration = Duration::from_secs(60);

/// A proposal sent again never bids more than this many times the current fee estimate (both
/// the fee cap and the tip), however often it was outbid: a stalled L1 does not make the fees
/// grow without bound. A pooled transaction priced above this is left to be mined.
pub const FEE_LIMIT_MULTIPLE: u128 = 5;

/// The fees of the last proposal sent at a nonce (or refused as underpriced there): a new one
/// at the same nonce must outbid them to replace it in the L1's pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Bid {
    nonce: u64,
    max_fee: u128,
    tip: u128,
}

impl Bid {
    /// The bid at `nonce`: the `estimate`, raised to outbid `last` by 12.5 % when `last` was at
    /// the same nonce, and capped at [`FEE_LIMIT_MULTIPLE`] times the estimated fee cap.
    fn at(nonce: u64, estimate: Eip1559Estimation, last: Option<Bid>) -> Self {
        let (mut max_fee, mut tip) = (estimate.max_fee_per_gas, estimate.max_priority_fee_per_gas);
        if let Some(last) = last.filter(|last| last.nonce == nonce) {
            max_fee = max_fee.max(outbid(last.max_fee));
            tip = tip.max(outbid(last.tip));
        }
        let max_fee = max_fee.min(estimate.max_fee_per_gas.saturating_mul(FEE_LIMIT_MULTIPLE));
        Self { nonce, max_fee, tip: tip.min(max_fee) }
    }
}

/// `fee` raised by 12.5 % (rounded up), above geth's 10 % replacement rule.
fn outbid(fee: u128) -> u128 {
    fee.saturating_add(fee.div_ceil(8))
}

/// Whether the L1 refused a transaction because one at its nonce is pooled and bids as much
/// (geth: "replacement transaction underpriced", "already known").
fn needs_outbidding(error: &str) -> bool {
    let error = error.to_ascii_lowercase();
    error.contains("underpriced") || error.contains("already known")
}

/// The proposer: an L1 provider whose wallet signs as the oracle's proposer.
pub struct Proposer<S> {
    l1: DynProvider,
    from: Address,
    config: ProposerConfig,
    source: S,
    receipt_timeout: Duration,
    /// The last bid sent (or refused as underpriced), which a re-sent proposal must outbid.
    last_bid: Mutex<Option<Bid>>,
}

impl<S> std::fmt::Debug for Proposer<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Proposer")
            .field("from", &self.from)
            .field("config", &self.config)
            .field("receipt_timeout", &self.receipt_timeout)
            .finish()
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
        Self {
            l1,
            from,
            config,
            source,
            receipt_timeout: RECEIPT_TIMEOUT,
            last_bid: Mutex::new(None),
        }
    }

    /// Waits at most `timeout` (default [`RECEIPT_TIMEOUT`]) for a proposal's receipt before
    /// the round fails and the next one sends the proposal again with higher fees.
    pub fn with_receipt_timeout(mut self, timeout: Duration) -> Self {
        self.receipt_timeout = timeout;
        self
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
            self.propose(&oracle, target, output).await?;
            Round::Posted(target)
        } else {
            Round::Idle
        };
        self.report_finality(&oracle).await?;
        Ok(round)
    }

    /// Posts `output` as the output of L2 block `target` at the account's mined nonce,
    /// outbidding the last proposal sent at that nonce, and waits for the receipt at most the
    /// receipt timeout.
    async fn propose(
        &self,
        oracle: &OutputOracle::OutputOracleInstance<&DynProvider>,
        target: u64,
        output: OutputRoot,
    ) -> Result<(), BridgeError> {
        // The mined nonce, not the pending one: a proposal stuck in the L1's pool is replaced,
        // not queued behind.
        let nonce =
            self.l1.get_transaction_count(self.from).latest().await.map_err(BridgeError::l1)?;
        let estimate = self.l1.estimate_eip1559_fees().await.map_err(BridgeError::l1)?;
        let bid = Bid::at(nonce, estimate, *self.lock_last_bid());
        let sent = oracle
            .proposeL2Output(output.hash(), U256::from(target))
            .from(self.from)
            .nonce(nonce)
            .max_fee_per_gas(bid.max_fee)
            .max_priority_fee_per_gas(bid.tip)
            .send()
            .await;
        let pending = match sent {
            Ok(pending) => pending,
            Err(e) => {
                let error = e.to_string();
                if needs_outbidding(&error) {
                    *self.lock_last_bid() = Some(bid);
                }
                return Err(BridgeError::l1(error));
            }
        };
        *self.lock_last_bid() = Some(bid);
        let tx = *pending.tx_hash();
        tracing::debug!(l2_block = target, %tx, nonce, max_fee = bid.max_fee, tip = bid.tip, "output root sent");
        let receipt = match pending.with_timeout(Some(self.receipt_timeout)).get_receipt().await {
            Ok(receipt) => receipt,
            Err(PendingTransactionError::TxWatcher(WatchTxError::Timeout)) => {
                return Err(BridgeError::Proposer(format!(
                    "the output of block {target} was not mined within {:?} (L1 tx {tx}, nonce \
                     {nonce}): it is sent again with higher fees",
                    self.receipt_timeout
                )));
            }
            Err(e) => return Err(BridgeError::l1(e)),
        };
        *self.lock_last_bid() = None;
        if !receipt.status() {
            return Err(BridgeError::Proposer(format!(
                "posting the output of block {target} reverted (L1 tx {})",
                receipt.transaction_hash
            )));
        }
        tracing::info!(l2_block = target, root = %output.hash(), l1_block = receipt.block_number, "output root posted");
        Ok(())
    }

    /// The last bid, which a poisoned lock does not lose (it is plain data).
    fn lock_last_bid(&self) -> std::sync::MutexGuard<'_, Option<Bid>> {
        self.last_bid.lock().unwrap_or_else(PoisonError::into_inner)
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

    /// Runs rounds until `shutdown` turns true (or its sender is gone): at once after a post,
    /// every poll interval when idle, with growing delays after failures. Shutdown does not wait
    /// for the round under way (a proposal's receipt included).
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        let mut delay = self.config.retry_initial;
        let mut checked = false;
        loop {
            if *shutdown.borrow() {
                break;
            }
            let step = async {
                if checked {
                    self.round().await
                } else {
                    self.check_l1().await.map(|()| {
                        checked = true;
                        Round::Idle
                    })
                }
            };
            // Cancelling a round is safe: its bid is kept before it waits, and a proposal left
            // in the L1's pool is outbid by the next run (after at most one refused bid).
            let result = tokio::select! {
                result = step => result,
                _ = shutdown.wait_for(|stop| *stop) => break,
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

#[cfg(test)]
mod tests {
    use super::*;

    const ESTIMATE: Eip1559Estimation =
        Eip1559Estimation { max_fee_per_gas: 800, max_priority_fee_per_gas: 80 };

    #[test]
    fn a_bid_at_a_new_nonce_is_the_estimate() {
        let last = Bid { nonce: 3, max_fee: 5_000, tip: 500 };
        assert_eq!(Bid::at(4, ESTIMATE, Some(last)), Bid { nonce: 4, max_fee: 800, tip: 80 });
        assert_eq!(Bid::at(4, ESTIMATE, None), Bid { nonce: 4, max_fee: 800, tip: 80 });
    }

    #[test]
    fn a_bid_at_the_same_nonce_outbids_the_last_by_an_eighth_up_to_the_fee_limit() {
        let last = Bid { nonce: 4, max_fee: 800, tip: 80 };
        assert_eq!(Bid::at(4, ESTIMATE, Some(last)), Bid { nonce: 4, max_fee: 900, tip: 90 });
        // Rounded up: never less than 12.5 % more.
        let last = Bid { nonce: 4, max_fee: 801, tip: 1 };
        assert_eq!(Bid::at(4, ESTIMATE, Some(last)), Bid { nonce: 4, max_fee: 902, tip: 80 });
        // An estimate above the raised bid wins.
        let last = Bid { nonce: 4, max_fee: 100, tip: 10 };
        assert_eq!(Bid::at(4, ESTIMATE, Some(last)), Bid { nonce: 4, max_fee: 800, tip: 80 });
        // Never above FEE_LIMIT_MULTIPLE times the estimate, and the tip within the fee cap.
        let last = Bid { nonce: 4, max_fee: 3_900, tip: 3_900 };
        assert_eq!(Bid::at(4, ESTIMATE, Some(last)), Bid { nonce: 4, max_fee: 4_000, tip: 4_000 });
    }

    #[test]
    fn refusals_that_a_higher_bid_answers_are_recognised() {
        assert!(needs_outbidding("error code -32000: replacement transaction underpriced"));
        assert!(needs_outbidding("error code -32000: already known"));
        assert!(needs_outbidding("transaction underpriced"));
        assert!(!needs_outbidding("error code -32000: nonce too low"));
        assert!(!needs_outbidding("connection refused"));
    }
}
