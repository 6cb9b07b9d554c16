//! The `[bridge]` section: settlement on an L1 — where the bridge's contracts are, and how the
//! sequencer's proposer posts output roots to the `OutputOracle` — with its rules (one of them
//! on `chain.block_gas_limit`, which must hold the largest deposit) and the secret a sequencer
//! needs to propose ([`NodeConfig::require_proposer`]).

use alloy_primitives::{Address, B256};
use alloy_signer_local::PrivateKeySigner;
use serde::{Deserialize, Serialize};

use crate::{
    ChainConfig, ConfigError, NodeConfig, Secret,
    da_validation::validate_url,
    validation::{in_range, invalid, positive},
};

/// Most L2 gas one deposit may ask for: the L1 portal's `MAX_DEPOSIT_GAS`. With the bridge
/// enabled, `chain.block_gas_limit` must be at least this: deposits are applied in order, so one
/// that no block could hold would hold back every later deposit forever.
pub const PORTAL_MAX_DEPOSIT_GAS: u64 = 10_000_000;

/// `[bridge]`: settlement on an L1.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BridgeConfig {
    /// Whether the chain settles on an L1: a sequencer then posts output roots, and its
    /// `finalized` head is the newest output past its challenge period. Default false (the
    /// strongest guarantee is then finality on DA).
    pub enabled: bool,
    /// JSON-RPC endpoint of the L1 (http or https). Default `http://127.0.0.1:8546`.
    pub l1_rpc_url: String,
    /// Chain id of the L1; when set, the proposer refuses an L1 with another one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub l1_chain_id: Option<u64>,
    /// Address of the `OutputOracle` on the L1. Required when enabled.
    pub output_oracle: Address,
    /// Address of the `Portal` on the L1, whose deposits the chain mints. Required when
    /// enabled.
    pub portal: Address,
    /// The L1 block the portal was deployed in: deposits are read from there. Default 0.
    pub portal_deployed_at_block: u64,
    /// A deposit is taken once its L1 block has this many blocks, counting its own (the
    /// Ethereum DA backend counts the same way). 1..=1000. Default 4.
    pub deposit_confirmations: u64,
    /// Forced inclusion: a deposit must be in the first L2 block whose timestamp is at least
    /// its L1 block's timestamp plus this many seconds; a follower rejects a chain that skips
    /// it. A sequencer seals no block more than this less a margin (min(half of it, 300 s))
    /// past the newest L1 block its deposit feed has read, so this less the margin must exceed
    /// the time the L1 takes to confirm a block (`deposit_confirmations` L1 block times), or
    /// the sequencer stalls. > 0. Default 3600.
    pub sequencing_window_secs: u64,
    /// An output root is posted for every block whose number is a multiple of this. > 0.
    /// Default 100.
    pub output_interval_blocks: u64,
    /// Private key of the proposer account (the oracle's `proposer`), which pays for the
    /// posts; required on a sequencer when enabled. Prefer the environment:
    /// `MANIFOLD_BRIDGE__PROPOSER_KEY`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub proposer_key: Option<Secret>,
    /// How often the L1 is polled (the oracle's outputs, their finality), in milliseconds.
    /// > 0. Default 1000.
    pub poll_interval_ms: u64,
    /// First delay before retrying a failed L1 call, in milliseconds. 1..=retry_max_ms.
    /// Default 500.
    pub retry_initial_ms: u64,
    /// Cap of the exponentially growing retry delay, in milliseconds. Default 30000.
    pub retry_max_ms: u64,
}

impl Default for BridgeConfig {
    fn default() -> Self {
        Self {
            enabled: false,
            l1_rpc_url: "http://127.0.0.1:8546".to_owned(),
            l1_chain_id: None,
            output_oracle: Address::ZERO,
            portal: Address::ZERO,
            portal_deployed_at_block: 0,
            deposit_confirmations: 4,
            sequencing_window_secs: 3600,
            output_interval_blocks: 100,
            proposer_key: None,
            poll_interval_ms: 1000,
            retry_initial_ms: 500,
            retry_max_ms: 30_000,
        }
    }
}

