//! Shared helpers of the end-to-end tests: an in-process node on a free port in a temporary
//! directory, the `manifold` binary as a child process, raw JSON-RPC over HTTP, transaction
//! signing, polling with deadlines, and the ERC-20 test artifact.
//!
//! Nothing here sleeps as a means of synchronisation: every wait polls a condition until a
//! deadline and fails with what it was waiting for.

use std::{
    future::Future,
    path::{Path, PathBuf},
    process::{ExitStatus, Stdio},
    time::{Duration, Instant},
};

use alloy::{
    consensus::{SignableTransaction, Signed, TxEnvelope},
    eips::eip2718::Encodable2718,
    json_abi::JsonAbi,
    network::{EthereumWallet, TxSignerSync},
    primitives::{Address, B256, Bytes, Signature, address},
    providers::{DynProvider, Provider, ProviderBuilder},
    rpc::types::TransactionReceipt,
    signers::local::PrivateKeySigner,
    sol,
    sol_types::SolValue,
    transports::{RpcError, TransportErrorKind},
};
use eyre::{WrapErr, bail, eyre};
use node_config::{DevAccount, DevnetOptions, NodeConfig};
use sequencer::{Node, NodeHandle};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, BufReader};

pub mod anvil;
pub mod hardhat;
pub mod two_engines;

/// The hash of an EVM transaction as DA batches carry it (`kind ‖ EIP-2718 bytes`, kind
/// `0x00`): keccak256 of its EIP-2718 bytes. Panics on a transaction of another engine.
pub fn da_evm_hash(tagged: &Bytes) -> B256 {
    assert_eq!(tagged.first(), Some(&da::V1_TRANSACTION_KIND), "an EVM transaction on DA");
    alloy::primitives::keccak256(&tagged[1..])
}

/// Chain id of the devnet.
pub const CHAIN_ID: u64 = 31_337;
/// The account that receives every fee (base and priority).
pub const FEE_VAULT: Address = address!("0x4200000000000000000000000000000000000011");
/// Default deadline of a wait (receipt, process start, pool drain).
pub const TIMEOUT: Duration = Duration::from_secs(30);
/// How long the binary may take to print its JSON line.
pub const READY_TIMEOUT: Duration = Duration::from_secs(60);
/// Block time used by the tests' nodes, in milliseconds.
pub const BLOCK_TIME_MS: u64 = 50;
/// One gwei.
pub const GWEI: u128 = 1_000_000_000;
/// One ether, in wei.
pub const ETHER: u128 = 1_000_000_000_000_000_000;

sol! {
    /// The functions and events of `tests/contracts/Token.sol` the tests use.
    #[sol(rpc)]
    interface IToken {
        function name() external view returns (string);
        function symbol() external view returns (string);
        function totalSupply() external view returns (uint256);
        function balanceOf(address owner) external view returns (uint256);
        function transfer(address to, uint256 amount) external returns (bool);
        function approve(address spender, uint256 amount) external returns (bool);
        event Transfer(address indexed from, address indexed to, uint256 value);
        event Approval(address indexed owner, address indexed spender, uint256 value);
    }
}

/// The dev accounts funded by the devnet (the "test test … junk" mnemonic).
pub fn dev_accounts() -> Vec<DevAccount> {
    node_config::dev_accounts(10).expect("dev accounts derive")
}

/// The signer of a dev account.
pub fn signer(account: &DevAccount) -> PrivateKeySigner {
    PrivateKeySigner::from_bytes(&account.private_key).expect("dev key is valid")
}

/// An HTTP provider with alloy's recommended fillers and a wallet holding every dev account
/// (the first is the default sender).
pub fn wallet_provider(url: &reqwest::Url) -> DynProvider {
    let accounts = dev_accounts();
    let mut wallet = EthereumWallet::new(signer(&accounts[0]));
    for account in &accounts[1..] {
        wallet.register_signer(signer(account));
    }
    ProviderBuilder::new().wallet(wallet).connect_http(url.clone()).erased()
}

/// A provider with no fillers and no wallet (reads, raw sends).
pub fn plain_provider(url: &reqwest::Url) -> DynProvider {
    ProviderBuilder::new().disable_recommended_fillers().connect_http(url.clone()).erased()
}

