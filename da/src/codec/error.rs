//! [`CodecError`]: everything that can be wrong with a batch or a frame.

use alloy_primitives::B256;

/// Why a batch could not be encoded, or a blob read from DA could not be decoded.
///
/// Decoding errors are expected on DA (anyone may post blobs): a reader logs and skips the
/// blob; none of them is a reason to stop.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CodecError {
    /// The frame carries Manifold's magic but a format version this build does not read
    /// (written by a newer Manifold).
    #[error(
        "batch format version {0} is not one this node reads (1 and 2): it was written by a \
         newer manifold; upgrade this node"
    )]
    UnknownVersion(u8),
    /// The blob does not carry the Manifold frame magic: it is not ours.
    #[error("bad magic: not a Manifold batch frame")]
    BadMagic,
    /// The blob is shorter than its header or declared payload length requires.
    #[error("truncated frame: needed {needed} bytes, got {got}")]
    Truncated {
        /// Bytes the frame needs.
        needed: usize,
        /// Bytes the blob has.
        got: usize,
    },
    /// The blob is longer than its declared payload length plus the checksum.
    #[error("frame has trailing bytes: expected {expected} bytes, got {got}")]
    TrailingBytes {
        /// Bytes the frame declares.
        expected: usize,
        /// Bytes the blob has.
        got: usize,
    },
    /// The CRC32 at the end of the frame does not match its contents.
    #[error(
        "frame checksum mismatch: frame says {expected:#010x}, contents hash to {actual:#010x}"
    )]
    ChecksumMismatch {
        /// Checksum stored in the frame.
        expected: u32,
        /// Checksum computed over the frame.
        actual: u32,
    },
    /// The frame index is not below the frame count (or the count is zero).
    #[error("frame index {index} out of range for a batch of {count} frames")]
    FrameIndexOutOfRange {
        /// The frame's index.
        index: u16,
        /// The frame's declared frame count.
        count: u16,
    },
    /// zstd failed to compress a payload (encoding side; not expected in practice).
    #[error("compression failed: {0}")]
    Compress(String),
    /// The compressed payload is not valid zstd.
    #[error("decompression failed: {0}")]
    Decompress(String),
    /// The decompressed payload is not a valid RLP batch.
    #[error("invalid batch RLP: {0}")]
    Rlp(String),
    /// A size limit was exceeded (decompressed payload, batch, or frame count).
    #[error("size {size} exceeds the limit of {max} bytes")]
    TooLarge {
        /// The size reached (or at least reached) in bytes.
        size: usize,
        /// The limit in bytes.
        max: usize,
    },
    /// The reassembled payload does not hash to the batch id carried by its frames.
    #[error("reassembled payload hashes to {actual}, frames claim batch id {expected}")]
    BatchIdMismatch {
        /// Batch id carried by the frames.
        expected: B256,
        /// keccak256 of the reassembled payload.
        actual: B256,
    },
    /// `encode_batch` was given a blob limit too small to carry a frame.
    #[error("max blob size {max} is below the codec minimum of {min} bytes")]
    BlobLimitTooSmall {
        /// The limit given.
        max: usize,
        /// The smallest limit the codec accepts.
        min: usize,
    },
}
