//! The mempool journal: every admitted transaction is written to redb before its hash is
//! returned, so an acknowledged transaction survives `kill -9`.
//!
//! Writes are group-committed: a dedicated thread takes every request waiting in its queue,
//! writes them in one durable transaction (one fsync), then acknowledges them all.
//!
//! The journal is its own redb file (`mempool.redb`), so its fsyncs never wait for a block
//! being sealed and sealing never waits for them. Included transactions are forgotten after
//! their block is durable; if the node dies in between, the entry is stale at the next start
//! (its nonce is below the payer's, or it is in the chain) and is deleted then. So an
//! acknowledged transaction is always in a block or in the journal.
//!
//! Entries are kind-tagged records of every engine (`Transaction::encode_record`), with what
//! admission verified (the EVM sender), so a restart verifies no signature again.

use std::{path::PathBuf, sync::Arc, thread};

use alloy_primitives::B256;
use execution::Transaction;
use prometheus_client::metrics::counter::Counter;
use redb::{Database, ReadableDatabase, ReadableTable, TableDefinition, TableHandle};
use tokio::sync::oneshot;

/// Journal table: transaction hash → its record (`Transaction::encode_record`: kind, what
/// admission verified, payload).
const JOURNAL: TableDefinition<'_, [u8; 32], &[u8]> = TableDefinition::new("mempool_journal_v2");
/// The journal of builds before engines: hash → their record (`Transaction::decode_v1_record`).
/// Its entries move to [`JOURNAL`] when the journal opens.
const LEGACY_JOURNAL: TableDefinition<'_, [u8; 32], &[u8]> =
    TableDefinition::new("mempool_journal");

/// Why the journal failed.
#[derive(Debug, Clone, thiserror::Error)]
pub enum JournalError {
    /// The journal file could not be opened.
    #[error("mempool journal {}: {reason}", path.display())]
    Open {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// The writer thread has stopped (the node is shutting down).
    #[error("mempool journal writer stopped")]
    Stopped,
    /// The database failed.
    #[error("mempool journal: {0}")]
    Database(Arc<redb::Error>),
}

impl<E: Into<redb::Error>> From<E> for JournalError {
    fn from(e: E) -> Self {
        Self::Database(Arc::new(e.into()))
    }
}

struct Request {
    put: Vec<Transaction>,
    delete: Vec<B256>,
    done: oneshot::Sender<Result<(), JournalError>>,
}

/// What the writer thread is asked to do, in order.
enum Command {
    /// Write (group-committed with the writes queued behind it).
    Write(Request),
    /// Read every entry.
    Load(std::sync::mpsc::Sender<Result<Vec<Transaction>, JournalError>>),
    /// Forget entries durably, answered once on disk (for synchronous callers).
    Forget(Vec<B256>, std::sync::mpsc::Sender<Result<(), JournalError>>),
    /// Finish the queued writes, close the file and stop; answered once it is closed.
    Close(oneshot::Sender<()>),
}

/// A write the journal has queued ([`Journal::queue_write`]).
#[derive(Debug)]
pub struct QueuedWrite(oneshot::Receiver<Result<(), JournalError>>);

impl QueuedWrite {
    /// Resolves once the write is on disk.
    pub async fn durable(self) -> Result<(), JournalError> {
        self.0.await.map_err(|_| JournalError::Stopped)?
    }
}

/// Handle to the journal writer thread, which alone holds the file open.
#[derive(Clone)]
pub struct Journal {
    queue: std::sync::mpsc::Sender<Command>,
}

impl std::fmt::Debug for Journal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Journal").finish_non_exhaustive()
    }
}

impl Journal {
    /// Opens (creating if missing) the journal file at `path`, moves the entries of an older
    /// build's journal into the current table, and starts the writer thread.
    pub fn start(path: &std::path::Path) -> Result<Self, JournalError> {
        Self::start_counting(path, Counter::default())
    }

    /// [`start`](Self::start), counting each durable group commit of writes in `commits`.
    pub fn start_counting(path: &std::path::Path, commits: Counter) -> Result<Self, JournalError> {
        let open_error = |reason: String| JournalError::Open { path: path.to_path_buf(), reason };
        let db = Database::create(path).map_err(|e| open_error(e.to_string()))?;
        migrate_legacy(&db)?;
        let (queue, rx) = std::sync::mpsc::channel::<Command>();
        thread::Builder::new()
            .name("mempool-journal".into())
            .spawn(move || writer_loop(db, rx, commits))
            .map_err(|e| open_error(e.to_string()))?;
        Ok(Self { queue })
    }

