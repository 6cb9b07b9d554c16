//! Malformed input to every RPC method gets a JSON-RPC answer — an error object or a result —
//! never a panic, a dropped connection or a hang; and the node still serves afterwards.

use std::time::Duration;

use e2e::TestNode;
use serde_json::{Value, json};

const METHODS: &[&str] = &[
    "web3_clientVersion",
    "web3_sha3",
    "net_version",
    "net_listening",
    "net_peerCount",
    "eth_chainId",
    "eth_syncing",
    "eth_accounts",
    "eth_coinbase",
    "eth_mining",
    "eth_hashrate",
    "manifold_syncStatus",
    "eth_getBalance",
    "eth_getTransactionCount",
    "eth_getCode",
    "eth_getStorageAt",
    "eth_getProof",
    "eth_call",
    "eth_estimateGas",
    "eth_blockNumber",
    "eth_getBlockByNumber",
    "eth_getBlockByHash",
    "eth_getBlockTransactionCountByNumber",
    "eth_getBlockTransactionCountByHash",
    "eth_getUncleCountByBlockNumber",
    "eth_getUncleCountByBlockHash",
    "eth_getUncleByBlockNumberAndIndex",
    "eth_getUncleByBlockHashAndIndex",
    "eth_getBlockReceipts",
    "eth_sendRawTransaction",
    "eth_getTransactionByHash",
    "eth_getRawTransactionByHash",
    "eth_getTransactionByBlockHashAndIndex",
    "eth_getTransactionByBlockNumberAndIndex",
    "eth_getTransactionReceipt",
    "eth_gasPrice",
    "eth_maxPriorityFeePerGas",
    "eth_feeHistory",
    "eth_blobBaseFee",
    "eth_getLogs",
    "eth_newFilter",
    "eth_newBlockFilter",
    "eth_getFilterChanges",
    "eth_getFilterLogs",
    "eth_uninstallFilter",
];

/// Parameter lists that are wrong for (nearly) every method.
fn bad_params() -> Vec<Value> {
    vec![
        json!(["0xzz"]),
        json!([{}]),
        json!([null, null, null, null]),
        json!([1e300, -1, "latest"]),
        json!(["0x", "0x", "0x"]),
        json!([[], {"fromBlock": "0xffffffffffffffffffff", "toBlock": "earliest"}]),
        json!([{"to": "0x1234", "data": "0xgg", "gas": "0x-1"}, "pending"]),
        json!(["0xffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff", true]),
        json!([4_294_967_296u64, ["0x1"], "0xffffffffffffffff"]),
        json!("not an array"),
    ]
}

#[tokio::test(flavor = "multi_thread")]
async fn every_method_answers_malformed_params_with_an_error() -> eyre::Result<()> {
    let node = TestNode::start().await?;
    let client = reqwest::Client::builder().timeout(Duration::from_secs(20)).build()?;
    let mut id = 0u64;
    for method in METHODS {
        for params in bad_params() {
            id += 1;
            let body = json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params});
            let response = client.post(node.url.clone()).json(&body).send().await?;
            let status = response.status();
            let answer: Value = response.json().await?;
            assert_eq!(answer["id"], json!(id), "{method} {params}: {answer}");
            let is_error = answer.get("error").is_some_and(|e| e["code"].is_i64());
            let is_result = answer.get("result").is_some();
            assert!(is_error || is_result, "{method} {params} (HTTP {status}): {answer}");
        }
    }
    // Still serving.
    let head = node.rpc.call("eth_blockNumber", json!([])).await?;
    assert!(head.as_str().is_some_and(|h| h.starts_with("0x")), "{head}");
    Ok(())
}
