//! WebSocket subscriptions: `eth_subscribe("newHeads")` and `eth_subscribe("logs", filter)`,
//! fed from the node's sealed-block broadcast, `eth_subscribe("newPendingTransactions")`
//! (hashes; whole transactions with `true`, as geth), fed from the pool's admissions — one
//! receiver per subscription — and `eth_unsubscribe`.
//!
//! A subscriber that falls behind a broadcast buffer skips the blocks or transactions it
//! missed (they stay queryable with `eth_getLogs` / `eth_getBlockByNumber` /
//! `txpool_content`) rather than slowing the node. A pending transaction is announced once
//! it is journaled, when its hash is returned to its sender; other engines' transactions
//! are not announced.
//! `logs` matches addresses and topics only; a filter's block range is ignored, as in geth.

use alloy_rpc_types_eth::{
    Filter,
    pubsub::{Params, SubscriptionKind},
};
use execution::{SealedBlock, Transaction};
use jsonrpsee::{PendingSubscriptionSink, SubscriptionSink, core::SubscriptionResult};
use serde_json::value::{RawValue, to_raw_value};
use tokio::sync::broadcast::{Receiver, error::RecvError};

use super::{
    api::EthPubSubApiServer,
    convert::{rpc_header, rpc_transaction},
    errors::invalid_params,
    eth_block::EthBlock,
    handler::RpcHandler,
    logs::matching_logs,
};

/// What one subscription sends.
#[derive(Debug)]
enum Feed {
    /// A header per sealed block.
    Heads,
    /// Each matching log of each sealed block.
    Logs(Box<Filter>),
    /// Each EVM transaction admitted to the pool: its hash, or the whole transaction.
    PendingTransactions {
        /// Whole transactions rather than hashes.
        full: bool,
    },
}

/// The feed `kind` with `params` asks for, or the reason it is refused.
fn feed_for(kind: SubscriptionKind, params: Option<Params>) -> Result<Feed, String> {
    match (kind, params.unwrap_or_default()) {
        (SubscriptionKind::NewHeads, Params::None) => Ok(Feed::Heads),
        (SubscriptionKind::Logs, Params::None) => Ok(Feed::Logs(Box::default())),
        (SubscriptionKind::Logs, Params::Logs(filter)) => Ok(Feed::Logs(filter)),
        (SubscriptionKind::NewPendingTransactions, Params::None) => {
            Ok(Feed::PendingTransactions { full: false })
        }
        (SubscriptionKind::NewPendingTransactions, Params::Bool(full)) => {
            Ok(Feed::PendingTransactions { full })
        }
        (
            SubscriptionKind::NewHeads
            | SubscriptionKind::Logs
            | SubscriptionKind::NewPendingTransactions,
            _,
        ) => Err("invalid subscription parameters".to_string()),
        (other, _) => {
            let name = serde_json::to_value(other)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_else(|| format!("{other:?}"));
            Err(format!(
                "unsupported subscription: {name} (newHeads, logs and newPendingTransactions are \
                 available)"
            ))
        }
    }
}

/// The notifications `feed` sends for `block`.
fn notifications(feed: &Feed, block: &SealedBlock) -> Vec<Box<RawValue>> {
    let items: Result<Vec<_>, _> = match feed {
        Feed::PendingTransactions { .. } => Ok(vec![]),
        Feed::Heads => to_raw_value(&rpc_header(&block.header, block.hash)).map(|v| vec![v]),
        Feed::Logs(filter) if filter.matches_bloom(block.header.logs_bloom) => {
            let block = EthBlock::from(block.clone());
            matching_logs(&block, filter).iter().map(to_raw_value).collect()
        }
        Feed::Logs(_) => Ok(vec![]),
    };
    serialized(items)
}

/// The notification of a pending transaction: its hash, or with `full` the transaction
/// (none for another engine's transaction).
fn pending_notification(full: bool, tx: &Transaction) -> Vec<Box<RawValue>> {
    let Some(tx) = tx.as_evm() else { return vec![] };
    let item = if full { to_raw_value(&rpc_transaction(tx, None)) } else { to_raw_value(&tx.hash) };
    serialized(item.map(|item| vec![item]))
}

/// Notifications, or none (logged) when they could not be serialized.
fn serialized(items: serde_json::Result<Vec<Box<RawValue>>>) -> Vec<Box<RawValue>> {
    items.unwrap_or_else(|error| {
        tracing::warn!(%error, "could not serialize a subscription notification");
        vec![]
    })
}

