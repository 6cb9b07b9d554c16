//! The JSON-RPC server: jsonrpsee serving HTTP and WebSocket on one port, behind permissive
//! CORS (browser wallets and dapps call it directly) and the `/health` and `/metrics`
//! endpoints.
//!
//! Limits: request body size and connection count from `[rpc]`; batches of at most
//! [`MAX_BATCH_REQUESTS`] calls and responses of at most [`MAX_RESPONSE_BYTES`] (geth's
//! defaults); subscription ids in geth's hex format.

use std::net::SocketAddr;

use jsonrpsee::server::{BatchRequestConfig, Server, ServerConfig, ServerHandle};
use tower_http::cors::CorsLayer;

use super::{handler::RpcHandler, http_endpoints::NodeEndpointsLayer, ids::HexIdProvider};
use crate::{NodeContext, SequencerError};

/// Most calls in one batch request (geth's default).
pub(crate) const MAX_BATCH_REQUESTS: u32 = 1000;
/// Largest response body, in bytes (geth's default batch response limit).
pub(crate) const MAX_RESPONSE_BYTES: u32 = 25 * 1024 * 1024;
/// Most subscriptions one WebSocket connection may hold.
pub(crate) const MAX_SUBSCRIPTIONS_PER_CONNECTION: u32 = 1024;

/// Starts the RPC server on `config.rpc.listen` (port 0 picks a free port) and returns its
/// handle and the address it is bound to. The server runs until the handle is stopped or
/// dropped.
pub async fn start_rpc(ctx: NodeContext) -> Result<(ServerHandle, SocketAddr), SequencerError> {
    let rpc = &ctx.config.rpc;
    let config = ServerConfig::builder()
        .max_request_body_size(rpc.max_request_body_bytes)
        .max_response_body_size(MAX_RESPONSE_BYTES)
        .max_connections(rpc.max_connections)
        .max_subscriptions_per_connection(MAX_SUBSCRIPTIONS_PER_CONNECTION)
        .set_batch_request_config(BatchRequestConfig::Limit(MAX_BATCH_REQUESTS))
        .set_id_provider(HexIdProvider)
        .build();
    let http = tower::ServiceBuilder::new()
        .layer(CorsLayer::permissive())
        .layer(NodeEndpointsLayer::new(ctx.store.clone(), ctx.metrics.clone()));
    let server = Server::builder()
        .set_config(config)
        .set_http_middleware(http)
        .build(rpc.listen)
        .await
        .map_err(|e| SequencerError::Rpc(format!("cannot listen on {}: {e}", rpc.listen)))?;
    let addr = server.local_addr().map_err(|e| SequencerError::Rpc(e.to_string()))?;
    let module = RpcHandler::new(ctx).into_module()?;
    let handle = server.start(module);
    tracing::info!(%addr, "JSON-RPC listening (HTTP and WebSocket)");
    Ok((handle, addr))
}
