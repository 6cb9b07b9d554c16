//! `eth_createAccessList` as geth computes it: the call runs under revm-inspectors'
//! [`AccessListInspector`] (which leaves out the sender, the recipient's address entry — not
//! its slots — and the precompiles), then again with the list it found, until a run touches
//! exactly the list it was given. The gas used is that last run's, the list included.

use alloy_eips::eip2930::AccessList;
use revm::{Context, InspectEvm, MainContext};
use revm_inspectors::access_list::AccessListInspector;

use super::simulate::{call_env, call_gas, call_result, call_tx_env};
use crate::{
    BlockEnv, ExecutionError, StateView,
    evm::{BlockSolana, CallRequest, CallResult, EvmEngine, StateDb},
};

/// Most runs before the list is taken as it is. A list only changes when the previous one
/// changed the path the call took (gas-dependent code); geth has no bound, and this keeps an
/// adversarial contract from looping the node.
const MAX_RUNS: usize = 16;

/// The access list of a call and the outcome of running it with that list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessListOutcome {
    /// The addresses and slots the call touches (sorted; sender and precompiles left out).
    pub access_list: AccessList,
    /// The call run with `access_list`: its gas used, and its failure if it failed.
    pub result: CallResult,
}

/// One run of `req` under an access-list inspector seeded with `seed`: what it touched and
/// how it ended.
fn inspect_once<V: StateView>(
    state: &V,
    (evm, solana): (&EvmEngine, Option<&BlockSolana<'_>>),
    env: &BlockEnv,
    req: &CallRequest,
    gas: u64,
) -> Result<(AccessList, CallResult), ExecutionError> {
    let config = evm.config();
    let mut db = StateDb::new(state).with_solana(solana);
    let (cfg, block) = call_env(config, env, req, gas);
    let seed = req.access_list.clone().unwrap_or_default();
    let ctx = Context::mainnet().with_db(&mut db).with_cfg(cfg).with_block(block);
    let mut evm = crate::wasm::evm_bridge::manifold_evm(
        ctx,
        AccessListInspector::new(seed),
        Default::default(),
    );
    let outcome = evm.inspect_tx(call_tx_env(req, gas, config.chain_id));
    let result = call_result(outcome.map(|outcome| outcome.result))?;
    Ok((evm.inspector.access_list(), result))
}

/// The access list of `req` on `state` in block `env` (`eth_createAccessList`), with the
/// outcome of the call run with it. `req.access_list` seeds the first run, as in geth.
pub fn create_access_list<V: StateView>(
    state: &V,
    evm: &EvmEngine,
    env: &BlockEnv,
    req: &CallRequest,
    gas_cap: u64,
) -> Result<AccessListOutcome, ExecutionError> {
    let gas = call_gas(req, env, gas_cap);
    let solana = BlockSolana::lazy(evm.svm(), env);
    let evm = (evm, solana.as_ref());
    let mut req = req.clone();
    let mut given = req.access_list.take().unwrap_or_default();
    given.sort();
    for _ in 0..MAX_RUNS {
        req.access_list = Some(given.clone());
        let (touched, result) = inspect_once(state, evm, env, &req, gas)?;
        if touched == given || matches!(result, CallResult::Invalid(_)) {
            return Ok(AccessListOutcome { access_list: given, result });
        }
        given = touched;
    }
    req.access_list = Some(given.clone());
    let (_, result) = inspect_once(state, evm, env, &req, gas)?;
    Ok(AccessListOutcome { access_list: given, result })
}

#[cfg(test)]
mod tests {
    use alloy_eips::eip2930::AccessListItem;
    use alloy_primitives::{Address, B256, Bytes, U256, keccak256};

    use super::*;
    use crate::{AccountId, AccountState, state::AccountData};

    const CALLER: Address = Address::repeat_byte(0xca);
    const TARGET: Address = Address::repeat_byte(0xaa);
    const OTHER: Address = Address::repeat_byte(0xbb);

    /// `SLOAD(1); SSTORE(2, 7); BALANCE(OTHER); STATICCALL(identity precompile); STOP`.
    fn target_code() -> Bytes {
        let mut code = vec![0x60, 0x01, 0x54, 0x50, 0x60, 0x07, 0x60, 0x02, 0x55, 0x73];
        code.extend_from_slice(OTHER.as_slice());
        code.extend_from_slice(&[0x31, 0x50]);
        // STATICCALL(gas, 0x04, 0, 0, 0, 0)
        code.extend_from_slice(&[0x60, 0x00, 0x60, 0x00, 0x60, 0x00, 0x60, 0x00]);
        code.extend_from_slice(&[0x60, 0x04, 0x5a, 0xfa, 0x50, 0x00]);
        Bytes::from(code)
    }

    /// The target contract with its code, the caller funded, nothing else.
    struct State;

    impl StateView for State {
        fn account(&self, id: AccountId) -> Result<Option<AccountState>, ExecutionError> {
            Ok(if id == AccountId::from(TARGET) {
                Some(AccountState { code_hash: keccak256(target_code()), ..Default::default() })
            } else if id == AccountId::from(CALLER) {
                Some(AccountState { balance: U256::from(10u128.pow(20)), ..Default::default() })
            } else {
                None
            })
        }
        fn account_data(&self, _: AccountId) -> Result<Option<AccountData>, ExecutionError> {
            Ok(None)
        }
        fn storage(&self, _: Address, _: U256) -> Result<U256, ExecutionError> {
            Ok(U256::ZERO)
        }
        fn code(&self, hash: B256) -> Result<Option<Bytes>, ExecutionError> {
            Ok((hash == keccak256(target_code())).then(target_code))
        }
        fn block_hash(&self, _: u64) -> Result<Option<B256>, ExecutionError> {
            Ok(None)
        }
    }

    fn env() -> BlockEnv {
        BlockEnv {
            number: 1,
            timestamp: 1,
            parent_hash: B256::ZERO,
            gas_limit: 30_000_000,
            base_fee_per_gas: 0,
            beneficiary: Address::ZERO,
            prevrandao: B256::ZERO,
        }
    }

    fn call() -> CallRequest {
        CallRequest { from: Some(CALLER), to: Some(TARGET), ..Default::default() }
    }

    fn expected() -> AccessList {
        let mut list = AccessList(vec![
            AccessListItem {
                address: TARGET,
                storage_keys: vec![B256::with_last_byte(1), B256::with_last_byte(2)],
            },
            AccessListItem { address: OTHER, storage_keys: vec![] },
        ]);
        list.sort();
        list
    }

    /// The EVM of chain 1.
    fn engine() -> crate::evm::EvmEngine {
        crate::evm::EvmEngine::new(crate::evm::EvmConfig::new(1), 30_000_000)
    }

    #[test]
    fn lists_touched_slots_and_accounts_without_caller_or_precompiles() {
        let config = engine();
        let outcome = create_access_list(&State, &config, &env(), &call(), 30_000_000).unwrap();
        assert_eq!(outcome.access_list, expected());
        let CallResult::Success { gas_used, .. } = outcome.result else {
            panic!("call failed: {:?}", outcome.result)
        };
        // The gas is that of the call carrying the list (its intrinsic cost included).
        let with_list = CallRequest { access_list: Some(expected()), ..call() };
        let direct = super::super::simulate_call(&State, &config, &env(), &with_list, 30_000_000);
        assert_eq!(direct.unwrap(), CallResult::Success { output: Bytes::new(), gas_used });
    }

    #[test]
    fn a_given_list_seeds_the_result_and_unknown_entries_stay() {
        let extra = AccessListItem { address: Address::repeat_byte(0xee), storage_keys: vec![] };
        let given = AccessList(vec![extra.clone()]);
        let req = CallRequest { access_list: Some(given), ..call() };
        let outcome = create_access_list(&State, &engine(), &env(), &req, 30_000_000).unwrap();
        let mut want = expected();
        want.0.push(extra);
        want.sort();
        assert_eq!(outcome.access_list, want);
    }

    #[test]
    fn an_invalid_call_is_reported_not_listed() {
        let req = CallRequest { from: Some(OTHER), value: Some(U256::from(1)), ..call() };
        let outcome = create_access_list(&State, &engine(), &env(), &req, 30_000_000).unwrap();
        assert!(matches!(outcome.result, CallResult::Invalid(_)), "{:?}", outcome.result);
    }
}
