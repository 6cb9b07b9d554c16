//! `debug_traceCall`: a call traced as `eth_call` runs it — same gas (its own or the RPC gas
//! cap), fee rules and environment — on the state at the end of the block it names (default
//! `latest`), in that block's environment, as geth traces it. geth refuses `pending`, and so
//! does this; state and block overrides and `txIndex` are not supported (an empty override
//! is accepted as none).

use alloy_eips::{BlockId, BlockNumberOrTag};
use alloy_rpc_types_eth::TransactionRequest;
use alloy_rpc_types_trace::geth::{GethDebugTracingCallOptions, GethTrace};
use execution::{BlockEnv, StoreReader, evm::trace_call};

use super::{
    errors::{RpcResult, internal, invalid_params, server_error},
    handler::RpcHandler,
    trace_errors::{block_hash_not_found, block_number_not_found, trace_error},
    trace_options::trace_settings,
};
use crate::{
    Heads,
    rpc::eth::{call_request, resolve_hash, resolve_tag, state_at},
};

/// The block a call is traced at: geth's errors for `pending` and for an unknown block.
fn call_block(reader: &StoreReader, heads: &Heads, block: Option<BlockId>) -> RpcResult<u64> {
    match block.unwrap_or(BlockId::Number(BlockNumberOrTag::Latest)) {
        BlockId::Number(BlockNumberOrTag::Pending) => {
            Err(server_error("tracing on top of pending is not supported"))
        }
        BlockId::Number(tag) => resolve_tag(reader, heads, tag)?
            .ok_or_else(|| block_number_not_found(tag.as_number().unwrap_or_default())),
        BlockId::Hash(hash) => resolve_hash(reader, hash.block_hash)?
            .ok_or_else(|| block_hash_not_found(hash.block_hash)),
    }
}

/// Refuses what this node does not apply: overrides (unless empty) and `txIndex`.
fn check_supported(options: &GethDebugTracingCallOptions) -> RpcResult<()> {
    if options.state_overrides.as_ref().is_some_and(|o| !o.is_empty()) {
        return Err(invalid_params("state overrides are not supported"));
    }
    if options.block_overrides.as_ref().is_some_and(|o| *o != Default::default()) {
        return Err(invalid_params("block overrides are not supported"));
    }
    if options.tx_index.is_some() {
        return Err(invalid_params("txIndex is not supported"));
    }
    Ok(())
}

impl RpcHandler {
    /// `debug_traceCall`.
    pub(super) async fn debug_trace_call(
        &self,
        request: TransactionRequest,
        block: Option<BlockId>,
        options: Option<GethDebugTracingCallOptions>,
    ) -> RpcResult<GethTrace> {
        let call = call_request(request)?;
        let options = options.unwrap_or_default();
        check_supported(&options)?;
        let settings = trace_settings(Some(options.tracing_options))?;
        self.blocking(move |this| {
            let reader = this.reader()?;
            let number = call_block(&reader, &this.ctx.heads, block)?;
            let header = reader
                .header(number)
                .map_err(internal)?
                .ok_or_else(|| block_number_not_found(number))?;
            let state = state_at(&reader, number)?;
            let evm = this.ctx.engines.evm();
            let gas_cap = this.ctx.config.rpc.gas_cap;
            trace_call(&state, evm, &BlockEnv::of_header(&header), &call, gas_cap, &settings)
                .map_err(trace_error)
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn overrides_and_tx_index_are_refused_empty_ones_accepted() {
        let parse = |value| serde_json::from_value::<GethDebugTracingCallOptions>(value).unwrap();
        assert!(check_supported(&parse(json!({"tracer": "callTracer"}))).is_ok());
        assert!(check_supported(&parse(json!({"stateOverrides": {}}))).is_ok());
        let state = parse(json!({"stateOverrides": {
            "0x0000000000000000000000000000000000000001": {"balance": "0x1"}
        }}));
        assert_eq!(
            check_supported(&state).unwrap_err().message(),
            "state overrides are not supported"
        );
        let block = parse(json!({"blockOverrides": {"number": "0x5"}}));
        assert_eq!(check_supported(&block).unwrap_err().code(), -32602);
        let index = parse(json!({"txIndex": "0x0"}));
        assert_eq!(check_supported(&index).unwrap_err().message(), "txIndex is not supported");
    }
}
