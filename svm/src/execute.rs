//! Executing one transaction, as agave does: compute budget from its ComputeBudget
//! instructions, the fee (5,000 lamports a signature plus the priority fee) validated against
//! and taken from the fee payer, its accounts loaded (the instructions sysvar built, every
//! upgradeable program it names put in its program cache from its programdata, the
//! loaded-data limit enforced), each instruction through agave's invoke context, then the
//! rent-state rule on every account it writes. A transaction that fails after its accounts
//! loaded still pays its fee; one that fails before changes nothing.

use std::rc::Rc;

use solana_account::{Account, AccountSharedData, ReadableAccount, WritableAccount};
use solana_compute_budget::compute_budget::ComputeBudget;
use solana_fee::FeeFeatures;
use solana_program_runtime::invoke_context::{EnvironmentConfig, InvokeContext};
use solana_pubkey::Pubkey;
use solana_rent::Rent;
use solana_runtime_transaction::transaction_meta::TransactionConfiguration;
use solana_svm_callback::InvokeContextCallback;
use solana_svm_log_collector::LogCollector;
use solana_svm_timings::ExecuteTimings;
use solana_transaction::sanitized::SanitizedTransaction;
use solana_transaction_context::{
    IndexOfAccount, transaction::ExecutionRecord, transaction::TransactionContext,
};
use solana_transaction_error::TransactionError;

use crate::{BlockSysvars, ProgramDataLookup, SvmRuntime, rent_state::RentState};

/// Where the accounts a transaction names come from (the chain's state, as of its position
/// in the block).
pub trait AccountSource {
    /// Account `key`, if it exists.
    fn account(&self, key: &Pubkey) -> Option<AccountSharedData>;

    /// The programdata account `programdata` of `program`, an upgradeable-loader program
    /// account of the transaction, read to run the program — the one account the runtime
    /// reads that the transaction does not name. A source that knows `program` was deployed
    /// in the current slot may answer [`ProgramDataLookup::DeployedThisSlot`] without reading
    /// it (the program is not invocable before the next slot either way); by default the
    /// account is read with [`account`](Self::account).
    fn program_data(&self, program: &Pubkey, programdata: &Pubkey) -> ProgramDataLookup {
        let _ = program;
        ProgramDataLookup::Read(self.account(programdata))
    }
}

/// Sanitizes `tx` as agave does under the chain's features (reserved accounts demoted to
/// read-only, the account-lock limit), without verifying its signatures (for transactions
/// verified before, read back from the node's own storage). A v0 message that uses address
/// lookup tables is refused (`AddressLookupTableNotFound`) until tables are served.
pub fn sanitize_unverified(
    tx: solana_transaction::versioned::VersionedTransaction,
) -> Result<SanitizedTransaction, TransactionError> {
    static RESERVED: std::sync::OnceLock<std::collections::HashSet<Pubkey>> =
        std::sync::OnceLock::new();
    let reserved = RESERVED.get_or_init(|| {
        let mut keys = agave_reserved_account_keys::ReservedAccountKeys::default();
        keys.update_active_set(crate::chain_feature_set());
        keys.active
    });
    sanitize_with(tx, reserved)
}

fn sanitize_with(
    tx: solana_transaction::versioned::VersionedTransaction,
    reserved: &std::collections::HashSet<Pubkey>,
) -> Result<SanitizedTransaction, TransactionError> {
    if tx.message.address_table_lookups().is_some_and(|lookups| !lookups.is_empty()) {
        return Err(TransactionError::AddressLookupTableNotFound);
    }
    let no_lookups = solana_message::SimpleAddressLoader::Enabled(Default::default());
    let tx = SanitizedTransaction::try_create(
        tx,
        solana_transaction::sanitized::MessageHash::Compute,
        Some(false),
        no_lookups,
        reserved,
    )?;
    SanitizedTransaction::validate_account_locks(tx.message(), ACCOUNT_LOCK_LIMIT)?;
    Ok(tx)
}

impl<S: std::hash::BuildHasher> AccountSource
    for std::collections::HashMap<Pubkey, AccountSharedData, S>
{
    fn account(&self, key: &Pubkey) -> Option<AccountSharedData> {
        self.get(key).cloned()
    }
}

