//! [`LocalDa`]: the embedded DA backend, a redb file shared by the sequencer and followers.
//!
//! The file is opened in redb's [`ConcurrencyMode::MultiWriter`]: every process (or every
//! `LocalDa` in one process) keeps its own handle; write transactions are serialized across
//! processes by a byte-range lock on the file, and each read transaction sees the latest commit
//! of any process. So a sequencer process submits while follower processes read, with no
//! whole-file lock to wait for.
//!
//! Layout: table `blobs` maps `(height, index)` to the blob bytes; table `meta` holds the head
//! height under `"head"`. Each submit takes height `head + 1` and commits with
//! [`Durability::Immediate`]. All redb work runs on the blocking thread pool.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use alloy_primitives::keccak256;
use async_trait::async_trait;
use bytes::Bytes;
use redb::{
    ConcurrencyMode, Database, DatabaseError, Durability, ReadableDatabase, ReadableTable,
    TableDefinition, TransactionError, WriteTransaction,
};

use crate::{DaBackend, DaError, DaReceipt};

const BLOBS: TableDefinition<'_, (u64, u32), &[u8]> = TableDefinition::new("blobs");
const META: TableDefinition<'_, &str, u64> = TableDefinition::new("meta");
const HEAD_KEY: &str = "head";

/// Backend name reported by [`DaBackend::name`].
const NAME: &str = "local";

/// How long an open or a write waits for another process holding the file before giving up
/// with [`DaError::Unavailable`].
const LOCK_WAIT: Duration = Duration::from_secs(2);
/// Pause between attempts while waiting for the lock.
const LOCK_RETRY: Duration = Duration::from_millis(10);
/// Page cache of each handle.
const CACHE_BYTES: usize = 32 * 1024 * 1024;

/// The embedded DA: blobs in a local redb file, final as soon as written.
///
/// Cheap to clone; clones share one file handle. Several `LocalDa` on the same path, in one
/// process or many, may read and write concurrently.
#[derive(Clone, Debug)]
pub struct LocalDa {
    db: Arc<Database>,
    path: Arc<PathBuf>,
    max_blob_bytes: usize,
}

impl LocalDa {
    /// Opens the DA file at `path`, creating it (and its parent directories) if missing.
    ///
    /// Blocks while it opens (at most about two seconds when another process holds the file
    /// in an incompatible mode, then [`DaError::Unavailable`]); call it at startup.
    pub fn open(path: impl AsRef<Path>, max_blob_bytes: usize) -> Result<Self, DaError> {
        let path = path.as_ref().to_path_buf();
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent)
                .map_err(|e| DaError::Storage(format!("creating {}: {e}", parent.display())))?;
        }
        let db = retry_locked(|| {
            match Database::builder()
                .set_concurrency_mode(ConcurrencyMode::MultiWriter)
                .set_cache_size(CACHE_BYTES)
                .create(&path)
            {
                Ok(db) => Ok(Some(db)),
                Err(DatabaseError::DatabaseAlreadyOpen) => Ok(None),
                Err(e) => Err(storage(e)),
            }
        })?;
        let txn = begin_write(&db)?;
        txn.open_table(BLOBS).map_err(storage)?;
        txn.open_table(META).map_err(storage)?;
        txn.commit().map_err(storage)?;
        tracing::info!(path = %path.display(), max_blob_bytes, "opened local DA");
        Ok(Self { db: Arc::new(db), path: Arc::new(path), max_blob_bytes })
    }

    /// Path of the DA file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs blocking redb work on the blocking pool.
    async fn blocking<T: Send + 'static>(
        &self,
        work: impl FnOnce(&Database) -> Result<T, DaError> + Send + 'static,
    ) -> Result<T, DaError> {
        let db = Arc::clone(&self.db);
        tokio::task::spawn_blocking(move || work(&db))
            .await
            .map_err(|e| DaError::Storage(format!("local DA task failed: {e}")))?
    }
}

