//! The bridge's deposit reader against real L1 nodes — Manifold's dev L1 (in-process) and
//! Hardhat 2's node (a third-party one): the contracts deployed through JSON-RPC, deposits read
//! once their block is confirmed, each exactly once and decoded field for field; a deposit in
//! a block that a reorg removes before confirmation is never delivered, the one replacing it
//! is; a reorg below what was already read is an error; a reader resumed inside a block skips
//! the deposits the L2 applied already; how far it has read (`read_until`) is the confirmed
//! head it read up to, with that block's timestamp.

use std::time::Duration;

use alloy::{
    primitives::{Address, B256, Bytes, U256},
    providers::{DynProvider, Provider},
};
use bridge::{
    BridgeError,
    contracts::Portal,
    l1::{
        BridgeAddresses, BridgeParams, Deposit, DepositCursor, DepositReader, DepositRecipient,
        ReadUntil, deploy_bridge,
    },
};
use devnet::l1::{self, L1Options};
use e2e::{ETHER, dev_accounts, hardhat::HardhatNode, plain_provider, wallet_provider};
use serde_json::json;

const CHALLENGE_PERIOD_SECS: u64 = 60;

async fn deploy(provider: &DynProvider) -> eyre::Result<BridgeAddresses> {
    let accounts = dev_accounts();
    let params = BridgeParams {
        proposer: accounts[1].address,
        guardian: accounts[2].address,
        challenge_period_secs: CHALLENGE_PERIOD_SECS,
    };
    Ok(deploy_bridge(provider, params).await?)
}

/// Deposits `wei` for EVM address `to` with `data`; returns the block it is in and its hash.
async fn deposit_evm(
    provider: &DynProvider,
    portal: Address,
    to: Address,
    wei: u128,
    data: Vec<u8>,
) -> eyre::Result<(u64, B256)> {
    let receipt = Portal::new(portal, provider.clone())
        .depositTransaction(to, 60_000, Bytes::from(data))
        .value(U256::from(wei))
        .send()
        .await?
        .get_receipt()
        .await?;
    eyre::ensure!(receipt.status(), "the deposit reverted");
    Ok((receipt.block_number.unwrap(), receipt.block_hash.unwrap()))
}

fn reader(
    url: &str,
    addresses: &BridgeAddresses,
    confirmations: u64,
) -> eyre::Result<DepositReader> {
    Ok(DepositReader::new(
        plain_provider(&url.parse()?),
        addresses.portal,
        confirmations,
        1_000,
        DepositCursor::start_at(addresses.deployed_at_block),
    ))
}

