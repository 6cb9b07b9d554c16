//! `manifold bridge withdraw | status | prove | finalize` as a user runs them, against
//! `manifold devnet --da ethereum` (which starts its dev L1 with the bridge, and proposes
//! output roots to it): real child processes, JSON on stdout. The withdrawn value arrives on
//! the L1 exactly, once; a second finalize is refused with a clear error.

use alloy::{
    primitives::{Address, B256, U256},
    providers::Provider,
};
use e2e::{ETHER, ManifoldProcess, dev_accounts, manifold_bin, plain_provider, wallet_provider};
use eyre::{WrapErr, eyre};
use serde_json::Value;

/// Runs `manifold bridge <args>`; its JSON line, or its stderr as the error.
async fn bridge(args: &[&str]) -> eyre::Result<Value> {
    let output = tokio::process::Command::new(manifold_bin()?)
        .arg("bridge")
        .args(args)
        .arg("--json")
        .output()
        .await?;
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    if !output.status.success() {
        return Err(eyre!("manifold bridge {} failed: {stderr}", args[0]));
    }
    let stdout = String::from_utf8(output.stdout)?;
    serde_json::from_str(stdout.trim()).wrap_err_with(|| format!("not JSON: {stdout}\n{stderr}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_withdraws_to_the_l1_with_the_cli() -> eyre::Result<()> {
    let dir = tempfile::tempdir()?;
    let data = dir.path().join("devnet").to_string_lossy().to_string();
    let devnet = ManifoldProcess::spawn_with(
        &[
            "devnet",
            "--data-dir",
            &data,
            "--rpc-port",
            "0",
            "--json",
            "--block-time",
            "100",
            "--da",
            "ethereum",
            "--challenge-period",
            "2",
        ],
        dir.path(),
        "devnet-bridge-cli",
    )
    .await?;
    let l2_rpc = devnet.info.rpc_url.to_string();
    let l1 = &devnet.info.raw["l1"];
    let l1_rpc = l1["rpc_url"].as_str().ok_or_else(|| eyre!("no L1 in {l1}"))?.to_owned();
    let portal = l1["bridge"]["portal"].as_str().ok_or_else(|| eyre!("no portal"))?.to_owned();
    let accounts = dev_accounts();
    // Account 5 withdraws on L2 to account 6 on L1; account 7 relays on L1.
    let (key, to, relayer_key) = (
        accounts[5].private_key.to_string(),
        accounts[6].address,
        accounts[7].private_key.to_string(),
    );
    let l1_provider = plain_provider(&l1_rpc.parse()?);
    // The portal pays withdrawals from what was deposited: account 8 deposits 5 ETH on L1.
    let portal_address: Address = portal.parse()?;
    let deposit = alloy::rpc::types::TransactionRequest::default()
        .from(accounts[8].address)
        .to(portal_address)
        .value(U256::from(5 * ETHER));
    let deposited =
        wallet_provider(&l1_rpc.parse()?).send_transaction(deposit).await?.get_receipt().await?;
    assert!(deposited.status());
    let before = l1_provider.get_balance(to).await?;

    let started = bridge(&[
        "withdraw",
        "--l2-rpc",
        &l2_rpc,
        "--key",
        &key,
        "--to",
        &to.to_string(),
        "--value",
        "0.75",
    ])
    .await?;
    assert_eq!(started["value"], "750000000000000000");
    let l2_tx = started["l2_tx"].as_str().ok_or_else(|| eyre!("no l2_tx: {started}"))?.to_owned();
    let hash: B256 = serde_json::from_value(started["withdrawal_hash"].clone())?;
    let common = ["--l2-rpc", &l2_rpc, "--l1-rpc", &l1_rpc, "--portal", &portal, "--l2-tx", &l2_tx];

    let status = bridge(&[&["status"][..], &common].concat()).await?;
    assert!(
        ["waiting_for_output", "ready_to_prove"].contains(&status["state"].as_str().unwrap_or("")),
        "{status}"
    );
    assert_eq!(status["withdrawal_hash"], serde_json::json!(hash));

    let proven = bridge(&[&["prove", "--key", &relayer_key][..], &common].concat()).await?;
    assert!(
        proven["output_block"].as_u64().unwrap_or(0)
            >= started["l2_block"].as_u64().unwrap_or(u64::MAX)
    );
    let status = bridge(&[&["status"][..], &common].concat()).await?;
    assert_eq!(status["state"], "proven", "{status}");

    let finalized = bridge(&[&["finalize", "--key", &relayer_key][..], &common].concat()).await?;
    assert_eq!(finalized["call_succeeded"], true, "{finalized}");
    assert_eq!(l1_provider.get_balance(to).await?, before + U256::from(3 * ETHER / 4));
    let status = bridge(&[&["status"][..], &common].concat()).await?;
    assert_eq!(status["state"], "finalized", "{status}");
    let again = bridge(&[&["finalize", "--key", &relayer_key][..], &common].concat()).await;
    let again = again.expect_err("finalized twice").to_string();
    assert!(again.contains("already finalized"), "{again}");
    devnet.terminate().await?;
    Ok(())
}