// ---------------------------------------------------------------------------------------------
// In-process node
// ---------------------------------------------------------------------------------------------

/// A node running inside the test process, on a free port, in its own temporary directory.
pub struct TestNode {
    handle: Option<NodeHandle>,
    /// A follower (derives from DA, read-only) rather than a sequencer.
    follower: Option<std::sync::Arc<dyn da::DaBackend>>,
    /// The engines it runs when not only the chain's default ones.
    engines: Option<execution::Engines>,
    /// The config it runs with.
    pub config: NodeConfig,
    /// `http://<rpc_addr>`.
    pub url: reqwest::Url,
    /// Wallet provider (see [`wallet_provider`]).
    pub provider: DynProvider,
    /// Raw JSON-RPC client.
    pub rpc: RawRpc,
    dir: tempfile::TempDir,
}

impl std::fmt::Debug for TestNode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestNode").field("url", &self.url).field("dir", &self.dir.path()).finish()
    }
}

impl TestNode {
    /// A fresh data directory and the devnet config of a node in it: [`BLOCK_TIME_MS`]
    /// blocks, RPC on a free local port.
    fn devnet_config() -> eyre::Result<(tempfile::TempDir, NodeConfig)> {
        let dir = tempfile::Builder::new().prefix("manifold-e2e-").tempdir()?;
        let config = NodeConfig::devnet(&DevnetOptions {
            data_dir: dir.path().join("data"),
            rpc_listen: "127.0.0.1:0".parse()?,
            block_time_ms: BLOCK_TIME_MS,
            ..Default::default()
        })?;
        Ok((dir, config))
    }

    /// Starts a devnet node with [`BLOCK_TIME_MS`] blocks.
    pub async fn start() -> eyre::Result<Self> {
        Self::start_with(|_| {}).await
    }

    /// Starts a devnet node after `edit` adjusted its config.
    pub async fn start_with(edit: impl FnOnce(&mut NodeConfig)) -> eyre::Result<Self> {
        let (dir, mut config) = Self::devnet_config()?;
        edit(&mut config);
        let handle = Node::start(config.clone()).await.wrap_err("starting the node")?;
        Self::running(handle, config, dir, None, None)
    }

    /// Starts a node as `manifold devnet` runs it ([`Node::start_devnet`]: the dev methods
    /// served) after `edit` adjusted its config.
    pub async fn start_devnet_with(edit: impl FnOnce(&mut NodeConfig)) -> eyre::Result<Self> {
        let (dir, mut config) = Self::devnet_config()?;
        edit(&mut config);
        let handle = Node::start_devnet(config.clone()).await.wrap_err("starting the devnet")?;
        Self::running(handle, config, dir, None, None)
    }

    /// Starts a devnet node that runs the key-value test engine beside the EVM, its payer
    /// funded (see [`two_engines`]).
    pub async fn start_two_engines() -> eyre::Result<Self> {
        let (dir, mut config) = Self::devnet_config()?;
        two_engines::fund_kv_payer(&mut config);
        let engines = two_engines::two_engines(&config);
        let da = sequencer::node::open_da(&config).await?;
        let handle = Node::start_with_engines(config.clone(), da, engines.clone())
            .await
            .wrap_err("starting the node")?;
        Self::running(handle, config, dir, None, Some(engines))
    }

    /// Starts a follower of `sequencer` reading `da`: the sequencer's config (genesis
    /// timestamp fixed to its genesis block's) with its own data directory and port, after
    /// `edit` adjusted it.
    pub async fn start_follower(
        sequencer: &TestNode,
        da: std::sync::Arc<dyn da::DaBackend>,
        edit: impl FnOnce(&mut NodeConfig),
    ) -> eyre::Result<Self> {
        let dir = tempfile::Builder::new().prefix("manifold-e2e-follower-").tempdir()?;
        let mut config = sequencer.config.clone();
        config.data_dir = dir.path().join("data");
        config.rpc.listen = "127.0.0.1:0".parse()?;
        config.follower.poll_interval_ms = 20;
        config.genesis.timestamp = sequencer.genesis_timestamp()?;
        edit(&mut config);
        let engines = sequencer.engines.clone();
        let handle = match &engines {
            Some(engines) => {
                Node::start_follower_with_engines(config.clone(), da.clone(), engines.clone()).await
            }
            None => Node::start_follower_with_da(config.clone(), da.clone()).await,
        }
        .wrap_err("starting the follower")?;
        Self::running(handle, config, dir, Some(da), engines)
    }

