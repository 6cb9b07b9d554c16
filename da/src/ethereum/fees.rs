//! Gas and fee arithmetic of batch transactions: the gas limit a calldata-only transaction
//! needs (with the EIP-7623 calldata floor), the EIP-1559 fees to offer for the current base
//! fee, the raise of both fees when a transaction waits too long, and the operator's cap.
//!
//! Pure functions, so the rules are unit-tested without an L1.

/// Gas every transaction pays before its data (G_transaction).
pub(super) const TX_BASE_GAS: u64 = 21_000;
/// Gas of one calldata token before EIP-7623 (4 per zero byte, 16 per non-zero byte).
const STANDARD_TOKEN_COST: u64 = 4;
/// A non-zero calldata byte counts as this many tokens.
const NON_ZERO_BYTE_TOKENS: u64 = 4;
/// EIP-7623 (Prague): a transaction pays at least this much gas per calldata token.
const FLOOR_COST_PER_TOKEN: u64 = 10;
/// Headroom on top of the computed gas, in percent: some L1s charge a little more than the
/// mainnet schedule, and unused gas is refunded anyway.
const GAS_HEADROOM_PERCENT: u64 = 10;
/// Tip offered when the node has no `eth_maxPriorityFeePerGas`.
pub(super) const FALLBACK_TIP_WEI: u128 = 1_000_000_000;
/// One gwei in wei.
pub(super) const GWEI: u128 = 1_000_000_000;

/// EIP-7623 calldata tokens: zero bytes count one, non-zero bytes four.
pub(super) fn calldata_tokens(data: &[u8]) -> u64 {
    let zeros = data.iter().filter(|b| **b == 0).count() as u64;
    zeros + (data.len() as u64 - zeros) * NON_ZERO_BYTE_TOKENS
}

/// Gas used by a call that carries `data` to an account without code: the larger of the
/// standard intrinsic cost and the EIP-7623 floor (which is the larger for any non-empty data).
pub(super) fn calldata_gas(data: &[u8]) -> u64 {
    let tokens = calldata_tokens(data);
    TX_BASE_GAS + (STANDARD_TOKEN_COST * tokens).max(FLOOR_COST_PER_TOKEN * tokens)
}

/// Gas limit of a batch transaction carrying `data`: [`calldata_gas`] plus a little headroom.
pub(super) fn gas_limit(data: &[u8]) -> u64 {
    let gas = calldata_gas(data);
    gas + (gas * GAS_HEADROOM_PERCENT).div_ceil(100)
}

/// The two EIP-1559 fees of a transaction, in wei per gas.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Fees {
    /// `maxFeePerGas`.
    pub(super) max_fee: u128,
    /// `maxPriorityFeePerGas`.
    pub(super) tip: u128,
}

impl Fees {
    /// What to offer for a block whose base fee is `base_fee` with the node's suggested `tip`:
    /// twice the base fee plus the tip (room for six full blocks of base-fee growth), both
    /// capped at `cap` wei.
    pub(super) fn for_market(base_fee: u128, tip: u128, cap: u128) -> Self {
        let max_fee = base_fee.saturating_mul(2).saturating_add(tip).min(cap);
        Self { max_fee, tip: tip.min(max_fee) }
    }

    /// The fees of a replacement: both raised by `percent` (rounded up, so a replacement
    /// clears a node's "at least `percent` more" rule exactly) and never below the current
    /// `market` fees, then capped at `cap`. `None` when the cap leaves no room for a raise the
    /// node would accept.
    pub(super) fn bumped(self, percent: u64, market: Self, cap: u128) -> Option<Self> {
        let raise = |v: u128| v.saturating_mul(100 + u128::from(percent)).div_ceil(100);
        let min_max_fee = raise(self.max_fee);
        let min_tip = raise(self.tip);
        let max_fee = min_max_fee.max(market.max_fee).min(cap);
        let tip = min_tip.max(market.tip).min(max_fee);
        (max_fee >= min_max_fee && tip >= min_tip && (max_fee, tip) != (self.max_fee, self.tip))
            .then_some(Self { max_fee, tip })
    }
}

