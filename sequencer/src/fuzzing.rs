//! The body of the `rpc_request` fuzz target (`sequencer/fuzz`), shared with the unit tests so
//! that every `cargo test` runs it too (on a few hundred deterministic pseudo-random inputs).
//!
//! [`fuzz_rpc_request`] sends one input three ways down the node's JSON-RPC request path:
//! - through `rpc::request_ids` alone: what `prepare` rewrites is still JSON, needs no second
//!   rewrite, and `restore` of a response carrying the placeholders gives back the original id
//!   texts;
//! - as an HTTP body through the path a request takes after the server's gate, in-process (no
//!   socket): ids prepared, the request marked as over HTTP, jsonrpsee's HTTP service with
//!   `StrictCalls` in front of the node's module, ids restored. The answer must be JSON with no
//!   placeholder left, and every request object with an `id` must get an answer;
//! - as the params of one of the node's methods — the first byte picks it from the module's
//!   method names, the rest is the params if it is JSON, else a JSON string — called directly on
//!   the module (as over WebSocket: no `StrictCalls`, subscriptions allowed) and over the HTTP
//!   path. Each call must be answered with a result or an error, under its id.
//!
//! Errors are answers; panics, hangs and malformed answers are bugs. The node is real: a devnet
//! chain in a temporary directory holding a contract, a block with a transaction that emitted a
//! log and an empty block, opened once per process at fixed times, so that every process has the
//! same chain (the seeds and dictionary in `sequencer/fuzz` name its hashes). What calls leave
//! behind (filters, subscriptions) stays for later inputs. jsonrpsee's service here has its default
//! limits, not the server's (batch size, response size), and the body is not read through the
//! server's gate (size limit, timeouts, in-flight limit); the ids are prepared and restored as
//! the gate does.

use std::{
    collections::BTreeMap,
    path::{Path, PathBuf},
    sync::OnceLock,
};

use alloy_consensus::{SignableTransaction, TxEip1559, TxEnvelope};
use alloy_eips::eip2718::Encodable2718;
use alloy_primitives::{Address, B256, TxKind, U256, address};
use execution::EngineKind;
use http_body_util::BodyExt;
use hyper::body::Bytes;
use jsonrpsee::{
    RpcModule,
    server::{
        HttpBody, Server, ServerHandle, TowerService, middleware::rpc::RpcServiceBuilder,
        stop_channel,
    },
};
use node_config::{DevnetOptions, GenesisAccount, NodeConfig, dev_accounts};
use serde::de::IgnoredAny;
use serde_json::value::RawValue;
use tower::{
    ServiceExt,
    layer::util::{Identity, Stack},
};

use crate::{
    Node,
    block_builder::{build_block, build_block_with},
    rpc::{
        handler::RpcHandler,
        request_ids,
        strict_calls::{StrictCallsLayer, mark_over_http},
    },
};

/// The genesis contract of the fuzzed chain: it logs 32 bytes (`0x2a`) under topic `0x01`.
const LOG_CONTRACT: Address = address!("0x00000000000000000000000000000000000c0de1");

/// The genesis timestamp of the fuzzed chain (2025-01-01); its blocks follow 2 s apart.
const GENESIS_TIME: u64 = 1_735_689_600;

/// `MSTORE(0, 0x2a) LOG1(0, 32, 0x01) STOP`.
const LOG_CODE: [u8; 13] = [
    0x60, 0x2a, 0x60, 0x00, 0x52, // PUSH1 0x2a PUSH1 0 MSTORE
    0x60, 0x01, 0x60, 0x20, 0x60, 0x00, 0xa1, // PUSH1 1 PUSH1 32 PUSH1 0 LOG1
    0x00, // STOP
];

/// jsonrpsee's HTTP service with the node's RPC middleware, as the server builds it per
/// connection.
type HttpService = TowerService<Stack<StrictCallsLayer, Identity>, Identity>;

/// A node and its RPC module, built once per process.
struct Harness {
    runtime: tokio::runtime::Runtime,
    /// The node's module, as `start_rpc` serves it.
    module: RpcModule<()>,
    /// Its method names, sorted (the first input byte indexes them).
    methods: Vec<&'static str>,
    /// The module behind jsonrpsee's HTTP service and `StrictCalls`.
    http: HttpService,
    /// The placeholders `request_ids` makes in this process start with this.
    placeholder_prefix: String,
    /// Keeps the HTTP service's stop handle from resolving.
    _server: ServerHandle,
}

