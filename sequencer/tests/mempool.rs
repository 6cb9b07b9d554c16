//! The pool through a real node context: admission checks with geth's texts, nonce gaps held
//! back, replacement by fee bump (within the byte cap), fee-priority selection that passes
//! over what a sender cannot pay, and sealing that drains the pool;
//! nonce lanes as `txpool_*` reads them and the admissions `newPendingTransactions` hears;
//! and the pool over two engines — the key-value test engine's transactions, guarded by a
//! recent block, deduplicated by hash, expiring with their block, ordered by fee with EVM
//! transactions in the same blocks.

use alloy_consensus::{SignableTransaction, TxEip1559, TxEnvelope};
use alloy_eips::eip2718::Encodable2718;
use alloy_network::TxSignerSync;
use alloy_primitives::{Address, B256, Bytes, TxKind, U256};
use alloy_signer_local::PrivateKeySigner;
use ed25519_dalek::SigningKey;
use execution::{
    AccountId, ChainSpec, EngineKind, Engines, StateView, Transaction,
    kv::{KV_MAX_AGE, KvEngine, KvOp, KvTx, signer_id},
};
use node_config::{DevnetOptions, GenesisIdAccount, NodeConfig, dev_accounts};
use sequencer::{
    Node, NodeContext, NodeRole, PoolError, block_builder::build_block, mempool::BlockSpace,
};

fn config(dir: &std::path::Path) -> NodeConfig {
    NodeConfig::devnet(&DevnetOptions {
        data_dir: dir.to_path_buf(),
        accounts: 3,
        ..Default::default()
    })
    .unwrap()
}

fn context(dir: &std::path::Path) -> NodeContext {
    Node::open(config(dir)).unwrap()
}

fn kv_key() -> SigningKey {
    SigningKey::from_bytes(&[0x4b; 32])
}

/// A node running the EVM and the key-value engine, the key-value payer funded.
fn two_engine_context(dir: &std::path::Path) -> NodeContext {
    let mut config = config(dir);
    let funded = GenesisIdAccount { balance: U256::from(10u128.pow(21)), ..Default::default() };
    config.genesis.accounts.insert(signer_id(&kv_key()).0, funded);
    let engines = Engines::new(&ChainSpec::from_config(&config)).with_kv(KvEngine);
    Node::open_with_engines(config, NodeRole::Sequencer, engines).unwrap()
}

fn key(i: usize) -> PrivateKeySigner {
    PrivateKeySigner::from_bytes(&dev_accounts(i + 1).unwrap()[i].private_key).unwrap()
}

fn transfer(signer: &PrivateKeySigner, nonce: u64, tip_gwei: u128, value: u64) -> Bytes {
    let to = Address::repeat_byte(0x77);
    call(signer, nonce, tip_gwei, 21_000, to, U256::from(value), Bytes::new())
}

/// A signed EIP-1559 call to `to` of `gas_limit` gas sending `value` and `input`, at a fee
/// cap of 10 gwei above its tip.
fn call(
    signer: &PrivateKeySigner,
    nonce: u64,
    tip_gwei: u128,
    gas_limit: u64,
    to: Address,
    value: U256,
    input: Bytes,
) -> Bytes {
    let mut tx = TxEip1559 {
        chain_id: 31337,
        nonce,
        gas_limit,
        max_fee_per_gas: (10 + tip_gwei) * 1_000_000_000,
        max_priority_fee_per_gas: tip_gwei * 1_000_000_000,
        to: TxKind::Call(to),
        value,
        input,
        ..Default::default()
    };
    let sig = signer.sign_transaction_sync(&mut tx).unwrap();
    let env: TxEnvelope = tx.into_signed(sig).into();
    env.encoded_2718().into()
}

/// Submits the EVM transaction `raw` (as `eth_sendRawTransaction` does).
async fn submit(ctx: &NodeContext, raw: Bytes) -> Result<B256, PoolError> {
    ctx.mempool.submit_payload(EngineKind::Evm, raw).await
}

/// The next block's space on `ctx`'s chain, with an EVM gas budget of `gas`.
fn select(ctx: &NodeContext, gas: u64) -> Vec<Transaction> {
    let reader = ctx.store.reader().unwrap();
    let head = reader.head_header().unwrap();
    let env = ctx.chain.next_block_env(&head, head.timestamp);
    let budget =
        |kind| if kind == EngineKind::Evm { gas } else { ctx.engines.block_limit(kind, &env) };
    let space =
        BlockSpace { number: env.number, base_fee: 1_000_000_000, max_count: 100, budget: &budget };
    ctx.mempool.select(&reader, &space).unwrap()
}

