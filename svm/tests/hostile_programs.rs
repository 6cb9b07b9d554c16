//! Hostile programs, deployed by a user through the upgradeable loader: each fails only its
//! own transaction, with Solana's error, and the runtime goes on — a normal transaction
//! succeeds right after each. Every program is SBPF assembly assembled at test time
//! (`common::sbpf_asm`); every transaction also runs on LiteSVM 0.16 from the same state and
//! must end the same (result, logs, compute units, fee, accounts).

mod common;

use common::{
    Pair, SOL,
    loader_v3::{deploy_elf, deploy_visible},
    memo, sbpf_asm,
};
use solana_account::{Account, ReadableAccount};
use solana_instruction::{AccountMeta, Instruction, error::InstructionError};
use solana_keypair::Keypair;
use solana_pubkey::Pubkey;
use solana_signer::Signer;
use solana_transaction_error::TransactionError;
use svm::{Outcome, TOKEN};

/// A pair with a funded payer.
fn setup() -> (Pair, Keypair) {
    let mut pair = Pair::new();
    let payer = Keypair::new();
    pair.fund(payer.pubkey(), 100 * SOL);
    (pair, payer)
}

/// Runs `program` with `accounts` on both sides; the outcome (equal on both).
fn call(pair: &mut Pair, payer: &Keypair, program: Pubkey, accounts: Vec<AccountMeta>) -> Outcome {
    let ix = Instruction { program_id: program, accounts, data: vec![] };
    pair.run(pair.tx(&[ix], payer, &[]))
}

/// After a hostile transaction, an ordinary one still succeeds on the same runtime.
fn the_runtime_goes_on(pair: &mut Pair, payer: &Keypair, after: &str) {
    let tx = pair.tx(&[memo(&format!("after {after}"), &payer.pubkey())], payer, &[]);
    let outcome = pair.run(tx);
    assert_eq!(outcome.result, Ok(()), "after {after}: {:#?}", outcome.logs);
}

fn instruction_error(e: InstructionError) -> Result<(), TransactionError> {
    Err(TransactionError::InstructionError(0, e))
}

/// The last log line of `outcome`.
fn last_log(outcome: &Outcome) -> &str {
    outcome.logs.last().map(String::as_str).unwrap_or_default()
}

#[test]
fn an_infinite_loop_exhausts_its_compute_budget() {
    let (mut pair, payer) = setup();
    let program = deploy_visible(&mut pair, &payer, &sbpf_asm::assemble("ja -1"));
    let outcome = call(&mut pair, &payer, program, vec![]);
    // Agave 4.2 reports the VM's "exceeded CUs meter" as ProgramFailedToComplete.
    assert_eq!(outcome.result, instruction_error(InstructionError::ProgramFailedToComplete));
    assert_eq!(outcome.compute_units, 200_000, "the whole default budget");
    assert!(last_log(&outcome).ends_with("failed: exceeded CUs meter at BPF instruction"));
    the_runtime_goes_on(&mut pair, &payer, "an infinite loop");
}

#[test]
fn an_out_of_bounds_load_is_an_access_violation() {
    let (mut pair, payer) = setup();
    let elf = sbpf_asm::assemble("lddw r1, 0x500000000\nldxdw r0, [r1+0]\nexit");
    let program = deploy_visible(&mut pair, &payer, &elf);
    let outcome = call(&mut pair, &payer, program, vec![]);
    assert_eq!(outcome.result, instruction_error(InstructionError::ProgramFailedToComplete));
    let expected =
        "Access violation reading 8 bytes at address 0x500000000 (in unallocated region)";
    assert!(last_log(&outcome).ends_with(expected), "{:#?}", outcome.logs);
    // A VM fault depletes the instruction's whole budget (agave's deplete_cu_meter_on_vm_failure).
    assert_eq!(outcome.compute_units, 200_000);
    the_runtime_goes_on(&mut pair, &payer, "an access violation");
}

#[test]
fn unbounded_recursion_overflows_the_call_stack() {
    let (mut pair, payer) = setup();
    let program = deploy_visible(&mut pair, &payer, &sbpf_asm::assemble("call -1\nexit"));
    let outcome = call(&mut pair, &payer, program, vec![]);
    assert_eq!(outcome.result, instruction_error(InstructionError::ProgramFailedToComplete));
    assert!(last_log(&outcome).ends_with("failed: exceeded max BPF to BPF call depth"));
    the_runtime_goes_on(&mut pair, &payer, "a call stack overflow");

    // A store below the bottom of the stack.
    let program =
        deploy_visible(&mut pair, &payer, &sbpf_asm::assemble("stxdw [r10-4104], r1\nexit"));
    let outcome = call(&mut pair, &payer, program, vec![]);
    assert_eq!(outcome.result, instruction_error(InstructionError::ProgramFailedToComplete));
    let expected = "Access violation in stack frame 0 at address 0x1fffffff8 of size 8";
    assert!(last_log(&outcome).ends_with(expected), "{:#?}", outcome.logs);
    the_runtime_goes_on(&mut pair, &payer, "a store below the stack");
}

