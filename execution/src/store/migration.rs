//! Layout versions of the node database, and the migrations of a database written before
//! engines (layout 1, EVM only), before state history (layout 2) and before trie history
//! (layout 3) to the current one (layout 4).
//!
//! Layout 4 adds the trie history (`node_history`, and node keys in `history_changes`) and
//! the `trie_history_from` mark. A layout-3 chain has no record of its past trie nodes: the
//! mark is set at its head, so `eth_getProof` is served from the upgrade on (its other state
//! queries keep their whole kept range). A layout-3 build refuses a layout-4 database (it
//! could not prune the node entries).
//!
//! Layout 3 adds the state history tables (see `history`) and the `history_from` mark. A
//! layout-2 chain has no history of its past blocks: the mark is set at its head, so its
//! states are served from there on.
//!
//! Layout 2 keeps block bodies and receipts as kind-tagged records of every engine
//! (`block_bodies`, `block_receipts`). Layout 1 kept `sender ‖ EIP-2718 transaction` records
//! in `bodies` and EIP-2718 receipts in `receipts`; at open, every block of those tables is
//! rewritten as layout 2 in one write transaction (headers, state and the trie are unchanged:
//! the chain is the same) and the old tables are dropped.

use alloy_consensus::ReceiptEnvelope;
use alloy_eips::eip2718::Decodable2718;
use alloy_primitives::Address;
use redb::{ReadableTable, TableDefinition, TableHandle, WriteTransaction};

use super::{
    block_codec::{corrupt, encode_body, encode_receipts},
    tables::{
        BLOCK_BODIES, BLOCK_RECEIPTS, META, META_HEAD, META_HISTORY_FROM, META_HISTORY_PRUNED,
        META_SCHEMA, META_TRIE_HISTORY_FROM,
    },
};
use crate::{ExecutionError, Receipt, Transaction, evm::EvmTx};

/// The layout this build writes.
pub(crate) const SCHEMA: u64 = 4;

/// Layout 1's block bodies: number → `sender (20) ‖ len (u32 BE) ‖ EIP-2718` records.
const LEGACY_BODIES: TableDefinition<'_, u64, &[u8]> = TableDefinition::new("bodies");
/// Layout 1's receipts: number → `len (u32 BE) ‖ EIP-2718 receipt` records.
const LEGACY_RECEIPTS: TableDefinition<'_, u64, &[u8]> = TableDefinition::new("receipts");

/// Blocks between two progress lines of a migration.
const PROGRESS_EVERY: u64 = 10_000;

/// Brings the database of `txn` to [`SCHEMA`]: records the layout of a new database, migrates
/// a layout-1 database, refuses one written by a newer build.
pub(crate) fn migrate(txn: &WriteTransaction) -> Result<(), ExecutionError> {
    let (schema, head) = {
        let meta = txn.open_table(META)?;
        let schema = super::reader::u64_meta(meta.get(META_SCHEMA)?.as_ref().map(|v| v.value()))?;
        (schema, super::reader::u64_meta(meta.get(META_HEAD)?.as_ref().map(|v| v.value()))?)
    };
    match schema {
        Some(SCHEMA) => return Ok(()),
        Some(newer) if newer > SCHEMA => {
            return Err(ExecutionError::Corrupt {
                what: "database layout",
                reason: format!(
                    "written by a newer manifold (layout {newer}; this build reads up to \
                     {SCHEMA}): run that version, or start from an empty data directory"
                ),
            });
        }
        _ => {}
    }
    if head.is_some() && schema.is_none_or(|schema| schema < 2) {
        migrate_v1(txn)?;
    }
    // The history tables exist (`Store::open` creates them); what the chain never recorded
    // starts at its head (0 for a new database).
    let from = head.unwrap_or(0).to_be_bytes();
    let mut meta = txn.open_table(META)?;
    if schema.is_none_or(|schema| schema < 3) {
        // Layout 2 → 3: no state history of the past blocks.
        meta.insert(META_HISTORY_FROM, from.as_slice())?;
        meta.insert(META_HISTORY_PRUNED, from.as_slice())?;
    }
    // Layout 3 → 4: no trie history of the past blocks.
    meta.insert(META_TRIE_HISTORY_FROM, from.as_slice())?;
    meta.insert(META_SCHEMA, SCHEMA.to_be_bytes().as_slice())?;
    Ok(())
}

