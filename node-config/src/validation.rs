//! [`NodeConfig::validate`]: the rules a config must satisfy beyond its types, each
//! failure reported as [`ConfigError::Invalid`] naming the key, the value, the rule and a
//! valid example.

use std::fmt::Display;

use alloy_primitives::U256;

use crate::{
    BatcherConfig, ChainConfig, ConfigError, ExecutionConfig, GenesisConfig, HistoryConfig,
    KeepBlocks, LocalDaConfig, LogConfig, MAX_CODE_SIZE, MAX_EXECUTION_THREADS,
    MAX_EXTRA_DATA_BYTES, MempoolConfig, NodeConfig, RpcConfig,
};

/// Bytes a JSON-RPC request adds around a hex-encoded raw transaction, with room to spare.
const RPC_ENVELOPE_BYTES: u64 = 1024;

impl NodeConfig {
    /// Checks every rule, returning the first one broken.
    ///
    /// [`NodeConfig::load`], [`NodeConfig::from_toml_str`] and [`NodeConfig::devnet`] call
    /// this; call it again after changing a config in code.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.data_dir.as_os_str().is_empty() {
            return Err(invalid(
                "data_dir",
                "\"\"",
                "must not be empty",
                "data_dir = \"./manifold-data\"",
            ));
        }
        validate_chain(&self.chain)?;
        validate_rpc(&self.rpc, &self.mempool)?;
        validate_log(&self.log)?;
        validate_mempool(&self.mempool)?;
        validate_execution(&self.execution)?;
        validate_local_da(&self.da.local)?;
        crate::da_validation::validate_celestia(&self.da.celestia)?;
        crate::da_validation::validate_ethereum(&self.da.ethereum)?;
        validate_batcher(&self.da.batcher)?;
        crate::da_validation::validate_follower(&self.follower)?;
        validate_history(&self.history)?;
        crate::bridge::validate_bridge(&self.bridge, &self.chain)?;
        validate_genesis(&self.genesis)
    }
}

fn validate_chain(chain: &ChainConfig) -> Result<(), ConfigError> {
    positive("chain.chain_id", chain.chain_id, "chain_id = 31337")?;
    in_range(
        "chain.block_time_ms",
        chain.block_time_ms,
        10,
        60_000,
        " milliseconds",
        "block_time_ms = 250",
    )?;
    in_range(
        "chain.block_gas_limit",
        chain.block_gas_limit,
        21_000,
        1_000_000_000,
        " gas",
        "block_gas_limit = 30000000",
    )
}

fn validate_history(history: &HistoryConfig) -> Result<(), ConfigError> {
    match history.keep_blocks {
        KeepBlocks::Recent(0) => Err(invalid(
            "history.keep_blocks",
            0,
            "must be \"all\" or at least 1 (the head's state is always kept)",
            "keep_blocks = 128",
        )),
        _ => Ok(()),
    }
}

fn validate_rpc(rpc: &RpcConfig, mempool: &MempoolConfig) -> Result<(), ConfigError> {
    // A raw transaction travels hex-encoded ("0x" + 2 chars a byte) inside the request.
    let needed = (mempool.max_tx_bytes as u64).saturating_mul(2).saturating_add(RPC_ENVELOPE_BYTES);
    if u64::from(rpc.max_request_body_bytes) < needed {
        return Err(invalid(
            "rpc.max_request_body_bytes",
            rpc.max_request_body_bytes,
            format!(
                "must be at least {needed} bytes, twice mempool.max_tx_bytes ({}) plus \
                 {RPC_ENVELOPE_BYTES}, so the largest transaction fits hex-encoded in a request",
                mempool.max_tx_bytes
            ),
            "max_request_body_bytes = 10485760",
        ));
    }
    positive("rpc.max_connections", rpc.max_connections, "max_connections = 1000")?;
    positive(
        "rpc.max_requests_in_flight",
        rpc.max_requests_in_flight,
        "max_requests_in_flight = 1000",
    )?;
    positive(
        "rpc.max_streams_per_connection",
        rpc.max_streams_per_connection,
        "max_streams_per_connection = 100",
    )?;
    positive(
        "rpc.max_subscriptions_per_connection",
        rpc.max_subscriptions_per_connection,
        "max_subscriptions_per_connection = 1024",
    )?;
    positive("rpc.idle_timeout_ms", rpc.idle_timeout_ms, "idle_timeout_ms = 60000")?;
    positive(
        "rpc.header_read_timeout_ms",
        rpc.header_read_timeout_ms,
        "header_read_timeout_ms = 10000",
    )?;
    positive("rpc.body_read_timeout_ms", rpc.body_read_timeout_ms, "body_read_timeout_ms = 10000")?;
    positive(
        "rpc.get_logs_max_block_range",
        rpc.get_logs_max_block_range,
        "get_logs_max_block_range = 10000",
    )?;
    at_least("rpc.gas_cap", rpc.gas_cap, 21_000, " gas", "gas_cap = 50000000")
}

