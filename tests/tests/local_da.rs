//! What the sequencer posts to the local DA: once the safe head reaches the sealed head, the
//! DA file holds every sealed block exactly once, in order, with the hashes, headers and
//! transaction bytes the RPC served — also across a restart, and when batches are split over
//! many small frames.

use std::collections::HashMap;

use alloy::{
    consensus::{TxEip1559, TxEnvelope},
    eips::BlockNumberOrTag,
    primitives::{Address, B256, Bytes, TxKind, U256},
    providers::Provider,
};
use da::{BatchAssembler, BatchBlock, DaBackend, LocalDa};
use e2e::{
    CHAIN_ID, GWEI, TestNode, TokenArtifact, dev_accounts, poll_until, raw, sign, signed_transfer,
    signer, wait_receipt,
};
use serde_json::json;

/// What the RPC says about one block.
#[derive(Debug, PartialEq)]
struct RpcBlock {
    number: u64,
    hash: B256,
    parent_hash: B256,
    state_root: B256,
    timestamp: u64,
    gas_limit: u64,
    base_fee: u64,
    tx_hashes: Vec<B256>,
}

impl RpcBlock {
    fn matches(&self, da: &BatchBlock, raw_by_hash: &HashMap<B256, Bytes>) {
        let n = self.number;
        assert_eq!(da.number, n);
        assert_eq!(da.block_hash, self.hash, "block {n}: hash on DA differs from the RPC's");
        assert_eq!(da.parent_hash, self.parent_hash, "block {n}: parent hash");
        assert_eq!(da.state_root, self.state_root, "block {n}: state root");
        assert_eq!(da.timestamp, self.timestamp, "block {n}: timestamp");
        assert_eq!(da.gas_limit, self.gas_limit, "block {n}: gas limit");
        assert_eq!(da.base_fee_per_gas, self.base_fee, "block {n}: base fee");
        let da_hashes: Vec<B256> = da.transactions.iter().map(e2e::da_evm_hash).collect();
        assert_eq!(da_hashes, self.tx_hashes, "block {n}: transactions on DA");
        for (tx, hash) in da.transactions.iter().zip(&self.tx_hashes) {
            let raw = Bytes::copy_from_slice(&tx[1..]);
            assert_eq!(Some(&raw), raw_by_hash.get(hash), "block {n}: bytes of {hash}");
        }
    }
}

/// Blocks `1..=head` as the RPC serves them.
async fn rpc_blocks(node: &TestNode, head: u64) -> eyre::Result<Vec<RpcBlock>> {
    let mut blocks = Vec::new();
    for number in 1..=head {
        let block = node.provider.get_block_by_number(number.into()).await?.expect("sealed block");
        blocks.push(RpcBlock {
            number,
            hash: block.header.hash,
            parent_hash: block.header.parent_hash,
            state_root: block.header.state_root,
            timestamp: block.header.timestamp,
            gas_limit: block.header.gas_limit,
            base_fee: block.header.base_fee_per_gas.unwrap_or_default(),
            tx_hashes: block.transactions.hashes().collect(),
        });
    }
    Ok(blocks)
}

/// Waits until `manifold_syncStatus` reports a safe head of at least `head` (empty blocks
/// go on being sealed and posted), and checks the `safe` block tag agrees.
async fn wait_safe(node: &TestNode, head: u64) -> eyre::Result<()> {
    let safe = poll_until(&format!("safe head to reach {head}"), e2e::TIMEOUT, || async {
        let status = node.rpc.call("manifold_syncStatus", json!([])).await?;
        let number = |key: &str| {
            let value = status[key].as_str().unwrap_or_default().trim_start_matches("0x");
            u64::from_str_radix(value, 16).map_err(|e| eyre::eyre!("{key} in {status}: {e}"))
        };
        let safe = number("safe")?;
        assert!(safe <= number("unsafe")?, "safe above the sealed head: {status}");
        Ok((safe >= head).then_some(safe))
    })
    .await?;
    let tagged =
        node.provider.get_block_by_number(BlockNumberOrTag::Safe).await?.expect("safe block");
    assert!(tagged.header.number >= safe, "safe tag {} below {safe}", tagged.header.number);
    Ok(())
}

/// Checks that `numbers` are blocks 1, 2, … once each, in order, up to at least `head` (blocks
/// sealed after `head` was read, empty ones, may follow on DA).
fn assert_once_in_order(numbers: &[u64], head: u64, what: &str) {
    let last = numbers.last().copied().unwrap_or_default();
    assert!(last >= head, "{what}: DA stops at {last}, before {head}");
    assert_eq!(numbers, (1..=last).collect::<Vec<_>>(), "{what}");
}

/// Every block on the DA file at `node`'s local DA path, decoded in DA order.
async fn read_da(node: &TestNode) -> eyre::Result<Vec<BatchBlock>> {
    let da = LocalDa::open(node.config.local_da_path(), node.config.da.local.max_blob_bytes)?;
    let mut assembler = BatchAssembler::new();
    let mut blocks = Vec::new();
    let mut blobs = 0;
    for height in 1..=da.head_height().await? {
        for blob in da.blobs_at(height).await? {
            blobs += 1;
            if let Some(batch) = assembler.push_blob(&blob)? {
                blocks.extend(batch.blocks);
            }
        }
    }
    assert_eq!(assembler.pending_batches(), 0, "incomplete batch left on DA");
    println!("{blobs} blobs, {} blocks on DA", blocks.len());
    Ok(blocks)
}

