//! The `[mempool]` section: capacity and admission limits of the transaction pool.

use serde::{Deserialize, Serialize};

/// `[mempool]`: how many transactions the pool holds and how big they may be.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MempoolConfig {
    /// Most pending transactions in the pool. Default 100000.
    pub max_txs: usize,
    /// Most total encoded bytes in the pool. Default 256 MiB (268435456).
    pub max_bytes: usize,
    /// Most pending transactions from one sender (at most `max_txs`). Default 4096.
    pub max_per_sender: usize,
    /// How much higher (in percent) the fees of a transaction replacing another one with
    /// the same sender and nonce must be (1..=1000). Default 10.
    pub price_bump_percent: u64,
    /// Largest accepted encoded transaction, in bytes (at most `max_bytes`).
    /// Default 128 KiB (131072).
    pub max_tx_bytes: usize,
}

impl Default for MempoolConfig {
    fn default() -> Self {
        Self {
            max_txs: 100_000,
            max_bytes: 256 * 1024 * 1024,
            max_per_sender: 4096,
            price_bump_percent: 10,
            max_tx_bytes: 128 * 1024,
        }
    }
}
