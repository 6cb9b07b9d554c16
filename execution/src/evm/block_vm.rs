//! The EVM as a VM of the parallel scheduler: each worker thread keeps one revm EVM for the
//! block, reading through the scheduler's [`TxState`], and turns each transaction's revm
//! state diff into unified-key writes (by the rules of `tx_effects`).
//!
//! Plain value transfers credit their recipient lazily: when a transaction sends a non-zero
//! value to an account that has no code (and is not its sender or a precompile), the EVM sees
//! the recipient as an empty account, and the transaction reports a commutative credit
//! instead of the recipient's new balance. It then depends only on the recipient having no
//! code, so transfers from many senders to one recipient do not conflict; whoever reads that
//! balance later sees the sum.
//!
//! The same transfers have an access the adapter can tell before running them — the sender's
//! account written, the recipient credited — when the recipient has no code in the base state
//! (and no transaction of the block could give it some: the scheduler uses declarations only
//! when every transaction of the block has one). A block of such transfers is then scheduled
//! ahead, without optimistic execution (`scheduler::DeclaredAccess`).

use std::cell::RefCell;

use alloy_consensus::Transaction as _;
use alloy_primitives::{Address, B256, KECCAK256_EMPTY, TxKind, U256};
use revm::{
    Database,
    bytecode::Bytecode,
    state::{AccountInfo, EvmState},
};

use super::{
    code_cache::CodeCache,
    executor::{EvmConfig, EvmExecutor, EvmFrames},
    state_db::account_info,
    tx_effects::{account_effect, changed_slots, is_plain_credit, new_code},
};
use crate::{
    AccountId, AccountState, BlockEnv, EngineOutput, Executed, ExecutionError, StateView, TxResult,
    cross_vm::{SOLANA_ACCOUNTS, SOLANA_CALL, SolanaDb, SolanaVersions},
    evm::EvmTx,
    scheduler::{BlockVm, DeclaredAccess, StateKey, StateValue, TxState, TxWrites, VmWorker},
    state::AccountData,
    svm::SvmBlockVm,
};

thread_local! {
    /// The call frames of this thread's last EVM (reused by its next one).
    static FRAMES: RefCell<Option<EvmFrames>> = const { RefCell::new(None) };
}

/// The EVM of one block, for the scheduler.
#[derive(Debug, Clone, Copy)]
pub struct EvmBlockVm<'a> {
    config: &'a EvmConfig,
    env: &'a BlockEnv,
    precompiles: &'static revm::precompile::Precompiles,
}

impl<'a> EvmBlockVm<'a> {
    /// The EVM of block `env` under `config`.
    pub fn new(config: &'a EvmConfig, env: &'a BlockEnv) -> Self {
        let precompiles = revm::handler::EthPrecompiles::new(config.spec).precompiles;
        Self { config, env, precompiles }
    }
}

impl BlockVm for EvmBlockVm<'_> {
    type Tx = EvmTx;
    type Output = TxResult;
    type Worker<'w>
        = EvmWorker<'w>
    where
        Self: 'w;

    fn declared_access(&self, tx: &EvmTx, base: &dyn StateView) -> Option<DeclaredAccess> {
        let (to, _) = lazy_recipient(tx)?;
        let lists_access = tx.envelope.access_list().is_some_and(|list| !list.is_empty());
        if lists_access || self.is_precompile(&to) {
            return None;
        }
        let to = AccountId::from(to);
        let code_hash = base.account(to).ok()?.map_or(KECCAK256_EMPTY, |a| a.code_hash);
        (code_hash == KECCAK256_EMPTY).then(|| {
            DeclaredAccess::new([], [StateKey::Account(AccountId::from(tx.sender))]).credit(to)
        })
    }

    fn worker<'w>(&'w self, state: &'w dyn TxState) -> EvmWorker<'w> {
        self.worker_with_solana(state, None)
    }
}

impl<'a> EvmBlockVm<'a> {
    /// A worker whose transactions may call the block's Solana VM `solana` through the Solana
    /// precompile (without it, the precompile refuses every call).
    pub(crate) fn worker_with_solana<'w>(
        &'w self,
        state: &'w dyn TxState,
        solana: Option<&'w SvmBlockVm<'w>>,
    ) -> EvmWorker<'w> {
        let frames = FRAMES.with(|f| f.borrow_mut().take());
        let db = ViewDb {
            state,
            code: CodeCache::default(),
            lazy: None,
            lazy_used: false,
            solana,
            versions: SolanaVersions::default(),
        };
        let executor = Some(EvmExecutor::with_frames(self.config, self.env, db, frames));
        EvmWorker { executor, precompiles: self.precompiles }
    }

    /// Whether `address` is a precompile of Manifold's EVM (Ethereum's, `ArbWasm` or the
    /// Solana precompile): a call to it is never a plain credit.
    fn is_precompile(&self, address: &Address) -> bool {
        self.precompiles.contains(address) || is_manifold_precompile(address)
    }
}

/// Whether `address` is one of the precompiles Manifold adds to Ethereum's, or the Solana
/// precompile's journal address.
fn is_manifold_precompile(address: &Address) -> bool {
    [crate::wasm::arb_wasm::ARB_WASM, SOLANA_CALL, SOLANA_ACCOUNTS].contains(address)
}

