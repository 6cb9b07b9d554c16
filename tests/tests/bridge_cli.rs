//! `manifold bridge deposit | withdraw | status | prove | finalize` as a user runs them,
//! against `manifold devnet --da ethereum` (which starts its dev L1 with the bridge, reads its
//! deposits, and proposes output roots to it): real child processes, JSON on stdout. Deposits
//! arrive on L2 exactly — to an EVM address in wei, to a Solana pubkey in lamports, as the
//! Solana RPC shows; the withdrawn value arrives on the L1 exactly, once; a second finalize is
//! refused with a clear error.

use alloy::{
    primitives::{Address, B256, U256},
    providers::Provider,
};
use e2e::{ETHER, ManifoldProcess, RawRpc, dev_accounts, manifold_bin, plain_provider};
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
    let l2_provider = plain_provider(&l2_rpc.parse()?);
    // Account 8 deposits 5 ETH on L1 for a fresh L2 address (the portal pays withdrawals from
    // what was deposited), then 0.25 ETH for a fresh Solana account.
    let erin = Address::repeat_byte(0xe1);
    let depositor = accounts[8].private_key.to_string();
    let on_l1 =
        ["--l2-rpc", &l2_rpc, "--l1-rpc", &l1_rpc, "--portal", &portal, "--key", &depositor];
    let to_erin = ["deposit", "--to", &erin.to_string(), "--value", "5"];
    let deposited = bridge(&[&to_erin[..], &on_l1].concat()).await?;
    assert_eq!(
        (deposited["nonce"].as_u64(), deposited["value"].as_str()),
        (Some(0), Some("5000000000000000000")),
        "{deposited}"
    );
    assert_eq!(l2_provider.get_balance(erin).await?, U256::from(5 * ETHER));
    let pubkey = bs58::encode([0x5a; 32]).into_string();
    let to_solana = ["deposit", "--to-solana", &pubkey, "--value", "0.25"];
    let deposited = bridge(&[&to_solana[..], &on_l1].concat()).await?;
    assert_eq!(deposited["nonce"].as_u64(), Some(1), "{deposited}");
    let solana_rpc =
        devnet.info.raw["solana_rpc_url"].as_str().ok_or_else(|| eyre!("no Solana RPC"))?;
    let lamports =
        RawRpc::new(solana_rpc.parse()?).call("getBalance", serde_json::json!([pubkey])).await?;
    assert_eq!(lamports["value"], 250_000_000, "{lamports}");
    let bad =
        bridge(&[&["deposit", "--to-solana", "not-a-key", "--value", "1"][..], &on_l1].concat())
            .await;
    assert!(bad.expect_err("a bad pubkey").to_string().contains("not a base58 pubkey"));
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
