//! The journals of earlier builds, kept in a redb file (`mempool.redb`): their pending
//! transactions are carried into the journal log when it opens, then the file is removed.
//!
//! Three layouts were written: keyed by admission order (`mempool_journal_v3`: hash ‖
//! record), keyed by hash (`mempool_journal_v2`: record) and, before engines, keyed by hash
//! with EVM-only records (`mempool_journal`). Entries of the first come in admission order;
//! those of the others, whose order is not known, in hash order after them.

use std::{path::Path, sync::Arc};

use execution::Transaction;
use redb::{Database, ReadableDatabase, ReadableTable, TableDefinition, TableHandle};

use super::{JournalError, log_file::JournalLog};

/// The file name of the redb journal of earlier builds, in the data directory.
pub const LEGACY_JOURNAL_FILE: &str = "mempool.redb";

/// Admission sequence number → transaction hash ‖ record.
pub(super) const SEQ_KEYED: TableDefinition<'_, u64, &[u8]> =
    TableDefinition::new("mempool_journal_v3");
/// Hash → record.
pub(super) const HASH_KEYED: TableDefinition<'_, [u8; 32], &[u8]> =
    TableDefinition::new("mempool_journal_v2");
/// Hash → record of builds before engines (`Transaction::decode_v1_record`).
pub(super) const PRE_ENGINES: TableDefinition<'_, [u8; 32], &[u8]> =
    TableDefinition::new("mempool_journal");

fn db_error(e: impl Into<redb::Error>) -> JournalError {
    JournalError::Database(Arc::new(e.into()))
}

/// Every readable transaction of the redb journal at `path`; an unreadable entry is skipped
/// with a warning.
fn read(path: &Path) -> Result<Vec<Transaction>, JournalError> {
    let db = Database::open(path)
        .map_err(|e| JournalError::Open { path: path.to_path_buf(), reason: e.to_string() })?;
    let txn = db.begin_read().map_err(db_error)?;
    let names: Vec<String> =
        txn.list_tables().map_err(db_error)?.map(|t| t.name().to_string()).collect();
    let has = |table: &str| names.iter().any(|name| name == table);
    let mut out = Vec::new();
    let mut keep = |decoded: Result<Transaction, execution::TxError>, table: &str| match decoded {
        Ok(tx) => out.push(tx),
        Err(error) => tracing::warn!(table, %error, "unreadable old journal entry skipped"),
    };
    if has(SEQ_KEYED.name()) {
        for entry in txn.open_table(SEQ_KEYED).map_err(db_error)?.iter().map_err(db_error)? {
            let (_, value) = entry.map_err(db_error)?;
            match value.value().get(32..) {
                Some(record) => keep(Transaction::decode_record(record), SEQ_KEYED.name()),
                None => tracing::warn!("unreadable old journal entry skipped"),
            }
        }
    }
    if has(HASH_KEYED.name()) {
        for entry in txn.open_table(HASH_KEYED).map_err(db_error)?.iter().map_err(db_error)? {
            let (_, value) = entry.map_err(db_error)?;
            keep(Transaction::decode_record(value.value()), HASH_KEYED.name());
        }
    }
    if has(PRE_ENGINES.name()) {
        for entry in txn.open_table(PRE_ENGINES).map_err(db_error)?.iter().map_err(db_error)? {
            let (_, value) = entry.map_err(db_error)?;
            keep(Transaction::decode_v1_record(value.value()), PRE_ENGINES.name());
        }
    }
    Ok(out)
}

/// Carries the transactions of the redb journal at `path`, if there is one, into `log`
/// (durably), then removes the file. A crash in between carries them again at the next
/// start, where they land on their own entries.
pub(super) fn carry_over(path: &Path, log: &mut JournalLog) -> Result<(), JournalError> {
    if !path.exists() {
        return Ok(());
    }
    let txs = read(path)?;
    log.apply(std::iter::once((&txs[..], &[][..])))?;
    std::fs::remove_file(path)
        .map_err(|e| JournalError::Io { path: path.to_path_buf(), source: Arc::new(e) })?;
    tracing::info!(
        from = %path.display(),
        transactions = txs.len(),
        "mempool journal of an earlier build carried over"
    );
    Ok(())
}
