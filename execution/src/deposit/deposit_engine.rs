//! The deposit engine as an engine of the chain (never admitted from the pool; its calls' gas
//! counts against the block's EVM gas) and as a VM of the scheduler: it checks the deposit's place
//! in the portal's order, mints, and runs an EVM recipient's call through the chain's own revm
//! over a view in which the mint has happened.

use alloy_consensus::{SignableTransaction, TxEip1559, TxEnvelope};
use alloy_primitives::{Address, TxKind, U256};

use crate::{
    AccountId, AccountState, AdmissionContext, BlockEnv, Engine, EngineOutput, Executed,
    ExecutionError, Rejection, StateView, TxError, TxResult,
    deposit::{DEPOSIT_COUNTER, DepositReceipt, DepositRecipient, DepositTx, WITHDRAWAL_CONTRACT},
    dev_state::impersonation_signature,
    evm::{EvmBlockVm, EvmConfig, EvmTx},
    scheduler::{BlockVm, DeclaredAccess, StateKey, StateValue, TxState, TxWrites, VmWorker},
    state::AccountData,
};

/// The deposit engine of a chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DepositEngine {
    evm: EvmConfig,
}

impl DepositEngine {
    /// The engine of a chain whose EVM runs under `evm`.
    pub fn new(evm: EvmConfig) -> Self {
        Self { evm }
    }
}

impl Engine for DepositEngine {
    type Tx = DepositTx;
    type Vm<'a> = DepositBlockVm<'a>;

    fn decode(&self, payload: &[u8]) -> Result<DepositTx, TxError> {
        DepositTx::decode(payload)
    }

    fn check(&self, _tx: &DepositTx) -> Result<(), TxError> {
        Err(TxError::NotFromL1)
    }

    fn check_with_state<V: StateView>(
        &self,
        _tx: &DepositTx,
        _state: &V,
        _context: &AdmissionContext,
    ) -> Result<Result<(), TxError>, ExecutionError> {
        Ok(Err(TxError::NotFromL1))
    }

    fn block_limit(&self, env: &BlockEnv) -> u64 {
        // Shared with the EVM (`EngineKind::budget_kind`).
        env.gas_limit
    }

    fn block_vm<'a>(&'a self, env: &'a BlockEnv) -> DepositBlockVm<'a> {
        // Deposits pay no fee: their calls run at gas price 0 under a base fee of 0.
        DepositBlockVm { evm: &self.evm, env: BlockEnv { base_fee_per_gas: 0, ..*env } }
    }
}

/// The deposit VM of one block.
#[derive(Debug, Clone)]
pub struct DepositBlockVm<'a> {
    evm: &'a EvmConfig,
    env: BlockEnv,
}

impl BlockVm for DepositBlockVm<'_> {
    type Tx = DepositTx;
    type Output = TxResult;
    type Worker<'w>
        = DepositWorker<'w>
    where
        Self: 'w;

    fn worker<'w>(&'w self, state: &'w dyn TxState) -> DepositWorker<'w> {
        DepositWorker { vm: self, state }
    }

    fn declared_access(&self, _tx: &DepositTx, _base: &dyn StateView) -> Option<DeclaredAccess> {
        None
    }
}

/// One thread's deposit worker.
pub struct DepositWorker<'w> {
    vm: &'w DepositBlockVm<'w>,
    state: &'w dyn TxState,
}

impl std::fmt::Debug for DepositWorker<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DepositWorker").finish_non_exhaustive()
    }
}

impl VmWorker for DepositWorker<'_> {
    type Tx = DepositTx;
    type Output = TxResult;

    fn execute(
        &mut self,
        tx: &DepositTx,
        writes: &mut TxWrites,
    ) -> Result<TxResult, ExecutionError> {
        let counter_id = AccountId::from(DEPOSIT_COUNTER);
        let mut counter = self.state.account(counter_id)?.unwrap_or_default();
        if counter.nonce != tx.nonce {
            let rejection =
                Rejection::DepositOutOfOrder { expected: counter.nonce, found: tx.nonce };
            return Ok(TxResult::Rejected(rejection));
        }
        let receipt = match tx.to {
            DepositRecipient::Svm(pubkey) => {
                writes.credits.push((AccountId(pubkey.into()), tx.value));
                DepositReceipt {
                    nonce: tx.nonce,
                    success: true,
                    gas_used: 0,
                    cumulative_gas_used: 0,
                    logs: Vec::new(),
                }
            }
            DepositRecipient::Evm(to) => self.call(tx, to, writes)?,
        };
        counter.nonce += 1;
        writes.values.push((StateKey::Account(counter_id), StateValue::Account(Some(counter))));
        let l1_block = U256::from(tx.l1_block);
        writes
            .values
            .push((StateKey::Storage(DEPOSIT_COUNTER, U256::ZERO), StateValue::Storage(l1_block)));
        Ok(TxResult::Executed(Executed {
            used: receipt.gas_used,
            fee: U256::ZERO,
            output: EngineOutput::Deposit(receipt),
        }))
    }
}

