//! The DA seam: [`DaBackend`], the trait every data-availability layer implements, and
//! [`DaReceipt`], where a submitted blob landed.
//!
//! The trait is object safe (`Arc<dyn DaBackend>`), so the node picks the backend from its
//! config at run time. Backends move opaque blobs; framing batches into blobs is the job of
//! the [codec](crate::encode_batch).

use std::sync::Arc;

use alloy_primitives::B256;
use async_trait::async_trait;
use bytes::Bytes;
use serde::{Deserialize, Serialize};

use crate::DaError;

/// Where a blob landed on DA.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct DaReceipt {
    /// DA height (block) that includes the blob. Heights start at 1.
    pub height: u64,
    /// Backend-defined commitment to the blob (for the local backend: keccak256 of the blob).
    pub commitment: B256,
}

/// A data-availability layer that stores opaque blobs in a total order of heights.
///
/// Contract shared by every implementation:
/// - Heights start at 1 and grow by one; height 0 never holds a blob.
/// - Blobs are returned byte-for-byte as submitted, in DA order within a height.
/// - Every method may fail with [`DaError::Unavailable`] when the layer cannot be reached;
///   that error is transient and the caller retries ([`DaError::is_transient`]).
/// - Implementations are cheap to share: callers hold them as `Arc<dyn DaBackend>`.
#[async_trait]
pub trait DaBackend: Send + Sync + 'static {
    /// Human name ("local", later "celestia", "ethereum"), for logs and metrics.
    fn name(&self) -> &'static str;

    /// Largest blob this backend accepts, in bytes. The batch codec cuts batches into frames
    /// no larger than this.
    fn max_blob_bytes(&self) -> usize;

    /// Submits one blob and returns where it landed once the backend accepted it.
    ///
    /// Errors: [`DaError::EmptyBlob`] for an empty blob, [`DaError::BlobTooLarge`] above
    /// [`max_blob_bytes`](Self::max_blob_bytes), [`DaError::Unavailable`] when the layer is
    /// unreachable (the blob may or may not have landed: re-submitting is safe for batch
    /// frames, which readers deduplicate).
    async fn submit(&self, blob: Bytes) -> Result<DaReceipt, DaError>;

    /// All blobs at `height`, in DA order.
    ///
    /// A height at or below the head that holds no blob is `Ok(vec![])`, not an error; a height
    /// above the head is [`DaError::HeightNotAvailable`].
    async fn blobs_at(&self, height: u64) -> Result<Vec<Bytes>, DaError>;

    /// Current DA head height: the highest height readable with [`blobs_at`](Self::blobs_at).
    /// 0 when nothing was ever posted.
    async fn head_height(&self) -> Result<u64, DaError>;

    /// Highest height whose blobs are final (cannot be reorged away). The default, for
    /// layers with single-slot finality (local, Celestia), is the head; an L1 with
    /// probabilistic finality returns the head minus its confirmation depth.
    async fn finalized_height(&self) -> Result<u64, DaError> {
        self.head_height().await
    }

    /// Whether the blob at `receipt` is final on this DA (cannot be reorged away).
    ///
    /// `Ok(false)` while it is not final yet, or when no blob matching the receipt is known.
    /// The local backend is final immediately.
    async fn is_confirmed(&self, receipt: &DaReceipt) -> Result<bool, DaError>;
}

/// The checks every [`DaBackend::submit`] makes before touching the network or disk:
/// [`DaError::EmptyBlob`] for an empty blob, [`DaError::BlobTooLarge`] above `max_blob_bytes`.
pub fn check_blob_size(blob: &[u8], max_blob_bytes: usize) -> Result<(), DaError> {
    if blob.is_empty() {
        return Err(DaError::EmptyBlob);
    }
    if blob.len() > max_blob_bytes {
        return Err(DaError::BlobTooLarge { size: blob.len(), max: max_blob_bytes });
    }
    Ok(())
}

/// A shared backend is a backend, so wrappers such as `FlakyDa<Arc<dyn DaBackend>>` work.
#[async_trait]
impl<B: DaBackend + ?Sized> DaBackend for Arc<B> {
    fn name(&self) -> &'static str {
        (**self).name()
    }

    fn max_blob_bytes(&self) -> usize {
        (**self).max_blob_bytes()
    }

    async fn submit(&self, blob: Bytes) -> Result<DaReceipt, DaError> {
        (**self).submit(blob).await
    }

    async fn blobs_at(&self, height: u64) -> Result<Vec<Bytes>, DaError> {
        (**self).blobs_at(height).await
    }

    async fn head_height(&self) -> Result<u64, DaError> {
        (**self).head_height().await
    }

    async fn finalized_height(&self) -> Result<u64, DaError> {
        (**self).finalized_height().await
    }

    async fn is_confirmed(&self, receipt: &DaReceipt) -> Result<bool, DaError> {
        (**self).is_confirmed(receipt).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The node holds the configured backend as a shared trait object across tasks.
    #[test]
    fn backend_is_object_safe_and_shareable() {
        fn assert_send_sync<T: Send + Sync + 'static>() {}
        assert_send_sync::<Arc<dyn DaBackend>>();
        assert_send_sync::<DaReceipt>();
    }
}
