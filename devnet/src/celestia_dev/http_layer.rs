//! The HTTP layer in front of the JSON-RPC methods: token check and `GET /health`.
//!
//! As go-jsonrpc's `auth.Handler` (which celestia-node uses): a request with an
//! `Authorization` header must carry `Bearer <token>` with a token this server signed and
//! that has not expired, or it is answered `401` with an empty body; a request without one
//! goes on holding only the `public` permission. The permissions reach the methods in the
//! request's extensions. `GET /health` answers `{"status":"ok","head":N}` without a token.

use std::{
    future::Future,
    pin::Pin,
    sync::Arc,
    task::{Context, Poll},
};

use http::{Method, StatusCode, header};
use jsonrpsee::{
    core::BoxError,
    server::{HttpBody, HttpRequest, HttpResponse},
};
use tower::{Layer, Service};

use super::{
    auth::{Permissions, TokenAuthority},
    chain::Chain,
};

/// Adds the token check and `/health` in front of a service.
#[derive(Debug, Clone)]
pub(crate) struct DevHttpLayer {
    authority: TokenAuthority,
    chain: Arc<Chain>,
}

impl DevHttpLayer {
    /// Checks tokens signed by `authority`; reports `chain`'s head on `/health`.
    pub(crate) fn new(authority: TokenAuthority, chain: Arc<Chain>) -> Self {
        Self { authority, chain }
    }
}

impl<S> Layer<S> for DevHttpLayer {
    type Service = DevHttp<S>;

    fn layer(&self, inner: S) -> Self::Service {
        DevHttp { inner, authority: self.authority.clone(), chain: self.chain.clone() }
    }
}

/// The service [`DevHttpLayer`] makes.
#[derive(Debug, Clone)]
pub(crate) struct DevHttp<S> {
    inner: S,
    authority: TokenAuthority,
    chain: Arc<Chain>,
}

fn respond(status: StatusCode, body: Option<String>) -> HttpResponse {
    let has_body = body.is_some();
    let mut response = HttpResponse::new(HttpBody::from(body.unwrap_or_default()));
    *response.status_mut() = status;
    if has_body {
        response
            .headers_mut()
            .insert(header::CONTENT_TYPE, header::HeaderValue::from_static("application/json"));
    }
    response
}

impl<S> DevHttp<S> {
    /// The permissions `request` holds, or `None` when its token is refused.
    fn permissions<B>(&self, request: &HttpRequest<B>) -> Option<Permissions> {
        let Some(value) = request.headers().get(header::AUTHORIZATION) else {
            return Some(Permissions::anonymous());
        };
        let token = value.to_str().ok()?.strip_prefix("Bearer ")?;
        match self.authority.verify(token.trim()) {
            Ok(permissions) => Some(permissions),
            Err(e) => {
                tracing::warn!(error = %e, "JWT verification failed");
                None
            }
        }
    }
}

impl<S, B> Service<HttpRequest<B>> for DevHttp<S>
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

    fn call(&mut self, mut request: HttpRequest<B>) -> Self::Future {
        if request.method() == Method::GET && request.uri().path() == "/health" {
            let head = self.chain.head().height;
            let body = serde_json::json!({"status": "ok", "head": head}).to_string();
            return Box::pin(async move { Ok(respond(StatusCode::OK, Some(body))) });
        }
        let Some(permissions) = self.permissions(&request) else {
            return Box::pin(async { Ok(respond(StatusCode::UNAUTHORIZED, None)) });
        };
        request.extensions_mut().insert(permissions);
        let future = self.inner.call(request);
        Box::pin(async move { future.await.map_err(Into::into) })
    }
}
