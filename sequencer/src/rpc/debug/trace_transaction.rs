//! `debug_traceTransaction`: a sealed EVM transaction re-executed and traced on the state just
//! before it — its block's parent state with the block's earlier transactions (of every
//! engine) replayed. Only sealed transactions are traced, as in geth: a pooled or unknown
//! hash, or the hash of another engine's transaction, is `transaction not found`.

use alloy_primitives::B256;
use alloy_rpc_types_trace::geth::{GethDebugTracingOptions, GethTrace};
use execution::evm::TraceTarget;

use super::{
    errors::{RpcResult, internal},
    handler::RpcHandler,
    trace_errors::transaction_not_found,
    trace_options::trace_settings,
};

impl RpcHandler {
    /// `debug_traceTransaction`.
    pub(super) async fn debug_trace_transaction(
        &self,
        hash: B256,
        options: Option<GethDebugTracingOptions>,
    ) -> RpcResult<GethTrace> {
        let settings = trace_settings(options)?;
        self.blocking(move |this| {
            let reader = this.reader()?;
            let (number, position) = reader
                .transaction_location(hash)
                .map_err(internal)?
                .ok_or_else(transaction_not_found)?;
            let block =
                reader.block(number).map_err(internal)?.ok_or_else(transaction_not_found)?;
            let position = position as usize;
            if block.transactions.get(position).and_then(|tx| tx.as_evm()).is_none() {
                return Err(transaction_not_found());
            }
            let traces =
                this.trace_sealed(&reader, &block, TraceTarget::One(position), &settings)?;
            traces
                .into_iter()
                .next()
                .and_then(|tx| tx.trace)
                .ok_or_else(|| internal("the traced transaction has no trace"))
        })
        .await
    }
}
