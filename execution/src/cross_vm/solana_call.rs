//! The Solana precompile at [`SOLANA_CALL`]: an EVM contract (or a WebAssembly program, or an
//! account's own transaction) calls
//!
//! ```solidity
//! struct AccountMeta { bytes32 pubkey; bool isSigner; bool isWritable; }
//! function invoke(bytes32 programId, AccountMeta[] accounts, bytes data) returns (bytes);
//! ```
//!
//! and the Solana instruction `(programId, accounts, data)` runs in agave's runtime, in the
//! current block, over the transaction's current view of the accounts it names. It returns
//! the program's return data (`sol_set_return_data`), or reverts with `Error(string)` in
//! agave's words when the instruction fails.
//!
//! - **Signer**: the caller's Solana address, [`solana_address`] — its account id, 12 zero
//!   bytes then the 20-byte EVM address. It is the only account that may be marked a signer,
//!   and the message's fee payer (who pays nothing: gas pays).
//! - **Gas**: [`CALL_GAS`], plus [`ACCOUNT_GAS`] for each account the message names (its
//!   program, metas and the caller), plus one gas per compute unit the instruction consumes.
//!   It runs with the gas left after the fixed part as its compute-unit limit, at most
//!   [`MAX_COMPUTE_UNITS`].
//! - **Value**: the precompile takes none. Lamports move with the System program: from the
//!   caller's own Solana address they come out of its EVM balance (1 lamport = 1 gwei), and
//!   lamports paid to an EVM address's Solana address show as its wei.
//! - **Atomicity**: changes to EVM addresses are balance changes in revm's journal; changes to
//!   other Solana accounts are versions whose current number revm's journal holds
//!   (`solana_versions`). A revert of this frame or any outer one undoes both.
//! - It must be called with `CALL` or `STATICCALL` (a `STATICCALL` may not name a writable
//!   account); `DELEGATECALL` and `CALLCODE` are refused, since the signer would be ambiguous.

use std::collections::HashMap;

use alloy_primitives::{Address, Bytes, address};
use alloy_sol_types::{SolCall, SolError, sol};
use revm::{
    context::ContextError,
    context_interface::{ContextTr, JournalTr, journaled_state::account::JournaledAccountTr},
    interpreter::{CallInputs, CallScheme, CallValue, Gas, InstructionResult, InterpreterResult},
};
use svm::types::{
    AccountMeta, AccountSharedData, Hash, Instruction, Message, Pubkey, ReadableAccount, Signature,
    VersionedMessage, VersionedTransaction,
};

use crate::{
    AccountId, AccountState,
    cross_vm::{SOLANA_ACCOUNTS, SolanaDb, SolanaVersions, solana_versions::Version},
    state::{AccountData, native_token},
    svm::accounts::{account_id, from_solana, pubkey, to_solana},
};

/// The address of the Solana precompile.
pub const SOLANA_CALL: Address = address!("0x0000000000000000000000000000000000000500");

/// Gas every call pays before it runs.
pub const CALL_GAS: u64 = 2_000;

/// Gas for each account the instruction's message names (a cold account access, EIP-2929).
pub const ACCOUNT_GAS: u64 = 2_600;

/// Most compute units one call may use (a Solana transaction's limit).
pub const MAX_COMPUTE_UNITS: u64 = 1_400_000;

sol! {
    /// One account of the instruction, as Solana's `AccountMeta`.
    struct SolanaAccountMeta {
        bytes32 pubkey;
        bool isSigner;
        bool isWritable;
    }

    /// Runs one Solana instruction; returns the program's return data.
    function invoke(bytes32 programId, SolanaAccountMeta[] accounts, bytes data)
        external returns (bytes);
}

/// The Solana address (account id) of EVM address `address`: 12 zero bytes, then the
/// address. Its lamports are the address's EVM balance in whole gwei.
pub fn solana_address(address: Address) -> Pubkey {
    pubkey(AccountId::from(address))
}

/// How a call ends before, or instead of, returning.
enum Failure<E> {
    /// It reverts with `Error(reason)`, having used this much gas.
    Revert(String, u64),
    /// It runs out of gas.
    OutOfGas,
    /// The database failed: the transaction cannot go on.
    Db(E),
}

type DbError<CTX> = <<CTX as ContextTr>::Db as revm::Database>::Error;

/// Runs a call of the precompile.
pub(crate) fn run<CTX>(context: &mut CTX, inputs: &CallInputs) -> InterpreterResult
where
    CTX: ContextTr,
    CTX::Db: SolanaDb,
{
    let gas_limit = inputs.gas_limit;
    match call(context, inputs) {
        Ok((output, used)) => {
            let mut gas = Gas::new(gas_limit);
            let _ = gas.record_regular_cost(used);
            InterpreterResult { result: InstructionResult::Return, output, gas }
        }
        Err(Failure::Revert(reason, used)) => {
            let mut gas = Gas::new(gas_limit);
            let _ = gas.record_regular_cost(used.min(gas_limit));
            let output = alloy_sol_types::Revert { reason }.abi_encode().into();
            InterpreterResult { result: InstructionResult::Revert, output, gas }
        }
        Err(Failure::OutOfGas) => {
            let mut gas = Gas::new(gas_limit);
            gas.spend_all();
            InterpreterResult { result: InstructionResult::OutOfGas, output: Bytes::new(), gas }
        }
        Err(Failure::Db(e)) => {
            *context.error() = Err(ContextError::Db(e));
            let mut gas = Gas::new(gas_limit);
            gas.spend_all();
            InterpreterResult {
                result: InstructionResult::FatalExternalError,
                output: Bytes::new(),
                gas,
            }
        }
    }
}

