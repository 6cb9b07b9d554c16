//! The `[rpc]` section: the JSON-RPC endpoint (HTTP + WebSocket) and its limits.

use std::net::{Ipv4Addr, SocketAddr};

use serde::{Deserialize, Serialize};

/// `[rpc]`: where the JSON-RPC server listens and the limits it enforces.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RpcConfig {
    /// Address and port of the HTTP + WebSocket endpoint. Default `127.0.0.1:8545`.
    pub listen: SocketAddr,
    /// Largest accepted request body, in bytes. Default 10 MiB (10485760).
    pub max_request_body_bytes: u32,
    /// Most open connections, idle ones included (and at most the open-file limit less 128).
    /// At the limit a new connection replaces the one that has waited longest without a
    /// request executing. Default 1000.
    pub max_connections: u32,
    /// Most requests executing at once over all connections; above it a request is answered
    /// `503` with `Retry-After`. Default 1000.
    pub max_requests_in_flight: u32,
    /// Most concurrent HTTP/2 streams (requests) on one connection. Default 100.
    pub max_streams_per_connection: u32,
    /// Most subscriptions one WebSocket connection may hold. Default 1024.
    pub max_subscriptions_per_connection: u32,
    /// A connection with no request executing is closed after this long, in milliseconds.
    /// Default 60000.
    pub idle_timeout_ms: u64,
    /// Time a client has to send a request's headers, in milliseconds (from the connection's
    /// start or its previous answer). Default 10000.
    pub header_read_timeout_ms: u64,
    /// Time a client has to send a request's whole body once its headers arrived, in
    /// milliseconds; then it is answered `408`. Default 10000.
    pub body_read_timeout_ms: u64,
    /// Widest block range one `eth_getLogs` call may query. Default 10000.
    pub get_logs_max_block_range: u64,
    /// Gas cap applied to `eth_call` and `eth_estimateGas`. Default 50000000.
    pub gas_cap: u64,
}

impl Default for RpcConfig {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from((Ipv4Addr::LOCALHOST, 8545)),
            max_request_body_bytes: 10 * 1024 * 1024,
            max_connections: 1000,
            max_requests_in_flight: 1000,
            max_streams_per_connection: 100,
            max_subscriptions_per_connection: 1024,
            idle_timeout_ms: 60_000,
            header_read_timeout_ms: 10_000,
            body_read_timeout_ms: 10_000,
            get_logs_max_block_range: 10_000,
            gas_cap: 50_000_000,
        }
    }
}
