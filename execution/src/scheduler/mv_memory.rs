//! The multi-version memory: for every key, the values written by each transaction of the
//! block (its latest incarnation), commutative native-token credits, or an ESTIMATE marker
//! left by an aborted incarnation. A read by transaction `i` sees the write of the highest
//! transaction below `i`, plus the credits above that write.
//!
//! Layout: keys are spread over `SHARDS` hash maps, each behind its own read-write lock on its
//! own cache lines; under a key, the versions are a short vector sorted by transaction (one
//! version, stored inline, is the common case). Reads copy the value out under the shard's
//! read lock: no allocation on the read path.

use alloy_primitives::{U256, map::DefaultHashBuilder};
use parking_lot::RwLock;
use std::collections::HashMap;

use super::{
    padded::Padded,
    state_key::{StateKey, StateValue},
    vm::TxWrites,
};
use crate::{AccountId, AccountState};

/// A version: (transaction index, incarnation).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Version {
    pub(super) txn: u32,
    pub(super) incarnation: u32,
}

#[derive(Debug, Clone)]
enum Entry {
    Written { incarnation: u32, value: StateValue },
    Estimate,
}

/// A credit of native tokens, or the marker of an aborted one.
#[derive(Debug, Clone, Copy)]
enum Credit {
    Amount(U256),
    Estimate,
}

/// The versions of one key: written values (one, stored inline, is the common case) and,
/// for accounts, credits — each sorted by transaction index. Credits are apart so that a
/// transaction that only credits a hot account finds the last written value by binary
/// search, however many credits there are.
#[derive(Debug, Default)]
struct Versions {
    written: Written,
    credits: Vec<(u32, Credit)>,
}

#[derive(Debug, Default)]
enum Written {
    #[default]
    None,
    One((u32, Entry)),
    Many(Vec<(u32, Entry)>),
}

impl Written {
    fn as_slice(&self) -> &[(u32, Entry)] {
        match self {
            Written::None => &[],
            Written::One(pair) => std::slice::from_ref(pair),
            Written::Many(list) => list,
        }
    }

    fn set(&mut self, txn: u32, entry: Entry) {
        match self {
            Written::None => *self = Written::One((txn, entry)),
            Written::One((t, e)) if *t == txn => *e = entry,
            Written::One(_) => {
                let Written::One(pair) = std::mem::take(self) else {
                    unreachable!("matched One above")
                };
                let mut list = Vec::with_capacity(4);
                list.push(pair);
                insert_sorted(&mut list, txn, entry);
                *self = Written::Many(list);
            }
            Written::Many(list) => insert_sorted(list, txn, entry),
        }
    }

    fn remove(&mut self, txn: u32) {
        match self {
            Written::One((t, _)) if *t == txn => *self = Written::None,
            Written::Many(list) => {
                if let Ok(i) = list.binary_search_by_key(&txn, |(t, _)| *t) {
                    list.remove(i);
                }
            }
            _ => {}
        }
    }

    fn get_mut(&mut self, txn: u32) -> Option<&mut Entry> {
        match self {
            Written::None => None,
            Written::One((t, e)) => (*t == txn).then_some(e),
            Written::Many(list) => {
                list.binary_search_by_key(&txn, |(t, _)| *t).ok().map(|i| &mut list[i].1)
            }
        }
    }

    /// The last entry below `txn`.
    fn below(&self, txn: u32) -> Option<&(u32, Entry)> {
        let list = self.as_slice();
        let end = list.partition_point(|(t, _)| *t < txn);
        end.checked_sub(1).map(|i| &list[i])
    }
}

impl Versions {
    fn is_empty(&self) -> bool {
        matches!(self.written, Written::None) && self.credits.is_empty()
    }

    fn remove(&mut self, txn: u32) {
        self.written.remove(txn);
        if let Ok(i) = self.credits.binary_search_by_key(&txn, |(t, _)| *t) {
            self.credits.remove(i);
        }
    }

    fn set_credit(&mut self, txn: u32, credit: Credit) {
        match self.credits.binary_search_by_key(&txn, |(t, _)| *t) {
            Ok(i) => self.credits[i].1 = credit,
            Err(i) => self.credits.insert(i, (txn, credit)),
        }
    }

