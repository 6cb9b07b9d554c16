//! The JSON-RPC server: jsonrpsee's service (HTTP and WebSocket on one port, behind
//! permissive CORS and the `/health` and `/metrics` endpoints), served by an accept loop of
//! our own so that every limit is real and holds against hostile clients:
//!
//! - open connections, idle ones included, at most `rpc.max_connections` and below the
//!   open-file limit (raised to its hard value at start-up); at the limit a new connection
//!   takes the place of the one that has waited longest (see [`Connections`]);
//! - a header read timeout (hyper's), a body read timeout and body size limit (the
//!   [`RequestGate`]), an idle timeout (a reaper closes connections with nothing executing);
//! - HTTP/2 streams per connection, requests in flight in total, subscriptions per WebSocket;
//! - batches of at most [`MAX_BATCH_REQUESTS`] calls and responses of at most
//!   [`MAX_RESPONSE_BYTES`] (geth's defaults); subscription ids in geth's hex format;
//! - calls checked as geth checks them ([`StrictCallsLayer`]);
//! - a batch's transaction submissions sharing the journal's group commits
//!   ([`DurableBatchesLayer`]).

use std::{net::SocketAddr, sync::Arc, time::Duration};

use hyper_util::{
    rt::{TokioExecutor, TokioIo, TokioTimer},
    server::conn::auto,
    service::TowerToHyperService,
};
use jsonrpsee::server::{
    BatchRequestConfig, Methods, RandomIntegerIdProvider, Server, ServerConfig, ServerHandle,
    StopHandle, middleware::rpc::RpcServiceBuilder, stop_channel,
};
use tokio::{
    io::AsyncWriteExt,
    net::{TcpListener, TcpStream},
    sync::Semaphore,
};
use tower_http::cors::CorsLayer;

use super::{
    connections::{AllBusy, Connections},
    durable_batches::DurableBatchesLayer,
    fd_limit,
    handler::RpcHandler,
    http_endpoints::NodeEndpointsLayer,
    ids::HexIdProvider,
    request_gate::{GateLimits, RequestGate},
    strict_calls::StrictCallsLayer,
};
use crate::{NodeContext, SequencerError};

/// Most calls in one batch request (geth's default).
pub(crate) const MAX_BATCH_REQUESTS: u32 = 1000;
/// Largest response body, in bytes (geth's default batch response limit).
pub(crate) const MAX_RESPONSE_BYTES: u32 = 25 * 1024 * 1024;

/// Where the node's RPC endpoints listen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RpcAddresses {
    /// The Ethereum and `manifold_*` endpoint (HTTP and WebSocket).
    pub eth: SocketAddr,
    /// Solana's HTTP and WebSocket endpoints, when the node serves them.
    pub solana: Option<(SocketAddr, SocketAddr)>,
}

/// Which API an endpoint serves, and so the id format of its subscriptions.
#[derive(Debug, Clone, Copy)]
enum Api {
    /// Ethereum's: geth's hex subscription ids.
    Ethereum,
    /// Solana's: integer subscription ids, as Solana's PubSub gives them.
    Solana,
}

/// Starts the RPC server: the Ethereum endpoint on `rpc.listen` and, when the chain runs the
/// Solana VM and `solana_rpc.enabled`, Solana's on `solana_rpc`'s two addresses (port 0 picks
/// a free port). Returns one handle for all of them and the addresses they are bound to. The
/// server runs until the handle is stopped or dropped; [`ServerHandle::stopped`] resolves once
/// every connection has finished.
pub async fn start_rpc(ctx: NodeContext) -> Result<(ServerHandle, RpcAddresses), SequencerError> {
    let rpc = ctx.config.rpc.clone();
    let fds = fd_limit::raise();
    match fds {
        Some(l) => tracing::info!(
            soft_at_start = l.soft_before,
            soft = l.soft,
            hard = l.hard,
            "open-file limit"
        ),
        None => tracing::warn!("the open-file limit is unknown"),
    }
    let max_connections = fd_limit::connection_limit(rpc.max_connections, fds.map(|l| l.soft));
    if max_connections < rpc.max_connections as usize {
        tracing::warn!(
            configured = rpc.max_connections,
            max_connections,
            "rpc.max_connections lowered to fit under the open-file limit"
        );
    }
    let mut hyper = auto::Builder::new(TokioExecutor::new());
    hyper
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(Duration::from_millis(rpc.header_read_timeout_ms))
        .keep_alive(true);
    hyper
        .http2()
        .timer(TokioTimer::new())
        .max_concurrent_streams(rpc.max_streams_per_connection)
        .max_pending_accept_reset_streams(Some(rpc.max_streams_per_connection as usize));
    let hyper = Arc::new(hyper);
    let limits = Arc::new(GateLimits {
        max_body: rpc.max_request_body_bytes,
        body_timeout: Duration::from_millis(rpc.body_read_timeout_ms),
        in_flight: Arc::new(Semaphore::new(rpc.max_requests_in_flight as usize)),
        metrics: ctx.metrics.clone(),
    });
    let (stop, handle) = stop_channel();
    let shared = Shared { ctx: &ctx, hyper, limits, stop, max_connections };
    let eth_methods: Methods = RpcHandler::new(ctx.clone()).into_module()?.into();
    let eth = shared.endpoint(rpc.listen, eth_methods, Api::Ethereum)?;
    let solana = if ctx.config.solana_rpc.enabled && ctx.engines.svm_engine().is_some() {
        let (http, ws) = ctx.config.solana_rpc.addresses(rpc.listen);
        let methods: Methods = RpcHandler::new(ctx.clone()).into_solana_module()?.into();
        let http = shared.endpoint(http, methods.clone(), Api::Solana)?;
        let ws = shared.endpoint(ws, methods, Api::Solana)?;
        tracing::info!(%http, %ws, "Solana JSON-RPC listening");
        Some((http, ws))
    } else {
        None
    };
    tracing::info!(addr = %eth, max_connections, "JSON-RPC listening (HTTP and WebSocket)");
    Ok((handle, RpcAddresses { eth, solana }))
}

