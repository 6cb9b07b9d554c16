//! Withdrawals from a Manifold L2 to an L1, end to end over JSON-RPC: the L2 devnet holds the
//! `L2Withdrawals` predeploy from genesis; withdrawals start there (a call to
//! `initiateWithdrawal`, and a plain transfer); a client reads them back from the L2's logs,
//! computes the block's output root (checked against the contract's own withdrawal root) and
//! each withdrawal's proof; the output root is posted to the L1 `OutputOracle` by its proposer
//! (the test plays the proposer's part); the withdrawals are proven on the L1 `Portal`, refused
//! before the challenge period ends, paid out after it, exactly once. Balances are exact at
//! every step. The L1 is Manifold's dev L1, whose `evm_increaseTime` moves past the challenge
//! period. (The portal's funds come from an L1 deposit; crediting deposits on L2 is not built
//! yet, so the withdrawn value comes from an L2 dev account's genesis balance.)

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
use devnet::l1::{self, L1Options};
use e2e::{ETHER, RawRpc, TestNode, dev_accounts, wait_receipt, wallet_provider};
use serde_json::json;

const CHALLENGE_PERIOD_SECS: u64 = 3_600;

/// The fee `receipt` paid, in wei.
fn fee(receipt: &alloy::rpc::types::TransactionReceipt) -> U256 {
    U256::from(receipt.gas_used) * U256::from(receipt.effective_gas_price)
}

async fn balance(provider: &DynProvider, who: Address) -> eyre::Result<U256> {
    Ok(provider.get_balance(who).await?)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_withdrawal_started_on_l2_is_proven_and_paid_out_on_l1_once() -> eyre::Result<()> {
    let accounts = dev_accounts();
    let (alice, bob, proposer, guardian, relayer) = (
        accounts[0].address,
        accounts[1].address,
        accounts[2].address,
        accounts[3].address,
        accounts[4].address,
    );
    // L1: the dev L1 with the bridge deployed; the portal holds 10 ETH of deposits.
    let l1_node =
        l1::start(L1Options { listen: "127.0.0.1:0".parse()?, ..Default::default() }).await?;
    let l1_url: reqwest::Url = l1_node.rpc_url().parse()?;
    let l1 = wallet_provider(&l1_url);
    let l1_rpc = RawRpc::new(l1_url.clone());
    let params = BridgeParams { proposer, guardian, challenge_period_secs: CHALLENGE_PERIOD_SECS };
    let BridgeAddresses { portal, output_oracle, .. } = deploy_bridge(&l1, params).await?;
    let portal_contract = Portal::new(portal, l1.clone());
    let funded = portal_contract
        .depositTransaction(alice, 21_000, Default::default())
        .value(U256::from(10 * ETHER))
        .from(relayer)
        .send()
        .await?
        .get_receipt()
        .await?;
    assert!(funded.status());

    // L2: a devnet with the bridge's predeploy.
    let l2_node = TestNode::start_devnet_with(|config| add_predeploys(&mut config.genesis)).await?;
    let l2 = &l2_node.provider;
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

    // The client's view: both withdrawals, in order, and the output root of a later block.
    let block = bob_receipt.block_number.unwrap_or_default();
    let started = withdrawals_until(l2, block).await?;
    assert_eq!(started.len(), 2);
    assert_eq!((started[0].withdrawal.sender, started[0].withdrawal.target), (alice, carol));
    assert_eq!((started[1].withdrawal.sender, started[1].withdrawal.target), (bob, bob));
    assert_eq!(started[1].withdrawal.value, bob_value);
    assert!(withdrawals.sentMessages(started[0].hash).call().await?);
    let output = output_at(l2, block).await?;
    let header = l2.get_block_by_number(block.into()).await?.unwrap().header;
    assert_eq!(output, OutputRoot::v0(header.state_root, output.withdrawal_root, header.hash));

    // The proposer posts it; each withdrawal is proven against it.
    let oracle = OutputOracle::new(output_oracle, l1.clone());
    let posted = oracle
        .proposeL2Output(output.hash(), U256::from(block))
        .from(proposer)
        .send()
        .await?
        .get_receipt()
        .await?;
    assert!(posted.status());
    let mut proven = Vec::new();
    for w in &started {
        let p = prove_withdrawal(l2, w.hash, block).await?;
        assert_eq!(p.output, output);
        assert_eq!(p.proof.root(w.hash), output.withdrawal_root);
        let receipt = portal_contract
            .proveWithdrawal(
                p.started.withdrawal.clone(),
                U256::ZERO,
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
