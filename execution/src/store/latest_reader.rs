//! `LatestReader`: one shared read snapshot of the latest committed state, reused by every
//! caller until the next commit.
//!
//! Opening a [`StoreReader`] begins a redb read transaction and opens every table it reads:
//! about twenty lookups in redb's table directory, measured at 7 % of the node's CPU under load
//! when the mempool opened one per submitted transaction. Callers that only need "the latest
//! state" share one instead. Commits that change state or chain (sealing, rewinding) call
//! [`LatestReader::invalidate`] before they return, so once a commit has returned, no caller is
//! handed a snapshot older than it. A snapshot taken while a commit runs may be older than
//! that commit, like a reader opened a moment earlier; it is never kept past the commit's
//! `invalidate`.

use std::sync::{
    Arc,
    atomic::{AtomicU64, Ordering},
};

use parking_lot::Mutex;

use super::StoreReader;
use crate::ExecutionError;

/// The cached snapshot and the commit generation it was opened in.
#[derive(Debug, Default)]
pub(super) struct LatestReader {
    /// Commits that changed state or chain so far.
    generation: AtomicU64,
    /// The shared snapshot, tagged with the generation read before it was opened.
    cached: Mutex<Option<(u64, Arc<StoreReader>)>>,
}

impl LatestReader {
    /// The shared snapshot, opening a new one with `open` when a commit happened since the
    /// cached one was opened.
    pub(super) fn get(
        &self,
        open: impl FnOnce() -> Result<StoreReader, ExecutionError>,
    ) -> Result<Arc<StoreReader>, ExecutionError> {
        // The generation is read before the snapshot is opened: a snapshot tagged `g` is at
        // least as new as every commit that finished before the generation became `g`.
        let generation = self.generation.load(Ordering::Acquire);
        if let Some((tagged, reader)) = self.cached.lock().as_ref()
            && *tagged == generation
        {
            return Ok(reader.clone());
        }
        let reader = Arc::new(open()?);
        let mut cached = self.cached.lock();
        if self.generation.load(Ordering::Acquire) == generation {
            *cached = Some((generation, reader.clone()));
        }
        Ok(reader)
    }

    /// Called after a commit that changed state or chain: later calls open a new snapshot,
    /// and the old one is released (it pins the pages that commit freed).
    pub(super) fn invalidate(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
        self.cached.lock().take();
    }
}

#[cfg(test)]
mod tests {
    use alloy_primitives::{Address, Bytes, U256};

    use crate::{
        AccountId, AccountState, BlockEnv, BlockOutcome, StateChanges, StateView, Store,
        state::AccountChange,
    };

    fn block(number: u64, balance: u64, parent_hash: alloy_primitives::B256) -> BlockOutcome {
        let mut changes = StateChanges::default();
        changes.accounts.insert(
            AccountId::from(Address::repeat_byte(7)),
            AccountChange {
                account: Some(AccountState { balance: U256::from(balance), ..Default::default() }),
                ..Default::default()
            },
        );
        BlockOutcome {
            env: BlockEnv {
                number,
                timestamp: number,
                parent_hash,
                gas_limit: 30_000_000,
                base_fee_per_gas: 1,
                beneficiary: Address::ZERO,
                prevrandao: Default::default(),
            },
            transactions: Vec::new(),
            changes,
            gas_used: 0,
            rejected: Vec::new(),
        }
    }

    fn balance(store: &Store) -> U256 {
        let reader = store.latest_reader().unwrap();
        reader.account(AccountId::from(Address::repeat_byte(7))).unwrap().unwrap().balance
    }

    #[test]
    fn the_shared_snapshot_is_reused_until_a_commit_and_never_older_than_one() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path().join("db")).unwrap();
        let genesis = store.seal_block(&block(0, 1, Default::default()), Bytes::new()).unwrap();
        let first = store.latest_reader().unwrap();
        assert!(
            std::sync::Arc::ptr_eq(&first, &store.latest_reader().unwrap()),
            "no commit in between: the same snapshot"
        );
        assert_eq!(balance(&store), U256::from(1));
        store.seal_block(&block(1, 2, genesis.hash), Bytes::new()).unwrap();
        assert_eq!(balance(&store), U256::from(2), "a sealed block is seen at once");
        assert!(!std::sync::Arc::ptr_eq(&first, &store.latest_reader().unwrap()));
        assert_eq!(
            first.account(AccountId::from(Address::repeat_byte(7))).unwrap().unwrap().balance,
            U256::from(1),
            "a snapshot handed out earlier stays what it was"
        );
        store.rewind(0).unwrap();
        assert_eq!(balance(&store), U256::from(1), "a rewind is seen at once");
    }
}
