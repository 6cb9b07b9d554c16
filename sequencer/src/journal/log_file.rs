//! The journal's file: an append-only log of framed records, replayed into the live entries
//! when it opens and rewritten with only those once it has grown well past them.
//!
//! Layout: the 8-byte [`MAGIC`], then records, each `length (u32 LE) ‖ CRC-32 of the payload
//! (u32 LE) ‖ payload`. A payload is either a put — [`PUT`] ‖ transaction hash ‖ its record
//! (`Transaction::encode_record`) — or a forget — [`FORGET`] ‖ the hashes it drops. A group
//! commit is one `write` of its records and one `fdatasync`, so a commit costs the bytes of
//! its transactions, not the pages of a B-tree.
//!
//! A crash can leave the last group half written: replay stops at the first record that is
//! incomplete or fails its checksum and cuts the file there. Nothing acknowledged is behind
//! that point — a group is acknowledged only after its `fdatasync`. The whole records of a
//! torn group before it are kept: their transactions were never acknowledged, and come back
//! into the pool as if admitted (forgets are kept too; they only drop what a block holds).

use std::{
    collections::HashSet,
    fs::{File, OpenOptions},
    io::{Read as _, Write as _},
    path::{Path, PathBuf},
    sync::Arc,
};

use alloy_primitives::B256;
use execution::Transaction;

use super::{
    JournalError,
    live_entries::{FRAME, LiveEntries},
};

/// The first bytes of a journal file.
pub(super) const MAGIC: &[u8; 8] = b"MNFJRNL1";
/// Payload tag of a put: hash ‖ record follow.
const PUT: u8 = 1;
/// Payload tag of a forget: hashes follow.
const FORGET: u8 = 2;
/// The file is rewritten once it is this large and holds four times the live entries' bytes.
const COMPACT_FROM: u64 = 8 << 20;

/// A change to the live entries, as written to the file.
enum Op {
    Put(B256, Vec<u8>),
    Forget(B256),
}

/// The open journal file and the live entries it holds.
#[derive(Debug)]
pub(super) struct JournalLog {
    path: PathBuf,
    file: File,
    /// Bytes in the file (every one of them replayed or written by this process).
    len: u64,
    live: LiveEntries,
    /// Size from which the file may be compacted ([`COMPACT_FROM`]; smaller in tests).
    compact_from: u64,
}

fn io_error(path: &Path) -> impl Fn(std::io::Error) -> JournalError + '_ {
    move |e| JournalError::Io { path: path.to_path_buf(), source: Arc::new(e) }
}

/// Appends one framed record with `payload` to `out`.
fn frame(payload: &[u8], out: &mut Vec<u8>) {
    out.extend_from_slice(&(payload.len() as u32).to_le_bytes());
    out.extend_from_slice(&crc32fast::hash(payload).to_le_bytes());
    out.extend_from_slice(payload);
}

/// Appends the put record of `hash` with `record` to `out`.
fn put_record(hash: &B256, record: &[u8], payload: &mut Vec<u8>, out: &mut Vec<u8>) {
    payload.clear();
    payload.push(PUT);
    payload.extend_from_slice(hash.as_slice());
    payload.extend_from_slice(record);
    frame(payload, out);
}

/// Syncs the directory holding `path`, so a created or renamed file stays after a crash.
fn sync_dir(path: &Path) -> std::io::Result<()> {
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    File::open(dir)?.sync_all()
}

/// What replaying a file's bytes found.
#[derive(Debug, Default)]
pub(super) struct Replay {
    /// The live entries the well-formed prefix leaves.
    live: LiveEntries,
    /// Bytes of the well-formed prefix (magic included); the rest is a torn tail.
    valid_len: usize,
}

/// Why a journal file cannot be replayed (a torn or damaged tail is not an error: it is cut).
#[derive(Debug, PartialEq, thiserror::Error)]
pub(super) enum ReplayError {
    /// The file does not start with [`MAGIC`].
    #[error("not a Manifold mempool journal (wrong magic)")]
    NotAJournal,
    /// A whole, checksummed record of a kind this build does not write.
    #[error(
        "the record at byte {offset} is of a kind this build does not know: the journal was \
         written by a newer manifold; upgrade this node"
    )]
    UnknownRecord {
        /// Where the record starts.
        offset: usize,
    },
}

