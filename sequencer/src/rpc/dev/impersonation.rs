//! Impersonation: `anvil_impersonateAccount`/`anvil_stopImpersonatingAccount` (and Hardhat's
//! `hardhat_` names) keep the set of accounts a devnet's unsigned `eth_sendTransaction` may send
//! from; the transaction it admits carries an impersonation signature
//! (`execution::dev_state::impersonation_signature`) that names its sender, so the pool, the
//! journal, DA and followers all see the same sender.

use alloy_consensus::{SignableTransaction, TxEip1559, TxEnvelope};
use alloy_eips::eip2718::Encodable2718;
use alloy_primitives::{Address, B256, TxKind};
use alloy_rpc_types_eth::TransactionRequest;
use execution::{
    AccountId, EngineKind, StateView, Transaction, dev_state::impersonation_signature, evm::EvmTx,
};

use super::api::{DevEthApiServer, HardhatDevApiServer};
use crate::rpc::{
    errors::{RpcResult, internal, invalid_params, pool_error, server_error},
    handler::RpcHandler,
};

/// Tip of a filled-in transaction, when the request names none: 1 gwei.
const DEFAULT_TIP: u128 = 1_000_000_000;

impl RpcHandler {
    /// Starts (`on`) or ends impersonating `address`.
    pub(super) fn impersonate(&self, address: Address, on: bool) -> RpcResult<()> {
        if !self.ctx.engines.runs(EngineKind::DevState) {
            return Err(server_error(
                "this chain does not take impersonated transactions (chain.dev_state_writes = \
                 false)",
            ));
        }
        let mut set = self.impersonated.lock();
        if on {
            set.insert(address);
        } else {
            set.remove(&address);
        }
        Ok(())
    }
}

impl HardhatDevApiServer for RpcHandler {
    fn hardhat_impersonate_account(&self, address: Address) -> RpcResult<()> {
        self.impersonate(address, true)
    }

    fn hardhat_stop_impersonating_account(&self, address: Address) -> RpcResult<()> {
        self.impersonate(address, false)
    }
}

#[jsonrpsee::core::async_trait]
impl DevEthApiServer for RpcHandler {
    async fn eth_send_transaction(&self, request: TransactionRequest) -> RpcResult<B256> {
        let from = request.from.ok_or_else(|| invalid_params("missing \"from\""))?;
        if !self.impersonated.lock().contains(&from) {
            return Err(server_error(format!(
                "no signer for {from}: the node holds no keys (impersonate it first with \
                 anvil_impersonateAccount)"
            )));
        }
        let (state_nonce, base_fee) = {
            let reader = self.reader()?;
            let account = reader.account(AccountId::from(from)).map_err(internal)?;
            let env = self.next_block_env(&reader)?;
            (account.map(|a| a.nonce).unwrap_or(0), env.base_fee_per_gas)
        };
        let nonce =
            request.nonce.unwrap_or_else(|| self.ctx.mempool.pending_nonce(from, state_nonce));
        let gas_limit = match request.gas {
            Some(gas) => gas,
            None => self.eth_estimate_gas(request.clone(), None).await?.to::<u64>(),
        };
        let tip = request.max_priority_fee_per_gas.unwrap_or(DEFAULT_TIP);
        // Saturating: the tip is the caller's, and may be near u128::MAX.
        let max_fee = request
            .max_fee_per_gas
            .or(request.gas_price)
            .unwrap_or((2 * u128::from(base_fee)).saturating_add(tip));
        let tx = TxEip1559 {
            chain_id: self.ctx.config.chain.chain_id,
            nonce,
            gas_limit,
            max_fee_per_gas: max_fee,
            max_priority_fee_per_gas: tip.min(max_fee),
            to: request.to.unwrap_or(TxKind::Create),
            value: request.value.unwrap_or_default(),
            access_list: request.access_list.clone().unwrap_or_default(),
            input: request.input.input().cloned().unwrap_or_default(),
        };
        let envelope: TxEnvelope = tx.into_signed(impersonation_signature(from)).into();
        let evm = EvmTx::decode_with_sender(&envelope.encoded_2718(), from)
            .map_err(|e| invalid_params(e.to_string()))?;
        self.ctx.mempool.admit(Transaction::Evm(evm)).await.map_err(|e| pool_error(&e))
    }
}