#[test]
fn a_bad_elf_is_rejected_at_deployment() {
    let (mut pair, payer) = setup();
    let memo_elf: &[u8] = include_bytes!("../programs/spl_memo-4.0.0.so");
    let garbage: Vec<u8> =
        (0..1_000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8).collect();
    let truncated = &memo_elf[..memo_elf.len() / 2];
    for (what, elf) in [("garbage", garbage.as_slice()), ("a truncated ELF", truncated)] {
        let program = Keypair::new();
        let outcome = deploy_elf(&mut pair, &payer, &program, &payer, elf);
        assert_eq!(
            outcome.result,
            Err(TransactionError::InstructionError(1, InstructionError::InvalidAccountData)),
            "{what}: {:#?}",
            outcome.logs
        );
        // The loader's log line says why the ELF does not load, then the failure.
        let reason = &outcome.logs[outcome.logs.len() - 2];
        assert!(!reason.starts_with("Program "), "{what}: {:#?}", outcome.logs);
        if elf == truncated {
            assert_eq!(reason, "Offset or value is out of bounds");
        }
        assert!(pair.account(&program.pubkey()).is_none(), "{what}: nothing deployed");
        the_runtime_goes_on(&mut pair, &payer, what);
    }
}

#[test]
fn indirect_reentrancy_is_refused() {
    let (mut pair, payer) = setup();
    let (a, b) = (Keypair::new(), Keypair::new());
    // A invokes B (handing it A), B invokes A back.
    let a_elf = sbpf_asm::invoker(&b.pubkey(), &[a.pubkey()]);
    let b_elf = sbpf_asm::invoker(&a.pubkey(), &[]);
    for (program, elf) in [(&a, a_elf), (&b, b_elf)] {
        assert_eq!(deploy_elf(&mut pair, &payer, program, &payer, &elf).result, Ok(()));
    }
    pair.next_slot();
    let accounts = vec![
        AccountMeta::new_readonly(b.pubkey(), false),
        AccountMeta::new_readonly(a.pubkey(), false),
    ];
    let outcome = call(&mut pair, &payer, a.pubkey(), accounts);
    assert_eq!(outcome.result, instruction_error(InstructionError::ReentrancyNotAllowed));
    assert!(outcome.logs.contains(&format!("Program {} invoke [2]", b.pubkey())));
    the_runtime_goes_on(&mut pair, &payer, "reentrancy");
}

#[test]
fn direct_self_recursion_is_allowed_until_the_cpi_depth_limit() {
    let (mut pair, payer) = setup();
    let program = Keypair::new();
    let elf = sbpf_asm::invoker(&program.pubkey(), &[program.pubkey()]);
    assert_eq!(deploy_elf(&mut pair, &payer, &program, &payer, &elf).result, Ok(()));
    pair.next_slot();
    let id = program.pubkey();
    let outcome = call(&mut pair, &payer, id, vec![AccountMeta::new_readonly(id, false)]);
    // Not ReentrancyNotAllowed: a program may call itself, as deep as the stack allows.
    assert_eq!(outcome.result, instruction_error(InstructionError::CallDepth));
    let depth =
        outcome.logs.iter().filter(|l| l.starts_with(&format!("Program {id} invoke"))).count();
    assert!(depth >= 5, "{:#?}", outcome.logs);
    the_runtime_goes_on(&mut pair, &payer, "self-recursion");
}

#[test]
fn a_chain_of_programs_deeper_than_the_cpi_limit_fails_with_call_depth() {
    let (mut pair, payer) = setup();
    let programs: Vec<Keypair> = (0..10).map(|_| Keypair::new()).collect();
    let ids: Vec<Pubkey> = programs.iter().map(Keypair::pubkey).collect();
    // Program i invokes program i+1 and hands it the rest of the chain; the last one logs.
    for (i, program) in programs.iter().enumerate() {
        let elf = match ids.get(i + 1) {
            Some(next) => sbpf_asm::invoker(next, &ids[i + 2..]),
            None => sbpf_asm::logger("end of the chain"),
        };
        assert_eq!(deploy_elf(&mut pair, &payer, program, &payer, &elf).result, Ok(()));
    }
    pair.next_slot();
    let accounts = ids[1..].iter().map(|id| AccountMeta::new_readonly(*id, false)).collect();
    let outcome = call(&mut pair, &payer, ids[0], accounts);
    assert_eq!(outcome.result, instruction_error(InstructionError::CallDepth));
    assert!(!outcome.logs.iter().any(|l| l.contains("end of the chain")));
    assert!(
        outcome.logs.iter().any(|l| l.ends_with("Cross-program invocation call depth too deep"))
    );
    // The last five programs: as deep as the limit (mainnet's 5 levels), not deeper.
    let accounts = ids[6..].iter().map(|id| AccountMeta::new_readonly(*id, false)).collect();
    let outcome = call(&mut pair, &payer, ids[5], accounts);
    assert_eq!(outcome.result, Ok(()), "{:#?}", outcome.logs);
    assert!(outcome.logs.iter().any(|l| l.contains("end of the chain")));
    the_runtime_goes_on(&mut pair, &payer, "a CPI chain too deep");
}

