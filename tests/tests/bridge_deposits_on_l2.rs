//! Deposits on the L2, against Manifold's dev L1: a sequencer restarted between two deposits
//! mints each exactly once; a follower reads the portal's deposits itself and checks every
//! block before executing it.
//!
//! - A sequencer that withholds a due deposit (here: one that does not read the L1 at all)
//!   produces a chain the follower rejects at exactly the first block whose timestamp is past
//!   the deposit's L1 timestamp plus the sequencing window. The follower reports why in
//!   `manifold_syncStatus` (the text it logs).
//! - A follower whose L1 confirms deposits later than the sequencer's waits at the block that
//!   mints one, then derives the rest of the chain, block for block, once its L1 has it —
//!   also when the batch holding that block was posted in several frames, at several DA
//!   heights, which it must then read again from the first.
//! - `DepositCheck` on its own: the L1's deposit passes; a forged one (another value) is
//!   invalid; one the L1 has not confirmed is waited for; one out of order is invalid; an
//!   empty block before the window passes, after it fails.

use alloy::{
    primitives::{Address, B256, Bytes, U256, keccak256},
    providers::Provider,
};
use bridge::{
    contracts::Portal,
    l1::{BridgeAddresses, BridgeParams, deploy_bridge},
    l2::add_predeploys,
};
use devnet::l1::{self, L1Options};
use e2e::{ETHER, TIMEOUT, TestNode, dev_accounts, poll_until, sync_status, wallet_provider};
use execution::{
    AccountId, AccountState, ExecutionError, StateView, Transaction,
    deposit::{DepositRecipient, DepositTx},
    state::AccountData,
};
use node_config::{BridgeConfig, NodeConfig};
use sequencer::deposits::{DepositCheck, DepositVerdict};

const WINDOW_SECS: u64 = 2;
const ERIN: Address = Address::repeat_byte(0xe1);

/// The bridge section of a node reading `addresses`' deposits from the L1 at `url`.
fn bridge_config(url: &str, addresses: &BridgeAddresses) -> BridgeConfig {
    e2e::bridge_config(url, addresses, WINDOW_SECS)
}

async fn deploy(provider: &alloy::providers::DynProvider) -> eyre::Result<BridgeAddresses> {
    let accounts = dev_accounts();
    let params = BridgeParams {
        proposer: accounts[1].address,
        guardian: accounts[2].address,
        challenge_period_secs: 60,
    };
    Ok(deploy_bridge(provider, params).await?)
}

/// A sequencer that reads `addresses`' deposits from the L1 at `l1_url`, with a sequencing
/// window of an hour and no output root posted during a test (each would mine an L1 block).
async fn bridged_sequencer(l1_url: &str, addresses: &BridgeAddresses) -> eyre::Result<TestNode> {
    bridged_sequencer_with(l1_url, addresses, |_| {}).await
}

/// [`bridged_sequencer`], with `edit` applied to its config last.
async fn bridged_sequencer_with(
    l1_url: &str,
    addresses: &BridgeAddresses,
    edit: impl FnOnce(&mut NodeConfig),
) -> eyre::Result<TestNode> {
    let proposer_key = dev_accounts()[1].private_key.to_string();
    TestNode::start_devnet_with(|config| {
        add_predeploys(&mut config.genesis);
        config.bridge = BridgeConfig {
            sequencing_window_secs: 3_600,
            proposer_key: Some(node_config::Secret::new(proposer_key)),
            output_interval_blocks: 1_000_000,
            ..bridge_config(l1_url, addresses)
        };
        edit(config);
    })
    .await
}

/// Deposits 1 ETH for `to`; the L1 block's number and timestamp.
async fn deposit(
    provider: &alloy::providers::DynProvider,
    portal: Address,
    to: Address,
) -> eyre::Result<(u64, u64)> {
    deposit_with_data(provider, portal, to, Bytes::new()).await
}

