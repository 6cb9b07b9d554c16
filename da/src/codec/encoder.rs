//! [`encode_batch`]: a [`Batch`] → RLP → zstd → one or more frame blobs.

use alloy_primitives::keccak256;
use bytes::Bytes;

use super::compression::compress;
use crate::{Batch, CodecError, FRAME_OVERHEAD, Frame};

/// Smallest `max_blob_bytes` the encoder accepts: 256 bytes, i.e. 207 bytes of payload per
/// frame after the [`FRAME_OVERHEAD`].
pub const MIN_MAX_BLOB_BYTES: usize = 256;

/// Encodes `batch` into frame blobs, each at most `max_blob_bytes` long, in frame order.
///
/// The payload is RLP, compressed with zstd at [`COMPRESSION_LEVEL`](crate::COMPRESSION_LEVEL);
/// the batch id in every frame is keccak256 of the compressed payload. Submitting the blobs in
/// any order, across any number of DA heights, lets a [`BatchAssembler`](crate::BatchAssembler)
/// rebuild the batch.
///
/// Errors: [`CodecError::BlobLimitTooSmall`] below [`MIN_MAX_BLOB_BYTES`];
/// [`CodecError::TooLarge`] if the RLP payload exceeds
/// [`MAX_DECOMPRESSED_BYTES`](crate::MAX_DECOMPRESSED_BYTES) (readers would reject it) or the
/// batch needs more than `u16::MAX` frames.
pub fn encode_batch(batch: &Batch, max_blob_bytes: usize) -> Result<Vec<Bytes>, CodecError> {
    if max_blob_bytes < MIN_MAX_BLOB_BYTES {
        return Err(CodecError::BlobLimitTooSmall { max: max_blob_bytes, min: MIN_MAX_BLOB_BYTES });
    }
    let payload = alloy_rlp::encode(batch);
    let compressed = compress(&payload)?;
    let blobs = frames_from_compressed(&compressed, max_blob_bytes)?;
    tracing::debug!(
        blocks = batch.blocks.len(),
        rlp_bytes = payload.len(),
        compressed_bytes = compressed.len(),
        frames = blobs.len(),
        "encoded batch"
    );
    Ok(blobs)
}

/// Cuts an already compressed payload into frame blobs of at most `max_blob_bytes`.
/// `max_blob_bytes` must be at least [`MIN_MAX_BLOB_BYTES`].
pub(crate) fn frames_from_compressed(
    compressed: &[u8],
    max_blob_bytes: usize,
) -> Result<Vec<Bytes>, CodecError> {
    debug_assert!(max_blob_bytes >= MIN_MAX_BLOB_BYTES);
    // Chunks longer than u32::MAX cannot be described by the length field.
    let chunk_len = (max_blob_bytes - FRAME_OVERHEAD).min(u32::MAX as usize);
    let frame_count = compressed.len().div_ceil(chunk_len).max(1);
    let count = u16::try_from(frame_count).map_err(|_| CodecError::TooLarge {
        size: compressed.len(),
        max: chunk_len.saturating_mul(usize::from(u16::MAX)),
    })?;
    let batch_id = keccak256(compressed);
    let chunks: Vec<&[u8]> =
        if compressed.is_empty() { vec![&[]] } else { compressed.chunks(chunk_len).collect() };
    Ok(chunks
        .into_iter()
        .zip(0u16..)
        .map(|(chunk, index)| {
            Frame {
                version: crate::FRAME_VERSION,
                batch_id,
                index,
                count,
                data: Bytes::copy_from_slice(chunk),
            }
            .encode()
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use alloy_primitives::B256;

    use super::*;
    use crate::{BatchBlock, decode_frame};

    fn block(number: u64, txs: usize) -> BatchBlock {
        BatchBlock {
            number,
            timestamp: 1_700_000_000 + number,
            parent_hash: B256::repeat_byte(1),
            block_hash: B256::repeat_byte(2),
            state_root: B256::repeat_byte(3),
            gas_limit: 30_000_000,
            base_fee_per_gas: 1_000_000_000,
            transactions: (0..txs).map(|i| vec![i as u8; 120].into()).collect(),
        }
    }

    #[test]
    fn small_batch_is_one_frame() {
        let batch = Batch { blocks: vec![block(1, 2)] };
        let blobs = encode_batch(&batch, 128 * 1024).unwrap();
        assert_eq!(blobs.len(), 1);
        let frame = decode_frame(&blobs[0]).unwrap();
        assert_eq!((frame.index, frame.count), (0, 1));
    }

    #[test]
    fn frames_respect_the_limit() {
        let batch = Batch { blocks: (1..50).map(|n| block(n, 20)).collect() };
        let blobs = encode_batch(&batch, MIN_MAX_BLOB_BYTES).unwrap();
        assert!(blobs.len() > 1);
        assert!(blobs.iter().all(|b| b.len() <= MIN_MAX_BLOB_BYTES));
    }

    #[test]
    fn limit_below_minimum_is_rejected() {
        assert_eq!(
            encode_batch(&Batch::default(), MIN_MAX_BLOB_BYTES - 1),
            Err(CodecError::BlobLimitTooSmall { max: 255, min: MIN_MAX_BLOB_BYTES })
        );
    }

    #[test]
    fn too_many_frames_is_too_large() {
        // One chunk more than 65535 frames of 207 bytes can carry.
        let compressed: Vec<u8> = (0..(u16::MAX as usize + 1) * 207).map(|i| i as u8).collect();
        assert!(matches!(
            frames_from_compressed(&compressed, MIN_MAX_BLOB_BYTES),
            Err(CodecError::TooLarge { .. })
        ));
    }
}
