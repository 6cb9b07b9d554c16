//! The dev-state engine as an engine of the chain (no signature, no fee, a block budget of
//! writes) and as a VM of the scheduler: it writes the accounts, code and slots its
//! transaction names, exactly as given.

use alloy_primitives::{Address, B256, Bytes, KECCAK256_EMPTY, U256, keccak256};

use crate::{
    AccountId, AccountState, AdmissionContext, BlockEnv, Engine, EngineOutput, Executed,
    ExecutionError, StateView, TxError, TxResult,
    dev_state::{DEV_STATE_MAX_OPS, DevStateOp, DevStateReceipt, DevStateTx},
    scheduler::{BlockVm, DeclaredAccess, StateKey, StateValue, TxState, TxWrites, VmWorker},
};

/// Writes of the dev-state engine one block may apply.
const BLOCK_WRITES: u64 = 64 * DEV_STATE_MAX_OPS as u64;

/// The dev-state engine.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DevStateEngine;

impl Engine for DevStateEngine {
    type Tx = DevStateTx;
    type Vm<'a> = DevStateBlockVm;

    fn decode(&self, payload: &[u8]) -> Result<DevStateTx, TxError> {
        DevStateTx::decode(payload)
    }

    fn check(&self, _tx: &DevStateTx) -> Result<(), TxError> {
        Ok(())
    }

    fn check_with_state<V: StateView>(
        &self,
        _tx: &DevStateTx,
        _state: &V,
        _context: &AdmissionContext,
    ) -> Result<Result<(), TxError>, ExecutionError> {
        Ok(Ok(()))
    }

    fn block_limit(&self, _env: &BlockEnv) -> u64 {
        BLOCK_WRITES
    }

    fn block_vm<'a>(&'a self, _env: &'a BlockEnv) -> DevStateBlockVm {
        DevStateBlockVm
    }
}

/// The dev-state VM of one block.
#[derive(Debug, Clone, Copy)]
pub struct DevStateBlockVm;

/// One thread's dev-state worker.
pub struct DevStateWorker<'w> {
    state: &'w dyn TxState,
}

impl std::fmt::Debug for DevStateWorker<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DevStateWorker").finish_non_exhaustive()
    }
}

impl BlockVm for DevStateBlockVm {
    type Tx = DevStateTx;
    type Output = TxResult;
    type Worker<'w>
        = DevStateWorker<'w>
    where
        Self: 'w;

    fn worker<'w>(&'w self, state: &'w dyn TxState) -> DevStateWorker<'w> {
        DevStateWorker { state }
    }

    fn declared_access(&self, _tx: &DevStateTx, _base: &dyn StateView) -> Option<DeclaredAccess> {
        None
    }
}

impl VmWorker for DevStateWorker<'_> {
    type Tx = DevStateTx;
    type Output = TxResult;

    fn execute(
        &mut self,
        tx: &DevStateTx,
        writes: &mut TxWrites,
    ) -> Result<TxResult, ExecutionError> {
        // Each key once: the accounts as left by the last write, then code and slots.
        let mut accounts: Vec<(Address, AccountState)> = Vec::new();
        let mut codes: Vec<(B256, Bytes)> = Vec::new();
        let mut slots: Vec<(Address, U256, U256)> = Vec::new();
        for op in &tx.ops {
            let address = op.address();
            let index = match accounts.iter().position(|(a, _)| *a == address) {
                Some(index) => index,
                None => {
                    let account = self.state.account(AccountId::from(address))?.unwrap_or_default();
                    accounts.push((address, account));
                    accounts.len() - 1
                }
            };
            let account = &mut accounts[index].1;
            match op {
                DevStateOp::Balance(_, balance) => account.balance = *balance,
                DevStateOp::Nonce(_, nonce) => account.nonce = *nonce,
                DevStateOp::Code(_, code) => {
                    if code.is_empty() {
                        account.code_hash = KECCAK256_EMPTY;
                    } else {
                        let hash = keccak256(code);
                        account.code_hash = hash;
                        if !codes.iter().any(|(h, _)| *h == hash) {
                            codes.push((hash, code.clone()));
                        }
                    }
                }
                DevStateOp::Storage(_, slot, value) => {
                    match slots.iter_mut().find(|(a, s, _)| *a == address && s == slot) {
                        Some(entry) => entry.2 = *value,
                        None => slots.push((address, *slot, *value)),
                    }
                }
            }
        }
        for (address, account) in accounts {
            let key = StateKey::Account(AccountId::from(address));
            writes.values.push((key, StateValue::Account(Some(account))));
        }
        for (hash, code) in codes {
            writes.values.push((StateKey::Code(hash), StateValue::Code(code)));
        }
        for (address, slot, value) in slots {
            writes.values.push((StateKey::Storage(address, slot), StateValue::Storage(value)));
        }
        let receipt = DevStateReceipt { writes: tx.ops.len() as u64 };
        Ok(TxResult::Executed(Executed {
            used: tx.ops.len() as u64,
            fee: U256::ZERO,
            output: EngineOutput::DevState(receipt),
        }))
    }
}
