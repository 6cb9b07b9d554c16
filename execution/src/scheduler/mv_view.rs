//! `MvView`: the state a transaction executes against under the scheduler — the multi-version
//! memory over the block's base state — recording every read for validation. One per worker
//! thread, pointed at one transaction after another.
//!
//! Reads are recorded with where their value came from: the base state, a lower
//! transaction's version, or — for values that depend on commutative credits — the value
//! itself, which validation compares. Code is content-addressed and never recorded: whoever
//! read a code hash recorded the account it came from.

use std::cell::{Cell, RefCell};

use alloy_primitives::{Address, B256, Bytes, KECCAK256_EMPTY, U256};

use super::{
    declared_access::DeclaredAccess,
    mv_memory::{MvAccountRead, MvMemory, MvRead, Version},
    state_key::{StateKey, StateValue},
    vm::TxState,
};
use crate::{AccountId, AccountState, ExecutionError, StateView, state::AccountData};

/// Where a read's value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum ReadOrigin {
    /// The block's base state.
    Base,
    /// A lower transaction's write.
    Version(Version),
    /// An account with credits of lower transactions applied: this value.
    Credited(Box<Option<AccountState>>),
    /// Only the code hash of an account the transaction credits.
    CodeHash(B256),
}

/// One recorded read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct ReadEntry {
    pub(super) key: StateKey,
    pub(super) origin: ReadOrigin,
}

/// The read view of the transaction a worker is executing.
pub(super) struct MvView<'a, V> {
    mv: &'a MvMemory,
    base: &'a V,
    txn: Cell<u32>,
    record: bool,
    reads: RefCell<Vec<ReadEntry>>,
    declared: Cell<Option<&'a DeclaredAccess>>,
    undeclared: Cell<bool>,
}

impl<V> std::fmt::Debug for MvView<'_, V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MvView").field("txn", &self.txn.get()).finish_non_exhaustive()
    }
}

fn mismatch(key: StateKey) -> ExecutionError {
    ExecutionError::Invariant(format!("value of the wrong kind under {key:?}"))
}

fn estimate(blocking: u32) -> ExecutionError {
    ExecutionError::ReadEstimate { blocking: blocking as usize }
}

/// `account` plus `credits` (the balance a sequence of credits leads to).
fn credited(account: Option<AccountState>, credits: U256) -> Result<AccountState, ExecutionError> {
    let mut account = account.unwrap_or_default();
    account.balance = account.balance.checked_add(credits).ok_or_else(|| {
        ExecutionError::Invariant("native balance overflow while applying credits".into())
    })?;
    Ok(account)
}

/// The value of `key` for transaction `txn` (`None`: the base state has it) and its origin.
fn resolve<V: StateView>(
    mv: &MvMemory,
    base: &V,
    key: &StateKey,
    txn: u32,
) -> Result<(Option<StateValue>, ReadOrigin), ExecutionError> {
    Ok(match mv.read(key, txn) {
        MvRead::Estimate(blocking) => return Err(estimate(blocking)),
        MvRead::Base => (None, ReadOrigin::Base),
        MvRead::Value(version, value) => (Some(value), ReadOrigin::Version(version)),
        MvRead::Credited { written, credits } => {
            let StateKey::Account(id) = key else { return Err(mismatch(*key)) };
            let before = match written {
                Some(account) => account,
                None => base.account(*id)?,
            };
            let account = Some(credited(before, credits)?);
            (Some(StateValue::Account(account)), ReadOrigin::Credited(Box::new(account)))
        }
    })
}

/// The code hash a crediting transaction `txn` sees at account `id`.
fn credit_target<V: StateView>(
    mv: &MvMemory,
    base: &V,
    id: AccountId,
    txn: u32,
) -> Result<B256, ExecutionError> {
    let account = match mv.read_account_skipping_credits(id, txn) {
        MvAccountRead::Estimate(blocking) => return Err(estimate(blocking)),
        MvAccountRead::Value(account) => account,
        MvAccountRead::Base => base.account(id)?,
    };
    Ok(account.map_or(KECCAK256_EMPTY, |a| a.code_hash))
}

/// Whether `read`, made by transaction `txn`, would still read the same now.
pub(super) fn still_valid<V: StateView>(
    mv: &MvMemory,
    base: &V,
    read: &ReadEntry,
    txn: u32,
) -> bool {
    match &read.origin {
        ReadOrigin::Base => mv.is_from(&read.key, txn, None),
        ReadOrigin::Version(then) => mv.is_from(&read.key, txn, Some(*then)),
        ReadOrigin::Credited(then) => match resolve(mv, base, &read.key, txn) {
            Ok((Some(StateValue::Account(now)), _)) => now == **then,
            Ok((None, _)) => {
                let StateKey::Account(id) = read.key else { return false };
                base.account(id).is_ok_and(|now| now == **then)
            }
            _ => false,
        },
        ReadOrigin::CodeHash(then) => {
            let StateKey::Account(id) = read.key else { return false };
            credit_target(mv, base, id, txn).is_ok_and(|now| now == *then)
        }
    }
}

