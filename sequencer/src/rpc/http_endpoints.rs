//! Plain HTTP endpoints on the RPC port, as a tower layer in front of jsonrpsee:
//!
//! - `GET /health`: `200 {"status":"ok","head":N}`; `200 {"status":"stalled","head":N,
//!   "reason":...}` while a bridged sequencer seals no block because its deposit feed has not
//!   read the L1 far enough (it still serves reads; `manifold_sequencer_l1_stalled` is 1); or
//!   `503 {"status":"error",...}` when the store cannot be read;
//! - `GET /metrics`: the Prometheus text exposition.
//!
//! Every other request goes on to jsonrpsee.

use std::{
    future::Future,
    pin::Pin,
    sync::Arc,
    task::{Context, Poll},
};

use execution::Store;
use http::{Method, StatusCode, header};
use jsonrpsee::{
    core::BoxError,
    server::{HttpBody, HttpRequest, HttpResponse},
};
use tower::{Layer, Service};

use crate::Metrics;

/// The Prometheus text format's content type.
pub(crate) const METRICS_CONTENT_TYPE: &str = "text/plain; version=0.0.4";

/// Adds `/health` and `/metrics` in front of a service.
#[derive(Debug, Clone)]
pub(crate) struct NodeEndpointsLayer {
    store: Store,
    metrics: Arc<Metrics>,
}

impl NodeEndpointsLayer {
    /// Endpoints reporting on `store` and `metrics`.
    pub(crate) fn new(store: Store, metrics: Arc<Metrics>) -> Self {
        Self { store, metrics }
    }
}

impl<S> Layer<S> for NodeEndpointsLayer {
    type Service = NodeEndpoints<S>;

    fn layer(&self, inner: S) -> Self::Service {
        NodeEndpoints { inner, store: self.store.clone(), metrics: self.metrics.clone() }
    }
}

/// The service [`NodeEndpointsLayer`] makes.
#[derive(Debug, Clone)]
pub(crate) struct NodeEndpoints<S> {
    inner: S,
    store: Store,
    metrics: Arc<Metrics>,
}

fn response(status: StatusCode, content_type: &'static str, body: String) -> HttpResponse {
    let mut response = HttpResponse::new(HttpBody::from(body));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, header::HeaderValue::from_static(content_type));
    response
}

/// What `/health` says of a sequencer stalled for its L1 view.
const L1_STALL_REASON: &str = "no block is sealed until the deposit feed reads the L1 further \
                               (see the log and manifold_sequencer_l1_stalled)";

/// The `/health` answer for `store` and `metrics`.
pub(crate) fn health(store: &Store, metrics: &Metrics) -> HttpResponse {
    match store.head_number() {
        Ok(Some(head)) if metrics.l1_stalled.get() != 0 => response(
            StatusCode::OK,
            "application/json",
            serde_json::json!({"status": "stalled", "head": head, "reason": L1_STALL_REASON})
                .to_string(),
        ),
        Ok(Some(head)) => response(
            StatusCode::OK,
            "application/json",
            serde_json::json!({"status": "ok", "head": head}).to_string(),
        ),
        Ok(None) => response(
            StatusCode::SERVICE_UNAVAILABLE,
            "application/json",
            serde_json::json!({"status": "error", "error": "the chain has no genesis"}).to_string(),
        ),
        Err(error) => response(
            StatusCode::SERVICE_UNAVAILABLE,
            "application/json",
            serde_json::json!({"status": "error", "error": error.to_string()}).to_string(),
        ),
    }
}

/// The `/metrics` answer.
pub(crate) fn metrics(metrics: &Metrics) -> HttpResponse {
    response(StatusCode::OK, METRICS_CONTENT_TYPE, metrics.encode())
}

impl<S, B> Service<HttpRequest<B>> for NodeEndpoints<S>
where
    S: Service<HttpRequest<B>, Response = HttpResponse>,
    S::Error: Into<BoxError>,
    S::Future: Send + 'static,
{
    type Response = HttpResponse;
    type Error = BoxError;
    type Future = Pin<Box<dyn Future<Output = Result<HttpResponse, BoxError>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, request: HttpRequest<B>) -> Self::Future {
        if request.method() == Method::GET {
            match request.uri().path() {
                "/health" => {
                    let (store, metrics) = (self.store.clone(), self.metrics.clone());
                    // A redb read transaction; cheap, but keep it off the async workers.
                    return Box::pin(async move {
                        tokio::task::spawn_blocking(move || health(&store, &metrics))
                            .await
                            .map_err(|e| Box::new(e) as BoxError)
                    });
                }
                "/metrics" => {
                    let out = metrics(&self.metrics);
                    return Box::pin(async move { Ok(out) });
                }
                _ => {}
            }
        }
        let future = self.inner.call(request);
        Box::pin(async move { future.await.map_err(Into::into) })
    }
}

#[cfg(test)]
mod tests {
    use http_body_util::BodyExt;

    use super::*;

    async fn body_text(response: HttpResponse) -> String {
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        String::from_utf8(bytes.to_vec()).unwrap()
    }

    #[tokio::test]
    async fn endpoints_answer_and_other_requests_pass_through() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path().join("db")).unwrap();
        let metrics = Arc::new(Metrics::new());
        let inner = tower::service_fn(|_req: HttpRequest<HttpBody>| async {
            Ok::<_, BoxError>(HttpResponse::new(HttpBody::from("rpc")))
        });
        let mut service = NodeEndpointsLayer::new(store, metrics).layer(inner);

        let get = |path: &str| {
            HttpRequest::builder().method(Method::GET).uri(path).body(HttpBody::empty()).unwrap()
        };
        // No genesis yet: not healthy.
        let health = service.call(get("/health")).await.unwrap();
        assert_eq!(health.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert!(body_text(health).await.contains("\"status\":\"error\""));

        let metrics = service.call(get("/metrics")).await.unwrap();
        assert_eq!(metrics.status(), StatusCode::OK);
        assert_eq!(metrics.headers()[header::CONTENT_TYPE], METRICS_CONTENT_TYPE);

        let other = service.call(get("/")).await.unwrap();
        assert_eq!(body_text(other).await, "rpc");
        let post = HttpRequest::builder()
            .method(Method::POST)
            .uri("/health")
            .body(HttpBody::empty())
            .unwrap();
        assert_eq!(body_text(service.call(post).await.unwrap()).await, "rpc");
    }
}
