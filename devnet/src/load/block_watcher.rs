//! The block watcher: follows the node's new blocks (`eth_blockNumber`, then
//! `eth_getBlockByNumber(n, false)` for each) and marks the run's transactions it finds in them
//! as included, until every one is or the run gives up.

use std::{collections::HashMap, sync::Arc, time::Duration};

use alloy_primitives::B256;
use indicatif::ProgressBar;
use serde_json::{Value, json};

use super::{
    rpc_client::{RpcClient, quantity},
    timeline::Timeline,
};

/// How often the watcher asks for the head.
const POLL: Duration = Duration::from_millis(20);

/// Watches blocks after `from` until every transaction of `index` (hash → position in the run)
/// is included or `stop` fires; ticks `progress` per inclusion. Returns how many were included.
pub(super) async fn watch(
    client: RpcClient,
    from: u64,
    index: Arc<HashMap<B256, usize>>,
    timeline: Arc<Timeline>,
    progress: ProgressBar,
    mut stop: tokio::sync::watch::Receiver<bool>,
) -> eyre::Result<usize> {
    let mut next = from + 1;
    let mut found = 0usize;
    while found < index.len() {
        let head = quantity(&client.call("eth_blockNumber", json!([])).await?)?;
        while next <= head {
            let block =
                client.call("eth_getBlockByNumber", json!([format!("{next:#x}"), false])).await?;
            let hashes = match &block["transactions"] {
                Value::Array(hashes) => hashes.clone(),
                // Not served yet (a node whose head runs ahead of its block index).
                _ => break,
            };
            for hash in hashes.iter().filter_map(|h| h.as_str()?.parse::<B256>().ok()) {
                if let Some(&i) = index.get(&hash)
                    && timeline.included(i)
                {
                    found += 1;
                    progress.inc(1);
                }
            }
            next += 1;
        }
        if found == index.len() {
            break;
        }
        tokio::select! {
            _ = tokio::time::sleep(POLL) => {}
            _ = stop.changed() => break,
        }
    }
    Ok(found)
}
