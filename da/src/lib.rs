#![doc = include_str!("../README.md")]

mod backend;
mod celestia;
mod codec;
mod error;
mod ethereum;
#[cfg(any(test, feature = "test-utils"))]
mod flaky;
pub mod fuzzing;
mod local;

pub use backend::{DaBackend, DaReceipt, check_blob_size};
pub use celestia::CelestiaDa;
pub use codec::{
    Batch, BatchAssembler, BatchBlock, COMPRESSION_LEVEL, CodecError, DEFAULT_MAX_PENDING_BYTES,
    FRAME_HEADER_LEN, FRAME_MAGIC, FRAME_OVERHEAD, FRAME_VERSION, FRAME_VERSION_V1, Frame,
    MAX_DECOMPRESSED_BYTES, MIN_MAX_BLOB_BYTES, V1_TRANSACTION_KIND, decode_frame, encode_batch,
    is_supported_version,
};
pub use error::DaError;
pub use ethereum::EthereumDa;
#[cfg(any(test, feature = "test-utils"))]
pub use flaky::FlakyDa;
pub use local::LocalDa;
