//! Users deploy their own programs through the upgradeable BPF loader, as the Solana CLI and
//! @solana/web3.js do (a buffer, the ELF written into it in chunks, DeployWithMaxDataLen),
//! then invoke, upgrade, hand over and close them — on Manifold's runtime and on LiteSVM 0.16
//! from the same state, every transaction's result, logs, compute units, fee and accounts
//! compared.
//!
//! One rule differs, and the tests pin it: agave makes a program (re)deployed in slot N
//! invocable from slot N+1 (in slot N it is a delay-visibility tombstone: "Program is not
//! deployed"); LiteSVM 0.16 makes it invocable at once. Manifold follows agave.

mod common;

use common::{
    Pair, SOL, loader_v3,
    loader_v3::{deploy_elf, deploy_visible, fill_buffer},
    memo_of, sbpf_asm,
};
use solana_instruction::{AccountMeta, Instruction, error::InstructionError};
use solana_keypair::Keypair;
use solana_loader_v3_interface::{get_program_data_address, state::UpgradeableLoaderState};
use solana_pubkey::Pubkey;
use solana_signer::Signer;
use solana_transaction_error::TransactionError;
use svm::types::ReadableAccount;

const MEMO_ELF: &[u8] = include_bytes!("../programs/spl_memo-4.0.0.so");

/// The logs of invoking `program`, not (yet or any more) deployed, as agave writes them.
fn not_deployed_logs(program: &Pubkey) -> Vec<String> {
    vec![
        format!("Program {program} invoke [1]"),
        "Program is not deployed".to_string(),
        format!("Program {program} failed: Unsupported program id"),
    ]
}

/// Invokes `program` in the current slot, where agave does not let it run yet and LiteSVM
/// does: ours must fail as agave, with its logs; LiteSVM must succeed (and both charge the fee).
fn invoke_in_deployment_slot(pair: &mut Pair, payer: &Keypair, program: &Pubkey, text: &str) {
    let tx = pair.tx(&[memo_of(program, text, &payer.pubkey())], payer, &[]);
    let (ours, lite) = pair.run_both(tx);
    assert_eq!(
        ours.result,
        Err(TransactionError::InstructionError(0, InstructionError::UnsupportedProgramId))
    );
    assert_eq!(ours.logs, not_deployed_logs(program));
    assert_eq!(ours.compute_units, 0);
    assert_eq!(lite.result, Ok(()), "LiteSVM 0.16 runs a program in its deployment slot");
    assert_eq!(ours.fee, lite.fee);
    pair.assert_same_accounts(&[payer.pubkey()]);
}

/// The deployment slot and upgrade authority in `program`'s programdata header.
fn programdata_header(pair: &Pair, program: &Pubkey) -> (u64, Option<Pubkey>) {
    let account = pair.account(&get_program_data_address(program)).expect("programdata");
    match bincode::deserialize(account.data()).unwrap() {
        UpgradeableLoaderState::ProgramData { slot, upgrade_authority_address } => {
            (slot, upgrade_authority_address)
        }
        other => panic!("not programdata: {other:?}"),
    }
}

