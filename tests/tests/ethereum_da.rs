//! The Ethereum calldata DA backend against real L1 nodes: Manifold's own dev L1
//! (`devnet::l1`, in-process, instant and interval mining) and Hardhat 2's `hardhat node`
//! (from `tests/l1-hardhat`, installed by `scripts/test.sh`): blobs read back byte for byte at
//! the receipt's height, foreign transactions ignored, confirmations, an unreachable or wrong
//! L1, fee bumping of a stuck transaction, `manifold l1` as a process, and a sequencer whose
//! `[da] backend = "ethereum"` posts its blocks to the dev L1.

use std::{collections::BTreeMap, process::Stdio, time::Duration};

use alloy::{
    consensus::TxEip1559,
    primitives::{Address, B256, Bytes as AlloyBytes, TxKind, U256},
    providers::Provider,
    signers::local::PrivateKeySigner,
};
use bytes::Bytes;
use da::{BatchAssembler, BatchBlock, DaBackend, DaError, DaReceipt, EthereumDa};
use devnet::l1::{self, L1Node, L1Options};
use e2e::{
    GWEI, RawRpc, TIMEOUT, dev_accounts,
    hardhat::{HARDHAT_CHAIN_ID, HardhatNode},
    plain_provider, poll_until, raw, sign, signed_transfer, signer, wait_receipt,
};
use eyre::{WrapErr, bail, eyre};
use node_config::{DaBackendKind, DevAccount, DevnetOptions, EthereumDaConfig, NodeConfig, Secret};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, BufReader};

/// Chain id of the in-process dev L1 (`manifold l1`'s default).
const L1_CHAIN_ID: u64 = 900;
/// The default batch inbox.
const INBOX: Address = node_config::DEFAULT_BATCH_INBOX;

/// Dev account 1 posts batches; account 2 is a stranger; account 3 makes blocks.
fn batcher() -> DevAccount {
    dev_accounts()[1].clone()
}
fn stranger() -> DevAccount {
    dev_accounts()[2].clone()
}
fn block_maker() -> DevAccount {
    dev_accounts()[3].clone()
}

/// A backend config posting from [`batcher`] to `rpc_url`, polling every 20 ms.
fn da_config(rpc_url: &str, l1_chain_id: u64) -> EthereumDaConfig {
    EthereumDaConfig {
        rpc_url: rpc_url.to_owned(),
        batcher_key: Some(Secret::new(alloy::hex::encode_prefixed(batcher().private_key))),
        l1_chain_id: Some(l1_chain_id),
        confirmations: 1,
        poll_interval_ms: 20,
        fee_bump_after_ms: 30_000,
        ..Default::default()
    }
}

async fn start_l1(block_time: Option<Duration>) -> eyre::Result<L1Node> {
    l1::start(L1Options { listen: "127.0.0.1:0".parse()?, block_time, ..Default::default() }).await
}

/// A blob with zero and non-zero bytes (both calldata prices), distinct per `seed`.
fn blob(seed: u8, len: usize) -> Bytes {
    (0..len).map(|i| if i % 3 == 0 { 0 } else { (i as u8).wrapping_mul(31) ^ seed }).collect()
}

/// A signed L1 transaction from `from` to `to` carrying `input`.
fn l1_tx(
    from: &PrivateKeySigner,
    chain_id: u64,
    nonce: u64,
    to: Address,
    input: &[u8],
) -> eyre::Result<AlloyBytes> {
    Ok(raw(&sign(
        from,
        TxEip1559 {
            chain_id,
            nonce,
            gas_limit: 200_000,
            max_fee_per_gas: 50 * GWEI,
            max_priority_fee_per_gas: GWEI,
            to: TxKind::Call(to),
            value: U256::ZERO,
            input: AlloyBytes::copy_from_slice(input),
            ..Default::default()
        },
    )?))
}

/// Sends `raw` to `url` and waits for its receipt; returns its block number.
async fn send_and_wait(url: &str, raw: &AlloyBytes) -> eyre::Result<u64> {
    let provider = plain_provider(&url.parse()?);
    let hash = *provider.send_raw_transaction(raw).await?.tx_hash();
    let receipt = wait_receipt(&provider, hash).await?;
    receipt.block_number.ok_or_else(|| eyre!("receipt of {hash} has no block number"))
}

