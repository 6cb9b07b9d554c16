//! The tree of valid key paths of `manifold.toml`, with the TOML type of each value.
//!
//! Overrides (`MANIFOLD_*` variables, CLI flags) are checked against this tree before they
//! touch the document, so a typo gets an error listing the keys of that section, and a
//! raw string is turned into the TOML type the field expects. A test walks a fully
//! populated [`crate::NodeConfig`] serialized to TOML and checks it matches this tree
//! exactly, so the two cannot drift apart.

/// The TOML type of a leaf value, which decides how a raw override string is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A TOML integer (`u64`, `u32`, `usize` fields).
    Integer,
    /// A TOML string (paths, addresses, hex bytes, balances, enum names).
    String,
    /// A TOML float (prices such as Celestia's gas price in utia).
    Float,
    /// A TOML boolean (flags).
    Bool,
    /// A TOML integer, or a string for a word the key also accepts (`keep_blocks = "all"`):
    /// an override that reads as a whole number is an integer, anything else a string.
    IntegerOrString,
}

/// A node of the key tree.
#[derive(Debug)]
pub(crate) enum Node {
    /// A value.
    Value(Kind),
    /// A section with a fixed set of keys.
    Table(&'static [(&'static str, Node)]),
    /// A section whose keys are chosen by the user (addresses, storage slots); every
    /// entry has the given shape.
    Map(&'static Node),
}

const INT: Node = Node::Value(Kind::Integer);
const STR: Node = Node::Value(Kind::String);
const FLOAT: Node = Node::Value(Kind::Float);
const BOOL: Node = Node::Value(Kind::Bool);

const CHAIN: &[(&str, Node)] = &[
    ("chain_id", INT),
    ("block_time_ms", INT),
    ("empty_blocks", BOOL),
    ("block_gas_limit", INT),
    ("dev_state_writes", BOOL),
];

const RPC: &[(&str, Node)] = &[
    ("listen", STR),
    ("max_request_body_bytes", INT),
    ("max_connections", INT),
    ("max_requests_in_flight", INT),
    ("max_streams_per_connection", INT),
    ("max_subscriptions_per_connection", INT),
    ("idle_timeout_ms", INT),
    ("header_read_timeout_ms", INT),
    ("body_read_timeout_ms", INT),
    ("get_logs_max_block_range", INT),
    ("gas_cap", INT),
];

const SOLANA_RPC: &[(&str, Node)] =
    &[("enabled", BOOL), ("listen", STR), ("ws_listen", STR), ("faucet_keypair", STR)];

const LOG: &[(&str, Node)] = &[("level", STR), ("format", STR)];

const MEMPOOL: &[(&str, Node)] = &[
    ("max_txs", INT),
    ("max_bytes", INT),
    ("max_per_sender", INT),
    ("max_queued_per_sender", INT),
    ("max_queued", INT),
    ("queued_lifetime_secs", INT),
    ("price_bump_percent", INT),
    ("max_tx_bytes", INT),
];

const EXECUTION: &[(&str, Node)] = &[("threads", INT)];

const DA_LOCAL: &[(&str, Node)] = &[("path", STR), ("max_blob_bytes", INT)];

const DA_BATCHER: &[(&str, Node)] = &[
    ("max_blocks_per_batch", INT),
    ("poll_interval_ms", INT),
    ("empty_batch_delay_ms", INT),
    ("retry_initial_ms", INT),
    ("retry_max_ms", INT),
];

const DA_CELESTIA: &[(&str, Node)] = &[
    ("url", STR),
    ("auth_token", STR),
    ("namespace", STR),
    ("gas_price", FLOAT),
    ("max_blob_bytes", INT),
    ("request_timeout_ms", INT),
    ("batcher_address", STR),
];

