//! The `[chain]` section: the chain's identity and how blocks are produced.

use serde::{Deserialize, Serialize};

/// `[chain]`: chain id, block interval, whether idle intervals seal empty blocks, and block
/// gas limit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ChainConfig {
    /// EIP-155 chain id that signed transactions must carry. Must be greater than 0.
    /// Default 31337 (the usual local devnet id).
    pub chain_id: u64,
    /// Interval between two blocks, in milliseconds (10..=60000). Default 250.
    pub block_time_ms: u64,
    /// Whether a block is sealed every `block_time_ms` even when no transaction is pending
    /// (as OP Stack chains and anvil's interval mining do), so that `block.number` and
    /// `block.timestamp` advance and confirmations accrue while the chain is idle. `false`
    /// seals a block only when there is something to include. Default `true`.
    pub empty_blocks: bool,
    /// Gas limit of one block (21000..=1000000000). Default 30000000.
    pub block_gas_limit: u64,
    /// Whether the chain runs the dev-state engine: a devnet's `anvil_setBalance`,
    /// `anvil_setNonce`, `anvil_setCode` and `anvil_setStorageAt` as transactions that anyone
    /// reaching the RPC may send. Devnets only (`manifold devnet` sets it); every node of the
    /// chain, followers included, must have the same value. Default `false`.
    pub dev_state_writes: bool,
}

impl Default for ChainConfig {
    fn default() -> Self {
        Self {
            chain_id: 31_337,
            block_time_ms: 250,
            empty_blocks: true,
            block_gas_limit: 30_000_000,
            dev_state_writes: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::{NodeConfig, Overrides};

    #[test]
    fn empty_blocks_are_on_by_default_and_can_be_turned_off() {
        assert!(NodeConfig::default().chain.empty_blocks);
        let off = NodeConfig::from_toml_str("[chain]\nempty_blocks = false\n").unwrap();
        assert!(!off.chain.empty_blocks);
        // As an override (`--set chain.empty_blocks=false`, MANIFOLD_CHAIN__EMPTY_BLOCKS).
        let mut overrides = Overrides::new();
        overrides.push("chain.empty_blocks", "false");
        let off = NodeConfig::from_toml_str_with_overrides("", &overrides).unwrap();
        assert!(!off.chain.empty_blocks);
        let env = Overrides::from_vars([("MANIFOLD_CHAIN__EMPTY_BLOCKS", "false")]);
        assert!(!NodeConfig::from_toml_str_with_overrides("", &env).unwrap().chain.empty_blocks);
        // Not a boolean: refused, naming the key.
        let err = NodeConfig::from_toml_str("[chain]\nempty_blocks = 0\n").unwrap_err();
        assert!(err.to_string().contains("empty_blocks"), "{err}");
        let mut bad = Overrides::new();
        bad.push("chain.empty_blocks", "no");
        let err = NodeConfig::from_toml_str_with_overrides("", &bad).unwrap_err();
        assert!(err.to_string().contains("chain.empty_blocks"), "{err}");
    }
}

impl crate::NodeConfig {
    /// Refuses `chain.dev_state_writes` for a sequencer of a real chain (`manifold
    /// sequencer`): it would let anyone reaching the RPC set any account. Devnets set it; a
    /// devnet's followers may carry it (they take no transactions).
    pub fn refuse_dev_state_writes(&self) -> Result<(), crate::ConfigError> {
        if self.chain.dev_state_writes {
            return Err(crate::validation::invalid(
                "chain.dev_state_writes",
                true,
                "false for `manifold sequencer`: it would let anyone reaching the RPC set any \
                 account (use `manifold devnet` for a dev chain)",
                "dev_state_writes = false",
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod dev_state_writes_tests {
    use crate::NodeConfig;

    #[test]
    fn a_sequencer_refuses_dev_state_writes() {
        let mut config = NodeConfig::default();
        assert!(config.refuse_dev_state_writes().is_ok());
        config.chain.dev_state_writes = true;
        let err = config.refuse_dev_state_writes().unwrap_err().to_string();
        assert!(err.contains("chain.dev_state_writes"), "{err}");
    }
}
