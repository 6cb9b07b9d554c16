//! geth's strictness about a call's parameters, and geth's answer to a subscription over
//! plain HTTP, as an RPC middleware in front of every method.
//!
//! jsonrpsee ignores positional parameters beyond those a method declares, accepts named
//! (object) parameters, and answers a subscription over HTTP with `-32603 Internal error`.
//! geth refuses the first two and says why for the third; clients and tests written against
//! geth rely on it. Before a method runs, [`StrictCalls`] answers:
//!
//! | call                                                   | code     | message                                          |
//! |--------------------------------------------------------|----------|--------------------------------------------------|
//! | `params` neither an array nor absent/`null`            | `-32602` | `non-array args`                                 |
//! | a subscription with no `params` array                  | `-32602` | `non-array args`                                 |
//! | a subscription whose first param is not a string       | `-32602` | `expected subscription name as first argument`   |
//! | more positional params than the method takes           | `-32602` | `too many arguments, want at most N`             |
//! | a subscription over HTTP (checked before the params)   | `-32601` | `notifications not supported`                    |
//! | an unsubscription over HTTP (after the params)         | `-32000` | `subscription not found`                         |
//!
//! The last row is what geth answers: its `*_unsubscribe` runs on any transport and finds
//! no subscription on an HTTP request. No error carries `data`. Unknown methods go on to
//! jsonrpsee (`-32601`), as do notifications, which jsonrpsee never runs.
//!
//! How many params each method takes is [`METHODS`], read off the `#[rpc]` traits; the tests
//! check it against the module the node serves and against the traits' signatures. Whether a
//! call came over HTTP is the [`OverHttp`] marker, which [`mark_over_http`] puts on every
//! plain HTTP request (jsonrpsee copies a request's extensions into each of its calls).

use alloy_eips::{BlockId, BlockNumberOrTag};
use alloy_primitives::{Address, B256, Bytes, U256};
use alloy_rpc_types_eth::{Filter, Index, TransactionRequest};
use alloy_rpc_types_trace::geth::{GethDebugTracingCallOptions, GethDebugTracingOptions};
use jsonrpsee::{
    MethodResponse,
    core::middleware::{
        Batch, BatchEntry, BatchEntryErr, Notification, ResponseFuture, RpcServiceT,
    },
    types::{ErrorObjectOwned, Request, error::METHOD_NOT_FOUND_CODE},
};
use serde_json::{Value, value::RawValue};

use super::{
    dev::api::MineOptions,
    errors::{invalid_params, server_error},
    eth::params::{Quantity, StorageKey},
    geth_params::{self, Geth, Param, opt, req},
};

/// geth's answer to a subscription over a transport without notifications.
const NOTIFICATIONS_UNSUPPORTED: &str = "notifications not supported";
/// geth's answer to params that are not a positional array.
const NON_ARRAY_ARGS: &str = "non-array args";
/// geth's answer to a subscription call not naming the subscription first.
const SUBSCRIPTION_NAME_FIRST: &str = "expected subscription name as first argument";
/// geth's answer to an unsubscription for no live subscription (always, over HTTP).
const SUBSCRIPTION_NOT_FOUND: &str = "subscription not found";

/// What a method is to jsonrpsee: a plain call, or one end of a subscription.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// A method call.
    Call,
    /// Opens a subscription (needs WebSocket).
    Subscribe,
    /// Closes one.
    Unsubscribe,
}

use Kind::{Call, Subscribe, Unsubscribe};

