//! [`BatchAssembler`]: collects frames read from DA, in any order and across any number of DA
//! heights, and yields each [`Batch`] once all its frames are present.

use std::collections::{HashMap, HashSet, VecDeque};

use alloy_primitives::{B256, keccak256};
use bytes::Bytes;

use super::compression::{MAX_DECOMPRESSED_BYTES, decompress_bounded};
use crate::{Batch, CodecError, Frame, decode_frame};

/// Default cap on the bytes buffered for incomplete batches: 256 MiB.
pub const DEFAULT_MAX_PENDING_BYTES: usize = 256 * 1024 * 1024;

/// Largest compressed payload one batch may reassemble to: a payload of
/// [`MAX_DECOMPRESSED_BYTES`] plus zstd's worst-case expansion.
const MAX_COMPRESSED_BYTES: usize = MAX_DECOMPRESSED_BYTES + MAX_DECOMPRESSED_BYTES / 128 + 4096;

/// How many completed batch ids are remembered, so that re-posted frames of a batch already
/// yielded are ignored instead of yielding it again.
const COMPLETED_MEMORY: usize = 4096;

/// Frames of one batch id (and frame count) received so far.
#[derive(Debug)]
struct Pending {
    frames: Vec<Option<Bytes>>,
    received: usize,
    /// Memory charged to this entry: chunk bytes plus the slot table.
    bytes: usize,
    /// Arrival order of the first frame, for evicting the oldest entry first.
    seq: u64,
}

/// Reassembles batches from frames.
///
/// - Frames may arrive in any order, interleaved with frames of other batches and across DA
///   heights; duplicates are ignored.
/// - A batch is yielded exactly once, when its last missing frame arrives, after checking that
///   the reassembled payload hashes to the batch id, decompressing it (bounded by
///   [`MAX_DECOMPRESSED_BYTES`]) and RLP-decoding it. Frames of a recently yielded batch are
///   ignored.
/// - Memory is bounded: when more than `max_pending_bytes` are buffered for incomplete batches,
///   the oldest incomplete batch is dropped (logged with `tracing::warn`).
///
/// Frames are grouped by `(batch id, frame count, version)`, so the same batch re-encoded with
/// another blob limit does not mix with its first encoding.
#[derive(Debug)]
pub struct BatchAssembler {
    pending: HashMap<(B256, u16, u8), Pending>,
    pending_bytes: usize,
    max_pending_bytes: usize,
    completed: HashSet<B256>,
    completed_order: VecDeque<B256>,
    next_seq: u64,
}

impl Default for BatchAssembler {
    fn default() -> Self {
        Self::new()
    }
}

impl BatchAssembler {
    /// An empty assembler buffering at most [`DEFAULT_MAX_PENDING_BYTES`].
    pub fn new() -> Self {
        Self::with_max_pending_bytes(DEFAULT_MAX_PENDING_BYTES)
    }

    /// An empty assembler buffering at most `max_pending_bytes` for incomplete batches.
    pub fn with_max_pending_bytes(max_pending_bytes: usize) -> Self {
        Self {
            pending: HashMap::new(),
            pending_bytes: 0,
            max_pending_bytes,
            completed: HashSet::new(),
            completed_order: VecDeque::new(),
            next_seq: 0,
        }
    }

    /// Decodes one blob read from DA with [`decode_frame`] and [`push`](Self::push)es it.
    pub fn push_blob(&mut self, blob: &[u8]) -> Result<Option<Batch>, CodecError> {
        self.push(decode_frame(blob)?)
    }

