//! Every way `eth_sendRawTransaction` refuses a transaction, each with geth's error text, and
//! the JSON-RPC layer's answers to malformed requests (never a panic, never a hang).

use alloy::{
    consensus::{Signed, TxEip1559, TxEnvelope, TxLegacy},
    eips::BlockNumberOrTag,
    primitives::{Address, Bytes, Signature, TxKind, U256},
    providers::Provider,
    signers::local::PrivateKeySigner,
};
use e2e::{
    CHAIN_ID, GWEI, RpcErrorObject, TestNode, dev_accounts, error_payload, raw, sign,
    signed_transfer, signer, wait_receipt,
};
use serde_json::{Value, json};

/// An EIP-1559 transaction with the given fields and 10 gwei / 1 gwei fees.
fn tx1559(chain_id: u64, nonce: u64, gas_limit: u64, value: u128, input: Bytes) -> TxEip1559 {
    TxEip1559 {
        chain_id,
        nonce,
        gas_limit,
        max_fee_per_gas: 10 * GWEI,
        max_priority_fee_per_gas: GWEI,
        to: TxKind::Call(Address::repeat_byte(0x42)),
        value: U256::from(value),
        input,
        ..Default::default()
    }
}

/// Sends raw bytes and expects a JSON-RPC error whose message contains `expected`.
async fn expect_rejection(node: &TestNode, bytes: &Bytes, expected: &str) -> RpcErrorObject {
    let error = node
        .rpc
        .expect_error("eth_sendRawTransaction", json!([bytes]))
        .await
        .unwrap_or_else(|e| panic!("expected {expected:?}: {e:?}"));
    assert!(
        error.message.contains(expected),
        "eth_sendRawTransaction: expected a message containing {expected:?}, got {error:?}"
    );
    assert_eq!(error.code, -32000, "pool rejections use geth's -32000: {error:?}");
    error
}

/// A rejected transaction must leave no trace in the pool.
async fn assert_unknown(node: &TestNode, envelope: &TxEnvelope) {
    let found = node.provider.get_transaction_by_hash(*envelope.tx_hash()).await.unwrap();
    assert!(found.is_none(), "rejected tx {} is served: {found:?}", envelope.tx_hash());
}

