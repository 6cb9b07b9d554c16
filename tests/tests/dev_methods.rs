//! The devnet's dev methods (`evm_mine`, `anvil_mine`, `evm_increaseTime`,
//! `evm_setNextBlockTimestamp`, `evm_setAutomine`, `anvil_setIntervalMining`,
//! `anvil_nodeInfo`, `anvil_setBalance`/`setNonce`/`setCode`/`setStorageAt`): they seal blocks,
//! move the block clock and set state as anvil's do, a follower derives the blocks and the
//! state they produced identically, and a sequencer (`manifold sequencer`'s `Node::start`)
//! answers them `-32601 method not found`.

use std::sync::Arc;

use alloy::{network::TransactionBuilder, providers::Provider, rpc::types::TransactionRequest};
use da::{DaBackend, LocalDa};
use e2e::{
    TIMEOUT, TestNode, assert_same_chain, dev_accounts, poll_until, sync_status, wait_derived,
    wait_receipt,
};
use serde_json::json;

/// `hex` as bytes.
fn hex_bytes(hex: &str) -> Vec<u8> {
    alloy::primitives::hex::decode(hex).expect("hex")
}

/// The latest block's number and timestamp.
async fn latest(node: &TestNode) -> eyre::Result<(u64, u64)> {
    let block = node
        .provider
        .get_block_by_number(alloy::eips::BlockNumberOrTag::Latest)
        .await?
        .ok_or_else(|| eyre::eyre!("no latest block"))?;
    Ok((block.header.number, block.header.timestamp))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dev_methods_seal_blocks_and_move_the_clock_and_a_follower_agrees() -> eyre::Result<()> {
    let node = TestNode::start_devnet_with(|_| {}).await?;
    let rpc = &node.rpc;
    // Manual mining: blocks only on demand. A tick of interval mining already waiting for the
    // sealing lock seals before the next call's block (the lock is fair): mine one first.
    assert_eq!(rpc.call("anvil_setIntervalMining", json!([0])).await?, json!(null));
    assert_eq!(rpc.call("anvil_nodeInfo", json!([])).await?["miningMode"], "manual");
    rpc.call("evm_mine", json!([])).await?;

    // evm_mine at a timestamp an hour ahead.
    let (_, head_time) = latest(&node).await?;
    let pinned = head_time + 3_600;
    assert_eq!(rpc.call("evm_mine", json!([pinned])).await?, json!("0x0"));
    let (mined, time) = latest(&node).await?;
    assert_eq!(time, pinned);

    // evm_increaseTime moves the next block's timestamp.
    let offset = rpc.call("evm_increaseTime", json!([600])).await?;
    assert!(offset.as_i64().unwrap_or_default() >= 3_600 + 600 - 5, "{offset}");
    rpc.call("evm_mine", json!([])).await?;
    let (number, time) = latest(&node).await?;
    assert_eq!(number, mined + 1);
    assert!((pinned + 600..pinned + 660).contains(&time), "{time} after {pinned}");

    // anvil_mine: 5 blocks, 10 s apart.
    assert_eq!(rpc.call("anvil_mine", json!(["0x5", "0xa"])).await?, json!(null));
    let mut times = Vec::new();
    for n in number + 1..=number + 5 {
        let block = node.provider.get_block_by_number(n.into()).await?;
        times.push(block.ok_or_else(|| eyre::eyre!("block {n} not mined"))?.header.timestamp);
    }
    assert!(times.windows(2).all(|w| w[1] == w[0] + 10), "{times:?}");
    assert_eq!(latest(&node).await?.0, number + 5);
    // evm_mine's object form: two blocks.
    rpc.call("evm_mine", json!([{"blocks": 2}])).await?;
    assert_eq!(latest(&node).await?.0, number + 7);

    // evm_setNextBlockTimestamp, then automine seals the transaction at that time.
    let next = times[4] + 1_000;
    assert_eq!(rpc.call("evm_setNextBlockTimestamp", json!([next])).await?, json!(null));
    rpc.call("evm_setAutomine", json!([true])).await?;
    let accounts = dev_accounts();
    let tx = TransactionRequest::default()
        .with_from(accounts[1].address)
        .with_to(accounts[2].address)
        .with_value(alloy::primitives::U256::from(9));
    let receipt =
        wait_receipt(&node.provider, *node.provider.send_transaction(tx).await?.tx_hash()).await?;
    let block_number = receipt.block_number.unwrap_or_default();
    let block = node.provider.get_block_by_number(block_number.into()).await?.unwrap();
    assert_eq!(block.header.timestamp, next);
    // A timestamp before the head's is refused.
    let err = rpc.expect_error("evm_setNextBlockTimestamp", json!([1])).await?;
    assert_eq!(err.code, -32602, "{err:?}");
    let info = rpc.call("anvil_nodeInfo", json!([])).await?;
    assert_eq!(info["miningMode"], "auto");
    assert_eq!(info["environment"]["chainId"], 31337);

    // State writes: visible at once, through the ordinary queries.
    let who = alloy::primitives::Address::repeat_byte(0xab);
    assert_eq!(rpc.call("anvil_setBalance", json!([who, "0xde0b6b3a7640000"])).await?, json!(null));
    assert_eq!(rpc.call("anvil_setNonce", json!([who, "0x9"])).await?, json!(null));
    assert_eq!(
        rpc.call("anvil_setCode", json!([who, "0x60426000526001601ff3"])).await?,
        json!(null)
    );
    assert_eq!(rpc.call("anvil_setStorageAt", json!([who, "0x2", "0x07"])).await?, json!(true));
    let p = &node.provider;
    assert_eq!(p.get_balance(who).await?, alloy::primitives::U256::from(10u64.pow(18)));
    assert_eq!(p.get_transaction_count(who).await?, 9);
    assert_eq!(p.get_code_at(who).await?.to_vec(), hex_bytes("60426000526001601ff3"));
    let slot = p.get_storage_at(who, alloy::primitives::U256::from(2)).await?;
    assert_eq!(slot, alloy::primitives::U256::from(7));
    // The code runs: it returns the byte 0x42.
    let call = alloy::rpc::types::TransactionRequest::default().with_to(who);
    assert_eq!(p.call(call).await?.to_vec(), vec![0x42]);

    // Impersonation: an unsigned eth_sendTransaction from an address whose key no one has
    // (without code: EIP-3607 refuses senders with code).
    let imp = alloy::primitives::Address::repeat_byte(0xee);
    rpc.call("anvil_setBalance", json!([imp, "0xde0b6b3a7640000"])).await?;
    let to = alloy::primitives::Address::repeat_byte(0xcd);
    let send = json!([{"from": imp, "to": to, "value": "0x3e8"}]);
    let err = rpc.expect_error("eth_sendTransaction", send.clone()).await?;
    assert!(err.message.contains("impersonate"), "{err:?}");
    assert_eq!(rpc.call("anvil_impersonateAccount", json!([imp])).await?, json!(null));
    let hash: alloy::primitives::B256 =
        serde_json::from_value(rpc.call("eth_sendTransaction", send.clone()).await?)?;
    let receipt = wait_receipt(p, hash).await?;
    assert!(receipt.status());
    assert_eq!(receipt.from, imp);
    assert_eq!(p.get_balance(to).await?, alloy::primitives::U256::from(1000));
    assert_eq!(p.get_transaction_count(imp).await?, 1);
    let impersonated_block = receipt.block_number.unwrap_or_default();
    // Hardhat's name ends it.
    rpc.call("hardhat_stopImpersonatingAccount", json!([imp])).await?;
    rpc.expect_error("eth_sendTransaction", send).await?;

    // Back to interval mining: the chain advances by itself again.
    rpc.call("anvil_setIntervalMining", json!([1])).await?;
    let head = poll_until("interval mining to resume", TIMEOUT, || async {
        let (n, _) = latest(&node).await?;
        Ok((n > impersonated_block).then_some(n))
    })
    .await?;

    // A follower derives every block the dev methods produced, identically.
    poll_until("the blocks to reach DA", TIMEOUT, || async {
        Ok((sync_status(rpc).await?.safe >= head).then_some(()))
    })
    .await?;
    let da: Arc<dyn DaBackend> =
        Arc::new(LocalDa::open(node.config.local_da_path(), node.config.da.local.max_blob_bytes)?);
    let follower = TestNode::start_follower(&node, da, |_| {}).await?;
    wait_derived(&follower, head).await?;
    assert_same_chain(&node, &follower, head).await?;
    // And it re-derived the state writes.
    assert_eq!(follower.provider.get_balance(who).await?, p.get_balance(who).await?);
    assert_eq!(follower.provider.get_transaction_count(who).await?, 9);
    assert_eq!(follower.provider.get_code_at(who).await?, p.get_code_at(who).await?);
    let slot = follower.provider.get_storage_at(who, alloy::primitives::U256::from(2)).await?;
    assert_eq!(slot, alloy::primitives::U256::from(7));
    // ... and the impersonated transaction, with its sender.
    let derived = follower.provider.get_transaction_receipt(hash).await?.expect("derived");
    assert_eq!(derived.from, imp);
    assert_eq!(follower.provider.get_balance(to).await?, alloy::primitives::U256::from(1000));
    // A follower is not a devnet: no dev methods.
    let err = follower.rpc.expect_error("evm_mine", json!([])).await?;
    assert_eq!(err.code, -32601, "{err:?}");
    Ok(())
}

/// Any address, for the refused calls.
const ADDRESS: &str = "0x00000000000000000000000000000000000000aa";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sequencer_answers_dev_methods_method_not_found() -> eyre::Result<()> {
    // A chain of the example config: no dev-state engine either.
    let node = TestNode::start_with(|c| c.chain.dev_state_writes = false).await?;
    for (method, params) in [
        ("evm_mine", json!([])),
        ("anvil_mine", json!([1])),
        ("evm_increaseTime", json!([60])),
        ("evm_setNextBlockTimestamp", json!([4_000_000_000u64])),
        ("evm_setAutomine", json!([true])),
        ("anvil_setIntervalMining", json!([1])),
        ("anvil_nodeInfo", json!([])),
        ("anvil_setBalance", json!([ADDRESS, "0x1"])),
        ("anvil_setCode", json!([ADDRESS, "0x00"])),
        ("anvil_setNonce", json!([ADDRESS, "0x1"])),
        ("anvil_setStorageAt", json!([ADDRESS, "0x0", "0x1"])),
        ("anvil_impersonateAccount", json!([ADDRESS])),
        ("hardhat_impersonateAccount", json!([ADDRESS])),
        ("anvil_stopImpersonatingAccount", json!([ADDRESS])),
        ("hardhat_stopImpersonatingAccount", json!([ADDRESS])),
        ("eth_sendTransaction", json!([{"from": ADDRESS, "to": ADDRESS}])),
    ] {
        let err = node.rpc.expect_error(method, params).await?;
        assert_eq!(err.code, -32601, "{method}: {err:?}");
        assert!(err.message.contains("not found"), "{method}: {err:?}");
    }
    // Nor does a dev-state transaction get in through manifold_sendTransaction.
    let tx = execution::dev_state::DevStateTx::new(
        alloy::primitives::B256::ZERO,
        1,
        vec![execution::dev_state::DevStateOp::Nonce(ADDRESS.parse()?, 1)],
    );
    let mut tagged = vec![0xde];
    tagged.extend_from_slice(execution::EngineTx::payload(&tx));
    let tagged = alloy::primitives::Bytes::from(tagged);
    let err = node.rpc.expect_error("manifold_sendTransaction", json!([tagged])).await?;
    assert_eq!(err.code, -32000, "{err:?}");
    Ok(())
}
