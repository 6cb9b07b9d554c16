//! The state setters' path (`anvil_setBalance`, `anvil_setNonce`, `anvil_setCode`,
//! `anvil_setStorageAt`): a dev-state transaction admitted to the pool and journaled like any
//! other, then sealed in a block before the call returns (anvil applies them at once), so a
//! restart and a follower see exactly what the caller set.

use std::sync::atomic::{AtomicU64, Ordering};

use execution::{
    EngineKind, EngineTx,
    dev_state::{DevStateOp, DevStateTx},
};

use crate::{
    block_builder::seal_next,
    rpc::{
        errors::{RpcResult, internal, pool_error, server_error},
        eth::head_number,
        handler::RpcHandler,
    },
};

/// Makes every dev-state transaction of this process unique (with the clock, across restarts).
static SALT: AtomicU64 = AtomicU64::new(0);

/// Blocks sealed at most while waiting for the transaction to be included.
const MAX_SEALS: usize = 4;

impl RpcHandler {
    /// Applies `ops` through a dev-state transaction sealed in a block before it returns.
    pub(super) async fn write_state(&self, ops: Vec<DevStateOp>) -> RpcResult<()> {
        let ctx = &self.ctx;
        if !ctx.engines.runs(EngineKind::DevState) {
            return Err(server_error(
                "this chain does not take state writes (chain.dev_state_writes = false)",
            ));
        }
        let recent = {
            let reader = self.reader()?;
            let head = head_number(&reader)?;
            reader.block(head).map_err(internal)?.ok_or_else(|| internal("no head block"))?.hash
        };
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or_default();
        let salt = nanos.wrapping_add(SALT.fetch_add(1, Ordering::Relaxed));
        let tx = DevStateTx::new(recent, salt, ops);
        let hash = ctx
            .mempool
            .submit_payload(EngineKind::DevState, tx.payload().clone())
            .await
            .map_err(|e| pool_error(&e))?;
        // Seal until the transaction is in a block (a tick of the builder may take it first).
        for _ in 0..MAX_SEALS {
            if self.reader()?.transaction_location(hash).map_err(internal)?.is_some() {
                return Ok(());
            }
            if seal_next(ctx, true).await.map_err(internal)?.is_none()
                && let Some(stall) = ctx.deposits.as_ref().and_then(|inbox| inbox.stall())
            {
                // A bridged devnet whose L1 view is too old: the write is sealed once it is not.
                return Err(internal(format!("state write {hash} is pending: {stall}")));
            }
        }
        if self.reader()?.transaction_location(hash).map_err(internal)?.is_some() {
            return Ok(());
        }
        Err(internal(format!("state write {hash} was not included in {MAX_SEALS} blocks")))
    }
}