async fn nonce_of(url: &str, who: Address) -> eyre::Result<u64> {
    Ok(plain_provider(&url.parse()?).get_transaction_count(who).pending().await?)
}

/// `submit` with a deadline.
async fn submit(da: &EthereumDa, blob: &Bytes) -> eyre::Result<DaReceipt> {
    tokio::time::timeout(TIMEOUT, da.submit(blob.clone()))
        .await
        .map_err(|_| eyre!("submit did not return within {TIMEOUT:?}"))?
        .wrap_err("submit")
}

/// The L1 transaction behind a receipt: the commitment is its hash, its input the blob, its
/// sender the batcher.
async fn check_commitment(url: &str, receipt: &DaReceipt, blob: &Bytes) -> eyre::Result<()> {
    let rpc = RawRpc::new(url.parse()?);
    let tx = rpc.call("eth_getTransactionByHash", json!([receipt.commitment])).await?;
    assert_eq!(tx["input"].as_str(), Some(alloy::hex::encode_prefixed(blob).as_str()));
    assert_eq!(tx["to"].as_str().map(str::to_lowercase), Some(format!("{INBOX:?}").to_lowercase()));
    assert_eq!(
        tx["from"].as_str().map(str::to_lowercase),
        Some(format!("{:?}", batcher().address).to_lowercase())
    );
    assert_eq!(hex_u64(&tx["blockNumber"])?, receipt.height);
    Ok(())
}

fn hex_u64(value: &Value) -> eyre::Result<u64> {
    let text = value.as_str().ok_or_else(|| eyre!("not a hex string: {value}"))?;
    Ok(u64::from_str_radix(text.trim_start_matches("0x"), 16)?)
}

fn hex_u128(value: &Value) -> eyre::Result<u128> {
    let text = value.as_str().ok_or_else(|| eyre!("not a hex string: {value}"))?;
    Ok(u128::from_str_radix(text.trim_start_matches("0x"), 16)?)
}

/// A port nothing listens on (bound, then released).
fn free_port() -> eyre::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

