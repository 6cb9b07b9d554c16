//! The one native token, seen from each VM: the EVM counts it in wei, the SVM in lamports,
//! and 1 lamport = 1 gwei = 10^9 wei of the same balance.
//!
//! The balance is kept in wei. A balance that is not a whole number of gwei shows to the SVM
//! as its lamports rounded down; the remainder (under 1 gwei) stays in the account, where the
//! EVM can still spend it. Engines that move lamports move whole gwei, so an account that only
//! the SVM ever touched always holds a whole number of lamports.

use alloy_primitives::U256;

/// Wei in one lamport (one gwei).
pub const WEI_PER_LAMPORT: u64 = 1_000_000_000;

/// The lamports a wei `balance` shows as: rounded down, and at most `u64::MAX` (a balance above
/// 18.4 billion tokens shows as `u64::MAX` lamports).
pub fn lamports(balance: U256) -> u64 {
    let whole = balance / U256::from(WEI_PER_LAMPORT);
    u64::try_from(whole).unwrap_or(u64::MAX)
}

/// The wei amount of `lamports`.
pub fn wei(lamports: u64) -> U256 {
    U256::from(lamports) * U256::from(WEI_PER_LAMPORT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lamports_round_down_and_saturate() {
        assert_eq!(lamports(wei(5)), 5);
        assert_eq!(lamports(wei(5) + U256::from(999_999_999u64)), 5);
        assert_eq!(lamports(U256::from(999_999_999u64)), 0);
        assert_eq!(lamports(U256::MAX), u64::MAX);
        assert_eq!(wei(1), U256::from(WEI_PER_LAMPORT));
    }
}