fn validate_log(log: &LogConfig) -> Result<(), ConfigError> {
    const LEVELS: &[&str] = &["trace", "debug", "info", "warn", "error", "off"];
    let bad = |why: String| {
        invalid(
            "log.level",
            format!("{:?}", log.level),
            format!(
                "must be a tracing EnvFilter directive like \"info\" or \
                 \"info,sequencer=debug\"; {why}"
            ),
            "level = \"info\"",
        )
    };
    if log.level.trim().is_empty() {
        return Err(bad("it is empty".to_owned()));
    }
    for directive in log.level.split(',').map(str::trim).filter(|d| !d.is_empty()) {
        if directive.contains(char::is_whitespace) {
            return Err(bad(format!("`{directive}` contains a space")));
        }
        // `target=level`; `=` inside `[span{field=value}]` is not a level separator.
        if let Some((_, level)) = directive.rsplit_once('=')
            && !level.contains([']', '}'])
            && !LEVELS.contains(&level.to_ascii_lowercase().as_str())
        {
            return Err(bad(format!("`{level}` is not one of {}", LEVELS.join(", "))));
        }
    }
    Ok(())
}

fn validate_execution(e: &ExecutionConfig) -> Result<(), ConfigError> {
    in_range(
        "execution.threads",
        e.threads,
        0,
        MAX_EXECUTION_THREADS,
        " (0: the available cores)",
        "threads = 0",
    )
}

fn validate_mempool(m: &MempoolConfig) -> Result<(), ConfigError> {
    positive("mempool.max_txs", m.max_txs, "max_txs = 100000")?;
    positive("mempool.max_bytes", m.max_bytes, "max_bytes = 268435456")?;
    in_range(
        "mempool.max_per_sender",
        m.max_per_sender,
        1,
        m.max_txs,
        " (mempool.max_txs)",
        "max_per_sender = 4096",
    )?;
    positive(
        "mempool.max_queued_per_sender",
        m.max_queued_per_sender,
        "max_queued_per_sender = 1024",
    )?;
    positive("mempool.max_queued", m.max_queued, "max_queued = 16384")?;
    positive(
        "mempool.queued_lifetime_secs",
        m.queued_lifetime_secs,
        "queued_lifetime_secs = 10800",
    )?;
    in_range(
        "mempool.price_bump_percent",
        m.price_bump_percent,
        1,
        1000,
        " percent",
        "price_bump_percent = 10",
    )?;
    in_range(
        "mempool.max_tx_bytes",
        m.max_tx_bytes,
        1,
        m.max_bytes,
        " bytes (mempool.max_bytes)",
        "max_tx_bytes = 131072",
    )
}

fn validate_local_da(local: &LocalDaConfig) -> Result<(), ConfigError> {
    if local.path.as_ref().is_some_and(|p| p.as_os_str().is_empty()) {
        return Err(invalid(
            "da.local.path",
            "\"\"",
            "must not be empty; remove the key to use <data_dir>/da",
            "path = \"/var/lib/manifold/da\"",
        ));
    }
    at_least(
        "da.local.max_blob_bytes",
        local.max_blob_bytes,
        1024,
        " bytes",
        "max_blob_bytes = 1966080",
    )
}

