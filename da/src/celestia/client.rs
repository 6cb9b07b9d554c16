//! The connection to celestia-node: a celestia-rpc [`Client`] built from `[da.celestia]`.
//!
//! The token goes in an `Authorization: Bearer …` header on every request (celestia-rpc adds
//! it), and every request is bounded by `request_timeout_ms`. Connecting never needs the node
//! to be up: an `http(s)://` client opens connections per request, and a `ws(s)://` client is
//! only dialled on first use (and re-dialled after a failed dial), so a sequencer starts during
//! a DA outage and its calls fail with [`DaError::Unavailable`] until the node is back.

use std::time::Duration;

use celestia_rpc::Client;
use node_config::CelestiaDaConfig;
use tokio::sync::OnceCell;

use super::errors::{NAME, from_client_error};
use crate::DaError;

/// Longest wait for a TCP connection (or WebSocket handshake), whatever the request timeout:
/// a node that does not accept connections is down, and the caller should hear so soon.
const MAX_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// How the client reaches the node, derived from `[da.celestia]`.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct ClientSettings {
    /// `http(s)://` or `ws(s)://` endpoint.
    pub(crate) url: String,
    /// Auth token (sent as `Authorization: Bearer <token>`).
    pub(crate) auth_token: Option<String>,
    /// Bound of one request.
    pub(crate) request_timeout: Duration,
    /// Bound of opening a connection.
    pub(crate) connect_timeout: Duration,
}

impl std::fmt::Debug for ClientSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientSettings")
            .field("url", &self.url)
            .field("auth_token", &self.auth_token.as_ref().map(|_| "<redacted>"))
            .field("request_timeout", &self.request_timeout)
            .field("connect_timeout", &self.connect_timeout)
            .finish()
    }
}

/// The transport a URL asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Transport {
    /// `http://` or `https://`: no connection until the first request.
    Http,
    /// `ws://` or `wss://`: one connection, opened on first use.
    WebSocket,
}

impl ClientSettings {
    /// Settings of `cfg`; fails on a URL scheme celestia-rpc cannot use.
    pub(crate) fn from_config(cfg: &CelestiaDaConfig) -> Result<(Self, Transport), DaError> {
        let url = cfg.url.trim().to_owned();
        let scheme = url.split_once("://").map(|(scheme, _)| scheme.to_ascii_lowercase());
        let transport = match scheme.as_deref() {
            Some("http" | "https") => Transport::Http,
            Some("ws" | "wss") => Transport::WebSocket,
            _ => {
                return Err(DaError::Misconfigured {
                    backend: NAME,
                    reason: format!(
                        "da.celestia.url {url:?} must start with http://, https://, ws:// or wss://"
                    ),
                });
            }
        };
        let request_timeout = Duration::from_millis(cfg.request_timeout_ms.max(1));
        let settings = Self {
            url,
            auth_token: cfg
                .auth_token
                .as_ref()
                .map(|token| token.expose().trim().to_owned())
                .filter(|token| !token.is_empty()),
            request_timeout,
            connect_timeout: request_timeout.min(MAX_CONNECT_TIMEOUT),
        };
        Ok((settings, transport))
    }

    /// Builds the client: no network for HTTP, a connection for WebSocket.
    async fn build(&self) -> Result<Client, DaError> {
        Client::new(
            &self.url,
            self.auth_token.as_deref(),
            Some(self.connect_timeout),
            Some(self.request_timeout),
        )
        .await
        .map_err(|e| match e {
            celestia_rpc::Error::JsonRpc(e) => from_client_error("connect", e),
            celestia_rpc::Error::InvalidCharactersInToken(_) => DaError::Misconfigured {
                backend: NAME,
                reason: "da.celestia.auth_token contains characters an HTTP header cannot carry"
                    .into(),
            },
            other => DaError::Misconfigured {
                backend: NAME,
                reason: format!("cannot use da.celestia.url {:?}: {other}", self.url),
            },
        })
    }
}

