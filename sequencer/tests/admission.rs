//! Admission equals execution: what the pool acknowledges, a block either includes or leaves
//! pending — never drops unseen. A property test over random transactions of every type,
//! valid and not, and the refusals a block would otherwise have made silently, with geth's
//! texts.

use alloy_consensus::{
    SignableTransaction, TxEip1559, TxEip2930, TxEip4844, TxEip7702, TxEnvelope, TxLegacy,
};
use alloy_eips::{eip2718::Encodable2718, eip7702::Authorization};
use alloy_network::TxSignerSync;
use alloy_primitives::{Address, B256, Bytes, TxKind, U256};
use alloy_signer::SignerSync;
use alloy_signer_local::PrivateKeySigner;
use execution::{AccountId, EngineKind, StateView, Transaction};
use node_config::{DevnetOptions, NodeConfig, dev_accounts};
use proptest::prelude::*;
use sequencer::{Node, NodeContext, PoolError, block_builder::build_block};

const CHAIN_ID: u64 = 31337;
const GWEI: u128 = 1_000_000_000;

fn context(dir: &std::path::Path) -> NodeContext {
    let config = NodeConfig::devnet(&DevnetOptions {
        data_dir: dir.to_path_buf(),
        accounts: 3,
        ..Default::default()
    })
    .unwrap();
    Node::open(config).unwrap()
}

/// Dev account `i` (funded at genesis), or for `i >= 3` a key with no funds.
fn key(i: usize) -> PrivateKeySigner {
    if i < 3 {
        PrivateKeySigner::from_bytes(&dev_accounts(3).unwrap()[i].private_key).unwrap()
    } else {
        PrivateKeySigner::from_bytes(&B256::repeat_byte(0x5e)).unwrap()
    }
}

/// The type of a random transaction.
#[derive(Debug, Clone, Copy)]
enum TxType {
    Legacy { protected: bool },
    AccessList,
    DynamicFee,
    SetCode { authorizations: usize },
    Blob,
}

/// A random transaction, before signing.
#[derive(Debug, Clone)]
struct Spec {
    tx_type: TxType,
    signer: usize,
    nonce: u64,
    gas: u64,
    max_fee: u128,
    tip: u128,
    value: U256,
    create: bool,
    input: Vec<u8>,
    right_chain: bool,
}

fn spec() -> impl Strategy<Value = Spec> {
    let tx_type = prop_oneof![
        any::<bool>().prop_map(|protected| TxType::Legacy { protected }),
        Just(TxType::AccessList),
        Just(TxType::DynamicFee),
        Just(TxType::DynamicFee),
        (0usize..2).prop_map(|authorizations| TxType::SetCode { authorizations }),
        Just(TxType::Blob),
    ];
    let gas = prop_oneof![
        Just(0u64),
        Just(21_000),
        20_000u64..400_000,
        Just(1 << 24),
        Just((1 << 24) + 1),
        Just(30_000_001),
    ];
    let fee = prop_oneof![
        Just(0u128),
        Just(1),
        Just(GWEI / 2 - 1),
        Just(GWEI),
        Just(3 * GWEI),
        Just(10u128.pow(30)),
    ];
    let tip = prop_oneof![Just(0u128), Just(GWEI), Just(2 * GWEI), Just(10u128.pow(30))];
    let value = prop_oneof![
        Just(U256::ZERO),
        Just(U256::from(1)),
        Just(U256::from(10u128.pow(22))),
        Just(U256::MAX >> 1),
    ];
    let input = (prop_oneof![Just(0usize), 1usize..100, Just(40_000), Just(49_153)], any::<bool>())
        .prop_map(|(len, zeros)| vec![if zeros { 0 } else { 0xfe }; len]);
    (
        tx_type,
        0usize..4,
        0u64..3,
        gas,
        fee,
        tip,
        value,
        prop::bool::weighted(0.2),
        input,
        prop::bool::weighted(0.9),
    )
        .prop_map(
            |(tx_type, signer, nonce, gas, max_fee, tip, value, create, input, right_chain)| Spec {
                tx_type,
                signer,
                nonce,
                gas,
                max_fee,
                tip,
                value,
                create,
                input,
                right_chain,
            },
        )
}

