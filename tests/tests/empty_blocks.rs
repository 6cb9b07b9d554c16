//! A block every block time, empty or not (`chain.empty_blocks`, on by default): an idle
//! chain advances, its empty blocks go to DA like any other, and a follower derives them with
//! identical hashes and state roots; with `chain.empty_blocks = false` an idle chain stays
//! where it is.

use std::time::Duration;

use alloy::{network::TransactionBuilder, providers::Provider, rpc::types::TransactionRequest};
use e2e::{
    BLOCK_TIME_MS, TIMEOUT, TestNode, assert_same_chain, dev_accounts, poll_until, wait_receipt,
};

/// Waits until the chain's head is at least `number`; returns it.
async fn wait_head(node: &TestNode, number: u64) -> eyre::Result<u64> {
    poll_until(&format!("the head to reach {number}"), TIMEOUT, || async {
        let head = node.provider.get_block_number().await?;
        Ok((head >= number).then_some(head))
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_chain_advances_and_a_follower_derives_its_empty_blocks() -> eyre::Result<()> {
    let sequencer = TestNode::start().await?;
    // Nothing sent: the chain grows by itself, with non-decreasing timestamps.
    let idle = wait_head(&sequencer, 4).await?;
    let mut previous = 0;
    for number in 1..=idle {
        let block = sequencer
            .provider
            .get_block_by_number(number.into())
            .await?
            .ok_or_else(|| eyre::eyre!("no block {number}"))?;
        assert!(block.transactions.is_empty(), "block {number} is not empty");
        assert_eq!(block.header.gas_used, 0);
        assert!(block.header.timestamp >= previous);
        previous = block.header.timestamp;
    }
    // A transaction lands between empty blocks.
    let accounts = dev_accounts();
    let tx = TransactionRequest::default()
        .with_from(accounts[1].address)
        .with_to(accounts[2].address)
        .with_value(alloy::primitives::U256::from(7));
    let receipt = wait_receipt(
        &sequencer.provider,
        *sequencer.provider.send_transaction(tx).await?.tx_hash(),
    )
    .await?;
    let included = receipt.block_number.unwrap_or_default();
    let head = wait_head(&sequencer, included + 3).await?;
    // Every block up to `head` is posted to DA (the empty ones too) and derived.
    let follower = sequencer.local_da_follower(head).await?;
    assert_same_chain(&sequencer, &follower, head).await?;
    assert_eq!(
        follower.provider.get_balance(accounts[2].address).await?,
        sequencer.provider.get_balance(accounts[2].address).await?
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_empty_blocks_an_idle_chain_does_not_grow() -> eyre::Result<()> {
    let node = TestNode::start_with(|c| c.chain.empty_blocks = false).await?;
    // Twenty block times with nothing to include: no block. (An absence needs a window.)
    tokio::time::sleep(Duration::from_millis(20 * BLOCK_TIME_MS)).await;
    assert_eq!(node.provider.get_block_number().await?, 0);
    // A transaction still gets its block.
    let accounts = dev_accounts();
    let tx = TransactionRequest::default()
        .with_from(accounts[1].address)
        .with_to(accounts[2].address)
        .with_value(alloy::primitives::U256::from(7));
    let hash = *node.provider.send_transaction(tx).await?.tx_hash();
    let receipt = wait_receipt(&node.provider, hash).await?;
    assert_eq!(receipt.block_number, Some(1));
    Ok(())
}
