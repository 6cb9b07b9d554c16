//! A bridged sequencer holds itself to the sequencing window: it seals no block whose
//! timestamp could leave out, past its window, a deposit it has not read — it stalls instead
//! while its deposit feed cannot read the L1, and goes on by itself once it can.
//!
//! The sequencer reaches its L1 through a proxy the test cuts (every connection closed, open
//! ones included); the follower and the test reach the L1 directly. Time moves by the dev
//! methods (`evm_increaseTime` on the L1 and on the L2), not by waiting.
//!
//! - Cut off while a deposit is made and an hour passes on both chains, the sequencer seals
//!   nothing past its bound (head still, `manifold_sequencer_l1_stalled` 1, `/health`
//!   `stalled`, `evm_mine` refused with the reason); with the L1 back it mints the deposit in
//!   its next block, and a follower reading the L1 itself derives the whole chain.
//! - Started while its L1 is unreachable, it seals nothing until its feed has read the L1.

use std::{net::SocketAddr, time::Duration};

use alloy::{
    primitives::{Address, Bytes, U256},
    providers::{DynProvider, Provider},
};
use bridge::{
    contracts::Portal,
    l1::{BridgeAddresses, BridgeParams, deploy_bridge},
    l2::add_predeploys,
};
use devnet::l1::{self, L1Node, L1Options};
use e2e::{
    BLOCK_TIME_MS, ETHER, TIMEOUT, TestNode, dev_accounts, poll_until, sync_status, wait_derived,
    wallet_provider,
};
use node_config::BridgeConfig;
use serde_json::{Value, json};
use tokio::{
    net::{TcpListener, TcpStream},
    sync::watch,
    task::JoinHandle,
};

/// The sequencing window: an hour, as by default (the sequencer stops 300 s before it).
const WINDOW_SECS: u64 = 3_600;
const ERIN: Address = Address::repeat_byte(0xe1);

/// A TCP proxy in front of the L1 that the test can cut: while cut, it closes every
/// connection, those already open included, so each L1 call of the sequencer fails.
struct L1Proxy {
    url: String,
    up: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl L1Proxy {
    /// A proxy to `target`, up when `up`.
    async fn start(target: SocketAddr, up: bool) -> eyre::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let url = format!("http://{}", listener.local_addr()?);
        let (up, up_rx) = watch::channel(up);
        let task = tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                let mut up = up_rx.clone();
                if !*up.borrow_and_update() {
                    continue; // dropped: closed at once
                }
                tokio::spawn(async move {
                    let Ok(mut outbound) = TcpStream::connect(target).await else { return };
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound) => {}
                        _ = up.wait_for(|up| !*up) => {}
                    }
                });
            }
        });
        Ok(Self { url, up, task })
    }

    /// Cuts the sequencer off its L1.
    fn cut(&self) {
        self.up.send_replace(false);
    }

    /// Lets it through again.
    fn restore(&self) {
        self.up.send_replace(true);
    }
}

impl Drop for L1Proxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A dev L1 (a block per transaction) with the bridge deployed; a provider on it.
async fn l1_with_bridge() -> eyre::Result<(L1Node, DynProvider, BridgeAddresses)> {
    let node =
        l1::start(L1Options { listen: "127.0.0.1:0".parse()?, ..Default::default() }).await?;
    let provider = wallet_provider(&node.rpc_url().parse()?);
    let accounts = dev_accounts();
    let params = BridgeParams {
        proposer: accounts[1].address,
        guardian: accounts[2].address,
        challenge_period_secs: 60,
    };
    let addresses = deploy_bridge(&provider, params).await?;
    Ok((node, provider, addresses))
}

/// The bridge section of a node reading `addresses`' deposits from the L1 at `l1_url`, one
/// confirmation deep, retrying failed L1 calls quickly.
fn bridge_config(l1_url: &str, addresses: &BridgeAddresses) -> BridgeConfig {
    BridgeConfig {
        retry_initial_ms: 20,
        retry_max_ms: 200,
        ..e2e::bridge_config(l1_url, addresses, WINDOW_SECS)
    }
}