/// revm's database over the scheduler's view, with the lazy recipient of the transaction.
struct ViewDb<'w> {
    state: &'w dyn TxState,
    code: CodeCache,
    /// The recipient this transaction may credit lazily.
    lazy: Option<Address>,
    /// Whether it did (the recipient was shown to the EVM as an empty account).
    lazy_used: bool,
    /// The block's Solana VM, for the Solana precompile.
    solana: Option<&'w SvmBlockVm<'w>>,
    /// The Solana accounts the current transaction changed.
    versions: SolanaVersions,
}

impl SolanaDb for ViewDb<'_> {
    fn solana(&mut self) -> Option<(&SvmBlockVm<'_>, &mut SolanaVersions)> {
        Some((self.solana?, &mut self.versions))
    }

    fn solana_account(
        &mut self,
        id: AccountId,
    ) -> Result<(Option<AccountState>, Option<AccountData>), ExecutionError> {
        Ok((self.state.account(id)?, self.state.account_data(id)?))
    }
}

impl Database for ViewDb<'_> {
    type Error = ExecutionError;

    fn basic(&mut self, address: Address) -> Result<Option<AccountInfo>, ExecutionError> {
        if self.lazy == Some(address) {
            if self.state.credit_target_code_hash(AccountId::from(address))? == KECCAK256_EMPTY {
                self.lazy_used = true;
                return Ok(Some(AccountInfo::default()));
            }
            self.lazy = None;
        }
        Ok(self.state.account(AccountId::from(address))?.map(account_info))
    }

    fn code_by_hash(&mut self, code_hash: B256) -> Result<Bytecode, ExecutionError> {
        self.code.get(code_hash, self.state)
    }

    fn storage(&mut self, address: Address, index: U256) -> Result<U256, ExecutionError> {
        self.state.storage(address, index)
    }

    fn block_hash(&mut self, number: u64) -> Result<B256, ExecutionError> {
        Ok(self.state.block_hash(number)?.unwrap_or_default())
    }
}

/// One worker thread's EVM.
pub struct EvmWorker<'w> {
    executor: Option<EvmExecutor<ViewDb<'w>>>,
    precompiles: &'static revm::precompile::Precompiles,
}

impl std::fmt::Debug for EvmWorker<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EvmWorker").finish_non_exhaustive()
    }
}

impl Drop for EvmWorker<'_> {
    fn drop(&mut self) {
        if let Some(executor) = self.executor.take() {
            let frames = executor.into_frames();
            FRAMES.with(|f| *f.borrow_mut() = Some(frames));
        }
    }
}

/// The recipient `tx` may credit lazily: a plain call with value, to another account.
fn lazy_recipient(tx: &EvmTx) -> Option<(Address, U256)> {
    let TxKind::Call(to) = tx.envelope.kind() else { return None };
    let value = tx.envelope.value();
    let delegates = tx.envelope.authorization_list().is_some_and(|list| !list.is_empty());
    (!value.is_zero() && to != tx.sender && !delegates).then_some((to, value))
}

impl VmWorker for EvmWorker<'_> {
    type Tx = EvmTx;
    type Output = TxResult;

    fn execute(&mut self, tx: &EvmTx, writes: &mut TxWrites) -> Result<TxResult, ExecutionError> {
        let executor = self.executor.as_mut().expect("present until dropped");
        let lazy = lazy_recipient(tx)
            .filter(|(to, _)| !self.precompiles.contains(to) && !is_manifold_precompile(to))
            .filter(|_| executor.db_mut().state.commutative_credits());
        let db = executor.db_mut();
        db.lazy = lazy.map(|(to, _)| to);
        db.lazy_used = false;
        db.versions.clear();
        let (mut execution, mut state) = executor.transact(tx)?;
        let db = executor.db_mut();
        let mut credit = None;
        if db.lazy_used
            && let Some((to, value)) = lazy
            && let TxResult::Executed(Executed { output, .. }) = &execution
        {
            let succeeded = matches!(output, EngineOutput::Evm(out) if out.success);
            let plain =
                succeeded && state.get(&to).is_some_and(|account| is_plain_credit(account, value));
            if plain {
                state.remove(&to);
                credit = Some((AccountId::from(to), value));
            } else {
                // Not a plain credit after all: run it again reading the recipient in full.
                db.lazy = None;
                db.lazy_used = false;
                db.versions.clear();
                (execution, state) = executor.transact(tx)?;
            }
        }
        push_writes(&state, writes);
        executor.db_mut().versions.push_writes(&state, writes);
        writes.credits.extend(credit);
        Ok(execution)
    }
}

/// Appends to `writes` what revm's state diff `state` of one transaction writes, by unified
/// key (new code, wiped storage, changed slots, changed account records).
pub(super) fn push_writes(state: &EvmState, writes: &mut TxWrites) {
    for (address, account) in state {
        let Some(effect) = account_effect(account) else { continue };
        if let Some((hash, code)) = new_code(account, &effect) {
            writes.values.push((StateKey::Code(hash), StateValue::Code(code)));
        }
        if effect.storage_cleared {
            writes.cleared.push(*address);
        }
        // The Solana precompile's journal of account versions is no storage: the versions it
        // points to are written instead (`SolanaVersions::push_writes`).
        let slots = changed_slots(account).filter(|_| *address != SOLANA_ACCOUNTS);
        for (slot, value) in slots {
            writes.values.push((StateKey::Storage(*address, slot), StateValue::Storage(value)));
        }
        if let Some(record) = effect.account {
            let key = StateKey::Account(AccountId::from(*address));
            writes.values.push((key, StateValue::Account(record)));
        }
    }
}
