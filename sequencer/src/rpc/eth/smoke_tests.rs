//! A smoke test of the whole endpoint over real HTTP and WebSocket: a devnet node started
//! on a free port, a transfer sealed, and the main methods, errors and plain endpoints
//! checked with jsonrpsee's clients and raw HTTP.

use std::time::Duration;

use alloy_consensus::{SignableTransaction, TxEip1559, TxEnvelope};
use alloy_eips::eip2718::Encodable2718;
use alloy_network::TxSignerSync;
use alloy_primitives::{Bytes, TxKind, U256, hex};
use alloy_signer_local::PrivateKeySigner;
use alloy_sol_types::{Revert, SolError};
use jsonrpsee::{
    core::{ClientError, client::ClientT, client::SubscriptionClientT},
    http_client::HttpClientBuilder,
    rpc_params,
    ws_client::WsClientBuilder,
};
use node_config::{DevnetOptions, NodeConfig, dev_accounts};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::Node;

/// Init code that reverts with `Error(reason)`.
fn reverting_init_code(reason: &str) -> Bytes {
    let data = Revert::from(reason).abi_encode();
    let mut code = Vec::new();
    for (i, chunk) in data.chunks(32).enumerate() {
        let mut word = [0u8; 32];
        word[..chunk.len()].copy_from_slice(chunk);
        code.push(0x7f); // PUSH32
        code.extend_from_slice(&word);
        code.extend_from_slice(&[0x60, (i * 32) as u8, 0x52]); // PUSH1 offset MSTORE
    }
    code.extend_from_slice(&[0x60, data.len() as u8, 0x60, 0x00, 0xfd]); // REVERT
    code.into()
}

async fn http_get(addr: std::net::SocketAddr, request: &str) -> String {
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut out = String::new();
    stream.read_to_string(&mut out).await.unwrap();
    out
}

