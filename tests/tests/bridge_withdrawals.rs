//! Deposits and withdrawals between an L1 and a Manifold L2, end to end over JSON-RPC: a
//! deposit on the L1 portal is minted on L2 once its L1 block is confirmed (to a fresh
//! address, exactly its value; the sender's L2 balance unchanged); the L2 devnet holds the
//! `L2Withdrawals` predeploy from genesis; withdrawals start there (a call to
//! `initiateWithdrawal`, and a plain transfer); a client reads them back from the L2's logs,
//! computes the block's output root (checked against the contract's own withdrawal root) and
//! each withdrawal's proof; the sequencer's proposer has posted the output roots to the L1
//! `OutputOracle` on its own, from its own state, and they equal the client's; the withdrawals
//! are proven on the L1 `Portal`, refused before the challenge period ends, paid out after it,
//! exactly once; the L2's `finalized` head follows the outputs past their challenge period.
//! Balances are exact at every step. The L1 is Manifold's dev L1, and Hardhat's node (a
//! third-party one); `evm_increaseTime` moves past the challenge period on both. A node that
//! keeps only recent states still gives a client the proof of an older withdrawal, computes
//! that block's output root itself, and, as a follower, verifies and finalizes older outputs.

use std::sync::Arc;

use alloy::{
    primitives::{Address, U256},
    providers::{DynProvider, Provider},
};
use bridge::{
    OutputRoot,
    contracts::{L2_WITHDRAWALS_ADDRESS, L2Withdrawals, OutputOracle, Portal, Types},
    l1::{BridgeAddresses, BridgeParams, deploy_bridge},
    l2::{add_predeploys, output_at, prove_withdrawal, withdrawals_until},
};
use da::{DaBackend, LocalDa};
use devnet::l1::{self, L1Options};
use e2e::{
    ETHER, RawRpc, TIMEOUT, TestNode, dev_accounts,
    hardhat::{HARDHAT_CHAIN_ID, HardhatNode},
    poll_until, sync_status, wait_receipt, wallet_provider,
};
use node_config::{BridgeConfig, KeepBlocks, Secret};
use sequencer::{settlement::output_root, withdrawal_log_tree::WithdrawalLogTree};
use serde_json::json;

const CHALLENGE_PERIOD_SECS: u64 = 3_600;
/// A deposit is minted once its L1 block has this many blocks, counting its own.
const DEPOSIT_CONFIRMATIONS: u64 = 2;
/// The L2 posts an output root every this many blocks.
const OUTPUT_INTERVAL: u64 = 4;

/// The fee `receipt` paid, in wei.
fn fee(receipt: &alloy::rpc::types::TransactionReceipt) -> U256 {
    U256::from(receipt.gas_used) * U256::from(receipt.effective_gas_price)
}