/// Every method the node serves, with its positional params (`Option<_>` ones optional;
/// see [`geth_params`](super::geth_params)) and its kind, read off the
/// `#[method]`/`#[subscription]` declarations in `eth/api.rs`, `debug/api.rs`, `manifold.rs`
/// and `dev/api.rs`. An unsubscription takes the subscription id. A new method is one more
/// row: its params' geth types and Rust types.
const METHODS: &[(&str, &[Param], Kind)] = &[
    // web3_*
    ("web3_clientVersion", &[], Call),
    ("web3_sha3", &[req::<Bytes>(Geth::Bytes)], Call),
    // net_*
    ("net_version", &[], Call),
    ("net_listening", &[], Call),
    ("net_peerCount", &[], Call),
    // Node and chain information.
    ("eth_chainId", &[], Call),
    ("eth_syncing", &[], Call),
    ("eth_accounts", &[], Call),
    ("eth_coinbase", &[], Call),
    ("eth_mining", &[], Call),
    ("eth_hashrate", &[], Call),
    ("eth_config", &[], Call),
    // State.
    ("eth_getBalance", &[ADDRESS, BLOCK_ID_OPT], Call),
    ("eth_getTransactionCount", &[ADDRESS, BLOCK_ID_OPT], Call),
    ("eth_getCode", &[ADDRESS, BLOCK_ID_OPT], Call),
    ("eth_getStorageAt", &[ADDRESS, req::<StorageKey>(Geth::StorageKey), BLOCK_ID_OPT], Call),
    ("eth_getProof", &[ADDRESS, req::<Vec<StorageKey>>(Geth::StorageKeys), BLOCK_ID_OPT], Call),
    ("eth_call", &[TX_ARGS, BLOCK_ID_OPT, ANY_OPT, ANY_OPT], Call),
    ("eth_estimateGas", &[TX_ARGS, BLOCK_ID_OPT, ANY_OPT], Call),
    ("eth_createAccessList", &[TX_ARGS, BLOCK_ID_OPT], Call),
    // Blocks.
    ("eth_blockNumber", &[], Call),
    ("eth_getBlockByNumber", &[BLOCK_NUMBER, FULL_OPT], Call),
    ("eth_getBlockByHash", &[HASH, FULL_OPT], Call),
    ("eth_getBlockTransactionCountByNumber", &[BLOCK_NUMBER], Call),
    ("eth_getBlockTransactionCountByHash", &[HASH], Call),
    ("eth_getUncleCountByBlockNumber", &[BLOCK_NUMBER], Call),
    ("eth_getUncleCountByBlockHash", &[HASH], Call),
    ("eth_getUncleByBlockNumberAndIndex", &[BLOCK_NUMBER, INDEX], Call),
    ("eth_getUncleByBlockHashAndIndex", &[HASH, INDEX], Call),
    ("eth_getBlockReceipts", &[req::<BlockId>(Geth::BlockNumberOrHash)], Call),
    // Transactions.
    ("eth_sendRawTransaction", &[req::<Bytes>(Geth::Bytes)], Call),
    ("eth_getTransactionByHash", &[HASH], Call),
    ("eth_getRawTransactionByHash", &[HASH], Call),
    ("eth_getTransactionByBlockHashAndIndex", &[HASH, INDEX], Call),
    ("eth_getTransactionByBlockNumberAndIndex", &[BLOCK_NUMBER, INDEX], Call),
    ("eth_getTransactionReceipt", &[HASH], Call),
    // Fees.
    ("eth_gasPrice", &[], Call),
    ("eth_maxPriorityFeePerGas", &[], Call),
    (
        "eth_feeHistory",
        &[req::<Quantity>(Geth::HexOrDecimal64), BLOCK_NUMBER, opt::<Vec<f64>>(Geth::Floats)],
        Call,
    ),
    ("eth_blobBaseFee", &[], Call),
    // Logs and polling filters.
    ("eth_getLogs", &[FILTER], Call),
    ("eth_newFilter", &[FILTER], Call),
    ("eth_newBlockFilter", &[], Call),
    ("eth_getFilterChanges", &[FILTER_ID], Call),
    ("eth_getFilterLogs", &[FILTER_ID], Call),
    ("eth_uninstallFilter", &[FILTER_ID], Call),
    // Subscriptions (their params are checked by jsonrpsee's subscription code).
    ("eth_subscribe", &[req::<Value>(Geth::Any), ANY_OPT], Subscribe),
    ("eth_unsubscribe", &[req::<Value>(Geth::Any)], Unsubscribe),
    // txpool_*
    ("txpool_status", &[], Call),
    ("txpool_content", &[], Call),
    ("txpool_contentFrom", &[ADDRESS], Call),
    ("txpool_inspect", &[], Call),
    // debug_* (`debug/api.rs`)
    ("debug_traceTransaction", &[HASH, TRACE_OPTIONS], Call),
    (
        "debug_traceCall",
        &[TX_ARGS, BLOCK_ID_OPT, opt::<GethDebugTracingCallOptions>(Geth::Any)],
        Call,
    ),
    ("debug_traceBlockByNumber", &[BLOCK_NUMBER, TRACE_OPTIONS], Call),
    ("debug_traceBlockByHash", &[HASH, TRACE_OPTIONS], Call),
    ("debug_getRawHeader", &[BLOCK_ID], Call),
    ("debug_getRawBlock", &[BLOCK_ID], Call),
    ("debug_getRawReceipts", &[BLOCK_ID], Call),
    ("debug_getRawTransaction", &[HASH], Call),
    // manifold_*
    ("manifold_syncStatus", &[], Call),
    ("manifold_sendTransaction", &[req::<Bytes>(Geth::Bytes)], Call),
    ("manifold_transactionStatus", &[HASH], Call),
    // The devnet's dev methods (`dev/api.rs`; a sequencer does not serve them): anvil's
    // formats, checked as the handlers' Rust types.
    ("evm_mine", &[opt::<MineOptions>(Geth::Any)], Call),
    ("evm_increaseTime", &[DEV_QUANTITY], Call),
    ("evm_setNextBlockTimestamp", &[DEV_QUANTITY], Call),
    ("evm_setAutomine", &[req::<bool>(Geth::Bool)], Call),
    ("evm_snapshot", &[], Call),
    ("evm_revert", &[DEV_QUANTITY], Call),
    ("anvil_snapshot", &[], Call),
    ("anvil_revert", &[DEV_QUANTITY], Call),
    ("anvil_mine", &[opt::<Quantity>(Geth::Any), opt::<Quantity>(Geth::Any)], Call),
    ("anvil_setIntervalMining", &[DEV_QUANTITY], Call),
    ("anvil_nodeInfo", &[], Call),
    ("anvil_setBalance", &[ADDRESS, req::<U256>(Geth::Any)], Call),
    ("anvil_setCode", &[ADDRESS, req::<Bytes>(Geth::Bytes)], Call),
    ("anvil_setNonce", &[ADDRESS, DEV_QUANTITY], Call),
    ("anvil_setStorageAt", &[ADDRESS, DEV_KEY, DEV_KEY], Call),
    ("anvil_impersonateAccount", &[ADDRESS], Call),
    ("anvil_stopImpersonatingAccount", &[ADDRESS], Call),
    ("hardhat_impersonateAccount", &[ADDRESS], Call),
    ("hardhat_stopImpersonatingAccount", &[ADDRESS], Call),
    ("eth_sendTransaction", &[TX_ARGS], Call),
];

