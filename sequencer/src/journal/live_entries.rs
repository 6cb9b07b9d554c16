//! The journal's live entries: what replaying the file, or applying a write to it, leaves —
//! one rule for both, so the file read back is the state the writer held.

use std::collections::HashMap;

use alloy_primitives::B256;

/// Bytes of a record's frame in the file (length and checksum).
pub(super) const FRAME: usize = 8;

/// A journaled transaction: its place in admission order and its record.
#[derive(Debug)]
pub(super) struct Entry {
    /// Admission order.
    pub(super) seq: u64,
    /// `Transaction::encode_record`.
    pub(super) record: Vec<u8>,
}

/// The live entries by transaction hash.
#[derive(Debug, Default)]
pub(super) struct LiveEntries {
    entries: HashMap<B256, Entry>,
    /// Sequence number of the next new entry.
    next: u64,
    /// Bytes the entries would take in a freshly written file.
    bytes: u64,
}

/// Bytes a put of `record` takes in the file: frame, tag, hash, record.
fn put_bytes(record: &[u8]) -> u64 {
    (FRAME + 1 + 32 + record.len()) as u64
}

impl LiveEntries {
    /// Records a put of `hash`: a new entry goes last; one written again keeps its place.
    pub(super) fn put(&mut self, hash: B256, record: Vec<u8>) {
        self.bytes += put_bytes(&record);
        match self.entries.get_mut(&hash) {
            Some(entry) => {
                self.bytes -= put_bytes(&entry.record);
                entry.record = record;
            }
            None => {
                self.entries.insert(hash, Entry { seq: self.next, record });
                self.next += 1;
            }
        }
    }

    /// Records a forget of `hash` (nothing if it is not live).
    pub(super) fn forget(&mut self, hash: &B256) {
        if let Some(entry) = self.entries.remove(hash) {
            self.bytes -= put_bytes(&entry.record);
        }
    }

    /// Whether `hash` is live.
    pub(super) fn contains(&self, hash: &B256) -> bool {
        self.entries.contains_key(hash)
    }

    /// Bytes the entries would take in a freshly written file.
    pub(super) fn bytes(&self) -> u64 {
        self.bytes
    }

    /// The entries in admission order.
    pub(super) fn in_order(&self) -> Vec<(&B256, &Entry)> {
        let mut entries: Vec<(&B256, &Entry)> = self.entries.iter().collect();
        entries.sort_unstable_by_key(|(_, e)| e.seq);
        entries
    }
}
