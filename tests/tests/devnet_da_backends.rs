//! `manifold devnet --da local|celestia|ethereum` runs with each backend (starting the local
//! Celestia-compatible node or the dev L1 itself), and `manifold follower` started from the
//! config the devnet writes reaches the devnet's head with identical block hashes and state
//! roots — both as real child processes, driven by alloy.

use std::time::Duration;

use alloy::providers::Provider;

use e2e::{
    ManifoldProcess, assert_same_blocks, plain_provider, run_workload_on, sync_status,
    wait_derived_at, wallet_provider,
};

/// Derivation waits on DA blocks (0.5 s Celestia, 1 s L1 blocks with 2 confirmations).
const FOLLOW_TIMEOUT: Duration = Duration::from_secs(90);

async fn devnet_and_follower_agree(backend: &str) -> eyre::Result<()> {
    let dir = tempfile::tempdir()?;
    let data_dir = dir.path().join("devnet");
    let data = data_dir.to_string_lossy().to_string();
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
            backend,
        ],
        dir.path(),
        &format!("devnet-{backend}"),
    )
    .await?;
    assert_eq!(devnet.info.raw["da"], backend, "{}", devnet.info.raw);
    let provider = wallet_provider(&devnet.info.rpc_url);
    // Every devnet holds the bridge's withdrawal contract from genesis.
    let withdrawals = bridge::contracts::L2_WITHDRAWALS_ADDRESS;
    assert_eq!(devnet.info.raw["l2_withdrawals"], serde_json::json!(withdrawals));
    assert_eq!(
        provider.get_code_at(withdrawals).await?,
        bridge::contracts::L2Withdrawals::DEPLOYED_BYTECODE
    );
    // With Ethereum DA it runs an L1 with the bridge deployed, and says where.
    let l1 = &devnet.info.raw["l1"];
    let mut oracle: Option<(alloy::providers::DynProvider, alloy::primitives::Address)> = None;
    if backend == "ethereum" {
        let l1_url: reqwest::Url =
            l1["rpc_url"].as_str().ok_or_else(|| eyre::eyre!("no L1 URL: {l1}"))?.parse()?;
        let l1_provider = plain_provider(&l1_url);
        for contract in ["portal", "outputOracle"] {
            let address: alloy::primitives::Address =
                serde_json::from_value(l1["bridge"][contract].clone())?;
            assert!(!l1_provider.get_code_at(address).await?.is_empty(), "{contract}: {l1}");
        }
        let funded: alloy::primitives::Address =
            serde_json::from_value(l1["funded_account"]["address"].clone())?;
        assert!(!l1_provider.get_balance(funded).await?.is_zero());
        oracle = Some((l1_provider, serde_json::from_value(l1["bridge"]["outputOracle"].clone())?));
    } else {
        assert!(l1.is_null(), "{l1}");
    }
    let head = run_workload_on(&provider, 3).await?;

    let follower_config = devnet.info.raw["follower_config"]
        .as_str()
        .ok_or_else(|| eyre::eyre!("no follower_config in {}", devnet.info.raw))?
        .to_owned();
    let follower = ManifoldProcess::spawn_with(
        &["follower", "--config", &follower_config, "--json"],
        dir.path(),
        &format!("follower-{backend}"),
    )
    .await?;
    assert_eq!(follower.info.raw["role"], "follower");
    let follower_rpc = e2e::RawRpc::new(follower.info.rpc_url.clone());
    let status = wait_derived_at(&follower_rpc, head, FOLLOW_TIMEOUT)
        .await
        .map_err(|e| e.wrap_err(format!("follower stderr:\n{}", follower.stderr_tail())))?;
    assert_eq!(status.divergence, serde_json::Value::Null);
    assert_same_blocks(&provider, &plain_provider(&follower.info.rpc_url), head).await?;
    // The devnet's own view: every block reached DA (its batcher learns of the inclusion
    // when it next polls, possibly after the follower read it).
    let devnet_rpc = e2e::RawRpc::new(devnet.info.rpc_url.clone());
    let devnet_status = e2e::poll_until("the devnet's safe head", FOLLOW_TIMEOUT, || async {
        let status = sync_status(&devnet_rpc).await?;
        Ok((status.safe >= head).then_some(status))
    })
    .await?;
    assert!(devnet_status.da_height > 0, "{devnet_status:?}");
    // Settling on its L1, the devnet's proposer posts output roots of its own blocks: each
    // the one the follower, from DA alone, computes for that block.
    if let Some((l1_provider, address)) = oracle {
        let oracle = bridge::contracts::OutputOracle::new(address, l1_provider);
        let posted = e2e::poll_until("the devnet's first output root", FOLLOW_TIMEOUT, || async {
            let latest = oracle.latestBlockNumber().call().await?;
            Ok((!latest.is_zero()).then_some(latest))
        })
        .await?;
        let index = oracle.getL2OutputIndexAfter(posted).call().await?;
        let output = oracle.getL2Output(index).call().await?;
        let block = u64::try_from(posted)?;
        wait_derived_at(&follower_rpc, block, FOLLOW_TIMEOUT).await?;
        let ours = bridge::l2::output_at(&plain_provider(&follower.info.rpc_url), block).await?;
        assert_eq!(output.outputRoot, ours.hash(), "output of block {block}");
    }
    follower.terminate().await?;
    devnet.terminate().await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn local_da_devnet_and_follower_agree() -> eyre::Result<()> {
    devnet_and_follower_agree("local").await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn celestia_devnet_and_follower_agree() -> eyre::Result<()> {
    devnet_and_follower_agree("celestia").await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ethereum_devnet_and_follower_agree() -> eyre::Result<()> {
    devnet_and_follower_agree("ethereum").await
}
