//! [`CelestiaDevError`]: why the Celestia dev server could not start or keep running.

use std::{net::SocketAddr, path::PathBuf};

/// A failure of the Celestia dev server.
#[derive(Debug, thiserror::Error)]
pub enum CelestiaDevError {
    /// The data directory could not be created.
    #[error("cannot create the data directory {path}: {source}")]
    DataDir {
        /// The directory.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The database file failed (open, read, write).
    #[error("Celestia dev store: {0}")]
    Store(String),
    /// The JSON-RPC server could not listen.
    #[error("cannot listen on {addr}: {reason}")]
    Listen {
        /// The address asked for.
        addr: SocketAddr,
        /// Why.
        reason: String,
    },
    /// A stored header or token does not decode (a damaged or foreign data directory).
    #[error("corrupt Celestia dev data: {0}")]
    Corrupt(String),
}

impl CelestiaDevError {
    /// A store error from anything redb reports.
    pub(crate) fn store(error: impl Into<redb::Error>) -> Self {
        Self::Store(error.into().to_string())
    }
}
