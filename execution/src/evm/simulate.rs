//! Simulation without commitment: `eth_call` and `eth_estimateGas` semantics as geth
//! implements them (no gas price means no fee, no base-fee check and BASEFEE 0, unspecified
//! nonce is not checked, gas defaults to the RPC gas cap, estimation binary-searches the
//! smallest gas limit that does not fail).

use alloy_eips::eip2930::AccessList;
use alloy_primitives::{Address, Bytes, TxKind, U256};
use revm::{
    Context, ExecuteEvm, MainContext,
    context::{
        BlockEnv as RevmBlockEnv, CfgEnv, TxEnv,
        result::{EVMError, ExecutionResult, InvalidTransaction},
    },
};

use crate::{
    BlockEnv, ExecutionError, StateView,
    evm::{BlockSolana, EvmConfig, EvmEngine, StateDb, executor::revm_block_env},
};

/// EIP-7825 cap on one transaction's gas (Osaka).
pub const TX_GAS_LIMIT_CAP: u64 = 1 << 24;

/// A call to simulate (the fields of an `eth_call` transaction object).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CallRequest {
    /// Sender; the zero address when absent.
    pub from: Option<Address>,
    /// Recipient; `None` simulates a contract creation.
    pub to: Option<Address>,
    /// Gas limit; defaults to the gas cap.
    pub gas: Option<u64>,
    /// Legacy gas price.
    pub gas_price: Option<u128>,
    /// EIP-1559 fee cap.
    pub max_fee_per_gas: Option<u128>,
    /// EIP-1559 tip cap.
    pub max_priority_fee_per_gas: Option<u128>,
    /// Value sent.
    pub value: Option<U256>,
    /// Calldata (or init code for a creation).
    pub input: Bytes,
    /// Nonce (informational: calls, as in geth, do not check it).
    pub nonce: Option<u64>,
    /// EIP-2930 access list.
    pub access_list: Option<AccessList>,
}

/// The outcome of a simulated call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallResult {
    /// Returned normally.
    Success {
        /// Return data.
        output: Bytes,
        /// Gas used.
        gas_used: u64,
    },
    /// Reverted with data (an `Error(string)` or custom error, or empty).
    Revert {
        /// Revert data.
        output: Bytes,
        /// Gas used.
        gas_used: u64,
    },
    /// Halted: out of gas, invalid opcode, stack errors...
    Halt {
        /// Why, in revm's words.
        reason: String,
        /// Gas used.
        gas_used: u64,
    },
    /// The call is not a valid transaction (e.g. insufficient funds): geth's message.
    Invalid(String),
}

/// The transaction environment of `req` with `gas`.
pub(super) fn call_tx_env(req: &CallRequest, gas: u64, chain_id: u64) -> TxEnv {
    let (gas_price, gas_priority_fee, tx_type) = match (req.gas_price, req.max_fee_per_gas) {
        (Some(price), _) => (price, None, 0u8),
        (None, Some(max_fee)) => (max_fee, Some(req.max_priority_fee_per_gas.unwrap_or(0)), 2),
        (None, None) => (0, None, if req.access_list.is_some() { 1 } else { 0 }),
    };
    TxEnv {
        tx_type,
        caller: req.from.unwrap_or_default(),
        gas_limit: gas,
        gas_price,
        kind: req.to.map_or(TxKind::Create, TxKind::Call),
        value: req.value.unwrap_or_default(),
        data: req.input.clone(),
        nonce: req.nonce.unwrap_or_default(),
        chain_id: Some(chain_id),
        access_list: req.access_list.clone().unwrap_or_default(),
        gas_priority_fee,
        ..Default::default()
    }
}

/// The revm configuration and block environment a call of `req` with `gas` runs in.
pub(super) fn call_env(
    config: &EvmConfig,
    env: &BlockEnv,
    req: &CallRequest,
    gas: u64,
) -> (CfgEnv, RevmBlockEnv) {
    let mut cfg = config.cfg_env();
    // geth skips nonce checks for calls and estimates (clients send the pending nonce).
    cfg.disable_nonce_check = true;
    let mut block = revm_block_env(env);
    // geth: a call that pays no gas price skips the fee-cap check and runs with BASEFEE 0
    // (a priced one is checked against, and sees, the block's base fee).
    if req.gas_price.unwrap_or(0) == 0 && req.max_fee_per_gas.unwrap_or(0) == 0 {
        cfg.disable_base_fee = true;
        block.basefee = 0;
    }
    block.gas_limit = block.gas_limit.max(gas);
    (cfg, block)
}

/// A call's outcome from revm's result of running it.
pub(super) fn call_result(
    outcome: Result<ExecutionResult, EVMError<ExecutionError>>,
) -> Result<CallResult, ExecutionError> {
    let result = match outcome {
        Ok(result) => result,
        Err(EVMError::Transaction(invalid)) => {
            return Ok(CallResult::Invalid(geth_message(&invalid)));
        }
        Err(EVMError::Database(e)) => return Err(e),
        Err(other) => return Ok(CallResult::Invalid(other.to_string())),
    };
    let gas_used = result.tx_gas_used();
    Ok(match result {
        ExecutionResult::Success { output, .. } => {
            CallResult::Success { output: output.into_data(), gas_used }
        }
        ExecutionResult::Revert { output, .. } => CallResult::Revert { output, gas_used },
        ExecutionResult::Halt { reason, .. } => {
            CallResult::Halt { reason: format!("{reason:?}"), gas_used }
        }
    })
}

