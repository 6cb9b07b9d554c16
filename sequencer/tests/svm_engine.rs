//! The Solana VM on the chain, through a real node context: Solana transactions (Solana's wire
//! format, tag `0x01`) admitted by the pool, ordered with EVM transactions into the same
//! blocks, executed by agave's runtime over the one state — lamports sent to an EVM account's
//! id are its wei, SPL Token runs at its mainnet address — and refused as Solana refuses them.

use alloy_consensus::{SignableTransaction, TxEip1559, TxEnvelope};
use alloy_eips::eip2718::Encodable2718;
use alloy_network::TxSignerSync;
use alloy_primitives::{Address, B256, Bytes, TxKind, U256};
use alloy_signer_local::PrivateKeySigner;
use execution::{AccountId, EngineKind, Receipt, StateView, Transaction};
use node_config::{DevnetOptions, GenesisIdAccount, NodeConfig, dev_accounts};
use sequencer::{Node, NodeContext, block_builder::build_block};
use solana_instruction::{AccountMeta, Instruction};
use solana_keypair::Keypair;
use solana_message::{Message, VersionedMessage, v0};
use solana_signer::Signer;
use solana_transaction::versioned::VersionedTransaction;
use svm::types::Pubkey;

const GWEI: u128 = 1_000_000_000;
const SOL: u64 = 1_000_000_000;

/// A node running the EVM and the Solana VM, `payer` funded with 100 SOL at genesis.
fn context(dir: &std::path::Path, payer: &Keypair) -> NodeContext {
    let mut config = NodeConfig::devnet(&DevnetOptions {
        data_dir: dir.to_path_buf(),
        accounts: 2,
        ..Default::default()
    })
    .unwrap();
    let funded = GenesisIdAccount {
        balance: U256::from(100 * SOL) * U256::from(GWEI),
        ..Default::default()
    };
    config.genesis.accounts.insert(B256::from(payer.pubkey().to_bytes()), funded);
    Node::open(config).unwrap()
}

fn head_hash(ctx: &NodeContext) -> svm::types::Hash {
    let head = ctx.store.reader().unwrap().head_header().unwrap().hash_slow();
    svm::types::Hash::new_from_array(head.0)
}

fn tagged(tx: &VersionedTransaction) -> Bytes {
    let mut out = vec![EngineKind::Svm.tag()];
    out.extend(bincode::serialize(tx).unwrap());
    out.into()
}

fn legacy(
    ixs: &[Instruction],
    payer: &Keypair,
    signers: &[&Keypair],
    hash: svm::types::Hash,
) -> VersionedTransaction {
    let message = Message::new_with_blockhash(ixs, Some(&payer.pubkey()), &hash);
    let mut all = vec![payer];
    all.extend(signers.iter().copied());
    VersionedTransaction::try_new(VersionedMessage::Legacy(message), &all).unwrap()
}

fn balance(ctx: &NodeContext, id: AccountId) -> U256 {
    ctx.store.reader().unwrap().account(id).unwrap().map(|a| a.balance).unwrap_or_default()
}

fn evm_transfer(nonce: u64) -> Bytes {
    let key = PrivateKeySigner::from_bytes(&dev_accounts(1).unwrap()[0].private_key).unwrap();
    let mut tx = TxEip1559 {
        chain_id: 31337,
        nonce,
        gas_limit: 21_000,
        max_fee_per_gas: 10 * GWEI,
        max_priority_fee_per_gas: GWEI,
        to: TxKind::Call(Address::repeat_byte(0x55)),
        value: U256::from(1),
        ..Default::default()
    };
    let sig = key.sign_transaction_sync(&mut tx).unwrap();
    let env: TxEnvelope = tx.into_signed(sig).into();
    let mut out = vec![EngineKind::Evm.tag()];
    out.extend(env.encoded_2718());
    out.into()
}

#[tokio::test(flavor = "multi_thread")]
async fn lamports_to_an_evm_account_are_its_wei_in_a_block_shared_with_evm() {
    let dir = tempfile::tempdir().unwrap();
    let payer = Keypair::new();
    let ctx = context(dir.path(), &payer);
    let evm_user = Address::repeat_byte(0xe1);
    let evm_id = AccountId::from(evm_user);
    let to_evm = Pubkey::new_from_array(*evm_id.as_bytes());
    let hash = head_hash(&ctx);

    let v0_message = v0::Message::try_compile(
        &payer.pubkey(),
        &[solana_system_interface::instruction::transfer(&payer.pubkey(), &to_evm, 3 * SOL)],
        &[],
        hash,
    )
    .unwrap();
    let v0_tx = VersionedTransaction::try_new(VersionedMessage::V0(v0_message), &[&payer]).unwrap();
    let sol = ctx.mempool.submit(tagged(&v0_tx)).await.unwrap();
    let evm = ctx.mempool.submit(evm_transfer(0)).await.unwrap();
    // The same transaction again is already known; a bad signature is refused.
    assert!(ctx.mempool.submit(tagged(&v0_tx)).await.is_err());
    let mut forged = v0_tx.clone();
    forged.signatures[0] = solana_signature_of(&Keypair::new(), b"not this message");
    let err = ctx.mempool.submit(tagged(&forged)).await.unwrap_err();
    assert_eq!(err.to_string(), "invalid sender");

    let block = build_block(&ctx, 0).unwrap().block.expect("a block");
    let hashes: Vec<B256> = block.transactions.iter().map(Transaction::hash).collect();
    assert!(hashes.contains(&sol) && hashes.contains(&evm), "both engines in one block");
    let index = hashes.iter().position(|h| *h == sol).unwrap();
    let Receipt::Svm(receipt) = &block.receipts[index] else { panic!("a Solana receipt") };
    assert!(receipt.success(), "{receipt:?}");
    assert_eq!(receipt.fee, 5000);
    assert_eq!(receipt.compute_units, 150, "the System program's transfer costs 150 units");
    // 3 SOL arrived as 3 × 10^18 wei on the EVM side.
    assert_eq!(balance(&ctx, evm_id), U256::from(3 * SOL) * U256::from(GWEI));
    let payer_id = AccountId::from(payer.pubkey().to_bytes());
    let left = U256::from(100 * SOL - 3 * SOL - 5000) * U256::from(GWEI);
    assert_eq!(balance(&ctx, payer_id), left);
    // Replayed after inclusion: already processed.
    let err = ctx.mempool.submit(tagged(&v0_tx)).await.unwrap_err();
    assert_eq!(err.to_string(), "already processed");
}

