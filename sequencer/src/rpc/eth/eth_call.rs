//! `eth_call` and `eth_estimateGas`: a call simulated at the block it names, on a blocking
//! thread, with geth's error shapes. At block N (`latest` is the head) it runs on N's state
//! in N's environment — NUMBER, TIMESTAMP, BASEFEE, PREVRANDAO and the gas limit from N's
//! header — as geth and anvil run calls; at `pending` on the latest state in the next
//! block's environment (number head + 1, the EIP-1559 base fee, PREVRANDAO = head hash, the
//! current time).

use std::time::{SystemTime, UNIX_EPOCH};

use alloy_eips::BlockId;
use alloy_primitives::{Bytes, TxKind, U64};
use alloy_rpc_types_eth::TransactionRequest;
use execution::{
    BlockEnv, HistoricalState, StoreReader,
    evm::{CallRequest, CallResult, estimate_gas, estimate_gas_cap, simulate_call},
};

use super::{
    block_id::{is_pending, state_at, state_block},
    call_errors::{call_error, estimate_error},
    errors::{RpcResult, internal, invalid_params},
    handler::RpcHandler,
};

impl RpcHandler {
    /// The environment of the block after the head of `reader`'s snapshot.
    pub(crate) fn next_block_env(&self, reader: &StoreReader) -> RpcResult<BlockEnv> {
        let head = reader.head_header().map_err(internal)?;
        let now = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
        Ok(self.ctx.chain.next_block_env(&head, now))
    }
}

/// The call of an `eth_call` transaction object.
pub(crate) fn call_request(request: TransactionRequest) -> RpcResult<CallRequest> {
    let input = request.input.try_into_unique_input().map_err(|_| {
        invalid_params(
            "both \"data\" and \"input\" are set and not equal. Please use \"input\" to pass \
             transaction call data",
        )
    })?;
    Ok(CallRequest {
        from: request.from,
        to: match request.to {
            Some(TxKind::Call(to)) => Some(to),
            Some(TxKind::Create) | None => None,
        },
        gas: request.gas,
        gas_price: request.gas_price,
        max_fee_per_gas: request.max_fee_per_gas,
        max_priority_fee_per_gas: request.max_priority_fee_per_gas,
        value: request.value,
        input: input.unwrap_or_default(),
        nonce: request.nonce,
        access_list: request.access_list,
    })
}

impl RpcHandler {
    /// Runs `work` on a blocking thread with the state and environment of a call at `block`:
    /// a named block's state (from the state history, at any kept block) in that block's own
    /// environment (read from its header, as geth and anvil run calls), or for `pending` the
    /// latest state in the next block's environment.
    pub(super) async fn with_call_state<T: Send + 'static>(
        &self,
        block: Option<BlockId>,
        work: impl FnOnce(&Self, &HistoricalState<'_>, &BlockEnv) -> RpcResult<T> + Send + 'static,
    ) -> RpcResult<T> {
        self.blocking(move |this| {
            let reader = this.reader()?;
            let number = state_block(&reader, &this.ctx.heads, block)?;
            let env = if is_pending(block) {
                this.next_block_env(&reader)?
            } else {
                let header = reader.header(number).map_err(internal)?;
                BlockEnv::of_header(&header.ok_or_else(|| internal("a kept block without header"))?)
            };
            let state = state_at(&reader, number)?;
            work(&this, &state, &env)
        })
        .await
    }

    /// `eth_call`.
    pub(crate) async fn eth_call(
        &self,
        request: TransactionRequest,
        block: Option<BlockId>,
    ) -> RpcResult<Bytes> {
        let call = call_request(request)?;
        self.with_call_state(block, move |this, reader, env| {
            let gas_cap = this.ctx.config.rpc.gas_cap;
            let result = simulate_call(reader, this.ctx.engines.evm(), env, &call, gas_cap)
                .map_err(internal)?;
            match result {
                CallResult::Success { output, .. } => Ok(output),
                failure => Err(call_error(&failure).unwrap_or_else(|| internal("call failed"))),
            }
        })
        .await
    }

    /// `eth_estimateGas`.
    pub(crate) async fn eth_estimate_gas(
        &self,
        request: TransactionRequest,
        block: Option<BlockId>,
    ) -> RpcResult<U64> {
        let call = call_request(request)?;
        self.with_call_state(block, move |this, reader, env| {
            let gas_cap = this.ctx.config.rpc.gas_cap;
            let cap = estimate_gas_cap(&call, env, gas_cap);
            let evm = this.ctx.engines.evm();
            match estimate_gas(reader, evm, env, &call, gas_cap).map_err(internal)? {
                Ok(gas) => Ok(U64::from(gas)),
                Err(failure) => Err(estimate_error(&failure, cap)),
            }
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use alloy_primitives::{Address, U256};
    use alloy_rpc_types_eth::TransactionInput;
    use serde_json::json;

    use super::*;

    #[test]
    fn request_fields_map_to_call() {
        let request: TransactionRequest = serde_json::from_value(json!({
            "from": "0x0000000000000000000000000000000000000001",
            "to": "0x0000000000000000000000000000000000000002",
            "gas": "0x5208",
            "maxFeePerGas": "0x10",
            "value": "0x3",
            "data": "0xabcd",
        }))
        .unwrap();
        let call = call_request(request).unwrap();
        assert_eq!(call.from, Some(Address::with_last_byte(1)));
        assert_eq!(call.to, Some(Address::with_last_byte(2)));
        assert_eq!(call.gas, Some(21_000));
        assert_eq!(call.max_fee_per_gas, Some(16));
        assert_eq!(call.value, Some(U256::from(3)));
        assert_eq!(call.input, Bytes::from(vec![0xab, 0xcd]));
    }

    #[test]
    fn creation_and_conflicting_input() {
        let call = call_request(TransactionRequest::default()).unwrap();
        assert_eq!(call.to, None);
        let request = TransactionRequest {
            input: TransactionInput {
                input: Some(Bytes::from(vec![1])),
                data: Some(Bytes::from(vec![2])),
            },
            ..Default::default()
        };
        let err = call_request(request).unwrap_err();
        assert_eq!(err.code(), -32602);
        assert!(err.message().starts_with("both \"data\" and \"input\""));
    }
}
