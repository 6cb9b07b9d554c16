//! [`start`] and [`CelestiaDevServer`]: the dev server's life cycle.
//!
//! Start opens (or creates) the data directory's database, issues the two tokens at first
//! start, opens the chain (block 1 on a new directory), listens, and starts the block producer.
//! [`CelestiaDevServer::stop`] stops listening, waits for the calls in flight, stops the
//! producer and closes the database, so a new [`start`] on the same directory and port
//! carries on from the last height with the same tokens.

use std::{net::SocketAddr, path::PathBuf, sync::Arc, time::Duration};

use jsonrpsee::server::{Server, ServerConfig, ServerHandle};
use tokio::{sync::watch, task::JoinHandle};

use super::{
    CelestiaDevError,
    auth::{READ_PERMS, READ_WRITE_PERMS, TokenAuthority},
    chain::Chain,
    http_layer::DevHttpLayer,
    rpc,
    store::Store,
};

/// celestia-node's default JSON-RPC port.
pub const DEFAULT_PORT: u16 = 26658;
/// Largest request body: a few maximal blobs, base64-encoded (go-jsonrpc allows 100 MiB).
const MAX_REQUEST_BYTES: u32 = 32 * 1024 * 1024;
/// Largest response body (celestia-rpc reads up to 256 MiB).
const MAX_RESPONSE_BYTES: u32 = 256 * 1024 * 1024;

const META_KEY: &str = "jwt_key";
const META_WRITE_TOKEN: &str = "write_token";
const META_READ_TOKEN: &str = "read_token";

/// How to run the dev server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CelestiaDevOptions {
    /// Address to listen on (port 0 picks a free port). Default `127.0.0.1:26658`.
    pub listen: SocketAddr,
    /// Directory of the database (`celestia-dev.redb`); created if missing, resumed if it
    /// holds a chain.
    pub data_dir: PathBuf,
    /// Interval between blocks. Default 1 s.
    pub block_time: Duration,
}

impl Default for CelestiaDevOptions {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], DEFAULT_PORT)),
            data_dir: PathBuf::from("celestia-dev"),
            block_time: Duration::from_secs(1),
        }
    }
}

/// A running dev server. Stop it with [`stop`](Self::stop); dropping it stops serving too.
#[derive(Debug)]
pub struct CelestiaDevServer {
    addr: SocketAddr,
    data_dir: PathBuf,
    write_token: String,
    read_token: String,
    chain: Arc<Chain>,
    rpc: ServerHandle,
    producer: JoinHandle<()>,
    stop: watch::Sender<bool>,
}

/// Starts a dev server with `opts`.
pub async fn start(opts: CelestiaDevOptions) -> Result<CelestiaDevServer, CelestiaDevError> {
    let block_time = opts.block_time.max(Duration::from_millis(1));
    let dir = opts.data_dir.clone();
    let (store, authority, write_token, read_token) =
        tokio::task::spawn_blocking(move || open_store(&dir))
            .await
            .map_err(|e| CelestiaDevError::Store(format!("open task failed: {e}")))??;
    let (chain, producer) = Chain::open(Arc::new(store), block_time).await?;

    let config = ServerConfig::builder()
        .max_request_body_size(MAX_REQUEST_BYTES)
        .max_response_body_size(MAX_RESPONSE_BYTES)
        .build();
    let http = tower::ServiceBuilder::new().layer(DevHttpLayer::new(authority, chain.clone()));
    let server = Server::builder()
        .set_config(config)
        .set_http_middleware(http)
        .build(opts.listen)
        .await
        .map_err(|e| CelestiaDevError::Listen { addr: opts.listen, reason: e.to_string() })?;
    let addr = server
        .local_addr()
        .map_err(|e| CelestiaDevError::Listen { addr: opts.listen, reason: e.to_string() })?;
    let rpc = server.start(rpc::module(chain.clone()));
    let (stop, stop_rx) = watch::channel(false);
    let producer = tokio::spawn(producer.run(stop_rx));
    tracing::info!(
        %addr,
        data_dir = %opts.data_dir.display(),
        block_time_ms = block_time.as_millis() as u64,
        head = chain.head().height,
        "Celestia dev server listening"
    );
    Ok(CelestiaDevServer {
        addr,
        data_dir: opts.data_dir,
        write_token,
        read_token,
        chain,
        rpc,
        producer,
        stop,
    })
}

/// Opens the store and loads (or, at first start, makes and saves) the key and tokens.
fn open_store(
    dir: &std::path::Path,
) -> Result<(Store, TokenAuthority, String, String), CelestiaDevError> {
    let store = Store::open(dir)?;
    let text = |bytes: Vec<u8>| {
        String::from_utf8(bytes).map_err(|e| CelestiaDevError::Corrupt(format!("token: {e}")))
    };
    let saved =
        (store.meta(META_KEY)?, store.meta(META_WRITE_TOKEN)?, store.meta(META_READ_TOKEN)?);
    if let (Some(key), Some(write), Some(read)) = saved {
        let key: [u8; 32] = key
            .try_into()
            .map_err(|_| CelestiaDevError::Corrupt("the token key is not 32 bytes".into()))?;
        return Ok((store, TokenAuthority::new(key), text(write)?, text(read)?));
    }
    let key: [u8; 32] = rand::random();
    let authority = TokenAuthority::new(key);
    let write = authority.issue(READ_WRITE_PERMS);
    let read = authority.issue(READ_PERMS);
    store.set_meta(&[
        (META_KEY, &key),
        (META_WRITE_TOKEN, write.as_bytes()),
        (META_READ_TOKEN, read.as_bytes()),
    ])?;
    Ok((store, authority, write, read))
}

impl CelestiaDevServer {
    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://<addr>`: the JSON-RPC endpoint (WebSocket on the same port).
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// `ws://<addr>`.
    pub fn ws_url(&self) -> String {
        format!("ws://{}", self.addr)
    }

    /// Its data directory.
    pub fn data_dir(&self) -> &std::path::Path {
        &self.data_dir
    }

    /// A token with `read` and `write` permission (what posting batches needs).
    pub fn write_token(&self) -> &str {
        &self.write_token
    }

    /// A token with `read` permission only (what a follower needs).
    pub fn read_token(&self) -> &str {
        &self.read_token
    }

    /// The newest height.
    pub fn head_height(&self) -> u64 {
        self.chain.head().height
    }

    /// Waits until the chain has reached `height` (or the server stopped).
    pub async fn wait_for_height(&self, height: u64) -> u64 {
        self.chain.wait_for(height).await.map_or_else(|_| self.head_height(), |head| head.height)
    }

    /// Stops serving and making blocks, and closes the database; the port and the directory
    /// are free again when this returns.
    pub async fn stop(self) {
        let Self { rpc, producer, stop, chain, addr, .. } = self;
        // Calls in flight finish first (a `blob.Submit` waits for its block, so the
        // producer keeps running until they have).
        if rpc.stop().is_ok() {
            rpc.stopped().await;
        }
        let _ = stop.send(true);
        if let Err(e) = producer.await {
            tracing::error!(error = %e, "Celestia dev block producer failed");
        }
        let head = chain.head().height;
        drop(chain);
        tracing::info!(%addr, head, "Celestia dev server stopped");
    }
}
