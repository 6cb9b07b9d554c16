//! A node running two engines (the `manifold-kv-node` test binary: the EVM and the key-value
//! test engine) killed with SIGKILL while clients stream transactions of both engines loses
//! no acknowledged transaction: after the restart each is in a block or still pending, and
//! the pool drains into blocks.

use std::{
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, AtomicUsize, Ordering},
    },
    time::Duration,
};

use alloy::primitives::{Address, B256};
use e2e::{
    ManifoldProcess, RawRpc, dev_accounts, poll_until, raw, signed_transfer, signer,
    two_engines::kv_transaction,
};
use execution::kv::KvOp;
use serde_json::json;

const KILL_AFTER: usize = 120;

async fn spawn(
    data_dir: &std::path::Path,
    logs: &std::path::Path,
    name: &str,
) -> eyre::Result<ManifoldProcess> {
    let bin = std::path::Path::new(env!("CARGO_BIN_EXE_manifold-kv-node"));
    let data_dir = data_dir.to_string_lossy();
    ManifoldProcess::spawn_program(bin, &["--data-dir", &data_dir], logs, name).await
}

async fn latest_hash(rpc: &RawRpc) -> eyre::Result<B256> {
    let block = rpc.call("eth_getBlockByNumber", json!(["latest", false])).await?;
    Ok(serde_json::from_value(block["hash"].clone())?)
}

/// `status` of `hash` (`pending`, `included`) or `None` when the node does not know it.
async fn status(rpc: &RawRpc, hash: B256) -> eyre::Result<Option<String>> {
    let status = rpc.call("manifold_transactionStatus", json!([hash])).await?;
    Ok(status["status"].as_str().map(str::to_owned))
}

#[tokio::test(flavor = "multi_thread")]
async fn kill_9_loses_no_acknowledged_transaction_of_either_engine() -> eyre::Result<()> {
    let dir = tempfile::tempdir()?;
    let (data_dir, logs) = (dir.path().join("data"), dir.path().join("logs"));
    let node = spawn(&data_dir, &logs, "before-kill").await?;
    let url = node.info.rpc_url.clone();
    let acknowledged: Arc<Mutex<Vec<B256>>> = Arc::default();
    let count = Arc::new(AtomicUsize::new(0));
    let stop = Arc::new(AtomicBool::new(false));

    // One client streams key-value puts (a fresh recent block every 10), one streams EVM
    // transfers.
    let kv = {
        let (rpc, acknowledged, count, stop) =
            (RawRpc::new(url.clone()), acknowledged.clone(), count.clone(), stop.clone());
        tokio::spawn(async move {
            let mut recent = B256::ZERO;
            for i in 0u64.. {
                if stop.load(Ordering::Relaxed) {
                    break;
                }
                if i % 10 == 0 {
                    match latest_hash(&rpc).await {
                        Ok(hash) => recent = hash,
                        Err(_) => break,
                    }
                }
                let op = KvOp::Put {
                    key: B256::from(alloy::primitives::U256::from(i)),
                    value: vec![1].into(),
                };
                let (tagged, hash) = kv_transaction(recent, vec![op]);
                match rpc.request("manifold_sendTransaction", json!([tagged])).await {
                    Ok(Ok(answer)) => {
                        assert_eq!(serde_json::from_value::<B256>(answer).unwrap(), hash);
                        acknowledged.lock().unwrap().push(hash);
                        count.fetch_add(1, Ordering::SeqCst);
                    }
                    Ok(Err(error)) => {
                        panic!("a valid key-value transaction was refused: {error:?}")
                    }
                    Err(_) => break,
                }
            }
        })
    };
    let evm = {
        let (rpc, acknowledged, count, stop) =
            (RawRpc::new(url.clone()), acknowledged.clone(), count.clone(), stop.clone());
        let key = signer(&dev_accounts()[3]);
        tokio::spawn(async move {
            for nonce in 0u64..2_000 {
                if stop.load(Ordering::Relaxed) {
                    break;
                }
                let tx = signed_transfer(&key, nonce, Address::repeat_byte(0x33), 1).unwrap();
                match rpc.request("eth_sendRawTransaction", json!([raw(&tx)])).await {
                    Ok(Ok(_)) => {
                        acknowledged.lock().unwrap().push(*tx.tx_hash());
                        count.fetch_add(1, Ordering::SeqCst);
                    }
                    Ok(Err(error)) => panic!("a valid EVM transaction was refused: {error:?}"),
                    Err(_) => break,
                }
            }
        })
    };
    poll_until("acknowledged transactions of both engines", Duration::from_secs(60), || async {
        Ok((count.load(Ordering::SeqCst) >= KILL_AFTER).then_some(()))
    })
    .await?;
    let status_kill = node.kill9().await?;
    assert!(!status_kill.success());
    stop.store(true, Ordering::Relaxed);
    kv.await?;
    evm.await?;
    let acknowledged = acknowledged.lock().unwrap().clone();
    assert!(acknowledged.len() >= KILL_AFTER);

    let node = spawn(&data_dir, &logs, "after-kill").await?;
    let rpc = RawRpc::new(node.info.rpc_url.clone());
    let mut lost = Vec::new();
    for hash in &acknowledged {
        if status(&rpc, *hash).await?.is_none() {
            lost.push(*hash);
        }
    }
    assert!(
        lost.is_empty(),
        "{} of {} acknowledged transactions are neither in a block nor pending after the \
         crash: {:?}\nstderr:\n{}",
        lost.len(),
        acknowledged.len(),
        &lost[..lost.len().min(5)],
        node.stderr_tail()
    );
    poll_until("every acknowledged transaction in a block", Duration::from_secs(60), || {
        let (rpc, acknowledged) = (rpc.clone(), acknowledged.clone());
        async move {
            for hash in &acknowledged {
                if status(&rpc, *hash).await?.as_deref() != Some("included") {
                    return Ok(None);
                }
            }
            Ok(Some(()))
        }
    })
    .await?;
    node.terminate().await?;
    Ok(())
}
