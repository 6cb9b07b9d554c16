//! What the SVM integration tests share: [`Pair`], Manifold's runtime and LiteSVM 0.16 (agave
//! 4.2 embedded by others) set up alike — the same genesis programs, the same sysvars — that
//! run the same transactions and check that results, logs, compute units, fees and every
//! account a transaction names are equal; plus transaction builders, the upgradeable loader's
//! instructions (`loader_v3`) and SBPF programs assembled at test time (`sbpf_asm`).

#![allow(dead_code, reason = "each test binary uses its own part of the shared support")]

pub(crate) mod loader_v3;
pub(crate) mod sbpf_asm;

use std::collections::HashMap;

use litesvm::LiteSVM;
use solana_account::{Account, AccountSharedData, ReadableAccount};
use solana_hash::Hash;
use solana_instruction::Instruction;
use solana_keypair::Keypair;
use solana_message::{Message, VersionedMessage};
use solana_pubkey::Pubkey;
use solana_signer::Signer;
use solana_transaction::versioned::VersionedTransaction;
use solana_transaction_error::TransactionError;
use svm::{BlockSysvars, GENESIS_PROGRAMS, Outcome, SvmRuntime};

/// One SOL in lamports.
pub(crate) const SOL: u64 = 1_000_000_000;

/// Manifold's runtime with its own accounts.
pub(crate) struct Ours {
    /// The runtime.
    pub(crate) runtime: SvmRuntime,
    /// The state.
    pub(crate) accounts: HashMap<Pubkey, AccountSharedData>,
    /// The current block's sysvars.
    pub(crate) sysvars: BlockSysvars,
}

/// What LiteSVM made of a transaction.
#[derive(Debug)]
pub(crate) struct LiteOutcome {
    /// Its result.
    pub(crate) result: Result<(), TransactionError>,
    /// Program logs.
    pub(crate) logs: Vec<String>,
    /// Compute units consumed.
    pub(crate) compute_units: u64,
    /// The fee.
    pub(crate) fee: u64,
}

/// Both runtimes, set up alike.
pub(crate) struct Pair {
    /// Manifold's.
    pub(crate) ours: Ours,
    /// LiteSVM.
    pub(crate) lite: LiteSVM,
}

impl Pair {
    /// Both runtimes with the genesis programs and the same sysvars.
    pub(crate) fn new() -> Self {
        let mut lite = LiteSVM::new();
        for program in &GENESIS_PROGRAMS {
            lite.add_program_with_loader(program.id, program.elf, program.loader).unwrap();
        }
        let clock: solana_clock::Clock = lite.get_sysvar();
        let sysvars = BlockSysvars {
            slot: clock.slot,
            unix_timestamp: clock.unix_timestamp,
            blockhash: lite.latest_blockhash(),
        };
        let mut runtime = SvmRuntime::new(svm::chain_feature_set().clone()).unwrap();
        let mut accounts: HashMap<Pubkey, AccountSharedData> =
            runtime.builtin_accounts().into_iter().collect();
        for program in &GENESIS_PROGRAMS {
            let account = runtime.deploy(program, 0).unwrap();
            accounts.insert(program.id, account);
        }
        let mut pair = Self { ours: Ours { runtime, accounts, sysvars }, lite };
        pair.set_sysvar_accounts();
        pair
    }

    /// The same sysvar accounts on both sides (LiteSVM's clock also moves its program cache's
    /// slot).
    fn set_sysvar_accounts(&mut self) {
        for (id, account) in self.ours.sysvars.accounts() {
            self.lite.set_account(id, account.clone().into()).unwrap();
            self.ours.accounts.insert(id, account);
        }
    }

    /// The blockhash transactions name.
    pub(crate) fn blockhash(&self) -> Hash {
        self.ours.sysvars.blockhash
    }

    /// The current slot.
    pub(crate) fn slot(&self) -> u64 {
        self.ours.sysvars.slot
    }

    /// Both sides move on to the next slot (the next block).
    pub(crate) fn next_slot(&mut self) {
        self.ours.sysvars.slot += 1;
        self.set_sysvar_accounts();
    }

    /// A system-owned account with `lamports`, on both sides.
    pub(crate) fn fund(&mut self, key: Pubkey, lamports: u64) {
        let account =
            Account { lamports, owner: solana_sdk_ids::system_program::ID, ..Account::default() };
        self.set_account(key, account);
    }

