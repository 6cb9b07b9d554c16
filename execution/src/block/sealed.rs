//! Sealed blocks: the header that commits to a block's transactions, receipts and state, and
//! the block as persisted and served.

use alloy_consensus::{
    EMPTY_OMMER_ROOT_HASH, Header, ReceiptEnvelope, proofs::calculate_receipt_root,
};
use alloy_eips::eip7685::EMPTY_REQUESTS_HASH;
use alloy_primitives::{B64, B256, Bloom, Bytes, U256};
use alloy_trie::EMPTY_ROOT_HASH;

use crate::{BlockEnv, RecoveredTx};

/// A block whose header (and so hash) is final.
#[derive(Debug, Clone, PartialEq)]
pub struct SealedBlock {
    /// The header.
    pub header: Header,
    /// keccak256 of the RLP header.
    pub hash: B256,
    /// Transactions in block order, with their senders.
    pub transactions: Vec<RecoveredTx>,
    /// One receipt per transaction.
    pub receipts: Vec<ReceiptEnvelope>,
}

impl SealedBlock {
    /// Block number.
    pub fn number(&self) -> u64 {
        self.header.number
    }
}

/// The Ethereum header for a block executed in `env` with the given results.
///
/// Fields Manifold does not use carry their post-merge constants (zero difficulty and nonce,
/// empty ommers, withdrawals and requests, no blob gas), so the header hashes like an
/// Ethereum header and clients that check block hashes accept it.
pub fn build_header(
    env: &BlockEnv,
    state_root: B256,
    transactions: &[RecoveredTx],
    receipts: &[ReceiptEnvelope],
    gas_used: u64,
    extra_data: Bytes,
) -> Header {
    let mut logs_bloom = Bloom::ZERO;
    for receipt in receipts {
        logs_bloom.accrue_bloom(receipt.logs_bloom());
    }
    Header {
        parent_hash: env.parent_hash,
        ommers_hash: EMPTY_OMMER_ROOT_HASH,
        beneficiary: env.beneficiary,
        state_root,
        // The EIP-2718 bytes are at hand: no need to re-encode the transactions.
        transactions_root: alloy_trie::root::ordered_trie_root_with_encoder(
            transactions,
            |tx: &RecoveredTx, buf: &mut Vec<u8>| buf.extend_from_slice(&tx.encoded),
        ),
        receipts_root: calculate_receipt_root(receipts),
        logs_bloom,
        difficulty: U256::ZERO,
        number: env.number,
        gas_limit: env.gas_limit,
        gas_used,
        timestamp: env.timestamp,
        extra_data,
        mix_hash: env.prevrandao,
        nonce: B64::ZERO,
        base_fee_per_gas: Some(env.base_fee_per_gas),
        withdrawals_root: Some(EMPTY_ROOT_HASH),
        blob_gas_used: Some(0),
        excess_blob_gas: Some(0),
        parent_beacon_block_root: Some(B256::ZERO),
        requests_hash: Some(EMPTY_REQUESTS_HASH),
        ..Default::default()
    }
}
