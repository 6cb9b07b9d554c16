//! [`Overrides`]: `key.path = value` settings from `MANIFOLD_*` environment variables and
//! command-line flags, applied on top of the TOML file before it is deserialized.

use std::{collections::BTreeMap, fmt};

use crate::{
    ConfigError,
    schema::{self, Kind, Node},
};

/// Where an override came from; named in error messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OverrideSource {
    /// An environment variable, with its name (e.g. `MANIFOLD_CHAIN__CHAIN_ID`).
    Env(String),
    /// A command-line flag or another explicit [`Overrides::push`].
    Cli,
}

impl fmt::Display for OverrideSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Env(name) => write!(f, "environment variable {name}"),
            Self::Cli => f.write_str("command-line override"),
        }
    }
}

/// One override: a dotted key path, the raw value, and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Override {
    /// Lowercase dotted key path, e.g. `chain.block_time_ms` or `da.local.path`.
    pub key: String,
    /// The value as written; converted to the type the key expects when applied.
    pub value: String,
    /// Where it came from.
    pub source: OverrideSource,
}

/// An ordered list of overrides; later entries win over earlier ones.
///
/// The usual order is [`Overrides::from_env`] first, then [`Overrides::push`] for each
/// command-line flag, so flags beat the environment, which beats the file.
/// [`crate::NodeConfig::load`] applies exactly the overrides it is given: it does not read
/// the environment by itself.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Overrides {
    entries: Vec<Override>,
}

impl Overrides {
    /// Prefix of the environment variables read by [`Overrides::from_env`].
    pub const ENV_PREFIX: &'static str = "MANIFOLD_";

    /// No overrides.
    pub fn new() -> Self {
        Self::default()
    }

    /// Reads the `MANIFOLD_*` variables of this process; see [`Overrides::from_vars`].
    pub fn from_env() -> Self {
        Self::from_vars(
            std::env::vars_os()
                .map(|(k, v)| (k.to_string_lossy().into_owned(), v.to_string_lossy().into_owned())),
        )
    }

    /// Builds overrides from `(name, value)` variables, as [`Overrides::from_env`] does for
    /// the real environment.
    ///
    /// `MANIFOLD_<SECTION>__<KEY>` becomes the key `section.key` (a double underscore
    /// separates levels, everything is lowercased): `MANIFOLD_CHAIN__CHAIN_ID=5` sets
    /// `chain.chain_id`, `MANIFOLD_DATA_DIR=/x` sets `data_dir`,
    /// `MANIFOLD_DA__LOCAL__PATH=/d` sets `da.local.path`.
    ///
    /// The `MANIFOLD_` namespace is shared with the binary's own variables (such as
    /// `MANIFOLD_CONFIG`), so a variable without `__` whose name is not a top-level key is
    /// ignored. A variable with `__` is always taken, so a misspelt section is reported
    /// when the overrides are applied. Variables are taken in name order.
    pub fn from_vars<I, K, V>(vars: I) -> Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<str>,
        V: Into<String>,
    {
        let mut selected = BTreeMap::new();
        for (name, value) in vars {
            let name = name.as_ref();
            let Some(rest) = name.strip_prefix(Self::ENV_PREFIX) else { continue };
            let key = rest.split("__").map(str::to_lowercase).collect::<Vec<_>>().join(".");
            let nested = rest.contains("__");
            if nested || schema::ROOT.child(&key).is_some() {
                selected.insert(name.to_owned(), (key, value.into()));
            }
        }
        let entries = selected
            .into_iter()
            .map(|(name, (key, value))| Override { key, value, source: OverrideSource::Env(name) })
            .collect();
        Self { entries }
    }

    /// Adds an explicit override (a command-line flag), e.g.
    /// `push("rpc.listen", "0.0.0.0:9000")`. The key is lowercased. It wins over every
    /// override added before it.
    pub fn push(&mut self, key: impl AsRef<str>, value: impl Into<String>) -> &mut Self {
        self.entries.push(Override {
            key: key.as_ref().to_lowercase(),
            value: value.into(),
            source: OverrideSource::Cli,
        });
        self
    }

    /// Appends all of `other`'s overrides after this list's, so they win.
    pub fn extend(&mut self, other: Overrides) -> &mut Self {
        self.entries.extend(other.entries);
        self
    }

    /// The overrides, in the order they are applied.
    pub fn iter(&self) -> impl Iterator<Item = &Override> {
        self.entries.iter()
    }

