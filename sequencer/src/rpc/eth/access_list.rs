//! `eth_createAccessList`: the EIP-2930 access list of a call, as geth answers it — the
//! call run as `eth_call` runs it (same block, state and environment, see `eth_call`; with no
//! block given at `pending`, geth's default), re-run with the list it found until the list is
//! stable (`execution::evm::access_list`).
//!
//! A call that reverts or halts still has a list: the result carries it with the gas used
//! and geth's VM error text in `error`. A call that is not a valid transaction (e.g. the
//! sender cannot pay) is an RPC error, as in geth.

use alloy_eips::{BlockId, BlockNumberOrTag, eip2930::AccessListResult};
use alloy_primitives::U256;
use alloy_rpc_types_eth::TransactionRequest;
use execution::evm::{AccessListOutcome, CallResult, create_access_list};
use jsonrpsee::types::ErrorObjectOwned;

use super::{
    api::EthAccessListApiServer,
    call_errors::halt_message,
    errors::{RpcResult, internal, server_error},
    eth_call::call_request,
    handler::RpcHandler,
};

/// geth's answer for `outcome`: the list, the gas used and the VM error of a failed call; an
/// RPC error for a call that is not a valid transaction.
fn access_list_result(outcome: AccessListOutcome) -> Result<AccessListResult, ErrorObjectOwned> {
    let (gas_used, error) = match outcome.result {
        CallResult::Success { gas_used, .. } => (gas_used, None),
        // geth reports `vm.ErrExecutionReverted`, without the reason.
        CallResult::Revert { gas_used, .. } => (gas_used, Some("execution reverted".to_string())),
        CallResult::Halt { reason, gas_used } => (gas_used, Some(halt_message(&reason))),
        CallResult::Invalid(message) => return Err(server_error(message)),
    };
    Ok(AccessListResult { access_list: outcome.access_list, gas_used: U256::from(gas_used), error })
}

#[jsonrpsee::core::async_trait]
impl EthAccessListApiServer for RpcHandler {
    async fn create_access_list(
        &self,
        request: TransactionRequest,
        block: Option<BlockId>,
    ) -> RpcResult<AccessListResult> {
        let call = call_request(request)?;
        let block = block.or(Some(BlockId::Number(BlockNumberOrTag::Pending)));
        self.with_call_state(block, move |this, reader, env| {
            let gas_cap = this.ctx.config.rpc.gas_cap;
            let evm = this.ctx.engines.evm();
            let outcome = create_access_list(reader, evm, env, &call, gas_cap).map_err(internal)?;
            access_list_result(outcome)
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use alloy_eips::eip2930::{AccessList, AccessListItem};
    use alloy_primitives::{Address, B256, Bytes};
    use serde_json::json;

    use super::*;

    fn outcome(result: CallResult) -> AccessListOutcome {
        let item = AccessListItem {
            address: Address::repeat_byte(1),
            storage_keys: vec![B256::with_last_byte(2)],
        };
        AccessListOutcome { access_list: AccessList(vec![item]), result }
    }

    #[test]
    fn success_has_list_and_gas_and_no_error() {
        let ok = outcome(CallResult::Success { output: Bytes::new(), gas_used: 0x6000 });
        assert_eq!(
            serde_json::to_value(access_list_result(ok).unwrap()).unwrap(),
            json!({
                "accessList": [{
                    "address": "0x0101010101010101010101010101010101010101",
                    "storageKeys": [
                        "0x0000000000000000000000000000000000000000000000000000000000000002"
                    ],
                }],
                "gasUsed": "0x6000",
            })
        );
    }

    #[test]
    fn failures_carry_geths_vm_error() {
        let revert = outcome(CallResult::Revert { output: Bytes::from(vec![1]), gas_used: 9 });
        let result = access_list_result(revert).unwrap();
        assert_eq!(result.error.as_deref(), Some("execution reverted"));
        assert_eq!(result.gas_used, U256::from(9));
        let halt = outcome(CallResult::Halt { reason: "OutOfGas(Basic)".into(), gas_used: 5 });
        assert_eq!(access_list_result(halt).unwrap().error.as_deref(), Some("out of gas"));
        let invalid = outcome(CallResult::Invalid("insufficient funds".into()));
        let err = access_list_result(invalid).unwrap_err();
        assert_eq!((err.code(), err.message()), (-32000, "insufficient funds"));
    }
}