#[test]
fn writing_an_account_the_program_does_not_own_fails() {
    let (mut pair, payer) = setup();
    let elf = sbpf_asm::assemble("mov64 r2, 1\nstxb [r1+96], r2\nmov64 r0, 0\nexit");
    let program = deploy_visible(&mut pair, &payer, &elf);
    let foreign = Pubkey::new_unique();
    let account = Account {
        lamports: solana_rent::Rent::default().minimum_balance(8),
        data: vec![0; 8],
        owner: TOKEN,
        ..Account::default()
    };
    pair.set_account(foreign, account);
    let outcome = call(&mut pair, &payer, program, vec![AccountMeta::new(foreign, false)]);
    assert_eq!(outcome.result, instruction_error(InstructionError::ExternalAccountDataModified));
    let expected = "failed: instruction modified data of an account it does not own";
    assert!(last_log(&outcome).ends_with(expected), "{:#?}", outcome.logs);
    the_runtime_goes_on(&mut pair, &payer, "writing a foreign account");
    let outcome = call(&mut pair, &payer, program, vec![AccountMeta::new_readonly(foreign, false)]);
    assert_eq!(outcome.result, instruction_error(InstructionError::ReadonlyDataModified));
    let expected = "failed: instruction modified data of a read-only account";
    assert!(last_log(&outcome).ends_with(expected), "{:#?}", outcome.logs);
    the_runtime_goes_on(&mut pair, &payer, "writing a read-only account");
    assert_eq!(pair.account(&foreign).map(|a| a.data().to_vec()), Some(vec![0; 8]));
}

/// A ComputeBudget `RequestHeapFrame` of `bytes`.
fn heap_frame(bytes: u32) -> Instruction {
    let mut data = vec![1];
    data.extend_from_slice(&bytes.to_le_bytes());
    Instruction { program_id: solana_sdk_ids::compute_budget::ID, accounts: vec![], data }
}

/// A program that reads 8 bytes at heap offset `offset` (faulting if they are not zero, as
/// a heap left from an earlier instruction would be) and writes them.
fn heap_toucher(offset: u64) -> Vec<u8> {
    sbpf_asm::assemble(&format!(
        "lddw r1, {:#x}
         ldxdw r2, [r1+0]
         jne r2, 0, +3
         stxdw [r1+0], r1
         mov64 r0, 0
         exit
         lddw r3, 0x500000000
         ldxdw r0, [r3+0]
         exit",
        0x3_0000_0000u64 + offset
    ))
}

/// The heap a VM maps is the transaction's frame, whole, zeroed at every instruction, and no
/// more — whatever frames the transactions before it on the same thread asked for (the
/// runtime sizes agave's pooled heaps to each transaction's frame).
#[test]
fn the_heap_is_the_requested_frame_zeroed_and_no_more() {
    let (mut pair, payer) = setup();
    let at_40k = deploy_visible(&mut pair, &payer, &heap_toucher(40 * 1024));
    let at_250k = deploy_visible(&mut pair, &payer, &heap_toucher(250 * 1024));
    let call = |program| Instruction { program_id: program, accounts: vec![], data: vec![] };
    for round in 0..2 {
        // Each transaction ends with a memo of its own (the same one twice would be refused).
        let mut tx = |what: &str, instructions: &[Instruction]| {
            let mut instructions = instructions.to_vec();
            instructions.push(memo(&format!("{what}, round {round}"), &payer.pubkey()));
            pair.run(pair.tx(&instructions, &payer, &[]))
        };
        // 64 KiB asked for: 40 KiB in is heap, fresh for each of the two instructions.
        let outcome = tx("64 KiB", &[heap_frame(64 * 1024), call(at_40k), call(at_40k)]);
        assert_eq!(outcome.result, Ok(()), "round {round}: a 64 KiB frame");
        // The default frame (32 KiB): 40 KiB in is outside the heap.
        let outcome = tx("32 KiB", &[call(at_40k)]);
        assert_eq!(outcome.result, instruction_error(InstructionError::ProgramFailedToComplete));
        assert!(outcome.logs.iter().any(|l| l.contains("Access violation")), "{:#?}", outcome.logs);
        // The largest frame (256 KiB), then 64 KiB again: 250 KiB in is heap only in the first.
        let outcome = tx("256 KiB", &[heap_frame(256 * 1024), call(at_250k)]);
        assert_eq!(outcome.result, Ok(()), "round {round}: a 256 KiB frame");
        let outcome = tx("64 KiB again", &[heap_frame(64 * 1024), call(at_250k)]);
        let failed = InstructionError::ProgramFailedToComplete;
        assert_eq!(outcome.result, Err(TransactionError::InstructionError(1, failed)));
    }
    the_runtime_goes_on(&mut pair, &payer, "heap frames");
}
