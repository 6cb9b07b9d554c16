//! The multi-version memory: for every key, the values written by each transaction of the
//! block (its latest incarnation), or an ESTIMATE marker left by an aborted incarnation.
//! A read by transaction `i` sees the write of the highest transaction below `i`.

use std::{
    collections::{BTreeMap, HashMap},
    hash::BuildHasher,
};

use parking_lot::Mutex;

use super::state_key::{StateKey, StateValue};

/// A version: (transaction index, incarnation).
pub(super) type Version = (usize, usize);

#[derive(Debug, Clone)]
enum Entry {
    Written { incarnation: usize, value: StateValue },
    Estimate,
}

/// What a read found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum MvRead {
    /// Written by a lower transaction at this version.
    Value(Version, StateValue),
    /// Not written by any lower transaction: read the base state.
    Base,
    /// A lower transaction's write is being re-done: wait for it.
    Estimate(usize),
}

const SHARDS: usize = 64;

/// Sharded multi-version map.
#[derive(Debug)]
pub(super) struct MvMemory {
    shards: Vec<Mutex<HashMap<StateKey, BTreeMap<usize, Entry>>>>,
    hasher: std::collections::hash_map::RandomState,
    /// Keys each transaction wrote in its last incarnation.
    last_written: Vec<Mutex<Vec<StateKey>>>,
}

impl MvMemory {
    /// Memory for a block of `txs` transactions.
    pub(super) fn new(txs: usize) -> Self {
        Self {
            shards: (0..SHARDS).map(|_| Mutex::new(HashMap::new())).collect(),
            hasher: Default::default(),
            last_written: (0..txs).map(|_| Mutex::new(Vec::new())).collect(),
        }
    }

    fn shard(&self, key: &StateKey) -> &Mutex<HashMap<StateKey, BTreeMap<usize, Entry>>> {
        &self.shards[(self.hasher.hash_one(key) as usize) % SHARDS]
    }

    /// Records the writes of incarnation `incarnation` of `txn`, removing keys its previous
    /// incarnation wrote but this one did not. Returns whether it wrote a key the previous
    /// incarnation did not (then higher transactions must be re-validated).
    pub(super) fn record(
        &self,
        txn: usize,
        incarnation: usize,
        writes: Vec<(StateKey, StateValue)>,
    ) -> bool {
        let new_keys: Vec<StateKey> = writes.iter().map(|(k, _)| *k).collect();
        for (key, value) in writes {
            self.shard(&key)
                .lock()
                .entry(key)
                .or_default()
                .insert(txn, Entry::Written { incarnation, value });
        }
        let mut last = self.last_written[txn].lock();
        for key in last.iter() {
            if !new_keys.contains(key)
                && let Some(versions) = self.shard(key).lock().get_mut(key)
            {
                versions.remove(&txn);
            }
        }
        let wrote_new = new_keys.iter().any(|k| !last.contains(k));
        *last = new_keys;
        wrote_new
    }

    /// Marks every write of `txn` as an ESTIMATE (its incarnation was aborted).
    pub(super) fn convert_writes_to_estimates(&self, txn: usize) {
        for key in self.last_written[txn].lock().iter() {
            if let Some(versions) = self.shard(key).lock().get_mut(key) {
                versions.insert(txn, Entry::Estimate);
            }
        }
    }

    /// The value of `key` as transaction `txn` must see it.
    pub(super) fn read(&self, key: &StateKey, txn: usize) -> MvRead {
        let shard = self.shard(key).lock();
        let Some(versions) = shard.get(key) else { return MvRead::Base };
        match versions.range(..txn).next_back() {
            None => MvRead::Base,
            Some((writer, Entry::Estimate)) => MvRead::Estimate(*writer),
            Some((writer, Entry::Written { incarnation, value })) => {
                MvRead::Value((*writer, *incarnation), value.clone())
            }
        }
    }
}
