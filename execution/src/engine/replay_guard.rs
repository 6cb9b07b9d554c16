//! `ReplayGuard`: what keeps a signed transaction from being executed twice — the two schemes
//! the mempool and the block executor know.

use alloy_primitives::B256;

/// How a transaction is protected against replay.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplayGuard {
    /// The payer's nonce (EVM): transactions of one payer run in nonce order, one per nonce;
    /// a pooled transaction is replaced by one with the same nonce and higher fees.
    Nonce(u64),
    /// A recent block (Solana's recent blockhash): the transaction is valid while block
    /// `hash` is one of the last `max_age` blocks before the one including it, and a
    /// transaction (by hash) is included at most once.
    RecentBlock {
        /// Hash of the recent block the transaction names.
        hash: B256,
        /// How many blocks old that block may be.
        max_age: u64,
    },
}

impl ReplayGuard {
    /// Whether a transaction naming block `named` (found at that number) may be included in
    /// block `number` under this guard (always true for nonces).
    pub fn is_fresh(&self, named: Option<u64>, number: u64) -> bool {
        match self {
            ReplayGuard::Nonce(_) => true,
            ReplayGuard::RecentBlock { max_age, .. } => {
                named.is_some_and(|named| named < number && number - named <= *max_age)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recent_blocks_expire() {
        let guard = ReplayGuard::RecentBlock { hash: B256::ZERO, max_age: 10 };
        assert!(guard.is_fresh(Some(5), 6));
        assert!(guard.is_fresh(Some(5), 15));
        assert!(!guard.is_fresh(Some(5), 16), "too old");
        assert!(!guard.is_fresh(Some(5), 5), "not before the block");
        assert!(!guard.is_fresh(None, 5), "unknown block");
        assert!(ReplayGuard::Nonce(3).is_fresh(None, 1));
    }
}
