//! The upgradeable BPF loader's instructions as the Solana CLI and @solana/web3.js send them —
//! create a buffer, write the ELF into it in chunks, deploy with a maximum data length,
//! upgrade, set the authority, close — built from `solana-loader-v3-interface` 7.0 (the
//! version agave 4.2's loader decodes: 8.x adds instruction fields that 4.2 does not know).
//! Its `bincode` helper functions would rebuild the agave crates with another feature set, so
//! the instructions are encoded here with the interface's own enum.

use solana_instruction::{AccountMeta, Instruction};
use solana_keypair::Keypair;
use solana_loader_v3_interface::{
    get_program_data_address, instruction::UpgradeableLoaderInstruction,
    state::UpgradeableLoaderState,
};
use solana_pubkey::Pubkey;
use solana_rent::Rent;
use solana_sdk_ids::{bpf_loader_upgradeable::ID as LOADER, system_program, sysvar};
use solana_signer::Signer;
use svm::Outcome;

use super::Pair;

/// Bytes of ELF per `Write` (what fits a 1,232-byte transaction, as the CLI chunks).
pub(crate) const CHUNK: usize = 900;

fn ix(data: &UpgradeableLoaderInstruction, accounts: Vec<AccountMeta>) -> Instruction {
    Instruction { program_id: LOADER, accounts, data: bincode::serialize(data).unwrap() }
}

/// A new buffer account of `authority` for an ELF of `len` bytes.
pub(crate) fn create_buffer(
    payer: &Pubkey,
    buffer: &Pubkey,
    authority: &Pubkey,
    len: usize,
) -> [Instruction; 2] {
    let size = UpgradeableLoaderState::size_of_buffer(len);
    let lamports = Rent::default().minimum_balance(size);
    [
        solana_system_interface::instruction::create_account(
            payer,
            buffer,
            lamports,
            size as u64,
            &LOADER,
        ),
        ix(
            &UpgradeableLoaderInstruction::InitializeBuffer,
            vec![AccountMeta::new(*buffer, false), AccountMeta::new_readonly(*authority, false)],
        ),
    ]
}

/// Writes `bytes` at `offset` of the buffer's ELF.
pub(crate) fn write(
    buffer: &Pubkey,
    authority: &Pubkey,
    offset: u32,
    bytes: Vec<u8>,
) -> Instruction {
    ix(
        &UpgradeableLoaderInstruction::Write { offset, bytes },
        vec![AccountMeta::new(*buffer, false), AccountMeta::new_readonly(*authority, true)],
    )
}

/// Creates the program account and deploys the buffer's ELF to it.
pub(crate) fn deploy(
    payer: &Pubkey,
    program: &Pubkey,
    buffer: &Pubkey,
    authority: &Pubkey,
    max_data_len: usize,
) -> [Instruction; 2] {
    let size = UpgradeableLoaderState::size_of_program();
    let lamports = Rent::default().minimum_balance(size);
    [
        solana_system_interface::instruction::create_account(
            payer,
            program,
            lamports,
            size as u64,
            &LOADER,
        ),
        ix(
            &UpgradeableLoaderInstruction::DeployWithMaxDataLen { max_data_len },
            vec![
                AccountMeta::new(*payer, true),
                AccountMeta::new(get_program_data_address(program), false),
                AccountMeta::new(*program, false),
                AccountMeta::new(*buffer, false),
                AccountMeta::new_readonly(sysvar::rent::ID, false),
                AccountMeta::new_readonly(sysvar::clock::ID, false),
                AccountMeta::new_readonly(system_program::ID, false),
                AccountMeta::new_readonly(*authority, true),
            ],
        ),
    ]
}

/// Replaces the program's ELF with the buffer's; the buffer's lamports go to `spill`.
pub(crate) fn upgrade(
    program: &Pubkey,
    buffer: &Pubkey,
    authority: &Pubkey,
    spill: &Pubkey,
) -> Instruction {
    ix(
        &UpgradeableLoaderInstruction::Upgrade,
        vec![
            AccountMeta::new(get_program_data_address(program), false),
            AccountMeta::new(*program, false),
            AccountMeta::new(*buffer, false),
            AccountMeta::new(*spill, false),
            AccountMeta::new_readonly(sysvar::rent::ID, false),
            AccountMeta::new_readonly(sysvar::clock::ID, false),
            AccountMeta::new_readonly(*authority, true),
        ],
    )
}

/// Hands the program's upgrade authority to `new` (`None`: immutable).
pub(crate) fn set_upgrade_authority(
    program: &Pubkey,
    current: &Pubkey,
    new: Option<&Pubkey>,
) -> Instruction {
    let mut accounts = vec![
        AccountMeta::new(get_program_data_address(program), false),
        AccountMeta::new_readonly(*current, true),
    ];
    if let Some(new) = new {
        accounts.push(AccountMeta::new_readonly(*new, false));
    }
    ix(&UpgradeableLoaderInstruction::SetAuthority, accounts)
}

/// Closes the program (its programdata's lamports go to `recipient`).
pub(crate) fn close_program(
    program: &Pubkey,
    recipient: &Pubkey,
    authority: &Pubkey,
) -> Instruction {
    ix(
        &UpgradeableLoaderInstruction::Close,
        vec![
            AccountMeta::new(get_program_data_address(program), false),
            AccountMeta::new(*recipient, false),
            AccountMeta::new_readonly(*authority, true),
            AccountMeta::new(*program, false),
        ],
    )
}

/// The transactions that put `elf` into a new buffer of `authority`: create it, then write
/// it in [`CHUNK`]s. Each runs on both sides of `pair` and must succeed there.
pub(crate) fn fill_buffer(
    pair: &mut Pair,
    payer: &Keypair,
    authority: &Keypair,
    elf: &[u8],
) -> Pubkey {
    let buffer = Keypair::new();
    let create = create_buffer(&payer.pubkey(), &buffer.pubkey(), &authority.pubkey(), elf.len());
    let outcome = pair.run(pair.tx(&create, payer, &[&buffer]));
    assert_eq!(outcome.result, Ok(()), "{:#?}", outcome.logs);
    for (i, chunk) in elf.chunks(CHUNK).enumerate() {
        let offset = (i * CHUNK) as u32;
        let write = write(&buffer.pubkey(), &authority.pubkey(), offset, chunk.to_vec());
        let outcome = pair.run(pair.tx(&[write], payer, &[authority]));
        assert_eq!(outcome.result, Ok(()), "{:#?}", outcome.logs);
    }
    buffer.pubkey()
}

/// Deploys `elf` as `program` (upgrade authority `authority`) through a buffer, on both sides
/// of `pair`, in the current slot; returns the deploy transaction's outcome.
pub(crate) fn deploy_elf(
    pair: &mut Pair,
    payer: &Keypair,
    program: &Keypair,
    authority: &Keypair,
    elf: &[u8],
) -> Outcome {
    let buffer = fill_buffer(pair, payer, authority, elf);
    let deploy =
        deploy(&payer.pubkey(), &program.pubkey(), &buffer, &authority.pubkey(), elf.len() * 2);
    pair.run(pair.tx(&deploy, payer, &[program, authority]))
}

/// Deploys `elf` at a new address and moves on to the next slot, where it runs; its id.
pub(crate) fn deploy_visible(pair: &mut Pair, payer: &Keypair, elf: &[u8]) -> Pubkey {
    let program = Keypair::new();
    let outcome = deploy_elf(pair, payer, &program, payer, elf);
    assert_eq!(outcome.result, Ok(()), "{:#?}", outcome.logs);
    pair.next_slot();
    program.pubkey()
}