fn validate_batcher(b: &BatcherConfig) -> Result<(), ConfigError> {
    positive(
        "da.batcher.max_blocks_per_batch",
        b.max_blocks_per_batch,
        "max_blocks_per_batch = 100",
    )?;
    positive("da.batcher.poll_interval_ms", b.poll_interval_ms, "poll_interval_ms = 500")?;
    in_range(
        "da.batcher.empty_batch_delay_ms",
        b.empty_batch_delay_ms,
        0,
        600_000,
        " milliseconds",
        "empty_batch_delay_ms = 2000",
    )?;
    positive("da.batcher.retry_max_ms", b.retry_max_ms, "retry_max_ms = 10000")?;
    in_range(
        "da.batcher.retry_initial_ms",
        b.retry_initial_ms,
        1,
        b.retry_max_ms,
        " milliseconds (da.batcher.retry_max_ms)",
        "retry_initial_ms = 200",
    )
}

fn validate_genesis(g: &GenesisConfig) -> Result<(), ConfigError> {
    if g.extra_data.len() > MAX_EXTRA_DATA_BYTES {
        return Err(invalid(
            "genesis.extra_data",
            format!("{} ({} bytes)", g.extra_data, g.extra_data.len()),
            format!("must be at most {MAX_EXTRA_DATA_BYTES} bytes"),
            "extra_data = \"0x\"",
        ));
    }
    let mut total = U256::ZERO;
    for (address, account) in &g.alloc {
        if let Some(code) = &account.code
            && code.len() > MAX_CODE_SIZE
        {
            return Err(invalid(
                format!("genesis.alloc.\"{address}\".code"),
                format!("<{} bytes of code>", code.len()),
                format!("must be at most {MAX_CODE_SIZE} bytes (EIP-170)"),
                "code = \"0x6080…\" with a contract under the size limit",
            ));
        }
        total = total.checked_add(account.balance).ok_or_else(|| {
            invalid(
                format!("genesis.alloc.\"{address}\".balance"),
                account.balance,
                "the genesis balances must add up to at most 2^256 - 1 wei",
                "balance = \"10000000000000000000000\" (10000 ether)",
            )
        })?;
    }
    for (id, account) in &g.accounts {
        let key = format!("genesis.accounts.\"{id}\"");
        if id.0[..12].iter().all(|b| *b == 0) {
            return Err(invalid(
                key,
                id,
                "a 32-byte id whose first 12 bytes are not all zero: such an id is an EVM \
                 address, which goes in genesis.alloc",
                "[genesis.alloc.\"0x…20 bytes…\"]",
            ));
        }
        let lamport = U256::from(1_000_000_000u64);
        if !(account.balance % lamport).is_zero() {
            return Err(invalid(
                format!("{key}.balance"),
                account.balance,
                "a whole number of lamports (1 lamport = 1 gwei = 1000000000 wei)",
                "balance = \"5000000000\" (5 lamports)",
            ));
        }
        if account.owner.is_none() && (account.executable || !account.data.is_empty()) {
            return Err(invalid(
                format!("{key}.owner"),
                "none",
                "an owner for an account with data or the executable flag",
                "owner = \"0x…32 bytes…\"",
            ));
        }
        total = total.checked_add(account.balance).ok_or_else(|| {
            invalid(
                format!("{key}.balance"),
                account.balance,
                "the genesis balances must add up to at most 2^256 - 1 wei",
                "balance = \"1000000000000000000\" (10^9 lamports)",
            )
        })?;
    }
    Ok(())
}

/// A [`ConfigError::Invalid`].
pub(crate) fn invalid(
    key: impl Into<String>,
    value: impl Display,
    expected: impl Into<String>,
    example: &str,
) -> ConfigError {
    ConfigError::Invalid {
        key: key.into(),
        value: value.to_string(),
        expected: expected.into(),
        example: example.to_owned(),
    }
}