/// The process's harness; the first call opens the node.
fn harness() -> &'static Harness {
    static HARNESS: OnceLock<Harness> = OnceLock::new();
    HARNESS.get_or_init(Harness::open)
}

impl Harness {
    /// A devnet node in a fresh directory, with a contract at genesis, block 1 holding a call
    /// to it (one log) and an empty block 2.
    ///
    /// # Panics
    /// When the node cannot be set up (a broken harness, not a finding).
    fn open() -> Self {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a tokio runtime");
        let opts = DevnetOptions { data_dir: data_dir(), accounts: 1, ..Default::default() };
        let mut config = NodeConfig::devnet(&opts).expect("the devnet config");
        let contract = GenesisAccount {
            code: Some(LOG_CODE.to_vec().into()),
            storage: [(B256::ZERO, B256::with_last_byte(7))].into(),
            ..Default::default()
        };
        config.genesis.alloc.insert(LOG_CONTRACT, contract);
        // Fixed times: the same block hashes in every process (seeds can name them, and a
        // crash reproduces on the same chain).
        config.genesis.timestamp = GENESIS_TIME;
        let chain_id = config.chain.chain_id;
        let ctx = Node::open(config).expect("the fuzzed node opens");

        let raw = signed_call(chain_id);
        runtime
            .block_on(ctx.mempool.submit_payload(EngineKind::Evm, raw))
            .expect("the pool takes the transaction");
        let built = build_block(&ctx, GENESIS_TIME + 2).expect("block 1 seals");
        assert!(built.block.is_some_and(|b| b.transactions.len() == 1), "block 1 holds the call");
        build_block_with(&ctx, GENESIS_TIME + 4, true).expect("block 2 seals");

        // The Ethereum endpoint's module and the Solana endpoint's, in one.
        let handler = RpcHandler::new(ctx);
        let mut module = handler.clone().into_module().expect("the node's module");
        module
            .merge(handler.into_solana_module().expect("the Solana module"))
            .expect("no method of the two modules shares a name");
        let mut methods: Vec<&'static str> = module.method_names().collect();
        methods.sort_unstable();
        let (stop, server) = stop_channel();
        let http = Server::builder()
            .set_rpc_middleware(RpcServiceBuilder::new().layer(StrictCallsLayer))
            .to_service_builder()
            .build(module.clone(), stop);
        let probe = request_ids::prepare(Bytes::from_static(br#"{"id":-1}"#));
        let placeholder = &probe.restore.first().expect("id -1 gets a placeholder").0;
        let placeholder_prefix = placeholder.trim_end_matches(|c: char| c.is_ascii_digit()).into();
        Self { runtime, module, methods, http, placeholder_prefix, _server: server }
    }

    /// POSTs `body` through the HTTP path (see the module docs); returns the answer body and
    /// the placeholders `request_ids` made for it.
    fn post(&self, body: Bytes) -> (Bytes, Vec<(String, String)>) {
        let prepared = request_ids::prepare(body);
        let mut request = http::Request::post("/")
            .header(http::header::CONTENT_TYPE, "application/json")
            .body(HttpBody::from(prepared.body.to_vec()))
            .expect("a valid HTTP request");
        mark_over_http(&mut request);
        let answer = self.runtime.block_on(async {
            let response = self.http.clone().oneshot(request).await;
            let response = response.unwrap_or_else(|e| panic!("jsonrpsee's service failed: {e}"));
            response.into_body().collect().await.map(|body| body.to_bytes())
        });
        let answer = answer.unwrap_or_else(|e| panic!("the answer's body failed: {e}"));
        (request_ids::restore(answer, &prepared.restore), prepared.restore)
    }

    /// Whether `data` holds a placeholder of this process: such an input (which no client can
    /// write, the prefix being random) is not checked against the placeholders.
    fn holds_placeholder(&self, data: &[u8]) -> bool {
        find(data, self.placeholder_prefix.as_bytes()).is_some()
    }
}

/// Arbitrary bytes down the node's JSON-RPC request path (see the module docs): as a body
/// whose ids `request_ids` makes exact, as an HTTP body answered by the node, and as the
/// params of the node's method picked by the first byte. Errors are fine; a panic, a hang or
/// a malformed answer is a bug.
///
/// The first call opens a devnet node in a directory under the system's temporary directory
/// (removed by a later call once this process has exited, on Linux).
///
/// # Panics
/// When an invariant is broken (that is the point: the fuzzer reports it), never on bad input.
pub fn fuzz_rpc_request(data: &[u8]) {
    let harness = harness();
    let checked = !harness.holds_placeholder(data);
    if checked {
        check_request_ids(data);
    }
    check_http_body(harness, data, checked);
    check_method_params(harness, data);
}

/// `request_ids` alone: an unchanged body is the input itself; a rewritten one is JSON, holds
/// each placeholder once, needs no second rewrite, and `restore` of a response carrying its
/// placeholders (in reverse order, as a batch's answers may come) gives back the original ids.
fn check_request_ids(data: &[u8]) {
    let prepared = request_ids::prepare(Bytes::copy_from_slice(data));
    if prepared.restore.is_empty() {
        assert_eq!(prepared.body, data, "a body with nothing to rewrite passes unchanged");
        return;
    }
    let body = std::str::from_utf8(&prepared.body).expect("a rewritten body is UTF-8");
    assert!(is_json(body), "the rewritten body is not JSON: {body}");
    let again = request_ids::prepare(prepared.body.clone());
    assert!(again.restore.is_empty(), "a rewritten body needs rewriting again: {body}");
    let mut response = Vec::new();
    let mut expected = Vec::new();
    for (placeholder, original) in prepared.restore.iter().rev() {
        assert!(is_json(original), "an original id is not JSON: {original}");
        let quoted = format!("\"{placeholder}\"");
        assert_eq!(body.matches(&quoted).count(), 1, "{placeholder} in the rewritten {body}");
        response.push(format!(r#"{{"jsonrpc":"2.0","id":{quoted},"result":null}}"#));
        expected.push(format!(r#"{{"jsonrpc":"2.0","id":{original},"result":null}}"#));
    }
    let response = Bytes::from(format!("[{}]", response.join(",")));
    let restored = request_ids::restore(response, &prepared.restore);
    assert_eq!(
        std::str::from_utf8(&restored),
        Ok(format!("[{}]", expected.join(",")).as_str()),
        "restore of the ids of {body}"
    );
}

/// `data` as an HTTP body: answered with JSON (or nothing, for notifications), no placeholder
/// left, a single request's id given back, every request object with an id answered.
fn check_http_body(harness: &Harness, data: &[u8], checked: bool) {
    let (answer, restore) = harness.post(Bytes::copy_from_slice(data));
    let Ok(answer) = std::str::from_utf8(&answer) else {
        panic!("the answer is not UTF-8: {answer:?}");
    };
    let with_ids = requests_with_ids(data);
    if answer.is_empty() {
        assert_eq!(with_ids, 0, "requests with an id got no answer");
        return;
    }
    assert!(is_json(answer), "the answer is not JSON: {answer}");
    if !checked {
        return;
    }
    for (placeholder, _) in &restore {
        assert!(!answer.contains(placeholder.as_str()), "{placeholder} left in {answer}");
    }
    match serde_json::from_str::<Vec<&RawValue>>(answer) {
        Ok(answers) => assert!(answers.len() >= with_ids, "requests with an id unanswered"),
        Err(_) if is_batch(data) => {} // One error for the whole batch.
        Err(_) => {
            if let [(_, original)] = restore.as_slice() {
                let id = object(answer).and_then(|members| members.get("id").map(|id| id.get()));
                assert!(
                    id.is_some_and(|id| id == original || id == "null"),
                    "the answer's id is not the request's {original}: {answer}"
                );
            }
        }
    }
}

/// The rest of `data` as the params of the method its first byte picks: answered with a
/// result or an error, under the call's id, directly and over HTTP.
fn check_method_params(harness: &Harness, data: &[u8]) {
    let Some((&pick, rest)) = data.split_first() else { return };
    let method = harness.methods[usize::from(pick) % harness.methods.len()];
    let text = String::from_utf8_lossy(rest);
    let params = match serde_json::from_str::<&RawValue>(&text) {
        Ok(params) => params.get().to_string(),
        Err(_) => json_string(&text),
    };
    let method = json_string(method);
    let call = format!(r#"{{"jsonrpc":"2.0","id":7,"method":{method},"params":{params}}}"#);
    let direct = harness.runtime.block_on(async {
        // Dropping the notifications' receiver closes any subscription the call opened.
        let (answer, _notifications) = harness.module.raw_json_request(&call, 1).await?;
        Ok::<_, serde_json::Error>(answer)
    });
    let direct = direct.unwrap_or_else(|e| panic!("jsonrpsee cannot read {call}: {e}"));
    check_answer(direct.get(), &call);
    let (over_http, _) = harness.post(Bytes::from(call.clone()));
    check_answer(&String::from_utf8_lossy(&over_http), &call);
}

/// `answer` answers `call` (id 7): a JSON-RPC 2.0 response with a result or an error.
fn check_answer(answer: &str, call: &str) {
    let members = object(answer).unwrap_or_else(|| panic!("answer {answer:?} to {call}"));
    let member = |key: &str| members.get(key).map(|value| value.get());
    assert_eq!(member("jsonrpc"), Some(r#""2.0""#), "answer {answer} to {call}");
    assert_eq!(member("id"), Some("7"), "answer {answer} to {call}");
    let (result, error) = (member("result").is_some(), member("error").is_some());
    assert!(result != error, "neither or both result and error: {answer} to {call}");
}

/// How many request objects with an `id` member `body` holds (one request or a batch); 0 for
/// what is not JSON. Members whose names do not decode are not counted.
fn requests_with_ids(body: &[u8]) -> usize {
    let Ok(text) = std::str::from_utf8(body) else { return 0 };
    let has_id = |raw: &str| {
        serde_json::from_str::<BTreeMap<String, IgnoredAny>>(raw)
            .is_ok_and(|m| m.contains_key("id"))
    };
    if is_batch(body) {
        let elements = serde_json::from_str::<Vec<&RawValue>>(text).unwrap_or_default();
        elements.iter().filter(|element| has_id(element.get())).count()
    } else {
        usize::from(has_id(text))
    }
}

/// The members of the JSON object `text`, with their raw values (the last of duplicates).
fn object(text: &str) -> Option<BTreeMap<String, &RawValue>> {
    serde_json::from_str(text).ok()
}

/// Whether `text` is one JSON value. Reads numbers without converting them, so `1e400` is
/// JSON, as it is to a client.
fn is_json(text: &str) -> bool {
    serde_json::from_str::<IgnoredAny>(text).is_ok()
}

/// Whether `body` is a batch (a JSON array), as `request_ids` and jsonrpsee tell.
fn is_batch(body: &[u8]) -> bool {
    body.trim_ascii_start().starts_with(b"[")
}

fn json_string(text: &str) -> String {
    serde_json::to_string(text).expect("a string serializes")
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|window| window == needle)
}

/// A signed call of [`LOG_CONTRACT`] from dev account 0, EIP-2718 encoded.
fn signed_call(chain_id: u64) -> alloy_primitives::Bytes {
    let account = &dev_accounts(1).expect("dev account 0")[0];
    let tx = TxEip1559 {
        chain_id,
        nonce: 0,
        gas_limit: 100_000,
        max_fee_per_gas: 100_000_000_000,
        max_priority_fee_per_gas: 1_000_000_000,
        to: TxKind::Call(LOG_CONTRACT),
        value: U256::from(1),
        input: vec![1, 2, 3].into(),
        ..Default::default()
    };
    let signature =
        alloy_consensus::crypto::secp256k1::sign_message(account.private_key, tx.signature_hash())
            .expect("dev account 0 signs");
    let envelope: TxEnvelope = tx.into_signed(signature).into();
    envelope.encoded_2718().into()
}

/// A fresh directory for this process's node: `<temp>/manifold-fuzz-rpc/<pid>`. The
/// directories of processes that have exited are removed first (on Linux, where `/proc` tells).
fn data_dir() -> PathBuf {
    let base = std::env::temp_dir().join("manifold-fuzz-rpc");
    if let Ok(entries) = std::fs::read_dir(&base)
        && Path::new("/proc/self").exists()
    {
        for entry in entries.flatten() {
            let pid = entry.file_name().to_str().and_then(|name| name.parse::<u32>().ok());
            if pid.is_some_and(|pid| !Path::new("/proc").join(pid.to_string()).exists()) {
                let _ = std::fs::remove_dir_all(entry.path());
            }
        }
    }
    let dir = base.join(std::process::id().to_string());
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a data directory for the fuzzed node");
    dir
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;

    /// splitmix64: deterministic inputs, the same on every run.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^ (z >> 31)
        }

        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }

        fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
            items[self.below(items.len())]
        }

        fn hex(&mut self, bytes: usize) -> String {
            let digits: String = (0..bytes).map(|_| format!("{:02x}", self.next() as u8)).collect();
            format!("\"0x{digits}\"")
        }

        fn bytes(&mut self, max: usize) -> Vec<u8> {
            (0..self.below(max + 1)).map(|_| self.next() as u8).collect()
        }

        /// A JSON value shaped like RPC params: block tags and numbers, addresses, hashes,
        /// call and filter objects, nested a little.
        fn value(&mut self, depth: usize) -> String {
            const ATOMS: &[&str] = &[
                "null",
                "true",
                "false",
                "0",
                "1",
                "-1",
                "1.5",
                "1e3",
                "18446744073709551616",
                r#""latest""#,
                r#""pending""#,
                r#""earliest""#,
                r#""safe""#,
                r#""finalized""#,
                r#""0x""#,
                r#""0x0""#,
                r#""0x1""#,
                r#""0x2""#,
                r#""0x3""#,
                r#""0xffffffffffffffff""#,
                r#""0x10000000000000000""#,
                r#""0x00000000000000000000000000000000000c0de1""#,
                r#""0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266""#,
                r#""newHeads""#,
                r#""logs""#,
                r#""\ud800""#,
                r#""""#,
            ];
            const KEYS: &[&str] = &[
                "from",
                "to",
                "gas",
                "gasPrice",
                "maxFeePerGas",
                "value",
                "data",
                "input",
                "nonce",
                "accessList",
                "fromBlock",
                "toBlock",
                "blockHash",
                "address",
                "topics",
                "blockNumber",
                "balance",
                "code",
                "state",
                "stateDiff",
            ];
            match self.below(if depth == 0 { 3 } else { 5 }) {
                0 => self.pick(ATOMS).to_string(),
                1 => {
                    let len = [1, 2, 20, 32, 33][self.below(5)];
                    self.hex(len)
                }
                2 => format!("\"0x{:x}\"", self.next() >> self.below(64)),
                3 => {
                    let items: Vec<String> =
                        (0..self.below(4)).map(|_| self.value(depth - 1)).collect();
                    format!("[{}]", items.join(","))
                }
                _ => {
                    let members: Vec<String> = (0..self.below(4))
                        .map(|_| format!("\"{}\":{}", self.pick(KEYS), self.value(depth - 1)))
                        .collect();
                    format!("{{{}}}", members.join(","))
                }
            }
        }

        /// A request object (or, sometimes, a batch of them) with an id of any shape.
        fn body(&mut self, methods: &[&str]) -> String {
            const IDS: &[&str] = &[
                "1",
                "\"a\"",
                "null",
                "-1",
                "1.5",
                "1e3",
                "18446744073709551616",
                r#""\ud800""#,
                "true",
                "{}",
                "[]",
                "1,\"id\":2",
            ];
            let batch = self.below(4) == 0;
            let count = if batch { self.below(4) } else { 1 };
            let requests: Vec<String> = (0..count)
                .map(|_| {
                    let method = if self.below(8) == 0 { "nope" } else { self.pick(methods) };
                    let id = match self.below(6) {
                        0 => String::new(),
                        _ => format!(r#""id":{},"#, self.pick(IDS)),
                    };
                    let params = self.value(2);
                    format!(r#"{{"jsonrpc":"2.0",{id}"method":"{method}","params":{params}}}"#)
                })
                .collect();
            if batch { format!("[{}]", requests.join(",")) } else { requests.concat() }
        }
    }

    /// Hundreds of inputs, every method several times: raw bytes, JSON params of each method
    /// (arrays and other values), whole request bodies and batches with ids of every shape,
    /// and those with one byte changed.
    #[test]
    fn pseudo_random_inputs_get_answers() {
        let methods = harness().methods.clone();
        let mut rng = Rng(0x6d61_6e69_666f_6c64);
        let mut inputs: Vec<Vec<u8>> = Vec::new();
        for round in 0..5 {
            for i in 0..methods.len() {
                let params = match round {
                    0 => "[]".to_string(),
                    1 | 2 => {
                        let items: Vec<String> = (0..rng.below(4)).map(|_| rng.value(2)).collect();
                        format!("[{}]", items.join(","))
                    }
                    3 => rng.value(2),
                    _ => String::from_utf8_lossy(&rng.bytes(24)).into_owned(),
                };
                inputs.push([&[i as u8][..], params.as_bytes()].concat());
            }
        }
        for _ in 0..100 {
            inputs.push(rng.body(&methods).into_bytes());
        }
        for _ in 0..50 {
            inputs.push(rng.bytes(64));
        }
        for i in 0..100 {
            let mut input = inputs[rng.below(inputs.len())].clone();
            if !input.is_empty() {
                let at = rng.below(input.len());
                input[at] ^= 1 << (i % 8);
            }
            inputs.push(input);
        }
        assert!(inputs.len() >= 400, "{}", inputs.len());
        for input in &inputs {
            fuzz_rpc_request(input);
        }
    }

    fn call(method: &str, params: Value) -> Value {
        let call = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
        let h = harness();
        let (answer, _) =
            h.runtime.block_on(h.module.raw_json_request(&call.to_string(), 1)).unwrap();
        let answer: Value = serde_json::from_str(answer.get()).unwrap();
        answer.get("result").cloned().unwrap_or_else(|| panic!("{call}: {answer}"))
    }

    /// The fuzzed chain is what the module docs say: otherwise the fuzzer would only ever
    /// query an empty chain.
    #[test]
    fn the_chain_has_a_transaction_a_log_and_two_blocks() {
        assert_eq!(call("eth_blockNumber", json!([])), "0x2");
        let block = call("eth_getBlockByNumber", json!(["0x1", true]));
        let to = block["transactions"][0]["to"].as_str().map(str::to_lowercase);
        assert_eq!(to, Some(LOG_CONTRACT.to_string().to_lowercase()), "{block}");
        let logs = call("eth_getLogs", json!([{"fromBlock": "0x0", "toBlock": "latest"}]));
        assert_eq!(logs.as_array().map(Vec::len), Some(1), "{logs}");
        assert_eq!(logs[0]["topics"][0], format!("{:#066x}", 1));
        assert_eq!(
            call("eth_getStorageAt", json!([LOG_CONTRACT, "0x0", "latest"])),
            format!("{:#066x}", 7)
        );
    }

    /// The HTTP path gives back ids jsonrpsee cannot hold, and refuses as `StrictCalls` does.
    #[test]
    fn the_http_path_restores_ids_and_checks_calls() {
        let h = harness();
        let post = |body: &str| {
            let (answer, _) = h.post(Bytes::from(body.to_string()));
            String::from_utf8(answer.to_vec()).unwrap()
        };
        assert_eq!(
            post(r#"{"jsonrpc":"2.0","id":-1,"method":"eth_chainId"}"#),
            r#"{"jsonrpc":"2.0","id":-1,"result":"0x7a69"}"#
        );
        let refused: Value = serde_json::from_str(&post(
            r#"{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":[1]}"#,
        ))
        .unwrap();
        assert_eq!(refused["error"]["message"], "too many arguments, want at most 0");
        let subscribe =
            r#"{"jsonrpc":"2.0","id":1,"method":"eth_subscribe","params":["newHeads"]}"#;
        let refused: Value = serde_json::from_str(&post(subscribe)).unwrap();
        assert_eq!(refused["error"]["message"], "notifications not supported");
    }
}