/// What executing a transaction did.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// Its result, in agave's words.
    pub result: Result<(), TransactionError>,
    /// The fee it paid, in lamports (0 when it failed before its accounts loaded).
    pub fee: u64,
    /// Compute units its instructions consumed.
    pub compute_units: u64,
    /// Program logs.
    pub logs: Vec<String>,
    /// The accounts it leaves changed: every writable account on success, the fee payer only
    /// on failure (nothing for a call, which pays no fee), nothing when it failed before
    /// loading.
    pub writes: Vec<(Pubkey, AccountSharedData)>,
    /// The return data its last program set (`sol_set_return_data`), on success.
    pub return_data: Vec<u8>,
}

/// How a transaction pays for its execution.
#[derive(Debug, Clone, Copy)]
enum Payment {
    /// As on Solana: the fee payer pays the signature and priority fee, and the compute budget
    /// comes from the message's ComputeBudget instructions.
    Fee,
    /// A call from another VM, which pays in its own gas: no fee, and this many compute units.
    Metered { compute_unit_limit: u64 },
}

/// Fixed per-account overhead counted against the loaded-data limit.
const ACCOUNT_BASE_SIZE: usize = 64;
/// Most accounts one transaction may lock.
const ACCOUNT_LOCK_LIMIT: usize = 64;
/// Most bytes of program logs kept per transaction (LiteSVM's and the validator's default).
const LOG_BYTES_LIMIT: usize = 10_000;

struct NoStakes;
impl InvokeContextCallback for NoStakes {}

impl SvmRuntime {
    /// Sanitizes `tx` (see [`sanitize_unverified`]) and verifies its signatures.
    pub fn sanitize(
        &self,
        tx: solana_transaction::versioned::VersionedTransaction,
    ) -> Result<SanitizedTransaction, TransactionError> {
        let tx = sanitize_with(tx, &self.reserved_keys)?;
        tx.verify()?;
        Ok(tx)
    }

    /// Executes `tx` in the block of `sysvars` over the accounts of `source`.
    pub fn execute(
        &self,
        tx: &SanitizedTransaction,
        source: &impl AccountSource,
        sysvars: &BlockSysvars,
    ) -> Outcome {
        self.run(tx, source, sysvars, Payment::Fee)
    }

    /// Executes `tx` as a call from another VM (the EVM's Solana precompile): its signers
    /// are vouched for by the caller (its signatures are not looked at), it pays no fee (the
    /// caller meters it in its own gas) and runs with `compute_unit_limit` compute units,
    /// whatever ComputeBudget instructions it has. It changes nothing unless it succeeds.
    pub fn execute_call(
        &self,
        tx: &SanitizedTransaction,
        source: &impl AccountSource,
        sysvars: &BlockSysvars,
        compute_unit_limit: u64,
    ) -> Outcome {
        self.run(tx, source, sysvars, Payment::Metered { compute_unit_limit })
    }