// The params most methods share.
const ADDRESS: Param = req::<Address>(Geth::Address);
const HASH: Param = req::<B256>(Geth::Hash);
const BLOCK_NUMBER: Param = req::<BlockNumberOrTag>(Geth::BlockNumber);
const BLOCK_ID_OPT: Param = opt::<BlockId>(Geth::BlockNumberOrHash);
const BLOCK_ID: Param = req::<BlockId>(Geth::BlockNumberOrHash);
const TRACE_OPTIONS: Param = opt::<GethDebugTracingOptions>(Geth::Any);
const INDEX: Param = req::<Index>(Geth::Uint);
const FULL_OPT: Param = opt::<bool>(Geth::Bool);
const TX_ARGS: Param = req::<TransactionRequest>(Geth::TxArgs);
const FILTER: Param = req::<Filter>(Geth::Filter);
const FILTER_ID: Param = req::<String>(Geth::Id);
const ANY_OPT: Param = opt::<Value>(Geth::Any);
const DEV_QUANTITY: Param = req::<Quantity>(Geth::Any);
const DEV_KEY: Param = req::<StorageKey>(Geth::StorageKey);

/// Marks a call that came over plain HTTP (not over a WebSocket connection); put on the HTTP
/// request by [`mark_over_http`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct OverHttp;

/// Marks `request` [`OverHttp`] unless it is a WebSocket upgrade. For the server's HTTP
/// middleware: jsonrpsee copies the HTTP request's extensions into each of its calls, and
/// those of an upgrade into every call on the WebSocket, which must stay unmarked.
pub(crate) fn mark_over_http<B>(request: &mut http::Request<B>) {
    if !jsonrpsee::server::ws::is_upgrade_request(request) {
        request.extensions_mut().insert(OverHttp);
    }
}

/// Adds [`StrictCalls`] in front of the RPC service
/// (`RpcServiceBuilder::new().layer(StrictCallsLayer)`).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct StrictCallsLayer;

impl<S> tower::Layer<S> for StrictCallsLayer {
    type Service = StrictCalls<S>;

    fn layer(&self, service: S) -> Self::Service {
        StrictCalls { service }
    }
}

