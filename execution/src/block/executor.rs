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

/// Executes `txs` in order on top of `base` in block `env`.
pub fn execute_block<V: StateView>(
    base: V,
    config: &EvmConfig,
    env: &BlockEnv,
    txs: Vec<RecoveredTx>,
    policy: InvalidTxPolicy,
) -> Result<BlockOutcome, ExecutionError> {
    let mut state = BlockState::new(base);
    let mut included = Vec::with_capacity(txs.len());
    let mut receipts = Vec::with_capacity(txs.len());
    let mut rejected = Vec::new();
    let mut gas_used: u64 = 0;
    let mut priority_fees = U256::ZERO;
    let mut evm = EvmExecutor::new(config, env, &mut state);
    for tx in txs {
        let result = if gas_used.saturating_add(tx.gas_limit()) > env.gas_limit {
            TxExecution::Rejected("exceeds block gas limit".to_string())
        } else {
            evm.execute(&tx)?
        };
        match result {
            TxExecution::Included {
                gas_used: used,
                priority_fee,
                success,
                logs,
                contract_address,
                output,
            } => {
                gas_used = gas_used.saturating_add(used);
                priority_fees = priority_fees.saturating_add(priority_fee);
                receipts.push(crate::evm::receipt_for(
                    tx.envelope.tx_type(),
                    success,
                    gas_used,
                    logs,
                ));
                included.push(IncludedTx { tx, gas_used: used, contract_address, output });
            }
            TxExecution::Rejected(reason) => match policy {
                InvalidTxPolicy::Skip => rejected.push((tx, reason)),
                InvalidTxPolicy::Fail => {
                    return Err(ExecutionError::TransactionRejected {
                        hash: tx.hash,
                        sender: tx.sender,
                        reason,
                    });
                }
            },
        }
    }
    drop(evm);
    // All fees reach the fee vault here, after the last transaction (see `DeferredFees`).
    let base_fees = U256::from(env.base_fee_per_gas).saturating_mul(U256::from(gas_used));
    state.credit(env.beneficiary, base_fees.saturating_add(priority_fees))?;
    Ok(BlockOutcome {
        env: *env,
        transactions: included,
        receipts,
        changes: state.into_changes(),
        gas_used,
        rejected,
    })
}