    fn run(
        &self,
        tx: &SanitizedTransaction,
        source: &impl AccountSource,
        sysvars: &BlockSysvars,
        payment: Payment,
    ) -> Outcome {
        let failed = |result| Outcome {
            result: Err(result),
            fee: 0,
            compute_units: 0,
            logs: Vec::new(),
            writes: Vec::new(),
            return_data: Vec::new(),
        };
        let message = tx.message();
        let config = match TransactionConfiguration::try_from_sanitized_message(
            message,
            &self.feature_set,
        ) {
            Ok(config) => config,
            Err(e) => return failed(e),
        };
        let compute_unit_limit = match payment {
            Payment::Fee => u64::from(config.compute_unit_limit),
            Payment::Metered { compute_unit_limit } => compute_unit_limit,
        };
        let budget = ComputeBudget {
            compute_unit_limit,
            heap_size: config.updated_heap_bytes,
            ..Self::default_budget(&self.feature_set)
        };
        crate::vm_heaps::fit(budget.heap_size);
        let fee = match payment {
            Payment::Fee => solana_fee::calculate_fee(
                message,
                self.lamports_per_signature,
                config.priority_fee_lamports,
                FeeFeatures::from(&self.feature_set),
            ),
            Payment::Metered { .. } => 0,
        };
        let rent = Rent::default();
        let keys: Vec<Pubkey> = message.account_keys().iter().copied().collect();
        let mut accounts = Vec::with_capacity(keys.len());
        let mut pre_states = Vec::with_capacity(keys.len());
        let mut loaded_size = 0usize;
        let mut payer: Option<usize> = None;
        for (i, key) in keys.iter().enumerate() {
            if solana_sdk_ids::sysvar::instructions::check_id(key) {
                let data = match solana_instructions_sysvar::construct_instructions_data(
                    &message.decompile_instructions(),
                ) {
                    Ok(data) => data,
                    Err(_) => return failed(TransactionError::SanitizeFailure),
                };
                let account =
                    Account { data, owner: solana_sdk_ids::sysvar::ID, ..Account::default() };
                pre_states.push(RentState::Uninitialized);
                accounts.push((*key, AccountSharedData::from(account)));
                continue;
            }
            let mut account = source.account(key).unwrap_or_else(|| {
                let mut account = AccountSharedData::default();
                account.set_rent_epoch(u64::MAX);
                account
            });
            loaded_size = loaded_size.saturating_add(ACCOUNT_BASE_SIZE + account.data().len());
            pre_states.push(RentState::of(&rent, account.lamports(), account.data().len()));
            if message.is_writable(i)
                && account.rent_epoch() != u64::MAX
                && rent.is_exempt(account.lamports(), account.data().len())
            {
                account.set_rent_epoch(u64::MAX);
            }
            if matches!(payment, Payment::Fee)
                && payer.is_none()
                && (!message.is_invoked(i) || message.is_instruction_account(i))
            {
                if let Err(e) = take_fee(key, &mut account, i, &rent, fee) {
                    return failed(e);
                }
                payer = Some(i);
            }
            accounts.push((*key, account));
        }
        // Every upgradeable program the transaction names enters its program cache (the
        // invoked ones and those it may reach by CPI), as agave loads them per transaction.
        let mut programs = self.programs.clone();
        programs.set_slot_for_tests(sysvars.slot);
        let mut programdata_loaded: Vec<Pubkey> = Vec::new();
        for (key, account) in &accounts {
            if !solana_sdk_ids::bpf_loader_upgradeable::check_id(account.owner())
                || self.programs.find(key).is_some()
            {
                continue;
            }
            let program = self.upgradeable_program(key, account, source, sysvars.slot);
            if let Some((address, len)) = program.programdata
                && !keys.contains(&address)
                && !programdata_loaded.contains(&address)
            {
                programdata_loaded.push(address);
                loaded_size = loaded_size.saturating_add(ACCOUNT_BASE_SIZE + len);
            }
            programs.replenish(*key, program.entry);
        }
        if loaded_size > config.loaded_accounts_data_size_limit as usize {
            return failed(TransactionError::MaxLoadedAccountsDataSizeExceeded);
        }
        let payer = match (payment, payer) {
            (Payment::Fee, None) => return failed(TransactionError::AccountNotFound),
            (_, payer) => payer,
        };
        for instruction in message.instructions() {
            let (id, account) = &accounts[instruction.program_id_index as usize];
            if solana_sdk_ids::native_loader::check_id(id) {
                continue;
            }
            if !account.executable() || programs.find(id).is_none() {
                return failed(TransactionError::InvalidProgramForExecution);
            }
        }
        let payer_after_fee = payer.map(|payer| (keys[payer], accounts[payer].1.clone()));

        let mut context = TransactionContext::new(
            accounts,
            rent.clone(),
            budget.max_instruction_stack_depth,
            budget.max_instruction_trace_length,
            message.instructions().len(),
        );
        let sysvar_cache = sysvars.shared_cache();
        let logs = LogCollector::new_ref_with_limit(Some(LOG_BYTES_LIMIT));
        let callback = NoStakes;
        let mut compute_units = 0u64;
        let mut result = {
            let mut invoke = InvokeContext::new(
                &mut context,
                &mut programs,
                EnvironmentConfig::new(
                    *message.recent_blockhash(),
                    self.lamports_per_signature,
                    false,
                    &callback,
                    &self.runtime_features,
                    &self.environments,
                    &sysvar_cache,
                ),
                Some(logs.clone()),
                budget.to_budget(),
                budget.to_cost(),
            );
            process_message(tx, &mut invoke, &mut compute_units)
        };
        if result.is_ok() {
            result = check_rent(tx, &context, &rent, &pre_states);
        }
        let logs = Rc::try_unwrap(logs)
            .map(|collector| collector.into_inner().into_messages())
            .unwrap_or_else(|shared| shared.borrow().get_recorded_content().to_vec());
        let (writes, return_data) = match result {
            Ok(()) => {
                let ExecutionRecord { accounts, return_data, .. } = context.into();
                let writable =
                    accounts.into_iter().enumerate().filter(|(i, _)| message.is_writable(*i));
                (writable.map(|(_, keyed)| keyed).collect(), return_data.data)
            }
            Err(_) => (payer_after_fee.into_iter().collect(), Vec::new()),
        };
        Outcome { result, fee, compute_units, logs, writes, return_data }
    }
}

