//! The batch codec: how a [`Batch`] of L2 blocks becomes DA blobs and back.
//!
//! `Batch` → RLP → zstd (level 3) → cut into self-describing, checksummed [`Frame`]s, each one
//! blob. Readers decode each blob with [`decode_frame`] and feed the frames, in any order and
//! from any DA heights, to a [`BatchAssembler`], which yields the batch once complete.

mod assembler;
mod batch;
mod compression;
mod encoder;
mod error;
mod frame;

pub use assembler::{BatchAssembler, DEFAULT_MAX_PENDING_BYTES};
pub use batch::{Batch, BatchBlock, V1_TRANSACTION_KIND};
pub use compression::{COMPRESSION_LEVEL, MAX_DECOMPRESSED_BYTES};
pub use encoder::{MIN_MAX_BLOB_BYTES, encode_batch};
pub use error::CodecError;
pub use frame::{
    FRAME_HEADER_LEN, FRAME_MAGIC, FRAME_OVERHEAD, FRAME_VERSION, FRAME_VERSION_V1, Frame,
    decode_frame, is_supported_version,
};

#[cfg(test)]
pub(crate) use encoder::frames_from_compressed;
