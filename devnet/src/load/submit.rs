//! Sending a run's pre-signed transactions: `clients` concurrent clients, each on its own
//! connection, take the next `batch` transactions in order and send them (`eth_sendRawTransaction`,
//! as one request or one JSON-RPC batch), as fast as the node answers — or, at a fixed offered
//! rate, each chunk no sooner than its turn.

use std::{
    sync::{
        Arc, Mutex,
        atomic::{AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

use indicatif::ProgressBar;
use serde_json::json;

use super::{rpc_client::RpcClient, timeline::Timeline, workload::Signed};

/// How the transactions are sent.
#[derive(Debug, Clone, Copy)]
pub(super) struct SendPlan {
    /// Concurrent clients (connections).
    pub(super) clients: usize,
    /// Transactions per request (1: one `eth_sendRawTransaction` per request).
    pub(super) batch: usize,
    /// Offered rate in transactions per second; `None`: as fast as answered.
    pub(super) rate: Option<f64>,
}

/// What sending did.
#[derive(Debug, Default)]
pub(super) struct Sent {
    /// Transactions the node refused (or whose request failed).
    pub(super) refused: usize,
    /// The first few refusals' messages.
    pub(super) errors: Vec<String>,
}

/// Sends `txs` to `url` by `plan`, marking each acknowledged one in `timeline`.
pub(super) async fn send_all(
    url: &reqwest::Url,
    txs: Arc<Vec<Signed>>,
    plan: SendPlan,
    timeline: Arc<Timeline>,
    progress: ProgressBar,
) -> eyre::Result<Sent> {
    let next = Arc::new(AtomicUsize::new(0));
    let sent = Arc::new(Mutex::new(Sent::default()));
    let started = Instant::now();
    let batch = plan.batch.max(1);
    let mut tasks = Vec::new();
    for _ in 0..plan.clients.max(1) {
        let client = RpcClient::connect(url).await?;
        let (txs, next, sent, timeline, progress) =
            (txs.clone(), next.clone(), sent.clone(), timeline.clone(), progress.clone());
        tasks.push(tokio::spawn(async move {
            loop {
                let first = next.fetch_add(batch, Ordering::Relaxed);
                if first >= txs.len() {
                    break;
                }
                let last = (first + batch).min(txs.len());
                if let Some(rate) = plan.rate {
                    let due = started + Duration::from_secs_f64(first as f64 / rate);
                    tokio::time::sleep_until(due.into()).await;
                }
                let answers = if last - first == 1 {
                    let params = json!([txs[first].raw]);
                    match client.call("eth_sendRawTransaction", params).await {
                        Ok(_) => vec![Ok(())],
                        Err(e) => vec![Err(e.to_string())],
                    }
                } else {
                    let calls: Vec<_> = txs[first..last].iter().map(|t| json!([t.raw])).collect();
                    match client.batch("eth_sendRawTransaction", &calls).await {
                        Ok(answers) => answers.into_iter().map(|a| a.map(|_| ())).collect(),
                        Err(e) => vec![Err(e.to_string()); last - first],
                    }
                };
                for (offset, answer) in answers.into_iter().enumerate() {
                    match answer {
                        Ok(()) => timeline.acked(first + offset),
                        Err(e) => {
                            let mut sent = sent.lock().unwrap_or_else(|e| e.into_inner());
                            sent.refused += 1;
                            if sent.errors.len() < 5 {
                                sent.errors.push(e);
                            }
                        }
                    }
                }
                progress.inc((last - first) as u64);
            }
        }));
    }
    for task in tasks {
        task.await?;
    }
    let sent = std::mem::take(&mut *sent.lock().unwrap_or_else(|e| e.into_inner()));
    Ok(sent)
}
