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
    /// Most concurrent connections. Default 1000.
    pub max_connections: u32,
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
            get_logs_max_block_range: 10_000,
            gas_cap: 50_000_000,
        }
    }
}
