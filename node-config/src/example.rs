//! [`NodeConfig::example_toml`]: a complete, commented `manifold.toml` whose values are
//! exactly the defaults.

use crate::NodeConfig;

impl NodeConfig {
    /// A complete `manifold.toml`: every key with its default value and a comment saying
    /// what it does and its valid range. Parses to [`NodeConfig::default`].
    pub fn example_toml() -> &'static str {
        include_str!("example.toml")
    }
}

#[cfg(test)]
mod tests {
    use crate::{NodeConfig, schema};

    #[test]
    fn example_parses_to_exactly_the_defaults() {
        let parsed = NodeConfig::from_toml_str(NodeConfig::example_toml()).unwrap();
        assert_eq!(parsed, NodeConfig::default());
    }

    /// Every key is written out (the optional `da.local.path` as a comment), so the
    /// example documents the whole schema.
    #[test]
    fn example_sets_every_key() {
        let text = NodeConfig::example_toml();
        let doc: toml::Value = toml::from_str(text).unwrap();
        for path in schema::ROOT.value_paths("") {
            // Optional keys without a default are shown commented out.
            let optional = [
                "da.local.path",
                "da.celestia.auth_token",
                "da.celestia.batcher_address",
                "da.ethereum.batcher_key",
                "da.ethereum.batcher_address",
                "da.ethereum.l1_chain_id",
                "bridge.l1_chain_id",
                "bridge.proposer_key",
                "solana_rpc.listen",
                "solana_rpc.ws_listen",
                "solana_rpc.faucet_keypair",
            ];
            if optional.contains(&path.as_str()) {
                let key = path.rsplit('.').next().unwrap();
                assert!(text.contains(&format!("# {key} = ")), "{path} is not shown");
                continue;
            }
            let found = path.split('.').try_fold(&doc, |v, k| v.get(k));
            assert!(found.is_some(), "example.toml does not set {path}");
        }
        assert!(text.contains("# [genesis.alloc."), "no commented alloc example");
    }

    /// The commented-out alloc example is itself valid once uncommented.
    #[test]
    fn commented_alloc_example_is_valid() {
        let text = NodeConfig::example_toml();
        let start = text.find("# [genesis.alloc.").unwrap();
        let uncommented: String = text[start..]
            .lines()
            .take_while(|l| l.starts_with('#'))
            .map(|l| format!("{}\n", l.trim_start_matches('#').trim_start()))
            .filter(|l| !l.starts_with("Example"))
            .collect();
        let config = NodeConfig::from_toml_str(&uncommented).unwrap();
        assert_eq!(config.genesis.alloc.len(), 1, "{uncommented}");
    }
}
