//! Account state queries (`eth_getBalance`, `eth_getTransactionCount`, `eth_getCode`,
//! `eth_getStorageAt`, `eth_getProof`) at the block they name, from the state history and
//! the trie history (see `block_id`); and the entry points of `eth_call` / `eth_estimateGas`
//! (see `eth_call.rs`).

use alloy_eips::BlockId;
use alloy_primitives::{Address, B256, Bytes, U64, U256};
use alloy_rpc_types_eth::{EIP1186AccountProofResponse, EIP1186StorageProof, TransactionRequest};
use execution::{AccountId, StateView as _};

use super::{
    api::EthStateApiServer,
    block_id::{head_number, is_pending, state_at, state_block, state_root},
    errors::{RpcResult, historical_proof, internal, invalid_params},
    handler::RpcHandler,
    params::StorageKey,
};

/// Most storage keys one `eth_getProof` may ask for.
pub(crate) const MAX_PROOF_KEYS: usize = 1024;

#[jsonrpsee::core::async_trait]
impl EthStateApiServer for RpcHandler {
    async fn balance(&self, address: Address, block: Option<BlockId>) -> RpcResult<U256> {
        let reader = self.reader()?;
        let state = state_at(&reader, state_block(&reader, &self.ctx.heads, block)?)?;
        let account = state.account(AccountId::from(address)).map_err(internal)?;
        Ok(account.map(|a| a.balance).unwrap_or_default())
    }

    async fn transaction_count(&self, address: Address, block: Option<BlockId>) -> RpcResult<U64> {
        let reader = self.reader()?;
        let state = state_at(&reader, state_block(&reader, &self.ctx.heads, block)?)?;
        let account = state.account(AccountId::from(address)).map_err(internal)?;
        let nonce = account.map(|a| a.nonce).unwrap_or(0);
        if is_pending(block) {
            return Ok(U64::from(self.ctx.mempool.pending_nonce(address, nonce)));
        }
        Ok(U64::from(nonce))
    }

    async fn code(&self, address: Address, block: Option<BlockId>) -> RpcResult<Bytes> {
        let reader = self.reader()?;
        let state = state_at(&reader, state_block(&reader, &self.ctx.heads, block)?)?;
        let Some(account) = state.account(AccountId::from(address)).map_err(internal)? else {
            return Ok(Bytes::new());
        };
        Ok(state.code(account.code_hash).map_err(internal)?.unwrap_or_default())
    }

    async fn storage_at(
        &self,
        address: Address,
        slot: StorageKey,
        block: Option<BlockId>,
    ) -> RpcResult<B256> {
        let reader = self.reader()?;
        let state = state_at(&reader, state_block(&reader, &self.ctx.heads, block)?)?;
        let value = state.storage(address, slot.as_u256()).map_err(internal)?;
        Ok(B256::from(value))
    }

    async fn proof(
        &self,
        address: Address,
        keys: Vec<StorageKey>,
        block: Option<BlockId>,
    ) -> RpcResult<EIP1186AccountProofResponse> {
        if keys.len() > MAX_PROOF_KEYS {
            return Err(invalid_params(format!(
                "too many storage keys: {} requested, the limit is {MAX_PROOF_KEYS}",
                keys.len()
            )));
        }
        let slots: Vec<B256> = keys.iter().map(|k| k.0).collect();
        self.blocking(move |this| {
            let reader = this.reader()?;
            let number = state_block(&reader, &this.ctx.heads, block)?;
            let oldest = reader.oldest_proof().map_err(internal)?;
            if number < oldest {
                // The state is kept, its trie is not: a database upgraded to trie history.
                let head = head_number(&reader)?;
                return Err(historical_proof(number, state_root(&reader, number)?, oldest, head));
            }
            let proof = state_at(&reader, number)?.proof(address, &slots).map_err(internal)?;
            Ok(EIP1186AccountProofResponse {
                address,
                balance: proof.account.balance,
                code_hash: proof.account.code_hash,
                nonce: proof.account.nonce,
                storage_hash: proof.account.storage_root,
                account_proof: proof.account_proof,
                storage_proof: proof
                    .storage_proofs
                    .into_iter()
                    .map(|(key, value, proof)| EIP1186StorageProof {
                        key: key.into(),
                        value,
                        proof,
                    })
                    .collect(),
            })
        })
        .await
    }

    async fn call(
        &self,
        request: TransactionRequest,
        block: Option<BlockId>,
        state_overrides: Option<serde_json::Value>,
        block_overrides: Option<serde_json::Value>,
    ) -> RpcResult<Bytes> {
        reject_overrides(state_overrides.as_ref(), "state")?;
        reject_overrides(block_overrides.as_ref(), "block")?;
        self.eth_call(request, block).await
    }

    async fn estimate_gas(
        &self,
        request: TransactionRequest,
        block: Option<BlockId>,
        state_overrides: Option<serde_json::Value>,
    ) -> RpcResult<U64> {
        reject_overrides(state_overrides.as_ref(), "state")?;
        self.eth_estimate_gas(request, block).await
    }
}

/// Overrides are not supported; an empty object or `null` is accepted as none.
fn reject_overrides(value: Option<&serde_json::Value>, what: &str) -> RpcResult<()> {
    match value {
        None | Some(serde_json::Value::Null) => Ok(()),
        Some(serde_json::Value::Object(map)) if map.is_empty() => Ok(()),
        Some(_) => Err(invalid_params(format!("{what} overrides are not supported"))),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn empty_overrides_are_accepted() {
        reject_overrides(None, "state").unwrap();
        reject_overrides(Some(&json!(null)), "state").unwrap();
        reject_overrides(Some(&json!({})), "state").unwrap();
        let err = reject_overrides(Some(&json!({"0x00": {}})), "state").unwrap_err();
        assert_eq!(err.code(), -32602);
        assert_eq!(err.message(), "state overrides are not supported");
    }
}
