//! Rules of the `[da.celestia]`, `[da.ethereum]` and `[follower]` sections, and the secrets a
//! node needs for its role: [`NodeConfig::require_da_writer`] (a sequencer posts batches)
//! and [`NodeConfig::require_da_reader`] (a follower reads them).

use alloy_primitives::{Address, B256};
use alloy_signer_local::PrivateKeySigner;

use crate::{
    CelestiaDaConfig, ConfigError, DaBackendKind, EthereumDaConfig, FollowerConfig, NodeConfig,
    validation::{in_range, invalid, positive},
};

/// Celestia mainnet's largest blob, in bytes.
const CELESTIA_MAX_BLOB_BYTES: usize = 1_966_080;
/// geth's transaction pool refuses a transaction whose whole encoding is over 128 KiB
/// (`txMaxSize`), and a batch transaction's envelope (type, fees, gas, inbox address,
/// signature) adds some 120 bytes to its calldata: 130,000 bytes of calldata leave room.
const ETHEREUM_MAX_CALLDATA_BYTES: usize = 130_000;

impl EthereumDaConfig {
    /// The batcher's address: derived from `batcher_key` when set, else `batcher_address`.
    pub fn batcher(&self) -> Result<Option<Address>, ConfigError> {
        match &self.batcher_key {
            Some(key) => Ok(Some(batcher_signer(key.expose())?.address())),
            None => Ok(self.batcher_address),
        }
    }
}

/// Parses the batcher key, naming the key (never the value) on failure.
fn batcher_signer(key: &str) -> Result<PrivateKeySigner, ConfigError> {
    let bytes: B256 = key.trim().parse().map_err(|_| {
        invalid(
            "da.ethereum.batcher_key",
            "<redacted>",
            "must be a private key: 0x followed by 64 hex digits",
            "batcher_key = \"0x…64 hex digits…\" (or MANIFOLD_DA__ETHEREUM__BATCHER_KEY)",
        )
    })?;
    PrivateKeySigner::from_bytes(&bytes).map_err(|_| {
        invalid(
            "da.ethereum.batcher_key",
            "<redacted>",
            "is not a valid secp256k1 private key (zero or above the curve order)",
            "batcher_key = \"0x…64 hex digits…\"",
        )
    })
}

pub(crate) fn validate_url(
    key: &str,
    url: &str,
    schemes: &[&str],
    example: &str,
) -> Result<(), ConfigError> {
    let ok = schemes.iter().any(|s| {
        url.strip_prefix(s).and_then(|rest| rest.strip_prefix("://")).is_some_and(|h| !h.is_empty())
    });
    if ok {
        Ok(())
    } else {
        Err(invalid(
            key,
            format!("{url:?}"),
            format!("must be a {} URL", schemes.join("/")),
            example,
        ))
    }
}

/// Whether `address` has the shape of a Celestia account address: the `celestia` prefix, the
/// separator, and 38 characters of the bech32 alphabet (20 bytes and a checksum). The
/// checksum is checked where the address is used (`da::CelestiaDa`).
fn is_celestia_account(address: &str) -> bool {
    const BECH32: &str = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";
    address
        .strip_prefix("celestia1")
        .is_some_and(|rest| rest.len() == 38 && rest.chars().all(|c| BECH32.contains(c)))
}

pub(crate) fn validate_celestia(c: &CelestiaDaConfig) -> Result<(), ConfigError> {
    validate_url(
        "da.celestia.url",
        &c.url,
        &["http", "https", "ws", "wss"],
        "url = \"http://127.0.0.1:26658\"",
    )?;
    if c.auth_token.as_ref().is_some_and(|t| t.expose().trim().is_empty()) {
        return Err(invalid(
            "da.celestia.auth_token",
            "\"\"",
            "must not be empty; remove the key for a node started with --rpc.skip-auth",
            "auth_token = \"eyJhbGciOi…\" (from `celestia light auth write`)",
        ));
    }
    if let Some(address) = &c.batcher_address
        && !is_celestia_account(address)
    {
        return Err(invalid(
            "da.celestia.batcher_address",
            format!("{address:?}"),
            "must be a Celestia account address: \"celestia1\" and 38 bech32 characters",
            "batcher_address = \"celestia1…\" (the sequencer's celestia-node account)",
        ));
    }
    if !(c.gas_price.is_finite() && c.gas_price > 0.0) {
        return Err(invalid(
            "da.celestia.gas_price",
            c.gas_price,
            "must be a positive number of utia per gas",
            "gas_price = 0.004",
        ));
    }
    in_range(
        "da.celestia.max_blob_bytes",
        c.max_blob_bytes,
        1024,
        CELESTIA_MAX_BLOB_BYTES,
        " bytes",
        "max_blob_bytes = 1966080",
    )?;
    positive("da.celestia.request_timeout_ms", c.request_timeout_ms, "request_timeout_ms = 60000")
}