fn nonce(tx: &Transaction) -> u64 {
    tx.as_evm().unwrap().nonce()
}

#[tokio::test(flavor = "multi_thread")]
async fn gaps_wait_and_replacements_need_a_bump() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = context(dir.path());
    let alice = key(0);
    let pool = &ctx.mempool;

    submit(&ctx, transfer(&alice, 0, 1, 1)).await.unwrap();
    submit(&ctx, transfer(&alice, 2, 1, 1)).await.unwrap();
    assert_eq!(pool.len(), 2);
    assert_eq!(pool.pending_nonce(alice.address(), 0), 1, "nonce 2 waits behind the gap");

    // Same nonce without a 10% bump is refused; with it, it replaces.
    let same_fee = submit(&ctx, transfer(&alice, 2, 1, 2)).await.unwrap_err();
    assert!(matches!(same_fee, PoolError::ReplacementUnderpriced));
    assert_eq!(same_fee.to_string(), "replacement transaction underpriced");
    let replacement = submit(&ctx, transfer(&alice, 2, 3, 2)).await.unwrap();
    assert_eq!(pool.len(), 2);
    assert!(pool.get(&replacement).is_some());
    let again = submit(&ctx, transfer(&alice, 2, 3, 2)).await.unwrap_err();
    assert!(matches!(again, PoolError::AlreadyKnown), "{again}");

    // Only the contiguous nonce is selected.
    assert_eq!(select(&ctx, 30_000_000).iter().map(nonce).collect::<Vec<_>>(), vec![0]);

    // Filling the gap makes 1 and 2 executable; a block takes all three and drains the pool.
    submit(&ctx, transfer(&alice, 1, 1, 1)).await.unwrap();
    assert_eq!(pool.pending_nonce(alice.address(), 0), 3);
    let built = build_block(&ctx, 0).unwrap();
    let block = built.block.expect("a block");
    assert_eq!(block.transactions.len(), 3);
    assert!(pool.is_empty());
    let account = ctx.store.reader().unwrap().account(AccountId::from(alice.address())).unwrap();
    assert_eq!(account.unwrap().nonce, 3);
    // A mined nonce is now too low.
    let err = submit(&ctx, transfer(&alice, 0, 5, 1)).await.unwrap_err();
    assert!(err.to_string().starts_with("nonce too low"), "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn higher_tips_go_first_and_bad_transactions_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = context(dir.path());
    let (alice, bob) = (key(0), key(1));
    let pool = &ctx.mempool;
    let low = submit(&ctx, transfer(&alice, 0, 1, 1)).await.unwrap();
    let high = submit(&ctx, transfer(&bob, 0, 3, 1)).await.unwrap();
    let picked = select(&ctx, 30_000_000);
    assert_eq!(picked.iter().map(Transaction::hash).collect::<Vec<_>>(), vec![high, low]);
    // The block gas limit bounds the selection.
    assert_eq!(select(&ctx, 30_000).len(), 1);

    let stranger = PrivateKeySigner::random();
    let err = submit(&ctx, transfer(&stranger, 0, 1, 1)).await.unwrap_err();
    assert!(err.to_string().starts_with("insufficient funds for gas * price + value"), "{err}");
    let err = submit(&ctx, Bytes::from_static(&[0x02, 0xc0])).await.unwrap_err();
    assert!(err.to_string().starts_with("rlp:"), "{err}");
    let err = submit(&ctx, Bytes::from(vec![0u8; 200_000])).await.unwrap_err();
    assert!(err.to_string().starts_with("oversized data"), "{err}");
    // A kind tag of an engine this node does not run, or of none at all.
    let err = pool.submit(Bytes::from_static(&[0xf0, 1, 2, 3])).await.unwrap_err();
    assert_eq!(err.to_string(), "this node does not run kv transactions");
    let err = pool.submit(Bytes::from_static(&[0x77, 1, 2, 3])).await.unwrap_err();
    assert_eq!(err.to_string(), "unknown transaction kind 0x77");
    assert_eq!(pool.len(), 2, "refused transactions change nothing");
}

