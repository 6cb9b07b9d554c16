//! [`DepositCheck`]: a follower's own reading of the L1's deposits, against which it checks
//! every block it derives — before executing it:
//!
//! - every deposit transaction of the block is the L1's deposit with that nonce, field for
//!   field (the follower never trusts the batch for a mint);
//! - **forced inclusion**: after the block, no deposit the follower knows may be left out if
//!   its L1 block's timestamp plus `bridge.sequencing_window_secs` is at or before the
//!   block's timestamp.
//!
//! A deposit of a batch that the follower's L1 does not have (yet) is waited for, not judged:
//! the follower's L1 node may lag the sequencer's. The window is judged against the deposits
//! the follower has read when it derives the block; it reads the L1 again before each block
//! at most once per `bridge.poll_interval_ms` (when that read fails, it judges on what it has:
//! an L1 outage stops derivation only at a block that holds a deposit).

use std::{
    collections::BTreeMap,
    time::{Duration, Instant},
};

use alloy::providers::{Provider, ProviderBuilder};
use bridge::{BridgeError, l1::DepositReader};
use execution::{Transaction, deposit::DepositTx};

use crate::{
    SequencerError,
    deposits::{MAX_L1_RANGE, deposit_tx, resume_cursor},
};

/// What the check says of one block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DepositVerdict {
    /// The block's deposits are the L1's, and it leaves none out past the window.
    Valid,
    /// The block is not part of a valid chain: why.
    Invalid(String),
    /// A deposit of the block is not on the follower's L1 yet: derive it later.
    Wait(String),
}

/// A follower's reading of the L1's deposits.
#[derive(Debug)]
pub struct DepositCheck {
    reader: DepositReader,
    /// Deposits read and not yet applied by the chain, by nonce, with their L1 timestamp.
    known: BTreeMap<u64, (DepositTx, u64)>,
    window_secs: u64,
    poll_every: Duration,
    last_poll: Option<Instant>,
}

impl DepositCheck {
    /// The check of a follower with `config`, on a chain whose state is `state`; `None` when
    /// the bridge is off.
    pub fn new(
        config: &node_config::NodeConfig,
        state: &impl execution::StateView,
    ) -> Result<Option<Self>, SequencerError> {
        let bridge = &config.bridge;
        if !bridge.enabled {
            return Ok(None);
        }
        let provider =
            ProviderBuilder::new().connect_http(crate::settlement::l1_url(bridge)?).erased();
        let cursor = resume_cursor(state, bridge.portal_deployed_at_block)?;
        let reader = DepositReader::new(
            provider,
            bridge.portal,
            bridge.deposit_confirmations,
            MAX_L1_RANGE,
            cursor,
        );
        Ok(Some(Self {
            reader,
            known: BTreeMap::new(),
            window_secs: bridge.sequencing_window_secs,
            poll_every: Duration::from_millis(bridge.poll_interval_ms),
            last_poll: None,
        }))
    }

    /// Reads the L1's newly confirmed deposits, unless it did within the poll interval (or
    /// `force`).
    async fn refresh(&mut self, force: bool) -> Result<(), BridgeError> {
        if !force && self.last_poll.is_some_and(|at| at.elapsed() < self.poll_every) {
            return Ok(());
        }
        loop {
            let deposits = self.reader.poll().await?;
            self.last_poll = Some(Instant::now());
            if deposits.is_empty() {
                return Ok(());
            }
            let mut timestamps: BTreeMap<u64, u64> = BTreeMap::new();
            for deposit in &deposits {
                let at = match timestamps.get(&deposit.l1_block) {
                    Some(at) => *at,
                    None => {
                        let at = self.reader.l1_timestamp(deposit.l1_block).await?;
                        timestamps.insert(deposit.l1_block, at);
                        at
                    }
                };
                self.known.insert(deposit.nonce, (deposit_tx(deposit), at));
            }
        }
    }

    /// Checks the block numbered `number` with timestamp `timestamp` and transactions `txs`,
    /// on a chain that has applied `applied` deposits before it.
    pub async fn check(
        &mut self,
        number: u64,
        timestamp: u64,
        txs: &[Transaction],
        applied: u64,
    ) -> Result<DepositVerdict, BridgeError> {
        let deposits: Vec<&DepositTx> = txs.iter().filter_map(Transaction::as_deposit).collect();
        let mut after = applied;
        for deposit in &deposits {
            if deposit.nonce != after {
                return Ok(DepositVerdict::Invalid(format!(
                    "deposit {} out of order: the chain has applied {after}",
                    deposit.nonce
                )));
            }
            if !self.known.contains_key(&deposit.nonce) {
                self.refresh(true).await?;
            }
            match self.known.get(&deposit.nonce) {
                None => {
                    return Ok(DepositVerdict::Wait(format!(
                        "deposit {} of block {number} is not confirmed on this node's L1 yet",
                        deposit.nonce
                    )));
                }
                Some((ours, _)) if !ours.same_deposit(deposit) => {
                    return Ok(DepositVerdict::Invalid(format!(
                        "deposit {} is not the L1's: the batch has {deposit:?}, the L1 {ours:?}",
                        deposit.nonce
                    )));
                }
                Some(_) => after += 1,
            }
        }
        if let Err(e) = self.refresh(false).await {
            // The window is judged on what was read: an L1 outage does not stop derivation.
            tracing::warn!(error = %e, "reading the L1's deposits failed; judging block {number} on those read");
        }
        if let Some((nonce, (deposit, at))) = self.known.range(after..).next() {
            let due = at.saturating_add(self.window_secs);
            if due <= timestamp {
                return Ok(DepositVerdict::Invalid(format!(
                    "forced inclusion: block {number} (timestamp {timestamp}) leaves out deposit \
                     {nonce} of L1 block {} (timestamp {at}), due by timestamp {due} \
                     (bridge.sequencing_window_secs = {}): the sequencer withheld it",
                    deposit.l1_block, self.window_secs
                )));
            }
        }
        Ok(DepositVerdict::Valid)
    }

    /// The block was sealed with `applied` deposits applied: forgets those.
    pub fn sealed(&mut self, applied: u64) {
        self.known = self.known.split_off(&applied);
    }
}
