//! The proposer against an L1 that takes transactions and never mines them: a round gives up
//! on its receipt after the receipt timeout, the next one sends the proposal again at the same
//! (mined) nonce with higher fees — a restarted proposer too, rather than queueing behind the
//! stuck transaction — and shutdown does not wait for a receipt.
//!
//! The L1 is a small JSON-RPC server in this file ([`UnminedL1`]): it answers the calls the
//! proposer makes, keeps one pooled transaction per nonce with geth's replacement rule, and
//! never returns a receipt.

use std::{
    collections::BTreeMap,
    sync::{Arc, Mutex},
    time::Duration,
};

use alloy::{
    consensus::{Transaction, TxEnvelope},
    eips::eip2718::Decodable2718,
    network::EthereumWallet,
    primitives::{Address, B256, hex},
    providers::{Provider, ProviderBuilder},
    signers::local::PrivateKeySigner,
    sol_types::SolCall,
};
use bridge::{
    BridgeError, OutputRoot,
    contracts::OutputOracle,
    l1::{OutputSource, Proposer, ProposerConfig},
};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{TcpListener, TcpStream},
    sync::watch,
};

/// The proposer's key (Hardhat's second dev account).
const KEY: &str = "0x59c6995e998f97a5a0044966f0945389dc9c86dae88c7a8412f4603b6b78690d";
/// Bounds every wait of these tests: a proposer that hangs fails them instead.
const HANG: Duration = Duration::from_secs(20);
/// The receipt timeout of the tests that wait it out.
const RECEIPT_TIMEOUT: Duration = Duration::from_millis(300);

/// A transaction the L1 took into its pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Pooled {
    hash: B256,
    nonce: u64,
    max_fee: u128,
    tip: u128,
}

/// What the L1 has seen.
#[derive(Debug, Default)]
struct Pool {
    /// Every transaction taken, in order (replaced ones included).
    taken: Vec<Pooled>,
    /// The pooled transaction of each nonce.
    by_nonce: BTreeMap<u64, Pooled>,
}

/// An L1 that pools transactions and never mines: no account's mined nonce ever moves.
struct UnminedL1 {
    url: String,
    pool: Arc<Mutex<Pool>>,
    /// How many transactions the pool took.
    taken: watch::Receiver<usize>,
}

impl UnminedL1 {
    /// Serves on a free local port; `proposer` is what the oracle's `proposer()` answers.
    async fn start(proposer: Address) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("local address"));
        let pool = Arc::new(Mutex::new(Pool::default()));
        let (taken_tx, taken) = watch::channel(0);
        let taken_tx = Arc::new(taken_tx);
        let state = Arc::clone(&pool);
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(serve(stream, Arc::clone(&state), Arc::clone(&taken_tx), proposer));
            }
        });
        Self { url, pool, taken }
    }

    /// Every transaction the pool took, in order.
    fn taken(&self) -> Vec<Pooled> {
        self.pool.lock().expect("pool").taken.clone()
    }

    /// The pooled transaction of `nonce`.
    fn pooled(&self, nonce: u64) -> Option<Pooled> {
        self.pool.lock().expect("pool").by_nonce.get(&nonce).copied()
    }

    /// Waits until the pool has taken `count` transactions.
    async fn wait_taken(&mut self, count: usize) {
        tokio::time::timeout(HANG, self.taken.wait_for(|taken| *taken >= count))
            .await
            .expect("the proposer sent no transaction")
            .expect("the L1 stopped");
    }
}

/// Answers the HTTP/1.1 JSON-RPC requests of one connection.
async fn serve(
    mut stream: TcpStream,
    pool: Arc<Mutex<Pool>>,
    taken: Arc<watch::Sender<usize>>,
    proposer: Address,
) {
    let mut buffer = Vec::new();
    loop {
        let Some(body) = read_request(&mut stream, &mut buffer).await else { return };
        let answer = answer(&body, &pool, &taken, proposer);
        let response = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{answer}",
            answer.len()
        );
        if stream.write_all(response.as_bytes()).await.is_err() {
            return;
        }
    }
}

/// The body of the next request on `stream`; `None` once the client closes it.
async fn read_request(stream: &mut TcpStream, buffer: &mut Vec<u8>) -> Option<String> {
    loop {
        if let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buffer[..end]).to_ascii_lowercase();
            let length: usize = head
                .lines()
                .find_map(|line| line.strip_prefix("content-length:"))
                .and_then(|value| value.trim().parse().ok())
                .unwrap_or(0);
            let start = end + 4;
            if buffer.len() >= start + length {
                let body = String::from_utf8_lossy(&buffer[start..start + length]).into_owned();
                buffer.drain(..start + length);
                return Some(body);
            }
        }
        let mut chunk = [0u8; 4096];
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return None,
            Ok(n) => buffer.extend_from_slice(&chunk[..n]),
        }
    }
}