const DA_ETHEREUM: &[(&str, Node)] = &[
    ("rpc_url", STR),
    ("batch_inbox", STR),
    ("batcher_key", STR),
    ("batcher_address", STR),
    ("l1_chain_id", INT),
    ("confirmations", INT),
    ("max_blob_bytes", INT),
    ("poll_interval_ms", INT),
    ("fee_bump_after_ms", INT),
    ("fee_bump_percent", INT),
    ("max_fee_per_gas_gwei", INT),
];

const DA: &[(&str, Node)] = &[
    ("backend", STR),
    ("local", Node::Table(DA_LOCAL)),
    ("celestia", Node::Table(DA_CELESTIA)),
    ("ethereum", Node::Table(DA_ETHEREUM)),
    ("batcher", Node::Table(DA_BATCHER)),
];

const FOLLOWER: &[(&str, Node)] = &[("da_start_height", INT), ("poll_interval_ms", INT)];

const HISTORY: &[(&str, Node)] = &[("keep_blocks", Node::Value(Kind::IntegerOrString))];

const GENESIS_ACCOUNT: &[(&str, Node)] =
    &[("balance", STR), ("nonce", INT), ("code", STR), ("storage", Node::Map(&STR))];

const GENESIS_ID_ACCOUNT: &[(&str, Node)] =
    &[("balance", STR), ("owner", STR), ("executable", BOOL), ("data", STR)];

const GENESIS: &[(&str, Node)] = &[
    ("timestamp", INT),
    ("base_fee_per_gas", INT),
    ("fee_vault", STR),
    ("alloc", Node::Map(&Node::Table(GENESIS_ACCOUNT))),
    ("extra_data", STR),
    ("accounts", Node::Map(&Node::Table(GENESIS_ID_ACCOUNT))),
];

/// The whole document.
pub(crate) const ROOT: Node = Node::Table(&[
    ("chain", Node::Table(CHAIN)),
    ("data_dir", STR),
    ("rpc", Node::Table(RPC)),
    ("solana_rpc", Node::Table(SOLANA_RPC)),
    ("log", Node::Table(LOG)),
    ("mempool", Node::Table(MEMPOOL)),
    ("execution", Node::Table(EXECUTION)),
    ("da", Node::Table(DA)),
    ("follower", Node::Table(FOLLOWER)),
    ("history", Node::Table(HISTORY)),
    ("bridge", Node::Table(BRIDGE)),
    ("genesis", Node::Table(GENESIS)),
]);

const BRIDGE: &[(&str, Node)] = &[
    ("enabled", BOOL),
    ("l1_rpc_url", STR),
    ("l1_chain_id", INT),
    ("output_oracle", STR),
    ("portal", STR),
    ("portal_deployed_at_block", INT),
    ("deposit_confirmations", INT),
    ("sequencing_window_secs", INT),
    ("output_interval_blocks", INT),
    ("proposer_key", STR),
    ("poll_interval_ms", INT),
    ("retry_initial_ms", INT),
    ("retry_max_ms", INT),
];