/// `value` must be greater than zero.
pub(crate) fn positive<T: PartialOrd + Default + Display>(
    key: &str,
    value: T,
    example: &str,
) -> Result<(), ConfigError> {
    if value > T::default() {
        Ok(())
    } else {
        Err(invalid(key, value, "must be greater than 0", example))
    }
}

/// `value` must be at least `min`; `unit` starts with a space when not empty.
fn at_least<T: PartialOrd + Display>(
    key: &str,
    value: T,
    min: T,
    unit: &str,
    example: &str,
) -> Result<(), ConfigError> {
    if value >= min {
        Ok(())
    } else {
        Err(invalid(key, &value, format!("must be at least {min}{unit}"), example))
    }
}

/// `value` must be in `min..=max`; `unit` starts with a space when not empty.
pub(crate) fn in_range<T: PartialOrd + Display>(
    key: &str,
    value: T,
    min: T,
    max: T,
    unit: &str,
    example: &str,
) -> Result<(), ConfigError> {
    if value >= min && value <= max {
        Ok(())
    } else {
        Err(invalid(key, &value, format!("must be between {min} and {max}{unit}"), example))
    }
}

#[cfg(test)]
mod tests {
    use alloy_primitives::{Address, Bytes};

    use super::*;
    use crate::GenesisAccount;

    #[test]
    fn defaults_are_valid() {
        NodeConfig::default().validate().unwrap();
    }

    #[test]
    fn block_time_message_is_exact() {
        let mut c = NodeConfig::default();
        c.chain.block_time_ms = 5;
        assert_eq!(
            c.validate().unwrap_err().to_string(),
            "invalid value for chain.block_time_ms: 5 (must be between 10 and 60000 \
             milliseconds; e.g. block_time_ms = 250)"
        );
    }

