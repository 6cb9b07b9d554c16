//! SBPF programs written in assembly and turned into deployable ELF files at test time, with
//! no toolchain: `solana-sbpf`'s assembler produces the bytecode (SBPF v3, which mainnet's
//! features let users deploy), and [`elf_v3`] wraps it in the ELF that v3's strict loader
//! wants — the file header and one `PT_LOAD` program header for the bytecode at
//! `MM_BYTECODE_START`, entrypoint at its first instruction; no sections, no relocations
//! (v3 calls syscalls by the hash of their name and functions by relative offset).

use std::sync::Arc;

use solana_program_runtime::invoke_context::InvokeContext;
use solana_pubkey::Pubkey;
use solana_sbpf::{
    ebpf::MM_BYTECODE_START,
    program::{BuiltinProgram, SBPFVersion},
    vm::Config,
};

/// The ELF of the SBPF v3 program in assembly `source` (entrypoint: its first instruction).
pub(crate) fn assemble(source: &str) -> Vec<u8> {
    let config =
        Config { enabled_sbpf_versions: SBPFVersion::V3..=SBPFVersion::V3, ..Config::default() };
    let loader = Arc::new(BuiltinProgram::<InvokeContext<'static, 'static>>::new_loader(config));
    let executable = solana_sbpf::assembler::assemble(source, loader)
        .unwrap_or_else(|e| panic!("assembling {source}: {e}"));
    elf_v3(executable.get_text_bytes().1)
}

/// An SBPF v3 ELF file holding `text` (bytecode) and nothing else.
pub(crate) fn elf_v3(text: &[u8]) -> Vec<u8> {
    const HEADER: u64 = 64;
    const PROGRAM_HEADER: u64 = 56;
    let text_offset = HEADER + PROGRAM_HEADER;
    let mut elf = Vec::with_capacity(text_offset as usize + text.len());
    // e_ident: magic, 64-bit, little-endian, version 1, System V ABI, padding.
    elf.extend_from_slice(&[0x7f, b'E', b'L', b'F', 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    elf.extend_from_slice(&3u16.to_le_bytes()); // e_type: ET_DYN
    elf.extend_from_slice(&247u16.to_le_bytes()); // e_machine: EM_BPF
    elf.extend_from_slice(&1u32.to_le_bytes()); // e_version
    elf.extend_from_slice(&MM_BYTECODE_START.to_le_bytes()); // e_entry
    elf.extend_from_slice(&HEADER.to_le_bytes()); // e_phoff
    elf.extend_from_slice(&0u64.to_le_bytes()); // e_shoff: no sections
    elf.extend_from_slice(&3u32.to_le_bytes()); // e_flags: SBPF v3
    elf.extend_from_slice(&(HEADER as u16).to_le_bytes()); // e_ehsize
    elf.extend_from_slice(&(PROGRAM_HEADER as u16).to_le_bytes()); // e_phentsize
    elf.extend_from_slice(&1u16.to_le_bytes()); // e_phnum
    elf.extend_from_slice(&64u16.to_le_bytes()); // e_shentsize
    elf.extend_from_slice(&0u16.to_le_bytes()); // e_shnum
    elf.extend_from_slice(&0u16.to_le_bytes()); // e_shstrndx
    // The bytecode: PT_LOAD, executable, at MM_BYTECODE_START.
    elf.extend_from_slice(&1u32.to_le_bytes()); // p_type: PT_LOAD
    elf.extend_from_slice(&1u32.to_le_bytes()); // p_flags: PF_X
    elf.extend_from_slice(&text_offset.to_le_bytes()); // p_offset
    elf.extend_from_slice(&MM_BYTECODE_START.to_le_bytes()); // p_vaddr
    elf.extend_from_slice(&MM_BYTECODE_START.to_le_bytes()); // p_paddr
    elf.extend_from_slice(&(text.len() as u64).to_le_bytes()); // p_filesz
    elf.extend_from_slice(&(text.len() as u64).to_le_bytes()); // p_memsz
    elf.extend_from_slice(&8u64.to_le_bytes()); // p_align
    elf.extend_from_slice(text);
    elf
}

/// Assembly that stores `key` in the 32 bytes below `r10 - offset` (clobbers `r2`).
pub(crate) fn store_pubkey(key: &Pubkey, offset: i64) -> String {
    let bytes = key.to_bytes();
    let mut source = String::new();
    for (i, word) in bytes.chunks(8).enumerate() {
        let value = i64::from_le_bytes(word.try_into().unwrap());
        let at = offset - 8 * i as i64;
        source.push_str(&format!("lddw r2, {value}\nstxdw [r10-{at}], r2\n"));
    }
    source
}

/// A program that logs `message` with `sol_log_` (the text stored on its stack) and succeeds.
pub(crate) fn logger(message: &str) -> Vec<u8> {
    assert!(message.len() <= 256);
    let mut source = String::new();
    let mut padded = message.as_bytes().to_vec();
    padded.resize(message.len().div_ceil(8) * 8, 0);
    let base = padded.len() as i64;
    for (i, word) in padded.chunks(8).enumerate() {
        let value = i64::from_le_bytes(word.try_into().unwrap());
        source.push_str(&format!("lddw r2, {value}\nstxdw [r10-{}], r2\n", base - 8 * i as i64));
    }
    source.push_str(&format!(
        "mov64 r1, r10\nsub64 r1, {base}\nmov64 r2, {}\nsyscall sol_log_\nmov64 r0, 0\nexit\n",
        message.len()
    ));
    assemble(&source)
}

/// A program that invokes `callee` (with no data) by `sol_invoke_signed_c`, passing it the
/// (executable, read-only) accounts `accounts`, then succeeds.
pub(crate) fn invoker(callee: &Pubkey, accounts: &[Pubkey]) -> Vec<u8> {
    assert!(accounts.len() <= 8);
    // Stack layout below r10: callee id at 32; account keys at 64 + 32 i; metas (16 bytes
    // each) at 512 + 16 i; the SolInstruction (40 bytes) at 768.
    let mut source = store_pubkey(callee, 32);
    for (i, key) in accounts.iter().enumerate() {
        source.push_str(&store_pubkey(key, 64 + 32 * i as i64));
    }
    for i in 0..accounts.len() as i64 {
        let meta = 512 - 16 * i;
        source.push_str(&format!(
            "mov64 r2, r10\nsub64 r2, {}\nstxdw [r10-{meta}], r2\nstdw [r10-{}], 0\n",
            64 + 32 * i,
            meta - 8
        ));
    }
    source.push_str(&format!(
        "mov64 r2, r10\nsub64 r2, 32\nstxdw [r10-768], r2\n\
         mov64 r2, r10\nsub64 r2, 512\nstxdw [r10-760], r2\n\
         stdw [r10-752], {}\n\
         stxdw [r10-744], r10\n\
         stdw [r10-736], 0\n\
         mov64 r1, r10\nsub64 r1, 768\n\
         mov64 r2, r10\nmov64 r3, 0\nmov64 r4, r10\nmov64 r5, 0\n\
         syscall sol_invoke_signed_c\n\
         mov64 r0, 0\nexit\n",
        accounts.len()
    ));
    assemble(&source)
}
