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
//!
//! Entries are keyed by admission order, not by hash: a group commit appends to the last
//! pages of the table, and a block's included transactions, admitted together, are deleted
//! from the first ones, so a commit writes a few pages instead of one per transaction (hash
//! keys scattered each write over the whole table). The writer thread keeps the hash → key
//! index in memory, rebuilt from the table when it opens.

use std::{collections::HashMap, path::PathBuf, sync::Arc, thread};

use alloy_primitives::B256;
use execution::Transaction;
use prometheus_client::metrics::counter::Counter;
use redb::{Database, ReadableDatabase, ReadableTable, TableDefinition, TableHandle};
use tokio::sync::oneshot;

/// Journal table: admission sequence number → transaction hash ‖ its record
/// (`Transaction::encode_record`: kind, what admission verified, payload).
const JOURNAL: TableDefinition<'_, u64, &[u8]> = TableDefinition::new("mempool_journal_v3");
/// The journal of builds before this one: hash → record. Its entries move to [`JOURNAL`] when
/// the journal opens.
const HASH_KEYED_JOURNAL: TableDefinition<'_, [u8; 32], &[u8]> =
    TableDefinition::new("mempool_journal_v2");
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
        migrate_older_tables(&db)?;
        let table = JournalTable::open(db)?;
        let (queue, rx) = std::sync::mpsc::channel::<Command>();
        thread::Builder::new()
            .name("mempool-journal".into())
            .spawn(move || writer_loop(table, rx, commits))
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

/// Writes the value of `tx`'s entry into `out`: its hash, then its record.
fn encode_entry(tx: &Transaction, out: &mut Vec<u8>) {
    out.clear();
    out.extend_from_slice(tx.hash().as_slice());
    tx.encode_record(out);
}

/// Moves the entries of older builds' journals (keyed by hash) into the current table, in
/// hash order (their admission order is not known).
fn migrate_older_tables(db: &Database) -> Result<(), JournalError> {
    let txn = db.begin_write()?;
    let names: Vec<String> = txn.list_tables()?.map(|t| t.name().to_string()).collect();
    let has = |table: &str| names.iter().any(|name| name == table);
    if has(LEGACY_JOURNAL.name()) || has(HASH_KEYED_JOURNAL.name()) {
        {
            let mut table = txn.open_table(JOURNAL)?;
            let mut next = table.last()?.map_or(0, |(seq, _)| seq.value() + 1);
            let mut value = Vec::new();
            let mut append = |tx: Transaction| -> Result<(), JournalError> {
                encode_entry(&tx, &mut value);
                table.insert(next, value.as_slice())?;
                next += 1;
                Ok(())
            };
            if has(LEGACY_JOURNAL.name()) {
                for entry in txn.open_table(LEGACY_JOURNAL)?.iter()? {
                    if let Ok(tx) = Transaction::decode_v1_record(entry?.1.value()) {
                        append(tx)?;
                    }
                }
            }
            if has(HASH_KEYED_JOURNAL.name()) {
                for entry in txn.open_table(HASH_KEYED_JOURNAL)?.iter()? {
                    if let Ok(tx) = Transaction::decode_record(entry?.1.value()) {
                        append(tx)?;
                    }
                }
            }
        }
        if has(LEGACY_JOURNAL.name()) {
            txn.delete_table(LEGACY_JOURNAL)?;
        }
        if has(HASH_KEYED_JOURNAL.name()) {
            txn.delete_table(HASH_KEYED_JOURNAL)?;
        }
    }
    txn.commit()?;
    Ok(())
}

/// The journal file and the writer thread's in-memory index of it.
struct JournalTable {
    db: Database,
    /// Hash → sequence number of every entry on disk.
    index: HashMap<B256, u64>,
    /// The sequence number of the next new entry.
    next: u64,
}

impl JournalTable {
    /// Opens the table of `db` and indexes its entries.
    fn open(db: Database) -> Result<Self, JournalError> {
        let mut table = Self { db, index: HashMap::new(), next: 0 };
        table.reindex()?;
        Ok(table)
    }

    /// Rebuilds the index from disk (at open, and after a failed write, whose changes to the
    /// index did not reach the file).
    fn reindex(&mut self) -> Result<(), JournalError> {
        self.index.clear();
        self.next = 0;
        let Some(table) = self.read_table()? else { return Ok(()) };
        for entry in table.iter()? {
            let (seq, value) = entry?;
            let (seq, value) = (seq.value(), value.value());
            self.next = seq + 1;
            match value.get(..32) {
                Some(hash) => {
                    self.index.insert(B256::from_slice(hash), seq);
                }
                None => tracing::warn!(seq, "unreadable journal entry ignored"),
            }
        }
        Ok(())
    }

