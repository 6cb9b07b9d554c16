//! `ProgressStore`: the rollup's progress beside the chain — which blocks the batcher posted
//! and where they landed on DA, and how far a follower has read DA — in the node database, so
//! that it survives restarts and a follower's cursor commits with the block it derived.

use alloy_primitives::B256;
use redb::{ReadableDatabase, TableDefinition, WriteTransaction};

use super::Store;
use crate::ExecutionError;

/// Block number → DA height (u64 BE) ‖ blob commitment.
pub(crate) const DA_INCLUSIONS: TableDefinition<'_, u64, [u8; 40]> =
    TableDefinition::new("da_inclusions");
/// Batcher progress: `"safe"` → the last block posted.
pub(crate) const BATCHER_STATE: TableDefinition<'_, &str, u64> =
    TableDefinition::new("batcher_state");
/// Follower progress: `"next_da_height"` → the first DA height not yet fully read.
pub(crate) const FOLLOWER_STATE: TableDefinition<'_, &str, u64> =
    TableDefinition::new("follower_state");

/// `BATCHER_STATE` key of the last block posted.
pub(crate) const SAFE_KEY: &str = "safe";
const CURSOR_KEY: &str = "next_da_height";

/// Where a batch landed on DA.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DaInclusion {
    /// The DA height.
    pub height: u64,
    /// The backend's commitment to the blob.
    pub commitment: B256,
}

/// The batcher's and the follower's progress, kept with the chain.
pub trait ProgressStore {
    /// The last block posted to DA (0 when none: genesis is never posted, followers build it
    /// from the same genesis config).
    fn posted_head(&self) -> Result<u64, ExecutionError>;
    /// Where block `number` landed on DA, if it was posted.
    fn da_inclusion(&self, number: u64) -> Result<Option<DaInclusion>, ExecutionError>;
    /// Records, durably, that `blocks` (consecutive, ascending) were posted in a batch that
    /// landed at `inclusion`; the last of them becomes the posted head.
    fn record_posted(&self, blocks: &[u64], inclusion: DaInclusion) -> Result<(), ExecutionError>;
    /// A follower's DA cursor, if it ever saved one.
    fn follower_cursor(&self) -> Result<Option<u64>, ExecutionError>;
    /// Saves a follower's DA cursor in a durable commit (which makes every block sealed
    /// non-durably before it durable too).
    fn save_follower_cursor(&self, next_da_height: u64) -> Result<(), ExecutionError>;
}

impl ProgressStore for Store {
    fn posted_head(&self) -> Result<u64, ExecutionError> {
        let txn = self.db.begin_read()?;
        let table = txn.open_table(BATCHER_STATE)?;
        Ok(table.get(SAFE_KEY)?.map(|v| v.value()).unwrap_or(0))
    }

    fn da_inclusion(&self, number: u64) -> Result<Option<DaInclusion>, ExecutionError> {
        let txn = self.db.begin_read()?;
        let table = txn.open_table(DA_INCLUSIONS)?;
        Ok(table.get(number)?.map(|v| {
            let raw = v.value();
            let mut height = [0u8; 8];
            height.copy_from_slice(&raw[..8]);
            DaInclusion {
                height: u64::from_be_bytes(height),
                commitment: B256::from_slice(&raw[8..]),
            }
        }))
    }

    fn record_posted(&self, blocks: &[u64], inclusion: DaInclusion) -> Result<(), ExecutionError> {
        let txn = self.db.begin_write()?;
        {
            let mut inclusions = txn.open_table(DA_INCLUSIONS)?;
            let mut value = [0u8; 40];
            value[..8].copy_from_slice(&inclusion.height.to_be_bytes());
            value[8..].copy_from_slice(inclusion.commitment.as_slice());
            for number in blocks {
                inclusions.insert(number, value)?;
            }
            if let Some(last) = blocks.last() {
                txn.open_table(BATCHER_STATE)?.insert(SAFE_KEY, last)?;
            }
        }
        txn.commit()?;
        Ok(())
    }

    fn follower_cursor(&self) -> Result<Option<u64>, ExecutionError> {
        let txn = self.db.begin_read()?;
        let table = txn.open_table(FOLLOWER_STATE)?;
        Ok(table.get(CURSOR_KEY)?.map(|v| v.value()))
    }

    fn save_follower_cursor(&self, next_da_height: u64) -> Result<(), ExecutionError> {
        let txn = self.db.begin_write()?;
        write_follower_cursor(&txn, next_da_height)?;
        txn.commit()?;
        Ok(())
    }
}

/// Writes the follower's cursor inside an open write transaction (a block's seal).
pub(crate) fn write_follower_cursor(
    txn: &WriteTransaction,
    next_da_height: u64,
) -> Result<(), ExecutionError> {
    txn.open_table(FOLLOWER_STATE)?.insert(CURSOR_KEY, next_da_height)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_round_trips_and_starts_empty() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path().join("db")).unwrap();
        assert_eq!(store.posted_head().unwrap(), 0);
        assert_eq!(store.follower_cursor().unwrap(), None);
        assert_eq!(store.da_inclusion(1).unwrap(), None);
        let inclusion = DaInclusion { height: 9, commitment: B256::repeat_byte(4) };
        store.record_posted(&[1, 2, 3], inclusion).unwrap();
        assert_eq!(store.posted_head().unwrap(), 3);
        assert_eq!(store.da_inclusion(2).unwrap(), Some(inclusion));
        store.save_follower_cursor(7).unwrap();
        store.save_follower_cursor(3).unwrap();
        assert_eq!(store.follower_cursor().unwrap(), Some(3));
    }
}
