//! The data model carried on DA: [`Batch`] and [`BatchBlock`], RLP-encoded.

use alloy_primitives::{B256, Bytes};
use alloy_rlp::{RlpDecodable, RlpEncodable};

/// One L2 block as carried on DA: enough for a follower to re-execute and check it.
#[derive(Clone, Debug, PartialEq, Eq, RlpEncodable, RlpDecodable)]
pub struct BatchBlock {
    /// L2 block number.
    pub number: u64,
    /// Block timestamp, seconds since the Unix epoch.
    pub timestamp: u64,
    /// Hash of the parent L2 block.
    pub parent_hash: B256,
    /// Hash of this block, as sealed by the sequencer.
    pub block_hash: B256,
    /// State root after executing this block; a follower must reach the same.
    pub state_root: B256,
    /// Block gas limit.
    pub gas_limit: u64,
    /// Base fee per gas of this block.
    pub base_fee_per_gas: u64,
    /// The block's transactions in order, each `kind ‖ payload` (the engine's kind tag, then
    /// its wire bytes: an EIP-2718 transaction for the EVM).
    pub transactions: Vec<Bytes>,
}

/// Consecutive blocks posted together.
#[derive(Clone, Debug, Default, PartialEq, Eq, RlpEncodable, RlpDecodable)]
pub struct Batch {
    /// The blocks, in increasing block number.
    pub blocks: Vec<BatchBlock>,
}

/// The kind tag of the transactions of a version-1 batch, which carried EVM transactions
/// only (EIP-2718 bytes without a tag): the EVM's.
pub const V1_TRANSACTION_KIND: u8 = 0x00;

impl Batch {
    /// RLP-decodes a batch of format `version`, rejecting trailing bytes. The transactions of
    /// a version-1 batch are tagged as EVM transactions ([`V1_TRANSACTION_KIND`]).
    pub(crate) fn decode_exact(version: u8, mut buf: &[u8]) -> Result<Self, alloy_rlp::Error> {
        let mut batch = <Self as alloy_rlp::Decodable>::decode(&mut buf)?;
        if !buf.is_empty() {
            return Err(alloy_rlp::Error::Custom("trailing bytes after batch"));
        }
        if version == super::FRAME_VERSION_V1 {
            for block in &mut batch.blocks {
                for tx in &mut block.transactions {
                    let mut tagged = Vec::with_capacity(1 + tx.len());
                    tagged.push(V1_TRANSACTION_KIND);
                    tagged.extend_from_slice(tx);
                    *tx = tagged.into();
                }
            }
        }
        Ok(batch)
    }
}