/// Refuses, before the method runs, the calls geth refuses for their shape (see the module
/// docs); passes every other call, batch entry and notification on to `S`.
#[derive(Debug, Clone)]
pub(crate) struct StrictCalls<S> {
    service: S,
}

impl<S> RpcServiceT for StrictCalls<S>
where
    S: RpcServiceT<
            MethodResponse = MethodResponse,
            BatchResponse = MethodResponse,
            NotificationResponse = MethodResponse,
        > + Send
        + Sync
        + Clone
        + 'static,
{
    type MethodResponse = MethodResponse;
    type NotificationResponse = MethodResponse;
    type BatchResponse = MethodResponse;

    fn call<'a>(&self, request: Request<'a>) -> impl Future<Output = MethodResponse> + Send + 'a {
        match refusal_of(&request) {
            Some(error) => ResponseFuture::ready(
                MethodResponse::error(request.id(), error).with_extensions(request.extensions),
            ),
            None => ResponseFuture::future(self.service.call(request)),
        }
    }

    fn batch<'a>(&self, mut batch: Batch<'a>) -> impl Future<Output = MethodResponse> + Send + 'a {
        // A refused entry becomes an error entry, answered in its place by the service.
        for entry in batch.iter_mut() {
            let Ok(BatchEntry::Call(request)) = entry else { continue };
            if let Some(error) = refusal_of(request) {
                *entry = Err(BatchEntryErr::new(request.id(), error));
            }
        }
        self.service.batch(batch)
    }

    fn notification<'a>(
        &self,
        notification: Notification<'a>,
    ) -> impl Future<Output = MethodResponse> + Send + 'a {
        self.service.notification(notification)
    }
}

/// Why `request` is refused before its method runs, or `None` to run it.
fn refusal_of(request: &Request<'_>) -> Option<ErrorObjectOwned> {
    let over_http = request.extensions().get::<OverHttp>().is_some();
    refusal(request.method_name(), request.params.as_deref(), over_http)
}

/// Why a call of `method` with `params` is refused, in geth's order of checks, or `None` to
/// run it. Methods not in [`METHODS`] are left to jsonrpsee.
fn refusal(method: &str, params: Option<&RawValue>, over_http: bool) -> Option<ErrorObjectOwned> {
    let &(_, params_of, kind) = METHODS.iter().find(|(name, ..)| *name == method)?;
    if kind == Subscribe && over_http {
        return Some(notifications_unsupported());
    }
    let params = params.map(|p| p.get().trim()).filter(|p| *p != "null");
    let args: Vec<&RawValue> = match params {
        None if kind == Subscribe => return Some(invalid_params(NON_ARRAY_ARGS)),
        None => Vec::new(),
        Some(raw) => {
            let Ok(args) = serde_json::from_str::<Vec<&RawValue>>(raw) else {
                return Some(invalid_params(NON_ARRAY_ARGS));
            };
            if kind == Subscribe && !first_is_string(raw) {
                return Some(invalid_params(SUBSCRIPTION_NAME_FIRST));
            }
            args
        }
    };
    if let Some(message) = geth_params::refusal(params_of, &args) {
        return Some(invalid_params(message));
    }
    (kind == Unsubscribe && over_http).then(|| server_error(SUBSCRIPTION_NOT_FOUND))
}

/// Whether the JSON array `raw` starts with a string.
fn first_is_string(raw: &str) -> bool {
    raw.strip_prefix('[').is_some_and(|rest| rest.trim_start().starts_with('"'))
}

/// geth's `-32601 notifications not supported`.
fn notifications_unsupported() -> ErrorObjectOwned {
    ErrorObjectOwned::owned(METHOD_NOT_FOUND_CODE, NOTIFICATIONS_UNSUPPORTED, None::<()>)
}

#[cfg(test)]
pub(crate) mod tests {
    use std::{
        collections::{BTreeMap, BTreeSet},
        net::SocketAddr,
        path::Path,
        task::{Context, Poll},
    };

    use jsonrpsee::{
        MethodCallback, RpcModule,
        core::{
            ClientError,
            client::{ClientT, SubscriptionClientT},
            middleware::RpcServiceBuilder,
        },
        rpc_params,
        server::{Server, ServerHandle},
        ws_client::WsClientBuilder,
    };
    use node_config::{DevnetOptions, NodeConfig};
    use serde_json::{Value, json};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    use super::*;
    use crate::{Node, rpc::handler::RpcHandler};

