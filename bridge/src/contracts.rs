//! The bridge contracts as compiled by `bridge/contracts/build.mjs` (pinned solc-js; the
//! artifacts in `bridge/contracts/out/` are committed and checked against the sources by the
//! test command), with typed bindings generated from their ABIs.
//!
//! - [`Portal`] (L1): deposits and withdrawals of the native token.
//! - [`OutputOracle`] (L1): posted output roots, the challenge period, the guardian.
//! - [`L2Withdrawals`] (L2, at [`L2_WITHDRAWALS_ADDRESS`] from genesis): where withdrawals
//!   start; OP Stack's `L2ToL1MessagePasser` interface.

use alloy_primitives::{Address, address};

alloy::sol!(
    #[sol(rpc)]
    #[derive(Debug, PartialEq, Eq)]
    Portal,
    "contracts/out/Portal.json"
);

alloy::sol!(
    #[sol(rpc)]
    #[derive(Debug, PartialEq, Eq)]
    OutputOracle,
    "contracts/out/OutputOracle.json"
);

alloy::sol!(
    #[sol(rpc)]
    #[derive(Debug, PartialEq, Eq)]
    L2Withdrawals,
    "contracts/out/L2Withdrawals.json"
);

/// Where [`L2Withdrawals`] sits on L2: OP Stack's `L2ToL1MessagePasser` address, so tools
/// that know it find the same interface there.
pub const L2_WITHDRAWALS_ADDRESS: Address = address!("0x4200000000000000000000000000000000000016");

/// The L2 sender of a deposit made by an L1 contract at `l1`: its address plus OP Stack's
/// alias offset `0x1111…1111`, wrapping (`Portal.ALIAS_OFFSET`). Deposits from an externally
/// owned account keep their address.
pub fn alias_l1_contract(l1: Address) -> Address {
    const OFFSET: [u8; 20] =
        [0x11, 0x11, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x11, 0x11];
    let mut out = [0u8; 20];
    let mut carry = 0u16;
    for i in (0..20).rev() {
        let sum = u16::from(l1[i]) + u16::from(OFFSET[i]) + carry;
        out[i] = sum as u8;
        carry = sum >> 8;
    }
    Address::from(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aliasing_adds_the_offset_and_wraps() {
        assert_eq!(
            alias_l1_contract(Address::ZERO),
            address!("0x1111000000000000000000000000000000001111")
        );
        assert_eq!(
            alias_l1_contract(address!("0xffffffffffffffffffffffffffffffffffffffff")),
            address!("0x1111000000000000000000000000000000001110")
        );
    }

    #[test]
    fn the_artifacts_carry_deployable_code() {
        assert!(Portal::BYTECODE.len() > 1000);
        assert!(OutputOracle::DEPLOYED_BYTECODE.len() > 500);
        assert!(L2Withdrawals::DEPLOYED_BYTECODE.len() > 500);
    }
}
