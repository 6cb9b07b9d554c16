//! Sealed blocks: the receipts and the header that commit to a block's transactions,
//! receipts and state, and the block as persisted and served.
//!
//! The header is an Ethereum header, and its Ethereum fields describe the block as the EVM
//! sees it: `transactionsRoot`, `receiptsRoot`, `logsBloom` and `gasUsed` are computed over
//! the block's EVM transactions only, exactly as Ethereum computes them, so Ethereum clients
//! can check them against what `eth_getBlockByNumber` lists. A block that also holds
//! transactions of other engines commits to all of its transactions through `extraData`:
//! it is then the 32-byte root of the ordered trie whose leaf `i` is
//! `kind ‖ keccak256(payload) ‖ keccak256(receipt)` of the block's `i`-th transaction (every
//! engine's, EVM included, so the order across engines is committed too). A block of EVM
//! transactions only keeps the `extraData` it was given (empty for sealed blocks): an EVM-only
//! chain is byte-identical to an Ethereum-style chain.

use alloy_consensus::{EMPTY_OMMER_ROOT_HASH, Header, ReceiptEnvelope};
use alloy_eips::{eip2718::Encodable2718, eip7685::EMPTY_REQUESTS_HASH};
use alloy_primitives::{B64, B256, Bloom, Bytes, U256, keccak256};
use alloy_trie::{EMPTY_ROOT_HASH, root::ordered_trie_root_with_encoder};
use rayon::prelude::*;

use crate::{
    BlockEnv, EngineKind, Receipt, Transaction,
    block::{BlockOutcome, IncludedTx},
    evm::EvmTx,
};

/// A block whose header (and so hash) is final.
#[derive(Debug, Clone, PartialEq)]
pub struct SealedBlock {
    /// The header.
    pub header: Header,
    /// keccak256 of the RLP header.
    pub hash: B256,
    /// Transactions of every engine, in block order.
    pub transactions: Vec<Transaction>,
    /// One receipt per transaction.
    pub receipts: Vec<Receipt>,
}

impl SealedBlock {
    /// Block number.
    pub fn number(&self) -> u64 {
        self.header.number
    }

    /// The block's EVM transactions and their receipts, in block order (what Ethereum clients
    /// see of it).
    pub fn evm_transactions(&self) -> impl Iterator<Item = (&EvmTx, &ReceiptEnvelope)> {
        self.transactions
            .iter()
            .zip(&self.receipts)
            .filter_map(|(tx, receipt)| Some((tx.as_evm()?, receipt.as_evm()?)))
    }
}

/// Blocks with more transactions than this build their receipts on all cores.
const PARALLEL_RECEIPTS: usize = 256;

/// The receipts of `included`, in order: each engine's output turned into its receipt
/// (Ethereum receipts get their cumulative gas and logs bloom).
fn receipts(included: &[IncludedTx]) -> Vec<Receipt> {
    let mut cumulative = 0u64;
    let gas: Vec<u64> = included
        .iter()
        .map(|i| {
            if i.tx.kind().budget_kind() == EngineKind::Evm {
                cumulative = cumulative.saturating_add(i.result.used);
            }
            cumulative
        })
        .collect();
    if included.len() > PARALLEL_RECEIPTS {
        included.par_iter().zip(gas).map(|(i, gas)| i.result.output.receipt(gas)).collect()
    } else {
        included.iter().zip(gas).map(|(i, gas)| i.result.output.receipt(gas)).collect()
    }
}

/// Seals `outcome` with the state root it leads to: its receipts and its header.
pub fn seal(outcome: &BlockOutcome, state_root: B256, extra_data: Bytes) -> SealedBlock {
    UnrootedBlock::new(outcome, extra_data).with_state_root(state_root)
}

