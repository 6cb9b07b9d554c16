//! `SvmEngine`: the Solana VM as an engine of the chain — decoding Solana's wire format with
//! its signatures verified, admission (the fee payer can pay the fee), a block budget of
//! compute units, and the VM of a block.

use std::collections::HashMap;

use svm::{
    GENESIS_PROGRAMS, SvmRuntime,
    types::{AccountSharedData, Pubkey, TransactionError},
};

use crate::{
    AdmissionContext, BlockEnv, Engine, EngineTx, ExecutionError, StateView, TxError,
    state::native_token,
    svm::{SvmBlockVm, SvmTx},
};

/// Compute units one block may use (Solana's block limit).
pub const SVM_BLOCK_COMPUTE_UNITS: u64 = 48_000_000;

/// The Solana VM of a chain: agave's runtime with mainnet-beta's features, its builtins and the
/// genesis programs (verified and JIT-compiled once, here).
pub struct SvmEngine {
    pub(crate) runtime: SvmRuntime,
    /// Accounts the runtime serves itself: builtins and genesis programs.
    pub(crate) runtime_owned: HashMap<Pubkey, AccountSharedData>,
}

impl std::fmt::Debug for SvmEngine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SvmEngine").finish_non_exhaustive()
    }
}

impl SvmEngine {
    /// The engine, its programs loaded.
    pub fn new() -> Result<Self, ExecutionError> {
        let mut runtime = SvmRuntime::new(svm::chain_feature_set().clone())
            .map_err(|e| ExecutionError::Invariant(e.to_string()))?;
        let mut runtime_owned: HashMap<Pubkey, AccountSharedData> =
            runtime.builtin_accounts().into_iter().collect();
        for program in &GENESIS_PROGRAMS {
            let account =
                runtime.deploy(program, 0).map_err(|e| ExecutionError::Invariant(e.to_string()))?;
            runtime_owned.insert(program.id, account);
        }
        Ok(Self { runtime, runtime_owned })
    }
}

/// The pool's refusal for agave's reason a transaction does not sanitize or verify.
fn tx_error(e: TransactionError) -> TxError {
    match e {
        TransactionError::SignatureFailure => TxError::InvalidSender,
        other => TxError::Malformed(other.to_string()),
    }
}

impl Engine for SvmEngine {
    type Tx = SvmTx;
    type Vm<'a> = SvmBlockVm<'a>;

    fn decode(&self, payload: &[u8]) -> Result<SvmTx, TxError> {
        SvmTx::decode_with(payload, |tx| self.runtime.sanitize(tx).map_err(tx_error))
    }

    fn check(&self, tx: &SvmTx) -> Result<(), TxError> {
        if tx.resource_limit() > SVM_BLOCK_COMPUTE_UNITS {
            return Err(TxError::ExceedsBlockGasLimit);
        }
        Ok(())
    }

    fn check_with_state<V: StateView>(
        &self,
        tx: &SvmTx,
        state: &V,
        _context: &AdmissionContext,
    ) -> Result<Result<(), TxError>, ExecutionError> {
        let payer = tx.payer();
        let account = state.account(payer)?;
        let data = state.account_data(payer)?;
        let have = account
            .map(|a| native_token::wei(native_token::lamports(a.balance)))
            .unwrap_or_default();
        let want = tx.max_cost();
        if data.is_some() || have < want {
            return Ok(Err(TxError::PayerCannotPay { payer, have, want }));
        }
        Ok(Ok(()))
    }

    fn block_limit(&self, _env: &BlockEnv) -> u64 {
        SVM_BLOCK_COMPUTE_UNITS
    }

    fn block_vm<'a>(&'a self, env: &'a BlockEnv) -> SvmBlockVm<'a> {
        SvmBlockVm::new(self, env)
    }
}
