//! The mempool journal: every admitted transaction is written to redb before its hash is
//! returned, so an acknowledged transaction survives `kill -9`.
//!
//! Writes are group-committed: a dedicated thread takes every request waiting in its queue,
//! writes them in one durable transaction (one fsync), then acknowledges them all.
//!
//! The journal is its own redb file (`mempool.redb`), so its fsyncs never wait for a block
//! being sealed and sealing never waits for them. Included transactions are forgotten after
//! their block is durable; if the node dies in between, the entry is stale at the next start
//! (its nonce is below the sender's) and is dropped then. So an acknowledged transaction is
//! always in a block or in the journal.

use std::{sync::Arc, thread};

use alloy_primitives::{Address, B256, Bytes};
use execution::RecoveredTx;
use redb::{Database, ReadableDatabase, ReadableTable, TableDefinition};
use tokio::sync::oneshot;

/// Journal table: transaction hash → sender ‖ EIP-2718 bytes.
const JOURNAL: TableDefinition<'_, [u8; 32], &[u8]> = TableDefinition::new("mempool_journal");

struct Request {
    put: Vec<RecoveredTx>,
    delete: Vec<B256>,
    done: oneshot::Sender<Result<(), String>>,
}

/// Handle to the journal writer thread.
#[derive(Debug, Clone)]
pub struct Journal {
    queue: std::sync::mpsc::Sender<RequestBox>,
    db: Arc<Database>,
}

struct RequestBox(Request);

impl std::fmt::Debug for RequestBox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("JournalRequest")
    }
}

impl Journal {
    /// Opens (creating if missing) the journal file at `path` and starts its writer thread.
    pub fn start(path: &std::path::Path) -> Result<Self, String> {
        let db = Arc::new(Database::create(path).map_err(|e| format!("{}: {e}", path.display()))?);
        let txn = db.begin_write().map_err(|e| e.to_string())?;
        txn.open_table(JOURNAL).map_err(|e| e.to_string())?;
        txn.commit().map_err(|e| e.to_string())?;
        let (queue, rx) = std::sync::mpsc::channel::<RequestBox>();
        let writer_db = db.clone();
        thread::Builder::new()
            .name("mempool-journal".into())
            .spawn(move || writer_loop(&writer_db, rx))
            .map_err(|e| e.to_string())?;
        Ok(Self { queue, db })
    }

    /// Durably records `put` and forgets `delete`; resolves once on disk.
    pub async fn write(&self, put: Vec<RecoveredTx>, delete: Vec<B256>) -> Result<(), String> {
        let (done, wait) = oneshot::channel();
        self.queue
            .send(RequestBox(Request { put, delete, done }))
            .map_err(|_| "journal writer stopped".to_string())?;
        wait.await.map_err(|_| "journal writer stopped".to_string())?
    }

    /// Every journaled transaction (read at start-up to refill the pool).
    pub fn load(&self) -> Result<Vec<RecoveredTx>, String> {
        let txn = self.db.begin_read().map_err(|e| e.to_string())?;
        let table = txn.open_table(JOURNAL).map_err(|e| e.to_string())?;
        let mut out = Vec::new();
        for entry in table.iter().map_err(|e| e.to_string())? {
            let (_, value) = entry.map_err(|e| e.to_string())?;
            let value = value.value();
            if value.len() < 20 {
                continue;
            }
            let sender = Address::from_slice(&value[..20]);
            let raw = Bytes::copy_from_slice(&value[20..]);
            // The sender was recovered at admission; decode without recovering again.
            if let Ok(tx) = RecoveredTx::decode_with_sender(&raw, sender) {
                out.push(tx);
            }
        }
        Ok(out)
    }
}

fn writer_loop(db: &Database, rx: std::sync::mpsc::Receiver<RequestBox>) {
    while let Ok(first) = rx.recv() {
        let mut batch = vec![first.0];
        while let Ok(more) = rx.try_recv() {
            batch.push(more.0);
            if batch.len() >= 4096 {
                break;
            }
        }
        let result = write_batch(db, &batch).map_err(|e| e.to_string());
        if let Err(e) = &result {
            tracing::error!(error = %e, "mempool journal write failed");
        }
        for request in batch {
            let _ = request.done.send(result.clone());
        }
    }
}

fn write_batch(db: &Database, batch: &[Request]) -> Result<(), redb::Error> {
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
                value.extend_from_slice(tx.sender.as_slice());
                value.extend_from_slice(&tx.encoded);
                table.insert(tx.hash.0, value.as_slice())?;
            }
        }
    }
    txn.commit()?;
    Ok(())
}
