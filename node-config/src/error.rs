//! [`ConfigError`]: every way loading, overriding, validating or deriving a config can
//! fail. Each message names the key, the bad value and how to fix it.

use std::path::PathBuf;

/// An error from reading, parsing, overriding or validating a [`crate::NodeConfig`], or
/// from deriving dev accounts.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The config file could not be read.
    #[error("cannot read config file {}: {source} (check that the path is right and the file is readable)", path.display())]
    Io {
        /// The file that was read.
        path: PathBuf,
        /// The underlying I/O error.
        source: std::io::Error,
    },

    /// The TOML text is malformed, has an unknown key, or a value of the wrong type.
    #[error(
        "{origin}, line {line}, column {column}{}: {message} (fix: {fix})",
        key.as_ref().map(|k| format!(", key `{k}`")).unwrap_or_default()
    )]
    Toml {
        /// Where the text came from: a file path, or `<string>`.
        origin: String,
        /// 1-based line of the error (0 when the parser gave no position).
        line: usize,
        /// 1-based column of the error (0 when the parser gave no position).
        column: usize,
        /// Dotted path of the key on that line (e.g. `chain.block_time_ms`), when known.
        key: Option<String>,
        /// The parser's message, e.g. ``unknown field `foo`, expected one of …``.
        message: String,
        /// What to write instead.
        fix: String,
    },

    /// An override (environment variable or command-line flag) names a key that does not
    /// exist.
    #[error(
        "unknown config key `{key}` (from {origin}): {section} has no key `{name}`; valid keys: {}",
        valid.join(", ")
    )]
    UnknownKey {
        /// The dotted key path as given.
        key: String,
        /// Where the override came from, e.g. `environment variable MANIFOLD_CHAIN__ID`.
        origin: String,
        /// The section searched, e.g. `[chain]` or `the top level`.
        section: String,
        /// The segment that was not found.
        name: String,
        /// The keys that section accepts.
        valid: Vec<String>,
    },

    /// An override names a real key but its value cannot be used there.
    #[error("invalid value for {key}: {value:?} (from {origin}; {reason})")]
    InvalidOverride {
        /// The dotted key path.
        key: String,
        /// The raw value as given.
        value: String,
        /// Where the override came from.
        origin: String,
        /// What is wrong and what to write instead.
        reason: String,
    },

    /// A value breaks a validation rule.
    #[error("invalid value for {key}: {value} ({expected}; e.g. {example})")]
    Invalid {
        /// Dotted key path, e.g. `chain.block_time_ms`.
        key: String,
        /// The offending value, as written in TOML.
        value: String,
        /// The rule, e.g. `must be between 10 and 60000 milliseconds`.
        expected: String,
        /// A valid setting, e.g. `block_time_ms = 250`.
        example: String,
    },

    /// A dev account could not be derived from [`crate::DEV_MNEMONIC`].
    #[error(
        "cannot derive dev account {index} (path {}{index}) from the dev mnemonic: {reason} \
         (ask for fewer dev accounts)",
        crate::DEV_DERIVATION_PATH_PREFIX
    )]
    DevAccount {
        /// Index of the account that failed.
        index: usize,
        /// Why the derivation failed.
        reason: String,
    },
}

impl ConfigError {
    /// The dotted key path the error is about, when there is one.
    pub fn key(&self) -> Option<&str> {
        match self {
            Self::Toml { key, .. } => key.as_deref(),
            Self::UnknownKey { key, .. }
            | Self::InvalidOverride { key, .. }
            | Self::Invalid { key, .. } => Some(key),
            Self::Io { .. } | Self::DevAccount { .. } => None,
        }
    }
}
