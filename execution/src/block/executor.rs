//! The sequential block executor: runs a block's transactions one by one in block order
//! over an overlay of the parent state, and returns the receipts and the write set.
//!
//! Lifecycle: (1) each transaction executes against the state the previous ones left;
//! (2) after the last one, the block's fees (base and priority) are credited to the fee vault,
//! the block's beneficiary, in one step; (3) the outcome goes to
//! `Store::seal_block`, which commits state, computes the state root and persists the block.
//! This is the reference the parallel scheduler is tested against.

use alloy_consensus::ReceiptEnvelope;
use alloy_primitives::{Address, Bytes, U256};

use crate::{
    BlockEnv, ExecutionError, RecoveredTx, StateChanges, StateView,
    evm::{BlockState, EvmConfig, EvmExecutor, TxExecution},
};

/// What to do with a transaction that is invalid at its position in the block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvalidTxPolicy {
    /// Building a block: leave it out and carry on.
    Skip,
    /// Verifying a block someone else built: the whole block is invalid.
    Fail,
}

/// A transaction included in the block, with what its execution produced.
#[derive(Debug, Clone)]
pub struct IncludedTx {
    /// The transaction.
    pub tx: RecoveredTx,
    /// Gas it used.
    pub gas_used: u64,
    /// Contract it created, if any.
    pub contract_address: Option<Address>,
    /// Its return or revert data.
    pub output: Bytes,
}

/// The result of executing a block, ready to be sealed.
#[derive(Debug, Clone)]
pub struct BlockOutcome {
    /// The block environment it ran in.
    pub env: BlockEnv,
    /// Included transactions, in block order.
    pub transactions: Vec<IncludedTx>,
    /// One receipt per included transaction.
    pub receipts: Vec<ReceiptEnvelope>,
    /// The block's write set.
    pub changes: StateChanges,
    /// Total gas used.
    pub gas_used: u64,
    /// Transactions left out (only with `InvalidTxPolicy::Skip`), with the reason.
    pub rejected: Vec<(RecoveredTx, String)>,
}

/// Collects a block's results in block order — receipts with cumulative gas, included and
/// rejected transactions, fees — and credits the fees when the block is finished. Shared by
/// the sequential and the parallel executor, so both assemble blocks identically.
#[derive(Debug)]
pub(crate) struct BlockAssembly {
    included: Vec<IncludedTx>,
    receipts: Vec<ReceiptEnvelope>,
    rejected: Vec<(RecoveredTx, String)>,
    gas_used: u64,
    priority_fees: U256,
    policy: InvalidTxPolicy,
}

impl BlockAssembly {
    pub(crate) fn new(capacity: usize, policy: InvalidTxPolicy) -> Self {
        Self {
            included: Vec::with_capacity(capacity),
            receipts: Vec::with_capacity(capacity),
            rejected: Vec::new(),
            gas_used: 0,
            priority_fees: U256::ZERO,
            policy,
        }
    }

    /// Gas used by the transactions added so far.
    pub(crate) fn gas_used(&self) -> u64 {
        self.gas_used
    }

    /// Adds the next transaction's result; returns whether it is part of the block (its
    /// writes count). A rejection fails the block under `InvalidTxPolicy::Fail`.
    pub(crate) fn push(
        &mut self,
        tx: RecoveredTx,
        result: TxExecution,
    ) -> Result<bool, ExecutionError> {
        match result {
            TxExecution::Included {
                gas_used,
                priority_fee,
                success,
                logs,
                contract_address,
                output,
            } => {
                self.gas_used = self.gas_used.saturating_add(gas_used);
                self.priority_fees = self.priority_fees.saturating_add(priority_fee);
                let receipt =
                    crate::evm::receipt_for(tx.envelope.tx_type(), success, self.gas_used, logs);
                self.receipts.push(receipt);
                self.included.push(IncludedTx { tx, gas_used, contract_address, output });
                Ok(true)
            }
            TxExecution::Rejected(reason) => match self.policy {
                InvalidTxPolicy::Skip => {
                    self.rejected.push((tx, reason));
                    Ok(false)
                }
                InvalidTxPolicy::Fail => Err(ExecutionError::TransactionRejected {
                    hash: tx.hash,
                    sender: tx.sender,
                    reason,
                }),
            },
        }
    }

