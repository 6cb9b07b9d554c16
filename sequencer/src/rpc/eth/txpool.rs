//! `txpool_status`, `txpool_content`, `txpool_contentFrom` and `txpool_inspect`: the pool's
//! EVM transactions in geth's shapes.
//!
//! A sender's transactions are *pending* from its account nonce on while their nonces run
//! without a gap (the next block may take them in order), *queued* after the first gap
//! (they wait for the missing nonce). As in geth, senders are keyed by their checksummed
//! address and transactions by their nonce in decimal; counts are hex quantities; an inspect
//! line reads `<to>: <value> wei + <gas> gas × <fee cap> wei` (`contract creation: …` for a
//! deployment). Transactions of other engines are not listed.

use std::{collections::BTreeMap, sync::Arc};

use alloy_consensus::Transaction as _;
use alloy_primitives::{Address, U64};
use alloy_rpc_types_eth::Transaction;
use execution::{AccountId, StateView, evm::EvmTx};
use serde::Serialize;

use super::{
    api::TxPoolApiServer,
    convert::rpc_transaction,
    errors::{RpcResult, internal},
    handler::RpcHandler,
};

/// `txpool_status`: how many transactions are pending and queued.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct TxPoolStatus {
    /// Executable in nonce order.
    pub(crate) pending: U64,
    /// Waiting behind a nonce gap.
    pub(crate) queued: U64,
}

/// Per-sender entries of `txpool_content` / `txpool_inspect`: checksummed sender → decimal
/// nonce → `T`.
pub(crate) type BySender<T> = BTreeMap<String, BTreeMap<String, T>>;

/// Pending and queued entries of each sender.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct ByReadiness<T> {
    /// Executable in nonce order.
    pub(crate) pending: T,
    /// Waiting behind a nonce gap.
    pub(crate) queued: T,
}

/// `txpool_content`.
pub(crate) type TxPoolContent = ByReadiness<BySender<Transaction>>;
/// `txpool_contentFrom`: decimal nonce → transaction.
pub(crate) type TxPoolContentFrom = ByReadiness<BTreeMap<String, Transaction>>;
/// `txpool_inspect`.
pub(crate) type TxPoolInspect = ByReadiness<BySender<String>>;

/// A sender's pooled EVM transactions, split at the first nonce gap from `state_nonce`
/// (transactions below it, about to be dropped as included, are left out).
fn split_lane(lane: &[Arc<execution::Transaction>], state_nonce: u64) -> ByReadiness<Vec<EvmTx>> {
    let mut split = ByReadiness { pending: Vec::new(), queued: Vec::new() };
    let mut next = state_nonce;
    for tx in lane.iter().filter_map(|tx| tx.as_evm()) {
        let nonce = tx.nonce();
        if nonce < state_nonce {
            continue;
        }
        if nonce == next && split.queued.is_empty() {
            split.pending.push(tx.clone());
            next += 1;
        } else {
            split.queued.push(tx.clone());
        }
    }
    split
}

/// geth's one-line summary of a pooled transaction.
fn summary(tx: &EvmTx) -> String {
    let envelope = &tx.envelope;
    let target = match envelope.to() {
        Some(to) => to.to_checksum(None),
        None => "contract creation".to_string(),
    };
    format!(
        "{target}: {} wei + {} gas × {} wei",
        envelope.value(),
        envelope.gas_limit(),
        envelope.max_fee_per_gas()
    )
}

/// Each transaction of `txs` by decimal nonce, as `entry` shows it.
fn by_nonce<T>(txs: &[EvmTx], entry: &impl Fn(&EvmTx) -> T) -> BTreeMap<String, T> {
    txs.iter().map(|tx| (tx.nonce().to_string(), entry(tx))).collect()
}

impl RpcHandler {
    /// Every EVM sender with pooled transactions, and its transactions split by readiness.
    fn pool_by_sender(
        &self,
        lanes: Vec<(AccountId, Vec<Arc<execution::Transaction>>)>,
    ) -> RpcResult<Vec<(Address, ByReadiness<Vec<EvmTx>>)>> {
        let reader = self.reader()?;
        let mut senders = Vec::new();
        for (payer, lane) in lanes {
            let Some(sender) = payer.evm_address() else { continue };
            let state_nonce = reader.account(payer).map_err(internal)?.map_or(0, |a| a.nonce);
            senders.push((sender, split_lane(&lane, state_nonce)));
        }
        Ok(senders)
    }

