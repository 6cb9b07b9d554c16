//! The pool through a real node context: admission checks with geth's texts, nonce gaps held
//! back, replacement by fee bump, fee-priority selection, and sealing that drains the pool.

use alloy_consensus::{SignableTransaction, TxEip1559, TxEnvelope};
use alloy_eips::eip2718::Encodable2718;
use alloy_network::TxSignerSync;
use alloy_primitives::{Address, Bytes, TxKind, U256};
use alloy_signer_local::PrivateKeySigner;
use execution::StateView;
use node_config::{DevnetOptions, NodeConfig, dev_accounts};
use sequencer::{Node, NodeContext, PoolError, block_builder::build_block};

fn context(dir: &std::path::Path) -> NodeContext {
    let config = NodeConfig::devnet(&DevnetOptions {
        data_dir: dir.to_path_buf(),
        accounts: 3,
        ..Default::default()
    })
    .unwrap();
    Node::open(config).unwrap()
}

fn key(i: usize) -> PrivateKeySigner {
    PrivateKeySigner::from_bytes(&dev_accounts(i + 1).unwrap()[i].private_key).unwrap()
}

fn transfer(signer: &PrivateKeySigner, nonce: u64, tip_gwei: u128, value: u64) -> Bytes {
    let mut tx = TxEip1559 {
        chain_id: 31337,
        nonce,
        gas_limit: 21_000,
        max_fee_per_gas: (10 + tip_gwei) * 1_000_000_000,
        max_priority_fee_per_gas: tip_gwei * 1_000_000_000,
        to: TxKind::Call(Address::repeat_byte(0x77)),
        value: U256::from(value),
        ..Default::default()
    };
    let sig = signer.sign_transaction_sync(&mut tx).unwrap();
    let env: TxEnvelope = tx.into_signed(sig).into();
    env.encoded_2718().into()
}

#[tokio::test(flavor = "multi_thread")]
async fn gaps_wait_and_replacements_need_a_bump() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = context(dir.path());
    let alice = key(0);
    let pool = &ctx.mempool;

    pool.submit(transfer(&alice, 0, 1, 1)).await.unwrap();
    pool.submit(transfer(&alice, 2, 1, 1)).await.unwrap();
    assert_eq!(pool.len(), 2);
    assert_eq!(pool.pending_nonce(alice.address(), 0), 1, "nonce 2 waits behind the gap");

    // Same nonce without a 10% bump is refused; with it, it replaces.
    let same_fee = pool.submit(transfer(&alice, 2, 1, 2)).await.unwrap_err();
    assert_eq!(same_fee, PoolError::ReplacementUnderpriced);
    assert_eq!(same_fee.to_string(), "replacement transaction underpriced");
    let replacement = pool.submit(transfer(&alice, 2, 3, 2)).await.unwrap();
    assert_eq!(pool.len(), 2);
    assert!(pool.get(&replacement).is_some());
    assert_eq!(pool.submit(transfer(&alice, 2, 3, 2)).await.unwrap_err(), PoolError::AlreadyKnown);

    // Only the contiguous nonce is selected.
    let reader = ctx.store.reader().unwrap();
    let picked = pool.select(&reader, 1_000_000_000, 30_000_000, 100).unwrap();
    assert_eq!(picked.iter().map(|t| t.nonce()).collect::<Vec<_>>(), vec![0]);
    drop(reader);

    // Filling the gap makes 1 and 2 executable; a block takes all three and drains the pool.
    pool.submit(transfer(&alice, 1, 1, 1)).await.unwrap();
    assert_eq!(pool.pending_nonce(alice.address(), 0), 3);
    let built = build_block(&ctx, 0).unwrap();
    let block = built.block.expect("a block");
    assert_eq!(block.transactions.len(), 3);
    assert!(pool.is_empty());
    assert_eq!(ctx.store.reader().unwrap().account(alice.address()).unwrap().unwrap().nonce, 3);
    // A mined nonce is now too low.
    let err = pool.submit(transfer(&alice, 0, 5, 1)).await.unwrap_err();
    assert!(err.to_string().starts_with("nonce too low"), "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn higher_tips_go_first_and_bad_transactions_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = context(dir.path());
    let (alice, bob) = (key(0), key(1));
    let pool = &ctx.mempool;
    let low = pool.submit(transfer(&alice, 0, 1, 1)).await.unwrap();
    let high = pool.submit(transfer(&bob, 0, 3, 1)).await.unwrap();
    let reader = ctx.store.reader().unwrap();
    let picked = pool.select(&reader, 1_000_000_000, 30_000_000, 100).unwrap();
    assert_eq!(picked.iter().map(|t| t.hash).collect::<Vec<_>>(), vec![high, low]);
    // The block gas limit bounds the selection.
    let one = pool.select(&reader, 1_000_000_000, 30_000, 100).unwrap();
    assert_eq!(one.len(), 1);
    drop(reader);

    let stranger = PrivateKeySigner::random();
    let err = pool.submit(transfer(&stranger, 0, 1, 1)).await.unwrap_err();
    assert!(err.to_string().starts_with("insufficient funds for gas * price + value"), "{err}");
    let err = pool.submit(Bytes::from_static(&[0x02, 0xc0])).await.unwrap_err();
    assert!(matches!(err, PoolError::Malformed(_)), "{err}");
    let err = pool.submit(Bytes::from(vec![0u8; 200_000])).await.unwrap_err();
    assert!(err.to_string().starts_with("oversized data"), "{err}");
    assert_eq!(pool.len(), 2, "refused transactions change nothing");
}