#[tokio::test(flavor = "multi_thread")]
async fn admissions_are_announced_and_lanes_keep_gaps() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = context(dir.path());
    let (alice, bob) = (key(0), key(1));
    let pool = &ctx.mempool;
    let mut admitted = pool.subscribe_admitted();
    let first = submit(&ctx, transfer(&alice, 0, 1, 1)).await.unwrap();
    let gapped = submit(&ctx, transfer(&alice, 2, 1, 1)).await.unwrap();
    // Refused transactions are not announced; replacements are.
    submit(&ctx, transfer(&alice, 0, 1, 1)).await.unwrap_err();
    let replacement = submit(&ctx, transfer(&alice, 0, 3, 1)).await.unwrap();
    for expected in [first, gapped, replacement] {
        assert_eq!(admitted.try_recv().unwrap().hash(), expected);
    }
    assert!(admitted.try_recv().is_err(), "nothing else was admitted");

    let lane = |who: &PrivateKeySigner| {
        pool.nonce_lane(AccountId::from(who.address()))
            .iter()
            .map(|tx| nonce(tx))
            .collect::<Vec<_>>()
    };
    assert_eq!(lane(&alice), [0, 2]);
    assert!(lane(&bob).is_empty());
    submit(&ctx, transfer(&bob, 0, 1, 1)).await.unwrap();
    let mut lanes: Vec<_> = pool
        .nonce_lanes()
        .into_iter()
        .map(|(payer, txs)| (payer, txs.iter().map(|tx| tx.hash()).collect::<Vec<_>>()))
        .collect();
    lanes.sort();
    let mut want = vec![
        (AccountId::from(alice.address()), vec![replacement, gapped]),
        (AccountId::from(bob.address()), vec![admitted.try_recv().unwrap().hash()]),
    ];
    want.sort();
    assert_eq!(lanes, want);
}

/// A signed key-value transaction naming `recent` as its recent block.
fn kv(recent: B256, priority: u64, op: KvOp) -> Bytes {
    let tx = KvTx::sign(&kv_key(), recent, priority, vec![op]);
    Transaction::Kv(tx).encode_tagged()
}

#[tokio::test(flavor = "multi_thread")]
async fn recent_block_transactions_dedup_expire_and_share_blocks_by_fee() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = two_engine_context(dir.path());
    let pool = &ctx.mempool;
    let genesis = ctx.store.reader().unwrap().head_header().unwrap().hash_slow();
    let put = |value: u8| KvOp::Put { key: B256::repeat_byte(1), value: vec![value].into() };
    let to_alice = KvOp::Transfer { to: AccountId::from(key(0).address()), lamports: 5 };

    // Admitted through the same path as EVM transactions; a second copy is already known.
    let first = pool.submit(kv(genesis, 500_000_000, put(1))).await.unwrap();
    let again = pool.submit(kv(genesis, 500_000_000, put(1))).await.unwrap_err();
    assert!(matches!(again, PoolError::AlreadyKnown), "{again}");
    // An unknown recent block is Solana's "blockhash not found".
    let err = pool.submit(kv(B256::repeat_byte(9), 1, put(2))).await.unwrap_err();
    assert_eq!(err.to_string(), "blockhash not found");
    // A paying transfer to an EVM account, at a priority above the EVM tip.
    let transfer_hash = pool.submit(kv(genesis, 5_000_000_000, to_alice)).await.unwrap();
    let evm = submit(&ctx, transfer(&key(1), 0, 1, 1)).await.unwrap();

    // One selection by fee across engines: the key-value transfer (5 gwei per unit), the EVM
    // transfer (a 1 gwei tip), the key-value put (0.5 gwei per unit).
    let picked: Vec<B256> = select(&ctx, 30_000_000).iter().map(Transaction::hash).collect();
    assert_eq!(picked, vec![transfer_hash, evm, first]);

    // One block with both engines' transactions; the pool drains.
    let block = build_block(&ctx, 0).unwrap().block.expect("a block");
    let kinds: Vec<EngineKind> = block.transactions.iter().map(Transaction::kind).collect();
    assert_eq!(kinds, vec![EngineKind::Kv, EngineKind::Evm, EngineKind::Kv]);
    assert!(block.receipts.iter().all(|r| r.success()));
    assert!(pool.is_empty());
    // In the chain: refused as already processed.
    let err = pool.submit(kv(genesis, 500_000_000, put(1))).await.unwrap_err();
    assert_eq!(err.to_string(), "already processed");

    // A transaction naming block 1 waits in the pool while block 1 is recent enough for the
    // next block, and leaves it with the block that makes it too old.
    let waiting = pool.submit(kv(block.hash, 1, put(3))).await.unwrap();
    let reader = ctx.store.reader().unwrap();
    let at = |number: u64| execution::SealedBlock {
        header: alloy_consensus::Header { number, ..Default::default() },
        hash: B256::ZERO,
        transactions: Vec::new(),
        receipts: Vec::new(),
    };
    let dropped = pool.on_block(&at(KV_MAX_AGE), &[], &reader).unwrap();
    assert!(
        dropped.is_empty() && pool.get(&waiting).is_some(),
        "block 1 + {KV_MAX_AGE} may include it"
    );
    let dropped = pool.on_block(&at(1 + KV_MAX_AGE), &[], &reader).unwrap();
    assert_eq!(dropped, vec![waiting], "no block after 1 + {KV_MAX_AGE} may include it");
    assert!(pool.is_empty());
}

