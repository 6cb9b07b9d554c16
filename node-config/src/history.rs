//! The `[history]` section: how many recent blocks' states the node keeps for queries at an
//! older block (`eth_getBalance`, `eth_call` … with a block number, tag or hash).

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer, de};

/// Blocks an operator's node keeps states of by default: geth's 128 recent states.
pub const DEFAULT_KEEP_BLOCKS: u64 = 128;

/// `[history]`: state history.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HistoryConfig {
    /// Whose states are kept: `"all"` (an archive of every block since genesis, the devnet's
    /// default) or a number N ≥ 1: the states of the latest N blocks (head included). Default
    /// 128, as geth. Older entries are pruned as blocks are sealed.
    pub keep_blocks: KeepBlocks,
}

impl Default for HistoryConfig {
    fn default() -> Self {
        Self { keep_blocks: KeepBlocks::Recent(DEFAULT_KEEP_BLOCKS) }
    }
}

/// How many blocks' states are kept: `"all"` in TOML, or a number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeepBlocks {
    /// Every block since genesis (or since the database was first opened by a build that
    /// keeps history).
    All,
    /// The latest N blocks, the head included (N ≥ 1; 1 keeps the head only).
    Recent(u64),
}

impl KeepBlocks {
    /// The oldest block whose state is kept when `head` is the head block.
    pub fn oldest_kept(self, head: u64) -> u64 {
        match self {
            Self::All => 0,
            Self::Recent(n) => head.saturating_add(1).saturating_sub(n.max(1)),
        }
    }
}

impl fmt::Display for KeepBlocks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::All => f.write_str("\"all\""),
            Self::Recent(n) => write!(f, "{n}"),
        }
    }
}

impl std::str::FromStr for KeepBlocks {
    type Err = String;

    /// `all` or a number ≥ 1 (a command-line flag's value).
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim() {
            "all" => Ok(Self::All),
            other => match other.replace('_', "").parse() {
                Ok(0) | Err(_) => Err(format!("expected \"all\" or a number ≥ 1, got {s:?}")),
                Ok(n) => Ok(Self::Recent(n)),
            },
        }
    }
}

impl Serialize for KeepBlocks {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::All => serializer.serialize_str("all"),
            Self::Recent(n) => serializer.serialize_u64(*n),
        }
    }
}

impl<'de> Deserialize<'de> for KeepBlocks {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl de::Visitor<'_> for Visitor {
            type Value = KeepBlocks;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("\"all\" or a number of blocks, e.g. 128")
            }

            fn visit_u64<E: de::Error>(self, n: u64) -> Result<KeepBlocks, E> {
                Ok(KeepBlocks::Recent(n))
            }

            fn visit_i64<E: de::Error>(self, n: i64) -> Result<KeepBlocks, E> {
                u64::try_from(n).map(KeepBlocks::Recent).map_err(|_| {
                    E::invalid_value(de::Unexpected::Signed(n), &"\"all\" or a number ≥ 1")
                })
            }

            fn visit_str<E: de::Error>(self, s: &str) -> Result<KeepBlocks, E> {
                match s.trim() {
                    "all" => Ok(KeepBlocks::All),
                    other => other
                        .replace('_', "")
                        .parse()
                        .map(KeepBlocks::Recent)
                        .map_err(|_| E::invalid_value(de::Unexpected::Str(s), &self)),
                }
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::NodeConfig;

    #[test]
    fn keep_blocks_reads_all_or_a_number() {
        let config = NodeConfig::from_toml_str("[history]\nkeep_blocks = \"all\"\n").unwrap();
        assert_eq!(config.history.keep_blocks, KeepBlocks::All);
        let config = NodeConfig::from_toml_str("[history]\nkeep_blocks = 256\n").unwrap();
        assert_eq!(config.history.keep_blocks, KeepBlocks::Recent(256));
        assert_eq!(NodeConfig::default().history.keep_blocks, KeepBlocks::Recent(128));
    }

    #[test]
    fn keep_blocks_refuses_other_words_and_zero() {
        let err = NodeConfig::from_toml_str("[history]\nkeep_blocks = \"some\"\n").unwrap_err();
        assert!(err.to_string().contains("\"all\" or a number"), "{err}");
        let err = NodeConfig::from_toml_str("[history]\nkeep_blocks = 0\n").unwrap_err();
        assert_eq!(err.key(), Some("history.keep_blocks"), "{err}");
        assert!(err.to_string().contains("at least 1"), "{err}");
    }

    #[test]
    fn overrides_set_all_or_a_number() {
        let mut overrides = crate::Overrides::new();
        overrides.push("history.keep_blocks", "all");
        let config = NodeConfig::from_toml_str_with_overrides("", &overrides).unwrap();
        assert_eq!(config.history.keep_blocks, KeepBlocks::All);
        overrides.push("history.keep_blocks", "1_000");
        let config = NodeConfig::from_toml_str_with_overrides("", &overrides).unwrap();
        assert_eq!(config.history.keep_blocks, KeepBlocks::Recent(1000));
    }

    #[test]
    fn flags_parse_all_or_a_positive_number() {
        assert_eq!("all".parse::<KeepBlocks>(), Ok(KeepBlocks::All));
        assert_eq!("64".parse::<KeepBlocks>(), Ok(KeepBlocks::Recent(64)));
        assert!("0".parse::<KeepBlocks>().is_err());
        assert!("many".parse::<KeepBlocks>().is_err());
    }

    #[test]
    fn oldest_kept_counts_the_head() {
        assert_eq!(KeepBlocks::All.oldest_kept(1000), 0);
        assert_eq!(KeepBlocks::Recent(128).oldest_kept(1000), 873);
        assert_eq!(KeepBlocks::Recent(128).oldest_kept(5), 0);
        assert_eq!(KeepBlocks::Recent(1).oldest_kept(7), 7);
    }
}