/// What every endpoint of the server shares.
struct Shared<'a> {
    ctx: &'a NodeContext,
    hyper: Arc<auto::Builder<TokioExecutor>>,
    limits: Arc<GateLimits>,
    stop: StopHandle,
    max_connections: usize,
}

impl Shared<'_> {
    /// Binds `at` and serves `methods` there (with their own connection table) until the
    /// server stops; returns the bound address.
    fn endpoint(
        &self,
        at: SocketAddr,
        methods: Methods,
        api: Api,
    ) -> Result<SocketAddr, SequencerError> {
        let ctx = self.ctx;
        let rpc = &ctx.config.rpc;
        let builder = ServerConfig::builder()
            .max_request_body_size(rpc.max_request_body_bytes)
            .max_response_body_size(MAX_RESPONSE_BYTES)
            // The gate and the connection table enforce the limits; jsonrpsee's own guard (which
            // counts requests in flight) is sized never to bind before them.
            .max_connections(rpc.max_requests_in_flight.saturating_add(rpc.max_connections))
            .max_subscriptions_per_connection(rpc.max_subscriptions_per_connection)
            .set_batch_request_config(BatchRequestConfig::Limit(MAX_BATCH_REQUESTS));
        let config = match api {
            Api::Ethereum => builder.set_id_provider(HexIdProvider).build(),
            Api::Solana => builder.set_id_provider(RandomIntegerIdProvider).build(),
        };
        let http = tower::ServiceBuilder::new()
            .layer(CorsLayer::permissive())
            .layer(NodeEndpointsLayer::new(ctx.store.clone(), ctx.metrics.clone()));
        // The strict-calls layer knows Ethereum's methods only and passes every other on.
        let services = Server::builder()
            .set_config(config)
            .set_http_middleware(http)
            .set_rpc_middleware(
                RpcServiceBuilder::new()
                    .layer(StrictCallsLayer)
                    .layer(DurableBatchesLayer::new(ctx.mempool.clone())),
            )
            .to_service_builder();
        let listener =
            listen(at).map_err(|e| SequencerError::Rpc(format!("cannot listen on {at}: {e}")))?;
        let addr = listener.local_addr().map_err(|e| SequencerError::Rpc(e.to_string()))?;
        let connections = Connections::new(self.max_connections, ctx.metrics.clone());
        let serving = Serving {
            hyper: self.hyper.clone(),
            limits: self.limits.clone(),
            methods,
            stop: self.stop.clone(),
        };
        tokio::spawn(close_idle(
            connections.clone(),
            Duration::from_millis(rpc.idle_timeout_ms),
            self.stop.clone(),
        ));
        tokio::spawn(accept_loop(listener, services, serving, connections, self.stop.clone()));
        Ok(addr)
    }
}

/// Connections the kernel may queue for `accept` (capped by `net.core.somaxconn`): a burst of
/// connections must not overflow the queue, or a client's SYN is dropped and it waits a second
/// to retry.
const LISTEN_BACKLOG: u32 = 4096;

/// A listener on `addr` with [`LISTEN_BACKLOG`].
fn listen(addr: SocketAddr) -> std::io::Result<TcpListener> {
    let socket = if addr.is_ipv4() {
        tokio::net::TcpSocket::new_v4()?
    } else {
        tokio::net::TcpSocket::new_v6()?
    };
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(LISTEN_BACKLOG)
}

