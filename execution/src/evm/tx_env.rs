//! Conversion of an Ethereum transaction into revm's `TxEnv`.

use alloy_consensus::{Transaction as _, TxEnvelope};
use revm::context::{TxEnv, either::Either};

use crate::evm::EvmTx;

/// The revm transaction environment for `tx`.
pub fn tx_env(tx: &EvmTx) -> TxEnv {
    let env = &tx.envelope;
    let (gas_price, gas_priority_fee) = match env {
        TxEnvelope::Legacy(_) | TxEnvelope::Eip2930(_) => {
            (env.gas_price().unwrap_or_default(), None)
        }
        _ => (env.max_fee_per_gas(), env.max_priority_fee_per_gas()),
    };
    TxEnv {
        tx_type: env.tx_type() as u8,
        caller: tx.sender,
        gas_limit: env.gas_limit(),
        gas_price,
        kind: env.kind(),
        value: env.value(),
        data: env.input().clone(),
        nonce: env.nonce(),
        chain_id: env.chain_id(),
        access_list: env.access_list().cloned().unwrap_or_default(),
        gas_priority_fee,
        blob_hashes: Vec::new(),
        max_fee_per_blob_gas: 0,
        authorization_list: env
            .authorization_list()
            .map(|list| list.iter().cloned().map(Either::Left).collect())
            .unwrap_or_default(),
    }
}
