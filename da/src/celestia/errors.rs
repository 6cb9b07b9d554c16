//! How failures of celestia-node's JSON-RPC become [`DaError`]s.
//!
//! The rule: what retrying can fix is [`DaError::Unavailable`] (node down, refused connection,
//! timeout, HTTP 5xx, a node-side error such as a full mempool); what only the operator can fix
//! is [`DaError::Misconfigured`] with the config key to change (a token without the needed
//! permission, a rejected token, a gas price below the node's minimum, an endpoint that is not
//! a celestia-node); an answer that does not decode is [`DaError::Storage`].

use jsonrpsee::core::ClientError;
use jsonrpsee::http_client::transport::Error as HttpTransportError;

use crate::DaError;

/// Backend name, for [`DaBackend::name`](crate::DaBackend::name) and error values.
pub(crate) const NAME: &str = "celestia";

/// celestia-node's error text when a blob is not at the given height and namespace
/// (`blob.ErrBlobNotFound`).
pub(crate) const BLOB_NOT_FOUND: &str = "blob: not found";

/// Whether `error` is celestia-node's "blob: not found" answer.
pub(crate) fn is_blob_not_found(error: &ClientError) -> bool {
    matches!(error, ClientError::Call(call) if call.message().contains(BLOB_NOT_FOUND))
}

/// Maps a failed call of the JSON-RPC method `method` to a [`DaError`].
pub(crate) fn from_client_error(method: &str, error: ClientError) -> DaError {
    match error {
        ClientError::Call(call) => from_node_error(method, call.code(), call.message()),
        ClientError::Transport(transport) => from_transport_error(method, transport.as_ref()),
        ClientError::RequestTimeout => unavailable(format!("`{method}` got no answer in time")),
        ClientError::RestartNeeded(cause) => {
            unavailable(format!("connection lost during `{method}`: {cause}"))
        }
        ClientError::ServiceDisconnect => unavailable(format!("connection lost during `{method}`")),
        ClientError::ParseError(e) => {
            DaError::Storage(format!("celestia-node's answer to `{method}` does not decode: {e}"))
        }
        other => DaError::Storage(format!("`{method}` failed unexpectedly: {other}")),
    }
}

/// An error object the node answered with (`{"code", "message"}`).
pub(crate) fn from_node_error(method: &str, code: i32, message: &str) -> DaError {
    if let Some(permission) = missing_permission(message) {
        let (command, what) = match permission {
            "write" | "admin" => ("write", "posting batches"),
            _ => ("read", "reading batches"),
        };
        return misconfigured(format!(
            "celestia-node refused `{method}`: {message}. {what} needs a token with {permission} \
             permission: set da.celestia.auth_token (or MANIFOLD_DA__CELESTIA__AUTH_TOKEN) to the \
             output of `celestia <node type> auth {command}`"
        ));
    }
    let lower = message.to_ascii_lowercase();
    if lower.contains("insufficient fee") || lower.contains("insufficient minimum gas price") {
        return misconfigured(format!(
            "celestia-node refused `{method}`: {message}. Raise da.celestia.gas_price to at least \
             the node's minimum gas price"
        ));
    }
    if lower.contains("insufficient funds") {
        return misconfigured(format!(
            "celestia-node refused `{method}`: {message}. Fund the node's account (`celestia \
             state account-address`) with TIA"
        ));
    }
    // JSON-RPC's own codes (parse error, invalid request, method not found, invalid params):
    // the node does not speak the API this backend was written for.
    if (-32700..=-32600).contains(&code) {
        return misconfigured(format!(
            "celestia-node rejected `{method}` (code {code}): {message}. Is da.celestia.url the \
             JSON-RPC endpoint of a celestia-node of a supported version?"
        ));
    }
    // Anything else is the node failing to do the work (sync in progress, consensus node
    // unreachable, mempool full, sequence mismatch, deadline exceeded): retry later.
    unavailable(format!("celestia-node failed `{method}` (code {code}): {message}"))
}

