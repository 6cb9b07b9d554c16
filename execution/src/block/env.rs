//! `BlockEnv`: the block-level values every transaction of a block sees (and how to read them
//! back from a sealed header), and the EIP-1559 base fee rule that links one block to the
//! next.

use alloy_consensus::Header;
use alloy_eips::eip1559::BaseFeeParams;
use alloy_primitives::{Address, B256};

/// Block-level inputs to execution. Plain data, chosen by the block builder (or read from a
/// batch by a follower); execution never looks at the clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BlockEnv {
    /// Block number.
    pub number: u64,
    /// Unix timestamp in seconds.
    pub timestamp: u64,
    /// Hash of the parent block.
    pub parent_hash: B256,
    /// Gas limit of the block.
    pub gas_limit: u64,
    /// EIP-1559 base fee per gas.
    pub base_fee_per_gas: u64,
    /// Fee recipient: the chain's fee vault.
    pub beneficiary: Address,
    /// PREVRANDAO value (the parent hash on Manifold: deterministic, not random).
    pub prevrandao: B256,
}

impl BlockEnv {
    /// The environment the block with `header` executed in (what `eth_call` at that block
    /// sees): its number, time, gas limit, base fee, beneficiary and PREVRANDAO (`mixHash`).
    pub fn of_header(header: &Header) -> Self {
        Self {
            number: header.number,
            timestamp: header.timestamp,
            parent_hash: header.parent_hash,
            gas_limit: header.gas_limit,
            base_fee_per_gas: header.base_fee_per_gas.unwrap_or_default(),
            beneficiary: header.beneficiary,
            prevrandao: header.mix_hash,
        }
    }
}

/// Base fee of the block after one with `gas_used` of `gas_limit` at `base_fee` (Ethereum's
/// EIP-1559 parameters).
pub fn next_base_fee(gas_used: u64, gas_limit: u64, base_fee: u64) -> u64 {
    BaseFeeParams::ethereum().next_block_base_fee(gas_used, gas_limit, base_fee)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_header_gives_back_its_environment() {
        let env = BlockEnv {
            number: 7,
            timestamp: 1_700_000_123,
            parent_hash: B256::repeat_byte(1),
            gas_limit: 30_000_000,
            base_fee_per_gas: 875_000_000,
            beneficiary: Address::repeat_byte(2),
            prevrandao: B256::repeat_byte(3),
        };
        let header =
            crate::block::build_header(&env, B256::repeat_byte(4), &[], &[], 0, Default::default());
        assert_eq!(BlockEnv::of_header(&header), env);
    }

    #[test]
    fn base_fee_follows_eip1559() {
        // At the target (half full) it stays; full raises by 1/8; empty lowers by 1/8.
        assert_eq!(next_base_fee(15_000_000, 30_000_000, 1_000_000_000), 1_000_000_000);
        assert_eq!(next_base_fee(30_000_000, 30_000_000, 1_000_000_000), 1_125_000_000);
        assert_eq!(next_base_fee(0, 30_000_000, 1_000_000_000), 875_000_000);
    }
}
