//! [`SolanaRpcConfig`]: the `[solana_rpc]` section — Solana's JSON-RPC on its own port pair,
//! as `solana-test-validator` serves it (HTTP on 8899, WebSocket subscriptions on 8900), and
//! the devnet faucet behind `requestAirdrop`.

use std::net::{Ipv4Addr, SocketAddr};

use serde::{Deserialize, Serialize};

use crate::Secret;

/// Solana's HTTP JSON-RPC port on `solana-test-validator` (Solana tools' "localhost").
pub const SOLANA_RPC_PORT: u16 = 8899;
/// Solana's WebSocket (PubSub) port on `solana-test-validator`: the HTTP port + 1.
pub const SOLANA_WS_PORT: u16 = 8900;

/// `[solana_rpc]`: where the Solana JSON-RPC listens. Connection and request limits are the
/// `[rpc]` section's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SolanaRpcConfig {
    /// Serve the Solana JSON-RPC at all. Default true.
    pub enabled: bool,
    /// Address of the HTTP endpoint (WebSocket accepted too). Default `127.0.0.1:8899`, or
    /// a free port (port 0) when `rpc.listen`'s port is 0.
    pub listen: Option<SocketAddr>,
    /// Address of the WebSocket endpoint (subscriptions; HTTP accepted too). Default
    /// `127.0.0.1:8900`, or a free port when `rpc.listen`'s port is 0.
    pub ws_listen: Option<SocketAddr>,
    /// Keypair that pays `requestAirdrop` transfers, as a base58 64-byte secret key (the
    /// `Keypair.from_base58_string` format). Unset: `requestAirdrop` is refused. The devnet
    /// sets its own, funded at genesis; never set one on a public chain.
    pub faucet_keypair: Option<Secret>,
}

impl Default for SolanaRpcConfig {
    fn default() -> Self {
        Self { enabled: true, listen: None, ws_listen: None, faucet_keypair: None }
    }
}

impl SolanaRpcConfig {
    /// The HTTP and WebSocket addresses to bind, the defaults resolved against the Ethereum
    /// endpoint's address `eth_listen` (its port 0 — tests — makes the defaults port 0 too).
    pub fn addresses(&self, eth_listen: SocketAddr) -> (SocketAddr, SocketAddr) {
        let default = |port: u16| {
            let ip =
                if eth_listen.port() == 0 { eth_listen.ip() } else { Ipv4Addr::LOCALHOST.into() };
            SocketAddr::new(ip, if eth_listen.port() == 0 { 0 } else { port })
        };
        (
            self.listen.unwrap_or_else(|| default(SOLANA_RPC_PORT)),
            self.ws_listen.unwrap_or_else(|| default(SOLANA_WS_PORT)),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_the_test_validators_ports_unless_the_eth_port_is_free() {
        let config = SolanaRpcConfig::default();
        let (http, ws) = config.addresses("127.0.0.1:8545".parse().unwrap());
        assert_eq!((http.port(), ws.port()), (8899, 8900));
        let (http, ws) = config.addresses("127.0.0.1:0".parse().unwrap());
        assert_eq!((http.port(), ws.port()), (0, 0));
        let set = SolanaRpcConfig {
            listen: Some("0.0.0.0:9899".parse().unwrap()),
            ..SolanaRpcConfig::default()
        };
        assert_eq!(set.addresses("127.0.0.1:0".parse().unwrap()).0.port(), 9899);
    }
}