fn has_table(txn: &WriteTransaction, name: &str) -> Result<bool, ExecutionError> {
    Ok(txn.list_tables()?.any(|table| table.name() == name))
}

/// Rewrites layout 1's bodies and receipts as layout 2's.
fn migrate_v1(txn: &WriteTransaction) -> Result<(), ExecutionError> {
    if has_table(txn, LEGACY_BODIES.name())? {
        let legacy = txn.open_table(LEGACY_BODIES)?;
        let mut bodies = txn.open_table(BLOCK_BODIES)?;
        let mut count = 0u64;
        for entry in legacy.iter()? {
            let (number, body) = entry?;
            let txs = decode_legacy_body(body.value())?;
            bodies.insert(number.value(), encode_body(&txs).as_slice())?;
            count += 1;
            if count.is_multiple_of(PROGRESS_EVERY) {
                tracing::info!(blocks = count, "migrating block bodies to the multi-engine layout");
            }
        }
        tracing::info!(blocks = count, "migrated block bodies to the multi-engine layout");
    }
    if has_table(txn, LEGACY_RECEIPTS.name())? {
        let legacy = txn.open_table(LEGACY_RECEIPTS)?;
        let mut receipts = txn.open_table(BLOCK_RECEIPTS)?;
        for entry in legacy.iter()? {
            let (number, raw) = entry?;
            let decoded = decode_legacy_receipts(raw.value())?;
            receipts.insert(number.value(), encode_receipts(&decoded).as_slice())?;
        }
    }
    txn.delete_table(LEGACY_BODIES)?;
    txn.delete_table(LEGACY_RECEIPTS)?;
    Ok(())
}

/// One of layout 1's records: its fixed prefix and its bytes.
type LegacyRecord<'a> = (&'a [u8], &'a [u8]);

/// Splits layout 1's `prefix ‖ len ‖ bytes` records.
fn legacy_records<'a>(
    mut buf: &'a [u8],
    prefix: usize,
    what: &'static str,
) -> Result<Vec<LegacyRecord<'a>>, ExecutionError> {
    let mut out = Vec::new();
    while !buf.is_empty() {
        if buf.len() < prefix + 4 {
            return Err(corrupt(what, "truncated record header"));
        }
        let (head, rest) = buf.split_at(prefix);
        let (len, rest) = rest.split_at(4);
        let len = u32::from_be_bytes(len.try_into().expect("4 bytes")) as usize;
        if rest.len() < len {
            return Err(corrupt(what, "truncated record"));
        }
        let (body, tail) = rest.split_at(len);
        out.push((head, body));
        buf = tail;
    }
    Ok(out)
}

fn decode_legacy_body(buf: &[u8]) -> Result<Vec<Transaction>, ExecutionError> {
    legacy_records(buf, 20, "layout-1 block body")?
        .into_iter()
        .map(|(sender, raw)| {
            EvmTx::decode_with_sender(raw, Address::from_slice(sender))
                .map(Transaction::Evm)
                .map_err(|e| corrupt("layout-1 block body", e))
        })
        .collect()
}

fn decode_legacy_receipts(buf: &[u8]) -> Result<Vec<Receipt>, ExecutionError> {
    legacy_records(buf, 0, "layout-1 receipts")?
        .into_iter()
        .map(|(_, mut raw)| {
            ReceiptEnvelope::decode_2718(&mut raw)
                .map(Receipt::Evm)
                .map_err(|e| corrupt("layout-1 receipts", e))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legacy_records_reject_truncation() {
        assert!(legacy_records(&[0u8; 23], 20, "x").is_err());
        let mut ok = vec![7u8; 20];
        ok.extend_from_slice(&2u32.to_be_bytes());
        ok.extend_from_slice(&[1, 2]);
        let records = legacy_records(&ok, 20, "x").unwrap();
        assert_eq!(records, vec![(&[7u8; 20][..], &[1u8, 2][..])]);
        ok.pop();
        assert!(legacy_records(&ok, 20, "x").is_err());
    }
}
