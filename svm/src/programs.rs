//! The programs in genesis at their mainnet addresses, as `solana-test-validator` ships them:
//! SPL Token, Token-2022, Memo (v1 and current) and Associated Token Account. The ELF files
//! come from the `litesvm` 0.16.0 package (see `programs/README.md`); nothing is downloaded.

use solana_pubkey::Pubkey;

/// A program deployed at genesis.
#[derive(Debug, Clone, Copy)]
pub struct GenesisProgram {
    /// What it is.
    pub name: &'static str,
    /// Its address (its mainnet program id).
    pub id: Pubkey,
    /// The loader that owns it.
    pub loader: Pubkey,
    /// Its ELF.
    pub elf: &'static [u8],
}

/// SPL Token's program id.
pub const TOKEN: Pubkey = Pubkey::from_str_const("TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA");

/// Every program of genesis.
pub const GENESIS_PROGRAMS: [GenesisProgram; 5] = [
    GenesisProgram {
        name: "spl_token-3.5.0",
        id: TOKEN,
        loader: solana_sdk_ids::bpf_loader::ID,
        elf: include_bytes!("../programs/spl_token-3.5.0.so"),
    },
    GenesisProgram {
        name: "spl_token_2022-11.0.0",
        id: Pubkey::from_str_const("TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb"),
        loader: solana_sdk_ids::bpf_loader::ID,
        elf: include_bytes!("../programs/spl_token_2022-11.0.0.so"),
    },
    GenesisProgram {
        name: "spl_memo-1.0.0",
        id: Pubkey::from_str_const("Memo1UhkJRfHyvLMcVucJwxXeuD728EqVDDwQDxFMNo"),
        loader: solana_sdk_ids::bpf_loader_deprecated::ID,
        elf: include_bytes!("../programs/spl_memo-1.0.0.so"),
    },
    GenesisProgram {
        name: "spl_memo-4.0.0",
        id: Pubkey::from_str_const("MemoSq4gqABAXKb96qnH8TysNcWxMyWCqXgDLGmfcHr"),
        loader: solana_sdk_ids::bpf_loader::ID,
        elf: include_bytes!("../programs/spl_memo-4.0.0.so"),
    },
    GenesisProgram {
        name: "spl_associated_token_account-1.1.1",
        id: Pubkey::from_str_const("ATokenGPvbdGVxr1b2hvZbsiqW5xWH25efTNsLJA8knL"),
        loader: solana_sdk_ids::bpf_loader::ID,
        elf: include_bytes!("../programs/spl_associated_token_account-1.1.1.so"),
    },
];