/// `tx` signed by `signer`.
fn signed<T>(signer: &PrivateKeySigner, mut tx: T) -> TxEnvelope
where
    T: SignableTransaction<alloy_primitives::Signature>,
    alloy_consensus::Signed<T>: Into<TxEnvelope>,
{
    let sig = signer.sign_transaction_sync(&mut tx).unwrap();
    tx.into_signed(sig).into()
}

/// `spec` signed: its EIP-2718 bytes.
fn sign(spec: &Spec) -> Bytes {
    let signer = key(spec.signer);
    let chain_id = if spec.right_chain { CHAIN_ID } else { CHAIN_ID + 1 };
    let to = if spec.create { TxKind::Create } else { TxKind::Call(Address::repeat_byte(0x77)) };
    let input = Bytes::from(spec.input.clone());
    let envelope: TxEnvelope = match spec.tx_type {
        TxType::Legacy { protected } => {
            let tx = TxLegacy {
                chain_id: protected.then_some(chain_id),
                nonce: spec.nonce,
                gas_price: spec.max_fee,
                gas_limit: spec.gas,
                to,
                value: spec.value,
                input,
            };
            signed(&signer, tx)
        }
        TxType::AccessList => {
            let tx = TxEip2930 {
                chain_id,
                nonce: spec.nonce,
                gas_price: spec.max_fee,
                gas_limit: spec.gas,
                to,
                value: spec.value,
                input,
                ..Default::default()
            };
            signed(&signer, tx)
        }
        TxType::DynamicFee => {
            let tx = TxEip1559 {
                chain_id,
                nonce: spec.nonce,
                gas_limit: spec.gas,
                max_fee_per_gas: spec.max_fee,
                max_priority_fee_per_gas: spec.tip,
                to,
                value: spec.value,
                input,
                ..Default::default()
            };
            signed(&signer, tx)
        }
        TxType::SetCode { authorizations } => {
            let authority = PrivateKeySigner::from_bytes(&B256::repeat_byte(0xa7)).unwrap();
            let authorization_list = (0..authorizations)
                .map(|_| {
                    let auth = Authorization {
                        chain_id: U256::from(CHAIN_ID),
                        address: Address::repeat_byte(0x42),
                        nonce: 0,
                    };
                    let sig = authority.sign_hash_sync(&auth.signature_hash()).unwrap();
                    auth.into_signed(sig)
                })
                .collect();
            let tx = TxEip7702 {
                chain_id,
                nonce: spec.nonce,
                gas_limit: spec.gas,
                max_fee_per_gas: spec.max_fee,
                max_priority_fee_per_gas: spec.tip,
                to: Address::repeat_byte(0x77),
                value: spec.value,
                input,
                authorization_list,
                ..Default::default()
            };
            signed(&signer, tx)
        }
        TxType::Blob => {
            let mut tx = TxEip4844 {
                chain_id,
                nonce: spec.nonce,
                gas_limit: spec.gas,
                max_fee_per_gas: spec.max_fee,
                max_priority_fee_per_gas: spec.tip,
                to: Address::repeat_byte(0x77),
                value: spec.value,
                input,
                blob_versioned_hashes: vec![B256::with_last_byte(1)],
                max_fee_per_blob_gas: 1,
                ..Default::default()
            };
            let sig = signer.sign_transaction_sync(&mut tx).unwrap();
            TxEnvelope::Eip4844(tx.into_signed(sig).into())
        }
    };
    envelope.encoded_2718().into()
}