/// The cap of `max_fee_per_gas_gwei`, in wei.
pub(super) fn cap_wei(max_fee_per_gas_gwei: u64) -> u128 {
    u128::from(max_fee_per_gas_gwei).saturating_mul(GWEI)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_count_non_zero_bytes_four_times() {
        assert_eq!(calldata_tokens(&[]), 0);
        assert_eq!(calldata_tokens(&[0, 0, 0]), 3);
        assert_eq!(calldata_tokens(&[1, 0, 255]), 9);
    }

    #[test]
    fn calldata_gas_is_the_eip7623_floor() {
        // 100 non-zero bytes = 400 tokens: standard 21000 + 1600, floor 21000 + 4000.
        assert_eq!(calldata_gas(&[0xab; 100]), 25_000);
        // 100 zero bytes = 100 tokens: standard 21000 + 400, floor 21000 + 1000.
        assert_eq!(calldata_gas(&[0; 100]), 22_000);
        assert_eq!(calldata_gas(&[]), 21_000);
        // The largest configurable blob (128 KiB of non-zero bytes) stays far under the
        // EIP-7825 per-transaction cap of 2^24 gas, headroom included.
        assert_eq!(calldata_gas(&[1; 131_072]), 21_000 + 10 * 4 * 131_072);
        assert!(gas_limit(&[1; 131_072]) < 1 << 24);
    }

    #[test]
    fn gas_limit_adds_ten_percent_headroom() {
        assert_eq!(gas_limit(&[0xab; 100]), 27_500);
        assert_eq!(gas_limit(&[0; 1]), 21_010 + 2_101);
    }

    #[test]
    fn market_fees_are_twice_the_base_fee_plus_tip_under_the_cap() {
        let cap = cap_wei(1000);
        assert_eq!(
            Fees::for_market(7 * GWEI, 2 * GWEI, cap),
            Fees { max_fee: 16 * GWEI, tip: 2 * GWEI }
        );
        // Base fee above the cap: offer the cap, and never a tip above the fee cap.
        assert_eq!(
            Fees::for_market(900 * GWEI, 300 * GWEI, cap),
            Fees { max_fee: cap, tip: 300 * GWEI }
        );
        assert_eq!(
            Fees::for_market(0, 5 * GWEI, 3 * GWEI),
            Fees { max_fee: 3 * GWEI, tip: 3 * GWEI }
        );
    }

    #[test]
    fn bump_raises_both_fees_by_the_percent_rounding_up() {
        let old = Fees { max_fee: 1001, tip: 10 };
        let market = Fees { max_fee: 0, tip: 0 };
        let new = old.bumped(15, market, u128::MAX).unwrap();
        // 1001 * 1.15 = 1151.15 -> 1152; 10 * 1.15 = 11.5 -> 12.
        assert_eq!(new, Fees { max_fee: 1152, tip: 12 });
        // What a node checks: each new fee at least (100 + 10)% of the old one.
        assert!(new.max_fee * 100 >= old.max_fee * 110 && new.tip * 100 >= old.tip * 110);
        // A zero tip cannot be raised by a percentage; the fee cap still is.
        let zero_tip = Fees { max_fee: 100, tip: 0 }.bumped(10, market, u128::MAX).unwrap();
        assert_eq!(zero_tip, Fees { max_fee: 110, tip: 0 });
    }

    #[test]
    fn bump_follows_a_market_that_moved_more() {
        let old = Fees { max_fee: 20 * GWEI, tip: GWEI };
        let market = Fees { max_fee: 90 * GWEI, tip: 3 * GWEI };
        assert_eq!(old.bumped(15, market, u128::MAX), Some(market));
    }

    #[test]
    fn bump_stops_at_the_cap() {
        let old = Fees { max_fee: 95 * GWEI, tip: GWEI };
        let market = Fees { max_fee: 0, tip: 0 };
        // 95 * 1.15 = 109.25 gwei: above a 100 gwei cap, so no acceptable replacement.
        assert_eq!(old.bumped(15, market, 100 * GWEI), None);
        // Under a 200 gwei cap it goes through.
        let new = old.bumped(15, market, 200 * GWEI).unwrap();
        assert_eq!(new.max_fee, 109_250_000_000);
        // Already at the cap: nothing to raise.
        let at_cap = Fees { max_fee: 100 * GWEI, tip: GWEI };
        assert_eq!(at_cap.bumped(15, market, 100 * GWEI), None);
    }

    #[test]
    fn cap_is_in_gwei() {
        assert_eq!(cap_wei(1), GWEI);
        assert_eq!(cap_wei(1000), 1_000 * GWEI);
    }
}