    /// Adds one frame; returns the batch if this frame completed it (its transactions as
    /// `kind ‖ payload`, whatever the frame version).
    ///
    /// An error concerns this frame's batch only (the assembler stays usable):
    /// [`CodecError::BatchIdMismatch`], [`CodecError::Decompress`], [`CodecError::TooLarge`] or
    /// [`CodecError::Rlp`] when the completed batch is bad (its frames are dropped), and
    /// [`CodecError::FrameIndexOutOfRange`] for a hand-built frame with `index >= count`.
    pub fn push(&mut self, frame: Frame) -> Result<Option<Batch>, CodecError> {
        let Frame { version, batch_id, index, count, data } = frame;
        if index >= count {
            return Err(CodecError::FrameIndexOutOfRange { index, count });
        }
        if self.completed.contains(&batch_id) {
            tracing::trace!(%batch_id, index, "frame of an already assembled batch ignored");
            return Ok(None);
        }
        let key = (batch_id, count, version);
        let seq = self.next_seq;
        let entry = self.pending.entry(key).or_insert_with(|| {
            let slots = usize::from(count);
            Pending {
                frames: vec![None; slots],
                received: 0,
                bytes: slots * size_of::<Option<Bytes>>(),
                seq,
            }
        });
        if entry.seq == seq {
            // New entry: charge its slot table.
            self.next_seq += 1;
            self.pending_bytes += entry.bytes;
        }
        let slot = &mut entry.frames[usize::from(index)];
        if slot.is_some() {
            tracing::trace!(%batch_id, index, "duplicate frame ignored");
            return Ok(None);
        }
        if entry.bytes.saturating_add(data.len()) > MAX_COMPRESSED_BYTES {
            let size = entry.bytes.saturating_add(data.len());
            self.remove(&key);
            return Err(CodecError::TooLarge { size, max: MAX_COMPRESSED_BYTES });
        }
        entry.bytes += data.len();
        self.pending_bytes += data.len();
        *slot = Some(data);
        entry.received += 1;

        if entry.received == usize::from(count) {
            let Some(done) = self.remove(&key) else { return Ok(None) };
            return self.finish(batch_id, version, done).map(Some);
        }
        self.evict_over_budget();
        Ok(None)
    }

    /// Number of incomplete batches buffered.
    pub fn pending_batches(&self) -> usize {
        self.pending.len()
    }

    /// Bytes buffered for incomplete batches.
    pub fn pending_bytes(&self) -> usize {
        self.pending_bytes
    }

    fn remove(&mut self, key: &(B256, u16, u8)) -> Option<Pending> {
        let removed = self.pending.remove(key)?;
        self.pending_bytes -= removed.bytes;
        Some(removed)
    }

    fn finish(&mut self, batch_id: B256, version: u8, done: Pending) -> Result<Batch, CodecError> {
        let compressed: Vec<u8> = done.frames.into_iter().flatten().flatten().collect();
        let actual = keccak256(&compressed);
        if actual != batch_id {
            return Err(CodecError::BatchIdMismatch { expected: batch_id, actual });
        }
        // The frames are authentic for this id: whatever the outcome, don't redo the work.
        self.remember_completed(batch_id);
        let payload = decompress_bounded(&compressed, MAX_DECOMPRESSED_BYTES)?;
        let batch =
            Batch::decode_exact(version, &payload).map_err(|e| CodecError::Rlp(e.to_string()))?;
        tracing::debug!(%batch_id, blocks = batch.blocks.len(), "assembled batch");
        Ok(batch)
    }

    fn remember_completed(&mut self, batch_id: B256) {
        if self.completed.insert(batch_id) {
            self.completed_order.push_back(batch_id);
            if self.completed_order.len() > COMPLETED_MEMORY
                && let Some(oldest) = self.completed_order.pop_front()
            {
                self.completed.remove(&oldest);
            }
        }
    }

