//! Reading batches back from L1: the blobs of one L1 block are the calldata of its
//! transactions sent to the batch inbox by the batcher, in block order. Anyone can send a
//! transaction to the inbox; only the batcher's count.

use alloy::{
    eips::BlockNumberOrTag,
    primitives::{Address, Bytes},
    providers::Provider,
};

use super::{
    connection::{L1Rpc, call},
    wire::{BlockTx, BlockWithTxs},
};
use crate::DaError;

/// Which transactions carry batches: to `inbox`, from `batcher`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct BatchFilter {
    /// The batch-inbox address.
    pub(super) inbox: Address,
    /// The only sender whose inbox transactions are batches.
    pub(super) batcher: Address,
}

impl BatchFilter {
    /// The inputs of the batch transactions among `txs`, in order. Empty inputs are skipped
    /// (the backend never submits an empty blob).
    pub(super) fn blobs(&self, txs: Vec<BlockTx>) -> Vec<Bytes> {
        txs.into_iter()
            .filter(|tx| tx.to == Some(self.inbox) && tx.from == self.batcher)
            .map(|tx| tx.input)
            .filter(|input| !input.is_empty())
            .collect()
    }

    /// The blobs of L1 block `height`; [`DaError::HeightNotAvailable`] above the head.
    pub(super) async fn blobs_at(&self, rpc: &L1Rpc, height: u64) -> Result<Vec<Bytes>, DaError> {
        let provider = rpc.checked().await?;
        let block: Option<BlockWithTxs> = call(
            "eth_getBlockByNumber",
            provider.raw_request(
                "eth_getBlockByNumber".into(),
                (BlockNumberOrTag::Number(height), true),
            ),
        )
        .await?;
        let Some(block) = block else {
            let head = call("eth_blockNumber", provider.get_block_number()).await?;
            return Err(DaError::HeightNotAvailable { height, head });
        };
        if block.number.to::<u64>() != height {
            return Err(super::connection::unavailable(
                "eth_getBlockByNumber",
                format!("asked for block {height}, the node answered block {}", block.number),
            ));
        }
        Ok(self.blobs(block.transactions))
    }
}

#[cfg(test)]
mod tests {
    use alloy::primitives::address;

    use super::*;

    const INBOX: Address = address!("0xff00000000000000000000000000000000000901");
    const BATCHER: Address = address!("0x70997970C51812dc3A010C7d01b50e0d17dc79C8");
    const OTHER: Address = address!("0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC");

    fn tx(from: Address, to: Option<Address>, input: &[u8]) -> BlockTx {
        BlockTx { from, to, input: Bytes::copy_from_slice(input) }
    }

    #[test]
    fn keeps_only_the_batchers_inbox_transactions_in_order() {
        let filter = BatchFilter { inbox: INBOX, batcher: BATCHER };
        let txs = vec![
            tx(BATCHER, Some(INBOX), b"first"),
            tx(OTHER, Some(INBOX), b"foreign sender"),
            tx(BATCHER, Some(OTHER), b"other recipient"),
            tx(BATCHER, None, b"contract creation"),
            tx(BATCHER, Some(INBOX), b""),
            tx(BATCHER, Some(INBOX), b"second"),
        ];
        let blobs = filter.blobs(txs);
        assert_eq!(blobs, vec![Bytes::from_static(b"first"), Bytes::from_static(b"second")]);
    }

    #[test]
    fn a_block_without_batches_is_empty() {
        let filter = BatchFilter { inbox: INBOX, batcher: BATCHER };
        assert!(filter.blobs(vec![]).is_empty());
        assert!(filter.blobs(vec![tx(OTHER, Some(INBOX), b"spam")]).is_empty());
    }
}