    /// How many overrides there are.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The overrides that take effect: for each key, the last one given, in the order of
    /// that last occurrence.
    pub(crate) fn effective(&self) -> Vec<&Override> {
        let mut result: Vec<&Override> = Vec::new();
        for o in &self.entries {
            result.retain(|prev| prev.key != o.key);
            result.push(o);
        }
        result
    }
}

impl Override {
    /// Writes this override into `root`, creating missing sections, after checking the key
    /// path against the schema and converting the value to the type the key expects.
    pub(crate) fn apply_to(&self, root: &mut toml::Table) -> Result<(), ConfigError> {
        let segments: Vec<&str> = self.key.split('.').collect();
        let mut node: &Node = &schema::ROOT;
        let mut table = root;
        for (i, name) in segments.iter().enumerate() {
            let section = match i {
                0 => "the top level".to_owned(),
                _ => format!("[{}]", segments[..i].join(".")),
            };
            let child = node.child(name).ok_or_else(|| ConfigError::UnknownKey {
                key: self.key.clone(),
                origin: self.source.to_string(),
                section,
                name: (*name).to_owned(),
                valid: node.key_names(),
            })?;
            let is_last = i + 1 == segments.len();
            match (child, is_last) {
                (Node::Value(kind), true) => {
                    table.insert((*name).to_owned(), self.convert(*kind)?);
                    return Ok(());
                }
                (Node::Value(_), false) => {
                    let leaf = segments[..=i].join(".");
                    return Err(self.invalid(format!(
                        "{leaf} is a single value with no keys below it; set {leaf} itself"
                    )));
                }
                (Node::Table(_) | Node::Map(_), true) => {
                    let keys = child.key_names().join(", ");
                    return Err(self.invalid(format!(
                        "{} is a section, not a value; set one of its keys: {keys}",
                        self.key
                    )));
                }
                (Node::Table(_) | Node::Map(_), false) => {
                    let entry = table
                        .entry((*name).to_owned())
                        .or_insert_with(|| toml::Value::Table(toml::Table::new()));
                    let toml::Value::Table(inner) = entry else {
                        return Err(self.invalid(format!(
                            "the config file sets {} to a value, but it must be a section",
                            segments[..=i].join(".")
                        )));
                    };
                    table = inner;
                    node = child;
                }
            }
        }
        // The loop returns at the last segment; `split` yields at least one.
        Err(self.invalid("the key is empty".to_owned()))
    }

    /// Converts the raw value to the TOML type of its key.
    fn convert(&self, kind: Kind) -> Result<toml::Value, ConfigError> {
        match kind {
            Kind::String => Ok(toml::Value::String(self.value.clone())),
            Kind::Integer => {
                let digits = self.value.trim().replace('_', "");
                digits.parse::<i64>().map(toml::Value::Integer).map_err(|_| {
                    self.invalid("expected a whole number, e.g. 250, without quotes".to_owned())
                })
            }
            Kind::IntegerOrString => {
                let digits = self.value.trim().replace('_', "");
                Ok(digits
                    .parse::<i64>()
                    .map(toml::Value::Integer)
                    .unwrap_or_else(|_| toml::Value::String(self.value.trim().to_owned())))
            }
            Kind::Bool => match self.value.trim() {
                "true" => Ok(toml::Value::Boolean(true)),
                "false" => Ok(toml::Value::Boolean(false)),
                _ => Err(self.invalid("expected true or false, without quotes".to_owned())),
            },
            Kind::Float => {
                let digits = self.value.trim().replace('_', "");
                digits
                    .parse::<f64>()
                    .ok()
                    .filter(|v| v.is_finite())
                    .map(toml::Value::Float)
                    .ok_or_else(|| {
                        self.invalid(
                            "expected a decimal number, e.g. 0.002, without quotes".to_owned(),
                        )
                    })
            }
        }
    }

