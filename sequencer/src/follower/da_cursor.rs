//! The follower's DA cursor: the first DA height it still has to read, kept in the node
//! database so a restarted follower resumes where it stopped.
//!
//! Resuming earlier than necessary is harmless — blocks the follower already has are
//! checked against its own and skipped — so the cursor is written with each derived block
//! (inside the block's own transaction) and now and then while reading empty heights.

use redb::{Database, ReadableDatabase, TableDefinition, WriteTransaction};

use crate::SequencerError;

/// Follower progress: `"next_da_height"` → the first DA height not yet fully read.
const FOLLOWER_STATE: TableDefinition<'_, &str, u64> = TableDefinition::new("follower_state");
const NEXT_KEY: &str = "next_da_height";

fn journal_err(e: impl std::fmt::Display) -> SequencerError {
    SequencerError::Journal(format!("follower cursor: {e}"))
}

/// The stored cursor, if the follower ever saved one.
pub(super) fn load(db: &Database) -> Result<Option<u64>, SequencerError> {
    let txn = db.begin_read().map_err(journal_err)?;
    let table = match txn.open_table(FOLLOWER_STATE) {
        Ok(table) => table,
        Err(redb::TableError::TableDoesNotExist(_)) => return Ok(None),
        Err(e) => return Err(journal_err(e)),
    };
    Ok(table.get(NEXT_KEY).map_err(journal_err)?.map(|v| v.value()))
}

/// Writes the cursor inside an open write transaction (a block's seal).
pub(super) fn write(txn: &WriteTransaction, next_da_height: u64) -> Result<(), redb::Error> {
    txn.open_table(FOLLOWER_STATE)?.insert(NEXT_KEY, next_da_height)?;
    Ok(())
}

/// Writes the cursor in a transaction of its own.
pub(super) fn save(db: &Database, next_da_height: u64) -> Result<(), SequencerError> {
    let txn = db.begin_write().map_err(journal_err)?;
    write(&txn, next_da_height).map_err(journal_err)?;
    txn.commit().map_err(journal_err)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_round_trips_and_is_absent_at_first() {
        let dir = tempfile::tempdir().unwrap();
        let db = Database::create(dir.path().join("db.redb")).unwrap();
        assert_eq!(load(&db).unwrap(), None);
        save(&db, 7).unwrap();
        assert_eq!(load(&db).unwrap(), Some(7));
        save(&db, 3).unwrap();
        assert_eq!(load(&db).unwrap(), Some(3));
    }
}