#[test]
fn deploy_invoke_upgrade_hand_over_and_close_as_agave() {
    let mut pair = Pair::new();
    let payer = Keypair::new();
    let authority = Keypair::new();
    let program = Keypair::new();
    let id = program.pubkey();
    pair.fund(payer.pubkey(), 100 * SOL);

    // Deploy SPL Memo's ELF at a new address (3 chunks of at most 900 bytes).
    let deployed_in = pair.slot();
    let outcome = deploy_elf(&mut pair, &payer, &program, &authority, MEMO_ELF);
    assert_eq!(outcome.result, Ok(()), "{:#?}", outcome.logs);
    assert!(outcome.logs.contains(&format!("Deployed program {id}")), "{:#?}", outcome.logs);
    assert_eq!(programdata_header(&pair, &id), (deployed_in, Some(authority.pubkey())));
    let account = pair.account(&id).unwrap();
    assert!(account.executable());

    // In its deployment slot it is not invocable yet, nor closable.
    invoke_in_deployment_slot(&mut pair, &payer, &id, "too early");
    let close = loader_v3::close_program(&id, &payer.pubkey(), &authority.pubkey());
    let outcome = pair.run(pair.tx(&[close], &payer, &[&authority]));
    assert_eq!(
        outcome.result,
        Err(TransactionError::InstructionError(0, InstructionError::InvalidArgument))
    );
    assert!(outcome.logs.iter().any(|l| l == "Program was deployed in this block already"));

    // From the next slot on it runs, compiled once for all its calls.
    pair.next_slot();
    for text in ["first call", "second call", "third call"] {
        let outcome = pair.run(pair.tx(&[memo_of(&id, text, &payer.pubkey())], &payer, &[]));
        assert_eq!(outcome.result, Ok(()), "{:#?}", outcome.logs);
        assert!(outcome.logs.iter().any(|l| l.contains(text)), "{:#?}", outcome.logs);
        assert!(outcome.compute_units > 0);
    }
    assert_eq!(pair.ours.runtime.user_program_compilations(), 1);

    // Upgrade it to another program; again invisible in the slot of the upgrade.
    let upgraded_in = pair.slot();
    let buffer = fill_buffer(&mut pair, &payer, &authority, &sbpf_asm::logger("upgraded"));
    let upgrade = loader_v3::upgrade(&id, &buffer, &authority.pubkey(), &payer.pubkey());
    let outcome = pair.run(pair.tx(&[upgrade], &payer, &[&authority]));
    assert_eq!(outcome.result, Ok(()), "{:#?}", outcome.logs);
    assert_eq!(programdata_header(&pair, &id), (upgraded_in, Some(authority.pubkey())));
    invoke_in_deployment_slot(&mut pair, &payer, &id, "not yet upgraded");
    pair.next_slot();
    let outcome = pair.run(pair.tx(&[memo_of(&id, "after upgrade", &payer.pubkey())], &payer, &[]));
    assert_eq!(outcome.result, Ok(()), "{:#?}", outcome.logs);
    assert!(outcome.logs.contains(&"Program log: upgraded".to_string()), "{:#?}", outcome.logs);
    assert_eq!(pair.ours.runtime.user_program_compilations(), 2);

    // Hand the upgrade authority over: the old one can no longer upgrade, the new one closes.
    let new_authority = Keypair::new();
    let hand_over =
        loader_v3::set_upgrade_authority(&id, &authority.pubkey(), Some(&new_authority.pubkey()));
    assert_eq!(pair.run(pair.tx(&[hand_over], &payer, &[&authority])).result, Ok(()));
    assert_eq!(programdata_header(&pair, &id).1, Some(new_authority.pubkey()));
    let buffer = fill_buffer(&mut pair, &payer, &authority, MEMO_ELF);
    let upgrade = loader_v3::upgrade(&id, &buffer, &authority.pubkey(), &payer.pubkey());
    let outcome = pair.run(pair.tx(&[upgrade], &payer, &[&authority]));
    assert_eq!(
        outcome.result,
        Err(TransactionError::InstructionError(0, InstructionError::IncorrectAuthority))
    );
    let close = loader_v3::close_program(&id, &payer.pubkey(), &new_authority.pubkey());
    let outcome = pair.run(pair.tx(&[close], &payer, &[&new_authority]));
    assert_eq!(outcome.result, Ok(()), "{:#?}", outcome.logs);
    assert!(outcome.logs.contains(&format!("Closed Program {id}")), "{:#?}", outcome.logs);
    assert!(pair.account(&get_program_data_address(&id)).is_none());
    // LiteSVM 0.16 reloads a program account written by a transaction as it stores the
    // written accounts, in an order that follows the keys: when the program account comes
    // before its closed programdata, it reloads the old ELF and keeps running a closed
    // program. Storing the program account again makes it see the programdata gone.
    let program_account = pair.lite.get_account(&id).unwrap();
    pair.lite.set_account(id, program_account).unwrap();

    // Closed: not deployed any more, in this slot and the next.
    for text in ["closed", "still closed"] {
        let outcome = pair.run(pair.tx(&[memo_of(&id, text, &payer.pubkey())], &payer, &[]));
        assert_eq!(
            outcome.result,
            Err(TransactionError::InstructionError(0, InstructionError::UnsupportedProgramId))
        );
        assert_eq!(outcome.logs, not_deployed_logs(&id));
        pair.next_slot();
    }
}

