//! zstd compression of batch payloads, with a bounded decompressor that defeats zip bombs.

use std::io::Read;

use crate::CodecError;

/// zstd level used for batch payloads.
pub const COMPRESSION_LEVEL: i32 = 3;

/// Largest decompressed batch payload accepted (and produced), in bytes: 64 MiB.
pub const MAX_DECOMPRESSED_BYTES: usize = 64 * 1024 * 1024;

/// Largest zstd window a reader accepts (2^24 = 16 MiB), bounding decoder memory. Level 3 uses
/// at most 2^21.
const WINDOW_LOG_MAX: u32 = 24;

/// Compresses `payload` at [`COMPRESSION_LEVEL`].
pub(crate) fn compress(payload: &[u8]) -> Result<Vec<u8>, CodecError> {
    if payload.len() > MAX_DECOMPRESSED_BYTES {
        return Err(CodecError::TooLarge { size: payload.len(), max: MAX_DECOMPRESSED_BYTES });
    }
    zstd::bulk::compress(payload, COMPRESSION_LEVEL)
        .map_err(|e| CodecError::Compress(e.to_string()))
}

/// Decompresses untrusted `compressed` bytes, failing with [`CodecError::TooLarge`] as soon as
/// the output would exceed `max` bytes. Memory used is bounded by `max` plus the zstd window.
pub(crate) fn decompress_bounded(compressed: &[u8], max: usize) -> Result<Vec<u8>, CodecError> {
    let mut decoder =
        zstd::stream::read::Decoder::with_buffer(compressed).map_err(decompress_error)?;
    decoder.window_log_max(WINDOW_LOG_MAX).map_err(decompress_error)?;
    let mut out = Vec::new();
    let limit = u64::try_from(max).unwrap_or(u64::MAX).saturating_add(1);
    decoder.take(limit).read_to_end(&mut out).map_err(decompress_error)?;
    if out.len() > max {
        return Err(CodecError::TooLarge { size: out.len(), max });
    }
    Ok(out)
}

fn decompress_error(e: std::io::Error) -> CodecError {
    CodecError::Decompress(e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let data = b"hello hello hello hello".repeat(100);
        let compressed = compress(&data).unwrap();
        assert!(compressed.len() < data.len());
        assert_eq!(decompress_bounded(&compressed, data.len()).unwrap(), data);
    }

    #[test]
    fn limit_is_enforced() {
        let data = vec![0u8; 10_000];
        let compressed = compress(&data).unwrap();
        assert_eq!(
            decompress_bounded(&compressed, 9_999),
            Err(CodecError::TooLarge { size: 10_000, max: 9_999 })
        );
    }

    #[test]
    fn garbage_is_a_decompress_error() {
        assert!(matches!(decompress_bounded(b"not zstd", 1024), Err(CodecError::Decompress(_))));
        // Whatever zstd says about empty input, it must not panic.
        let _ = decompress_bounded(&[], 1024);
    }
}