impl Node {
    /// The child called `name`: `None` if this is a table without that key or a value.
    pub(crate) fn child(&self, name: &str) -> Option<&'static Node> {
        match self {
            Self::Value(_) => None,
            Self::Table(entries) => entries.iter().find(|(k, _)| *k == name).map(|(_, n)| n),
            Self::Map(entry) => (!name.is_empty()).then_some(*entry),
        }
    }

    /// The keys this node accepts, for error messages.
    pub(crate) fn key_names(&self) -> Vec<String> {
        match self {
            Self::Value(_) => Vec::new(),
            Self::Table(entries) => entries.iter().map(|(k, _)| (*k).to_owned()).collect(),
            Self::Map(_) => vec!["<any non-empty key, e.g. a 0x address>".to_owned()],
        }
    }

    /// Every dotted path to a value below this node, not descending into maps.
    #[cfg(test)]
    pub(crate) fn value_paths(&self, prefix: &str) -> Vec<String> {
        match self {
            Self::Value(_) => vec![prefix.to_owned()],
            Self::Map(_) => Vec::new(),
            Self::Table(entries) => entries
                .iter()
                .flat_map(|(k, n)| {
                    let path =
                        if prefix.is_empty() { (*k).to_owned() } else { format!("{prefix}.{k}") };
                    n.value_paths(&path)
                })
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use alloy_primitives::{Address, B256, Bytes, U256};

    use super::*;
    use crate::{GenesisAccount, GenesisIdAccount, NodeConfig};

    /// Checks that `value` has exactly the shape of `node`, reporting the first mismatch.
    fn check(node: &Node, value: &toml::Value, path: &str) {
        match (node, value) {
            (Node::Value(Kind::Integer), toml::Value::Integer(_)) => {}
            (Node::Value(Kind::String), toml::Value::String(_)) => {}
            (Node::Value(Kind::Float), toml::Value::Float(_)) => {}
            (Node::Value(Kind::Bool), toml::Value::Boolean(_)) => {}
            (
                Node::Value(Kind::IntegerOrString),
                toml::Value::Integer(_) | toml::Value::String(_),
            ) => {}
            (Node::Table(entries), toml::Value::Table(table)) => {
                for (key, child) in table {
                    let n = node.child(key).unwrap_or_else(|| panic!("{path}.{key} not in schema"));
                    check(n, child, &format!("{path}.{key}"));
                }
                for (key, _) in *entries {
                    assert!(table.contains_key(*key), "schema key {path}.{key} never serialized");
                }
            }
            (Node::Map(entry), toml::Value::Table(table)) => {
                assert!(!table.is_empty(), "populate the map at {path}");
                for (key, child) in table {
                    check(entry, child, &format!("{path}.{key}"));
                }
            }
            (node, value) => panic!("{path}: schema {node:?} but serialized {value:?}"),
        }
    }

    #[test]
    fn schema_matches_a_fully_populated_config() {
        let mut config = NodeConfig::default();
        config.da.local.path = Some("/tmp/da".into());
        config.da.celestia.auth_token = Some("token".into());
        config.da.celestia.batcher_address = Some("celestia1…".into());
        config.da.ethereum.batcher_key = Some(crate::Secret::new("0x01"));
        config.da.ethereum.batcher_address = Some(Address::with_last_byte(1));
        config.da.ethereum.l1_chain_id = Some(900);
        config.bridge.l1_chain_id = Some(900);
        config.bridge.proposer_key = Some(crate::Secret::new("0x02"));
        config.solana_rpc.listen = Some("127.0.0.1:8899".parse().unwrap());
        config.solana_rpc.ws_listen = Some("127.0.0.1:8900".parse().unwrap());
        config.solana_rpc.faucet_keypair = Some(crate::Secret::new("key"));
        let mut storage = BTreeMap::new();
        storage.insert(B256::with_last_byte(1), B256::with_last_byte(2));
        config.genesis.alloc.insert(
            Address::with_last_byte(9),
            GenesisAccount {
                balance: U256::from(5),
                nonce: 1,
                code: Some(Bytes::from_static(&[0x00])),
                storage,
            },
        );
        config.genesis.accounts.insert(
            B256::repeat_byte(7),
            GenesisIdAccount {
                balance: U256::from(1_000_000_000u64),
                owner: Some(B256::repeat_byte(8)),
                executable: false,
                data: Bytes::from_static(&[1]),
            },
        );
        let value = toml::Value::try_from(&config).unwrap();
        check(&ROOT, &value, "");
    }

    #[test]
    fn value_paths_lists_nested_keys() {
        let paths = ROOT.value_paths("");
        assert!(paths.contains(&"da.batcher.retry_max_ms".to_owned()));
        assert!(paths.contains(&"data_dir".to_owned()));
        assert!(!paths.iter().any(|p| p.starts_with("genesis.alloc")));
    }
}
