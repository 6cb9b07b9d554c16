//! The gate every HTTP request of a connection passes before jsonrpsee: the whole body read
//! within the body timeout and the size limit, the request counted against the in-flight
//! limit and marked busy on its connection while it executes, and its ids made exact
//! ([`request_ids`](super::request_ids)).
//!
//! Reading the body here, rather than in jsonrpsee, gives each failure its own answer instead
//! of jsonrpsee's `500 Internal error`: `413` for a body over the limit whether it comes with
//! `Content-Length` or chunked, `408` for one that does not arrive in time, `400` for one whose
//! framing is broken (e.g. chunked encoding that does not parse — which is also what a
//! request with both `Content-Length` and `Transfer-Encoding` gets when its body does not
//! follow the chunked framing hyper honours, as RFC 9112 §6.3 requires), and `503` with
//! `Retry-After` at the in-flight limit. A WebSocket upgrade passes untouched and marks its
//! connection as a WebSocket.

use std::{
    future::Future,
    pin::Pin,
    sync::Arc,
    task::{Context, Poll},
    time::Duration,
};

use http::{HeaderValue, Request, Response, StatusCode, header};
use http_body_util::BodyExt;
use hyper::body::{Bytes, Incoming};
use jsonrpsee::server::{HttpBody, http::response, ws::is_upgrade_request};
use tokio::sync::Semaphore;

use super::{connections::Slot, request_ids, strict_calls::mark_over_http};
use crate::Metrics;

/// A boxed error, as jsonrpsee's services return.
type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// What every connection's gate shares: the limits and the in-flight permits.
#[derive(Debug)]
pub(crate) struct GateLimits {
    /// Largest request body, in bytes.
    pub(crate) max_body: u32,
    /// Time to receive a whole body once the headers arrived.
    pub(crate) body_timeout: Duration,
    /// Permits for requests executing at once, over all connections.
    pub(crate) in_flight: Arc<Semaphore>,
    /// Where refusals and timeouts are counted.
    pub(crate) metrics: Arc<Metrics>,
}

/// The gate of one connection in front of jsonrpsee's service `S`.
#[derive(Debug, Clone)]
pub(crate) struct RequestGate<S> {
    inner: S,
    slot: Arc<Slot>,
    limits: Arc<GateLimits>,
}

impl<S> RequestGate<S> {
    /// The gate of the connection holding `slot`, in front of `inner`.
    pub(crate) fn new(inner: S, slot: Arc<Slot>, limits: Arc<GateLimits>) -> Self {
        Self { inner, slot, limits }
    }
}

impl<S> tower::Service<Request<Incoming>> for RequestGate<S>
where
    S: tower::Service<Request<HttpBody>, Response = Response<HttpBody>, Error = BoxError>
        + Clone
        + Send
        + 'static,
    S::Future: Send,
{
    type Response = Response<HttpBody>;
    type Error = BoxError;
    type Future = Pin<Box<dyn Future<Output = Result<Response<HttpBody>, BoxError>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<Incoming>) -> Self::Future {
        // The service that was polled ready serves this call; a clone takes its place.
        let clone = self.inner.clone();
        let inner = std::mem::replace(&mut self.inner, clone);
        let (slot, limits) = (self.slot.clone(), self.limits.clone());
        Box::pin(serve(inner, slot, limits, request))
    }
}

