//! The mempool journal: every admitted transaction is written to disk before its hash is
//! returned, so an acknowledged transaction survives `kill -9`.
//!
//! Writes are group-committed: a dedicated thread takes every request waiting in its queue,
//! appends them to the journal log in one write and one `fdatasync`, then acknowledges them
//! all (see `log_file` for the file).
//!
//! The journal is its own file (`mempool.journal`), so its fsyncs never wait for a block
//! being sealed and sealing never waits for them. Included transactions are forgotten after
//! their block is durable; if the node dies in between, the entry is stale at the next start
//! (its nonce is below the payer's, or it is in the chain) and is deleted then. So an
//! acknowledged transaction is always in a block or in the journal.
//!
//! Entries are kind-tagged records of every engine (`Transaction::encode_record`), with what
//! admission verified (the EVM sender), so a restart verifies no signature again. Earlier
//! builds kept the journal in redb (`mempool.redb`); its entries are carried over when the
//! journal opens (see `legacy`).

mod legacy;
mod live_entries;
mod log_file;

use std::{path::PathBuf, sync::Arc, thread};

use alloy_primitives::B256;
use execution::Transaction;
use prometheus_client::metrics::counter::Counter;
use tokio::sync::oneshot;

pub use legacy::LEGACY_JOURNAL_FILE;
use log_file::JournalLog;

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
    /// Reading or writing the journal file failed.
    #[error("mempool journal {}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The error.
        source: Arc<std::io::Error>,
    },
    /// The redb journal of an earlier build could not be read.
    #[error("mempool journal of an earlier build: {0}")]
    Database(Arc<redb::Error>),
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
    /// Opens (creating if missing) the journal file at `path`, carries over the entries of an
    /// earlier build's redb journal ([`LEGACY_JOURNAL_FILE`] in the same directory), and
    /// starts the writer thread.
    pub fn start(path: &std::path::Path) -> Result<Self, JournalError> {
        Self::start_counting(path, Counter::default())
    }

    /// [`start`](Self::start), counting each durable group commit of writes in `commits`.
    pub fn start_counting(path: &std::path::Path, commits: Counter) -> Result<Self, JournalError> {
        let open_error = |reason: String| JournalError::Open { path: path.to_path_buf(), reason };
        let mut log = JournalLog::open(path)?;
        legacy::carry_over(&path.with_file_name(LEGACY_JOURNAL_FILE), &mut log)?;
        let (queue, rx) = std::sync::mpsc::channel::<Command>();
        thread::Builder::new()
            .name("mempool-journal".into())
            .spawn(move || writer_loop(log, rx, commits))
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

/// Commits `batch` in one durable write and answers each request.
fn flush(log: &mut JournalLog, batch: &mut Vec<Request>, commits: &Counter) {
    if batch.is_empty() {
        return;
    }
    let result = log.apply(batch.iter().map(|r| (&r.put[..], &r.delete[..])));
    commits.inc();
    if let Err(e) = &result {
        tracing::error!(error = %e, "mempool journal write failed");
    }
    for request in batch.drain(..) {
        let _ = request.done.send(result.clone());
    }
}

fn writer_loop(mut log: JournalLog, rx: std::sync::mpsc::Receiver<Command>, commits: Counter) {
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
                flush(&mut log, &mut batch, &commits);
            }
            Command::Load(reply) => {
                flush(&mut log, &mut batch, &commits);
                let _ = reply.send(Ok(log.transactions()));
            }
            Command::Forget(delete, reply) => {
                flush(&mut log, &mut batch, &commits);
                let _ = reply.send(log.apply(std::iter::once((&[][..], &delete[..]))));
            }
            Command::Close(done) => {
                flush(&mut log, &mut batch, &commits);
                drop(log);
                let _ = done.send(());
                return;
            }
        }
        next = rx.recv().ok();
    }
    flush(&mut log, &mut batch, &commits);
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
        let path = dir.path().join("mempool.journal");
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
        let path = dir.path().join("mempool.journal");
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
        let expected = [&txs[2..39], &txs[40..]].concat();
        assert_eq!(hashes(&journal.load().unwrap()), hashes(&expected));
        journal.close().await;
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn a_redb_journal_of_an_older_build_is_carried_over_and_removed() {
        let dir = tempfile::tempdir().unwrap();
        let legacy = dir.path().join(LEGACY_JOURNAL_FILE);
        let path = dir.path().join("mempool.journal");
        let txs = transactions();
        {
            let db = redb::Database::create(&legacy).unwrap();
            let txn = db.begin_write().unwrap();
            {
                // Half in the admission-ordered layout, half in the hash-keyed one.
                let mut by_seq = txn.open_table(legacy::SEQ_KEYED).unwrap();
                for (seq, tx) in txs[..32].iter().enumerate() {
                    let mut value = tx.hash().to_vec();
                    tx.encode_record(&mut value);
                    by_seq.insert(seq as u64, value.as_slice()).unwrap();
                }
                let mut by_hash = txn.open_table(legacy::HASH_KEYED).unwrap();
                for tx in &txs[32..] {
                    let mut record = Vec::new();
                    tx.encode_record(&mut record);
                    by_hash.insert(tx.hash().0, record.as_slice()).unwrap();
                }
            }
            txn.commit().unwrap();
        }
        let journal = Journal::start(&path).unwrap();
        let loaded: Vec<B256> = journal.load().unwrap().iter().map(Transaction::hash).collect();
        // Admission order first, then the hash-keyed entries in hash order.
        let mut expected: Vec<B256> = txs[..32].iter().map(Transaction::hash).collect();
        let mut hash_keyed: Vec<B256> = txs[32..].iter().map(Transaction::hash).collect();
        hash_keyed.sort();
        expected.extend(hash_keyed);
        assert_eq!(loaded, expected);
        assert!(!legacy.exists(), "the old file is removed once carried over");
        // The carried entries are live: forgetting one works, and they survive a reopen.
        journal.forget_now(vec![txs[0].hash()]).unwrap();
        journal.close().await;
        assert_eq!(reopened(&path).await.len(), txs.len() - 1);
    }

    /// Opens the journal at `path`, writes `txs` as one group, closes it; the file's size.
    async fn write_group(path: &std::path::Path, txs: &[Transaction]) -> u64 {
        let journal = Journal::start(path).unwrap();
        journal.write(txs.to_vec(), vec![]).await.unwrap();
        journal.close().await;
        std::fs::metadata(path).unwrap().len()
    }

    fn hashes(txs: &[Transaction]) -> Vec<B256> {
        txs.iter().map(Transaction::hash).collect()
    }

    /// The hashes of the entries the journal at `path` holds, in admission order, read by
    /// opening it afresh (and closing it again).
    async fn reopened(path: &std::path::Path) -> Vec<B256> {
        let journal = Journal::start(path).unwrap();
        let loaded = hashes(&journal.load().unwrap());
        journal.close().await;
        loaded
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn a_torn_last_write_is_cut_and_the_acknowledged_ones_stay() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("mempool.journal");
        let txs = transactions();
        write_group(&path, &txs[..10]).await;
        let acknowledged = write_group(&path, &txs[10..11]).await;
        // A crash in the middle of the next group's write: part of it reached the disk.
        let full = write_group(&path, &txs[11..13]).await;
        let file = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
        file.set_len(acknowledged + (full - acknowledged) / 3).unwrap();
        drop(file);

        let journal = Journal::start(&path).unwrap();
        assert_eq!(hashes(&journal.load().unwrap()), hashes(&txs[..11]));
        assert_eq!(std::fs::metadata(&path).unwrap().len(), acknowledged, "cut at the tear");
        // What is written next follows the last whole record, and is read back.
        journal.write(vec![txs[20].clone()], vec![txs[0].hash()]).await.unwrap();
        journal.close().await;
        assert_eq!(reopened(&path).await, hashes(&[&txs[1..11], &txs[20..21]].concat()));
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn a_replacement_torn_anywhere_keeps_the_acknowledged_transaction_or_its_successor() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("mempool.journal");
        let txs = transactions();
        let (old, new) = (&txs[0], &txs[1]);
        let acknowledged = write_group(&path, std::slice::from_ref(old)).await;
        // The replacement: the new transaction put, the one it replaces forgotten.
        let journal = Journal::start(&path).unwrap();
        journal.write(vec![new.clone()], vec![old.hash()]).await.unwrap();
        journal.close().await;
        let bytes = std::fs::read(&path).unwrap();
        assert_eq!(reopened(&path).await, hashes(std::slice::from_ref(new)));
        // A crash may cut that write anywhere: the old transaction was acknowledged, so it
        // or the one meant to replace it must come back.
        for cut in acknowledged..bytes.len() as u64 {
            std::fs::write(&path, &bytes[..cut as usize]).unwrap();
            let live = reopened(&path).await;
            assert!(
                live.contains(&old.hash()) || live.contains(&new.hash()),
                "cut at {cut} of {}: neither transaction is live",
                bytes.len()
            );
        }
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn a_damaged_record_ends_the_replay_there() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("mempool.journal");
        let txs = transactions();
        let kept = write_group(&path, &txs[..3]).await;
        write_group(&path, &txs[3..6]).await;
        // One flipped bit in the second group's first record fails its checksum.
        let mut bytes = std::fs::read(&path).unwrap();
        bytes[kept as usize + 20] ^= 1;
        std::fs::write(&path, &bytes).unwrap();
        assert_eq!(reopened(&path).await, hashes(&txs[..3]));
        assert_eq!(std::fs::metadata(&path).unwrap().len(), kept);
    }

    #[test]
    fn a_file_that_is_not_a_journal_is_refused_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("mempool.journal");
        std::fs::write(&path, b"not a journal at all").unwrap();
        let err = Journal::start(&path).unwrap_err();
        assert!(matches!(err, JournalError::Open { .. }), "{err}");
        assert!(err.to_string().contains("not a Manifold mempool journal"), "{err}");
        assert_eq!(std::fs::read(&path).unwrap(), b"not a journal at all");
    }
}