    /// Each case breaks one rule; the error must be `Invalid` for exactly that key and
    /// its message must name the key and the rule.
    #[test]
    fn every_rule_rejects_with_its_key() {
        type Mutation = fn(&mut NodeConfig);
        let cases: &[(&str, &str, Mutation)] = &[
            ("data_dir", "must not be empty", |c| c.data_dir = "".into()),
            ("chain.chain_id", "greater than 0", |c| c.chain.chain_id = 0),
            ("chain.block_time_ms", "between 10 and 60000", |c| c.chain.block_time_ms = 60_001),
            ("chain.block_gas_limit", "between 21000", |c| c.chain.block_gas_limit = 20_999),
            ("chain.block_gas_limit", "1000000000 gas", |c| {
                c.chain.block_gas_limit = 1_000_000_001
            }),
            ("rpc.max_request_body_bytes", "twice mempool.max_tx_bytes", |c| {
                c.rpc.max_request_body_bytes = 1000
            }),
            ("rpc.max_connections", "greater than 0", |c| c.rpc.max_connections = 0),
            ("rpc.get_logs_max_block_range", "greater than 0", |c| {
                c.rpc.get_logs_max_block_range = 0
            }),
            ("rpc.gas_cap", "at least 21000", |c| c.rpc.gas_cap = 100),
            ("log.level", "it is empty", |c| c.log.level = " ".into()),
            ("log.level", "`verbose` is not one of", |c| {
                c.log.level = "info,sequencer=verbose".into()
            }),
            ("log.level", "contains a space", |c| c.log.level = "info debug".into()),
            ("mempool.max_txs", "greater than 0", |c| c.mempool.max_txs = 0),
            ("mempool.max_bytes", "greater than 0", |c| c.mempool.max_bytes = 0),
            ("mempool.max_per_sender", "between 1 and 100000", |c| c.mempool.max_per_sender = 0),
            ("mempool.max_per_sender", "between 1 and 10", |c| {
                c.mempool.max_txs = 10;
                c.mempool.max_per_sender = 11;
            }),
            ("mempool.max_queued_per_sender", "greater than 0", |c| {
                c.mempool.max_queued_per_sender = 0
            }),
            ("mempool.max_queued", "greater than 0", |c| c.mempool.max_queued = 0),
            ("mempool.queued_lifetime_secs", "greater than 0", |c| {
                c.mempool.queued_lifetime_secs = 0
            }),
            ("mempool.price_bump_percent", "between 1 and 1000", |c| {
                c.mempool.price_bump_percent = 0
            }),
            ("mempool.max_tx_bytes", "between 1 and", |c| c.mempool.max_tx_bytes = 0),
            ("mempool.max_tx_bytes", "(mempool.max_bytes)", |c| {
                c.mempool.max_bytes = 1000;
                c.mempool.max_tx_bytes = 1001;
            }),
            ("execution.threads", "between 0 and 256", |c| c.execution.threads = 257),
            ("da.local.path", "must not be empty", |c| c.da.local.path = Some("".into())),
            ("da.local.max_blob_bytes", "at least 1024", |c| c.da.local.max_blob_bytes = 1023),
            ("da.batcher.max_blocks_per_batch", "greater than 0", |c| {
                c.da.batcher.max_blocks_per_batch = 0
            }),
            ("da.batcher.poll_interval_ms", "greater than 0", |c| {
                c.da.batcher.poll_interval_ms = 0
            }),
            ("da.batcher.empty_batch_delay_ms", "between 0 and 600000", |c| {
                c.da.batcher.empty_batch_delay_ms = 600_001
            }),
            ("da.batcher.retry_max_ms", "greater than 0", |c| c.da.batcher.retry_max_ms = 0),
            ("da.batcher.retry_initial_ms", "between 1 and", |c| c.da.batcher.retry_initial_ms = 0),
            ("da.batcher.retry_initial_ms", "(da.batcher.retry_max_ms)", |c| {
                c.da.batcher.retry_initial_ms = 20_000
            }),
            ("genesis.extra_data", "at most 32 bytes", |c| {
                c.genesis.extra_data = Bytes::from(vec![0; 33])
            }),
            ("genesis.alloc.\"0x0000000000000000000000000000000000000001\".code", "EIP-170", |c| {
                let account = GenesisAccount {
                    code: Some(Bytes::from(vec![0; MAX_CODE_SIZE + 1])),
                    ..GenesisAccount::default()
                };
                c.genesis.alloc.insert(Address::with_last_byte(1), account);
            }),
            (
                "genesis.alloc.\"0x0000000000000000000000000000000000000002\".balance",
                "2^256",
                |c| {
                    for i in 1..=2 {
                        let account =
                            GenesisAccount { balance: U256::MAX, ..GenesisAccount::default() };
                        c.genesis.alloc.insert(Address::with_last_byte(i), account);
                    }
                },
            ),
        ];
        for (key, rule, mutate) in cases {
            let mut config = NodeConfig::default();
            mutate(&mut config);
            let err = config.validate().unwrap_err();
            let msg = err.to_string();
            assert!(
                matches!(&err, ConfigError::Invalid { key: k, .. } if k == key),
                "{key}: {msg}"
            );
            assert!(msg.starts_with(&format!("invalid value for {key}: ")), "{msg}");
            assert!(msg.contains(rule), "{key}: expected {rule:?} in {msg}");
            assert!(msg.contains("e.g. "), "{msg}");
        }
    }

    #[test]
    fn boundaries_and_complex_log_directives_are_accepted() {
        let mut c = NodeConfig::default();
        c.chain.block_time_ms = 10;
        c.chain.block_gas_limit = 21_000;
        c.mempool.max_tx_bytes = c.mempool.max_bytes;
        c.rpc.max_request_body_bytes = u32::MAX;
        c.da.local.max_blob_bytes = 1024;
        c.da.batcher.retry_initial_ms = c.da.batcher.retry_max_ms;
        c.genesis.extra_data = Bytes::from(vec![0; MAX_EXTRA_DATA_BYTES]);
        c.log.level = "warn,sequencer=DEBUG,execution[block{number=1}]=trace,da".into();
        c.validate().unwrap();
    }
}