async fn serve<S>(
    mut inner: S,
    slot: Arc<Slot>,
    limits: Arc<GateLimits>,
    mut request: Request<Incoming>,
) -> Result<Response<HttpBody>, BoxError>
where
    S: tower::Service<Request<HttpBody>, Response = Response<HttpBody>, Error = BoxError>,
{
    if is_upgrade_request(&request) {
        slot.mark_websocket();
        return inner.call(request.map(|_| HttpBody::empty())).await;
    }
    mark_over_http(&mut request);
    let (parts, body) = request.into_parts();
    let declared = parts
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok()?.parse::<u64>().ok());
    if declared.is_some_and(|length| length > u64::from(limits.max_body)) {
        limits.metrics.rpc_bodies_too_large.inc();
        return Ok(closing(response::too_large(limits.max_body)));
    }
    let read = read_body(body, limits.max_body as usize);
    let body = match tokio::time::timeout(limits.body_timeout, read).await {
        Ok(Ok(Some(bytes))) => bytes,
        Ok(Ok(None)) => {
            limits.metrics.rpc_bodies_too_large.inc();
            return Ok(closing(response::too_large(limits.max_body)));
        }
        Ok(Err(e)) => {
            tracing::debug!(error = %e, "malformed request body");
            return Ok(closing(plain(StatusCode::BAD_REQUEST, "malformed request body\n")));
        }
        Err(_) => {
            limits.metrics.rpc_body_timeouts.inc();
            let text = format!(
                "request body not received within {} ms\n",
                limits.body_timeout.as_millis()
            );
            return Ok(closing(plain(StatusCode::REQUEST_TIMEOUT, text)));
        }
    };
    let Ok(_permit) = limits.in_flight.clone().try_acquire_owned() else {
        limits.metrics.rpc_requests_refused.inc();
        let mut busy = plain(StatusCode::SERVICE_UNAVAILABLE, "too many requests in flight\n");
        busy.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        return Ok(busy);
    };
    let _executing = slot.executing();
    let _counted = InFlight::new(&limits.metrics);
    let prepared = request_ids::prepare(body);
    let request = Request::from_parts(parts, HttpBody::from(prepared.body.to_vec()));
    let response = inner.call(request).await?;
    if prepared.restore.is_empty() {
        return Ok(response);
    }
    let (parts, body) = response.into_parts();
    let bytes: Bytes = body.collect().await?.to_bytes();
    let restored = request_ids::restore(bytes, &prepared.restore);
    let mut response = Response::from_parts(parts, HttpBody::from(restored.to_vec()));
    response.headers_mut().remove(header::CONTENT_LENGTH);
    Ok(response)
}

/// Most time spent reading and discarding the rest of a body over the limit before answering
/// `413`, so that a client still sending it reads the answer instead of a broken pipe.
const DRAIN_AFTER_LIMIT: std::time::Duration = std::time::Duration::from_secs(1);

/// The whole body if it is at most `max` bytes; `None` if it is larger — after reading and
/// discarding what follows for at most [`DRAIN_AFTER_LIMIT`] (a lingering close: answering
/// while the client still writes would reset the connection under its answer).
async fn read_body(mut body: Incoming, max: usize) -> Result<Option<Bytes>, hyper::Error> {
    let mut collected = Vec::new();
    while let Some(frame) = body.frame().await {
        let Ok(data) = frame?.into_data() else { continue };
        if collected.len() + data.len() > max {
            let drain = async { while let Some(Ok(_)) = body.frame().await {} };
            let _ = tokio::time::timeout(DRAIN_AFTER_LIMIT, drain).await;
            return Ok(None);
        }
        collected.extend_from_slice(&data);
    }
    Ok(Some(Bytes::from(collected)))
}

/// `response` with `Connection: close` (its request's body may be unread) and the CORS
/// header browsers need to see it.
fn closing(mut response: Response<HttpBody>) -> Response<HttpBody> {
    let headers = response.headers_mut();
    headers.insert(header::CONNECTION, HeaderValue::from_static("close"));
    headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
    response
}

fn plain(status: StatusCode, text: impl Into<String>) -> Response<HttpBody> {
    let mut response = Response::new(HttpBody::from(text.into()));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain"));
    headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
    response
}

/// Counts a request in the in-flight gauge while it lives.
struct InFlight<'a>(&'a Metrics);

impl<'a> InFlight<'a> {
    fn new(metrics: &'a Metrics) -> Self {
        metrics.rpc_requests_in_flight.inc();
        Self(metrics)
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.rpc_requests_in_flight.dec();
    }
}
