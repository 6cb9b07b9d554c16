//! Storage encodings of block bodies (transactions with their recovered senders, so a
//! signature is never recovered twice) and receipts (EIP-2718).

use alloy_consensus::{ReceiptEnvelope, TxEnvelope};
use alloy_eips::eip2718::{Decodable2718, Encodable2718};
use alloy_primitives::Address;

use crate::{ExecutionError, RecoveredTx};

fn corrupt(what: &'static str, reason: impl ToString) -> ExecutionError {
    ExecutionError::Corrupt { what, reason: reason.to_string() }
}

/// Splits `len u32 BE ‖ bytes` records.
fn records<'a>(
    mut buf: &'a [u8],
    what: &'static str,
    prefix: usize,
) -> impl Iterator<Item = Result<(&'a [u8], &'a [u8]), ExecutionError>> + 'a {
    std::iter::from_fn(move || {
        if buf.is_empty() {
            return None;
        }
        if buf.len() < prefix + 4 {
            buf = &[];
            return Some(Err(corrupt(what, "truncated record header")));
        }
        let head = &buf[..prefix];
        let len =
            u32::from_be_bytes([buf[prefix], buf[prefix + 1], buf[prefix + 2], buf[prefix + 3]])
                as usize;
        let rest = &buf[prefix + 4..];
        if rest.len() < len {
            buf = &[];
            return Some(Err(corrupt(what, "truncated record")));
        }
        let (body, tail) = rest.split_at(len);
        buf = tail;
        Some(Ok((head, body)))
    })
}

/// Encodes transactions as `sender ‖ len ‖ EIP-2718 bytes` records.
pub(crate) fn encode_body(txs: &[RecoveredTx]) -> Vec<u8> {
    let mut out = Vec::with_capacity(txs.iter().map(|t| t.encoded.len() + 24).sum());
    for tx in txs {
        out.extend_from_slice(tx.sender.as_slice());
        out.extend_from_slice(&(tx.encoded.len() as u32).to_be_bytes());
        out.extend_from_slice(&tx.encoded);
    }
    out
}

/// Decodes a body written by `encode_body`.
pub(crate) fn decode_body(buf: &[u8]) -> Result<Vec<RecoveredTx>, ExecutionError> {
    records(buf, "block body", 20)
        .map(|record| {
            let (sender, raw) = record?;
            let envelope =
                TxEnvelope::decode_2718(&mut &raw[..]).map_err(|e| corrupt("block body", e))?;
            Ok(RecoveredTx {
                hash: *envelope.tx_hash(),
                envelope,
                sender: Address::from_slice(sender),
                encoded: raw.to_vec().into(),
            })
        })
        .collect()
}

/// Encodes receipts as `len ‖ EIP-2718 receipt` records.
pub(crate) fn encode_receipts(receipts: &[ReceiptEnvelope]) -> Vec<u8> {
    let mut out = Vec::new();
    for receipt in receipts {
        let encoded = receipt.encoded_2718();
        out.extend_from_slice(&(encoded.len() as u32).to_be_bytes());
        out.extend_from_slice(&encoded);
    }
    out
}

/// Decodes receipts written by `encode_receipts`.
pub(crate) fn decode_receipts(buf: &[u8]) -> Result<Vec<ReceiptEnvelope>, ExecutionError> {
    records(buf, "receipts", 0)
        .map(|record| {
            let (_, mut raw) = record?;
            ReceiptEnvelope::decode_2718(&mut raw).map_err(|e| corrupt("receipts", e))
        })
        .collect()
}
