//! One account seen from both sides: the chain's record (balance in wei, and for an account
//! owned by a program its `AccountData`) as the Solana runtime's `AccountSharedData`, and back.
//!
//! Lamports are the balance's whole gwei; what is under one gwei stays in the account when the
//! SVM writes it back. An account without `AccountData` is a system account (owned by the
//! System program, no data). Builtins, the genesis programs and the block's sysvars come from
//! the runtime, never from the state.

use std::{
    collections::HashMap,
    sync::{PoisonError, RwLock},
};

use alloy_primitives::{Bytes, U256};
use svm::{
    ProgramDataLookup,
    types::{AccountSharedData, Pubkey, ReadableAccount, WritableAccount},
};

use crate::{
    AccountId, AccountState, ExecutionError, StateView,
    state::{AccountData, native_token},
};

/// The System program's id, the owner of every account without data.
const SYSTEM_PROGRAM: Pubkey = Pubkey::from_str_const("11111111111111111111111111111111");

/// The chain id of a Solana pubkey.
pub(crate) fn account_id(key: &Pubkey) -> AccountId {
    AccountId::from(key.to_bytes())
}

/// The Solana pubkey of a chain id.
pub(crate) fn pubkey(id: AccountId) -> Pubkey {
    Pubkey::new_from_array(*id.as_bytes())
}

/// The runtime's view of an account of the state.
pub(crate) fn to_solana(
    account: Option<AccountState>,
    data: Option<AccountData>,
) -> Option<AccountSharedData> {
    let lamports = account.map(|a| native_token::lamports(a.balance)).unwrap_or_default();
    if lamports == 0 && data.is_none() {
        return None;
    }
    let mut shared = match data {
        Some(data) => {
            let mut shared = AccountSharedData::new(lamports, data.data.len(), &pubkey(data.owner));
            shared.set_data_from_slice(&data.data);
            shared.set_executable(data.executable);
            shared.set_rent_epoch(data.rent_epoch);
            shared
        }
        None => AccountSharedData::new(lamports, 0, &SYSTEM_PROGRAM),
    };
    shared.set_lamports(lamports);
    Some(shared)
}

/// The chain's record and data for what the runtime left in account `id` that held `before`
/// (its wei remainder under one lamport is kept). `None` data: a system account.
pub(crate) fn from_solana(
    before: Option<AccountState>,
    after: &AccountSharedData,
) -> (AccountState, Option<AccountData>) {
    let before = before.unwrap_or_default();
    let remainder = before.balance % U256::from(native_token::WEI_PER_LAMPORT);
    let balance = native_token::wei(after.lamports()) + remainder;
    let system_owned =
        after.owner() == &SYSTEM_PROGRAM && after.data().is_empty() && !after.executable();
    let data = (!system_owned).then(|| AccountData {
        owner: account_id(after.owner()),
        executable: after.executable(),
        rent_epoch: after.rent_epoch(),
        data: Bytes::copy_from_slice(after.data()),
    });
    (AccountState { balance, storage_root: alloy_trie::EMPTY_ROOT_HASH, ..before }, data)
}

/// What loading read of one state account: its record, and whether it had `AccountData`.
pub(crate) type Loaded = (Pubkey, Option<AccountState>, bool);

/// The accounts of a transaction as the runtime reads them: the runtime's own (builtins,
/// programs, sysvars) first, then the state's.
pub(crate) struct StateAccounts<'a> {
    pub(crate) state: &'a dyn StateView,
    pub(crate) runtime_owned: &'a HashMap<Pubkey, AccountSharedData>,
    /// Whether each key the block's transactions declared was an upgradeable program before
    /// the block (its programdata address); see `SvmBlockVm`.
    pub(crate) base_programs: &'a RwLock<HashMap<Pubkey, Option<Pubkey>>>,
    /// The first state error met (the runtime's interface cannot carry one).
    pub(crate) error: std::cell::RefCell<Option<ExecutionError>>,
    /// Every state account read, as read: writing one back needs its record before the
    /// transaction, which need not be read from the state a second time.
    pub(crate) loaded: std::cell::RefCell<Vec<Loaded>>,
}

impl<'a> StateAccounts<'a> {
    /// The accounts of `state` behind the runtime's own.
    pub(crate) fn new(
        state: &'a dyn StateView,
        runtime_owned: &'a HashMap<Pubkey, AccountSharedData>,
        base_programs: &'a RwLock<HashMap<Pubkey, Option<Pubkey>>>,
    ) -> Self {
        Self {
            state,
            runtime_owned,
            base_programs,
            error: std::cell::RefCell::new(None),
            loaded: std::cell::RefCell::new(Vec::new()),
        }
    }
}