/// The account state a call starts from for one key, and what it was before the transaction.
struct Before {
    /// Its record now.
    record: Option<AccountState>,
    /// The runtime's view of it now.
    shared: Option<AccountSharedData>,
    /// Whether it had data before the transaction.
    had_data: bool,
}

fn call<CTX>(context: &mut CTX, inputs: &CallInputs) -> Result<(Bytes, u64), Failure<DbError<CTX>>>
where
    CTX: ContextTr,
    CTX::Db: SolanaDb,
{
    let revert = |reason: String| Failure::Revert(reason, CALL_GAS);
    if inputs.gas_limit < CALL_GAS {
        return Err(Failure::OutOfGas);
    }
    if !matches!(inputs.scheme, CallScheme::Call | CallScheme::StaticCall) {
        return Err(revert("the Solana precompile must be called with CALL or STATICCALL".into()));
    }
    if matches!(inputs.value, CallValue::Transfer(value) if !value.is_zero()) {
        return Err(revert(
            "the Solana precompile takes no value: move lamports with the System program".into(),
        ));
    }
    let input = inputs.input.bytes(context);
    let call =
        invokeCall::abi_decode(&input).map_err(|e| revert(format!("invalid Solana call: {e}")))?;
    if context.db_mut().solana().is_none() {
        return Err(revert("this chain does not run the Solana VM".into()));
    }
    let caller = solana_address(inputs.caller);
    let mut metas = Vec::with_capacity(call.accounts.len());
    for meta in &call.accounts {
        let key = Pubkey::new_from_array(meta.pubkey.0);
        if meta.isSigner && key != caller {
            return Err(revert(format!(
                "only the caller's Solana address {caller} may sign, not {key}"
            )));
        }
        if meta.isWritable && inputs.is_static {
            return Err(revert(format!("account {key} is writable in a static call")));
        }
        metas.push(AccountMeta {
            pubkey: key,
            is_signer: meta.isSigner,
            is_writable: meta.isWritable,
        });
    }
    let program = Pubkey::new_from_array(call.programId.0);
    let instruction =
        Instruction { program_id: program, accounts: metas, data: call.data.to_vec() };
    let message = Message::new_with_blockhash(&[instruction], Some(&caller), &Hash::default());
    let signatures =
        vec![Signature::default(); usize::from(message.header.num_required_signatures)];
    let tx = VersionedTransaction { signatures, message: VersionedMessage::Legacy(message) };
    let tx =
        svm::sanitize_unverified(tx).map_err(|e| revert(format!("invalid Solana call: {e}")))?;
    let keys: Vec<Pubkey> = tx.message().account_keys().iter().copied().collect();
    let fixed = CALL_GAS.saturating_add(ACCOUNT_GAS.saturating_mul(keys.len() as u64));
    if inputs.gas_limit < fixed {
        return Err(Failure::OutOfGas);
    }
    let compute_unit_limit = (inputs.gas_limit - fixed).min(MAX_COMPUTE_UNITS);

    // The accounts as this transaction sees them now: the message's, and the programdata of
    // each upgradeable program among them (the one account the runtime reads unnamed).
    let mut before: HashMap<Pubkey, Before> = HashMap::with_capacity(keys.len());
    let mut pending: Vec<Pubkey> = keys.clone();
    while let Some(key) = pending.pop() {
        if before.contains_key(&key) || is_runtime_owned(context, &key) {
            continue;
        }
        let now = current(context, &key)?;
        if let Some(shared) = &now.shared
            && let Some(programdata) = svm::programdata_address(shared.owner(), shared.data())
        {
            pending.push(programdata);
        }
        before.insert(key, now);
    }

    let outcome = {
        let (vm, _) = context.db_mut().solana().expect("checked above");
        let source = CallAccounts { runtime_owned: vm.runtime_owned(), accounts: &before };
        vm.runtime().execute_call(&tx, &source, vm.sysvars(), compute_unit_limit)
    };
    let used = fixed.saturating_add(outcome.compute_units);
    for line in &outcome.logs {
        tracing::trace!(target: "manifold::solana_call", "{line}");
    }
    if let Err(e) = outcome.result {
        return Err(Failure::Revert(format!("Solana instruction failed: {e}"), used));
    }

    // What changed, checked in full before anything is written.
    let mut changed = Vec::new();
    for (key, after) in &outcome.writes {
        let Some(was) = before.get(key) else { continue };
        if unchanged(was.shared.as_ref(), after) {
            continue;
        }
        let id = account_id(key);
        if id.evm_address().is_some() {
            let (_, data) = from_solana(was.record, after);
            if data.is_some() {
                return Err(Failure::Revert(
                    format!("EVM account {key} cannot hold Solana data or an owner"),
                    used,
                ));
            }
        }
        changed.push((*key, id, after));
    }
    for (key, id, after) in changed {
        let was = &before[&key];
        match id.evm_address() {
            Some(address) => {
                let balance = was.record.map(|r| r.balance).unwrap_or_default();
                let old = native_token::wei(native_token::lamports(balance));
                let new = balance - old + native_token::wei(after.lamports());
                let mut account =
                    context.journal_mut().load_account_mut(address).map_err(Failure::Db)?;
                account.set_balance(new);
            }
            None => {
                let (record, data) = from_solana(was.record, after);
                let version = Version { id, record: Some(record), data, had_data: was.had_data };
                let slot = SolanaVersions::slot(&id);
                let (_, versions) = context.db_mut().solana().expect("checked above");
                let number = versions.push(version);
                let journal = context.journal_mut();
                journal.load_account(SOLANA_ACCOUNTS).map_err(Failure::Db)?;
                journal.sstore(SOLANA_ACCOUNTS, slot, number).map_err(Failure::Db)?;
            }
        }
    }
    let output = invokeCall::abi_encode_returns(&Bytes::from(outcome.return_data));
    Ok((output.into(), used))
}