    /// Durably records `put` and forgets `delete`; resolves once on disk.
    pub async fn write(
        &self,
        put: Vec<Transaction>,
        delete: Vec<B256>,
    ) -> Result<(), JournalError> {
        self.queue_write(put, delete)?.durable().await
    }

    /// Queues the write of [`write`](Self::write) without waiting for it: the writes queued
    /// one after another share the group commits that follow.
    pub fn queue_write(
        &self,
        put: Vec<Transaction>,
        delete: Vec<B256>,
    ) -> Result<QueuedWrite, JournalError> {
        let (done, wait) = oneshot::channel();
        self.queue
            .send(Command::Write(Request { put, delete, done }))
            .map_err(|_| JournalError::Stopped)?;
        Ok(QueuedWrite(wait))
    }

    /// Every journaled transaction (read at start-up to refill the pool).
    pub fn load(&self) -> Result<Vec<Transaction>, JournalError> {
        let (reply, answer) = std::sync::mpsc::channel();
        self.queue.send(Command::Load(reply)).map_err(|_| JournalError::Stopped)?;
        answer.recv().map_err(|_| JournalError::Stopped)?
    }

    /// Durably forgets `delete`, from synchronous code: start-up drops the entries it found
    /// stale, so that one left behind by a crash is not carried from start to start.
    pub fn forget_now(&self, delete: Vec<B256>) -> Result<(), JournalError> {
        let (reply, answer) = std::sync::mpsc::channel();
        self.queue.send(Command::Forget(delete, reply)).map_err(|_| JournalError::Stopped)?;
        answer.recv().map_err(|_| JournalError::Stopped)?
    }

    /// Writes what is queued, closes the file and stops the writer; resolves once the file
    /// is closed, so the same data directory can be opened again at once. Later writes fail.
    pub async fn close(&self) {
        let (done, closed) = oneshot::channel();
        if self.queue.send(Command::Close(done)).is_ok() {
            let _ = closed.await;
        }
    }
}

/// Moves the entries of the journal of a build before engines into the current table.
fn migrate_legacy(db: &Database) -> Result<(), JournalError> {
    let txn = db.begin_write()?;
    if txn.list_tables()?.any(|t| t.name() == LEGACY_JOURNAL.name()) {
        {
            let legacy = txn.open_table(LEGACY_JOURNAL)?;
            let mut table = txn.open_table(JOURNAL)?;
            let mut record = Vec::new();
            for entry in legacy.iter()? {
                let (hash, value) = entry?;
                if let Ok(tx) = Transaction::decode_v1_record(value.value()) {
                    record.clear();
                    tx.encode_record(&mut record);
                    table.insert(hash.value(), record.as_slice())?;
                }
            }
        }
        txn.delete_table(LEGACY_JOURNAL)?;
    }
    txn.commit()?;
    Ok(())
}

fn load(db: &Database) -> Result<Vec<Transaction>, JournalError> {
    let txn = db.begin_read()?;
    let table = match txn.open_table(JOURNAL) {
        Ok(table) => table,
        Err(redb::TableError::TableDoesNotExist(_)) => return Ok(Vec::new()),
        Err(e) => return Err(e.into()),
    };
    let mut out = Vec::new();
    for entry in table.iter()? {
        let (hash, value) = entry?;
        // Verified at admission: decoded without verifying the signature again.
        match Transaction::decode_record(value.value()) {
            Ok(tx) => out.push(tx),
            Err(e) => {
                let hash = B256::from(hash.value());
                tracing::warn!(%hash, error = %e, "unreadable journal entry skipped");
            }
        }
    }
    Ok(out)
}

/// Commits `batch` in one durable transaction and answers each request.
fn flush(db: &Database, batch: &mut Vec<Request>, commits: &Counter) {
    if batch.is_empty() {
        return;
    }
    let result = write_batch(db, batch);
    commits.inc();
    if let Err(e) = &result {
        tracing::error!(error = %e, "mempool journal write failed");
    }
    for request in batch.drain(..) {
        let _ = request.done.send(result.clone());
    }
}