/// Sends `rounds` rounds of transfers from three dev accounts (plus one token deployment),
/// waiting for each round so that the transactions spread over several blocks. Returns the
/// raw bytes of everything sent, by hash.
async fn fill_blocks(
    node: &TestNode,
    rounds: u64,
    first_nonce: u64,
    big_calldata: usize,
) -> eyre::Result<HashMap<B256, Bytes>> {
    let accounts = dev_accounts();
    let mut sent = HashMap::new();
    for round in 0..rounds {
        let mut hashes = Vec::new();
        for (i, account) in accounts[..3].iter().enumerate() {
            let nonce = first_nonce + round;
            let tx = if i == 2 && big_calldata > 0 {
                // Incompressible-ish calldata, to make batches span frames.
                let mut state = 0x9e37_79b9_7f4a_7c15_u64 ^ round;
                let input: Vec<u8> = (0..big_calldata)
                    .map(|_| {
                        state ^= state << 13;
                        state ^= state >> 7;
                        state ^= state << 17;
                        state as u8
                    })
                    .collect();
                sign(
                    &signer(account),
                    TxEip1559 {
                        chain_id: CHAIN_ID,
                        nonce,
                        gas_limit: 5_000_000,
                        max_fee_per_gas: 10 * GWEI,
                        max_priority_fee_per_gas: GWEI,
                        to: TxKind::Call(Address::repeat_byte(0xda)),
                        input: input.into(),
                        ..Default::default()
                    },
                )?
            } else {
                signed_transfer(
                    &signer(account),
                    nonce,
                    Address::repeat_byte(0xd0),
                    1 + round as u128,
                )?
            };
            hashes.push(send(node, &tx, &mut sent).await?);
        }
        for hash in hashes {
            assert!(wait_receipt(&node.provider, hash).await?.status());
        }
    }
    Ok(sent)
}

async fn send(
    node: &TestNode,
    tx: &TxEnvelope,
    sent: &mut HashMap<B256, Bytes>,
) -> eyre::Result<B256> {
    let bytes = raw(tx);
    let hash = *node.provider.send_raw_transaction(&bytes).await?.tx_hash();
    sent.insert(hash, bytes);
    Ok(hash)
}

#[tokio::test(flavor = "multi_thread")]
async fn every_sealed_block_is_on_local_da_once_in_order() -> eyre::Result<()> {
    let mut node = TestNode::start().await?;
    let mut sent = fill_blocks(&node, 4, 0, 0).await?;
    // A contract creation too.
    let artifact = TokenArtifact::load()?;
    let deploy = sign(
        &signer(&dev_accounts()[5]),
        TxEip1559 {
            chain_id: CHAIN_ID,
            nonce: 0,
            gas_limit: 3_000_000,
            max_fee_per_gas: 10 * GWEI,
            max_priority_fee_per_gas: GWEI,
            to: TxKind::Create,
            input: artifact.deploy_code("DA", "DA", U256::from(1)),
            ..Default::default()
        },
    )?;
    let hash = send(&node, &deploy, &mut sent).await?;
    assert!(wait_receipt(&node.provider, hash).await?.status());

    let head = node.provider.get_block_number().await?;
    assert!(head >= 5, "four rounds and a deployment make at least five blocks, head {head}");
    wait_safe(&node, head).await?;
    let expected = rpc_blocks(&node, head).await?;
    let included: usize = expected.iter().map(|b| b.tx_hashes.len()).sum();
    assert_eq!(included, sent.len(), "every sent transaction is in a block");
    node.shutdown().await;

    let on_da = read_da(&node).await?;
    let numbers: Vec<u64> = on_da.iter().map(|b| b.number).collect();
    assert_once_in_order(&numbers, head, "blocks once each, in order");
    for (rpc, da) in expected.iter().zip(&on_da) {
        rpc.matches(da, &sent);
    }

    // After a restart the batcher resumes after what it posted: nothing is posted twice.
    node.restart().await?;
    let more = fill_blocks(&node, 2, 4, 0).await?;
    sent.extend(more);
    let new_head = node.provider.get_block_number().await?;
    assert!(new_head > head);
    wait_safe(&node, new_head).await?;
    let expected = rpc_blocks(&node, new_head).await?;
    node.shutdown().await;
    let on_da = read_da(&node).await?;
    let numbers: Vec<u64> = on_da.iter().map(|b| b.number).collect();
    assert_once_in_order(&numbers, new_head, "no block re-posted after restart");
    for (rpc, da) in expected.iter().zip(&on_da) {
        rpc.matches(da, &sent);
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn batches_split_over_small_frames_reassemble() -> eyre::Result<()> {
    let mut node = TestNode::start_with(|config| config.da.local.max_blob_bytes = 1024).await?;
    let sent = fill_blocks(&node, 3, 0, 8 * 1024).await?;
    let head = node.provider.get_block_number().await?;
    wait_safe(&node, head).await?;
    let expected = rpc_blocks(&node, head).await?;
    node.shutdown().await;

    let da = LocalDa::open(node.config.local_da_path(), 1024)?;
    let blobs = {
        let mut n = 0;
        for height in 1..=da.head_height().await? {
            let at = da.blobs_at(height).await?;
            assert!(at.iter().all(|b| b.len() <= 1024), "blob over the 1024-byte limit");
            n += at.len();
        }
        n
    };
    drop(da);
    assert!(blobs >= 3 * 8, "8 KiB of calldata per block needs several frames: {blobs}");
    let on_da = read_da(&node).await?;
    let numbers: Vec<u64> = on_da.iter().map(|b| b.number).collect();
    assert_once_in_order(&numbers, head, "blocks once each, in order");
    for (rpc, da) in expected.iter().zip(&on_da) {
        rpc.matches(da, &sent);
    }
    Ok(())
}
