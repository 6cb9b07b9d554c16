//! [`DaError`]: the one error type of every DA backend, split by who handles it.

use crate::codec::CodecError;

/// What went wrong talking to a DA backend.
///
/// Callers tell transient failures (retry later, see [`DaError::is_transient`]) from
/// permanent ones (the request itself is wrong, or the local store is broken).
#[derive(Debug, thiserror::Error)]
pub enum DaError {
    /// The backend cannot serve the request right now (node down, file locked by another
    /// process, rate limited). Transient: retry with backoff.
    #[error("DA backend `{backend}` unavailable: {reason}")]
    Unavailable {
        /// [`DaBackend::name`](crate::DaBackend::name) of the backend that failed.
        backend: &'static str,
        /// Human-readable cause.
        reason: String,
    },
    /// The blob is larger than [`DaBackend::max_blob_bytes`](crate::DaBackend::max_blob_bytes).
    #[error("blob of {size} bytes exceeds the backend limit of {max} bytes")]
    BlobTooLarge {
        /// Size of the rejected blob in bytes.
        size: usize,
        /// The backend's limit in bytes.
        max: usize,
    },
    /// An empty blob was submitted; backends never accept one.
    #[error("empty blob")]
    EmptyBlob,
    /// The requested height is above the current DA head.
    #[error("DA height {height} is not available yet (head is {head})")]
    HeightNotAvailable {
        /// The height asked for.
        height: u64,
        /// The head height at the time of the request.
        head: u64,
    },
    /// The backend's storage failed (I/O error, corrupt database). Not retried automatically.
    #[error("DA storage error: {0}")]
    Storage(String),
    /// The backend's settings or the remote service do not fit together (wrong L1 chain id,
    /// a read-only backend asked to submit, a token without the needed permission). Not
    /// transient: the operator must change the config.
    #[error("DA backend `{backend}` misconfigured: {reason}")]
    Misconfigured {
        /// [`DaBackend::name`](crate::DaBackend::name) of the backend.
        backend: &'static str,
        /// What is wrong and what to change.
        reason: String,
    },
    /// A blob could not be encoded or decoded as a batch frame.
    #[error(transparent)]
    Codec(#[from] CodecError),
}

impl DaError {
    /// Whether retrying the same call later may succeed (only [`DaError::Unavailable`]).
    pub fn is_transient(&self) -> bool {
        matches!(self, Self::Unavailable { .. })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_unavailable_is_transient() {
        let unavailable = DaError::Unavailable { backend: "local", reason: "locked".into() };
        assert!(unavailable.is_transient());
        assert!(!DaError::EmptyBlob.is_transient());
        assert!(!DaError::BlobTooLarge { size: 2, max: 1 }.is_transient());
        assert!(!DaError::HeightNotAvailable { height: 2, head: 1 }.is_transient());
        assert!(!DaError::Storage("disk".into()).is_transient());
        assert!(!DaError::Misconfigured { backend: "x", reason: "y".into() }.is_transient());
        assert!(!DaError::Codec(CodecError::BadMagic).is_transient());
    }
}
