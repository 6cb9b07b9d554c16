//! [`L1Rpc`]: the backend's JSON-RPC connection to the L1, through an alloy provider.
//!
//! The connection is made lazily, on the first request, so a node starts while its L1 is
//! down. The L1's chain id is read on the first request that succeeds and checked against
//! `l1_chain_id` (a mismatch is [`DaError::Misconfigured`], never cached as good). Every
//! request has a deadline; an unreachable or failing node is [`DaError::Unavailable`].

use std::{future::IntoFuture, time::Duration};

use alloy::{
    providers::{DynProvider, Provider, ProviderBuilder},
    transports::{TransportError, TransportResult},
};
use tokio::sync::OnceCell;

use super::NAME;
use crate::DaError;

/// Deadline of one JSON-RPC request (connecting included).
pub(super) const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// URL schemes an L1 endpoint may use.
const SCHEMES: &[&str] = &["http://", "https://", "ws://", "wss://"];

/// A lazily connected JSON-RPC endpoint of the L1, with its chain id checked once.
pub(super) struct L1Rpc {
    url: String,
    expected_chain_id: Option<u64>,
    provider: OnceCell<DynProvider>,
    chain_id: OnceCell<u64>,
}

impl std::fmt::Debug for L1Rpc {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("L1Rpc")
            .field("url", &self.url)
            .field("expected_chain_id", &self.expected_chain_id)
            .field("chain_id", &self.chain_id.get())
            .finish()
    }
}

impl L1Rpc {
    /// An endpoint at `url` (http, https, ws or wss); nothing is sent yet.
    pub(super) fn new(url: &str, expected_chain_id: Option<u64>) -> Result<Self, DaError> {
        let url = url.trim();
        if !SCHEMES.iter().any(|s| url.strip_prefix(s).is_some_and(|rest| !rest.is_empty())) {
            return Err(misconfigured(format!(
                "da.ethereum.rpc_url {url:?} must be an http://, https://, ws:// or wss:// URL"
            )));
        }
        Ok(Self {
            url: url.to_owned(),
            expected_chain_id,
            provider: OnceCell::new(),
            chain_id: OnceCell::new(),
        })
    }

    /// The endpoint's URL.
    pub(super) fn url(&self) -> &str {
        &self.url
    }

    /// The provider, connecting on first use (an HTTP endpoint connects per request; a
    /// WebSocket one opens its socket here).
    async fn provider(&self) -> Result<&DynProvider, DaError> {
        self.provider
            .get_or_try_init(|| async {
                let connect =
                    ProviderBuilder::new().disable_recommended_fillers().connect(&self.url);
                let provider = tokio::time::timeout(REQUEST_TIMEOUT, connect)
                    .await
                    .map_err(|_| {
                        unavailable("connecting", format!("timed out after {REQUEST_TIMEOUT:?}"))
                    })?
                    .map_err(|e| unavailable("connecting", e))?;
                Ok(provider.erased())
            })
            .await
    }

    /// The L1's chain id: read once, then remembered. [`DaError::Misconfigured`] when it is
    /// not the configured `l1_chain_id`.
    pub(super) async fn chain_id(&self) -> Result<u64, DaError> {
        self.chain_id
            .get_or_try_init(|| async {
                let provider = self.provider().await?;
                let actual = call("eth_chainId", provider.get_chain_id()).await?;
                match self.expected_chain_id {
                    Some(expected) if expected != actual => Err(misconfigured(format!(
                        "the L1 at {} has chain id {actual}, but da.ethereum.l1_chain_id is \
                         {expected}: point rpc_url at the right L1 or fix l1_chain_id",
                        self.url
                    ))),
                    _ => Ok(actual),
                }
            })
            .await
            .copied()
    }

    /// The provider, once the L1's chain id has been checked.
    pub(super) async fn checked(&self) -> Result<&DynProvider, DaError> {
        self.chain_id().await?;
        self.provider().await
    }
}

/// Awaits one request under [`REQUEST_TIMEOUT`]; any failure (transport error, JSON-RPC
/// error response, timeout) is [`DaError::Unavailable`] naming `method`.
pub(super) async fn call<T>(
    method: &str,
    request: impl IntoFuture<Output = TransportResult<T>>,
) -> Result<T, DaError> {
    try_call(method, request).await?.map_err(|e| unavailable(method, e))
}

/// Awaits one request under [`REQUEST_TIMEOUT`]. A timeout is [`DaError::Unavailable`]; the
/// inner result keeps the node's answer so the caller can read a JSON-RPC error response.
pub(super) async fn try_call<T>(
    method: &str,
    request: impl IntoFuture<Output = TransportResult<T>>,
) -> Result<TransportResult<T>, DaError> {
    tokio::time::timeout(REQUEST_TIMEOUT, request.into_future())
        .await
        .map_err(|_| unavailable(method, format!("no answer within {REQUEST_TIMEOUT:?}")))
}

/// The message of a JSON-RPC error response, if `error` is one (as opposed to a transport
/// failure).
pub(super) fn rejection(error: &TransportError) -> Option<String> {
    error.as_error_resp().map(|payload| payload.message.to_string())
}

/// [`DaError::Unavailable`] for a failed `what`.
pub(super) fn unavailable(what: &str, cause: impl std::fmt::Display) -> DaError {
    DaError::Unavailable { backend: NAME, reason: format!("{what}: {cause}") }
}

/// [`DaError::Misconfigured`] with `reason`.
pub(super) fn misconfigured(reason: impl Into<String>) -> DaError {
    DaError::Misconfigured { backend: NAME, reason: reason.into() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_http_and_ws_urls_are_accepted() {
        for good in ["http://127.0.0.1:8545", "https://l1.example", "ws://h:1", "wss://h"] {
            assert!(L1Rpc::new(good, None).is_ok(), "{good}");
        }
        for bad in ["", "127.0.0.1:8545", "ipc:///tmp/geth.ipc", "http://"] {
            let err = L1Rpc::new(bad, None).unwrap_err();
            assert!(matches!(err, DaError::Misconfigured { .. }), "{bad}: {err}");
        }
    }

    #[tokio::test]
    async fn an_unreachable_node_is_unavailable_and_not_remembered() {
        // A port nothing listens on: bind, read the port, close.
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let rpc = L1Rpc::new(&format!("http://127.0.0.1:{port}"), Some(1)).unwrap();
        for _ in 0..2 {
            let err = rpc.chain_id().await.unwrap_err();
            assert!(err.is_transient(), "{err}");
        }
        assert!(rpc.chain_id.get().is_none());
    }
}