    /// The module a devnet serves (dev methods included), over a fresh chain in the returned
    /// directory.
    fn node_module() -> (RpcModule<()>, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let opts =
            DevnetOptions { data_dir: dir.path().to_path_buf(), accounts: 1, ..Default::default() };
        let mut ctx = Node::open(NodeConfig::devnet(&opts).unwrap()).unwrap();
        ctx.dev_methods = true;
        (RpcHandler::new(ctx).into_module().unwrap(), dir)
    }

    /// The HTTP middleware the server needs: [`mark_over_http`] on every request.
    #[derive(Clone)]
    struct MarkOverHttp<S>(S);

    impl<S, B> tower::Service<http::Request<B>> for MarkOverHttp<S>
    where
        S: tower::Service<http::Request<B>>,
    {
        type Response = S::Response;
        type Error = S::Error;
        type Future = S::Future;

        fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
            self.0.poll_ready(cx)
        }

        fn call(&mut self, mut request: http::Request<B>) -> Self::Future {
            mark_over_http(&mut request);
            self.0.call(request)
        }
    }

    /// Serves the node's module on a free port behind the middleware, as `start_rpc` will.
    pub(crate) async fn serve() -> (ServerHandle, SocketAddr, tempfile::TempDir) {
        let (module, dir) = node_module();
        let server = Server::builder()
            .set_http_middleware(tower::ServiceBuilder::new().layer_fn(MarkOverHttp))
            .set_rpc_middleware(RpcServiceBuilder::new().layer(StrictCallsLayer))
            .build("127.0.0.1:0")
            .await
            .unwrap();
        let addr = server.local_addr().unwrap();
        (server.start(module), addr, dir)
    }

    /// POSTs `body` as is and returns the JSON answer.
    pub(crate) async fn post(addr: SocketAddr, body: &str) -> Value {
        let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
        let request = format!(
            "POST / HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        stream.write_all(request.as_bytes()).await.unwrap();
        let mut out = String::new();
        stream.read_to_string(&mut out).await.unwrap();
        let (_, answer) = out.split_once("\r\n\r\n").unwrap();
        serde_json::from_str(answer).unwrap_or_else(|e| panic!("{e}: {out}"))
    }

    /// A call of `method` with the `params` member `params` (left out if `None`).
    pub(crate) fn call(id: u64, method: &str, params: Option<Value>) -> Value {
        let mut call = json!({"jsonrpc": "2.0", "id": id, "method": method});
        if let Some(params) = params {
            call["params"] = params;
        }
        call
    }

    /// The `error` member of the answer to one call over HTTP.
    async fn http_error(addr: SocketAddr, method: &str, params: Option<Value>) -> Value {
        let answer = post(addr, &call(1, method, params).to_string()).await;
        answer.get("error").cloned().unwrap_or_else(|| panic!("no error: {answer}"))
    }

    fn error(code: i32, message: &str) -> Value {
        json!({"code": code, "message": message})
    }

    const ADDRESS: &str = "0x00000000000000000000000000000000000000aa";

    /// The names of every method in [`METHODS`].
    pub(crate) fn method_names() -> Vec<&'static str> {
        METHODS.iter().map(|(name, ..)| *name).collect()
    }

    #[tokio::test]
    async fn the_table_covers_exactly_the_registered_methods() {
        let (module, _dir) = node_module();
        let registered: BTreeSet<&str> = module.method_names().collect();
        let table: BTreeSet<&str> = METHODS.iter().map(|(name, ..)| *name).collect();
        assert_eq!(table.len(), METHODS.len(), "a method is listed twice");
        assert_eq!(
            registered.difference(&table).collect::<Vec<_>>(),
            Vec::<&&str>::new(),
            "registered methods missing from METHODS"
        );
        assert_eq!(
            table.difference(&registered).collect::<Vec<_>>(),
            Vec::<&&str>::new(),
            "METHODS lists methods the module does not register"
        );
        for &(name, _, kind) in METHODS {
            let registered = match module.method(name) {
                Some(MethodCallback::Subscription(_)) => Subscribe,
                Some(MethodCallback::Unsubscription(_)) => Unsubscribe,
                Some(MethodCallback::Sync(_) | MethodCallback::Async(_)) => Call,
                None => unreachable!("checked above"),
            };
            assert_eq!(kind, registered, "{name}");
        }
    }

    /// `(index, char, bracket depth after it)` of each char of `text` outside string
    /// literals; the arrows `->` and `=>` are not brackets.
    fn brackets(text: &str) -> Vec<(usize, char, usize)> {
        let (mut depth, mut in_string, mut previous) = (0usize, false, ' ');
        let mut out = Vec::new();
        for (i, c) in text.char_indices() {
            match c {
                '"' if previous != '\\' => in_string = !in_string,
                _ if in_string => {}
                '(' | '<' | '[' => depth += 1,
                '>' if previous == '-' || previous == '=' => {}
                ')' | '>' | ']' => depth -= 1,
                _ => {}
            }
            if !in_string {
                out.push((i, c, depth));
            }
            previous = c;
        }
        out
    }

    /// The index of the bracket closing the one `text` starts with.
    fn closing(text: &str) -> usize {
        let Some(&(end, ..)) = brackets(text).iter().find(|&&(_, _, depth)| depth == 0) else {
            panic!("unbalanced: {text}")
        };
        end
    }

    /// The quoted value of `key` in an attribute.
    fn quoted<'a>(attribute: &'a str, key: &str) -> Option<&'a str> {
        attribute.split_once(key)?.1.split('"').nth(1)
    }

    /// `method → params` of every `#[method]`/`#[subscription]` in `source`, counted the way
    /// the `#[rpc]` macro takes them (after `&self`), under the enclosing trait's namespace.
    fn declared_methods(source: &str, out: &mut BTreeMap<String, usize>) {
        let mut marks: Vec<(usize, &str)> = ["#[rpc(", "#[method(", "#[subscription("]
            .iter()
            .flat_map(|mark| source.match_indices(mark))
            .collect();
        marks.sort_unstable();
        let mut namespace = None;
        for (at, mark) in marks {
            let attribute = &source[at + 1..];
            let attribute = &attribute[..closing(attribute)];
            let full = |name: &str| match namespace {
                Some(namespace) => format!("{namespace}_{name}"),
                None => name.to_string(),
            };
            if mark == "#[rpc(" {
                namespace = quoted(attribute, "namespace =");
                continue;
            }
            let name = quoted(attribute, "name =").unwrap();
            let signature = &source[at..];
            let signature = &signature[signature.find("fn ").unwrap()..];
            let params = &signature[signature.find('(').unwrap()..];
            let params = &params[1..closing(params)];
            let commas = brackets(params).iter().filter(|&&(_, c, d)| c == ',' && d == 0).count();
            let segments = commas + 1;
            // A trailing comma leaves an empty last segment; `&self` is not a param.
            let trailing = usize::from(params.trim_end().ends_with(','));
            out.insert(full(name), segments - trailing - 1);
            if mark == "#[subscription(" {
                let unsubscribe = quoted(attribute, "unsubscribe =").unwrap();
                out.insert(full(unsubscribe), 1);
            }
        }
    }

    fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                rust_files(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }

    #[test]
    fn the_table_matches_the_rpc_traits() {
        let rpc = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/rpc");
        let mut files = Vec::new();
        rust_files(&rpc, &mut files);
        let mut declared = BTreeMap::new();
        // The Ethereum endpoint's traits: Solana's (`rpc/solana/`) are served on their own
        // ports, where the table never matches a method.
        let ethereum = |f: &&std::path::PathBuf| {
            !f.ends_with("strict_calls.rs") && !f.starts_with(rpc.join("solana"))
        };
        for file in files.iter().filter(ethereum) {
            declared_methods(&std::fs::read_to_string(file).unwrap(), &mut declared);
        }
        let table: BTreeMap<String, usize> =
            METHODS.iter().map(|&(name, params, _)| (name.to_string(), params.len())).collect();
        assert_eq!(table, declared);
    }

    #[test]
    fn refusal_reads_the_params_as_geth_does() {
        let raw = |s: &str| RawValue::from_string(s.to_string()).unwrap();
        let refused = |method: &str, params: Option<&str>, over_http: bool| {
            let params = params.map(raw);
            refusal(method, params.as_deref(), over_http).map(|e| e.message().to_string())
        };
        let too_many = |n: usize| Some(format!("too many arguments, want at most {n}"));
        let non_array = Some(NON_ARRAY_ARGS.to_string());
        assert_eq!(refused("eth_blockNumber", None, true), None);
        assert_eq!(refused("eth_blockNumber", Some("null"), true), None);
        assert_eq!(refused("eth_blockNumber", Some(" [ ] "), true), None);
        assert_eq!(refused("eth_blockNumber", Some("[null]"), true), too_many(0));
        let balance = |rest: &str| format!(r#"["{ADDRESS}"{rest}]"#);
        let balance_of = |rest: &str| refused("eth_getBalance", Some(balance(rest).as_str()), true);
        assert_eq!(balance_of(r#",{"blockNumber":"0x0"}"#), None);
        assert_eq!(balance_of(r#","latest",[]"#), too_many(2));
        // geth decodes in order: a bad argument before the surplus is reported first.
        assert_eq!(
            refused("eth_getBalance", Some(r#"["0x1","latest",[]]"#), true),
            Some(
                "invalid argument 0: json: cannot unmarshal hex string of odd length into Go \
                 value of type common.Address"
                    .into()
            )
        );
        assert_eq!(
            refused("eth_getBalance", Some("[]"), true),
            Some("missing value for required argument 0".into())
        );
        for shape in ["{}", r#"{"address":"0x1"}"#, r#""latest""#, "7", "true"] {
            assert_eq!(refused("eth_getBalance", Some(shape), false), non_array, "{shape}");
        }
        // Subscriptions: the transport first, then a name first, then the count.
        let unsupported = Some(NOTIFICATIONS_UNSUPPORTED.to_string());
        assert_eq!(refused("eth_subscribe", Some("{}"), true), unsupported);
        assert_eq!(refused("eth_subscribe", None, false), non_array);
        assert_eq!(refused("eth_subscribe", Some("null"), false), non_array);
        let name_first = Some(SUBSCRIPTION_NAME_FIRST.to_string());
        assert_eq!(refused("eth_subscribe", Some("[]"), false), name_first);
        assert_eq!(refused("eth_subscribe", Some("[1]"), false), name_first);
        assert_eq!(refused("eth_subscribe", Some(r#"["logs",{},1]"#), false), too_many(2));
        assert_eq!(refused("eth_subscribe", Some(r#"[ "newHeads"]"#), false), None);
        assert_eq!(refused("eth_unsubscribe", Some(r#"["0x1"]"#), false), None);
        assert_eq!(refused("eth_unsubscribe", Some(r#"["0x1",2]"#), true), too_many(1));
        let not_found = Some(SUBSCRIPTION_NOT_FOUND.to_string());
        assert_eq!(refused("eth_unsubscribe", Some(r#"["0x1"]"#), true), not_found);
        // Unknown methods are jsonrpsee's.
        assert_eq!(refused("eth_nope", Some("{}"), true), None);
    }

    #[test]
    fn websocket_upgrades_are_not_marked() {
        let mut plain = http::Request::post("/").body(()).unwrap();
        mark_over_http(&mut plain);
        assert_eq!(plain.extensions().get::<OverHttp>(), Some(&OverHttp));
        let mut upgrade = http::Request::get("/")
            .header(http::header::CONNECTION, "Upgrade")
            .header(http::header::UPGRADE, "websocket")
            .body(())
            .unwrap();
        mark_over_http(&mut upgrade);
        assert_eq!(upgrade.extensions().get::<OverHttp>(), None);
    }

    #[tokio::test]
    async fn surplus_params_are_refused_with_geths_message() {
        let (server, addr, _dir) = serve().await;
        assert_eq!(
            http_error(addr, "eth_blockNumber", Some(json!(["latest"]))).await,
            error(-32602, "too many arguments, want at most 0")
        );
        assert_eq!(
            http_error(addr, "eth_getBalance", Some(json!([ADDRESS, "latest", "0x1"]))).await,
            error(-32602, "too many arguments, want at most 2")
        );
        assert_eq!(
            http_error(addr, "eth_call", Some(json!([{}, "latest", {}, {}, {}]))).await,
            error(-32602, "too many arguments, want at most 4")
        );
        // The whole answer: the call's id, no `data`.
        let answer = post(addr, &call(7, "web3_sha3", Some(json!(["0x", "0x"]))).to_string()).await;
        assert_eq!(
            answer,
            json!({"jsonrpc": "2.0", "id": 7,
                   "error": {"code": -32602, "message": "too many arguments, want at most 1"}})
        );
        server.stop().unwrap();
    }

    #[tokio::test]
    async fn calls_within_the_limit_run() {
        let (server, addr, _dir) = serve().await;
        for params in [None, Some(json!(null)), Some(json!([]))] {
            let answer = post(addr, &call(1, "eth_blockNumber", params.clone()).to_string()).await;
            assert_eq!(answer["result"], "0x0", "{params:?}: {answer}");
        }
        for params in [json!([ADDRESS]), json!([ADDRESS, "latest"])] {
            let answer = post(addr, &call(1, "eth_getBalance", Some(params)).to_string()).await;
            assert_eq!(answer["result"], "0x0", "{answer}");
        }
        server.stop().unwrap();
    }

    #[tokio::test]
    async fn non_array_params_are_refused() {
        let (server, addr, _dir) = serve().await;
        for params in [json!({}), json!({"address": ADDRESS}), json!("latest"), json!(1)] {
            assert_eq!(
                http_error(addr, "eth_getBalance", Some(params)).await,
                error(-32602, "non-array args")
            );
        }
        // Even for a method without params.
        assert_eq!(
            http_error(addr, "eth_chainId", Some(json!({}))).await,
            error(-32602, "non-array args")
        );
        server.stop().unwrap();
    }

    #[tokio::test]
    async fn subscriptions_over_http_are_answered_as_geth_does() {
        let (server, addr, _dir) = serve().await;
        let unsupported = error(-32601, "notifications not supported");
        assert_eq!(http_error(addr, "eth_subscribe", Some(json!(["newHeads"]))).await, unsupported);
        // Before any look at the params.
        assert_eq!(http_error(addr, "eth_subscribe", None).await, unsupported);
        assert_eq!(http_error(addr, "eth_subscribe", Some(json!({}))).await, unsupported);
        // geth's unsubscribe runs, and finds no subscription on an HTTP request.
        assert_eq!(
            http_error(addr, "eth_unsubscribe", Some(json!(["0x1"]))).await,
            error(-32000, "subscription not found")
        );
        assert_eq!(
            http_error(addr, "eth_unsubscribe", Some(json!(["0x1", true]))).await,
            error(-32602, "too many arguments, want at most 1")
        );
        server.stop().unwrap();
    }

    #[tokio::test]
    async fn subscriptions_over_websocket_still_work() {
        let (server, addr, _dir) = serve().await;
        let ws = WsClientBuilder::default().build(format!("ws://{addr}")).await.unwrap();
        let heads = ws
            .subscribe::<Value, _>("eth_subscribe", rpc_params!["newHeads"], "eth_unsubscribe")
            .await
            .unwrap();
        heads.unsubscribe().await.unwrap();
        // The param checks apply over WebSocket too.
        let refused = |result: Result<Value, ClientError>| match result {
            Err(ClientError::Call(e)) => (e.code(), e.message().to_string(), e.data().is_none()),
            other => panic!("expected a call error, got {other:?}"),
        };
        assert_eq!(
            refused(ws.request("eth_subscribe", rpc_params!["logs", json!({}), 1]).await),
            (-32602, "too many arguments, want at most 2".to_string(), true)
        );
        assert_eq!(
            refused(ws.request("eth_blockNumber", rpc_params![1]).await),
            (-32602, "too many arguments, want at most 0".to_string(), true)
        );
        let number: String = ws.request("eth_blockNumber", rpc_params![]).await.unwrap();
        assert_eq!(number, "0x0");
        server.stop().unwrap();
    }

    #[tokio::test]
    async fn batches_are_checked_entry_by_entry() {
        let (server, addr, _dir) = serve().await;
        let batch = json!([
            call(1, "eth_blockNumber", Some(json!([]))),
            call(2, "eth_blockNumber", Some(json!([1]))),
            call(3, "eth_getBalance", Some(json!({"address": ADDRESS}))),
            call(4, "eth_subscribe", Some(json!(["newHeads"]))),
            call(5, "eth_getBalance", Some(json!([ADDRESS, "latest"]))),
        ]);
        let answer = post(addr, &batch.to_string()).await;
        let answers = answer.as_array().unwrap_or_else(|| panic!("not a batch: {answer}"));
        let by_id: BTreeMap<u64, &Value> =
            answers.iter().map(|a| (a["id"].as_u64().unwrap(), a)).collect();
        assert_eq!(by_id.len(), 5, "{answer}");
        assert_eq!(by_id[&1]["result"], "0x0");
        assert_eq!(by_id[&2]["error"], error(-32602, "too many arguments, want at most 0"));
        assert_eq!(by_id[&3]["error"], error(-32602, "non-array args"));
        assert_eq!(by_id[&4]["error"], error(-32601, "notifications not supported"));
        assert_eq!(by_id[&5]["result"], "0x0");
        server.stop().unwrap();
    }
}
