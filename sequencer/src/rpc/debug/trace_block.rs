//! `debug_traceBlockByNumber` and `debug_traceBlockByHash`: every transaction of a sealed
//! block re-executed on its parent's state and traced, answered as geth answers,
//! `[{"txHash": ..., "result": ...}]` in block order — and the replay of a block that
//! `debug_traceTransaction` shares.
//!
//! A block may also hold transactions of other engines (Solana, the devnet's dev-state
//! changes). They are replayed, so that the EVM transactions after them see their effects,
//! but left out of the answer: Ethereum clients see a block's EVM transactions only
//! (`eth_getBlockByNumber` lists those), so the answer has one entry per transaction they
//! see, in the same order.

use alloy_eips::BlockNumberOrTag;
use alloy_primitives::B256;
use alloy_rpc_types_trace::geth::{GethDebugTracingOptions, GethTrace};
use execution::{
    BlockEnv, SealedBlock, StoreReader,
    evm::{TraceSettings, TraceTarget, TxTrace, trace_block},
};
use serde::Serialize;

use super::{
    errors::{RpcResult, internal},
    handler::RpcHandler,
    trace_errors::{
        block_hash_not_found, block_number_not_found, genesis_not_traceable, trace_error,
    },
    trace_options::trace_settings,
};
use crate::rpc::eth::{resolve_hash, resolve_tag, state_at};

/// One transaction's entry in a block trace (geth's `txTraceResult`).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct TxTraceResult {
    /// The transaction's hash.
    pub(crate) tx_hash: B256,
    /// Its trace, in the tracer's shape.
    pub(crate) result: GethTrace,
}

impl RpcHandler {
    /// Replays sealed block `block` of `reader`'s snapshot on its parent's state and traces
    /// `target`: geth's `genesis is not traceable` for block 0, the history's error when the
    /// parent's state is no longer kept.
    pub(super) fn trace_sealed(
        &self,
        reader: &StoreReader,
        block: &SealedBlock,
        target: TraceTarget,
        settings: &TraceSettings,
    ) -> RpcResult<Vec<TxTrace>> {
        let number = block.number();
        if number == 0 {
            return Err(genesis_not_traceable());
        }
        let parent = state_at(reader, number - 1)?;
        let env = BlockEnv::of_header(&block.header);
        trace_block(
            &self.ctx.engines,
            &env,
            &parent,
            block.hash,
            &block.transactions,
            target,
            settings,
        )
        .map_err(trace_error)
    }

    /// The traces of block `number` (known to exist in `reader`'s snapshot).
    fn trace_whole_block(
        &self,
        reader: &StoreReader,
        number: u64,
        settings: &TraceSettings,
    ) -> RpcResult<Vec<TxTraceResult>> {
        let block = reader
            .block(number)
            .map_err(internal)?
            .ok_or_else(|| block_number_not_found(number))?;
        let traces = self.trace_sealed(reader, &block, TraceTarget::All, settings)?;
        Ok(ethereum_entries(traces))
    }
}

/// The entries Ethereum clients see: the EVM transactions' traces, in order.
fn ethereum_entries(traces: Vec<TxTrace>) -> Vec<TxTraceResult> {
    traces
        .into_iter()
        .filter_map(|tx| Some(TxTraceResult { tx_hash: tx.hash, result: tx.trace? }))
        .collect()
}

impl RpcHandler {
    /// `debug_traceBlockByNumber`.
    pub(super) async fn debug_trace_block_by_number(
        &self,
        block: BlockNumberOrTag,
        options: Option<GethDebugTracingOptions>,
    ) -> RpcResult<Vec<TxTraceResult>> {
        let settings = trace_settings(options)?;
        self.blocking(move |this| {
            let reader = this.reader()?;
            let number = resolve_tag(&reader, &this.ctx.heads, block)?
                .ok_or_else(|| block_number_not_found(block.as_number().unwrap_or_default()))?;
            this.trace_whole_block(&reader, number, &settings)
        })
        .await
    }

    /// `debug_traceBlockByHash`.
    pub(super) async fn debug_trace_block_by_hash(
        &self,
        hash: B256,
        options: Option<GethDebugTracingOptions>,
    ) -> RpcResult<Vec<TxTraceResult>> {
        let settings = trace_settings(options)?;
        self.blocking(move |this| {
            let reader = this.reader()?;
            let number = resolve_hash(&reader, hash)?.ok_or_else(|| block_hash_not_found(hash))?;
            this.trace_whole_block(&reader, number, &settings)
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use alloy_rpc_types_trace::geth::NoopFrame;
    use execution::EngineKind;
    use serde_json::json;

    use super::*;

    #[test]
    fn entries_are_geths_shape_and_skip_other_engines() {
        let traces = vec![
            TxTrace {
                hash: B256::repeat_byte(1),
                kind: EngineKind::Evm,
                trace: Some(NoopFrame::default().into()),
            },
            TxTrace { hash: B256::repeat_byte(2), kind: EngineKind::DevState, trace: None },
        ];
        assert_eq!(
            serde_json::to_value(ethereum_entries(traces)).unwrap(),
            json!([{"txHash": format!("0x{}", "01".repeat(32)), "result": {}}])
        );
    }
}
