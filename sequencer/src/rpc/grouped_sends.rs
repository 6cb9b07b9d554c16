//! Batches whose transaction submissions are admitted as a group: consecutive
//! `eth_sendRawTransaction` / `manifold_sendTransaction` calls of one JSON-RPC batch run
//! concurrently, so they share the pool journal's group commits (one fsync for the group) instead
//! of each waiting for its own, one after another. Every other call of the batch runs alone, in
//! order, after the submissions before it are answered — a batch that sends and then reads sees
//! its sends, as when the calls run one by one. Answers keep the batch's order.
//!
//! jsonrpsee runs a batch's calls one after another; this layer, the innermost of the node's
//! RPC middleware, replaces that loop.

use jsonrpsee::{
    MethodResponse,
    core::{
        middleware::{Batch, BatchEntry, Notification, RpcServiceT},
        server::BatchResponseBuilder,
    },
    types::Request,
};

use super::server::MAX_RESPONSE_BYTES;

/// The methods whose calls in a batch are admitted together.
const SUBMISSIONS: &[&str] = &["eth_sendRawTransaction", "manifold_sendTransaction"];

/// The layer (`RpcServiceBuilder::new().layer(…).layer(GroupedSendsLayer)`).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct GroupedSendsLayer;

impl<S> tower::Layer<S> for GroupedSendsLayer {
    type Service = GroupedSends<S>;

    fn layer(&self, service: S) -> Self::Service {
        GroupedSends { service }
    }
}

/// Runs runs of submissions in a batch concurrently; passes everything else on to `S`.
#[derive(Debug, Clone)]
pub(crate) struct GroupedSends<S> {
    service: S,
}

impl<S> RpcServiceT for GroupedSends<S>
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
        let service = self.service.clone();
        async move {
            let mut answers = BatchResponseBuilder::new_with_limit(MAX_RESPONSE_BYTES as usize);
            let mut group: Vec<Request<'a>> = Vec::new();
            let mut got_notification = false;
            let mut entries = batch.into_iter().peekable();
            while let Some(entry) = entries.next() {
                let single = match entry {
                    Ok(BatchEntry::Call(request))
                        if SUBMISSIONS.contains(&request.method_name()) =>
                    {
                        group.push(request);
                        let more = matches!(
                            entries.peek(),
                            Some(Ok(BatchEntry::Call(next)))
                                if SUBMISSIONS.contains(&next.method_name())
                        );
                        if more {
                            continue;
                        }
                        None
                    }
                    Ok(BatchEntry::Call(request)) => Some(Ok(request)),
                    Ok(BatchEntry::Notification(notification)) => {
                        got_notification = true;
                        service.notification(notification).await;
                        None
                    }
                    Err(error) => Some(Err(error)),
                };
                let calls = group.drain(..).map(|request| service.call(request));
                for answer in futures::future::join_all(calls).await {
                    if let Err(too_big) = answers.append(answer) {
                        return too_big;
                    }
                }
                let answer = match single {
                    None => continue,
                    Some(Ok(request)) => service.call(request).await,
                    Some(Err(error)) => {
                        let (error, id) = error.into_parts();
                        MethodResponse::error(id, error)
                    }
                };
                if let Err(too_big) = answers.append(answer) {
                    return too_big;
                }
            }
            if answers.is_empty() && got_notification {
                MethodResponse::notification()
            } else {
                MethodResponse::from_batch(answers.finish())
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