/// In a batch's scope, submissions take the transactions the batch decoded ahead (their
/// signatures checked once, in parallel) and leave their journal writes to the scope, which
/// settles them: the pool holds them in order, and nothing is announced before it settles.
#[tokio::test]
async fn a_batch_scope_admits_decoded_ahead_and_settles_its_writes() {
    use sequencer::mempool::DeferredDurability;
    let dir = tempfile::tempdir().unwrap();
    let ctx = context(dir.path());
    let alice = key(0);
    let raws: Vec<Bytes> = (0..4).map(|nonce| transfer(&alice, nonce, 1, 1)).collect();
    let decoded = ctx.mempool.decode_all(EngineKind::Evm, raws.clone());
    assert_eq!(decoded.len(), 4);
    // One payload decoded ahead stands for another's: admission must take what it is handed.
    let mut handed = decoded.clone();
    let swapped = decoded[&raws[3]].as_ref().unwrap().clone();
    handed.insert(raws[2].clone(), Ok(swapped.clone()));
    handed.remove(&raws[3]);
    let mut announced = ctx.mempool.subscribe_admitted();
    let ((), pending) = DeferredDurability::run(async {
        DeferredDurability::decoded_ahead(handed);
        for (position, raw) in raws.iter().take(3).enumerate() {
            DeferredDurability::at(position);
            submit(&ctx, raw.clone()).await.unwrap();
        }
    })
    .await;
    assert!(announced.try_recv().is_err(), "nothing is announced before its write settles");
    let positions: Vec<usize> = pending.iter().map(|(position, _)| *position).collect();
    assert_eq!(positions, [0, 1, 2]);
    for (_, admission) in pending {
        ctx.mempool.settle(admission).await.unwrap();
    }
    // The third submission admitted the transaction it was handed (nonce 3), not its payload's.
    assert!(ctx.mempool.get(&swapped.hash()).is_some());
    assert_eq!(ctx.mempool.len(), 3);
    for _ in 0..3 {
        announced.try_recv().unwrap();
    }
}

const ETH: u128 = 1_000_000_000_000_000_000;
/// The block gas limit of [`three_ether_context`].
const BLOCK_GAS: u64 = 1_000_000;

/// A node whose dev accounts hold 3 ether each, in blocks of [`BLOCK_GAS`] gas.
fn three_ether_context(dir: &std::path::Path) -> NodeContext {
    let mut config = NodeConfig::devnet(&DevnetOptions {
        data_dir: dir.to_path_buf(),
        accounts: 3,
        balance_wei: U256::from(3 * ETH),
        ..Default::default()
    })
    .unwrap();
    config.chain.block_gas_limit = BLOCK_GAS;
    Node::open(config).unwrap()
}

fn balance(ctx: &NodeContext, who: &PrivateKeySigner) -> U256 {
    let reader = ctx.store.reader().unwrap();
    reader.account(AccountId::from(who.address())).unwrap().map(|a| a.balance).unwrap_or_default()
}

