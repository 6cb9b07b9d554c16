//! [`NodeConfig`]: the whole `manifold.toml`, and the entry points that load it.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::{
    BridgeConfig, ChainConfig, ConfigError, DaConfig, ExecutionConfig, FollowerConfig,
    GenesisConfig, HistoryConfig, LogConfig, MempoolConfig, Overrides, RpcConfig, SolanaRpcConfig,
    loading,
};

/// The node's configuration: one field per section of `manifold.toml`.
///
/// Every field has a default, so an empty file is a valid config; unknown keys are
/// rejected. Build one with [`NodeConfig::load`] (file + overrides),
/// [`NodeConfig::from_toml_str`] or [`NodeConfig::devnet`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NodeConfig {
    /// `[chain]`: chain id, block time, block gas limit.
    pub chain: ChainConfig,
    /// Directory holding the node's databases. Default `./manifold-data`.
    pub data_dir: PathBuf,
    /// `[rpc]`: the JSON-RPC endpoint.
    pub rpc: RpcConfig,
    /// `[solana_rpc]`: Solana's JSON-RPC (ports 8899/8900) and the devnet faucet.
    pub solana_rpc: SolanaRpcConfig,
    /// `[log]`: log filter and format.
    pub log: LogConfig,
    /// `[mempool]`: transaction pool limits.
    pub mempool: MempoolConfig,
    /// `[execution]`: block execution (worker threads of the parallel scheduler).
    pub execution: ExecutionConfig,
    /// `[da]`: data-availability backend and batcher.
    pub da: DaConfig,
    /// `[follower]`: where a follower starts reading DA and how often it polls.
    pub follower: FollowerConfig,
    /// `[history]`: how many recent blocks' states are kept for queries at older blocks.
    pub history: HistoryConfig,
    /// `[bridge]`: settlement on an L1 (the output-root proposer).
    pub bridge: BridgeConfig,
    /// `[genesis]`: the genesis block and pre-funded accounts.
    pub genesis: GenesisConfig,
}

impl Default for NodeConfig {
    fn default() -> Self {
        Self {
            chain: ChainConfig::default(),
            data_dir: PathBuf::from("./manifold-data"),
            rpc: RpcConfig::default(),
            solana_rpc: SolanaRpcConfig::default(),
            log: LogConfig::default(),
            mempool: MempoolConfig::default(),
            execution: ExecutionConfig::default(),
            da: DaConfig::default(),
            follower: FollowerConfig::default(),
            history: HistoryConfig::default(),
            bridge: BridgeConfig::default(),
            genesis: GenesisConfig::default(),
        }
    }
}

impl NodeConfig {
    /// Parses and validates TOML text, without overrides.
    pub fn from_toml_str(s: &str) -> Result<Self, ConfigError> {
        loading::parse(s, "<string>", &Overrides::new())
    }

    /// Parses TOML text, applies `overrides` in order (later ones win), then validates.
    pub fn from_toml_str_with_overrides(
        s: &str,
        overrides: &Overrides,
    ) -> Result<Self, ConfigError> {
        loading::parse(s, "<string>", overrides)
    }

