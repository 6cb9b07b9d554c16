//! WebSocket subscriptions: `eth_subscribe("newHeads")` and `eth_subscribe("logs", filter)`,
//! fed from the node's sealed-block broadcast (one receiver per subscription), and
//! `eth_unsubscribe`.
//!
//! A subscriber that falls behind the broadcast buffer skips the blocks it missed (they stay
//! queryable with `eth_getLogs` / `eth_getBlockByNumber`) rather than slowing the node.
//! `logs` matches addresses and topics only; a filter's block range is ignored, as in geth.

use std::sync::Arc;

use alloy_rpc_types_eth::{
    Filter,
    pubsub::{Params, SubscriptionKind},
};
use execution::SealedBlock;
use jsonrpsee::{PendingSubscriptionSink, SubscriptionSink, core::SubscriptionResult};
use serde_json::value::{RawValue, to_raw_value};
use tokio::sync::broadcast::{Receiver, error::RecvError};

use super::{
    api::EthPubSubApiServer, convert::rpc_header, errors::invalid_params, eth_block::EthBlock,
    handler::RpcHandler, logs::matching_logs,
};

/// What one subscription sends.
#[derive(Debug)]
enum Feed {
    /// A header per sealed block.
    Heads,
    /// Each matching log of each sealed block.
    Logs(Box<Filter>),
}

/// The feed `kind` with `params` asks for, or the reason it is refused.
fn feed_for(kind: SubscriptionKind, params: Option<Params>) -> Result<Feed, String> {
    match (kind, params.unwrap_or_default()) {
        (SubscriptionKind::NewHeads, Params::None) => Ok(Feed::Heads),
        (SubscriptionKind::Logs, Params::None) => Ok(Feed::Logs(Box::default())),
        (SubscriptionKind::Logs, Params::Logs(filter)) => Ok(Feed::Logs(filter)),
        (SubscriptionKind::NewHeads | SubscriptionKind::Logs, _) => {
            Err("invalid subscription parameters".to_string())
        }
        (other, _) => {
            let name = serde_json::to_value(other)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_else(|| format!("{other:?}"));
            Err(format!("unsupported subscription: {name} (newHeads and logs are available)"))
        }
    }
}

/// The notifications `feed` sends for `block`.
fn notifications(feed: &Feed, block: &SealedBlock) -> Vec<Box<RawValue>> {
    let items: Result<Vec<_>, _> = match feed {
        Feed::Heads => to_raw_value(&rpc_header(&block.header, block.hash)).map(|v| vec![v]),
        Feed::Logs(filter) if filter.matches_bloom(block.header.logs_bloom) => {
            let block = EthBlock::from(block.clone());
            matching_logs(&block, filter).iter().map(to_raw_value).collect()
        }
        Feed::Logs(_) => Ok(vec![]),
    };
    items.unwrap_or_else(|error| {
        tracing::warn!(%error, "could not serialize a subscription notification");
        vec![]
    })
}

/// Forwards sealed blocks to `sink` until it closes or the node stops.
async fn forward(sink: SubscriptionSink, mut blocks: Receiver<Arc<SealedBlock>>, feed: Feed) {
    loop {
        let block = tokio::select! {
            () = sink.closed() => return,
            received = blocks.recv() => match received {
                Ok(block) => block,
                Err(RecvError::Lagged(skipped)) => {
                    tracing::debug!(skipped, "subscriber lagged; skipping blocks");
                    continue;
                }
                Err(RecvError::Closed) => return,
            },
        };
        for item in notifications(&feed, &block) {
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
        // Subscribe before accepting so no block sealed in between is missed.
        let blocks = self.ctx.blocks.subscribe();
        let sink = pending.accept().await?;
        tokio::spawn(forward(sink, blocks, feed));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use alloy_primitives::{Address, B256};
    use serde_json::Value;

    use super::super::convert::tests::sample_sealed_block;
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
        let err = feed_for(SubscriptionKind::NewPendingTransactions, None).unwrap_err();
        assert!(err.contains("newPendingTransactions"), "{err}");
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
