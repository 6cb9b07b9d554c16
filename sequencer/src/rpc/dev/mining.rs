//! The `evm_*` and `anvil_*` methods' server side (the state setters' work is in `state`), and
//! the dev methods that seal blocks and move the block clock. Every block goes through the
//! builder's own sealing path ([`crate::block_builder::seal_next`]), under the node's sealing
//! lock, so it is posted to DA and derived by a follower like any other block.

use alloy_primitives::{Address, Bytes, U64, U256};
use execution::dev_state::DevStateOp;

use super::api::{AnvilDevApiServer, EvmDevApiServer, MineOptions};
use super::node_info::NodeInfo;
use crate::{
    MiningMode,
    block_builder::seal_next_at,
    rpc::{
        errors::{RpcResult, internal, invalid_params},
        eth::{
            head_number,
            params::{Quantity, StorageKey},
        },
        handler::RpcHandler,
    },
};

/// Most blocks one `evm_mine`/`anvil_mine` call seals (each is a real, persisted block).
const MAX_MINED_BLOCKS: u64 = 10_000;

/// The error of a dev method whose seal sealed nothing: on a bridged devnet, the block
/// builder's stall for the L1 (a mined block obeys the same bound as the builder's own, so a
/// follower never rejects it), else a plain "no block".
pub(super) fn not_sealed(ctx: &crate::NodeContext) -> jsonrpsee::types::ErrorObjectOwned {
    match ctx.deposits.as_ref().and_then(|inbox| inbox.stall()) {
        Some(stall) => internal(format!("no block was sealed: {stall}")),
        None => internal("no block was sealed"),
    }
}

impl RpcHandler {
    /// The head block's timestamp.
    fn head_timestamp(&self) -> RpcResult<u64> {
        let reader = self.reader()?;
        let head = head_number(&reader)?;
        let block = reader.block(head).map_err(internal)?.ok_or_else(|| internal("no head"))?;
        Ok(block.header.timestamp)
    }

    /// Refuses a timestamp before the head block's.
    fn check_timestamp(&self, timestamp: u64) -> RpcResult<u64> {
        let head = self.head_timestamp()?;
        if timestamp < head {
            return Err(invalid_params(format!(
                "timestamp {timestamp} is before the head block's timestamp {head}"
            )));
        }
        Ok(timestamp)
    }

    /// Seals `count` blocks, the first at `first` when given, then `interval` seconds apart
    /// when given.
    async fn mine_blocks(
        &self,
        count: u64,
        first: Option<u64>,
        interval: Option<u64>,
    ) -> RpcResult<()> {
        if count > MAX_MINED_BLOCKS {
            return Err(invalid_params(format!(
                "{count} blocks requested; at most {MAX_MINED_BLOCKS} per call"
            )));
        }
        let mut at = first.map(|t| self.check_timestamp(t)).transpose()?;
        for _ in 0..count {
            let block = seal_next_at(&self.ctx, true, at)
                .await
                .map_err(internal)?
                .ok_or_else(|| not_sealed(&self.ctx))?;
            at = interval.map(|interval| block.header.timestamp.saturating_add(interval));
        }
        Ok(())
    }
}

#[jsonrpsee::core::async_trait]
impl EvmDevApiServer for RpcHandler {
    async fn evm_mine(&self, options: Option<MineOptions>) -> RpcResult<String> {
        let (timestamp, blocks) = match options {
            None => (None, 1),
            Some(MineOptions::Timestamp(t)) => (Some(t.0), 1),
            Some(MineOptions::Options { timestamp, blocks }) => {
                (timestamp.map(|t| t.0), blocks.map_or(1, |b| b.0))
            }
        };
        self.mine_blocks(blocks, timestamp, None).await?;
        Ok("0x0".to_owned())
    }

    fn evm_increase_time(&self, seconds: Quantity) -> RpcResult<i64> {
        let seconds = i64::try_from(seconds.0)
            .map_err(|_| invalid_params(format!("{} seconds is too far", seconds.0)))?;
        Ok(self.ctx.mining.increase_time(seconds))
    }

    fn evm_set_next_block_timestamp(&self, timestamp: Quantity) -> RpcResult<()> {
        let timestamp = self.check_timestamp(timestamp.0)?;
        self.ctx.mining.set_next_timestamp(timestamp);
        Ok(())
    }

    fn evm_set_automine(&self, enabled: bool) -> RpcResult<()> {
        let mining = &self.ctx.mining;
        match (enabled, mining.mode()) {
            (true, _) => mining.set_mode(MiningMode::Auto),
            (false, MiningMode::Auto) => mining.set_mode(MiningMode::Manual),
            // Interval or manual mining is not automine: nothing to turn off (as anvil).
            (false, _) => {}
        }
        Ok(())
    }

    async fn evm_snapshot(&self) -> RpcResult<U64> {
        self.snapshot().await
    }

    async fn evm_revert(&self, id: Quantity) -> RpcResult<bool> {
        self.revert(id).await
    }
}

#[jsonrpsee::core::async_trait]
impl AnvilDevApiServer for RpcHandler {
    async fn anvil_mine(
        &self,
        blocks: Option<Quantity>,
        interval: Option<Quantity>,
    ) -> RpcResult<()> {
        self.mine_blocks(blocks.map_or(1, |b| b.0), None, interval.map(|i| i.0)).await
    }

    fn anvil_set_interval_mining(&self, seconds: Quantity) -> RpcResult<()> {
        let mode = match seconds.0 {
            0 => MiningMode::Manual,
            secs => MiningMode::Interval(std::time::Duration::from_secs(secs)),
        };
        self.ctx.mining.set_mode(mode);
        Ok(())
    }

    async fn anvil_snapshot(&self) -> RpcResult<U64> {
        self.snapshot().await
    }

    async fn anvil_revert(&self, id: Quantity) -> RpcResult<bool> {
        self.revert(id).await
    }

    fn anvil_node_info(&self) -> RpcResult<NodeInfo> {
        NodeInfo::of(self)
    }

    async fn anvil_set_balance(&self, address: Address, balance: U256) -> RpcResult<()> {
        self.write_state(vec![DevStateOp::Balance(address, balance)]).await
    }

    async fn anvil_set_code(&self, address: Address, code: Bytes) -> RpcResult<()> {
        self.write_state(vec![DevStateOp::Code(address, code)]).await
    }

    async fn anvil_set_nonce(&self, address: Address, nonce: Quantity) -> RpcResult<()> {
        self.write_state(vec![DevStateOp::Nonce(address, nonce.0)]).await
    }

    fn anvil_impersonate_account(&self, address: Address) -> RpcResult<()> {
        self.impersonate(address, true)
    }

    fn anvil_stop_impersonating_account(&self, address: Address) -> RpcResult<()> {
        self.impersonate(address, false)
    }

    async fn anvil_set_storage_at(
        &self,
        address: Address,
        slot: StorageKey,
        value: StorageKey,
    ) -> RpcResult<bool> {
        let op = DevStateOp::Storage(address, slot.as_u256(), value.as_u256());
        self.write_state(vec![op]).await.map(|()| true)
    }
}