/// A devnet sequencer reading its L1 through `proxy`; it posts no output root during a test.
async fn sequencer_behind(proxy: &L1Proxy, addresses: &BridgeAddresses) -> eyre::Result<TestNode> {
    let proposer_key = dev_accounts()[1].private_key.to_string();
    TestNode::start_devnet_with(|config| {
        add_predeploys(&mut config.genesis);
        config.bridge = BridgeConfig {
            proposer_key: Some(node_config::Secret::new(proposer_key)),
            output_interval_blocks: 1_000_000,
            ..bridge_config(&proxy.url, addresses)
        };
    })
    .await
}

/// The value of the metric `name` at `node`'s `/metrics` (0 when absent).
async fn metric(node: &TestNode, name: &str) -> eyre::Result<f64> {
    let text = reqwest::get(node.url.join("/metrics")?).await?.text().await?;
    Ok(text
        .lines()
        .filter_map(|line| line.strip_prefix(name)?.strip_prefix(' ')?.trim().parse().ok())
        .next()
        .unwrap_or(0.0))
}

/// `node`'s `/health` answer.
async fn health(node: &TestNode) -> eyre::Result<Value> {
    Ok(reqwest::get(node.url.join("/health")?).await?.json().await?)
}

/// Waits until `node`'s stall gauge reads `value`.
async fn stalled_is(node: &TestNode, value: f64) -> eyre::Result<()> {
    poll_until(&format!("manifold_sequencer_l1_stalled {value}"), TIMEOUT, || async {
        Ok((metric(node, "manifold_sequencer_l1_stalled").await? == value).then_some(()))
    })
    .await
}

