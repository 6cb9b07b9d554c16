//! A crash (SIGKILL) while Solana clients stream transactions over the Solana RPC loses none
//! that `sendTransaction` acknowledged: after the restart every acknowledged signature is
//! found sealed, and each recipient holds exactly what it was sent.
//!
//! Needs `target/debug/manifold` (`cargo build -p devnet`) or `MANIFOLD_BIN`.

use std::{
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};

use base64::Engine as _;
use e2e::{ManifoldProcess, RawRpc, poll_until};
use serde_json::{Value, json};
use solana_hash::Hash;
use solana_keypair::Keypair;
use solana_message::Message;
use solana_pubkey::Pubkey;
use solana_signer::Signer;
use solana_transaction::{Transaction, versioned::VersionedTransaction};

/// Lamports each transfer sends (above the rent-exempt minimum of an empty account).
const AMOUNT: u64 = 1_000_000;
/// Clients streaming at once, each from its own funded keypair.
const CLIENTS: usize = 4;
/// Acknowledged transactions to wait for before the kill.
const BEFORE_KILL: usize = 200;

/// The Solana RPC of a devnet process, and its funded keypairs.
fn solana_of(node: &ManifoldProcess) -> eyre::Result<(RawRpc, Vec<Keypair>)> {
    let url = node.info.raw["solana_rpc_url"]
        .as_str()
        .ok_or_else(|| eyre::eyre!("no solana_rpc_url in {}", node.info.raw))?;
    let keys = node.info.raw["solana_keypairs"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .map(|secret| -> eyre::Result<Keypair> {
            let bytes = bs58::decode(secret.as_str().unwrap_or_default()).into_vec()?;
            Ok(Keypair::try_from(bytes.as_slice())?)
        })
        .collect::<eyre::Result<Vec<_>>>()?;
    Ok((RawRpc::new(url.parse()?), keys))
}

async fn latest_blockhash(rpc: &RawRpc) -> eyre::Result<Hash> {
    let answer = rpc.call("getLatestBlockhash", json!([{"commitment": "confirmed"}])).await?;
    Ok(answer["value"]["blockhash"].as_str().unwrap_or_default().parse()?)
}

/// A signed transfer of [`AMOUNT`] from `payer` to `to`, base64.
fn transfer(payer: &Keypair, to: &Pubkey, blockhash: Hash) -> String {
    let ix = solana_system_interface::instruction::transfer(&payer.pubkey(), to, AMOUNT);
    let message = Message::new_with_blockhash(&[ix], Some(&payer.pubkey()), &blockhash);
    let tx = VersionedTransaction::from(Transaction::new(&[payer], message, blockhash));
    base64::engine::general_purpose::STANDARD.encode(bincode::serialize(&tx).unwrap_or_default())
}

/// Streams transfers from `payer` to fresh recipients until `stop`; records every one the
/// node acknowledged (signature, recipient). Errors once the node is gone end the stream.
async fn stream(
    rpc: RawRpc,
    payer: Keypair,
    stop: Arc<AtomicBool>,
    acked: Arc<Mutex<Vec<(String, Pubkey)>>>,
) {
    let Ok(mut blockhash) = latest_blockhash(&rpc).await else { return };
    let mut sent = 0u64;
    while !stop.load(Ordering::Relaxed) {
        if sent % 20 == 19 {
            match latest_blockhash(&rpc).await {
                Ok(hash) => blockhash = hash,
                Err(_) => return,
            }
        }
        let to = Pubkey::new_unique();
        let tx = transfer(&payer, &to, blockhash);
        let params = json!([tx, {"encoding": "base64"}]);
        match rpc.call("sendTransaction", params).await {
            Ok(Value::String(signature)) => acked.lock().unwrap().push((signature, to)),
            Ok(other) => panic!("sendTransaction answered {other}"),
            Err(_) => return,
        }
        sent += 1;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn kill_9_under_solana_transactions_loses_no_acknowledged_one() -> eyre::Result<()> {
    let dir = tempfile::tempdir()?;
    let (data_dir, logs) = (dir.path().join("data"), dir.path().join("logs"));
    std::fs::create_dir_all(&logs)?;
    let node = ManifoldProcess::spawn(&data_dir, &logs, "before-kill").await?;
    let (rpc, keys) = solana_of(&node)?;
    assert!(keys.len() >= CLIENTS, "the devnet funds {} Solana keypairs", keys.len());

    let stop = Arc::new(AtomicBool::new(false));
    let acked = Arc::new(Mutex::new(Vec::new()));
    let clients: Vec<_> = keys
        .into_iter()
        .take(CLIENTS)
        .map(|key| tokio::spawn(stream(rpc.clone(), key, stop.clone(), acked.clone())))
        .collect();
    poll_until("transactions acknowledged before the kill", Duration::from_secs(60), || {
        let count = acked.lock().unwrap().len();
        async move { Ok((count >= BEFORE_KILL).then_some(())) }
    })
    .await?;
    // Kill while the clients are still sending: some requests are in flight.
    let status = node.kill9().await?;
    assert!(!status.success(), "killed: {status}");
    stop.store(true, Ordering::Relaxed);
    for client in clients {
        client.await?;
    }
    let acked = acked.lock().unwrap().clone();

    let node = ManifoldProcess::spawn(&data_dir, &logs, "after-kill").await?;
    let (rpc, _) = solana_of(&node)?;
    for chunk in acked.chunks(200) {
        let signatures: Vec<&str> = chunk.iter().map(|(s, _)| s.as_str()).collect();
        let statuses =
            poll_until("every acknowledged signature sealed", Duration::from_secs(60), || {
                let (rpc, params) = (rpc.clone(), json!([signatures]));
                async move {
                    let answer = rpc.call("getSignatureStatuses", params).await?;
                    let values = answer["value"].as_array().cloned().unwrap_or_default();
                    Ok(values.iter().all(|v| !v.is_null()).then_some(values))
                }
            })
            .await?;
        for (status, (signature, to)) in statuses.iter().zip(chunk) {
            assert_eq!(status["err"], Value::Null, "{signature}: {status}");
            let balance = rpc.call("getBalance", json!([to.to_string()])).await?;
            assert_eq!(balance["value"], AMOUNT, "recipient of {signature}");
        }
    }
    println!("{} Solana transactions acknowledged before the kill, none lost", acked.len());
    node.terminate().await?;
    Ok(())
}