// ---------------------------------------------------------------------------------------------
// Against the in-process dev L1
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread")]
async fn submitted_blobs_read_back_byte_exact_at_the_receipt_height() -> eyre::Result<()> {
    let l1 = start_l1(None).await?;
    let da = EthereumDa::connect(&da_config(&l1.rpc_url(), L1_CHAIN_ID)).await?;
    assert_eq!(da.name(), "ethereum");
    assert_eq!(da.batcher(), batcher().address);

    let first = blob(1, 5_000);
    let second = blob(2, 120_000); // the default limit: about 4.8M gas with the EIP-7623 floor
    let r1 = submit(&da, &first).await?;
    let r2 = submit(&da, &second).await?;
    assert!(r2.height > r1.height, "{r1:?} then {r2:?}");
    assert_eq!(da.blobs_at(r1.height).await?, vec![first.clone()]);
    assert_eq!(da.blobs_at(r2.height).await?, vec![second.clone()]);
    check_commitment(&l1.rpc_url(), &r1, &first).await?;
    check_commitment(&l1.rpc_url(), &r2, &second).await?;

    let head = da.head_height().await?;
    assert_eq!(head, r2.height, "instant mining seals nothing else");
    assert_eq!(da.blobs_at(0).await?, Vec::<Bytes>::new(), "genesis holds no blob");
    match da.blobs_at(head + 1).await {
        Err(DaError::HeightNotAvailable { height, head: h }) => {
            assert_eq!((height, h), (head + 1, head));
        }
        other => bail!("above the head: expected HeightNotAvailable, got {other:?}"),
    }
    // Over the limit and empty: refused before anything is sent.
    let too_big = Bytes::from(vec![1u8; da.max_blob_bytes() + 1]);
    assert!(matches!(da.submit(too_big).await, Err(DaError::BlobTooLarge { .. })));
    assert!(matches!(da.submit(Bytes::new()).await, Err(DaError::EmptyBlob)));
    assert_eq!(da.head_height().await?, head, "refused blobs sent no transaction");
    l1.shutdown().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn only_the_batchers_transactions_to_the_inbox_are_blobs() -> eyre::Result<()> {
    // Interval mining, so the foreign transactions and the batch can share blocks.
    let l1 = start_l1(Some(Duration::from_millis(300))).await?;
    let url = l1.rpc_url();
    let da = EthereumDa::connect(&da_config(&url, L1_CHAIN_ID)).await?;
    let provider = plain_provider(&url.parse()?);

    // A stranger writes to the inbox; the batcher writes elsewhere (before the backend's first
    // submit, which then reads the batcher's nonce as 1).
    let foreign = l1_tx(&signer(&stranger()), L1_CHAIN_ID, 0, INBOX, b"not a batch: stranger")?;
    let elsewhere = l1_tx(
        &signer(&batcher()),
        L1_CHAIN_ID,
        0,
        Address::repeat_byte(0x42),
        b"not a batch: wrong recipient",
    )?;
    let foreign_hash = *provider.send_raw_transaction(&foreign).await?.tx_hash();
    let elsewhere_hash = *provider.send_raw_transaction(&elsewhere).await?.tx_hash();
    let batch = blob(3, 2_000);
    let receipt = submit(&da, &batch).await?;
    let foreign_at = wait_receipt(&provider, foreign_hash).await?.block_number.unwrap();
    let elsewhere_at = wait_receipt(&provider, elsewhere_hash).await?.block_number.unwrap();
    println!("batch at {}, foreign at {foreign_at}, elsewhere at {elsewhere_at}", receipt.height);

    let mut heights = vec![receipt.height, foreign_at, elsewhere_at];
    heights.sort_unstable();
    heights.dedup();
    for height in heights {
        let expected = if height == receipt.height { vec![batch.clone()] } else { vec![] };
        assert_eq!(da.blobs_at(height).await?, expected, "blobs at L1 block {height}");
    }
    // A reader that only knows the batcher's address sees the same.
    let reader = EthereumDa::connect(&EthereumDaConfig {
        batcher_key: None,
        batcher_address: Some(batcher().address),
        ..da_config(&url, L1_CHAIN_ID)
    })
    .await?;
    assert!(!reader.can_submit());
    assert_eq!(reader.blobs_at(receipt.height).await?, vec![batch.clone()]);
    assert!(matches!(reader.submit(blob(4, 10)).await, Err(DaError::Misconfigured { .. })));
    // A reader trusting the stranger instead sees only the stranger's inbox transaction.
    let wrong_reader = EthereumDa::connect(&EthereumDaConfig {
        batcher_key: None,
        batcher_address: Some(stranger().address),
        ..da_config(&url, L1_CHAIN_ID)
    })
    .await?;
    assert_eq!(
        wrong_reader.blobs_at(foreign_at).await?,
        vec![Bytes::from_static(b"not a batch: stranger")]
    );
    l1.shutdown().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn the_nonce_is_read_again_after_another_sender_used_it() -> eyre::Result<()> {
    let l1 = start_l1(None).await?;
    let url = l1.rpc_url();
    let da = EthereumDa::connect(&da_config(&url, L1_CHAIN_ID)).await?;
    let first = blob(5, 100);
    submit(&da, &first).await?;
    // The batcher's key is used elsewhere: the backend's remembered nonce (1) is now stale.
    let nonce = nonce_of(&url, batcher().address).await?;
    assert_eq!(nonce, 1);
    send_and_wait(&url, &l1_tx(&signer(&batcher()), L1_CHAIN_ID, nonce, Address::ZERO, b"x")?)
        .await?;
    let second = blob(6, 100);
    let receipt = submit(&da, &second).await?;
    assert_eq!(da.blobs_at(receipt.height).await?, vec![second]);
    assert_eq!(nonce_of(&url, batcher().address).await?, 3);
    l1.shutdown().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_blob_is_confirmed_once_the_l1_has_enough_blocks_on_it() -> eyre::Result<()> {
    // Instant mining: the test makes every block itself, one transfer each.
    let l1 = start_l1(None).await?;
    let url = l1.rpc_url();
    let da =
        EthereumDa::connect(&EthereumDaConfig { confirmations: 3, ..da_config(&url, L1_CHAIN_ID) })
            .await?;
    let receipt = submit(&da, &blob(7, 300)).await?;
    // The same transaction recorded at another height, as when an L1 reorg mined it again in
    // another block: its depth is counted where it is now.
    let moved = DaReceipt { height: receipt.height - 1, ..receipt.clone() };
    let maker = signer(&block_maker());
    for on_top in 0..3u64 {
        assert_eq!(da.head_height().await?, receipt.height + on_top);
        let confirmed = da.is_confirmed(&receipt).await?;
        // Its own block counts: three confirmations need two blocks on top.
        assert_eq!(confirmed, on_top >= 2, "with {on_top} blocks on top");
        assert_eq!(da.is_confirmed(&moved).await?, on_top >= 2, "moved, {on_top} on top");
        if on_top < 2 {
            let tx = l1_tx(&maker, L1_CHAIN_ID, on_top, Address::repeat_byte(9), b"")?;
            assert_eq!(send_and_wait(&url, &tx).await?, receipt.height + on_top + 1);
        }
    }
    // A transaction that is not on L1 is never confirmed.
    let wrong_hash = DaReceipt { commitment: B256::repeat_byte(1), ..receipt.clone() };
    assert!(!da.is_confirmed(&wrong_hash).await?);
    l1.shutdown().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn interval_mining_confirms_without_other_traffic() -> eyre::Result<()> {
    let l1 = start_l1(Some(Duration::from_millis(100))).await?;
    let da = EthereumDa::connect(&EthereumDaConfig {
        confirmations: 4,
        ..da_config(&l1.rpc_url(), L1_CHAIN_ID)
    })
    .await?;
    let batch = blob(8, 1_000);
    let receipt = submit(&da, &batch).await?;
    assert_eq!(da.blobs_at(receipt.height).await?, vec![batch]);
    poll_until("the blob to be confirmed by empty blocks", TIMEOUT, || async {
        Ok(da.is_confirmed(&receipt).await?.then_some(()))
    })
    .await?;
    assert!(da.head_height().await? >= receipt.height + 3);
    // The dev L1 calls its blocks final at once.
    let finalized = plain_provider(&l1.rpc_url().parse()?)
        .get_block_by_number(alloy::eips::BlockNumberOrTag::Finalized)
        .await?
        .ok_or_else(|| eyre!("no finalized block"))?;
    assert!(finalized.header.number >= receipt.height);
    l1.shutdown().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unreachable_l1_is_unavailable_and_a_wrong_one_misconfigured() -> eyre::Result<()> {
    let port = free_port()?;
    let url = format!("http://127.0.0.1:{port}");
    // The L1 is down: connecting works, every call is a transient error.
    let da = EthereumDa::connect(&da_config(&url, L1_CHAIN_ID + 1)).await?;
    let receipt = DaReceipt { height: 1, commitment: B256::ZERO };
    for err in [
        da.head_height().await.unwrap_err(),
        da.blobs_at(1).await.unwrap_err(),
        da.is_confirmed(&receipt).await.unwrap_err(),
        da.submit(blob(9, 10)).await.unwrap_err(),
    ] {
        assert!(matches!(err, DaError::Unavailable { backend: "ethereum", .. }), "{err}");
        assert!(err.is_transient());
    }
    // An L1 with chain id 900 comes up where chain 901 was expected.
    let l1 =
        l1::start(L1Options { listen: format!("127.0.0.1:{port}").parse()?, ..Default::default() })
            .await?;
    for err in [da.head_height().await.unwrap_err(), da.submit(blob(9, 10)).await.unwrap_err()] {
        assert!(matches!(err, DaError::Misconfigured { .. }), "{err}");
        assert!(!err.is_transient());
        assert!(err.to_string().contains("chain id 900"), "{err}");
    }
    // Connecting to a reachable wrong L1 fails at once; to the right one it works.
    let err = EthereumDa::connect(&da_config(&url, 1)).await.unwrap_err();
    assert!(matches!(err, DaError::Misconfigured { .. }), "{err}");
    let right = EthereumDa::connect(&da_config(&url, L1_CHAIN_ID)).await?;
    assert_eq!(right.head_height().await?, 0);
    l1.shutdown().await;
    // And down again: transient again.
    assert!(right.head_height().await.unwrap_err().is_transient());
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Against Hardhat 2 (`tests/l1-hardhat`)
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread")]
async fn round_trip_through_hardhat() -> eyre::Result<()> {
    let hardhat = HardhatNode::start().await?;
    let url = hardhat.url.clone();
    let da = EthereumDa::connect(&da_config(&url, HARDHAT_CHAIN_ID)).await?;
    let batch = blob(10, 50_000);
    let receipt = submit(&da, &batch).await?;
    assert_eq!(da.blobs_at(receipt.height).await?, vec![batch.clone()]);
    check_commitment(&url, &receipt, &batch).await?;
    assert!(da.is_confirmed(&receipt).await?, "one confirmation: final when included");
    // Hardhat charges the EIP-7623 floor, and the backend's gas limit covers it.
    let onchain =
        hardhat.rpc.call("eth_getTransactionReceipt", json!([receipt.commitment])).await?;
    assert_eq!(onchain["status"], json!("0x1"));
    let tokens: u64 = batch.iter().map(|b| if *b == 0 { 1 } else { 4 }).sum();
    assert_eq!(hex_u64(&onchain["gasUsed"])?, 21_000 + 10 * tokens);

    // A stranger's inbox transaction is mined by automine into a block of its own: no blob.
    let foreign = l1_tx(&signer(&stranger()), HARDHAT_CHAIN_ID, 0, INBOX, b"stranger")?;
    let foreign_at = send_and_wait(&url, &foreign).await?;
    assert_eq!(da.blobs_at(foreign_at).await?, Vec::<Bytes>::new());
    let next = blob(11, 700);
    let r2 = submit(&da, &next).await?;
    assert_eq!(da.blobs_at(r2.height).await?, vec![next]);
    assert!(matches!(da.blobs_at(r2.height + 1).await, Err(DaError::HeightNotAvailable { .. })));
    drop(hardhat);
    Ok(())
}

/// A transaction of the batcher waiting in the pending block: (hash, nonce, maxFee, tip).
async fn pending_batch_tx(rpc: &RawRpc) -> eyre::Result<Option<(B256, u64, u128, u128)>> {
    let pending = rpc.call("eth_getBlockByNumber", json!(["pending", true])).await?;
    let batcher = format!("{:?}", batcher().address).to_lowercase();
    for tx in pending["transactions"].as_array().into_iter().flatten() {
        if tx["from"].as_str().map(str::to_lowercase) == Some(batcher.clone()) {
            return Ok(Some((
                tx["hash"].as_str().unwrap_or_default().parse()?,
                hex_u64(&tx["nonce"])?,
                hex_u128(&tx["maxFeePerGas"])?,
                hex_u128(&tx["maxPriorityFeePerGas"])?,
            )));
        }
    }
    Ok(None)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_stuck_batch_is_replaced_with_higher_fees_on_hardhat() -> eyre::Result<()> {
    let hardhat = HardhatNode::start().await?;
    let url = hardhat.url.clone();
    let rpc = hardhat.rpc.clone();
    assert_eq!(rpc.call("evm_setAutomine", json!([false])).await?, json!(true));
    let bump_percent = 20;
    let da = EthereumDa::connect(&EthereumDaConfig {
        fee_bump_after_ms: 400,
        fee_bump_percent: bump_percent,
        poll_interval_ms: 25,
        ..da_config(&url, HARDHAT_CHAIN_ID)
    })
    .await?;
    let batch = blob(12, 3_000);
    let submitting = tokio::spawn({
        let batch = batch.clone();
        async move { da.submit(batch).await.map(|receipt| (receipt, da)) }
    });

    // The first transaction waits in the pool (nothing mines)…
    let (first, nonce, max_fee, tip) =
        poll_until("the batch transaction in the pending block", TIMEOUT, || {
            pending_batch_tx(&rpc)
        })
        .await?;
    // …until the backend replaces it: same nonce, both fees up by at least the percentage.
    let (second, second_nonce, second_max_fee, second_tip) =
        poll_until("a fee-bumped replacement", TIMEOUT, || async {
            Ok(pending_batch_tx(&rpc).await?.filter(|(hash, ..)| *hash != first))
        })
        .await?;
    assert_eq!(second_nonce, nonce);
    let raised = |v: u128| (v * (100 + u128::from(bump_percent))).div_ceil(100);
    assert!(second_max_fee >= raised(max_fee), "{second_max_fee} vs {max_fee}");
    assert!(second_tip >= raised(tip), "{second_tip} vs {tip}");
    assert!(!submitting.is_finished(), "submit returns only once the batch is included");

    rpc.call("evm_mine", json!([])).await?;
    let mined = hex_u64(&rpc.call("eth_blockNumber", json!([])).await?)?;
    let (receipt, da) = tokio::time::timeout(TIMEOUT, submitting)
        .await
        .map_err(|_| eyre!("submit did not return after the block was mined"))???;
    assert_eq!(receipt.height, mined);
    // The replacement won (or a later one, if the backend bumped again before the mine).
    assert_ne!(receipt.commitment, first);
    let included = rpc.call("eth_getTransactionByHash", json!([receipt.commitment])).await?;
    assert_eq!(hex_u64(&included["nonce"])?, nonce);
    assert!(hex_u128(&included["maxFeePerGas"])? >= second_max_fee);
    println!("first {first}, replacement {second}, included {}", receipt.commitment);
    assert_eq!(
        rpc.call("eth_getTransactionReceipt", json!([first])).await?,
        Value::Null,
        "the replaced transaction is never included"
    );
    assert_eq!(da.blobs_at(receipt.height).await?, vec![batch]);
    drop(hardhat);
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// `manifold l1` as a process
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread")]
async fn manifold_l1_json_prints_a_working_rpc_url() -> eyre::Result<()> {
    let bin = e2e::manifold_bin()?;
    let mut child = tokio::process::Command::new(&bin)
        .args(["l1", "--port", "0", "--json", "--block-time", "100", "--accounts", "3"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .wrap_err_with(|| format!("spawning {}", bin.display()))?;
    let mut stdout = BufReader::new(child.stdout.take().expect("piped stdout")).lines();
    let line = tokio::time::timeout(e2e::READY_TIMEOUT, stdout.next_line())
        .await
        .map_err(|_| eyre!("`manifold l1 --json` printed nothing"))??
        .ok_or_else(|| eyre!("`manifold l1` exited before printing its JSON line"))?;
    let info: Value = serde_json::from_str(&line)?;
    assert_eq!(info["chain_id"], json!(L1_CHAIN_ID));
    let accounts = info["accounts"].as_array().ok_or_else(|| eyre!("no accounts: {line}"))?;
    assert_eq!(accounts.len(), 3);
    let url = info["rpc_url"].as_str().ok_or_else(|| eyre!("no rpc_url: {line}"))?.to_owned();
    let rpc = RawRpc::new(url.parse()?);
    assert_eq!(hex_u64(&rpc.call("eth_chainId", json!([])).await?)?, L1_CHAIN_ID);
    // The printed key is the printed address's, and it holds the printed balance.
    let key: B256 = accounts[0]["private_key"].as_str().unwrap_or_default().parse()?;
    let address: Address = accounts[0]["address"].as_str().unwrap_or_default().parse()?;
    assert_eq!(PrivateKeySigner::from_bytes(&key)?.address(), address);
    let balance = rpc.call("eth_getBalance", json!([address, "latest"])).await?;
    let balance =
        U256::from_str_radix(balance.as_str().unwrap_or_default().trim_start_matches("0x"), 16)?;
    let printed: U256 = accounts[0]["balance"].as_str().unwrap_or_default().parse()?;
    assert_eq!(balance, printed);
    // Account 0 paid for the bridge's deployment; the others hold their genesis balance.
    assert!(printed < U256::from(10_000u64) * U256::from(e2e::ETHER));
    let untouched = rpc.call("eth_getBalance", json!([accounts[2]["address"], "latest"])).await?;
    assert_eq!(untouched.as_str(), Some("0x21e19e0c9bab2400000"), "10,000 ether");
    assert_eq!(accounts[2]["balance"], json!("10000000000000000000000"));
    // The bridge is deployed, its roles the printed accounts 1 and 2.
    let bridge = &info["bridge"];
    for contract in ["portal", "outputOracle"] {
        let code = rpc.call("eth_getCode", json!([bridge[contract], "latest"])).await?;
        assert!(code.as_str().is_some_and(|c| c.len() > 2), "{contract}: {bridge}");
    }
    assert_eq!(bridge["proposer"], accounts[1]["address"]);
    assert_eq!(bridge["guardian"], accounts[2]["address"]);
    assert_eq!(bridge["challengePeriodSecs"], json!(60), "{bridge}");
    // Blocks come every 100 ms, empty ones included.
    poll_until("three L1 blocks", TIMEOUT, || async {
        Ok((hex_u64(&rpc.call("eth_blockNumber", json!([])).await?)? >= 3).then_some(()))
    })
    .await?;
    // SIGTERM: a clean exit.
    let pid = child.id().ok_or_else(|| eyre!("manifold l1 is not running"))?;
    std::process::Command::new("kill").args(["-TERM", &pid.to_string()]).status()?;
    let status = tokio::time::timeout(TIMEOUT, child.wait())
        .await
        .map_err(|_| eyre!("manifold l1 did not exit within {TIMEOUT:?} of SIGTERM"))??;
    assert!(status.success(), "{status}");
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// A sequencer posting to the dev L1
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread")]
async fn a_sequencer_with_ethereum_da_posts_every_block_to_the_l1() -> eyre::Result<()> {
    let l1 = start_l1(Some(Duration::from_millis(100))).await?;
    let dir = tempfile::Builder::new().prefix("manifold-e2e-").tempdir()?;
    let mut config = NodeConfig::devnet(&DevnetOptions {
        data_dir: dir.path().join("data"),
        rpc_listen: "127.0.0.1:0".parse()?,
        block_time_ms: e2e::BLOCK_TIME_MS,
        ..Default::default()
    })?;
    config.da.backend = DaBackendKind::Ethereum;
    config.da.ethereum =
        EthereumDaConfig { confirmations: 2, ..da_config(&l1.rpc_url(), L1_CHAIN_ID) };
    config.da.batcher.poll_interval_ms = 50;
    config.validate()?;
    let node = sequencer::Node::start(config.clone()).await?;
    let l2_url: reqwest::Url = format!("http://{}", node.rpc_addr).parse()?;
    let l2 = plain_provider(&l2_url);

    // Transactions over a few L2 blocks.
    let accounts = dev_accounts();
    for round in 0..3u64 {
        let mut hashes = Vec::new();
        for account in &accounts[4..7] {
            let tx = signed_transfer(&signer(account), round, Address::repeat_byte(0xd1), 1)?;
            hashes.push(*l2.send_raw_transaction(&raw(&tx)).await?.tx_hash());
        }
        for hash in hashes {
            assert!(wait_receipt(&l2, hash).await?.status());
        }
    }
    let head = node.ctx.store.head_number()?.unwrap_or_default();
    assert!(head >= 3, "three rounds make at least three L2 blocks, head {head}");
    poll_until(&format!("L2 safe head to reach {head}"), TIMEOUT, || async {
        Ok((node.ctx.heads.safe() >= head).then_some(()))
    })
    .await?;
    poll_until(&format!("L2 finalized head to reach {head}"), TIMEOUT, || async {
        Ok((node.ctx.heads.finalized() >= head).then_some(()))
    })
    .await?;

    // Read every L1 block back as a follower would: only the batcher's inbox transactions.
    let reader = EthereumDa::connect(&EthereumDaConfig {
        batcher_key: None,
        batcher_address: Some(batcher().address),
        ..da_config(&l1.rpc_url(), L1_CHAIN_ID)
    })
    .await?;
    let mut assembler = BatchAssembler::new();
    let mut posted: BTreeMap<u64, BatchBlock> = BTreeMap::new();
    let mut blobs = 0;
    for height in 1..=reader.head_height().await? {
        for blob in reader.blobs_at(height).await? {
            blobs += 1;
            if let Some(batch) = assembler.push_blob(&blob)? {
                for block in batch.blocks {
                    if let Some(seen) = posted.get(&block.number) {
                        assert_eq!(
                            seen.block_hash, block.block_hash,
                            "block {} posted twice, differently",
                            block.number
                        );
                    }
                    posted.insert(block.number, block);
                }
            }
        }
    }
    assert_eq!(assembler.pending_batches(), 0, "incomplete batch left on L1");
    println!("{blobs} blobs on L1 carry {} L2 blocks", posted.len());
    // Empty blocks sealed since `head` was read may follow, posted like any other.
    let last = posted.keys().last().copied().unwrap_or_default();
    assert!(last >= head, "the L1 carries L2 blocks up to {last}, before {head}");
    assert_eq!(posted.keys().copied().collect::<Vec<_>>(), (1..=last).collect::<Vec<_>>());
    for (number, block) in &posted {
        let sealed = l2
            .get_block_by_number((*number).into())
            .await?
            .ok_or_else(|| eyre!("L2 block {number} missing"))?;
        assert_eq!(block.block_hash, sealed.header.hash, "L2 block {number} on L1");
        assert_eq!(block.state_root, sealed.header.state_root, "L2 block {number} state root");
    }
    node.shutdown().await;
    l1.shutdown().await;
    Ok(())
}
