//! One native token across the VMs, end to end through both RPCs: lamports a Solana client
//! sends to an EVM user's account id show up as wei on `eth_getBalance`; that user spends them
//! in an EVM transaction; and wei an EVM transfer sends to an address show up as lamports on
//! Solana's `getBalance` of its account id. 1 lamport = 1 gwei throughout.

use alloy::{
    primitives::{Address, U256},
    providers::Provider,
    signers::local::PrivateKeySigner,
};
use e2e::{RawRpc, TestNode, poll_until, raw, signed_transfer, wait_receipt};
use serde_json::json;
use solana_hash::Hash;
use solana_keypair::Keypair;
use solana_message::Message;
use solana_pubkey::Pubkey;
use solana_signer::Signer;
use solana_transaction::{Transaction, versioned::VersionedTransaction};

const GWEI: u128 = 1_000_000_000;

/// The Solana account id of an EVM address: 12 zero bytes, then the address.
fn id_of(address: Address) -> Pubkey {
    let mut id = [0u8; 32];
    id[12..].copy_from_slice(address.as_slice());
    Pubkey::new_from_array(id)
}

async fn lamports(rpc: &RawRpc, key: &Pubkey) -> eyre::Result<u64> {
    let answer =
        rpc.call("getBalance", json!([key.to_string(), {"commitment": "confirmed"}])).await?;
    answer["value"].as_u64().ok_or_else(|| eyre::eyre!("getBalance answered {answer}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lamports_and_wei_are_one_balance_both_ways() -> eyre::Result<()> {
    let node = TestNode::start().await?;
    let (http, _) =
        node.handle().solana_rpc_addrs.ok_or_else(|| eyre::eyre!("no Solana RPC served"))?;
    let solana = RawRpc::new(format!("http://{http}").parse()?);
    let keys = node_config::dev_solana_keypairs(1)?;
    let payer = Keypair::try_from(bs58::decode(&keys[0].secret_base58).into_vec()?.as_slice())?;

    // Solana -> EVM: 3 SOL to a fresh EVM user's account id.
    let user = PrivateKeySigner::random();
    let sent = 3_000_000_000u64;
    let blockhash = solana.call("getLatestBlockhash", json!([{"commitment": "confirmed"}])).await?;
    let blockhash: Hash = blockhash["value"]["blockhash"].as_str().unwrap_or_default().parse()?;
    let ix = solana_system_interface::instruction::transfer(
        &payer.pubkey(),
        &id_of(user.address()),
        sent,
    );
    let message = Message::new_with_blockhash(&[ix], Some(&payer.pubkey()), &blockhash);
    let tx = VersionedTransaction::from(Transaction::new(&[&payer], message, blockhash));
    let wire = base64::Engine::encode(
        &base64::engine::general_purpose::STANDARD,
        bincode::serialize(&tx)?,
    );
    let signature = solana.call("sendTransaction", json!([wire, {"encoding": "base64"}])).await?;
    poll_until("the Solana transfer to be sealed", e2e::TIMEOUT, || async {
        let answer = solana.call("getSignatureStatuses", json!([[signature]])).await?;
        Ok((!answer["value"][0].is_null()).then_some(()))
    })
    .await?;
    let wei = node.provider.get_balance(user.address()).await?;
    assert_eq!(wei, U256::from(u128::from(sent) * GWEI));

    // The EVM user spends what arrived from Solana: 1 ETH to another address, gas paid from it.
    let other = Address::repeat_byte(0x5a);
    let spend = signed_transfer(&user, 0, other, 10u128.pow(18))?;
    let hash = node.provider.send_raw_transaction(&raw(&spend)).await?.tx_hash().to_owned();
    let receipt = wait_receipt(&node.provider, hash).await?;
    assert!(receipt.status());
    let gas_cost = u128::from(receipt.gas_used) * receipt.effective_gas_price;

    // EVM -> Solana: both EVM accounts as Solana sees them, in whole lamports.
    assert_eq!(lamports(&solana, &id_of(other)).await?, 1_000_000_000);
    let left = u128::from(sent) * GWEI - 10u128.pow(18) - gas_cost;
    assert_eq!(node.provider.get_balance(user.address()).await?, U256::from(left));
    assert_eq!(u128::from(lamports(&solana, &id_of(user.address())).await?), left / GWEI);
    Ok(())
}