    /// The whole pool by readiness, sender and nonce, each transaction as `entry` shows it.
    fn pool_view<T>(&self, entry: impl Fn(&EvmTx) -> T) -> RpcResult<ByReadiness<BySender<T>>> {
        let mut view = ByReadiness { pending: BTreeMap::new(), queued: BTreeMap::new() };
        for (sender, split) in self.pool_by_sender(self.ctx.mempool.nonce_lanes())? {
            let key = sender.to_checksum(None);
            for (txs, side) in
                [(split.pending, &mut view.pending), (split.queued, &mut view.queued)]
            {
                if !txs.is_empty() {
                    side.insert(key.clone(), by_nonce(&txs, &entry));
                }
            }
        }
        Ok(view)
    }
}

/// A pooled transaction as `txpool_content` shows it.
fn pooled(tx: &EvmTx) -> Transaction {
    rpc_transaction(tx, None)
}

impl TxPoolApiServer for RpcHandler {
    fn status(&self) -> RpcResult<TxPoolStatus> {
        let senders = self.pool_by_sender(self.ctx.mempool.nonce_lanes())?;
        let count = |side: fn(&ByReadiness<Vec<EvmTx>>) -> usize| {
            U64::from(senders.iter().map(|(_, split)| side(split)).sum::<usize>())
        };
        Ok(TxPoolStatus { pending: count(|s| s.pending.len()), queued: count(|s| s.queued.len()) })
    }

    fn content(&self) -> RpcResult<TxPoolContent> {
        self.pool_view(pooled)
    }

    fn content_from(&self, address: Address) -> RpcResult<TxPoolContentFrom> {
        let payer = AccountId::from(address);
        let lane = self.ctx.mempool.nonce_lane(payer);
        let mut senders = self.pool_by_sender(vec![(payer, lane)])?;
        let split = senders.pop().map(|(_, split)| split);
        let side =
            |txs: Option<&Vec<EvmTx>>| txs.map(|txs| by_nonce(txs, &pooled)).unwrap_or_default();
        Ok(ByReadiness {
            pending: side(split.as_ref().map(|s| &s.pending)),
            queued: side(split.as_ref().map(|s| &s.queued)),
        })
    }

    fn inspect(&self) -> RpcResult<TxPoolInspect> {
        self.pool_view(summary)
    }
}

#[cfg(test)]
mod tests {
    use alloy_primitives::TxKind;
    use execution::Transaction as PoolTx;

    use super::super::convert::tests::signed_1559;
    use super::*;

    fn lane(nonces: &[u64]) -> Vec<Arc<PoolTx>> {
        nonces.iter().map(|n| Arc::new(PoolTx::from(signed_1559(*n, TxKind::Create)))).collect()
    }

    fn nonces(txs: &[EvmTx]) -> Vec<u64> {
        txs.iter().map(|tx| tx.nonce()).collect()
    }

    #[test]
    fn lanes_split_at_the_first_gap() {
        let lane = lane(&[1, 2, 3, 5, 6]);
        let split = split_lane(&lane, 2);
        assert_eq!(nonces(&split.pending), [2, 3]);
        assert_eq!(nonces(&split.queued), [5, 6]);
        let split = split_lane(&lane, 0);
        assert!(split.pending.is_empty());
        assert_eq!(nonces(&split.queued), [1, 2, 3, 5, 6]);
    }

    #[test]
    fn summaries_read_as_geths() {
        let create = signed_1559(0, TxKind::Create);
        let line = summary(&create);
        assert!(line.starts_with("contract creation: "), "{line}");
        let to = Address::repeat_byte(0xab);
        let call = signed_1559(0, TxKind::Call(to));
        let expected = format!(
            "{}: {} wei + {} gas × {} wei",
            to.to_checksum(None),
            call.envelope.value(),
            call.envelope.gas_limit(),
            call.envelope.max_fee_per_gas()
        );
        assert_eq!(summary(&call), expected);
    }

    #[test]
    fn status_counts_are_hex_quantities() {
        let status = TxPoolStatus { pending: U64::from(10), queued: U64::ZERO };
        assert_eq!(
            serde_json::to_value(status).unwrap(),
            serde_json::json!({"pending": "0xa", "queued": "0x0"})
        );
    }
}
