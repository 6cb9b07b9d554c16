//! The Solana VM of one block for the scheduler: every transaction declares its accounts (the
//! message's account list, writable or not, and the programdata account of each upgradeable
//! program among them), and a worker executes one over the block's state with agave's runtime,
//! writing back the accounts it changed.

use std::{
    collections::HashMap,
    sync::{PoisonError, RwLock},
};

use svm::{
    BlockSysvars,
    types::{AccountSharedData, Pubkey, ReadableAccount},
};

use crate::{
    BlockEnv, EngineOutput, Executed, ExecutionError, Rejection, StateView, TxResult,
    scheduler::{BlockVm, DeclaredAccess, StateKey, StateValue, TxState, TxWrites, VmWorker},
    state::native_token,
    svm::{
        SvmEngine, SvmReceipt, SvmTx,
        accounts::{StateAccounts, account_id, from_solana, pubkey},
    },
};

/// The Solana VM of one block.
pub struct SvmBlockVm<'a> {
    engine: &'a SvmEngine,
    sysvars: BlockSysvars,
    /// The engine's own accounts and the block's sysvar accounts.
    runtime_owned: HashMap<Pubkey, AccountSharedData>,
    /// Every account key `declared_access` looked at, and whether it was an upgradeable
    /// program in the block's base state (its programdata address). A worker asks it before
    /// reading a program's programdata: a key known not to be a program before the block
    /// names a program deployed in this block — not invocable yet, and its programdata not
    /// declared, so not read.
    base_programs: RwLock<HashMap<Pubkey, Option<Pubkey>>>,
}

impl std::fmt::Debug for SvmBlockVm<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SvmBlockVm").field("sysvars", &self.sysvars).finish_non_exhaustive()
    }
}

impl<'a> SvmBlockVm<'a> {
    /// The VM of block `env`: slot = its number, unix timestamp = its time, recent blockhash =
    /// its parent's hash.
    pub(crate) fn new(engine: &'a SvmEngine, env: &BlockEnv) -> Self {
        let sysvars = crate::svm::block_sysvars(env);
        let mut runtime_owned = engine.runtime_owned.clone();
        runtime_owned.extend(sysvars.accounts());
        Self { engine, sysvars, runtime_owned, base_programs: RwLock::default() }
    }

    /// The chain's Solana runtime.
    pub(crate) fn runtime(&self) -> &svm::SvmRuntime {
        &self.engine.runtime
    }

    /// The block's sysvars.
    pub(crate) fn sysvars(&self) -> &BlockSysvars {
        &self.sysvars
    }

    /// The accounts the runtime serves itself: builtins, genesis programs, sysvars.
    pub(crate) fn runtime_owned(&self) -> &HashMap<Pubkey, AccountSharedData> {
        &self.runtime_owned
    }
}

/// One thread's Solana worker.
pub struct SvmWorker<'w> {
    vm: &'w SvmBlockVm<'w>,
    state: &'w dyn TxState,
}

impl std::fmt::Debug for SvmWorker<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SvmWorker").finish_non_exhaustive()
    }
}

impl BlockVm for SvmBlockVm<'_> {
    type Tx = SvmTx;
    type Output = TxResult;
    type Worker<'w>
        = SvmWorker<'w>
    where
        Self: 'w;

    fn worker<'w>(&'w self, state: &'w dyn TxState) -> SvmWorker<'w> {
        SvmWorker { vm: self, state }
    }

    /// The message's accounts, and for each that is an upgradeable program in `base` the
    /// programdata account the runtime reads to run it.
    fn declared_access(&self, tx: &SvmTx, base: &dyn StateView) -> Option<DeclaredAccess> {
        let message = tx.sanitized.message();
        let mut reads = Vec::new();
        let mut writes = Vec::new();
        let mut checked = Vec::new();
        for (index, key) in message.account_keys().iter().enumerate() {
            if self.runtime_owned.contains_key(key) {
                continue;
            }
            let id = account_id(key);
            let keys = [StateKey::Account(id), StateKey::Data(id)];
            if message.is_writable(index) {
                writes.extend(keys);
            } else {
                reads.extend(keys);
            }
            let programdata = base
                .account_data(id)
                .ok()?
                .and_then(|data| svm::programdata_address(&pubkey(data.owner), &data.data));
            if let Some(programdata) = programdata {
                let id = account_id(&programdata);
                reads.extend([StateKey::Account(id), StateKey::Data(id)]);
            }
            checked.push((*key, programdata));
        }
        self.base_programs.write().unwrap_or_else(PoisonError::into_inner).extend(checked);
        Some(DeclaredAccess::new(reads, writes))
    }
}