impl<'a, V: StateView> MvView<'a, V> {
    /// A view over `mv` and `base`; `record`: whether reads are recorded (not needed when
    /// transactions run only after everything they declared is final).
    pub(super) fn new(mv: &'a MvMemory, base: &'a V, record: bool) -> Self {
        Self {
            mv,
            base,
            txn: Cell::new(0),
            record,
            reads: RefCell::new(Vec::new()),
            declared: Cell::new(None),
            undeclared: Cell::new(false),
        }
    }

    /// Points the view at transaction `txn`, with no reads recorded yet; `declared`: the
    /// access it declared, which every read is then checked against.
    pub(super) fn begin(&self, txn: u32, declared: Option<&'a DeclaredAccess>) {
        self.txn.set(txn);
        self.reads.borrow_mut().clear();
        self.declared.set(declared);
        self.undeclared.set(false);
    }

    /// Swaps the recorded reads with `other` (hands them to the transaction's slot and
    /// takes back an emptied vector to reuse).
    pub(super) fn swap_reads(&self, other: &mut Vec<ReadEntry>) {
        std::mem::swap(&mut *self.reads.borrow_mut(), other);
    }

    /// Whether the transaction read a key outside its declared access.
    pub(super) fn read_undeclared(&self) -> bool {
        self.undeclared.get()
    }

    fn check_declared(&self, key: &StateKey) -> Result<(), ExecutionError> {
        if let Some(declared) = self.declared.get()
            && !declared.covers(key)
        {
            self.undeclared.set(true);
            return Err(ExecutionError::Invariant(format!("read of undeclared {key:?}")));
        }
        Ok(())
    }

    fn read(&self, key: StateKey) -> Result<Option<StateValue>, ExecutionError> {
        self.check_declared(&key)?;
        let (value, origin) = resolve(self.mv, self.base, &key, self.txn.get())?;
        if self.record {
            self.reads.borrow_mut().push(ReadEntry { key, origin });
        }
        Ok(value)
    }
}

impl<V: StateView> StateView for MvView<'_, V> {
    fn account(&self, id: AccountId) -> Result<Option<AccountState>, ExecutionError> {
        let key = StateKey::Account(id);
        match self.read(key)? {
            None => self.base.account(id),
            Some(StateValue::Account(account)) => Ok(account),
            Some(_) => Err(mismatch(key)),
        }
    }

    fn account_data(&self, id: AccountId) -> Result<Option<AccountData>, ExecutionError> {
        let key = StateKey::Data(id);
        match self.read(key)? {
            None => self.base.account_data(id),
            Some(StateValue::Data(data)) => Ok(data),
            Some(_) => Err(mismatch(key)),
        }
    }

    fn storage(&self, address: Address, slot: U256) -> Result<U256, ExecutionError> {
        let key = StateKey::Storage(address, slot);
        match self.read(key)? {
            None => self.base.storage(address, slot),
            Some(StateValue::Storage(value)) => Ok(value),
            Some(_) => Err(mismatch(key)),
        }
    }

    fn code(&self, code_hash: B256) -> Result<Option<Bytes>, ExecutionError> {
        // Content-addressed: any version holds the same bytes, so this read is not recorded.
        match self.mv.read(&StateKey::Code(code_hash), self.txn.get()) {
            MvRead::Value(_, StateValue::Code(code)) => Ok(Some(code)),
            _ => self.base.code(code_hash),
        }
    }

    fn block_hash(&self, number: u64) -> Result<Option<B256>, ExecutionError> {
        self.base.block_hash(number)
    }
}

impl<V: StateView> TxState for MvView<'_, V> {
    fn credit_target_code_hash(&self, id: AccountId) -> Result<B256, ExecutionError> {
        let key = StateKey::Account(id);
        if let Some(declared) = self.declared.get()
            && !declared.covers_credit_target(id)
        {
            self.undeclared.set(true);
            return Err(ExecutionError::Invariant(format!("read of undeclared {key:?}")));
        }
        let code_hash = credit_target(self.mv, self.base, id, self.txn.get())?;
        if self.record {
            self.reads
                .borrow_mut()
                .push(ReadEntry { key, origin: ReadOrigin::CodeHash(code_hash) });
        }
        Ok(code_hash)
    }
}
