//! Placeholder until the JSON-RPC server lands (being written in parallel).

use std::net::SocketAddr;

use crate::{NodeContext, SequencerError};

/// Starts the JSON-RPC server.
pub async fn start_rpc(
    ctx: NodeContext,
) -> Result<(jsonrpsee::server::ServerHandle, SocketAddr), SequencerError> {
    let server = jsonrpsee::server::Server::builder()
        .build(ctx.config.rpc.listen)
        .await
        .map_err(|e| SequencerError::Rpc(e.to_string()))?;
    let addr = server.local_addr().map_err(|e| SequencerError::Rpc(e.to_string()))?;
    Ok((server.start(jsonrpsee::RpcModule::new(())), addr))
}