pub(crate) fn validate_ethereum(e: &EthereumDaConfig) -> Result<(), ConfigError> {
    validate_url(
        "da.ethereum.rpc_url",
        &e.rpc_url,
        &["http", "https", "ws", "wss"],
        "rpc_url = \"http://127.0.0.1:8545\"",
    )?;
    if let (Some(derived), Some(given)) = (e.batcher()?, e.batcher_address)
        && e.batcher_key.is_some()
        && derived != given
    {
        return Err(invalid(
            "da.ethereum.batcher_address",
            given,
            format!("must be the address of da.ethereum.batcher_key ({derived})"),
            "remove batcher_address: it is derived from batcher_key",
        ));
    }
    if e.l1_chain_id == Some(0) {
        return Err(invalid(
            "da.ethereum.l1_chain_id",
            0,
            "must be greater than 0",
            "l1_chain_id = 1",
        ));
    }
    in_range("da.ethereum.confirmations", e.confirmations, 1, 1000, "", "confirmations = 2")?;
    in_range(
        "da.ethereum.max_blob_bytes",
        e.max_blob_bytes,
        1024,
        ETHEREUM_MAX_CALLDATA_BYTES,
        " bytes",
        "max_blob_bytes = 120000",
    )?;
    positive("da.ethereum.poll_interval_ms", e.poll_interval_ms, "poll_interval_ms = 1000")?;
    positive("da.ethereum.fee_bump_after_ms", e.fee_bump_after_ms, "fee_bump_after_ms = 30000")?;
    in_range(
        "da.ethereum.fee_bump_percent",
        e.fee_bump_percent,
        10,
        1000,
        " percent",
        "fee_bump_percent = 15",
    )?;
    positive(
        "da.ethereum.max_fee_per_gas_gwei",
        e.max_fee_per_gas_gwei,
        "max_fee_per_gas_gwei = 1000",
    )
}

pub(crate) fn validate_follower(f: &FollowerConfig) -> Result<(), ConfigError> {
    positive("follower.da_start_height", f.da_start_height, "da_start_height = 1")?;
    positive("follower.poll_interval_ms", f.poll_interval_ms, "poll_interval_ms = 500")
}

impl NodeConfig {
    /// Checks that the chosen DA backend has what posting batches needs (a sequencer):
    /// Celestia an auth token, Ethereum the batcher's private key.
    pub fn require_da_writer(&self) -> Result<(), ConfigError> {
        match self.da.backend {
            DaBackendKind::Local => Ok(()),
            DaBackendKind::Celestia if self.da.celestia.auth_token.is_none() => Err(invalid(
                "da.celestia.auth_token",
                "<missing>",
                "is required to post batches: a token with write permission",
                "auth_token = \"eyJhbGciOi…\" (from `celestia light auth write`), or set \
                 MANIFOLD_DA__CELESTIA__AUTH_TOKEN",
            )),
            DaBackendKind::Celestia => Ok(()),
            DaBackendKind::Ethereum if self.da.ethereum.batcher_key.is_none() => Err(invalid(
                "da.ethereum.batcher_key",
                "<missing>",
                "is required to post batches: the private key of the account that pays for \
                 them",
                "batcher_key = \"0x…64 hex digits…\", or set MANIFOLD_DA__ETHEREUM__BATCHER_KEY",
            )),
            DaBackendKind::Ethereum => Ok(()),
        }
    }