    /// A follower of this sequencer reading its local DA: started once every block up to
    /// `head` is posted, returned once it derived `head` (without diverging).
    pub async fn local_da_follower(&self, head: u64) -> eyre::Result<Self> {
        poll_until("the sequencer to post its blocks", TIMEOUT, || async {
            Ok((sync_status(&self.rpc).await?.safe >= head).then_some(()))
        })
        .await?;
        let da: std::sync::Arc<dyn da::DaBackend> = std::sync::Arc::new(da::LocalDa::open(
            self.config.local_da_path(),
            self.config.da.local.max_blob_bytes,
        )?);
        let follower = Self::start_follower(self, da, |_| {}).await?;
        wait_derived(&follower, head).await?;
        Ok(follower)
    }

    /// Starts a follower of `sequencer` reading `da` that runs only the chain's default
    /// engines (the EVM), whatever the sequencer runs.
    pub async fn start_follower_evm_only(
        sequencer: &TestNode,
        da: std::sync::Arc<dyn da::DaBackend>,
    ) -> eyre::Result<Self> {
        let dir = tempfile::Builder::new().prefix("manifold-e2e-follower-").tempdir()?;
        let mut config = sequencer.config.clone();
        config.data_dir = dir.path().join("data");
        config.rpc.listen = "127.0.0.1:0".parse()?;
        config.follower.poll_interval_ms = 20;
        config.genesis.timestamp = sequencer.genesis_timestamp()?;
        let handle = Node::start_follower_with_da(config.clone(), da.clone())
            .await
            .wrap_err("starting the follower")?;
        Self::running(handle, config, dir, Some(da), None)
    }

    /// Timestamp of this node's genesis block.
    pub fn genesis_timestamp(&self) -> eyre::Result<u64> {
        let reader = self.handle().ctx.store.reader()?;
        Ok(reader.header(0)?.ok_or_else(|| eyre!("no genesis block"))?.timestamp)
    }

    fn running(
        handle: NodeHandle,
        config: NodeConfig,
        dir: tempfile::TempDir,
        follower: Option<std::sync::Arc<dyn da::DaBackend>>,
        engines: Option<execution::Engines>,
    ) -> eyre::Result<Self> {
        let url: reqwest::Url = format!("http://{}", handle.rpc_addr).parse()?;
        Ok(Self {
            handle: Some(handle),
            follower,
            engines,
            config,
            provider: wallet_provider(&url),
            rpc: RawRpc::new(url.clone()),
            url,
            dir,
        })
    }

    /// The node's data directory.
    pub fn data_dir(&self) -> &Path {
        &self.config.data_dir
    }

    /// The running node.
    pub fn handle(&self) -> &NodeHandle {
        self.handle.as_ref().expect("node is running")
    }

    /// Stops the node (if running) and starts it again on the same data directory, on a new
    /// free port; `url`, `provider` and `rpc` follow.
    pub async fn restart(&mut self) -> eyre::Result<()> {
        self.shutdown().await;
        let config = self.config.clone();
        let handle = match (&self.follower, &self.engines) {
            (Some(da), Some(engines)) => {
                Node::start_follower_with_engines(config, da.clone(), engines.clone()).await
            }
            (Some(da), None) => Node::start_follower_with_da(config, da.clone()).await,
            (None, Some(engines)) => {
                let da = sequencer::node::open_da(&config).await?;
                Node::start_with_engines(config, da, engines.clone()).await
            }
            (None, None) => Node::start(config).await,
        }
        .wrap_err("restarting the node")?;
        self.url = format!("http://{}", handle.rpc_addr).parse()?;
        self.provider = wallet_provider(&self.url);
        self.rpc = RawRpc::new(self.url.clone());
        self.handle = Some(handle);
        Ok(())
    }