/// Asserts that `node` seals no block for 20 block times: its head stays `head`.
async fn assert_head_stays(node: &TestNode, head: u64) -> eyre::Result<()> {
    for _ in 0..20 {
        tokio::time::sleep(Duration::from_millis(BLOCK_TIME_MS)).await;
        assert_eq!(node.provider.get_block_number().await?, head, "a block was sealed");
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sequencer_cut_off_its_l1_stalls_before_the_window_then_mints_what_it_missed()
-> eyre::Result<()> {
    let (l1_node, l1, addresses) = l1_with_bridge().await?;
    let l1_addr: SocketAddr = l1_node.rpc_url().trim_start_matches("http://").parse()?;
    let proxy = L1Proxy::start(l1_addr, true).await?;
    let sequencer = sequencer_behind(&proxy, &addresses).await?;
    let l2 = sequencer.provider.clone();
    poll_until("the sequencer to read the L1 and seal blocks", TIMEOUT, || async {
        let read = metric(&sequencer, "manifold_sequencer_l1_read_timestamp").await?;
        Ok((read > 0.0 && l2.get_block_number().await? >= 3).then_some(()))
    })
    .await?;
    assert_eq!(health(&sequencer).await?["status"], "ok");

    // Cut off: a deposit is made, and an hour passes on the L1 and on the L2.
    proxy.cut();
    let receipt = Portal::new(addresses.portal, l1.clone())
        .depositTransaction(ERIN, 21_000, Bytes::new())
        .value(U256::from(ETHER))
        .send()
        .await?
        .get_receipt()
        .await?;
    assert!(receipt.status(), "the deposit reverted");
    let deposit_block = receipt.block_number.expect("a mined deposit");
    let deposited_at =
        l1.get_block_by_number(deposit_block.into()).await?.expect("its block").header.timestamp;
    let due = deposited_at + WINDOW_SECS;
    let l1_rpc = e2e::RawRpc::new(l1_node.rpc_url().parse()?);
    l1_rpc.call("evm_increaseTime", json!([WINDOW_SECS])).await?;
    l1_rpc.call("evm_mine", json!([])).await?;
    sequencer.rpc.call("evm_increaseTime", json!([WINDOW_SECS])).await?;

    // The sequencer stalls instead of sealing blocks that leave the deposit out past its due.
    stalled_is(&sequencer, 1.0).await?;
    let head = l2.get_block_number().await?;
    let head_block = l2.get_block_by_number(head.into()).await?.expect("the head");
    assert!(head_block.header.timestamp < due, "block {head} is past the deposit's window");
    assert_head_stays(&sequencer, head).await?;
    assert_eq!(l2.get_balance(ERIN).await?, U256::ZERO);
    let status = health(&sequencer).await?;
    assert_eq!(status["status"], "stalled", "{status}");
    assert_eq!(status["head"], head, "{status}");
    let refused = sequencer.rpc.expect_error("evm_mine", json!([])).await?;
    assert!(refused.message.contains("no block was sealed"), "{refused:?}");
    assert!(refused.message.contains("the deposit feed has read the L1 only up to"), "{refused:?}");
    assert_eq!(l2.get_block_number().await?, head);

    // The L1 is back: the sequencer reads the deposit and the hour, mints it and goes on.
    proxy.restore();
    poll_until("the deposit minted", TIMEOUT, || async {
        Ok((l2.get_balance(ERIN).await? == U256::from(ETHER)).then_some(()))
    })
    .await?;
    stalled_is(&sequencer, 0.0).await?;
    assert_eq!(health(&sequencer).await?["status"], "ok");
    // In the first block after the stall, which is past the deposit's due.
    let minting = l2.get_block_by_number((head + 1).into()).await?.expect("the next block");
    assert!(minting.header.timestamp >= due, "{} < {due}", minting.header.timestamp);
    assert_eq!(l2.get_transaction_count(execution::deposit::DEPOSIT_COUNTER).await?, 1);
    let after = l2.get_block_number().await?;
    poll_until("more L2 blocks", TIMEOUT, || async {
        Ok((l2.get_block_number().await? >= after + 3).then_some(()))
    })
    .await?;

    // A follower reading the L1 itself accepts every block, the stall's edges included.
    let da: std::sync::Arc<dyn da::DaBackend> = std::sync::Arc::new(da::LocalDa::open(
        sequencer.config.local_da_path(),
        sequencer.config.da.local.max_blob_bytes,
    )?);
    let follower = TestNode::start_follower(&sequencer, da, |config| {
        config.bridge = bridge_config(&l1_node.rpc_url(), &addresses);
    })
    .await?;
    let target = l2.get_block_number().await?;
    poll_until("the sequencer to post its blocks", TIMEOUT, || async {
        Ok((sync_status(&sequencer.rpc).await?.safe >= target).then_some(()))
    })
    .await?;
    wait_derived(&follower, target).await?;
    assert_eq!(follower.provider.get_balance(ERIN).await?, U256::from(ETHER));
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sequencer_started_without_its_l1_seals_nothing_until_it_has_read_it() -> eyre::Result<()>
{
    let (l1_node, _l1, addresses) = l1_with_bridge().await?;
    let l1_addr: SocketAddr = l1_node.rpc_url().trim_start_matches("http://").parse()?;
    let proxy = L1Proxy::start(l1_addr, false).await?;
    let sequencer = sequencer_behind(&proxy, &addresses).await?;
    stalled_is(&sequencer, 1.0).await?;
    assert_head_stays(&sequencer, 0).await?;
    assert_eq!(health(&sequencer).await?["status"], "stalled");

    proxy.restore();
    let l2 = sequencer.provider.clone();
    poll_until("blocks once the L1 is read", TIMEOUT, || async {
        Ok((l2.get_block_number().await? >= 3).then_some(()))
    })
    .await?;
    stalled_is(&sequencer, 0.0).await?;
    Ok(())
}