fn solana_signature_of(key: &Keypair, message: &[u8]) -> solana_signature::Signature {
    key.sign_message(message)
}

#[tokio::test(flavor = "multi_thread")]
async fn spl_token_mints_and_transfers_and_failures_pay_their_fee() {
    let dir = tempfile::tempdir().unwrap();
    let payer = Keypair::new();
    let ctx = context(dir.path(), &payer);
    let token = svm::TOKEN;
    let (mint, a, b) = (Keypair::new(), Keypair::new(), Keypair::new());
    let p = payer.pubkey();
    let rent = |size: usize| (size as u64 + 128) * 6960;
    let mut init_mint = vec![20, 0];
    init_mint.extend_from_slice(p.as_ref());
    init_mint.push(0);
    let create = |key: &Pubkey, size: usize| {
        solana_system_interface::instruction::create_account(
            &p,
            key,
            rent(size),
            size as u64,
            &token,
        )
    };
    let token_ix = |accounts: Vec<AccountMeta>, data: Vec<u8>| Instruction {
        program_id: token,
        accounts,
        data,
    };
    let hash = head_hash(&ctx);
    let setup = legacy(
        &[
            create(&mint.pubkey(), 82),
            token_ix(vec![AccountMeta::new(mint.pubkey(), false)], init_mint),
            create(&a.pubkey(), 165),
            token_ix(
                vec![
                    AccountMeta::new(a.pubkey(), false),
                    AccountMeta::new_readonly(mint.pubkey(), false),
                ],
                [vec![18], p.to_bytes().to_vec()].concat(),
            ),
            create(&b.pubkey(), 165),
            token_ix(
                vec![
                    AccountMeta::new(b.pubkey(), false),
                    AccountMeta::new_readonly(mint.pubkey(), false),
                ],
                [vec![18], p.to_bytes().to_vec()].concat(),
            ),
        ],
        &payer,
        &[&mint, &a, &b],
        hash,
    );
    ctx.mempool.submit(tagged(&setup)).await.unwrap();
    let block = build_block(&ctx, 0).unwrap().block.expect("a block");
    assert!(block.receipts[0].success(), "{:?}", block.receipts[0]);

    let amount = |tag: u8, n: u64| [vec![tag], n.to_le_bytes().to_vec()].concat();
    let hash = head_hash(&ctx);
    let mint_to = token_ix(
        vec![
            AccountMeta::new(mint.pubkey(), false),
            AccountMeta::new(a.pubkey(), false),
            AccountMeta::new_readonly(p, true),
        ],
        amount(7, 1_000),
    );
    let transfer = |n: u64| {
        token_ix(
            vec![
                AccountMeta::new(a.pubkey(), false),
                AccountMeta::new(b.pubkey(), false),
                AccountMeta::new_readonly(p, true),
            ],
            amount(3, n),
        )
    };
    let ok = legacy(&[mint_to, transfer(400)], &payer, &[], hash);
    let too_much = legacy(&[transfer(10_000)], &payer, &[], hash);
    let ok_hash = ctx.mempool.submit(tagged(&ok)).await.unwrap();
    let bad_hash = ctx.mempool.submit(tagged(&too_much)).await.unwrap();
    let block = build_block(&ctx, 0).unwrap().block.expect("a block");
    let receipt = |h: B256| {
        let i = block.transactions.iter().position(|t| t.hash() == h).expect("included");
        match &block.receipts[i] {
            Receipt::Svm(r) => r.clone(),
            other => panic!("{other:?}"),
        }
    };
    // Order within the block is the pool's; the failing transfer may run before the mint.
    let good = receipt(ok_hash);
    assert!(good.success(), "{good:?}");
    assert!(good.logs.iter().any(|l| l.contains("Instruction: MintTo")), "{:?}", good.logs);
    let failed = receipt(bad_hash);
    assert!(!failed.success());
    assert_eq!(failed.fee, 5000, "a failed transaction pays its fee");
    let reader = ctx.store.reader().unwrap();
    let b_data = reader.account_data(AccountId::from(b.pubkey().to_bytes())).unwrap().unwrap();
    let b_amount = u64::from_le_bytes(b_data.data[64..72].try_into().unwrap());
    assert_eq!(b_amount, 400);
    assert_eq!(b_data.owner, AccountId::from(token.to_bytes()));
}
