//! The sequencer's deposit feed: a task that reads the portal's confirmed deposits from the L1
//! into the node's [`DepositInbox`](super::DepositInbox), from where the chain's state says it
//! left off, and again from there after a rewind. L1 errors are retried with backoff; a reorg
//! deeper than the confirmations is logged as an error and retried too (the deposits already
//! applied cannot be taken back: the operator must raise `bridge.deposit_confirmations`).
//!
//! After each successful read it also tells the inbox how far it has read the L1 (the newest
//! confirmed block all of whose deposits it has), which bounds the timestamps the block
//! builder may seal (`sequencing_bound`): while reads fail, that stops moving, and the
//! sequencer stalls before its blocks could leave out a deposit it has not seen.

use std::time::Duration;

use alloy::providers::{Provider, ProviderBuilder};
use bridge::l1::DepositReader;
use tokio::{sync::watch, task::JoinHandle};

use crate::{
    NodeContext, SequencerError,
    deposits::{MAX_L1_RANGE, deposit_tx, resume_cursor},
};

/// Starts the feed of a sequencer whose config enables the bridge; `None` otherwise.
pub fn start_deposit_feed(
    ctx: &NodeContext,
    shutdown: watch::Receiver<bool>,
) -> Result<Option<JoinHandle<()>>, SequencerError> {
    let Some(inbox) = ctx.deposits.clone() else { return Ok(None) };
    let bridge = ctx.config.bridge.clone();
    let url = crate::settlement::l1_url(&bridge)?;
    let provider = ProviderBuilder::new().connect_http(url).erased();
    let ctx = ctx.clone();
    tracing::info!(portal = %bridge.portal, confirmations = bridge.deposit_confirmations, "reading L1 deposits");
    Ok(Some(tokio::spawn(async move {
        let ms = Duration::from_millis;
        let (poll, initial, max) =
            (ms(bridge.poll_interval_ms), ms(bridge.retry_initial_ms), ms(bridge.retry_max_ms));
        let mut retry = initial;
        let mut reader: Option<(u64, DepositReader)> = None;
        let mut shutdown = shutdown;
        loop {
            let generation = inbox.generation();
            if reader.as_ref().is_none_or(|(g, _)| *g != generation) {
                let cursor = ctx.store.reader().map_err(SequencerError::from).and_then(|r| {
                    resume_cursor(&r, bridge.portal_deployed_at_block).map_err(Into::into)
                });
                match cursor {
                    Ok(cursor) => {
                        tracing::debug!(?cursor, "deposit reader (re)starts");
                        let r = DepositReader::new(
                            provider.clone(),
                            bridge.portal,
                            bridge.deposit_confirmations,
                            MAX_L1_RANGE,
                            cursor,
                        );
                        reader = Some((generation, r));
                    }
                    Err(e) => tracing::error!(error = %e, "cannot read the deposit counter"),
                }
            }
            let wait = match reader.as_mut() {
                None => max,
                Some((generation, r)) => match r.poll().await {
                    Ok(deposits) => {
                        retry = initial;
                        let wait = if deposits.is_empty() {
                            poll
                        } else {
                            let (first, count) = (deposits[0].nonce, deposits.len());
                            if inbox.push(*generation, deposits.iter().map(deposit_tx)) {
                                ctx.metrics.deposits_read.inc_by(count as u64);
                                tracing::info!(first, count, "L1 deposits confirmed");
                            }
                            Duration::ZERO
                        };
                        // After the deposits: the builder may seal up to this once it has them.
                        if let Some(read) = r.read_until()
                            && inbox.read_until(*generation, read)
                        {
                            ctx.metrics.l1_read_timestamp.set(read.timestamp as i64);
                        }
                        wait
                    }
                    Err(e) => {
                        let delay = retry;
                        retry = (retry * 2).min(max);
                        let ms = delay.as_millis() as u64;
                        if matches!(e, bridge::BridgeError::ReorgBeyondConfirmations { .. }) {
                            tracing::error!(error = %e, retry_in_ms = ms, "the L1 reorganised deposits already read: raise bridge.deposit_confirmations");
                        } else {
                            tracing::warn!(error = %e, retry_in_ms = ms, "reading L1 deposits failed");
                        }
                        delay
                    }
                },
            };
            tokio::select! {
                _ = tokio::time::sleep(wait) => {}
                _ = shutdown.changed() => {}
            }
            if *shutdown.borrow() {
                break;
            }
        }
        tracing::info!("deposit feed stopped");
    })))
}