async fn submit(ctx: &NodeContext, raw: Bytes) -> Result<B256, PoolError> {
    ctx.mempool.submit_payload(EngineKind::Evm, raw).await
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// Whatever admission acknowledges is, after the next block, in that block or still
    /// pending — unless a later acknowledged transaction of the same sender and nonce replaced
    /// it (a fee bump), which then is, and the replaced one is gone.
    #[test]
    fn acknowledged_means_included_or_pending(specs in prop::collection::vec(spec(), 1..12)) {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let dir = tempfile::tempdir().unwrap();
        let ctx = context(dir.path());
        let mut acknowledged = Vec::new();
        for spec in &specs {
            if let Ok(hash) = runtime.block_on(submit(&ctx, sign(spec))) {
                acknowledged.push((hash, spec.clone()));
            }
        }
        let built = build_block(&ctx, 0).unwrap();
        let included: Vec<B256> = built
            .block
            .iter()
            .flat_map(|block| block.transactions.iter().map(Transaction::hash))
            .collect();
        for (i, (hash, spec)) in acknowledged.iter().enumerate() {
            let replaced = acknowledged[i + 1..]
                .iter()
                .any(|(_, later)| later.signer == spec.signer && later.nonce == spec.nonce);
            if replaced {
                prop_assert!(
                    !included.contains(hash) && ctx.mempool.get(hash).is_none(),
                    "replaced {hash} is still there: {spec:?}"
                );
                continue;
            }
            prop_assert!(
                included.contains(hash) || ctx.mempool.get(hash).is_some(),
                "acknowledged {hash} is neither in the block nor pending: {spec:?}"
            );
        }
    }
}

/// A set-code transaction with `authorizations` authorizations from dev account 0.
fn set_code(authorizations: usize, gas: u64) -> Bytes {
    sign(&Spec {
        tx_type: TxType::SetCode { authorizations },
        signer: 0,
        nonce: 0,
        gas,
        max_fee: 3 * GWEI,
        tip: GWEI,
        value: U256::ZERO,
        create: false,
        input: Vec::new(),
        right_chain: true,
    })
}