    fn mark_estimate(&mut self, txn: u32) {
        if let Some(entry) = self.written.get_mut(txn) {
            *entry = Entry::Estimate;
        }
        if let Ok(i) = self.credits.binary_search_by_key(&txn, |(t, _)| *t) {
            self.credits[i].1 = Credit::Estimate;
        }
    }
}

fn insert_sorted(list: &mut Vec<(u32, Entry)>, txn: u32, entry: Entry) {
    match list.binary_search_by_key(&txn, |(t, _)| *t) {
        Ok(i) => list[i].1 = entry,
        Err(i) => list.insert(i, (txn, entry)),
    }
}

/// What a read found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum MvRead {
    /// Not written by any lower transaction: read the base state.
    Base,
    /// Written by a lower transaction at this version.
    Value(Version, StateValue),
    /// An account credited by lower transactions since its last write (`None`: since the
    /// base state): the balance is that account's plus `credits`.
    Credited { written: Option<Option<AccountState>>, credits: U256 },
    /// A lower transaction's write is being re-done: wait for it.
    Estimate(u32),
}

/// The final value of a key at the end of a block.
#[derive(Debug)]
pub(super) enum FinalValue<'a> {
    /// Last written by `writer`, then credited `credits` (accounts only).
    Written { writer: u32, value: &'a StateValue, credits: U256 },
    /// Never written in the block, only credited (accounts only).
    Credited { credits: U256 },
    /// Not final: the block is not finished.
    Estimate,
}

/// An account's record as a transaction that only credits it sees it: the last value
/// written below the reader, credits skipped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum MvAccountRead {
    Base,
    Value(Option<AccountState>),
    Estimate(u32),
}

const SHARDS: usize = 128;

type Shard = HashMap<StateKey, Versions, DefaultHashBuilder>;

/// Sharded multi-version map.
pub(super) struct MvMemory {
    shards: Box<[Padded<RwLock<Shard>>]>,
}

impl std::fmt::Debug for MvMemory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MvMemory").field("shards", &self.shards.len()).finish_non_exhaustive()
    }
}

impl MvMemory {
    /// Memory for a block expected to write about `keys` keys.
    pub(super) fn new(keys: usize) -> Self {
        let per_shard = keys / SHARDS + 1;
        Self {
            shards: (0..SHARDS)
                .map(|_| {
                    Padded(RwLock::new(HashMap::with_capacity_and_hasher(
                        per_shard,
                        DefaultHashBuilder::default(),
                    )))
                })
                .collect(),
        }
    }

    /// Forgets every version, keeping the allocated capacity.
    pub(super) fn clear(&mut self) {
        for shard in self.shards.iter_mut() {
            shard.0.get_mut().clear();
        }
    }

    fn shard(&self, key: &StateKey) -> &RwLock<Shard> {
        let digest = key.owner_digest();
        &self.shards[((digest ^ (digest >> 29)) as usize) % SHARDS]
    }

    /// Number of shards (every key of one account is in one shard).
    pub(super) fn shard_count(&self) -> usize {
        self.shards.len()
    }