/// Forwards what `events` broadcasts, as `notify` turns each into notifications, to `sink`
/// until it closes or the node stops.
async fn forward<T: Clone>(
    sink: SubscriptionSink,
    mut events: Receiver<T>,
    notify: impl Fn(&T) -> Vec<Box<RawValue>>,
) {
    loop {
        let event = tokio::select! {
            () = sink.closed() => return,
            received = events.recv() => match received {
                Ok(event) => event,
                Err(RecvError::Lagged(skipped)) => {
                    tracing::debug!(skipped, "subscriber lagged; skipping notifications");
                    continue;
                }
                Err(RecvError::Closed) => return,
            },
        };
        for item in notify(&event) {
            if sink.send(item).await.is_err() {
                return;
            }
        }
    }
}

#[jsonrpsee::core::async_trait]
impl EthPubSubApiServer for RpcHandler {
    async fn subscribe(
        &self,
        pending: PendingSubscriptionSink,
        kind: SubscriptionKind,
        params: Option<Params>,
    ) -> SubscriptionResult {
        let feed = match feed_for(kind, params) {
            Ok(feed) => feed,
            Err(reason) => {
                pending.reject(invalid_params(reason)).await;
                return Ok(());
            }
        };
        // Subscribe before accepting so no block sealed (or transaction admitted) in between
        // is missed.
        if let Feed::PendingTransactions { full } = feed {
            let admitted = self.ctx.mempool.subscribe_admitted();
            let sink = pending.accept().await?;
            tokio::spawn(forward(sink, admitted, move |tx| pending_notification(full, tx)));
        } else {
            let blocks = self.ctx.blocks.subscribe();
            let sink = pending.accept().await?;
            tokio::spawn(forward(sink, blocks, move |block| notifications(&feed, block)));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use alloy_primitives::{Address, B256, TxKind};
    use serde_json::Value;

    use super::super::convert::tests::{sample_sealed_block, signed_1559};
    use super::*;

    #[test]
    fn feeds_from_kind_and_params() {
        assert!(matches!(feed_for(SubscriptionKind::NewHeads, None), Ok(Feed::Heads)));
        assert!(matches!(feed_for(SubscriptionKind::Logs, None), Ok(Feed::Logs(_))));
        let filter = Box::new(Filter::new().address(Address::repeat_byte(1)));
        assert!(matches!(
            feed_for(SubscriptionKind::Logs, Some(Params::Logs(filter))),
            Ok(Feed::Logs(f)) if !f.address.is_empty()
        ));
        assert!(feed_for(SubscriptionKind::NewHeads, Some(Params::Bool(true))).is_err());
        let pending = SubscriptionKind::NewPendingTransactions;
        assert!(matches!(feed_for(pending, None), Ok(Feed::PendingTransactions { full: false })));
        assert!(matches!(
            feed_for(pending, Some(Params::Bool(true))),
            Ok(Feed::PendingTransactions { full: true })
        ));
        let filter = Box::default();
        assert!(feed_for(pending, Some(Params::Logs(filter))).is_err());
        let err = feed_for(SubscriptionKind::Syncing, None).unwrap_err();
        assert!(err.contains("syncing"), "{err}");
    }

    #[test]
    fn pending_transactions_as_hashes_or_objects() {
        let tx = Transaction::from(signed_1559(3, TxKind::Create));
        let hash: Value = serde_json::from_str(pending_notification(false, &tx)[0].get()).unwrap();
        assert_eq!(hash, serde_json::to_value(tx.hash()).unwrap());
        let full: Value = serde_json::from_str(pending_notification(true, &tx)[0].get()).unwrap();
        assert_eq!(full["hash"], hash);
        assert_eq!(full["nonce"], "0x3");
        assert_eq!(full["blockHash"], Value::Null);
    }

    #[test]
    fn notifications_per_feed() {
        let block = sample_sealed_block();
        let heads = notifications(&Feed::Heads, &block);
        assert_eq!(heads.len(), 1);
        let head: Value = serde_json::from_str(heads[0].get()).unwrap();
        assert_eq!(head["number"], "0x5");
        let all = notifications(&Feed::Logs(Box::default()), &block);
        assert_eq!(all.len(), 3);
        let filter = Filter::new().event_signature(B256::repeat_byte(0xa3));
        let some = notifications(&Feed::Logs(Box::new(filter)), &block);
        assert_eq!(some.len(), 1);
        let log: Value = serde_json::from_str(some[0].get()).unwrap();
        assert_eq!(log["logIndex"], "0x2");
    }
}