#[tokio::test(flavor = "multi_thread")]
async fn nonce_too_low_after_the_nonce_was_mined() -> eyre::Result<()> {
    let node = TestNode::start().await?;
    let key = signer(&dev_accounts()[0]);
    let first = signed_transfer(&key, 0, Address::repeat_byte(1), 1)?;
    let hash = *node.provider.send_raw_transaction(&raw(&first)).await?.tx_hash();
    assert!(wait_receipt(&node.provider, hash).await?.status());

    let reuse = signed_transfer(&key, 0, Address::repeat_byte(1), 2)?;
    let error = expect_rejection(&node, &raw(&reuse), "nonce too low").await;
    assert!(error.message.starts_with("nonce too low"), "{error:?}");
    assert_unknown(&node, &reuse).await;

    // Re-sending the mined transaction itself is also refused (its nonce is used).
    let again = node.rpc.expect_error("eth_sendRawTransaction", json!([raw(&first)])).await?;
    assert!(
        again.message.contains("nonce too low") || again.message.contains("already known"),
        "{again:?}"
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn insufficient_funds_from_an_empty_account() -> eyre::Result<()> {
    let node = TestNode::start().await?;
    let empty = PrivateKeySigner::random();
    let tx = sign(&empty, tx1559(CHAIN_ID, 0, 21_000, 1, Bytes::new()))?;
    let error =
        expect_rejection(&node, &raw(&tx), "insufficient funds for gas * price + value").await;
    let sender = format!("{:#x}", empty.address());
    assert!(error.message.to_lowercase().contains(&sender), "names the sender: {error:?}");
    assert_unknown(&node, &tx).await;

    // Through alloy, the same error object reaches the caller.
    let error = node.provider.send_raw_transaction(&raw(&tx)).await.expect_err("rejected");
    let payload = error_payload(&error).expect("a JSON-RPC error object");
    assert!(payload.message.starts_with("insufficient funds for gas * price + value"));
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn intrinsic_gas_too_low_and_exceeds_block_gas_limit() -> eyre::Result<()> {
    let node = TestNode::start().await?;
    let key = signer(&dev_accounts()[0]);

    let low = sign(&key, tx1559(CHAIN_ID, 0, 20_000, 1, Bytes::new()))?;
    expect_rejection(&node, &raw(&low), "intrinsic gas too low").await;
    assert_unknown(&node, &low).await;
    // Calldata counts too: 21000 is too little with 100 non-zero bytes.
    let with_data = sign(&key, tx1559(CHAIN_ID, 0, 21_000, 1, Bytes::from(vec![0xff; 100])))?;
    expect_rejection(&node, &raw(&with_data), "intrinsic gas too low").await;

    let block_gas_limit = node
        .provider
        .get_block_by_number(BlockNumberOrTag::Latest)
        .await?
        .expect("head")
        .header
        .gas_limit;
    assert_eq!(block_gas_limit, node.config.chain.block_gas_limit);
    let high = sign(&key, tx1559(CHAIN_ID, 0, block_gas_limit + 1, 1, Bytes::new()))?;
    expect_rejection(&node, &raw(&high), "exceeds block gas limit").await;
    assert_unknown(&node, &high).await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn invalid_chain_id_and_unprotected_legacy() -> eyre::Result<()> {
    let node = TestNode::start().await?;
    let key = signer(&dev_accounts()[0]);
    let mainnet = sign(&key, tx1559(1, 0, 21_000, 1, Bytes::new()))?;
    expect_rejection(&node, &raw(&mainnet), "invalid chain id").await;
    assert_unknown(&node, &mainnet).await;

    let legacy_mainnet = sign(
        &key,
        TxLegacy {
            chain_id: Some(1),
            nonce: 0,
            gas_price: 10 * GWEI,
            gas_limit: 21_000,
            to: TxKind::Call(Address::repeat_byte(1)),
            value: U256::from(1),
            input: Bytes::new(),
        },
    )?;
    expect_rejection(&node, &raw(&legacy_mainnet), "invalid chain id").await;

    // Pre-EIP-155 (no chain id at all): refused over RPC, as geth does by default.
    let unprotected = sign(
        &key,
        TxLegacy {
            chain_id: None,
            nonce: 0,
            gas_price: 10 * GWEI,
            gas_limit: 21_000,
            to: TxKind::Call(Address::repeat_byte(1)),
            value: U256::from(1),
            input: Bytes::new(),
        },
    )?;
    expect_rejection(
        &node,
        &raw(&unprotected),
        "only replay-protected (EIP-155) transactions allowed over RPC",
    )
    .await;
    assert_unknown(&node, &unprotected).await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn invalid_sender_and_undecodable_bytes() -> eyre::Result<()> {
    let node = TestNode::start().await?;
    let key = signer(&dev_accounts()[0]);
    let TxEnvelope::Eip1559(good) = sign(&key, tx1559(CHAIN_ID, 0, 21_000, 1, Bytes::new()))?
    else {
        unreachable!()
    };
    let secp256k1_order: U256 =
        "0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141".parse()?;
    let sig = *good.signature();
    // r = 0 and r = n (out of range): no public key can be recovered.
    for r in [U256::ZERO, secp256k1_order] {
        let bad_sig = Signature::new(r, sig.s(), sig.v());
        let bad: TxEnvelope = Signed::new_unhashed(good.tx().clone(), bad_sig).into();
        let error = node.rpc.expect_error("eth_sendRawTransaction", json!([raw(&bad)])).await?;
        assert!(error.message.contains("invalid sender"), "r = {r:#x}: {error:?}");
        assert_unknown(&node, &bad).await;
    }

    // Bytes that are no transaction at all: a decode error, not a panic or a hang.
    for garbage in ["0xdeadbeef", "0x", "0x02", "0xf8", "0x02c0"] {
        let error = node.rpc.expect_error("eth_sendRawTransaction", json!([garbage])).await?;
        assert!(!error.message.is_empty(), "{garbage}: {error:?}");
        assert!([-32000, -32602].contains(&error.code), "{garbage}: {error:?}");
        assert!(
            !error.message.contains("invalid sender"),
            "{garbage} is a decode error: {error:?}"
        );
        println!("{garbage} -> {} {}", error.code, error.message);
    }
    // The good one still goes through afterwards.
    let hash = *node.provider.send_raw_transaction(&raw(&good.into())).await?.tx_hash();
    assert!(wait_receipt(&node.provider, hash).await?.status());
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn oversized_data_above_128_kib() -> eyre::Result<()> {
    let node = TestNode::start().await?;
    let key = signer(&dev_accounts()[0]);
    let input = Bytes::from(vec![0u8; 128 * 1024 + 1]);
    let big = sign(&key, tx1559(CHAIN_ID, 0, 10_000_000, 0, input))?;
    let error = expect_rejection(&node, &raw(&big), "oversized data").await;
    assert!(error.message.starts_with("oversized data"), "{error:?}");
    assert_unknown(&node, &big).await;

    // Just under the limit is accepted (gas: the EIP-7623 floor, 21000 + 10 per zero byte).
    let input = Bytes::from(vec![0u8; 120 * 1024]);
    let fits = sign(&key, tx1559(CHAIN_ID, 0, 2_000_000, 0, input))?;
    let hash = *node.provider.send_raw_transaction(&raw(&fits)).await?.tx_hash();
    assert!(wait_receipt(&node.provider, hash).await?.status());
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn replacement_underpriced_then_bumped_replacement() -> eyre::Result<()> {
    let node = TestNode::start().await?;
    let key = signer(&dev_accounts()[3]);
    // Nonce 5 while the account is at 0: it waits in the pool behind the gap.
    let queued = sign(&key, tx1559(CHAIN_ID, 5, 21_000, 1, Bytes::new()))?;
    let queued_hash = *node.provider.send_raw_transaction(&raw(&queued)).await?.tx_hash();
    assert_eq!(queued_hash, *queued.tx_hash());
    let pending = node.provider.get_transaction_by_hash(queued_hash).await?;
    assert!(pending.is_some_and(|tx| tx.block_number.is_none()), "queued tx is pending");

    // The exact same bytes: already known.
    let again = node.rpc.expect_error("eth_sendRawTransaction", json!([raw(&queued)])).await?;
    assert!(again.message.contains("already known"), "{again:?}");

    // Same nonce, same fees, another value: underpriced.
    let same_fee = sign(&key, tx1559(CHAIN_ID, 5, 21_000, 2, Bytes::new()))?;
    expect_rejection(&node, &raw(&same_fee), "replacement transaction underpriced").await;
    assert_unknown(&node, &same_fee).await;
    // A 5% bump is still under the 10% the pool requires.
    let mut small_bump = tx1559(CHAIN_ID, 5, 21_000, 2, Bytes::new());
    small_bump.max_fee_per_gas = small_bump.max_fee_per_gas * 105 / 100;
    small_bump.max_priority_fee_per_gas = small_bump.max_priority_fee_per_gas * 105 / 100;
    let small_bump = sign(&key, small_bump)?;
    expect_rejection(&node, &raw(&small_bump), "replacement transaction underpriced").await;

    // Both fees doubled: replaces the queued one.
    let mut bumped = tx1559(CHAIN_ID, 5, 21_000, 3, Bytes::new());
    bumped.max_fee_per_gas *= 2;
    bumped.max_priority_fee_per_gas *= 2;
    let bumped = sign(&key, bumped)?;
    let bumped_hash = *node.provider.send_raw_transaction(&raw(&bumped)).await?.tx_hash();
    assert!(node.provider.get_transaction_by_hash(bumped_hash).await?.is_some());
    assert!(
        node.provider.get_transaction_by_hash(queued_hash).await?.is_none(),
        "the replaced transaction is gone from the pool"
    );

    // Filling the gap mines all six, the replacement included.
    for nonce in 0..5 {
        let tx = signed_transfer(&key, nonce, Address::repeat_byte(7), 1)?;
        let _ = node.provider.send_raw_transaction(&raw(&tx)).await?;
    }
    let receipt = wait_receipt(&node.provider, bumped_hash).await?;
    assert!(receipt.status());
    assert_eq!(node.provider.get_transaction_count(key.address()).await?, 6);
    Ok(())
}

/// POSTs a body and parses the answer, which must be JSON.
async fn post(node: &TestNode, body: &str) -> eyre::Result<(u16, Value)> {
    let (status, text) = node.rpc.post_text(body).await?;
    let value = serde_json::from_str(&text).map_err(|e| {
        eyre::eyre!("HTTP {status}: answer to {body:?} is not JSON ({e}): {text:?}")
    })?;
    Ok((status, value))
}

fn error_of(response: &Value) -> RpcErrorObject {
    RpcErrorObject::from_json(&response["error"])
        .unwrap_or_else(|e| panic!("expected a JSON-RPC error object in {response}: {e}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn malformed_json_rpc_requests_get_error_objects() -> eyre::Result<()> {
    let node = TestNode::start().await?;
    let dev = dev_accounts()[0].address;

    // A parameter that is not hex.
    let e = node.rpc.expect_error("eth_getBalance", json!(["0xzz", "latest"])).await?;
    assert_eq!(e.code, -32602, "non-hex address: {e:?}");
    let e = node.rpc.expect_error("eth_sendRawTransaction", json!(["not hex at all"])).await?;
    assert_eq!(e.code, -32602, "non-hex raw transaction: {e:?}");
    let e = node.rpc.expect_error("eth_getBlockByNumber", json!(["0xnothex", false])).await?;
    assert_eq!(e.code, -32602, "non-hex block number: {e:?}");

    // Parameters of the wrong type, or missing.
    let e = node.rpc.expect_error("eth_getBalance", json!([123, "latest"])).await?;
    assert_eq!(e.code, -32602, "number for an address: {e:?}");
    let e = node.rpc.expect_error("eth_getBlockByNumber", json!(["latest", "yes"])).await?;
    assert_eq!(e.code, -32602, "string for a bool: {e:?}");
    let e = node.rpc.expect_error("eth_getTransactionByHash", json!([])).await?;
    assert_eq!(e.code, -32602, "missing parameter: {e:?}");
    let e = node.rpc.expect_error("eth_getTransactionByHash", json!(["0x1234"])).await?;
    assert_eq!(e.code, -32602, "hash of the wrong length: {e:?}");

    // An unknown method.
    let e = node.rpc.expect_error("eth_doesNotExist", json!([])).await?;
    assert_eq!(e.code, -32601, "{e:?}");

    // A body that is not JSON, and JSON that is not a request.
    let (_, response) = post(&node, "{this is not json").await?;
    assert_eq!(error_of(&response).code, -32700, "parse error: {response}");
    assert_eq!(response["id"], Value::Null);
    let (_, response) = post(&node, r#"{"jsonrpc":"2.0","id":1}"#).await?;
    let code = error_of(&response).code;
    assert!(code == -32600 || code == -32601, "request without a method: {response}");
    let (_, response) = post(&node, "[]").await?;
    assert!(response.get("error").is_some(), "empty batch is an error: {response}");

    // A batch of three answers three times, each by its id.
    let batch = json!([
        {"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []},
        {"jsonrpc": "2.0", "id": 2, "method": "eth_getBalance", "params": [dev, "latest"]},
        {"jsonrpc": "2.0", "id": 3, "method": "eth_doesNotExist", "params": []},
    ]);
    let (_, response) = post(&node, &batch.to_string()).await?;
    let answers = response.as_array().unwrap_or_else(|| panic!("batch answer: {response}"));
    assert_eq!(answers.len(), 3, "{response}");
    let by_id = |id: u64| answers.iter().find(|a| a["id"] == json!(id)).cloned();
    assert_eq!(by_id(1).expect("id 1")["result"], json!(format!("{CHAIN_ID:#x}")));
    let balance = by_id(2).expect("id 2")["result"].as_str().unwrap_or_default().to_string();
    assert_eq!(balance.parse::<U256>()?, node.provider.get_balance(dev).await?);
    assert_eq!(error_of(&by_id(3).expect("id 3")).code, -32601);

    // The node is still fine afterwards.
    assert_eq!(node.provider.get_chain_id().await?, CHAIN_ID);
    Ok(())
}
