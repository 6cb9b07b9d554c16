//! The same transactions on Manifold's SVM runtime and on LiteSVM 0.16 (agave 4.2 embedded by
//! others), from the same accounts, the same program files and the same sysvars: results,
//! logs, compute units, fees and every account a transaction names must be equal — for
//! succeeding and for failing instructions alike.

mod common;

use common::{Pair, SOL, legacy, memo};
use litesvm::LiteSVM;
use solana_hash::Hash;
use solana_instruction::{AccountMeta, Instruction};
use solana_keypair::Keypair;
use solana_message::{VersionedMessage, v0};
use solana_pubkey::Pubkey;
use solana_signer::Signer;
use solana_transaction::versioned::VersionedTransaction;
use svm::TOKEN;

const MINT_SIZE: usize = 82;
const TOKEN_ACCOUNT_SIZE: usize = 165;

fn v0_tx(instructions: &[Instruction], payer: &Keypair, blockhash: Hash) -> VersionedTransaction {
    let message = v0::Message::try_compile(&payer.pubkey(), instructions, &[], blockhash).unwrap();
    VersionedTransaction::try_new(VersionedMessage::V0(message), &[payer]).unwrap()
}

fn system_transfer(from: &Pubkey, to: &Pubkey, lamports: u64) -> Instruction {
    solana_system_interface::instruction::transfer(from, to, lamports)
}

fn create_account(
    payer: &Pubkey,
    new: &Pubkey,
    lamports: u64,
    space: usize,
    owner: &Pubkey,
) -> Instruction {
    solana_system_interface::instruction::create_account(payer, new, lamports, space as u64, owner)
}

/// SPL Token instructions, packed as the program unpacks them.
mod token {
    use super::*;

    fn ix(accounts: Vec<AccountMeta>, data: Vec<u8>) -> Instruction {
        Instruction { program_id: TOKEN, accounts, data }
    }

    pub(crate) fn initialize_mint(mint: &Pubkey, authority: &Pubkey, decimals: u8) -> Instruction {
        let mut data = vec![0, decimals];
        data.extend_from_slice(authority.as_ref());
        data.push(0); // no freeze authority
        let accounts = vec![
            AccountMeta::new(*mint, false),
            AccountMeta::new_readonly(solana_sdk_ids::sysvar::rent::ID, false),
        ];
        ix(accounts, data)
    }

    pub(crate) fn initialize_account(
        account: &Pubkey,
        mint: &Pubkey,
        owner: &Pubkey,
    ) -> Instruction {
        let accounts = vec![
            AccountMeta::new(*account, false),
            AccountMeta::new_readonly(*mint, false),
            AccountMeta::new_readonly(*owner, false),
            AccountMeta::new_readonly(solana_sdk_ids::sysvar::rent::ID, false),
        ];
        ix(accounts, vec![1])
    }

    fn amount(tag: u8, amount: u64) -> Vec<u8> {
        let mut data = vec![tag];
        data.extend_from_slice(&amount.to_le_bytes());
        data
    }

    pub(crate) fn mint_to(mint: &Pubkey, to: &Pubkey, authority: &Pubkey, n: u64) -> Instruction {
        let accounts = vec![
            AccountMeta::new(*mint, false),
            AccountMeta::new(*to, false),
            AccountMeta::new_readonly(*authority, true),
        ];
        ix(accounts, amount(7, n))
    }

    pub(crate) fn transfer(from: &Pubkey, to: &Pubkey, authority: &Pubkey, n: u64) -> Instruction {
        let accounts = vec![
            AccountMeta::new(*from, false),
            AccountMeta::new(*to, false),
            AccountMeta::new_readonly(*authority, true),
        ];
        ix(accounts, amount(3, n))
    }

    pub(crate) fn transfer_checked(
        from: &Pubkey,
        mint: &Pubkey,
        to: &Pubkey,
        authority: &Pubkey,
        n: u64,
        decimals: u8,
    ) -> Instruction {
        let mut data = amount(12, n);
        data.push(decimals);
        let accounts = vec![
            AccountMeta::new(*from, false),
            AccountMeta::new_readonly(*mint, false),
            AccountMeta::new(*to, false),
            AccountMeta::new_readonly(*authority, true),
        ];
        ix(accounts, data)
    }

    pub(crate) fn approve(
        source: &Pubkey,
        delegate: &Pubkey,
        owner: &Pubkey,
        n: u64,
    ) -> Instruction {
        let accounts = vec![
            AccountMeta::new(*source, false),
            AccountMeta::new_readonly(*delegate, false),
            AccountMeta::new_readonly(*owner, true),
        ];
        ix(accounts, amount(4, n))
    }

    pub(crate) fn burn(account: &Pubkey, mint: &Pubkey, owner: &Pubkey, n: u64) -> Instruction {
        let accounts = vec![
            AccountMeta::new(*account, false),
            AccountMeta::new(*mint, false),
            AccountMeta::new_readonly(*owner, true),
        ];
        ix(accounts, amount(8, n))
    }

    pub(crate) fn close_account(
        account: &Pubkey,
        destination: &Pubkey,
        owner: &Pubkey,
    ) -> Instruction {
        let accounts = vec![
            AccountMeta::new(*account, false),
            AccountMeta::new(*destination, false),
            AccountMeta::new_readonly(*owner, true),
        ];
        ix(accounts, vec![9])
    }
}