/// A transaction its sender can no longer pay holds no block space: admitted while the
/// sender could pay it, it stays in the pool, passed over while the sender cannot pay it,
/// and other senders' transactions fill the blocks.
#[tokio::test(flavor = "multi_thread")]
async fn a_transaction_its_sender_cannot_pay_takes_no_block_space() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = three_ether_context(dir.path());
    let (alice, bob) = (key(0), key(1));
    let (sink, no_input) = (Address::repeat_byte(0x77), Bytes::new());
    // Alice pools a block-sized call with a high tip at nonce 1, its most cost, 1.01 ether,
    // admitted against her 3 ether while it waits behind a gap (geth's overdraft rule counts
    // pending transactions only); then she sends almost all she has away at nonce 0.
    let away = U256::from(3 * ETH - ETH / 100);
    let unpayable = call(&alice, 1, 1_000, BLOCK_GAS, sink, U256::ZERO, no_input.clone());
    let unpayable = submit(&ctx, unpayable).await.unwrap();
    submit(&ctx, call(&alice, 0, 1, 21_000, sink, away, no_input.clone())).await.unwrap();
    let first = build_block(&ctx, 0).unwrap().block.expect("a block");
    assert_eq!(first.transactions.iter().map(nonce).collect::<Vec<_>>(), vec![0]);
    assert!(balance(&ctx, &alice) < U256::from(ETH / 100), "alice cannot pay her call now");

    // Bob's transfer, at a lower tip, gets the block; Alice's call waits in the pool.
    let affordable = submit(&ctx, transfer(&bob, 0, 1, 1)).await.unwrap();
    let picked: Vec<B256> = select(&ctx, BLOCK_GAS).iter().map(Transaction::hash).collect();
    assert_eq!(picked, vec![affordable]);
    let second = build_block(&ctx, 0).unwrap().block.expect("a block with bob's transfer");
    assert_eq!(second.transactions.iter().map(Transaction::hash).collect::<Vec<_>>(), [affordable]);
    assert!(ctx.mempool.get(&unpayable).is_some(), "it may become payable: it stays pooled");

    // Once Bob funds her, her call is selected (first, for its tip) and included.
    let funding = call(&bob, 1, 1, 21_000, alice.address(), U256::from(2 * ETH), no_input);
    submit(&ctx, funding).await.unwrap();
    build_block(&ctx, 0).unwrap().block.expect("a block with the funding");
    assert_eq!(
        select(&ctx, BLOCK_GAS).iter().map(Transaction::hash).collect::<Vec<_>>(),
        [unpayable]
    );
    let third = build_block(&ctx, 0).unwrap().block.expect("a block with alice's call");
    assert_eq!(third.transactions.iter().map(Transaction::hash).collect::<Vec<_>>(), [unpayable]);
}

/// A sender's transactions in one block are paid out of one balance: each admitted on its
/// own (the later nonce first), two that together cost more than the sender has are not
/// selected together.
#[tokio::test(flavor = "multi_thread")]
async fn a_senders_transactions_in_one_block_share_its_balance() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = three_ether_context(dir.path());
    let (alice, bob) = (key(0), key(1));
    let two_ether = 2 * ETH as u64;
    // In nonce order the second would overdraw her pending first one and be refused; sent
    // first, it waits behind the gap, uncounted.
    let second = submit(&ctx, transfer(&alice, 1, 3, two_ether)).await.unwrap();
    let first = submit(&ctx, transfer(&alice, 0, 3, two_ether)).await.unwrap();
    let other = submit(&ctx, transfer(&bob, 0, 1, 1)).await.unwrap();
    let picked: Vec<B256> = select(&ctx, BLOCK_GAS).iter().map(Transaction::hash).collect();
    assert_eq!(picked, vec![first, other], "alice's second transfer waits for funds");
    assert!(ctx.mempool.get(&second).is_some());
}

/// A replacement is held to the pool's byte cap: swapping a small transaction for a large
/// one cannot grow the pool past `max_bytes`.
#[tokio::test(flavor = "multi_thread")]
async fn a_replacement_may_not_grow_the_pool_past_its_byte_cap() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = config(dir.path());
    config.mempool.max_tx_bytes = 2_000;
    config.mempool.max_bytes = 2_000;
    let ctx = Node::open(config).unwrap();
    let (alice, bob) = (key(0), key(1));
    let sink = Address::repeat_byte(0x77);
    submit(&ctx, transfer(&bob, 0, 1, 1)).await.unwrap();
    let small = submit(&ctx, transfer(&alice, 0, 1, 1)).await.unwrap();
    // Well bumped, and alone under the cap, but with Bob's transaction over it.
    let large = |input_len: usize| {
        call(&alice, 0, 5, 200_000, sink, U256::from(1), vec![0xab; input_len].into())
    };
    let refused = submit(&ctx, large(1_800)).await.unwrap_err();
    assert!(matches!(refused, PoolError::PoolFull), "{refused}");
    assert_eq!(refused.to_string(), "txpool is full");
    assert!(ctx.mempool.get(&small).is_some(), "the refused replacement changes nothing");
    // A replacement that fits the cap is still admitted.
    let fits = submit(&ctx, large(1_000)).await.unwrap();
    assert!(ctx.mempool.get(&fits).is_some() && ctx.mempool.get(&small).is_none());
    assert_eq!(ctx.mempool.len(), 2);
}