fn run_once<V: StateView>(
    state: &V,
    (evm, solana): (&EvmEngine, Option<&BlockSolana<'_>>),
    env: &BlockEnv,
    req: &CallRequest,
    gas: u64,
) -> Result<CallResult, ExecutionError> {
    let config = evm.config();
    let mut db = StateDb::new(state).with_solana(solana);
    let (cfg, block) = call_env(config, env, req, gas);
    let ctx = Context::mainnet().with_db(&mut db).with_cfg(cfg).with_block(block);
    let mut evm = crate::wasm::evm_bridge::manifold_evm(ctx, (), Default::default());
    call_result(evm.transact(call_tx_env(req, gas, config.chain_id)).map(|outcome| outcome.result))
}

/// geth's text for revm's reason a call is not a valid transaction, where geth has one;
/// revm's own text otherwise.
pub fn geth_message(invalid: &InvalidTransaction) -> String {
    match invalid {
        InvalidTransaction::LackOfFundForMaxFee { .. }
        | InvalidTransaction::OverflowPaymentInTransaction => {
            "insufficient funds for gas * price + value".to_string()
        }
        InvalidTransaction::NonceTooLow { .. } => "nonce too low".to_string(),
        InvalidTransaction::NonceTooHigh { .. } => "nonce too high".to_string(),
        InvalidTransaction::CallGasCostMoreThanGasLimit { .. } => {
            "intrinsic gas too low".to_string()
        }
        InvalidTransaction::GasPriceLessThanBasefee => {
            "max fee per gas less than block base fee".to_string()
        }
        other => other.to_string(),
    }
}

/// Simulates `req` on top of `state` in block `env` (`eth_call`).
pub fn simulate_call<V: StateView>(
    state: &V,
    evm: &EvmEngine,
    env: &BlockEnv,
    req: &CallRequest,
    gas_cap: u64,
) -> Result<CallResult, ExecutionError> {
    let solana = BlockSolana::lazy(evm.svm(), env);
    run_once(state, (evm, solana.as_ref()), env, req, call_gas(req, env, gas_cap))
}

/// The gas limit a call of `req` runs with: its own gas or the RPC gas cap, within the
/// block gas limit and the per-transaction cap.
pub(super) fn call_gas(req: &CallRequest, env: &BlockEnv, gas_cap: u64) -> u64 {
    req.gas.unwrap_or(gas_cap).min(gas_cap).min(env.gas_limit.max(21_000)).min(TX_GAS_LIMIT_CAP)
}

/// The highest gas limit `estimate_gas` tries for `req`: its own gas, the RPC gas cap, the
/// block gas limit and the per-transaction cap, whichever is lowest.
pub fn estimate_gas_cap(req: &CallRequest, env: &BlockEnv, gas_cap: u64) -> u64 {
    req.gas.unwrap_or(u64::MAX).min(gas_cap).min(env.gas_limit).min(TX_GAS_LIMIT_CAP)
}

/// Finds the smallest gas limit with which `req` does not fail (`eth_estimateGas`).
///
/// Returns the failing `CallResult` (revert with data, halt, or invalid) when the call fails
/// even at the highest allowed gas limit.
pub fn estimate_gas<V: StateView>(
    state: &V,
    evm: &EvmEngine,
    env: &BlockEnv,
    req: &CallRequest,
    gas_cap: u64,
) -> Result<Result<u64, CallResult>, ExecutionError> {
    let mut hi = estimate_gas_cap(req, env, gas_cap);
    // One Solana VM for every run of the search.
    let solana = BlockSolana::lazy(evm.svm(), env);
    let evm = (evm, solana.as_ref());
    let used = match run_once(state, evm, env, req, hi)? {
        CallResult::Success { gas_used, .. } => gas_used,
        failure => return Ok(Err(failure)),
    };
    let succeeds = |gas: u64| -> Result<bool, ExecutionError> {
        Ok(matches!(run_once(state, evm, env, req, gas)?, CallResult::Success { .. }))
    };
    // Plain transfers and calls without refunds or the 63/64 rule succeed at exactly what
    // they used: then that is the answer (21000 for a transfer, as geth reports).
    if used < hi && succeeds(used)? {
        return Ok(Ok(used));
    }
    // Most calls succeed with a little more than they used (refunds and the 63/64 rule aside).
    let optimistic = (used.saturating_add(2_300)).saturating_mul(64) / 63;
    if optimistic < hi && succeeds(optimistic)? {
        hi = optimistic;
    }
    let mut lo = used.saturating_sub(1).max(20_999);
    while lo + 1 < hi {
        // Stop once within 1.5% of the answer, as geth does.
        if (hi - lo) * 1000 / hi < 15 {
            break;
        }
        let mid = lo + (hi - lo) / 2;
        if succeeds(mid)? {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    Ok(Ok(hi))
}

#[cfg(test)]
mod geth_message_tests {
    use super::*;

    #[test]
    fn a_cost_past_two_to_the_256_is_insufficient_funds_as_in_geth() {
        let overflow = geth_message(&InvalidTransaction::OverflowPaymentInTransaction);
        assert_eq!(overflow, "insufficient funds for gas * price + value");
    }
}