fn writer_loop(db: Database, rx: std::sync::mpsc::Receiver<Command>, commits: Counter) {
    let mut batch = Vec::new();
    let mut next = rx.recv().ok();
    while let Some(command) = next.take() {
        match command {
            Command::Write(request) => {
                batch.push(request);
                if batch.len() < 4096
                    && let Ok(more) = rx.try_recv()
                {
                    next = Some(more);
                    continue;
                }
                flush(&db, &mut batch, &commits);
            }
            Command::Load(reply) => {
                flush(&db, &mut batch, &commits);
                let _ = reply.send(load(&db));
            }
            Command::Forget(delete, reply) => {
                flush(&db, &mut batch, &commits);
                let _ = reply.send(remove(&db, &delete));
            }
            Command::Close(done) => {
                flush(&db, &mut batch, &commits);
                drop(db);
                let _ = done.send(());
                return;
            }
        }
        next = rx.recv().ok();
    }
    flush(&db, &mut batch, &commits);
}

fn remove(db: &Database, hashes: &[B256]) -> Result<(), JournalError> {
    let txn = db.begin_write()?;
    {
        let mut table = txn.open_table(JOURNAL)?;
        for hash in hashes {
            table.remove(hash.0)?;
        }
    }
    txn.commit()?;
    Ok(())
}

fn write_batch(db: &Database, batch: &[Request]) -> Result<(), JournalError> {
    let txn = db.begin_write()?;
    {
        let mut table = txn.open_table(JOURNAL)?;
        let mut value = Vec::new();
        for request in batch {
            for hash in &request.delete {
                table.remove(hash.0)?;
            }
            for tx in &request.put {
                value.clear();
                tx.encode_record(&mut value);
                table.insert(tx.hash().0, value.as_slice())?;
            }
        }
    }
    txn.commit()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use alloy_primitives::hex;
    use execution::{
        ChainSpec, EngineKind, Engines,
        kv::{KvEngine, KvOp, KvTx},
    };

    use super::*;

    /// 32 EVM transactions recorded in the execution crate's fixture chain, and 32 key-value
    /// transactions: both engines' records.
    fn transactions() -> Vec<Transaction> {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../execution/tests/fixtures/evm_chain_v1/blocks.json"
        );
        let blocks: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let spec = ChainSpec::from_config(&node_config::NodeConfig::default());
        let engines = Engines::new(&spec).with_kv(KvEngine);
        let evm = blocks["blocks"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|block| block["transactions"].as_array().unwrap().clone())
            .take(32)
            .map(|tx| {
                let raw = hex::decode(tx["raw"].as_str().unwrap()).unwrap();
                engines.decode(EngineKind::Evm, &raw).unwrap()
            });
        let key = ed25519_dalek::SigningKey::from_bytes(&[9; 32]);
        let kv = (0..32u8).map(|i| {
            let op = KvOp::Put { key: B256::with_last_byte(i), value: vec![i].into() };
            Transaction::Kv(KvTx::sign(&key, B256::ZERO, 1, vec![op]))
        });
        evm.chain(kv).collect()
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn concurrent_writes_are_durable_and_deletes_forget() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("mempool.redb");
        let txs = transactions();
        assert_eq!(txs.len(), 64);
        let by_hash = |mut txs: Vec<Transaction>| {
            txs.sort_by_key(Transaction::hash);
            txs
        };
        {
            let journal = Journal::start(&path).unwrap();
            let writes = txs.iter().map(|t| journal.write(vec![t.clone()], vec![]));
            for result in futures::future::join_all(writes).await {
                result.unwrap();
            }
            let forget = [&txs[..5], &txs[32..37]].concat();
            journal.write(vec![], forget.iter().map(Transaction::hash).collect()).await.unwrap();
            let loaded = journal.load().unwrap();
            assert_eq!(loaded.len(), 54);
            // A clone still alive does not keep the file open once closed, and cannot write.
            let clone = journal.clone();
            journal.close().await;
            let err = clone.write(vec![txs[0].clone()], vec![]).await.unwrap_err();
            assert!(matches!(err, JournalError::Stopped), "{err}");
            // Closed: the file reopens at once, with the same content.
            let reopened = Journal::start(&path).unwrap();
            drop(clone);
            reopened.close().await;
        }
        // Both engines' records come back, EVM senders included (no signature recovery on
        // load: the records carry them).
        let reopened = Journal::start(&path).unwrap();
        let kept = [&txs[5..32], &txs[37..]].concat();
        assert_eq!(by_hash(reopened.load().unwrap()), by_hash(kept));
    }
}