impl BridgeConfig {
    /// The proposer's signer, from `proposer_key`.
    pub fn proposer(&self) -> Result<Option<PrivateKeySigner>, ConfigError> {
        let Some(key) = &self.proposer_key else { return Ok(None) };
        let bytes: B256 = key.expose().trim().parse().map_err(|_| {
            invalid(
                "bridge.proposer_key",
                "<redacted>",
                "must be a private key: 0x followed by 64 hex digits",
                "proposer_key = \"0x…64 hex digits…\" (or MANIFOLD_BRIDGE__PROPOSER_KEY)",
            )
        })?;
        PrivateKeySigner::from_bytes(&bytes).map(Some).map_err(|_| {
            invalid(
                "bridge.proposer_key",
                "<redacted>",
                "is not a valid secp256k1 private key (zero or above the curve order)",
                "proposer_key = \"0x…64 hex digits…\"",
            )
        })
    }
}

/// Checks the section's rules (an enabled bridge needs its L1 and oracle, and blocks that can
/// hold the largest deposit).
pub(crate) fn validate_bridge(b: &BridgeConfig, chain: &ChainConfig) -> Result<(), ConfigError> {
    validate_url(
        "bridge.l1_rpc_url",
        &b.l1_rpc_url,
        &["http", "https"],
        "l1_rpc_url = \"http://127.0.0.1:8546\"",
    )?;
    if b.l1_chain_id == Some(0) {
        return Err(invalid("bridge.l1_chain_id", 0, "must be greater than 0", "l1_chain_id = 1"));
    }
    if b.enabled && b.output_oracle == Address::ZERO {
        return Err(invalid(
            "bridge.output_oracle",
            Address::ZERO,
            "is required when the bridge is enabled: the OutputOracle's address on the L1",
            "output_oracle = \"0x…\" (printed by `manifold l1`)",
        ));
    }
    if b.enabled && b.portal == Address::ZERO {
        return Err(invalid(
            "bridge.portal",
            Address::ZERO,
            "is required when the bridge is enabled: the Portal's address on the L1",
            "portal = \"0x…\" (printed by `manifold l1`)",
        ));
    }
    if b.enabled && chain.block_gas_limit < PORTAL_MAX_DEPOSIT_GAS {
        return Err(invalid(
            "chain.block_gas_limit",
            chain.block_gas_limit,
            format!(
                "must be at least {PORTAL_MAX_DEPOSIT_GAS} when bridge.enabled is true: an L1 \
                 deposit may ask for that much L2 gas (the portal's MAX_DEPOSIT_GAS), and one that \
                 no block can hold would hold back every later deposit"
            ),
            "block_gas_limit = 30000000",
        ));
    }
    b.proposer()?;
    in_range(
        "bridge.deposit_confirmations",
        b.deposit_confirmations,
        1,
        1000,
        "",
        "deposit_confirmations = 4",
    )?;
    positive(
        "bridge.sequencing_window_secs",
        b.sequencing_window_secs,
        "sequencing_window_secs = 3600",
    )?;
    positive(
        "bridge.output_interval_blocks",
        b.output_interval_blocks,
        "output_interval_blocks = 100",
    )?;
    positive("bridge.poll_interval_ms", b.poll_interval_ms, "poll_interval_ms = 1000")?;
    positive("bridge.retry_max_ms", b.retry_max_ms, "retry_max_ms = 30000")?;
    in_range(
        "bridge.retry_initial_ms",
        b.retry_initial_ms,
        1,
        b.retry_max_ms,
        " ms (at most bridge.retry_max_ms)",
        "retry_initial_ms = 500",
    )
}

