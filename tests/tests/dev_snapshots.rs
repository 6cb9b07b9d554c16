//! The devnet's `evm_snapshot`/`evm_revert` (and anvil's `anvil_snapshot`/`anvil_revert`): a
//! revert brings state, blocks, receipts, the block clock and polling filters back to the
//! snapshot exactly; the snapshot and later ones are deleted; the chain goes on from there, and
//! the batcher posts the new chain to DA in place of the deleted blocks (a follower that had
//! derived the deleted ones reports the divergence). A snapshot beyond the kept history is
//! refused with the chain untouched.

use std::{collections::BTreeMap, sync::Arc};

use alloy::{
    eips::BlockNumberOrTag,
    network::TransactionBuilder,
    primitives::{Address, B256, U256},
    providers::Provider,
    rpc::types::TransactionRequest,
};
use da::{BatchAssembler, DaBackend, LocalDa};
use e2e::{
    TIMEOUT, TestNode, dev_accounts, poll_until, sync_status, wait_derived, wait_receipt,
    wallet_provider,
};
use serde_json::json;

/// What the test compares before and after a revert: the head and the touched accounts.
#[derive(Debug, PartialEq)]
struct Observed {
    head: u64,
    head_hash: B256,
    state_root: B256,
    balances: Vec<U256>,
    sender_nonce: u64,
    code: alloy::primitives::Bytes,
    slot: U256,
}

async fn observe(node: &TestNode, accounts: &[Address], who: Address) -> eyre::Result<Observed> {
    let p = &node.provider;
    let block = p
        .get_block_by_number(BlockNumberOrTag::Latest)
        .await?
        .ok_or_else(|| eyre::eyre!("no head"))?;
    let mut balances = Vec::new();
    for account in accounts.iter().chain([&who]) {
        balances.push(p.get_balance(*account).await?);
    }
    Ok(Observed {
        head: block.header.number,
        head_hash: block.header.hash,
        state_root: block.header.state_root,
        balances,
        sender_nonce: p.get_transaction_count(accounts[0]).await?,
        code: p.get_code_at(who).await?,
        slot: p.get_storage_at(who, U256::from(2)).await?,
    })
}

/// The hash of block `number`.
async fn hash_of(node: &TestNode, number: u64) -> eyre::Result<B256> {
    let block = node.provider.get_block_by_number(number.into()).await?;
    Ok(block.ok_or_else(|| eyre::eyre!("no block {number}"))?.header.hash)
}

