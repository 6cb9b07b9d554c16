//! [`FlakyDa`]: a test double that makes any backend fail on demand, for testing retries.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use async_trait::async_trait;
use bytes::Bytes;

use crate::{DaBackend, DaError, DaReceipt};

/// Wraps a backend and injects [`DaError::Unavailable`] failures.
///
/// - [`fail_next_submits(n)`](Self::fail_next_submits): the next `n` calls to `submit` fail
///   without reaching the inner backend.
/// - [`set_available(false)`](Self::set_available) (or the shared
///   [`availability`](Self::availability) switch): every call fails until switched back on,
///   as if the DA node were down.
///
/// Clones share the switch and counters.
#[derive(Clone, Debug)]
pub struct FlakyDa<B> {
    inner: B,
    available: Arc<AtomicBool>,
    fail_next: Arc<AtomicU64>,
    failed_submits: Arc<AtomicU64>,
}

impl<B: DaBackend> FlakyDa<B> {
    /// Wraps `inner`; initially available with no failures scheduled.
    pub fn new(inner: B) -> Self {
        Self {
            inner,
            available: Arc::new(AtomicBool::new(true)),
            fail_next: Arc::new(AtomicU64::new(0)),
            failed_submits: Arc::new(AtomicU64::new(0)),
        }
    }

    /// Switches the backend on (`true`) or off (`false`: every call fails).
    pub fn set_available(&self, available: bool) {
        self.available.store(available, Ordering::SeqCst);
    }

    /// The on/off switch itself, to flip from another task or thread.
    pub fn availability(&self) -> Arc<AtomicBool> {
        Arc::clone(&self.available)
    }

    /// Makes the next `n` calls to `submit` fail (replacing any count still pending).
    pub fn fail_next_submits(&self, n: u64) {
        self.fail_next.store(n, Ordering::SeqCst);
    }

    /// How many `submit` calls failed because of this wrapper so far.
    pub fn failed_submits(&self) -> u64 {
        self.failed_submits.load(Ordering::SeqCst)
    }

    /// The wrapped backend.
    pub fn inner(&self) -> &B {
        &self.inner
    }

    fn check_available(&self) -> Result<(), DaError> {
        if self.available.load(Ordering::SeqCst) {
            Ok(())
        } else {
            Err(self.unavailable("switched off"))
        }
    }

    fn unavailable(&self, reason: &str) -> DaError {
        DaError::Unavailable { backend: self.inner.name(), reason: format!("FlakyDa: {reason}") }
    }
}

#[async_trait]
impl<B: DaBackend> DaBackend for FlakyDa<B> {
    fn name(&self) -> &'static str {
        self.inner.name()
    }

    fn max_blob_bytes(&self) -> usize {
        self.inner.max_blob_bytes()
    }

    async fn submit(&self, blob: Bytes) -> Result<DaReceipt, DaError> {
        let scheduled = self
            .fail_next
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok();
        let result = if scheduled {
            Err(self.unavailable("scheduled failure"))
        } else {
            self.check_available()
        };
        if let Err(e) = result {
            self.failed_submits.fetch_add(1, Ordering::SeqCst);
            return Err(e);
        }
        self.inner.submit(blob).await
    }

    async fn blobs_at(&self, height: u64) -> Result<Vec<Bytes>, DaError> {
        self.check_available()?;
        self.inner.blobs_at(height).await
    }

    async fn head_height(&self) -> Result<u64, DaError> {
        self.check_available()?;
        self.inner.head_height().await
    }

    async fn finalized_height(&self) -> Result<u64, DaError> {
        self.check_available()?;
        self.inner.finalized_height().await
    }

    async fn is_confirmed(&self, receipt: &DaReceipt) -> Result<bool, DaError> {
        self.check_available()?;
        self.inner.is_confirmed(receipt).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::LocalDa;

    fn flaky() -> (tempfile::TempDir, FlakyDa<LocalDa>) {
        let dir = tempfile::tempdir().unwrap();
        let da = LocalDa::open(dir.path().join("da.redb"), 1024).unwrap();
        (dir, FlakyDa::new(da))
    }

    #[tokio::test]
    async fn next_n_submits_fail_then_succeed() {
        let (_dir, da) = flaky();
        da.fail_next_submits(2);
        for _ in 0..2 {
            let err = da.submit(Bytes::from_static(b"x")).await.unwrap_err();
            assert!(err.is_transient(), "{err}");
        }
        assert_eq!(da.failed_submits(), 2);
        let receipt = da.submit(Bytes::from_static(b"x")).await.unwrap();
        assert_eq!(receipt.height, 1);
        assert_eq!(da.head_height().await.unwrap(), 1);
    }

    #[tokio::test]
    async fn switch_off_fails_everything_until_on() {
        let (_dir, da) = flaky();
        let switch = da.availability();
        switch.store(false, Ordering::SeqCst);
        assert!(da.submit(Bytes::from_static(b"x")).await.unwrap_err().is_transient());
        assert!(da.head_height().await.unwrap_err().is_transient());
        assert!(da.blobs_at(0).await.unwrap_err().is_transient());
        da.set_available(true);
        assert_eq!(da.submit(Bytes::from_static(b"x")).await.unwrap().height, 1);
        assert_eq!(da.inner().head_height().await.unwrap(), 1);
    }

    #[tokio::test]
    async fn works_behind_a_trait_object() {
        let (_dir, da) = flaky();
        let shared: Arc<dyn DaBackend> = Arc::new(da.clone());
        da.fail_next_submits(1);
        assert!(shared.submit(Bytes::from_static(b"x")).await.is_err());
        assert!(shared.submit(Bytes::from_static(b"x")).await.is_ok());
        assert_eq!(shared.name(), "local");
    }
}