/// A journal holding two transactions at one nonce — a replacement whose write a crash cut
/// after its put, before the forget of the one it replaces — refills the pool with the later
/// one and forgets the other.
#[tokio::test(flavor = "multi_thread")]
async fn a_refill_keeps_the_later_of_two_journaled_transactions_at_one_nonce() {
    let dir = tempfile::tempdir().unwrap();
    let alice = key(0);
    let first = {
        let ctx = context(dir.path());
        let first = submit(&ctx, transfer(&alice, 0, 1, 1)).await.unwrap();
        ctx.mempool.close_journal().await;
        first
    };
    let path = dir.path().join(sequencer::node::JOURNAL_FILE);
    let engines = Engines::new(&ChainSpec::from_config(&config(dir.path())));
    let later = engines.decode(EngineKind::Evm, &transfer(&alice, 0, 5, 1)).unwrap();
    let journal = sequencer::journal::Journal::start(&path).unwrap();
    journal.write(vec![later.clone()], vec![]).await.unwrap();
    journal.close().await;

    let ctx = context(dir.path());
    assert!(ctx.mempool.get(&later.hash()).is_some());
    assert!(ctx.mempool.get(&first).is_none());
    assert_eq!(ctx.mempool.len(), 1);
    ctx.mempool.close_journal().await;
    let journal = sequencer::journal::Journal::start(&path).unwrap();
    let left: Vec<B256> = journal.load().unwrap().iter().map(Transaction::hash).collect();
    assert_eq!(left, vec![later.hash()], "the replaced one is forgotten");
    journal.close().await;
}

/// A node whose pool holds at most `max_queued_per_sender` transactions of one sender, and
/// `max_queued` over all senders, behind a nonce gap, and `max_txs` in all.
fn queue_capped_context(
    dir: &std::path::Path,
    max_queued_per_sender: usize,
    max_queued: usize,
    max_txs: usize,
) -> NodeContext {
    let mut config = config(dir);
    config.mempool.max_queued_per_sender = max_queued_per_sender;
    config.mempool.max_queued = max_queued;
    config.mempool.max_txs = max_txs;
    Node::open(config).unwrap()
}

/// Transactions behind a nonce gap cost their sender nothing, so the pool bounds them: per
/// sender (a clear refusal) and in all, where a new one takes the place of the cheapest
/// queued one of another sender only if it pays more. Closing a gap makes its queued
/// transactions pending, and frees their places.
#[tokio::test(flavor = "multi_thread")]
async fn transactions_behind_a_nonce_gap_are_bounded_per_sender_and_in_the_pool() {
    let dir = tempfile::tempdir().unwrap();
    let (alice, bob, carol) = (key(0), key(1), key(2));
    let bobs = {
        let ctx = queue_capped_context(dir.path(), 2, 3, 100);
        submit(&ctx, transfer(&alice, 5, 2, 1)).await.unwrap();
        submit(&ctx, transfer(&alice, 6, 2, 1)).await.unwrap();
        let refused = submit(&ctx, transfer(&alice, 7, 9, 1)).await.unwrap_err();
        assert!(matches!(refused, PoolError::QueuedLimitExceeded { limit: 2 }), "{refused:?}");
        assert_eq!(
            refused.to_string(),
            "account limit exceeded: 2 queued transactions behind a nonce gap"
        );
        // Pending transactions are not queued ones: Alice's nonce 0 is admitted.
        submit(&ctx, transfer(&alice, 0, 1, 1)).await.unwrap();

        // The pool's cap: Bob's queued transaction is its third.
        let bobs = submit(&ctx, transfer(&bob, 3, 1, 1)).await.unwrap();
        let same_price = submit(&ctx, transfer(&carol, 3, 1, 1)).await.unwrap_err();
        assert!(matches!(same_price, PoolError::PoolFull), "{same_price:?}");
        assert_eq!(same_price.to_string(), "txpool is full");
        // Paying more, Carol's takes the place of the cheapest: Bob's.
        let carols = submit(&ctx, transfer(&carol, 3, 5, 1)).await.unwrap();
        assert!(ctx.mempool.get(&bobs).is_none() && ctx.mempool.get(&carols).is_some());
        assert_eq!(ctx.metrics.txs_evicted.get(), 1);
        assert_eq!(ctx.mempool.len(), 4);

        // Alice closes her gap: 1..=4 make 5 and 6 pending, and her queue has room again.
        for nonce in 1..=4 {
            submit(&ctx, transfer(&alice, nonce, 1, 1)).await.unwrap();
        }
        submit(&ctx, transfer(&alice, 8, 1, 1)).await.unwrap();
        submit(&ctx, transfer(&alice, 9, 1, 1)).await.unwrap();
        let full = submit(&ctx, transfer(&alice, 10, 1, 1)).await.unwrap_err();
        assert!(matches!(full, PoolError::QueuedLimitExceeded { .. }), "{full:?}");
        ctx.mempool.close_journal().await;
        bobs
    };
    // The evicted transaction left the journal with the admission that evicted it.
    let ctx = queue_capped_context(dir.path(), 2, 3, 100);
    assert!(ctx.mempool.get(&bobs).is_none());
    assert_eq!(ctx.mempool.len(), 10);
}

