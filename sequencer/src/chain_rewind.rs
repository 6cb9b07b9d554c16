//! Rewinding a running node's chain to an older block — the devnet's `evm_revert`. The store
//! rewinds itself (`execution::Store::rewind`: state, trie, blocks, DA progress, in one
//! commit); this brings the node's memory along: the safe and finalized heads move back (and
//! the batcher posts the new chain from there), the engines forget what they compiled for the
//! deleted blocks, and the pool follows the new head, dropping what can no longer be included.
//!
//! It runs under the sealing lock, so no block is built on a parent the rewind deletes.

use tokio::sync::MutexGuard;

use crate::{NodeContext, SequencerError};

/// Rewinds the chain to the end of block `to`, while `_sealing` (the node's sealing lock) is
/// held. Fails, changing nothing, when the kept history does not reach back to `to`
/// (`ExecutionError::StatePruned`) or `to` is above the head.
pub async fn rewind_chain(
    ctx: &NodeContext,
    _sealing: &MutexGuard<'_, ()>,
    to: u64,
) -> Result<(), SequencerError> {
    let work = ctx.clone();
    let dropped = tokio::task::spawn_blocking(move || -> Result<_, SequencerError> {
        work.heads.rewind(to, || work.store.rewind(to))?;
        work.engines.rewound(to);
        if let Some(inbox) = &work.deposits {
            inbox.rewound();
        }
        let reader = work.store.reader()?;
        let dropped = work.mempool.on_rewind(&reader.head_header()?, &reader)?;
        let m = &work.metrics;
        m.head.set(to as i64);
        m.safe_head.set(work.heads.safe() as i64);
        Ok(dropped)
    })
    .await??;
    if !dropped.is_empty() {
        tracing::info!(dropped = dropped.len(), "pooled transactions of deleted blocks dropped");
    }
    ctx.mempool.forget(dropped).await;
    Ok(())
}