/// [`deposit`], with `data` as the deposit's calldata and the gas it needs on L2 (the
/// EIP-7623 floor: 40 gas a nonzero byte).
async fn deposit_with_data(
    provider: &alloy::providers::DynProvider,
    portal: Address,
    to: Address,
    data: Bytes,
) -> eyre::Result<(u64, u64)> {
    let gas = 21_000 + 40 * data.len() as u64;
    let receipt = Portal::new(portal, provider.clone())
        .depositTransaction(to, gas, data)
        .value(U256::from(ETHER))
        .send()
        .await?
        .get_receipt()
        .await?;
    eyre::ensure!(receipt.status(), "the deposit reverted");
    let number = receipt.block_number.unwrap_or_default();
    let block = provider.get_block_by_number(number.into()).await?.expect("the deposit's block");
    Ok((number, block.header.timestamp))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restarted_sequencer_mints_each_deposit_exactly_once() -> eyre::Result<()> {
    let l1_node =
        l1::start(L1Options { listen: "127.0.0.1:0".parse()?, ..Default::default() }).await?;
    let l1_url = l1_node.rpc_url();
    let l1 = wallet_provider(&l1_url.parse()?);
    let addresses = deploy(&l1).await?;
    let mut sequencer = bridged_sequencer(&l1_url, &addresses).await?;
    let counter = execution::deposit::DEPOSIT_COUNTER;
    let minted = |sequencer: &TestNode, wei: u128| {
        let l2 = sequencer.provider.clone();
        poll_until("the deposits minted", TIMEOUT, move || {
            let l2 = l2.clone();
            async move { Ok((l2.get_balance(ERIN).await? == U256::from(wei)).then_some(())) }
        })
    };
    deposit(&l1, addresses.portal, ERIN).await?;
    minted(&sequencer, ETHER).await?;
    assert_eq!(sequencer.provider.get_transaction_count(counter).await?, 1);

    // Down while the second deposit is made; up again, it reads from its own state on.
    sequencer.shutdown().await;
    deposit(&l1, addresses.portal, ERIN).await?;
    sequencer.restart().await?;
    minted(&sequencer, 2 * ETHER).await?;
    let l2 = &sequencer.provider;
    let head = l2.get_block_number().await?;
    poll_until("more L2 blocks", TIMEOUT, || async {
        Ok((l2.get_block_number().await? >= head + 4).then_some(()))
    })
    .await?;
    assert_eq!(l2.get_balance(ERIN).await?, U256::from(2 * ETHER), "minted once each");
    assert_eq!(l2.get_transaction_count(counter).await?, 2);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_follower_rejects_the_first_block_past_the_window_of_a_withheld_deposit()
-> eyre::Result<()> {
    let l1_node =
        l1::start(L1Options { listen: "127.0.0.1:0".parse()?, ..Default::default() }).await?;
    let l1_url = l1_node.rpc_url();
    let l1 = wallet_provider(&l1_url.parse()?);
    let addresses = deploy(&l1).await?;
    // The sequencer does not read the L1: every deposit is withheld.
    let sequencer =
        TestNode::start_devnet_with(|config| add_predeploys(&mut config.genesis)).await?;
    let (_, deposited_at) = deposit(&l1, addresses.portal, ERIN).await?;
    let due = deposited_at + WINDOW_SECS;

    let da: std::sync::Arc<dyn da::DaBackend> = std::sync::Arc::new(da::LocalDa::open(
        sequencer.config.local_da_path(),
        sequencer.config.da.local.max_blob_bytes,
    )?);
    let follower = TestNode::start_follower(&sequencer, da.clone(), |config| {
        config.bridge = bridge_config(&l1_url, &addresses);
    })
    .await?;
    let divergence = poll_until("the follower to reject the chain", TIMEOUT, || async {
        let status = sync_status(&follower.rpc).await?;
        Ok((!status.divergence.is_null()).then_some(status.divergence))
    })
    .await?;
    let reason = divergence["reason"].as_str().unwrap_or_default().to_string();
    assert!(reason.contains("forced inclusion"), "{divergence}");
    assert!(reason.contains("leaves out deposit 0"), "{divergence}");
    assert!(reason.contains("the sequencer withheld it"), "{divergence}");
    // Exactly the first block past the window: its parent was accepted.
    let rejected = divergence["number"].as_u64().expect("a block number");
    let l2 = &sequencer.provider;
    let timestamp = |n: u64| async move {
        let block = l2.get_block_by_number(n.into()).await?.expect("an L2 block");
        eyre::Ok(block.header.timestamp)
    };
    assert!(timestamp(rejected).await? >= due, "{divergence}");
    assert!(timestamp(rejected - 1).await? < due, "{divergence}");
    assert_eq!(sync_status(&follower.rpc).await?.unsafe_head, rejected - 1);
    assert!(reason.contains(&format!("due by timestamp {due}")), "{divergence}");
    Ok(())
}

/// How many frames the batch on `da` that holds block `number` was posted in.
async fn frames_of_batch_holding(da: &dyn da::DaBackend, number: u64) -> eyre::Result<u16> {
    let mut assembler = da::BatchAssembler::new();
    for height in 0..=da.head_height().await? {
        for blob in da.blobs_at(height).await? {
            let count = da::decode_frame(&blob)?.count;
            if let Some(batch) = assembler.push_blob(&blob)?
                && batch.blocks.iter().any(|block| block.number == number)
            {
                return Ok(count);
            }
        }
    }
    eyre::bail!("no batch on DA holds block {number}")
}

/// The value of the counter `name` in a Prometheus text exposition (0 when absent).
fn counter(text: &str, name: &str) -> f64 {
    text.lines()
        .filter_map(|line| line.strip_prefix(name)?.strip_prefix(' ')?.trim().parse().ok())
        .next()
        .unwrap_or(0.0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_follower_waits_for_its_l1_to_confirm_a_deposit_then_derives_the_rest() -> eyre::Result<()>
{
    follower_waits_for_a_deposit_then_derives(Frames::One).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_follower_waiting_inside_a_batch_of_several_frames_reads_it_again_whole()
-> eyre::Result<()> {
    follower_waits_for_a_deposit_then_derives(Frames::Several).await
}

/// How the sequencer's batches are posted in [`follower_waits_for_a_deposit_then_derives`].
#[derive(Clone, Copy, PartialEq)]
enum Frames {
    /// As the devnet posts them: a batch of a few blocks fits one frame.
    One,
    /// Frames of 1 KiB, each at a DA height of its own, and 3 KB of calldata in the
    /// deposit: the batch that mints it spans several heights.
    Several,
}

/// A follower whose L1 confirms a deposit later than the sequencer's waits at the block that
/// mints it, then derives the rest of the chain, block for block.
async fn follower_waits_for_a_deposit_then_derives(frames: Frames) -> eyre::Result<()> {
    // The L1 mines a block per transaction and no other: nothing deepens the deposit but
    // the two transfers sent below.
    let l1_node =
        l1::start(L1Options { listen: "127.0.0.1:0".parse()?, ..Default::default() }).await?;
    let l1_url = l1_node.rpc_url();
    let l1 = wallet_provider(&l1_url.parse()?);
    let addresses = deploy(&l1).await?;
    let sequencer = bridged_sequencer_with(&l1_url, &addresses, |config| {
        if frames == Frames::Several {
            config.da.local.max_blob_bytes = 1024;
        }
    })
    .await?;
    let data = match frames {
        Frames::One => Bytes::new(),
        // Incompressible bytes, three times a frame: the minting block's batch needs several.
        Frames::Several => (0..94u64).flat_map(|i| keccak256(i.to_be_bytes()).0).collect(),
    };
    deposit_with_data(&l1, addresses.portal, ERIN, data).await?;
    let l2 = sequencer.provider.clone();
    poll_until("the deposit minted", TIMEOUT, || async {
        Ok((l2.get_balance(ERIN).await? == U256::from(ETHER)).then_some(()))
    })
    .await?;
    let minted_by = l2.get_block_number().await?;

    // The follower takes a deposit only three L1 blocks deep; the sequencer took it at one.
    let da: std::sync::Arc<dyn da::DaBackend> = std::sync::Arc::new(da::LocalDa::open(
        sequencer.config.local_da_path(),
        sequencer.config.da.local.max_blob_bytes,
    )?);
    let follower = TestNode::start_follower(&sequencer, da.clone(), |config| {
        config.bridge = BridgeConfig {
            sequencing_window_secs: 3_600,
            deposit_confirmations: 3,
            ..bridge_config(&l1_url, &addresses)
        };
    })
    .await?;
    let metrics_url = follower.url.join("/metrics")?;
    // Waiting means reading the same DA height again after each retry: the batch holding
    // the minting block must be found there again, not taken for one already derived.
    poll_until("the follower to wait for its L1, twice", TIMEOUT, || async {
        let status = sync_status(&follower.rpc).await?;
        eyre::ensure!(status.divergence.is_null(), "diverged: {}", status.divergence);
        let text = reqwest::get(metrics_url.clone()).await?.text().await?;
        Ok((counter(&text, "manifold_follower_l1_waits_total") >= 2.0).then_some(()))
    })
    .await?;
    let waiting = sync_status(&follower.rpc).await?;
    assert!(waiting.divergence.is_null(), "{:?}", waiting.divergence);
    assert!(waiting.unsafe_head < minted_by, "stopped before the minting block: {waiting:?}");
    // The follower waits at the minting block: the one after its head.
    let minting_frames = frames_of_batch_holding(&*da, waiting.unsafe_head + 1).await?;
    match frames {
        Frames::One => assert_eq!(minting_frames, 1, "the minting block's batch"),
        Frames::Several => assert!(minting_frames >= 2, "the minting block's batch: one frame"),
    }

    // Two more L1 blocks: the deposit is three deep, and the follower goes on to the head.
    for _ in 0..2 {
        let request =
            alloy::rpc::types::TransactionRequest::default().to(ERIN).value(U256::from(1));
        l1.send_transaction(request).await?.get_receipt().await?;
    }
    let head = l2.get_block_number().await?;
    poll_until("the follower to derive past the deposit", TIMEOUT, || async {
        let status = sync_status(&follower.rpc).await?;
        eyre::ensure!(status.divergence.is_null(), "diverged: {}", status.divergence);
        Ok((status.unsafe_head >= head).then_some(()))
    })
    .await?;
    for number in 0..=head {
        let hash = |node: &TestNode| {
            let provider = node.provider.clone();
            async move {
                let block = provider.get_block_by_number(number.into()).await?;
                eyre::Ok(block.map(|b| b.header.hash))
            }
        };
        assert_eq!(hash(&follower).await?, hash(&sequencer).await?, "block {number}");
    }
    assert_eq!(follower.provider.get_balance(ERIN).await?, U256::from(ETHER));
    Ok(())
}

/// A chain state with `applied` deposits applied (the counter's nonce) and nothing else.
struct Applied(u64);

impl StateView for Applied {
    fn account(&self, id: AccountId) -> Result<Option<AccountState>, ExecutionError> {
        let counter = AccountId::from(execution::deposit::DEPOSIT_COUNTER);
        Ok((id == counter && self.0 > 0)
            .then(|| AccountState { nonce: self.0, ..AccountState::default() }))
    }
    fn account_data(&self, _id: AccountId) -> Result<Option<AccountData>, ExecutionError> {
        Ok(None)
    }
    fn storage(&self, _address: Address, _slot: U256) -> Result<U256, ExecutionError> {
        Ok(U256::ZERO)
    }
    fn code(&self, _hash: B256) -> Result<Option<Bytes>, ExecutionError> {
        Ok(None)
    }
    fn block_hash(&self, _number: u64) -> Result<Option<B256>, ExecutionError> {
        Ok(None)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_check_takes_the_l1s_deposits_and_nothing_else() -> eyre::Result<()> {
    let l1_node =
        l1::start(L1Options { listen: "127.0.0.1:0".parse()?, ..Default::default() }).await?;
    let l1_url = l1_node.rpc_url();
    let l1 = wallet_provider(&l1_url.parse()?);
    let addresses = deploy(&l1).await?;
    let dave = Address::repeat_byte(0xda);
    let (block, at) = deposit(&l1, addresses.portal, dave).await?;
    let hash = l1.get_block_by_number(block.into()).await?.expect("block").header.hash;
    let config = NodeConfig { bridge: bridge_config(&l1_url, &addresses), ..NodeConfig::default() };
    let mut check = DepositCheck::new(&config, &Applied(0))?.expect("the bridge is on");

    let ours = |nonce: u64, value: u128| {
        Transaction::Deposit(DepositTx::new(
            nonce,
            dev_accounts()[0].address,
            DepositRecipient::Evm(dave),
            U256::from(value),
            21_000,
            Bytes::new(),
            block,
            hash,
            0,
        ))
    };
    let verdict = |v: DepositVerdict| format!("{v:?}");
    // An empty block inside the window is fine; past it, the deposit is overdue.
    assert_eq!(check.check(1, at, &[], 0).await?, DepositVerdict::Valid);
    let late = check.check(1, at + WINDOW_SECS, &[], 0).await?;
    assert!(verdict(late).contains("forced inclusion"));
    // The L1's deposit passes; the same with another value does not.
    assert_eq!(check.check(1, at + 100, &[ours(0, ETHER)], 0).await?, DepositVerdict::Valid);
    let forged = check.check(1, at, &[ours(0, 2 * ETHER)], 0).await?;
    assert!(verdict(forged).contains("is not the L1's"));
    // Out of order, and not on the L1 (yet).
    let skipped = check.check(1, at, &[ours(1, ETHER)], 0).await?;
    assert!(verdict(skipped).contains("out of order"));
    let unknown = check.check(2, at, &[ours(1, ETHER)], 1).await?;
    assert!(matches!(unknown, DepositVerdict::Wait(_)), "{unknown:?}");
    // Once applied, it is not due any more.
    check.sealed(1);
    assert_eq!(check.check(2, at + 100, &[], 1).await?, DepositVerdict::Valid);
    Ok(())
}
