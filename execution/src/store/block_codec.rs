//! Storage encodings of block bodies and receipts: `len (u32 BE) ‖ record` for each
//! transaction ([`Transaction::encode_record`]: kind, what admission verified, payload — so a
//! signature is never verified twice) and each receipt ([`Receipt::encode_record`]).

use crate::{ExecutionError, Receipt, Transaction};

pub(crate) fn corrupt(what: &'static str, reason: impl ToString) -> ExecutionError {
    ExecutionError::Corrupt { what, reason: reason.to_string() }
}

/// Splits `len u32 BE ‖ bytes` records.
pub(crate) fn records<'a>(
    mut buf: &'a [u8],
    what: &'static str,
) -> impl Iterator<Item = Result<&'a [u8], ExecutionError>> + 'a {
    std::iter::from_fn(move || {
        if buf.is_empty() {
            return None;
        }
        let Some((len, rest)) = buf.split_first_chunk::<4>() else {
            buf = &[];
            return Some(Err(corrupt(what, "truncated record header")));
        };
        let len = u32::from_be_bytes(*len) as usize;
        if rest.len() < len {
            buf = &[];
            return Some(Err(corrupt(what, "truncated record")));
        }
        let (body, tail) = rest.split_at(len);
        buf = tail;
        Some(Ok(body))
    })
}

/// Appends `record` with its length.
pub(crate) fn push_record(out: &mut Vec<u8>, encode: impl FnOnce(&mut Vec<u8>)) {
    let at = out.len();
    out.extend_from_slice(&[0u8; 4]);
    encode(out);
    let len = (out.len() - at - 4) as u32;
    out[at..at + 4].copy_from_slice(&len.to_be_bytes());
}

/// Encodes a block's transactions.
pub(crate) fn encode_body(txs: &[Transaction]) -> Vec<u8> {
    let mut out = Vec::with_capacity(txs.iter().map(|t| t.size() + 32).sum());
    for tx in txs {
        push_record(&mut out, |out| tx.encode_record(out));
    }
    out
}

/// Decodes a body written by `encode_body`.
pub(crate) fn decode_body(buf: &[u8]) -> Result<Vec<Transaction>, ExecutionError> {
    records(buf, "block body")
        .map(|record| Transaction::decode_record(record?).map_err(|e| corrupt("block body", e)))
        .collect()
}

/// The tagged encodings of the transactions of a body written by `encode_body`, cut from
/// its records without decoding them (see [`Transaction::tagged_from_record`]).
pub(crate) fn tagged_body(buf: &[u8]) -> Result<Vec<alloy_primitives::Bytes>, ExecutionError> {
    records(buf, "block body")
        .map(|record| {
            Transaction::tagged_from_record(record?).map_err(|e| corrupt("block body", e))
        })
        .collect()
}

/// Encodes a block's receipts.
pub(crate) fn encode_receipts(receipts: &[Receipt]) -> Vec<u8> {
    let mut out = Vec::new();
    for receipt in receipts {
        push_record(&mut out, |out| receipt.encode_record(out));
    }
    out
}

/// Decodes receipts written by `encode_receipts`.
pub(crate) fn decode_receipts(buf: &[u8]) -> Result<Vec<Receipt>, ExecutionError> {
    records(buf, "receipts")
        .map(|record| Receipt::decode_record(record?).map_err(|e| corrupt("receipts", e)))
        .collect()
}
