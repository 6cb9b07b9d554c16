//! [`Frame`]: one self-describing, checksummed DA blob carrying a chunk of a compressed batch.
//!
//! | offset | size | field |
//! |---|---|---|
//! | 0 | 1 | version: `0x02` (written), `0x01` (read: batches of EVM transactions only) |
//! | 1 | 4 | magic `"MNFD"` |
//! | 5 | 32 | batch id = keccak256(compressed payload) |
//! | 37 | 2 | frame index, u16 big-endian |
//! | 39 | 2 | frame count, u16 big-endian |
//! | 41 | 4 | chunk length `n`, u32 big-endian |
//! | 45 | n | chunk of the compressed payload |
//! | 45 + n | 4 | CRC32 (IEEE) of bytes `0 .. 45 + n`, u32 big-endian |

use alloy_primitives::B256;
use bytes::Bytes;

use crate::CodecError;

/// Frame (and batch) format version written by this build: transactions are `kind ‖ payload`.
pub const FRAME_VERSION: u8 = 0x02;
/// The first format: the same frame, a batch whose transactions are EIP-2718 bytes (EVM
/// only). Still read, so that chains posted before engines derive unchanged.
pub const FRAME_VERSION_V1: u8 = 0x01;

/// Whether this build reads frames of `version`.
pub fn is_supported_version(version: u8) -> bool {
    version == FRAME_VERSION || version == FRAME_VERSION_V1
}
/// Magic identifying a Manifold batch frame.
pub const FRAME_MAGIC: [u8; 4] = *b"MNFD";
/// Bytes before the chunk: version, magic, batch id, index, count, length.
pub const FRAME_HEADER_LEN: usize = 1 + 4 + 32 + 2 + 2 + 4;
/// Bytes of a frame that are not chunk: header plus the trailing CRC32.
pub const FRAME_OVERHEAD: usize = FRAME_HEADER_LEN + 4;

/// One decoded frame: the `index`-th of `count` chunks of the compressed batch `batch_id`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Frame {
    /// The format version (decides how the batch's transactions are read).
    pub version: u8,
    /// keccak256 of the whole compressed payload the chunk belongs to.
    pub batch_id: B256,
    /// Position of this chunk, `0 .. count`.
    pub index: u16,
    /// Number of frames of the batch (at least 1).
    pub count: u16,
    /// The chunk of compressed payload.
    pub data: Bytes,
}

impl Frame {
    /// Serializes the frame into one blob (see the module docs for the layout).
    ///
    /// # Panics
    /// If `data` is longer than `u32::MAX` bytes, which the encoder never produces.
    pub fn encode(&self) -> Bytes {
        let len = u32::try_from(self.data.len()).expect("frame chunk longer than u32::MAX");
        let mut out = Vec::with_capacity(FRAME_OVERHEAD + self.data.len());
        out.push(self.version);
        out.extend_from_slice(&FRAME_MAGIC);
        out.extend_from_slice(self.batch_id.as_slice());
        out.extend_from_slice(&self.index.to_be_bytes());
        out.extend_from_slice(&self.count.to_be_bytes());
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(&self.data);
        let crc = crc32fast::hash(&out);
        out.extend_from_slice(&crc.to_be_bytes());
        Bytes::from(out)
    }
}