    fn evict_over_budget(&mut self) {
        while self.pending_bytes > self.max_pending_bytes {
            let Some(oldest) = self.pending.iter().min_by_key(|(_, p)| p.seq).map(|(k, _)| *k)
            else {
                break;
            };
            if let Some(dropped) = self.remove(&oldest) {
                tracing::warn!(
                    batch_id = %oldest.0,
                    received = dropped.received,
                    count = oldest.1,
                    "dropping incomplete batch: pending frame buffer full"
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;
    use crate::codec::frames_from_compressed;
    use crate::{BatchBlock, encode_batch};

    fn batch(blocks: u64) -> Batch {
        Batch {
            blocks: (1..=blocks)
                .map(|number| BatchBlock {
                    number,
                    timestamp: number * 2,
                    parent_hash: B256::with_last_byte(number as u8),
                    block_hash: B256::with_last_byte(number as u8 + 1),
                    state_root: keccak256(number.to_be_bytes()),
                    gas_limit: 30_000_000,
                    base_fee_per_gas: 7,
                    transactions: (0..10u64)
                        .map(|i| keccak256((number * 100 + i).to_be_bytes()).to_vec().into())
                        .collect(),
                })
                .collect(),
        }
    }

    #[test]
    fn reversed_frames_with_duplicates() {
        let batch = batch(20);
        let blobs = encode_batch(&batch, 300).unwrap();
        assert!(blobs.len() > 3);
        let mut assembler = BatchAssembler::new();
        let (last, rest) = blobs.split_first().unwrap();
        for blob in rest.iter().rev() {
            assert_eq!(assembler.push_blob(blob), Ok(None));
            assert_eq!(assembler.push_blob(blob), Ok(None), "duplicate");
        }
        assert_eq!(assembler.pending_batches(), 1);
        assert_eq!(assembler.push_blob(last), Ok(Some(batch)));
        assert_eq!(assembler.pending_batches(), 0);
        assert_eq!(assembler.pending_bytes(), 0);
        // Re-posted frames of a finished batch do not yield it again.
        for blob in &blobs {
            assert_eq!(assembler.push_blob(blob), Ok(None));
        }
        assert_eq!(assembler.pending_batches(), 0);
    }

    #[test]
    fn interleaved_batches() {
        let (a, b) = (batch(5), batch(6));
        let (fa, fb) = (encode_batch(&a, 256).unwrap(), encode_batch(&b, 256).unwrap());
        let mut assembler = BatchAssembler::new();
        let mut out = Vec::new();
        for i in 0..fa.len().max(fb.len()) {
            for frames in [&fa, &fb] {
                if let Some(blob) = frames.get(i)
                    && let Some(batch) = assembler.push_blob(blob).unwrap()
                {
                    out.push(batch);
                }
            }
        }
        assert_eq!(out.len(), 2);
        assert!(out.contains(&a) && out.contains(&b));
    }

    #[test]
    fn payload_not_matching_the_id_is_rejected() {
        let frame = Frame {
            version: crate::FRAME_VERSION,
            batch_id: B256::repeat_byte(9),
            index: 0,
            count: 1,
            data: Bytes::from_static(b"x"),
        };
        let mut assembler = BatchAssembler::new();
        assert!(matches!(assembler.push(frame), Err(CodecError::BatchIdMismatch { .. })));
        assert_eq!(assembler.pending_batches(), 0);
    }

    #[test]
    fn authentic_garbage_is_a_decompress_error() {
        let blobs = frames_from_compressed(b"definitely not zstd", 256).unwrap();
        let mut assembler = BatchAssembler::new();
        assert!(matches!(assembler.push_blob(&blobs[0]), Err(CodecError::Decompress(_))));
    }

    #[test]
    fn valid_zstd_but_not_a_batch_is_an_rlp_error() {
        let compressed = zstd::bulk::compress(b"\x01\x02\x03 not rlp", 3).unwrap();
        let blobs = frames_from_compressed(&compressed, 256).unwrap();
        let mut assembler = BatchAssembler::new();
        assert!(matches!(assembler.push_blob(&blobs[0]), Err(CodecError::Rlp(_))));
    }

    #[test]
    fn hand_built_frame_out_of_range() {
        let frame = Frame {
            version: crate::FRAME_VERSION,
            batch_id: B256::ZERO,
            index: 2,
            count: 2,
            data: Bytes::new(),
        };
        assert_eq!(
            BatchAssembler::new().push(frame),
            Err(CodecError::FrameIndexOutOfRange { index: 2, count: 2 })
        );
    }

    /// 256 MiB of zeros compress to a few KiB; the reader must stop at 64 MiB, not inflate it all.
    #[test]
    fn zip_bomb_is_too_large() {
        let mut encoder = zstd::stream::write::Encoder::new(Vec::new(), 3).unwrap();
        let zeros = vec![0u8; 1024 * 1024];
        for _ in 0..256 {
            encoder.write_all(&zeros).unwrap();
        }
        let bomb = encoder.finish().unwrap();
        assert!(bomb.len() < 1024 * 1024, "bomb is {} bytes", bomb.len());
        let blobs = frames_from_compressed(&bomb, 128 * 1024).unwrap();
        let mut assembler = BatchAssembler::new();
        let mut results: Vec<_> = blobs.iter().map(|b| assembler.push_blob(b)).collect();
        let last = results.pop().unwrap();
        assert!(results.iter().all(|r| r == &Ok(None)));
        assert!(
            matches!(last, Err(CodecError::TooLarge { max, .. }) if max == MAX_DECOMPRESSED_BYTES),
            "{last:?}"
        );
    }

    #[test]
    fn pending_memory_is_bounded() {
        let mut assembler = BatchAssembler::with_max_pending_bytes(64 * 1024);
        for i in 0..1000u32 {
            // First frame of 1000 different 2-frame batches, never completed.
            let frame = Frame {
                version: crate::FRAME_VERSION,
                batch_id: keccak256(i.to_be_bytes()),
                index: 0,
                count: 2,
                data: vec![0u8; 1000].into(),
            };
            assert_eq!(assembler.push(frame), Ok(None));
            assert!(assembler.pending_bytes() <= 64 * 1024);
        }
        assert!(assembler.pending_batches() < 100);
    }
}