#[test]
fn a_user_program_invokes_another_by_cpi() {
    let mut pair = Pair::new();
    let payer = Keypair::new();
    pair.fund(payer.pubkey(), 100 * SOL);
    let callee = deploy_visible(&mut pair, &payer, &sbpf_asm::logger("called by cpi"));
    let caller = deploy_visible(&mut pair, &payer, &sbpf_asm::invoker(&callee, &[]));
    let ix = Instruction {
        program_id: caller,
        accounts: vec![AccountMeta::new_readonly(callee, false)],
        data: vec![],
    };
    let outcome = pair.run(pair.tx(&[ix], &payer, &[]));
    assert_eq!(outcome.result, Ok(()), "{:#?}", outcome.logs);
    assert!(outcome.logs.contains(&format!("Program {callee} invoke [2]")), "{:#?}", outcome.logs);
    assert!(outcome.logs.contains(&"Program log: called by cpi".to_string()));
    // Each program compiled once, when first loaded.
    assert_eq!(pair.ours.runtime.user_program_compilations(), 2);
}

#[test]
fn threads_running_a_new_program_at_once_compile_it_once() {
    let mut pair = Pair::new();
    let payer = Keypair::new();
    pair.fund(payer.pubkey(), 100 * SOL);
    let program = deploy_visible(&mut pair, &payer, MEMO_ELF);
    let txs: Vec<_> = (0..4)
        .map(|i| {
            let tx =
                pair.tx(&[memo_of(&program, &format!("thread {i}"), &payer.pubkey())], &payer, &[]);
            pair.ours.runtime.sanitize(tx).unwrap()
        })
        .collect();
    let ours = &pair.ours;
    std::thread::scope(|scope| {
        let runs: Vec<_> = txs
            .iter()
            .map(|tx| scope.spawn(move || ours.runtime.execute(tx, &ours.accounts, &ours.sysvars)))
            .collect();
        for (i, run) in runs.into_iter().enumerate() {
            let outcome = run.join().unwrap();
            assert_eq!(outcome.result, Ok(()), "{:#?}", outcome.logs);
            assert!(outcome.logs.iter().any(|l| l.contains(&format!("thread {i}"))));
        }
    });
    assert_eq!(pair.ours.runtime.user_program_compilations(), 1);
}

#[test]
fn a_programs_programdata_counts_towards_the_loaded_data_limit() {
    let mut pair = Pair::new();
    let payer = Keypair::new();
    pair.fund(payer.pubkey(), 100 * SOL);
    let program = deploy_visible(&mut pair, &payer, MEMO_ELF);
    // SetLoadedAccountsDataSizeLimit(1,000 bytes): the named accounts fit (64 bytes each plus
    // their data: payer, program account, ComputeBudget), not with the programdata (memo's ELF).
    let mut data = vec![4];
    data.extend_from_slice(&1_000u32.to_le_bytes());
    let limit =
        Instruction { program_id: solana_sdk_ids::compute_budget::ID, accounts: vec![], data };
    let call = memo_of(&program, "limited", &payer.pubkey());
    let (ours, lite) = pair.run_both(pair.tx(&[limit.clone(), call.clone()], &payer, &[]));
    // Agave counts the programdata of the programs a transaction names (its account loader);
    // LiteSVM 0.16 does not.
    assert_eq!(ours.result, Err(TransactionError::MaxLoadedAccountsDataSizeExceeded));
    assert_eq!(lite.result, Ok(()), "LiteSVM 0.16 does not count programdata");
    // Refused before it ran, it paid nothing here; LiteSVM charged its fee: align the payer.
    assert_eq!((ours.fee, ours.writes.len()), (0, 0));
    let payer_account = pair.lite.get_account(&payer.pubkey()).unwrap();
    pair.set_account(payer.pubkey(), payer_account);
    // With room for it (programdata: twice the ELF, the deployed maximum length), it runs.
    let mut data = vec![4];
    data.extend_from_slice(&8_000u32.to_le_bytes());
    let limit = Instruction { data, ..limit };
    let call = memo_of(&program, "room enough", &payer.pubkey());
    let outcome = pair.run(pair.tx(&[limit, call], &payer, &[]));
    assert_eq!(outcome.result, Ok(()), "{:#?}", outcome.logs);
}