async fn balance(provider: &DynProvider, who: Address) -> eyre::Result<U256> {
    Ok(provider.get_balance(who).await?)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_withdrawal_started_on_l2_is_proven_and_paid_out_on_the_dev_l1_once() -> eyre::Result<()>
{
    let l1_node =
        l1::start(L1Options { listen: "127.0.0.1:0".parse()?, ..Default::default() }).await?;
    withdrawal_round_trip(l1_node.rpc_url().parse()?, l1::DEFAULT_CHAIN_ID).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_withdrawal_started_on_l2_is_proven_and_paid_out_on_hardhat_once() -> eyre::Result<()> {
    let hardhat = HardhatNode::start().await?;
    withdrawal_round_trip(hardhat.url.parse()?, HARDHAT_CHAIN_ID)
        .await
        .map_err(|e| e.wrap_err(format!("hardhat log:\n{}", hardhat.log_text())))
}

/// The whole withdrawal path against the L1 at `l1_url`, a node whose `evm_increaseTime` and
/// `evm_mine` move its clock.
async fn withdrawal_round_trip(l1_url: reqwest::Url, l1_chain_id: u64) -> eyre::Result<()> {
    let accounts = dev_accounts();
    let (alice, bob, proposer, guardian, relayer) = (
        accounts[0].address,
        accounts[1].address,
        accounts[2].address,
        accounts[3].address,
        accounts[4].address,
    );
    // L1: the bridge deployed; the portal holds 10 ETH of deposits.
    let l1 = wallet_provider(&l1_url);
    let l1_rpc = RawRpc::new(l1_url.clone());
    let params = BridgeParams { proposer, guardian, challenge_period_secs: CHALLENGE_PERIOD_SECS };
    let BridgeAddresses { portal, output_oracle, deployed_at_block } =
        deploy_bridge(&l1, params).await?;
    let portal_contract = Portal::new(portal, l1.clone());
    let dave = Address::repeat_byte(0xda);
    let funded = portal_contract
        .depositTransaction(dave, 21_000, Default::default())
        .value(U256::from(10 * ETHER))
        .from(relayer)
        .send()
        .await?
        .get_receipt()
        .await?;
    assert!(funded.status());

    // L2: a devnet with the bridge's predeploy, settling on the L1 (dev account 2 proposes).
    let proposer_key = accounts[2].private_key.to_string();
    let l2_node = TestNode::start_devnet_with(|config| {
        add_predeploys(&mut config.genesis);
        config.bridge = BridgeConfig {
            enabled: true,
            l1_rpc_url: l1_url.to_string(),
            l1_chain_id: Some(l1_chain_id),
            output_oracle,
            portal,
            portal_deployed_at_block: deployed_at_block,
            deposit_confirmations: DEPOSIT_CONFIRMATIONS,
            output_interval_blocks: OUTPUT_INTERVAL,
            proposer_key: Some(Secret::new(proposer_key)),
            poll_interval_ms: 50,
            ..BridgeConfig::default()
        };
    })
    .await?;
    let l2 = &l2_node.provider;

    // The deposit is minted once a block is on top of its L1 block (two confirmations; the
    // reader itself is tested in `bridge_deposits`): to dave exactly its value; the relayer's
    // L2 balance, minted and sent on, is what it was.
    let relayer_l2 = balance(l2, relayer).await?;
    l1_rpc.call("evm_mine", json!([])).await?;
    poll_until("the deposit minted on L2", TIMEOUT, || async {
        Ok((balance(l2, dave).await? > U256::ZERO).then_some(()))
    })
    .await?;
    assert_eq!(balance(l2, dave).await?, U256::from(10 * ETHER));
    assert_eq!(balance(l2, relayer).await?, relayer_l2);
    let withdrawals = L2Withdrawals::new(L2_WITHDRAWALS_ADDRESS, l2.clone());
    assert_eq!(withdrawals.messageNonce().call().await?, U256::ZERO);

    // Alice withdraws 1.5 ETH to a fresh L1 address; Bob sends 0.25 ETH to the contract,
    // which withdraws it to his own address on L1.
    let carol = Address::repeat_byte(0xca);
    let (alice_value, bob_value) = (U256::from(3 * ETHER / 2), U256::from(ETHER / 4));
    let alice_before = balance(l2, alice).await?;
    let bob_before = balance(l2, bob).await?;
    let sent = withdrawals
        .initiateWithdrawal(carol, U256::ZERO, Default::default())
        .value(alice_value)
        .from(alice)
        .send()
        .await?;
    let alice_receipt = wait_receipt(l2, *sent.tx_hash()).await?;
    assert!(alice_receipt.status());
    let request = alloy::rpc::types::TransactionRequest::default()
        .from(bob)
        .to(L2_WITHDRAWALS_ADDRESS)
        .value(bob_value);
    let sent = l2.send_transaction(request).await?;
    let bob_receipt = wait_receipt(l2, *sent.tx_hash()).await?;
    assert!(bob_receipt.status());
    assert_eq!(balance(l2, alice).await?, alice_before - alice_value - fee(&alice_receipt));
    assert_eq!(balance(l2, bob).await?, bob_before - bob_value - fee(&bob_receipt));
    assert_eq!(balance(l2, L2_WITHDRAWALS_ADDRESS).await?, alice_value + bob_value);

    // The client's view: both withdrawals, in order.
    let block = bob_receipt.block_number.unwrap_or_default();
    let started = withdrawals_until(l2, block).await?;
    assert_eq!(started.len(), 2);
    assert_eq!((started[0].withdrawal.sender, started[0].withdrawal.target), (alice, carol));
    assert_eq!((started[1].withdrawal.sender, started[1].withdrawal.target), (bob, bob));
    assert_eq!(started[1].withdrawal.value, bob_value);
    assert!(withdrawals.sentMessages(started[0].hash).call().await?);

    // The node's proposer posts an output covering the block once it is on DA; its root is
    // the one the client computes through the L2's RPC.
    let oracle = OutputOracle::new(output_oracle, l1.clone());
    let index = poll_until("an output covering the withdrawals", TIMEOUT, || async {
        Ok(oracle.getL2OutputIndexAfter(U256::from(block)).call().await.ok())
    })
    .await?;
    let posted = oracle.getL2Output(index).call().await?;
    let output_block = u64::try_from(posted.l2BlockNumber)?;
    assert_eq!(output_block % OUTPUT_INTERVAL, 0);
    let output = output_at(l2, output_block).await?;
    let header = l2.get_block_by_number(output_block.into()).await?.unwrap().header;
    assert_eq!(output, OutputRoot::v0(header.state_root, output.withdrawal_root, header.hash));
    assert_eq!(posted.outputRoot, output.hash(), "the node's root is the client's");
    // Not final on L1 yet: the L2's finalized head is below it.
    assert!(sync_status(&l2_node.rpc).await?.finalized < output_block);

    // Each withdrawal is proven against it.
    let mut proven = Vec::new();
    for w in &started {
        let p = prove_withdrawal(l2, w.hash, output_block).await?;
        assert_eq!(p.output, output);
        assert_eq!(p.proof.root(w.hash), output.withdrawal_root);
        let receipt = portal_contract
            .proveWithdrawal(
                p.started.withdrawal.clone(),
                index,
                Types::OutputRootProof::from(p.output),
                p.proof.siblings.clone(),
            )
            .from(relayer)
            .send()
            .await?
            .get_receipt()
            .await?;
        assert!(receipt.status(), "proving withdrawal {}", w.hash);
        proven.push(p.started.withdrawal);
    }

    // Not before the challenge period ends.
    let early = portal_contract.finalizeWithdrawal(proven[0].clone()).from(relayer).call().await;
    let early = format!("{:?}", early.expect_err("finalized before the challenge period"));
    assert!(early.contains("has not matured yet"), "{early}");

    // After it: paid out exactly, once.
    l1_rpc.call("evm_increaseTime", json!([CHALLENGE_PERIOD_SECS + 1])).await?;
    l1_rpc.call("evm_mine", json!([])).await?;
    // The L2 now calls the blocks that output covers finalized; so does a follower, which
    // checked the output against the state it derived from DA itself.
    poll_until("the L2's finalized head to follow L1 finality", TIMEOUT, || async {
        Ok((sync_status(&l2_node.rpc).await?.finalized >= output_block).then_some(()))
    })
    .await?;
    let da: Arc<dyn DaBackend> = Arc::new(LocalDa::open(
        l2_node.config.local_da_path(),
        l2_node.config.da.local.max_blob_bytes,
    )?);
    let follower = TestNode::start_follower(&l2_node, da, |config| {
        config.bridge.proposer_key = None;
    })
    .await?;
    poll_until("the follower's finalized head to follow L1 finality", TIMEOUT, || async {
        Ok((sync_status(&follower.rpc).await?.finalized >= output_block).then_some(()))
    })
    .await?;
    let portal_before = balance(&l1, portal).await?;
    let bob_l1_before = balance(&l1, bob).await?;
    for w in &proven {
        let receipt = portal_contract
            .finalizeWithdrawal(w.clone())
            .from(relayer)
            .send()
            .await?
            .get_receipt()
            .await?;
        assert!(receipt.status());
    }
    assert_eq!(balance(&l1, carol).await?, alice_value);
    assert_eq!(balance(&l1, bob).await?, bob_l1_before + bob_value);
    assert_eq!(balance(&l1, portal).await?, portal_before - alice_value - bob_value);
    let replay = portal_contract.finalizeWithdrawal(proven[0].clone()).from(relayer).call().await;
    let replay = format!("{:?}", replay.expect_err("finalized twice"));
    assert!(replay.contains("already been finalized"), "{replay}");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_proposer_retries_until_the_l1_and_its_oracle_are_there() -> eyre::Result<()> {
    let accounts = dev_accounts();
    // The L1 is not running yet: a free port, and the address the oracle will get (the first
    // contract dev account 0 creates on a fresh L1).
    let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
    let l1_url: reqwest::Url = format!("http://127.0.0.1:{port}").parse()?;
    let oracle_address = accounts[0].address.create(0);
    let l2_node = TestNode::start_devnet_with(|config| {
        add_predeploys(&mut config.genesis);
        config.bridge = BridgeConfig {
            enabled: true,
            l1_rpc_url: l1_url.to_string(),
            output_oracle: oracle_address,
            portal: accounts[0].address.create(1),
            output_interval_blocks: OUTPUT_INTERVAL,
            proposer_key: Some(Secret::new(accounts[2].private_key.to_string())),
            // The L1's genesis block is confirmed: the deposit feed has read the L1 once it is up.
            deposit_confirmations: 1,
            poll_interval_ms: 50,
            retry_initial_ms: 20,
            retry_max_ms: 200,
            ..BridgeConfig::default()
        };
    })
    .await?;
    // Without its L1 the sequencer seals nothing (its deposit feed has not read it; see
    // `bridge_sequencer_stall.rs`).
    let metrics_url = l2_node.url.join("/metrics")?;
    poll_until("the sequencer to stall for its L1", TIMEOUT, || async {
        let text = reqwest::get(metrics_url.clone()).await?.text().await?;
        Ok(text.lines().any(|line| line == "manifold_sequencer_l1_stalled 1").then_some(()))
    })
    .await?;
    assert_eq!(sync_status(&l2_node.rpc).await?.unsafe_head, 0);

    // Now the L1 comes up: the chain goes on and reaches DA, the oracle not there yet; then
    // the bridge is deployed on it.
    let listen = format!("127.0.0.1:{port}").parse()?;
    let _l1_node = l1::start(L1Options { listen, ..Default::default() }).await?;
    poll_until("L2 blocks on DA", TIMEOUT, || async {
        Ok((sync_status(&l2_node.rpc).await?.safe >= 2 * OUTPUT_INTERVAL).then_some(()))
    })
    .await?;
    let l1 = wallet_provider(&l1_url);
    let params = BridgeParams {
        proposer: accounts[2].address,
        guardian: accounts[3].address,
        challenge_period_secs: CHALLENGE_PERIOD_SECS,
    };
    let deployed = deploy_bridge(&l1, params).await?;
    assert_eq!(deployed.output_oracle, oracle_address);
    assert_eq!(deployed.portal, accounts[0].address.create(1));
    let oracle = OutputOracle::new(oracle_address, l1.clone());
    let latest = poll_until("the proposer's first output", TIMEOUT, || async {
        let latest = oracle.latestBlockNumber().call().await?;
        Ok((!latest.is_zero()).then_some(latest))
    })
    .await?;
    let latest = u64::try_from(latest)?;
    let posted = oracle.getL2Output(U256::ZERO).call().await?;
    assert_eq!(u64::try_from(posted.l2BlockNumber)?, latest);
    // One output for the newest safe multiple of the interval, not one per missed interval.
    assert!(latest >= 2 * OUTPUT_INTERVAL, "{latest}");
    assert_eq!(posted.outputRoot, output_at(&l2_node.provider, latest).await?.hash());
    Ok(())
}

/// A dev L1 with the bridge deployed (account 9 proposes), an L2 devnet with the predeploys,
/// and a follower of it verifying the oracle's outputs (`edit` changes its config).
struct VerifyingFollower {
    /// Kept running while the setup lives.
    _l1_node: l1::L1Node,
    l1_url: reqwest::Url,
    oracle: OutputOracle::OutputOracleInstance<DynProvider>,
    l2_node: TestNode,
    follower: TestNode,
}

async fn verifying_follower(
    edit: impl FnOnce(&mut node_config::NodeConfig),
) -> eyre::Result<VerifyingFollower> {
    let accounts = dev_accounts();
    let l1_node =
        l1::start(L1Options { listen: "127.0.0.1:0".parse()?, ..Default::default() }).await?;
    let l1_url: reqwest::Url = l1_node.rpc_url().parse()?;
    let l1 = wallet_provider(&l1_url);
    let params = BridgeParams {
        proposer: accounts[9].address,
        guardian: accounts[3].address,
        challenge_period_secs: CHALLENGE_PERIOD_SECS,
    };
    let BridgeAddresses { output_oracle, portal, .. } = deploy_bridge(&l1, params).await?;
    let l2_node = TestNode::start_devnet_with(|config| add_predeploys(&mut config.genesis)).await?;
    let da: Arc<dyn DaBackend> = Arc::new(LocalDa::open(
        l2_node.config.local_da_path(),
        l2_node.config.da.local.max_blob_bytes,
    )?);
    let follower = TestNode::start_follower(&l2_node, da, |config| {
        config.bridge = BridgeConfig {
            enabled: true,
            l1_rpc_url: l1_url.to_string(),
            output_oracle,
            portal,
            poll_interval_ms: 50,
            ..BridgeConfig::default()
        };
        edit(config);
    })
    .await?;
    let oracle = OutputOracle::new(output_oracle, l1);
    Ok(VerifyingFollower { _l1_node: l1_node, l1_url, oracle, l2_node, follower })
}

impl VerifyingFollower {
    /// Proposes each (block, output root) of `outputs` from the proposer (account 9), then
    /// moves the L1 past the challenge period, so every one of them is final on L1.
    async fn propose_past_challenge(
        &self,
        outputs: &[(u64, alloy::primitives::B256)],
    ) -> eyre::Result<()> {
        for &(block, root) in outputs {
            let posted = self
                .oracle
                .proposeL2Output(root, U256::from(block))
                .from(dev_accounts()[9].address)
                .send()
                .await?
                .get_receipt()
                .await?;
            assert!(posted.status());
        }
        let l1_rpc = RawRpc::new(self.l1_url.clone());
        l1_rpc.call("evm_increaseTime", json!([CHALLENGE_PERIOD_SECS + 1])).await?;
        l1_rpc.call("evm_mine", json!([])).await?;
        Ok(())
    }

    /// Waits until the follower's finalized head reaches `block`; returns it.
    async fn finalized_reaching(&self, block: u64) -> eyre::Result<u64> {
        poll_until("the follower to finalize the output", TIMEOUT, || async {
            let finalized = sync_status(&self.follower.rpc).await?.finalized;
            Ok((finalized >= block).then_some(finalized))
        })
        .await
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_follower_never_finalizes_past_an_output_root_that_is_not_its_chains() -> eyre::Result<()>
{
    // The test proposes (account 9): one right root, then a wrong one.
    let setup = verifying_follower(|_| {}).await?;
    let e2e::SyncStatus { safe, .. } = e2e::wait_derived(&setup.follower, 8).await?;
    assert!(safe >= 8);
    let right = output_at(&setup.l2_node.provider, 4).await?.hash();
    let wrong = alloy::primitives::B256::repeat_byte(0xba);
    // Both outputs are past the challenge period on L1; the follower finalizes only the one
    // it could verify.
    setup.propose_past_challenge(&[(4, right), (8, wrong)]).await?;
    assert!(setup.oracle.isFinalized(U256::from(1)).call().await?);
    let finalized = setup.finalized_reaching(4).await?;
    assert_eq!(finalized, 4, "finalized past the wrong output root");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_withdrawal_is_proven_through_a_node_that_no_longer_keeps_its_blocks_state()
-> eyre::Result<()> {
    let node = TestNode::start_devnet_with(|config| {
        add_predeploys(&mut config.genesis);
        config.history.keep_blocks = KeepBlocks::Recent(4);
    })
    .await?;
    let l2 = &node.provider;
    let sent = L2Withdrawals::new(L2_WITHDRAWALS_ADDRESS, l2.clone())
        .initiateWithdrawal(Address::repeat_byte(0xca), U256::ZERO, Default::default())
        .value(U256::from(ETHER))
        .from(dev_accounts()[0].address)
        .send()
        .await?;
    let block = wait_receipt(l2, *sent.tx_hash()).await?.block_number.unwrap_or_default();
    let started = withdrawals_until(l2, block).await?;
    let hash = started[0].hash;
    // While the node keeps the block's state: the output with the contract's own root.
    let kept = prove_withdrawal(l2, hash, block).await?;
    // Once it no longer does, the node cannot answer for the contract's root at that block ...
    poll_until("the block's state pruned", TIMEOUT, || async {
        Ok((l2.get_block_number().await? > block + 8).then_some(()))
    })
    .await?;
    let pruned = output_at(l2, block).await.unwrap_err().to_string();
    assert!(pruned.contains("historical state"), "{pruned}");
    // ... and the proof is built from the header and the logs: the same output, the same path.
    let proven = prove_withdrawal(l2, hash, block).await?;
    assert_eq!(proven.output, kept.output);
    assert_eq!(proven.proof.siblings, kept.proof.siblings);
    assert_eq!(proven.proof.root(hash), proven.output.withdrawal_root);

    // The node's own output root of that block (what its proposer posts, what a follower's
    // verifier checks) comes from its header and its own logs the same way: from genesis, for
    // an earlier block (no withdrawal yet), and built on again.
    let store = &node.handle().ctx.store;
    let mut logs = WithdrawalLogTree::default();
    assert_eq!(output_root(store, block, &mut logs)?, kept.output);
    let before = output_root(store, block - 1, &mut logs)?;
    assert_eq!(before.withdrawal_root, bridge::WithdrawalTree::new().root());
    assert_eq!(output_root(store, block, &mut logs)?, kept.output);
    Ok(())
}

/// A follower that no longer keeps the state of an output's block (`keep_blocks` 4, the
/// output posted once the follower is 16 blocks past it) still verifies the output — from
/// its header and its own withdrawal logs — and finalizes it: before, the verifier failed on
/// the pruned state, for good, and `finalized` never moved.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_follower_keeping_only_recent_states_verifies_and_finalizes_older_outputs()
-> eyre::Result<()> {
    let setup =
        verifying_follower(|config| config.history.keep_blocks = KeepBlocks::Recent(4)).await?;
    let VerifyingFollower { l2_node, follower, .. } = &setup;
    // A withdrawal in the output's block range, so its root is not the empty tree's.
    let sent = L2Withdrawals::new(L2_WITHDRAWALS_ADDRESS, l2_node.provider.clone())
        .initiateWithdrawal(Address::repeat_byte(0xca), U256::ZERO, Default::default())
        .value(U256::from(ETHER))
        .from(dev_accounts()[0].address)
        .send()
        .await?;
    let withdrawn = wait_receipt(&l2_node.provider, *sent.tx_hash()).await?;
    let output_block = withdrawn.block_number.unwrap_or_default().max(1);
    e2e::wait_derived(follower, output_block + 16).await?;
    let pruned = output_at(&follower.provider, output_block).await.unwrap_err().to_string();
    assert!(pruned.contains("historical state"), "the follower still keeps it: {pruned}");

    let right = output_at(&l2_node.provider, output_block).await?;
    assert_ne!(right.withdrawal_root, bridge::WithdrawalTree::new().root());
    setup.propose_past_challenge(&[(output_block, right.hash())]).await?;
    let finalized = setup.finalized_reaching(output_block).await?;
    assert_eq!(finalized, output_block);
    Ok(())
}
