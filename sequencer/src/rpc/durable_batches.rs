//! JSON-RPC batches whose transaction submissions share the pool journal's group commits.
//!
//! jsonrpsee runs a batch's calls one after another; this layer, the innermost of the node's
//! RPC middleware, does the same, in a [`DeferredDurability`] scope: a submission
//! (`eth_sendRawTransaction`, `manifold_sendTransaction`, a dev `eth_sendTransaction`, …)
//! returns once its transaction is in the pool and its journal write is queued, and the layer
//! waits for every deferred write before it answers the batch. So the batch's admissions
//! share a few fsyncs instead of waiting for one each, while each call still runs after the
//! one before it — the second of a sender's nonces is checked against a pool holding the
//! first, a read after a send sees it — and no call is answered before its transaction is on
//! disk. A submission whose write fails is answered with that error, in its place.
//!
//! Before the calls run, the signatures of the batch's `eth_sendRawTransaction` payloads are
//! checked on every core at once (`Mempool::decode_all`); each call's admission takes its
//! decoded transaction instead of checking the signature again.

use std::sync::Arc;

use jsonrpsee::{
    MethodResponse,
    core::{
        middleware::{Batch, BatchEntry, Notification, RpcServiceT},
        server::BatchResponseBuilder,
    },
    types::{Id, Request},
};

use alloy_primitives::Bytes;
use execution::EngineKind;

use super::{errors::pool_error, server::MAX_RESPONSE_BYTES};
use crate::mempool::{DeferredDurability, Mempool};

/// The raw transaction of an `eth_sendRawTransaction` call, if its params are one hex string.
fn raw_transaction(request: &Request<'_>) -> Option<Bytes> {
    if request.method_name() != "eth_sendRawTransaction" {
        return None;
    }
    let (raw,): (Bytes,) = serde_json::from_str(request.params.as_ref()?.get()).ok()?;
    Some(raw)
}

/// The layer (`RpcServiceBuilder::new().layer(…).layer(DurableBatchesLayer::new(mempool))`).
#[derive(Debug, Clone)]
pub(crate) struct DurableBatchesLayer {
    mempool: Arc<Mempool>,
}

impl DurableBatchesLayer {
    /// The layer for the node whose pool is `mempool`.
    pub(crate) fn new(mempool: Arc<Mempool>) -> Self {
        Self { mempool }
    }
}

impl<S> tower::Layer<S> for DurableBatchesLayer {
    type Service = DurableBatches<S>;

    fn layer(&self, service: S) -> Self::Service {
        DurableBatches { service, mempool: self.mempool.clone() }
    }
}

/// Runs a batch's calls in order, settling its admissions before answering; passes single
/// calls and notifications on to `S`.
#[derive(Debug, Clone)]
pub(crate) struct DurableBatches<S> {
    service: S,
    mempool: Arc<Mempool>,
}

impl<S> RpcServiceT for DurableBatches<S>
where
    S: RpcServiceT<
            MethodResponse = MethodResponse,
            BatchResponse = MethodResponse,
            NotificationResponse = MethodResponse,
        > + Send
        + Sync
        + Clone
        + 'static,
{
    type MethodResponse = MethodResponse;
    type NotificationResponse = MethodResponse;
    type BatchResponse = MethodResponse;

    fn call<'a>(&self, request: Request<'a>) -> impl Future<Output = MethodResponse> + Send + 'a {
        self.service.call(request)
    }

    fn batch<'a>(&self, batch: Batch<'a>) -> impl Future<Output = MethodResponse> + Send + 'a {
        let (service, mempool) = (self.service.clone(), self.mempool.clone());
        async move {
            let payloads: Vec<Bytes> = batch
                .iter()
                .filter_map(|entry| match entry {
                    Ok(BatchEntry::Call(request)) => raw_transaction(request),
                    _ => None,
                })
                .collect();
            let decoded = if payloads.len() > 1 {
                let decoder = mempool.clone();
                tokio::task::spawn_blocking(move || decoder.decode_all(EngineKind::Evm, payloads))
                    .await
                    .unwrap_or_default()
            } else {
                Default::default()
            };
            // Each call's id and answer, in order; `None` for a notification.
            let calls = async {
                DeferredDurability::decoded_ahead(decoded);
                let mut answers: Vec<Option<(Id<'static>, MethodResponse)>> = Vec::new();
                for (position, entry) in batch.into_iter().enumerate() {
                    DeferredDurability::at(position);
                    let answer = match entry {
                        Ok(BatchEntry::Call(request)) => {
                            let id = request.id().into_owned();
                            Some((id, service.call(request).await))
                        }
                        Ok(BatchEntry::Notification(notification)) => {
                            service.notification(notification).await;
                            None
                        }
                        Err(error) => {
                            let (error, id) = error.into_parts();
                            Some((id.clone().into_owned(), MethodResponse::error(id, error)))
                        }
                    };
                    answers.push(answer);
                }
                answers
            };
            let (mut answers, pending) = DeferredDurability::run(calls).await;
            for (position, admission) in pending {
                if let Err(e) = mempool.settle(admission).await
                    && let Some(Some((id, answer))) = answers.get_mut(position)
                {
                    *answer = MethodResponse::error(id.clone(), pool_error(&e));
                }
            }
            let got_notification = answers.iter().any(Option::is_none);
            let mut built = BatchResponseBuilder::new_with_limit(MAX_RESPONSE_BYTES as usize);
            for (_, answer) in answers.into_iter().flatten() {
                if let Err(too_big) = built.append(answer) {
                    return too_big;
                }
            }
            // As jsonrpsee answers: nothing for notifications only; an empty batch is an
            // invalid request (`finish` of nothing).
            if built.is_empty() && got_notification {
                MethodResponse::notification()
            } else {
                MethodResponse::from_batch(built.finish())
            }
        }
    }

    fn notification<'a>(
        &self,
        notification: Notification<'a>,
    ) -> impl Future<Output = MethodResponse> + Send + 'a {
        self.service.notification(notification)
    }
}
