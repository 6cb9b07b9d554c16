//! The `[chain]` section: the chain's identity and how blocks are produced.

use serde::{Deserialize, Serialize};

/// `[chain]`: chain id, block interval and block gas limit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ChainConfig {
    /// EIP-155 chain id that signed transactions must carry. Must be greater than 0.
    /// Default 31337 (the usual local devnet id).
    pub chain_id: u64,
    /// Interval between two blocks, in milliseconds (10..=60000). Default 250.
    pub block_time_ms: u64,
    /// Gas limit of one block (21000..=1000000000). Default 30000000.
    pub block_gas_limit: u64,
}

impl Default for ChainConfig {
    fn default() -> Self {
        Self { chain_id: 31_337, block_time_ms: 250, block_gas_limit: 30_000_000 }
    }
}
