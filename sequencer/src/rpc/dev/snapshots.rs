//! `evm_snapshot`/`evm_revert` (anvil also names them `anvil_snapshot`/`anvil_revert`): a
//! snapshot is a block of the chain and the block clock at that moment; reverting to it rewinds
//! the node's chain to that block (`crate::chain_rewind`) — state, blocks, receipts and
//! indexes, kept history, DA progress — and sets the clock back.
//!
//! As in anvil: ids count up from `0x0`; a revert deletes its snapshot and every later one
//! (their blocks are gone); an unknown id answers `false`. The transactions of the deleted
//! blocks are gone with them; pooled ones stay (a nonce now too high waits). Snapshots live in
//! memory: a restarted devnet has none. A follower of the devnet stops at the first deleted
//! block it had derived, reporting the divergence (a DA layer has no rewind).

use std::collections::BTreeMap;

use alloy_primitives::{B256, U64};
use execution::ExecutionError;

use crate::{
    SequencerError,
    chain_rewind::rewind_chain,
    mining::BlockClock,
    rpc::{
        errors::{RpcResult, internal, server_error},
        eth::{head_number, params::Quantity},
        handler::RpcHandler,
    },
};

/// What one snapshot saved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Snapshot {
    /// The head block when it was taken, and its hash.
    block: u64,
    hash: B256,
    /// The block clock when it was taken.
    clock: BlockClock,
}

/// The snapshots of one devnet, by id.
#[derive(Debug, Default)]
pub(crate) struct Snapshots {
    next_id: u64,
    taken: BTreeMap<u64, Snapshot>,
}

impl Snapshots {
    /// Saves `snapshot`; returns its id.
    fn take(&mut self, snapshot: Snapshot) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        self.taken.insert(id, snapshot);
        id
    }

    /// Removes snapshot `id` and every later one; returns `id`'s, if it exists.
    fn revert_to(&mut self, id: u64) -> Option<Snapshot> {
        let snapshot = self.taken.get(&id).copied()?;
        self.taken.split_off(&id);
        Some(snapshot)
    }
}

impl RpcHandler {
    /// Takes a snapshot of the chain as it stands; returns its id.
    pub(super) async fn snapshot(&self) -> RpcResult<U64> {
        // Under the sealing lock: the head and the clock belong together.
        let _sealing = self.ctx.mining.lock_sealing().await;
        let reader = self.reader()?;
        let block = head_number(&reader)?;
        let hash = reader.block(block).map_err(internal)?.ok_or_else(|| internal("no head"))?.hash;
        let clock = self.ctx.mining.clock();
        let id = self.snapshots.lock().take(Snapshot { block, hash, clock });
        tracing::info!(id, block, "snapshot taken");
        Ok(U64::from(id))
    }

    /// Reverts the chain to snapshot `id`; `false` when there is no such snapshot.
    pub(super) async fn revert(&self, id: Quantity) -> RpcResult<bool> {
        let sealing = self.ctx.mining.lock_sealing().await;
        let Some(snapshot) = self.snapshots.lock().revert_to(id.0) else {
            return Ok(false);
        };
        let reader = self.reader()?;
        let still_ours = reader.block(snapshot.block).map_err(internal)?.map(|b| b.hash);
        drop(reader);
        if still_ours != Some(snapshot.hash) {
            // Only a rewind deletes blocks, and it deletes the later snapshots with them.
            return Err(internal(format!(
                "snapshot {} names block {} {}, no longer the chain's",
                id.0, snapshot.block, snapshot.hash
            )));
        }
        match rewind_chain(&self.ctx, &sealing, snapshot.block).await {
            Ok(()) => {}
            Err(SequencerError::Execution(e @ ExecutionError::StatePruned { .. })) => {
                return Err(server_error(format!(
                    "snapshot {} is at block {}, beyond the kept history ([history] \
                     keep_blocks): {e}",
                    id.0, snapshot.block
                )));
            }
            Err(e) => return Err(internal(e)),
        }
        self.ctx.mining.restore_clock(snapshot.clock);
        self.filters.rewound(snapshot.block);
        tracing::info!(id = id.0, block = snapshot.block, "reverted to snapshot");
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(block: u64) -> Snapshot {
        let clock = BlockClock { offset_secs: 0, next_timestamp: None };
        Snapshot { block, hash: B256::with_last_byte(block as u8), clock }
    }

    #[test]
    fn a_revert_deletes_its_snapshot_and_the_later_ones_and_ids_go_on() {
        let mut snapshots = Snapshots::default();
        assert_eq!(
            [snapshots.take(at(1)), snapshots.take(at(4)), snapshots.take(at(9))],
            [0, 1, 2]
        );
        assert_eq!(snapshots.revert_to(1), Some(at(4)));
        assert_eq!(snapshots.revert_to(1), None);
        assert_eq!(snapshots.revert_to(2), None);
        assert_eq!(snapshots.revert_to(7), None);
        // Ids are never reused.
        assert_eq!(snapshots.take(at(5)), 3);
        assert_eq!(snapshots.revert_to(0), Some(at(1)));
        assert_eq!(snapshots.revert_to(3), None);
    }
}