/// When the pool is at its count cap, a pending transaction evicts a queued one — one that
/// can run now goes before one that may never, whatever it pays — and with nothing queued
/// left to evict, the pool is full.
#[tokio::test(flavor = "multi_thread")]
async fn a_pending_transaction_evicts_a_queued_one_from_a_full_pool() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = queue_capped_context(dir.path(), 16, 16, 3);
    let (alice, bob, carol) = (key(0), key(1), key(2));
    let queued = submit(&ctx, transfer(&alice, 5, 50, 1)).await.unwrap();
    submit(&ctx, transfer(&bob, 0, 1, 1)).await.unwrap();
    submit(&ctx, transfer(&bob, 1, 1, 1)).await.unwrap();
    // Full; a queued transaction takes the place of a queued one only by paying more, and
    // never that of a pending one.
    let refused = submit(&ctx, transfer(&carol, 1, 20, 1)).await.unwrap_err();
    assert!(matches!(refused, PoolError::PoolFull), "{refused:?}");

    let pending = submit(&ctx, transfer(&carol, 0, 1, 1)).await.unwrap();
    assert!(ctx.mempool.get(&queued).is_none() && ctx.mempool.get(&pending).is_some());
    let refused = submit(&ctx, transfer(&bob, 2, 1, 1)).await.unwrap_err();
    assert!(matches!(refused, PoolError::PoolFull), "{refused:?}");
    assert_eq!(ctx.mempool.len(), 3);
}

/// A recent-block transaction (here a key-value one) in a full pool evicts the cheapest
/// queued transaction, as a pending one does, and is refused when nothing queued is left.
#[tokio::test(flavor = "multi_thread")]
async fn a_recent_block_transaction_evicts_a_queued_one_from_a_full_pool() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = config(dir.path());
    config.mempool.max_txs = 2;
    let funded = GenesisIdAccount { balance: U256::from(10u128.pow(21)), ..Default::default() };
    config.genesis.accounts.insert(signer_id(&kv_key()).0, funded);
    let engines = Engines::new(&ChainSpec::from_config(&config)).with_kv(KvEngine);
    let ctx = Node::open_with_engines(config, NodeRole::Sequencer, engines).unwrap();
    let genesis = ctx.store.reader().unwrap().head_header().unwrap().hash_slow();
    let put = |value: u8| KvOp::Put { key: B256::repeat_byte(1), value: vec![value].into() };
    let pending = submit(&ctx, transfer(&key(0), 0, 1, 1)).await.unwrap();
    let queued = submit(&ctx, transfer(&key(1), 4, 50, 1)).await.unwrap();

    let recent = ctx.mempool.submit(kv(genesis, 1, put(1))).await.unwrap();
    assert!(ctx.mempool.get(&queued).is_none(), "the queued transfer was evicted");
    assert!(ctx.mempool.get(&pending).is_some() && ctx.mempool.get(&recent).is_some());
    let refused = ctx.mempool.submit(kv(genesis, 1, put(2))).await.unwrap_err();
    assert!(matches!(refused, PoolError::PoolFull), "{refused:?}");
    assert_eq!(ctx.metrics.txs_evicted.get(), 1);
}

/// A sender's transactions behind a nonce gap are dropped once it had none admitted for
/// `mempool.queued_lifetime_secs` (geth's `Lifetime`); its pending ones, and other senders'
/// recent ones, stay.
#[tokio::test(flavor = "multi_thread")]
async fn queued_transactions_of_a_silent_sender_are_dropped_after_the_lifetime() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = config(dir.path());
    config.mempool.queued_lifetime_secs = 600;
    let ctx = Node::open(config).unwrap();
    let (alice, bob) = (key(0), key(1));
    let start = std::time::Instant::now();
    let alices_pending = submit(&ctx, transfer(&alice, 0, 1, 1)).await.unwrap();
    let alices_queued = submit(&ctx, transfer(&alice, 5, 1, 1)).await.unwrap();
    let bobs_queued = submit(&ctx, transfer(&bob, 3, 1, 1)).await.unwrap();
    let lifetime = std::time::Duration::from_secs(600);

    assert!(ctx.mempool.drop_idle_queued(start + lifetime / 2).is_empty());
    let later = std::time::Instant::now() + lifetime;
    let dropped = ctx.mempool.drop_idle_queued(later);
    let mut expected = vec![alices_queued, bobs_queued];
    let mut got = dropped.clone();
    expected.sort();
    got.sort();
    assert_eq!(got, expected);
    assert!(ctx.mempool.get(&alices_pending).is_some(), "pending ones stay");
    assert_eq!(ctx.mempool.len(), 1);
    assert_eq!(ctx.metrics.txs_evicted.get(), 2);
}

