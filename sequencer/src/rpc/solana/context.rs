//! What every Solana method shares: the chain's Solana VM, the heads at each commitment,
//! the sysvars of the head block, and agave's `context`/`value` response envelope.

use execution::{StoreReader, svm::SvmEngine};
use solana_rpc_client_types::response::{Response, RpcResponseContext};
use svm::BlockSysvars;

use super::params::Heads;
use crate::rpc::{
    errors::{RpcResult, internal, server_error},
    eth::head_number,
    handler::RpcHandler,
};

/// `value` seen at `slot`, in agave's envelope (with its `apiVersion`).
pub(crate) fn respond<T>(slot: u64, value: T) -> Response<T> {
    Response { context: RpcResponseContext::new(slot), value }
}

impl RpcHandler {
    /// The chain's Solana VM.
    pub(crate) fn svm(&self) -> RpcResult<&SvmEngine> {
        self.ctx
            .engines
            .svm_engine()
            .ok_or_else(|| server_error("this node does not run the Solana VM"))
    }

    /// The sealed and finalized heads as of `reader`.
    pub(crate) fn solana_heads(&self, reader: &StoreReader) -> RpcResult<Heads> {
        let sealed = head_number(reader)?;
        Ok(Heads { sealed, finalized: self.ctx.heads.finalized() })
    }

    /// The sysvars programs read in the head block (what an account query of a sysvar shows).
    pub(crate) fn head_sysvars(&self, reader: &StoreReader) -> RpcResult<BlockSysvars> {
        let header = reader.head_header().map_err(internal)?;
        Ok(execution::svm::block_sysvars(&execution::BlockEnv::of_header(&header)))
    }
}