/// A block sealed but for its state root: receipts, transactions and every other header
/// field. It needs only the executed block, so it can be built while the block's state is
/// committed and the root computed.
#[derive(Debug)]
pub(crate) struct UnrootedBlock {
    /// The header, its `state_root` not set yet.
    header: Header,
    transactions: Vec<Transaction>,
    receipts: Vec<Receipt>,
}

impl UnrootedBlock {
    /// The receipts and header fields of `outcome`.
    pub(crate) fn new(outcome: &BlockOutcome, extra_data: Bytes) -> Self {
        let receipts = receipts(&outcome.transactions);
        let transactions: Vec<Transaction> =
            outcome.transactions.iter().map(|i| i.tx.clone()).collect();
        let header = build_header(
            &outcome.env,
            B256::ZERO,
            &transactions,
            &receipts,
            outcome.gas_used,
            extra_data,
        );
        Self { header, transactions, receipts }
    }

    /// The block's transactions, in order.
    pub(crate) fn transactions(&self) -> &[Transaction] {
        &self.transactions
    }

    /// One receipt per transaction.
    pub(crate) fn receipts(&self) -> &[Receipt] {
        &self.receipts
    }

    /// The sealed block, with the state root the block leads to.
    pub(crate) fn with_state_root(self, state_root: B256) -> SealedBlock {
        let header = Header { state_root, ..self.header };
        SealedBlock {
            hash: header.hash_slow(),
            header,
            transactions: self.transactions,
            receipts: self.receipts,
        }
    }
}

/// The root committing to every transaction of a block and its receipt, in order (see the
/// module documentation); `None` for a block of EVM transactions only.
pub(crate) fn all_engines_root(transactions: &[Transaction], receipts: &[Receipt]) -> Option<B256> {
    if transactions.iter().all(|tx| tx.kind() == EngineKind::Evm) {
        return None;
    }
    let leaves: Vec<(u8, B256, B256)> = transactions
        .iter()
        .zip(receipts)
        .map(|(tx, receipt)| {
            (tx.kind().tag(), keccak256(tx.payload()), keccak256(receipt.encode_payload()))
        })
        .collect();
    Some(ordered_trie_root_with_encoder(&leaves, |(kind, tx, receipt), buf| {
        buf.push(*kind);
        buf.extend_from_slice(tx.as_slice());
        buf.extend_from_slice(receipt.as_slice());
    }))
}

/// The Ethereum header of a block executed in `env` with the given results.
///
/// Fields Manifold does not use carry their post-merge constants (zero difficulty and nonce,
/// empty ommers, withdrawals and requests, no blob gas), so the header hashes like an
/// Ethereum header and clients that check block hashes accept it.
pub fn build_header(
    env: &BlockEnv,
    state_root: B256,
    transactions: &[Transaction],
    receipts: &[Receipt],
    gas_used: u64,
    extra_data: Bytes,
) -> Header {
    let evm_txs: Vec<&EvmTx> = transactions.iter().filter_map(Transaction::as_evm).collect();
    let evm_receipts: Vec<&ReceiptEnvelope> = receipts.iter().filter_map(Receipt::as_evm).collect();
    let mut logs_bloom = Bloom::ZERO;
    for receipt in &evm_receipts {
        logs_bloom.accrue_bloom(receipt.logs_bloom());
    }
    let extra_data = match all_engines_root(transactions, receipts) {
        Some(root) => Bytes::copy_from_slice(root.as_slice()),
        None => extra_data,
    };
    Header {
        parent_hash: env.parent_hash,
        ommers_hash: EMPTY_OMMER_ROOT_HASH,
        beneficiary: env.beneficiary,
        state_root,
        // The EIP-2718 bytes are at hand: no need to re-encode the transactions.
        transactions_root: ordered_trie_root_with_encoder(&evm_txs, |tx, buf| {
            buf.extend_from_slice(&tx.encoded)
        }),
        receipts_root: ordered_trie_root_with_encoder(&evm_receipts, |r, buf| r.encode_2718(buf)),
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