/// Whether the runtime left an account as it was: equal to what it loaded, or, for one that did
/// not exist (loaded as an empty system account), still empty.
fn unchanged(was: Option<&AccountSharedData>, after: &AccountSharedData) -> bool {
    match was {
        Some(was) => was == after,
        None => {
            after.lamports() == 0
                && after.data().is_empty()
                && !after.executable()
                && *after.owner() == Pubkey::default()
        }
    }
}

fn is_runtime_owned<CTX>(context: &mut CTX, key: &Pubkey) -> bool
where
    CTX: ContextTr,
    CTX::Db: SolanaDb,
{
    context.db_mut().solana().is_some_and(|(vm, _)| vm.runtime_owned().contains_key(key))
}

/// Account `key` as the transaction sees it now.
fn current<CTX>(context: &mut CTX, key: &Pubkey) -> Result<Before, Failure<DbError<CTX>>>
where
    CTX: ContextTr,
    CTX::Db: SolanaDb,
{
    let id = account_id(key);
    if let Some(address) = id.evm_address() {
        let journal = context.journal_mut();
        let account = journal.load_account(address).map_err(Failure::Db)?;
        // A missing account reads as an empty record: the runtime sees no account either way.
        let record = Some(crate::evm::tx_effects::account_state(account.data));
        return Ok(Before { record, shared: to_solana(record, None), had_data: false });
    }
    let journal = context.journal_mut();
    journal.load_account(SOLANA_ACCOUNTS).map_err(Failure::Db)?;
    let number = journal.sload(SOLANA_ACCOUNTS, SolanaVersions::slot(&id)).map_err(Failure::Db)?;
    let db = context.db_mut();
    if let Some((_, versions)) = db.solana()
        && let Some(version) = versions.get(*number)
    {
        let (record, data, had_data) = (version.record, version.data.clone(), version.had_data);
        return Ok(Before { record, shared: to_solana(record, data), had_data });
    }
    let (record, data): (Option<AccountState>, Option<AccountData>) =
        db.solana_account(id).map_err(Failure::Db)?;
    let had_data = data.is_some();
    Ok(Before { record, shared: to_solana(record, data), had_data })
}

/// The accounts of one call as the runtime reads them: the runtime's own, then the
/// transaction's current view.
struct CallAccounts<'a> {
    runtime_owned: &'a HashMap<Pubkey, AccountSharedData>,
    accounts: &'a HashMap<Pubkey, Before>,
}

impl svm::AccountSource for CallAccounts<'_> {
    fn account(&self, key: &Pubkey) -> Option<AccountSharedData> {
        if let Some(account) = self.runtime_owned.get(key) {
            return Some(account.clone());
        }
        self.accounts.get(key).and_then(|before| before.shared.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_evm_address_signs_as_its_account_id() {
        let address = address!("0x00000000000000000000000000000000deadbeef");
        let key = solana_address(address);
        assert_eq!(&key.to_bytes()[..12], &[0u8; 12]);
        assert_eq!(&key.to_bytes()[12..], address.as_slice());
        assert_eq!(account_id(&key).evm_address(), Some(address));
    }

    #[test]
    fn the_abi_is_solidity_s() {
        // keccak256("invoke(bytes32,(bytes32,bool,bool)[],bytes)")[..4]
        let expected = alloy_primitives::keccak256("invoke(bytes32,(bytes32,bool,bool)[],bytes)");
        assert_eq!(invokeCall::SELECTOR, expected[..4]);
    }
}