    /// Reads the file at `path`, applies `overrides` in order, then validates.
    ///
    /// This does not read the environment itself: pass
    /// `Overrides::from_env()` followed by the command-line flags
    /// ([`Overrides::push`]) so flags win over the environment, which wins over the file.
    pub fn load(path: &Path, overrides: &Overrides) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path)
            .map_err(|source| ConfigError::Io { path: path.to_owned(), source })?;
        loading::parse(&text, &path.display().to_string(), overrides)
    }

    /// Directory of the local DA backend: `da.local.path`, or `<data_dir>/da` when unset.
    pub fn local_da_path(&self) -> PathBuf {
        self.da.local.path.clone().unwrap_or_else(|| self.data_dir.join("da"))
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;
    use crate::DaBackendKind;

    #[test]
    fn empty_text_is_the_default_config() {
        assert_eq!(NodeConfig::from_toml_str("").unwrap(), NodeConfig::default());
    }

    #[test]
    fn sections_are_read_into_typed_fields() {
        let text = r#"
            data_dir = "/var/lib/manifold"
            [chain]
            chain_id = 42
            [rpc]
            listen = "0.0.0.0:9000"
            [log]
            format = "json"
            [da]
            backend = "local"
            [da.local]
            path = "/blobs"
            [genesis.alloc."0x00000000000000000000000000000000000000aa"]
            balance = "0x3635c9adc5dea00000"
        "#;
        let config = NodeConfig::from_toml_str(text).unwrap();
        assert_eq!(config.chain.chain_id, 42);
        assert_eq!(config.data_dir, Path::new("/var/lib/manifold"));
        assert_eq!(config.rpc.listen, "0.0.0.0:9000".parse().unwrap());
        assert_eq!(config.log.format, crate::LogFormat::Json);
        assert_eq!(config.da.backend, DaBackendKind::Local);
        assert_eq!(config.local_da_path(), Path::new("/blobs"));
        assert_eq!(config.genesis.alloc.len(), 1);
    }

    #[test]
    fn unknown_key_names_key_line_and_valid_keys() {
        let err =
            NodeConfig::from_toml_str("[chain]\nchain_id = 1\nblock_time = 100\n").unwrap_err();
        let msg = err.to_string();
        assert_eq!(err.key(), Some("chain.block_time"), "{msg}");
        assert!(msg.contains("line 3"), "{msg}");
        assert!(msg.contains("unknown field `block_time`"), "{msg}");
        assert!(msg.contains("block_time_ms"), "{msg}");
        assert!(msg.contains("remove this key or correct its spelling"), "{msg}");
    }

    #[test]
    fn unknown_section_is_rejected() {
        let err = NodeConfig::from_toml_str("[chian]\nchain_id = 1\n").unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("unknown field `chian`"), "{msg}");
        assert!(msg.contains("line 1"), "{msg}");
    }

    #[test]
    fn wrong_type_names_the_key() {
        let err = NodeConfig::from_toml_str("[chain]\nblock_time_ms = \"fast\"\n").unwrap_err();
        let msg = err.to_string();
        assert_eq!(err.key(), Some("chain.block_time_ms"), "{msg}");
        assert!(msg.contains("line 2"), "{msg}");
        assert!(msg.contains("numbers without quotes"), "{msg}");
    }

    #[test]
    fn syntax_error_gives_the_position() {
        let err = NodeConfig::from_toml_str("[rpc]\nlisten = 127.0.0.1:8545\n").unwrap_err();
        let msg = err.to_string();
        assert!(matches!(err, ConfigError::Toml { line: 2, .. }), "{msg}");
        assert!(msg.contains("fix the TOML syntax"), "{msg}");
    }

    #[test]
    fn malformed_alloc_address_explains_the_hex_form() {
        let err = NodeConfig::from_toml_str("[genesis.alloc.\"0x12\"]\nbalance = \"1\"\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("genesis.alloc.\"0x12\""), "{err}");
        assert!(err.contains("40 hex digits"), "{err}");
    }

    #[test]
    fn unknown_da_backend_lists_the_known_ones() {
        let err = NodeConfig::from_toml_str("[da]\nbackend = \"avail\"\n").unwrap_err();
        let msg = err.to_string();
        assert_eq!(err.key(), Some("da.backend"), "{msg}");
        assert!(msg.contains("unknown variant `avail`"), "{msg}");
        assert!(msg.contains("`local`") && msg.contains("`celestia`"), "{msg}");
    }

    #[test]
    fn load_names_the_file_in_errors() {
        let mut file = tempfile::NamedTempFile::new().unwrap();
        writeln!(file, "[mempool]\nmax_tx = 1").unwrap();
        let err = NodeConfig::load(file.path(), &Overrides::new()).unwrap_err().to_string();
        assert!(err.contains(&file.path().display().to_string()), "{err}");
        assert!(err.contains("unknown field `max_tx`"), "{err}");
    }

    #[test]
    fn load_missing_file_is_an_io_error_with_the_path() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("missing.toml");
        let err = NodeConfig::load(&path, &Overrides::new()).unwrap_err();
        assert!(matches!(err, ConfigError::Io { .. }));
        assert!(err.to_string().contains("missing.toml"), "{err}");
    }

    #[test]
    fn overrides_beat_the_file_and_cli_beats_env() {
        let mut file = tempfile::NamedTempFile::new().unwrap();
        writeln!(file, "data_dir = \"/file\"\n[chain]\nchain_id = 1\nblock_time_ms = 1000")
            .unwrap();
        let mut overrides = Overrides::from_vars([
            ("MANIFOLD_CHAIN__CHAIN_ID", "5"),
            ("MANIFOLD_CHAIN__BLOCK_TIME_MS", "500"),
            ("MANIFOLD_DA__LOCAL__PATH", "/env-da"),
        ]);
        overrides.push("chain.block_time_ms", "100").push("rpc.listen", "0.0.0.0:9000");
        let config = NodeConfig::load(file.path(), &overrides).unwrap();
        assert_eq!(config.chain.chain_id, 5, "env beats file");
        assert_eq!(config.chain.block_time_ms, 100, "CLI beats env");
        assert_eq!(config.rpc.listen, "0.0.0.0:9000".parse().unwrap());
        assert_eq!(config.data_dir, Path::new("/file"), "untouched keys keep the file value");
        assert_eq!(config.local_da_path(), Path::new("/env-da"));
    }

    #[test]
    fn a_later_override_can_fix_an_earlier_bad_one() {
        let mut overrides = Overrides::from_vars([("MANIFOLD_RPC__LISTEN", "nonsense")]);
        overrides.push("rpc.listen", "127.0.0.1:1");
        let config = NodeConfig::from_toml_str_with_overrides("", &overrides).unwrap();
        assert_eq!(config.rpc.listen.port(), 1);
    }

    #[test]
    fn override_of_wrong_form_names_key_value_and_source() {
        let overrides = Overrides::from_vars([("MANIFOLD_RPC__LISTEN", "localhost")]);
        let err = NodeConfig::from_toml_str_with_overrides("", &overrides).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("invalid value for rpc.listen: \"localhost\""), "{msg}");
        assert!(msg.contains("environment variable MANIFOLD_RPC__LISTEN"), "{msg}");
    }

    #[test]
    fn overridden_values_are_validated() {
        let mut overrides = Overrides::new();
        overrides.push("chain.block_time_ms", "5");
        let err = NodeConfig::from_toml_str_with_overrides("", &overrides).unwrap_err();
        assert_eq!(err.key(), Some("chain.block_time_ms"));
    }

    #[test]
    fn local_da_path_defaults_under_data_dir() {
        let config = NodeConfig { data_dir: "/data".into(), ..NodeConfig::default() };
        assert_eq!(config.local_da_path(), Path::new("/data/da"));
    }

    #[test]
    fn serialized_config_parses_back_identically() {
        let config = NodeConfig::devnet(&crate::DevnetOptions::default()).unwrap();
        let text = toml::to_string(&config).unwrap();
        assert_eq!(NodeConfig::from_toml_str(&text).unwrap(), config);
    }
}
