//! A polling log filter survives a block with more logs than one answer may carry: after a
//! transaction that emits 30,000 logs, `eth_getFilterChanges` on an `eth_newFilter({})`
//! installed before it answers geth's bounded `-32005` error once, then delivers the logs of
//! the blocks sealed after it (ethers v6 over HTTP polls `contract.on` exactly this way).

use alloy::{
    consensus::TxEip1559,
    primitives::{Address, B256, Bytes, TxKind, U256},
    providers::Provider,
    rpc::types::TransactionReceipt,
    signers::local::PrivateKeySigner,
};
use e2e::{CHAIN_ID, GWEI, TestNode, dev_accounts, raw, sign, signer, wait_receipt};
use serde_json::{Value, json};

/// Logs of the big transaction: three times the result cap of one query (10,000).
const MANY_LOGS: u64 = 30_000;
/// The transaction gas cap (EIP-7825).
const TX_GAS_CAP: u64 = 16_777_216;
/// Gas of one turn of the emitter's loop: JUMPDEST 1, DUP1 3, ISZERO 3, PUSH1 3, JUMPI 10,
/// PUSH1 3, PUSH1 3, LOG0 of no data 375, PUSH1 3, SWAP1 3, SUB 3, PUSH1 3, JUMP 8.
const GAS_PER_LOG: u64 = 421;

/// Runtime code that emits `n` empty `LOG0`s, `n` being the first 32 bytes of calldata.
const EMITTER_RUNTIME: [u8; 23] = [
    0x60, 0x00, // PUSH1 0
    0x35, // CALLDATALOAD: n
    0x5b, // 3: JUMPDEST (loop)
    0x80, // DUP1
    0x15, // ISZERO
    0x60, 0x15, // PUSH1 21 (end)
    0x57, // JUMPI: done when n == 0
    0x60, 0x00, // PUSH1 0 (size)
    0x60, 0x00, // PUSH1 0 (offset)
    0xa0, // LOG0
    0x60, 0x01, // PUSH1 1
    0x90, // SWAP1
    0x03, // SUB: n - 1
    0x60, 0x03, // PUSH1 3 (loop)
    0x56, // JUMP
    0x5b, // 21: JUMPDEST (end)
    0x00, // STOP
];

/// Init code that returns [`EMITTER_RUNTIME`].
fn emitter_init_code() -> Bytes {
    let len = EMITTER_RUNTIME.len() as u8;
    // PUSH1 len, DUP1, PUSH1 11 (where the runtime starts), PUSH1 0, CODECOPY, PUSH1 0, RETURN.
    let mut code = vec![0x60, len, 0x80, 0x60, 11, 0x60, 0x00, 0x39, 0x60, 0x00, 0xf3];
    code.extend_from_slice(&EMITTER_RUNTIME);
    code.into()
}

/// Gas of a call that emits `n` logs: intrinsic (21,000 + 4 per zero and 16 per non-zero
/// calldata byte), PUSH1 + CALLDATALOAD, `n` turns of the loop, and the exit (JUMPDEST,
/// DUP1, ISZERO, PUSH1, JUMPI, JUMPDEST, STOP).
fn emit_gas(n: u64) -> u64 {
    let calldata = U256::from(n).to_be_bytes::<32>();
    let zeros = calldata.iter().filter(|b| **b == 0).count() as u64;
    let intrinsic = 21_000 + 4 * zeros + 16 * (32 - zeros);
    intrinsic + 6 + n * GAS_PER_LOG + 21
}

/// Signs an EIP-1559 transaction of dev account `signer`, sends it raw and waits for its
/// receipt.
async fn send(
    node: &TestNode,
    signer: &PrivateKeySigner,
    nonce: u64,
    to: TxKind,
    gas_limit: u64,
    input: Bytes,
) -> eyre::Result<TransactionReceipt> {
    let tx = sign(
        signer,
        TxEip1559 {
            chain_id: CHAIN_ID,
            nonce,
            gas_limit,
            max_fee_per_gas: 10 * GWEI,
            max_priority_fee_per_gas: GWEI,
            to,
            input,
            ..Default::default()
        },
    )?;
    let hash = *node.provider.send_raw_transaction(&raw(&tx)).await?.tx_hash();
    let receipt = wait_receipt(&node.provider, hash).await?;
    eyre::ensure!(receipt.status(), "transaction {hash} failed: {receipt:?}");
    Ok(receipt)
}

/// Calls the emitter so that it emits `n` logs, with exactly the gas that takes.
async fn emit(
    node: &TestNode,
    signer: &PrivateKeySigner,
    nonce: u64,
    emitter: Address,
    n: u64,
) -> eyre::Result<TransactionReceipt> {
    let input = Bytes::from(U256::from(n).to_be_bytes::<32>().to_vec());
    let receipt = send(node, signer, nonce, emitter.into(), emit_gas(n), input).await?;
    assert_eq!(receipt.gas_used, emit_gas(n), "the emitter's gas, as computed");
    assert_eq!(receipt.inner.logs().len() as u64, n);
    Ok(receipt)
}

#[tokio::test(flavor = "multi_thread")]
async fn log_filter_survives_a_block_over_the_result_cap() -> eyre::Result<()> {
    assert!(emit_gas(MANY_LOGS) < TX_GAS_CAP, "{} gas", emit_gas(MANY_LOGS));
    let node = TestNode::start().await?;
    let signer = signer(&dev_accounts()[0]);

    let deployed = send(&node, &signer, 0, TxKind::Create, 200_000, emitter_init_code()).await?;
    let emitter = deployed.contract_address.ok_or_else(|| eyre::eyre!("no contract address"))?;
    assert_eq!(node.provider.get_code_at(emitter).await?.as_ref(), &EMITTER_RUNTIME[..]);

    // Installed before the big transaction, matching every log.
    let filter = node.rpc.call("eth_newFilter", json!([{}])).await?;

    let big = emit(&node, &signer, 1, emitter, MANY_LOGS).await?;
    let error = node.rpc.expect_error("eth_getFilterChanges", json!([filter])).await?;
    assert_eq!(
        (error.code, error.message.as_str()),
        (-32005, "query returned more than 10000 results"),
        "the poll covering block {:?}",
        big.block_number
    );

    // A later block with one log: the next poll delivers exactly it.
    let one = emit(&node, &signer, 2, emitter, 1).await?;
    let changes = node.rpc.call("eth_getFilterChanges", json!([filter])).await?;
    let logs = changes.as_array().ok_or_else(|| eyre::eyre!("not a log list: {changes}"))?;
    assert_eq!(logs.len(), 1, "{changes}");
    let log = &logs[0];
    assert_eq!(serde_json::from_value::<Address>(log["address"].clone())?, emitter);
    assert_eq!(
        serde_json::from_value::<B256>(log["transactionHash"].clone())?,
        one.transaction_hash
    );
    assert_eq!(
        serde_json::from_value::<U256>(log["blockNumber"].clone())?,
        U256::from(one.block_number.ok_or_else(|| eyre::eyre!("receipt without block number"))?)
    );
    assert_eq!(log["topics"], json!([]));
    assert_eq!(log["data"], json!("0x"));

    // And nothing twice.
    let again: Value = node.rpc.call("eth_getFilterChanges", json!([filter])).await?;
    assert_eq!(again, json!([]));
    Ok(())
}