#[tokio::test(flavor = "multi_thread")]
async fn deposits_are_read_once_confirmed_exactly_once_on_the_dev_l1() -> eyre::Result<()> {
    // Instant mining: each transaction is a block of its own.
    let l1 = l1::start(L1Options { listen: "127.0.0.1:0".parse()?, ..Default::default() }).await?;
    let provider = wallet_provider(&l1.rpc_url().parse()?);
    let addresses = deploy(&provider).await?;
    let mut reader = reader(&l1.rpc_url(), &addresses, 2)?;
    let sender = dev_accounts()[0].address;
    let bob = Address::repeat_byte(0xb0);

    let read_until = |number: u64| {
        let provider = provider.clone();
        async move {
            let block = provider.get_block_by_number(number.into()).await?.expect("an L1 block");
            eyre::Ok(Some(ReadUntil { block: number, timestamp: block.header.timestamp }))
        }
    };
    assert_eq!(reader.read_until(), None, "nothing read yet");
    // The portal's block is not confirmed yet: what is, is before it, with no deposit.
    assert_eq!(provider.get_block_number().await?, addresses.deployed_at_block);
    assert_eq!(reader.poll().await?, Vec::<Deposit>::new());
    assert_eq!(reader.read_until(), read_until(addresses.deployed_at_block - 1).await?);

    let (block, hash) =
        deposit_evm(&provider, addresses.portal, bob, ETHER, vec![0xca, 0xfe]).await?;
    // One block on it, two needed.
    assert_eq!(reader.poll().await?, Vec::<Deposit>::new());
    assert_eq!(reader.read_until(), read_until(block - 1).await?, "up to the confirmed head");

    let pubkey = [0x5a; 32];
    let receipt = Portal::new(addresses.portal, provider.clone())
        .depositToSolana(B256::from(pubkey))
        .value(U256::from(3_000_000_000u64))
        .send()
        .await?
        .get_receipt()
        .await?;
    let deposits = reader.poll().await?;
    assert_eq!(
        deposits,
        vec![Deposit {
            nonce: 0,
            from: sender,
            to: DepositRecipient::Evm(bob),
            value: U256::from(ETHER),
            gas_limit: 60_000,
            data: Bytes::from(vec![0xca, 0xfe]),
            l1_block: block,
            l1_block_hash: hash,
            log_index: 0,
        }]
    );
    assert_eq!(reader.read_until(), read_until(block).await?);
    // Nothing again, until the Solana deposit's block is confirmed too.
    assert_eq!(reader.poll().await?, Vec::<Deposit>::new());
    assert_eq!(reader.read_until(), read_until(block).await?);
    deposit_evm(&provider, addresses.portal, bob, 1, vec![]).await?;
    let deposits = reader.poll().await?;
    assert_eq!(deposits.len(), 1);
    assert_eq!((deposits[0].nonce, deposits[0].to), (1, DepositRecipient::Svm(pubkey)));
    assert_eq!((deposits[0].value, deposits[0].gas_limit), (U256::from(3_000_000_000u64), 0));
    assert_eq!(deposits[0].l1_block, receipt.block_number.unwrap());
    assert_eq!(reader.cursor().next_nonce, 2);
    // A reader resumed for an L2 that applied deposit 0 (from `block`) reads that block again
    // and skips it: deposit 1 comes next, once.
    let mut resumed = DepositReader::new(
        plain_provider(&l1.rpc_url().parse()?),
        addresses.portal,
        2,
        1_000,
        DepositCursor::resume(1, block),
    );
    let again = resumed.poll().await?;
    assert_eq!(again.iter().map(|d| d.nonce).collect::<Vec<_>>(), [1]);
    assert_eq!(again[0], deposits[0]);
    assert_eq!(resumed.read_until(), read_until(block + 1).await?);
    l1.shutdown().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_deposit_reorged_out_before_confirmation_is_never_delivered_on_hardhat()
-> eyre::Result<()> {
    let hardhat = HardhatNode::start().await?;
    let provider = wallet_provider(&hardhat.url.parse()?);
    let addresses = deploy(&provider).await?;
    let mut reader = reader(&hardhat.url, &addresses, 3)?;
    let (bob, carol) = (Address::repeat_byte(0xb0), Address::repeat_byte(0xc0));
    let rpc = &hardhat.rpc;

    // Deposit A, one block on it: not confirmed. Then the L1 reorganises it away.
    let snapshot = rpc.call("evm_snapshot", json!([])).await?;
    deposit_evm(&provider, addresses.portal, bob, ETHER, vec![]).await?;
    rpc.call("evm_mine", json!([])).await?;
    assert_eq!(reader.poll().await?, Vec::<Deposit>::new());
    assert_eq!(rpc.call("evm_revert", json!([snapshot])).await?, json!(true));

    // The wallet's nonce filler remembers the reorged-out nonce: a fresh one reads it again.
    let provider = wallet_provider(&hardhat.url.parse()?);
    // Deposit B takes its place (and its nonce) and is confirmed.
    let (block, hash) = deposit_evm(&provider, addresses.portal, carol, 2 * ETHER, vec![]).await?;
    rpc.call("hardhat_mine", json!(["0x2"])).await?;
    let deposits = reader.poll().await?;
    assert_eq!(deposits.len(), 1, "{deposits:?}");
    assert_eq!(deposits[0].nonce, 0);
    assert_eq!(deposits[0].to, DepositRecipient::Evm(carol));
    assert_eq!(deposits[0].value, U256::from(2 * ETHER));
    assert_eq!((deposits[0].l1_block, deposits[0].l1_block_hash), (block, hash));
    rpc.call("hardhat_mine", json!(["0x5"])).await?;
    assert_eq!(reader.poll().await?, Vec::<Deposit>::new(), "delivered once");

    // A reorg of blocks already read is refused, not re-read.
    let snapshot = rpc.call("evm_snapshot", json!([])).await?;
    deposit_evm(&provider, addresses.portal, bob, 5, vec![]).await?;
    rpc.call("hardhat_mine", json!(["0x2"])).await?;
    assert_eq!(reader.poll().await?.len(), 1);
    assert_eq!(rpc.call("evm_revert", json!([snapshot])).await?, json!(true));
    let provider = wallet_provider(&hardhat.url.parse()?);
    deposit_evm(&provider, addresses.portal, bob, 6, vec![]).await?;
    rpc.call("hardhat_mine", json!(["0x3"])).await?;
    let error = reader.poll().await.expect_err("a reorg below the confirmed head");
    assert!(matches!(error, BridgeError::ReorgBeyondConfirmations { .. }), "{error}");
    assert!(error.to_string().contains("deeper than the configured confirmations"), "{error}");
    tokio::time::timeout(Duration::from_secs(5), async { drop(hardhat) }).await?;
    Ok(())
}
