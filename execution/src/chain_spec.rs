//! `ChainSpec`: the parameters of a chain that every block follows — chain id, EVM hard fork,
//! block gas limit, fee vault — and the one place a block's environment is derived from its
//! parent header.

use alloy_consensus::Header;
use alloy_primitives::{Address, B256};
use node_config::NodeConfig;
use revm::primitives::hardfork::SpecId;

use crate::{BlockEnv, block::next_base_fee, evm::EvmConfig};

/// A chain's parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChainSpec {
    /// EIP-155 chain id.
    pub chain_id: u64,
    /// EVM hard fork rules (revm's default: the latest mainnet fork).
    pub evm_spec: SpecId,
    /// Gas limit of every block.
    pub block_gas_limit: u64,
    /// The account every block's fees go to (the blocks' beneficiary).
    pub fee_vault: Address,
}

impl ChainSpec {
    /// The chain of `config`.
    pub fn from_config(config: &NodeConfig) -> Self {
        Self {
            chain_id: config.chain.chain_id,
            evm_spec: SpecId::default(),
            block_gas_limit: config.chain.block_gas_limit,
            fee_vault: config.genesis.fee_vault,
        }
    }

    /// The EVM's configuration.
    pub fn evm(&self) -> EvmConfig {
        EvmConfig { chain_id: self.chain_id, spec: self.evm_spec }
    }

    /// The environment of the block after `parent`, sealed at `timestamp` (the parent's if
    /// that is later): number + 1, the EIP-1559 base fee, the chain's gas limit and fee vault,
    /// and the parent hash as PREVRANDAO (deterministic, not random).
    pub fn next_block_env(&self, parent: &Header, timestamp: u64) -> BlockEnv {
        let parent_hash = parent.hash_slow();
        BlockEnv {
            number: parent.number + 1,
            timestamp: timestamp.max(parent.timestamp),
            parent_hash,
            gas_limit: self.block_gas_limit,
            base_fee_per_gas: next_base_fee(
                parent.gas_used,
                parent.gas_limit,
                parent.base_fee_per_gas.unwrap_or_default(),
            ),
            beneficiary: self.fee_vault,
            prevrandao: parent_hash,
        }
    }

    /// The environment of the genesis block: number 0 at `timestamp`, base fee
    /// `base_fee_per_gas`.
    pub fn genesis_env(&self, timestamp: u64, base_fee_per_gas: u64) -> BlockEnv {
        BlockEnv {
            number: 0,
            timestamp,
            parent_hash: B256::ZERO,
            gas_limit: self.block_gas_limit,
            base_fee_per_gas,
            beneficiary: self.fee_vault,
            prevrandao: B256::ZERO,
        }
    }
}