/// Every block posted to the node's local DA, by number: the hash of the last one posted.
async fn posted_blocks(node: &TestNode) -> eyre::Result<BTreeMap<u64, B256>> {
    let da = LocalDa::open(node.config.local_da_path(), node.config.da.local.max_blob_bytes)?;
    let mut assembler = BatchAssembler::new();
    let mut posted = BTreeMap::new();
    for height in 0..=da.head_height().await? {
        for blob in da.blobs_at(height).await? {
            if let Some(batch) = assembler.push_blob(&blob)? {
                for block in batch.blocks {
                    posted.insert(block.number, block.block_hash);
                }
            }
        }
    }
    Ok(posted)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revert_restores_the_chain_exactly_and_the_chain_goes_on_from_it() -> eyre::Result<()> {
    let node = TestNode::start_devnet_with(|_| {}).await?;
    let rpc = &node.rpc;
    // Manual mining: every block below is ours (one evm_mine first lets a tick of interval
    // mining already waiting for the sealing lock land).
    rpc.call("anvil_setIntervalMining", json!([0])).await?;
    rpc.call("evm_mine", json!([])).await?;
    let accounts: Vec<Address> = dev_accounts().iter().take(2).map(|a| a.address).collect();
    let who = Address::repeat_byte(0xab);
    rpc.call("anvil_setCode", json!([who, "0x60426000526001601ff3"])).await?;
    rpc.call("anvil_setStorageAt", json!([who, "0x2", "0x07"])).await?;

    let before = observe(&node, &accounts, who).await?;
    assert_eq!(rpc.call("evm_snapshot", json!([])).await?, json!("0x0"));
    let filter = rpc.call("eth_newBlockFilter", json!([])).await?;

    // Change everything the snapshot saved: a transfer, state writes, the clock, more blocks.
    let transfer = TransactionRequest::default()
        .with_from(accounts[0])
        .with_to(accounts[1])
        .with_value(U256::from(10u64.pow(15)));
    let sent = *node.provider.send_transaction(transfer.clone()).await?.tx_hash();
    rpc.call("evm_mine", json!([])).await?;
    let deleted_receipt = wait_receipt(&node.provider, sent).await?;
    rpc.call("anvil_setStorageAt", json!([who, "0x2", "0x63"])).await?;
    rpc.call("anvil_setBalance", json!([who, "0x1000"])).await?;
    rpc.call("evm_increaseTime", json!([86_400])).await?;
    rpc.call("evm_mine", json!([])).await?;
    assert_eq!(rpc.call("anvil_snapshot", json!([])).await?, json!("0x1"));
    rpc.call("anvil_mine", json!(["0x3"])).await?;
    let changed = observe(&node, &accounts, who).await?;
    assert_ne!(changed.slot, before.slot);
    assert_eq!(changed.sender_nonce, before.sender_nonce + 1);
    let (_, future_time) = {
        let b = node.provider.get_block_by_number(BlockNumberOrTag::Latest).await?.unwrap();
        (b.header.number, b.header.timestamp)
    };
    let polled = rpc.call("eth_getFilterChanges", json!([filter])).await?;
    assert_eq!(polled.as_array().map(Vec::len), Some((changed.head - before.head) as usize));

    // The deleted blocks reach DA, and a follower derives them.
    poll_until("the blocks to reach DA", TIMEOUT, || async {
        Ok((sync_status(rpc).await?.safe >= changed.head).then_some(()))
    })
    .await?;
    let da: Arc<dyn DaBackend> =
        Arc::new(LocalDa::open(node.config.local_da_path(), node.config.da.local.max_blob_bytes)?);
    let follower = TestNode::start_follower(&node, da, |_| {}).await?;
    wait_derived(&follower, changed.head).await?;

    // The revert: everything as it was.
    assert_eq!(rpc.call("evm_revert", json!(["0x0"])).await?, json!(true));
    assert_eq!(observe(&node, &accounts, who).await?, before);
    let p = &node.provider;
    assert!(p.get_block_by_number((before.head + 1).into()).await?.is_none());
    assert!(p.get_transaction_receipt(sent).await?.is_none());
    assert!(p.get_transaction_by_hash(sent).await?.is_none());
    assert!(sync_status(rpc).await?.safe <= before.head, "the safe head moved back");
    // That snapshot and the later one are gone.
    assert_eq!(rpc.call("evm_revert", json!(["0x1"])).await?, json!(false));
    assert_eq!(rpc.call("anvil_revert", json!(["0x0"])).await?, json!(false));

    // The chain goes on from the snapshot: the same transfer is valid again (its nonce is
    // back) and lands at the number the deleted one had, stamped by the snapshot's clock (a
    // day earlier than the later deleted blocks'). (Sealed within the same second, the block
    // may even be the deleted one again, hash for hash: same parent, time and transaction.)
    let resent = *wallet_provider(&node.url).send_transaction(transfer).await?.tx_hash();
    rpc.call("evm_mine", json!([])).await?;
    let receipt = wait_receipt(p, resent).await?;
    assert!(receipt.status());
    assert_eq!(receipt.block_number, deleted_receipt.block_number);
    assert_eq!(p.get_transaction_count(accounts[0]).await?, before.sender_nonce + 1);
    let next = p.get_block_by_number((before.head + 1).into()).await?.unwrap();
    assert_eq!(Some(next.header.hash), receipt.block_hash);
    assert!(
        next.header.timestamp + 80_000 < future_time,
        "{} vs {future_time}",
        next.header.timestamp
    );
    // A polling filter reports the new block at a number it had already reported.
    let polled = rpc.call("eth_getFilterChanges", json!([filter])).await?;
    assert_eq!(polled, json!([next.header.hash]));
    // Ids go on.
    assert_eq!(rpc.call("evm_snapshot", json!([])).await?, json!("0x2"));

    // The batcher posts the new chain in place of the deleted blocks: once the new chain is
    // past where the old one ended and on DA, DA's last word on every number is the chain's.
    rpc.call("anvil_mine", json!([format!("{:#x}", changed.head - before.head + 2)])).await?;
    let head = p.get_block_number().await?;
    assert!(head > changed.head);
    poll_until("the new chain to reach DA", TIMEOUT, || async {
        Ok((sync_status(rpc).await?.safe >= head).then_some(()))
    })
    .await?;
    let posted = posted_blocks(&node).await?;
    for number in 1..=head {
        assert_eq!(posted.get(&number), Some(&hash_of(&node, number).await?), "block {number}");
    }
    // The follower had derived deleted blocks: it stops at the first one replaced, and says so.
    let divergence = poll_until("the follower to report the divergence", TIMEOUT, || async {
        let status = sync_status(&follower.rpc).await?;
        Ok((!status.divergence.is_null()).then_some(status.divergence))
    })
    .await?;
    assert!(divergence.to_string().contains("already has block"), "{divergence}");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_snapshot_beyond_the_kept_history_is_refused_and_the_chain_is_untouched()
-> eyre::Result<()> {
    let node = TestNode::start_devnet_with(|config| {
        config.history.keep_blocks = node_config::KeepBlocks::Recent(2);
    })
    .await?;
    let rpc = &node.rpc;
    rpc.call("anvil_setIntervalMining", json!([0])).await?;
    rpc.call("evm_mine", json!([])).await?;
    let id = rpc.call("evm_snapshot", json!([])).await?;
    rpc.call("anvil_mine", json!(["0x14"])).await?;
    let head = node.provider.get_block_number().await?;
    let head_hash = hash_of(&node, head).await?;
    let err = rpc.expect_error("evm_revert", json!([id])).await?;
    assert_eq!(err.code, -32000, "{err:?}");
    assert!(err.message.contains("kept history"), "{err:?}");
    assert_eq!(node.provider.get_block_number().await?, head);
    assert_eq!(hash_of(&node, head).await?, head_hash);
    // The chain still seals on top of its head.
    rpc.call("evm_mine", json!([])).await?;
    let next = node.provider.get_block_by_number((head + 1).into()).await?.unwrap();
    assert_eq!(next.header.parent_hash, head_hash);
    Ok(())
}