/// The string value of `"key":"…"` in a compact JSON text.
fn string_field<'a>(json: &'a str, key: &str) -> Option<&'a str> {
    let start = json.find(&format!("\"{key}\":\""))? + key.len() + 4;
    let len = json[start..].find('"')?;
    Some(&json[start..start + len])
}

/// The JSON-RPC response to the request `body`.
fn answer(
    body: &str,
    pool: &Mutex<Pool>,
    taken: &watch::Sender<usize>,
    proposer: Address,
) -> String {
    let id_start = body.find("\"id\":").expect("a request id") + 5;
    let id_len = body[id_start..].find([',', '}']).expect("the end of the id");
    let id = &body[id_start..id_start + id_len];
    let method = string_field(body, "method").expect("a method");
    let params = body.find("\"params\":").map_or("", |at| &body[at..]);
    let quantity = |n: u128| format!("\"{n:#x}\"");
    let result = match method {
        "eth_chainId" => quantity(900),
        "eth_blockNumber" => quantity(1),
        "eth_getBlockByNumber" | "eth_getTransactionReceipt" => "null".to_owned(),
        "eth_estimateGas" => quantity(100_000),
        "eth_maxPriorityFeePerGas" => quantity(1_000_000_000),
        "eth_feeHistory" => r#"{"oldestBlock":"0x1","baseFeePerGas":["0x3b9aca00","0x3b9aca00"],"gasUsedRatio":[0.5],"reward":[["0x3b9aca00"]]}"#.to_owned(),
        "eth_getTransactionCount" => {
            let pool = pool.lock().expect("pool");
            // Nothing is ever mined: the mined nonce stays 0, the pending one counts the pool.
            let pending = if params.contains("pending") { pool.by_nonce.len() } else { 0 };
            quantity(pending as u128)
        }
        "eth_call" => {
            let input = string_field(params, "input")
                .or_else(|| string_field(params, "data"))
                .expect("call data");
            let selector = hex::encode(OutputOracle::proposerCall::SELECTOR);
            // `proposer()` is the test's account; every other view (latest block, output
            // count, finality) is zero: the oracle holds no output yet.
            let word = if input.trim_start_matches("0x").starts_with(&selector) {
                B256::left_padding_from(proposer.as_slice())
            } else {
                B256::ZERO
            };
            format!("\"{word}\"")
        }
        "eth_sendRawTransaction" => {
            let raw = params.split('"').find(|s| s.starts_with("0x")).expect("a raw transaction");
            let bytes = hex::decode(raw).expect("hex");
            let tx = TxEnvelope::decode_2718(&mut bytes.as_slice()).expect("a transaction");
            let sent = Pooled {
                hash: *tx.tx_hash(),
                nonce: tx.nonce(),
                max_fee: tx.max_fee_per_gas(),
                tip: tx.max_priority_fee_per_gas().unwrap_or_default(),
            };
            let mut pool = pool.lock().expect("pool");
            match pool.by_nonce.get(&sent.nonce) {
                Some(old) if old.hash == sent.hash => return error(id, "already known"),
                // geth: a replacement bids 10 % more on both the fee cap and the tip.
                Some(old) if sent.max_fee * 10 < old.max_fee * 11 || sent.tip * 10 < old.tip * 11 => {
                    return error(id, "replacement transaction underpriced");
                }
                _ => {}
            }
            pool.by_nonce.insert(sent.nonce, sent);
            pool.taken.push(sent);
            taken.send_replace(pool.taken.len());
            format!("\"{}\"", sent.hash)
        }
        other => return error(id, &format!("the method {other} does not exist")),
    };
    format!(r#"{{"jsonrpc":"2.0","id":{id},"result":{result}}}"#)
}

/// A JSON-RPC error response.
fn error(id: &str, message: &str) -> String {
    format!(r#"{{"jsonrpc":"2.0","id":{id},"error":{{"code":-32000,"message":"{message}"}}}}"#)
}

/// A node whose safe head is L2 block 10.
struct Node;

impl OutputSource for Node {
    fn safe_head(&self) -> u64 {
        10
    }

    fn output_at(&self, number: u64) -> Result<OutputRoot, BridgeError> {
        let byte = u8::try_from(number).unwrap_or(u8::MAX);
        Ok(OutputRoot::v0(B256::repeat_byte(byte), B256::ZERO, B256::repeat_byte(1)))
    }

    fn finalized(&self, _number: u64) {}
}

/// A proposer of outputs every 5 blocks, signing with [`KEY`] on `l1`.
fn proposer(l1: &UnminedL1) -> Proposer<Node> {
    let signer: PrivateKeySigner = KEY.parse().expect("key");
    let from = signer.address();
    let provider = ProviderBuilder::new()
        .wallet(EthereumWallet::from(signer))
        .connect_http(l1.url.parse().expect("url"))
        .erased();
    let config = ProposerConfig {
        oracle: Address::repeat_byte(0x0c),
        interval_blocks: 5,
        l1_chain_id: Some(900),
        poll: Duration::from_millis(50),
        retry_initial: Duration::from_millis(10),
        retry_max: Duration::from_millis(100),
    };
    Proposer::new(provider, from, config, Node)
}

/// The proposer's address.
fn proposer_address() -> Address {
    KEY.parse::<PrivateKeySigner>().expect("key").address()
}

/// A round that must give up on its receipt: its error.
async fn unmined_round(proposer: &Proposer<Node>) -> BridgeError {
    let result = tokio::time::timeout(HANG, proposer.round())
        .await
        .expect("the round hung on a transaction that is never mined");
    result.expect_err("a round whose transaction is never mined cannot succeed")
}

/// `new` bids at least 12.5 % more than `old` on both the fee cap and the tip.
fn outbids(new: Pooled, old: Pooled) -> bool {
    new.max_fee * 8 >= old.max_fee * 9 && new.tip * 8 >= old.tip * 9
}

#[tokio::test]
async fn an_unmined_proposal_fails_its_round_and_is_sent_again_with_higher_fees() {
    let mut l1 = UnminedL1::start(proposer_address()).await;
    let proposer = proposer(&l1).with_receipt_timeout(RECEIPT_TIMEOUT);

    let first = unmined_round(&proposer).await;
    assert!(first.to_string().contains("not mined within"), "{first}");
    l1.wait_taken(1).await;

    let second = unmined_round(&proposer).await;
    assert!(second.to_string().contains("not mined within"), "{second}");
    let taken = l1.taken();
    assert_eq!(taken.len(), 2, "{taken:?}");
    let (stuck, replacement) = (taken[0], taken[1]);
    assert_eq!((stuck.nonce, replacement.nonce), (0, 0), "the same nonce: {taken:?}");
    assert!(outbids(replacement, stuck), "12.5 % more on both fees: {taken:?}");
    assert_eq!(l1.pooled(0), Some(replacement), "the replacement is the pooled one");
}

#[tokio::test]
async fn a_restarted_proposer_replaces_the_stuck_proposal_instead_of_queueing_behind_it() {
    let l1 = UnminedL1::start(proposer_address()).await;
    let before = proposer(&l1).with_receipt_timeout(RECEIPT_TIMEOUT);
    unmined_round(&before).await;
    drop(before);
    let stuck = l1.pooled(0).expect("the first run's proposal is pooled");

    // The new run does not know what the old one bid: the L1 refuses its first bid (the same
    // transaction: "already known"), and the next round outbids the pooled one.
    let after = proposer(&l1).with_receipt_timeout(RECEIPT_TIMEOUT);
    let refused = unmined_round(&after).await;
    assert!(refused.to_string().contains("already known"), "{refused}");
    let resent = unmined_round(&after).await;
    assert!(resent.to_string().contains("not mined within"), "{resent}");

    let taken = l1.taken();
    assert!(taken.iter().all(|tx| tx.nonce == 0), "nothing queued behind nonce 0: {taken:?}");
    let replacement = l1.pooled(0).expect("a proposal is pooled");
    assert_ne!(replacement.hash, stuck.hash, "{taken:?}");
    assert!(outbids(replacement, stuck), "{taken:?}");
}

#[tokio::test]
async fn shutdown_does_not_wait_for_a_receipt() {
    let mut l1 = UnminedL1::start(proposer_address()).await;
    // The default receipt timeout: a minute, far beyond this test's bound.
    let proposer = proposer(&l1);
    let (shutdown, shutdown_rx) = watch::channel(false);
    let task = tokio::spawn(proposer.run(shutdown_rx));

    l1.wait_taken(1).await;
    shutdown.send_replace(true);
    tokio::time::timeout(HANG, task)
        .await
        .expect("shutdown waited for the receipt")
        .expect("the proposer task panicked");
}