/// A celestia-rpc client, made on first use when the transport needs a live connection.
#[derive(Debug)]
pub(crate) struct LazyClient {
    settings: ClientSettings,
    client: OnceCell<Client>,
}

impl LazyClient {
    /// A client for `settings`; an HTTP client is built (and so checked) at once.
    pub(crate) async fn new(
        settings: ClientSettings,
        transport: Transport,
    ) -> Result<Self, DaError> {
        let client = OnceCell::new();
        if transport == Transport::Http {
            let built = settings.build().await?;
            client.set(built).expect("fresh cell is empty");
        }
        Ok(Self { settings, client })
    }

    /// The client, dialling the node first if needed.
    pub(crate) async fn get(&self) -> Result<&Client, DaError> {
        self.client.get_or_try_init(|| self.settings.build()).await
    }

    /// The endpoint, for logs.
    pub(crate) fn url(&self) -> &str {
        &self.settings.url
    }
}

#[cfg(test)]
mod tests {
    use node_config::Secret;

    use super::*;

    fn config(url: &str) -> CelestiaDaConfig {
        CelestiaDaConfig {
            url: url.into(),
            auth_token: Some(Secret::new(" token-value \n")),
            request_timeout_ms: 2_500,
            ..CelestiaDaConfig::default()
        }
    }

    #[test]
    fn settings_follow_the_config() {
        let (settings, transport) =
            ClientSettings::from_config(&config("http://127.0.0.1:26658")).unwrap();
        assert_eq!(transport, Transport::Http);
        assert_eq!(settings.url, "http://127.0.0.1:26658");
        assert_eq!(settings.auth_token.as_deref(), Some("token-value"), "trimmed");
        assert_eq!(settings.request_timeout, Duration::from_millis(2_500));
        assert_eq!(settings.connect_timeout, Duration::from_millis(2_500));
        assert!(!format!("{settings:?}").contains("token-value"), "token never in Debug");

        let (settings, transport) = ClientSettings::from_config(&CelestiaDaConfig {
            url: "wss://node.example:26658".into(),
            request_timeout_ms: 60_000,
            ..CelestiaDaConfig::default()
        })
        .unwrap();
        assert_eq!(transport, Transport::WebSocket);
        assert_eq!(settings.auth_token, None);
        assert_eq!(settings.connect_timeout, MAX_CONNECT_TIMEOUT, "connect bound is capped");
    }

    #[test]
    fn unknown_schemes_are_refused() {
        for url in ["tcp://127.0.0.1:26658", "127.0.0.1:26658", ""] {
            let error = ClientSettings::from_config(&config(url)).unwrap_err();
            assert!(matches!(error, DaError::Misconfigured { .. }), "{url}: {error:?}");
        }
    }

    #[tokio::test]
    async fn clients_are_made_without_a_node() {
        // Nothing listens on port 9 (discard); neither transport needs it to construct.
        for url in ["http://127.0.0.1:9", "ws://127.0.0.1:9"] {
            let (settings, transport) = ClientSettings::from_config(&config(url)).unwrap();
            let client = LazyClient::new(settings, transport).await.unwrap();
            assert_eq!(client.client.initialized(), transport == Transport::Http, "{url}");
            // The WebSocket dial happens on use, and fails as a transient error.
            if transport == Transport::WebSocket {
                let error = client.get().await.unwrap_err();
                assert!(error.is_transient(), "{error:?}");
            }
        }
    }

    #[tokio::test]
    async fn a_token_that_cannot_be_a_header_is_misconfigured() {
        let mut cfg = config("http://127.0.0.1:9");
        cfg.auth_token = Some(Secret::new("bad\u{7f}token"));
        let (settings, transport) = ClientSettings::from_config(&cfg).unwrap();
        let error = LazyClient::new(settings, transport).await.unwrap_err();
        assert!(matches!(error, DaError::Misconfigured { .. }), "{error:?}");
    }
}