    /// Calls `f` with every key of shard `shard` and its final value: the last write and
    /// the credits after it. For a block whose every transaction is executed and valid.
    pub(super) fn for_each_final(
        &self,
        shard: usize,
        mut f: impl FnMut(&StateKey, FinalValue<'_>),
    ) {
        let shard = self.shards[shard].read();
        for (key, versions) in shard.iter() {
            let written = versions.written.as_slice().last();
            let from = written.map_or(0, |(writer, _)| *writer + 1);
            let mut credits = U256::ZERO;
            let mut estimate = false;
            for (creditor, credit) in &versions.credits {
                if *creditor >= from {
                    match credit {
                        Credit::Amount(amount) => credits = credits.saturating_add(*amount),
                        Credit::Estimate => estimate = true,
                    }
                }
            }
            let value = match written {
                _ if estimate => FinalValue::Estimate,
                Some((_, Entry::Estimate)) => FinalValue::Estimate,
                Some((writer, Entry::Written { value, .. })) => {
                    FinalValue::Written { writer: *writer, value, credits }
                }
                None => FinalValue::Credited { credits },
            };
            f(key, value);
        }
    }

    /// Empties shard `shard`, keeping its capacity.
    pub(super) fn clear_shard(&self, shard: usize) {
        self.shards[shard].write().clear();
    }

    /// Records the writes of incarnation `incarnation` of `txn` and removes the keys its
    /// previous incarnation wrote (`previous`) but this one did not. Fills `keys` with the
    /// keys written now (credits under their account key). Returns whether it wrote a key the
    /// previous incarnation did not (then higher transactions must be re-validated).
    pub(super) fn record(
        &self,
        txn: u32,
        incarnation: u32,
        writes: &TxWrites,
        previous: &[StateKey],
        keys: &mut Vec<StateKey>,
    ) -> bool {
        keys.clear();
        for (key, value) in &writes.values {
            let entry = Entry::Written { incarnation, value: value.clone() };
            self.shard(key).write().entry(*key).or_default().written.set(txn, entry);
            keys.push(*key);
        }
        for (address, amount) in &writes.credits {
            let key = StateKey::Account(*address);
            self.shard(&key)
                .write()
                .entry(key)
                .or_default()
                .set_credit(txn, Credit::Amount(*amount));
            keys.push(key);
        }
        let wrote_new = keys.iter().any(|key| !previous.contains(key));
        for key in previous {
            if !keys.contains(key) {
                let mut shard = self.shard(key).write();
                if let Some(versions) = shard.get_mut(key) {
                    versions.remove(txn);
                    if versions.is_empty() {
                        shard.remove(key);
                    }
                }
            }
        }
        wrote_new
    }

    /// Marks the writes of `txn` under `keys` as ESTIMATEs (its incarnation was aborted).
    pub(super) fn mark_estimates(&self, txn: u32, keys: &[StateKey]) {
        for key in keys {
            if let Some(versions) = self.shard(key).write().get_mut(key) {
                versions.mark_estimate(txn);
            }
        }
    }

    /// The value of `key` as transaction `txn` must see it.
    pub(super) fn read(&self, key: &StateKey, txn: u32) -> MvRead {
        let shard = self.shard(key).read();
        let Some(versions) = shard.get(key) else { return MvRead::Base };
        let written = versions.written.below(txn);
        if !versions.credits.is_empty() {
            // Credits between the last write and the reader.
            let from = written.map_or(0, |(writer, _)| *writer + 1);
            let start = versions.credits.partition_point(|(t, _)| *t < from);
            let mut credits = U256::ZERO;
            let mut any = false;
            for (creditor, credit) in &versions.credits[start..] {
                if *creditor >= txn {
                    break;
                }
                match credit {
                    Credit::Estimate => return MvRead::Estimate(*creditor),
                    Credit::Amount(amount) => {
                        credits = credits.saturating_add(*amount);
                        any = true;
                    }
                }
            }
            if any {
                return match written {
                    None => MvRead::Credited { written: None, credits },
                    Some((writer, Entry::Estimate)) => MvRead::Estimate(*writer),
                    Some((_, Entry::Written { value: StateValue::Account(account), .. })) => {
                        MvRead::Credited { written: Some(*account), credits }
                    }
                    Some((writer, Entry::Written { incarnation, value })) => MvRead::Value(
                        Version { txn: *writer, incarnation: *incarnation },
                        value.clone(),
                    ),
                };
            }
        }
        match written {
            None => MvRead::Base,
            Some((writer, Entry::Estimate)) => MvRead::Estimate(*writer),
            Some((writer, Entry::Written { incarnation, value })) => {
                MvRead::Value(Version { txn: *writer, incarnation: *incarnation }, value.clone())
            }
        }
    }

    /// Whether `key` as transaction `txn` sees it comes from the base state (`None`) or from
    /// exactly `version` (`Some`) — validation without copying the value out. `None` as the
    /// answer means neither holds (another version, credits, or an ESTIMATE).
    pub(super) fn is_from(&self, key: &StateKey, txn: u32, version: Option<Version>) -> bool {
        let shard = self.shard(key).read();
        let Some(versions) = shard.get(key) else { return version.is_none() };
        let written = versions.written.below(txn);
        if !versions.credits.is_empty() {
            let from = written.map_or(0, |(writer, _)| *writer + 1);
            let start = versions.credits.partition_point(|(t, _)| *t < from);
            if versions.credits.get(start).is_some_and(|(t, _)| *t < txn) {
                return false;
            }
        }
        match (written, version) {
            (None, None) => true,
            (Some((writer, Entry::Written { incarnation, .. })), Some(v)) => {
                v.txn == *writer && v.incarnation == *incarnation
            }
            _ => false,
        }
    }

    /// The record of account `id` as a transaction `txn` that only credits it sees it:
    /// credits skipped (they do not change whether it has code; an aborted one is redone as
    /// a credit unless a write below it gave the account code).
    pub(super) fn read_account_skipping_credits(&self, id: AccountId, txn: u32) -> MvAccountRead {
        let key = StateKey::Account(id);
        let shard = self.shard(&key).read();
        let Some(versions) = shard.get(&key) else { return MvAccountRead::Base };
        match versions.written.below(txn) {
            None => MvAccountRead::Base,
            Some((writer, Entry::Estimate)) => MvAccountRead::Estimate(*writer),
            Some((_, Entry::Written { value: StateValue::Account(account), .. })) => {
                MvAccountRead::Value(*account)
            }
            // Never written under an account key.
            Some(_) => MvAccountRead::Base,
        }
    }
}

#[cfg(test)]
mod tests {
    use alloy_primitives::Address;

