//! Admission checks of one transaction, in the order geth applies them and with its texts.

use alloy_consensus::Transaction as _;
use alloy_primitives::{Bytes, U256};
use execution::{
    AccountState, RecoveredTx,
    evm::{EvmConfig, TX_GAS_LIMIT_CAP, intrinsic_gas},
};
use node_config::MempoolConfig;

use crate::PoolError;

/// Checks that need no state: size, encoding, signature, chain id, type, gas, fees.
pub(crate) fn stateless(
    raw: &Bytes,
    limits: &MempoolConfig,
    evm: &EvmConfig,
    block_gas_limit: u64,
) -> Result<RecoveredTx, PoolError> {
    if raw.len() > limits.max_tx_bytes {
        return Err(PoolError::OversizedData { size: raw.len(), limit: limits.max_tx_bytes });
    }
    // geth's text for input too short to hold a transaction type and payload.
    if raw.len() < 2 {
        return Err(PoolError::Malformed("typed transaction too short".to_string()));
    }
    let tx = RecoveredTx::decode(raw).map_err(|e| match e {
        execution::ExecutionError::InvalidTransaction(msg) if msg == "invalid sender" => {
            PoolError::InvalidSender
        }
        execution::ExecutionError::InvalidTransaction(msg)
            if msg == "transaction type not supported" =>
        {
            PoolError::TxTypeNotSupported
        }
        execution::ExecutionError::InvalidTransaction(msg) => PoolError::Malformed(msg),
        other => PoolError::Malformed(other.to_string()),
    })?;
    match tx.envelope.chain_id() {
        None => return Err(PoolError::Unprotected),
        Some(id) if id != evm.chain_id => return Err(PoolError::InvalidChainId),
        Some(_) => {}
    }
    let gas = tx.gas_limit();
    if gas > block_gas_limit {
        return Err(PoolError::ExceedsBlockGasLimit);
    }
    if gas > TX_GAS_LIMIT_CAP {
        return Err(PoolError::GasLimitTooHigh { cap: TX_GAS_LIMIT_CAP, gas });
    }
    let needed = intrinsic_gas(evm, &tx);
    if gas < needed {
        return Err(PoolError::IntrinsicGasTooLow { gas, needed });
    }
    if let Some(tip) = tx.envelope.max_priority_fee_per_gas()
        && tip > tx.envelope.max_fee_per_gas()
    {
        return Err(PoolError::TipAboveFeeCap);
    }
    Ok(tx)
}

/// Most the transaction can cost its sender: gas limit × fee cap + value.
pub(crate) fn max_cost(tx: &RecoveredTx) -> U256 {
    U256::from(tx.gas_limit())
        .saturating_mul(U256::from(tx.envelope.max_fee_per_gas()))
        .saturating_add(tx.envelope.value())
}

/// Checks against the sender's account: nonce and funds.
pub(crate) fn stateful(
    tx: &RecoveredTx,
    account: Option<AccountState>,
    max_ahead: u64,
) -> Result<(), PoolError> {
    let account = account.unwrap_or_default();
    if tx.nonce() < account.nonce {
        return Err(PoolError::NonceTooLow { next: account.nonce, nonce: tx.nonce() });
    }
    if tx.nonce() > account.nonce.saturating_add(max_ahead) {
        return Err(PoolError::NonceTooHigh { next: account.nonce, nonce: tx.nonce() });
    }
    let want = max_cost(tx);
    if account.balance < want {
        return Err(PoolError::InsufficientFunds {
            address: tx.sender,
            have: account.balance,
            want,
        });
    }
    Ok(())
}

/// Whether `new` may replace `old` (same sender and nonce): both fee caps bumped by
/// `bump_percent`.
pub(crate) fn is_sufficient_bump(old: &RecoveredTx, new: &RecoveredTx, bump_percent: u64) -> bool {
    let bumped = |v: u128| v.saturating_mul(100 + bump_percent as u128).div_ceil(100);
    let old_tip = old.envelope.priority_fee_or_price();
    let new_tip = new.envelope.priority_fee_or_price();
    new.envelope.max_fee_per_gas() >= bumped(old.envelope.max_fee_per_gas())
        && new_tip >= bumped(old_tip)
}