impl DepositWorker<'_> {
    /// Mints `tx.value` to its sender, then runs the call from the sender to `to`. When the
    /// EVM refuses the call outright (the sender has code, the gas is under the intrinsic
    /// cost…) or the call starts a withdrawal (see the module documentation), only the mint
    /// and the sender's nonce are written.
    fn call(
        &self,
        tx: &DepositTx,
        to: Address,
        writes: &mut TxWrites,
    ) -> Result<DepositReceipt, ExecutionError> {
        let minted =
            MintedState { inner: self.state, to: AccountId::from(tx.from), value: tx.value };
        let sender = minted.account(AccountId::from(tx.from))?.unwrap_or_default();
        let call = TxEip1559 {
            chain_id: self.vm.evm.chain_id,
            nonce: sender.nonce,
            gas_limit: tx.gas_limit,
            max_fee_per_gas: 0,
            max_priority_fee_per_gas: 0,
            to: TxKind::Call(to),
            value: tx.value,
            input: tx.data.clone(),
            access_list: Default::default(),
        };
        let envelope: TxEnvelope = call.into_signed(impersonation_signature(tx.from)).into();
        let evm_tx = EvmTx::from_parts(envelope, tx.from);
        let evm = EvmBlockVm::new(self.vm.evm, &self.vm.env);
        let result = evm.worker(&minted).execute(&evm_tx, writes)?;
        let refused = match result {
            TxResult::Executed(Executed { output: EngineOutput::Evm(out), .. }) => {
                if !out.logs.iter().any(|log| log.address == WITHDRAWAL_CONTRACT) {
                    return Ok(DepositReceipt {
                        nonce: tx.nonce,
                        success: out.success,
                        gas_used: out.gas_used,
                        cumulative_gas_used: 0,
                        logs: out.logs,
                    });
                }
                "its call started a withdrawal".to_string()
            }
            TxResult::Executed(other) => {
                return Err(ExecutionError::Invariant(format!(
                    "the EVM returned another engine's output: {other:?}"
                )));
            }
            TxResult::Rejected(reason) => reason.to_string(),
        };
        tracing::debug!(nonce = tx.nonce, %refused, "deposit call refused; the mint stays");
        writes.clear();
        let sender = AccountState { nonce: sender.nonce.saturating_add(1), ..sender };
        let key = StateKey::Account(AccountId::from(tx.from));
        writes.values.push((key, StateValue::Account(Some(sender))));
        Ok(DepositReceipt {
            nonce: tx.nonce,
            success: false,
            gas_used: 0,
            cumulative_gas_used: 0,
            logs: Vec::new(),
        })
    }
}

/// The state with `value` added to the balance of account `to`: the mint, as the EVM call
/// sees it.
struct MintedState<'a> {
    inner: &'a dyn TxState,
    to: AccountId,
    value: U256,
}

impl StateView for MintedState<'_> {
    fn account(&self, id: AccountId) -> Result<Option<AccountState>, ExecutionError> {
        let account = self.inner.account(id)?;
        if id != self.to {
            return Ok(account);
        }
        let mut account = account.unwrap_or_default();
        account.balance = account.balance.saturating_add(self.value);
        Ok(Some(account))
    }
    fn account_data(&self, id: AccountId) -> Result<Option<AccountData>, ExecutionError> {
        self.inner.account_data(id)
    }
    fn storage(&self, address: Address, slot: U256) -> Result<U256, ExecutionError> {
        self.inner.storage(address, slot)
    }
    fn code(
        &self,
        code_hash: alloy_primitives::B256,
    ) -> Result<Option<alloy_primitives::Bytes>, ExecutionError> {
        self.inner.code(code_hash)
    }
    fn block_hash(&self, number: u64) -> Result<Option<alloy_primitives::B256>, ExecutionError> {
        self.inner.block_hash(number)
    }
}

impl TxState for MintedState<'_> {
    fn credit_target_code_hash(
        &self,
        id: AccountId,
    ) -> Result<alloy_primitives::B256, ExecutionError> {
        self.inner.credit_target_code_hash(id)
    }
    fn commutative_credits(&self) -> bool {
        self.inner.commutative_credits()
    }
}