/// A transport failure: the request did not get a JSON-RPC answer.
fn from_transport_error(
    method: &str,
    error: &(dyn std::error::Error + Send + Sync + 'static),
) -> DaError {
    let status = match error.downcast_ref::<HttpTransportError>() {
        Some(HttpTransportError::Rejected { status_code }) => Some(*status_code),
        // A WebSocket handshake refusal only shows in its text.
        _ => status_in_text(&error.to_string()),
    };
    match status {
        Some(401 | 403) => misconfigured(format!(
            "celestia-node rejected the auth token (HTTP {}) on `{method}`: set \
             da.celestia.auth_token to a token of this node with write permission (`celestia \
             <node type> auth write`)",
            status.unwrap_or_default()
        )),
        Some(code @ (408 | 429 | 500..=599)) => {
            unavailable(format!("HTTP {code} from celestia-node on `{method}`"))
        }
        Some(code) => misconfigured(format!(
            "HTTP {code} from the endpoint on `{method}`: is da.celestia.url the JSON-RPC \
             endpoint of a celestia-node?"
        )),
        None => unavailable(format!("cannot reach celestia-node for `{method}`: {error}")),
    }
}

/// The HTTP status in "…rejected with status code: 401…" (jsonrpsee's WebSocket handshake).
fn status_in_text(text: &str) -> Option<u16> {
    let (_, rest) = text.split_once("status code: ")?;
    rest.get(..3)?.parse().ok()
}

/// The permission in go-jsonrpc's "missing permission to invoke 'X' (need 'perm')".
fn missing_permission(message: &str) -> Option<&str> {
    let (_, rest) = message.split_once("missing permission to invoke")?;
    let (_, rest) = rest.split_once("(need '")?;
    rest.split_once('\'').map(|(permission, _)| permission)
}

fn unavailable(reason: String) -> DaError {
    DaError::Unavailable { backend: NAME, reason }
}

fn misconfigured(reason: String) -> DaError {
    DaError::Misconfigured { backend: NAME, reason }
}

#[cfg(test)]
mod tests {
    use jsonrpsee::types::ErrorObjectOwned;

    use super::*;

    fn call(code: i32, message: &str) -> ClientError {
        ClientError::Call(ErrorObjectOwned::owned::<()>(code, message, None))
    }

    fn reason(error: &DaError) -> &str {
        match error {
            DaError::Unavailable { reason, .. } | DaError::Misconfigured { reason, .. } => reason,
            DaError::Storage(reason) => reason,
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn missing_write_permission_asks_for_a_write_token() {
        let error = from_client_error(
            "blob.Submit",
            call(1, "missing permission to invoke 'Submit' (need 'write')"),
        );
        assert!(matches!(error, DaError::Misconfigured { backend: NAME, .. }), "{error:?}");
        assert!(!error.is_transient());
        let text = reason(&error);
        assert!(text.contains("auth write"), "{text}");
        assert!(text.contains("da.celestia.auth_token"), "{text}");
    }

    #[test]
    fn missing_read_permission_asks_for_a_read_token() {
        let error = from_client_error(
            "blob.GetAll",
            call(1, "missing permission to invoke 'GetAll' (need 'read')"),
        );
        assert!(reason(&error).contains("auth read"), "{error:?}");
        assert!(!error.is_transient());
    }

    #[test]
    fn rejected_token_and_bad_endpoints_are_misconfigured() {
        for status in [401u16, 403] {
            let error = from_client_error(
                "header.LocalHead",
                ClientError::Transport(Box::new(HttpTransportError::Rejected {
                    status_code: status,
                })),
            );
            assert!(matches!(error, DaError::Misconfigured { .. }), "{status}: {error:?}");
            assert!(reason(&error).contains("write permission"), "{error:?}");
        }
        let not_found = from_client_error(
            "header.LocalHead",
            ClientError::Transport(Box::new(HttpTransportError::Rejected { status_code: 404 })),
        );
        assert!(matches!(not_found, DaError::Misconfigured { .. }), "{not_found:?}");
        let unknown_method =
            from_client_error("blob.GetAll", call(-32601, "method 'blob.GetAll' not found"));
        assert!(matches!(unknown_method, DaError::Misconfigured { .. }), "{unknown_method:?}");
    }

    #[test]
    fn ws_handshake_refusal_is_read_from_its_text() {
        assert_eq!(status_in_text("Connection rejected with status code: 401"), Some(401));
        assert_eq!(status_in_text("Connection rejected with status code: 503 x"), Some(503));
        assert_eq!(status_in_text("connection refused"), None);
    }

    #[test]
    fn server_errors_timeouts_and_refused_connections_are_transient() {
        for status in [500u16, 502, 503, 429] {
            let error = from_client_error(
                "blob.Submit",
                ClientError::Transport(Box::new(HttpTransportError::Rejected {
                    status_code: status,
                })),
            );
            assert!(error.is_transient(), "{status}: {error:?}");
        }
        let refused = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "refused");
        assert!(
            from_client_error("blob.Submit", ClientError::Transport(Box::new(refused)))
                .is_transient()
        );
        assert!(from_client_error("blob.Submit", ClientError::RequestTimeout).is_transient());
        // A node-side failure the node may recover from.
        let busy = from_client_error("blob.Submit", call(1, "mempool is full"));
        assert!(busy.is_transient(), "{busy:?}");
    }

    #[test]
    fn fee_and_funds_problems_name_what_to_change() {
        let fee = from_client_error(
            "blob.Submit",
            call(1, "insufficient fees; got: 10utia required: 200utia: insufficient fee"),
        );
        assert!(reason(&fee).contains("da.celestia.gas_price"), "{fee:?}");
        assert!(!fee.is_transient());
        let funds = from_client_error(
            "blob.Submit",
            call(1, "spendable balance 0utia is smaller than 20utia: insufficient funds"),
        );
        assert!(reason(&funds).contains("Fund the node's account"), "{funds:?}");
    }

    #[test]
    fn undecodable_answers_are_storage_errors() {
        let parse = serde_json::from_str::<u64>("\"x\"").unwrap_err();
        let error = from_client_error("header.LocalHead", ClientError::ParseError(parse));
        assert!(matches!(error, DaError::Storage(_)), "{error:?}");
    }

    #[test]
    fn blob_not_found_is_recognised() {
        assert!(is_blob_not_found(&call(1, "blob: not found")));
        assert!(!is_blob_not_found(&call(1, "header: not found")));
        assert!(!is_blob_not_found(&ClientError::RequestTimeout));
    }
}