impl NodeConfig {
    /// Checks that a sequencer of a chain that settles on an L1 can post output roots: the
    /// proposer's private key.
    pub fn require_proposer(&self) -> Result<(), ConfigError> {
        if self.bridge.enabled && self.bridge.proposer_key.is_none() {
            return Err(invalid(
                "bridge.proposer_key",
                "<missing>",
                "is required to post output roots: the private key of the oracle's proposer",
                "proposer_key = \"0x…64 hex digits…\", or set MANIFOLD_BRIDGE__PROPOSER_KEY",
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY1: &str = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";

    fn enabled() -> NodeConfig {
        let mut c = NodeConfig::default();
        c.bridge.enabled = true;
        c.bridge.output_oracle = Address::with_last_byte(1);
        c.bridge.portal = Address::with_last_byte(2);
        c
    }

    #[test]
    fn an_enabled_bridge_needs_its_oracle_and_a_sequencer_its_proposer_key() {
        assert!(enabled().validate().is_ok());
        let mut c = enabled();
        c.bridge.output_oracle = Address::ZERO;
        assert_eq!(c.validate().unwrap_err().key(), Some("bridge.output_oracle"));
        let mut c = enabled();
        c.bridge.portal = Address::ZERO;
        assert_eq!(c.validate().unwrap_err().key(), Some("bridge.portal"));
        let mut c = enabled();
        assert_eq!(c.require_proposer().unwrap_err().key(), Some("bridge.proposer_key"));
        c.bridge.proposer_key = Some(Secret::new(KEY1));
        c.require_proposer().unwrap();
        let proposer = c.bridge.proposer().unwrap().unwrap().address();
        assert_eq!(
            proposer,
            alloy_primitives::address!("0x70997970C51812dc3A010C7d01b50e0d17dc79C8")
        );
        // Disabled, nothing is required.
        assert!(NodeConfig::default().require_proposer().is_ok());
    }

    #[test]
    fn an_enabled_bridge_needs_blocks_that_hold_the_largest_deposit() {
        let mut c = enabled();
        c.chain.block_gas_limit = PORTAL_MAX_DEPOSIT_GAS;
        c.validate().unwrap();
        c.chain.block_gas_limit = PORTAL_MAX_DEPOSIT_GAS - 1;
        let err = c.validate().unwrap_err();
        assert_eq!(err.key(), Some("chain.block_gas_limit"), "{err}");
        let text = err.to_string();
        for part in ["9999999", "at least 10000000", "bridge.enabled", "MAX_DEPOSIT_GAS"] {
            assert!(text.contains(part), "{part:?} not in {text}");
        }
        // Without the bridge, small blocks are fine.
        c.bridge.enabled = false;
        c.validate().unwrap();
    }

    #[test]
    fn each_rule_names_its_key() {
        type Edit = fn(&mut NodeConfig);
        let cases: [(&str, &str, Edit); 8] = [
            ("bridge.deposit_confirmations", "between 1 and 1000", |c| {
                c.bridge.deposit_confirmations = 0
            }),
            ("bridge.sequencing_window_secs", "greater than 0", |c| {
                c.bridge.sequencing_window_secs = 0
            }),
            ("bridge.l1_rpc_url", "must be a http", |c| c.bridge.l1_rpc_url = "ws://x".into()),
            ("bridge.l1_chain_id", "greater than 0", |c| c.bridge.l1_chain_id = Some(0)),
            ("bridge.proposer_key", "64 hex digits", |c| {
                c.bridge.proposer_key = Some(Secret::new("0x12"))
            }),
            ("bridge.output_interval_blocks", "greater than 0", |c| {
                c.bridge.output_interval_blocks = 0
            }),
            ("bridge.poll_interval_ms", "greater than 0", |c| c.bridge.poll_interval_ms = 0),
            ("bridge.retry_initial_ms", "at most", |c| c.bridge.retry_initial_ms = 60_000),
        ];
        for (key, text, edit) in cases {
            let mut c = enabled();
            edit(&mut c);
            let err = c.validate().unwrap_err();
            assert_eq!(err.key(), Some(key), "{err}");
            assert!(err.to_string().contains(text), "{key}: {err}");
        }
    }
}