impl svm::AccountSource for StateAccounts<'_> {
    fn account(&self, key: &Pubkey) -> Option<AccountSharedData> {
        if let Some(account) = self.runtime_owned.get(key) {
            return Some(account.clone());
        }
        let id = account_id(key);
        let read = || -> Result<_, ExecutionError> {
            let (record, data) = (self.state.account(id)?, self.state.account_data(id)?);
            self.loaded.borrow_mut().push((*key, record, data.is_some()));
            Ok(to_solana(record, data))
        };
        match read() {
            Ok(account) => account,
            Err(e) => {
                self.error.borrow_mut().get_or_insert(e);
                None
            }
        }
    }

    /// A program that was no program before the block was deployed in it (the block's slot):
    /// its programdata, which the transaction could not declare, is not read. Otherwise (an
    /// upgradeable program before the block, whose programdata is declared, or a key the
    /// scheduler did not ask about, whose reads it does not check) it is read from the state.
    fn program_data(&self, program: &Pubkey, programdata: &Pubkey) -> ProgramDataLookup {
        let known =
            self.base_programs.read().unwrap_or_else(PoisonError::into_inner).get(program).copied();
        match known {
            Some(None) => ProgramDataLookup::DeployedThisSlot,
            Some(Some(_)) | None => ProgramDataLookup::Read(self.account(programdata)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lamports_are_whole_gwei_and_the_remainder_stays() {
        let before =
            AccountState { balance: native_token::wei(7) + U256::from(5u64), ..Default::default() };
        let shared = to_solana(Some(before), None).unwrap();
        assert_eq!(shared.lamports(), 7);
        assert_eq!(shared.owner(), &SYSTEM_PROGRAM);
        let mut after = shared.clone();
        after.set_lamports(3);
        let (state, data) = from_solana(Some(before), &after);
        assert_eq!(state.balance, native_token::wei(3) + U256::from(5u64));
        assert!(data.is_none());
    }

    #[test]
    fn program_owned_accounts_keep_owner_data_and_flags() {
        let owner = Pubkey::new_from_array([9; 32]);
        let mut shared = AccountSharedData::new(1_000, 4, &owner);
        shared.set_data_from_slice(&[1, 2, 3, 4]);
        shared.set_rent_epoch(u64::MAX);
        let (state, data) = from_solana(None, &shared);
        let data = data.unwrap();
        assert_eq!(data.owner, account_id(&owner));
        assert_eq!(data.data.as_ref(), &[1, 2, 3, 4]);
        assert_eq!(to_solana(Some(state), Some(data)).unwrap(), shared);
        assert!(to_solana(None, None).is_none());
    }

    /// A block of user programs under the scheduler: one deployed in an earlier block runs
    /// (its programdata read is declared), one deployed in this block fails as not yet
    /// visible without its programdata being read, and the block runs wholly under its
    /// declared access, with the results of an optimistic run that declares nothing.
    mod deployed_programs {
        use alloy_primitives::B256;
        use svm::types::{
            AccountMeta, Instruction, InstructionError, Message, TransactionError,
            VersionedMessage, VersionedTransaction,
        };

        use super::*;
        use crate::{
            AccountState, BlockEnv, Engine, EngineOutput, TxError, TxResult,
            scheduler::{BlockVm, ParallelExecutor, SchedulerConfig, StateKey, Strategy},
            svm::{SvmEngine, SvmReceipt, SvmTx},
        };

        const LOADER: Pubkey =
            Pubkey::from_str_const("BPFLoaderUpgradeab1e11111111111111111111111");
        const SOL: u64 = 1_000_000_000;

        /// The state before the block.
        #[derive(Default)]
        struct Base(HashMap<AccountId, (AccountState, Option<AccountData>)>);

        impl Base {
            fn put(&mut self, key: Pubkey, account: &AccountSharedData) {
                self.0.insert(account_id(&key), from_solana(None, account));
            }

            /// The state after a block that wrote `changes`.
            fn apply(&mut self, changes: crate::StateChanges) {
                for (id, change) in changes.accounts {
                    match change.account {
                        Some(account) => self.0.entry(id).or_default().0 = account,
                        None => {
                            self.0.remove(&id);
                        }
                    }
                }
                for (id, data) in changes.data {
                    if let Some(entry) = self.0.get_mut(&id) {
                        entry.1 = data;
                    }
                }
            }
        }

        impl StateView for Base {
            fn account(&self, id: AccountId) -> Result<Option<AccountState>, ExecutionError> {
                Ok(self.0.get(&id).map(|(state, _)| *state))
            }
            fn account_data(&self, id: AccountId) -> Result<Option<AccountData>, ExecutionError> {
                Ok(self.0.get(&id).and_then(|(_, data)| data.clone()))
            }
            fn storage(
                &self,
                _: alloy_primitives::Address,
                _: U256,
            ) -> Result<U256, ExecutionError> {
                Ok(U256::ZERO)
            }
            fn code(&self, _: B256) -> Result<Option<Bytes>, ExecutionError> {
                Ok(None)
            }
            fn block_hash(&self, _: u64) -> Result<Option<B256>, ExecutionError> {
                Ok(None)
            }
        }

        fn loader_account(data: Vec<u8>, executable: bool) -> AccountSharedData {
            let lamports = 10 * SOL;
            let mut account = AccountSharedData::new(lamports, data.len(), &LOADER);
            account.set_data_from_slice(&data);
            account.set_executable(executable);
            account
        }

        fn programdata_of(program: &Pubkey) -> Pubkey {
            Pubkey::find_program_address(&[program.as_ref()], &LOADER).0
        }

        fn tx(instructions: &[Instruction], payer: &Pubkey) -> SvmTx {
            let message =
                Message::new_with_blockhash(instructions, Some(payer), &Default::default());
            let signatures =
                vec![Default::default(); message.header.num_required_signatures.into()];
            let tx =
                VersionedTransaction { signatures, message: VersionedMessage::Legacy(message) };
            let payload = bincode::serialize(&tx).unwrap();
            SvmTx::decode_with(&payload, |tx| {
                svm::sanitize_unverified(tx).map_err(|e| TxError::Malformed(e.to_string()))
            })
            .unwrap()
        }

        fn invoke(program: &Pubkey, payer: &Pubkey, text: &str) -> Instruction {
            let accounts = vec![AccountMeta::new_readonly(*payer, true)];
            Instruction { program_id: *program, accounts, data: text.as_bytes().to_vec() }
        }

        fn receipt(result: &TxResult) -> &SvmReceipt {
            match result {
                TxResult::Executed(executed) => match &executed.output {
                    EngineOutput::Svm(receipt) => receipt,
                    other => panic!("{other:?}"),
                },
                TxResult::Rejected(rejection) => panic!("rejected: {rejection:?}"),
            }
        }

        #[test]
        fn svm_programs_deployed_before_and_in_a_block_under_declared_access() {
            let elf = svm::GENESIS_PROGRAMS[3].elf;
            let (payer, old, new) =
                (Pubkey::new_unique(), Pubkey::new_unique(), Pubkey::new_unique());
            let buffer = Pubkey::new_unique();
            let mut base = Base::default();
            base.put(payer, &AccountSharedData::new(100 * SOL, 0, &SYSTEM_PROGRAM));
            // `old` deployed in block 1, with `payer` its authority; a buffer of `payer`.
            let mut program = vec![2, 0, 0, 0];
            program.extend_from_slice(programdata_of(&old).as_ref());
            base.put(old, &loader_account(program, true));
            let mut programdata = vec![3, 0, 0, 0];
            programdata.extend_from_slice(&1u64.to_le_bytes());
            programdata.push(1);
            programdata.extend_from_slice(payer.as_ref());
            programdata.extend_from_slice(elf);
            base.put(programdata_of(&old), &loader_account(programdata, false));
            let mut buffer_data = vec![1, 0, 0, 0, 1];
            buffer_data.extend_from_slice(payer.as_ref());
            buffer_data.extend_from_slice(elf);
            base.put(buffer, &loader_account(buffer_data, false));

            // Block 5: call `old`; deploy `new` from the buffer; call `new`.
            let mut create = vec![0, 0, 0, 0];
            create.extend_from_slice(&(10 * SOL).to_le_bytes());
            create.extend_from_slice(&36u64.to_le_bytes());
            create.extend_from_slice(LOADER.as_ref());
            let create = Instruction {
                program_id: SYSTEM_PROGRAM,
                accounts: vec![AccountMeta::new(payer, true), AccountMeta::new(new, true)],
                data: create,
            };
            let mut deploy = vec![2, 0, 0, 0];
            deploy.extend_from_slice(&(2 * elf.len() as u64).to_le_bytes());
            let sysvar = |name| Pubkey::from_str_const(name);
            let deploy = Instruction {
                program_id: LOADER,
                accounts: vec![
                    AccountMeta::new(payer, true),
                    AccountMeta::new(programdata_of(&new), false),
                    AccountMeta::new(new, false),
                    AccountMeta::new(buffer, false),
                    AccountMeta::new_readonly(
                        sysvar("SysvarRent111111111111111111111111111111111"),
                        false,
                    ),
                    AccountMeta::new_readonly(
                        sysvar("SysvarC1ock11111111111111111111111111111111"),
                        false,
                    ),
                    AccountMeta::new_readonly(SYSTEM_PROGRAM, false),
                    AccountMeta::new_readonly(payer, true),
                ],
                data: deploy,
            };
            let txs = vec![
                tx(&[invoke(&old, &payer, "deployed before")], &payer),
                tx(&[create, deploy], &payer),
                tx(&[invoke(&new, &payer, "deployed in this block")], &payer),
            ];
            let env = BlockEnv {
                number: 5,
                timestamp: 1_700_000_000,
                parent_hash: B256::repeat_byte(7),
                gas_limit: 30_000_000,
                base_fee_per_gas: 0,
                beneficiary: alloy_primitives::Address::ZERO,
                prevrandao: B256::ZERO,
            };
            let engine = SvmEngine::new().unwrap();

            // What each transaction declares.
            let vm = engine.block_vm(&env);
            let declared = |i: usize, key: &Pubkey| {
                let access = vm.declared_access(&txs[i], &base).unwrap();
                access.covers(&StateKey::Data(account_id(key)))
            };
            assert!(declared(0, &programdata_of(&old)), "the old program's programdata");
            assert!(!declared(2, &programdata_of(&new)), "no programdata: not a program before");

            let run = |strategy| {
                let config = SchedulerConfig {
                    threads: 2,
                    force: Some(strategy),
                    max_waste: f64::INFINITY,
                    ..SchedulerConfig::default()
                };
                let vm = engine.block_vm(&env);
                ParallelExecutor::new(config).run(&vm, &base, &txs, true).unwrap()
            };
            let declared_run = run(Strategy::Declared);
            assert_eq!(
                declared_run.report.strategy,
                Strategy::Declared,
                "{:?}",
                declared_run.report
            );
            assert_eq!(declared_run.outputs.len(), 3);
            let receipts: Vec<&SvmReceipt> = declared_run.outputs.iter().map(receipt).collect();
            assert_eq!(receipts[0].error, None, "{:#?}", receipts[0].logs);
            assert!(receipts[0].logs.iter().any(|l| l.contains("deployed before")));
            assert_eq!(receipts[1].error, None, "{:#?}", receipts[1].logs);
            assert_eq!(
                receipts[2].error,
                Some(TransactionError::InstructionError(0, InstructionError::UnsupportedProgramId))
            );
            assert!(receipts[2].logs.contains(&"Program is not deployed".to_string()));

            // Declaring nothing, the worker reads the new programdata: the same results.
            let optimistic = run(Strategy::Optimistic);
            assert_eq!(optimistic.report.strategy, Strategy::Optimistic);
            assert_eq!(optimistic.outputs, declared_run.outputs);
            assert_eq!(optimistic.changes, declared_run.changes);

            // In the next block the new program runs, its programdata declared and read.
            base.apply(declared_run.changes);
            let next = BlockEnv { number: 6, ..env };
            let txs = vec![tx(&[invoke(&new, &payer, "deployed in the block before")], &payer)];
            let vm = engine.block_vm(&next);
            let access = vm.declared_access(&txs[0], &base).unwrap();
            assert!(access.covers(&StateKey::Data(account_id(&programdata_of(&new)))));
            let config = SchedulerConfig {
                threads: 2,
                force: Some(Strategy::Declared),
                ..SchedulerConfig::default()
            };
            let run = ParallelExecutor::new(config).run(&vm, &base, &txs, true).unwrap();
            assert_eq!(run.report.strategy, Strategy::Declared, "{:?}", run.report);
            let receipt = receipt(&run.outputs[0]);
            assert_eq!(receipt.error, None, "{:#?}", receipt.logs);
            assert!(receipt.logs.iter().any(|l| l.contains("deployed in the block before")));
        }
    }
}