    /// Adds the results of many transactions at once (the parallel executor's): the same as
    /// pushing them one by one, but with receipts (their blooms hash every log) and included
    /// transactions built on all cores when none of them is rejected.
    pub(crate) fn push_all(
        &mut self,
        txs: Vec<RecoveredTx>,
        results: Vec<TxExecution>,
    ) -> Result<(), ExecutionError> {
        use rayon::prelude::*;
        let rejected = results.iter().any(|r| matches!(r, TxExecution::Rejected(_)));
        if rejected || !self.included.is_empty() || txs.len() != results.len() || txs.len() < 256 {
            for (tx, result) in txs.into_iter().zip(results) {
                self.push(tx, result)?;
            }
            return Ok(());
        }
        let mut cumulative = Vec::with_capacity(results.len());
        for result in &results {
            if let TxExecution::Included { gas_used, priority_fee, .. } = result {
                self.gas_used = self.gas_used.saturating_add(*gas_used);
                self.priority_fees = self.priority_fees.saturating_add(*priority_fee);
            }
            cumulative.push(self.gas_used);
        }
        txs.into_par_iter()
            .zip(results)
            .zip(cumulative)
            .map(|((tx, result), cumulative_gas_used)| {
                let TxExecution::Included {
                    gas_used, success, logs, contract_address, output, ..
                } = result
                else {
                    unreachable!("rejections take the sequential path above")
                };
                let receipt = crate::evm::receipt_for(
                    tx.envelope.tx_type(),
                    success,
                    cumulative_gas_used,
                    logs,
                );
                (IncludedTx { tx, gas_used, contract_address, output }, receipt)
            })
            .unzip_into_vecs(&mut self.included, &mut self.receipts);
        Ok(())
    }

    /// The transactions added so far, in block order when none was rejected.
    pub(crate) fn into_transactions(self) -> Vec<RecoveredTx> {
        self.included
            .into_iter()
            .map(|i| i.tx)
            .chain(self.rejected.into_iter().map(|r| r.0))
            .collect()
    }

    /// Credits all of the block's fees (base and priority) to the fee vault after its last
    /// transaction (see `DeferredFees`) and returns the outcome.
    pub(crate) fn finish<V: StateView>(
        self,
        env: &BlockEnv,
        mut state: BlockState<V>,
    ) -> Result<BlockOutcome, ExecutionError> {
        let base_fees = U256::from(env.base_fee_per_gas).saturating_mul(U256::from(self.gas_used));
        state.credit(env.beneficiary, base_fees.saturating_add(self.priority_fees))?;
        Ok(BlockOutcome {
            env: *env,
            transactions: self.included,
            receipts: self.receipts,
            changes: state.into_changes(),
            gas_used: self.gas_used,
            rejected: self.rejected,
        })
    }
}

/// Executes `txs` in order on top of `base` in block `env`.
pub fn execute_block<V: StateView>(
    base: V,
    config: &EvmConfig,
    env: &BlockEnv,
    txs: Vec<RecoveredTx>,
    policy: InvalidTxPolicy,
) -> Result<BlockOutcome, ExecutionError> {
    // Most transactions change their sender and one other account.
    let state = BlockState::with_capacity(base, txs.len() * 2);
    BlockAssembly::new(txs.len(), policy).execute_rest(config, env, state, txs)
}

impl BlockAssembly {
    /// Executes `txs` one by one after the transactions added so far, on `state` (which
    /// holds their writes), and finishes the block.
    pub(crate) fn execute_rest<V: StateView>(
        mut self,
        config: &EvmConfig,
        env: &BlockEnv,
        mut state: BlockState<V>,
        txs: impl IntoIterator<Item = RecoveredTx>,
    ) -> Result<BlockOutcome, ExecutionError> {
        let mut evm = EvmExecutor::new(config, env, &mut state);
        for tx in txs {
            let result = if self.gas_used().saturating_add(tx.gas_limit()) > env.gas_limit {
                TxExecution::Rejected("exceeds block gas limit".to_string())
            } else {
                evm.execute(&tx)?
            };
            self.push(tx, result)?;
        }
        drop(evm);
        self.finish(env, state)
    }
}