/// What serving one connection needs.
struct Serving {
    hyper: Arc<auto::Builder<TokioExecutor>>,
    limits: Arc<GateLimits>,
    methods: Methods,
    stop: StopHandle,
}

/// jsonrpsee's per-connection service factory, with our HTTP and RPC middleware.
type Services = jsonrpsee::server::TowerServiceBuilder<
    tower::layer::util::Stack<
        DurableBatchesLayer,
        tower::layer::util::Stack<StrictCallsLayer, tower::layer::util::Identity>,
    >,
    tower::layer::util::Stack<
        NodeEndpointsLayer,
        tower::layer::util::Stack<CorsLayer, tower::layer::util::Identity>,
    >,
>;

async fn accept_loop(
    listener: TcpListener,
    services: Services,
    serving: Serving,
    connections: Arc<Connections>,
    stop: StopHandle,
) {
    let stopped = stop.shutdown();
    tokio::pin!(stopped);
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _peer)) => stream,
                Err(e) => {
                    on_accept_error(&e, &connections).await;
                    continue;
                }
            },
            _ = &mut stopped => break,
        };
        let slot = match connections.admit() {
            Ok(slot) => Arc::new(slot),
            Err(AllBusy) => {
                tokio::spawn(refuse(stream));
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let service = services.clone().build(serving.methods.clone(), serving.stop.clone());
        let gate = RequestGate::new(service, slot.clone(), serving.limits.clone());
        let task = tokio::spawn(serve_connection(
            stream,
            gate,
            serving.hyper.clone(),
            serving.stop.clone(),
        ));
        slot.set_abort(task.abort_handle());
    }
    tracing::debug!("JSON-RPC accept loop stopped");
}

/// An accept that failed: out of file descriptors frees one by shedding the connection
/// waiting longest and retries as soon as its task has closed it (a yield, not a sleep: a burst
/// of connections behind a well-behaved client must not cost 5 ms each); with nothing to shed,
/// or on any other failure, it backs off briefly so the loop does not spin.
async fn on_accept_error(error: &std::io::Error, connections: &Connections) {
    let out_of_fds = matches!(error.raw_os_error(), Some(libc::EMFILE | libc::ENFILE));
    tracing::debug!(%error, out_of_fds, open = connections.len(), "accept failed");
    if out_of_fds && connections.shed_longest_waiting() {
        tokio::task::yield_now().await;
        return;
    }
    tokio::time::sleep(Duration::from_millis(5)).await;
}

/// Answers a connection that found every place busy: `503` with `Retry-After`, then closes.
async fn refuse(mut stream: TcpStream) {
    let body = "too many busy connections, retry later\n";
    let response = format!(
        "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\nContent-Type: text/plain\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let write = async {
        stream.write_all(response.as_bytes()).await?;
        stream.shutdown().await
    };
    let _ = tokio::time::timeout(Duration::from_secs(1), write).await;
}

/// Serves one connection (HTTP/1.1 with upgrades to WebSocket, or HTTP/2) until it ends or
/// the server stops, when it finishes its requests and closes.
async fn serve_connection<S>(
    stream: TcpStream,
    gate: RequestGate<S>,
    hyper: Arc<auto::Builder<TokioExecutor>>,
    stop: StopHandle,
) where
    RequestGate<S>: tower::Service<
            http::Request<hyper::body::Incoming>,
            Response = http::Response<jsonrpsee::server::HttpBody>,
            Error = Box<dyn std::error::Error + Send + Sync>,
        > + Clone
        + Send
        + 'static,
    <RequestGate<S> as tower::Service<http::Request<hyper::body::Incoming>>>::Future:
        Send + 'static,
{
    let conn =
        hyper.serve_connection_with_upgrades(TokioIo::new(stream), TowerToHyperService::new(gate));
    let stopped = stop.shutdown();
    tokio::pin!(conn, stopped);
    tokio::select! {
        result = &mut conn => {
            if let Err(e) = result {
                tracing::debug!(error = %e, "connection ended with an error");
            }
        }
        _ = &mut stopped => {
            conn.as_mut().graceful_shutdown();
            let _ = conn.await;
        }
    }
}

/// Closes connections that have waited longer than `idle` with nothing executing, checking
/// a few times per timeout, until the server stops.
async fn close_idle(connections: Arc<Connections>, idle: Duration, stop: StopHandle) {
    let mut ticks = tokio::time::interval((idle / 4).max(Duration::from_millis(50)));
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let stopped = stop.shutdown();
    tokio::pin!(stopped);
    loop {
        tokio::select! {
            _ = ticks.tick() => {
                let closed = connections.close_idle(idle);
                if closed > 0 {
                    tracing::debug!(closed, "idle connections closed");
                }
            }
            _ = &mut stopped => break,
        }
    }
}
