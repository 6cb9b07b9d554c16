//! Admission rules of Ethereum transactions, in the order geth applies them and with its
//! texts: the checks that need no state, then those against the sender's account.

use alloy_consensus::Transaction as _;

use crate::{
    AccountState, AdmissionContext, EngineTx, TxError,
    evm::{EvmConfig, EvmTx, TX_GAS_LIMIT_CAP, intrinsic_gas},
};

/// Checks that need no state: chain id, replay protection, gas limits, fee fields.
pub(crate) fn check_stateless(
    tx: &EvmTx,
    config: &EvmConfig,
    block_gas_limit: u64,
) -> Result<(), TxError> {
    match tx.envelope.chain_id() {
        None => return Err(TxError::Unprotected),
        Some(id) if id != config.chain_id => return Err(TxError::InvalidChainId),
        Some(_) => {}
    }
    let gas = tx.gas_limit();
    if gas > block_gas_limit {
        return Err(TxError::ExceedsBlockGasLimit);
    }
    if gas > TX_GAS_LIMIT_CAP {
        return Err(TxError::GasLimitTooHigh { cap: TX_GAS_LIMIT_CAP, gas });
    }
    let needed = intrinsic_gas(config, tx);
    if gas < needed {
        return Err(TxError::IntrinsicGasTooLow { gas, needed });
    }
    if let Some(tip) = tx.envelope.max_priority_fee_per_gas()
        && tip > tx.envelope.max_fee_per_gas()
    {
        return Err(TxError::TipAboveFeeCap);
    }
    Ok(())
}

/// Checks against the sender's account (nonce, funds) and the head's base fee: a fee cap under
/// half of it cannot be included any time soon.
pub(crate) fn check_sender(
    tx: &EvmTx,
    account: Option<&AccountState>,
    context: &AdmissionContext,
) -> Result<(), TxError> {
    let account = account.copied().unwrap_or_default();
    if tx.nonce() < account.nonce {
        return Err(TxError::NonceTooLow { next: account.nonce, nonce: tx.nonce() });
    }
    if tx.nonce() > account.nonce.saturating_add(context.max_nonce_ahead) {
        return Err(TxError::NonceTooHigh { next: account.nonce, nonce: tx.nonce() });
    }
    let want = tx.max_cost();
    if account.balance < want {
        return Err(TxError::InsufficientFunds { address: tx.sender, have: account.balance, want });
    }
    let max_fee = tx.envelope.max_fee_per_gas();
    if max_fee < u128::from(context.head_base_fee / 2) {
        return Err(TxError::FeeCapTooLow { max_fee, base_fee: context.head_base_fee });
    }
    Ok(())
}
