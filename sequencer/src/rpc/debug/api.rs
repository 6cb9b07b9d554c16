//! The `debug_*` methods: one `#[rpc(server)]` trait, implemented by `RpcHandler` here by
//! calling the method's own module (`trace_transaction`, `trace_call`, `trace_block`, `raw`).

use alloy_eips::{BlockId, BlockNumberOrTag};
use alloy_primitives::{B256, Bytes};
use alloy_rpc_types_eth::TransactionRequest;
use alloy_rpc_types_trace::geth::{
    GethDebugTracingCallOptions, GethDebugTracingOptions, GethTrace,
};
use jsonrpsee::proc_macros::rpc;

use super::{errors::RpcResult, trace_block::TxTraceResult};

/// `debug_*`: geth's tracing and raw-data methods.
#[rpc(server, namespace = "debug")]
pub(crate) trait DebugApi {
    /// The trace of a sealed transaction, re-executed on the state just before it.
    #[method(name = "traceTransaction")]
    async fn trace_transaction(
        &self,
        hash: B256,
        options: Option<GethDebugTracingOptions>,
    ) -> RpcResult<GethTrace>;

    /// The trace of a call on the state at the end of a block (default `latest`).
    #[method(name = "traceCall")]
    async fn trace_call(
        &self,
        request: TransactionRequest,
        block: Option<BlockId>,
        options: Option<GethDebugTracingCallOptions>,
    ) -> RpcResult<GethTrace>;

    /// The traces of every EVM transaction of a block by number or tag.
    #[method(name = "traceBlockByNumber")]
    async fn trace_block_by_number(
        &self,
        block: BlockNumberOrTag,
        options: Option<GethDebugTracingOptions>,
    ) -> RpcResult<Vec<TxTraceResult>>;

    /// The traces of every EVM transaction of a block by hash.
    #[method(name = "traceBlockByHash")]
    async fn trace_block_by_hash(
        &self,
        hash: B256,
        options: Option<GethDebugTracingOptions>,
    ) -> RpcResult<Vec<TxTraceResult>>;

    /// The RLP of a block's header (it hashes to the block hash).
    #[method(name = "getRawHeader")]
    async fn raw_header(&self, block: BlockId) -> RpcResult<Bytes>;

    /// The RLP of a block: header, EVM transactions, no ommers, no withdrawals.
    #[method(name = "getRawBlock")]
    async fn raw_block(&self, block: BlockId) -> RpcResult<Bytes>;

    /// The EIP-2718 bytes of each receipt of a block's EVM transactions.
    #[method(name = "getRawReceipts")]
    async fn raw_receipts(&self, block: BlockId) -> RpcResult<Option<Vec<Bytes>>>;

    /// The EIP-2718 bytes of a sealed or pooled transaction (`0x` when unknown, as geth).
    #[method(name = "getRawTransaction")]
    async fn raw_transaction(&self, hash: B256) -> RpcResult<Bytes>;
}

#[jsonrpsee::core::async_trait]
impl DebugApiServer for super::handler::RpcHandler {
    async fn trace_transaction(
        &self,
        hash: B256,
        options: Option<GethDebugTracingOptions>,
    ) -> RpcResult<GethTrace> {
        self.debug_trace_transaction(hash, options).await
    }

    async fn trace_call(
        &self,
        request: TransactionRequest,
        block: Option<BlockId>,
        options: Option<GethDebugTracingCallOptions>,
    ) -> RpcResult<GethTrace> {
        self.debug_trace_call(request, block, options).await
    }

    async fn trace_block_by_number(
        &self,
        block: BlockNumberOrTag,
        options: Option<GethDebugTracingOptions>,
    ) -> RpcResult<Vec<TxTraceResult>> {
        self.debug_trace_block_by_number(block, options).await
    }

    async fn trace_block_by_hash(
        &self,
        hash: B256,
        options: Option<GethDebugTracingOptions>,
    ) -> RpcResult<Vec<TxTraceResult>> {
        self.debug_trace_block_by_hash(hash, options).await
    }

    async fn raw_header(&self, block: BlockId) -> RpcResult<Bytes> {
        self.debug_raw_header(block).await
    }

    async fn raw_block(&self, block: BlockId) -> RpcResult<Bytes> {
        self.debug_raw_block(block).await
    }

    async fn raw_receipts(&self, block: BlockId) -> RpcResult<Option<Vec<Bytes>>> {
        self.debug_raw_receipts(block).await
    }

    async fn raw_transaction(&self, hash: B256) -> RpcResult<Bytes> {
        self.debug_raw_transaction(hash).await
    }
}
