//! The `[da]` section: which data-availability backend batches are posted to, its
//! settings, and the batcher that posts them.

use std::{fmt, path::PathBuf};

use serde::{Deserialize, Serialize};

/// `[da]`: the DA backend and the batcher.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DaConfig {
    /// Which backend batches are posted to. Default [`DaBackendKind::Local`].
    pub backend: DaBackendKind,
    /// `[da.local]`: settings of the local (on-disk) backend.
    pub local: LocalDaConfig,
    /// `[da.batcher]`: how sealed blocks are grouped and posted.
    pub batcher: BatcherConfig,
}

/// The DA backend, chosen by `backend = "..."` in `[da]` (lowercase in TOML).
///
/// An unknown name is rejected with serde's `unknown variant` message, which lists the
/// known backends.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DaBackendKind {
    /// Batches are stored in files on this machine (devnets, tests).
    #[default]
    Local,
}

impl DaBackendKind {
    /// Every backend this build knows.
    pub const ALL: &'static [Self] = &[Self::Local];

    /// The name used in TOML.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Local => "local",
        }
    }
}

impl fmt::Display for DaBackendKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `[da.local]`: the local file-based DA backend.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LocalDaConfig {
    /// Directory the blobs are written to; `None` means `<data_dir>/da`
    /// (see [`crate::NodeConfig::local_da_path`]). A relative path is relative to the
    /// working directory, like `data_dir`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<PathBuf>,
    /// Largest blob the backend accepts, in bytes (at least 1024). Default 1966080,
    /// Celestia's limit; larger batches are split.
    pub max_blob_bytes: usize,
}

impl Default for LocalDaConfig {
    fn default() -> Self {
        Self { path: None, max_blob_bytes: 1_966_080 }
    }
}

/// `[da.batcher]`: grouping of sealed blocks into batches and retrying failed posts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BatcherConfig {
    /// Most blocks in one batch (greater than 0). Default 100.
    pub max_blocks_per_batch: usize,
    /// How often the batcher looks for newly sealed blocks, in milliseconds (greater
    /// than 0). Default 500.
    pub poll_interval_ms: u64,
    /// First delay before retrying a failed post, in milliseconds (greater than 0, at
    /// most `retry_max_ms`). Default 200.
    pub retry_initial_ms: u64,
    /// Cap of the exponential retry delay, in milliseconds. Default 10000.
    pub retry_max_ms: u64,
}

impl Default for BatcherConfig {
    fn default() -> Self {
        Self {
            max_blocks_per_batch: 100,
            poll_interval_ms: 500,
            retry_initial_ms: 200,
            retry_max_ms: 10_000,
        }
    }
}