    /// Checks that a follower can derive this chain: a fixed genesis timestamp (the
    /// sequencer's, so both build the same genesis block) and what reading the DA backend
    /// needs — for Ethereum the batcher's address (or key), so only its transactions count.
    pub fn require_da_reader(&self) -> Result<(), ConfigError> {
        if self.genesis.timestamp == 0 {
            return Err(invalid(
                "genesis.timestamp",
                0,
                "must be the sequencer's genesis timestamp on a follower (0 means \"time of first \
                 start\", which gives every node another genesis block)",
                "timestamp = 1700000000 (eth_getBlockByNumber(\"0x0\").timestamp on the sequencer)",
            ));
        }
        match self.da.backend {
            DaBackendKind::Ethereum if self.da.ethereum.batcher()?.is_none() => Err(invalid(
                "da.ethereum.batcher_address",
                "<missing>",
                "is required to read batches: only transactions from the batcher count",
                "batcher_address = \"0x…\" (the sequencer's batcher account)",
            )),
            DaBackendKind::Celestia if self.da.celestia.batcher_address.is_none() => Err(invalid(
                "da.celestia.batcher_address",
                "<missing>",
                "is required to read batches: anyone may post to a namespace, so only blobs \
                     signed by the sequencer's Celestia account count",
                "batcher_address = \"celestia1…\" (the sequencer's celestia-node account, \
                     `celestia state account-address`)",
            )),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Secret;

    /// Hardhat/anvil dev account 0.
    const KEY0: &str = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

    #[test]
    fn every_da_rule_rejects_with_its_key() {
        type Mutation = fn(&mut NodeConfig);
        let cases: &[(&str, &str, Mutation)] = &[
            ("da.celestia.url", "must be a http", |c| c.da.celestia.url = "localhost:26658".into()),
            ("da.celestia.auth_token", "must not be empty", |c| {
                c.da.celestia.auth_token = Some(Secret::new(""))
            }),
            ("da.celestia.gas_price", "positive", |c| c.da.celestia.gas_price = 0.0),
            ("da.celestia.gas_price", "positive", |c| c.da.celestia.gas_price = f64::NAN),
            ("da.celestia.max_blob_bytes", "between 1024 and 1966080", |c| {
                c.da.celestia.max_blob_bytes = 2_000_000
            }),
            ("da.celestia.request_timeout_ms", "greater than 0", |c| {
                c.da.celestia.request_timeout_ms = 0
            }),
            ("da.ethereum.rpc_url", "must be a http", |c| c.da.ethereum.rpc_url = "".into()),
            ("da.ethereum.batcher_key", "64 hex digits", |c| {
                c.da.ethereum.batcher_key = Some(Secret::new("0x1234"))
            }),
            ("da.ethereum.batcher_key", "not a valid secp256k1", |c| {
                c.da.ethereum.batcher_key = Some(Secret::new(format!("{}", B256::ZERO)))
            }),
            ("da.ethereum.batcher_address", "must be the address of", |c| {
                c.da.ethereum.batcher_key = Some(Secret::new(KEY0));
                c.da.ethereum.batcher_address = Some(Address::with_last_byte(1));
            }),
            ("da.ethereum.l1_chain_id", "greater than 0", |c| c.da.ethereum.l1_chain_id = Some(0)),
            ("da.ethereum.confirmations", "between 1 and 1000", |c| {
                c.da.ethereum.confirmations = 0
            }),
            ("da.ethereum.max_blob_bytes", "between 1024 and 130000", |c| {
                c.da.ethereum.max_blob_bytes = 200_000
            }),
            // 128 KiB of calldata: with its envelope, over geth's 128 KiB transaction limit.
            ("da.ethereum.max_blob_bytes", "between 1024 and 130000", |c| {
                c.da.ethereum.max_blob_bytes = 131_072
            }),
            ("da.ethereum.poll_interval_ms", "greater than 0", |c| {
                c.da.ethereum.poll_interval_ms = 0
            }),
            ("da.ethereum.fee_bump_after_ms", "greater than 0", |c| {
                c.da.ethereum.fee_bump_after_ms = 0
            }),
            ("da.ethereum.fee_bump_percent", "between 10 and 1000", |c| {
                c.da.ethereum.fee_bump_percent = 5
            }),
            ("da.ethereum.max_fee_per_gas_gwei", "greater than 0", |c| {
                c.da.ethereum.max_fee_per_gas_gwei = 0
            }),
            ("da.celestia.batcher_address", "must be a Celestia account address", |c| {
                c.da.celestia.batcher_address = Some("celestia1notbech32!".into())
            }),
            ("da.celestia.batcher_address", "must be a Celestia account address", |c| {
                c.da.celestia.batcher_address = Some(CELESTIA_ACCOUNT.replace("celestia", "cosmos"))
            }),
            ("follower.da_start_height", "greater than 0", |c| c.follower.da_start_height = 0),
            ("follower.poll_interval_ms", "greater than 0", |c| c.follower.poll_interval_ms = 0),
        ];
        for (key, expected, mutate) in cases {
            let mut config = NodeConfig::default();
            mutate(&mut config);
            let err = config.validate().unwrap_err();
            assert_eq!(err.key(), Some(*key), "{err}");
            let text = err.to_string();
            assert!(text.contains(expected), "{key}: {text}");
            assert!(!text.contains("ac0974bec39a"), "a secret leaked into: {text}");
        }
    }

    /// A Celestia account address (from celestia-types' documentation).
    const CELESTIA_ACCOUNT: &str = "celestia1377k5an3f94v6wyaceu0cf4nq6gk2jtpc46g7h";

    #[test]
    fn posting_needs_the_backend_secret_and_says_what_to_write() {
        let mut c = NodeConfig::default();
        c.require_da_writer().unwrap();
        c.da.backend = DaBackendKind::Celestia;
        let err = c.require_da_writer().unwrap_err();
        assert_eq!(err.key(), Some("da.celestia.auth_token"));
        assert!(err.to_string().contains("MANIFOLD_DA__CELESTIA__AUTH_TOKEN"), "{err}");
        assert_eq!(c.require_da_reader().unwrap_err().key(), Some("genesis.timestamp"));
        c.genesis.timestamp = 1_700_000_000;
        let err = c.require_da_reader().unwrap_err();
        assert_eq!(err.key(), Some("da.celestia.batcher_address"));
        assert!(err.to_string().contains("signed by the sequencer's Celestia account"), "{err}");
        c.da.celestia.batcher_address = Some(CELESTIA_ACCOUNT.into());
        c.validate().unwrap();
        c.require_da_reader().unwrap();
        c.da.celestia.auth_token = Some(Secret::new("t"));
        c.require_da_writer().unwrap();

        c.da.backend = DaBackendKind::Ethereum;
        assert_eq!(c.require_da_writer().unwrap_err().key(), Some("da.ethereum.batcher_key"));
        assert_eq!(c.require_da_reader().unwrap_err().key(), Some("da.ethereum.batcher_address"));
        c.da.ethereum.batcher_key = Some(Secret::new(KEY0));
        c.validate().unwrap();
        c.require_da_writer().unwrap();
        c.require_da_reader().unwrap();
        assert_eq!(
            c.da.ethereum.batcher().unwrap(),
            Some("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266".parse().unwrap())
        );
    }

    #[test]
    fn backends_are_chosen_by_name_from_toml_and_from_overrides() {
        let c = NodeConfig::from_toml_str(
            "[da]\nbackend = \"celestia\"\n[da.celestia]\nnamespace = \"0x00000000000000000001\"\ngas_price = 0.002\n",
        )
        .unwrap();
        assert_eq!(c.da.backend, DaBackendKind::Celestia);
        assert_eq!(c.da.celestia.gas_price, 0.002);
        assert_eq!(c.da.celestia.namespace[9], 1);
        let err = NodeConfig::from_toml_str("[da]\nbackend = \"avail\"\n").unwrap_err().to_string();
        assert!(err.contains("celestia") && err.contains("ethereum"), "{err}");
        let err =
            NodeConfig::from_toml_str("[da.celestia]\ntoken = \"x\"\n").unwrap_err().to_string();
        assert!(err.contains("auth_token"), "{err}");
        let mut overrides = crate::Overrides::new();
        overrides.push("da.celestia.gas_price", "0.01");
        overrides.push("da.backend", "ethereum");
        let c = NodeConfig::from_toml_str_with_overrides("", &overrides).unwrap();
        assert_eq!((c.da.backend, c.da.celestia.gas_price), (DaBackendKind::Ethereum, 0.01));
    }
}