/// A block can use the nonce of an account that paid for none of its transactions (here an
/// EIP-7702 authorization): that account's pooled transaction at the used nonce can never be
/// included, and the check of every lane (each block after a minute) drops it.
#[tokio::test(flavor = "multi_thread")]
async fn a_nonce_used_by_an_authorization_drops_the_pooled_transaction_at_it() {
    use alloy_consensus::TxEip7702;
    use alloy_eips::eip7702::Authorization;
    use alloy_signer::SignerSync;

    let dir = tempfile::tempdir().unwrap();
    let ctx = context(dir.path());
    let (alice, bob) = (key(0), key(1));
    let reader = ctx.store.reader().unwrap();
    let head = reader.head_header().unwrap();
    let next_base_fee = ctx.chain.next_block_env(&head, head.timestamp).base_fee_per_gas as u128;
    drop(reader);
    // Bob's transaction at nonce 0 waits: its fee cap is under the next block's base fee.
    let mut waiting = TxEip1559 {
        chain_id: 31337,
        nonce: 0,
        gas_limit: 21_000,
        max_fee_per_gas: next_base_fee * 3 / 4,
        max_priority_fee_per_gas: 0,
        to: TxKind::Call(Address::repeat_byte(0x77)),
        value: U256::from(1),
        ..Default::default()
    };
    let sig = bob.sign_transaction_sync(&mut waiting).unwrap();
    let waiting: TxEnvelope = waiting.into_signed(sig).into();
    let waiting = submit(&ctx, waiting.encoded_2718().into()).await.unwrap();

    // Alice's set-code transaction carries Bob's authorization at his nonce 0: it uses it.
    let authorization = Authorization {
        chain_id: U256::from(31337),
        address: Address::repeat_byte(0x42),
        nonce: 0,
    };
    let signature = bob.sign_hash_sync(&authorization.signature_hash()).unwrap();
    let mut set_code = TxEip7702 {
        chain_id: 31337,
        nonce: 0,
        gas_limit: 100_000,
        max_fee_per_gas: 10 * 1_000_000_000,
        max_priority_fee_per_gas: 1_000_000_000,
        to: Address::repeat_byte(0x77),
        authorization_list: vec![authorization.into_signed(signature)],
        ..Default::default()
    };
    let sig = alice.sign_transaction_sync(&mut set_code).unwrap();
    let set_code: TxEnvelope = set_code.into_signed(sig).into();
    submit(&ctx, set_code.encoded_2718().into()).await.unwrap();
    let block = build_block(&ctx, 0).unwrap().block.expect("a block");
    assert_eq!(block.transactions.len(), 1, "only Alice's transaction");
    let reader = ctx.store.reader().unwrap();
    let bobs_nonce = reader.account(AccountId::from(bob.address())).unwrap().unwrap().nonce;
    assert_eq!(bobs_nonce, 1, "the authorization used Bob's nonce 0");
    assert!(ctx.mempool.get(&waiting).is_some(), "Bob paid for nothing in the block");

    assert_eq!(ctx.mempool.drop_stale(&reader).unwrap(), vec![waiting]);
    assert!(ctx.mempool.get(&waiting).is_none());
    assert!(ctx.mempool.is_empty());
}

/// With the default caps, one account's transactions that arrive out of order — sent over
/// several connections at once — are all admitted, and all pending once the gap closes.
#[tokio::test(flavor = "multi_thread")]
async fn a_senders_burst_arriving_out_of_order_is_admitted_whole_by_default() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = context(dir.path());
    let alice = key(0);
    for nonce in (0..300).rev() {
        submit(&ctx, transfer(&alice, nonce, 1, 1)).await.unwrap();
    }
    assert_eq!(ctx.mempool.len(), 300);
    let reader = ctx.store.reader().unwrap();
    let next = reader.account(AccountId::from(alice.address())).unwrap().unwrap().nonce;
    assert_eq!(ctx.mempool.pending_nonce(alice.address(), next), 300, "no gap left");
}