#[test]
fn the_chain_runs_mainnets_features_as_litesvm_does() {
    let ours: std::collections::BTreeMap<Pubkey, u64> =
        svm::chain_feature_set().active().iter().map(|(k, v)| (*k, *v)).collect();
    let lite: std::collections::BTreeMap<Pubkey, u64> =
        LiteSVM::mainnet_feature_set().active().iter().map(|(k, v)| (*k, *v)).collect();
    assert_eq!(ours, lite);
    assert!(ours.len() > 200);
}

#[test]
fn sol_transfers_legacy_and_v0_and_a_memo() {
    let mut pair = Pair::new();
    let payer = Keypair::new();
    let to = Pubkey::new_unique();
    pair.fund(payer.pubkey(), 10 * SOL);
    let hash = pair.blockhash();
    let outcome =
        pair.run(legacy(&[system_transfer(&payer.pubkey(), &to, SOL)], &payer, &[], hash));
    assert!(outcome.result.is_ok());
    assert_eq!(outcome.fee, 5000);
    pair.run(v0_tx(&[system_transfer(&payer.pubkey(), &to, 2 * SOL)], &payer, hash));
    let outcome =
        pair.run(legacy(&[memo("hello from manifold", &payer.pubkey())], &payer, &[], hash));
    assert!(outcome.logs.iter().any(|l| l.contains("hello from manifold")), "{:?}", outcome.logs);
    // More than it has: a failing instruction, the fee still paid.
    let outcome =
        pair.run(legacy(&[system_transfer(&payer.pubkey(), &to, 100 * SOL)], &payer, &[], hash));
    assert!(outcome.result.is_err());
}

#[test]
fn spl_token_lifecycle_including_failures() {
    let mut pair = Pair::new();
    let hash = pair.blockhash();
    let payer = Keypair::new();
    let (mint, alice, bob) = (Keypair::new(), Keypair::new(), Keypair::new());
    let (alice_tokens, bob_tokens) = (Keypair::new(), Keypair::new());
    pair.fund(payer.pubkey(), 100 * SOL);
    let p = payer.pubkey();
    let rent = solana_rent::Rent::default();

    let mint_rent = rent.minimum_balance(MINT_SIZE);
    let create_mint = create_account(&p, &mint.pubkey(), mint_rent, MINT_SIZE, &TOKEN);
    let init_mint = token::initialize_mint(&mint.pubkey(), &alice.pubkey(), 6);
    assert!(pair.run(legacy(&[create_mint, init_mint], &payer, &[&mint], hash)).result.is_ok());

    let account_rent = rent.minimum_balance(TOKEN_ACCOUNT_SIZE);
    for (account, owner) in [(&alice_tokens, &alice), (&bob_tokens, &bob)] {
        let create =
            create_account(&p, &account.pubkey(), account_rent, TOKEN_ACCOUNT_SIZE, &TOKEN);
        let init = token::initialize_account(&account.pubkey(), &mint.pubkey(), &owner.pubkey());
        assert!(pair.run(legacy(&[create, init], &payer, &[account], hash)).result.is_ok());
    }
    let (a, b, m) = (alice_tokens.pubkey(), bob_tokens.pubkey(), mint.pubkey());
    let steps: Vec<(Vec<Instruction>, Vec<&Keypair>, bool)> = vec![
        (vec![token::mint_to(&m, &a, &alice.pubkey(), 1_000_000)], vec![&alice], true),
        (vec![token::transfer(&a, &b, &alice.pubkey(), 250_000)], vec![&alice], true),
        (vec![token::transfer_checked(&a, &m, &b, &alice.pubkey(), 50_000, 6)], vec![&alice], true),
        // Wrong decimals, more than the balance, the wrong owner: the program's errors.
        (vec![token::transfer_checked(&a, &m, &b, &alice.pubkey(), 1, 9)], vec![&alice], false),
        (vec![token::transfer(&a, &b, &alice.pubkey(), 10_000_000)], vec![&alice], false),
        (vec![token::transfer(&a, &b, &bob.pubkey(), 1)], vec![&bob], false),
        (vec![token::approve(&b, &alice.pubkey(), &bob.pubkey(), 7)], vec![&bob], true),
        (vec![token::transfer(&b, &a, &alice.pubkey(), 7)], vec![&alice], true),
        (vec![token::burn(&a, &m, &alice.pubkey(), 100)], vec![&alice], true),
        // Closing an account that still holds tokens fails; emptied, it closes.
        (vec![token::close_account(&b, &p, &bob.pubkey())], vec![&bob], false),
        (vec![token::transfer(&b, &a, &bob.pubkey(), 299_993)], vec![&bob], true),
        (vec![token::close_account(&b, &alice.pubkey(), &bob.pubkey())], vec![&bob], true),
    ];
    for (i, (instructions, signers, succeeds)) in steps.into_iter().enumerate() {
        let outcome = pair.run(legacy(&instructions, &payer, &signers, hash));
        assert_eq!(
            outcome.result.is_ok(),
            succeeds,
            "step {i}: {:?} {:#?}",
            outcome.result,
            outcome.logs
        );
        assert!(outcome.compute_units > 0, "step {i}");
    }
}