impl VmWorker for SvmWorker<'_> {
    type Tx = SvmTx;
    type Output = TxResult;

    fn execute(&mut self, tx: &SvmTx, writes: &mut TxWrites) -> Result<TxResult, ExecutionError> {
        let source = StateAccounts::new(self.state, &self.vm.runtime_owned, &self.vm.base_programs);
        let outcome = self.vm.engine.runtime.execute(&tx.sanitized, &source, &self.vm.sysvars);
        if let Some(e) = source.error.into_inner() {
            return Err(e);
        }
        let loaded = source.loaded.into_inner();
        // Each account's lamports before (as loading read it) and after the transaction.
        let keys = tx.sanitized.message().account_keys();
        let mut pre_balances = Vec::with_capacity(keys.len());
        for key in keys.iter() {
            let record = match (self.vm.runtime_owned.get(key), loaded.iter().find(|l| l.0 == *key))
            {
                (Some(account), _) => {
                    pre_balances.push(account.lamports());
                    continue;
                }
                (None, Some((_, record, _))) => *record,
                (None, None) => self.state.account(account_id(key))?,
            };
            pre_balances
                .push(record.map(|a| native_token::lamports(a.balance)).unwrap_or_default());
        }
        let mut post_balances = pre_balances.clone();
        for (key, account) in &outcome.writes {
            if let Some(at) = keys.iter().position(|k| k == key) {
                post_balances[at] = account.lamports();
            }
        }
        if let Err(e) = &outcome.result
            && outcome.fee == 0
        {
            // It failed before its accounts loaded (fee payer, program accounts): not included.
            return Ok(TxResult::Rejected(Rejection::Svm(e.clone())));
        }
        for (key, account) in &outcome.writes {
            if self.vm.runtime_owned.contains_key(key) {
                continue;
            }
            let id = account_id(key);
            // As loading read it (every account the runtime writes back was loaded).
            let (before, had_data) = match loaded.iter().find(|(loaded, ..)| loaded == key) {
                Some((_, before, had_data)) => (*before, *had_data),
                None => (self.state.account(id)?, self.state.account_data(id)?.is_some()),
            };
            let (record, data) = from_solana(before, account);
            if id.evm_address().is_some() && data.is_some() {
                // An EVM address's id holds no Solana data: refuse rather than write it.
                let error = svm::types::TransactionError::InvalidWritableAccount;
                writes.values.clear();
                return Ok(TxResult::Rejected(Rejection::Svm(error)));
            }
            let empty = record.balance.is_zero()
                && record.nonce == 0
                && record.code_hash == alloy_primitives::KECCAK256_EMPTY
                && data.is_none();
            let record = (!empty).then_some(record);
            writes.values.push((StateKey::Account(id), StateValue::Account(record)));
            if data.is_some() || had_data {
                writes.values.push((StateKey::Data(id), StateValue::Data(data)));
            }
        }
        let receipt = SvmReceipt {
            error: outcome.result.err(),
            fee: outcome.fee,
            compute_units: outcome.compute_units,
            logs: outcome.logs,
            pre_balances,
            post_balances,
        };
        Ok(TxResult::Executed(Executed {
            used: receipt.compute_units,
            fee: native_token::wei(receipt.fee),
            output: EngineOutput::Svm(receipt),
        }))
    }
}
