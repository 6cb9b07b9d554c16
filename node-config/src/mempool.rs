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
    /// Most pending transactions from one sender (at most `max_txs`); also how far ahead of
    /// the sender's account nonce a nonce may be. Default 4096.
    pub max_per_sender: usize,
    /// Most transactions from one sender queued behind a nonce gap. Default 1024: larger than
    /// geth's `AccountQueue` (64), since a client sending one account's transactions over
    /// several connections has them arrive out of order.
    pub max_queued_per_sender: usize,
    /// Most transactions queued behind a nonce gap over all senders (`max_txs` still caps
    /// the whole pool, and a transaction that can run evicts queued ones from a full pool).
    /// Default 16384.
    pub max_queued: usize,
    /// A sender's queued transactions are dropped once it had none admitted for this many
    /// seconds. Default 10800, 3 hours (geth's `Lifetime`).
    pub queued_lifetime_secs: u64,
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
            max_queued_per_sender: 1024,
            max_queued: 16_384,
            queued_lifetime_secs: 3 * 60 * 60,
            price_bump_percent: 10,
            max_tx_bytes: 128 * 1024,
        }
    }
}