    /// Stops the node cleanly; the data directory stays until `self` is dropped.
    pub async fn shutdown(&mut self) {
        if let Some(handle) = self.handle.take() {
            tokio::time::timeout(TIMEOUT, handle.shutdown())
                .await
                .expect("node shut down within the timeout");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Raw JSON-RPC
// ---------------------------------------------------------------------------------------------

/// A JSON-RPC error object.
#[derive(Debug, Clone, PartialEq)]
pub struct RpcErrorObject {
    /// `code`.
    pub code: i64,
    /// `message`.
    pub message: String,
    /// `data`, if any.
    pub data: Option<Value>,
}

impl RpcErrorObject {
    /// Parses `{"code", "message", "data"}`.
    pub fn from_json(value: &Value) -> eyre::Result<Self> {
        Ok(Self {
            code: value["code"].as_i64().ok_or_else(|| eyre!("error without code: {value}"))?,
            message: value["message"]
                .as_str()
                .ok_or_else(|| eyre!("error without message: {value}"))?
                .to_string(),
            data: value.get("data").cloned(),
        })
    }
}

/// Minimal JSON-RPC over HTTP with reqwest, for requests that alloy would refuse to build.
#[derive(Debug, Clone)]
pub struct RawRpc {
    client: reqwest::Client,
    /// Endpoint.
    pub url: reqwest::Url,
}

impl RawRpc {
    /// A client for `url`.
    pub fn new(url: reqwest::Url) -> Self {
        let client = reqwest::Client::builder().timeout(TIMEOUT).build().expect("reqwest client");
        Self { client, url }
    }

    /// POSTs `body` as `application/json`; returns the status and the body text.
    pub async fn post_text(&self, body: impl Into<String>) -> eyre::Result<(u16, String)> {
        let response = self
            .client
            .post(self.url.clone())
            .header("content-type", "application/json")
            .body(body.into())
            .send()
            .await
            .wrap_err("POST to the node")?;
        let status = response.status().as_u16();
        Ok((status, response.text().await?))
    }

    /// POSTs a JSON value; returns the status and the parsed body.
    pub async fn post_json(&self, body: &Value) -> eyre::Result<(u16, Value)> {
        let (status, text) = self.post_text(body.to_string()).await?;
        let value = serde_json::from_str(&text)
            .wrap_err_with(|| format!("response (HTTP {status}) is not JSON: {text:?}"))?;
        Ok((status, value))
    }

    /// Calls `method` with `params`: the result, or the error object.
    pub async fn request(
        &self,
        method: &str,
        params: Value,
    ) -> eyre::Result<Result<Value, RpcErrorObject>> {
        let body = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
        let (_, response) = self.post_json(&body).await?;
        if let Some(error) = response.get("error") {
            return Ok(Err(RpcErrorObject::from_json(error)?));
        }
        match response.get("result") {
            Some(result) => Ok(Ok(result.clone())),
            None => bail!("{method}: response has neither result nor error: {response}"),
        }
    }

    /// Calls `method`; fails on a JSON-RPC error.
    pub async fn call(&self, method: &str, params: Value) -> eyre::Result<Value> {
        self.request(method, params).await?.map_err(|e| eyre!("{method} failed: {e:?}"))
    }

    /// Calls `method` and expects a JSON-RPC error.
    pub async fn expect_error(&self, method: &str, params: Value) -> eyre::Result<RpcErrorObject> {
        match self.request(method, params.clone()).await? {
            Ok(result) => bail!("{method}({params}) succeeded with {result}, expected an error"),
            Err(e) => Ok(e),
        }
    }
}

/// The JSON-RPC error object inside an alloy transport error, if the node answered with one.
pub fn error_payload(error: &RpcError<TransportErrorKind>) -> Option<RpcErrorObject> {
    let payload = error.as_error_resp()?;
    Some(RpcErrorObject {
        code: payload.code,
        message: payload.message.to_string(),
        data: payload.data.as_ref().and_then(|raw| serde_json::from_str(raw.get()).ok()),
    })
}

// ---------------------------------------------------------------------------------------------
// Signing
// ---------------------------------------------------------------------------------------------

/// Signs `tx` with `signer` and wraps it in an envelope.
pub fn sign<T>(signer: &PrivateKeySigner, mut tx: T) -> eyre::Result<TxEnvelope>
where
    T: SignableTransaction<Signature>,
    Signed<T>: Into<TxEnvelope>,
{
    let signature = signer.sign_transaction_sync(&mut tx)?;
    Ok(tx.into_signed(signature).into())
}

/// EIP-2718 bytes of an envelope.
pub fn raw(envelope: &TxEnvelope) -> Bytes {
    envelope.encoded_2718().into()
}

/// A signed EIP-1559 transfer of `value` wei to `to`.
pub fn signed_transfer(
    signer: &PrivateKeySigner,
    nonce: u64,
    to: Address,
    value: u128,
) -> eyre::Result<TxEnvelope> {
    sign(
        signer,
        alloy::consensus::TxEip1559 {
            chain_id: CHAIN_ID,
            nonce,
            gas_limit: 21_000,
            max_fee_per_gas: 10 * GWEI,
            max_priority_fee_per_gas: GWEI,
            to: to.into(),
            value: alloy::primitives::U256::from(value),
            ..Default::default()
        },
    )
}

// ---------------------------------------------------------------------------------------------
// Waiting
// ---------------------------------------------------------------------------------------------

/// Polls `check` every 20 ms until it returns `Some`, or fails after `timeout` naming `what`.
pub async fn poll_until<T, F, Fut>(what: &str, timeout: Duration, mut check: F) -> eyre::Result<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = eyre::Result<Option<T>>>,
{
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(value) = check().await? {
            return Ok(value);
        }
        if Instant::now() >= deadline {
            bail!("timed out after {timeout:?} waiting for {what}");
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// `manifold_syncStatus` of the node at `rpc`, with the quantities as numbers.
pub async fn sync_status(rpc: &RawRpc) -> eyre::Result<SyncStatus> {
    let status = rpc.call("manifold_syncStatus", json!([])).await?;
    let number = |key: &str| {
        let value = status[key].as_str().unwrap_or_default().trim_start_matches("0x");
        u64::from_str_radix(value, 16).map_err(|e| eyre!("{key} in {status}: {e}"))
    };
    Ok(SyncStatus {
        unsafe_head: number("unsafe")?,
        safe: number("safe")?,
        finalized: number("finalized")?,
        da_height: number("daHeight")?,
        lag: number("lag")?,
        divergence: status["divergence"].clone(),
        role: status["role"].as_str().unwrap_or_default().to_owned(),
    })
}

/// `manifold_syncStatus`, decoded.
#[derive(Debug, Clone, PartialEq)]
pub struct SyncStatus {
    /// `sequencer`, `follower` or `devchain`.
    pub role: String,
    /// Sealed or derived head.
    pub unsafe_head: u64,
    /// Highest block on DA.
    pub safe: u64,
    /// Highest block final on DA.
    pub finalized: u64,
    /// DA height posted to or read.
    pub da_height: u64,
    /// Blocks (sequencer) or DA heights (follower) behind.
    pub lag: u64,
    /// `null`, or the divergence object.
    pub divergence: Value,
}

/// Waits (at most [`TIMEOUT`]) for the receipt of `hash`.
pub async fn wait_receipt(provider: &DynProvider, hash: B256) -> eyre::Result<TransactionReceipt> {
    poll_until(&format!("the receipt of {hash}"), TIMEOUT, || async {
        Ok(provider.get_transaction_receipt(hash).await?)
    })
    .await
}

// ---------------------------------------------------------------------------------------------
// The `manifold` binary
// ---------------------------------------------------------------------------------------------

/// The `manifold` binary: `$MANIFOLD_BIN`, or `target/debug/manifold` next to the test
/// executable's `deps/` directory.
pub fn manifold_bin() -> eyre::Result<PathBuf> {
    if let Some(bin) = std::env::var_os("MANIFOLD_BIN") {
        let bin = PathBuf::from(bin);
        if !bin.is_file() {
            bail!("MANIFOLD_BIN={} does not exist", bin.display());
        }
        return Ok(bin);
    }
    let exe = std::env::current_exe()?;
    let candidates: Vec<PathBuf> =
        exe.ancestors().skip(1).take(3).map(|dir| dir.join("manifold")).collect();
    candidates.iter().find(|bin| bin.is_file()).cloned().ok_or_else(|| {
        eyre!(
            "the manifold binary was not found (looked at {candidates:?}): run `cargo build -p \
             devnet` first, or set MANIFOLD_BIN"
        )
    })
}

/// What `manifold devnet --json` prints once it serves.
#[derive(Debug, Clone)]
pub struct DevnetInfo {
    /// HTTP endpoint.
    pub rpc_url: reqwest::Url,
    /// WebSocket endpoint.
    pub ws_url: String,
    /// Chain id.
    pub chain_id: u64,
    /// Funded accounts: address and private key.
    pub accounts: Vec<(Address, B256)>,
    /// The whole line.
    pub raw: Value,
}

impl DevnetInfo {
    fn parse(line: &str) -> eyre::Result<Self> {
        let raw: Value = serde_json::from_str(line)
            .wrap_err_with(|| format!("the node's stdout line is not JSON: {line:?}"))?;
        let accounts = raw["accounts"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default()
            .iter()
            .map(|a| -> eyre::Result<(Address, B256)> {
                Ok((
                    a["address"].as_str().unwrap_or_default().parse()?,
                    a["private_key"].as_str().unwrap_or_default().parse()?,
                ))
            })
            .collect::<eyre::Result<_>>()?;
        Ok(Self {
            rpc_url: raw["rpc_url"]
                .as_str()
                .ok_or_else(|| eyre!("no rpc_url in {line}"))?
                .parse()?,
            ws_url: raw["ws_url"].as_str().unwrap_or_default().to_string(),
            chain_id: raw["chain_id"].as_u64().ok_or_else(|| eyre!("no chain_id in {line}"))?,
            accounts,
            raw,
        })
    }
}

/// `manifold devnet` running as a child process (killed when dropped).
#[derive(Debug)]
pub struct ManifoldProcess {
    child: tokio::process::Child,
    /// What it printed once serving.
    pub info: DevnetInfo,
    stderr_path: PathBuf,
    _stdout: tokio::io::Lines<BufReader<tokio::process::ChildStdout>>,
}

impl ManifoldProcess {
    /// Runs `manifold devnet --data-dir <data_dir> --rpc-port 0 --json --block-time
    /// <BLOCK_TIME_MS>` and waits for its JSON line. The node's stderr goes to
    /// `<log_dir>/<name>.stderr.log`.
    pub async fn spawn(data_dir: &Path, log_dir: &Path, name: &str) -> eyre::Result<Self> {
        let block_time = BLOCK_TIME_MS.to_string();
        let data_dir = data_dir.to_string_lossy();
        let args = [
            "devnet",
            "--data-dir",
            &data_dir,
            "--rpc-port",
            "0",
            "--json",
            "--block-time",
            &block_time,
        ];
        Self::spawn_with(&args, log_dir, name).await
    }

    /// Runs `manifold <args>` (a command that prints one JSON line with at least `rpc_url`
    /// and `chain_id` once it serves) and waits for that line. stderr goes to
    /// `<log_dir>/<name>.stderr.log`.
    pub async fn spawn_with(args: &[&str], log_dir: &Path, name: &str) -> eyre::Result<Self> {
        Self::spawn_program(&manifold_bin()?, args, log_dir, name).await
    }

    /// Runs `bin <args>` (a program that prints one JSON line with at least `rpc_url` and
    /// `chain_id` once it serves) and waits for that line. stderr goes to
    /// `<log_dir>/<name>.stderr.log`.
    pub async fn spawn_program(
        bin: &Path,
        args: &[&str],
        log_dir: &Path,
        name: &str,
    ) -> eyre::Result<Self> {
        std::fs::create_dir_all(log_dir)?;
        let stderr_path = log_dir.join(format!("{name}.stderr.log"));
        let stderr = std::fs::File::create(&stderr_path)?;
        let mut child = tokio::process::Command::new(bin)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(stderr))
            .kill_on_drop(true)
            .spawn()
            .wrap_err_with(|| format!("spawning {}", bin.display()))?;
        let mut stdout = BufReader::new(child.stdout.take().expect("piped stdout")).lines();
        let line = match tokio::time::timeout(READY_TIMEOUT, stdout.next_line()).await {
            Ok(Ok(Some(line))) => line,
            Ok(Ok(None)) => {
                let status = child.wait().await?;
                bail!(
                    "manifold exited ({status}) before printing its JSON line; stderr:\n{}",
                    tail(&stderr_path)
                );
            }
            Ok(Err(e)) => bail!("reading manifold's stdout: {e}"),
            Err(_) => bail!(
                "manifold printed no JSON line within {READY_TIMEOUT:?}; stderr:\n{}",
                tail(&stderr_path)
            ),
        };
        let info = DevnetInfo::parse(&line)?;
        Ok(Self { child, info, stderr_path, _stdout: stdout })
    }

    /// The child's process id.
    pub fn pid(&self) -> u32 {
        self.child.id().expect("child is running")
    }

    /// The last lines of the node's stderr.
    pub fn stderr_tail(&self) -> String {
        tail(&self.stderr_path)
    }

    /// Sends SIGTERM and waits (at most [`TIMEOUT`]) for a clean exit.
    pub async fn terminate(mut self) -> eyre::Result<ExitStatus> {
        let pid = self.pid();
        let status = std::process::Command::new("kill")
            .args(["-TERM", &pid.to_string()])
            .status()
            .wrap_err("running kill -TERM")?;
        if !status.success() {
            bail!("kill -TERM {pid} failed: {status}");
        }
        match tokio::time::timeout(TIMEOUT, self.child.wait()).await {
            Ok(status) => Ok(status?),
            Err(_) => bail!(
                "manifold did not exit within {TIMEOUT:?} of SIGTERM; stderr:\n{}",
                self.stderr_tail()
            ),
        }
    }

    /// SIGKILL, then reap.
    pub async fn kill9(mut self) -> eyre::Result<ExitStatus> {
        self.child.kill().await?;
        Ok(self.child.wait().await?)
    }
}

/// Last 40 lines of a file.
fn tail(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(40)..].join("\n")
}

// ---------------------------------------------------------------------------------------------
// The ERC-20 artifact
// ---------------------------------------------------------------------------------------------

/// `tests/contracts/out/Token.json`.
#[derive(Debug, Clone)]
pub struct TokenArtifact {
    /// ABI.
    pub abi: JsonAbi,
    /// Creation code (without constructor arguments).
    pub bytecode: Bytes,
    /// Runtime code.
    pub deployed_bytecode: Option<Bytes>,
}

impl TokenArtifact {
    /// Loads the artifact.
    pub fn load() -> eyre::Result<Self> {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("contracts/out/Token.json");
        let text = std::fs::read_to_string(&path).wrap_err_with(|| {
            format!("reading {} (built by tests/contracts/build.mjs)", path.display())
        })?;
        let json: Value = serde_json::from_str(&text)?;
        let abi: JsonAbi = serde_json::from_value(json["abi"].clone())?;
        let bytecode: Bytes = json["bytecode"]
            .as_str()
            .ok_or_else(|| eyre!("Token.json has no bytecode"))?
            .parse()?;
        let deployed_bytecode = json["deployedBytecode"].as_str().map(str::parse).transpose()?;
        Ok(Self { abi, bytecode, deployed_bytecode })
    }

    /// Creation code followed by the ABI-encoded constructor arguments.
    pub fn deploy_code(&self, name: &str, symbol: &str, supply: alloy::primitives::U256) -> Bytes {
        let mut code = self.bytecode.to_vec();
        code.extend((name.to_string(), symbol.to_string(), supply).abi_encode_params());
        code.into()
    }
}

// ---------------------------------------------------------------------------------------------
// Chain workload and comparison (sequencer vs follower)
// ---------------------------------------------------------------------------------------------

/// Sends `rounds` rounds of mixed work through `node` and waits for every receipt: a token
/// deployment (first round), native transfers between dev accounts, token transfers, and one
/// reverting token transfer per round. Returns the head once all are sealed.
pub async fn run_workload(node: &TestNode, rounds: usize) -> eyre::Result<u64> {
    run_workload_on(&node.provider, rounds).await
}

/// [`run_workload`] through any wallet provider holding the dev accounts.
pub async fn run_workload_on(provider: &DynProvider, rounds: usize) -> eyre::Result<u64> {
    use alloy::{network::TransactionBuilder, rpc::types::TransactionRequest};
    let accounts = dev_accounts();
    let artifact = TokenArtifact::load()?;
    let supply = alloy::primitives::U256::from(1_000_000u64);
    let owner = accounts[0].address;
    let nonce = provider.get_transaction_count(owner).await?;
    let deploy = TransactionRequest::default()
        .with_from(owner)
        .with_deploy_code(artifact.deploy_code("Workload", "WRK", supply));
    let receipt =
        wait_receipt(provider, *provider.send_transaction(deploy).await?.tx_hash()).await?;
    let token_address = receipt.contract_address.ok_or_else(|| eyre!("no contract address"))?;
    assert_eq!(token_address, owner.create(nonce));
    let token = IToken::new(token_address, provider.clone());
    for round in 0..rounds {
        let mut hashes = Vec::new();
        for (i, account) in accounts[1..4].iter().enumerate() {
            let to = accounts[(i + round) % accounts.len()].address;
            let tx = TransactionRequest::default()
                .with_from(account.address)
                .with_to(to)
                .with_value(alloy::primitives::U256::from(1_000 + round as u64));
            hashes.push(*provider.send_transaction(tx).await?.tx_hash());
        }
        let amount = alloy::primitives::U256::from(10 + round as u64);
        hashes
            .push(*token.transfer(accounts[4 + round % 4].address, amount).send().await?.tx_hash());
        // Reverts (insufficient token balance), with a fixed gas limit so it is sent at all.
        let revert =
            token.transfer(owner, supply).from(accounts[9].address).gas(100_000).send().await?;
        hashes.push(*revert.tx_hash());
        for hash in hashes {
            wait_receipt(provider, hash).await?;
        }
    }
    Ok(provider.get_block_number().await?)
}

/// Asserts that blocks `0..=head` have the same hash and state root on both nodes.
pub async fn assert_same_chain(a: &TestNode, b: &TestNode, head: u64) -> eyre::Result<()> {
    assert_same_blocks(&a.provider, &b.provider, head).await
}

/// [`assert_same_chain`] through any two providers.
pub async fn assert_same_blocks(a: &DynProvider, b: &DynProvider, head: u64) -> eyre::Result<()> {
    for number in 0..=head {
        let block_a = a.get_block_by_number(number.into()).await?;
        let block_b = b.get_block_by_number(number.into()).await?;
        let (block_a, block_b) = match (block_a, block_b) {
            (Some(x), Some(y)) => (x, y),
            other => bail!("block {number} missing on one node: {other:?}"),
        };
        assert_eq!(block_a.header.hash, block_b.header.hash, "block {number}: hash differs");
        assert_eq!(
            block_a.header.state_root, block_b.header.state_root,
            "block {number}: state root differs"
        );
    }
    Ok(())
}

/// Waits until the follower at `follower` reports `unsafe` = `head`.
pub async fn wait_derived(follower: &TestNode, head: u64) -> eyre::Result<SyncStatus> {
    wait_derived_at(&follower.rpc, head, TIMEOUT).await
}

/// [`wait_derived`] for the follower at `rpc`, waiting at most `timeout`.
pub async fn wait_derived_at(
    rpc: &RawRpc,
    head: u64,
    timeout: Duration,
) -> eyre::Result<SyncStatus> {
    poll_until(&format!("the follower to derive block {head}"), timeout, || async {
        let status = sync_status(rpc).await?;
        if !status.divergence.is_null() {
            bail!("follower diverged: {}", status.divergence);
        }
        Ok((status.unsafe_head >= head).then_some(status))
    })
    .await
}

/// The bridge section of a node reading `addresses`' deposits from the L1 at `l1_url`, one
/// confirmation deep, polling every 50 ms, with a sequencing window of `window_secs`.
pub fn bridge_config(
    l1_url: &str,
    addresses: &bridge::l1::BridgeAddresses,
    window_secs: u64,
) -> node_config::BridgeConfig {
    node_config::BridgeConfig {
        enabled: true,
        l1_rpc_url: l1_url.to_string(),
        output_oracle: addresses.output_oracle,
        portal: addresses.portal,
        portal_deployed_at_block: addresses.deployed_at_block,
        deposit_confirmations: 1,
        sequencing_window_secs: window_secs,
        poll_interval_ms: 50,
        ..node_config::BridgeConfig::default()
    }
}