    /// An [`ConfigError::InvalidOverride`] for this override.
    pub(crate) fn invalid(&self, reason: String) -> ConfigError {
        ConfigError::InvalidOverride {
            key: self.key.clone(),
            value: self.value.clone(),
            origin: self.source.to_string(),
            reason,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(vars: &[(&str, &str)]) -> Overrides {
        Overrides::from_vars(vars.iter().map(|(k, v)| (*k, *v)))
    }

    #[test]
    fn env_names_map_to_lowercase_dotted_keys() {
        let o = env(&[
            ("MANIFOLD_CHAIN__CHAIN_ID", "5"),
            ("MANIFOLD_DATA_DIR", "/x"),
            ("MANIFOLD_DA__LOCAL__PATH", "/d"),
            ("PATH", "/usr/bin"),
        ]);
        let keys: Vec<_> = o.iter().map(|o| (o.key.as_str(), o.value.as_str())).collect();
        // In variable-name order: `MANIFOLD_DATA_DIR` sorts before `MANIFOLD_DA__LOCAL__PATH`.
        assert_eq!(keys, [("chain.chain_id", "5"), ("data_dir", "/x"), ("da.local.path", "/d")]);
        assert_eq!(
            o.iter().next().unwrap().source,
            OverrideSource::Env("MANIFOLD_CHAIN__CHAIN_ID".into())
        );
    }

    #[test]
    fn env_ignores_non_config_variables_but_keeps_nested_typos() {
        let o = env(&[("MANIFOLD_CONFIG", "/etc/m.toml"), ("MANIFOLD_CHIAN__CHAIN_ID", "5")]);
        let keys: Vec<_> = o.iter().map(|o| o.key.as_str()).collect();
        assert_eq!(keys, ["chian.chain_id"]);
    }

    #[test]
    fn push_lowercases_and_effective_keeps_the_last_per_key() {
        let mut o = env(&[("MANIFOLD_CHAIN__CHAIN_ID", "5"), ("MANIFOLD_DATA_DIR", "/x")]);
        o.push("Chain.Chain_Id", "7");
        let effective: Vec<_> =
            o.effective().iter().map(|o| (o.key.as_str(), o.value.as_str())).collect();
        assert_eq!(effective, [("data_dir", "/x"), ("chain.chain_id", "7")]);
    }

    #[test]
    fn apply_converts_to_the_key_type_and_creates_sections() {
        let mut table = toml::Table::new();
        let mut o = Overrides::new();
        o.push("chain.block_time_ms", "100").push("log.level", "5").push("da.local.path", "/d");
        for o in o.iter() {
            o.apply_to(&mut table).unwrap();
        }
        assert_eq!(table["chain"]["block_time_ms"], toml::Value::Integer(100));
        assert_eq!(table["log"]["level"], toml::Value::String("5".into()));
        assert_eq!(table["da"]["local"]["path"], toml::Value::String("/d".into()));
    }

    #[test]
    fn unknown_key_lists_the_valid_keys_of_its_section() {
        let mut o = Overrides::new();
        o.push("chain.block_time", "100");
        let err = o.iter().next().unwrap().apply_to(&mut toml::Table::new()).unwrap_err();
        let msg = err.to_string();
        assert!(matches!(err, ConfigError::UnknownKey { ref name, .. } if name == "block_time"));
        assert!(msg.contains("`chain.block_time`"), "{msg}");
        assert!(msg.contains("[chain] has no key `block_time`"), "{msg}");
        assert!(
            msg.contains(
                "chain_id, block_time_ms, empty_blocks, block_gas_limit, dev_state_writes"
            ),
            "{msg}"
        );

        let env = env(&[("MANIFOLD_CHIAN__CHAIN_ID", "5")]);
        let msg = env.iter().next().unwrap().apply_to(&mut toml::Table::new()).unwrap_err();
        let msg = msg.to_string();
        assert!(msg.contains("MANIFOLD_CHIAN__CHAIN_ID"), "{msg}");
        assert!(msg.contains("the top level has no key `chian`"), "{msg}");
        assert!(msg.contains("chain, data_dir, rpc"), "{msg}");
    }

    #[test]
    fn non_integer_for_integer_key_and_sections_are_rejected() {
        let mut o = Overrides::new();
        o.push("chain.chain_id", "five").push("chain", "1").push("rpc.listen.port", "1");
        let errs: Vec<_> = o
            .iter()
            .map(|o| o.apply_to(&mut toml::Table::new()).unwrap_err().to_string())
            .collect();
        assert!(errs[0].contains("invalid value for chain.chain_id: \"five\""), "{}", errs[0]);
        assert!(errs[0].contains("whole number"), "{}", errs[0]);
        assert!(errs[1].contains("chain is a section"), "{}", errs[1]);
        assert!(errs[2].contains("rpc.listen is a single value"), "{}", errs[2]);
    }

    #[test]
    fn alloc_entries_accept_any_address_key() {
        let mut o = Overrides::new();
        o.push("genesis.alloc.0x00000000000000000000000000000000000000aa.balance", "1");
        o.iter().next().unwrap().apply_to(&mut toml::Table::new()).unwrap();
    }
}