/// Checks that account `index` (`key`) can pay `fee` and stays rent-valid, and takes it.
fn take_fee(
    key: &Pubkey,
    account: &mut AccountSharedData,
    index: usize,
    rent: &Rent,
    fee: u64,
) -> Result<(), TransactionError> {
    if account.lamports() == 0 {
        return Err(TransactionError::AccountNotFound);
    }
    let kind = solana_system_program::get_system_account_kind(account)
        .ok_or(TransactionError::InvalidAccountForFee)?;
    let min_balance = match kind {
        solana_system_program::SystemAccountKind::System => 0,
        solana_system_program::SystemAccountKind::Nonce => {
            rent.minimum_balance(solana_nonce::state::State::size())
        }
    };
    account
        .lamports()
        .checked_sub(min_balance)
        .and_then(|left| left.checked_sub(fee))
        .ok_or(TransactionError::InsufficientFundsForFee)?;
    let size = account.data().len();
    let pre = RentState::of(rent, account.lamports(), size);
    account.set_lamports(account.lamports() - fee);
    let post = RentState::of(rent, account.lamports(), size);
    crate::rent_state::check_transition(&pre, &post, key, index)
}

/// Runs every instruction of `tx`; the compute units they consume add up in `units`.
fn process_message<'ix>(
    tx: &'ix SanitizedTransaction,
    invoke: &mut InvokeContext<'_, 'ix>,
    units: &mut u64,
) -> Result<(), TransactionError> {
    let message = tx.message();
    invoke
        .prepare_top_level_instructions(message)
        .map_err(|(index, e)| TransactionError::InstructionError(index, e))?;
    for (index, (program_id, instruction)) in message.program_instructions_iter().enumerate() {
        let mut consumed = 0;
        let result = if invoke.is_precompile(program_id) {
            invoke.process_precompile(
                program_id,
                &instruction.data,
                message.instructions().iter().map(|ix| ix.data.as_slice()),
            )
        } else {
            invoke.process_instruction(&mut consumed, &mut ExecuteTimings::default())
        };
        *units = units.saturating_add(consumed);
        result.map_err(|e| TransactionError::InstructionError(index as u8, e))?;
    }
    Ok(())
}

/// The rent-state rule over every account `tx` writes.
fn check_rent(
    tx: &SanitizedTransaction,
    context: &TransactionContext,
    rent: &Rent,
    pre_states: &[RentState],
) -> Result<(), TransactionError> {
    let message = tx.message();
    for (index, pre) in pre_states.iter().enumerate() {
        if !message.is_writable(index) {
            continue;
        }
        let at = index as IndexOfAccount;
        let account = context
            .accounts()
            .try_borrow(at)
            .map_err(|e| TransactionError::InstructionError(index as u8, e))?;
        let key = context
            .get_key_of_account_at_index(at)
            .map_err(|e| TransactionError::InstructionError(index as u8, e))?;
        let post = RentState::of(rent, account.lamports(), account.data().len());
        crate::rent_state::check_transition(pre, &post, key, index)?;
    }
    Ok(())
}