/// Replays the records of `bytes` (a whole file).
pub(super) fn replay(bytes: &[u8]) -> Result<Replay, ReplayError> {
    if bytes.len() < MAGIC.len() || &bytes[..MAGIC.len()] != MAGIC {
        return Err(ReplayError::NotAJournal);
    }
    let mut out = Replay { valid_len: MAGIC.len(), ..Replay::default() };
    let mut at = MAGIC.len();
    while let Some(header) = bytes.get(at..at + FRAME) {
        let len = u32::from_le_bytes(header[..4].try_into().expect("4 bytes")) as usize;
        let crc = u32::from_le_bytes(header[4..].try_into().expect("4 bytes"));
        let Some(payload) = bytes.get(at + FRAME..).and_then(|rest| rest.get(..len)) else {
            break;
        };
        if crc32fast::hash(payload) != crc {
            break;
        }
        match payload.split_first() {
            Some((&PUT, rest)) if rest.len() >= 32 => {
                out.live.put(B256::from_slice(&rest[..32]), rest[32..].to_vec());
            }
            Some((&FORGET, hashes)) if hashes.len() % 32 == 0 => {
                for hash in hashes.chunks_exact(32) {
                    out.live.forget(&B256::from_slice(hash));
                }
            }
            // Whole and checksummed, but not a record this build writes: a newer build's.
            // Refused rather than cut off, which would drop what follows it.
            _ => return Err(ReplayError::UnknownRecord { offset: at }),
        }
        at += FRAME + len;
        out.valid_len = at;
    }
    Ok(out)
}