    /// Account `key` set to `account` on both sides.
    pub(crate) fn set_account(&mut self, key: Pubkey, account: Account) {
        self.lite.set_account(key, account.clone()).unwrap();
        self.ours.accounts.insert(key, AccountSharedData::from(account));
    }

    /// Account `key` on our side.
    pub(crate) fn account(&self, key: &Pubkey) -> Option<&AccountSharedData> {
        self.ours.accounts.get(key).filter(|a| a.lamports() > 0)
    }

    /// Runs `tx` on both sides and returns both outcomes, without comparing them.
    pub(crate) fn run_both(&mut self, tx: VersionedTransaction) -> (Outcome, LiteOutcome) {
        let sanitized = self.ours.runtime.sanitize(tx.clone()).expect("sanitizes");
        let outcome =
            self.ours.runtime.execute(&sanitized, &self.ours.accounts, &self.ours.sysvars);
        for (key, account) in &outcome.writes {
            self.ours.accounts.insert(*key, account.clone());
        }
        let (result, meta) = match self.lite.send_transaction(tx) {
            Ok(meta) => (Ok(()), meta),
            Err(failed) => (Err(failed.err), failed.meta),
        };
        let lite = LiteOutcome {
            result,
            logs: meta.logs,
            compute_units: meta.compute_units_consumed,
            fee: meta.fee,
        };
        (outcome, lite)
    }

    /// Runs `tx` on both and checks they agree; returns our outcome.
    pub(crate) fn run(&mut self, tx: VersionedTransaction) -> Outcome {
        let keys: Vec<Pubkey> = tx.message.static_account_keys().to_vec();
        let (outcome, lite) = self.run_both(tx);
        assert_eq!(outcome.result, lite.result, "result; our logs: {:#?}", outcome.logs);
        assert_eq!(outcome.logs, lite.logs, "logs");
        assert_eq!(outcome.compute_units, lite.compute_units, "compute units");
        assert_eq!(outcome.fee, lite.fee, "fee");
        self.assert_same_accounts(&keys);
        outcome
    }

    /// Checks that accounts `keys` are equal on both sides.
    pub(crate) fn assert_same_accounts(&self, keys: &[Pubkey]) {
        for key in keys {
            let ours = self.account(key);
            let lite = self.lite.get_account(key).filter(|a| a.lamports > 0);
            match (ours, lite) {
                (None, None) => {}
                (Some(ours), Some(lite)) => {
                    assert_eq!(ours.lamports(), lite.lamports, "lamports of {key}");
                    assert_eq!(ours.data(), lite.data.as_slice(), "data of {key}");
                    assert_eq!(ours.owner(), &lite.owner, "owner of {key}");
                    assert_eq!(ours.executable(), lite.executable, "executable of {key}");
                }
                (ours, lite) => panic!("{key}: ours {ours:?}, LiteSVM {lite:?}"),
            }
        }
    }

    /// A legacy transaction of `instructions` paid by `payer`, signed by it and `signers`.
    pub(crate) fn tx(
        &self,
        instructions: &[Instruction],
        payer: &Keypair,
        signers: &[&Keypair],
    ) -> VersionedTransaction {
        legacy(instructions, payer, signers, self.blockhash())
    }
}

/// A legacy transaction of `instructions` paid by `payer`, signed by it and `signers`.
pub(crate) fn legacy(
    instructions: &[Instruction],
    payer: &Keypair,
    signers: &[&Keypair],
    blockhash: Hash,
) -> VersionedTransaction {
    let message = Message::new_with_blockhash(instructions, Some(&payer.pubkey()), &blockhash);
    let mut all: Vec<&Keypair> = vec![payer];
    for signer in signers {
        if all.iter().all(|s| s.pubkey() != signer.pubkey()) {
            all.push(signer);
        }
    }
    VersionedTransaction::try_new(VersionedMessage::Legacy(message), &all).unwrap()
}

/// An SPL Memo (the genesis program) instruction logging `text`, signed by `signer`.
pub(crate) fn memo(text: &str, signer: &Pubkey) -> Instruction {
    memo_of(&GENESIS_PROGRAMS[3].id, text, signer)
}

/// A memo instruction to the memo program at `program`.
pub(crate) fn memo_of(program: &Pubkey, text: &str, signer: &Pubkey) -> Instruction {
    Instruction {
        program_id: *program,
        accounts: vec![solana_instruction::AccountMeta::new_readonly(*signer, true)],
        data: text.as_bytes().to_vec(),
    }
}