fn dynamic_fee(nonce: u64, gas: u64, value: U256, create: bool, input: Vec<u8>) -> Bytes {
    sign(&Spec {
        tx_type: TxType::DynamicFee,
        signer: 1,
        nonce,
        gas,
        max_fee: 3 * GWEI,
        tip: GWEI,
        value,
        create,
        input,
        right_chain: true,
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn what_a_block_would_refuse_is_refused_at_submission_with_geths_text() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = context(dir.path());

    let err = submit(&ctx, set_code(0, 100_000)).await.unwrap_err();
    assert_eq!(err.to_string(), "EIP-7702 transaction with empty auth list");
    // With an authorization it is admitted.
    submit(&ctx, set_code(1, 100_000)).await.unwrap();

    let err = submit(&ctx, dynamic_fee(0, 10_000_000, U256::ZERO, true, vec![0; 49_153]))
        .await
        .unwrap_err();
    assert_eq!(err.to_string(), "max initcode size exceeded: code size 49153, limit 49152");

    // 40,000 nonzero bytes: 661,000 intrinsic gas, but a 1,621,000 EIP-7623 floor.
    let err = submit(&ctx, dynamic_fee(0, 1_000_000, U256::ZERO, false, vec![0xfe; 40_000]))
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "insufficient gas for floor data gas cost: gas 1000000, minimum needed 1621000"
    );
    let err =
        submit(&ctx, dynamic_fee(0, 20_000, U256::ZERO, false, Vec::new())).await.unwrap_err();
    assert_eq!(err.to_string(), "intrinsic gas too low: gas 20000, minimum needed 21000");

    // gas × price + value past 2^256: geth (big integers) finds it more than any balance.
    let err = submit(&ctx, dynamic_fee(0, 21_000, U256::MAX, false, Vec::new())).await.unwrap_err();
    let sender = key(1).address();
    let balance =
        ctx.store.reader().unwrap().account(AccountId::from(sender)).unwrap().unwrap().balance;
    assert_eq!(
        err.to_string(),
        format!(
            "insufficient funds for gas * price + value: address {sender} have {balance} want {}",
            U256::MAX
        )
    );
    assert_eq!(ctx.mempool.len(), 1, "refusals change nothing");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_transaction_whose_funds_a_predecessor_spent_stays_pending() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = context(dir.path());
    let sender = AccountId::from(key(1).address());
    let balance = ctx.store.reader().unwrap().account(sender).unwrap().unwrap().balance;
    // Each alone is payable; after the first, the second is not. Sent first, the second
    // waits behind a nonce gap, where geth's overdraft rule does not count it.
    let most = balance - U256::from(21_000u128 * 3 * GWEI) - U256::from(1);
    let second =
        submit(&ctx, dynamic_fee(1, 21_000, U256::from(1000), false, Vec::new())).await.unwrap();
    let first = submit(&ctx, dynamic_fee(0, 21_000, most, false, Vec::new())).await.unwrap();

    let block = build_block(&ctx, 0).unwrap().block.expect("a block");
    let hashes: Vec<B256> = block.transactions.iter().map(Transaction::hash).collect();
    assert_eq!(hashes, vec![first]);
    assert!(ctx.mempool.get(&second).is_some(), "the unpayable one waits in the pool");
    // And still waits after a block that includes nothing of its payer.
    assert!(build_block(&ctx, 0).unwrap().block.is_none());
    assert!(ctx.mempool.get(&second).is_some());
}

/// geth's overdraft rule: a transaction whose most cost, beside the most cost of its sender's
/// pending transactions, is over the sender's balance is refused with geth's text — a new
/// nonce with "tx cost", a replacement with the difference as "tx bumped" — and the pool is
/// left as it was.
#[tokio::test(flavor = "multi_thread")]
async fn a_transaction_overdrawing_its_senders_pending_ones_is_refused_with_geths_text() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = context(dir.path());
    let sender = AccountId::from(key(1).address());
    let balance = ctx.store.reader().unwrap().account(sender).unwrap().unwrap().balance;
    let gas_cost = U256::from(21_000u128 * 3 * GWEI);
    let half = balance / U256::from(2);
    let first = submit(&ctx, dynamic_fee(0, 21_000, half, false, Vec::new())).await.unwrap();
    let queued_cost = half + gas_cost;

    let err = submit(&ctx, dynamic_fee(1, 21_000, half, false, Vec::new())).await.unwrap_err();
    assert!(matches!(err, PoolError::Overdraft(_)), "{err:?}");
    let tx_cost = half + gas_cost;
    let overshot = queued_cost + tx_cost - balance;
    assert_eq!(
        err.to_string(),
        format!(
            "insufficient funds for gas * price + value: balance {balance}, queued cost \
             {queued_cost}, tx cost {tx_cost}, overshot {overshot}"
        )
    );
    assert_eq!(ctx.mempool.len(), 1, "the refusal changes nothing");
    // What fits beside the pending one is admitted.
    let fits = balance - queued_cost - gas_cost;
    let second = submit(&ctx, dynamic_fee(1, 21_000, fits, false, Vec::new())).await.unwrap();

    // Replacing the first (a 10% bump) with one sending a wei more than there is room for:
    // the difference to the replaced one is the bump.
    let bumped = Spec {
        tx_type: TxType::DynamicFee,
        signer: 1,
        nonce: 0,
        gas: 21_000,
        max_fee: 4 * GWEI,
        tip: 2 * GWEI,
        value: half,
        create: false,
        input: Vec::new(),
        right_chain: true,
    };
    let err = submit(&ctx, sign(&bumped)).await.unwrap_err();
    let (new_cost, second_cost) = (half + U256::from(21_000u128 * 4 * GWEI), fits + gas_cost);
    let queued = second_cost + queued_cost;
    assert_eq!(
        err.to_string(),
        format!(
            "insufficient funds for gas * price + value: balance {balance}, queued cost \
             {queued}, tx bumped {}, overshot {}",
            new_cost - queued_cost,
            second_cost + new_cost - balance
        )
    );
    assert!(ctx.mempool.get(&first).is_some() && ctx.mempool.get(&second).is_some());
}