impl JournalLog {
    /// Opens (creating if missing) the journal file at `path` and replays it, cutting a torn
    /// tail left by a crash.
    pub(super) fn open(path: &Path) -> Result<Self, JournalError> {
        let err = io_error(path);
        let mut file =
            OpenOptions::new().read(true).append(true).create(true).open(path).map_err(&err)?;
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes).map_err(&err)?;
        // New, or its creation cut short by a crash before the magic was whole.
        if bytes.len() < MAGIC.len() && MAGIC.starts_with(&bytes) {
            file.set_len(0).map_err(&err)?;
            bytes.clear();
            file.write_all(MAGIC).map_err(&err)?;
            file.sync_all().map_err(&err)?;
            sync_dir(path).map_err(&err)?;
            bytes.extend_from_slice(MAGIC);
        }
        let replayed = replay(&bytes).map_err(|reason| JournalError::Open {
            path: path.to_path_buf(),
            reason: reason.to_string(),
        })?;
        if replayed.valid_len < bytes.len() {
            tracing::warn!(
                path = %path.display(),
                dropped_bytes = bytes.len() - replayed.valid_len,
                "mempool journal ends in a torn write (a crash mid-commit); cut there"
            );
            file.set_len(replayed.valid_len as u64).map_err(&err)?;
            file.sync_all().map_err(&err)?;
        }
        Ok(Self {
            path: path.to_path_buf(),
            file,
            len: replayed.valid_len as u64,
            live: replayed.live,
            compact_from: COMPACT_FROM,
        })
    }

    /// Every live entry's transaction, in admission order. Records were verified when
    /// admitted, so they are decoded without verifying a signature again.
    pub(super) fn transactions(&self) -> Vec<Transaction> {
        self.live
            .in_order()
            .into_iter()
            .filter_map(|(_, e)| match Transaction::decode_record(&e.record) {
                Ok(tx) => Some(tx),
                Err(error) => {
                    tracing::warn!(seq = e.seq, %error, "unreadable journal entry skipped");
                    None
                }
            })
            .collect()
    }

    /// Durably applies `changes` in one write and one `fdatasync`: per change, its puts go
    /// to disk before its forgets (a forget of a hash the same change puts is dropped: the
    /// put wins). A write torn by a crash keeps its whole records, so a replacement — the new
    /// transaction put, the one it replaces forgotten — comes back as both or as the old
    /// one, never as neither: the old one was acknowledged. On failure the file is cut back
    /// to where it was, and nothing changed.
    pub(super) fn apply<'a>(
        &mut self,
        changes: impl Iterator<Item = (&'a [Transaction], &'a [B256])>,
    ) -> Result<(), JournalError> {
        // The operations in the order they go to disk, applied to the live set once durable.
        let mut ops: Vec<Op> = Vec::new();
        let mut put_here: HashSet<B256> = HashSet::new();
        let mut buf = Vec::new();
        let mut payload = Vec::new();
        for (puts, forgets) in changes {
            for tx in puts {
                let hash = tx.hash();
                let mut record = Vec::new();
                tx.encode_record(&mut record);
                put_record(&hash, &record, &mut payload, &mut buf);
                put_here.insert(hash);
                ops.push(Op::Put(hash, record));
            }
            let mut dropped = vec![FORGET];
            for hash in forgets {
                // A change's puts are few (an admission's one); a block's forgets come alone.
                if puts.iter().any(|tx| tx.hash() == *hash) {
                    continue;
                }
                if put_here.remove(hash) || self.live.contains(hash) {
                    dropped.extend_from_slice(hash.as_slice());
                    ops.push(Op::Forget(*hash));
                }
            }
            if dropped.len() > 1 {
                frame(&dropped, &mut buf);
            }
        }
        if buf.is_empty() {
            return Ok(());
        }
        let before = self.len;
        let written = self.file.write_all(&buf).and_then(|()| self.file.sync_data());
        if let Err(e) = written {
            // The file may hold part of the write: cut it off so the next write follows the
            // last acknowledged one.
            if let Err(cut) = self.file.set_len(before).and_then(|()| self.file.sync_data()) {
                tracing::error!(error = %cut, "mempool journal could not be cut back");
            }
            return Err(io_error(&self.path)(e));
        }
        self.len += buf.len() as u64;
        for op in ops {
            match op {
                Op::Forget(hash) => self.live.forget(&hash),
                Op::Put(hash, record) => self.live.put(hash, record),
            }
        }
        if self.len > self.compact_from
            && self.len > 4 * self.live.bytes()
            && let Err(e) = self.compact()
        {
            tracing::warn!(error = %e, "mempool journal not compacted; it keeps growing");
        }
        Ok(())
    }

    /// Rewrites the file with only the live entries, in admission order: written beside it,
    /// synced, then renamed over it.
    fn compact(&mut self) -> Result<(), JournalError> {
        let err = io_error(&self.path);
        let mut buf = MAGIC.to_vec();
        let mut payload = Vec::new();
        for (hash, entry) in self.live.in_order() {
            put_record(hash, &entry.record, &mut payload, &mut buf);
        }
        let mut temp_name = self.path.as_os_str().to_owned();
        temp_name.push(".compacting");
        let temp = PathBuf::from(temp_name);
        // The new file's own handle becomes the journal's: opening it again after the rename
        // could fail and leave the journal writing to the replaced, unlinked file.
        let written = (|| {
            let _ = std::fs::remove_file(&temp);
            let mut file =
                OpenOptions::new().read(true).append(true).create_new(true).open(&temp)?;
            file.write_all(&buf)?;
            file.sync_all()?;
            std::fs::rename(&temp, &self.path)?;
            sync_dir(&self.path)?;
            Ok(file)
        })();
        self.file = match written {
            Ok(file) => file,
            Err(e) => {
                let _ = std::fs::remove_file(&temp);
                return Err(err(e));
            }
        };
        tracing::debug!(from = self.len, to = buf.len(), "mempool journal compacted");
        self.len = buf.len() as u64;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use alloy_primitives::Bytes;
    use execution::kv::{KvOp, KvTx};
    use proptest::prelude::*;

    use super::*;

    /// A small signed transaction, distinct for each `i`.
    fn tx(i: u8) -> Transaction {
        let key = ed25519_dalek::SigningKey::from_bytes(&[7; 32]);
        let op = KvOp::Put { key: B256::with_last_byte(i), value: Bytes::from(vec![i; 40]) };
        Transaction::Kv(KvTx::sign(&key, B256::ZERO, u64::from(i), vec![op]))
    }

    fn hashes(txs: &[Transaction]) -> Vec<B256> {
        txs.iter().map(Transaction::hash).collect()
    }

    #[test]
    fn a_file_grown_past_its_live_entries_is_rewritten_with_them_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("mempool.journal");
        let mut log = JournalLog::open(&path).unwrap();
        log.compact_from = 4096;
        let txs: Vec<Transaction> = (0..40).map(tx).collect();
        // Four entries stay throughout; the others come and go until the file is compacted.
        log.apply(std::iter::once((&txs[..4], &[][..]))).unwrap();
        let mut grew_to = 0;
        for round in 0..20 {
            let batch = &txs[4 + round % 36..5 + round % 36];
            log.apply(std::iter::once((batch, &[][..]))).unwrap();
            grew_to = grew_to.max(log.len);
            log.apply(std::iter::once((&[][..], &hashes(batch)[..]))).unwrap();
        }
        assert!(grew_to > 4096, "the file grew past the threshold");
        assert!(log.len < 4096, "then was rewritten: {} bytes", log.len);
        assert!(!path.with_file_name("mempool.journal.compacting").exists());
        // Compacted, appended to, reopened: the same entries in admission order.
        log.apply(std::iter::once((&txs[39..], &[][..]))).unwrap();
        drop(log);
        let log = JournalLog::open(&path).unwrap();
        let expected = [&txs[..4], &txs[39..]].concat();
        assert_eq!(hashes(&log.transactions()), hashes(&expected));
        assert_eq!(std::fs::metadata(&path).unwrap().len(), log.len);
    }

    #[test]
    fn a_file_whose_creation_was_cut_short_opens_as_a_new_journal() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("mempool.journal");
        std::fs::write(&path, &MAGIC[..3]).unwrap();
        let mut log = JournalLog::open(&path).unwrap();
        log.apply(std::iter::once((&[tx(1)][..], &[][..]))).unwrap();
        drop(log);
        let log = JournalLog::open(&path).unwrap();
        assert_eq!(hashes(&log.transactions()), vec![tx(1).hash()]);
    }

    #[test]
    fn a_record_of_a_newer_build_is_refused_and_nothing_is_cut() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("mempool.journal");
        let mut log = JournalLog::open(&path).unwrap();
        log.apply(std::iter::once((&[tx(1)][..], &[][..]))).unwrap();
        drop(log);
        let mut bytes = std::fs::read(&path).unwrap();
        let offset = bytes.len();
        frame(&[9, 1, 2, 3], &mut bytes);
        let mut after = Vec::new();
        put_record(&tx(2).hash(), b"record", &mut Vec::new(), &mut after);
        bytes.extend_from_slice(&after);
        std::fs::write(&path, &bytes).unwrap();

        assert_eq!(replay(&bytes).unwrap_err(), ReplayError::UnknownRecord { offset });
        let err = JournalLog::open(&path).unwrap_err();
        assert!(err.to_string().contains("written by a newer manifold"), "{err}");
        assert_eq!(std::fs::read(&path).unwrap(), bytes, "the file is left as it was");
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// Cut anywhere, a file replays to the state after its last whole record; damaged
        /// anywhere, it replays without panicking to a state some prefix of it reached.
        #[test]
        fn replay_of_a_cut_or_damaged_file_is_a_prefix_of_its_history(
            groups in proptest::collection::vec(
                (proptest::collection::vec(0u8..24, 0..4), proptest::collection::vec(0u8..24, 0..3)),
                1..12,
            ),
            cut in any::<prop::sample::Index>(),
            flip in any::<prop::sample::Index>(),
        ) {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("mempool.journal");
            let mut log = JournalLog::open(&path).unwrap();
            // The live entries after each record boundary, as the writer saw them.
            let mut states = vec![(log.len, Vec::<B256>::new())];
            for (puts, forgets) in &groups {
                let puts: Vec<Transaction> = puts.iter().map(|&i| tx(i)).collect();
                let forgets: Vec<B256> = forgets.iter().map(|&i| tx(i).hash()).collect();
                log.apply(std::iter::once((&puts[..], &forgets[..]))).unwrap();
                states.push((log.len, hashes(&log.transactions())));
            }
            drop(log);
            let bytes = std::fs::read(&path).unwrap();

            let cut_at = MAGIC.len() + cut.index(bytes.len() - MAGIC.len() + 1);
            let replayed = replay(&bytes[..cut_at]).unwrap();
            let (boundary, expected) =
                states.iter().rev().find(|(len, _)| *len as usize <= cut_at).unwrap();
            // Group boundaries are record boundaries; a cut inside a group may keep some of
            // its records, never a partial one.
            prop_assert!(replayed.valid_len as u64 >= *boundary && replayed.valid_len <= cut_at);
            if replayed.valid_len as u64 == *boundary {
                let live: Vec<B256> = replayed.live.in_order().into_iter().map(|(h, _)| *h).collect();
                prop_assert_eq!(&live, expected);
            }

            if bytes.len() > MAGIC.len() {
                let mut damaged = bytes.clone();
                let at = MAGIC.len() + flip.index(damaged.len() - MAGIC.len());
                damaged[at] ^= 0x40;
                let replayed = replay(&damaged).unwrap();
                // The damaged byte's record and every one after it are dropped.
                prop_assert!(replayed.valid_len <= at);
            }
        }
    }
}