/// Decodes and validates one blob read from DA as a [`Frame`].
///
/// Checks, in order: magic ([`CodecError::BadMagic`] for any foreign blob, even a short one),
/// version, header and declared lengths ([`CodecError::Truncated`],
/// [`CodecError::TrailingBytes`]), checksum, and `index < count`. Never panics.
pub fn decode_frame(blob: &[u8]) -> Result<Frame, CodecError> {
    match blob.get(1..5) {
        Some(magic) if magic != FRAME_MAGIC => return Err(CodecError::BadMagic),
        Some(_) => {}
        // Shorter than version ‖ magic: ours only if it is a prefix of them.
        None => {
            let version = blob.first().is_none_or(|v| is_supported_version(*v));
            if !version || !FRAME_MAGIC.starts_with(blob.get(1..).unwrap_or_default()) {
                return Err(CodecError::BadMagic);
            }
        }
    }
    if blob.len() < FRAME_OVERHEAD {
        return Err(CodecError::Truncated { needed: FRAME_OVERHEAD, got: blob.len() });
    }
    if !is_supported_version(blob[0]) {
        return Err(CodecError::UnknownVersion(blob[0]));
    }
    let (header, rest) = blob.split_at(FRAME_HEADER_LEN);
    let batch_id = B256::from_slice(&header[5..37]);
    let index = u16::from_be_bytes([header[37], header[38]]);
    let count = u16::from_be_bytes([header[39], header[40]]);
    let len = u32::from_be_bytes([header[41], header[42], header[43], header[44]]);
    let needed = usize::try_from(len)
        .ok()
        .and_then(|len| len.checked_add(FRAME_OVERHEAD))
        .unwrap_or(usize::MAX);
    if blob.len() < needed {
        return Err(CodecError::Truncated { needed, got: blob.len() });
    }
    if blob.len() > needed {
        return Err(CodecError::TrailingBytes { expected: needed, got: blob.len() });
    }
    let (data, crc) = rest.split_at(rest.len() - 4);
    let expected = u32::from_be_bytes([crc[0], crc[1], crc[2], crc[3]]);
    let actual = crc32fast::hash(&blob[..blob.len() - 4]);
    if expected != actual {
        return Err(CodecError::ChecksumMismatch { expected, actual });
    }
    if index >= count {
        return Err(CodecError::FrameIndexOutOfRange { index, count });
    }
    Ok(Frame { version: blob[0], batch_id, index, count, data: Bytes::copy_from_slice(data) })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Frame {
        Frame {
            version: FRAME_VERSION,
            batch_id: B256::repeat_byte(0x11),
            index: 1,
            count: 3,
            data: Bytes::from_static(b"chunk of compressed payload"),
        }
    }

    /// Rewrites the trailing checksum so that only the field under test is wrong.
    fn reseal(blob: &mut [u8]) {
        let end = blob.len() - 4;
        let crc = crc32fast::hash(&blob[..end]);
        blob[end..].copy_from_slice(&crc.to_be_bytes());
    }

    #[test]
    fn round_trip() {
        let frame = sample();
        let blob = frame.encode();
        assert_eq!(blob.len(), FRAME_OVERHEAD + frame.data.len());
        assert_eq!(decode_frame(&blob), Ok(frame));
    }

    #[test]
    fn layout_matches_the_documented_table() {
        let blob = sample().encode();
        assert_eq!(blob[0], 0x02);
        assert_eq!(&blob[1..5], b"MNFD");
        assert_eq!(&blob[5..37], &[0x11; 32]);
        assert_eq!(&blob[37..39], &[0, 1]);
        assert_eq!(&blob[39..41], &[0, 3]);
        assert_eq!(&blob[41..45], &27u32.to_be_bytes());
        assert_eq!(&blob[45..72], b"chunk of compressed payload");
    }

    #[test]
    fn every_flipped_bit_is_detected() {
        let blob = sample().encode();
        for i in 0..blob.len() {
            let mut bad = blob.to_vec();
            bad[i] ^= 0x01;
            assert!(decode_frame(&bad).is_err(), "flip at byte {i} went unnoticed");
        }
    }

    #[test]
    fn flipped_payload_byte_is_a_checksum_mismatch() {
        let mut blob = sample().encode().to_vec();
        blob[50] ^= 0xff;
        assert!(matches!(decode_frame(&blob), Err(CodecError::ChecksumMismatch { .. })));
    }

    #[test]
    fn truncated() {
        let blob = sample().encode();
        assert_eq!(
            decode_frame(&blob[..blob.len() - 1]),
            Err(CodecError::Truncated { needed: blob.len(), got: blob.len() - 1 })
        );
        assert_eq!(
            decode_frame(&blob[..10]),
            Err(CodecError::Truncated { needed: FRAME_OVERHEAD, got: 10 })
        );
        assert_eq!(
            decode_frame(&[]),
            Err(CodecError::Truncated { needed: FRAME_OVERHEAD, got: 0 })
        );
        // A prefix of our magic is still ours: too short, not foreign.
        assert!(matches!(decode_frame(b"\x01MN"), Err(CodecError::Truncated { .. })));
    }

    #[test]
    fn declared_length_beyond_the_blob_is_truncated() {
        let mut blob = sample().encode().to_vec();
        blob[41..45].copy_from_slice(&u32::MAX.to_be_bytes());
        assert!(matches!(decode_frame(&blob), Err(CodecError::Truncated { .. })));
    }

    #[test]
    fn trailing_bytes() {
        let mut blob = sample().encode().to_vec();
        blob.push(0);
        assert!(matches!(decode_frame(&blob), Err(CodecError::TrailingBytes { .. })));
    }

    #[test]
    fn unknown_versions_are_refused_and_version_1_is_read() {
        let mut blob = sample().encode().to_vec();
        blob[0] = 0x03;
        reseal(&mut blob);
        assert_eq!(decode_frame(&blob), Err(CodecError::UnknownVersion(0x03)));
        let v1 = Frame { version: FRAME_VERSION_V1, ..sample() };
        assert_eq!(decode_frame(&v1.encode()), Ok(v1));
    }

    #[test]
    fn foreign_bytes_are_bad_magic() {
        assert_eq!(
            decode_frame(b"hello world, this is somebody else's blob"),
            Err(CodecError::BadMagic)
        );
        assert_eq!(decode_frame(&[0x02, b'X']), Err(CodecError::BadMagic));
        // An Ethereum transaction-looking blob.
        assert_eq!(decode_frame(&[0x02, 0xf8, 0x6f, 0x01, 0x80]), Err(CodecError::BadMagic));
    }

    #[test]
    fn index_out_of_range() {
        let frame = Frame { index: 3, ..sample() };
        assert_eq!(
            decode_frame(&frame.encode()),
            Err(CodecError::FrameIndexOutOfRange { index: 3, count: 3 })
        );
        let frame = Frame { index: 0, count: 0, ..sample() };
        assert_eq!(
            decode_frame(&frame.encode()),
            Err(CodecError::FrameIndexOutOfRange { index: 0, count: 0 })
        );
    }
}
