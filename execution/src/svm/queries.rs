//! What the node's Solana RPC asks of the engine: an account as Solana shows it (the
//! runtime's own builtins, programs and sysvars included), the sysvars of a block, and a
//! transaction simulated over a state without writing anything.

use svm::{
    BlockSysvars, Outcome,
    types::{AccountSharedData, Hash, Pubkey},
};

use crate::{
    BlockEnv, ExecutionError, StateView,
    svm::{
        SvmEngine, SvmTx,
        accounts::{StateAccounts, account_id, to_solana},
    },
};

/// The sysvars of the block executed in `env`: slot = its number, unix timestamp = its time,
/// the newest recent blockhash = its parent's hash.
pub fn block_sysvars(env: &BlockEnv) -> BlockSysvars {
    BlockSysvars {
        slot: env.number,
        unix_timestamp: i64::try_from(env.timestamp).unwrap_or(i64::MAX),
        blockhash: Hash::new_from_array(env.parent_hash.0),
    }
}

impl SvmEngine {
    /// Account `key` as a Solana program sees it in a block whose sysvar accounts are
    /// `sysvars` (`BlockSysvars::accounts`, built once by the caller): the runtime's own
    /// (builtins, genesis programs, the sysvars), else the state's.
    pub fn account(
        &self,
        state: &dyn StateView,
        key: &Pubkey,
        sysvars: &[(Pubkey, AccountSharedData)],
    ) -> Result<Option<AccountSharedData>, ExecutionError> {
        if let Some(account) = self.runtime_owned.get(key) {
            return Ok(Some(account.clone()));
        }
        if let Some((_, account)) = sysvars.iter().find(|(id, _)| id == key) {
            return Ok(Some(account.clone()));
        }
        let id = account_id(key);
        Ok(to_solana(state.account(id)?, state.account_data(id)?))
    }

    /// Whether `key` is one of the runtime's own accounts (a builtin or a genesis program),
    /// never stored in the state.
    pub fn is_runtime_account(&self, key: &Pubkey) -> bool {
        self.runtime_owned.contains_key(key)
    }

    /// Executes `tx` over `state` as the block of `env` would, writing nothing: what
    /// `simulateTransaction` and `sendTransaction`'s preflight report.
    pub fn simulate(
        &self,
        tx: &SvmTx,
        state: &dyn StateView,
        env: &BlockEnv,
    ) -> Result<Outcome, ExecutionError> {
        let sysvars = block_sysvars(env);
        let mut runtime_owned = self.runtime_owned.clone();
        runtime_owned.extend(sysvars.accounts());
        // Every program the state holds was deployed before the simulated block: the runtime
        // reads its programdata from the state.
        let base_programs = Default::default();
        let source = StateAccounts::new(state, &runtime_owned, &base_programs);
        let outcome = self.runtime.execute(&tx.sanitized, &source, &sysvars);
        match source.error.into_inner() {
            Some(e) => Err(e),
            None => Ok(outcome),
        }
    }
}