    use super::*;

    fn storage(v: u64) -> StateValue {
        StateValue::Storage(U256::from(v))
    }

    #[test]
    fn reads_see_the_highest_lower_write() {
        let mv = MvMemory::new(4);
        let key = StateKey::Storage(Address::ZERO, U256::ZERO);
        let write = |v| TxWrites { values: vec![(key, storage(v))], ..Default::default() };
        let mut keys = Vec::new();
        assert!(mv.record(2, 0, &write(20), &[], &mut keys));
        assert!(mv.record(5, 0, &write(50), &[], &mut keys));
        assert_eq!(mv.read(&key, 2), MvRead::Base);
        assert_eq!(
            mv.read(&key, 3),
            MvRead::Value(Version { txn: 2, incarnation: 0 }, storage(20))
        );
        assert_eq!(
            mv.read(&key, 9),
            MvRead::Value(Version { txn: 5, incarnation: 0 }, storage(50))
        );
        mv.mark_estimates(5, &[key]);
        assert_eq!(mv.read(&key, 9), MvRead::Estimate(5));
        // Incarnation 1 of 5 writes nothing: its key is gone.
        assert!(!mv.record(5, 1, &TxWrites::default(), &[key], &mut keys));
        assert_eq!(
            mv.read(&key, 9),
            MvRead::Value(Version { txn: 2, incarnation: 0 }, storage(20))
        );
    }

    #[test]
    fn credits_accumulate_over_the_last_write() {
        let mv = MvMemory::new(4);
        let address = AccountId::from(Address::repeat_byte(1));
        let key = StateKey::Account(address);
        let mut keys = Vec::new();
        let credit =
            |a: u64| TxWrites { credits: vec![(address, U256::from(a))], ..Default::default() };
        mv.record(1, 0, &credit(3), &[], &mut keys);
        mv.record(4, 0, &credit(4), &[], &mut keys);
        assert_eq!(mv.read(&key, 5), MvRead::Credited { written: None, credits: U256::from(7) });
        let account = AccountState { balance: U256::from(100), ..Default::default() };
        let set = TxWrites {
            values: vec![(key, StateValue::Account(Some(account)))],
            ..Default::default()
        };
        mv.record(2, 0, &set, &[], &mut keys);
        assert_eq!(
            mv.read(&key, 5),
            MvRead::Credited { written: Some(Some(account)), credits: U256::from(4) }
        );
        assert_eq!(
            mv.read_account_skipping_credits(address, 5),
            MvAccountRead::Value(Some(account))
        );
        assert_eq!(mv.read_account_skipping_credits(address, 2), MvAccountRead::Base);
    }
}