    /// The table in a read snapshot; `None` before anything was written.
    fn read_table(&self) -> Result<Option<redb::ReadOnlyTable<u64, &'static [u8]>>, JournalError> {
        match self.db.begin_read()?.open_table(JOURNAL) {
            Ok(table) => Ok(Some(table)),
            Err(redb::TableError::TableDoesNotExist(_)) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// Every entry, in admission order.
    fn load(&self) -> Result<Vec<Transaction>, JournalError> {
        let Some(table) = self.read_table()? else { return Ok(Vec::new()) };
        let mut out = Vec::new();
        for entry in table.iter()? {
            let (seq, value) = entry?;
            // Verified at admission: decoded without verifying the signature again.
            match value.value().get(32..).map(Transaction::decode_record) {
                Some(Ok(tx)) => out.push(tx),
                Some(Err(e)) => {
                    tracing::warn!(seq = seq.value(), error = %e, "unreadable journal entry skipped")
                }
                None => tracing::warn!(seq = seq.value(), "unreadable journal entry skipped"),
            }
        }
        Ok(out)
    }

    /// Applies `requests` in one durable transaction. On failure the index is rebuilt from
    /// the file, which the failed transaction left as it was.
    fn write(&mut self, requests: &[Request]) -> Result<(), JournalError> {
        let result = self.try_write(requests.iter().map(|r| (&r.put[..], &r.delete[..])));
        if result.is_err()
            && let Err(e) = self.reindex()
        {
            tracing::error!(error = %e, "mempool journal could not be re-read");
        }
        result
    }

    /// Forgets `hashes` durably.
    fn remove(&mut self, hashes: &[B256]) -> Result<(), JournalError> {
        let (done, _) = oneshot::channel();
        self.write(&[Request { put: Vec::new(), delete: hashes.to_vec(), done }])
    }

    fn try_write<'a>(
        &mut self,
        changes: impl Iterator<Item = (&'a [Transaction], &'a [B256])>,
    ) -> Result<(), JournalError> {
        let txn = self.db.begin_write()?;
        {
            let mut table = txn.open_table(JOURNAL)?;
            let mut value = Vec::new();
            for (put, delete) in changes {
                for hash in delete {
                    if let Some(seq) = self.index.remove(hash) {
                        table.remove(seq)?;
                    }
                }
                for tx in put {
                    let hash = tx.hash();
                    let seq = *self.index.entry(hash).or_insert_with(|| {
                        self.next += 1;
                        self.next - 1
                    });
                    encode_entry(tx, &mut value);
                    table.insert(seq, value.as_slice())?;
                }
            }
        }
        txn.commit()?;
        Ok(())
    }
}

/// Commits `batch` in one durable transaction and answers each request.
fn flush(table: &mut JournalTable, batch: &mut Vec<Request>, commits: &Counter) {
    if batch.is_empty() {
        return;
    }
    let result = table.write(batch);
    commits.inc();
    if let Err(e) = &result {
        tracing::error!(error = %e, "mempool journal write failed");
    }
    for request in batch.drain(..) {
        let _ = request.done.send(result.clone());
    }
}

fn writer_loop(mut table: JournalTable, rx: std::sync::mpsc::Receiver<Command>, commits: Counter) {
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
                flush(&mut table, &mut batch, &commits);
            }
            Command::Load(reply) => {
                flush(&mut table, &mut batch, &commits);
                let _ = reply.send(table.load());
            }
            Command::Forget(delete, reply) => {
                flush(&mut table, &mut batch, &commits);
                let _ = reply.send(table.remove(&delete));
            }
            Command::Close(done) => {
                flush(&mut table, &mut batch, &commits);
                drop(table);
                let _ = done.send(());
                return;
            }
        }
        next = rx.recv().ok();
    }
    flush(&mut table, &mut batch, &commits);
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

    #[tokio::test(flavor = "multi_thread")]
    async fn entries_load_in_admission_order_across_reopens() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("mempool.redb");
        let txs = transactions();
        {
            let journal = Journal::start(&path).unwrap();
            for tx in &txs[..40] {
                journal.write(vec![tx.clone()], vec![]).await.unwrap();
            }
            // Writing an entry again keeps its place.
            journal.write(vec![txs[3].clone()], vec![txs[0].hash()]).await.unwrap();
            journal.close().await;
        }
        let journal = Journal::start(&path).unwrap();
        // New entries go after the ones found on disk; forgetting works on found entries.
        journal.write(txs[40..].to_vec(), vec![txs[1].hash(), txs[39].hash()]).await.unwrap();
        let hashes = |txs: &[Transaction]| txs.iter().map(Transaction::hash).collect::<Vec<_>>();
        let expected = [&txs[2..39], &txs[40..]].concat();
        assert_eq!(hashes(&journal.load().unwrap()), hashes(&expected));
        journal.close().await;
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn a_hash_keyed_journal_of_an_older_build_is_carried_over() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("mempool.redb");
        let txs = transactions();
        {
            let db = Database::create(&path).unwrap();
            let txn = db.begin_write().unwrap();
            {
                let mut table = txn.open_table(HASH_KEYED_JOURNAL).unwrap();
                for tx in &txs {
                    let mut record = Vec::new();
                    tx.encode_record(&mut record);
                    table.insert(tx.hash().0, record.as_slice()).unwrap();
                }
            }
            txn.commit().unwrap();
        }
        let journal = Journal::start(&path).unwrap();
        let mut loaded: Vec<B256> = journal.load().unwrap().iter().map(Transaction::hash).collect();
        let mut expected: Vec<B256> = txs.iter().map(Transaction::hash).collect();
        loaded.sort();
        expected.sort();
        assert_eq!(loaded, expected);
        // The carried entries are indexed: forgetting one works.
        journal.forget_now(vec![txs[0].hash()]).unwrap();
        assert_eq!(journal.load().unwrap().len(), txs.len() - 1);
        journal.close().await;
        let db = Database::create(&path).unwrap();
        let txn = db.begin_read().unwrap();
        assert!(
            !txn.list_tables().unwrap().any(|t| t.name() == HASH_KEYED_JOURNAL.name()),
            "the old table is gone"
        );
    }
}