async fn wait_receipt(http: &jsonrpsee::http_client::HttpClient, hash: &str) -> Value {
    for _ in 0..200 {
        let receipt: Value =
            http.request("eth_getTransactionReceipt", rpc_params![hash]).await.unwrap();
        if !receipt.is_null() {
            return receipt;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no receipt for {hash} within 10 s");
}

fn call_error(result: Result<Value, ClientError>) -> (i32, String, Option<String>) {
    match result {
        Err(ClientError::Call(e)) => {
            (e.code(), e.message().to_string(), e.data().map(|d| d.get().to_string()))
        }
        other => panic!("expected a call error, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn devnet_endpoint_end_to_end() {
    let dir = tempfile::tempdir().unwrap();
    let opts = DevnetOptions {
        data_dir: dir.path().to_path_buf(),
        rpc_listen: "127.0.0.1:0".parse().unwrap(),
        block_time_ms: 50,
        accounts: 2,
        ..Default::default()
    };
    let mut config = NodeConfig::devnet(&opts).unwrap();
    // The checks below name blocks by number: blocks only when there are transactions.
    config.chain.empty_blocks = false;
    config.rpc.get_logs_max_block_range = 1;
    let node = Node::start(config).await.unwrap();
    let addr = node.rpc_addr;
    let http = HttpClientBuilder::default().build(format!("http://{addr}")).unwrap();
    let ws = WsClientBuilder::default().build(format!("ws://{addr}")).await.unwrap();

    let chain_id: String = http.request("eth_chainId", rpc_params![]).await.unwrap();
    assert_eq!(chain_id, "0x7a69");
    let version: String = http.request("web3_clientVersion", rpc_params![]).await.unwrap();
    assert_eq!(version, "manifold/v0.1.0");
    let net: String = http.request("net_version", rpc_params![]).await.unwrap();
    assert_eq!(net, "31337");

    // newHeads over WebSocket.
    let mut heads = ws
        .subscribe::<Value, _>("eth_subscribe", rpc_params!["newHeads"], "eth_unsubscribe")
        .await
        .unwrap();

    // A transfer, sealed.
    let accounts = dev_accounts(2).unwrap();
    let signer = PrivateKeySigner::from_bytes(&accounts[0].private_key).unwrap();
    let to = accounts[1].address;
    let nonce: String = http
        .request("eth_getTransactionCount", rpc_params![signer.address(), "pending"])
        .await
        .unwrap();
    assert_eq!(nonce, "0x0");
    let gas: String = http
        .request(
            "eth_estimateGas",
            rpc_params![json!({"from": signer.address(), "to": to, "value": "0x1"})],
        )
        .await
        .unwrap();
    // Within geth's 1.5% estimation tolerance of 21000.
    let gas = u64::from_str_radix(gas.trim_start_matches("0x"), 16).unwrap();
    assert!((21_000..=21_315).contains(&gas), "estimate {gas}");
    let gas_price: String = http.request("eth_gasPrice", rpc_params![]).await.unwrap();
    let gas_price = u128::from_str_radix(gas_price.trim_start_matches("0x"), 16).unwrap();
    let transfer = |nonce: u64| {
        let mut tx = TxEip1559 {
            chain_id: 31_337,
            nonce,
            gas_limit: 21_000,
            max_fee_per_gas: gas_price * 2,
            max_priority_fee_per_gas: 1_000_000_000,
            to: TxKind::Call(to),
            value: U256::from(12345),
            ..Default::default()
        };
        let sig = signer.sign_transaction_sync(&mut tx).unwrap();
        Bytes::from(TxEnvelope::from(tx.into_signed(sig)).encoded_2718())
    };
    let raw = transfer(0);
    let hash: String =
        http.request("eth_sendRawTransaction", rpc_params![raw.clone()]).await.unwrap();
    let pending: String = http
        .request("eth_getTransactionCount", rpc_params![signer.address(), "pending"])
        .await
        .unwrap();
    assert!(pending == "0x1", "pending nonce {pending}");
    let (code, message, _) =
        call_error(http.request("eth_sendRawTransaction", rpc_params![raw]).await);
    assert_eq!(code, -32000);
    assert!(message == "already known" || message.starts_with("nonce too low"), "{message}");

    let receipt = wait_receipt(&http, &hash).await;
    let head = tokio::time::timeout(Duration::from_secs(10), heads.next())
        .await
        .expect("a head within 10 s")
        .unwrap()
        .unwrap();
    assert_eq!(head["hash"], receipt["blockHash"]);
    assert_eq!(receipt["status"], "0x1", "{receipt}");
    assert_eq!(receipt["gasUsed"], "0x5208");
    assert_eq!(receipt["transactionHash"], hash);
    let block_number = receipt["blockNumber"].as_str().unwrap().to_string();
    let tx: Value = http.request("eth_getTransactionByHash", rpc_params![&hash]).await.unwrap();
    assert_eq!(tx["blockNumber"], block_number);
    let block: Value =
        http.request("eth_getBlockByNumber", rpc_params![&block_number, true]).await.unwrap();
    assert_eq!(block["transactions"][0]["hash"], hash);
    let receipts: Value =
        http.request("eth_getBlockReceipts", rpc_params![&block_number]).await.unwrap();
    assert_eq!(receipts[0], receipt);
    let balance: String = http.request("eth_getBalance", rpc_params![to, "latest"]).await.unwrap();
    let balance = U256::from_str_radix(balance.trim_start_matches("0x"), 16).unwrap();
    assert!(balance > U256::from(12345u64));

    // State at an older block (a devnet keeps every block): before the transfer.
    let parent = format!("{:#x}", u64::from_str_radix(&block_number[2..], 16).unwrap() - 1);
    let before: String = http.request("eth_getBalance", rpc_params![to, parent]).await.unwrap();
    let before = U256::from_str_radix(before.trim_start_matches("0x"), 16).unwrap();
    assert_eq!(balance - before, U256::from(12345u64));
    // Unknown blocks.
    let (code, message, _) =
        call_error(http.request("eth_getBalance", rpc_params![to, "0xffffffff"]).await);
    assert_eq!((code, message.as_str()), (-32000, "header not found"));
    let missing: Value =
        http.request("eth_getBlockByNumber", rpc_params!["0xffffffff", false]).await.unwrap();
    assert!(missing.is_null());

    // A reverting call.
    let init = reverting_init_code("nope");
    let (code, message, data) =
        call_error(http.request("eth_call", rpc_params![json!({"data": init})]).await);
    assert_eq!((code, message.as_str()), (3, "execution reverted: nope"));
    assert_eq!(
        data.unwrap(),
        format!("\"{}\"", hex::encode_prefixed(Revert::from("nope").abi_encode()))
    );
    let (code, message, _) =
        call_error(http.request("eth_estimateGas", rpc_params![json!({"data": init})]).await);
    assert_eq!((code, message.as_str()), (3, "execution reverted: nope"));

    // Fees.
    let history: Value =
        http.request("eth_feeHistory", rpc_params!["0x4", "latest", [25.0, 75.0]]).await.unwrap();
    // Blocks 0 and 1 exist: two blocks, three base fees (the next one included).
    assert_eq!(history["oldestBlock"], "0x0", "{history}");
    assert_eq!(history["gasUsedRatio"].as_array().unwrap().len(), 2);
    assert_eq!(history["baseFeePerGas"].as_array().unwrap().len(), 3);
    assert_eq!(history["reward"][1], json!(["0x3b9aca00", "0x3b9aca00"]));
    let huge: Value =
        http.request("eth_feeHistory", rpc_params!["0xffffffffffff", "latest"]).await.unwrap();
    assert!(huge["gasUsedRatio"].as_array().unwrap().len() <= 1024);

    // Logs: range limit.
    let (code, message, _) = call_error(
        http.request(
            "eth_getLogs",
            rpc_params![json!({"fromBlock": "0x0", "toBlock": "0xffffffffff"})],
        )
        .await,
    );
    assert_eq!(code, -32005, "{message}");
    let logs: Value =
        http.request("eth_getLogs", rpc_params![json!({"fromBlock": "latest"})]).await.unwrap();
    assert_eq!(logs, json!([]));

    // Filters.
    let filter: String = http.request("eth_newBlockFilter", rpc_params![]).await.unwrap();
    let empty: Value = http.request("eth_getFilterChanges", rpc_params![&filter]).await.unwrap();
    assert_eq!(empty, json!([]));
    let second: String =
        http.request("eth_sendRawTransaction", rpc_params![transfer(1)]).await.unwrap();
    let second = wait_receipt(&http, &second).await;
    let changes: Value = http.request("eth_getFilterChanges", rpc_params![&filter]).await.unwrap();
    assert_eq!(changes, json!([second["blockHash"]]));
    let removed: bool = http.request("eth_uninstallFilter", rpc_params![&filter]).await.unwrap();
    assert!(removed);
    let (code, message, _) =
        call_error(http.request("eth_getFilterChanges", rpc_params![&filter]).await);
    assert_eq!((code, message.as_str()), (-32000, "filter not found"));

    // Parameter errors and unknown methods.
    let (code, _, _) = call_error(http.request("eth_getBalance", rpc_params!["0xzz"]).await);
    assert_eq!(code, -32602);
    let (code, _, _) = call_error(http.request("eth_noSuchMethod", rpc_params![]).await);
    assert_eq!(code, -32601);
    let status: Value = http.request("manifold_syncStatus", rpc_params![]).await.unwrap();
    assert!(status["unsafe"].as_str().unwrap().starts_with("0x"), "{status}");

    // Plain HTTP: health, metrics, CORS preflight.
    let health =
        http_get(addr, "GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").await;
    assert!(health.starts_with("HTTP/1.1 200"), "{health}");
    assert!(health.contains("\"status\":\"ok\""), "{health}");
    let metrics =
        http_get(addr, "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").await;
    assert!(
        metrics.to_ascii_lowercase().contains("content-type: text/plain; version=0.0.4"),
        "{metrics}"
    );
    let preflight = http_get(
        addr,
        "OPTIONS / HTTP/1.1\r\nHost: x\r\nOrigin: http://localhost:3000\r\n\
         Access-Control-Request-Method: POST\r\nAccess-Control-Request-Headers: content-type\r\n\
         Connection: close\r\n\r\n",
    )
    .await;
    assert!(
        preflight.to_ascii_lowercase().contains("access-control-allow-origin: *"),
        "{preflight}"
    );

    node.shutdown().await;
}
