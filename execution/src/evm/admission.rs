//! Admission of Ethereum transactions: exactly the checks block execution applies to a
//! transaction on its own — revm's own validation, run by the same handler as in a block
//! ([`EvmExecutor::validate`]) against the next block's environment and the latest state —
//! plus the pool's rules where the pool holds what a block would refuse *now* but may take
//! later: a nonce ahead of the account's (up to a window), and a fee cap under the base fee
//! (down to half the head's). Refusals carry geth's texts, in geth's order: the transaction
//! alone, then its nonce, then the sender's account.

use alloy_consensus::Transaction as _;
use alloy_primitives::{B256, U256};
use revm::context::result::InvalidTransaction;

use crate::{
    AccountId, AdmissionContext, BlockEnv, EngineTx, ExecutionError, StateView, TxError,
    evm::{EvmConfig, EvmExecutor, EvmTx, StateDb, Validation},
};

/// Checks that need neither state nor revm: replay protection, which geth's RPC demands of
/// legacy transactions although the protocol allows them unprotected.
pub(crate) fn check_stateless(tx: &EvmTx) -> Result<(), TxError> {
    if tx.envelope.chain_id().is_none() {
        return Err(TxError::Unprotected);
    }
    Ok(())
}

/// The block environment admission validates against: the next block's, as far as revm's
/// checks read it (its gas limit; the base fee is the pool's own rule).
fn admission_env(block_gas_limit: u64, context: &AdmissionContext) -> BlockEnv {
    BlockEnv {
        number: 0,
        timestamp: 0,
        parent_hash: B256::ZERO,
        gas_limit: block_gas_limit,
        base_fee_per_gas: context.head_base_fee,
        beneficiary: Default::default(),
        prevrandao: B256::ZERO,
    }
}

/// Validates `tx` against `state` as block execution would, with the pool's nonce window and
/// fee floor in place of revm's exact nonce and base-fee checks.
pub(crate) fn check_with_state<V: StateView>(
    tx: &EvmTx,
    config: &EvmConfig,
    block_gas_limit: u64,
    state: &V,
    context: &AdmissionContext,
) -> Result<Result<(), TxError>, ExecutionError> {
    let account = state.account(AccountId::from(tx.sender))?.unwrap_or_default();
    let env = admission_env(block_gas_limit, context);
    let mut executor = EvmExecutor::for_admission(config, &env, StateDb::new(state));
    let nonce_window = || check_nonce(tx, account.nonce, context.max_nonce_ahead);
    match executor.validate(tx, nonce_window)? {
        Ok(()) => {}
        Err(Validation::Caller(refusal)) => return Ok(Err(refusal)),
        Err(Validation::Invalid(invalid)) => {
            return Ok(Err(geth_error(config, block_gas_limit, tx, &invalid, account.balance)));
        }
    }
    let max_fee = tx.envelope.max_fee_per_gas();
    if max_fee < u128::from(context.head_base_fee / 2) {
        return Ok(Err(TxError::FeeCapTooLow { max_fee, base_fee: context.head_base_fee }));
    }
    Ok(Ok(()))
}

/// The pool's nonce rule: not below the account's, at most `max_ahead` above it.
fn check_nonce(tx: &EvmTx, next: u64, max_ahead: u64) -> Result<(), TxError> {
    let nonce = tx.nonce();
    if nonce < next {
        return Err(TxError::NonceTooLow { next, nonce });
    }
    if nonce > next.saturating_add(max_ahead) {
        return Err(TxError::NonceTooHigh { next, nonce });
    }
    Ok(())
}

/// geth's refusal for revm's reason `invalid` under `config` and blocks of
/// `block_gas_limit`; `balance` is the sender's.
fn geth_error(
    config: &EvmConfig,
    block_gas_limit: u64,
    tx: &EvmTx,
    invalid: &InvalidTransaction,
    balance: U256,
) -> TxError {
    use InvalidTransaction as I;
    use revm::context_interface::Cfg as _;
    match *invalid {
        I::InvalidChainId | I::MissingChainId => TxError::InvalidChainId,
        I::CallerGasLimitMoreThanBlock => TxError::ExceedsBlockGasLimit,
        // revm checks the EIP-7825 cap first; geth names the block's limit first.
        I::TxGasLimitGreaterThanCap { gas_limit, .. } if gas_limit > block_gas_limit => {
            TxError::ExceedsBlockGasLimit
        }
        I::TxGasLimitGreaterThanCap { gas_limit, cap } => {
            TxError::GasLimitTooHigh { cap, gas: gas_limit }
        }
        I::CallGasCostMoreThanGasLimit { gas_limit, initial_gas } => {
            TxError::IntrinsicGasTooLow { gas: gas_limit, needed: initial_gas }
        }
        I::GasFloorMoreThanGasLimit { gas_floor, gas_limit } => {
            TxError::FloorDataGas { gas: gas_limit, needed: gas_floor }
        }
        I::PriorityFeeGreaterThanMaxFee => TxError::TipAboveFeeCap,
        I::EmptyAuthorizationList => TxError::EmptyAuthList,
        I::CreateInitCodeSizeLimit => TxError::MaxInitCodeSize {
            size: tx.envelope.input().len(),
            limit: config.cfg_env().max_initcode_size(),
        },
        // geth computes the cost in big integers: one past 2^256 is just more than any balance
        // (`want` saturates here).
        I::LackOfFundForMaxFee { .. } | I::OverflowPaymentInTransaction => {
            TxError::InsufficientFunds { address: tx.sender, have: balance, want: tx.max_cost() }
        }
        I::RejectCallerWithCode => TxError::SenderNotEoa(tx.sender),
        I::NonceOverflowInTransaction => TxError::NonceMax,
        I::NonceTooLow { tx: nonce, state } => TxError::NonceTooLow { next: state, nonce },
        I::NonceTooHigh { tx: nonce, state } => TxError::NonceTooHigh { next: state, nonce },
        ref other => TxError::EvmRefused(other.to_string()),
    }
}