#[async_trait]
impl DaBackend for LocalDa {
    fn name(&self) -> &'static str {
        NAME
    }

    fn max_blob_bytes(&self) -> usize {
        self.max_blob_bytes
    }

    async fn submit(&self, blob: Bytes) -> Result<DaReceipt, DaError> {
        crate::backend::check_blob_size(&blob, self.max_blob_bytes)?;
        let commitment = keccak256(&blob);
        let size = blob.len();
        let height = self
            .blocking(move |db| {
                let txn = begin_write(db)?;
                let height = {
                    let mut meta = txn.open_table(META).map_err(storage)?;
                    let head = meta.get(HEAD_KEY).map_err(storage)?.map_or(0, |v| v.value());
                    let height = head + 1;
                    meta.insert(HEAD_KEY, height).map_err(storage)?;
                    let mut blobs = txn.open_table(BLOBS).map_err(storage)?;
                    blobs.insert((height, 0u32), blob.as_ref()).map_err(storage)?;
                    height
                };
                txn.commit().map_err(storage)?;
                Ok(height)
            })
            .await?;
        tracing::debug!(height, size, %commitment, "blob submitted to local DA");
        Ok(DaReceipt { height, commitment })
    }

    async fn blobs_at(&self, height: u64) -> Result<Vec<Bytes>, DaError> {
        self.blocking(move |db| {
            let txn = db.begin_read().map_err(storage)?;
            let head = read_head(&txn)?;
            if height > head {
                return Err(DaError::HeightNotAvailable { height, head });
            }
            let blobs = txn.open_table(BLOBS).map_err(storage)?;
            let range = blobs.range((height, 0u32)..=(height, u32::MAX)).map_err(storage)?;
            range
                .map(|entry| {
                    let (_, value) = entry.map_err(storage)?;
                    Ok(Bytes::copy_from_slice(value.value()))
                })
                .collect()
        })
        .await
    }

    async fn head_height(&self) -> Result<u64, DaError> {
        self.blocking(|db| read_head(&db.begin_read().map_err(storage)?)).await
    }

    async fn is_confirmed(&self, receipt: &DaReceipt) -> Result<bool, DaError> {
        let DaReceipt { height, commitment } = receipt.clone();
        self.blocking(move |db| {
            let txn = db.begin_read().map_err(storage)?;
            let blobs = txn.open_table(BLOBS).map_err(storage)?;
            for entry in blobs.range((height, 0u32)..=(height, u32::MAX)).map_err(storage)? {
                let (_, value) = entry.map_err(storage)?;
                if keccak256(value.value()) == commitment {
                    return Ok(true);
                }
            }
            Ok(false)
        })
        .await
    }
}

fn read_head(txn: &redb::ReadTransaction) -> Result<u64, DaError> {
    let meta = txn.open_table(META).map_err(storage)?;
    Ok(meta.get(HEAD_KEY).map_err(storage)?.map_or(0, |v| v.value()))
}

/// Begins a durable write transaction, waiting (bounded) for another process's write.
fn begin_write(db: &Database) -> Result<WriteTransaction, DaError> {
    let mut txn = retry_locked(|| match db.try_begin_write() {
        Ok(txn) => Ok(Some(txn)),
        Err(TransactionError::WouldBlock) => Ok(None),
        Err(e) => Err(storage(e)),
    })?;
    txn.set_durability(Durability::Immediate).map_err(storage)?;
    Ok(txn)
}

/// Retries `attempt` while it reports the file locked (`Ok(None)`), for at most [`LOCK_WAIT`].
fn retry_locked<T>(mut attempt: impl FnMut() -> Result<Option<T>, DaError>) -> Result<T, DaError> {
    let deadline = Instant::now() + LOCK_WAIT;
    loop {
        if let Some(value) = attempt()? {
            return Ok(value);
        }
        if Instant::now() >= deadline {
            return Err(DaError::Unavailable {
                backend: NAME,
                reason: format!("DA file locked by another process for over {LOCK_WAIT:?}"),
            });
        }
        std::thread::sleep(LOCK_RETRY);
    }
}

fn storage(e: impl Into<redb::Error>) -> DaError {
    DaError::Storage(e.into().to_string())
}
